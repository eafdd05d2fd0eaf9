//! Tokens, refresh, revocation and discovery (`docs/contract.md §4`), against the real server on
//! `127.0.0.1:0` with a real SQLite file and a [`ManualClock`].
//!
//! Accounts are inserted through the pool and tokens issued with `issue_tokens` directly (the
//! sign-in flows that call it belong to the identity routes); everything a client sees goes
//! over HTTP.

use std::{path::Path, sync::Arc};

use axum::{Router, routing::get};
use cartable_core::wire::tokens::{Discovery, IdTokenClaims, Jwks, TokenResponse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use portal_server::{
    AppState,
    clock::{Clock as _, ManualClock},
    config::Config,
    db,
    http::extract::AuthParent,
    tokens::{
        AccessClaims, GrantFailure, TokenError, issue_tokens, refresh_grant,
        revoke_all_for_account, verify_access_token,
    },
};
use serde::de::DeserializeOwned;
use time::{Duration, OffsetDateTime};

const CLIENT: &str = "cartable";
const SCOPE: &str = "openid offline_access";

struct Portal {
    origin: String,
    state: AppState,
    clock: ManualClock,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Portal {
    /// A portal on a fresh port over the database in `dir`; `origin` overrides the configured
    /// origin (a restarted portal keeps its configured origin even if the port changes).
    async fn start(dir: &Path, clock: ManualClock, origin: Option<&str>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let mut config =
            Config::demo_for(&listener, dir.join("portal.sqlite3"), dir.join("outbox"))
                .expect("config");
        if let Some(origin) = origin {
            config.origin = origin.to_owned();
        }
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = AppState::open(config, Arc::new(clock.clone())).await.expect("open");
        let server = tokio::spawn(portal_server::serve(listener, state.clone()));
        Self { origin: base, state, clock, server }
    }

    async fn stop(self) {
        self.server.abort();
        let _ = self.server.await;
        self.state.db.close().await;
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> T {
        let response = reqwest::get(self.url(path)).await.expect("GET");
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON")
    }

    async fn revoke(&self, form: &[(&str, &str)]) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.url("/auth/oauth2/v2.0/revoke"))
            .form(form)
            .send()
            .await
            .expect("POST revoke")
    }

    /// An account with a verified primary email, as sign-up leaves it (`0001_identity.sql`).
    async fn new_account(&self, email: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.state.now();
        db::on!(self.state.db, |c| sqlx::query(
            "INSERT INTO accounts (id, email, password_hash, created_at) VALUES ($1, $2, NULL, $3)",
        )
        .bind(&id)
        .bind(email)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
        .expect("insert account");
        db::on!(self.state.db, |c| sqlx::query(
            "INSERT INTO account_emails (account_id, address, verified, created_at) \
             VALUES ($1, $2, TRUE, $3)",
        )
        .bind(&id)
        .bind(email)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
        .expect("insert email");
        id
    }

    async fn sign_in(&self, account: &str) -> TokenResponse {
        issue_tokens(&self.state, account, CLIENT, SCOPE, None).await.expect("issue")
    }

    async fn refresh(&self, token: &str) -> Result<TokenResponse, TokenError> {
        refresh_grant(&self.state, CLIENT, token, None).await
    }
}

fn clock() -> ManualClock {
    ManualClock::new(OffsetDateTime::now_utc())
}

fn failure(result: Result<TokenResponse, TokenError>) -> GrantFailure {
    match result {
        Err(TokenError::InvalidGrant(why)) => {
            assert_eq!(TokenError::InvalidGrant(why).to_oauth_error().error, "invalid_grant");
            why
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}

/// Verifies `jwt` with the key its header names in `jwks`; `exp` is checked by the caller.
fn decode<T: DeserializeOwned>(jwks: &Jwks, jwt: &str, iss: &str, aud: &str) -> T {
    let header = jsonwebtoken::decode_header(jwt).expect("header");
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.expect("kid");
    let jwk = jwks.keys.iter().find(|k| k.kid == kid).expect("kid in JWKS");
    let key = DecodingKey::from_rsa_components(&jwk.n, &jwk.e).expect("RSA key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.set_issuer(&[iss]);
    validation.set_audience(&[aud]);
    jsonwebtoken::decode::<T>(jwt, &key, &validation).expect("valid JWT").claims
}

#[tokio::test]
async fn discovery_lists_the_contract_endpoints() {
    let dir = tempfile::tempdir().expect("tempdir");
    let portal = Portal::start(dir.path(), clock(), None).await;
    let authority = format!("{}/auth/", portal.origin);

    let doc: Discovery = portal.get_json("/auth/v2.0/.well-known/openid-configuration").await;
    assert_eq!(doc.issuer, format!("{authority}v2.0"));
    assert_eq!(doc.authorization_endpoint, format!("{authority}oauth2/v2.0/authorize"));
    assert_eq!(doc.token_endpoint, format!("{authority}oauth2/v2.0/token"));
    assert_eq!(doc.revocation_endpoint, Some(format!("{authority}oauth2/v2.0/revoke")));
    assert_eq!(doc.jwks_uri, format!("{authority}discovery/v2.0/keys"));
    assert_eq!(doc.response_types_supported, ["code"]);
    assert_eq!(doc.subject_types_supported, ["public"]);
    assert_eq!(doc.id_token_signing_alg_values_supported, ["RS256"]);
    assert_eq!(doc.code_challenge_methods_supported, ["S256"]);
    assert_eq!(doc.token_endpoint_auth_methods_supported, ["none"]);
    assert_eq!(doc.scopes_supported, ["openid", "offline_access", "parent"]);

    // The jwks_uri it names serves the RSA key.
    let jwks: Jwks = reqwest::get(&doc.jwks_uri).await.expect("GET").json().await.expect("JSON");
    assert_eq!(jwks.keys.len(), 1);
    let key = &jwks.keys[0];
    assert_eq!(
        (key.kty.as_str(), key.use_.as_deref(), key.alg.as_deref()),
        ("RSA", Some("sig"), Some("RS256"))
    );
    assert_eq!(key.e, "AQAB");
    assert_eq!(key.n.len(), 342, "2048-bit modulus in base64url");
    portal.stop().await;
}

#[tokio::test]
async fn issued_jwts_verify_against_the_jwks_with_the_contract_claims() {
    let dir = tempfile::tempdir().expect("tempdir");
    let portal = Portal::start(dir.path(), clock(), None).await;
    let account = portal.new_account("parent@example.ca").await;

    let tokens = issue_tokens(&portal.state, &account, CLIENT, SCOPE, Some("n-0S6_WzA2Mj"))
        .await
        .expect("issue");
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.scope, SCOPE);
    assert_eq!(tokens.expires_in, 900);
    assert_eq!(tokens.refresh_token.expose().len(), 43, "256 bits, base64url");

    // The wire shape of §4, field for field.
    let json = serde_json::to_value(&tokens).expect("JSON");
    let mut fields: Vec<_> = json.as_object().expect("object").keys().cloned().collect();
    fields.sort();
    assert_eq!(
        fields,
        ["access_token", "expires_in", "id_token", "refresh_token", "scope", "token_type"]
    );

    let jwks: Jwks = portal.get_json("/auth/discovery/v2.0/keys").await;
    let issuer = format!("{}/auth/v2.0", portal.origin);
    let api = format!("{}/api/v1/", portal.origin);

    let access: AccessClaims = decode(&jwks, tokens.access_token.expose(), &issuer, &api);
    assert_eq!(access.sub, account);
    assert_eq!(access.scp, "parent");
    assert_eq!(access.exp - access.iat, 900);
    assert_eq!(access.iat, portal.clock.now().unix_timestamp());
    assert!(!access.jti.is_empty());

    let id: IdTokenClaims = decode(&jwks, tokens.id_token.expose(), &issuer, CLIENT);
    assert_eq!(id.sub, account);
    assert_eq!(id.email.as_deref(), Some("parent@example.ca"));
    assert_eq!(id.email_verified, Some(true));
    assert_eq!(id.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert_eq!(id.exp - id.iat, 900);

    // The server's own verifier accepts the access token and refuses the ID token (wrong aud).
    assert_eq!(
        verify_access_token(&portal.state, tokens.access_token.expose()).expect("valid").sub,
        account
    );
    assert!(verify_access_token(&portal.state, tokens.id_token.expose()).is_err());

    // The refresh token is stored only as a keyed hash.
    let plain: i64 = db::on!(portal.state.db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = $1"
    )
    .bind(tokens.refresh_token.expose())
    .fetch_one(c)
    .await)
    .expect("count");
    assert_eq!(plain, 0);
    portal.stop().await;
}

#[tokio::test]
async fn refresh_rotates_on_every_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    let portal = Portal::start(dir.path(), clock(), None).await;
    let account = portal.new_account("rotate@example.ca").await;
    let first = portal.sign_in(&account).await;

    let second = portal.refresh(first.refresh_token.expose()).await.expect("first refresh");
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(second.scope, SCOPE);
    assert_eq!(
        verify_access_token(&portal.state, second.access_token.expose()).expect("valid").sub,
        account
    );
    let third = portal.refresh(second.refresh_token.expose()).await.expect("second refresh");
    assert_ne!(third.refresh_token, second.refresh_token);

    // Another client cannot use it (RFC 6749 §6), and that does not burn it.
    let other =
        refresh_grant(&portal.state, "someone-else", third.refresh_token.expose(), None).await;
    assert_eq!(failure(other), GrantFailure::ClientMismatch);
    // A refresh may narrow the scope but not widen it.
    let wider =
        refresh_grant(&portal.state, CLIENT, third.refresh_token.expose(), Some("openid parent"))
            .await;
    assert!(matches!(wider, Err(TokenError::InvalidScope)), "{wider:?}");
    let narrower =
        refresh_grant(&portal.state, CLIENT, third.refresh_token.expose(), Some("openid"))
            .await
            .expect("narrower scope");
    assert_eq!(narrower.scope, "openid");
    assert_eq!(failure(portal.refresh("not-a-token").await), GrantFailure::Unknown);
    portal.stop().await;
}

#[tokio::test]
async fn reusing_a_rotated_token_revokes_the_family() {
    let dir = tempfile::tempdir().expect("tempdir");
    let portal = Portal::start(dir.path(), clock(), None).await;
    let account = portal.new_account("reuse@example.ca").await;
    let first = portal.sign_in(&account).await;
    let bystander = portal.sign_in(&account).await; // another device: another family
    let second = portal.refresh(first.refresh_token.expose()).await.expect("refresh");

    assert_eq!(failure(portal.refresh(first.refresh_token.expose()).await), GrantFailure::Reused);
    // The newest token of the family is dead too…
    assert_eq!(failure(portal.refresh(second.refresh_token.expose()).await), GrantFailure::Revoked);
    // …but the other family is untouched.
    portal.refresh(bystander.refresh_token.expose()).await.expect("other family still works");
    portal.stop().await;
}

#[tokio::test]
async fn refresh_tokens_expire_after_30_days_unused_and_90_days_in_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let portal = Portal::start(dir.path(), clock(), None).await;
    let account = portal.new_account("expiry@example.ca").await;

    // Sliding: used on day 29 it lives on; left alone 30 days it lapses.
    let idle = portal.sign_in(&account).await;
    let mut kept = portal.sign_in(&account).await;
    portal.clock.advance(Duration::days(29));
    kept = portal.refresh(kept.refresh_token.expose()).await.expect("day 29");
    portal.clock.advance(Duration::days(1) + Duration::seconds(1));
    assert_eq!(failure(portal.refresh(idle.refresh_token.expose()).await), GrantFailure::Inactive);

    // Absolute: refreshed every 29 days, the family still ends 90 days after sign-in.
    kept = portal.refresh(kept.refresh_token.expose()).await.expect("day 30");
    portal.clock.advance(Duration::days(29));
    kept = portal.refresh(kept.refresh_token.expose()).await.expect("day 59");
    portal.clock.advance(Duration::days(29));
    kept = portal.refresh(kept.refresh_token.expose()).await.expect("day 88");
    portal.clock.advance(Duration::days(2));
    assert_eq!(failure(portal.refresh(kept.refresh_token.expose()).await), GrantFailure::Expired);
    portal.stop().await;
}

#[tokio::test]
async fn revocation_answers_200_and_kills_the_family() {
    let dir = tempfile::tempdir().expect("tempdir");
    let portal = Portal::start(dir.path(), clock(), None).await;
    let account = portal.new_account("revoke@example.ca").await;
    let first = portal.sign_in(&account).await;
    let second = portal.refresh(first.refresh_token.expose()).await.expect("refresh");

    // Revoking the rotated first token revokes the family, including the live second one.
    let response = portal
        .revoke(&[
            ("token", first.refresh_token.expose()),
            ("token_type_hint", "refresh_token"),
            ("client_id", CLIENT),
        ])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(failure(portal.refresh(second.refresh_token.expose()).await), GrantFailure::Revoked);

    // Garbage, an access token, or no hint: still 200 (RFC 7009 §2.2).
    let fresh = portal.sign_in(&account).await;
    for token in ["garbage", fresh.access_token.expose()] {
        let response = portal.revoke(&[("token", token), ("client_id", CLIENT)]).await;
        assert_eq!(response.status(), 200);
    }
    portal.refresh(fresh.refresh_token.expose()).await.expect("untouched by the other revocations");

    // An unknown client is refused with the identity error body (§0), and revokes nothing.
    let later = portal.sign_in(&account).await;
    let response =
        portal.revoke(&[("token", later.refresh_token.expose()), ("client_id", "intruder")]).await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_codes"].is_array());
    portal.refresh(later.refresh_token.expose()).await.expect("not revoked");
    portal.stop().await;
}

#[tokio::test]
async fn revoke_all_for_account_ends_every_session_of_that_account_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let portal = Portal::start(dir.path(), clock(), None).await;
    let account = portal.new_account("reset@example.ca").await;
    let other = portal.new_account("other@example.ca").await;
    let phone = portal.sign_in(&account).await;
    let laptop = portal.sign_in(&account).await;
    let theirs = portal.sign_in(&other).await;

    assert_eq!(revoke_all_for_account(&portal.state, &account).await.expect("revoke"), 2);
    assert_eq!(failure(portal.refresh(phone.refresh_token.expose()).await), GrantFailure::Revoked);
    assert_eq!(failure(portal.refresh(laptop.refresh_token.expose()).await), GrantFailure::Revoked);
    portal.refresh(theirs.refresh_token.expose()).await.expect("other account untouched");
    portal.stop().await;
}

#[tokio::test]
async fn keys_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = clock();
    let before = Portal::start(dir.path(), clock.clone(), None).await;
    let origin = before.origin.clone();
    let account = before.new_account("restart@example.ca").await;
    let tokens = before.sign_in(&account).await;
    let jwks_before: Jwks = before.get_json("/auth/discovery/v2.0/keys").await;
    before.stop().await;

    let after = Portal::start(dir.path(), clock, Some(&origin)).await;
    let jwks_after: Jwks = after.get_json("/auth/discovery/v2.0/keys").await;
    assert_eq!(jwks_after, jwks_before);
    let issuer = format!("{origin}/auth/v2.0");
    let claims: AccessClaims =
        decode(&jwks_after, tokens.access_token.expose(), &issuer, &format!("{origin}/api/v1/"));
    assert_eq!(claims.sub, account);
    verify_access_token(&after.state, tokens.access_token.expose()).expect("still valid");
    after.refresh(tokens.refresh_token.expose()).await.expect("refresh token still valid");
    after.stop().await;
}

#[tokio::test]
async fn auth_parent_answers_401_with_problem_and_challenge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let portal = Portal::start(dir.path(), clock(), None).await;
    let account = portal.new_account("api@example.ca").await;
    let tokens = portal.sign_in(&account).await;

    // A tiny router that only needs the extractor.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = Router::new()
        .route("/whoami", get(|auth: AuthParent| async move { auth.account_id }))
        .with_state(portal.state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();
    let call = |auth: Option<String>| {
        let mut request = client.get(format!("{base}/whoami"));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        request.send()
    };

    let ok = call(Some(format!("Bearer {}", tokens.access_token.expose()))).await.expect("GET");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.expect("body"), account);
    let ok = call(Some(format!("bearer {}", tokens.access_token.expose()))).await.expect("GET");
    assert_eq!(ok.status(), 200, "the scheme is case-insensitive");

    let expect_401 = |response: reqwest::Response, case: &'static str| async move {
        assert_eq!(response.status(), 401, "{case}");
        assert_eq!(
            response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()),
            Some(r#"Bearer error="invalid_token""#),
            "{case}"
        );
        assert_eq!(
            response.headers().get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{case}"
        );
        let body: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(body["code"], "invalid_token", "{case}");
        assert_eq!(body["status"], 401, "{case}");
        assert!(body["type"].is_string() && body["title"].is_string(), "{case}");
        assert!(body["detail"].is_string(), "{case}");
    };
    expect_401(call(None).await.expect("GET"), "missing").await;
    expect_401(call(Some("Bearer garbage".into())).await.expect("GET"), "garbage").await;
    expect_401(
        call(Some(format!("Basic {}", tokens.access_token.expose()))).await.expect("GET"),
        "scheme",
    )
    .await;
    let id_token = format!("Bearer {}", tokens.id_token.expose());
    expect_401(call(Some(id_token)).await.expect("GET"), "id token").await;
    // A token signed by a key that is not ours.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let stranger =
        Portal::start(other_dir.path(), portal.clock.clone(), Some(&portal.state.config.origin))
            .await;
    let foreign_account = stranger.new_account("stranger@example.ca").await;
    let foreign = stranger.sign_in(&foreign_account).await;
    expect_401(
        call(Some(format!("Bearer {}", foreign.access_token.expose()))).await.expect("GET"),
        "foreign key",
    )
    .await;
    stranger.stop().await;

    // Expired: 900 s lifetime, the clock moves 901 s.
    portal.clock.advance(Duration::seconds(901));
    let expired = format!("Bearer {}", tokens.access_token.expose());
    expect_401(call(Some(expired)).await.expect("GET"), "expired").await;

    // A deleted account's still-unexpired token is refused.
    let fresh = portal.sign_in(&account).await;
    db::on!(portal.state.db, |c| sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(&account)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .expect("delete");
    let gone = format!("Bearer {}", fresh.access_token.expose());
    expect_401(call(Some(gone)).await.expect("GET"), "deleted account").await;
    // Its refresh tokens went with it.
    assert_eq!(failure(portal.refresh(fresh.refresh_token.expose()).await), GrantFailure::Unknown);

    server.abort();
    portal.stop().await;
}

