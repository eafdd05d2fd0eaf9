//! Several portal instances over one database behave as one (`deploy/README.md`): every piece
//! of shared state (flows, codes, continuation tokens, limits, refresh-token families) is in the
//! database and the signing keys are in the key file the instances share. What an instance
//! keeps in memory to answer faster (the registry's lists, verified access tokens) is checked
//! against the database on every request, so a change made elsewhere is seen at once.
//!
//! Two real portals on their own ports, over the same database: one SQLite file, or with
//! `CARTABLE_TEST_POSTGRES` (`cargo xtask test-postgres`) one PostgreSQL database, which is
//! how operators run several instances. Requests alternate between them.

mod common;

use std::sync::Arc;

use common::{CLIENT, PASSWORD, Reply, SCOPE, TestPortal};
use portal_server::{
    clock::{Clock as _, ManualClock},
    registry::import::import_str,
};

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

/// `GET {path}` on `portal` with an optional bearer token and `If-None-Match`: status, `ETag`
/// and JSON body (`Null` when empty).
async fn get(
    portal: &TestPortal,
    path: &str,
    bearer: Option<&str>,
    if_none_match: Option<&str>,
) -> (u16, Option<String>, serde_json::Value) {
    let mut request = common::http().get(portal.url(path));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    (status, etag, body)
}

/// The `subscribed` of board `id` in a `GET /api/v1/school-boards` body.
fn subscribed(boards: &serde_json::Value, id: &str) -> Option<bool> {
    boards.as_array()?.iter().find(|b| b["id"] == id)?["subscribed"].as_bool()
}

/// Each instance answers the registry's lists from memory (src/http/parent/boards.rs), and sees
/// a change as soon as it is committed, wherever it was made: through the other instance's
/// connections, or by `portal-server registry import` in a process of its own.
#[tokio::test]
async fn the_lists_kept_in_memory_change_on_every_instance_as_soon_as_the_registry_does() {
    let (a, b, dir) = two_instances().await;
    let (status, first, boards) = get(&a, "/api/v1/school-boards", None, None).await;
    assert_eq!((status, subscribed(&boards, "css-laval")), (200, Some(true)), "{boards}");
    let first = first.expect("etag");
    assert_eq!(get(&b, "/api/v1/school-boards", None, None).await.1.as_ref(), Some(&first));
    for portal in [&a, &b] {
        let (status, etag, _) = get(portal, "/api/v1/school-boards", None, Some(&first)).await;
        assert_eq!((status, etag.as_ref()), (304, Some(&first)));
    }

    // A change made through B's pool: A, which built its answer before, answers the new list.
    let unsubscribe = r#"{"kind": "board", "id": "css-laval", "subscribed": false}"#;
    import_str(&b.state.db, &b.state.hash_key, unsubscribe, b.clock.now()).await.expect("import");
    let (status, second, boards) = get(&a, "/api/v1/school-boards", None, Some(&first)).await;
    assert_eq!((status, subscribed(&boards, "css-laval")), (200, Some(false)), "{boards}");
    let second = second.expect("etag");
    assert_ne!(second, first);
    assert_eq!(get(&b, "/api/v1/school-boards", None, Some(&first)).await.1, Some(second.clone()));

    // The operator's command, another process: both instances list the new private school.
    let (_, schools_tag, schools) = get(&a, "/api/v1/private-schools", None, None).await;
    assert_eq!(schools.as_array().map(Vec::len), Some(2), "{schools}");
    let file = dir.path().join("registry.jsonl");
    std::fs::write(
        &file,
        r#"{"kind": "private_school", "id": "ps-nouvelle", "name": "École Nouvelle", "subscribed": true}"#,
    )
    .expect("write");
    let output = common::binary::portal_server()
        .args(["registry", "import"])
        .arg(&file)
        .arg("--db")
        .arg(a.state.config.database.to_string())
        .arg("--keys")
        .arg(dir.path().join("portal.keys.json"))
        .output()
        .expect("run portal-server");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for portal in [&a, &b] {
        let tag = schools_tag.as_deref();
        let (status, etag, schools) = get(portal, "/api/v1/private-schools", None, tag).await;
        assert_eq!(status, 200);
        assert_ne!(etag, schools_tag);
        let ids: Vec<&str> =
            schools.as_array().expect("list").iter().filter_map(|s| s["id"].as_str()).collect();
        assert!(ids.contains(&"ps-nouvelle"), "{ids:?}");
    }

    // The tag is the body's hash: the same lists again give the first tag back.
    let resubscribe = r#"{"kind": "board", "id": "css-laval", "subscribed": true}"#;
    import_str(&a.state.db, &a.state.hash_key, resubscribe, a.clock.now()).await.expect("import");
    for portal in [&a, &b] {
        let (status, etag, _) = get(portal, "/api/v1/school-boards", None, Some(&first)).await;
        assert_eq!((status, etag.as_ref()), (304, Some(&first)));
    }
}

/// Both instances remember the token as verified (src/tokens/verified.rs); deleting the
/// account through one of them ends it on both at once, on the one-query children list as on
/// the routes that look the account up on their own.
#[tokio::test]
async fn a_token_both_instances_remember_is_refused_by_both_once_its_account_is_deleted() {
    let (a, b, _dir) = two_instances().await;
    let access = a.signed_up_access("efface@example.com").await;
    for portal in [&a, &b] {
        for _ in 0..2 {
            let (status, _, children) = get(portal, "/api/v1/children", Some(&access), None).await;
            assert_eq!((status, children), (200, serde_json::json!([])));
            assert_eq!(me(portal, &access).await.status, 200);
        }
        assert!(!portal.state.verified_tokens.is_empty());
    }
    let deleted = common::http()
        .delete(b.url("/api/v1/me"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), 204);
    for portal in [&a, &b] {
        let (status, _, problem) = get(portal, "/api/v1/children", Some(&access), None).await;
        assert_eq!(status, 401, "{problem}");
        assert_eq!(
            (problem["code"].as_str(), problem["detail"].as_str()),
            (Some("invalid_token"), Some("account no longer exists"))
        );
        let r = me(portal, &access).await;
        assert_eq!((r.status, r.json["detail"].as_str()), (401, Some("account no longer exists")));
    }
}
