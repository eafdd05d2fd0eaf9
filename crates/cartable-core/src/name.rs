//! A child's (or parent's) legal last or first name, and the key the portal matches names with.
//!
//! Names must be typed exactly as registered with the government, accents, hyphens and spaces
//! included (DOMAIN facts, LBPSB's parent guide); the portal then compares them loosely
//! (`docs/contract.md §6`, "Matching a school record"). So [`PersonName`] keeps what was
//! typed (trimmed, NFC, inner space runs collapsed), and [`PersonName::matching_key`] gives
//! the contract's comparison form.

use std::fmt;

use crate::normal::is_mark as is_combining_mark;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Maximum length of a name, in characters after normalisation.
pub const NAME_MAX_LENGTH: usize = 100;

/// A person's last or first name, validated and normalised.
///
/// Allowed: letters of any script, combining marks, hyphens (`-`, U+2010, U+2011), spaces,
/// straight `'` and curly `’` apostrophes; at least one letter. Refused: digits, control
/// characters and any other symbol. The stored form is NFC, trimmed, with inner runs of
/// whitespace collapsed to one space; hyphens and apostrophes are kept as typed.
///
/// Serializes as that string; deserializing validates with [`PersonName::parse`].
/// This is personal data: do not log it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonName(String);

/// Why a name was refused. Positions are 0-based character indexes in the input as given.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, strum::EnumIter,
)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum NameError {
    /// Nothing but whitespace.
    #[error("the name is empty")]
    NameEmpty,
    /// Only hyphens, apostrophes or marks: no letter.
    #[error("the name contains no letter")]
    NameNoLetter,
    /// Longer than [`NAME_MAX_LENGTH`] characters.
    #[error("the name has {length} characters, more than {max}")]
    NameTooLong {
        /// Characters after normalisation.
        length: usize,
        /// [`NAME_MAX_LENGTH`].
        max: usize,
    },
    /// A digit (of any script).
    #[error("digit {character:?} at position {position} in a name")]
    NameDigit {
        /// The digit.
        character: char,
        /// Its 0-based character index in the input.
        position: usize,
    },
    /// A control character (tab, line break…), given as `U+XXXX` since it has no glyph.
    #[error("control character {code_point} at position {position} in a name")]
    NameControlCharacter {
        /// The code point, as `U+0009`.
        code_point: String,
        /// Its 0-based character index in the input.
        position: usize,
    },
    /// Any other symbol or punctuation (`.`, `,`, `@`, emoji…).
    #[error("character {character:?} at position {position} is not allowed in a name")]
    NameInvalidCharacter {
        /// The character.
        character: char,
        /// Its 0-based character index in the input.
        position: usize,
    },
}

/// Whether `c` is a hyphen accepted in names.
fn is_name_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Whether `c` is an apostrophe accepted in names.
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

/// Compatibility decomposition (NFKD) with combining marks removed: `Côté` → `Cote`,
/// `ﬁ` → `fi`. Case is kept.
pub(crate) fn strip_marks(s: &str) -> String {
    crate::normal::nfkd(s).chars().filter(|c| !is_combining_mark(*c)).collect()
}

