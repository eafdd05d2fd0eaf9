//! Linking another email to the account (`docs/contract.md §5`, "Linking the school email"):
//! `POST /api/v1/me/emails` and `POST /api/v1/me/emails/verify`.
//!
//! A social account's email is often not the one on the child's school record; the parent adds
//! that address and proves it with an emailed code. The code rules are those of §1 and the
//! machinery is the identity module's ([`crate::identity::codes`]): each (account, address)
//! pair has one flow row of kind `email_link` in `auth_flows`, so the resend interval, the five
//! attempts, the 600 s lifetime and the 10 sends per address per hour apply exactly as at
//! sign-up. A verified address is stored in `account_emails` with `verified = true`, which is
//! what child association checks (§6, 403 `email_not_verified` otherwise).
//!
//! `email_in_use` (409): the address is the sign-in email of another (local) account, answered
//! only at `verify`, once the code proved the parent owns the address: `POST /api/v1/me/emails`
//! answers the same 202 either way, so it cannot tell who has an account (§5). Provider emails
//! and linked emails may be shared by several accounts (two parents, one family address; two
//! providers, one person), since accounts are never merged by email (§5). Each account may ask
//! for [`crate::identity::limits::LINK_SENDS`] codes per hour, whichever addresses they go to.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
};
use cartable_core::{
    Email,
    wire::{
        identity::{ErrorCode, Suberror},
        parent::{
            AddEmailRequest, EmailChallenge, EmailEntry, FieldError, ProblemCode,
            VerifyEmailRequest,
        },
    },
};
use utoipa::{
    IntoResponses,
    openapi::{RefOr, Response},
};

use super::json::JsonBody;
use crate::db::{self};
use crate::{
    AppState,
    http::{
        extract::AuthParent,
        oauth_error::OAuthError,
        problem::{ApiProblem, DocumentedProblem},
    },
    identity::{
        codes::{self, CODE_LENGTH, Send},
        limits,
    },
    mail::Lang,
};

/// `auth_flows.kind` of an email-linking flow.
pub const FLOW_KIND: &str = "email_link";

/// Sends a code to `email` so the signed-in parent can prove it (§5) → 202 [`EmailChallenge`].
/// The address is listed by `GET /api/v1/me` as unverified until the code is given. Asking
/// again is a resend: allowed `interval` seconds after the last one, voiding the previous code.
/// The email is in French unless `Accept-Language` prefers English (§8).
///
/// Errors: 400 `invalid_fields` (`email` with the rule's code); 429 `throttled` (resend
/// interval, or the account's linking budget) or `code_sends_exceeded` with `Retry-After`; 401.
/// Never `email_in_use`: that is said only at `verify`.
#[utoipa::path(
    post,
    path = "/api/v1/me/emails",
    tag = "parent",
    security(("bearer" = [])),
    request_body = AddEmailRequest,
    responses(
        (status = 202, description = "A code was emailed", body = EmailChallenge),
        AddEmailProblems,
    )
)]
pub async fn add_email(
    auth: AuthParent,
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<AddEmailRequest>,
) -> Result<(StatusCode, Json<EmailChallenge>), ApiProblem> {
    let email = parse_email(&request.email)?;
    let flow_id = flow_for(&state, &auth.account_id, &email).await?;
    let lang = Lang::from_accept_language(
        headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    let account = limits::account_subject_of(&state, &auth.account_id).await?;
    codes::send(&state, &flow_id, &email, Send::LinkEmail, lang, Some(&account))
        .await
        .map_err(code_problem)?;
    db::on!(state.db, |c| sqlx::query(
        "INSERT INTO account_emails (account_id, address, verified, created_at) \
         VALUES ($1, $2, FALSE, $3) ON CONFLICT (account_id, address) DO NOTHING",
    )
    .bind(&auth.account_id)
    .bind(email.as_str())
    .bind(state.now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    tracing::info!(to = %email.masked(), "email link: code sent");
    Ok((
        StatusCode::ACCEPTED,
        Json(EmailChallenge {
            challenge_target_label: email.masked(),
            code_length: CODE_LENGTH,
            interval: state.config.lifetimes.resend_interval.as_secs(),
        }),
    ))
}

/// Checks the code sent to `email` (§5, code rules of §1) → 200 [`EmailEntry`] with
/// `verified: true`; the address then counts for child association (§6).
///
/// Errors: 400 `invalid_fields`; 400 `invalid_code` (wrong code; `detail` says how many tries
/// are left); 400 `code_expired` (expired, already used, or never sent); 429
/// `code_attempts_exceeded` after 5 wrong codes (ask for a new one) with `Retry-After`; 409
/// `email_in_use`; 401.
#[utoipa::path(
    post,
    path = "/api/v1/me/emails/verify",
    tag = "parent",
    security(("bearer" = [])),
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "The address is verified", body = EmailEntry),
        VerifyEmailProblems,
    )
)]
pub async fn verify_email(
    auth: AuthParent,
    State(state): State<AppState>,
    JsonBody(request): JsonBody<VerifyEmailRequest>,
) -> Result<Json<EmailEntry>, ApiProblem> {
    let email = parse_email(&request.email)?;
    let flow_id: Option<String> = db::on!(state.db, |c| sqlx::query_scalar(
        "SELECT id FROM auth_flows WHERE kind = $1 AND account_id = $2 AND email = $3",
    )
    .bind(FLOW_KIND)
    .bind(&auth.account_id)
    .bind(email.as_str())
    .fetch_optional(c)
    .await)?;
    let Some(flow_id) = flow_id else {
        return Err(code_problem(OAuthError::expired_token()));
    };
    codes::verify(&state, &flow_id, email.as_str(), request.code.expose())
        .await
        .map_err(code_problem)?;
    ensure_not_in_use(&state, &auth.account_id, &email).await?;
    db::on!(state.db, |c| sqlx::query(
        "INSERT INTO account_emails (account_id, address, verified, created_at) \
         VALUES ($1, $2, TRUE, $3) ON CONFLICT (account_id, address) DO UPDATE SET verified = TRUE",
    )
    .bind(&auth.account_id)
    .bind(email.as_str())
    .bind(state.now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    tracing::info!(address = %email.masked(), "email link: address verified");
    Ok(Json(EmailEntry { address: email.as_str().to_owned(), verified: true }))
}

/// The problem answers of [`add_email`] for its OpenAPI entry (see its `Errors`).
pub struct AddEmailProblems;

impl IntoResponses for AddEmailProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        DocumentedProblem::responses(&[
            DocumentedProblem::new(StatusCode::BAD_REQUEST, "`invalid_fields`, `invalid_body`"),
            DocumentedProblem::INVALID_TOKEN,
            DocumentedProblem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "`throttled`, `code_sends_exceeded`",
            ),
        ])
    }
}

