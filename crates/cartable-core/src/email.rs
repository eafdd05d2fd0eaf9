//! Email addresses in the portal's canonical form.
//!
//! Source: `docs/contract.md §1` ("Email"): trimmed; canonical form = local part lowercased,
//! domain in Unicode after UTS #46 mapping; compared in canonical form everywhere (sign-up,
//! sign-in, reset, school records); syntax checked with a real parser; `+` tags and
//! internationalised domains are valid. Masking follows `challenge_target_label`
//! (`docs/contract.md §1` and §6 "Privacy").
//!
//! Syntax: the local part is checked by the `email_address` crate (RFC 5322 dot-atom or quoted
//! string, Unicode letters allowed as in RFC 6531); the domain by `idna`'s UTS #46 processing
//! with STD3 rules and DNS lengths (letters, digits and hyphens per label), and must have at
//! least two labels. Domain literals (`[127.0.0.1]`) and display names are refused.
//!
//! One mailbox, one canonical form: the address is put in Unicode NFC, a quoted local part
//! whose quotes change nothing (`"jean"@…`, `"\jean"@…`) is written without them (RFC 5321
//! §4.1.2), and invisible or reordering characters (zero-width, bidirectional controls,
//! U+FFFD) are refused, so limits keyed by the email cannot be multiplied by spelling one
//! address several ways. (`+tags` stay distinct addresses: whether they reach one mailbox is
//! the provider's choice.)
//!
//! [`Email`] needs the `idna` feature (on by default): UTS #46 brings ICU4X's normaliser and
//! properties data, about 55 KB of the UI's compressed wasm. The UI builds without it and
//! checks with [`check`]: every rule for a domain of ASCII letters, digits and hyphens (what
//! UTS #46 does to such a domain is lowercasing it and checking its labels), and nothing more
//! for an internationalised domain, which the shell then refuses with the same field error.

#[cfg(feature = "idna")]
use std::fmt;

use email_address::{EmailAddress, Options};
use serde::{Deserialize, Serialize};
#[cfg(feature = "idna")]
use serde::{Deserializer, Serializer};

/// Maximum length of a local part, in bytes (RFC 5321 §4.5.3.1.1).
pub const LOCAL_PART_MAX_BYTES: usize = 64;

/// An email address in canonical form: `local@domain`, local part lowercased, domain in
/// Unicode after UTS #46 mapping (`Parent.Nom+ecole@Exemple.CA` → `parent.nom+ecole@exemple.ca`,
/// `x@XN--BCHER-KVA.ch` → `x@bücher.ch`).
///
/// Equality, ordering and hashing use the canonical form. Serializes as the canonical string;
/// deserializing parses with [`Email::parse`]. `Display` shows the canonical form: log
/// [`Email::masked`] instead (`docs/contract.md §6`, "Privacy").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email {
    canonical: String,
    /// Byte index of the `@` separating local part and domain in `canonical`.
    at: usize,
}

/// What is wrong with an email address.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, strum::EnumIter,
)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum EmailError {
    /// Nothing but whitespace.
    #[error("no email address was given")]
    EmailEmpty,
    /// No `@`.
    #[error("the email address has no @")]
    EmailMissingAt,
    /// More than one `@` (outside a quoted local part).
    #[error("the email address has more than one @")]
    EmailMultipleAt,
    /// Nothing before the `@`.
    #[error("nothing before the @")]
    EmailEmptyLocalPart,
    /// Nothing after the `@`.
    #[error("nothing after the @")]
    EmailEmptyDomain,
    /// The local part exceeds [`LOCAL_PART_MAX_BYTES`] bytes.
    #[error("the part before the @ is longer than {max} bytes")]
    EmailLocalPartTooLong {
        /// [`LOCAL_PART_MAX_BYTES`].
        max: usize,
    },
    /// A character not allowed before the `@` (a space, `<`, `,`…).
    #[error("character {character:?} at position {position} is not allowed before the @")]
    EmailInvalidCharacter {
        /// The character.
        character: char,
        /// Its 0-based character index in the trimmed address.
        position: usize,
    },
    /// The part before the `@` is malformed otherwise (a dot at its start or end, two dots in a
    /// row, unbalanced quotes).
    #[error("the part before the @ is malformed")]
    EmailBadLocalPart,
    /// The domain is not a valid (internationalised) host name: forbidden character, empty
    /// label (`a..ca`), label starting or ending with `-`, too long, bad Punycode.
    #[error("the domain is not a valid host name")]
    EmailBadDomain,
    /// The domain has a single label (`jean@gmail`): the `.ca`/`.com` part is missing.
    #[error("the domain has no dot")]
    EmailDomainMissingDot,
}

