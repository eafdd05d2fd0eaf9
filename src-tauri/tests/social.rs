//! Social sign-in and email linking (`docs/contract.md §5`) through the command layer, against
//! the embedded demo portal. The system browser is stood in for by plain HTTP requests
//! (redirects not followed): the opener hands the authorize URL to the test, which fills the
//! demo provider page and follows the redirect to the app's loopback listener.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{sync::mpsc, time::Duration};

use cartable_core::{
    Field, Provider,
    ipc::{self, BrowserLink, EmailArgs, LinkEmailVerifyArgs, SignedIn, SocialArgs},
};
use cartable_lib::commands::social::SocialState;
use tauri::Manager;

#[path = "support/harness.rs"]
mod harness;

use harness::{CANONICAL, Computer, Launch};

const SOCIAL_EMAIL: &str = "julie@gmail.example";
const SCHOOL_EMAIL: &str = "Julie.Gagnon@Exemple.ca";

/// Routes the app's "open in the browser" to a channel the test reads.
fn capture_browser(launch: &Launch) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    launch.app().state::<SocialState>().set_opener(std::sync::Arc::new(move |url| {
        tx.send(url.to_owned()).map_err(|e| e.to_string())
    }));
    rx
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("hidden field") + marker.len();
    html[start..start + html[start..].find('"').expect("quote")].to_owned()
}

/// The parent in the browser: the demo provider page, "Continuer", back to the app's loopback.
fn browse_and_continue(authorize: &str, email: &str) -> String {
    let authorize = url::Url::parse(authorize).expect("authorize URL");
    tauri::async_runtime::block_on(async move {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("browser");
        let page = browser.get(authorize.clone()).send().await.expect("authorize page");
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.expect("html");
        let answer = browser
            .post(authorize.join("/auth/demo-provider").expect("url"))
            .form(&[
                ("request", hidden(&html, "request").as_str()),
                ("hint", &hidden(&html, "hint")),
                ("name", "Julie Gagnon"),
                ("email", email),
                ("email_verified", "on"),
                ("action", "continue"),
            ])
            .send()
            .await
            .expect("demo provider form");
        assert_eq!(answer.status().as_u16(), 303);
        let back = answer.headers()["location"].to_str().expect("ascii").to_owned();
        assert!(back.starts_with("http://127.0.0.1:"), "{back}");
        let done = browser.get(&back).send().await.expect("loopback");
        assert_eq!(done.status().as_u16(), 200);
        done.text().await.expect("page")
    })
}

#[test]
fn social_sign_in_then_linking_the_school_email() {
    let computer = Computer::new();
    let launch = computer.launch();
    // A local account already signs in with CANONICAL: linking it elsewhere is refused.
    launch.sign_up();
    launch.ok::<ipc::SignOut>(&());
    let browser = capture_browser(&launch);

    let signed = std::thread::scope(|scope| {
        let caller = launch.caller();
        let running = scope.spawn(move || {
            caller.call::<ipc::SocialSignInStart>(&SocialArgs { provider: Some(Provider::Google) })
        });
        let url = browser.recv_timeout(Duration::from_secs(30)).expect("the browser was opened");
        assert!(url.contains("domain_hint=google.com"), "{url}");
        let page = browse_and_continue(&url, SOCIAL_EMAIL);
        assert!(page.contains("retourner à Cartable"), "{page}");
        running.join().expect("thread")
    });
    assert_eq!(signed, Ok(SignedIn { email: SOCIAL_EMAIL.into(), persisted: true }));
    assert_eq!(computer.account("embedded").map(|a| a.email).as_deref(), Some(SOCIAL_EMAIL));
    let me = launch.ok::<ipc::GetMe>(&());
    assert_eq!(me.providers, vec!["google".to_owned()]);

    // Another account's sign-in email gets a code like any address (no enumeration, §5); the
    // refusal comes once the code proved the parent owns it.
    let taken = launch.ok::<ipc::LinkEmailStart>(&EmailArgs { email: CANONICAL.into() });
    let code = launch.demo_code(&taken.email);
    let in_use = launch.call::<ipc::LinkEmailVerify>(&LinkEmailVerifyArgs {
        email: taken.email.clone(),
        code: code.into(),
    });
    let in_use = in_use.expect_err("another account's sign-in email");
    assert_eq!((in_use.code().as_str(), in_use.field), ("email_in_use", Some(Field::Email)));

    let challenge = launch.ok::<ipc::LinkEmailStart>(&EmailArgs { email: SCHOOL_EMAIL.into() });
    assert_eq!((challenge.email.as_str(), challenge.code_length), ("julie.gagnon@exemple.ca", 6));
    assert!(challenge.resend_available_at > 0 && challenge.target_label.contains('*'));
    let wrong = launch.call::<ipc::LinkEmailVerify>(&LinkEmailVerifyArgs {
        email: challenge.email.clone(),
        code: "000000".into(),
    });
    let wrong = wrong.expect_err("wrong code");
    assert_eq!((wrong.code().as_str(), wrong.field), ("invalid_code", Some(Field::Code)));
    let code = launch.demo_code(&challenge.email);
    let entry = launch.ok::<ipc::LinkEmailVerify>(&LinkEmailVerifyArgs {
        email: SCHOOL_EMAIL.into(),
        code: format!("Code : {} ", &code).into(),
    });
    assert_eq!((entry.address.as_str(), entry.verified), ("julie.gagnon@exemple.ca", true));
    let me = launch.ok::<ipc::GetMe>(&());
    assert!(me.emails.iter().any(|e| e.address == entry.address && e.verified), "{me:?}");
}

