//! portal-client against the real reference portal on loopback (`docs/contract.md §§0–6`).
//!
//! Hand-written listeners stand in only for what the portal cannot produce: a peer that never
//! answers, a relay that closes idle connections, a TLS front with a test CA, a discovery
//! document without `revocation_endpoint` or pointing it elsewhere, and a listener that records
//! whether anything connects to it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "client/support.rs"]
mod support;

use std::{
    sync::{Arc, Mutex, atomic::Ordering},
    time::{Duration, Instant},
};

use cartable_core::{VerificationCode, wire::parent::AssociateRequest};
use portal_client::{
    ConfigError, Error, ExtraRoot, NetworkErrorKind, Pending, Portal, PortalConfig, RefreshToken,
    Reset, RetryReason, SessionEvent, SignIn, SignUp, Step, ThrottleReason,
};
use secrecy::SecretString;
use support::{RecordingProxy, TestPortal, client_for, next, parse_email};

const PASSWORD: &str = "Bonjour-2026";

fn code(text: &str) -> VerificationCode {
    VerificationCode::parse(text, 6).expect("six digits")
}

/// A six-digit code different from `right`.
fn wrong_code(right: &str) -> VerificationCode {
    code(if right == "000000" { "111111" } else { "000000" })
}

// ---- §1 sign-up ----

#[tokio::test]
async fn sign_up_end_to_end_then_parent_api() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "famille.oneil@example.com";
    let sent = next(SignUp::new(parse_email(email)).start(&client).await);
    assert_eq!(sent.code_length(), 6);
    // Accept-Language: en-CA chose the English email.
    let subject = support::latest_subject(&portal.outbox, email).expect("mailed");
    assert!(subject.ends_with("is your Cartable verification code"), "{subject}");
    assert!(sent.target_label().contains('*'), "masked: {}", sent.target_label());
    assert!(sent.resend_after() > Duration::from_secs(50));
    let needs = next(sent.verify(&client, &code(&portal.latest_code(email))).await);
    let session = next(needs.submit(&client, &SecretString::from(PASSWORD)).await);

    let me = session.me().await.expect("me");
    assert_eq!(me.email.as_deref(), Some(email));
    assert!(me.emails.iter().any(|e| e.address == email && e.verified));
    assert!(session.children().await.expect("children").is_empty());

    // Associate by identity (the fixture's Noah O'Neil lists this guardian email), twice:
    // 201 then 200 (idempotent).
    let request = AssociateRequest::Identity {
        board_id: "sb-english-montreal".into(),
        last_name: "O'Neil".into(),
        first_name: "Noah".into(),
        birth_date: "2015-09-08".into(),
        student_number: Some("3812047".into()),
        permanent_code: None,
        email: email.into(),
    };
    let first = session.associate(&request).await.expect("associated");
    assert!(first.created);
    let again = session.associate(&request).await.expect("idempotent");
    assert!(!again.created);
    assert_eq!(again.child.id, first.child.id);
    let children = session.children().await.expect("children");
    assert_eq!(children.len(), 1);
    let dossier = session.dossier(&first.child.id).await.expect("dossier");
    assert!(!dossier.is_empty());

    session.remove_child(&first.child.id).await.expect("removed");
    let gone = session.dossier(&first.child.id).await.expect_err("not associated any more");
    let refusal = gone.portal().expect("portal said no");
    assert_eq!((refusal.status, refusal.code.as_str()), (404, "child_not_found"));
    let gone = session.remove_child(&first.child.id).await.expect_err("twice");
    assert_eq!(gone.portal().expect("refusal").code.as_str(), "child_not_found");
}

#[tokio::test]
async fn wrong_code_reports_attempts_left_and_keeps_the_state() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "wrong.code@example.com";
    let sent = next(SignUp::new(parse_email(email)).start(&client).await);
    let right = portal.latest_code(email);
    let sent = match sent.verify(&client, &wrong_code(&right)).await {
        Ok(Step::Retry { state, reason: RetryReason::WrongCode { attempts_left } }) => {
            assert_eq!(attempts_left, Some(4));
            state
        }
        other => panic!("expected a wrong code, got {:?}", other.map(|_| ()).err()),
    };
    // The same state (same continuation token) still works with the right code.
    let needs = next(sent.verify(&client, &code(&right)).await);
    let _session = next(needs.submit(&client, &SecretString::from(PASSWORD)).await);
}

