//! The parent's children (`docs/contract.md §6`): list, associate, remove, dossier.
//!
//! Association follows the contract's order of answers: 429 first when the account already got
//! [`limits::NO_MATCH`] `no_matching_record` answers within its window (the request is not
//! evaluated). Each request reserves one of those answers before it is evaluated and gives it
//! back unless it ends as `no_matching_record`, so a burst never gets more than the limit (§0
//! "Limits"). The counter is keyed by the account's sign-in identity
//! ([`limits::account_subject_of`]), so it survives the account's deletion. Then 400 for malformed fields (all of them at once, codes from cartable-core's
//! rules); 403 `email_not_verified`; 422 `board_not_subscribed`; then the matching rule of
//! [`registry::matching`]: 201 new, 200 already associated, or 422 `no_matching_record`, the
//! only answer that counts toward the limit.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use cartable_core::{
    BirthDate, BoardId, ChildId, Email, ErrorKind, Failure, Nip, Org, PermanentCode, PersonName,
    PrivateSchoolId, StudentIdentifier, StudentNumber,
    wire::parent::{
        AssociateRequest, Child, DossierSection, FieldError, ProblemCode, School, SectionId,
    },
};
use time::OffsetDateTime;
use utoipa::{
    IntoResponses,
    openapi::{RefOr, Response},
};

use super::json::JsonBody;
use crate::{
    AppState,
    db::{self, Stamp, Tx},
    http::{
        extract::{AuthParent, ParentToken, account_gone},
        problem::{ApiProblem, DocumentedProblem, TokenProblems},
    },
    identity::limits::{self, Reservation},
    registry::{
        self,
        matching::{self, IdentityQuery},
    },
};

/// The caller's children, oldest association first (then by name).
///
/// One query finds the account and its children (a `LEFT JOIN` from `accounts`): no row means
/// the account is gone, answered with the same 401 as [`AuthParent`]; one row without a student
/// means no children.
#[utoipa::path(
    get,
    path = "/api/v1/children",
    tag = "parent",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The associated children", body = [Child]),
        TokenProblems,
    )
)]
pub async fn list_children(
    token: ParentToken,
    State(state): State<AppState>,
) -> Result<Json<Vec<Child>>, ApiProblem> {
    let rows: Vec<AccountChildRow> = db::on!(state.db, |c| {
        sqlx::query_as(&format!(
            "SELECT {CHILD_COLUMNS} FROM accounts p \
             LEFT JOIN child_associations a ON a.account_id = p.id \
             LEFT JOIN students s ON s.id = a.student_id \
             WHERE p.id = $1 \
             ORDER BY a.associated_at, s.last_name, s.first_name, s.id"
        ))
        .bind(&token.account_id)
        .fetch_all(c)
        .await
    })?;
    if rows.is_empty() && !token.account_known {
        return Err(account_gone());
    }
    rows.into_iter()
        .filter_map(AccountChildRow::into_row)
        .map(ChildRow::into_child)
        .collect::<Result<_, _>>()
        .map(Json)
}

/// Associates a child by `identity`, `private_school` or `nip` (see the module docs).
#[utoipa::path(
    post,
    path = "/api/v1/children",
    tag = "parent",
    security(("bearer" = [])),
    request_body = AssociateRequest,
    responses(
        (status = 201, description = "Child associated", body = Child),
        (status = 200, description = "Already associated (idempotent)", body = Child),
        AssociateProblems,
    )
)]
pub async fn associate_child(
    auth: AuthParent,
    State(state): State<AppState>,
    JsonBody(request): JsonBody<AssociateRequest>,
) -> Result<(StatusCode, Json<Child>), ApiProblem> {
    let subject = limits::account_subject_of(&state, &auth.account_id).await?;
    let reservation = match limits::reserve(&state, &subject, limits::NO_MATCH).await? {
        Reservation::Granted(held) => held,
        Reservation::Full { retry_after } => return Err(too_many_attempts(retry_after)),
    };
    let answer = associate(&state, &auth.account_id, request).await;
    let counts = matches!(&answer, Err(p) if p.body.code == ProblemCode::NoMatchingRecord);
    if counts {
        tracing::info!("association attempt matched no record");
        reservation.keep();
    } else {
        reservation.release().await;
    }
    answer
}

