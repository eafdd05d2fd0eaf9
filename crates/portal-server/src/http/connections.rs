//! The portal's accept loop: HTTP/1.1 over hyper with limits on connections themselves, which
//! the request layers cannot give (`SECURITY.md`, "Floods"):
//!
//! - a client must send a whole request head within [`Security::header_timeout`] of connecting
//!   or of its previous answer, or its connection is closed: a slow-headers flood ("slowloris")
//!   or sockets that send nothing would otherwise hold their slots forever, since the request
//!   timeout only starts once a request exists. The same limit closes idle keep-alive
//!   connections, so a reverse proxy must keep its idle upstream connections for less;
//!   HTTP/1.1 only: the proxies in `deploy/` and the app speak it to the portal, and HTTP/2
//!   (whose connection preface would come before any timer) is not served;
//! - at most [`Security::max_connections`] are served at once; more wait in the listen backlog
//!   until one ends, so a flood cannot exhaust the process's file descriptors.
//!
//! Each request carries its peer's address as `ConnectInfo<SocketAddr>`, as axum's own server
//! gives it, for the per-address budgets ([`super::budget`]). When `stopping` completes the loop
//! stops accepting, open connections finish their requests (keep-alive ones are asked to
//! close), and [`serve`] returns once they have. Dropping the future [`serve`] returns (the
//! caller's drain bound) ends every connection still open.

use std::{sync::Arc, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore, task::JoinSet};
use tower::ServiceExt as _;

use crate::config::Security;

/// Serves `router` on `listener` until `stopping` completes, then waits for open connections
/// to finish (the caller bounds that wait).
///
/// # Errors
/// Never today: accept errors (a full file table, a reset connection) are logged and the loop
/// goes on, as axum's server does; the `Result` leaves room for listener errors to come.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    security: &Security,
    stopping: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(security.header_timeout.max(Duration::from_secs(1)));
    let slots = Arc::new(Semaphore::new(security.max_connections.clamp(1, Semaphore::MAX_PERMITS)));
    let graceful = GracefulShutdown::new();
    // Owned here: dropping this future aborts every connection task.
    let mut connections = JoinSet::new();
    tokio::pin!(stopping);
    loop {
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut stopping => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                    Err(error) => {
                    tokio::select! {
                        () = accept_failed(&error) => continue,
                        () = &mut stopping => break,
                    }
                }
            },
            () = &mut stopping => break,
        };
        let service = router.clone().map_request(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            if let Err(error) = connection.await {
                tracing::trace!(%error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    connections.join_all().await;
    Ok(())
}

/// An accept error: a connection reset before it was accepted is nothing; anything else (the
/// file table is full) is logged, and accepting pauses a second so the loop does not spin.
async fn accept_failed(error: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(%error, "accept failed; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
