//! The periodic purge (`docs/contract.md §6` "Privacy"; Québec's Law 25 keeps personal
//! information only as long as it serves): expired flows with their codes and continuation
//! tokens, linked addresses never verified whose code is gone, limit events that left every
//! window, ended lockouts, finished authorization requests and codes, and refresh-token
//! families that can no longer be used.
//!
//! [`run`] repeats [`purge`] every [`crate::config::Security::purge_interval`], and every
//! [`SHORT_INTERVAL`] re-reads the key file (a `keys rotate` by the operator), lets the
//! per-address budgets forget idle addresses and forgets the remembered access tokens past
//! their `exp` ([`crate::tokens::verified`]), while the portal serves
//! (`crate::http::serve_with_shutdown` starts and stops it).

use crate::{
    AppState,
    db::{self, Stamp},
    identity::limits,
};

/// Rows one [`purge`] deleted, by table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// `continuation_tokens` past `expires_at`.
    pub continuation_tokens: u64,
    /// `verification_codes` past `expires_at`.
    pub verification_codes: u64,
    /// `account_emails` never verified, older than the code lifetime, with no live code left
    /// (an address asked for and abandoned, maybe someone else's).
    pub unverified_emails: u64,
    /// `auth_flows` older than the continuation lifetime with no live token or code left.
    pub auth_flows: u64,
    /// `limit_events` outside every window of their kind.
    pub limit_events: u64,
    /// `lockouts` that ended, and `limit_subjects` with nothing left to guard.
    pub lockouts_and_subjects: u64,
    /// `authorization_requests` and `authorization_codes` past `expires_at`.
    pub authorizations: u64,
    /// `refresh_tokens` of families past their absolute end or whose newest token lapsed.
    pub refresh_tokens: u64,
}

/// Deletes what expired by the portal's clock (see the module docs).
///
/// # Errors
/// Database failure (what was deleted before it stays deleted).
pub async fn purge(state: &AppState) -> Result<Purged, sqlx::Error> {
    let now = state.clock.now();
    let stamp = Stamp::new(now);
    let db = &state.db;
    let run = |sql: &'static str, at: Stamp| async move {
        db::on!(db, |c| sqlx::query(sql).bind(at).execute(c).await.map(|r| r.rows_affected()))
    };
    let mut purged = Purged {
        continuation_tokens: run("DELETE FROM continuation_tokens WHERE expires_at < $1", stamp)
            .await?,
        verification_codes: run("DELETE FROM verification_codes WHERE expires_at < $1", stamp)
            .await?,
        ..Purged::default()
    };
    purged.unverified_emails = run(
        "DELETE FROM account_emails WHERE verified = FALSE AND created_at < $1 AND NOT EXISTS \
         (SELECT 1 FROM auth_flows f JOIN verification_codes c ON c.flow_id = f.id \
          WHERE f.kind = 'email_link' AND f.account_id = account_emails.account_id \
          AND f.email = account_emails.address)",
        Stamp::new(now - state.config.lifetimes.continuation),
    )
    .await?;
    purged.auth_flows = run(
        "DELETE FROM auth_flows WHERE created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM continuation_tokens t WHERE t.flow_id = auth_flows.id) \
         AND NOT EXISTS (SELECT 1 FROM verification_codes c WHERE c.flow_id = auth_flows.id)",
        Stamp::new(now - state.config.lifetimes.continuation),
    )
    .await?;
    for limit in limits::ALL {
        // A kind counted over several windows keeps its events for the longest.
        if limits::ALL.iter().any(|other| other.kind == limit.kind && other.window > limit.window) {
            continue;
        }
        purged.limit_events +=
            db::on!(db, |c| sqlx::query("DELETE FROM limit_events WHERE kind = $1 AND at <= $2")
                .bind(limit.kind)
                .bind(Stamp::new(now - limit.window))
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
    }
    purged.lockouts_and_subjects = run("DELETE FROM lockouts WHERE until < $1", stamp).await?
        + purge_subjects(db, stamp).await?;
    purged.authorizations = run("DELETE FROM authorization_requests WHERE expires_at < $1", stamp)
        .await?
        + run("DELETE FROM authorization_codes WHERE expires_at < $1", stamp).await?;
    purged.refresh_tokens = db::on!(db, |c| sqlx::query(
        "DELETE FROM refresh_tokens WHERE family_id IN (SELECT family_id FROM refresh_tokens \
         GROUP BY family_id HAVING MAX(expires_at) < $1 OR MAX(family_expires_at) < $2)",
    )
    .bind(stamp)
    .bind(stamp)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(purged)
}

/// How often the key file is re-read, idle per-address budgets and expired remembered access
/// tokens are forgotten: a quarter of `keys rotate`'s default activation delay (120 s), so every
/// instance knows a new key well before it starts signing, and a flood of new addresses cannot
/// grow memory for long.
pub const SHORT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// Purges now and then every `purge_interval`, and every [`SHORT_INTERVAL`] re-reads the key
/// file and forgets idle per-address budgets and expired remembered tokens, forever; failures
/// are logged and retried at the next tick. Spawned by [`crate::http::serve_with_shutdown`],
/// aborted when it returns.
pub async fn run(state: AppState) {
    use tokio::time::{MissedTickBehavior, interval};
    let mut purge_tick = interval(state.config.security.purge_interval);
    purge_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut keys_tick = interval(SHORT_INTERVAL);
    keys_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = purge_tick.tick() => match purge(&state).await {
                Ok(purged) => tracing::debug!(?purged, "purged expired rows"),
                Err(error) => tracing::error!(%error, "purge failed"),
            },
            _ = keys_tick.tick() => {
                state.address_budgets.forget_idle();
                state.verified_tokens.forget_expired(state.clock.now().unix_timestamp());
                match state.signing_keys.reload().await {
                    Ok(true) => tracing::info!("key file re-read: signing keys updated"),
                    Ok(false) => {}
                    Err(error) => tracing::error!(%error, "key file could not be re-read; keeping the keys in use"),
                }
            }
        }
    }
}

/// Deletes the `limit_subjects` rows untouched since `before` with no event and no lock left,
/// one statement per row, in order: a request's guard holds some subjects' rows and waits for
/// others (`identity::limits::Guard`); one statement deleting many rows would lock them in scan
/// order and could deadlock with it on PostgreSQL. The rows deleted.
async fn purge_subjects(db: &db::Db, before: Stamp) -> Result<u64, sqlx::Error> {
    const STALE: &str = "touched_at < $1 \
        AND NOT EXISTS (SELECT 1 FROM limit_events e WHERE e.subject = limit_subjects.subject) \
        AND NOT EXISTS (SELECT 1 FROM lockouts l WHERE l.subject = limit_subjects.subject)";
    let stale: Vec<String> = db::on!(db, |c| sqlx::query_scalar(&format!(
        "SELECT subject FROM limit_subjects WHERE {STALE} ORDER BY subject"
    ))
    .bind(before)
    .fetch_all(c)
    .await)?;
    let mut deleted = 0;
    for subject in stale {
        // Checked again: a request may have touched it since.
        deleted += db::on!(db, |c| sqlx::query(&format!(
            "DELETE FROM limit_subjects WHERE subject = $2 AND {STALE}"
        ))
        .bind(before)
        .bind(&subject)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(deleted)
}
