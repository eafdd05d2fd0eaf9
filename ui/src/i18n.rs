//! Every text of the interface, from Fluent files: `fr-CA` (default) and `en-CA` (complete).
//!
//! The files are `ui/locales/{fr-CA,en-CA}/main.ftl`, compiled at build time by `ui/build.rs`
//! into tables of [`Part`]s that [`Translations`] resolves as `fluent-bundle` does (without
//! isolation marks); a test compares the two on every message, so the wasm carries neither
//! the Fluent parser nor its resolver, number formatting and plural rules. Error codes become
//! messages through [`error_key`] (`err-` + the code with `_` replaced by `-`) and
//! [`error_args`] (the error's `params`, made printable). A test fails when the two files do
//! not have the same keys, when a code the app can receive has no message, or when the code
//! asks for a key that does not exist.

use std::collections::BTreeMap;

use cartable_core::AppError;
use cartable_core::ipc::Language;
use sycamore::prelude::*;

/// The French file (`fr-CA`, the default language).
pub const FR_CA: &str = include_str!("../locales/fr-CA/main.ftl");
/// The English file (`en-CA`).
pub const EN_CA: &str = include_str!("../locales/en-CA/main.ftl");

/// A value a message interpolates: Fluent selects plural forms on numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A whole number (plural rules apply): every number the interface shows is a count, a
    /// position, a length or minutes.
    Num(i64),
    /// A text.
    Str(String),
}

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Arg::Num(value)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Str(value.to_owned())
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Str(value)
    }
}

/// The Fluent key of an error code: `err-` + the code with `_` replaced by `-`
/// (`no_matching_record` → `err-no-matching-record`).
pub fn error_key(code: &str) -> String {
    format!("err-{}", code.replace('_', "-"))
}

/// How a character of a secret or an identifier is named in a message: itself, `space` for
/// whitespace (Fluent selects the words "une espace" / "a space"), `U+XXXX` for invisible
/// characters.
pub fn character_arg(c: char) -> String {
    if c.is_whitespace() {
        "space".to_owned()
    } else if c.is_control() || cartable_core::email::is_invisible(c) {
        format!("U+{:04X}", u32::from(c))
    } else {
        c.to_string()
    }
}

/// The arguments an error's message interpolates, from its `params`.
///
/// Numbers and strings pass as they are; a 0-based `position` becomes 1-based (people count from
/// one); a `character` is named with [`character_arg`]; `offending` (the password's refused
/// characters) gives `character` (the first one, named), `position` (1-based) and `count`;
/// `retry_after` (seconds) also gives `minutes` (rounded up). Other arrays and objects are left
/// out.
pub fn error_args(problem: &AppError) -> BTreeMap<String, Arg> {
    let mut args = BTreeMap::new();
    for (name, value) in &problem.params() {
        match value {
            serde_json::Value::Number(n) => {
                let mut number = whole(n);
                if name == "position" {
                    number += 1;
                }
                args.insert(name.clone(), Arg::Num(number));
                if name == "retry_after" {
                    let minutes = number.saturating_add(59).div_euclid(60).max(1);
                    args.insert("minutes".to_owned(), Arg::Num(minutes));
                }
            }
            serde_json::Value::String(s) if name == "character" => {
                let named = s.chars().next().map(character_arg).unwrap_or_default();
                args.insert(name.clone(), Arg::Str(named));
            }
            serde_json::Value::String(s) => {
                args.insert(name.clone(), Arg::Str(s.clone()));
            }
            serde_json::Value::Bool(b) => {
                args.insert(name.clone(), Arg::Str(b.to_string()));
            }
            serde_json::Value::Array(items) if name == "offending" => {
                let first = items.first();
                let character = first
                    .and_then(|o| o.get("character"))
                    .and_then(serde_json::Value::as_str)
                    .and_then(|s| s.chars().next());
                let position = first.and_then(|o| o.get("position")).and_then(|p| p.as_number());
                if let Some(c) = character {
                    args.insert("character".to_owned(), Arg::Str(character_arg(c)));
                }
                if let Some(p) = position {
                    args.insert("position".to_owned(), Arg::Num(whole(p) + 1));
                }
                let count = i64::try_from(items.len()).unwrap_or(i64::MAX);
                args.insert("count".to_owned(), Arg::Num(count));
            }
            _ => {}
        }
    }
    args
}

