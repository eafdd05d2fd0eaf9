//! The parent API and its RFC 9457 problem details (`docs/contract.md` §§5–6).
//!
//! Requests carry the fields exactly as the parent typed them (strings), so the server can
//! judge each with the rules of this crate and answer every malformed field at once in
//! [`ProblemDetails::errors`]; answers carry what the portal holds.
//!
//! With the `openapi` feature every type derives `utoipa::ToSchema`, which the reference
//! portal uses for `GET /openapi.json`; the UI builds without it.

use crate::Secret;
use crate::ids::{BoardId, ChildId, Org, PrivateSchoolId};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use crate::boards::{BoardKind, BoardLanguage, SchoolBoard};

/// One school body of `GET /api/v1/school-boards` (`docs/contract.md §6`): the fields of
/// [`SchoolBoard`] (as in `school_boards.json`) plus `subscribed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchoolBoardEntry {
    /// Slug, e.g. `css-montreal`, `sb-english-montreal`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: BoardId,
    /// Official French name.
    pub name_fr: String,
    /// Official English name, for English and special-status bodies.
    pub name_en: Option<String>,
    /// Language of instruction: `fr` or `en`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "fr"))]
    pub language: BoardLanguage,
    /// `css`, `school_board` or `special_status`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "css"))]
    pub kind: BoardKind,
    /// Administrative region of the seat, in French.
    pub region: String,
    /// The ministry's organisation code (6 digits).
    pub ministry_code: String,
    /// Former names a parent may still know the body by.
    #[serde(default)]
    pub former_names: Vec<String>,
    /// Whether the body's records are reachable through this portal (default `true`).
    pub subscribed: bool,
}

impl SchoolBoardEntry {
    /// The entry for `board` with its subscription state.
    pub fn new(board: &SchoolBoard, subscribed: bool) -> Self {
        Self {
            id: board.id.clone(),
            name_fr: board.name_fr.clone(),
            name_en: board.name_en.clone(),
            language: board.language,
            kind: board.kind,
            region: board.region.clone(),
            ministry_code: board.ministry_code.clone(),
            former_names: board.former_names.clone(),
            subscribed,
        }
    }
}

/// One private school of `GET /api/v1/private-schools` (`docs/contract.md §6`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrivateSchool {
    /// `ps-<slug>`, e.g. `ps-college-sainte-anne`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: PrivateSchoolId,
    /// The school's name.
    pub name: String,
    /// Whether the school's records are reachable through this portal.
    pub subscribed: bool,
}

/// `GET /api/v1/me` (`docs/contract.md §6`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// Account id (UUID), the `sub` of access tokens.
    pub id: String,
    /// The sign-in email (canonical form) of a local account; `null` for social accounts.
    pub email: Option<String>,
    /// Every email of the account and whether it is proved (`docs/contract.md §5`).
    pub emails: Vec<EmailEntry>,
    /// How the parent signs in: `local`, `google`, `live`, `facebook`, `linkedin`, `apple`.
    pub providers: Vec<String>,
    /// When the account was created (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One email of an account (`docs/contract.md §5`, `POST /api/v1/me/emails/verify` answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailEntry {
    /// Canonical address.
    pub address: String,
    /// Proved with a code (or by the provider); only verified emails count for association.
    pub verified: bool,
}

/// `POST /api/v1/me/emails` body (`docs/contract.md §5`, "Linking the school email"): the
/// address to add; a code is emailed to it. Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddEmailRequest {
    /// The address as typed; compared in canonical form (§1 "Email").
    pub email: String,
}

/// `POST /api/v1/me/emails` answer, HTTP 202 (`docs/contract.md §5`): where the code went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailChallenge {
    /// The masked address, e.g. `j***e@e*****e.com`.
    pub challenge_target_label: String,
    /// Digits in the code: 6 (§1 "Codes").
    pub code_length: usize,
    /// Seconds before a new code may be asked for: 60 (§1 "Codes").
    pub interval: u64,
}

/// `POST /api/v1/me/emails/verify` body (`docs/contract.md §5`): the address and its emailed
/// code (spaces, dashes and line breaks in the code are ignored, §1). Answer: 200
/// [`EmailEntry`] with `verified: true`. Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The address a code was sent to.
    pub email: String,
    /// The code, a secret: never logged.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Secret,
}

