//! What parents paste or type is read as the characters they mean: full-width digits and
//! letters (East Asian input methods, some mail clients), other scripts' decimal digits
//! (Arabic-Indic, Devanagari…), full-width dashes. Used by every identifier and code parser
//! before its own rules, on the client and the portal alike, so both read an input the same
//! way (`docs/contract.md §1` "Codes", §6 identifiers).
//!
//! Folding is one character to one character, so the positions that error messages name stay
//! those of the input; a character that is truly wrong folds to itself and is named as typed.
//! Spaces of every kind (no-break, thin…) already count as whitespace in Rust
//! (`char::is_whitespace`, Unicode `White_Space`).

/// The first character (digit zero) of each block of ten Unicode decimal digits read as
/// `0`–`9`: Arabic-Indic, Extended Arabic-Indic, N'Ko, Devanagari, Bengali, Gurmukhi, Gujarati,
/// Oriya, Tamil, Telugu, Kannada, Malayalam, Thai, Lao, Tibetan, Myanmar, Khmer, Mongolian.
const DIGIT_ZEROS: [char; 18] = [
    '\u{660}', '\u{6F0}', '\u{7C0}', '\u{966}', '\u{9E6}', '\u{A66}', '\u{AE6}', '\u{B66}',
    '\u{BE6}', '\u{C66}', '\u{CE6}', '\u{D66}', '\u{E50}', '\u{ED0}', '\u{F20}', '\u{1040}',
    '\u{17E0}', '\u{1810}',
];

/// `c` as the ASCII character it stands for, when it stands for exactly one (its Unicode
/// compatibility form, NFKC, is one ASCII character: `５` → `5`, `Ｋ` → `K`, `－` → `-`), or
/// when it is a decimal digit of another script (`٥` → `5`); otherwise `c` itself.
pub fn fold(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    for zero in DIGIT_ZEROS {
        let offset = u32::from(c).wrapping_sub(u32::from(zero));
        if let Some(digit) = char::from_digit(offset, 10) {
            return digit;
        }
    }
    let compatible = crate::normal::nfkc(c.encode_utf8(&mut [0; 4]));
    let mut compatible = compatible.chars();
    match (compatible.next(), compatible.next()) {
        (Some(one), None) if one.is_ascii() => one,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_digits_letters_and_dashes_are_read_as_meant() {
        for (input, meant) in [
            ('５', '5'),
            ('０', '0'),
            ('٣', '3'),
            ('۹', '9'),
            ('७', '7'),
            ('๒', '2'),
            ('Ｋ', 'K'),
            ('ｑ', 'q'),
            ('－', '-'),
            ('7', '7'),
            ('é', 'é'),
            ('@', '@'),
            ('\u{A0}', ' '),
            ('\u{2009}', ' '),
        ] {
            assert_eq!(fold(input), meant, "{input:?}");
        }
    }

    #[test]
    fn folding_is_idempotent_over_every_character() {
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            assert_eq!(fold(fold(c)), fold(c), "U+{:04X}", u32::from(c));
        }
    }
}
