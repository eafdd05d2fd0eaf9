//! The whole browser flow (`docs/contract.md §5`) with a real, independent OpenID provider as
//! the portal's upstream and a real browser:
//!
//! - upstream: panva's `oidc-provider` (npm, `tests/oidc/`), started on loopback by the test;
//! - portal: the reference portal in-process, brokering `google.com` and `live.com` to it
//!   through the openidconnect crate (discovery, PKCE, code exchange, ID-token validation);
//! - client: [`BrowserSignIn`] with its loopback listener;
//! - browser: headless Chromium (Debian's `chromium`) driven through `chromedriver`, standing in
//!   for the system browser.
//!
//! Needs `node`, `chromium`, `chromedriver` and `npm ci --prefix crates/portal-client/tests/oidc`;
//! hence ignored by default: `cargo test -p portal-client --test browser_oidc -- --ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{path::PathBuf, process::Stdio, time::Duration};

use cartable_core::{Email, VerificationCode, wire::parent::AssociateRequest};
use fantoccini::{Client, Locator};
use portal_client::{BrowserError, BrowserSignIn, Portal, PortalConfig, Provider, Session};
use tokio::io::AsyncBufReadExt as _;

const NEEDS: &str = "needs node, chromium, chromedriver and npm ci in tests/oidc";

/// The upstream provider, the portal brokering to it, and chromedriver.
struct World {
    portal: Portal,
    outbox: PathBuf,
    driver_url: String,
    _upstream: tokio::process::Child,
    _driver: tokio::process::Child,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

impl World {
    async fn start() -> Self {
        // The test's own reqwest client below is built before any Portal.
        portal_client::install_crypto_provider();
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let outbox = dir.path().join("outbox");
        let mut config = portal_server::config::Config::demo_for(
            &listener,
            dir.path().join("portal.sqlite3"),
            outbox.clone(),
        )
        .expect("config");
        let callback = format!("{}/auth/federation/callback", config.origin);

        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/provider.mjs");
        let mut upstream = tokio::process::Command::new("node")
            .arg(&script)
            .arg(&callback)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect(NEEDS);
        let stdout = upstream.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let issuer = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the provider printed no issuer")
            .expect("read")
            .expect(NEEDS);
        assert!(issuer.starts_with("http://127.0.0.1:"), "{issuer}");
        // Keep reading: a closed pipe would end the provider at its next write (EPIPE).
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        for hint in ["google.com", "live.com"] {
            config.providers.push(portal_server::config::UpstreamProvider {
                domain_hint: hint.to_owned(),
                issuer: issuer.clone(),
                client_id: "cartable-portal".to_owned(),
                client_secret: Some("a-test-secret-known-to-the-test-only".to_owned()),
                scopes: vec!["openid".to_owned(), "email".to_owned()],
            });
        }
        let origin = config.origin.clone();
        let state = portal_server::AppState::open(config, portal_server::clock::system())
            .await
            .expect("open portal");
        tokio::spawn(portal_server::serve(listener, state));
        let portal =
            Portal::new(PortalConfig::from_origin(&origin).expect("config").with_language("en-CA"))
                .expect("portal");

        let port = free_port();
        let driver = tokio::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect(NEEDS);
        let driver_url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{driver_url}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { portal, outbox, driver_url, _upstream: upstream, _driver: driver, _dir: dir }
    }

    /// A fresh headless Chromium (its own profile: no cookies from an earlier sign-in).
    async fn browser(&self) -> (Client, tempfile::TempDir) {
        let profile = tempfile::tempdir().expect("profile");
        let client = cartable_e2e::headless_chromium(&self.driver_url, profile.path())
            .await
            .expect("a Chromium session through chromedriver");
        (client, profile)
    }

    /// The code in the subject of the last message to `to`.
    fn last_code(&self, to: &str) -> String {
        test_support::latest_code(&self.outbox, to)
            .unwrap_or_else(|| panic!("no code mailed to {to}"))
    }

