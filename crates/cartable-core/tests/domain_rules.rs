//! The domain rules through the crate's public surface, as the UI, client and server use them:
//! parse, then turn errors into `Problem`s with `Problem::from_tagged`.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use cartable_core::{
    BirthDate, BirthDateError, CodeError, Email, EmailError, IdentifierError, NameError, Nip,
    NipError, PasswordFailure, PasswordPolicy, PermanentCode, PermanentCodeError,
    PermanentCodeHint, PersonName, Problem, SchoolBoards, StudentIdentifier, StudentNumber,
    StudentNumberError, VerificationCode,
};
use time::macros::date;

fn code_of<T: serde::Serialize>(error: &T) -> String {
    Problem::from_tagged(error).code
}

/// One value of every error and hint variant: their codes must all differ, and none may fall
/// back to `internal`.
#[test]
fn error_codes_are_globally_unique() {
    let c = 'x';
    let codes: Vec<String> = [
        code_of(&EmailError::EmailEmpty),
        code_of(&EmailError::EmailMissingAt),
        code_of(&EmailError::EmailMultipleAt),
        code_of(&EmailError::EmailEmptyLocalPart),
        code_of(&EmailError::EmailEmptyDomain),
        code_of(&EmailError::EmailLocalPartTooLong { max: 64 }),
        code_of(&EmailError::EmailInvalidCharacter { character: c, position: 0 }),
        code_of(&EmailError::EmailBadLocalPart),
        code_of(&EmailError::EmailBadDomain),
        code_of(&EmailError::EmailDomainMissingDot),
        code_of(&PasswordFailure::Invalid { offending: vec![] }),
        code_of(&PasswordFailure::TooShort { length: 1, min: 8 }),
        code_of(&PasswordFailure::TooLong { length: 17, max: 16 }),
        code_of(&PasswordFailure::TooWeak { classes_met: 1, min_classes: 3, classes: vec![] }),
        code_of(&CodeError::CodeEmpty),
        code_of(&CodeError::CodeNotDigits { character: c, position: 0 }),
        code_of(&CodeError::CodeTooShort { length: 1, expected: 6 }),
        code_of(&CodeError::CodeTooLong { length: 7, expected: 6 }),
        code_of(&CodeError::CodeAmbiguous { count: 2 }),
        code_of(&StudentNumberError::StudentNumberEmpty),
        code_of(&StudentNumberError::StudentNumberNotDigit { character: c, position: 0 }),
        code_of(&StudentNumberError::StudentNumberLength { length: 8, expected: 7 }),
        code_of(&PermanentCodeError::PermanentCodeEmpty),
        code_of(&PermanentCodeError::PermanentCodeInvalidCharacter { character: c, position: 0 }),
        code_of(&PermanentCodeError::PermanentCodeLength { length: 1, expected: 12 }),
        code_of(&PermanentCodeError::PermanentCodeExpectedLetter { character: c, position: 0 }),
        code_of(&PermanentCodeError::PermanentCodeExpectedDigit { character: c, position: 0 }),
        code_of(&PermanentCodeHint::PermanentCodeDayMayNotMatch { code_day: 1, birth_day: 2 }),
        code_of(&PermanentCodeHint::PermanentCodeMonthMayNotMatch {
            code_month: 1,
            birth_month: 2,
        }),
        code_of(&PermanentCodeHint::PermanentCodeYearMayNotMatch { code_year: 1, birth_year: 2 }),
        code_of(&PermanentCodeHint::PermanentCodeDayMayNotBeADate { code_day: 0 }),
        code_of(&PermanentCodeHint::PermanentCodeMonthMayNotBeADate { code_month: 0 }),
        code_of(&PermanentCodeHint::PermanentCodeLettersMayNotMatch {
            code_letters: "ABCD".into(),
            name_letters: "ABCE".into(),
        }),
        code_of(&NipError::NipEmpty),
        code_of(&NipError::NipInvalidCharacter { character: c, position: 0 }),
        code_of(&NipError::NipLength { length: 1, expected: 8 }),
        code_of(&IdentifierError::IdentifierEmpty),
        code_of(&BirthDateError::BirthDateBadMonth { month: 13 }),
        code_of(&BirthDateError::BirthDateNoSuchDay { day: 31, month: 4, year: 2015 }),
        code_of(&BirthDateError::BirthDateInFuture),
        code_of(&BirthDateError::BirthDateTooYoung { min_years: 2 }),
        code_of(&BirthDateError::BirthDateTooOld { max_years: 25 }),
        code_of(&BirthDateError::BirthDateBadFormat),
        code_of(&NameError::NameEmpty),
        code_of(&NameError::NameNoLetter),
        code_of(&NameError::NameTooLong { length: 101, max: 100 }),
        code_of(&NameError::NameDigit { character: '2', position: 0 }),
        code_of(&NameError::NameControlCharacter { code_point: "U+0009".into(), position: 0 }),
        code_of(&NameError::NameInvalidCharacter { character: c, position: 0 }),
    ]
    .into();
    let unique: HashSet<&String> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len(), "{codes:?}");
    assert!(!codes.iter().any(|code| code == "internal"));
    let prefixes = [
        "email_",
        "password_",
        "code_",
        "student_number_",
        "permanent_code_",
        "nip_",
        "identifier_",
        "birth_date_",
        "name_",
    ];
    for code in &codes {
        assert!(prefixes.iter().any(|p| code.starts_with(p)), "{code} has no domain prefix");
    }
}