/// A JSON number as a whole number (the contract's parameters are all whole numbers; a
/// fraction is dropped).
fn whole(n: &serde_json::Number) -> i64 {
    #[allow(clippy::cast_possible_truncation)]
    n.as_i64().unwrap_or_else(|| n.as_f64().map_or(0, |f| f as i64))
}

/// A piece of a compiled message (`ui/build.rs`): Fluent's text elements and placeables.
#[derive(Debug)]
pub enum Part {
    /// Text as written.
    Text(&'static str),
    /// `{ $name }`.
    Var(&'static str),
    /// `{ $selector -> [key] … *[other] … }`; `default` indexes `variants`.
    Select {
        /// The variable selected on.
        selector: &'static str,
        /// The index of the `*` variant.
        default: usize,
        /// The variants, in the file's order.
        variants: &'static [Variant],
    },
}

/// A variant of a selection.
#[derive(Debug)]
pub struct Variant {
    /// What it matches.
    pub key: Key,
    /// Its text.
    pub value: &'static [Part],
}

/// The key of a variant.
#[derive(Debug)]
pub enum Key {
    /// `[0]`: that number.
    Number(i64),
    /// `[one]`, `[other]` (plural categories, for numbers) or any name (for texts).
    Name(&'static str),
}

include!(concat!(env!("OUT_DIR"), "/messages.rs"));

impl Key {
    /// Whether the variant is chosen for `value`, as `fluent-bundle`'s `FluentValue::matches`:
    /// a number equals a number key, a text equals a name, and a number is in a category
    /// named by the key (CLDR cardinal rules; the build allows only `one` and `other`).
    fn matches(&self, value: &Arg, lang: Language) -> bool {
        match (self, value) {
            (Key::Number(key), Arg::Num(n)) => key == n,
            (Key::Name(name), Arg::Str(s)) => name == s,
            (Key::Name(name), Arg::Num(n)) => match *name {
                "one" => is_one(lang, *n),
                "other" => !is_one(lang, *n),
                _ => false,
            },
            (Key::Number(_), Arg::Str(_)) => false,
        }
    }
}

/// CLDR's cardinal category `one` for a whole number: French `i = 0,1`, English `i = 1 and
/// v = 0` (on the absolute value). French's `many` (whole millions) is no key of ours, so it
/// reads as `other`.
fn is_one(lang: Language, n: i64) -> bool {
    match lang {
        Language::FrCa => n.unsigned_abs() <= 1,
        Language::EnCa => n.unsigned_abs() == 1,
    }
}

/// Writes `parts` with `args` into `out`, as `fluent-bundle` formats a pattern: a missing
/// variable is written `{$name}`, a selection without a match (or on a missing variable)
/// takes its default variant.
fn write_parts(out: &mut String, parts: &[Part], args: &BTreeMap<String, Arg>, lang: Language) {
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Var(name) => match args.get(*name) {
                Some(Arg::Num(n)) => out.push_str(&n.to_string()),
                Some(Arg::Str(s)) => out.push_str(s),
                None => {
                    out.push_str("{$");
                    out.push_str(name);
                    out.push('}');
                }
            },
            Part::Select { selector, default, variants } => {
                let chosen = args
                    .get(*selector)
                    .and_then(|value| variants.iter().find(|v| v.key.matches(value, lang)))
                    .or_else(|| variants.get(*default));
                if let Some(variant) = chosen {
                    write_parts(out, variant.value, args, lang);
                }
            }
        }
    }
}

/// Both languages' messages, compiled from the Fluent files at build time.
#[derive(Debug, Clone, Copy)]
pub struct Translations;

impl Translations {
    /// The embedded messages (nothing to parse).
    pub fn load() -> Self {
        Self
    }

    fn message(self, lang: Language, key: &str) -> Option<&'static [Part]> {
        let table = match lang {
            Language::FrCa => FR_CA_MESSAGES,
            Language::EnCa => EN_CA_MESSAGES,
        };
        table.binary_search_by(|(id, _)| (*id).cmp(key)).ok().map(|i| table[i].1)
    }

    /// Whether `key` has a message in `lang`.
    pub fn has(&self, lang: Language, key: &str) -> bool {
        self.message(lang, key).is_some()
    }

