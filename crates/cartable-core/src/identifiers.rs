//! The identifiers a parent gives to associate a child: numéro de fiche, code permanent, NIP.
//!
//! Sources: `docs/contract.md §6` (matching a school record: "numéro de fiche as a 7-digit
//! string, leading zeros kept; code permanent uppercased with spaces removed"; "NIP format"),
//! and the domain facts on the code permanent (4 letters + 8 digits: 3 letters of the family
//! name, 1 of the given name, day, month (+50 for girls), 2-digit year, 2 ministry digits; a
//! day field of 63 to 93 is reported for births after 1999 and must not be refused).
//!
//! All of these are child data or secrets: never log them. Error positions are 0-based
//! character indexes in the input as typed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::birth_date::BirthDate;
use crate::name::{PersonName, strip_marks};

/// Length of a numéro de fiche, in digits.
pub const STUDENT_NUMBER_LENGTH: usize = 7;

/// Length of a code permanent: 4 letters then 8 digits.
pub const PERMANENT_CODE_LENGTH: usize = 12;

/// Length of a NIP (`docs/contract.md §6`).
pub const NIP_LENGTH: usize = 8;

/// The NIP alphabet: uppercase letters and digits without `0`/`O` and `1`/`I`
/// (`docs/contract.md §6`).
pub const NIP_ALPHABET: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Whether `c` is a dash of any kind (hyphen-minus, Unicode hyphens and dashes, minus sign).
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// A numéro de fiche (student record number): exactly 7 ASCII digits, kept as a string so
/// leading zeros stay (`docs/contract.md §6`). Whitespace inside is removed when parsing
/// (`"012 3456"` → `"0123456"`). Serializes as that string; deserializing validates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StudentNumber(String);

/// Why a numéro de fiche was refused.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, strum::EnumIter,
)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum StudentNumberError {
    /// Nothing but whitespace.
    #[error("no student number was given")]
    StudentNumberEmpty,
    /// A character other than a digit or whitespace.
    #[error("character {character:?} at position {position} is not a digit")]
    StudentNumberNotDigit {
        /// The character.
        character: char,
        /// Its 0-based character index in the input.
        position: usize,
    },
    /// Not exactly 7 digits.
    #[error("the student number has {length} digits, {expected} expected")]
    StudentNumberLength {
        /// Digits given.
        length: usize,
        /// [`STUDENT_NUMBER_LENGTH`].
        expected: usize,
    },
}

impl StudentNumber {
    /// Parses a numéro de fiche: characters read as meant ([`crate::fold`]: `０１２…`, `٠١٢…`),
    /// whitespace removed, then exactly 7 ASCII digits.
    ///
    /// # Errors
    ///
    /// [`StudentNumberError::StudentNumberEmpty`], [`StudentNumberError::StudentNumberNotDigit`]
    /// (first offending character), [`StudentNumberError::StudentNumberLength`]
    /// (`"12345678"` is refused, nothing is cut).
    pub fn parse(input: &str) -> Result<StudentNumber, StudentNumberError> {
        let mut digits = String::new();
        for (position, character) in input.chars().map(crate::fold::fold).enumerate() {
            if character.is_ascii_digit() {
                digits.push(character);
            } else if !character.is_whitespace() {
                return Err(StudentNumberError::StudentNumberNotDigit { character, position });
            }
        }
        if digits.is_empty() {
            return Err(StudentNumberError::StudentNumberEmpty);
        }
        if digits.len() != STUDENT_NUMBER_LENGTH {
            return Err(StudentNumberError::StudentNumberLength {
                length: digits.len(),
                expected: STUDENT_NUMBER_LENGTH,
            });
        }
        Ok(StudentNumber(digits))
    }