/// Whether `c` may appear unquoted in a local part (RFC 5322 `atext`, `.`, and non-ASCII
/// letters per RFC 6531), mirroring the `email_address` crate.
fn is_local_char(c: char) -> bool {
    c.is_alphanumeric()
        || c == '.'
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
}

/// Whether `c` renders as nothing or reorders text (format characters: soft hyphen, the
/// combining grapheme joiner, zero-width spaces and joiners, bidirectional controls, word
/// joiners, variation selectors, Hangul fillers, the byte-order mark, interlinear annotations,
/// tags) or is U+FFFD (bytes that were not UTF-8). Refused anywhere in an address, so
/// that two addresses that look alike are one address; the UI names such a character by its
/// code point.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{34F}'
            | '\u{61C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180B}'..='\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFD}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The canonical form of a quoted local part's content (between the quotes): quoted pairs
/// (`\x`) unescaped, then written without quotes when it is a plain dot-atom (RFC 5321 §4.1.2:
/// `"jean"@…` and `jean@…` are one mailbox), else quoted again, escaping only `\` and `"`.
fn canonical_quoted(inner: &str) -> String {
    let mut plain = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        plain.push(if c == '\\' { chars.next().unwrap_or(c) } else { c });
    }
    let dot_atom = !plain.is_empty()
        && plain.chars().all(is_local_char)
        && !plain.starts_with('.')
        && !plain.ends_with('.')
        && !plain.contains("..");
    if dot_atom {
        return plain;
    }
    let escaped: String = plain
        .chars()
        .flat_map(|c| (c == '\\' || c == '"').then_some('\\').into_iter().chain([c]))
        .collect();
    format!("\"{escaped}\"")
}

/// The rules before the domain's: the trimmed address in NFC split at its last `@`, with the
/// canonical local part (lowercased, needless quotes removed) and the domain as typed.
fn split(input: &str) -> Result<(String, String), EmailError> {
    // One spelling of each accented letter (NFC): `é` and `e` + U+0301 are one address.
    let trimmed = crate::normal::nfc(input.trim());
    let trimmed = trimmed.as_str();
    if trimmed.is_empty() {
        return Err(EmailError::EmailEmpty);
    }
    if let Some((position, character)) = trimmed.chars().enumerate().find(|&(_, c)| is_invisible(c))
    {
        return Err(EmailError::EmailInvalidCharacter { character, position });
    }
    let Some((local, domain)) = trimmed.rsplit_once('@') else {
        return Err(EmailError::EmailMissingAt);
    };
    if local.is_empty() {
        return Err(EmailError::EmailEmptyLocalPart);
    }
    if domain.is_empty() {
        return Err(EmailError::EmailEmptyDomain);
    }
    let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
    if !quoted && local.contains('@') {
        return Err(EmailError::EmailMultipleAt);
    }
    if local.len() > LOCAL_PART_MAX_BYTES {
        return Err(EmailError::EmailLocalPartTooLong { max: LOCAL_PART_MAX_BYTES });
    }
    if !quoted
        && let Some((position, character)) =
            local.chars().enumerate().find(|&(_, c)| !is_local_char(c))
    {
        // `local` is a prefix of `trimmed`, so the index is also the index in `trimmed`.
        return Err(EmailError::EmailInvalidCharacter { character, position });
    }
    // Quotes that change nothing go (`"jean"` is `jean`); lowercased before the syntax
    // check, so the canonical form is what was checked.
    let local =
        if quoted { canonical_quoted(&local[1..local.len() - 1]) } else { local.to_owned() };
    let local = local.to_lowercase();
    if local.len() > LOCAL_PART_MAX_BYTES {
        return Err(EmailError::EmailLocalPartTooLong { max: LOCAL_PART_MAX_BYTES });
    }
    if !EmailAddress::is_valid_local_part(&local) {
        return Err(EmailError::EmailBadLocalPart);
    }
    Ok((local, domain.to_owned()))
}