/// Evaluates one association request (see the module docs) once its attempt is reserved.
async fn associate(
    state: &AppState,
    account_id: &str,
    request: AssociateRequest,
) -> Result<(StatusCode, Json<Child>), ApiProblem> {
    let now = state.clock.now();
    let checked = check_fields(state, request, now).await?;
    let student_id = match checked {
        Checked::Identity {
            org,
            subscribed,
            identifier,
            last_name,
            first_name,
            birth_date,
            email,
        } => {
            ensure_verified_email(state, account_id, &email).await?;
            ensure_subscribed(subscribed)?;
            let query = IdentityQuery {
                org: &org,
                identifier: &identifier,
                last_name: &last_name,
                first_name: &first_name,
                birth_date,
                email: &email,
            };
            match matching::find_by_identity(&state.db, &query).await? {
                Some(student_id) => {
                    let method = match org {
                        Org::Board(_) => "identity",
                        Org::PrivateSchool(_) => "private_school",
                    };
                    let mut tx = state.db.begin_write().await?;
                    let created =
                        insert_association(&mut tx, account_id, &student_id, method, now).await?;
                    tx.commit().await?;
                    (student_id, created)
                }
                None => return Err(no_matching_record()),
            }
        }
        Checked::Nip { org, subscribed, nip, birth_date } => {
            ensure_subscribed(subscribed)?;
            let mut tx = state.db.begin_write().await?;
            let claimed =
                matching::claim_nip(&mut tx, &state.hash_key, &org, &nip, birth_date, now.into())
                    .await?;
            let Some(student_id) = claimed else {
                tx.rollback().await?;
                return Err(no_matching_record());
            };
            let created = insert_association(&mut tx, account_id, &student_id, "nip", now).await?;
            tx.commit().await?;
            (student_id, created)
        }
    };
    let (student_id, created) = student_id;
    let child = find_child(state, account_id, &student_id)
        .await?
        .ok_or_else(|| ApiProblem::internal(&"association vanished"))?;
    tracing::info!(created, "child associated");
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(child)))
}

/// Removes the association with one of the caller's children → 204.
#[utoipa::path(
    delete,
    path = "/api/v1/children/{id}",
    tag = "parent",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The child's id")),
    responses(
        (status = 204, description = "Association removed"),
        ChildProblems,
    )
)]
pub async fn remove_child(
    auth: AuthParent,
    State(state): State<AppState>,
    Path(id): Path<ChildId>,
) -> Result<StatusCode, ApiProblem> {
    let done = db::on!(state.db, |c| sqlx::query(
        "DELETE FROM child_associations WHERE account_id = $1 AND student_id = $2"
    )
    .bind(&auth.account_id)
    .bind(id.as_str())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(ApiProblem::child_not_found());
    }
    tracing::info!("child association removed");
    Ok(StatusCode::NO_CONTENT)
}

/// The sections the school publishes for one of the caller's children, in the contract's
/// order, with counts from the registry.
#[utoipa::path(
    get,
    path = "/api/v1/children/{id}/dossier",
    tag = "parent",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The child's id")),
    responses(
        (status = 200, description = "The dossier's sections", body = [DossierSection]),
        ChildProblems,
    )
)]
pub async fn get_dossier(
    auth: AuthParent,
    State(state): State<AppState>,
    Path(id): Path<ChildId>,
) -> Result<Json<Vec<DossierSection>>, ApiProblem> {
    let associated: bool = db::on!(state.db, |c| {
        sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM child_associations WHERE account_id = $1 AND student_id = $2)",
    )
    .bind(&auth.account_id)
    .bind(id.as_str())
    .fetch_one(c)
    .await
    })?;
    if !associated {
        return Err(ApiProblem::child_not_found());
    }
    let rows: Vec<(String, i64, Stamp)> = db::on!(state.db, |c| sqlx::query_as(
        "SELECT section, item_count, updated_at FROM student_sections WHERE student_id = $1",
    )
    .bind(id.as_str())
    .fetch_all(c)
    .await)?;
    let mut sections = Vec::with_capacity(rows.len());
    for (section, count, updated_at) in rows {
        let id = SectionId::from_text(&section);
        let Some((title_fr, title_en)) = id.titles() else { continue };
        sections.push(DossierSection {
            title_fr: title_fr.to_owned(),
            title_en: title_en.to_owned(),
            count: u32::try_from(count).unwrap_or(0),
            updated_at: updated_at.at(),
            id,
        });
    }
    sections.sort_by_key(|s| SectionId::KNOWN.iter().position(|k| *k == s.id));
    Ok(Json(sections))
}