    /// A whole sign-in through `provider` as `login` at the upstream's login page; the outcome of
    /// [`BrowserSignIn::finish`] and the text the browser shows at the end.
    async fn sign_in(
        &self,
        provider: Provider,
        login: &str,
        cancel_at_provider: bool,
    ) -> (Result<Session, BrowserError>, String) {
        let attempt = BrowserSignIn::start(&self.portal, Some(provider)).await.expect("start");
        let url = attempt.authorize_url().to_string();
        let back_to = attempt.redirect_uri().to_owned();
        let finish = tokio::spawn(attempt.finish(std::future::pending(), Duration::from_secs(60)));
        let (browser, _profile) = self.browser().await;
        browser.goto(&url).await.expect("open the authorize URL");
        browser
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("input[name=login]"))
            .await
            .expect("the provider's login page")
            .send_keys(login)
            .await
            .expect("type login");
        if cancel_at_provider {
            browser
                .find(Locator::Css("a[href$='/abort']"))
                .await
                .expect("cancel link")
                .click()
                .await
                .expect("cancel");
        } else {
            browser
                .find(Locator::Css("input[name=password]"))
                .await
                .expect("password")
                .send_keys("any")
                .await
                .expect("type");
            browser
                .find(Locator::Css("button[type=submit]"))
                .await
                .expect("submit")
                .click()
                .await
                .expect("sign in");
        }
        // Consent (first use of the client by this account), then back at the loopback.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let at = browser.current_url().await.expect("url").to_string();
            if tokio::time::Instant::now() > deadline {
                let source = match browser.find(Locator::Css("body")).await {
                    Ok(b) => b.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                panic!("the browser never came back; at {at}: {source}");
            }
            if at.starts_with(&back_to) {
                break;
            }
            if at.contains("/interaction/")
                && browser.find(Locator::Css("input[name=login]")).await.is_err()
                && let Ok(button) = browser.find(Locator::Css("button[type=submit]")).await
            {
                let _ = button.click().await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let text =
            browser.find(Locator::Css("body")).await.expect("body").text().await.expect("text");
        browser.close().await.expect("close");
        (finish.await.expect("task"), text)
    }
}

fn maelle(email: &str) -> AssociateRequest {
    AssociateRequest::Identity {
        board_id: "css-capitale".into(),
        last_name: "Côté".to_owned(),
        first_name: "Maëlle".to_owned(),
        birth_date: "2020-11-03".to_owned(),
        student_number: Some("7319920".to_owned()),
        permanent_code: None,
        email: email.to_owned(),
    }
}

#[tokio::test]
#[ignore = "needs node, chromium, chromedriver and npm ci in tests/oidc"]
async fn sign_in_through_a_real_provider_in_chromium() {
    let world = World::start().await;
    let (session, page) = world.sign_in(Provider::Google, "julie@example.com", false).await;
    assert!(
        page.contains("retourner à Cartable") && page.contains("go back to Cartable"),
        "{page}"
    );
    let session = session.expect("session");
    let me = session.me().await.expect("me");
    assert_eq!(me.providers, vec!["google".to_owned()]);
    assert_eq!(me.emails.len(), 1);
    assert_eq!((me.emails[0].address.as_str(), me.emails[0].verified), ("julie@example.com", true));
}

#[tokio::test]
#[ignore = "needs node, chromium, chromedriver and npm ci in tests/oidc"]
async fn cancelling_at_the_provider_ends_the_attempt() {
    let world = World::start().await;
    let (outcome, page) = world.sign_in(Provider::Google, "julie@example.com", true).await;
    assert!(page.contains("Retournez à Cartable"), "{page}");
    match outcome {
        Err(BrowserError::Denied { error, .. }) => assert_eq!(error, "access_denied"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
#[ignore = "needs node, chromium, chromedriver and npm ci in tests/oidc"]
async fn a_foreign_state_is_ignored_and_a_timeout_ends_the_attempt() {
    let world = World::start().await;
    let attempt = BrowserSignIn::start(&world.portal, Some(Provider::Google)).await.expect("start");
    let forged = format!("{}?code=forged&state=forged", attempt.redirect_uri());
    let finish = tokio::spawn(attempt.finish(std::future::pending(), Duration::from_secs(30)));
    // Chromium also asks the loopback for /favicon.ico: neither request ends the attempt.
    let (browser, _profile) = world.browser().await;
    browser.goto(&forged).await.expect("open");
    let text = browser.find(Locator::Css("body")).await.expect("body").text().await.expect("text");
    assert!(text.contains("was ignored"), "{text}");
    browser.close().await.expect("close");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!finish.is_finished(), "a forged callback ended the attempt");
    finish.abort();

    let attempt = BrowserSignIn::start(&world.portal, Some(Provider::Google)).await.expect("start");
    let outcome = attempt.finish(std::future::pending(), Duration::from_millis(300)).await;
    assert!(matches!(outcome, Err(BrowserError::TimedOut)));
}

#[tokio::test]
#[ignore = "needs node, chromium, chromedriver and npm ci in tests/oidc"]
async fn two_providers_with_one_email_unverified_emails_and_linking_the_school_email() {
    let world = World::start().await;
    let school = "parent.demo@example.com";

    // Same person, same email, two providers: two accounts.
    let (google, _) = world.sign_in(Provider::Google, school, false).await;
    let (live, _) = world.sign_in(Provider::Microsoft, school, false).await;
    let (google, live) = (google.expect("google"), live.expect("live"));
    let (g, l) = (google.me().await.expect("me"), live.me().await.expect("me"));
    assert_ne!(g.id, l.id);
    assert_eq!(l.providers, vec!["live".to_owned()]);

    // The provider says email_verified: false: the email does not count for association.
    let (unverified, _) =
        world.sign_in(Provider::Google, &format!("unverified:{school}"), false).await;
    let unverified = unverified.expect("session");
    let me = unverified.me().await.expect("me");
    assert_eq!((me.emails[0].address.as_str(), me.emails[0].verified), (school, false));
    let refused = unverified.associate(&maelle(school)).await.expect_err("refused");
    assert_eq!(refused.portal().expect("portal refusal").code.as_str(), "email_not_verified");

    // Linking it with the emailed code makes it count.
    let email = Email::parse(school).expect("email");
    let sent = unverified.add_email(&email).await.expect("add email");
    assert_eq!(sent.code_length, 6);
    let code = VerificationCode::parse(&world.last_code(school), 6).expect("code");
    let entry = unverified.verify_email(&email, &code).await.expect("verify");
    assert!(entry.verified);
    let association = unverified.associate(&maelle(school)).await.expect("associate");
    assert!(association.created);
    assert_eq!(association.child.first_name, "Maëlle");
}