#[tokio::test]
async fn five_wrong_codes_void_the_code_until_a_resend() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "five.wrong@example.com";
    let mut sent = next(SignUp::new(parse_email(email)).start(&client).await);
    let right = portal.latest_code(email);
    for _ in 0..5 {
        sent = match sent.verify(&client, &wrong_code(&right)).await {
            Ok(Step::Retry { state, reason: RetryReason::WrongCode { .. } }) => state,
            Ok(Step::Retry { state, reason: RetryReason::Throttled { .. } }) => state,
            _ => panic!("expected a refusal"),
        };
    }
    // Even the right code is now refused with 429 code_attempts_exceeded.
    let sent = match sent.verify(&client, &code(&right)).await {
        Ok(Step::Retry {
            state,
            reason:
                RetryReason::Throttled { reason: ThrottleReason::CodeAttemptsExceeded, retry_after },
        }) => {
            assert!(retry_after > Duration::ZERO);
            state
        }
        _ => panic!("expected code_attempts_exceeded"),
    };
    portal.clock.advance(time::Duration::seconds(61));
    let sent = next(sent.resend(&client).await);
    let fresh = portal.latest_code(email);
    let _needs = next(sent.verify(&client, &code(&fresh)).await);
}

#[tokio::test]
async fn resend_before_the_interval_is_throttled_then_allowed() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "resend@example.com";
    let sent = next(SignUp::new(parse_email(email)).start(&client).await);
    let first = portal.latest_code(email);
    let sent = match sent.resend(&client).await {
        Ok(Step::Retry {
            state,
            reason: RetryReason::Throttled { reason: ThrottleReason::Throttled, retry_after },
        }) => {
            assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(60));
            state
        }
        _ => panic!("expected throttled"),
    };
    assert_eq!(portal.mail_count(email), 1);
    portal.clock.advance(time::Duration::seconds(61));
    let sent = next(sent.resend(&client).await);
    assert_eq!(portal.mail_count(email), 2);
    let second = portal.latest_code(email);
    if second != first {
        // The resend voided the first code (§1).
        match sent.clone().verify(&client, &code(&first)).await {
            Ok(Step::Retry { reason: RetryReason::WrongCode { .. }, .. }) => {}
            _ => panic!("the first code must be void"),
        }
    }
    let _needs = next(sent.verify(&client, &code(&second)).await);
}

#[tokio::test]
async fn existing_email_ends_with_user_already_exists_after_the_code() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "exists@example.com";
    portal.sign_up(&client, email, PASSWORD).await;
    portal.clock.advance(time::Duration::seconds(61));
    let sent = next(SignUp::new(parse_email(email)).start(&client).await);
    match sent.verify(&client, &code(&portal.latest_code(email))).await {
        Ok(Step::UserAlreadyExists { email: e }) => assert_eq!(e.as_str(), email),
        _ => panic!("expected user_already_exists"),
    }
}

#[tokio::test]
async fn expired_continuation_token_restarts_with_the_email_kept() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "expired@example.com";
    let sent = next(SignUp::new(parse_email(email)).start(&client).await);
    let right = portal.latest_code(email);
    portal.clock.advance(time::Duration::seconds(601));
    match sent.verify(&client, &code(&right)).await {
        Ok(Step::Expired { email: kept }) => {
            assert_eq!(kept.as_str(), email);
            // Restart at "send code" with the kept email.
            let sent = next(SignUp::new(kept).start(&client).await);
            let _ = next(sent.verify(&client, &code(&portal.latest_code(email))).await);
        }
        _ => panic!("expected expired_token"),
    }
}

#[tokio::test]
async fn refused_password_keeps_the_state() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "password@example.com";
    let sent = next(SignUp::new(parse_email(email)).start(&client).await);
    let mut needs = next(sent.verify(&client, &code(&portal.latest_code(email))).await);
    for (password, suberror) in [
        ("Court-1", "password_too_short"),
        ("abcdefghij", "password_too_weak"),
        ("Élève-2026x", "password_is_invalid"),
    ] {
        needs = match needs.submit(&client, &SecretString::from(password)).await {
            Ok(Step::Retry { state, reason: RetryReason::PasswordRefused { suberror: s } }) => {
                assert_eq!(s.as_str(), suberror, "{password}");
                state
            }
            _ => panic!("expected {suberror} for {password}"),
        };
    }
    let session = next(needs.submit(&client, &SecretString::from(PASSWORD)).await);
    assert!(session.is_active());
}

