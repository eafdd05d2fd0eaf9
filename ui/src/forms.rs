//! The forms' checks: form fields into command arguments or per-field [`AppError`]s, and shell
//! errors onto the field they belong to.
//!
//! The rules themselves live in `cartable_core` (email, code, password, names, birth date,
//! identifiers, boards); this module only applies them to what was typed.

use cartable_core::birth_date::BirthDate;
use cartable_core::birth_date::BirthDateError;
use cartable_core::code::VerificationCode;
use cartable_core::identifiers::{Nip, StudentIdentifier};
use cartable_core::ipc::SignInArgs;
use cartable_core::name::PersonName;
use cartable_core::password::PasswordPolicy;
use cartable_core::wire::parent::AssociateRequest;
use cartable_core::{AppError, BoardId, Failure, Org, PrivateSchoolId};

/// Per-field errors of a form, in the order the fields appear on screen, keyed by the name of
/// the input that shows each (an error's own `field` says which kind of field it belongs to;
/// a form with two email inputs shows it under the one it names).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldErrors {
    errors: Vec<(String, AppError)>,
}

impl FieldErrors {
    /// No error.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `problem` for the input named `field` (the first error of a field wins).
    pub fn add(&mut self, field: &str, problem: AppError) {
        if self.get(field).is_none() {
            self.errors.push((field.to_owned(), problem));
        }
    }

    /// The same errors with those of the input `from` moved to the input `to` (a second form
    /// on a screen names its inputs apart).
    #[must_use]
    pub fn renamed(mut self, from: &str, to: &str) -> Self {
        for (field, _) in &mut self.errors {
            if field == from {
                to.clone_into(field);
            }
        }
        self
    }

    /// The error of `field`, if any.
    pub fn get(&self, field: &str) -> Option<&AppError> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, p)| p)
    }

    /// The first field with an error (focus goes there).
    pub fn first_field(&self) -> Option<&str> {
        self.errors.first().map(|(f, _)| f.as_str())
    }

    /// Whether there is no error.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every error, in field order.
    pub fn iter(&self) -> impl Iterator<Item = &(String, AppError)> {
        self.errors.iter()
    }

    /// Keeps the errors ordered as `order` lists the fields (unknown fields last).
    pub fn sorted_by(mut self, order: &[&str]) -> Self {
        self.errors.sort_by_key(|(f, _)| order.iter().position(|o| o == f).unwrap_or(usize::MAX));
        self
    }
}

fn required(errors: &mut FieldErrors, field: &str, value: &str) -> bool {
    if value.trim().is_empty() {
        errors.add(field, AppError::from(Failure::FieldRequired));
        false
    } else {
        true
    }
}

/// Checks an email field with core's rules (`docs/contract.md §1`, "Email"): in the wasm,
/// built without IDNA, an internationalised domain passes here and the shell, which parses
/// every email it is given, refuses a bad one with the same error on the same field.
pub fn check_email(errors: &mut FieldErrors, field: &str, value: &str) {
    if let Err(e) = cartable_core::email::check(value) {
        errors.add(field, AppError::from(e));
    }
}

/// "Se connecter": email and password. The password policy is not applied at sign-in
/// (`docs/contract.md §1`: "never at sign-in"); only emptiness is checked.
///
/// # Errors
///
/// Field errors on `email` and `password`.
pub fn validate_sign_in(email: &str, password: &str) -> Result<SignInArgs, FieldErrors> {
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "email", email);
    if password.is_empty() {
        errors.add("password", AppError::from(Failure::FieldRequired));
    }
    if errors.is_empty() {
        Ok(SignInArgs { email: email.trim().to_owned(), password: password.into() })
    } else {
        Err(errors)
    }
}

/// The email step of sign-up and reset.
///
/// # Errors
///
/// A field error on `email`.
pub fn validate_email(email: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "email", email);
    if errors.is_empty() { Ok(email.trim().to_owned()) } else { Err(errors) }
}

/// The code step: the pasted or typed text, normalised by core (`docs/contract.md §1`).
///
/// # Errors
///
/// A field error on `code`.
pub fn validate_code(code: &str, code_length: u8) -> Result<String, FieldErrors> {
    match VerificationCode::parse(code, usize::from(code_length)) {
        Ok(code) => Ok(code.as_str().to_owned()),
        Err(e) => {
            let mut errors = FieldErrors::new();
            errors.add("code", AppError::from(e));
            Err(errors)
        }
    }
}

