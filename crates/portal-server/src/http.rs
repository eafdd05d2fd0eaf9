//! HTTP: the router, shared middleware and the serve loop.
//!
//! Each part of the contract has its own module and `router()`; [`app`] merges them.

use axum::{Router, routing::get};
use tower_http::limit::RequestBodyLimitLayer;

use crate::AppState;

pub mod browser;
pub mod extract;
pub mod identity;
pub mod oauth_error;
pub mod parent;
pub mod problem;
pub mod tokens;

/// Request bodies above this size get 413 (hostile input, issue 3): 16 KiB.
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

/// The whole portal as an axum [`Router`].
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(identity::router())
        .merge(tokens::router())
        .merge(browser::router())
        .merge(parent::router())
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(identity::body_limit_in_identity_shape))
        .with_state(state)
}

/// Serves the portal on `listener` until the process ends.
///
/// # Errors
/// The listener fails.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_with_shutdown(listener, state, std::future::pending()).await
}

/// Serves the portal on `listener` until `shutdown` completes, then finishes in-flight requests.
///
/// # Errors
/// The listener fails.
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await
}