/// The problem answers of [`associate_child`] for its OpenAPI entry (the module docs say in
/// which order they are decided).
pub struct AssociateProblems;

impl IntoResponses for AssociateProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        DocumentedProblem::responses(&[
            DocumentedProblem::new(
                StatusCode::BAD_REQUEST,
                "Malformed body (`invalid_body`) or fields (`invalid_fields`, see `errors`)",
            ),
            DocumentedProblem::INVALID_TOKEN,
            DocumentedProblem::new(StatusCode::FORBIDDEN, "`email_not_verified`"),
            DocumentedProblem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "`board_not_subscribed` or `no_matching_record`",
            ),
            DocumentedProblem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "`too_many_attempts`; see `Retry-After`",
            )
            .with_retry_after("Seconds until the window frees"),
        ])
    }
}

/// The problem answers of the routes under `/api/v1/children/{id}` ([`remove_child`],
/// [`get_dossier`]) for their OpenAPI entries: 401 and 404 `child_not_found`.
pub struct ChildProblems;

impl IntoResponses for ChildProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        DocumentedProblem::responses(&[
            DocumentedProblem::INVALID_TOKEN,
            DocumentedProblem::CHILD_NOT_FOUND,
        ])
    }
}

/// A request whose fields passed cartable-core's rules.
enum Checked {
    /// The identity questions; the method is `identity` for a school body's child and
    /// `private_school` for a private school's (`docs/contract.md §6`).
    Identity {
        org: Org,
        subscribed: bool,
        identifier: StudentIdentifier,
        last_name: PersonName,
        first_name: PersonName,
        birth_date: BirthDate,
        email: Email,
    },
    Nip {
        org: Org,
        subscribed: bool,
        nip: Nip,
        birth_date: BirthDate,
    },
}

/// Collects field errors with the `code` of the rule that refused each value.
#[derive(Default)]
struct Fields(Vec<FieldError>);

impl Fields {
    /// Records the code of `error` (a rule's error or a [`Failure`]) for `field`.
    fn push(&mut self, field: &str, error: impl Into<ErrorKind>) {
        self.0.push(FieldError { field: field.to_owned(), code: error.into().code() });
    }

    /// The parsed value, or `None` after recording the rule's code for `field`.
    fn check<T, E: Into<ErrorKind>>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|error| self.push(field, error)).ok()
    }

    /// The `birth_date` field: a `YYYY-MM-DD` date that passes the age rule on `today`.
    fn birth_date(&mut self, text: &str, today: time::Date) -> Option<BirthDate> {
        let date = self.check("birth_date", BirthDate::parse_iso(text))?;
        self.check("birth_date", date.validate_age(today)).map(|()| date)
    }
}

/// Checks every field (cartable-core's rules, the age rule on the portal's clock, the body or
/// private school exists); 400 `invalid_fields` listing each bad one.
async fn check_fields(
    state: &AppState,
    request: AssociateRequest,
    now: OffsetDateTime,
) -> Result<Checked, ApiProblem> {
    let mut fields = Fields::default();
    let today = now.date();
    let checked = match request {
        AssociateRequest::Identity {
            board_id,
            last_name,
            first_name,
            birth_date,
            student_number,
            permanent_code,
            email,
        } => {
            let answers = IdentityAnswers {
                last_name,
                first_name,
                birth_date,
                student_number,
                permanent_code,
                email,
            };
            check_identity(state, &mut fields, today, Org::Board(board_id), answers).await?
        }
        AssociateRequest::PrivateSchool {
            private_school_id,
            last_name,
            first_name,
            birth_date,
            student_number,
            permanent_code,
            email,
        } => {
            let answers = IdentityAnswers {
                last_name,
                first_name,
                birth_date,
                student_number,
                permanent_code,
                email,
            };
            let org = Org::PrivateSchool(private_school_id);
            check_identity(state, &mut fields, today, org, answers).await?
        }
        AssociateRequest::Nip { board_id, private_school_id, nip, birth_date } => {
            let org = Org::from_fields(board_id.as_ref(), private_school_id.as_ref());
            let subscribed = match &org {
                Some(org) => check_org(state, org, &mut fields).await?,
                None => {
                    fields.push("board_id", Failure::ExactlyOneRequired);
                    fields.push("private_school_id", Failure::ExactlyOneRequired);
                    false
                }
            };
            let nip = fields.check("nip", Nip::parse(&nip));
            let birth_date = fields.birth_date(&birth_date, today);
            match (org, nip, birth_date) {
                (Some(org), Some(nip), Some(birth_date)) => {
                    Some(Checked::Nip { org, subscribed, nip, birth_date })
                }
                _ => None,
            }
        }
    };
    match checked {
        Some(checked) if fields.0.is_empty() => Ok(checked),
        _ => Err(ApiProblem::invalid_fields(fields.0)),
    }
}