/// The rules after UTS #46: `ascii` is the domain's ASCII form, `local` the canonical local
/// part.
fn check_ascii_domain(local: &str, ascii: &str) -> Result<(), EmailError> {
    if ascii.is_empty() || ascii.ends_with('.') {
        return Err(EmailError::EmailBadDomain);
    }
    if !ascii.contains('.') {
        return Err(EmailError::EmailDomainMissingDot);
    }
    // Final word to the real parser, on the ASCII form it understands.
    let options =
        Options::default().with_required_tld().without_domain_literal().without_display_text();
    if EmailAddress::parse_with_options(&format!("{local}@{ascii}"), options).is_err() {
        return Err(EmailError::EmailBadDomain);
    }
    Ok(())
}

/// What UTS #46 `ToASCII` with `idna::domain_to_ascii_strict`'s options (STD3 ASCII rules,
/// hyphens checked, DNS lengths verified) gives for a domain that is ASCII and has no
/// Punycode (`xn--`) label: the domain lowercased when every label is 1 to 63 letters, digits
/// and hyphens, starts and ends with neither a hyphen nor has one in both its third and fourth
/// places, and the whole is at most 253 bytes (no final dot); [`EmailError::EmailBadDomain`]
/// otherwise. `None` for any other domain: only IDNA can judge it. A test compares this with
/// `idna` on generated domains.
#[cfg(any(test, not(feature = "idna")))]
fn ascii_to_ascii(domain: &str) -> Option<Result<String, EmailError>> {
    if !domain.is_ascii() {
        return None;
    }
    let lower = domain.to_ascii_lowercase();
    if lower.split('.').any(|label| label.starts_with("xn--")) {
        return None;
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.get(2..4) != Some("--")
            && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    Some(if lower.len() <= 253 && lower.split('.').all(label_ok) {
        Ok(lower)
    } else {
        Err(EmailError::EmailBadDomain)
    })
}

/// Checks an address without IDNA: `Ok(true)` when it is valid (its domain is ASCII without
/// Punycode labels, checked fully), `Ok(false)` when every rule but the domain's holds and the
/// domain needs IDNA; the error otherwise, as [`Email::parse`] would give it.
#[cfg(any(test, not(feature = "idna")))]
fn check_without_idna(input: &str) -> Result<bool, EmailError> {
    let (local, domain) = split(input)?;
    match ascii_to_ascii(&domain) {
        Some(ascii) => check_ascii_domain(&local, &ascii?).map(|()| true),
        None => Ok(false),
    }
}

/// Checks an address as typed: with the `idna` feature, exactly [`Email::parse`]. Without it
/// (the UI's wasm), every rule for an address whose domain is ASCII (letters, digits, hyphens,
/// no Punycode label), and every rule but the domain's for an internationalised one
/// (`parent@école.québec`, `x@xn--bcher-kva.ch`), which the caller must leave to a full parse:
/// the shell parses every email it is given and refuses with the same error on the same field.
///
/// # Errors
///
/// The [`EmailError`] [`Email::parse`] gives, when this build can tell.
pub fn check(input: &str) -> Result<(), EmailError> {
    #[cfg(feature = "idna")]
    {
        Email::parse(input).map(drop)
    }
    #[cfg(not(feature = "idna"))]
    {
        check_without_idna(input).map(drop)
    }
}

#[cfg(feature = "idna")]
impl Email {
    /// Parses and canonicalises an address (see the type's docs).
    ///
    /// # Errors
    ///
    /// In this order: [`EmailError::EmailEmpty`], [`EmailError::EmailInvalidCharacter`] (an
    /// invisible character anywhere), [`EmailError::EmailMissingAt`],
    /// [`EmailError::EmailEmptyLocalPart`], [`EmailError::EmailEmptyDomain`],
    /// [`EmailError::EmailMultipleAt`], [`EmailError::EmailLocalPartTooLong`],
    /// [`EmailError::EmailInvalidCharacter`], [`EmailError::EmailBadLocalPart`],
    /// [`EmailError::EmailBadDomain`], [`EmailError::EmailDomainMissingDot`].
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let (local, domain) = split(input)?;
        let ascii =
            idna::domain_to_ascii_strict(&domain).map_err(|_| EmailError::EmailBadDomain)?;
        check_ascii_domain(&local, &ascii)?;
        let (unicode, result) = idna::domain_to_unicode(&ascii);
        if result.is_err() {
            return Err(EmailError::EmailBadDomain);
        }
        Ok(Email { at: local.len(), canonical: format!("{local}@{unicode}") })
    }

    /// The canonical form, `local@domain`.
    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    /// The canonical local part (before the `@`).
    pub fn local_part(&self) -> &str {
        &self.canonical[..self.at]
    }

    /// The canonical domain (after the `@`), in Unicode.
    pub fn domain(&self) -> &str {
        &self.canonical[self.at + 1..]
    }

    /// The domain in ASCII (Punycode) form, for SMTP and DNS.
    pub fn ascii_domain(&self) -> String {
        // The domain went through `domain_to_ascii_strict` in `parse`, so this succeeds.
        idna::domain_to_ascii(self.domain()).unwrap_or_else(|_| self.domain().to_owned())
    }

    /// The address masked like `challenge_target_label` (`docs/contract.md §1`): the local
    /// part and the domain's first label keep their first and last characters, every other
    /// character becomes `*`; the rest of the domain is kept. `jeane@example.com` →
    /// `j***e@e*****e.com`. One-character parts become `*`, two-character ones `x*`.
    /// Safe for logs (`docs/contract.md §6`, "Privacy").
    pub fn masked(&self) -> String {
        let domain = self.domain();
        let (first_label, rest) = match domain.find('.') {
            Some(dot) => (&domain[..dot], &domain[dot..]),
            None => (domain, ""),
        };
        format!("{}@{}{}", mask(self.local_part()), mask(first_label), rest)
    }
}

