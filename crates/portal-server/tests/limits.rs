//! Limits that hold under concurrency (`docs/contract.md §0` "Limits", `SECURITY.md`), against
//! the real server on `127.0.0.1:0` over a real SQLite file, with real HTTP requests sent at the
//! same moment (a barrier releases them together on a multi-threaded runtime).
//!
//! Each burst is at least 50 requests and runs several rounds, so a lucky schedule cannot pass
//! it: every round must evaluate exactly the limit, answer the rest with the contract's 429,
//! and never 5xx.

mod common;

use std::{collections::BTreeMap, sync::Arc};

use common::{CLIENT, PASSWORD, Reply, SCOPE, TestPortal};
use portal_server::clock::ManualClock;
use serde_json::{Value, json};

/// Requests in one burst.
const BURST: usize = 60;
/// Rounds of each burst.
const ROUNDS: usize = 3;

/// Sends `BURST` requests built by `request(portal, i)` to `portal` at the same moment.
async fn burst<F, Fut>(portal: &Arc<TestPortal>, request: F) -> Vec<Reply>
where
    F: Fn(Arc<TestPortal>, usize) -> Fut,
    Fut: std::future::Future<Output = Reply> + Send + 'static,
{
    common::burst(std::slice::from_ref(portal), BURST, request).await
}

/// How many replies had each `(status, error or problem code, suberror)`; asserts no 5xx.
fn tally(replies: &[Reply]) -> BTreeMap<(u16, String, String), usize> {
    let mut seen = BTreeMap::new();
    for r in replies {
        assert!(r.status < 500, "no 5xx in a burst: {} {}", r.status, r.text);
        let code = r.json["error"].as_str().or_else(|| r.json["code"].as_str()).unwrap_or("");
        *seen.entry((r.status, code.to_owned(), r.suberror().to_owned())).or_insert(0) += 1;
    }
    seen
}

fn count(
    seen: &BTreeMap<(u16, String, String), usize>,
    status: u16,
    code: &str,
    sub: &str,
) -> usize {
    seen.get(&(status, code.to_owned(), sub.to_owned())).copied().unwrap_or(0)
}

/// Every reply is either `evaluated` (exactly `limit` of them) or the contract's 429.
fn assert_limit(
    replies: &[Reply],
    limit: usize,
    evaluated: (u16, &str, &str),
    refused: (&str, &str),
) {
    let seen = tally(replies);
    assert_eq!(count(&seen, evaluated.0, evaluated.1, evaluated.2), limit, "{seen:?}");
    assert_eq!(count(&seen, 429, refused.0, refused.1), BURST - limit, "{seen:?}");
    for r in replies.iter().filter(|r| r.status == 429) {
        assert!(r.retry_after.is_some_and(|s| s >= 1), "Retry-After on every 429: {}", r.text);
    }
}

async fn post_form(
    portal: Arc<TestPortal>,
    path: &'static str,
    form: Vec<(&'static str, String)>,
) -> Reply {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    portal.post(path, &pairs).await
}

/// A wrong code for the code last sent to `email`.
fn wrong_code(portal: &TestPortal, email: &str) -> String {
    let right: u32 = portal.last_code(email).parse().expect("digits");
    format!("{:06}", (right + 1) % 1_000_000)
}

/// A portal whose security settings `configure` adjusts (over a folder of its own).
async fn portal_with(
    configure: impl FnOnce(&mut portal_server::config::Config),
) -> Arc<TestPortal> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut portal =
        TestPortal::start_with(tmp.path(), ManualClock::new(common::start_time()), None, configure)
            .await;
    portal.keep_dir(tmp);
    Arc::new(portal)
}

/// A burst of wrong passwords, one per `password` grant token prepared for each of `emails`
/// (`initiate` and `challenge` done beforehand, one after the other).
async fn wrong_passwords(portal: &Arc<TestPortal>, emails: impl Fn(usize) -> String) -> Vec<Reply> {
    let mut tokens = Vec::with_capacity(BURST);
    for i in 0..BURST {
        tokens.push(portal.sign_in_token(&emails(i)).await);
    }
    let tokens = Arc::new(tokens);
    burst(portal, |p, i| {
        let token = tokens[i].clone();
        async move { p.password_grant(&token, "Mauvais123!").await }
    })
    .await
}

