//! The steps of sign-up (§1), sign-in (§2) and password reset (§3), and the token endpoint's
//! grants (§1 step 6, §2 step 3, §3 step 6, §4) (`docs/contract.md`).
//!
//! Each function takes a decoded form and answers with a JSON response or an [`OAuthError`].
//! Order of checks on every call: `client_id` (`invalid_client`), the continuation token
//! (`expired_token`), limits (429, without evaluating the attempt), then the step itself.

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use cartable_core::Secret;
use cartable_core::{
    Email, PasswordPolicy,
    wire::identity::{
        ChallengeAnswer, ChallengeRequest, ContinuationAnswer, ErrorCode, OobChallenge,
        PollCompletionAnswer, PollCompletionRequest, PollStatus, RedirectAnswer,
        ResetContinueAnswer, ResetContinueRequest, ResetStartRequest, ResetSubmitAnswer,
        ResetSubmitRequest, SignInInitiateRequest, SignUpContinueRequest, SignUpStartRequest,
        Suberror, TokenRequest, challenge_types_include,
    },
};

use super::{
    check_client,
    codes::{self, CODE_LENGTH, Send},
    continuation::{self, Presented, step},
    limits, parse_username,
};
use crate::{
    AppState,
    db::{self, Stamp},
    http::oauth_error::OAuthError,
    mail::{Lang, MailKind},
};

/// What every step answers.
pub type Answer = Result<Response, OAuthError>;

/// Seconds between two `poll_completion` calls (§3 step 4).
pub const POLL_INTERVAL: u64 = 1;

fn ok<T: serde::Serialize>(answer: T) -> Answer {
    Ok(Json(answer).into_response())
}

/// HTTP 200 `{"challenge_type":"redirect"}` (§0).
fn redirect() -> Answer {
    ok(RedirectAnswer::default())
}

/// Whether an optional `challenge_type` list allows `wanted` (absent: yes).
fn allows(list: Option<&str>, wanted: &str) -> bool {
    list.is_none_or(|l| challenge_types_include(l, wanted))
}

fn internal(what: &'static str, e: impl std::fmt::Display) -> OAuthError {
    tracing::error!(error = %e, "{what} failed");
    OAuthError::server_error()
}

async fn account_by_email(
    state: &AppState,
    email: &str,
) -> Result<Option<(String, Option<String>)>, OAuthError> {
    Ok(db::on!(state.db, |c| sqlx::query_as(
        "SELECT id, password_hash FROM accounts WHERE email = $1"
    )
    .bind(email)
    .fetch_optional(c)
    .await)?)
}

fn flow_email(presented: &Presented) -> Result<Email, OAuthError> {
    Email::parse(&presented.flow.email).map_err(|e| internal("stored email", e))
}

fn oob_answer(state: &AppState, email: &Email, continuation_token: String) -> Answer {
    ok(ChallengeAnswer::Oob(OobChallenge {
        binding_method: "prompt".to_owned(),
        challenge_channel: "email".to_owned(),
        challenge_target_label: email.masked(),
        code_length: CODE_LENGTH,
        interval: Some(state.config.lifetimes.resend_interval.as_secs()),
        continuation_token: continuation_token.into(),
    }))
}

/// 400 `invalid_grant` with the policy's suberror (§1 "Password policy", rule from
/// `cartable_core::PasswordPolicy`).
fn check_policy(password: &str) -> Result<(), OAuthError> {
    PasswordPolicy::check(password).map_err(|failure| {
        OAuthError::new(
            ErrorCode::InvalidGrant,
            399246,
            "The password does not meet the portal's password policy.",
        )
        .with_suberror(Suberror::from_wire(failure.suberror()))
    })
}

/// 400 `unsupported_challenge_type` unless the list names `redirect`, which every client must
/// include (`docs/contract.md §0`), as Entra answers raw-HTTP clients that omit it.
fn require_redirect(challenge_type: &str) -> Result<(), OAuthError> {
    if challenge_types_include(challenge_type, "redirect") {
        Ok(())
    } else {
        Err(OAuthError::unsupported_challenge_type())
    }
}

fn required<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, OAuthError> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| OAuthError::missing_parameter(name))
}

// ---------------------------------------------------------------------------------------------
// Sign-up (§1)
// ---------------------------------------------------------------------------------------------