#[cfg(feature = "idna")]
/// `abcde` → `a***e`, `ab` → `a*`, `a` → `*`.
fn mask(part: &str) -> String {
    let chars: Vec<char> = part.chars().collect();
    match chars.as_slice() {
        [] => String::new(),
        [_] => "*".to_owned(),
        [first, _] => format!("{first}*"),
        [first, middle @ .., last] => format!("{first}{}{last}", "*".repeat(middle.len())),
    }
}

#[cfg(feature = "idna")]
impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}

#[cfg(feature = "idna")]
impl std::str::FromStr for Email {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse(s)
    }
}

#[cfg(feature = "idna")]
impl Serialize for Email {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.canonical)
    }
}

#[cfg(feature = "idna")]
impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Email::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// [`check`] and its pieces, in both builds; against `idna` where it is there.
#[cfg(test)]
mod check_tests {
    #[cfg(feature = "idna")]
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ascii_domains_are_judged_fully() {
        assert_eq!(check(" Parent.Nom+ecole@Exemple.CA "), Ok(()));
        assert_eq!(check_without_idna("parent@ecole-1.qc.ca"), Ok(true));
        for (input, error) in [
            ("   ", EmailError::EmailEmpty),
            ("parent.exemple.ca", EmailError::EmailMissingAt),
            ("jean..t@exemple.ca", EmailError::EmailBadLocalPart),
            ("jean@exemple..ca", EmailError::EmailBadDomain),
            ("jean@-exemple.ca", EmailError::EmailBadDomain),
            ("jean@ex--emple.ca", EmailError::EmailBadDomain),
            ("jean@exem_ple.ca", EmailError::EmailBadDomain),
            ("jean@[127.0.0.1]", EmailError::EmailBadDomain),
            ("jean@exemple.ca.", EmailError::EmailBadDomain),
            ("jean@gmail", EmailError::EmailDomainMissingDot),
        ] {
            assert_eq!(check(input), Err(error.clone()), "{input}");
            assert_eq!(check_without_idna(input), Err(error), "{input}");
        }
        let long_label = format!("jean@{}.ca", "a".repeat(64));
        assert_eq!(check_without_idna(&long_label), Err(EmailError::EmailBadDomain));
    }

