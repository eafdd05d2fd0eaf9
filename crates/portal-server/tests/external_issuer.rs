//! The portal as the parent API alone behind an external OpenID issuer (`[external_issuer]`,
//! `docs/contract.md §6`): a real, independent issuer (panva's oidc-provider in node,
//! `crates/portal-client/tests/oidc/api-issuer.mjs`) signs a parent in through its own login
//! and consent pages (driven over HTTP here) and issues a JWT access token; the portal accepts
//! it, keys the account by (issuer, `sub`), and refuses its own kind of tokens.
//!
//! Needs `node` and `npm ci --prefix crates/portal-client/tests/oidc`; `cargo xtask test` runs
//! it in its OpenID provider stage (`-- --ignored`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    collections::BTreeMap,
    io::{BufRead as _, BufReader},
    process::{Child, Command, Stdio},
};

use base64::Engine as _;
use common::{TestPortal, into_reply};
use portal_server::{clock::ManualClock, external::ExternalIssuer};
use serde_json::{Value, json};
use sha2::Digest as _;

const NEEDS: &str = "needs node and npm ci in crates/portal-client/tests/oidc";
const CLIENT: &str = "cartable-test";
const SECRET: &str = "a-test-secret-known-to-the-test-only";
const REDIRECT: &str = "http://127.0.0.1/callback";
const VERIFIER: &str = "a-pkce-verifier-of-enough-length-for-rfc-7636-section-4-1";

