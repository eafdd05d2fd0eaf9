//! The emailed verification code, as a parent pastes or types it.
//!
//! Source: `docs/contract.md §1` ("Codes"): the code has `code_length` digits (6 by default,
//! given by the `challenge` answer); spaces, dashes and line breaks in a submitted code are
//! ignored. Parents often paste more than the code ("Code : 123456", "Votre code est
//! 123456."), so the parser picks the one run of digits of the right length out of the text.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A verification code: exactly `code_length` ASCII digits.
///
/// The code is a secret: `Debug` does not show it; use [`as_str`](Self::as_str) to send it.
/// Serializes as its digits; deserializing accepts a non-empty string of ASCII digits only (the
/// length is the caller's to check against the challenge's `code_length`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VerificationCode(String);

/// Why a pasted or typed code was refused. Positions are 0-based character indexes in the input.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, strum::EnumIter,
)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum CodeError {
    /// Nothing but whitespace was given.
    #[error("no code was given")]
    CodeEmpty,
    /// A character other than a digit, a space, a dash or a line break sits among the digits
    /// (e.g. `12a456`), or the input holds no digit at all.
    #[error("character {character:?} at position {position} is not a digit")]
    CodeNotDigits {
        /// The offending character.
        character: char,
        /// Its 0-based character index in the input.
        position: usize,
    },
    /// The only run of digits is shorter than the expected length.
    #[error("the code has {length} digits, {expected} expected")]
    CodeTooShort {
        /// Digits found.
        length: usize,
        /// The challenge's `code_length`.
        expected: usize,
    },
    /// The only run of digits is longer than the expected length.
    #[error("the code has {length} digits, {expected} expected")]
    CodeTooLong {
        /// Digits found.
        length: usize,
        /// The challenge's `code_length`.
        expected: usize,
    },
    /// Several runs of digits of the expected length: which one is the code is unclear.
    #[error("{count} candidate codes found in the input")]
    CodeAmbiguous {
        /// How many runs of the expected length were found.
        count: usize,
    },
}

/// Whether `c` may sit between two digits of one code (space, tab, line break, dash of any kind).
fn is_code_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// A run of digits in the input: the digits, and the char indexes of its first and last digit.
struct Run {
    digits: String,
    first: usize,
    last: usize,
}

fn digit_runs(chars: &[char]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut current: Option<Run> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            match current.as_mut() {
                Some(run) => {
                    run.digits.push(c);
                    run.last = i;
                }
                None => current = Some(Run { digits: c.to_string(), first: i, last: i }),
            }
            i += 1;
            continue;
        }
        if current.is_some() && is_code_separator(c) {
            // Separators continue a run only when a digit follows them.
            let mut j = i;
            while j < chars.len() && is_code_separator(chars[j]) {
                j += 1;
            }
            if j < chars.len() && chars[j].is_ascii_digit() {
                i = j;
                continue;
            }
        }
        if let Some(run) = current.take() {
            runs.push(run);
        }
        i += 1;
    }
    if let Some(run) = current.take() {
        runs.push(run);
    }
    runs
}

