//! `HTTP_PROXY` and `NO_PROXY` are honoured (`docs/contract.md §0`), and a failure
//! through a proxy or of name resolution is classified by type, not by message text
//! ([`NetworkErrorKind::Proxy`], [`NetworkErrorKind::Dns`]).
//!
//! The environment is process-wide (and changing it is `unsafe`, which the workspace forbids),
//! so the test re-runs this binary as a child process with the variables set; the child makes
//! the request, the parent checks what the recording proxy saw or what the child reported.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "client/support.rs"]
mod support;

use axum::http::StatusCode;
use portal_client::{Error, NetworkErrorKind, Portal, PortalConfig};
use support::{RecordingProxy, TestPortal};
use tokio::net::TcpListener;

const CHILD_ORIGIN: &str = "PORTAL_CLIENT_TEST_CHILD_ORIGIN";
/// The kind of network failure `child_fails_with` expects: `proxy` or `dns`.
const CHILD_EXPECT: &str = "PORTAL_CLIENT_TEST_CHILD_EXPECT";
/// A name that never resolves (RFC 6761 §6.4), so no network is needed to fail on it.
const UNRESOLVABLE_ORIGIN: &str = "https://portail.invalid";

/// Runs the test `child` in a child process with `env`; true when it passed.
fn run_child(child: &str, origin: &str, env: &[(&str, &str)]) -> bool {
    let mut command = std::process::Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["--exact", child, "--nocapture"])
        .env(CHILD_ORIGIN, origin)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let passed = output.status.success() && stdout.contains("1 passed");
    if !passed {
        eprintln!("{child} {env:?}:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    }
    passed
}

/// Runs `child` in a child process on a blocking thread (the parent's runtime keeps serving).
async fn run_child_async(child: &'static str, origin: &str, env: &[(&str, &str)]) -> bool {
    let origin = origin.to_owned();
    let env: Vec<(String, String)> =
        env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_child(child, &origin, &env)
    })
    .await
    .expect("joined")
}

/// An HTTP proxy on loopback that refuses every request, `CONNECT` included, with `status`;
/// answers its origin (`http://127.0.0.1:port`).
async fn refusing_proxy(status: StatusCode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new().fallback(move || async move { status });
    tokio::spawn(async move { axum::serve(listener, app).await });
    origin
}

#[tokio::test]
async fn http_proxy_and_no_proxy_from_the_environment() {
    let portal = TestPortal::start().await;
    let proxy = RecordingProxy::start(&portal.origin, false).await;
    // `localhost` rather than 127.0.0.1 so the request is visibly addressed to the portal.
    let origin = format!("http://localhost:{}", portal.addr.port());

    let ok = run_child_async("child_request", &origin, &[("HTTP_PROXY", &proxy.origin)]).await;
    assert!(ok, "the child's request through the proxy failed");
    assert_eq!(proxy.count_path("private-schools"), 1, "HTTP_PROXY is used");

    let env = [("HTTP_PROXY", proxy.origin.as_str()), ("NO_PROXY", "localhost")];
    let ok = run_child_async("child_request", &origin, &env).await;
    assert!(ok, "the child's direct request failed");
    assert_eq!(proxy.count_path("private-schools"), 1, "NO_PROXY bypasses the proxy");
}

#[tokio::test]
async fn a_proxy_refusing_the_tunnel_is_a_proxy_failure() {
    // 407 and 403 refuse the client, 502 means the proxy could not reach the portal: each is
    // the proxy's answer to `CONNECT`, with no I/O error beneath it.
    for status in
        [StatusCode::PROXY_AUTHENTICATION_REQUIRED, StatusCode::FORBIDDEN, StatusCode::BAD_GATEWAY]
    {
        let proxy = refusing_proxy(status).await;
        let env = [("HTTPS_PROXY", proxy.as_str()), (CHILD_EXPECT, "proxy")];
        assert!(run_child_async("child_fails_with", UNRESOLVABLE_ORIGIN, &env).await, "{status}");
    }
}

#[tokio::test]
async fn an_unresolvable_name_is_a_dns_failure_unless_a_proxy_carries_it() {
    assert!(
        run_child_async("child_fails_with", UNRESOLVABLE_ORIGIN, &[(CHILD_EXPECT, "dns")]).await,
        "no proxy"
    );
    // The same proxy that refuses the tunnel above is bypassed for a name in `NO_PROXY`, and
    // the classification follows the route: the name itself fails to resolve.
    let proxy = refusing_proxy(StatusCode::PROXY_AUTHENTICATION_REQUIRED).await;
    let env =
        [("HTTPS_PROXY", proxy.as_str()), ("NO_PROXY", "portail.invalid"), (CHILD_EXPECT, "dns")];
    assert!(run_child_async("child_fails_with", UNRESOLVABLE_ORIGIN, &env).await, "NO_PROXY");
}

/// The child's side: does nothing unless started by the test above.
#[tokio::test]
async fn child_request() {
    let Ok(origin) = std::env::var(CHILD_ORIGIN) else { return };
    let client = Portal::new(PortalConfig::from_origin(&origin).expect("config")).expect("client");
    client.private_schools().await.expect("request succeeds");
}

/// The child's side of the failure tests: the request to `CHILD_ORIGIN` fails with the network
/// kind named in `CHILD_EXPECT`. Does nothing unless started by them.
#[tokio::test]
async fn child_fails_with() {
    let (Ok(origin), Ok(expected)) = (std::env::var(CHILD_ORIGIN), std::env::var(CHILD_EXPECT))
    else {
        return;
    };
    let expected = match expected.as_str() {
        "proxy" => NetworkErrorKind::Proxy,
        "dns" => NetworkErrorKind::Dns,
        other => panic!("unknown expectation {other}"),
    };
    let client = Portal::new(PortalConfig::from_origin(&origin).expect("config")).expect("client");
    match client.private_schools().await {
        Err(Error::Network(n)) => assert_eq!(n.kind, expected, "{n:?}"),
        other => panic!("expected a network failure, got {other:?}"),
    }
}