/// The identity questions of an `identity` or `private_school` request, as typed.
struct IdentityAnswers {
    last_name: String,
    first_name: String,
    birth_date: String,
    student_number: Option<String>,
    permanent_code: Option<String>,
    email: String,
}

/// The identity questions' checks for a child of `org`; `None` once a field error is recorded.
async fn check_identity(
    state: &AppState,
    fields: &mut Fields,
    today: time::Date,
    org: Org,
    answers: IdentityAnswers,
) -> Result<Option<Checked>, ApiProblem> {
    let subscribed = check_org(state, &org, fields).await?;
    let last_name = fields.check("last_name", PersonName::parse(&answers.last_name));
    let first_name = fields.check("first_name", PersonName::parse(&answers.first_name));
    let birth_date = fields.birth_date(&answers.birth_date, today);
    let identifier = match (&answers.student_number, &answers.permanent_code) {
        (Some(number), None) => fields
            .check("student_number", StudentNumber::parse(number))
            .map(StudentIdentifier::StudentNumber),
        (None, Some(code)) => fields
            .check("permanent_code", PermanentCode::parse(code))
            .map(StudentIdentifier::PermanentCode),
        (Some(_), Some(_)) | (None, None) => {
            fields.push("student_number", Failure::ExactlyOneRequired);
            fields.push("permanent_code", Failure::ExactlyOneRequired);
            None
        }
    };
    let email = fields.check("email", Email::parse(&answers.email));
    Ok(match (last_name, first_name, birth_date, identifier, email) {
        (Some(last_name), Some(first_name), Some(birth_date), Some(identifier), Some(email)) => {
            Some(Checked::Identity {
                org,
                subscribed,
                identifier,
                last_name,
                first_name,
                birth_date,
                email,
            })
        }
        _ => None,
    })
}

/// Whether `org` is subscribed; records `unknown_board` / `unknown_private_school` on its
/// field when it does not exist.
async fn check_org(state: &AppState, org: &Org, fields: &mut Fields) -> Result<bool, ApiProblem> {
    let subscribed = registry::subscribed(&state.db, org).await?;
    if subscribed.is_none() {
        let unknown = match org {
            Org::Board(_) => Failure::UnknownBoard,
            Org::PrivateSchool(_) => Failure::UnknownPrivateSchool,
        };
        fields.push(org.field(), unknown);
    }
    Ok(subscribed == Some(true))
}

/// 429 `too_many_attempts` with `Retry-After: retry_after`: the account already got
/// [`limits::NO_MATCH`] `no_matching_record` answers inside the window (§6).
fn too_many_attempts(retry_after: u64) -> ApiProblem {
    let mut problem = ApiProblem::new(
        StatusCode::TOO_MANY_REQUESTS,
        ProblemCode::TooManyAttempts,
        "Too many association attempts",
    )
    .with_detail(format!(
        "{} attempts matched no record within 24 hours; try again in {retry_after} seconds",
        limits::NO_MATCH.max
    ));
    problem.retry_after = Some(retry_after);
    problem
}

/// The 422 `no_matching_record` answer, identical whichever field differed; the caller keeps
/// its reservation, so it counts toward [`limits::NO_MATCH`].
fn no_matching_record() -> ApiProblem {
    ApiProblem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ProblemCode::NoMatchingRecord,
        "No school record matches",
    )
    .with_detail(
        "Check each answer against the report card; the school's records must hold this email.",
    )
}

