//! Liveness and readiness, for load balancers and orchestrators; neither spends the
//! per-address budget (they are not under `/auth/`).
//!
//! - `GET /healthz`: `ok` while the process serves HTTP (liveness).
//! - `GET /readyz`: 200 `{"status":"ready"}` when every [`Check`] passes; otherwise 503 with
//!   `Retry-After` and a body naming what failed, e.g.
//!   `{"status":"not_ready","failed":["database"],"checks":{"database":"timeout",
//!   "migrations":"unknown","mail":"ok"}}`. The body never holds a path, a URL or an error
//!   message (they may carry credentials); the log says more.

use std::time::Duration;

use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Serialize;

use crate::db::{self};
use crate::{AppState, config::MailTransport};

/// Longest time the database checks may take together before the database counts as not
/// answering.
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// `Retry-After` of a 503 from `/readyz`, in seconds.
pub const RETRY_AFTER_SECONDS: u64 = 5;

/// `/healthz` and `/readyz`.
pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(|| async { "ok" })).route("/readyz", get(get_readyz))
}

/// The outcome of each readiness check: `ok`, or a short reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Checks {
    /// `SELECT 1` within [`DATABASE_TIMEOUT`]: `ok`, `timeout` (no answer in time: the pool is
    /// exhausted or the database stalls) or `unavailable` (an error, e.g. the pool is closed).
    pub database: &'static str,
    /// Every migration this binary knows ([`crate::db::Db::migrator`]) is applied: `ok`,
    /// `pending`, `unreadable` (the migration table could not be read), or `unknown` when the
    /// database did not answer (then only `database` counts as failed).
    pub migrations: &'static str,
    /// The mail transport is configured and, for an outbox, its folder exists: `ok` or
    /// `outbox_missing`. SMTP is not contacted (a probe must not open a mail session).
    pub mail: &'static str,
}

/// The names of the checks, in [`Checks`]' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// [`Checks::database`].
    Database,
    /// [`Checks::migrations`].
    Migrations,
    /// [`Checks::mail`].
    Mail,
}

/// The `/readyz` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// The checks that failed (not `ok`, and not `unknown` for want of a database); absent
    /// when ready.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Check>,
    /// Every check's outcome; absent when ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Checks>,
}

const OK: &str = "ok";
const UNKNOWN: &str = "unknown";

/// Runs every check (see [`Checks`]).
pub async fn check(state: &AppState) -> Readiness {
    let (database, migrations) = match tokio::time::timeout(DATABASE_TIMEOUT, database(state)).await
    {
        Ok(outcome) => outcome,
        Err(_) => ("timeout", UNKNOWN),
    };
    let mail = match &state.config.mail {
        MailTransport::Outbox(dir) => match tokio::fs::metadata(dir).await {
            Ok(meta) if meta.is_dir() => OK,
            _ => "outbox_missing",
        },
        // Its URL was accepted at start; delivery is checked by each send.
        MailTransport::Smtp(_) => OK,
    };
    let checks = Checks { database, migrations, mail };
    let failed: Vec<Check> =
        [(Check::Database, database), (Check::Migrations, migrations), (Check::Mail, mail)]
            .into_iter()
            .filter(|(_, outcome)| *outcome != OK && *outcome != UNKNOWN)
            .map(|(check, _)| check)
            .collect();
    if failed.is_empty() {
        return Readiness { status: "ready", failed, checks: None };
    }
    Readiness { status: "not_ready", failed, checks: Some(checks) }
}

/// The database and migrations outcomes.
async fn database(state: &AppState) -> (&'static str, &'static str) {
    if let Err(error) =
        db::on!(state.db, |c| sqlx::query("SELECT 1").execute(c).await.map(|r| r.rows_affected()))
    {
        tracing::warn!(%error, "readiness: the database did not answer");
        return ("unavailable", UNKNOWN);
    }
    match crate::migrate::pending(&state.db).await {
        Ok(pending) if pending.is_empty() => (OK, OK),
        Ok(pending) => {
            tracing::warn!(?pending, "readiness: migrations not applied");
            (OK, "pending")
        }
        Err(error) => {
            tracing::warn!(%error, "readiness: the applied migrations could not be read");
            (OK, "unreadable")
        }
    }
}

/// `GET /readyz`.
async fn get_readyz(State(state): State<AppState>) -> Response {
    let readiness = check(&state).await;
    if readiness.failed.is_empty() {
        return Json(readiness).into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string())],
        Json(readiness),
    )
        .into_response()
}
