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

use std::fmt;

use email_address::{EmailAddress, Options};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization as _;

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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
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
        // One spelling of each accented letter (NFC): `é` and `e` + U+0301 are one address.
        let trimmed: String = input.trim().nfc().collect();
        let trimmed = trimmed.as_str();
        if trimmed.is_empty() {
            return Err(EmailError::EmailEmpty);
        }
        if let Some((position, character)) =
            trimmed.chars().enumerate().find(|&(_, c)| is_invisible(c))
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
        let ascii = idna::domain_to_ascii_strict(domain).map_err(|_| EmailError::EmailBadDomain)?;
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

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}

impl std::str::FromStr for Email {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse(s)
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.canonical)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Email::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
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
        assert_eq!(
            crate::Problem::from_tagged(&EmailError::EmailMissingAt).code,
            "email_missing_at"
        );
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
