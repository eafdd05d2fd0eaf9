//! Sliding-window limits and sign-in lockouts that hold under concurrency (`docs/contract.md
//! §0` "Limits", §1, §2, §5, §6; `SECURITY.md`).
//!
//! An event counts while `now < at + window`. Every counted attempt is **reserved before it is
//! evaluated**, inside one write transaction ([`Guard`]) that first upserts a row per subject in
//! `limit_subjects`: on SQLite that statement takes the database's single write lock, on
//! PostgreSQL it locks the subject's row, so concurrent requests for one subject count and
//! decide one after the other, on one instance or several sharing the database. The attempt that
//! reaches a limit is answered normally; later ones find the window full and get 429 without
//! being evaluated. Where the evaluation is quick (a code, compared under the guard) it happens
//! inside the same transaction and only a wrong answer is recorded; where it is slow (argon2,
//! an association) the attempt is recorded first as a [`Held`] reservation, which is released
//! when the attempt turns out not to count (a matching association) or was never evaluated (a
//! full hashing queue, an error, a request cut by the timeout).
//!
//! Subjects are keyed hashes (purpose `limit`): of the canonical email ([`email_subject`]),
//! the same whether or not an account exists, or of an account's sign-in identity
//! ([`account_subject`]), which outlives the account so deleting and recreating it resets
//! nothing.

use std::time::Duration;

use time::OffsetDateTime;

use crate::{
    AppState,
    db::{self, Stamp, Tx},
};

/// A counted limit: at most `max` events of `kind` per subject inside a sliding `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// `limit_events.kind`.
    pub kind: &'static str,
    /// Events allowed inside the window; the one that reaches it is still answered normally.
    pub max: i64,
    /// Length of the sliding window.
    pub window: Duration,
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// Codes sent to one email: 10 per hour, across its flows (`docs/contract.md §1` "Codes").
pub const CODE_SENDS: Limit =
    Limit { kind: "code_send", max: 10, window: Duration::from_secs(HOUR) };
/// Wrong codes for one email across all its sign-up, reset and linking flows: 10 per hour
/// (`SECURITY.md`; NIST SP 800-63B §5.2.2, ASVS 4.0.3 V2.2.1).
pub const CODE_FAILURES_PER_HOUR: Limit =
    Limit { kind: "code_failure", max: 10, window: Duration::from_secs(HOUR) };
/// The same events over a day: 30 per 24 hours (`SECURITY.md`).
pub const CODE_FAILURES_PER_DAY: Limit =
    Limit { kind: "code_failure", max: 30, window: Duration::from_secs(DAY) };
/// Wrong passwords for one email, known or not: 10 per 15 minutes, then a lock
/// (`docs/contract.md §2`).
pub const PASSWORD_FAILURES: Limit =
    Limit { kind: "password_failure", max: 10, window: Duration::from_secs(15 * MINUTE) };
/// How long a lock lasts (`docs/contract.md §2`): 15 minutes.
pub const LOCK_DURATION: Duration = Duration::from_secs(15 * MINUTE);
/// `no_matching_record` answers to one account: 10 per 24 hours (`docs/contract.md §6`).
pub const NO_MATCH: Limit =
    Limit { kind: "no_matching_record", max: 10, window: Duration::from_secs(DAY) };
/// Codes one account asks to send to addresses it links: 10 per hour (`docs/contract.md §5`).
pub const LINK_SENDS: Limit =
    Limit { kind: "link_send", max: 10, window: Duration::from_secs(HOUR) };

/// Every limit, for the purge of events that left their window.
pub const ALL: [Limit; 6] = [
    CODE_SENDS,
    CODE_FAILURES_PER_HOUR,
    CODE_FAILURES_PER_DAY,
    PASSWORD_FAILURES,
    NO_MATCH,
    LINK_SENDS,
];

/// The subject of a canonical email.
pub fn email_subject(state: &AppState, canonical_email: &str) -> String {
    state.hash_key.hash("limit", &format!("email:{canonical_email}"))
}

/// The subject of an account, from its sign-in identity (`local:{canonical email}` or
/// `{provider}:{subject}`), so that it survives the account's deletion.
pub fn account_subject(state: &AppState, sign_in_identity: &str) -> String {
    state.hash_key.hash("limit", &format!("account:{sign_in_identity}"))
}