/// The new password and its confirmation (`docs/contract.md §1`, "Password policy").
///
/// # Errors
///
/// Field errors on `password` (the policy's first failure) and `confirmation`.
pub fn validate_new_password(password: &str, confirmation: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    if password.is_empty() {
        errors.add("password", AppError::from(Failure::FieldRequired));
    } else if let Err(failure) = PasswordPolicy::check(password) {
        errors.add("password", AppError::from(failure));
    }
    if confirmation.is_empty() {
        errors.add("confirmation", AppError::from(Failure::FieldRequired));
    } else if confirmation != password {
        errors.add("confirmation", AppError::from(Failure::PasswordMismatch));
    }
    if errors.is_empty() { Ok(password.to_owned()) } else { Err(errors) }
}

/// Which kind of identifier the single field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierKind {
    /// 7 digits.
    StudentNumber,
    /// 4 letters and 8 digits.
    PermanentCode,
}

/// What the identifier field says as the parent types: which identifier it reads, why it is
/// refused, and the soft hints on a code permanent (never blocking).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IdentifierFeedback {
    /// The kind recognised, when the input is valid.
    pub kind: Option<IdentifierKind>,
    /// The kind the input looks like (digits only → fiche), even when invalid.
    pub looks_like: Option<IdentifierKind>,
    /// Why it is refused.
    pub error: Option<AppError>,
    /// Soft remarks ("may not match, this is sometimes normal").
    pub hints: Vec<AppError>,
}

/// Recognises the identifier with core's rule and, for a code permanent, gathers core's hints
/// against the birth date and names typed so far.
pub fn identifier_feedback(
    input: &str,
    birth_date: Option<&BirthDate>,
    last_name: &str,
    first_name: &str,
) -> IdentifierFeedback {
    let significant: Vec<char> =
        input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let looks_like = if significant.is_empty() {
        None
    } else if significant.iter().all(char::is_ascii_digit) {
        Some(IdentifierKind::StudentNumber)
    } else {
        Some(IdentifierKind::PermanentCode)
    };
    match StudentIdentifier::recognise(input) {
        Ok(StudentIdentifier::StudentNumber(_)) => IdentifierFeedback {
            kind: Some(IdentifierKind::StudentNumber),
            looks_like,
            ..Default::default()
        },
        Ok(StudentIdentifier::PermanentCode(code)) => {
            let last = PersonName::parse(last_name).ok();
            let first = PersonName::parse(first_name).ok();
            let hints = code
                .hints(birth_date, last.as_ref(), first.as_ref())
                .iter()
                .cloned()
                .map(AppError::from)
                .collect();
            IdentifierFeedback {
                kind: Some(IdentifierKind::PermanentCode),
                looks_like,
                error: None,
                hints,
            }
        }
        Err(e) => IdentifierFeedback {
            kind: None,
            looks_like,
            error: Some(AppError::from(e)),
            hints: Vec::new(),
        },
    }
}

/// The association form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssociateForm {
    /// "J'ai reçu un NIP de l'établissement scolaire".
    pub has_nip: bool,
    /// "Mon enfant fréquente un établissement privé".
    pub private_school: bool,
    /// The chosen school body's id (empty: none chosen).
    pub board_id: String,
    /// The chosen private school's id (empty: none chosen).
    pub private_school_id: String,
    /// "Nom de l'enfant".
    pub last_name: String,
    /// "Prénom de l'enfant".
    pub first_name: String,
    /// "Jour".
    pub day: String,
    /// "Mois" (1 to 12 as text; empty: none chosen).
    pub month: String,
    /// "Année".
    pub year: String,
    /// "Numéro de fiche ou code permanent".
    pub identifier: String,
    /// The NIP (NIP branch only).
    pub nip: String,
    /// "Mon courriel".
    pub email: String,
}

/// The fields of the association form, in screen order.
pub const ASSOCIATE_FIELDS: &[&str] =
    &["board", "nip", "last_name", "first_name", "birth_date", "identifier", "email"];

