//! The portal's password policy, as a live checklist and as a yes/no verdict.
//!
//! Source: `docs/contract.md §1` ("Password policy"): 8 to 16 characters; at least 3 of the 4
//! classes lowercase `a-z`, uppercase `A-Z`, digits `0-9` and [`SYMBOLS`]; any other character
//! (space, accented or other non-ASCII letters, `<`, `>`…) is refused. The first applicable
//! failure wins, in the order `password_is_invalid`, `password_too_short`, `password_too_long`,
//! `password_too_weak`. The rule applies at sign-up, reset and password change, never at
//! sign-in. This module is the one place the rule lives: the UI, the client and the reference
//! portal all call it.
//!
//! Lengths count Unicode scalar values (`char`s), not bytes, and the input is never trimmed or
//! truncated. Reports and failures name offending characters, which are part of a secret: show
//! them to the person typing, never log them.

use serde::{Deserialize, Serialize};

/// The exact symbol set of the policy: `` @ # $ % ^ & * - _ + = [ ] { } | \ : ' , . ? / ` ~ " ( ) ; ! ``
/// (30 characters, backtick included; no space, `<` or `>`).
///
/// Source: `docs/contract.md §1`.
pub const SYMBOLS: &str = "@#$%^&*-_+=[]{}|\\:',.?/`~\"();!";

/// Minimum length, in characters (`docs/contract.md §1`).
pub const MIN_LENGTH: usize = 8;

/// Maximum length, in characters (`docs/contract.md §1`).
pub const MAX_LENGTH: usize = 16;

/// How many of the 4 character classes a password must contain (`docs/contract.md §1`).
pub const MIN_CLASSES: usize = 3;

/// One of the policy's 4 character classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharClass {
    /// ASCII `a` to `z`.
    Lowercase,
    /// ASCII `A` to `Z`.
    Uppercase,
    /// ASCII `0` to `9`.
    Digit,
    /// One of [`SYMBOLS`].
    Symbol,
}

impl CharClass {
    /// The 4 classes, in checklist order.
    pub const ALL: [CharClass; 4] =
        [CharClass::Lowercase, CharClass::Uppercase, CharClass::Digit, CharClass::Symbol];

    /// The class of `c`, or `None` when `c` is outside the allowed set (it then makes the
    /// password invalid).
    pub fn of(c: char) -> Option<CharClass> {
        match c {
            'a'..='z' => Some(CharClass::Lowercase),
            'A'..='Z' => Some(CharClass::Uppercase),
            '0'..='9' => Some(CharClass::Digit),
            _ if SYMBOLS.contains(c) => Some(CharClass::Symbol),
            _ => None,
        }
    }
}

/// A character the policy does not allow, with its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffendingChar {
    /// The character as typed.
    pub character: char,
    /// Its 0-based index in the password, counted in characters (not bytes).
    pub position: usize,
}

/// Everything the live checklist shows about a password, computed by
/// [`PasswordPolicy::evaluate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordReport {
    /// Number of characters (Unicode scalar values, not bytes).
    pub length: usize,
    /// [`MIN_LENGTH`], so the UI can show it.
    pub min: usize,
    /// [`MAX_LENGTH`], so the UI can show it.
    pub max: usize,
    /// Whether an ASCII lowercase letter is present.
    pub lowercase: bool,
    /// Whether an ASCII uppercase letter is present.
    pub uppercase: bool,
    /// Whether an ASCII digit is present.
    pub digit: bool,
    /// Whether one of [`SYMBOLS`] is present.
    pub symbol: bool,
    /// Every character outside the allowed set, in order, with its 0-based character index.
    pub offending: Vec<OffendingChar>,
}

impl PasswordReport {
    /// Whether the password contains a character of `class`.
    pub fn has(&self, class: CharClass) -> bool {
        match class {
            CharClass::Lowercase => self.lowercase,
            CharClass::Uppercase => self.uppercase,
            CharClass::Digit => self.digit,
            CharClass::Symbol => self.symbol,
        }
    }

    /// The classes present, in [`CharClass::ALL`] order.
    pub fn classes(&self) -> Vec<CharClass> {
        CharClass::ALL.into_iter().filter(|c| self.has(*c)).collect()
    }

    /// How many of the 4 classes are present (0 to 4).
    pub fn classes_met(&self) -> usize {
        CharClass::ALL.into_iter().filter(|c| self.has(*c)).count()
    }