/// `signup/v1.0/start` (§1 step 1): `{continuation_token}`, or redirect unless `challenge_type`
/// lists both `oob` and `password`. An existing email is not revealed here.
///
/// # Errors
/// `invalid_client`, `invalid_request` (malformed email), database failure.
pub async fn signup_start(state: &AppState, req: SignUpStartRequest) -> Answer {
    check_client(state, &req.client_id)?;
    let email = parse_username(&req.username)?;
    require_redirect(&req.challenge_type)?;
    if !challenge_types_include(&req.challenge_type, "oob")
        || !challenge_types_include(&req.challenge_type, "password")
    {
        return redirect();
    }
    let token = continuation::start_flow(
        state,
        "signup",
        &req.client_id,
        email.as_str(),
        None,
        step::SIGNUP_CHALLENGE,
    )
    .await?;
    tracing::info!(email = %email.masked(), "sign-up started");
    ok(ContinuationAnswer { continuation_token: token.into() })
}

/// `signup/v1.0/challenge` (§1 steps 2 and 4): emails a code (again, for a resend) and answers
/// the `oob` object, or, once the code is proven, answers `{challenge_type:"password"}`.
///
/// # Errors
/// `expired_token`, 429 `throttled` / `code_sends_exceeded`, 500 when the mail fails.
pub async fn signup_challenge(state: &AppState, lang: Lang, req: ChallengeRequest) -> Answer {
    check_client(state, &req.client_id)?;
    let presented = continuation::redeem(
        state,
        req.continuation_token.expose(),
        &req.client_id,
        &[step::SIGNUP_CHALLENGE, step::SIGNUP_OOB, step::SIGNUP_PASSWORD_CHALLENGE],
    )
    .await?;
    let types = req.challenge_type.as_deref();
    if presented.step == step::SIGNUP_PASSWORD_CHALLENGE {
        if !allows(types, "password") {
            return redirect();
        }
        let token = continuation::advance(state, &presented, step::SIGNUP_PASSWORD).await?;
        return ok(ChallengeAnswer::Password { continuation_token: token.into() });
    }
    if !allows(types, "oob") {
        return redirect();
    }
    let email = flow_email(&presented)?;
    codes::send(state, &presented.flow.id, &email, Send::SignUp, lang, None).await?;
    let token = continuation::advance(state, &presented, step::SIGNUP_OOB).await?;
    oob_answer(state, &email, token)
}