    /// The 7 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A code permanent (the ministry's permanent code): 4 letters `A-Z` then 8 digits.
///
/// Parsing trims, removes spaces and dashes, strips accents and uppercases
/// (`"trel 0753 1299"` → `TREL07531299`). Only the shape is a hard rule; whether the date
/// digits and letters fit the child is a soft check, see [`PermanentCode::hints`].
/// Serializes as the normalised string; deserializing validates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PermanentCode(String);

/// Why a code permanent was refused.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, strum::EnumIter,
)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PermanentCodeError {
    /// Nothing but spaces and dashes.
    #[error("no permanent code was given")]
    PermanentCodeEmpty,
    /// A character that is neither a letter nor a digit (after removing spaces and dashes).
    #[error("character {character:?} at position {position} cannot be in a permanent code")]
    PermanentCodeInvalidCharacter {
        /// The character as typed.
        character: char,
        /// Its 0-based character index in the input.
        position: usize,
    },
    /// Not 12 letters and digits.
    #[error("the permanent code has {length} characters, {expected} expected")]
    PermanentCodeLength {
        /// Letters and digits given.
        length: usize,
        /// [`PERMANENT_CODE_LENGTH`].
        expected: usize,
    },
    /// A digit among the first 4 characters, which must be letters (`TRE075312991`).
    #[error("character {character:?} at position {position} should be a letter")]
    PermanentCodeExpectedLetter {
        /// The character as typed.
        character: char,
        /// Its 0-based character index in the input.
        position: usize,
    },
    /// A letter among the last 8 characters, which must be digits.
    #[error("character {character:?} at position {position} should be a digit")]
    PermanentCodeExpectedDigit {
        /// The character as typed.
        character: char,
        /// Its 0-based character index in the input.
        position: usize,
    },
}

/// A soft remark on a code permanent: the code **may not match (this is sometimes normal)**.
///
/// Never blocking: the code's layout is only reported by secondary sources, codes are
/// sometimes reissued or keep old letters after a name change, and the real check is the
/// school record. The UI shows these as "may not match, this is sometimes normal".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, strum::EnumIter)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PermanentCodeHint {
    /// The day digits (5–6) are neither the birth day nor the birth day + 62: may not match
    /// (this is sometimes normal).
    PermanentCodeDayMayNotMatch {
        /// Digits 5–6 of the code.
        code_day: u8,
        /// Day of the birth date given.
        birth_day: u8,
    },
    /// The month digits (7–8) are neither the birth month nor the birth month + 50: may not
    /// match (this is sometimes normal).
    PermanentCodeMonthMayNotMatch {
        /// Digits 7–8 of the code.
        code_month: u8,
        /// Month of the birth date given.
        birth_month: u8,
    },
    /// The year digits (9–10) are not the last two digits of the birth year: may not match
    /// (this is sometimes normal).
    PermanentCodeYearMayNotMatch {
        /// Digits 9–10 of the code.
        code_year: u8,
        /// Birth year modulo 100.
        birth_year: u8,
    },
    /// The day digits are outside 01–31 and 63–93 (no birth date needed): may not match
    /// (this is sometimes normal).
    PermanentCodeDayMayNotBeADate {
        /// Digits 5–6 of the code.
        code_day: u8,
    },
    /// The month digits are outside 01–12 and 51–62 (no birth date needed): may not match
    /// (this is sometimes normal).
    PermanentCodeMonthMayNotBeADate {
        /// Digits 7–8 of the code.
        code_month: u8,
    },
    /// The letters differ from the first 3 letters of the last name and the first letter of the
    /// first name: may not match (this is sometimes normal). Only checked for a one-part last
    /// name of at least 3 letters without particle or apostrophe.
    PermanentCodeLettersMayNotMatch {
        /// Letters of the code compared (3 or 4).
        code_letters: String,
        /// Letters expected from the names (3 or 4).
        name_letters: String,
    },
}

/// Input characters that count (not spaces or dashes), each read as meant ([`crate::fold`]) and
/// folded to uppercase without accents, with the original character and its index.
fn folded_chars(input: &str) -> Vec<(usize, char, char)> {
    let mut out = Vec::new();
    for (position, original) in input.chars().enumerate() {
        let meant = crate::fold::fold(original);
        if meant.is_whitespace() || is_dash(meant) {
            continue;
        }
        let folded = strip_marks(&meant.to_string()).to_uppercase();
        if folded.is_empty() {
            // A lone combining mark: nothing to keep.
            continue;
        }
        for c in folded.chars() {
            out.push((position, original, c));
        }
    }
    out
}