impl VerificationCode {
    /// Normalises pasted or typed input to exactly `code_length` digits.
    ///
    /// Characters are first read as meant ([`crate::fold`]: full-width or other scripts'
    /// digits, full-width dashes; any Unicode space counts as a space).
    ///
    /// Rule: digits separated only by spaces, dashes or line breaks form one run; if exactly one
    /// run has `code_length` digits, it is the code, whatever text surrounds it (`" 123 456 "`,
    /// `"123-456"`, `"Code : 123456"`, `"Votre code est 123456."` all give `123456`).
    ///
    /// # Errors
    ///
    /// - [`CodeError::CodeEmpty`]: only whitespace;
    /// - [`CodeError::CodeAmbiguous`]: several runs of the right length;
    /// - [`CodeError::CodeNotDigits`]: no run of the right length and a non-digit character
    ///   sits between the first and last digit (`12a456`), or no digit at all;
    /// - [`CodeError::CodeTooShort`] / [`CodeError::CodeTooLong`]: one run, of the wrong length.
    pub fn parse(input: &str, code_length: usize) -> Result<VerificationCode, CodeError> {
        let chars: Vec<char> = input.chars().map(crate::fold::fold).collect();
        if chars.iter().all(|c| c.is_whitespace()) {
            return Err(CodeError::CodeEmpty);
        }
        let runs = digit_runs(&chars);
        let mut fitting = runs.iter().filter(|r| r.digits.len() == code_length);
        match (fitting.next(), fitting.count()) {
            (Some(run), 0) => return Ok(VerificationCode(run.digits.clone())),
            (Some(_), more) => return Err(CodeError::CodeAmbiguous { count: more + 1 }),
            (None, _) => {}
        }
        let (first, last) = match (runs.first(), runs.last()) {
            (Some(first), Some(last)) => (first.first, last.last),
            _ => {
                let (position, character) = chars
                    .iter()
                    .copied()
                    .enumerate()
                    .find(|(_, c)| !is_code_separator(*c))
                    .unwrap_or((0, ' '));
                return Err(CodeError::CodeNotDigits { character, position });
            }
        };
        if let Some(position) =
            (first..=last).find(|&i| !chars[i].is_ascii_digit() && !is_code_separator(chars[i]))
        {
            return Err(CodeError::CodeNotDigits { character: chars[position], position });
        }
        let length = runs.iter().map(|r| r.digits.len()).sum();
        if length < code_length {
            Err(CodeError::CodeTooShort { length, expected: code_length })
        } else {
            Err(CodeError::CodeTooLong { length, expected: code_length })
        }
    }

    /// The digits, to send as `oob` (`docs/contract.md §1`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerificationCode([redacted])")
    }
}

impl Serialize for VerificationCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for VerificationCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(serde::de::Error::custom("a verification code is ASCII digits only"));
        }
        Ok(VerificationCode(raw))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse6(input: &str) -> Result<String, CodeError> {
        VerificationCode::parse(input, 6).map(|c| c.as_str().to_owned())
    }

    #[test]
    fn separators_and_surrounding_text_are_ignored() {
        for input in [
            " 123 456 ",
            "123-456",
            "123456\n",
            "123\n456",
            "Code : 123456",
            "Votre code est 123456.",
            "Your code is 123 456, valid for 10 minutes",
        ] {
            assert_eq!(parse6(input), Ok("123456".to_owned()), "{input:?}");
        }
    }

    #[test]
    fn wrong_lengths() {
        assert_eq!(parse6("12345"), Err(CodeError::CodeTooShort { length: 5, expected: 6 }));
        assert_eq!(parse6("1234567"), Err(CodeError::CodeTooLong { length: 7, expected: 6 }));
        assert_eq!(
            parse6("Code : 12 345"),
            Err(CodeError::CodeTooShort { length: 5, expected: 6 })
        );
    }

    #[test]
    fn letters_among_digits_are_refused() {
        assert_eq!(parse6("12a456"), Err(CodeError::CodeNotDigits { character: 'a', position: 2 }));
        assert_eq!(parse6("abc"), Err(CodeError::CodeNotDigits { character: 'a', position: 0 }));
        assert_eq!(parse6("   "), Err(CodeError::CodeEmpty));
    }

    #[test]
    fn two_candidates_are_ambiguous() {
        assert_eq!(parse6("123456 or 654321"), Err(CodeError::CodeAmbiguous { count: 2 }));
    }

    #[test]
    fn debug_hides_the_code() {
        let code = VerificationCode::parse("123456", 6).unwrap();
        assert!(!format!("{code:?}").contains("123456"));
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"123456\"");
    }

    #[test]
    fn errors_carry_stable_codes() {
        let problem = crate::AppError::from(CodeError::CodeTooShort { length: 5, expected: 6 });
        assert_eq!(problem.code(), "code_too_short");
        assert_eq!(problem.params().get("expected"), Some(&serde_json::json!(6)));
    }
}
