//! The domain rules through the crate's public surface, as the UI, client and server use them:
//! parse, then turn errors into `AppError`s.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use cartable_core::{
    AppError, BirthDate, BirthDateError, Email, ErrorKind, Field, Nip, PasswordPolicy,
    PermanentCode, PermanentCodeHint, PersonName, SchoolBoards, StudentIdentifier, StudentNumber,
    VerificationCode,
};
use time::macros::date;

/// Every domain rule's error code is distinct, never `internal`, and starts with its rule's
/// prefix (the Fluent keys group by it).
#[test]
fn error_codes_are_globally_unique() {
    let codes: Vec<String> = cartable_core::error::every_error()
        .into_iter()
        .filter(|error| !matches!(error.kind, ErrorKind::Failure(_)))
        .map(|error| error.code())
        .collect();
    assert!(codes.len() > 40, "{codes:?}");
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
    let problem = AppError::from(PasswordPolicy::check("Ab1!").unwrap_err());
    assert_eq!(problem.code(), "password_too_short");
    assert_eq!(problem.field, Some(Field::Password));
    assert_eq!(problem.params().get("min"), Some(&serde_json::json!(8)));
    assert_eq!(problem.params().get("length"), Some(&serde_json::json!(4)));
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