/// `signup/v1.0/continue` (§1 steps 3 and 5).
///
/// - `grant_type=oob`: a correct code answers 400 `credential_required` with the next token,
///   or 400 `user_already_exists` (no token; the flow ends) when the email has an account.
/// - `grant_type=password`: the policy of §1; then the account is created with the email
///   verified: `{continuation_token}` for the token endpoint.
///
/// # Errors
/// `invalid_request` (missing `oob`/`password`, grant of another step), `unsupported_grant_type`,
/// `expired_token`, `invalid_grant` (`invalid_oob_value` with `attempts_left`, or a password
/// suberror), 429 `code_attempts_exceeded`.
pub async fn signup_continue(state: &AppState, req: SignUpContinueRequest) -> Answer {
    check_client(state, &req.client_id)?;
    if req.grant_type != "oob" && req.grant_type != "password" {
        return Err(OAuthError::unsupported_grant_type());
    }
    let presented = continuation::redeem(
        state,
        req.continuation_token.expose(),
        &req.client_id,
        &[step::SIGNUP_OOB, step::SIGNUP_PASSWORD],
    )
    .await?;
    let expected = if presented.step == step::SIGNUP_OOB { "oob" } else { "password" };
    if req.grant_type != expected {
        return Err(OAuthError::invalid_request(format!(
            "This step expects grant_type={expected}."
        )));
    }
    if expected == "oob" {
        let oob = required(req.oob.as_ref().map(Secret::expose), "oob")?;
        codes::verify(state, &presented.flow.id, &presented.flow.email, oob).await?;
        if account_by_email(state, &presented.flow.email).await?.is_some() {
            continuation::consume(state, &presented).await?;
            return Err(user_already_exists());
        }
        let token =
            continuation::advance(state, &presented, step::SIGNUP_PASSWORD_CHALLENGE).await?;
        return Err(OAuthError::new(
            ErrorCode::CredentialRequired,
            55103,
            "The email is verified; a password is required.",
        )
        .with_continuation_token(token));
    }
    let password = required(req.password.as_ref().map(Secret::expose), "password")?;
    check_policy(password)?;
    let hash = state.passwords.hash(password.to_owned()).await?;
    let account_id = uuid::Uuid::new_v4().to_string();
    let now = Stamp::new(state.clock.now());
    let mut tx = state.db.begin_write().await?;
    let created = db::on!(tx, |c| sqlx::query(
        "INSERT INTO accounts (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&account_id)
    .bind(&presented.flow.email)
    .bind(&hash)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()));
    if let Err(e) = created {
        if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
            drop(tx);
            continuation::consume(state, &presented).await?;
            return Err(user_already_exists());
        }
        return Err(e.into());
    }
    db::on!(tx, |c| {
        sqlx::query(
        "INSERT INTO account_emails (account_id, address, verified, created_at) VALUES ($1, $2, TRUE, $3)",
    )
    .bind(&account_id)
    .bind(&presented.flow.email)
    .bind(now)
    .execute(c)
    .await.map(|r| r.rows_affected())
    })?;
    db::on!(tx, |c| sqlx::query("UPDATE auth_flows SET account_id = $1 WHERE id = $2")
        .bind(&account_id)
        .bind(&presented.flow.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    let token = continuation::advance(state, &presented, step::SIGNUP_DONE).await?;
    tracing::info!(email = %mask(&presented.flow.email), "account created");
    ok(ContinuationAnswer { continuation_token: token.into() })
}

fn user_already_exists() -> OAuthError {
    OAuthError::new(
        ErrorCode::UserAlreadyExists,
        1003037,
        "An account already uses this email: sign in or reset the password.",
    )
}

fn mask(canonical: &str) -> String {
    Email::parse(canonical).map(|e| e.masked()).unwrap_or_else(|_| "***".to_owned())
}

// ---------------------------------------------------------------------------------------------
// Sign-in (§2)
// ---------------------------------------------------------------------------------------------

/// `oauth2/v2.0/initiate` (§2 step 1): `{continuation_token}` for known and unknown emails
/// alike, or redirect unless `challenge_type` lists `password`.
///
/// # Errors
/// `invalid_client`, `invalid_request`, 429 `account_locked` while the email is locked.
pub async fn signin_initiate(state: &AppState, req: SignInInitiateRequest) -> Answer {
    check_client(state, &req.client_id)?;
    let email = parse_username(&req.username)?;
    require_redirect(&req.challenge_type)?;
    if !challenge_types_include(&req.challenge_type, "password") {
        return redirect();
    }
    check_lock(state, &email).await?;
    let token = continuation::start_flow(
        state,
        "signin",
        &req.client_id,
        email.as_str(),
        None,
        step::SIGNIN_CHALLENGE,
    )
    .await?;
    ok(ContinuationAnswer { continuation_token: token.into() })
}

/// `oauth2/v2.0/challenge` (§2 step 2): `{challenge_type:"password", continuation_token}`, or
/// redirect when a given `challenge_type` lacks `password`.
///
/// # Errors
/// `invalid_client`, `expired_token`.
pub async fn signin_challenge(state: &AppState, req: ChallengeRequest) -> Answer {
    check_client(state, &req.client_id)?;
    let presented = continuation::redeem(
        state,
        req.continuation_token.expose(),
        &req.client_id,
        &[step::SIGNIN_CHALLENGE],
    )
    .await?;
    if !allows(req.challenge_type.as_deref(), "password") {
        return redirect();
    }
    let token = continuation::advance(state, &presented, step::SIGNIN_PASSWORD).await?;
    ok(ChallengeAnswer::Password { continuation_token: token.into() })
}

async fn check_lock(state: &AppState, email: &Email) -> Result<(), OAuthError> {
    let subject = limits::email_subject(state, email.as_str());
    match limits::locked_until(state, &subject).await? {
        Some(until) => Err(account_locked(limits::seconds_until(state, until))),
        None => Ok(()),
    }
}

/// 429 `account_locked` (§2).
fn account_locked(retry_after: u64) -> OAuthError {
    crate::metrics::limit_hit(limits::PASSWORD_FAILURES.kind);
    OAuthError::throttled(
        Suberror::AccountLocked,
        retry_after,
        "Too many wrong passwords: sign-in is locked for a while.",
    )
}

/// Counts one password attempt for `subject` before it is evaluated (§0 "Limits", §2): refused
/// while the email is locked or while [`limits::PASSWORD_FAILURES`] attempts are already counted
/// in the window; otherwise the reservation and the count including this attempt.
async fn reserve_password_attempt(
    state: &AppState,
    subject: &str,
) -> Result<(limits::Held, i64), OAuthError> {
    let mut guard = limits::Guard::begin(state, &[subject]).await?;
    if let Some(until) = guard.locked_until(subject).await? {
        return Err(account_locked(limits::seconds_until(state, until)));
    }
    let window = guard.window(subject, limits::PASSWORD_FAILURES).await?;
    if let Some(frees_at) = window.frees_at {
        return Err(account_locked(limits::seconds_until(state, frees_at)));
    }
    let id = guard.record(subject, limits::PASSWORD_FAILURES.kind).await?;
    guard.commit().await?;
    Ok((limits::Held::new(state, id), window.count + 1))
}

/// The token endpoint's `password` grant (§2 step 3).
async fn password_grant(state: &AppState, req: &TokenRequest) -> Answer {
    let token =
        required(req.continuation_token.as_ref().map(Secret::expose), "continuation_token")?;
    let password = required(req.password.as_ref().map(Secret::expose), "password")?;
    let scope = required(req.scope.as_deref(), "scope")?;
    let presented =
        continuation::redeem(state, token, &req.client_id, &[step::SIGNIN_PASSWORD]).await?;
    let email = flow_email(&presented)?;
    let subject = limits::email_subject(state, email.as_str());
    // A place in the hashing queue first (a full queue answers 503 without counting), then the
    // attempt is counted as a wrong password until proven right: a burst is evaluated at most
    // PASSWORD_FAILURES.max times (§0 "Limits"). An attempt that errs or is cut by the timeout
    // before its answer is released (`limits::Held`).
    let admitted = state.passwords.admit()?;
    let (reservation, attempt) = reserve_password_attempt(state, &subject).await?;
    let account = account_by_email(state, email.as_str()).await?;
    let (account_id, stored) = match account {
        Some((id, hash)) => (Some(id), hash),
        None => (None, None),
    };
    let matches = admitted.verify(password.to_owned(), stored).await?;
    let Some(account_id) = account_id.filter(|_| matches) else {
        reservation.keep();
        if attempt >= limits::PASSWORD_FAILURES.max {
            limits::lock(state, &subject).await?;
            tracing::warn!(email = %email.masked(), "sign-in locked after wrong passwords");
        }
        return Err(OAuthError::new(
            ErrorCode::InvalidGrant,
            50126,
            "Error validating credentials due to invalid username or password.",
        ));
    };
    continuation::consume(state, &presented).await?;
    // A successful sign-in clears the email's wrong passwords (§2), this reservation included.
    reservation.keep();
    limits::clear(state, limits::PASSWORD_FAILURES.kind, &subject).await?;
    tracing::info!(email = %email.masked(), "signed in");
    crate::metrics::signed_in(crate::metrics::SignIn::Password);
    issue(state, &account_id, &req.client_id, scope).await
}

async fn issue(state: &AppState, account_id: &str, client_id: &str, scope: &str) -> Answer {
    match crate::tokens::issue_tokens(state, account_id, client_id, scope, None).await {
        Ok(tokens) => ok(tokens),
        Err(e) => Err(token_error(&e)),
    }
}

/// The identity error of a token-module failure.
pub fn token_error(e: &crate::tokens::TokenError) -> OAuthError {
    let parts = e.to_oauth_error();
    if parts.status >= 500 {
        tracing::error!(error = %e, "token endpoint failed");
    }
    let mut err =
        OAuthError::new(ErrorCode::from_wire(parts.error), parts.error_code, parts.description);
    err.status = axum::http::StatusCode::from_u16(parts.status)
        .unwrap_or(axum::http::StatusCode::BAD_REQUEST);
    err
}

/// The token endpoint's `continuation_token` grant: signs in straight after a sign-up (§1 step
/// 6; `username` required and must be the flow's email) or a reset (§3 step 6).
async fn continuation_grant(state: &AppState, req: &TokenRequest) -> Answer {
    let token =
        required(req.continuation_token.as_ref().map(Secret::expose), "continuation_token")?;
    let scope = required(req.scope.as_deref(), "scope")?;
    let presented =
        continuation::redeem(state, token, &req.client_id, &[step::SIGNUP_DONE, step::RESET_DONE])
            .await?;
    if presented.step == step::SIGNUP_DONE {
        let username = parse_username(required(req.username.as_deref(), "username")?)?;
        if username.as_str() != presented.flow.email {
            return Err(OAuthError::new(
                ErrorCode::InvalidGrant,
                50126,
                "The username is not the one of this flow.",
            ));
        }
    }
    let Some(account_id) = presented.flow.account_id.clone() else {
        return Err(OAuthError::expired_token());
    };
    continuation::consume(state, &presented).await?;
    crate::metrics::signed_in(crate::metrics::SignIn::Continuation);
    issue(state, &account_id, &req.client_id, scope).await
}

/// `oauth2/v2.0/token`: dispatches on `grant_type` (§4). `password` and `continuation_token`
/// are the identity flows'; `refresh_token` goes to [`crate::tokens::refresh_grant`];
/// `authorization_code` (§5) to [`crate::browser::authorization_code_grant`]; anything else:
/// `unsupported_grant_type`.
///
/// # Errors
/// As each grant; `invalid_client` first.
pub async fn token(state: &AppState, req: TokenRequest) -> Answer {
    check_client(state, &req.client_id)?;
    match req.grant_type.as_str() {
        "password" => password_grant(state, &req).await,
        "continuation_token" => continuation_grant(state, &req).await,
        "refresh_token" => {
            let refresh =
                required(req.refresh_token.as_ref().map(Secret::expose), "refresh_token")?;
            match crate::tokens::refresh_grant(state, &req.client_id, refresh, req.scope.as_deref())
                .await
            {
                Ok(tokens) => ok(tokens),
                Err(e) => Err(token_error(&e)),
            }
        }
        "authorization_code" => crate::browser::authorization_code_grant(state, &req)
            .await
            .map(|tokens| Json(tokens).into_response()),
        "" => Err(OAuthError::missing_parameter("grant_type")),
        _ => Err(OAuthError::unsupported_grant_type()),
    }
}

// ---------------------------------------------------------------------------------------------
// Password reset (§3)
// ---------------------------------------------------------------------------------------------

/// `resetpassword/v1.0/start` (§3 step 1): `{continuation_token}` for known and unknown emails
/// alike, or redirect unless `challenge_type` lists `oob`.
///
/// # Errors
/// `invalid_client`, `invalid_request`.
pub async fn reset_start(state: &AppState, req: ResetStartRequest) -> Answer {
    check_client(state, &req.client_id)?;
    let email = parse_username(&req.username)?;
    require_redirect(&req.challenge_type)?;
    if !challenge_types_include(&req.challenge_type, "oob") {
        return redirect();
    }
    let account = account_by_email(state, email.as_str()).await?;
    let token = continuation::start_flow(
        state,
        "reset",
        &req.client_id,
        email.as_str(),
        account.as_ref().map(|(id, _)| id.as_str()),
        step::RESET_CHALLENGE,
    )
    .await?;
    ok(ContinuationAnswer { continuation_token: token.into() })
}

/// `resetpassword/v1.0/challenge` (§3 step 2): emails a code (or, for an address no account
/// uses, a notice without one) and answers the `oob` object; same limits as §1.
///
/// # Errors
/// `expired_token`, 429 `throttled` / `code_sends_exceeded`, 500 when the mail fails.
pub async fn reset_challenge(state: &AppState, lang: Lang, req: ChallengeRequest) -> Answer {
    check_client(state, &req.client_id)?;
    let presented = continuation::redeem(
        state,
        req.continuation_token.expose(),
        &req.client_id,
        &[step::RESET_CHALLENGE, step::RESET_OOB],
    )
    .await?;
    if !allows(req.challenge_type.as_deref(), "oob") {
        return redirect();
    }
    let email = flow_email(&presented)?;
    let what = if presented.flow.account_id.is_some() { Send::Reset } else { Send::ResetNoAccount };
    codes::send(state, &presented.flow.id, &email, what, lang, None).await?;
    let token = continuation::advance(state, &presented, step::RESET_OOB).await?;
    oob_answer(state, &email, token)
}

/// `resetpassword/v1.0/continue` (§3 step 3): a correct code answers
/// `{continuation_token, expires_in}`.
///
/// # Errors
/// `invalid_request`, `unsupported_grant_type`, `expired_token`, `invalid_grant` /
/// `invalid_oob_value`, 429 `code_attempts_exceeded`.
pub async fn reset_continue(state: &AppState, req: ResetContinueRequest) -> Answer {
    check_client(state, &req.client_id)?;
    if req.grant_type != "oob" {
        return Err(OAuthError::unsupported_grant_type());
    }
    let presented = continuation::redeem(
        state,
        req.continuation_token.expose(),
        &req.client_id,
        &[step::RESET_OOB],
    )
    .await?;
    codes::verify(state, &presented.flow.id, &presented.flow.email, req.oob.expose()).await?;
    let token = continuation::advance(state, &presented, step::RESET_SUBMIT).await?;
    ok(ResetContinueAnswer {
        continuation_token: token.into(),
        expires_in: state.config.lifetimes.continuation.as_secs().min(600),
    })
}

/// `resetpassword/v1.0/submit` (§3 step 4): the policy of §1, and the password must differ from
/// the current one. Changes the password, revokes every refresh token of the account and lifts
/// any sign-in lock (§2), emails the parent a notice of the change in `lang` (§3), then answers
/// `{continuation_token, poll_interval}`.
///
/// # Errors
/// `expired_token`, `invalid_grant` with a password suberror or `password_recently_used`.
pub async fn reset_submit(state: &AppState, lang: Lang, req: ResetSubmitRequest) -> Answer {
    check_client(state, &req.client_id)?;
    let presented = continuation::redeem(
        state,
        req.continuation_token.expose(),
        &req.client_id,
        &[step::RESET_SUBMIT],
    )
    .await?;
    check_policy(req.new_password.expose())?;
    let Some(account_id) = presented.flow.account_id.clone() else {
        return Err(OAuthError::expired_token());
    };
    let current: Option<Option<String>> = db::on!(state.db, |c| sqlx::query_scalar(
        "SELECT password_hash FROM accounts WHERE id = $1"
    )
    .bind(&account_id)
    .fetch_optional(c)
    .await)?;
    let Some(current) = current else {
        return Err(OAuthError::expired_token());
    };
    if current.is_some()
        && state.passwords.verify(req.new_password.expose().to_owned(), current).await?
    {
        return Err(OAuthError::new(
            ErrorCode::InvalidGrant,
            399246,
            "The new password must differ from the current one.",
        )
        .with_suberror(Suberror::PasswordRecentlyUsed));
    }
    let hash = state.passwords.hash(req.new_password.expose().to_owned()).await?;
    let token = continuation::advance(state, &presented, step::RESET_POLL).await?;
    db::on!(state.db, |c| sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(&account_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    let revoked = crate::tokens::revoke_all_for_account(state, &account_id)
        .await
        .map_err(|e| token_error(&e))?;
    limits::unlock(state, &limits::email_subject(state, &presented.flow.email)).await?;
    tracing::info!(email = %mask(&presented.flow.email), revoked, "password reset");
    // Notice of change (§3): tells the parent what to do if it was not them. Sent in the
    // background: the password is changed whatever happens to this mail, and a slow mail server
    // must not turn a completed reset into a timeout the app would retry with a spent token.
    let email = flow_email(&presented)?;
    let mailer = state.clone();
    tokio::spawn(async move {
        if let Err(e) = mailer.mailer.send(&email, &MailKind::PasswordChanged, lang).await {
            tracing::error!(error = %e, to = %email.masked(), "password-changed notice failed");
        }
    });
    ok(ResetSubmitAnswer { continuation_token: token.into(), poll_interval: POLL_INTERVAL })
}

/// `resetpassword/v1.0/poll_completion` (§3 step 5): the change is done by `submit`, so the
/// answer is `succeeded` with the token for the `continuation_token` grant.
///
/// # Errors
/// `invalid_client`, `expired_token`.
pub async fn reset_poll(state: &AppState, req: PollCompletionRequest) -> Answer {
    check_client(state, &req.client_id)?;
    let presented = continuation::redeem(
        state,
        req.continuation_token.expose(),
        &req.client_id,
        &[step::RESET_POLL],
    )
    .await?;
    let token = continuation::advance(state, &presented, step::RESET_DONE).await?;
    ok(PollCompletionAnswer {
        status: PollStatus::Succeeded,
        continuation_token: Some(token.into()),
    })
}
