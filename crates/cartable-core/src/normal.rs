//! Unicode normalisation forms (NFC, NFKC, NFKD) and the Mark category, for emails, names,
//! codes and identifiers.
//!
//! From the `unicode-normalization` crate, except in the UI's wasm: with the `js-normalization`
//! feature on `wasm32`, they come from the JavaScript engine (`String.prototype.normalize`,
//! and `\p{M}` in a Unicode regular expression: ICU and the engine's own Unicode tables in
//! WebKitGTK and WebKit, Chromium's on Android), so the crate's tables, about 70 KB of the
//! compressed wasm, stay out of it. Both follow the Unicode standard; they can differ only on
//! characters of a Unicode version one of them does not have yet, and the shell and the portal,
//! built with the crate, judge every input again. ASCII text is its own normal form in all
//! three forms and has no mark, so it never leaves Rust.

/// `s` in NFC (canonical composition): `e` + U+0301 → `é`.
pub(crate) fn nfc(s: &str) -> String {
    normalize(s, Form::Nfc)
}

/// `s` in NFKC (compatibility composition): `５` → `5`, `ﬁ` → `fi`.
pub(crate) fn nfkc(s: &str) -> String {
    normalize(s, Form::Nfkc)
}

/// `s` in NFKD (compatibility decomposition): `é` → `e` + U+0301, `ﬁ` → `fi`.
pub(crate) fn nfkd(s: &str) -> String {
    normalize(s, Form::Nfkd)
}

/// Whether `c` is a combining mark (General_Category Mark: Mn, Mc, Me), like U+0301.
pub(crate) fn is_mark(c: char) -> bool {
    !c.is_ascii() && is_mark_non_ascii(c)
}

#[derive(Clone, Copy)]
enum Form {
    Nfc,
    Nfkc,
    Nfkd,
}

#[cfg(not(all(feature = "js-normalization", target_arch = "wasm32")))]
fn normalize(s: &str, form: Form) -> String {
    use unicode_normalization::UnicodeNormalization as _;

    if s.is_ascii() {
        return s.to_owned();
    }
    match form {
        Form::Nfc => s.nfc().collect(),
        Form::Nfkc => s.nfkc().collect(),
        Form::Nfkd => s.nfkd().collect(),
    }
}

#[cfg(not(all(feature = "js-normalization", target_arch = "wasm32")))]
fn is_mark_non_ascii(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

#[cfg(all(feature = "js-normalization", target_arch = "wasm32"))]
fn is_mark_non_ascii(c: char) -> bool {
    thread_local! {
        static MARK: js_sys::RegExp = js_sys::RegExp::new("^\\p{M}$", "u");
    }
    MARK.with(|mark| mark.test(c.encode_utf8(&mut [0; 4])))
}

#[cfg(all(feature = "js-normalization", target_arch = "wasm32"))]
fn normalize(s: &str, form: Form) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    let form = match form {
        Form::Nfc => "NFC",
        Form::Nfkc => "NFKC",
        Form::Nfkd => "NFKD",
    };
    js_sys::JsString::from(s).normalize(form).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms() {
        assert_eq!(nfc("ze\u{301}lie"), "zélie");
        assert_eq!(nfkc("５ﬁ"), "5fi");
        assert_eq!(nfkd("é"), "e\u{301}");
        assert_eq!(nfkd("Côté"), "Co\u{302}te\u{301}");
        assert_eq!(nfc("ascii only"), "ascii only");
        assert!(is_mark('\u{301}') && is_mark('\u{20DD}') && is_mark('\u{93E}'));
        assert!(!is_mark('e') && !is_mark('é') && !is_mark('\''));
    }
}