/// The problem answers of [`verify_email`] for its OpenAPI entry (see its `Errors`).
pub struct VerifyEmailProblems;

impl IntoResponses for VerifyEmailProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        DocumentedProblem::responses(&[
            DocumentedProblem::new(
                StatusCode::BAD_REQUEST,
                "`invalid_code`, `code_expired`, `invalid_fields`",
            ),
            DocumentedProblem::INVALID_TOKEN,
            DocumentedProblem::new(StatusCode::CONFLICT, "`email_in_use`"),
            DocumentedProblem::new(StatusCode::TOO_MANY_REQUESTS, "`code_attempts_exceeded`"),
        ])
    }
}

fn parse_email(text: &str) -> Result<Email, ApiProblem> {
    Email::parse(text).map_err(|e| {
        let code = cartable_core::ErrorKind::from(e).code();
        ApiProblem::invalid_fields(vec![FieldError { field: "email".to_owned(), code }])
    })
}

/// 409 `email_in_use` when `email` is the sign-in email of another account.
async fn ensure_not_in_use(
    state: &AppState,
    account_id: &str,
    email: &Email,
) -> Result<(), ApiProblem> {
    let other: bool = db::on!(state.db, |c| sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE email = $1 AND id <> $2)"
    )
    .bind(email.as_str())
    .bind(account_id)
    .fetch_one(c)
    .await)?;
    match other {
        false => Ok(()),
        true => Err(ApiProblem::new(
            StatusCode::CONFLICT,
            ProblemCode::EmailInUse,
            "The email belongs to another account",
        )
        .with_detail("Sign in with that account instead.")),
    }
}

/// The `email_link` flow of (account, address), created on first use. One flow per pair
/// (a unique index, `migrations/*/0008_one_link_flow.sql`) keeps the resend interval and attempts of §1 across
/// requests, simultaneous ones included: the insert does nothing when the flow exists, then
/// the one flow is read.
async fn flow_for(state: &AppState, account_id: &str, email: &Email) -> Result<String, ApiProblem> {
    db::on!(state.db, |c| sqlx::query(
        "INSERT INTO auth_flows (id, kind, client_id, email, account_id, created_at) \
         VALUES ($1, $2, '', $3, $4, $5) \
         ON CONFLICT (account_id, email) WHERE kind = 'email_link' DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(FLOW_KIND)
    .bind(email.as_str())
    .bind(account_id)
    .bind(state.now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(db::on!(state.db, |c| sqlx::query_scalar(
        "SELECT id FROM auth_flows WHERE kind = $1 AND account_id = $2 AND email = $3",
    )
    .bind(FLOW_KIND)
    .bind(account_id)
    .bind(email.as_str())
    .fetch_one(c)
    .await)?)
}

/// The problem of §5 for an answer of the identity module's code machinery.
fn code_problem(error: OAuthError) -> ApiProblem {
    let too_many = |code, title| {
        let mut problem = ApiProblem::new(StatusCode::TOO_MANY_REQUESTS, code, title);
        problem.retry_after = Some(error.retry_after.unwrap_or(1));
        problem
    };
    match (&error.suberror, &error.error) {
        (Some(Suberror::Throttled), _) => {
            too_many(ProblemCode::Throttled, "A new code can be sent only after the interval")
        }
        (Some(Suberror::CodeSendsExceeded), _) => {
            too_many(ProblemCode::CodeSendsExceeded, "Too many codes were sent to this address")
        }
        (Some(Suberror::CodeAttemptsExceeded), _) => {
            too_many(ProblemCode::CodeAttemptsExceeded, "Too many wrong codes: ask for a new code")
        }
        (_, ErrorCode::ExpiredToken) => ApiProblem::new(
            StatusCode::BAD_REQUEST,
            ProblemCode::CodeExpired,
            "The code expired: ask for a new code",
        ),
        (_, ErrorCode::InvalidGrant) => {
            let problem =
                ApiProblem::new(StatusCode::BAD_REQUEST, ProblemCode::InvalidCode, "Wrong code");
            match error.attempts_left {
                Some(left) => problem.with_detail(format!("{left} attempts left")),
                None => problem,
            }
        }
        _ => ApiProblem::internal(&format_args!("email link: {}", error.description)),
    }
}
