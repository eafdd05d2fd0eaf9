//! HTTP: the router, shared middleware and the serve loop.
//!
//! Each part of the contract has its own module and `router()`; [`app`] merges them.

use std::net::SocketAddr;

use axum::{Router, http::StatusCode, routing::get};
use tower_http::{limit::RequestBodyLimitLayer, timeout::TimeoutLayer};

use crate::AppState;

pub mod browser;
pub mod budget;
pub mod extract;
pub mod identity;
pub mod oauth_error;
pub mod parent;
pub mod problem;
pub mod tokens;

/// Request bodies above this size get 413 (hostile input, issue 3): 16 KiB.
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

/// The whole portal as an axum [`Router`].
///
/// Layers, outermost first: the contract's shape for the inner layers' bare answers, the request
/// timeout (`security.request_timeout`, then 503), the per-address budgets ([`budget`]), the
/// body limit. Serve it with connection info (as [`serve_with_shutdown`] does) so budgets key by
/// the peer's address.
pub fn app(state: AppState) -> Router {
    let timeout = state.config.security.request_timeout;
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(identity::router())
        .merge(tokens::router())
        .merge(browser::router())
        .merge(parent::router())
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), budget::enforce))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(axum::middleware::from_fn(bare_errors_in_contract_shape))
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
/// The listener fails.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_with_shutdown(listener, state, std::future::pending()).await
}

/// Serves the portal on `listener` until `shutdown` completes, then finishes in-flight requests.
/// The periodic purge ([`crate::maintenance::run`]) runs meanwhile.
///
/// # Errors
/// The listener fails.
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let maintenance = tokio::spawn(crate::maintenance::run(state.clone()));
    let served =
        axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
    maintenance.abort();
    served
}
