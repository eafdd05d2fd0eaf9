//! The "password changed" notice (`docs/contract.md §3`, §8) against the real portal on
//! `127.0.0.1:0`, a real SQLite file and a real outbox: a completed reset (or password change,
//! which is the same flow) emails the account's address, in English when `Accept-Language`
//! prefers it and in French otherwise, with no code and never the password; a refused reset
//! sends nothing.

mod common;

use std::time::Duration;

use common::{CLIENT, Mail, PASSWORD, Reply, TestPortal};
use test_support::{CODE_LENGTH, code_in};

const RESET_SUBMIT: &str = "/auth/resetpassword/v1.0/submit";
const RESET_POLL: &str = "/auth/resetpassword/v1.0/poll_completion";

/// The notice's subject in French (`src/mail/templates.rs`).
const SUBJECT_FR: &str = "Le mot de passe de votre compte Cartable a été changé";
/// The notice's subject in English.
const SUBJECT_EN: &str = "Your Cartable password was changed";
/// The new password every test chooses.
const NEW_PASSWORD: &str = "Nouveau456?";

/// Step 4, `submit`, with `lang` as `Accept-Language`.
async fn submit(p: &TestPortal, token: &str, password: &str, lang: Option<&str>) -> Reply {
    p.post_lang(
        RESET_SUBMIT,
        &[("client_id", CLIENT), ("continuation_token", token), ("new_password", password)],
        lang,
    )
    .await
}

/// Steps 4 and 5: `submit` then `poll_completion`, both answered with success.
async fn complete(p: &TestPortal, token: &str, password: &str, lang: Option<&str>) {
    let r = submit(p, token, password, lang).await;
    assert_eq!(r.status, 200, "submit: {}", r.text);
    let r = p
        .post_lang(RESET_POLL, &[("client_id", CLIENT), ("continuation_token", &r.token())], lang)
        .await;
    assert_eq!(r.status, 200, "poll_completion: {}", r.text);
    assert_eq!(r.json["status"], "succeeded", "{}", r.text);
}

/// The messages to `email` that carry no code: the notices (codes stand in the subject, §8).
fn notices(p: &TestPortal, email: &str) -> Vec<Mail> {
    p.mails_to(email).into_iter().filter(|m| m.code().is_none()).collect()
}

