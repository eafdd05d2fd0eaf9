//! Emailed verification codes (`docs/contract.md §1` "Codes").
//!
//! 6 digits from the OS CSPRNG; stored as a keyed hash (purpose `code`) and compared in
//! constant time; valid `config.lifetimes.continuation` (600 s; still valid at 600 s, expired at
//! 601 s); single use. A resend is a new `challenge`, allowed `config.lifetimes.resend_interval`
//! (60 s) after the flow's last send (earlier: 429 `throttled`), and it voids the previous code.
//! 5 wrong codes void the code (later tries: 429 `code_attempts_exceeded` until a new code is
//! sent). At most 10 sends per email per hour, across flows (429 `code_sends_exceeded`), and
//! at most 10 wrong codes per email per hour and 30 per day across flows (`SECURITY.md`). Limits
//! are decided under the email's [`limits::Guard`], so they hold under concurrency (§0).
//! Submitted codes are normalised by `cartable_core::VerificationCode` (spaces, dashes and line
//! breaks ignored).

use cartable_core::{
    Email, VerificationCode,
    wire::identity::{ErrorCode, Suberror},
};
use subtle::ConstantTimeEq as _;

use super::limits;
use crate::{
    AppState,
    crypto::random_digits,
    db::{self, Stamp},
    http::oauth_error::OAuthError,
    mail::{Lang, MailKind},
};

/// Digits in a code (`code_length`, §1).
pub const CODE_LENGTH: usize = 6;
/// Wrong codes before the code is void (§1).
pub const MAX_ATTEMPTS: u32 = 5;
/// Purpose of code hashes.
pub const PURPOSE: &str = "code";

/// What a `challenge` sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Send {
    /// A sign-up code (§1).
    SignUp,
    /// A reset code (§3).
    Reset,
    /// A reset for an address no account uses: the notice without a code (§3). A code is still
    /// stored (and never sent) so the next step answers exactly as for a known address.
    ResetNoAccount,
    /// A code that proves an address linked to a signed-in account (§5, "Linking the school
    /// email"; `crate::http::parent::emails`).
    LinkEmail,
}