#[tokio::test]
async fn sign_up_state_serialized_mid_flow_is_resumed_by_a_new_client() {
    let portal = TestPortal::start().await;
    let email = "resume@example.com";
    let stored = {
        let first_client = portal.client();
        let sent = next(SignUp::new(parse_email(email)).start(&first_client).await);
        serde_json::to_string(&Pending::SignUpCodeSent(sent)).expect("serializes")
    };
    assert!(stored.contains("\"step\":\"sign_up_code_sent\""), "{stored}");
    assert!(stored.contains("continuation_token"));
    let code_text = portal.latest_code(email);
    assert!(!stored.contains(&code_text), "a code is never stored");

    // A new process: a new client, the state read back.
    let second_client = portal.client();
    let Pending::SignUpCodeSent(sent) = serde_json::from_str(&stored).expect("parses") else {
        panic!("wrong step");
    };
    assert_eq!(sent.email().as_str(), email);
    let needs = next(sent.verify(&second_client, &code(&code_text)).await);
    let stored = serde_json::to_string(&Pending::SignUpNeedsPassword(needs)).expect("serializes");
    let Pending::SignUpNeedsPassword(needs) = serde_json::from_str(&stored).expect("parses") else {
        panic!("wrong step");
    };
    let session = next(needs.submit(&portal.client(), &SecretString::from(PASSWORD)).await);
    assert!(!stored.contains(PASSWORD));
    assert_eq!(session.me().await.expect("me").email.as_deref(), Some(email));
}

// ---- §2 sign-in ----

#[tokio::test]
async fn sign_in_wrong_password_then_right_and_unknown_email() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "signin@example.com";
    portal.sign_up(&client, email, PASSWORD).await;

    let needs = next(SignIn::new(parse_email(email)).start(&client).await);
    let needs = match needs.submit(&client, &SecretString::from("Mauvais-2026")).await {
        Ok(Step::Retry { state, reason: RetryReason::InvalidCredentials }) => state,
        _ => panic!("expected invalid credentials"),
    };
    let session = next(needs.submit(&client, &SecretString::from(PASSWORD)).await);
    assert_eq!(session.me().await.expect("me").email.as_deref(), Some(email));

    // An unknown email behaves like a known one until the token endpoint.
    let needs = next(SignIn::new(parse_email("nobody@example.com")).start(&client).await);
    match needs.submit(&client, &SecretString::from(PASSWORD)).await {
        Ok(Step::Retry { reason: RetryReason::InvalidCredentials, .. }) => {}
        _ => panic!("expected invalid credentials for an unknown email"),
    }
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "locked@example.com";
    portal.sign_up(&client, email, PASSWORD).await;
    let mut needs = next(SignIn::new(parse_email(email)).start(&client).await);
    for _ in 0..10 {
        needs = match needs.submit(&client, &SecretString::from("Mauvais-2026")).await {
            Ok(Step::Retry { state, reason: RetryReason::InvalidCredentials }) => state,
            _ => panic!("expected invalid credentials"),
        };
    }
    match needs.submit(&client, &SecretString::from(PASSWORD)).await {
        Ok(Step::Retry {
            reason: RetryReason::Throttled { reason: ThrottleReason::AccountLocked, retry_after },
            ..
        }) => assert!(retry_after > Duration::from_secs(60)),
        _ => panic!("expected account_locked"),
    }
}

// ---- §3 reset ----

#[tokio::test]
async fn reset_end_to_end_revokes_old_sessions_and_signs_in() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "reset@example.com";
    let old_session = portal.sign_up(&client, email, PASSWORD).await;
    let old_refresh = old_session.refresh_token().expect("active");
    portal.clock.advance(time::Duration::seconds(61));

    let sent = next(Reset::new(parse_email(email)).start(&client).await);
    let right = portal.latest_code(email);
    let sent = match sent.verify(&client, &wrong_code(&right)).await {
        Ok(Step::Retry { state, reason: RetryReason::WrongCode { .. } }) => state,
        _ => panic!("expected a wrong code"),
    };
    let needs = next(sent.verify(&client, &code(&right)).await);
    let needs = match needs.submit(&client, &SecretString::from(PASSWORD)).await {
        Ok(Step::Retry { state, reason: RetryReason::PasswordRefused { suberror } }) => {
            assert_eq!(suberror.as_str(), "password_recently_used");
            state
        }
        _ => panic!("expected password_recently_used"),
    };
    let done = next(needs.submit(&client, &SecretString::from("Nouveau-2026")).await);
    let session = next(done.sign_in(&client).await);
    assert_eq!(session.me().await.expect("me").email.as_deref(), Some(email));

    // A completed reset revoked every refresh token of the account.
    let stale = client.resume_session(old_refresh);
    assert!(matches!(stale.ensure_active().await, Err(Error::SessionEnded)));
    // The new password signs in.
    portal.sign_in(&client, email, "Nouveau-2026").await;
}

