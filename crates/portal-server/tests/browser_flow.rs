//! The browser flow of `docs/contract.md §5` against the real portal in demo mode, over
//! loopback HTTP with redirects not followed, so each hop is checked: authorize → the demo
//! provider page → its form → the redirect to the app's loopback URI with `code` and `state` →
//! the token endpoint's `authorization_code` grant with the right or a wrong `code_verifier`.
//! Then accounts keyed by (provider, subject), the provider's `email_verified`, and linking
//! the school email with an emailed code before associating a child of the demo fixture.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{path::PathBuf, sync::Arc};

use base64::Engine as _;
use portal_server::{AppState, clock::ManualClock, config::Config, db};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use sha2::Digest as _;

const CLIENT: &str = "cartable";
const REDIRECT: &str = "http://127.0.0.1:53682/callback";

struct Portal {
    origin: String,
    state: AppState,
    outbox: PathBuf,
    http: reqwest::Client,
    _tmp: tempfile::TempDir,
}

impl Portal {
    async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    async fn start_with(configure: impl FnOnce(&mut Config)) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let outbox = tmp.path().join("outbox");
        let mut config =
            Config::demo_for(&listener, tmp.path().join("portal.sqlite3"), outbox.clone())
                .expect("config");
        config.database = common::database_for(tmp.path()).await;
        configure(&mut config);
        let origin = config.origin.clone();
        let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).expect("now");
        let state =
            AppState::open(config, Arc::new(ManualClock::new(now))).await.expect("open portal");
        tokio::spawn(portal_server::serve(listener, state.clone()));
        let http = common::http_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self { origin, state, outbox, http, _tmp: tmp }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// `GET authorize` with the usual parameters, `extra` replacing or removing some
    /// (`None` removes).
    async fn authorize(&self, extra: &[(&str, Option<&str>)]) -> reqwest::Response {
        let challenge = challenge_of(VERIFIER);
        let mut params: Vec<(&str, Option<&str>)> = vec![
            ("client_id", Some(CLIENT)),
            ("response_type", Some("code")),
            ("redirect_uri", Some(REDIRECT)),
            ("scope", Some("openid offline_access")),
            ("state", Some("st-123")),
            ("nonce", Some("no-456")),
            ("code_challenge", Some(&challenge)),
            ("code_challenge_method", Some("S256")),
            ("domain_hint", Some("google.com")),
        ];
        for (name, value) in extra {
            params.retain(|(n, _)| n != name);
            params.push((name, *value));
        }
        let mut url = url::Url::parse(&self.url("/auth/oauth2/v2.0/authorize")).expect("url");
        for (name, value) in &params {
            if let Some(value) = value {
                url.query_pairs_mut().append_pair(name, value);
            }
        }
        self.http.get(url).send().await.expect("authorize")
    }

    /// Authorize with `hint`, then the demo page's form; returns the redirect's `Location`.
    async fn demo_sign_in(
        &self,
        hint: &str,
        email: &str,
        verified: bool,
        action: &str,
    ) -> url::Url {
        let handle = self.demo_page(hint).await;
        self.demo_form(&handle, hint, email, verified, action).await
    }

    /// Authorize with `hint`: the demo page's request handle.
    async fn demo_page(&self, hint: &str) -> String {
        let page = self.authorize(&[("domain_hint", Some(hint))]).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("page");
        assert!(html.contains("Fournisseur de démonstration"), "not labelled: {html}");
        hidden_value(&html, "request")
    }

    /// The demo page's form for the request `handle`; returns the redirect's `Location`.
    async fn demo_form(
        &self,
        handle: &str,
        hint: &str,
        email: &str,
        verified: bool,
        action: &str,
    ) -> url::Url {
        let mut form = vec![
            ("request", handle),
            ("hint", hint),
            ("name", "Julie Gagnon"),
            ("email", email),
            ("action", action),
        ];
        if verified {
            form.push(("email_verified", "on"));
        }
        let answer = self
            .http
            .post(self.url("/auth/demo-provider"))
            .form(&form)
            .send()
            .await
            .expect("demo form");
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{:?}", answer.text().await);
        let location = answer.headers()[header::LOCATION].to_str().expect("ascii").to_owned();
        url::Url::parse(&location).expect("location")
    }

    async fn exchange(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        let answer = self
            .http
            .post(self.url("/auth/oauth2/v2.0/token"))
            .form(&[
                ("client_id", CLIENT),
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .expect("token");
        (answer.status(), answer.json().await.expect("JSON"))
    }

    /// A full social sign-in; returns the access token.
    async fn social_access(&self, hint: &str, email: &str, verified: bool) -> String {
        let back = self.demo_sign_in(hint, email, verified, "continue").await;
        let code = param(&back, "code").expect("code");
        let (status, tokens) = self.exchange(&code, VERIFIER).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        tokens["access_token"].as_str().expect("access token").to_owned()
    }

    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(token)
            .header(header::ACCEPT_LANGUAGE, "en-CA");
        if let Some(body) = body {
            req = req.json(&body);
        }
        let answer = req.send().await.expect("request");
        let status = answer.status();
        let headers = answer.headers().clone();
        let text = answer.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null), headers)
    }

    /// The code in the subject of the last message to `to`.
    fn last_code(&self, to: &str) -> String {
        test_support::latest_code(&self.outbox, to)
            .unwrap_or_else(|| panic!("no code mailed to {to}"))
    }
}

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const OTHER_VERIFIER: &str = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5Zg";