    /// The message `key` in `lang` with `args`; the key itself when it is missing (the tests
    /// make sure none is).
    pub fn text(&self, lang: Language, key: &str, args: &BTreeMap<String, Arg>) -> String {
        let Some(parts) = self.message(lang, key) else {
            return key.to_owned();
        };
        let mut out = String::new();
        write_parts(&mut out, parts, args, lang);
        out
    }

    /// The message for an error: its code's key with its params, or `err-unknown` (with the
    /// code) when this version has no message for the code.
    pub fn error(&self, lang: Language, problem: &AppError) -> String {
        let code = problem.code();
        let mut key = error_key(&code);
        let mut args = error_args(problem);
        // Messages that count attempts or minutes have a variant for when the portal gave no
        // count.
        let unknown_count = format!("{key}-unknown");
        let counted = args.contains_key("attempts_left") || args.contains_key("minutes");
        if !counted && self.has(lang, &unknown_count) {
            key = unknown_count;
        }
        if self.has(lang, &key) {
            self.text(lang, &key, &args)
        } else {
            args.insert("code".to_owned(), Arg::Str(code));
            self.text(lang, "err-unknown", &args)
        }
    }
}

fn with_translations<T>(f: impl FnOnce(&Translations) -> T) -> T {
    f(&Translations)
}

/// The interface language as a context value: reading a text through it re-renders that text
/// when the language changes.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    /// The current language.
    pub lang: Signal<Language>,
}

impl I18n {
    /// A context for `lang`.
    pub fn new(lang: Language) -> Self {
        Self { lang: create_signal(lang) }
    }

    /// The text `key` in the current language.
    pub fn t(&self, key: &str) -> String {
        let lang = self.lang.get();
        with_translations(|tr| tr.text(lang, key, &BTreeMap::new()))
    }

    /// The text `key` with arguments.
    pub fn ta(&self, key: &str, args: &[(&str, Arg)]) -> String {
        let lang = self.lang.get();
        let args = args.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        with_translations(|tr| tr.text(lang, key, &args))
    }

    /// The message for an error.
    pub fn error(&self, problem: &AppError) -> String {
        let lang = self.lang.get();
        with_translations(|tr| tr.error(lang, problem))
    }
}

/// The [`I18n`] context (provided once by the app).
pub fn use_i18n() -> I18n {
    use_context::<I18n>()
}

/// A text of the interface as a view child, `(Tr { key: "login-title" })`: one text node that
/// follows the language.
///
/// `view!` wraps any child with a call in it (`i18n.t(key)`) in a closure of its own, and
/// each closure costs about 1 KB of wasm in Sycamore's dynamic-view code; a struct literal is
/// not wrapped, so every `Tr` shares the one closure type below (BENCHMARKS.md, 2026-12-06).
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    /// The message id.
    pub key: &'static str,
}

impl From<Tr> for View {
    fn from(text: Tr) -> View {
        let i18n = use_i18n();
        let text: Box<dyn FnMut() -> String> = Box::new(move || i18n.t(text.key));
        View::from(text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeSet;

    use cartable_core::Failure;
    use cartable_core::error::SettingRefusal;
    use cartable_core::password::{OffendingChar, PasswordFailure};
    use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};

    use super::*;

    /// The reference: the file read by `fluent-bundle` at run time, as the UI did before
    /// `ui/build.rs` (no isolation marks).
    fn reference(lang: Language) -> FluentBundle<FluentResource> {
        let source = match lang {
            Language::FrCa => FR_CA,
            Language::EnCa => EN_CA,
        };
        let mut bundle = FluentBundle::new(vec![lang.tag().parse().unwrap()]);
        bundle.set_use_isolating(false);
        bundle.add_resource(FluentResource::try_new(source.to_owned()).unwrap()).unwrap();
        bundle
    }

    fn reference_text(
        bundle: &FluentBundle<FluentResource>,
        key: &str,
        args: &BTreeMap<String, Arg>,
    ) -> String {
        let pattern = bundle.get_message(key).and_then(|m| m.value()).unwrap();
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            match value {
                #[allow(clippy::cast_precision_loss)]
                Arg::Num(n) => fluent_args.set(name.as_str(), FluentValue::from(*n as f64)),
                Arg::Str(s) => fluent_args.set(name.as_str(), FluentValue::from(s.as_str())),
            }
        }
        bundle.format_pattern(pattern, Some(&fluent_args), &mut Vec::new()).into_owned()
    }