/// The node issuer, killed on drop. Its stdout stays open (it would die of EPIPE).
struct Issuer {
    child: Child,
    url: String,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Issuer {
    fn start() -> Self {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../portal-client/tests/oidc/api-issuer.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect(NEEDS);
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect(NEEDS);
        assert!(line.starts_with("http://"), "{NEEDS}: {line}");
        Self { child, url: line.trim().to_owned(), _stdout: stdout }
    }

    /// Signs `login` in through the issuer's login and consent pages and exchanges the code:
    /// the access token.
    async fn access_token(&self, login: &str) -> String {
        let http =
            common::http_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(VERIFIER.as_bytes()));
        let mut next = url::Url::parse_with_params(
            &format!("{}/auth", self.url),
            [
                ("client_id", CLIENT),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("scope", "openid email parent"),
                ("resource", "urn:cartable:parent-api"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("state", "s"),
                ("nonce", "n"),
            ],
        )
        .unwrap()
        .to_string();
        let mut cookies: BTreeMap<String, String> = BTreeMap::new();
        let mut form: Option<Vec<(String, String)>> = None;
        let code = loop {
            let cookie = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>();
            let request = match form.take() {
                Some(fields) => http.post(&next).form(&fields),
                None => http.get(&next),
            };
            let answer =
                request.header("cookie", cookie.join("; ")).send().await.expect("issuer request");
            for set in answer.headers().get_all("set-cookie") {
                let pair = set.to_str().unwrap().split(';').next().unwrap();
                if let Some((name, value)) = pair.split_once('=') {
                    cookies.insert(name.to_owned(), value.to_owned());
                }
            }
            let status = answer.status();
            if status.is_redirection() {
                let location = answer.headers()["location"].to_str().unwrap().to_owned();
                if let Some(query) = location.strip_prefix(&format!("{REDIRECT}?")) {
                    let params: BTreeMap<String, String> =
                        url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
                    break params.get("code").cloned().unwrap_or_else(|| panic!("{location}"));
                }
                next = url::Url::parse(&self.url).unwrap().join(&location).unwrap().to_string();
                continue;
            }
            // A login or consent page: post its form, with the login name where it asks one.
            let html = answer.text().await.unwrap();
            assert!(status.is_success(), "{status}: {html}");
            let action = attribute(&html, "<form", "action").expect("a form");
            let mut fields: Vec<(String, String)> = inputs(&html);
            for (name, value) in &mut fields {
                match name.as_str() {
                    "login" => *value = login.to_owned(),
                    "password" => *value = "any".to_owned(),
                    _ => {}
                }
            }
            next = url::Url::parse(&self.url).unwrap().join(&action).unwrap().to_string();
            form = Some(fields);
        };
        let tokens: Value = http
            .post(format!("{}/token", self.url))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
                ("code_verifier", VERIFIER),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token JSON");
        let access = tokens["access_token"].as_str().unwrap_or_else(|| panic!("{tokens}"));
        assert_eq!(access.split('.').count(), 3, "a JWT access token: {tokens}");
        access.to_owned()
    }
}

impl Drop for Issuer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of `name="…"` in the first tag starting with `tag`.
fn attribute(html: &str, tag: &str, name: &str) -> Option<String> {
    let start = html.find(tag)?;
    let end = start + html[start..].find('>')?;
    value_of(&html[start..end], name)
}

fn value_of(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let len = tag[at..].find('"')?;
    Some(tag[at..at + len].replace("&amp;", "&"))
}

/// Every `<input name=… value=…>` of `html` (value empty when absent).
fn inputs(html: &str) -> Vec<(String, String)> {
    html.match_indices("<input")
        .filter_map(|(start, _)| {
            let end = start + html[start..].find('>')?;
            let tag = &html[start..end];
            Some((value_of(tag, "name")?, value_of(tag, "value").unwrap_or_default()))
        })
        .collect()
}

async fn portal_behind(issuer: &Issuer) -> TestPortal {
    let tmp = tempfile::tempdir().expect("tempdir");
    let settings: ExternalIssuer =
        toml::from_str(&format!("issuer = \"{}\"\naudience = \"cartable-parent-api\"", issuer.url))
            .expect("[external_issuer]");
    let mut portal =
        TestPortal::start_with(tmp.path(), ManualClock::new(common::start_time()), None, |c| {
            c.external_issuer = Some(settings)
        })
        .await;
    portal.keep_dir(tmp);
    portal
}

async fn api(
    portal: &TestPortal,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> common::Reply {
    into_reply(
        common::http()
            .request(method, portal.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request"),
    )
    .await
}

#[tokio::test]
#[ignore = "needs node and npm ci in crates/portal-client/tests/oidc"]
async fn the_issuers_access_tokens_open_the_parent_api_and_nothing_else_does() {
    let issuer = Issuer::start();
    let portal = portal_behind(&issuer).await;

    // The demo fixture's parent, signed in at the issuer: one account, found again.
    let token = issuer.access_token("parent.demo@example.com").await;
    let me = api(&portal, reqwest::Method::GET, "/api/v1/me", &token).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(
        me.json["emails"],
        json!([{"address": "parent.demo@example.com", "verified": true}])
    );
    assert_eq!(me.json["providers"], json!([issuer.url]));
    let again = api(&portal, reqwest::Method::GET, "/api/v1/me", &token).await;
    assert_eq!(again.json["id"], me.json["id"], "the same account on every request");
    let second = issuer.access_token("parent.demo@example.com").await;
    let r = api(&portal, reqwest::Method::GET, "/api/v1/me", &second).await;
    assert_eq!(r.json["id"], me.json["id"], "and with the next token");

    // The verified email associates a child of the registry.
    let associated = common::http()
        .post(portal.url("/api/v1/children"))
        .bearer_auth(&token)
        .json(&json!({
            "method": "identity", "board_id": "css-capitale", "last_name": "Côté",
            "first_name": "Maëlle", "birth_date": "2020-11-03", "student_number": "7319920",
            "email": "parent.demo@example.com"
        }))
        .send()
        .await
        .expect("associate");
    let associated = into_reply(associated).await;
    assert_eq!(associated.status, 201, "{}", associated.text);

    // An unverified email at the issuer is held unverified.
    let unverified = issuer.access_token("unverified:autre.parent@example.com").await;
    let r = api(&portal, reqwest::Method::GET, "/api/v1/me", &unverified).await;
    assert_eq!(
        r.json["emails"],
        json!([{"address": "autre.parent@example.com", "verified": false}])
    );
    assert_ne!(r.json["id"], me.json["id"]);

    // A token the issuer did not sign (its signature altered) is refused.
    let (head, rest) = token.rsplit_once('.').expect("JWT");
    let forged = format!("{head}.{}", rest.chars().rev().collect::<String>());
    let r = api(&portal, reqwest::Method::GET, "/api/v1/me", &forged).await;
    assert_eq!((r.status, r.json["code"].as_str()), (401, Some("invalid_token")), "{}", r.text);

    // The identity endpoints are not served: the issuer is the identity service.
    let r = portal.initiate("parent.demo@example.com").await;
    assert_eq!(r.status, 404, "{}", r.text);
    let jwks =
        common::http().get(portal.url("/auth/discovery/v2.0/keys")).send().await.expect("jwks");
    assert_eq!(jwks.status(), 404);

    // A portal's own access token (another portal, same kind of token) is refused.
    let other = TestPortal::start().await;
    let own = other.signed_up_access("parent.demo@example.com").await;
    let r = api(&portal, reqwest::Method::GET, "/api/v1/me", &own).await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
#[ignore = "needs node and npm ci in crates/portal-client/tests/oidc"]
async fn a_portal_whose_issuer_cannot_be_reached_does_not_start() {
    let issuer = Issuer::start();
    let url = issuer.url.clone();
    drop(issuer);
    let settings: ExternalIssuer =
        toml::from_str(&format!("issuer = \"{url}\"\naudience = \"cartable-parent-api\""))
            .expect("settings");
    let tmp = tempfile::tempdir().expect("tempdir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let mut config = portal_server::config::Config::demo_for(
        &listener,
        tmp.path().join("portal.sqlite3"),
        tmp.path().join("outbox"),
    )
    .expect("config");
    config.external_issuer = Some(settings);
    let clock = std::sync::Arc::new(ManualClock::new(common::start_time()));
    let error = portal_server::AppState::open(config, clock).await.err().expect("refused");
    let message = error.to_string();
    assert!(message.contains("[external_issuer]") && message.contains(&url), "{message}");
}