impl AssociateForm {
    /// The birth date, when the three fields make a plausible one on `today`; digits of any
    /// script or width count (`cartable_core::fold`).
    ///
    /// # Errors
    ///
    /// `field_required` when a part is empty; core's birth-date error otherwise.
    pub fn birth_date(&self, today: time::Date) -> Result<BirthDate, AppError> {
        // Digits as meant (`cartable_core::fold`): `０７`, `٠٧` are 07.
        let meant = |part: &str| part.chars().map(cartable_core::fold::fold).collect::<String>();
        let (day, month, year) = (meant(&self.day), meant(&self.month), meant(&self.year));
        let (day, month, year) = (day.trim(), month.trim(), year.trim());
        if day.is_empty() || month.is_empty() || year.is_empty() {
            return Err(AppError::from(Failure::FieldRequired));
        }
        let (Ok(day), Ok(month), Ok(year)) =
            (day.parse::<u8>(), month.parse::<u8>(), year.parse::<i32>())
        else {
            return Err(AppError::from(BirthDateError::BirthDateBadFormat));
        };
        BirthDate::new(day, month, year, today).map_err(AppError::from)
    }

    /// The school body or private school chosen, as the private-school box says; `None` while
    /// none is.
    pub fn org(&self) -> Option<Org> {
        if self.private_school {
            let school = self.private_school_id.trim();
            (!school.is_empty()).then(|| Org::PrivateSchool(PrivateSchoolId::new(school)))
        } else {
            let board = self.board_id.trim();
            (!board.is_empty()).then(|| Org::Board(BoardId::new(board)))
        }
    }

    /// Builds the request for the branch chosen (`docs/contract.md §6`): NIP (board or private
    /// school, NIP, birth date), private school (identity questions) or school body (identity
    /// questions). Values are sent as typed, trimmed; the identifier normalised by core.
    ///
    /// # Errors
    ///
    /// Every field error, in screen order.
    pub fn validate(&self, today: time::Date) -> Result<AssociateRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let org = self.org();
        if org.is_none() {
            errors.add("board", AppError::from(Failure::BoardRequired));
        }
        let birth_date = self.birth_date(today).map_err(|p| errors.add("birth_date", p)).ok();
        if self.has_nip {
            if let Err(e) = Nip::parse(&self.nip) {
                errors.add("nip", AppError::from(e));
            }
            let errors = errors.sorted_by(ASSOCIATE_FIELDS);
            return match (org, birth_date) {
                (Some(org), Some(birth)) if errors.is_empty() => {
                    Ok(AssociateRequest::nip(org, self.nip.trim().to_owned(), birth.to_iso()))
                }
                _ => Err(errors),
            };
        }
        for (field, value) in [("last_name", &self.last_name), ("first_name", &self.first_name)] {
            if required(&mut errors, field, value)
                && let Err(e) = PersonName::parse(value)
            {
                errors.add(field, AppError::from(e));
            }
        }
        let identifier = match StudentIdentifier::recognise(&self.identifier) {
            Ok(identifier) => Some(identifier),
            Err(e) => {
                errors.add("identifier", AppError::from(e));
                None
            }
        };
        check_email(&mut errors, "email", &self.email);
        let errors = errors.sorted_by(ASSOCIATE_FIELDS);
        match (org, birth_date, identifier) {
            (Some(org), Some(birth), Some(identifier)) if errors.is_empty() => {
                let (student_number, permanent_code) = match &identifier {
                    StudentIdentifier::StudentNumber(n) => (Some(n.as_str().to_owned()), None),
                    StudentIdentifier::PermanentCode(c) => (None, Some(c.as_str().to_owned())),
                };
                let last_name = self.last_name.trim().to_owned();
                let first_name = self.first_name.trim().to_owned();
                let email = self.email.trim().to_owned();
                let birth_date = birth.to_iso();
                Ok(match org {
                    Org::PrivateSchool(private_school_id) => AssociateRequest::PrivateSchool {
                        private_school_id,
                        last_name,
                        first_name,
                        birth_date,
                        student_number,
                        permanent_code,
                        email,
                    },
                    Org::Board(board_id) => AssociateRequest::Identity {
                        board_id,
                        last_name,
                        first_name,
                        birth_date,
                        student_number,
                        permanent_code,
                        email,
                    },
                })
            }
            _ => Err(errors),
        }
    }
}