#[test]
fn password_problems_carry_their_parameters() {
    let problem = Problem::from_tagged(&PasswordPolicy::check("Ab1!").unwrap_err());
    assert_eq!(problem.code, "password_too_short");
    assert_eq!(problem.params.get("min"), Some(&serde_json::json!(8)));
    assert_eq!(problem.params.get("length"), Some(&serde_json::json!(4)));
}

#[test]
fn email_example_of_the_brief() {
    let email = Email::parse(" Parent.Nom+ecole@Exemple.CA ").unwrap();
    assert_eq!(email.as_str(), "parent.nom+ecole@exemple.ca");
    assert_eq!(email, Email::parse("parent.nom+ecole@exemple.ca").unwrap());
    assert_eq!(email.masked(), "p**************e@e*****e.ca");
}

#[test]
fn association_form_inputs() {
    let today = date!(2026 - 11 - 29);
    let birth = BirthDate::new(7, 3, 2012, today).unwrap();
    let last = PersonName::parse("Tremblay").unwrap();
    let first = PersonName::parse("Léa").unwrap();
    match StudentIdentifier::recognise("trel 6953 1201").unwrap() {
        StudentIdentifier::PermanentCode(code) => {
            assert_eq!(code.as_str(), "TREL69531201");
            assert!(code.hints(Some(&birth), Some(&last), Some(&first)).is_empty());
        }
        other => panic!("read as {other:?}"),
    }
    let code = PermanentCode::parse("TREL07541299").unwrap();
    assert_eq!(
        code.hints(Some(&birth), Some(&last), Some(&first)),
        vec![PermanentCodeHint::PermanentCodeMonthMayNotMatch { code_month: 54, birth_month: 3 }]
    );
    assert_eq!(StudentNumber::parse("012 3456").unwrap().as_str(), "0123456");
    assert_eq!(Nip::parse("abcd-2345").unwrap().as_str(), "ABCD2345");
    assert_eq!(VerificationCode::parse("Votre code est 123 456.", 6).unwrap().as_str(), "123456");
    assert_eq!(BirthDate::new(30, 11, 2026, today), Err(BirthDateError::BirthDateInFuture));
}

#[test]
fn board_picker_examples() {
    let boards = SchoolBoards::embedded();
    assert_eq!(boards.len(), 72);
    for (query, id) in [
        ("affluents", "css-affluents"),
        ("CSS des Affluents", "css-affluents"),
        ("cs des affluents", "css-affluents"),
        ("Commission scolaire des Affluents", "css-affluents"),
        ("coeur des vallees", "css-coeur-des-vallees"),
        ("lester pearson", "sb-lester-b-pearson"),
    ] {
        assert_eq!(boards.search(query).first().map(|b| b.id.as_str()), Some(id), "{query}");
    }
}

/// What a parent pastes from a mail client or types with an East Asian input method is read as
/// meant: full-width digits and letters, other scripts' digits, no-break and thin spaces, en and
/// full-width dashes (`cartable_core::fold`); a character that is truly wrong is still named
/// (in its plain form).
#[test]
fn codes_and_identifiers_pasted_in_other_digits_and_spaces_are_read_as_meant() {
    use cartable_core::{Nip, PermanentCode, StudentNumber, VerificationCode};
    for pasted in
        ["１２３\u{A0}４５６", "١٢٣ ٤٥٦", "123\u{2009}456", "123\u{2013}456", "Code : １２３４５６"]
    {
        assert_eq!(VerificationCode::parse(pasted, 6).expect(pasted).as_str(), "123456");
    }
    assert_eq!(StudentNumber::parse("０１２\u{202F}３４５６").expect("fiche").as_str(), "0123456");
    assert_eq!(Nip::parse("ｋ７ｑｍ－４ｒｔｘ").expect("nip").as_str(), "K7QM4RTX");
    assert_eq!(
        PermanentCode::parse("ＴＲＥＭ\u{A0}１２０５\u{A0}８９０１")
            .expect("code permanent")
            .as_str(),
        PermanentCode::parse("TREM 1205 8901").expect("code permanent").as_str()
    );
    // Still refused, and named as typed: a letter among the digits.
    let refused = VerificationCode::parse("１２ｘ４５６", 6).expect_err("a letter");
    assert!(format!("{refused:?}").contains("'x'"), "{refused:?}");
}