#[tokio::test]
async fn the_token_endpoint_rotates_and_refuses_reuse_over_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    let portal = Portal::start(dir.path(), clock(), None).await;
    let account = portal.new_account("http@example.ca").await;
    let first = portal.sign_in(&account).await;
    let client = reqwest::Client::new();
    let refresh = |token: String| {
        client
            .post(portal.url("/auth/oauth2/v2.0/token"))
            .form(&[
                ("client_id", CLIENT),
                ("grant_type", "refresh_token"),
                ("refresh_token", &token),
            ])
            .send()
    };

    let response = refresh(first.refresh_token.expose().to_owned()).await.expect("POST token");
    assert_eq!(response.status(), 200);
    let second: TokenResponse = response.json().await.expect("token response");
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(second.expires_in, 900);
    assert_eq!(
        verify_access_token(&portal.state, second.access_token.expose()).expect("valid").sub,
        account
    );

    // Reuse of the rotated token: 400 invalid_grant in the identity error body (§0, §4)…
    let reused = refresh(first.refresh_token.expose().to_owned()).await.expect("POST token");
    assert_eq!(reused.status(), 400);
    let body: serde_json::Value = reused.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_codes"].as_array().is_some_and(|c| !c.is_empty()), "{body}");
    // …and the family's newest token is dead too.
    let newest = refresh(second.refresh_token.expose().to_owned()).await.expect("POST token");
    assert_eq!(newest.status(), 400);
    let body: serde_json::Value = newest.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_grant");
    portal.stop().await;
}
