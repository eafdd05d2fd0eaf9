//! HTTP: the router, shared middleware and the serve loop.
//!
//! Each part of the contract has its own module and `router()`; [`app`] merges them.

use std::time::Duration;

use axum::{Router, http::StatusCode};
use tower_http::{limit::RequestBodyLimitLayer, timeout::TimeoutLayer};

use crate::AppState;

pub mod browser;
pub mod budget;
pub mod connections;
pub mod extract;
pub mod health;
pub mod identity;
pub mod oauth_error;
pub mod parent;
pub mod problem;
pub mod shape;
pub mod tokens;

/// Request bodies above this size get 413 (hostile input, SECURITY.md): 16 KiB.
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

/// The whole portal as an axum [`Router`].
///
/// Layers, outermost first: the request metrics ([`crate::metrics::track`], by route
/// template), the contract's shape for the inner layers' bare answers, the request timeout
/// (`security.request_timeout`, then 503), the per-address budgets ([`budget`]), the body limit.
/// Serve it with connection info (as [`serve_with_shutdown`] does) so budgets key by the peer's
/// address. `/healthz` and `/readyz` are in [`health`].
pub fn app(state: AppState) -> Router {
    let timeout = state.config.security.request_timeout;
    let mut routes = Router::new().merge(health::router()).merge(parent::router());
    // Behind an external issuer the portal is the parent API alone (crate::external).
    if state.external.is_none() {
        routes = routes.merge(identity::router()).merge(tokens::router()).merge(browser::router());
    }
    routes
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), budget::enforce))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(axum::middleware::from_fn(bare_errors_in_contract_shape))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .with_state(state)
}

/// Middleware for [`app`]: the body-limit layer answers a bare text 413 before any handler runs
/// (when `Content-Length` is over [`BODY_LIMIT_BYTES`]); this gives it the contract's error
/// shape: the identity error body (`invalid_request`) on `/auth/` (`docs/contract.md §0`),
/// problem details (`payload_too_large`) on `/api/` (§6). A request that timed out (bare 503)
/// gets `Retry-After: 1`, with the identity body `temporarily_unavailable` on `/auth/` and
/// problem details (`throttled`) on `/api/`.
pub async fn bare_errors_in_contract_shape(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::{
        http::{StatusCode, header},
        response::IntoResponse as _,
    };
    let path = req.uri().path().to_owned();
    let mut response = next.run(req).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if response.status() == StatusCode::SERVICE_UNAVAILABLE && !is_json {
        crate::metrics::limit_hit(crate::metrics::TIMEOUT);
        if path.starts_with("/auth/") {
            return oauth_error::OAuthError::unavailable(1, "The request took too long.")
                .into_response();
        }
        if path.starts_with("/api/") {
            let mut problem = problem::ApiProblem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                cartable_core::wire::parent::ProblemCode::Throttled,
                "The portal is busy: try again in a moment",
            );
            problem.retry_after = Some(1);
            return problem.into_response();
        }
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(1u64));
        return response;
    }
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || is_json {
        return response;
    }
    if path.starts_with("/auth/") {
        oauth_error::OAuthError::invalid_request("The request body is too large.")
            .with_status(StatusCode::PAYLOAD_TOO_LARGE)
            .into_response()
    } else if path.starts_with("/api/") {
        problem::ApiProblem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            cartable_core::wire::parent::ProblemCode::PayloadTooLarge,
            "The body is too large",
        )
        .into_response()
    } else {
        response
    }
}

/// Serves the portal on `listener` until the process ends.
///
/// # Errors
/// None today: accept errors are logged and retried ([`connections::serve`]); the `Result`
/// lets callers handle a listener failure should one become possible.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_with_shutdown(listener, state, std::future::pending()).await
}

/// Serves the portal on `listener` until `shutdown` completes, then finishes in-flight requests
/// for at most [`drain_bound`]. The periodic purge ([`crate::maintenance::run`]) runs meanwhile.
///
/// # Errors
/// None today: accept errors are logged and retried ([`connections::serve`]); the `Result`
/// lets callers handle a listener failure should one become possible.
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_metrics(listener, None, state, shutdown).await
}

/// The Prometheus scrape endpoint served beside the portal ([`crate::metrics`]).
#[derive(Debug)]
pub struct MetricsEndpoint {
    /// Its own listener (`serve --metrics-listen`), never the portal's.
    pub listener: tokio::net::TcpListener,
    /// The installed recorder's handle ([`crate::metrics::install`]).
    pub handle: metrics_exporter_prometheus::PrometheusHandle,
}

/// How long in-flight requests may still run once shutdown is asked: the request timeout
/// (`[security] request_timeout`, which cuts every request anyway) and one second for the
/// answers it cuts to reach their clients.
pub fn drain_bound(state: &AppState) -> Duration {
    state.config.security.request_timeout + Duration::from_secs(1)
}

/// [`serve_with_shutdown`], with the metrics endpoint on its own listener when `metrics` is
/// given. When `shutdown` completes both stop accepting; in-flight portal requests are drained
/// for at most [`drain_bound`], then it returns anyway (a request still running is dropped with
/// its connection when the process exits), and the maintenance task and the metrics endpoint
/// stop.
///
/// # Errors
/// None today: accept errors are logged and retried ([`connections::serve`]); the `Result`
/// lets callers handle a listener failure should one become possible.
pub async fn serve_with_metrics(
    listener: tokio::net::TcpListener,
    metrics: Option<MetricsEndpoint>,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let stopped = |mut stopping: tokio::sync::watch::Receiver<bool>| async move {
        // An error means the sender is gone: this function returned, so stop too.
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let bound = drain_bound(&state);
    let maintenance = tokio::spawn(crate::maintenance::run(state.clone()));
    let metrics = metrics.map(|endpoint| {
        let served = crate::metrics::serve(
            endpoint.listener,
            endpoint.handle,
            state.clone(),
            stopped(stopping.clone()),
        );
        tokio::spawn(async move {
            if let Err(error) = served.await {
                tracing::error!(%error, "the metrics endpoint stopped");
            }
        })
    });
    let security = state.config.security.clone();
    let portal = connections::serve(listener, app(state), &security, stopped(stopping));
    let deadline = async {
        shutdown.await;
        stop.send_replace(true);
        tokio::time::sleep(bound).await;
    };
    let served = tokio::select! {
        served = portal => served,
        () = deadline => {
            tracing::warn!(seconds = bound.as_secs(), "requests still running after the drain bound: stopping anyway");
            Ok(())
        }
    };
    maintenance.abort();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    served
}
