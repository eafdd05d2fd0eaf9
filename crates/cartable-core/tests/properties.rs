//! Property tests for the domain rules: every normaliser is idempotent, and the password policy
//! agrees with an independent, straightforward reading of `docs/contract.md §1`.

#![allow(clippy::unwrap_used)]

use cartable_core::code::VerificationCode;
use cartable_core::email::Email;
use cartable_core::identifiers::{Nip, PermanentCode, StudentNumber};
use cartable_core::name::PersonName;
use cartable_core::password::PasswordPolicy;
use proptest::prelude::*;

/// Characters mixing what parents type: ASCII letters and digits, the policy's symbols,
/// refused ASCII (`<`, `>`, space, tab), accented and other non-ASCII letters, dashes,
/// apostrophes and a few oddities.
fn mixed_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        3 => prop::char::range('A', 'Z'),
        3 => prop::char::range('0', '9'),
        2 => prop::sample::select(
            "@#$%^&*-_+=[]{}|\\:',.?/`~\"();!".chars().collect::<Vec<_>>()
        ),
        1 => prop::sample::select(vec![
            ' ', '\t', '\n', '<', '>', 'é', 'É', 'ç', 'ß', 'œ', 'ﬁ', '’', '–', '\u{301}', '€',
            '李', 'Ω', '٣', '\u{a0}', '😀',
        ]),
    ]
}

fn mixed_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(mixed_char(), 0..max).prop_map(|chars| chars.into_iter().collect())
}