    #[test]
    fn internationalised_domains_are_left_to_the_full_parser() {
        for input in ["élise@bücher.ch", "x@xn--bcher-kva.ch", "x@XN--bcher-kva.ch", "x@école"] {
            assert_eq!(check_without_idna(input), Ok(false), "{input}");
        }
        // The rules before the domain's still apply.
        assert_eq!(check_without_idna(".élise@bücher.ch"), Err(EmailError::EmailBadLocalPart));
        assert_eq!(
            check_without_idna("é lise@bücher.ch"),
            Err(EmailError::EmailInvalidCharacter { character: ' ', position: 1 })
        );
    }

    /// ASCII domains built from the characters that matter to UTS #46's ASCII rules, in both
    /// cases, with labels around the 63-byte limit and names around 253 bytes.
    #[cfg(feature = "idna")]
    fn ascii_domain() -> impl Strategy<Value = String> {
        let label = prop_oneof![
            4 => "[a-zA-Z0-9-]{0,6}",
            1 => "[a-z0-9_-]{0,4}",
            1 => "[xX][nN]--[a-z0-9-]{0,6}",
            1 => "[a-z]{2}--[a-z]{0,3}",
            1 => "[a-z0-9]{60,65}",
        ];
        prop::collection::vec(label, 1..6).prop_map(|labels| labels.join("."))
    }

    #[cfg(feature = "idna")]
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn the_ascii_rule_is_idnas(domain in ascii_domain(), dot in proptest::bool::ANY) {
            let domain = if dot { format!("{domain}.") } else { domain };
            if let Some(ours) = ascii_to_ascii(&domain) {
                let theirs = idna::domain_to_ascii_strict(&domain).ok();
                prop_assert_eq!(ours.ok(), theirs, "{}", domain);
            }
        }

        #[test]
        fn check_without_idna_agrees_with_parse(
            local in "[a-zA-Z0-9.+\"_ -]{0,8}",
            domain in ascii_domain(),
            long in proptest::bool::ANY,
        ) {
            let domain = if long { format!("{domain}.{}.ca", "b".repeat(63)).repeat(3) } else { domain };
            let input = format!("{local}@{domain}");
            let parsed = Email::parse(&input).map(drop);
            match check_without_idna(&input) {
                Ok(true) => prop_assert_eq!(parsed, Ok(()), "{}", input),
                Ok(false) => prop_assert!(domain.to_ascii_lowercase().contains("xn--"), "{}", input),
                Err(error) => prop_assert_eq!(parsed, Err(error), "{}", input),
            }
            prop_assert_eq!(check(&input), Email::parse(&input).map(drop));
        }
    }
}