/// Splits a shell error into per-field errors and a form-level one.
pub fn place_error(problem: AppError) -> (FieldErrors, Option<AppError>) {
    let mut errors = FieldErrors::new();
    match problem.field {
        Some(field) => {
            errors.add(field.as_str(), problem);
            (errors, None)
        }
        None => (errors, Some(problem)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use cartable_core::Field;
    use serde_json::json;
    use time::macros::date;

    use super::*;

    const TODAY: time::Date = date!(2025 - 09 - 15);

    fn form() -> AssociateForm {
        AssociateForm {
            board_id: "css-affluents".into(),
            last_name: " Lévesque-Côté ".into(),
            first_name: "Éloïse".into(),
            day: "7".into(),
            month: "3".into(),
            year: "2015".into(),
            identifier: "0123456".into(),
            email: "parent@example.ca".into(),
            ..AssociateForm::default()
        }
    }

    #[test]
    fn sign_in_checks_email_and_presence_only() {
        let errors = validate_sign_in("jean", "").unwrap_err();
        assert_eq!(errors.first_field(), Some("email"));
        assert_eq!(errors.get("email").map(AppError::code).as_deref(), Some("email_missing_at"));
        assert_eq!(errors.get("password").map(AppError::code).as_deref(), Some("field_required"));
        // A weak password is fine at sign-in (the policy applies only to new passwords).
        let args = validate_sign_in(" jean@example.ca ", "abc").unwrap();
        assert_eq!(args.email, "jean@example.ca");
        assert_eq!(args.password.expose(), "abc");
    }

    #[test]
    fn pasted_codes_are_normalised() {
        assert_eq!(validate_code("Code : 123 456", 6), Ok("123456".to_owned()));
        let errors = validate_code("12345", 6).unwrap_err();
        assert_eq!(errors.get("code").map(AppError::code).as_deref(), Some("code_too_short"));
    }

    #[test]
    fn new_password_gives_policy_and_confirmation_errors() {
        let errors = validate_new_password("abcdefg1", "abcdefg2").unwrap_err();
        assert_eq!(
            errors.get("password").map(AppError::code).as_deref(),
            Some("password_too_weak")
        );
        assert_eq!(
            errors.get("confirmation").map(AppError::code).as_deref(),
            Some("password_mismatch")
        );
        assert_eq!(errors.first_field(), Some("password"));
        assert_eq!(validate_new_password("Abcdefg1", "Abcdefg1"), Ok("Abcdefg1".to_owned()));
        let errors = validate_new_password("Abc 1234!", "").unwrap_err();
        let problem = errors.get("password").unwrap();
        assert_eq!(problem.code(), "password_is_invalid");
        assert_eq!(problem.field, Some(Field::Password));
    }

    #[test]
    fn identifier_kind_is_recognised_and_said() {
        let fiche = identifier_feedback("012 3456", None, "", "");
        assert_eq!(fiche.kind, Some(IdentifierKind::StudentNumber));
        let code = identifier_feedback("trel 0753 1299", None, "", "");
        assert_eq!(code.kind, Some(IdentifierKind::PermanentCode));
        assert!(code.hints.is_empty());
        let eight = identifier_feedback("12345678", None, "", "");
        assert_eq!(eight.kind, None);
        assert_eq!(eight.looks_like, Some(IdentifierKind::StudentNumber));
        assert_eq!(eight.error.map(|p| p.code()), Some("student_number_length".to_owned()));
        let short = identifier_feedback("TRE075312991", None, "", "");
        assert_eq!(short.looks_like, Some(IdentifierKind::PermanentCode));
        assert!(short.error.is_some());
    }

    #[test]
    fn permanent_code_hints_use_the_birth_date_and_names() {
        let birth = BirthDate::new(7, 3, 2012, TODAY).unwrap();
        let feedback = identifier_feedback("TREL07531299", Some(&birth), "Tremblay", "Léa");
        assert_eq!(feedback.hints, vec![]);
        let other = BirthDate::new(8, 4, 2013, TODAY).unwrap();
        let feedback = identifier_feedback("TREL07531299", Some(&other), "Gagnon", "Léa");
        let codes: Vec<_> = feedback.hints.iter().map(AppError::code).collect();
        assert!(codes.iter().any(|c| c == "permanent_code_day_may_not_match"), "{codes:?}");
        assert!(codes.iter().any(|c| c == "permanent_code_letters_may_not_match"), "{codes:?}");
        assert_eq!(feedback.kind, Some(IdentifierKind::PermanentCode), "hints never block");
    }

    #[test]
    fn a_birth_date_in_other_digits_is_read_as_meant() {
        let pasted = AssociateForm {
            day: "０７".into(),
            month: "٣".into(),
            year: " ２０１５ ".into(),
            ..form()
        };
        assert_eq!(pasted.birth_date(TODAY), form().birth_date(TODAY));
        assert_eq!(pasted.birth_date(TODAY).map(|d| d.to_iso()), Ok("2015-03-07".to_owned()));
    }

    #[test]
    fn association_identity_branch_builds_the_request() {
        let request = form().validate(TODAY).unwrap();
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({
                "method": "identity", "board_id": "css-affluents", "last_name": "Lévesque-Côté",
                "first_name": "Éloïse", "birth_date": "2015-03-07", "student_number": "0123456",
                "email": "parent@example.ca"
            })
        );
    }

    #[test]
    fn association_nip_branch_needs_no_email_or_names() {
        let mut form = AssociateForm {
            has_nip: true,
            board_id: "css-laval".into(),
            nip: "k7qm-4rtx".into(),
            day: "29".into(),
            month: "2".into(),
            year: "2016".into(),
            ..AssociateForm::default()
        };
        let request = form.validate(TODAY).unwrap();
        assert!(matches!(
            request,
            AssociateRequest::Nip { board_id: Some(_), private_school_id: None, .. }
        ));
        form.nip = "K7QM4RT0".into();
        let errors = form.validate(TODAY).unwrap_err();
        assert_eq!(errors.first_field(), Some("nip"));
        assert_eq!(errors.get("nip").map(AppError::code).as_deref(), Some("nip_invalid_character"));
    }

    #[test]
    fn association_private_branch_uses_the_private_school() {
        let mut form = form();
        form.private_school = true;
        let errors = form.validate(TODAY).unwrap_err();
        assert_eq!(errors.get("board").map(AppError::code).as_deref(), Some("board_required"));
        form.private_school_id = "ps-college-demo".into();
        assert!(matches!(form.validate(TODAY), Ok(AssociateRequest::PrivateSchool { .. })));
    }

    #[test]
    fn association_errors_come_in_screen_order() {
        let empty = AssociateForm::default();
        let errors = empty.validate(TODAY).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["board", "last_name", "first_name", "birth_date", "identifier", "email"]
        );
        let mut swapped = form();
        swapped.day = "31".into();
        swapped.month = "4".into();
        let errors = swapped.validate(TODAY).unwrap_err();
        assert_eq!(
            errors.get("birth_date").map(AppError::code).as_deref(),
            Some("birth_date_no_such_day")
        );
    }

    #[test]
    fn shell_errors_land_on_their_field() {
        let wrong = AppError::from(Failure::InvalidCode { attempts_left: Some(2) });
        let (errors, top) = place_error(wrong);
        assert_eq!(errors.first_field(), Some("code"));
        assert!(top.is_none());
        let none = AppError::from(Failure::NoMatchingRecord { attempts_left: None });
        let (errors, top) = place_error(none);
        assert!(errors.is_empty(), "never claims which field was wrong");
        assert_eq!(top.map(|p| p.code()), Some("no_matching_record".to_owned()));
        let field_of = |error: AppError| place_error(error).0.first_field().map(str::to_owned);
        assert_eq!(field_of(Failure::InvalidCredentials.into()), None);
        let weak = AppError::from_code("password_too_weak", serde_json::Map::new());
        assert_eq!(field_of(weak.on_field(Field::Password)).as_deref(), Some("password"));
        assert_eq!(field_of(Failure::CodeAttemptsExceeded { retry_after: 60 }.into()), None);
        let unknown = AppError::from_code("x", serde_json::Map::new()).on_field(Field::Nip);
        assert_eq!(field_of(unknown).as_deref(), Some("nip"));
    }
}