    /// The failure the portal would report, first applicable wins (`docs/contract.md §1`):
    /// invalid character, then too short, then too long, then too weak. `None` when acceptable.
    pub fn failure(&self) -> Option<PasswordFailure> {
        if !self.offending.is_empty() {
            Some(PasswordFailure::Invalid { offending: self.offending.clone() })
        } else if self.length < self.min {
            Some(PasswordFailure::TooShort { length: self.length, min: self.min })
        } else if self.length > self.max {
            Some(PasswordFailure::TooLong { length: self.length, max: self.max })
        } else if self.classes_met() < MIN_CLASSES {
            Some(PasswordFailure::TooWeak {
                classes_met: self.classes_met(),
                min_classes: MIN_CLASSES,
                classes: self.classes(),
            })
        } else {
            None
        }
    }

    /// Whether the password satisfies the policy (no [`failure`](Self::failure)).
    pub fn is_acceptable(&self) -> bool {
        self.failure().is_none()
    }
}

/// Why a password is refused. The `code` of each variant is the portal's suberror
/// (`docs/contract.md §1`), see [`PasswordFailure::suberror`].
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, strum::EnumIter,
)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PasswordFailure {
    /// A character outside lowercase, uppercase, digits and [`SYMBOLS`] (a space, an accented
    /// letter, `<`…). Code `password_is_invalid`.
    #[error("the password contains {} character(s) outside the allowed set", offending.len())]
    #[serde(rename = "password_is_invalid")]
    Invalid {
        /// Every offending character with its 0-based character index.
        offending: Vec<OffendingChar>,
    },
    /// Fewer than [`MIN_LENGTH`] characters. Code `password_too_short`.
    #[error("the password has {length} characters, fewer than {min}")]
    #[serde(rename = "password_too_short")]
    TooShort {
        /// Characters typed.
        length: usize,
        /// [`MIN_LENGTH`].
        min: usize,
    },
    /// More than [`MAX_LENGTH`] characters. Code `password_too_long`.
    #[error("the password has {length} characters, more than {max}")]
    #[serde(rename = "password_too_long")]
    TooLong {
        /// Characters typed.
        length: usize,
        /// [`MAX_LENGTH`].
        max: usize,
    },
    /// Fewer than [`MIN_CLASSES`] character classes. Code `password_too_weak`.
    #[error("the password uses {classes_met} of the 4 character classes, fewer than {min_classes}")]
    #[serde(rename = "password_too_weak")]
    TooWeak {
        /// How many classes are present.
        classes_met: usize,
        /// [`MIN_CLASSES`].
        min_classes: usize,
        /// The classes present.
        classes: Vec<CharClass>,
    },
}

impl PasswordFailure {
    /// The portal's suberror for this failure: `password_is_invalid`, `password_too_short`,
    /// `password_too_long` or `password_too_weak` (`docs/contract.md §1`). Same string as the
    /// serialized `code`.
    pub fn suberror(&self) -> &'static str {
        match self {
            PasswordFailure::Invalid { .. } => "password_is_invalid",
            PasswordFailure::TooShort { .. } => "password_too_short",
            PasswordFailure::TooLong { .. } => "password_too_long",
            PasswordFailure::TooWeak { .. } => "password_too_weak",
        }
    }
}

/// The portal's password policy (`docs/contract.md §1`). Stateless: the rule is fixed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PasswordPolicy;

impl PasswordPolicy {
    /// Evaluates `password` as typed (not trimmed, not truncated) into a checklist.
    pub fn evaluate(password: &str) -> PasswordReport {
        let mut report = PasswordReport {
            length: 0,
            min: MIN_LENGTH,
            max: MAX_LENGTH,
            lowercase: false,
            uppercase: false,
            digit: false,
            symbol: false,
            offending: Vec::new(),
        };
        for (position, character) in password.chars().enumerate() {
            report.length += 1;
            match CharClass::of(character) {
                Some(CharClass::Lowercase) => report.lowercase = true,
                Some(CharClass::Uppercase) => report.uppercase = true,
                Some(CharClass::Digit) => report.digit = true,
                Some(CharClass::Symbol) => report.symbol = true,
                None => report.offending.push(OffendingChar { character, position }),
            }
        }
        report
    }