/// The [`account_subject`] of `account_id`: its local sign-in email, else its first sign-in
/// provider identity (the account id itself for an account with neither, which cannot sign in).
///
/// # Errors
/// Database failure.
pub async fn account_subject_of(state: &AppState, account_id: &str) -> Result<String, sqlx::Error> {
    let email: Option<Option<String>> =
        db::on!(state.db, |c| sqlx::query_scalar("SELECT email FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(c)
            .await)?;
    if let Some(Some(email)) = email {
        return Ok(account_subject(state, &format!("local:{email}")));
    }
    let provider: Option<(String, String)> = db::on!(state.db, |c| sqlx::query_as(
        "SELECT provider, subject FROM provider_identities WHERE account_id = $1 \
         ORDER BY created_at, provider LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(c)
    .await)?;
    Ok(match provider {
        Some((provider, subject)) => account_subject(state, &format!("{provider}:{subject}")),
        None => account_subject(state, &format!("id:{account_id}")),
    })
}

/// A write transaction holding the locks of one or more subjects. Dropping it without
/// [`Guard::commit`] rolls everything back.
pub struct Guard {
    tx: Tx,
    now: OffsetDateTime,
}

impl Guard {
    /// Begins a transaction and locks `subjects` (in sorted order, so two guards over the
    /// same subjects never wait on each other in a cycle).
    ///
    /// # Errors
    /// Database failure (on SQLite, a writer held the lock longer than the busy timeout).
    pub async fn begin(state: &AppState, subjects: &[&str]) -> Result<Self, sqlx::Error> {
        let now = state.clock.now();
        let mut sorted = subjects.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut tx = state.db.begin_write().await?;
        for subject in sorted {
            db::on!(tx, |c| sqlx::query(
                "INSERT INTO limit_subjects (subject, touched_at) VALUES ($1, $2) \
                 ON CONFLICT (subject) DO UPDATE SET touched_at = excluded.touched_at",
            )
            .bind(subject)
            .bind(Stamp::new(now))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        }
        Ok(Self { tx, now })
    }

    /// The transaction, for the statements that must decide under the same locks.
    pub fn conn(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// How `limit` stands for `subject` now.
    ///
    /// # Errors
    /// Database failure.
    pub async fn window(&mut self, subject: &str, limit: Limit) -> Result<Window, sqlx::Error> {
        let since = Stamp::new(self.now - limit.window);
        let count: i64 = db::on!(self.tx, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM limit_events WHERE kind = $1 AND subject = $2 AND at > $3",
        )
        .bind(limit.kind)
        .bind(subject)
        .bind(since)
        .fetch_one(c)
        .await)?;
        if count < limit.max {
            return Ok(Window { count, frees_at: None });
        }
        // A slot frees when the event that keeps the count at `max` leaves the window.
        let at: Option<Stamp> = db::on!(self.tx, |c| sqlx::query_scalar(
            "SELECT at FROM limit_events WHERE kind = $1 AND subject = $2 AND at > $3 \
             ORDER BY at LIMIT 1 OFFSET $4",
        )
        .bind(limit.kind)
        .bind(subject)
        .bind(since)
        .bind(count - limit.max)
        .fetch_optional(c)
        .await)?;
        let frees_at = at.map_or(self.now, |at| at.at() + limit.window);
        Ok(Window { count, frees_at: Some(frees_at) })
    }

    /// When `limit` frees a slot for `subject`, if it is full now (`None`: there is room).
    ///
    /// # Errors
    /// Database failure.
    pub async fn full(
        &mut self,
        subject: &str,
        limit: Limit,
    ) -> Result<Option<OffsetDateTime>, sqlx::Error> {
        Ok(self.window(subject, limit).await?.frees_at)
    }

    /// Records one event of `kind` for `subject` now; returns its id (for [`release`]).
    ///
    /// # Errors
    /// Database failure.
    pub async fn record(&mut self, subject: &str, kind: &str) -> Result<String, sqlx::Error> {
        let id = uuid::Uuid::new_v4().to_string();
        db::on!(self.tx, |c| sqlx::query(
            "INSERT INTO limit_events (id, kind, subject, at) VALUES ($1, $2, $3, $4)"
        )
        .bind(&id)
        .bind(kind)
        .bind(subject)
        .bind(Stamp::new(self.now))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(id)
    }

    /// When the sign-in lock on `subject` ends, if it is locked now (§2).
    ///
    /// # Errors
    /// Database failure.
    pub async fn locked_until(
        &mut self,
        subject: &str,
    ) -> Result<Option<OffsetDateTime>, sqlx::Error> {
        let until: Option<Stamp> = db::on!(self.tx, |c| sqlx::query_scalar(LOCK_END)
            .bind(subject)
            .bind(Stamp::new(self.now))
            .fetch_optional(c)
            .await)?;
        Ok(until.map(Stamp::at))
    }

    /// Commits: the reservations count and the locks are released.
    ///
    /// # Errors
    /// Database failure.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

/// How a limit stands for one subject ([`Guard::window`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Events inside the window.
    pub count: i64,
    /// When a slot frees, if the window is full now.
    pub frees_at: Option<OffsetDateTime>,
}

/// A reserved attempt ([`reserve`]): it counts unless released. Dropped without
/// [`Held::keep`] or [`Held::release`] (an error, a request cut by the timeout), it is
/// released in the background, so an attempt the portal did not evaluate never counts.
pub struct Held {
    state: AppState,
    id: Option<String>,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held").field("id", &self.id).finish()
    }
}

impl Held {
    /// The reservation of the `limit_events` row `id`.
    pub fn new(state: &AppState, id: String) -> Self {
        Self { state: state.clone(), id: Some(id) }
    }

    /// The attempt counts: the event stays.
    pub fn keep(mut self) {
        self.id = None;
    }

    /// The attempt does not count: the event goes. A failure is logged, not returned: the
    /// answer the caller computed stands, and the event leaves its window anyway.
    pub async fn release(mut self) {
        if let Some(id) = self.id.take() {
            release_logged(&self.state, &id).await;
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(id) = self.id.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let state = self.state.clone();
            runtime.spawn(async move { release_logged(&state, &id).await });
        }
    }
}

async fn release_logged(state: &AppState, id: &str) {
    if let Err(error) = release(state, id).await {
        tracing::error!(%error, "a limit reservation could not be released");
    }
}

/// What [`reserve`] decided.
#[derive(Debug)]
pub enum Reservation {
    /// The attempt is counted and may be evaluated.
    Granted(Held),
    /// Every slot is taken: answer 429 with `Retry-After: retry_after` (seconds, at least 1)
    /// without evaluating the attempt.
    Full {
        /// Seconds until a slot frees.
        retry_after: u64,
    },
}

/// Reserves one attempt of `limit` for `subject`, atomically (see the module docs).
///
/// # Errors
/// Database failure.
pub async fn reserve(
    state: &AppState,
    subject: &str,
    limit: Limit,
) -> Result<Reservation, sqlx::Error> {
    let mut guard = Guard::begin(state, &[subject]).await?;
    if let Some(frees_at) = guard.full(subject, limit).await? {
        crate::metrics::limit_hit(limit.kind);
        return Ok(Reservation::Full { retry_after: seconds_until(state, frees_at) });
    }
    let id = guard.record(subject, limit.kind).await?;
    guard.commit().await?;
    Ok(Reservation::Granted(Held::new(state, id)))
}

/// Takes back one reservation (its attempt did not count).
///
/// # Errors
/// Database failure.
pub async fn release(state: &AppState, id: &str) -> Result<(), sqlx::Error> {
    db::on!(state.db, |c| sqlx::query("DELETE FROM limit_events WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets every event of `kind` for `subject` (a successful sign-in).
///
/// # Errors
/// Database failure.
pub async fn clear(state: &AppState, kind: &str, subject: &str) -> Result<(), sqlx::Error> {
    db::on!(state.db, |c| sqlx::query(
        "DELETE FROM limit_events WHERE kind = $1 AND subject = $2"
    )
    .bind(kind)
    .bind(subject)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// When the sign-in lock on `subject` ends, if it is locked now (§2).
///
/// # Errors
/// Database failure.
pub async fn locked_until(
    state: &AppState,
    subject: &str,
) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    let until: Option<Stamp> = db::on!(state.db, |c| sqlx::query_scalar(LOCK_END)
        .bind(subject)
        .bind(state.now())
        .fetch_optional(c)
        .await)?;
    Ok(until.map(Stamp::at))
}

/// When the lock on `$1` ends, if after `$2`.
const LOCK_END: &str = "SELECT until FROM lockouts WHERE subject = $1 AND until > $2";

/// Locks `subject` for [`LOCK_DURATION`] from now (§2).
///
/// # Errors
/// Database failure.
pub async fn lock(state: &AppState, subject: &str) -> Result<(), sqlx::Error> {
    let until = Stamp::new(state.clock.now() + LOCK_DURATION);
    db::on!(state.db, |c| sqlx::query(
        "INSERT INTO lockouts (subject, until) VALUES ($1, $2) \
         ON CONFLICT (subject) DO UPDATE SET until = excluded.until",
    )
    .bind(subject)
    .bind(until)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Lifts the lock on `subject` and forgets its wrong passwords (a completed reset, §2).
///
/// # Errors
/// Database failure.
pub async fn unlock(state: &AppState, subject: &str) -> Result<(), sqlx::Error> {
    db::on!(state.db, |c| sqlx::query("DELETE FROM lockouts WHERE subject = $1")
        .bind(subject)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    clear(state, PASSWORD_FAILURES.kind, subject).await
}

/// Seconds from now until `at`, rounded up and at least 1 (the `Retry-After` of §0): a retry
/// exactly that many seconds later is inside the freed window (stored times have whole seconds,
/// the clock does not).
pub fn seconds_until(state: &AppState, at: OffsetDateTime) -> u64 {
    let left = at - state.clock.now();
    let secs = left.whole_seconds() + i64::from(left.subsec_nanoseconds() > 0);
    u64::try_from(secs).unwrap_or(0).max(1)
}