impl PermanentCode {
    /// Parses a code permanent: spaces and dashes removed, accents stripped, uppercased; then
    /// the hard rule 4 letters `A-Z` + 8 digits `0-9`. A day field of 63 to 93 is accepted.
    ///
    /// # Errors
    ///
    /// [`PermanentCodeError::PermanentCodeEmpty`],
    /// [`PermanentCodeError::PermanentCodeInvalidCharacter`] (first character that is not
    /// `A-Z`/`0-9` after folding), [`PermanentCodeError::PermanentCodeLength`],
    /// [`PermanentCodeError::PermanentCodeExpectedLetter`],
    /// [`PermanentCodeError::PermanentCodeExpectedDigit`].
    pub fn parse(input: &str) -> Result<PermanentCode, PermanentCodeError> {
        let chars = folded_chars(input);
        if chars.is_empty() {
            return Err(PermanentCodeError::PermanentCodeEmpty);
        }
        if let Some(&(position, character, _)) =
            chars.iter().find(|(_, _, c)| !c.is_ascii_uppercase() && !c.is_ascii_digit())
        {
            return Err(PermanentCodeError::PermanentCodeInvalidCharacter { character, position });
        }
        if chars.len() != PERMANENT_CODE_LENGTH {
            return Err(PermanentCodeError::PermanentCodeLength {
                length: chars.len(),
                expected: PERMANENT_CODE_LENGTH,
            });
        }
        for (index, &(position, character, c)) in chars.iter().enumerate() {
            if index < 4 && !c.is_ascii_uppercase() {
                return Err(PermanentCodeError::PermanentCodeExpectedLetter {
                    character,
                    position,
                });
            }
            if index >= 4 && !c.is_ascii_digit() {
                return Err(PermanentCodeError::PermanentCodeExpectedDigit { character, position });
            }
        }
        Ok(PermanentCode(chars.iter().map(|&(_, _, c)| c).collect()))
    }

    /// The 12 normalised characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-digit number at byte `start` (the code is ASCII).
    fn number_at(&self, start: usize) -> u8 {
        self.0.as_bytes()[start..start + 2].iter().fold(0, |n, b| n * 10 + (b - b'0'))
    }

    /// Soft checks, never blocking: each hint says the code **may not match (this is sometimes
    /// normal)**.
    ///
    /// - Always: day digits outside 01–31 and 63–93, month digits outside 01–12 and 51–62.
    /// - With a birth date: day digits must be DD or DD+62, month MM or MM+50, year YY.
    /// - With a last name that is one part of at least 3 letters (after removing accents),
    ///   with no particle or apostrophe: the first 3 letters must be its first 3 letters, and
    ///   with a first name starting with a letter, the 4th its first letter.
    pub fn hints(
        &self,
        birth_date: Option<&BirthDate>,
        last_name: Option<&PersonName>,
        first_name: Option<&PersonName>,
    ) -> Vec<PermanentCodeHint> {
        let mut hints = Vec::new();
        let code_day = self.number_at(4);
        let code_month = self.number_at(6);
        let code_year = self.number_at(8);
        if !matches!(code_day, 1..=31 | 63..=93) {
            hints.push(PermanentCodeHint::PermanentCodeDayMayNotBeADate { code_day });
        }
        if !matches!(code_month, 1..=12 | 51..=62) {
            hints.push(PermanentCodeHint::PermanentCodeMonthMayNotBeADate { code_month });
        }
        if let Some(birth) = birth_date {
            let birth_day = birth.day();
            if code_day != birth_day && code_day != birth_day + 62 {
                hints.push(PermanentCodeHint::PermanentCodeDayMayNotMatch { code_day, birth_day });
            }
            let birth_month = birth.month();
            if code_month != birth_month && code_month != birth_month + 50 {
                hints.push(PermanentCodeHint::PermanentCodeMonthMayNotMatch {
                    code_month,
                    birth_month,
                });
            }
            // rem_euclid keeps the value in 0..100 for any year.
            let birth_year = u8::try_from(birth.year().rem_euclid(100)).unwrap_or(0);
            if code_year != birth_year {
                hints.push(PermanentCodeHint::PermanentCodeYearMayNotMatch {
                    code_year,
                    birth_year,
                });
            }
        }
        if let Some(last) = last_name.filter(|n| n.is_single_part()) {
            let last_letters = strip_marks(last.as_str()).to_uppercase();
            if last_letters.len() >= 3 && last_letters.chars().all(|c| c.is_ascii_uppercase()) {
                let mut name_letters: String = last_letters.chars().take(3).collect();
                let first_letter = first_name
                    .and_then(|n| strip_marks(n.as_str()).to_uppercase().chars().next())
                    .filter(char::is_ascii_uppercase);
                if let Some(letter) = first_letter {
                    name_letters.push(letter);
                }
                let code_letters: String = self.0.chars().take(name_letters.len()).collect();
                if code_letters != name_letters {
                    hints.push(PermanentCodeHint::PermanentCodeLettersMayNotMatch {
                        code_letters,
                        name_letters,
                    });
                }
            }
        }
        hints
    }
}