/// A child associated with the parent's account (`docs/contract.md §6`).
///
/// Exactly one of `board_id` / `private_school_id` is non-null. Personal data: never log it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Child {
    /// The child's id (UUID) in this portal; path parameter of removal and dossier.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ChildId,
    /// First name as the school registered it.
    pub first_name: String,
    /// Last name as the school registered it.
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// The school body's slug, or `null` for a private school.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub board_id: Option<BoardId>,
    /// The private school's id (`ps-…`), or `null` for a school body.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub private_school_id: Option<PrivateSchoolId>,
    /// The school the child attends.
    pub school: School,
    /// Grade as the school words it, e.g. `Maternelle 5 ans`, `2e année`, `Secondaire 3`.
    pub grade: String,
    /// When this account was associated with the child (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub associated_at: OffsetDateTime,
}

/// A school as the registry names it (`docs/contract.md §6`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct School {
    /// The school's code within its body, e.g. `"123045"`.
    pub code: String,
    /// The school's name.
    pub name: String,
}

/// `POST /api/v1/children`: associate a child (`docs/contract.md §6`), tagged by `method`.
///
/// Every value is the text as typed; the server normalises it (code permanent uppercased with
/// spaces removed, names compared by their matching key, email canonical). Unknown fields are
/// refused, so a misspelt field is an error rather than silently ignored.
///
/// ```
/// # use cartable_core::wire::parent::AssociateRequest;
/// let body = r#"{"method":"nip","board_id":"css-laval","nip":"K7QM-4RTX","birth_date":"2016-02-29"}"#;
/// assert!(matches!(serde_json::from_str(body), Ok(AssociateRequest::Nip { .. })));
/// assert!(serde_json::from_str::<AssociateRequest>(&body.replace("nip\":", "pin\":")).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum AssociateRequest {
    /// The identity questions, for a child of a school body.
    Identity {
        /// The school body's slug.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        board_id: BoardId,
        /// Legal last name.
        last_name: String,
        /// Legal first name.
        first_name: String,
        /// `YYYY-MM-DD`.
        birth_date: String,
        /// Numéro de fiche (7 digits); exactly one of this and `permanent_code`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        student_number: Option<String>,
        /// Code permanent (4 letters, 8 digits); exactly one of this and `student_number`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        permanent_code: Option<String>,
        /// The email the school has on file; must be a verified email of the account.
        email: String,
    },
    /// The identity questions, for a child of a private school.
    PrivateSchool {
        /// The private school's id (`ps-…`).
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        private_school_id: PrivateSchoolId,
        /// Legal last name.
        last_name: String,
        /// Legal first name.
        first_name: String,
        /// `YYYY-MM-DD`.
        birth_date: String,
        /// Numéro de fiche (7 digits); exactly one of this and `permanent_code`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        student_number: Option<String>,
        /// Code permanent (4 letters, 8 digits); exactly one of this and `student_number`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        permanent_code: Option<String>,
        /// The email the school has on file; must be a verified email of the account.
        email: String,
    },
    /// A NIP the school gave the parent; no email needed.
    Nip {
        /// The school body's slug; exactly one of this and `private_school_id`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        board_id: Option<BoardId>,
        /// The private school's id; exactly one of this and `board_id`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        private_school_id: Option<PrivateSchoolId>,
        /// 8 characters; case, spaces and dashes do not matter.
        nip: String,
        /// `YYYY-MM-DD`.
        birth_date: String,
    },
}

impl AssociateRequest {
    /// The `nip` request for a child of `org`: the only way the app builds one, so it always
    /// names exactly one of `board_id` and `private_school_id`. `nip` as the parent typed it
    /// (the caller trims it), `birth_date` as `YYYY-MM-DD`.
    ///
    /// The variant keeps the two fields as options because that is what the portal must read:
    /// a body naming both or neither is answered with an `exactly_one_required` error on each
    /// field (`docs/contract.md §6`), not refused as undecodable.
    pub fn nip(org: Org, nip: String, birth_date: String) -> Self {
        let (board_id, private_school_id) = org.into_fields();
        Self::Nip { board_id, private_school_id, nip, birth_date }
    }
}

