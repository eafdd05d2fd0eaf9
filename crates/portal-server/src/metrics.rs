//! Prometheus metrics: `GET /metrics` on a listen address of its own (`serve --metrics-listen
//! ADDR`, `PORTAL_METRICS_LISTEN`, or `[metrics] listen` in `--config`), never on the portal's.
//!
//! The portal records through the `metrics` facade. [`install`] sets the process-wide
//! Prometheus recorder (once per process); [`serve`] answers scrapes with its text exposition
//! format. Without a metrics address nothing is installed and every recording is a no-op.
//!
//! | Metric | Type | Labels | What |
//! |---|---|---|---|
//! | [`HTTP_REQUESTS`] `portal_http_requests_total` | counter | `method`, `route`, `status` | answered requests |
//! | [`HTTP_DURATION`] `portal_http_request_duration_seconds` | histogram | `method`, `route`, `status` | seconds to the response's head |
//! | [`SIGN_INS`] `portal_sign_ins_total` | counter | `kind` ([`SignIn`]) | tokens issued to a parent |
//! | [`CODES_SENT`] `portal_codes_sent_total` | counter | `purpose`: `sign_up`, `reset`, `link_email` | verification codes handed to the mail transport |
//! | [`LIMIT_HITS`] `portal_limit_hits_total` | counter | `kind` | requests refused by a limit or budget |
//! | [`HASHES_IN_FLIGHT`] `portal_password_hashes_in_flight` | gauge | | argon2id hashes running or queued |
//! | [`POOL_CONNECTIONS`] `portal_db_pool_connections` | gauge | | database connections open |
//! | [`POOL_IDLE`] `portal_db_pool_idle_connections` | gauge | | of those, idle |
//!
//! `route` is the matched route template (`/api/v1/children/{id}`), `unmatched` when no route
//! matched: never the raw path, which may hold identifiers. `method` is the HTTP method, `other`
//! for an extension method. The `kind` of a limit hit is a [`Limit::kind`](crate::identity::limits::Limit)
//! (`code_send`, `code_failure`, `password_failure`, `no_matching_record`, `link_send`), or
//! [`PER_ADDRESS`], [`HASHING_QUEUE`], [`TIMEOUT`]. No label carries an address, an email, a
//! code or a token. The gauges are read when Prometheus scrapes.

use std::{sync::OnceLock, time::Instant};

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{Method, header},
    middleware::Next,
    response::{IntoResponse as _, Response},
    routing::get,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// Counter of answered HTTP requests, by `method`, `route` (template) and `status`.
pub const HTTP_REQUESTS: &str = "portal_http_requests_total";
/// Histogram of the seconds from a request's arrival to its response's head, by `method`,
/// `route` and `status`; buckets [`DURATION_BUCKETS`].
pub const HTTP_DURATION: &str = "portal_http_request_duration_seconds";
/// Counter of sign-ins (tokens issued to a parent), by `kind` ([`SignIn::label`]).
pub const SIGN_INS: &str = "portal_sign_ins_total";
/// Counter of verification codes handed to the mail transport, by `purpose`.
pub const CODES_SENT: &str = "portal_codes_sent_total";
/// Counter of requests refused by a limit or budget, by `kind`.
pub const LIMIT_HITS: &str = "portal_limit_hits_total";
/// Gauge of argon2id hashes and verifications running or waiting for a slot
/// ([`Passwords::in_flight`](crate::identity::Passwords::in_flight)).
pub const HASHES_IN_FLIGHT: &str = "portal_password_hashes_in_flight";
/// Gauge of the database pool's open connections (idle or in use).
pub const POOL_CONNECTIONS: &str = "portal_db_pool_connections";
/// Gauge of the database pool's idle connections.
pub const POOL_IDLE: &str = "portal_db_pool_idle_connections";

/// [`LIMIT_HITS`] kind: the per-address budget of `/auth/` was spent (`crate::http::budget`).
pub const PER_ADDRESS: &str = "per_address";
/// [`LIMIT_HITS`] kind: the password-hashing queue was full (503).
pub const HASHING_QUEUE: &str = "hashing_queue";
/// [`LIMIT_HITS`] kind: a request ran past `[security] request_timeout` (503).
pub const TIMEOUT: &str = "timeout";

/// Upper bounds, in seconds, of [`HTTP_DURATION`]'s buckets.
pub const DURATION_BUCKETS: &[f64] =
    &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// How often the recorder drains its histograms even when nobody scrapes, so they stay small.
const UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// How a parent signed in, the `kind` label of [`SIGN_INS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// The `password` grant (`docs/contract.md §2`): `password`.
    Password,
    /// The `continuation_token` grant after a sign-up or a reset (§1, §3): `continuation`.
    Continuation,
    /// The `refresh_token` grant (§4): `refresh`.
    Refresh,
    /// The `authorization_code` grant of the browser flow (§5): `browser`.
    Browser,
}

impl SignIn {
    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Continuation => "continuation",
            Self::Refresh => "refresh",
            Self::Browser => "browser",
        }
    }
}

/// Counts one sign-in of `kind` ([`SIGN_INS`]).
pub fn signed_in(kind: SignIn) {
    metrics::counter!(SIGN_INS, "kind" => kind.label()).increment(1);
}

/// Counts one code sent ([`CODES_SENT`]); the reset notice for an unknown address carries no
/// code and is not counted.
pub fn code_sent(what: crate::identity::codes::Send) {
    use crate::identity::codes::Send;
    let purpose = match what {
        Send::SignUp => "sign_up",
        Send::Reset => "reset",
        Send::LinkEmail => "link_email",
        Send::ResetNoAccount => return,
    };
    metrics::counter!(CODES_SENT, "purpose" => purpose).increment(1);
}

/// Counts one request refused by the limit or budget `kind` ([`LIMIT_HITS`]).
pub fn limit_hit(kind: &'static str) {
    metrics::counter!(LIMIT_HITS, "kind" => kind).increment(1);
}

/// Why the Prometheus recorder could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// Something else in this process set the `metrics` facade's recorder first.
    #[error("another metrics recorder is already installed in this process")]
    OtherRecorder,
}

/// Installs the Prometheus recorder as the process's `metrics` recorder, the first time, and
/// returns its handle (the same one on every later call).
///
/// # Errors
/// [`MetricsError::OtherRecorder`] when another recorder was installed first.
pub fn install() -> Result<PrometheusHandle, MetricsError> {
    static INSTALLED: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), DURATION_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .clone()
        .ok_or(MetricsError::OtherRecorder)
}

/// The `# HELP` lines.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time from a request's arrival to its response's head, by method, route template and status"
    );
    describe_counter!(SIGN_INS, "Sign-ins (tokens issued to a parent), by kind");
    describe_counter!(CODES_SENT, "Verification codes handed to the mail transport, by purpose");
    describe_counter!(LIMIT_HITS, "Requests refused by a limit or budget, by kind");
    describe_gauge!(HASHES_IN_FLIGHT, "argon2id hashes running or waiting for a slot");
    describe_gauge!(POOL_CONNECTIONS, "Database connections open (idle or in use)");
    describe_gauge!(POOL_IDLE, "Database connections open and idle");
}

/// Middleware of [`crate::app`], outermost: counts each answered request and its duration
/// ([`HTTP_REQUESTS`], [`HTTP_DURATION`]) by method, route template and status.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = method_label(req.method());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(
        HTTP_REQUESTS, "method" => method, "route" => route.clone(), "status" => status.clone()
    )
    .increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route, "status" => status)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The standard methods by name; any other (an extension method a client made up) as `other`,
/// so the label's values stay few.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    state: AppState,
}

/// `GET /metrics`: reads the gauges, then renders every metric in Prometheus's text format.
async fn scrape(State(scrape): State<Scrape>) -> Response {
    let (open, idle) = scrape.state.db.pool_use();
    metrics::gauge!(POOL_CONNECTIONS).set(f64::from(open));
    metrics::gauge!(POOL_IDLE).set(idle as f64);
    metrics::gauge!(HASHES_IN_FLIGHT).set(scrape.state.passwords.in_flight() as f64);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], scrape.handle.render())
        .into_response()
}

/// The metrics listener's router: `GET /metrics` only.
pub fn router(handle: PrometheusHandle, state: AppState) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(Scrape { handle, state })
}

/// Serves [`router`] on `listener` until `shutdown` completes, draining the recorder's
/// histograms every few seconds meanwhile.
///
/// # Errors
/// The listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    handle: PrometheusHandle,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let upkeep = tokio::spawn({
        let handle = handle.clone();
        async move {
            let mut tick = tokio::time::interval(UPKEEP_INTERVAL);
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        }
    });
    let served =
        axum::serve(listener, router(handle, state)).with_graceful_shutdown(shutdown).await;
    upkeep.abort();
    served
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_methods_share_one_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        let made_up = Method::from_bytes(b"BREW").expect("method");
        assert_eq!(method_label(&made_up), "other");
    }
}
