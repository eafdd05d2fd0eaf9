//! The browser flow (`docs/contract.md §5`) against the real reference portal in demo mode,
//! started in-process on loopback. The system browser is stood in for by plain HTTP requests
//! (redirects not followed): open the authorize URL, fill the demo provider page, follow the
//! redirect to the client's loopback listener, read the page it answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use portal_client::{
    BrowserError, BrowserSignIn, PAGE_DONE, PAGE_IGNORED, Portal, PortalConfig, Provider,
};
use reqwest::{StatusCode, header};

struct Demo {
    portal: Portal,
    browser: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn demo_portal() -> Demo {
    let dir = tempfile::tempdir().expect("tempdir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let config = portal_server::config::Config::demo_for(
        &listener,
        dir.path().join("portal.sqlite3"),
        dir.path().join("outbox"),
    )
    .expect("config");
    let origin = config.origin.clone();
    let state =
        portal_server::AppState::open(config, portal_server::clock::system()).await.expect("open");
    tokio::spawn(portal_server::serve(listener, state));
    let portal = Portal::new(PortalConfig::from_origin(&origin).expect("config")).expect("portal");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("browser");
    Demo { portal, browser, _dir: dir }
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("hidden field") + marker.len();
    html[start..start + html[start..].find('"').expect("quote")].to_owned()
}

/// The person at the demo provider: opens the URL, fills the form, presses `action`; returns
/// where the provider sends the browser.
async fn at_provider(
    browser: &reqwest::Client,
    url: &url::Url,
    email: &str,
    action: &str,
) -> String {
    let page = browser.get(url.clone()).send().await.expect("authorize");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    let post_to = url.join("/auth/demo-provider").expect("url");
    let answer = browser
        .post(post_to)
        .form(&[
            ("request", hidden(&html, "request").as_str()),
            ("hint", &hidden(&html, "hint")),
            ("name", "Julie Gagnon"),
            ("email", email),
            ("email_verified", "on"),
            ("action", action),
        ])
        .send()
        .await
        .expect("demo form");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    answer.headers()[header::LOCATION].to_str().expect("ascii").to_owned()
}

#[tokio::test]
async fn a_social_sign_in_through_the_browser_gives_a_session() {
    let demo = demo_portal().await;
    let attempt = BrowserSignIn::start(&demo.portal, Some(Provider::Google)).await.expect("start");
    let url = attempt.authorize_url().clone();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(get("domain_hint").as_deref(), Some("google.com"));
    assert_eq!(get("redirect_uri").as_deref(), Some(attempt.redirect_uri()));
    assert!(get("state").is_some() && get("nonce").is_some());
    assert!(attempt.redirect_uri().starts_with("http://127.0.0.1:"));
    let redirect_uri = attempt.redirect_uri().to_owned();

    let finish = tokio::spawn(attempt.finish(std::future::pending(), Duration::from_secs(30)));
    let back = at_provider(&demo.browser, &url, "julie@gmail.example", "continue").await;
    assert!(back.starts_with(&redirect_uri), "{back}");
    let page = demo.browser.get(&back).send().await.expect("loopback");
    assert_eq!(page.status(), StatusCode::OK);
    let text = page.text().await.expect("page");
    assert!(text.contains("retourner à Cartable") && text.contains("go back to"), "{text}");

    let session = finish.await.expect("task").expect("session");
    let me = session.me().await.expect("me");
    assert_eq!(me.providers, vec!["google".to_owned()]);
    assert_eq!(me.emails[0].address, "julie@gmail.example");

    // The listener closed with the attempt.
    assert!(demo.browser.get(&back).send().await.is_err(), "loopback still open");
}

#[tokio::test]
async fn requests_without_this_state_or_to_other_paths_do_not_end_the_sign_in() {
    let demo = demo_portal().await;
    let attempt =
        BrowserSignIn::start(&demo.portal, Some(Provider::Microsoft)).await.expect("start");
    let url = attempt.authorize_url().clone();
    let redirect_uri = attempt.redirect_uri().to_owned();
    let finish = tokio::spawn(attempt.finish(std::future::pending(), Duration::from_secs(30)));

    // Another page or process guessing the port, a stale tab, the browser's own favicon fetch.
    for (query, status) in [
        ("?code=stolen&state=not-ours", StatusCode::BAD_REQUEST),
        ("?code=stolen", StatusCode::BAD_REQUEST),
        ("?error=access_denied&state=not-ours", StatusCode::BAD_REQUEST),
        ("?state=", StatusCode::BAD_REQUEST),
    ] {
        let page =
            demo.browser.get(format!("{redirect_uri}{query}")).send().await.expect("loopback");
        assert_eq!(page.status(), status, "{query}");
        let text = page.text().await.expect("page");
        assert_eq!(text, PAGE_IGNORED, "{query}");
    }
    let origin = redirect_uri.trim_end_matches("/callback");
    for path in ["/favicon.ico", "/", "/callback/x"] {
        let page = demo.browser.get(format!("{origin}{path}")).send().await.expect("loopback");
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{path}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!finish.is_finished(), "a stray request ended the sign-in");

    // The real callback still completes it.
    let back = at_provider(&demo.browser, &url, "julie@outlook.example", "continue").await;
    assert!(back.starts_with(&redirect_uri), "{back}");
    let page = demo.browser.get(&back).send().await.expect("loopback");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.text().await.expect("page"), PAGE_DONE);
    let session = finish.await.expect("task").expect("session");
    assert_eq!(session.me().await.expect("me").providers, vec!["live".to_owned()]);
}

