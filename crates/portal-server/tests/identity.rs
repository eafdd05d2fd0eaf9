//! Native-auth identity (`docs/contract.md §§0–3`, §8) against the real portal on
//! `127.0.0.1:0`, a real SQLite file, a [`ManualClock`](portal_server::clock::ManualClock) and
//! a real outbox (or a real SMTP server).

mod common;

use std::{sync::Arc, time::Duration as StdDuration};

use common::{CLIENT, PASSWORD, Reply, SCOPE, TestPortal, assert_identity_error_shape};
use portal_server::{clock::ManualClock, config::MailTransport, db};
use test_support::{CODE_LENGTH, code_in};
use time::Duration;

const SIGNUP_START: &str = "/auth/signup/v1.0/start";
const SIGNUP_CHALLENGE: &str = "/auth/signup/v1.0/challenge";
const SIGNUP_CONTINUE: &str = "/auth/signup/v1.0/continue";
const INITIATE: &str = "/auth/oauth2/v2.0/initiate";
const SIGNIN_CHALLENGE: &str = "/auth/oauth2/v2.0/challenge";
const TOKEN: &str = "/auth/oauth2/v2.0/token";
const RESET_START: &str = "/auth/resetpassword/v1.0/start";
const RESET_CHALLENGE: &str = "/auth/resetpassword/v1.0/challenge";
const RESET_CONTINUE: &str = "/auth/resetpassword/v1.0/continue";
const RESET_SUBMIT: &str = "/auth/resetpassword/v1.0/submit";
const RESET_POLL: &str = "/auth/resetpassword/v1.0/poll_completion";