/// One section of a child's file (`GET /api/v1/children/{id}/dossier`, `docs/contract.md §6`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierSection {
    /// Section id.
    pub id: SectionId,
    /// French title, e.g. `Devoirs et leçons`.
    pub title_fr: String,
    /// English title, e.g. `Homework and lessons`.
    pub title_en: String,
    /// Number of items the school published in the section.
    pub count: u32,
    /// When the section last changed (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// RFC 9457 problem details, the parent API's error body (`docs/contract.md §0`, §6).
///
/// Served as `application/problem+json`. Clients act on `code` (and `errors[].code`), never on
/// `title` or `detail`, which are for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemDetails {
    /// A URI naming the problem type (RFC 9457 §3.1.1), e.g. `urn:cartable:problem:no_matching_record`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short human summary, the same for every occurrence of the type (RFC 9457 §3.1.3).
    pub title: String,
    /// The HTTP status code (RFC 9457 §3.1.2).
    pub status: u16,
    /// Human explanation of this occurrence (RFC 9457 §3.1.4); never holds a child's data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine code.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "no_matching_record"))]
    pub code: ProblemCode,
    /// For input errors: each malformed field with a code from this crate's rules
    /// (e.g. `{"field": "birth_date", "code": "birth_date_invalid"}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One malformed field of a request (`docs/contract.md §0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The request field, e.g. `birth_date`.
    pub field: String,
    /// Stable snake_case code, the `code` of the rule's error in this crate (e.g.
    /// `permanent_code_length`), or `required`, `one_of_required`, `unknown_board`…
    pub code: String,
}

/// Declares a string enum with a catch-all variant: serialized as its snake_case text, and any
/// text it does not know deserializes to `Other(text)` so older clients keep working when the
/// server adds values.
macro_rules! open_string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// Every known value, in declaration order.
            pub const KNOWN: &[$name] = &[$($name::$variant),*];

            /// The wire text.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Other(text) => text,
                }
            }

            /// The value for a wire text (`Other` when unknown).
            pub fn from_text(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from_text(&text))
            }
        }
    };
}

open_string_enum! {
    /// The stable `code` of a parent-API problem (`docs/contract.md` §§5–6).
    pub enum ProblemCode {
        /// 401: missing, invalid or expired access token (§6).
        InvalidToken => "invalid_token",
        /// 400: the body is not JSON, not an object of the expected shape, or has unknown fields.
        InvalidBody => "invalid_body",
        /// 400: one or more fields are malformed; see `errors`.
        InvalidFields => "invalid_fields",
        /// 403: the association email is not a verified email of the account (§6).
        EmailNotVerified => "email_not_verified",
        /// 422: the chosen body or private school is not subscribed to this portal (§6).
        BoardNotSubscribed => "board_not_subscribed",
        /// 422: no school record matches; never says which field differed (§6).
        NoMatchingRecord => "no_matching_record",
        /// 429: 10 `no_matching_record` answers within 24 hours; see `Retry-After` (§6).
        TooManyAttempts => "too_many_attempts",
        /// 404: no such child among the caller's children (§6).
        ChildNotFound => "child_not_found",
        /// 404: no such route.
        NotFound => "not_found",
        /// 405: the route exists with other methods.
        MethodNotAllowed => "method_not_allowed",
        /// 413: the body is larger than the portal accepts.
        PayloadTooLarge => "payload_too_large",
        /// 415: the body is not `application/json`.
        UnsupportedMediaType => "unsupported_media_type",
        /// 429 (§5): a code was sent less than `interval` seconds ago.
        Throttled => "throttled",
        /// 429 (§5): too many codes sent to this email within the hour.
        CodeSendsExceeded => "code_sends_exceeded",
        /// 429 (§5): too many wrong codes; ask for a new one.
        CodeAttemptsExceeded => "code_attempts_exceeded",
        /// 400 (§5): wrong code.
        InvalidCode => "invalid_code",
        /// 400 (§5): the code expired.
        CodeExpired => "code_expired",
        /// 409 (§5): the email belongs to another account.
        EmailInUse => "email_in_use",
        /// 500: the portal failed; details are in its log, not here.
        Internal => "internal",
    }
}