#[tokio::test]
async fn cancelling_closes_the_listener() {
    let demo = demo_portal().await;
    let attempt =
        BrowserSignIn::start(&demo.portal, Some(Provider::Facebook)).await.expect("start");
    let redirect_uri = attempt.redirect_uri().to_owned();
    let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
    let finish = tokio::spawn(attempt.finish(
        async move {
            let _ = cancelled.await;
        },
        Duration::from_secs(30),
    ));
    tokio::time::sleep(Duration::from_millis(100)).await;
    cancel.send(()).expect("cancel");
    let outcome = finish.await.expect("task");
    assert!(matches!(outcome, Err(BrowserError::Cancelled)), "{outcome:?}");
    assert!(demo.browser.get(&redirect_uri).send().await.is_err(), "loopback still open");
}

#[tokio::test]
async fn the_attempt_times_out() {
    let demo = demo_portal().await;
    let attempt = BrowserSignIn::start(&demo.portal, None).await.expect("start");
    assert!(attempt.authorize_url().query_pairs().all(|(k, _)| k != "domain_hint"));
    let outcome = attempt.finish(std::future::pending(), Duration::from_millis(200)).await;
    assert!(matches!(outcome, Err(BrowserError::TimedOut)), "{outcome:?}");
}

#[tokio::test]
async fn cancelling_at_the_provider_is_access_denied() {
    let demo = demo_portal().await;
    let attempt =
        BrowserSignIn::start(&demo.portal, Some(Provider::LinkedIn)).await.expect("start");
    let url = attempt.authorize_url().clone();
    let finish = tokio::spawn(attempt.finish(std::future::pending(), Duration::from_secs(30)));
    let back = at_provider(&demo.browser, &url, "", "cancel").await;
    let page = demo.browser.get(&back).send().await.expect("loopback").text().await.expect("page");
    assert!(page.contains("Retournez à Cartable"), "{page}");
    match finish.await.expect("task") {
        Err(BrowserError::Denied { error, .. }) => assert_eq!(error, "access_denied"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_mobile_app_link_path_gives_a_session_and_skips_other_links() {
    let demo = demo_portal().await;
    let attempt =
        BrowserSignIn::start_app_link(&demo.portal, Some(Provider::Microsoft)).expect("start");
    assert_eq!(attempt.redirect_uri(), portal_client::MOBILE_REDIRECT_URI);
    let url = attempt.authorize_url().clone();
    let (opened, returned) = tokio::sync::mpsc::channel(4);
    let finish = tokio::spawn(attempt.finish_from(
        returned,
        std::future::pending(),
        Duration::from_secs(30),
    ));

    let back = at_provider(&demo.browser, &url, "julie@outlook.example", "continue").await;
    assert!(back.starts_with("ca.cartable.client:/oauth2redirect?"), "{back}");
    // The OS opens the app with an unrelated link first, then with the portal's redirect.
    opened
        .send(url::Url::parse("ca.cartable.client:/autre?code=x").expect("url"))
        .await
        .expect("send");
    opened.send(url::Url::parse(&back).expect("url")).await.expect("send");
    let session = finish.await.expect("task").expect("session");
    assert_eq!(session.me().await.expect("me").providers, vec!["live".to_owned()]);

    // A link carrying another attempt's state is refused; a closed channel is a cancel.
    let attempt = BrowserSignIn::start_app_link(&demo.portal, None).expect("start");
    let (opened, returned) = tokio::sync::mpsc::channel(1);
    opened
        .send(
            url::Url::parse("ca.cartable.client:/oauth2redirect?code=c&state=autre").expect("url"),
        )
        .await
        .expect("send");
    let refused =
        attempt.finish_from(returned, std::future::pending(), Duration::from_secs(5)).await;
    assert!(matches!(refused, Err(BrowserError::StateMismatch)), "{refused:?}");
    let attempt = BrowserSignIn::start_app_link(&demo.portal, None).expect("start");
    let (opened, returned) = tokio::sync::mpsc::channel::<url::Url>(1);
    drop(opened);
    let closed =
        attempt.finish_from(returned, std::future::pending(), Duration::from_secs(5)).await;
    assert!(matches!(closed, Err(BrowserError::Cancelled)), "{closed:?}");
}
