//! Several portal instances over one database behave as one (`deploy/README.md`): every piece
//! of shared state (flows, codes, continuation tokens, limits, refresh-token families) is in the
//! database and the signing keys are in the key file the instances share.
//!
//! Two real portals on their own ports, over the same database: one SQLite file, or with
//! `CARTABLE_TEST_POSTGRES` (`cargo xtask test-postgres`) one PostgreSQL database, which is
//! how operators run several instances. Requests alternate between them.

mod common;

use std::sync::Arc;

use common::{CLIENT, PASSWORD, Reply, SCOPE, TestPortal};
use portal_server::clock::ManualClock;

/// Two portals over one folder (so one database and one key file), on one clock, with one
/// public origin (what the load balancer serves, so one token issuer) as an operator configures
/// them. The second starts once the first has created the key file.
async fn two_instances() -> (Arc<TestPortal>, Arc<TestPortal>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(common::start_time());
    let a = TestPortal::start_in(dir.path(), clock.clone()).await;
    let public = a.state.config.origin.clone();
    let b = TestPortal::start_with(dir.path(), clock, None, |c| c.origin = public).await;
    assert_ne!(a.origin, b.origin);
    (Arc::new(a), Arc::new(b), dir)
}

async fn me(portal: &TestPortal, access: &str) -> Reply {
    let response =
        common::http().get(portal.url("/api/v1/me")).bearer_auth(access).send().await.expect("me");
    common::into_reply(response).await
}