async fn signup_start(p: &TestPortal, email: &str) -> String {
    let r = p
        .post(
            SIGNUP_START,
            &[
                ("client_id", CLIENT),
                ("username", email),
                ("challenge_type", "oob password redirect"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.token()
}

async fn continuation_grant(p: &TestPortal, token: &str, username: Option<&str>) -> Reply {
    let mut form = vec![
        ("client_id", CLIENT),
        ("grant_type", "continuation_token"),
        ("continuation_token", token),
        ("scope", SCOPE),
    ];
    if let Some(u) = username {
        form.push(("username", u));
    }
    p.post(TOKEN, &form).await
}

fn assert_tokens(r: &Reply) {
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["token_type"], "Bearer");
    for field in ["access_token", "refresh_token", "id_token"] {
        assert!(r.json[field].as_str().is_some_and(|t| !t.is_empty()), "{field}: {}", r.text);
    }
}

/// A code that is not `code` (same length).
fn other_code(code: &str) -> String {
    code.chars().map(|c| if c == '9' { '0' } else { char::from(c as u8 + 1) }).collect()
}

#[tokio::test]
async fn sign_up_with_the_emailed_code_then_tokens() {
    let p = TestPortal::start().await;
    let start = signup_start(&p, "jeanne.roy@exemple.ca").await;
    let r = p.challenge(SIGNUP_CHALLENGE, &start).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["challenge_type"], "oob");
    assert_eq!(r.json["binding_method"], "prompt");
    assert_eq!(r.json["challenge_channel"], "email");
    assert_eq!(r.json["challenge_target_label"], "j********y@e*****e.ca");
    assert_eq!(r.json["code_length"], 6);
    assert_eq!(r.json["interval"], 60);
    let mails = p.mails_to("jeanne.roy@exemple.ca");
    assert_eq!(mails.len(), 1);
    let code = mails[0].code().expect("code in subject");
    assert!(mails[0].body.contains(&code) && mails[0].body.starts_with("Bonjour"), "{mails:?}");
    assert!(mails[0].subject.contains("vérification"), "French by default: {mails:?}");
    // The code as a person might paste it: spaces, a dash and a line break are ignored.
    let pasted = format!(" {}-{}\n{} ", &code[..2], &code[2..4], &code[4..]);
    let r = p.continue_oob(SIGNUP_CONTINUE, &r.token(), &pasted).await;
    r.assert_error(400, "credential_required");
    let r = p.challenge(SIGNUP_CHALLENGE, &r.token()).await;
    assert_eq!(
        r.json,
        serde_json::json!({"challenge_type": "password", "continuation_token": r.token()})
    );
    let password_token = r.token();
    // A password outside the policy: refused with the policy's suberror, token kept.
    for (bad, suberror) in [
        ("Court1!", "password_too_short"),
        ("Bonjour123!Bonjour", "password_too_long"),
        ("bonjour123", "password_too_weak"),
        ("Élève123!", "password_is_invalid"),
    ] {
        let r = p
            .post(
                SIGNUP_CONTINUE,
                &[
                    ("client_id", CLIENT),
                    ("continuation_token", &password_token),
                    ("grant_type", "password"),
                    ("password", bad),
                ],
            )
            .await;
        r.assert_error(400, "invalid_grant");
        assert_eq!(r.suberror(), suberror, "{bad}");
    }
    let r = p
        .post(
            SIGNUP_CONTINUE,
            &[
                ("client_id", CLIENT),
                ("continuation_token", &password_token),
                ("grant_type", "password"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_tokens(&continuation_grant(&p, &r.token(), Some("jeanne.roy@exemple.ca")).await);
    assert_tokens(&p.sign_in("jeanne.roy@exemple.ca", PASSWORD).await);
    let verified: bool = db::on!(p.state.db, |c| sqlx::query_scalar(
        "SELECT verified FROM account_emails WHERE address = 'jeanne.roy@exemple.ca'",
    )
    .fetch_one(c)
    .await)
    .expect("email row");
    assert!(verified);
    p.stop().await;
}

#[tokio::test]
async fn sign_up_then_continuation_grant_signs_in_once() {
    let p = TestPortal::start().await;
    let token = p.sign_up("marie@exemple.ca", PASSWORD).await;
    // username is required after a sign-up, and must be the flow's email.
    continuation_grant(&p, &token, None).await.assert_error(400, "invalid_request");
    continuation_grant(&p, &token, Some("autre@exemple.ca"))
        .await
        .assert_error(400, "invalid_grant");
    let r = continuation_grant(&p, &token, Some(" Marie@Exemple.CA ")).await;
    assert_tokens(&r);
    assert_eq!(r.json["scope"], SCOPE);
    continuation_grant(&p, &token, Some("marie@exemple.ca"))
        .await
        .assert_error(400, "expired_token");
    p.stop().await;
}

#[tokio::test]
async fn english_when_accept_language_prefers_it() {
    let p = TestPortal::start().await;
    let start = signup_start(&p, "kim@exemple.ca").await;
    let r = p
        .post_lang(
            SIGNUP_CHALLENGE,
            &[("client_id", CLIENT), ("continuation_token", &start)],
            Some("en-CA,fr;q=0.5"),
        )
        .await;
    assert_eq!(r.status, 200);
    let mail = p.mails_to("kim@exemple.ca").pop().expect("mail");
    assert!(mail.subject.contains("verification code"), "{mail:?}");
    assert!(mail.body.starts_with("Hello"), "{mail:?}");
    assert!(mail.code().is_some());
    p.stop().await;
}

#[tokio::test]
async fn existing_email_gets_a_code_then_user_already_exists() {
    let p = TestPortal::start().await;
    p.sign_up("luc@exemple.ca", PASSWORD).await;
    let start = signup_start(&p, "LUC@exemple.ca").await;
    let r = p.challenge(SIGNUP_CHALLENGE, &start).await;
    assert_eq!(r.status, 200, "the code is sent as usual: {}", r.text);
    let oob_token = r.token();
    let code = p.last_code("luc@exemple.ca");
    let r = p.continue_oob(SIGNUP_CONTINUE, &oob_token, &other_code(&code)).await;
    r.assert_error(400, "invalid_grant");
    let r = p.continue_oob(SIGNUP_CONTINUE, &oob_token, &code).await;
    r.assert_error(400, "user_already_exists");
    assert!(r.json.get("continuation_token").is_none(), "{}", r.text);
    p.continue_oob(SIGNUP_CONTINUE, &oob_token, &code).await.assert_error(400, "expired_token");
    p.stop().await;
}

#[tokio::test]
async fn sign_in_with_another_case_and_spaces_and_wrong_password() {
    let p = TestPortal::start().await;
    p.sign_up("parent.nom+ecole@exemple.ca", PASSWORD).await;
    assert_tokens(&p.sign_in("  Parent.Nom+Ecole@EXEMPLE.CA ", PASSWORD).await);

    let token = p.sign_in_token("parent.nom+ecole@exemple.ca").await;
    let wrong = p.password_grant(&token, "Mauvais123!").await;
    wrong.assert_error(400, "invalid_grant");
    // The error does not consume the token: the right password then works with it.
    assert_tokens(&p.password_grant(&token, PASSWORD).await);
    p.password_grant(&token, PASSWORD).await.assert_error(400, "expired_token");

    // An unknown email goes all the way to the token endpoint and fails the same way.
    let unknown = p.sign_in("personne@exemple.ca", PASSWORD).await;
    unknown.assert_error(400, "invalid_grant");
    assert_eq!(unknown.json["error_codes"], wrong.json["error_codes"]);
    assert_eq!(unknown.json["error_description"], wrong.json["error_description"]);
    assert_eq!(unknown.json.get("suberror"), wrong.json.get("suberror"));

    // Never the policy at sign-in: a password outside it is just a wrong password.
    p.sign_in("parent.nom+ecole@exemple.ca", "x").await.assert_error(400, "invalid_grant");
    p.stop().await;
}

#[tokio::test]
async fn ten_wrong_passwords_lock_for_fifteen_minutes() {
    let p = TestPortal::start().await;
    p.sign_up("anne@exemple.ca", PASSWORD).await;
    let token = p.sign_in_token("anne@exemple.ca").await;
    for i in 1..=10 {
        let r = p.password_grant(&token, &format!("Mauvais{i}!A")).await;
        r.assert_error(400, "invalid_grant");
    }
    // The 11th is refused unevaluated, even with the right password.
    let r = p.password_grant(&token, PASSWORD).await;
    r.assert_error(429, "temporarily_unavailable");
    assert_eq!(r.suberror(), "account_locked");
    assert_eq!(r.retry_after, Some(900));
    assert_eq!(r.json["retry_after"], 900);
    // Other case, new flow: still locked.
    let r = p
        .post(
            INITIATE,
            &[
                ("client_id", CLIENT),
                ("username", "ANNE@exemple.ca"),
                ("challenge_type", "password redirect"),
            ],
        )
        .await;
    r.assert_error(429, "temporarily_unavailable");
    p.clock.advance(Duration::seconds(899));
    let r = p.sign_in_token_expect_locked("anne@exemple.ca").await;
    assert_eq!(r.retry_after, Some(1));
    p.clock.advance(Duration::seconds(1));
    assert_tokens(&p.sign_in("anne@exemple.ca", PASSWORD).await);
    p.stop().await;
}

trait LockedExt {
    async fn sign_in_token_expect_locked(&self, email: &str) -> Reply;
}

impl LockedExt for TestPortal {
    async fn sign_in_token_expect_locked(&self, email: &str) -> Reply {
        let r = self
            .post(
                INITIATE,
                &[
                    ("client_id", CLIENT),
                    ("username", email),
                    ("challenge_type", "password redirect"),
                ],
            )
            .await;
        r.assert_error(429, "temporarily_unavailable");
        assert_eq!(r.suberror(), "account_locked");
        r
    }
}

#[tokio::test]
async fn unknown_email_is_locked_too() {
    let p = TestPortal::start().await;
    let token = p.sign_in_token("inconnu@exemple.ca").await;
    for _ in 0..10 {
        p.password_grant(&token, PASSWORD).await.assert_error(400, "invalid_grant");
    }
    let r = p.password_grant(&token, PASSWORD).await;
    r.assert_error(429, "temporarily_unavailable");
    assert_eq!(r.suberror(), "account_locked");
    p.sign_in_token_expect_locked("inconnu@exemple.ca").await;
    p.stop().await;
}

async fn submit(p: &TestPortal, token: &str, password: &str) -> Reply {
    p.post(
        RESET_SUBMIT,
        &[("client_id", CLIENT), ("continuation_token", token), ("new_password", password)],
    )
    .await
}

#[tokio::test]
async fn reset_changes_the_password_revokes_tokens_unlocks_and_signs_in() {
    let p = TestPortal::start().await;
    p.sign_up("paul@exemple.ca", PASSWORD).await;
    let before = p.sign_in("paul@exemple.ca", PASSWORD).await;
    assert_tokens(&before);
    let old_refresh = before.json["refresh_token"].as_str().expect("refresh").to_owned();
    // Lock the account first: a completed reset lifts the lock.
    let token = p.sign_in_token("paul@exemple.ca").await;
    for _ in 0..10 {
        p.password_grant(&token, "Mauvais123!").await;
    }
    p.sign_in_token_expect_locked("paul@exemple.ca").await;

    let submit_token = p.reset_to_submit("paul@exemple.ca", None).await;
    let r = submit(&p, &submit_token, PASSWORD).await;
    r.assert_error(400, "invalid_grant");
    assert_eq!(r.suberror(), "password_recently_used");
    let r = submit(&p, &submit_token, "court").await;
    assert_eq!(r.suberror(), "password_too_short");
    let r = submit(&p, &submit_token, "Nouveau456?").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["poll_interval"].as_u64().is_some());
    let r = p.post(RESET_POLL, &[("client_id", CLIENT), ("continuation_token", &r.token())]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["status"], "succeeded");
    assert_tokens(&continuation_grant(&p, &r.token(), None).await);

    // Every refresh token of the account was revoked.
    let r = p
        .post(
            TOKEN,
            &[
                ("client_id", CLIENT),
                ("grant_type", "refresh_token"),
                ("refresh_token", &old_refresh),
            ],
        )
        .await;
    r.assert_error(400, "invalid_grant");
    p.sign_in("paul@exemple.ca", PASSWORD).await.assert_error(400, "invalid_grant");
    assert_tokens(&p.sign_in("paul@exemple.ca", "Nouveau456?").await);
    p.stop().await;
}

#[tokio::test]
async fn reset_for_an_unknown_email_answers_the_same_and_mails_no_code() {
    let p = TestPortal::start().await;
    p.sign_up("connu@exemple.ca", PASSWORD).await;
    let mut shapes = Vec::new();
    for email in ["connu@exemple.ca", "inconnu@exemple.ca"] {
        let start = p
            .post(
                RESET_START,
                &[("client_id", CLIENT), ("username", email), ("challenge_type", "oob redirect")],
            )
            .await;
        let ch = p.challenge(RESET_CHALLENGE, &start.token()).await;
        let wrong = p.continue_oob(RESET_CONTINUE, &ch.token(), "000000").await;
        let keys = |v: &serde_json::Value| {
            v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default()
        };
        shapes.push((
            start.status,
            keys(&start.json),
            ch.status,
            keys(&ch.json),
            ch.json["code_length"].clone(),
            ch.json["interval"].clone(),
            wrong.status,
            wrong.json["error"].clone(),
            wrong.json["suberror"].clone(),
            wrong.json["attempts_left"].clone(),
        ));
    }
    // (A known account's right code could be 000000 one time in a million; the shape check
    // below does not depend on it.)
    assert_eq!(shapes[0].0, shapes[1].0);
    assert_eq!(shapes[0].1, shapes[1].1);
    assert_eq!(shapes[0].2, shapes[1].2);
    assert_eq!(shapes[0].3, shapes[1].3);
    assert_eq!(shapes[1].4, 6);
    assert_eq!(shapes[0].5, shapes[1].5);
    assert_eq!(shapes[1].6, 400);
    assert_eq!(shapes[1].7, "invalid_grant");
    assert_eq!(shapes[1].8, "invalid_oob_value");
    assert_eq!(shapes[1].9, 4);
    let mail = p.mails_to("inconnu@exemple.ca").pop().expect("a notice is mailed");
    assert!(mail.code().is_none() && code_in(&mail.body, CODE_LENGTH).is_none(), "{mail:?}");
    assert!(!mail.body.chars().any(|c| c.is_ascii_digit()), "{mail:?}");
    assert!(
        mail.body.contains("Aucun compte") && mail.body.contains("Créer un compte"),
        "{mail:?}"
    );
    p.stop().await;
}

#[tokio::test]
async fn code_valid_at_600_seconds_expired_at_601() {
    let p = TestPortal::start().await;
    let r = p.challenge(SIGNUP_CHALLENGE, &signup_start(&p, "a@exemple.ca").await).await;
    let code = p.last_code("a@exemple.ca");
    p.clock.advance(Duration::seconds(600));
    p.continue_oob(SIGNUP_CONTINUE, &r.token(), &code)
        .await
        .assert_error(400, "credential_required");

    let r = p.challenge(SIGNUP_CHALLENGE, &signup_start(&p, "b@exemple.ca").await).await;
    let code = p.last_code("b@exemple.ca");
    p.clock.advance(Duration::seconds(601));
    let r = p.continue_oob(SIGNUP_CONTINUE, &r.token(), &code).await;
    r.assert_error(400, "expired_token");
    assert!(r.json.get("continuation_token").is_none());
    p.stop().await;
}

#[tokio::test]
async fn five_wrong_codes_void_the_code_until_a_new_one() {
    let p = TestPortal::start().await;
    let r = p.challenge(SIGNUP_CHALLENGE, &signup_start(&p, "c@exemple.ca").await).await;
    let token = r.token();
    let code = p.last_code("c@exemple.ca");
    for left in (0..5).rev() {
        let r = p.continue_oob(SIGNUP_CONTINUE, &token, &other_code(&code)).await;
        r.assert_error(400, "invalid_grant");
        assert_eq!(r.suberror(), "invalid_oob_value");
        assert_eq!(r.json["attempts_left"], left);
    }
    let r = p.continue_oob(SIGNUP_CONTINUE, &token, &code).await;
    r.assert_error(429, "temporarily_unavailable");
    assert_eq!(r.suberror(), "code_attempts_exceeded");
    assert!(r.retry_after.is_some() && r.json["retry_after"].is_u64());
    p.clock.advance(Duration::seconds(60));
    let r = p.challenge(SIGNUP_CHALLENGE, &token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let new_code = p.last_code("c@exemple.ca");
    p.continue_oob(SIGNUP_CONTINUE, &r.token(), &new_code)
        .await
        .assert_error(400, "credential_required");
    p.stop().await;
}

#[tokio::test]
async fn resend_waits_the_interval_and_voids_the_old_code() {
    let p = TestPortal::start().await;
    let r = p.challenge(SIGNUP_CHALLENGE, &signup_start(&p, "d@exemple.ca").await).await;
    let first_token = r.token();
    let old = p.last_code("d@exemple.ca");
    p.clock.advance(Duration::seconds(59));
    let r = p.challenge(SIGNUP_CHALLENGE, &first_token).await;
    r.assert_error(429, "temporarily_unavailable");
    assert_eq!(r.suberror(), "throttled");
    assert_eq!(r.retry_after, Some(1));
    assert_eq!(p.mails_to("d@exemple.ca").len(), 1);
    p.clock.advance(Duration::seconds(1));
    let r = p.challenge(SIGNUP_CHALLENGE, &first_token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.token();
    // The resend consumed the first token.
    p.challenge(SIGNUP_CHALLENGE, &first_token).await.assert_error(400, "expired_token");
    let mails = p.mails_to("d@exemple.ca");
    assert_eq!(mails.len(), 2);
    let new = mails[1].code().expect("code");
    if new != old {
        let r = p.continue_oob(SIGNUP_CONTINUE, &token, &old).await;
        assert_eq!(r.suberror(), "invalid_oob_value", "the old code is void");
    }
    p.continue_oob(SIGNUP_CONTINUE, &token, &new).await.assert_error(400, "credential_required");
    p.stop().await;
}

#[tokio::test]
async fn ten_sends_per_email_per_hour() {
    let p = TestPortal::start().await;
    for _ in 0..10 {
        let r = p.challenge(SIGNUP_CHALLENGE, &signup_start(&p, "e@exemple.ca").await).await;
        assert_eq!(r.status, 200, "{}", r.text);
        p.clock.advance(Duration::seconds(61));
    }
    let r = p.challenge(SIGNUP_CHALLENGE, &signup_start(&p, "E@exemple.ca").await).await;
    r.assert_error(429, "temporarily_unavailable");
    assert_eq!(r.suberror(), "code_sends_exceeded");
    // The first send leaves the window 3600 s after it was made (610 s have passed).
    assert_eq!(r.retry_after, Some(3600 - 610));
    assert_eq!(p.mails_to("e@exemple.ca").len(), 10);
    p.clock.advance(Duration::seconds(3600 - 610));
    let r = p.challenge(SIGNUP_CHALLENGE, &signup_start(&p, "e@exemple.ca").await).await;
    assert_eq!(r.status, 200, "{}", r.text);
    p.stop().await;
}

#[tokio::test]
async fn consumed_expired_and_foreign_continuation_tokens_are_refused() {
    let p = TestPortal::start().await;
    let start = signup_start(&p, "f@exemple.ca").await;
    assert_eq!(p.challenge(SIGNUP_CHALLENGE, &start).await.status, 200);
    p.clock.advance(Duration::seconds(60));
    p.challenge(SIGNUP_CHALLENGE, &start).await.assert_error(400, "expired_token");
    p.challenge(SIGNUP_CHALLENGE, "not-a-token").await.assert_error(400, "expired_token");
    // A sign-up token is worthless on the sign-in and reset endpoints.
    let start = signup_start(&p, "g@exemple.ca").await;
    p.challenge(SIGNIN_CHALLENGE, &start).await.assert_error(400, "expired_token");
    p.challenge(RESET_CHALLENGE, &start).await.assert_error(400, "expired_token");
    p.clock.advance(Duration::seconds(601));
    p.challenge(SIGNUP_CHALLENGE, &start).await.assert_error(400, "expired_token");
    p.stop().await;
}

#[tokio::test]
async fn redirect_when_a_needed_method_is_not_listed_and_unknown_clients_refused() {
    let p = TestPortal::start().await;
    let redirect = serde_json::json!({"challenge_type": "redirect"});
    for (path, types) in [
        (SIGNUP_START, "oob redirect"),
        (INITIATE, "oob redirect"),
        (RESET_START, "password redirect"),
    ] {
        let r = p
            .post(
                path,
                &[("client_id", CLIENT), ("username", "h@exemple.ca"), ("challenge_type", types)],
            )
            .await;
        assert_eq!((r.status, r.json.clone()), (200, redirect.clone()), "{path}");
        let r = p
            .post(
                path,
                &[("client_id", "autre"), ("username", "h@exemple.ca"), ("challenge_type", types)],
            )
            .await;
        r.assert_error(400, "invalid_client");
    }
    let r = p
        .post(
            SIGNUP_CHALLENGE,
            &[
                ("client_id", CLIENT),
                ("continuation_token", &signup_start(&p, "h@exemple.ca").await),
                ("challenge_type", "password redirect"),
            ],
        )
        .await;
    assert_eq!(r.json, redirect);
    // authorization_code is the browser flow's grant (§5, tests/browser_flow.rs): without a
    // code it is a missing parameter.
    let r = p.post(TOKEN, &[("client_id", CLIENT), ("grant_type", "authorization_code")]).await;
    r.assert_error(400, "invalid_request");
    let r = p.post(TOKEN, &[("client_id", CLIENT), ("grant_type", "device_code")]).await;
    r.assert_error(400, "unsupported_grant_type");
    p.stop().await;
}

#[tokio::test]
async fn accounts_survive_a_restart_on_the_same_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(common::start_time());
    let p = TestPortal::start_in(dir.path(), clock.clone()).await;
    p.sign_up("durable@exemple.ca", PASSWORD).await;
    // A sign-in half done before the restart finishes after it.
    let token = p.sign_in_token("durable@exemple.ca").await;
    p.stop().await;
    let p = TestPortal::start_in(dir.path(), clock).await;
    assert_tokens(&p.password_grant(&token, PASSWORD).await);
    assert_tokens(&p.sign_in("durable@exemple.ca", PASSWORD).await);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_sign_ups_all_succeed() {
    let p = Arc::new(TestPortal::start().await);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50 {
        let p = Arc::clone(&p);
        set.spawn(async move {
            let email = format!("parent{i}@exemple.ca");
            let token = p.sign_up(&email, PASSWORD).await;
            let r = continuation_grant(&p, &token, Some(&email)).await;
            (r.status, r.text)
        });
    }
    let mut ok = 0;
    while let Some(done) = set.join_next().await {
        let (status, text) = done.expect("task");
        assert_eq!(status, 200, "{text}");
        ok += 1;
    }
    assert_eq!(ok, 50);
    let accounts: i64 =
        db::on!(p.state.db, |c| sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(c)
            .await)
        .expect("count");
    assert_eq!(accounts, 50);
}

#[tokio::test]
async fn every_identity_endpoint_answers_malformed_input_in_the_contract_shape() {
    let p = TestPortal::start().await;
    let endpoints = [
        SIGNUP_START,
        SIGNUP_CHALLENGE,
        SIGNUP_CONTINUE,
        INITIATE,
        SIGNIN_CHALLENGE,
        TOKEN,
        RESET_START,
        RESET_CHALLENGE,
        RESET_CONTINUE,
        RESET_SUBMIT,
        RESET_POLL,
    ];
    let form = "application/x-www-form-urlencoded";
    let mut junk: Vec<u8> = (0..=255u8).cycle().take(4000).collect();
    junk.extend_from_slice(b"\xff\xfe\x00%%%=&&==%zz");
    for path in endpoints {
        let cases: Vec<(&str, &str, Vec<u8>)> = vec![
            ("empty", form, Vec::new()),
            ("binary", form, junk.clone()),
            ("bad escapes", form, b"client_id=%ZZ&username=%&&&===".to_vec()),
            ("json", "application/json", br#"{"client_id":"cartable"}"#.to_vec()),
            ("no type", "", b"client_id=cartable".to_vec()),
            ("duplicate", form, b"client_id=cartable&client_id=cartable".to_vec()),
            ("too large", form, vec![b'a'; 20 * 1024]),
        ];
        for (what, content_type, body) in cases {
            let r = p.post_raw(path, content_type, body).await;
            assert!((400..500).contains(&r.status), "{path} {what}: {} {}", r.status, r.text);
            assert_identity_error_shape(&r.json);
            if what == "too large" {
                assert_eq!(r.status, 413, "{path}");
            } else {
                assert_eq!(r.error(), "invalid_request", "{path} {what}: {}", r.text);
            }
        }
        // A missing parameter is named.
        let r = p.post(path, &[("username", "x@exemple.ca")]).await;
        r.assert_error(400, "invalid_request");
        assert!(
            r.json["error_description"].as_str().is_some_and(|d| d.contains("client_id")),
            "{}",
            r.text
        );
    }
    // A malformed email.
    let r = p
        .post(
            SIGNUP_START,
            &[
                ("client_id", CLIENT),
                ("username", "pas-une-adresse"),
                ("challenge_type", "oob password redirect"),
            ],
        )
        .await;
    r.assert_error(400, "invalid_request");
    // Missing per-grant parameters at the token endpoint.
    for (grant, missing) in [
        ("password", "continuation_token"),
        ("continuation_token", "continuation_token"),
        ("refresh_token", "refresh_token"),
    ] {
        let r = p.post(TOKEN, &[("client_id", CLIENT), ("grant_type", grant)]).await;
        r.assert_error(400, "invalid_request");
        assert!(r.text.contains(missing), "{grant}: {}", r.text);
    }
    // The server still works afterwards.
    assert_eq!(signup_start(&p, "ok@exemple.ca").await.len(), 43);
    p.stop().await;
}

#[tokio::test]
async fn each_missing_parameter_is_named_and_only_a_missing_one() {
    let p = TestPortal::start().await;
    // Every endpoint's required parameters (`Option` ones, like `challenge_type` at the
    // challenge endpoints, are not required).
    let required: [(&str, &[&str]); 11] = [
        (SIGNUP_START, &["client_id", "username", "challenge_type"]),
        (SIGNUP_CHALLENGE, &["client_id", "continuation_token"]),
        (SIGNUP_CONTINUE, &["client_id", "continuation_token", "grant_type"]),
        (INITIATE, &["client_id", "username", "challenge_type"]),
        (SIGNIN_CHALLENGE, &["client_id", "continuation_token"]),
        (TOKEN, &["client_id", "grant_type"]),
        (RESET_START, &["client_id", "username", "challenge_type"]),
        (RESET_CHALLENGE, &["client_id", "continuation_token"]),
        (RESET_CONTINUE, &["client_id", "continuation_token", "grant_type", "oob"]),
        (RESET_SUBMIT, &["client_id", "continuation_token", "new_password"]),
        (RESET_POLL, &["client_id", "continuation_token"]),
    ];
    let named = |name: &str| {
        format!("AADSTS900144: The request body must contain the following parameter: '{name}'.")
    };
    for (path, fields) in required {
        for missing in fields {
            let form: Vec<(&str, &str)> =
                fields.iter().filter(|f| *f != missing).map(|f| (*f, "x")).collect();
            let r = p.post(path, &form).await;
            r.assert_error(400, "invalid_request");
            assert_eq!(r.json["error_description"], named(missing), "{path} without {missing}");
        }
        // Everything present but one parameter twice: malformed, and not called missing.
        let mut form: Vec<(&str, &str)> = fields.iter().map(|f| (*f, "x")).collect();
        form.push((fields[0], "x"));
        let r = p.post(path, &form).await;
        r.assert_error(400, "invalid_request");
        let description = r.json["error_description"].as_str().unwrap_or_default();
        assert!(!description.contains("must contain"), "{path}: {description}");
    }
    // Absent optional parameters are not missing: the challenge step goes on to check the
    // (unknown) continuation token.
    let r = p.post(SIGNUP_CHALLENGE, &[("client_id", CLIENT), ("continuation_token", "x")]).await;
    r.assert_error(400, "expired_token");
    p.stop().await;
}

/// A real SMTP server: aiosmtpd (`python3 -m aiosmtpd`), saving messages in a Maildir.
struct SmtpServer {
    child: std::process::Child,
    port: u16,
    maildir: std::path::PathBuf,
}

impl SmtpServer {
    fn start(dir: &std::path::Path) -> Self {
        let python = ["python3", "/usr/bin/python3"]
            .into_iter()
            .find(|py| {
                std::process::Command::new(py)
                    .args(["-m", "aiosmtpd", "--version"])
                    .output()
                    .is_ok_and(|o| o.status.success())
            })
            .unwrap_or_else(|| {
                panic!(
                    "`python3 -m aiosmtpd` is not available: install it (Debian: apt-get install \
                     python3-aiosmtpd) to run the SMTP delivery test"
                )
            });
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let maildir = dir.join("maildir");
        let child = std::process::Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn aiosmtpd");
        let deadline = std::time::Instant::now() + StdDuration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "aiosmtpd did not start on {port}");
            std::thread::sleep(StdDuration::from_millis(100));
        }
        Self { child, port, maildir }
    }

    /// Messages in the Maildir (`new/`), oldest first.
    fn messages(&self) -> Vec<common::Mail> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else { return Vec::new() };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort_by_key(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok());
        files
            .iter()
            .map(|f| {
                common::Mail::parse(&std::fs::read(f).expect("read message")).expect("a message")
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn codes_are_delivered_over_smtp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = SmtpServer::start(dir.path());
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let p = TestPortal::start_with(
        dir.path(),
        ManualClock::new(common::start_time()),
        Some(MailTransport::Smtp(url)),
        |_| {},
    )
    .await;
    let r = p.challenge(SIGNUP_CHALLENGE, &signup_start(&p, "smtp@exemple.ca").await).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut messages = Vec::new();
    for _ in 0..100 {
        messages = smtp.messages();
        if !messages.is_empty() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert_eq!(messages.len(), 1, "one message delivered");
    assert_eq!(messages[0].to, "smtp@exemple.ca");
    let code = messages[0].code().expect("code in the subject");
    assert!(messages[0].body.contains(&code));
    p.continue_oob(SIGNUP_CONTINUE, &r.token(), &code)
        .await
        .assert_error(400, "credential_required");
    p.stop().await;
}