#[cfg(all(test, feature = "idna"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_mailbox_has_one_canonical_form() {
        let plain = Email::parse("x@example.com").unwrap();
        for spelling in ["\"x\"@example.com", "\"\\x\"@Example.com", "\"X\"@EXAMPLE.com"] {
            assert_eq!(Email::parse(spelling).unwrap(), plain, "{spelling}");
        }
        assert_eq!(Email::parse("ze\u{301}lie@example.com").unwrap(), email("zélie@example.com"));
        // Quotes that are needed stay, with only `\\` and `"` escaped.
        assert_eq!(
            Email::parse("\"jean tremblay\"@example.com").unwrap().as_str(),
            "\"jean tremblay\"@example.com"
        );
        assert_eq!(
            Email::parse("\"a\\\"b\"@example.com").unwrap().as_str(),
            "\"a\\\"b\"@example.com"
        );
    }

    #[test]
    fn invisible_characters_are_refused_and_named() {
        for (input, character) in [
            ("x\u{200B}@example.com", '\u{200B}'),
            ("\u{202E}moc.elpmaxe@x", '\u{202E}'),
            ("\"x\u{FEFF}\"@example.com", '\u{FEFF}'),
            ("x@exa\u{FFFD}mple.com", '\u{FFFD}'),
            ("x\u{FE0F}@example.com", '\u{FE0F}'),
            ("x\u{E0041}@example.com", '\u{E0041}'),
        ] {
            match Email::parse(input) {
                Err(EmailError::EmailInvalidCharacter { character: found, .. }) => {
                    assert_eq!(found, character, "{input:?}");
                }
                other => panic!("{input:?}: {other:?}"),
            }
        }
    }

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn canonical_form_keeps_plus_tags() {
        let e = email(" Parent.Nom+ecole@Exemple.CA ");
        assert_eq!(e.as_str(), "parent.nom+ecole@exemple.ca");
        assert_eq!(e, email("parent.nom+ecole@exemple.ca"));
        assert_eq!(e.to_string(), "parent.nom+ecole@exemple.ca");
        assert_eq!(e.local_part(), "parent.nom+ecole");
        assert_eq!(e.domain(), "exemple.ca");
    }

    #[test]
    fn equal_addresses_hash_alike() {
        use std::collections::HashSet;
        let set: HashSet<Email> = ["A@B.ca", "a@b.ca", " a@B.CA"].into_iter().map(email).collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn internationalised_domains_are_accepted_in_unicode_form() {
        let e = email("Élise@Bücher.CH");
        assert_eq!(e.as_str(), "élise@bücher.ch");
        assert_eq!(e, email("élise@xn--bcher-kva.ch"));
        assert_eq!(e.ascii_domain(), "xn--bcher-kva.ch");
        assert_eq!(email("parent@école.québec").domain(), "école.québec");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(Email::parse("   "), Err(EmailError::EmailEmpty));
        assert_eq!(Email::parse("parent.exemple.ca"), Err(EmailError::EmailMissingAt));
        assert_eq!(Email::parse("@exemple.ca"), Err(EmailError::EmailEmptyLocalPart));
        assert_eq!(Email::parse("parent@"), Err(EmailError::EmailEmptyDomain));
        assert_eq!(Email::parse("a@b@exemple.ca"), Err(EmailError::EmailMultipleAt));
        assert_eq!(
            Email::parse("jean tremblay@exemple.ca"),
            Err(EmailError::EmailInvalidCharacter { character: ' ', position: 4 })
        );
        assert_eq!(Email::parse(".jean@exemple.ca"), Err(EmailError::EmailBadLocalPart));
        assert_eq!(Email::parse("jean..t@exemple.ca"), Err(EmailError::EmailBadLocalPart));
        assert_eq!(Email::parse("jean@exemple..ca"), Err(EmailError::EmailBadDomain));
        assert_eq!(Email::parse("jean@-exemple.ca"), Err(EmailError::EmailBadDomain));
        assert_eq!(Email::parse("jean@exem_ple.ca"), Err(EmailError::EmailBadDomain));
        assert_eq!(Email::parse("jean@[127.0.0.1]"), Err(EmailError::EmailBadDomain));
        assert_eq!(Email::parse("jean@exemple.ca."), Err(EmailError::EmailBadDomain));
        assert_eq!(Email::parse("jean@gmail"), Err(EmailError::EmailDomainMissingDot));
        assert_eq!(
            Email::parse(&format!("{}@exemple.ca", "a".repeat(65))),
            Err(EmailError::EmailLocalPartTooLong { max: 64 })
        );
        assert_eq!(crate::AppError::from(EmailError::EmailMissingAt).code(), "email_missing_at");
    }

    #[test]
    fn masking_follows_challenge_target_label() {
        assert_eq!(email("jeane@example.com").masked(), "j***e@e*****e.com");
        assert_eq!(email("ab@cd.qc.ca").masked(), "a*@c*.qc.ca");
        assert_eq!(email("a@b.ca").masked(), "*@*.ca");
    }

    #[test]
    fn serde_uses_the_canonical_string() {
        let e: Email = serde_json::from_str("\" Jean@Exemple.CA\"").unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"jean@exemple.ca\"");
        assert!(serde_json::from_str::<Email>("\"jean\"").is_err());
    }
}