#[tokio::test]
async fn a_sign_up_whose_steps_alternate_between_instances_succeeds_and_tokens_cross() {
    let (a, b, _dir) = two_instances().await;
    let email = "alterne@example.com";

    // start and challenge on A (the code is sent), the code on B, the password on A, the token
    // on B: each step finds the flow the other instance advanced.
    let token = a.sign_up_code_sent(email).await;
    let code = a.last_code(email);
    let r = b.continue_oob("/auth/signup/v1.0/continue", &token, &code).await;
    r.assert_error(400, "credential_required");
    let r = a.challenge("/auth/signup/v1.0/challenge", &r.token()).await;
    assert_eq!(r.json["challenge_type"], "password", "{}", r.text);
    let r = b.continue_password("/auth/signup/v1.0/continue", &r.token(), PASSWORD).await;
    assert_eq!(r.status, 200, "password on B: {}", r.text);
    let r = a
        .post(
            "/auth/oauth2/v2.0/token",
            &[
                ("client_id", CLIENT),
                ("grant_type", "continuation_token"),
                ("continuation_token", &r.token()),
                ("username", email),
                ("scope", SCOPE),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "tokens from A: {}", r.text);
    let access = r.json["access_token"].as_str().expect("access").to_owned();
    let refresh = r.json["refresh_token"].as_str().expect("refresh").to_owned();

    // A's access token is accepted by B, and B's refresh rotates A's family.
    let r = me(&b, &access).await;
    assert_eq!((r.status, r.json["email"].as_str()), (200, Some(email)), "{}", r.text);
    let refreshed = b
        .post(
            "/auth/oauth2/v2.0/token",
            &[("client_id", CLIENT), ("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(refreshed.status, 200, "refresh on B: {}", refreshed.text);
    assert_eq!(me(&a, refreshed.json["access_token"].as_str().expect("access")).await.status, 200);
    // The old refresh token, replayed on A, is a reuse: the family is revoked on both.
    let replay = a
        .post(
            "/auth/oauth2/v2.0/token",
            &[("client_id", CLIENT), ("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    replay.assert_error(400, "invalid_grant");
    let next = refreshed.json["refresh_token"].as_str().expect("refresh");
    b.post(
        "/auth/oauth2/v2.0/token",
        &[("client_id", CLIENT), ("grant_type", "refresh_token"), ("refresh_token", next)],
    )
    .await
    .assert_error(400, "invalid_grant");
}

#[tokio::test]
async fn an_instance_stopped_mid_flow_leaves_the_other_to_finish_it() {
    let (a, b, _dir) = two_instances().await;
    let email = "relais@example.com";
    let token = a.sign_up_code_sent(email).await;
    let code = a.last_code(email);
    Arc::into_inner(a).expect("only owner").stop().await;

    let r = b.continue_oob("/auth/signup/v1.0/continue", &token, &code).await;
    r.assert_error(400, "credential_required");
    let r = b.challenge("/auth/signup/v1.0/challenge", &r.token()).await;
    let r = b.continue_password("/auth/signup/v1.0/continue", &r.token(), PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(b.sign_in(email, PASSWORD).await.status, 200);
}

/// How many replies had `status` and the error `code` (and no 5xx at all).
fn count(replies: &[Reply], status: u16, code: &str) -> usize {
    for r in replies {
        assert!(r.status < 500, "no 5xx in a burst: {} {}", r.status, r.text);
    }
    replies.iter().filter(|r| r.status == status && r.error() == code).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bursts_split_across_instances_are_evaluated_no_more_than_the_limit() {
    let (a, b, _dir) = two_instances().await;
    for round in 0..3 {
        // Wrong passwords: 10 evaluated per email, then the lock (docs/contract.md §2).
        let email = format!("deux{round}@example.com");
        let _ = a.sign_up(&email, PASSWORD).await;
        let mut tokens = Vec::new();
        for i in 0..60 {
            let portal = if i % 2 == 0 { &a } else { &b };
            tokens.push(portal.sign_in_token(&email).await);
        }
        let tokens = Arc::new(tokens);
        let replies = common::burst(&[Arc::clone(&a), Arc::clone(&b)], 60, |p, i| {
            let token = tokens[i].clone();
            async move { p.password_grant(&token, "Mauvais123!").await }
        })
        .await;
        assert_eq!(count(&replies, 400, "invalid_grant"), 10, "round {round}");
        assert_eq!(count(&replies, 429, "temporarily_unavailable"), 50, "round {round}");

        // Wrong codes on one sign-up: 5 evaluated (docs/contract.md §1).
        let email = format!("code{round}@example.com");
        let token = b.sign_up_code_sent(&email).await;
        let right: u32 = b.last_code(&email).parse().expect("digits");
        let wrong = format!("{:06}", (right + 1) % 1_000_000);
        let replies = common::burst(&[Arc::clone(&a), Arc::clone(&b)], 60, |p, _| {
            let (token, wrong) = (token.clone(), wrong.clone());
            async move { p.continue_oob("/auth/signup/v1.0/continue", &token, &wrong).await }
        })
        .await;
        assert_eq!(count(&replies, 400, "invalid_grant"), 5, "round {round}");
        assert_eq!(count(&replies, 429, "temporarily_unavailable"), 55, "round {round}");
    }
}

/// A refresh on `portal`: the new refresh token, or `None` when refused.
async fn refresh(portal: &TestPortal, token: &str) -> Option<String> {
    let r = portal
        .post(
            "/auth/oauth2/v2.0/token",
            &[("client_id", CLIENT), ("grant_type", "refresh_token"), ("refresh_token", token)],
        )
        .await;
    assert!(r.status < 500, "{}", r.text);
    r.json["refresh_token"].as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revocation_during_refreshes_on_another_instance_leaves_no_token_alive() {
    let (a, b, _dir) = two_instances().await;
    let email = "revoque@example.com";
    let _ = a.sign_up(email, PASSWORD).await;
    for round in 0..20 {
        // A client refreshing as fast as it can on A (each token used once) while B revokes the
        // family (RFC 7009): whatever A held when the revocation answered must not refresh.
        let first = a.sign_in(email, PASSWORD).await.json["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_owned();
        let latest = Arc::new(tokio::sync::Mutex::new(first.clone()));
        let refresher = {
            let (a, latest) = (Arc::clone(&a), Arc::clone(&latest));
            tokio::spawn(async move {
                // Bounded: a family the revocation missed would refresh forever.
                for _ in 0..300 {
                    let current = latest.lock().await.clone();
                    match refresh(&a, &current).await {
                        Some(next) => *latest.lock().await = next,
                        None => break,
                    }
                }
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(5 + round % 7)).await;
        let r =
            b.post("/auth/oauth2/v2.0/revoke", &[("client_id", CLIENT), ("token", &first)]).await;
        assert_eq!(r.status, 200, "{}", r.text);
        refresher.await.expect("refresher");
        let last = latest.lock().await.clone();
        assert_eq!(
            refresh(&b, &last).await,
            None,
            "round {round}: a token outlived the revocation"
        );
    }
}