impl PersonName {
    /// Validates and normalises a name (see the type's docs for the rule).
    ///
    /// # Errors
    ///
    /// [`NameError::NameEmpty`], [`NameError::NameDigit`], [`NameError::NameControlCharacter`],
    /// [`NameError::NameInvalidCharacter`] (the first offending character, with its position in
    /// `input`), [`NameError::NameNoLetter`], [`NameError::NameTooLong`].
    pub fn parse(input: &str) -> Result<PersonName, NameError> {
        // Leading and trailing whitespace (line breaks and tabs included) is trimmed, not refused.
        let lead = input.chars().take_while(|c| c.is_whitespace()).count();
        let trimmed = input.trim();
        let mut letters = false;
        for (index, character) in trimmed.chars().enumerate() {
            let position = lead + index;
            if character.is_alphabetic() {
                letters = true;
            } else if character.is_numeric() {
                return Err(NameError::NameDigit { character, position });
            } else if character.is_control() {
                return Err(NameError::NameControlCharacter {
                    code_point: format!("U+{:04X}", u32::from(character)),
                    position,
                });
            } else if !(character.is_whitespace()
                || is_name_hyphen(character)
                || is_apostrophe(character)
                || is_combining_mark(character))
            {
                return Err(NameError::NameInvalidCharacter { character, position });
            }
        }
        let collapsed = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(NameError::NameEmpty);
        }
        if !letters {
            return Err(NameError::NameNoLetter);
        }
        let normalised = crate::normal::nfc(&collapsed);
        let length = normalised.chars().count();
        if length > NAME_MAX_LENGTH {
            return Err(NameError::NameTooLong { length, max: NAME_MAX_LENGTH });
        }
        Ok(PersonName(normalised))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The comparison form of `docs/contract.md §6`: Unicode compatibility decomposition
    /// (NFKD), combining marks removed, case folded (lowercase, `ß` → `ss`), and `’`, `'`,
    /// hyphens and spaces treated as one separator (a single space), runs collapsed, no
    /// separator at either end. `Côté-Lévesque` and `cote levesque` both give `cote levesque`.
    pub fn matching_key(&self) -> String {
        let folded = strip_marks(&self.0).to_lowercase().replace('ß', "ss");
        folded
            .split(|c: char| c.is_whitespace() || is_name_hyphen(c) || is_apostrophe(c))
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether two names are the same for the portal (equal [`matching_key`](Self::matching_key)s).
    pub fn matches(&self, other: &PersonName) -> bool {
        self.matching_key() == other.matching_key()
    }

    /// Whether the name is one part (no space, hyphen or apostrophe).
    pub(crate) fn is_single_part(&self) -> bool {
        !self.0.chars().any(|c| c.is_whitespace() || is_name_hyphen(c) || is_apostrophe(c))
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({:?})", self.0)
    }
}

impl std::str::FromStr for PersonName {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PersonName::parse(s)
    }
}

impl Serialize for PersonName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PersonName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        PersonName::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn name(s: &str) -> PersonName {
        PersonName::parse(s).unwrap()
    }

    #[test]
    fn quebec_names_are_accepted() {
        for s in ["Côté-Lévesque", "D'Amours", "D’Amours", "O'Neil", "Beaulieu Lajoie", "Ng", "Ô"]
        {
            assert_eq!(name(s).as_str(), s);
        }
        assert_eq!(name("  Beaulieu    Lajoie \n").as_str(), "Beaulieu Lajoie");
        assert_eq!(name("Zoë").as_str(), "Zoë");
        assert_eq!(name("李小龍").as_str(), "李小龍");
    }

    #[test]
    fn decomposed_input_is_stored_composed() {
        assert_eq!(name("Co\u{0302}te\u{0301}").as_str(), "Côté");
    }

    #[test]
    fn loose_matching_follows_the_contract() {
        assert!(name("cote levesque").matches(&name("Côté-Lévesque")));
        assert!(name("Beaulieu-Lajoie").matches(&name("Beaulieu Lajoie")));
        assert!(name("D’Amours").matches(&name("D'Amours")));
        assert!(name("STRAUSS").matches(&name("Strauß")));
        assert!(!name("Côté").matches(&name("Cotte")));
        assert_eq!(name("Côté - Lévesque").matching_key(), "cote levesque");
    }

    #[test]
    fn digits_symbols_and_controls_are_named() {
        assert_eq!(
            PersonName::parse("Tremblay2"),
            Err(NameError::NameDigit { character: '2', position: 8 })
        );
        assert_eq!(
            PersonName::parse("Tremblay."),
            Err(NameError::NameInvalidCharacter { character: '.', position: 8 })
        );
        assert_eq!(
            PersonName::parse("Trem\tblay"),
            Err(NameError::NameControlCharacter { code_point: "U+0009".into(), position: 4 })
        );
        assert_eq!(PersonName::parse("   "), Err(NameError::NameEmpty));
        assert_eq!(PersonName::parse("-'"), Err(NameError::NameNoLetter));
    }

    #[test]
    fn length_is_capped() {
        assert!(PersonName::parse(&"a".repeat(NAME_MAX_LENGTH)).is_ok());
        assert_eq!(
            PersonName::parse(&"a".repeat(NAME_MAX_LENGTH + 1)),
            Err(NameError::NameTooLong { length: 101, max: 100 })
        );
    }

    #[test]
    fn serde_validates() {
        assert_eq!(serde_json::to_string(&name("D’Amours")).unwrap(), "\"D’Amours\"");
        assert!(serde_json::from_str::<PersonName>("\"Tremblay2\"").is_err());
        assert_eq!(serde_json::from_str::<PersonName>("\" O'Neil \"").unwrap(), name("O'Neil"));
    }
}