/// The notices to `email` once at least one is there (the portal may send it after answering),
/// waiting up to 10 s, then a moment more so a second, unexpected one would show too.
async fn wait_for_notices(p: &TestPortal, email: &str) -> Vec<Mail> {
    for _ in 0..200 {
        if !notices(p, email).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    notices(p, email)
}

/// Asserts that `mail` is a notice with no code and no password in it.
fn assert_no_secret(mail: &Mail) {
    assert!(code_in(&mail.subject, CODE_LENGTH).is_none(), "a code in the subject: {mail:?}");
    assert!(code_in(&mail.body, CODE_LENGTH).is_none(), "a code in the body: {mail:?}");
    for password in [PASSWORD, NEW_PASSWORD] {
        assert!(
            !mail.subject.contains(password) && !mail.body.contains(password),
            "a password in the notice: {mail:?}"
        );
    }
}

#[tokio::test]
async fn a_completed_reset_sends_an_english_notice_when_english_is_preferred() {
    let p = TestPortal::start().await;
    let email = "paul.tremblay@exemple.ca";
    p.sign_up(email, PASSWORD).await;
    assert!(notices(&p, email).is_empty(), "a sign-up sends no notice: {:?}", p.mails_to(email));

    let token = p.reset_to_submit(email, Some("en-CA")).await;
    complete(&p, &token, NEW_PASSWORD, Some("en-CA")).await;

    let sent = wait_for_notices(&p, email).await;
    assert_eq!(sent.len(), 1, "one notice: {sent:?}");
    let notice = &sent[0];
    assert_eq!(notice.subject, SUBJECT_EN, "{notice:?}");
    assert!(notice.body.starts_with("Hello,"), "{notice:?}");
    assert!(notice.body.contains("If it was not you"), "{notice:?}");
    assert!(notice.body.contains("Forgot your password?"), "{notice:?}");
    assert_no_secret(notice);
    // Nobody else was told.
    assert!(p.mails().iter().all(|m| m.to.eq_ignore_ascii_case(email)), "{:?}", p.mails());
    p.stop().await;
}

#[tokio::test]
async fn the_notice_is_in_french_by_default() {
    let p = TestPortal::start().await;
    let email = "julie.gagnon@exemple.ca";
    p.sign_up(email, PASSWORD).await;

    let token = p.reset_to_submit(email, None).await;
    complete(&p, &token, NEW_PASSWORD, None).await;

    let sent = wait_for_notices(&p, email).await;
    assert_eq!(sent.len(), 1, "one notice: {sent:?}");
    let notice = &sent[0];
    assert_eq!(notice.subject, SUBJECT_FR, "{notice:?}");
    assert!(notice.body.starts_with("Bonjour,"), "{notice:?}");
    assert!(notice.body.contains("Si ce n'était pas vous"), "{notice:?}");
    assert!(notice.body.contains("Mot de passe oublié?"), "{notice:?}");
    assert_no_secret(notice);

    // The same with an explicit French preference, and with a language the portal does not
    // write (French too).
    for lang in ["fr-CA", "de-DE"] {
        let token = p.reset_to_submit(email, Some(lang)).await;
        let password = if lang == "fr-CA" { PASSWORD } else { NEW_PASSWORD };
        complete(&p, &token, password, Some(lang)).await;
    }
    let mut all = Vec::new();
    for _ in 0..200 {
        all = notices(&p, email);
        if all.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(all.len(), 3, "one notice per completed reset: {all:?}");
    assert!(all.iter().all(|m| m.subject == SUBJECT_FR), "{all:?}");
    p.stop().await;
}

#[tokio::test]
async fn no_notice_when_the_reset_is_refused() {
    let p = TestPortal::start().await;
    let email = "marc.cote@exemple.ca";
    p.sign_up(email, PASSWORD).await;

    let token = p.reset_to_submit(email, Some("en-CA")).await;
    // The current password: refused, nothing changed, nothing to tell.
    let r = submit(&p, &token, PASSWORD, Some("en-CA")).await;
    r.assert_error(400, "invalid_grant");
    assert_eq!(r.suberror(), "password_recently_used", "{}", r.text);
    // A password the policy refuses.
    let r = submit(&p, &token, "court", Some("en-CA")).await;
    assert_eq!(r.suberror(), "password_too_short", "{}", r.text);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        notices(&p, email).is_empty(),
        "no notice for a refused reset: {:?}",
        p.mails_to(email)
    );

    // The same token then completes the reset: exactly one notice, for that one change.
    complete(&p, &token, NEW_PASSWORD, Some("en-CA")).await;
    let sent = wait_for_notices(&p, email).await;
    assert_eq!(sent.len(), 1, "one notice, for the completed reset only: {sent:?}");
    assert_eq!(sent[0].subject, SUBJECT_EN);
    p.stop().await;
}

#[tokio::test]
async fn messages_come_from_the_operators_sender() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = TestPortal::start_with(
        dir.path(),
        portal_server::clock::ManualClock::new(common::start_time()),
        None,
        |c| {
            c.mail_from = "Portail parents <ne-pas-repondre@cssexemple.ca>".to_owned();
        },
    )
    .await;
    let email = "expediteur@exemple.ca";
    p.sign_up(email, PASSWORD).await;
    let sent = p.mails_to(email);
    assert!(!sent.is_empty());
    assert!(
        sent.iter().all(|m| m.from == "\"Portail parents\" <ne-pas-repondre@cssexemple.ca>"),
        "{sent:?}"
    );
    p.stop().await;
}