    /// The variables of a compiled message, and the names its selections match.
    fn variables(parts: &[Part], names: &mut BTreeSet<&'static str>, keys: &mut Vec<String>) {
        for part in parts {
            match part {
                Part::Text(_) => {}
                Part::Var(name) => {
                    names.insert(name);
                }
                Part::Select { selector, variants, .. } => {
                    names.insert(selector);
                    for variant in *variants {
                        if let Key::Name(name) = variant.key {
                            keys.push(name.to_owned());
                        }
                        variables(variant.value, names, keys);
                    }
                }
            }
        }
    }

    #[test]
    fn compiled_messages_read_as_fluent_bundle_reads_the_files() {
        let tr = Translations::load();
        for (lang, table) in [(Language::FrCa, FR_CA_MESSAGES), (Language::EnCa, EN_CA_MESSAGES)] {
            let bundle = reference(lang);
            let source = if lang == Language::FrCa { FR_CA } else { EN_CA };
            assert_eq!(table.len(), keys(source).len(), "every message is compiled");
            for (key, parts) in table {
                assert!(bundle.has_message(key), "{key}");
                let mut names = BTreeSet::new();
                let mut selected = vec!["x".to_owned(), "other".to_owned(), String::new()];
                variables(parts, &mut names, &mut selected);
                let mut values: Vec<Arg> = [0, 1, 2, 3, 5, 11, 21, 100, -1, -2, 1_000_000]
                    .into_iter()
                    .map(Arg::Num)
                    .collect();
                values.extend(selected.into_iter().map(Arg::Str));
                let base: BTreeMap<String, Arg> =
                    names.iter().map(|n| ((*n).to_owned(), Arg::Num(7))).collect();
                let mut cases = vec![BTreeMap::new(), base.clone()];
                for name in &names {
                    for value in &values {
                        let mut args = base.clone();
                        args.insert((*name).to_owned(), value.clone());
                        cases.push(args.clone());
                        args.remove(*name);
                        cases.push(args);
                    }
                }
                for args in cases {
                    assert_eq!(
                        tr.text(lang, key, &args),
                        reference_text(&bundle, key, &args),
                        "{lang:?} {key} {args:?}"
                    );
                }
            }
        }
    }