#[test]
fn cancelling_the_browser_sign_in() {
    let computer = Computer::new();
    let launch = computer.launch();
    let browser = capture_browser(&launch);
    let outcome = std::thread::scope(|scope| {
        let caller = launch.caller();
        let running = scope
            .spawn(move || caller.call::<ipc::SocialSignInStart>(&SocialArgs { provider: None }));
        let url = browser.recv_timeout(Duration::from_secs(30)).expect("the browser was opened");
        assert!(!url.contains("domain_hint"), "{url}");
        launch.ok::<ipc::SocialSignInCancel>(&());
        running.join().expect("thread")
    });
    assert_eq!(outcome.map_err(|p| p.code()), Err("browser_cancelled".into()));
    assert_eq!(
        launch.call::<ipc::GetMe>(&()).map(|_| ()).map_err(|p| p.code()),
        Err("not_signed_in".into())
    );
}

/// The system browser fails (no handler, or a handler that fails): the attempt keeps waiting
/// and its address is offered; "Copier le lien" copies it, "Ouvrir de nouveau" asks the
/// browser again for the same attempt, and the address opened by hand completes the sign-in.
#[test]
fn a_browser_that_fails_to_open_leaves_the_address_to_copy() {
    let computer = Computer::new();
    let launch = computer.launch();
    let social = launch.app().state::<SocialState>();
    let (asked, browser) = mpsc::channel();
    let works = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let opens = std::sync::Arc::clone(&works);
    social.set_opener(std::sync::Arc::new(move |url| {
        asked.send(url.to_owned()).map_err(|e| e.to_string())?;
        if opens.load(std::sync::atomic::Ordering::SeqCst) {
            Ok(())
        } else {
            Err("xdg-open: no method available".into())
        }
    }));
    let (copied_tx, copied) = mpsc::channel();
    social.set_copier(std::sync::Arc::new(move |text| {
        copied_tx.send(text.to_owned()).map_err(|e| e.to_string())
    }));
    // Nothing waits yet: nothing to copy or open again.
    assert_eq!(launch.call::<ipc::SocialSignInCopyLink>(&()), Ok(None));
    assert_eq!(launch.call::<ipc::SocialSignInReopen>(&()), Ok(None));

    let signed = std::thread::scope(|scope| {
        let caller = launch.caller();
        let running = scope.spawn(move || {
            caller.call::<ipc::SocialSignInStart>(&SocialArgs { provider: Some(Provider::Google) })
        });
        let first = browser.recv_timeout(Duration::from_secs(30)).expect("the browser was asked");
        let link = launch.ok::<ipc::SocialSignInLink>(&()).expect("the address is offered");
        assert_eq!(link, BrowserLink { url: first.clone(), open_failed: true });
        assert!(link.url.contains("domain_hint=google.com"), "{}", link.url);
        assert!(link.url.contains("code_challenge_method=S256"), "{}", link.url);
        assert!(!link.url.contains("code_verifier"), "{}", link.url);

        assert_eq!(launch.ok::<ipc::SocialSignInCopyLink>(&()), Some(link.clone()));
        assert_eq!(copied.recv_timeout(Duration::from_secs(5)).expect("copied"), first);

        // Still failing, then working: the same address each time, the attempt still waits.
        let again = launch.ok::<ipc::SocialSignInReopen>(&()).expect("still waiting");
        assert_eq!(again, link);
        works.store(true, std::sync::atomic::Ordering::SeqCst);
        let opened = launch.ok::<ipc::SocialSignInReopen>(&()).expect("still waiting");
        assert_eq!(opened, BrowserLink { url: first.clone(), open_failed: false });
        for _ in 0..2 {
            assert_eq!(browser.recv_timeout(Duration::from_secs(5)).expect("asked again"), first);
        }

        let page = browse_and_continue(&link.url, SOCIAL_EMAIL);
        assert!(page.contains("retourner à Cartable"), "{page}");
        running.join().expect("thread")
    });
    assert_eq!(signed, Ok(SignedIn { email: SOCIAL_EMAIL.into(), persisted: true }));
    // The attempt is over: its address is withdrawn.
    assert_eq!(launch.call::<ipc::SocialSignInCopyLink>(&()), Ok(None));
    assert_eq!(launch.call::<ipc::SocialSignInReopen>(&()), Ok(None));
}