/// 403 `email_not_verified` unless `email` is a verified email of the account (compared in
/// canonical form, `docs/contract.md §1`).
async fn ensure_verified_email(
    state: &AppState,
    account_id: &str,
    email: &Email,
) -> Result<(), ApiProblem> {
    let emails: Vec<(String, bool)> = db::on!(state.db, |c| sqlx::query_as(
        "SELECT address, verified FROM account_emails WHERE account_id = $1"
    )
    .bind(account_id)
    .fetch_all(c)
    .await)?;
    let verified = emails
        .iter()
        .any(|(address, verified)| *verified && Email::parse(address).is_ok_and(|a| a == *email));
    if verified {
        Ok(())
    } else {
        Err(ApiProblem::new(
            StatusCode::FORBIDDEN,
            ProblemCode::EmailNotVerified,
            "The email is not a verified email of this account",
        )
        .with_detail("Add and verify this email first (POST /api/v1/me/emails)."))
    }
}

/// 422 `board_not_subscribed` when the body or private school is not subscribed.
fn ensure_subscribed(subscribed: bool) -> Result<(), ApiProblem> {
    if subscribed {
        Ok(())
    } else {
        Err(ApiProblem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ProblemCode::BoardNotSubscribed,
            "This school body does not use this portal",
        ))
    }
}

/// Inserts the association; `false` when it already existed (idempotent, §6).
async fn insert_association(
    tx: &mut Tx,
    account_id: &str,
    student_id: &str,
    method: &str,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let done = db::on!(tx, |c| sqlx::query(
        "INSERT INTO child_associations (account_id, student_id, method, associated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, student_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(student_id)
    .bind(method)
    .bind(Stamp::new(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// The columns of [`ChildRow`], from `students s` and `child_associations a`.
const CHILD_COLUMNS: &str = "s.id, s.first_name, s.last_name, s.birth_date, s.board_id, \
     s.private_school_id, s.school_code, s.school_name, s.grade, a.associated_at";

#[derive(sqlx::FromRow)]
struct ChildRow {
    id: String,
    first_name: String,
    last_name: String,
    birth_date: String,
    board_id: Option<String>,
    private_school_id: Option<String>,
    school_code: String,
    school_name: String,
    grade: String,
    associated_at: Stamp,
}

/// A row of [`list_children`]'s query: [`ChildRow`]'s columns, all `NULL` for an account
/// without children.
#[derive(sqlx::FromRow)]
struct AccountChildRow {
    id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    birth_date: Option<String>,
    board_id: Option<String>,
    private_school_id: Option<String>,
    school_code: Option<String>,
    school_name: Option<String>,
    grade: Option<String>,
    associated_at: Option<Stamp>,
}

impl AccountChildRow {
    /// The child of this row; `None` for the row of an account without children. (An
    /// association always has its student: both foreign keys cascade.)
    fn into_row(self) -> Option<ChildRow> {
        Some(ChildRow {
            id: self.id?,
            first_name: self.first_name?,
            last_name: self.last_name?,
            birth_date: self.birth_date?,
            board_id: self.board_id,
            private_school_id: self.private_school_id,
            school_code: self.school_code?,
            school_name: self.school_name?,
            grade: self.grade?,
            associated_at: self.associated_at?,
        })
    }
}

impl ChildRow {
    fn into_child(self) -> Result<Child, ApiProblem> {
        Ok(Child {
            associated_at: self.associated_at.at(),
            id: ChildId::new(self.id),
            first_name: self.first_name,
            last_name: self.last_name,
            birth_date: self.birth_date,
            board_id: self.board_id.map(BoardId::new),
            private_school_id: self.private_school_id.map(PrivateSchoolId::new),
            school: School { code: self.school_code, name: self.school_name },
            grade: self.grade,
        })
    }
}

/// One of the account's children.
async fn find_child(
    state: &AppState,
    account_id: &str,
    student_id: &str,
) -> Result<Option<Child>, ApiProblem> {
    let sql = format!(
        "SELECT {CHILD_COLUMNS} FROM child_associations a JOIN students s ON s.id = a.student_id \
         WHERE a.account_id = $1 AND s.id = $2"
    );
    let row: Option<ChildRow> = db::on!(state.db, |c| sqlx::query_as(&sql)
        .bind(account_id)
        .bind(student_id)
        .fetch_optional(c)
        .await)?;
    row.map(ChildRow::into_child).transpose()
}