    /// Checks `password` against the policy.
    ///
    /// # Errors
    ///
    /// The first applicable [`PasswordFailure`], in the contract's order.
    pub fn check(password: &str) -> Result<(), PasswordFailure> {
        match Self::evaluate(password).failure() {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn suberror(password: &str) -> Option<&'static str> {
        PasswordPolicy::check(password).err().map(|f| f.suberror())
    }

    #[test]
    fn symbol_set_is_exactly_the_contracts() {
        let listed = "@ # $ % ^ & * - _ + = [ ] { } | \\ : ' , . ? / ` ~ \" ( ) ; !";
        let expected: Vec<char> = listed.split(' ').map(|s| s.chars().next().unwrap()).collect();
        assert_eq!(SYMBOLS.chars().collect::<Vec<_>>(), expected);
        assert_eq!(SYMBOLS.chars().count(), 30);
    }

    #[test]
    fn contract_examples() {
        assert_eq!(suberror("abcdefg1"), Some("password_too_weak"));
        assert_eq!(suberror("Abcdefg1"), None);
        assert_eq!(suberror("Abc 1234!"), Some("password_is_invalid"));
        assert_eq!(suberror("Ab1!"), Some("password_too_short"));
        assert_eq!(suberror("Abcdefgh12345678!"), Some("password_too_long"));
        assert_eq!(suberror("Abcdefg1<"), Some("password_is_invalid"));
        assert_eq!(suberror("Abcdefg1>"), Some("password_is_invalid"));
    }

    #[test]
    fn accented_letter_is_named_with_its_position() {
        // 0-based: A=0, b=1, c=2, d=3, é=4.
        let failure = PasswordPolicy::check("Abcdéfg1!").unwrap_err();
        assert_eq!(
            failure,
            PasswordFailure::Invalid {
                offending: vec![OffendingChar { character: 'é', position: 4 }]
            }
        );
        let problem = crate::AppError::from(failure.clone());
        assert_eq!(problem.code(), "password_is_invalid");
        assert_eq!(
            problem.params().get("offending"),
            Some(&serde_json::json!([{"character": "é", "position": 4}]))
        );
    }

    #[test]
    fn space_is_named_with_its_position() {
        let report = PasswordPolicy::evaluate("Abc 1234!");
        assert_eq!(report.offending, vec![OffendingChar { character: ' ', position: 3 }]);
        assert_eq!(report.length, 9);
        assert_eq!(report.classes_met(), 4);
    }

    #[test]
    fn too_long_reports_the_full_length() {
        let password = "Abcdefgh12345678!";
        assert_eq!(password.chars().count(), 17);
        let report = PasswordPolicy::evaluate(password);
        assert_eq!(report.length, 17);
        assert_eq!(report.failure(), Some(PasswordFailure::TooLong { length: 17, max: 16 }));
    }

    #[test]
    fn bounds_are_inclusive() {
        assert!(PasswordPolicy::evaluate("Abcdefg1").is_acceptable());
        assert!(PasswordPolicy::evaluate("Abcdefgh1234567!").is_acceptable());
        assert_eq!(suberror("Abcdef1"), Some("password_too_short"));
    }

    #[test]
    fn every_allowed_symbol_is_accepted() {
        for symbol in SYMBOLS.chars() {
            let password = format!("Abcdefg1{symbol}");
            assert_eq!(PasswordPolicy::check(&password), Ok(()), "{password}");
            assert!(PasswordPolicy::evaluate(&format!("abcdefg{symbol}1")).is_acceptable());
        }
    }

    #[test]
    fn length_counts_chars_not_bytes() {
        let report = PasswordPolicy::evaluate("éééééééé");
        assert_eq!(report.length, 8);
        assert_eq!(report.offending.len(), 8);
        assert_eq!(report.offending[7].position, 7);
    }

    #[test]
    fn invalid_wins_over_length_and_strength() {
        assert_eq!(suberror("é"), Some("password_is_invalid"));
        assert_eq!(suberror("short"), Some("password_too_short"));
        assert_eq!(suberror("aaaaaaaaaaaaaaaaaaaaa"), Some("password_too_long"));
    }

    #[test]
    fn too_weak_lists_the_classes_met() {
        assert_eq!(
            PasswordPolicy::check("abcdefg1"),
            Err(PasswordFailure::TooWeak {
                classes_met: 2,
                min_classes: 3,
                classes: vec![CharClass::Lowercase, CharClass::Digit],
            })
        );
    }

    #[test]
    fn failures_round_trip_through_serde() {
        let failure = PasswordPolicy::check("abcdefg1").unwrap_err();
        let json = serde_json::to_value(&failure).unwrap();
        assert_eq!(json["code"], "password_too_weak");
        assert_eq!(serde_json::from_value::<PasswordFailure>(json).unwrap(), failure);
    }
}