open_string_enum! {
    /// The id of a dossier section (`docs/contract.md §6`, DOMAIN §3.1).
    pub enum SectionId {
        /// Agenda (calendar).
        Agenda => "agenda",
        /// Homework and lessons.
        Devoirs => "devoirs",
        /// Absences and lateness.
        Absences => "absences",
        /// School results.
        Resultats => "resultats",
        /// Teachers' names and subjects.
        Enseignants => "enseignants",
        /// School transport.
        Transport => "transport",
        /// Account statement for school fees.
        EtatDeCompte => "etat_de_compte",
        /// Messages from the school and the class.
        Messages => "messages",
        /// Teaching resources.
        Ressources => "ressources",
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for SectionId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(SectionId::KNOWN.iter().map(SectionId::as_str)))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for SectionId {}

impl SectionId {
    /// French and English titles of a known section (DOMAIN §3.1); `None` for `Other`.
    pub fn titles(&self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            SectionId::Agenda => ("Agenda", "Calendar"),
            SectionId::Devoirs => ("Devoirs et leçons", "Homework and lessons"),
            SectionId::Absences => ("Absences et retards", "Absences and lateness"),
            SectionId::Resultats => ("Résultats", "Results"),
            SectionId::Enseignants => ("Enseignants", "Teachers"),
            SectionId::Transport => ("Transport scolaire", "School transport"),
            SectionId::EtatDeCompte => ("État de compte", "Account statement"),
            SectionId::Messages => ("Messages", "Messages"),
            SectionId::Ressources => ("Ressources pédagogiques", "Teaching resources"),
            SectionId::Other(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn associate_request_is_tagged_and_strict() {
        let identity = json!({
            "method": "identity", "board_id": "css-laval", "last_name": "D’Amours",
            "first_name": "Éloïse", "birth_date": "2016-02-29", "student_number": "0123456",
            "email": "parent@example.ca"
        });
        let parsed: AssociateRequest = serde_json::from_value(identity.clone()).expect("valid");
        assert!(matches!(&parsed, AssociateRequest::Identity { permanent_code: None, .. }));
        assert_eq!(serde_json::to_value(&parsed).expect("serializes"), identity);

        let mut extra = identity.clone();
        extra["nickname"] = json!("Lolo");
        let error = serde_json::from_value::<AssociateRequest>(extra).expect_err("unknown field");
        assert!(error.to_string().contains("nickname"), "{error}");

        let unknown_method = json!({"method": "magic", "nip": "x"});
        assert!(serde_json::from_value::<AssociateRequest>(unknown_method).is_err());

        let private = json!({
            "method": "private_school", "private_school_id": "ps-x", "last_name": "A",
            "first_name": "B", "birth_date": "2015-01-01", "permanent_code": "ABCD01011501",
            "email": "a@b.c"
        });
        assert!(matches!(
            serde_json::from_value(private),
            Ok(AssociateRequest::PrivateSchool { student_number: None, .. })
        ));
    }

    #[test]
    fn problem_codes_round_trip_and_keep_unknown_ones() {
        for code in ProblemCode::KNOWN {
            let text = serde_json::to_string(code).expect("serializes");
            assert_eq!(&serde_json::from_str::<ProblemCode>(&text).expect("parses"), code);
        }
        assert_eq!(
            serde_json::from_str::<ProblemCode>("\"brand_new\"").expect("parses"),
            ProblemCode::Other("brand_new".into())
        );
        let body = json!({
            "type": "urn:cartable:problem:invalid_fields", "title": "Invalid fields",
            "status": 400, "code": "invalid_fields",
            "errors": [{"field": "birth_date", "code": "birth_date_invalid"}]
        });
        let problem: ProblemDetails = serde_json::from_value(body.clone()).expect("parses");
        assert_eq!(problem.code, ProblemCode::InvalidFields);
        assert_eq!(serde_json::to_value(&problem).expect("serializes"), body);
    }

    #[test]
    fn every_known_section_has_titles() {
        for id in SectionId::KNOWN {
            assert!(id.titles().is_some(), "{id}");
        }
        assert_eq!(SectionId::KNOWN.len(), 9);
        assert_eq!(SectionId::from_text("etat_de_compte"), SectionId::EtatDeCompte);
    }
}