/// A NIP received from the school (`docs/contract.md §6`, "NIP format"): 8 characters from
/// [`NIP_ALPHABET`], case-insensitive, spaces and dashes ignored, stored uppercase.
///
/// A secret: `Debug` does not show it. Serializes as the normalised string; deserializing
/// validates.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nip(String);

/// Why a NIP was refused.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, strum::EnumIter,
)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum NipError {
    /// Nothing but spaces and dashes.
    #[error("no NIP was given")]
    NipEmpty,
    /// A character outside [`NIP_ALPHABET`] (in either case); `0`, `O`, `1` and `I` included.
    #[error("character {character:?} at position {position} cannot be in a NIP")]
    NipInvalidCharacter {
        /// The character as typed.
        character: char,
        /// Its 0-based character index in the input.
        position: usize,
    },
    /// Not 8 characters.
    #[error("the NIP has {length} characters, {expected} expected")]
    NipLength {
        /// Characters given (spaces and dashes not counted).
        length: usize,
        /// [`NIP_LENGTH`].
        expected: usize,
    },
}

impl Nip {
    /// Parses a NIP: characters read as meant ([`crate::fold`]), spaces and dashes removed,
    /// ASCII uppercased, then 8 characters of
    /// [`NIP_ALPHABET`].
    ///
    /// # Errors
    ///
    /// [`NipError::NipEmpty`], [`NipError::NipInvalidCharacter`] (first offending
    /// character), [`NipError::NipLength`].
    pub fn parse(input: &str) -> Result<Nip, NipError> {
        let mut nip = String::new();
        for (position, character) in input.chars().enumerate() {
            let meant = crate::fold::fold(character);
            if meant.is_whitespace() || is_dash(meant) {
                continue;
            }
            let upper = meant.to_ascii_uppercase();
            if !NIP_ALPHABET.contains(upper) {
                return Err(NipError::NipInvalidCharacter { character, position });
            }
            nip.push(upper);
        }
        if nip.is_empty() {
            return Err(NipError::NipEmpty);
        }
        let length = nip.chars().count();
        if length != NIP_LENGTH {
            return Err(NipError::NipLength { length, expected: NIP_LENGTH });
        }
        Ok(Nip(nip))
    }

    /// The 8 normalised characters, to send as `nip`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Nip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Nip([redacted])")
    }
}

/// The identifier typed in the association form's single field: a numéro de fiche or a code
/// permanent (`docs/contract.md §6`: the body carries one of `student_number` or
/// `permanent_code`). Serializes as `{"student_number": "0123456"}` or
/// `{"permanent_code": "TREL07531299"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudentIdentifier {
    /// A numéro de fiche.
    StudentNumber(StudentNumber),
    /// A code permanent.
    PermanentCode(PermanentCode),
}

/// Why the identifier field was refused: empty, or the error of the kind it was recognised as
/// (serialized with that error's own `code`, e.g. `student_number_length`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum IdentifierError {
    /// Nothing but spaces and dashes.
    #[error("no identifier was given")]
    IdentifierEmpty,
    /// Digits only, so read as a numéro de fiche, which is invalid.
    #[error(transparent)]
    #[serde(untagged)]
    StudentNumber(StudentNumberError),
    /// Contains a letter or other character, so read as a code permanent, which is invalid.
    #[error(transparent)]
    #[serde(untagged)]
    PermanentCode(PermanentCodeError),
}

impl StudentIdentifier {
    /// Recognises which identifier was typed: digits only (spaces and dashes aside) → numéro
    /// de fiche; anything else → code permanent. The UI can then say which one it read.
    ///
    /// # Errors
    ///
    /// [`IdentifierError::IdentifierEmpty`], or the recognised kind's parse error wrapped in
    /// [`IdentifierError::StudentNumber`] / [`IdentifierError::PermanentCode`].
    pub fn recognise(input: &str) -> Result<StudentIdentifier, IdentifierError> {
        let significant =
            || input.chars().map(crate::fold::fold).filter(|c| !c.is_whitespace() && !is_dash(*c));
        if significant().next().is_none() {
            return Err(IdentifierError::IdentifierEmpty);
        }
        if significant().all(|c| c.is_ascii_digit()) {
            // Dashes are allowed in a code permanent but not in a numéro de fiche: drop them here,
            // the parent clearly typed a number.
            let digits: String =
                input.chars().map(crate::fold::fold).filter(|c| !is_dash(*c)).collect();
            StudentNumber::parse(&digits)
                .map(StudentIdentifier::StudentNumber)
                .map_err(IdentifierError::StudentNumber)
        } else {
            PermanentCode::parse(input)
                .map(StudentIdentifier::PermanentCode)
                .map_err(IdentifierError::PermanentCode)
        }
    }