// ---- §4 session ----

#[tokio::test]
async fn ten_concurrent_calls_after_expiry_share_one_refresh() {
    let portal = TestPortal::start().await;
    let proxy = RecordingProxy::start(&portal.origin, false).await;
    let client = client_for(&proxy.origin);
    let session = portal.sign_up(&client, "concurrent@example.com", PASSWORD).await;
    let rotations = Arc::new(Mutex::new(Vec::new()));
    let seen = rotations.clone();
    session.on_event(move |e| seen.lock().unwrap().push(e.clone()));
    session.me().await.expect("fresh token works");
    assert_eq!(proxy.refresh_requests(), 0);

    // The portal's clock passes the access token's 900 s; the client still believes it valid,
    // so every call gets 401 invalid_token and asks for a refresh.
    portal.clock.advance(time::Duration::seconds(901));
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let s = session.clone();
            tokio::spawn(async move { s.children().await })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("call succeeds after one refresh");
    }
    assert_eq!(proxy.refresh_requests(), 1);
    let events = rotations.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert!(
        matches!(&events[0], SessionEvent::Rotated(t) if Some(t) == session.refresh_token().as_ref())
    );

    // A session resumed from a stored token, 10 callers at once: one refresh.
    let stored = session.refresh_token().expect("active");
    let resumed = client.resume_session(stored);
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let s = resumed.clone();
            tokio::spawn(async move { s.me().await })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("call succeeds");
    }
    assert_eq!(proxy.refresh_requests(), 2);
}

#[tokio::test]
async fn reused_refresh_token_ends_the_session_only_on_invalid_grant() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let session = portal.sign_up(&client, "rotation@example.com", PASSWORD).await;
    let first = session.refresh_token().expect("active");
    // Force a rotation through a resumed session.
    let resumed = client.resume_session(first.clone());
    resumed.ensure_active().await.expect("refreshed");
    let rotated = resumed.refresh_token().expect("active");
    assert_ne!(rotated, first);
    // Fresh now: a second check sends nothing (the token does not rotate again).
    resumed.ensure_active().await.expect("still fresh");
    assert_eq!(resumed.refresh_token().expect("active"), rotated);

    // The rotated-out token is refused: invalid_grant ends that session.
    let stale = client.resume_session(first);
    let ended = Arc::new(Mutex::new(false));
    let flag = ended.clone();
    stale.on_event(move |e| *flag.lock().unwrap() = matches!(e, SessionEvent::Ended));
    assert!(matches!(stale.ensure_active().await, Err(Error::SessionEnded)));
    assert!(*ended.lock().unwrap());
    assert!(!stale.is_active());

    // A network failure does not end a session.
    let offline = client_for("http://127.0.0.1:9").resume_session(RefreshToken::new("kept"));
    let err = offline.me().await.expect_err("no portal there");
    assert!(err.is_network(), "{err:?}");
    assert!(offline.is_active());
}

#[tokio::test]
async fn sign_out_revokes_when_discovery_lists_an_endpoint() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let session = portal.sign_up(&client, "signout@example.com", PASSWORD).await;
    let token = session.refresh_token().expect("active");
    session.sign_out().await.expect("signed out");
    assert!(!session.is_active());
    assert!(matches!(session.me().await, Err(Error::SessionEnded)));
    let revoked = client.resume_session(token);
    assert!(matches!(revoked.me().await, Err(Error::SessionEnded)));
}

#[tokio::test]
async fn no_revoke_call_without_a_revocation_endpoint() {
    let portal = TestPortal::start().await;
    let proxy = RecordingProxy::start(&portal.origin, true).await;
    let client = client_for(&proxy.origin);
    let session = portal.sign_up(&client, "entra@example.com", PASSWORD).await;
    let token = session.refresh_token().expect("active");
    session.sign_out().await.expect("signed out");
    assert_eq!(proxy.count_path("openid-configuration"), 1);
    assert_eq!(proxy.count_path("revoke"), 0);
    // Not revoked: the token still refreshes.
    client.resume_session(token).me().await.expect("still valid");
}