/// Sends a new code for `flow_id` to `email`, voiding the previous one.
///
/// The resend interval, the email's send limit and (when linking) the account's send budget
/// are checked and the send is recorded in one [`limits::Guard`] over the email's subject (and
/// `account`'s), so simultaneous requests send at most what the limits allow. The mail goes
/// out after the guard commits; when it fails, the new code and the recorded sends are taken
/// back, so the parent may retry at once.
///
/// `account` is the [`limits::account_subject`] whose [`limits::LINK_SENDS`] budget also
/// applies (`docs/contract.md §5`), or `None` for sign-up and reset.
///
/// # Errors
/// 429 `throttled` before the resend interval or over the account's budget, 429
/// `code_sends_exceeded` after 10 sends to this email within an hour (all unevaluated:
/// nothing is sent); 500 when the mail cannot be sent.
pub async fn send(
    state: &AppState,
    flow_id: &str,
    email: &Email,
    what: Send,
    lang: Lang,
    account: Option<&str>,
) -> Result<(), OAuthError> {
    let now = state.clock.now();
    let subject = limits::email_subject(state, email.as_str());
    let subjects: Vec<&str> = std::iter::once(subject.as_str()).chain(account).collect();
    let mut guard = limits::Guard::begin(state, &subjects).await?;
    let last_sent: Option<Stamp> = db::on!(guard.conn(), |c| sqlx::query_scalar(
        "SELECT sent_at FROM verification_codes WHERE flow_id = $1"
    )
    .bind(flow_id)
    .fetch_optional(c)
    .await)?;
    if let Some(resend_at) =
        last_sent.map(|sent| sent.at() + state.config.lifetimes.resend_interval)
        && now < resend_at
    {
        return Err(OAuthError::throttled(
            Suberror::Throttled,
            limits::seconds_until(state, resend_at),
            "A new code can be sent only after the interval.",
        ));
    }
    if let Some(frees_at) = guard.full(&subject, limits::CODE_SENDS).await? {
        crate::metrics::limit_hit(limits::CODE_SENDS.kind);
        return Err(OAuthError::throttled(
            Suberror::CodeSendsExceeded,
            limits::seconds_until(state, frees_at),
            "Too many codes were sent to this address.",
        ));
    }
    if let Some(account) = account
        && let Some(frees_at) = guard.full(account, limits::LINK_SENDS).await?
    {
        crate::metrics::limit_hit(limits::LINK_SENDS.kind);
        return Err(OAuthError::throttled(
            Suberror::Throttled,
            limits::seconds_until(state, frees_at),
            "This account asked for too many codes: wait before linking another address.",
        ));
    }
    let code = random_digits(CODE_LENGTH);
    let code_hash = state.hash_key.hash(PURPOSE, &code);
    db::on!(guard.conn(), |c| {
        sqlx::query(
        "INSERT INTO verification_codes (flow_id, code_hash, sent_at, expires_at, failed_attempts) \
         VALUES ($1, $2, $3, $4, 0) ON CONFLICT (flow_id) DO UPDATE SET code_hash = excluded.code_hash, \
         sent_at = excluded.sent_at, expires_at = excluded.expires_at, failed_attempts = 0",
    )
    .bind(flow_id)
    .bind(&code_hash)
    .bind(Stamp::new(now))
    .bind(Stamp::new(now + state.config.lifetimes.continuation))
    .execute(c)
    .await.map(|r| r.rows_affected())
    })?;
    let mut events = vec![guard.record(&subject, limits::CODE_SENDS.kind).await?];
    if let Some(account) = account {
        events.push(guard.record(account, limits::LINK_SENDS.kind).await?);
    }
    guard.commit().await?;
    let kind = match what {
        Send::SignUp => MailKind::SignUpCode { code },
        Send::Reset => MailKind::ResetCode { code },
        Send::ResetNoAccount => MailKind::ResetNoAccount,
        Send::LinkEmail => MailKind::LinkEmailCode { code },
    };
    if let Err(e) = state.mailer.send(email, &kind, lang).await {
        tracing::error!(error = %e, to = %email.masked(), "email failed");
        db::on!(state.db, |c| sqlx::query(
            "DELETE FROM verification_codes WHERE flow_id = $1 AND code_hash = $2"
        )
        .bind(flow_id)
        .bind(&code_hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        for id in events {
            limits::release(state, &id).await?;
        }
        return Err(OAuthError::server_error());
    }
    crate::metrics::code_sent(what);
    Ok(())
}

/// Checks `submitted` against the current code of `flow_id`, whose flow belongs to the
/// canonical `email`; a correct code is used up.
///
/// Decided in one [`limits::Guard`] over the email's subject: the code's 5 attempts and the
/// email-wide budget of wrong codes ([`limits::CODE_FAILURES_PER_HOUR`],
/// [`limits::CODE_FAILURES_PER_DAY`], across every sign-up, reset and linking flow of the
/// email) are checked, the guess is compared and a wrong one is counted before any other
/// request for this email is looked at, so a burst evaluates at most what the limits allow.
///
/// # Errors
/// 400 `expired_token` when there is no current code or it expired; 429
/// `code_attempts_exceeded` once 5 wrong codes were given for this code or the email's budget
/// is spent (unevaluated); 400 `invalid_grant` / `invalid_oob_value` with `attempts_left` for a
/// wrong code (the fifth says 0).
pub async fn verify(
    state: &AppState,
    flow_id: &str,
    email: &str,
    submitted: &str,
) -> Result<(), OAuthError> {
    let subject = limits::email_subject(state, email);
    let mut guard = limits::Guard::begin(state, &[&subject]).await?;
    let row: Option<(String, Stamp, Stamp, i64)> = db::on!(guard.conn(), |c| sqlx::query_as(
        "SELECT code_hash, sent_at, expires_at, failed_attempts FROM verification_codes \
         WHERE flow_id = $1",
    )
    .bind(flow_id)
    .fetch_optional(c)
    .await)?;
    let Some((stored, sent_at, expires_at, failed)) = row else {
        return Err(OAuthError::expired_token());
    };
    let now = state.clock.now();
    if Stamp::new(now) > expires_at {
        return Err(OAuthError::expired_token());
    }
    if failed >= i64::from(MAX_ATTEMPTS) {
        let resend_at = sent_at.at() + state.config.lifetimes.resend_interval;
        return Err(attempts_exceeded(limits::seconds_until(state, resend_at)));
    }
    for limit in [limits::CODE_FAILURES_PER_HOUR, limits::CODE_FAILURES_PER_DAY] {
        if let Some(frees_at) = guard.full(&subject, limit).await? {
            crate::metrics::limit_hit(limit.kind);
            // SECURITY.md "Denial of recovery": operators watch for this line.
            tracing::warn!(
                email = %Email::parse(email).map(|e| e.masked()).unwrap_or_default(),
                "code_attempts_exceeded: the email's budget of wrong codes is spent"
            );
            return Err(attempts_exceeded(limits::seconds_until(state, frees_at)));
        }
    }
    let candidate = VerificationCode::parse(submitted, CODE_LENGTH)
        .map(|c| state.hash_key.hash(PURPOSE, c.as_str()))
        .unwrap_or_default();
    let matches = candidate.len() == stored.len()
        && bool::from(candidate.as_bytes().ct_eq(stored.as_bytes()));
    if matches {
        db::on!(guard.conn(), |c| sqlx::query(
            "DELETE FROM verification_codes WHERE flow_id = $1"
        )
        .bind(flow_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        guard.commit().await?;
        return Ok(());
    }
    let failed: Option<i64> = db::on!(guard.conn(), |c| {
        sqlx::query_scalar(
        "UPDATE verification_codes SET failed_attempts = failed_attempts + 1 WHERE flow_id = $1 \
         RETURNING failed_attempts",
    )
    .bind(flow_id)
    .fetch_optional(c)
    .await
    })?;
    // Gone since it was read: the purge took it the second it expired (PostgreSQL lets the
    // purge delete it meanwhile; SQLite's single writer does not).
    let Some(failed) = failed else {
        return Err(OAuthError::expired_token());
    };
    guard.record(&subject, limits::CODE_FAILURES_PER_HOUR.kind).await?;
    guard.commit().await?;
    let left = u32::try_from(i64::from(MAX_ATTEMPTS) - failed).unwrap_or(0);
    Err(OAuthError::new(ErrorCode::InvalidGrant, 50181, "The code is wrong.")
        .with_suberror(Suberror::InvalidOobValue)
        .with_attempts_left(left))
}

/// 429 `code_attempts_exceeded`: ask for a new code after `retry_after` seconds (§1).
fn attempts_exceeded(retry_after: u64) -> OAuthError {
    OAuthError::throttled(
        Suberror::CodeAttemptsExceeded,
        retry_after,
        "Too many wrong codes: ask for a new code.",
    )
}