fn challenge_of(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..start + html[start..].find('"').expect("quote")].to_owned()
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(n, _)| n == name).map(|(_, v)| v.into_owned())
}

fn jwt_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64"),
    )
    .expect("JSON")
}

fn maelle(email: &str) -> Value {
    json!({
        "method": "identity", "board_id": "css-capitale", "last_name": "Côté",
        "first_name": "Maëlle", "birth_date": "2020-11-03", "student_number": "7319920",
        "email": email
    })
}

#[tokio::test]
async fn demo_sign_in_returns_code_and_state_and_the_right_verifier_gets_tokens() {
    let portal = Portal::start().await;
    let back =
        portal.demo_sign_in("google.com", "Julie.Gagnon@Gmail.example", true, "continue").await;
    assert_eq!(format!("{}://{}{}", back.scheme(), back.authority(), back.path()), REDIRECT);
    assert_eq!(param(&back, "state").as_deref(), Some("st-123"), "state passed through");
    let code = param(&back, "code").expect("code");

    let (status, tokens) = portal.exchange(&code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let id = jwt_claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(id["nonce"], "no-456", "nonce passed through");
    assert_eq!(id["email"], "julie.gagnon@gmail.example");
    assert_eq!(id["email_verified"], true);
    assert_eq!(tokens["scope"], "openid offline_access");

    // Single use; the refresh token from the first use still works until the code is reused.
    let refresh = |token: String| {
        let portal = &portal;
        async move {
            portal
                .http
                .post(portal.url("/auth/oauth2/v2.0/token"))
                .form(&[
                    ("client_id", CLIENT),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token.as_str()),
                ])
                .send()
                .await
                .expect("token")
        }
    };
    let refreshed = refresh(tokens["refresh_token"].as_str().expect("refresh").to_owned()).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let rotated: Value = refreshed.json().await.expect("json");
    let (status, again) = portal.exchange(&code, VERIFIER).await;
    assert_eq!((status, again["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    // RFC 6749 §4.1.2: the reuse revokes what the code gave, rotated tokens included.
    let after_reuse = refresh(rotated["refresh_token"].as_str().expect("refresh").to_owned()).await;
    assert_eq!(after_reuse.status(), StatusCode::BAD_REQUEST);
    let refused: Value = after_reuse.json().await.expect("json");
    assert_eq!(refused["error"], "invalid_grant", "{refused}");

    // The account is a google one, with no password and no sign-in email.
    let access = rotated["access_token"].as_str().expect("access");
    let (status, me, _) = portal.api(reqwest::Method::GET, "/api/v1/me", access, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["providers"], json!(["google"]));
    assert_eq!(me["email"], Value::Null);
    assert_eq!(me["emails"], json!([{"address": "julie.gagnon@gmail.example", "verified": true}]));
}

#[tokio::test]
async fn a_wrong_code_verifier_is_refused_and_uses_the_code_up() {
    let portal = Portal::start().await;
    let back = portal.demo_sign_in("live.com", "a@example.org", true, "continue").await;
    let code = param(&back, "code").expect("code");
    let (status, refused) = portal.exchange(&code, OTHER_VERIFIER).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"], "invalid_grant");
    assert!(refused["error_codes"].to_string().contains("501481"), "{refused}");
    let (status, after) = portal.exchange(&code, VERIFIER).await;
    assert_eq!((status, after["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));

    // A redirect_uri other than the request's is refused too.
    let back = portal.demo_sign_in("live.com", "a@example.org", true, "continue").await;
    let answer = portal
        .http
        .post(portal.url("/auth/oauth2/v2.0/token"))
        .form(&[
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", &param(&back, "code").expect("code")),
            ("redirect_uri", "http://127.0.0.1:1/callback"),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_demo_page_refuses_an_invalid_email_keeping_what_was_typed() {
    let portal = Portal::start().await;
    let page = portal.authorize(&[]).await;
    let html = page.text().await.expect("page");
    let handle = hidden_value(&html, "request");
    let answer = portal
        .http
        .post(portal.url("/auth/demo-provider"))
        .form(&[
            ("request", handle.as_str()),
            ("hint", "google.com"),
            ("name", "Julie <Gagnon>"),
            ("email", "julie.gagnon"),
            ("action", "continue"),
        ])
        .send()
        .await
        .expect("demo form");
    assert_eq!(answer.status(), StatusCode::OK);
    let csp = answer.headers()[header::CONTENT_SECURITY_POLICY].to_str().expect("ascii").to_owned();
    assert!(
        csp.contains(&format!("form-action 'self' {}", REDIRECT.trim_end_matches("/callback"))),
        "{csp}"
    );
    let again = answer.text().await.expect("page");
    assert!(again.contains("role=\"alert\""), "no message: {again}");
    assert!(again.contains("value=\"Julie &lt;Gagnon&gt;\""), "name lost or unescaped: {again}");
    assert!(again.contains("value=\"julie.gagnon\""), "email lost: {again}");
    // The same request still works once corrected.
    assert_eq!(hidden_value(&again, "request"), handle);
}

#[tokio::test]
async fn cancelling_at_the_provider_returns_access_denied_with_the_state() {
    let portal = Portal::start().await;
    let back = portal.demo_sign_in("facebook.com", "", false, "cancel").await;
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&back, "state").as_deref(), Some("st-123"));
    assert_eq!(param(&back, "code"), None);
}

#[tokio::test]
async fn authorize_requires_pkce_s256_a_loopback_redirect_and_a_known_client() {
    let portal = Portal::start().await;
    for (extra, error) in [
        (vec![("code_challenge", None)], "invalid_request"),
        (vec![("code_challenge_method", Some("plain"))], "invalid_request"),
        (vec![("response_type", Some("token"))], "unsupported_response_type"),
        (vec![("domain_hint", Some("myspace.com"))], "invalid_request"),
    ] {
        let answer = portal.authorize(&extra).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{extra:?}");
        let to = url::Url::parse(answer.headers()[header::LOCATION].to_str().expect("ascii"))
            .expect("url");
        assert_eq!(param(&to, "error").as_deref(), Some(error), "{extra:?}");
        assert_eq!(param(&to, "state").as_deref(), Some("st-123"));
    }
    // Any port on the loopback is fine.
    let any_port =
        portal.authorize(&[("redirect_uri", Some("http://127.0.0.1:1234/callback"))]).await;
    assert_eq!(any_port.status(), StatusCode::OK);
    // Never redirect to an unacceptable URI or for an unknown client.
    for extra in [
        vec![("redirect_uri", Some("http://evil.example:1234/callback"))],
        vec![("redirect_uri", Some("http://localhost:1234/callback"))],
        vec![("client_id", Some("someone-else"))],
    ] {
        let answer = portal.authorize(&extra).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{extra:?}");
        assert!(answer.headers().get(header::LOCATION).is_none());
    }
    // No domain_hint: a chooser listing the providers.
    let chooser = portal.authorize(&[("domain_hint", None)]).await;
    let html = chooser.text().await.expect("html");
    for label in ["Google", "Microsoft", "Facebook", "LinkedIn"] {
        assert!(html.contains(label), "{label} missing: {html}");
    }
}

#[tokio::test]
async fn two_providers_with_the_same_email_are_two_accounts() {
    let portal = Portal::start().await;
    let google = portal.social_access("google.com", "same@example.com", true).await;
    let live = portal.social_access("live.com", "same@example.com", true).await;
    let google_again = portal.social_access("google.com", "same@example.com", true).await;
    let sub = |t: &str| jwt_claims(t)["sub"].as_str().expect("sub").to_owned();
    assert_ne!(sub(&google), sub(&live));
    assert_eq!(sub(&google), sub(&google_again), "(provider, subject) is one account");
    let (_, me, _) = portal.api(reqwest::Method::GET, "/api/v1/me", &live, None).await;
    assert_eq!(me["providers"], json!(["live"]));
}

#[tokio::test]
async fn an_unverified_provider_email_does_not_count_for_association() {
    let portal = Portal::start().await;
    let access = portal.social_access("linkedin.com", "parent.demo@example.com", false).await;
    let (status, problem, _) = portal
        .api(
            reqwest::Method::POST,
            "/api/v1/children",
            &access,
            Some(maelle("parent.demo@example.com")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["code"], "email_not_verified");
}

#[tokio::test]
async fn linking_the_school_email_with_a_code_then_associating_a_child() {
    let portal = Portal::start().await;
    let access = portal.social_access("google.com", "julie@gmail.example", true).await;
    let school = "Parent.Demo@example.com";

    // Not yet verified: association refused.
    let (status, _, _) =
        portal.api(reqwest::Method::POST, "/api/v1/children", &access, Some(maelle(school))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, challenge, _) = portal
        .api(reqwest::Method::POST, "/api/v1/me/emails", &access, Some(json!({"email": school})))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{challenge}");
    assert_eq!(challenge["code_length"], 6);
    assert_eq!(challenge["interval"], 60);
    assert!(challenge["challenge_target_label"].as_str().expect("label").contains('*'));
    let (_, me, _) = portal.api(reqwest::Method::GET, "/api/v1/me", &access, None).await;
    assert!(
        me["emails"]
            .as_array()
            .expect("emails")
            .contains(&json!({"address": "parent.demo@example.com", "verified": false})),
        "{me}"
    );

    // A resend right away is throttled (§1 interval).
    let (status, problem, headers) = portal
        .api(reqwest::Method::POST, "/api/v1/me/emails", &access, Some(json!({"email": school})))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("throttled"))
    );
    assert!(headers.contains_key(header::RETRY_AFTER));

    let code = portal.last_code("parent.demo@example.com");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, problem, _) = portal
        .api(
            reqwest::Method::POST,
            "/api/v1/me/emails/verify",
            &access,
            Some(json!({"email": school, "code": wrong})),
        )
        .await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_code")));

    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let (status, entry, _) = portal
        .api(
            reqwest::Method::POST,
            "/api/v1/me/emails/verify",
            &access,
            Some(json!({"email": school, "code": spaced})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{entry}");
    assert_eq!(entry, json!({"address": "parent.demo@example.com", "verified": true}));

    // The code is used up.
    let (status, problem, _) = portal
        .api(
            reqwest::Method::POST,
            "/api/v1/me/emails/verify",
            &access,
            Some(json!({"email": school, "code": code})),
        )
        .await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("code_expired")));

    let (status, child, _) =
        portal.api(reqwest::Method::POST, "/api/v1/children", &access, Some(maelle(school))).await;
    assert_eq!(status, StatusCode::CREATED, "{child}");
    assert_eq!(child["first_name"], "Maëlle");
}

#[tokio::test]
async fn linking_says_email_in_use_only_after_the_code_and_refuses_malformed_addresses() {
    let portal = Portal::start().await;
    db::on!(portal.state.db, |c| sqlx::query("INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('other', 'taken@example.com', 'x', '2026-01-01T00:00:00Z')")
        .execute(c)
        .await.map(|r| r.rows_affected()))
        .expect("insert");
    let access = portal.social_access("google.com", "me@gmail.example", true).await;
    let (status, problem, _) = portal
        .api(
            reqwest::Method::POST,
            "/api/v1/me/emails",
            &access,
            Some(json!({"email": "Taken@example.com"})),
        )
        .await;
    // The same 202 as for a free address: POST /me/emails cannot tell who has an account
    // (docs/contract.md §5); only the code proves the parent owns it, then `email_in_use`.
    assert_eq!(status, StatusCode::ACCEPTED, "{problem}");
    let (free, free_body, _) = portal
        .api(
            reqwest::Method::POST,
            "/api/v1/me/emails",
            &access,
            Some(json!({"email": "free@example.com"})),
        )
        .await;
    assert_eq!(free, StatusCode::ACCEPTED);
    let keys = |v: &serde_json::Value| {
        v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default()
    };
    assert_eq!(keys(&problem), keys(&free_body));
    let code = portal.last_code("taken@example.com");
    let (status, problem, _) = portal
        .api(
            reqwest::Method::POST,
            "/api/v1/me/emails/verify",
            &access,
            Some(json!({"email": "taken@example.com", "code": code})),
        )
        .await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("email_in_use")));
    let (status, problem, _) = portal
        .api(
            reqwest::Method::POST,
            "/api/v1/me/emails",
            &access,
            Some(json!({"email": "no-at-sign"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_fields"))
    );
    assert_eq!(problem["errors"][0]["field"], "email");
    let (status, _, _) = portal
        .api(
            reqwest::Method::POST,
            "/api/v1/me/emails/verify",
            &access,
            Some(json!({"email": "never@example.com", "code": "123456"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_unreachable_upstream_sends_the_browser_back_and_stray_callbacks_are_refused() {
    // A closed loopback port stands for a provider that is down: discovery fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let issuer = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let portal = Portal::start_with(|c| {
        c.providers.push(portal_server::config::UpstreamProvider {
            domain_hint: "google.com".to_owned(),
            issuer,
            client_id: "cartable-portal".to_owned(),
            client_secret: None,
            scopes: vec!["openid".to_owned(), "email".to_owned()],
        });
    })
    .await;
    let answer = portal.authorize(&[]).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let to =
        url::Url::parse(answer.headers()[header::LOCATION].to_str().expect("ascii")).expect("url");
    assert_eq!(param(&to, "error").as_deref(), Some("temporarily_unavailable"));
    assert_eq!(param(&to, "state").as_deref(), Some("st-123"));
    // Other hints still reach the demo provider in demo mode.
    assert_eq!(
        portal.authorize(&[("domain_hint", Some("live.com"))]).await.status(),
        StatusCode::OK
    );
    // A callback that matches no request is an error page, not a redirect.
    let stray = portal
        .http
        .get(portal.url("/auth/federation/callback?code=x&state=unknown"))
        .send()
        .await
        .expect("callback");
    assert_eq!(stray.status(), StatusCode::BAD_REQUEST);
    assert!(stray.headers().get(header::LOCATION).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn provider_sign_ins_succeed_while_the_purge_writes() {
    let portal = Portal::start().await;
    // The periodic purge writes while parents sign in: a transaction that read first and
    // wrote second would fail at its write (SQLITE_BUSY) instead of waiting its turn.
    let state = portal.state.clone();
    let purging = tokio::spawn(async move {
        loop {
            portal_server::maintenance::purge(&state).await.expect("purge");
            tokio::task::yield_now().await;
        }
    });
    // 9 sign-ins of 3 requests each stay within the default per-address burst (30).
    for i in 0..9 {
        portal.social_access("google.com", &format!("parent{i}@gmail.example"), true).await;
    }
    purging.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_first_sign_ins_of_one_person_make_one_account() {
    let portal = Arc::new(
        Portal::start_with(|c| {
            c.security.per_address_per_minute = 1_000_000;
            c.security.per_address_burst = 1_000_000;
        })
        .await,
    );
    // First sign-ins of one person (provider, subject), their forms posted at once, in several
    // rounds: on PostgreSQL each may find no account and create one; the first to link the
    // identity wins, and the others must take its account instead of failing.
    for round in 0..5 {
        let email = format!("meme.personne{round}@gmail.example");
        let mut handles = Vec::new();
        for _ in 0..16 {
            handles.push(portal.demo_page("google.com").await);
        }
        let gate = Arc::new(tokio::sync::Barrier::new(handles.len()));
        let tasks: Vec<_> = handles
            .into_iter()
            .map(|handle| {
                let (portal, gate, email) = (Arc::clone(&portal), Arc::clone(&gate), email.clone());
                tokio::spawn(async move {
                    gate.wait().await;
                    portal.demo_form(&handle, "google.com", &email, true, "continue").await
                })
            })
            .collect();
        let mut subjects = std::collections::BTreeSet::new();
        for task in tasks {
            let back = task.await.expect("sign-in");
            let code = param(&back, "code").expect("code");
            let (status, tokens) = portal.exchange(&code, VERIFIER).await;
            assert_eq!(status, StatusCode::OK, "{tokens}");
            let access = tokens["access_token"].as_str().expect("access token");
            subjects.insert(jwt_claims(access)["sub"].as_str().expect("sub").to_owned());
        }
        assert_eq!(subjects.len(), 1, "round {round}, one account: {subjects:?}");
    }
}