#[tokio::test]
async fn sign_out_sends_the_refresh_token_to_no_other_origin_nor_over_plain_http() {
    let portal = TestPortal::start().await;
    let session = portal.sign_up(&portal.client(), "revocation@example.com", PASSWORD).await;
    let token = session.refresh_token().expect("active");
    let (spy, connections) = support::connection_spy().await;
    for endpoint in [
        // loopback http, but another origin (port) than the authority
        format!("http://{spy}/auth/oauth2/v2.0/revoke"),
        // https, another origin (scheme, host and port)
        format!("https://localhost:{}/auth/oauth2/v2.0/revoke", spy.port()),
        // plain http to a host that is not loopback
        "http://portail.example.ca/auth/oauth2/v2.0/revoke".to_owned(),
        // credentials in the URL, not a URL
        format!("http://user:pw@{spy}/auth/oauth2/v2.0/revoke"),
        "pas une adresse".to_owned(),
    ] {
        let proxy =
            RecordingProxy::with_revocation_endpoint(&portal.origin, |_| endpoint.clone()).await;
        let client = client_for(&proxy.origin);
        let session = client.resume_session(token.clone());
        let ended = Arc::new(Mutex::new(false));
        let flag = ended.clone();
        session.on_event(move |e| *flag.lock().unwrap() |= matches!(e, SessionEvent::Ended));
        session.sign_out().await.expect("signed out locally, the endpoint refused");
        assert!(!session.is_active() && *ended.lock().unwrap(), "{endpoint}");
        assert_eq!(proxy.count_path("openid-configuration"), 1, "{endpoint}");
        assert_eq!(proxy.count_path("revoke"), 0, "{endpoint}");
        assert!(connections.lock().unwrap().is_empty(), "{endpoint}: {connections:?}");
    }
    // Nothing was revoked: the token still refreshes at the portal.
    let resumed = portal.client().resume_session(token);
    resumed.ensure_active().await.expect("not revoked");

    // Control: the same relay pointing revocation at its own origin (the authority's) revokes.
    let proxy = RecordingProxy::with_revocation_endpoint(&portal.origin, |own| {
        format!("{own}/auth/oauth2/v2.0/revoke")
    })
    .await;
    let token = resumed.refresh_token().expect("active");
    client_for(&proxy.origin).resume_session(token.clone()).sign_out().await.expect("revoked");
    assert_eq!(proxy.count_path("oauth2/v2.0/revoke"), 1);
    assert!(matches!(
        portal.client().resume_session(token).ensure_active().await,
        Err(Error::SessionEnded)
    ));
    assert!(connections.lock().unwrap().is_empty(), "{connections:?}");
}

// ---- §6 parent API ----

#[tokio::test]
async fn school_boards_are_cached_with_their_etag() {
    let portal = TestPortal::start().await;
    let proxy = RecordingProxy::start(&portal.origin, false).await;
    let client = client_for(&proxy.origin);
    let boards = client.school_boards().await.expect("boards");
    assert_eq!(boards.len(), 72);
    assert!(boards.iter().any(|b| b.id == "css-iles" && !b.subscribed));
    let again = client.school_boards().await.expect("boards");
    assert_eq!(again, boards);
    let seen = proxy.seen();
    assert!(seen.iter().all(|s| s.user_agent.starts_with("cartable/")), "{seen:?}");
    assert!(seen.iter().all(|s| s.accept_language == "en-CA"), "{seen:?}");
    let statuses: Vec<u16> = proxy
        .seen()
        .iter()
        .filter(|s| s.path.ends_with("school-boards"))
        .map(|s| s.status)
        .collect();
    assert_eq!(statuses, [200, 304]);
    let schools = client.private_schools().await.expect("private schools");
    assert!(schools.iter().any(|s| s.id == "ps-college-des-eaux-vives"));
}