    /// The normalised identifier.
    pub fn as_str(&self) -> &str {
        match self {
            StudentIdentifier::StudentNumber(n) => n.as_str(),
            StudentIdentifier::PermanentCode(c) => c.as_str(),
        }
    }
}

macro_rules! string_serde {
    ($ty:ident, $err:ident) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                $ty::parse(&raw).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $err;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::parse(s)
            }
        }
    };
}

string_serde!(StudentNumber, StudentNumberError);
string_serde!(PermanentCode, PermanentCodeError);
string_serde!(Nip, NipError);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn student_numbers_keep_leading_zeros() {
        assert_eq!(StudentNumber::parse("0123456").unwrap().as_str(), "0123456");
        assert_eq!(StudentNumber::parse(" 012 3456 ").unwrap().as_str(), "0123456");
        assert_eq!(
            StudentNumber::parse("12345678"),
            Err(StudentNumberError::StudentNumberLength { length: 8, expected: 7 })
        );
        assert_eq!(
            StudentNumber::parse("012345a"),
            Err(StudentNumberError::StudentNumberNotDigit { character: 'a', position: 6 })
        );
        assert_eq!(StudentNumber::parse("  "), Err(StudentNumberError::StudentNumberEmpty));
    }

    #[test]
    fn permanent_codes_normalise() {
        assert_eq!(PermanentCode::parse("trel 0753 1299").unwrap().as_str(), "TREL07531299");
        assert_eq!(PermanentCode::parse("TREL-0753-1299").unwrap().as_str(), "TREL07531299");
        assert_eq!(PermanentCode::parse("émon07531299").unwrap().as_str(), "EMON07531299");
        assert_eq!(PermanentCode::parse("ABCD63551501").unwrap().as_str(), "ABCD63551501");
    }

    #[test]
    fn permanent_code_shape_errors() {
        assert_eq!(
            PermanentCode::parse("TRE075312991"),
            Err(PermanentCodeError::PermanentCodeExpectedLetter { character: '0', position: 3 })
        );
        assert_eq!(
            PermanentCode::parse("TREL0753129"),
            Err(PermanentCodeError::PermanentCodeLength { length: 11, expected: 12 })
        );
        assert_eq!(
            PermanentCode::parse("TREL07131299X"),
            Err(PermanentCodeError::PermanentCodeLength { length: 13, expected: 12 })
        );
        assert_eq!(
            PermanentCode::parse("TREL0753129X"),
            Err(PermanentCodeError::PermanentCodeExpectedDigit { character: 'X', position: 11 })
        );
        assert_eq!(
            PermanentCode::parse("TREL.07531299"),
            Err(PermanentCodeError::PermanentCodeInvalidCharacter { character: '.', position: 4 })
        );
        assert_eq!(PermanentCode::parse(" - "), Err(PermanentCodeError::PermanentCodeEmpty));
    }

    fn birth(d: u8, m: u8, y: i32) -> BirthDate {
        BirthDate::new(d, m, y, date!(2026 - 11 - 29)).unwrap()
    }

    fn name(s: &str) -> PersonName {
        PersonName::parse(s).unwrap()
    }

    #[test]
    fn matching_code_gives_no_hint() {
        let code = PermanentCode::parse("TREL07531299").unwrap();
        let hints =
            code.hints(Some(&birth(7, 3, 2012)), Some(&name("Tremblay")), Some(&name("Léa")));
        assert_eq!(hints, vec![]);
        // Post-1999 day + 62, girl's month + 50.
        let code = PermanentCode::parse("TREL69531201").unwrap();
        assert!(code.hints(Some(&birth(7, 3, 2012)), Some(&name("Tremblay")), None).is_empty());
    }

    #[test]
    fn disagreeing_date_digits_are_hints_not_errors() {
        let code = PermanentCode::parse("TREL08541399").unwrap();
        let hints = code.hints(Some(&birth(7, 3, 2012)), None, None);
        assert_eq!(
            hints,
            vec![
                PermanentCodeHint::PermanentCodeDayMayNotMatch { code_day: 8, birth_day: 7 },
                PermanentCodeHint::PermanentCodeMonthMayNotMatch { code_month: 54, birth_month: 3 },
                PermanentCodeHint::PermanentCodeYearMayNotMatch { code_year: 13, birth_year: 12 },
            ]
        );
        let code = PermanentCode::parse("ABCD99991501").unwrap();
        assert_eq!(
            code.hints(None, None, None),
            vec![
                PermanentCodeHint::PermanentCodeDayMayNotBeADate { code_day: 99 },
                PermanentCodeHint::PermanentCodeMonthMayNotBeADate { code_month: 99 },
            ]
        );
        assert_eq!(
            crate::AppError::from(hints[0].clone()).code(),
            "permanent_code_day_may_not_match"
        );
    }

    #[test]
    fn letters_are_compared_only_for_simple_last_names() {
        let code = PermanentCode::parse("GAGL07531299").unwrap();
        assert_eq!(
            code.hints(None, Some(&name("Côté")), Some(&name("Léa"))),
            vec![PermanentCodeHint::PermanentCodeLettersMayNotMatch {
                code_letters: "GAGL".into(),
                name_letters: "COTL".into(),
            }]
        );
        assert!(code.hints(None, Some(&name("Gagnon")), Some(&name("Léa"))).is_empty());
        for skipped in ["Côté-Lévesque", "D'Amours", "De La Fontaine", "Ng", "Beaulieu Lajoie"] {
            assert!(code.hints(None, Some(&name(skipped)), None).is_empty(), "{skipped}");
        }
    }

    #[test]
    fn nips_normalise() {
        assert_eq!(Nip::parse("abcd-efgh").unwrap().as_str(), "ABCDEFGH");
        assert_eq!(Nip::parse(" 2345 6789 ").unwrap().as_str(), "23456789");
        assert_eq!(
            Nip::parse("ABCD0FGH"),
            Err(NipError::NipInvalidCharacter { character: '0', position: 4 })
        );
        assert_eq!(
            Nip::parse("abcdefgi"),
            Err(NipError::NipInvalidCharacter { character: 'i', position: 7 })
        );
        assert_eq!(Nip::parse("ABCDEFG"), Err(NipError::NipLength { length: 7, expected: 8 }));
        assert_eq!(Nip::parse("--"), Err(NipError::NipEmpty));
        assert!(!format!("{:?}", Nip::parse("ABCDEFGH").unwrap()).contains("ABCD"));
    }

    #[test]
    fn recognise_tells_which_identifier_was_typed() {
        assert_eq!(
            StudentIdentifier::recognise("012 3456"),
            Ok(StudentIdentifier::StudentNumber(StudentNumber("0123456".into())))
        );
        assert_eq!(
            StudentIdentifier::recognise("trel 0753 1299"),
            Ok(StudentIdentifier::PermanentCode(PermanentCode("TREL07531299".into())))
        );
        let err = StudentIdentifier::recognise("12345678").unwrap_err();
        assert_eq!(
            err,
            IdentifierError::StudentNumber(StudentNumberError::StudentNumberLength {
                length: 8,
                expected: 7
            })
        );
        assert_eq!(crate::AppError::from(err).code(), "student_number_length");
        let err = StudentIdentifier::recognise("TRE075312991").unwrap_err();
        assert_eq!(crate::AppError::from(err).code(), "permanent_code_expected_letter");
        assert_eq!(StudentIdentifier::recognise(" "), Err(IdentifierError::IdentifierEmpty));
        assert_eq!(
            crate::AppError::from(IdentifierError::IdentifierEmpty).code(),
            "identifier_empty"
        );
    }

    #[test]
    fn identifier_errors_round_trip() {
        for err in [
            IdentifierError::IdentifierEmpty,
            IdentifierError::StudentNumber(StudentNumberError::StudentNumberEmpty),
            IdentifierError::PermanentCode(PermanentCodeError::PermanentCodeLength {
                length: 3,
                expected: 12,
            }),
        ] {
            let json = serde_json::to_string(&err).unwrap();
            assert_eq!(serde_json::from_str::<IdentifierError>(&json).unwrap(), err, "{json}");
        }
    }

    #[test]
    fn identifiers_serialize_as_wire_fields() {
        let id = StudentIdentifier::recognise("0123456").unwrap();
        assert_eq!(
            serde_json::to_value(&id).unwrap(),
            serde_json::json!({"student_number": "0123456"})
        );
        assert!(serde_json::from_str::<PermanentCode>("\"TRE075312991\"").is_err());
    }
}