/// The listener waits until the timeout, then the attempt ends with `browser_timed_out` (the
/// UI offers "Réessayer") and its address is withdrawn.
#[test]
fn an_attempt_nobody_finishes_times_out() {
    let computer = Computer::new();
    let launch = computer.launch();
    let browser = capture_browser(&launch);
    launch.app().state::<SocialState>().set_timeout(Duration::from_secs(2));
    let outcome = std::thread::scope(|scope| {
        let caller = launch.caller();
        let running = scope
            .spawn(move || caller.call::<ipc::SocialSignInStart>(&SocialArgs { provider: None }));
        let url = browser.recv_timeout(Duration::from_secs(30)).expect("the browser was opened");
        let link = launch.ok::<ipc::SocialSignInLink>(&()).expect("the address is offered");
        assert_eq!(link, BrowserLink { url, open_failed: false });
        running.join().expect("thread")
    });
    assert_eq!(outcome.map_err(|p| p.code()), Err("browser_timed_out".into()));
    assert_eq!(launch.call::<ipc::SocialSignInReopen>(&()), Ok(None));
}

/// Without a usable clipboard (here: the mock app registers no clipboard plugin), "Copier le
/// lien" answers `clipboard_unavailable` and the attempt keeps waiting.
#[test]
fn a_clipboard_that_cannot_be_written_is_said() {
    let computer = Computer::new();
    let launch = computer.launch();
    let browser = capture_browser(&launch);
    let outcome = std::thread::scope(|scope| {
        let caller = launch.caller();
        let running = scope
            .spawn(move || caller.call::<ipc::SocialSignInStart>(&SocialArgs { provider: None }));
        browser.recv_timeout(Duration::from_secs(30)).expect("the browser was opened");
        launch.ok::<ipc::SocialSignInLink>(&()).expect("the address is offered");
        let refused = launch.call::<ipc::SocialSignInCopyLink>(&()).expect_err("no clipboard");
        assert_eq!(refused.code(), "clipboard_unavailable");
        assert!(launch.ok::<ipc::SocialSignInReopen>(&()).is_some(), "still waiting");
        launch.ok::<ipc::SocialSignInCancel>(&());
        running.join().expect("thread")
    });
    assert_eq!(outcome.map_err(|p| p.code()), Err("browser_cancelled".into()));
}