#[tokio::test]
async fn association_refusals_are_typed() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let session = portal.sign_up(&client, "refusals@example.com", PASSWORD).await;
    let identity = |board: &str, email: &str| AssociateRequest::Identity {
        board_id: board.into(),
        last_name: "O'Neil".into(),
        first_name: "Noah".into(),
        birth_date: "2015-09-08".into(),
        student_number: Some("3812047".into()),
        permanent_code: None,
        email: email.into(),
    };
    let refusal = |e: Error| e.portal().cloned().unwrap_or_else(|| panic!("not a refusal: {e:?}"));

    let r = refusal(
        session
            .associate(&identity("sb-english-montreal", "refusals@example.com"))
            .await
            .unwrap_err(),
    );
    assert_eq!((r.status, r.code.as_str()), (422, "no_matching_record"));
    let r = refusal(
        session
            .associate(&identity("sb-english-montreal", "famille.oneil@example.com"))
            .await
            .unwrap_err(),
    );
    assert_eq!((r.status, r.code.as_str()), (403, "email_not_verified"));
    let r = refusal(
        session.associate(&identity("css-iles", "refusals@example.com")).await.unwrap_err(),
    );
    assert_eq!((r.status, r.code.as_str()), (422, "board_not_subscribed"));
    let malformed = AssociateRequest::Identity {
        board_id: "sb-english-montreal".into(),
        last_name: "O'Neil".into(),
        first_name: "Noah".into(),
        birth_date: "2015-13-45".into(),
        student_number: Some("12".into()),
        permanent_code: None,
        email: "refusals@example.com".into(),
    };
    let r = refusal(session.associate(&malformed).await.unwrap_err());
    assert_eq!(r.status, 400);
    assert!(r.field_errors.iter().any(|f| f.field == "birth_date"), "{:?}", r.field_errors);

    // Account deletion ends the session.
    session.delete_account().await.expect("deleted");
    assert!(matches!(session.me().await, Err(Error::SessionEnded)));
}

// ---- §0 transport ----