/// A parent-API call; the reply in the harness's shape.
async fn api(
    portal: &TestPortal,
    method: reqwest::Method,
    path: &str,
    access: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = common::http().request(method, portal.url(path)).bearer_auth(access);
    if let Some(body) = body {
        req = req.json(&body);
    }
    common::into_reply(req.send().await.expect("request")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_passwords_is_evaluated_ten_times_then_locked() {
    let portal = Arc::new(TestPortal::start().await);
    for round in 0..ROUNDS {
        let email = format!("parent{round}@example.com");
        let _ = portal.sign_up(&email, PASSWORD).await;
        let mut tokens = Vec::with_capacity(BURST);
        for _ in 0..BURST {
            tokens.push(portal.sign_in_token(&email).await);
        }
        let tokens = Arc::new(tokens);
        let replies = burst(&portal, |p, i| {
            let token = tokens[i].clone();
            async move { p.password_grant(&token, "Mauvais123!").await }
        })
        .await;
        assert_limit(
            &replies,
            10,
            (400, "invalid_grant", ""),
            ("temporarily_unavailable", "account_locked"),
        );
        // The lock holds for the right password too (docs/contract.md §2), from `initiate` on.
        let r = portal.initiate(&email).await;
        r.assert_error(429, "temporarily_unavailable");
        assert_eq!(r.suberror(), "account_locked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_codes_on_one_sign_up_is_evaluated_five_times() {
    let portal = Arc::new(TestPortal::start().await);
    for round in 0..ROUNDS {
        let email = format!("signup{round}@example.com");
        let token = portal.sign_up_code_sent(&email).await;
        let wrong = wrong_code(&portal, &email);
        let replies = burst(&portal, |p, _| {
            let form = vec![
                ("client_id", CLIENT.to_owned()),
                ("continuation_token", token.clone()),
                ("grant_type", "oob".to_owned()),
                ("oob", wrong.clone()),
            ];
            post_form(p, "/auth/signup/v1.0/continue", form)
        })
        .await;
        assert_limit(
            &replies,
            5,
            (400, "invalid_grant", "invalid_oob_value"),
            ("temporarily_unavailable", "code_attempts_exceeded"),
        );
        // The right code is refused as well: the code is void until a new one is sent.
        let right = portal.last_code(&email);
        portal
            .post(
                "/auth/signup/v1.0/continue",
                &[
                    ("client_id", CLIENT),
                    ("continuation_token", &token),
                    ("grant_type", "oob"),
                    ("oob", &right),
                ],
            )
            .await
            .assert_error(429, "temporarily_unavailable");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_reset_codes_across_flows_stays_within_the_email_budget() {
    let portal = Arc::new(TestPortal::start().await);
    for round in 0..ROUNDS {
        let email = format!("reset{round}@example.com");
        let _ = portal.sign_up(&email, PASSWORD).await;
        // Three reset flows: 3 × 5 tries per code, but 10 wrong codes per email per hour.
        let mut tokens = Vec::new();
        for _ in 0..3 {
            tokens.push(portal.reset_code_sent(&email, None).await);
        }
        let tokens = Arc::new(tokens);
        let replies = burst(&portal, |p, i| {
            let form = vec![
                ("client_id", CLIENT.to_owned()),
                ("continuation_token", tokens[i % 3].clone()),
                ("grant_type", "oob".to_owned()),
                ("oob", "000000".to_owned()),
            ];
            post_form(p, "/auth/resetpassword/v1.0/continue", form)
        })
        .await;
        let seen = tally(&replies);
        assert_eq!(count(&seen, 400, "invalid_grant", "invalid_oob_value"), 10, "{seen:?}");
        assert_eq!(
            count(&seen, 429, "temporarily_unavailable", "code_attempts_exceeded"),
            BURST - 10,
            "{seen:?}"
        );
        // A fourth flow's fresh code is refused too until the hour frees (email-wide budget).
        let token = portal.reset_code_sent(&email, None).await;
        let right = portal.last_code(&email);
        let r = portal.reset_continue(&token, &right, None).await;
        r.assert_error(429, "temporarily_unavailable");
        assert_eq!(r.suberror(), "code_attempts_exceeded");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_code_sends_sends_ten_codes_and_one_per_flow() {
    let portal = Arc::new(TestPortal::start().await);
    for round in 0..ROUNDS {
        // 60 flows for one email: 10 sends per email per hour.
        let email = format!("sends{round}@example.com");
        let mut tokens = Vec::with_capacity(BURST);
        for _ in 0..BURST {
            let r = portal.sign_up_start(&email).await;
            tokens.push(r.token());
        }
        let tokens = Arc::new(tokens);
        let replies = burst(&portal, |p, i| {
            let form =
                vec![("client_id", CLIENT.to_owned()), ("continuation_token", tokens[i].clone())];
            post_form(p, "/auth/signup/v1.0/challenge", form)
        })
        .await;
        let seen = tally(&replies);
        assert_eq!(count(&seen, 200, "", ""), 10, "{seen:?}");
        assert_eq!(
            count(&seen, 429, "temporarily_unavailable", "code_sends_exceeded"),
            BURST - 10,
            "{seen:?}"
        );
        assert_eq!(portal.mails_to(&email).len(), 10, "ten codes were emailed");

        // One flow, 60 resends at once on one token: one code is sent. The others wait for the
        // interval, or find the token already consumed by the send that won (expired_token).
        let email = format!("resend{round}@example.com");
        let r = portal.sign_up_start(&email).await;
        let token = r.token();
        let replies = burst(&portal, |p, _| {
            let form =
                vec![("client_id", CLIENT.to_owned()), ("continuation_token", token.clone())];
            post_form(p, "/auth/signup/v1.0/challenge", form)
        })
        .await;
        let seen = tally(&replies);
        assert_eq!(count(&seen, 200, "", ""), 1, "{seen:?}");
        assert_eq!(
            count(&seen, 429, "temporarily_unavailable", "throttled")
                + count(&seen, 400, "expired_token", ""),
            BURST - 1,
            "{seen:?}"
        );
        assert_eq!(portal.mails_to(&email).len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_failed_associations_is_evaluated_ten_times_and_survives_deletion() {
    let portal = Arc::new(TestPortal::start().await);
    for round in 0..ROUNDS {
        let email = format!("assoc{round}@example.com");
        let access = portal.signed_up_access(&email).await;
        let wrong_nip = json!({"method": "nip", "board_id": "css-laval", "nip": "ABCDEFGH", "birth_date": "2017-10-30"});
        let replies =
            burst(&portal, |p, _| {
                let access = access.clone();
                let body = wrong_nip.clone();
                async move {
                    api(&p, reqwest::Method::POST, "/api/v1/children", &access, Some(body)).await
                }
            })
            .await;
        assert_limit(&replies, 10, (422, "no_matching_record", ""), ("too_many_attempts", ""));
        // Deleting the account and creating it again does not reset the counter (§6).
        let r = api(&portal, reqwest::Method::DELETE, "/api/v1/me", &access, None).await;
        assert_eq!(r.status, 204, "{}", r.text);
        let access = portal.signed_up_access(&email).await;
        let r =
            api(&portal, reqwest::Method::POST, "/api/v1/children", &access, Some(wrong_nip)).await;
        assert_eq!(
            (r.status, r.json["code"].as_str()),
            (429, Some("too_many_attempts")),
            "{}",
            r.text
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_linking_codes_is_evaluated_five_times() {
    let portal = Arc::new(TestPortal::start().await);
    for round in 0..ROUNDS {
        let access = portal.signed_up_access(&format!("linker{round}@example.com")).await;
        let school = format!("school{round}@example.com");
        let r = api(
            &portal,
            reqwest::Method::POST,
            "/api/v1/me/emails",
            &access,
            Some(json!({"email": school})),
        )
        .await;
        assert_eq!(r.status, 202, "{}", r.text);
        let wrong = wrong_code(&portal, &school);
        let replies = burst(&portal, |p, _| {
            let access = access.clone();
            let body = json!({"email": school, "code": wrong});
            async move {
                api(&p, reqwest::Method::POST, "/api/v1/me/emails/verify", &access, Some(body))
                    .await
            }
        })
        .await;
        assert_limit(&replies, 5, (400, "invalid_code", ""), ("code_attempts_exceeded", ""));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_requests_to_link_one_address_sends_one_code() {
    let portal = Arc::new(TestPortal::start().await);
    for round in 0..ROUNDS {
        let access = portal.signed_up_access(&format!("double{round}@example.com")).await;
        let school = format!("ecole{round}@example.com");
        let replies =
            burst(&portal, |p, _| {
                let access = access.clone();
                let body = json!({"email": school});
                async move {
                    api(&p, reqwest::Method::POST, "/api/v1/me/emails", &access, Some(body)).await
                }
            })
            .await;
        // One flow per (account, address): one code, the others wait for the interval.
        assert_limit(&replies, 1, (202, "", ""), ("throttled", ""));
        assert_eq!(portal.mails_to(&school).len(), 1);
        // The code that was mailed is the one the flow checks.
        let code = portal.last_code(&school);
        let body = json!({"email": school, "code": code});
        let r =
            api(&portal, reqwest::Method::POST, "/api/v1/me/emails/verify", &access, Some(body))
                .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_address_flooding_gets_429_while_another_still_signs_in() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let portal =
        TestPortal::start_with(tmp.path(), ManualClock::new(common::start_time()), None, |c| {
            c.security.client_address_header = Some("X-Forwarded-For".to_owned());
            c.security.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
            c.security.per_address_per_minute = 1;
            c.security.per_address_burst = 5;
        })
        .await;
    let token = portal.sign_up("flood@example.com", PASSWORD).await;
    drop(token);
    let portal = Arc::new(portal);
    let from = |address: &'static str| {
        let portal = Arc::clone(&portal);
        async move {
            let req = common::http()
                .post(portal.url("/auth/oauth2/v2.0/initiate"))
                .header("x-forwarded-for", format!("10.0.0.1, {address}"))
                .form(&[
                    ("client_id", CLIENT),
                    ("username", "flood@example.com"),
                    ("challenge_type", "password redirect"),
                ]);
            common::into_reply(req.send().await.expect("request")).await
        }
    };
    let mut refused = 0;
    for _ in 0..50 {
        let r = from("203.0.113.7").await;
        if r.status == 429 {
            assert_eq!(r.suberror(), "throttled", "{}", r.text);
            assert!(r.retry_after.is_some_and(|s| s >= 1));
            refused += 1;
        }
    }
    assert!(refused >= 45, "the flooding address was refused {refused} times of 50");
    // Another address behind the same proxy still signs in (3 requests, within its burst).
    let client = common::http();
    let post = |path: &str, form: &[(&str, &str)]| {
        client.post(portal.url(path)).header("x-forwarded-for", "198.51.100.9").form(form).send()
    };
    let r = common::into_reply(
        post(
            "/auth/oauth2/v2.0/initiate",
            &[
                ("client_id", CLIENT),
                ("username", "flood@example.com"),
                ("challenge_type", "password redirect"),
            ],
        )
        .await
        .expect("initiate"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = common::into_reply(
        post(
            "/auth/oauth2/v2.0/challenge",
            &[("client_id", CLIENT), ("continuation_token", &r.token())],
        )
        .await
        .expect("challenge"),
    )
    .await;
    let r = common::into_reply(
        post(
            "/auth/oauth2/v2.0/token",
            &[
                ("client_id", CLIENT),
                ("grant_type", "password"),
                ("continuation_token", &r.token()),
                ("password", PASSWORD),
                ("scope", SCOPE),
            ],
        )
        .await
        .expect("token"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A header from a peer that is not a trusted proxy is ignored: the peer's own budget counts.
    std::fs::create_dir_all(tmp.path().join("b")).expect("dir");
    let untrusted = TestPortal::start_with(
        tmp.path().join("b").as_path(),
        ManualClock::new(common::start_time()),
        None,
        |c| {
            c.security.client_address_header = Some("X-Forwarded-For".to_owned());
            c.security.per_address_per_minute = 1;
            c.security.per_address_burst = 5;
        },
    )
    .await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let r = client
            .post(untrusted.url("/auth/oauth2/v2.0/initiate"))
            .header("x-forwarded-for", format!("192.0.2.{i}"))
            .form(&[
                ("client_id", CLIENT),
                ("username", "x@example.com"),
                ("challenge_type", "password redirect"),
            ])
            .send()
            .await
            .expect("request");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 3, "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_hashing_queue_answers_503_with_retry_after() {
    let portal = portal_with(|c| {
        c.security.hashing_concurrency = 1;
        c.security.hashing_queue = 1;
    })
    .await;
    // Unknown emails cost a dummy hash each, exactly as wrong passwords (§2).
    let replies = wrong_passwords(&portal, |i| format!("nobody{i}@example.com")).await;
    let busy: Vec<&Reply> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(!busy.is_empty(), "some sign-ins found the queue full");
    for r in &busy {
        r.assert_error(503, "temporarily_unavailable");
        assert!(r.retry_after.is_some_and(|s| s >= 1), "{}", r.text);
    }
    assert!(
        replies
            .iter()
            .all(|r| r.status == 503 || (r.status == 400 && r.error() == "invalid_grant")),
        "the others were evaluated: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn token_answers_are_not_cached_and_redirect_is_required() {
    let portal = TestPortal::start().await;
    let _ = portal.sign_up("cache@example.com", PASSWORD).await;
    let token = portal.sign_in_token("cache@example.com").await;
    let response = common::http()
        .post(portal.url("/auth/oauth2/v2.0/token"))
        .form(&[
            ("client_id", CLIENT),
            ("grant_type", "password"),
            ("continuation_token", &token),
            ("password", PASSWORD),
            ("scope", SCOPE),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    // RFC 6749 §5.1 for errors too: a refused grant carries the same headers.
    let response = common::http()
        .post(portal.url("/auth/oauth2/v2.0/token"))
        .form(&[("client_id", CLIENT), ("grant_type", "refresh_token"), ("refresh_token", "nope")])
        .send()
        .await
        .expect("token");
    assert_eq!(response.headers()["cache-control"], "no-store");
    for (path, types) in [
        ("/auth/signup/v1.0/start", "oob password"),
        ("/auth/oauth2/v2.0/initiate", "password"),
        ("/auth/resetpassword/v1.0/start", "oob"),
    ] {
        portal
            .post(
                path,
                &[
                    ("client_id", CLIENT),
                    ("username", "cache@example.com"),
                    ("challenge_type", types),
                ],
            )
            .await
            .assert_error(400, "unsupported_challenge_type");
    }
}

#[tokio::test]
async fn the_email_budget_of_wrong_codes_also_holds_over_a_day() {
    let portal = TestPortal::start().await;
    let email = "patient@example.com";
    let _ = portal.sign_up(email, PASSWORD).await;
    // Three hours of 10 wrong codes each (two reset flows an hour, 5 tries per code): the hour
    // frees each time, the day's 30 do not.
    for _hour in 0..3 {
        for _ in 0..2 {
            let token = portal.reset_code_sent(email, None).await;
            for _ in 0..5 {
                let r = portal.reset_continue(&token, "000000", None).await;
                r.assert_error(400, "invalid_grant");
            }
        }
        portal.clock.advance(time::Duration::minutes(61));
    }
    let token = portal.reset_code_sent(email, None).await;
    let right = portal.last_code(email);
    let r = portal.reset_continue(&token, &right, None).await;
    r.assert_error(429, "temporarily_unavailable");
    assert_eq!(r.suberror(), "code_attempts_exceeded");
    // The day frees when the oldest wrong code is 24 hours old.
    assert!(r.retry_after.is_some_and(|s| s > 20 * 3600), "{:?}", r.retry_after);
    portal.clock.advance(time::Duration::hours(21));
    let token = portal.reset_code_sent(email, None).await;
    let right = portal.last_code(email);
    let r = portal.reset_continue(&token, &right, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_linking_requests_sends_ten_codes_per_account() {
    let portal = Arc::new(TestPortal::start().await);
    for round in 0..ROUNDS {
        let access = portal.signed_up_access(&format!("collector{round}@example.com")).await;
        let replies =
            burst(&portal, |p, i| {
                let access = access.clone();
                let body = json!({"email": format!("address{round}-{i}@example.com")});
                async move {
                    api(&p, reqwest::Method::POST, "/api/v1/me/emails", &access, Some(body)).await
                }
            })
            .await;
        assert_limit(&replies, 10, (202, "", ""), ("throttled", ""));
        let sent = (0..BURST)
            .filter(|i| !portal.mails_to(&format!("address{round}-{i}@example.com")).is_empty())
            .count();
        assert_eq!(sent, 10, "ten addresses got a code");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_ins_refused_by_a_full_queue_do_not_count_as_wrong_passwords() {
    let portal = portal_with(|c| {
        c.security.hashing_concurrency = 1;
        c.security.hashing_queue = 0;
    })
    .await;
    let email = "occupe@example.com";
    let _ = portal.sign_up(email, PASSWORD).await;
    let replies = wrong_passwords(&portal, |_| email.to_owned()).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    let busy = replies.iter().filter(|r| r.status == 503 && r.error() == "temporarily_unavailable");
    let wrong = replies.iter().filter(|r| r.status == 400 && r.error() == "invalid_grant");
    let (busy, wrong) = (busy.count(), wrong.count());
    assert_eq!(busy + wrong, BURST, "{statuses:?}");
    assert!(busy > 10 && wrong < 10, "{statuses:?}");
    // Had the refused ones counted, the email would be locked now: it is not.
    let r = portal.sign_in(email, PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_slower_than_the_timeout_answers_503() {
    // One hash at a time and room for every request: they wait their turn, so the later ones
    // outlive a short timeout, which answers them instead of letting them wait on.
    let portal = portal_with(|c| {
        c.security.hashing_concurrency = 1;
        c.security.hashing_queue = BURST;
        c.security.request_timeout = std::time::Duration::from_millis(200);
    })
    .await;
    let replies = wrong_passwords(&portal, |i| format!("slow{i}@example.com")).await;
    let timed_out: Vec<&Reply> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(!timed_out.is_empty(), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    for r in timed_out {
        r.assert_error(503, "temporarily_unavailable");
        assert_eq!(r.retry_after, Some(1), "{}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connections_that_never_finish_a_request_head_are_cut_and_others_served() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let portal = portal_with(|c| {
        c.security.header_timeout = std::time::Duration::from_secs(1);
        c.security.max_connections = 4;
    })
    .await;
    let address = portal.origin.trim_start_matches("http://").to_owned();
    // Every connection slot taken by a client that sends nothing, one byte, half a request
    // head or HTTP/2's preface, then nothing.
    let mut slow = Vec::new();
    let openings: [&[u8]; 4] = [
        b"",
        b"P",
        b"POST /auth/oauth2/v2.0/initiate HTTP/1.1\r\nHost: portal\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ];
    for opening in openings {
        let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
        stream.write_all(opening).await.expect("write");
        slow.push(stream);
    }
    // A parent still gets an answer: the slow ones are cut at the header timeout, which frees
    // their slots (before, they held their sockets as long as they liked).
    let r = portal.initiate("patient@example.com").await;
    assert_eq!(r.status, 200, "{}", r.text);
    for mut stream in slow {
        let mut buffer = Vec::new();
        let ended = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            stream.read_to_end(&mut buffer),
        )
        .await;
        assert!(ended.is_ok(), "the portal closed the slow connection");
    }
}