    /// The message ids of a Fluent file (lines `id = …` at column 0), after checking that the
    /// whole file parses.
    fn keys(source: &str) -> BTreeSet<String> {
        if let Err((_, errors)) = FluentResource::try_new(source.to_owned()) {
            panic!("Fluent syntax errors: {errors:?}");
        }
        let mut keys = BTreeSet::new();
        for line in source.lines() {
            let Some((id, _)) = line.split_once(" =") else { continue };
            if id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                assert!(keys.insert(id.to_owned()), "duplicate key {id}");
            }
        }
        keys
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let fr = keys(FR_CA);
        let en = keys(EN_CA);
        let only_fr: Vec<_> = fr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&fr).collect();
        assert!(only_fr.is_empty(), "keys missing in en-CA: {only_fr:?}");
        assert!(only_en.is_empty(), "keys missing in fr-CA: {only_en:?}");
    }

    #[test]
    fn every_error_code_has_a_message() {
        let fr = keys(FR_CA);
        let en = keys(EN_CA);
        let mut all: Vec<String> =
            cartable_core::error::every_error().iter().map(AppError::code).collect();
        all.push("unknown".to_owned());
        let missing: Vec<_> = all
            .iter()
            .map(|c| error_key(c))
            .filter(|k| !fr.contains(k) || !en.contains(k))
            .collect();
        assert!(missing.is_empty(), "error codes without a message: {missing:?}");
        let shown: BTreeSet<String> = all.iter().map(|c| error_key(c)).collect();
        let unused: Vec<_> = fr
            .iter()
            .filter(|k| k.starts_with("err-"))
            .filter(|k| {
                !shown.contains(*k)
                    && !k.strip_suffix("-unknown").is_some_and(|base| shown.contains(base))
            })
            .collect();
        assert!(unused.is_empty(), "messages of codes the app never shows: {unused:?}");
    }

    #[test]
    fn every_key_used_in_the_code_exists() {
        let fr = keys(FR_CA);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = Vec::new();
        let mut files = vec![dir];
        let mut seen = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).expect("src is readable") {
                    files.push(entry.expect("entry").path());
                }
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source is readable");
            for marker in [".t(\"", ".ta(\"", "key: \"", "label=\"", "hint=\"", "legend=\""] {
                for (index, _) in text.match_indices(marker) {
                    let rest = &text[index + marker.len()..];
                    let key = &rest[..rest.find('"').unwrap_or(0)];
                    seen += 1;
                    if !fr.contains(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(seen > 100, "the scan found only {seen} keys: the markers are stale");
        assert!(missing.is_empty(), "keys used but not defined: {missing:#?}");
    }

    #[test]
    fn error_messages_interpolate_params() {
        let tr = Translations::load();
        let problem = AppError::from(Failure::InvalidCode { attempts_left: Some(2) });
        let fr = tr.error(Language::FrCa, &problem);
        let en = tr.error(Language::EnCa, &problem);
        assert!(fr.contains('2') && en.contains('2'), "{fr} / {en}");
        assert_ne!(fr, en);
        let one = tr.error(Language::EnCa, &Failure::InvalidCode { attempts_left: Some(1) }.into());
        assert!(one.contains("1 attempt") && !one.contains("attempts"), "{one}");
    }

    #[test]
    fn a_refused_setting_says_why_and_what_to_do() {
        let tr = Translations::load();
        let says = |lang, reason: Option<SettingRefusal>| {
            tr.error(lang, &Failure::InvalidSetting { reason }.into())
        };
        assert!(
            says(Language::FrCa, Some(SettingRefusal::NoPortal)).contains("Adresse du portail")
        );
        assert!(says(Language::EnCa, Some(SettingRefusal::NoPortal)).contains("Portal address"));
        assert!(says(Language::FrCa, Some(SettingRefusal::InsecureUrl)).contains("https://"));
        assert_eq!(says(Language::EnCa, None), "This setting is not valid.");
    }

    #[test]
    fn unknown_codes_get_a_generic_message_naming_the_code() {
        let tr = Translations::load();
        let unknown = AppError::from_code("brand_new_code", serde_json::Map::new());
        let text = tr.error(Language::FrCa, &unknown);
        assert!(text.contains("brand_new_code"), "{text}");
    }

    #[test]
    fn password_offending_character_is_named_with_a_1_based_position() {
        let problem = AppError::from(PasswordFailure::Invalid {
            offending: vec![
                OffendingChar { character: 'é', position: 3 },
                OffendingChar { character: ' ', position: 5 },
            ],
        });
        let args = error_args(&problem);
        assert_eq!(args.get("character"), Some(&Arg::Str("é".into())));
        assert_eq!(args.get("position"), Some(&Arg::Num(4)));
        assert_eq!(args.get("count"), Some(&Arg::Num(2)));
        let tr = Translations::load();
        let text = tr.error(Language::FrCa, &problem);
        assert!(text.contains("é") && text.contains('4'), "{text}");
        let space = AppError::from(PasswordFailure::Invalid {
            offending: vec![OffendingChar { character: ' ', position: 0 }],
        });
        let en = tr.error(Language::EnCa, &space);
        assert!(en.contains("space"), "{en}");
    }

    #[test]
    fn retry_after_gives_minutes_rounded_up() {
        let args = error_args(&Failure::Throttled { retry_after: 61 }.into());
        assert_eq!(args.get("minutes"), Some(&Arg::Num(2)));
        let args = error_args(&Failure::Throttled { retry_after: 5 }.into());
        assert_eq!(args.get("minutes"), Some(&Arg::Num(1)));
    }

    #[test]
    fn keys_follow_the_code_rule() {
        assert_eq!(error_key("no_matching_record"), "err-no-matching-record");
        assert_eq!(character_arg(' '), "space");
        assert_eq!(character_arg('\t'), "space");
        assert_eq!(character_arg('\u{7}'), "U+0007");
        assert_eq!(character_arg('\u{200B}'), "U+200B");
        assert_eq!(character_arg('\u{202E}'), "U+202E");
    }
}