#[tokio::test]
async fn a_peer_that_never_answers_gives_a_typed_timeout() {
    let addr = support::silent_listener().await;
    let client = Portal::new(
        PortalConfig::from_origin(&format!("http://{addr}"))
            .expect("config")
            .with_request_timeout(Duration::from_secs(1)),
    )
    .expect("client");
    let started = Instant::now();
    let err = client.school_boards().await.expect_err("no answer");
    let elapsed = started.elapsed();
    match &err {
        Error::Network(n) => assert_eq!(n.kind, NetworkErrorKind::Timeout, "{err:?}"),
        other => panic!("expected a network timeout, got {other:?}"),
    }
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_closed_idle_keep_alive_connection_does_not_fail_the_next_get() {
    let portal = TestPortal::start().await;
    let (relay, accepted) =
        support::idle_closing_relay(portal.addr, Duration::from_millis(200)).await;
    let client = client_for(&format!("http://{relay}"));
    client.private_schools().await.expect("first GET");
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.private_schools().await.expect("second GET after the relay closed the connection");
    assert_eq!(accepted.load(Ordering::SeqCst), 2, "the second GET needed a new connection");
}

#[tokio::test]
async fn https_with_a_test_ca_is_trusted_only_through_extra_roots() {
    let portal = TestPortal::start().await;
    let (front, ca_pem) = support::tls_front(portal.addr).await;
    let origin = format!("https://localhost:{}", front.port());

    let trusting = Portal::new(
        PortalConfig::from_origin(&origin)
            .expect("config")
            .with_extra_root(ExtraRoot::Pem(ca_pem.into_bytes())),
    )
    .expect("client");
    assert!(!trusting.private_schools().await.expect("trusted").is_empty());

    let default = Portal::new(PortalConfig::from_origin(&origin).expect("config")).expect("client");
    match default.private_schools().await {
        Err(Error::Network(n)) => assert_eq!(n.kind, NetworkErrorKind::Tls, "{n:?}"),
        other => panic!("expected a TLS refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn http_to_a_non_loopback_host_is_refused_before_any_connection() {
    for origin in ["http://portail.example.ca", "http://192.0.2.10:8787"] {
        match PortalConfig::from_origin(origin) {
            Err(ConfigError::InsecureUrl { .. }) => {}
            other => panic!("{origin}: {other:?}"),
        }
    }
    assert!(matches!(
        PortalConfig::new("http://login.example.ca/t/", "https://api.example.ca/api/v1/"),
        Err(ConfigError::InsecureUrl { what: "authority", .. })
    ));
    assert!(matches!(
        Portal::new(
            PortalConfig::from_origin("https://a.example")
                .expect("config")
                .with_extra_root(ExtraRoot::Pem(b"not a certificate".to_vec()))
        ),
        Err(Error::Config(ConfigError::InvalidRootCertificate { index: 0 }))
    ));
}

#[tokio::test]
async fn french_is_the_default_language() {
    let portal = TestPortal::start().await;
    let client =
        Portal::new(PortalConfig::from_origin(&portal.origin).expect("config")).expect("client");
    let email = "francais@example.com";
    let _sent = next(SignUp::new(parse_email(email)).start(&client).await);
    let subject = support::latest_subject(&portal.outbox, email).expect("mailed");
    assert!(subject.ends_with("est votre code de vérification Cartable"), "{subject}");
}

#[tokio::test]
async fn ten_sends_an_hour_then_code_sends_exceeded() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let email = "sends@example.com";
    let mut sent = next(SignUp::new(parse_email(email)).start(&client).await);
    for _ in 1..10 {
        portal.clock.advance(time::Duration::seconds(61));
        sent = next(sent.resend(&client).await);
    }
    assert_eq!(portal.mail_count(email), 10);
    portal.clock.advance(time::Duration::seconds(61));
    match sent.resend(&client).await {
        Ok(Step::Retry {
            reason:
                RetryReason::Throttled { reason: ThrottleReason::CodeSendsExceeded, retry_after },
            ..
        }) => assert!(retry_after > Duration::from_secs(60)),
        _ => panic!("expected code_sends_exceeded"),
    }
    assert_eq!(portal.mail_count(email), 10);
}

#[tokio::test]
async fn gets_are_retried_after_a_reset_and_posts_are_not() {
    let portal = TestPortal::start().await;
    // Two dropped connections, then a good one: the GET's third attempt succeeds.
    let (relay, accepted) = support::flaky_relay(portal.addr, 2).await;
    let client = client_for(&format!("http://{relay}"));
    client.private_schools().await.expect("third attempt succeeds");
    assert_eq!(accepted.load(Ordering::SeqCst), 3);

    // Three dropped connections: the GET gives up after 3 attempts.
    let (relay, accepted) = support::flaky_relay(portal.addr, 3).await;
    let client = client_for(&format!("http://{relay}"));
    let err = client.private_schools().await.expect_err("three failures");
    assert!(err.is_network(), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 3);

    // A POST is sent once, never retried.
    let (relay, accepted) = support::flaky_relay(portal.addr, 1).await;
    let client = client_for(&format!("http://{relay}"));
    match SignUp::new(parse_email("post@example.com")).start(&client).await {
        Err(interrupted) => {
            assert!(
                matches!(&interrupted.error, Error::Network(n) if n.kind == NetworkErrorKind::ConnectionReset),
                "{:?}",
                interrupted.error
            );
            assert_eq!(interrupted.state.email.as_str(), "post@example.com");
        }
        Ok(_) => panic!("the POST must fail"),
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_second_email_is_proved_with_a_code_and_then_counts_for_association() {
    let portal = TestPortal::start().await;
    let client = portal.client();
    let session = portal.sign_up(&client, "autre.adresse@example.com", PASSWORD).await;
    let school_email = parse_email("famille.oneil@example.com");
    let challenge = session.add_email(&school_email).await.expect("code sent");
    assert_eq!(challenge.code_length, 6);
    assert!(challenge.challenge_target_label.contains('*'));
    let right = portal.latest_code(school_email.as_str());

    let too_early = session.add_email(&school_email).await.expect_err("resend too early");
    let r = too_early.portal().expect("refusal");
    assert_eq!((r.status, r.code.as_str()), (429, "throttled"));
    assert!(r.retry_after.is_some_and(|d| d > Duration::ZERO));

    let wrong = session.verify_email(&school_email, &wrong_code(&right)).await.expect_err("wrong");
    assert_eq!(wrong.portal().expect("refusal").code.as_str(), "invalid_code");
    let entry = session.verify_email(&school_email, &code(&right)).await.expect("verified");
    assert!(entry.verified);
    assert_eq!(entry.address, school_email.as_str());

    let association = session
        .associate(&AssociateRequest::Identity {
            board_id: "sb-english-montreal".into(),
            last_name: "O'Neil".into(),
            first_name: "Noah".into(),
            birth_date: "2015-09-08".into(),
            student_number: Some("3812047".into()),
            permanent_code: None,
            email: school_email.as_str().into(),
        })
        .await
        .expect("the verified school email counts");
    assert!(association.created);
}
