//! Sliding-window limits and sign-in lockouts (`docs/contract.md §0` "Limits", §1, §2).
//!
//! An event counts while `now < at + window`. The attempt that reaches a limit is answered
//! normally; callers check [`window`] *before* evaluating a later attempt and answer 429 without
//! evaluating it. Subjects are the keyed hash of the canonical email (purpose `limit`), the same
//! whether or not an account exists.

use std::time::Duration;

use time::OffsetDateTime;

use crate::{AppState, state::rfc3339};

/// Kind of the code-send events (10 per email per hour, §1).
pub const CODE_SEND: &str = "code_send";
/// Kind of the wrong-password events (10 per email per 15 minutes, §2).
pub const PASSWORD_FAILURE: &str = "password_failure";

/// Codes sent to one email per [`CODE_SEND_WINDOW`] (§1): 10.
pub const MAX_CODE_SENDS: i64 = 10;
/// Window of [`MAX_CODE_SENDS`]: 1 hour.
pub const CODE_SEND_WINDOW: Duration = Duration::from_secs(3600);
/// Wrong passwords for one email per [`PASSWORD_FAILURE_WINDOW`] before a lock (§2): 10.
pub const MAX_PASSWORD_FAILURES: i64 = 10;
/// Window of [`MAX_PASSWORD_FAILURES`]: 15 minutes.
pub const PASSWORD_FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a lock lasts (§2): 15 minutes.
pub const LOCK_DURATION: Duration = Duration::from_secs(15 * 60);

/// The limit subject of a canonical email.
pub fn subject(state: &AppState, canonical_email: &str) -> String {
    state.hash_key.hash("limit", canonical_email)
}

/// Events of `kind` for `subject` inside the window ending now, and the time the oldest of them
/// leaves the window (`None` when there are none).
///
/// # Errors
/// Database failure.
pub async fn window(
    state: &AppState,
    kind: &str,
    subject: &str,
    length: Duration,
) -> Result<(i64, Option<OffsetDateTime>), sqlx::Error> {
    let now = state.clock.now();
    let since = rfc3339(now - length);
    let (count, oldest): (i64, Option<String>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(at) FROM limit_events WHERE kind = ? AND subject = ? AND at > ?",
    )
    .bind(kind)
    .bind(subject)
    .bind(&since)
    .fetch_one(&state.db)
    .await?;
    let frees_at = oldest.and_then(|t| parse(&t)).map(|t| t + length);
    Ok((count, frees_at))
}

/// Records one event of `kind` for `subject` now and forgets this subject's events that left
/// the window. Returns how many are inside the window, this one included.
///
/// # Errors
/// Database failure.
pub async fn record(
    state: &AppState,
    kind: &str,
    subject: &str,
    length: Duration,
) -> Result<i64, sqlx::Error> {
    let now = state.clock.now();
    let since = rfc3339(now - length);
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM limit_events WHERE kind = ? AND subject = ? AND at <= ?")
        .bind(kind)
        .bind(subject)
        .bind(&since)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO limit_events (kind, subject, at) VALUES (?, ?, ?)")
        .bind(kind)
        .bind(subject)
        .bind(rfc3339(now))
        .execute(&mut *tx)
        .await?;
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM limit_events WHERE kind = ? AND subject = ?")
            .bind(kind)
            .bind(subject)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(count)
}

/// Forgets every event of `kind` for `subject` (a successful sign-in or reset).
///
/// # Errors
/// Database failure.
pub async fn clear(state: &AppState, kind: &str, subject: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM limit_events WHERE kind = ? AND subject = ?")
        .bind(kind)
        .bind(subject)
        .execute(&state.db)
        .await?;
    Ok(())
}

/// When the lock on `subject` ends, if it is locked now (§2).
///
/// # Errors
/// Database failure.
pub async fn locked_until(
    state: &AppState,
    subject: &str,
) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    let until: Option<String> = sqlx::query_scalar("SELECT until FROM lockouts WHERE subject = ?")
        .bind(subject)
        .fetch_optional(&state.db)
        .await?;
    let now = state.clock.now();
    Ok(until.and_then(|t| parse(&t)).filter(|until| *until > now))
}

/// Locks `subject` for [`LOCK_DURATION`] from now (§2).
///
/// # Errors
/// Database failure.
pub async fn lock(state: &AppState, subject: &str) -> Result<(), sqlx::Error> {
    let until = rfc3339(state.clock.now() + LOCK_DURATION);
    sqlx::query(
        "INSERT INTO lockouts (subject, until) VALUES (?, ?) \
         ON CONFLICT (subject) DO UPDATE SET until = excluded.until",
    )
    .bind(subject)
    .bind(until)
    .execute(&state.db)
    .await?;
    Ok(())
}

/// Lifts the lock on `subject` and forgets its wrong passwords (a completed reset, §2).
///
/// # Errors
/// Database failure.
pub async fn unlock(state: &AppState, subject: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM lockouts WHERE subject = ?").bind(subject).execute(&state.db).await?;
    clear(state, PASSWORD_FAILURE, subject).await
}

/// Seconds from now until `at`, rounded up and at least 1 (the `Retry-After` of §0): a retry
/// exactly that many seconds later is inside the freed window (stored times have whole seconds,
/// the clock does not).
pub fn seconds_until(state: &AppState, at: OffsetDateTime) -> u64 {
    let left = at - state.clock.now();
    let secs = left.whole_seconds() + i64::from(left.subsec_nanoseconds() > 0);
    u64::try_from(secs).unwrap_or(0).max(1)
}

fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}
