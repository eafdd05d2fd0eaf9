//! `HTTP_PROXY` and `NO_PROXY` are honoured (`docs/contract.md §0`, issue 5).
//!
//! The environment is process-wide (and changing it is `unsafe`, which the workspace forbids),
//! so the test re-runs this binary as a child process with the variables set; the child makes
//! the request, the parent checks what the recording proxy saw.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "client/support.rs"]
mod support;

use portal_client::{Portal, PortalConfig};
use support::{RecordingProxy, TestPortal};

const CHILD_ORIGIN: &str = "PORTAL_CLIENT_TEST_CHILD_ORIGIN";

/// Runs `child_request` in a child process with `env`; true when it succeeded.
fn run_child(origin: &str, env: &[(&str, &str)]) -> bool {
    let mut command = std::process::Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["--exact", "child_request", "--nocapture"])
        .env(CHILD_ORIGIN, origin)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    output.status.success() && stdout.contains("1 passed")
}

#[tokio::test]
async fn http_proxy_and_no_proxy_from_the_environment() {
    let portal = TestPortal::start().await;
    let proxy = RecordingProxy::start(&portal.origin, false).await;
    // `localhost` rather than 127.0.0.1 so the request is visibly addressed to the portal.
    let origin = format!("http://localhost:{}", portal.addr.port());

    let ok = tokio::task::spawn_blocking({
        let (origin, proxy) = (origin.clone(), proxy.origin.clone());
        move || run_child(&origin, &[("HTTP_PROXY", &proxy)])
    })
    .await
    .expect("joined");
    assert!(ok, "the child's request through the proxy failed");
    assert_eq!(proxy.count_path("private-schools"), 1, "HTTP_PROXY is used");

    let ok = tokio::task::spawn_blocking({
        let (origin, proxy) = (origin.clone(), proxy.origin.clone());
        move || run_child(&origin, &[("HTTP_PROXY", &proxy), ("NO_PROXY", "localhost")])
    })
    .await
    .expect("joined");
    assert!(ok, "the child's direct request failed");
    assert_eq!(proxy.count_path("private-schools"), 1, "NO_PROXY bypasses the proxy");
}

/// The child's side: does nothing unless started by the test above.
#[tokio::test]
async fn child_request() {
    let Ok(origin) = std::env::var(CHILD_ORIGIN) else { return };
    let client = Portal::new(PortalConfig::from_origin(&origin).expect("config")).expect("client");
    client.private_schools().await.expect("request succeeds");
}