/// The policy written out plainly, without the crate's code: which suberror, if any.
fn reference_password_suberror(password: &str) -> Option<&'static str> {
    let symbols = [
        '@', '#', '$', '%', '^', '&', '*', '-', '_', '+', '=', '[', ']', '{', '}', '|', '\\', ':',
        '\'', ',', '.', '?', '/', '`', '~', '"', '(', ')', ';', '!',
    ];
    let is_lower = |c: char| c.is_ascii_lowercase();
    let is_upper = |c: char| c.is_ascii_uppercase();
    let is_digit = |c: char| c.is_ascii_digit();
    let is_symbol = |c: char| symbols.contains(&c);
    if password.chars().any(|c| !(is_lower(c) || is_upper(c) || is_digit(c) || is_symbol(c))) {
        return Some("password_is_invalid");
    }
    let length = password.chars().count();
    if length < 8 {
        return Some("password_too_short");
    }
    if length > 16 {
        return Some("password_too_long");
    }
    let classes = [
        password.chars().any(is_lower),
        password.chars().any(is_upper),
        password.chars().any(is_digit),
        password.chars().any(is_symbol),
    ];
    if classes.iter().filter(|present| **present).count() < 3 {
        return Some("password_too_weak");
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn password_policy_matches_the_reference(password in mixed_string(24)) {
        let expected = reference_password_suberror(&password);
        let report = PasswordPolicy::evaluate(&password);
        prop_assert_eq!(report.failure().map(|f| f.suberror()), expected);
        prop_assert_eq!(report.is_acceptable(), expected.is_none());
        prop_assert_eq!(PasswordPolicy::check(&password).err().map(|f| f.suberror()), expected);
        prop_assert_eq!(report.length, password.chars().count());
        // Every offending character is reported at its char index.
        let chars: Vec<char> = password.chars().collect();
        for offending in &report.offending {
            prop_assert_eq!(chars[offending.position], offending.character);
        }
    }

    #[test]
    fn acceptable_shaped_passwords_agree_too(
        password in "[a-zA-Z0-9@#$%^&*_+=:;,.?/!-]{6,18}"
    ) {
        let expected = reference_password_suberror(&password);
        prop_assert_eq!(PasswordPolicy::check(&password).err().map(|f| f.suberror()), expected);
    }

    #[test]
    fn email_canonical_form_is_idempotent(input in mixed_string(30)) {
        if let Ok(email) = Email::parse(&input) {
            let again = Email::parse(email.as_str());
            prop_assert_eq!(again.as_ref().map(Email::as_str), Ok(email.as_str()));
            prop_assert_eq!(again, Ok(email));
        }
    }

    #[test]
    fn plausible_emails_parse_and_are_idempotent(
        local in "[A-Za-z0-9][A-Za-z0-9._+-]{0,15}[A-Za-z0-9]",
        label in "[A-Za-z0-9éÉüÜçÇ]{1,12}",
        tld in "(ca|com|qc\\.ca|CA|québec)",
    ) {
        prop_assume!(!local.contains(".."));
        let input = format!("  {local}@{label}.{tld} ");
        let email = Email::parse(&input);
        prop_assert!(email.is_ok(), "{input:?}: {email:?}");
        if let Ok(email) = email {
            prop_assert_eq!(email.local_part(), local.to_lowercase());
            prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
            prop_assert_eq!(Email::parse(&input.to_uppercase()).ok(), Some(email));
        }
    }

    #[test]
    fn verification_code_is_idempotent(input in mixed_string(20)) {
        if let Ok(code) = VerificationCode::parse(&input, 6) {
            prop_assert_eq!(code.as_str().len(), 6);
            prop_assert_eq!(VerificationCode::parse(code.as_str(), 6), Ok(code));
        }
    }

    #[test]
    fn pasted_codes_are_found(
        digits in "[0-9]{6}",
        separators in prop::collection::vec("( |-|\n|)", 5),
        prefix in "(|Code : |Votre code est |Your code: )",
        suffix in "(|\\.|\n| valide 10 minutes)",
    ) {
        let mut input = prefix.clone();
        for (i, digit) in digits.chars().enumerate() {
            input.push(digit);
            if i < 5 {
                input.push_str(&separators[i]);
            }
        }
        input.push_str(&suffix);
        let code = VerificationCode::parse(&input, 6);
        prop_assert_eq!(code.as_ref().map(VerificationCode::as_str), Ok(digits.as_str()), "{:?}", input);
    }

    #[test]
    fn student_number_is_idempotent(input in "[0-9 ]{0,10}|[0-9a-z -]{0,10}") {
        if let Ok(number) = StudentNumber::parse(&input) {
            prop_assert_eq!(number.as_str().len(), 7);
            prop_assert_eq!(StudentNumber::parse(number.as_str()), Ok(number));
        }
    }

    #[test]
    fn permanent_code_is_idempotent(input in "[A-Za-zéÉ]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}|.{0,14}") {
        if let Ok(code) = PermanentCode::parse(&input) {
            prop_assert_eq!(code.as_str().len(), 12);
            prop_assert_eq!(PermanentCode::parse(code.as_str()), Ok(code));
        }
    }

    #[test]
    fn well_formed_permanent_codes_are_accepted(
        letters in "[A-Za-z]{4}",
        digits in "[0-9]{8}",
        sep in "( |-|)",
    ) {
        let input = format!("{letters}{sep}{digits}");
        let code = PermanentCode::parse(&input);
        let expected = format!("{}{digits}", letters.to_uppercase());
        prop_assert_eq!(code.as_ref().map(PermanentCode::as_str), Ok(expected.as_str()));
    }

    #[test]
    fn nip_is_idempotent(input in "[A-Za-z0-9 -]{0,12}") {
        if let Ok(nip) = Nip::parse(&input) {
            prop_assert_eq!(nip.as_str().len(), 8);
            prop_assert_eq!(Nip::parse(nip.as_str()), Ok(nip));
        }
    }

    #[test]
    fn person_name_is_idempotent(input in mixed_string(30)) {
        if let Ok(name) = PersonName::parse(&input) {
            let again = PersonName::parse(name.as_str());
            prop_assert_eq!(again.as_ref(), Ok(&name));
            prop_assert!(name.matches(&name));
            // The matching key is itself a valid name with the same key.
            if let Ok(key_name) = PersonName::parse(&name.matching_key()) {
                prop_assert_eq!(key_name.matching_key(), name.matching_key());
            }
        }
    }

    #[test]
    fn names_match_whatever_the_separator_and_case(
        parts in prop::collection::vec("[A-Za-zÀ-ÖØ-öø-ÿ]{1,8}", 1..4),
        separators in prop::collection::vec("( |-|'|’)", 3),
    ) {
        let spaced = parts.join(" ");
        let mut mixed = String::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                mixed.push_str(&separators[i - 1]);
            }
            mixed.push_str(&part.to_uppercase());
        }
        let a = PersonName::parse(&spaced);
        let b = PersonName::parse(&mixed);
        prop_assert!(a.is_ok() && b.is_ok(), "{spaced:?} {mixed:?}");
        if let (Ok(a), Ok(b)) = (a, b) {
            prop_assert!(a.matches(&b), "{:?} vs {:?}", a.matching_key(), b.matching_key());
        }
    }
}
