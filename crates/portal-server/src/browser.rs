//! The browser flow (`docs/contract.md §5`): authorization code with PKCE S256 (RFC 7636),
//! `state` and `nonce`, for social sign-in and as the native-auth web fallback.
//!
//! 1. `GET {authority}oauth2/v2.0/authorize` ([`crate::http::browser`]) checks the request
//!    ([`check_redirect_uri`], [`check_code_challenge`]), picks the provider from `domain_hint`
//!    ([`route_for`]) and stores a [`PendingRequest`] under a random handle.
//! 2. The person signs in at the provider: an upstream OpenID provider ([`upstream`], through
//!    the openidconnect crate) or, in demo mode, the built-in demo provider page.
//! 3. [`account_for`] finds or creates the account keyed by (provider, subject), never by email;
//!    the provider's email is stored verified only when the provider says `email_verified: true`.
//! 4. [`issue_code`] stores a single-use authorization code (keyed hash, [`CODE_LIFETIME`]) and
//!    the browser is sent to `redirect_uri?code=…&state=…`.
//! 5. The token endpoint's `authorization_code` grant ([`authorization_code_grant`]) checks the
//!    code, the client, the redirect URI and the PKCE verifier, then issues tokens (§4) with the
//!    request's `nonce` in the ID token.

pub mod upstream;

use std::time::Duration;

use base64::Engine as _;
use cartable_core::{
    Email, Secret,
    wire::{
        identity::{ErrorCode, TokenRequest},
        tokens::TokenResponse,
    },
};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::{
    AppState,
    config::{Config, UpstreamProvider},
    crypto::random_token,
    db::{self, Stamp},
    http::oauth_error::OAuthError,
};

/// How long the person may take at the provider: 600 s.
pub const REQUEST_LIFETIME: Duration = Duration::from_secs(600);
/// How long an authorization code is valid: 120 s (RFC 6749 §4.1.2 recommends at most 10 min).
pub const CODE_LIFETIME: Duration = Duration::from_secs(120);
/// Path of the authorization endpoint.
pub const AUTHORIZE_PATH: &str = "/auth/oauth2/v2.0/authorize";
/// Path the demo provider page posts to.
pub const DEMO_PROVIDER_PATH: &str = "/auth/demo-provider";
/// Path upstream providers redirect back to (`{origin}/auth/federation/callback`).
pub const FEDERATION_CALLBACK_PATH: &str = "/auth/federation/callback";
pub use cartable_core::wire::tokens::MOBILE_REDIRECT_URI;
/// The scope when the request names none.
pub const DEFAULT_SCOPE: &str = "openid offline_access";

const REQUEST_PURPOSE: &str = "authorize";
const CODE_PURPOSE: &str = "authorization_code";

/// The `domain_hint` values of §5: (hint, provider name stored with accounts, label).
pub const HINTS: [(&str, &str, &str); 5] = [
    ("google.com", "google", "Google"),
    ("live.com", "live", "Microsoft"),
    ("facebook.com", "facebook", "Facebook"),
    ("linkedin.com", "linkedin", "LinkedIn"),
    ("apple.com", "apple", "Apple"),
];

/// The provider name of a `domain_hint`: `google.com` → `google` (see [`HINTS`]); a configured
/// hint outside that list keeps its own text.
pub fn provider_name(hint: &str) -> String {
    HINTS
        .iter()
        .find(|(h, _, _)| h.eq_ignore_ascii_case(hint))
        .map_or_else(|| hint.to_ascii_lowercase(), |(_, name, _)| (*name).to_owned())
}

/// The human label of a `domain_hint` (`Google`, `Microsoft`…), or the hint itself.
pub fn provider_label(hint: &str) -> String {
    HINTS
        .iter()
        .find(|(h, _, _)| h.eq_ignore_ascii_case(hint))
        .map_or_else(|| hint.to_owned(), |(_, _, label)| (*label).to_owned())
}

/// Where a `domain_hint` sends the person.
#[derive(Debug, Clone, Copy)]
pub enum Route<'a> {
    /// A configured upstream OpenID provider.
    Upstream(&'a UpstreamProvider),
    /// The built-in demo provider page (demo mode only).
    Demo,
}

/// The route of `hint` (§5): the configured upstream for it if any; otherwise, in demo mode,
/// the demo provider for any of [`HINTS`]; otherwise `None` (not offered here).
pub fn route_for<'a>(config: &'a Config, hint: &str) -> Option<Route<'a>> {
    if let Some(p) = config.providers.iter().find(|p| p.domain_hint.eq_ignore_ascii_case(hint)) {
        return Some(Route::Upstream(p));
    }
    let known = HINTS.iter().any(|(h, _, _)| h.eq_ignore_ascii_case(hint));
    (config.demo && known).then_some(Route::Demo)
}

/// The `domain_hint` values this portal offers, for the chooser page: the configured upstreams,
/// plus in demo mode every hint of [`HINTS`].
pub fn offered_hints(config: &Config) -> Vec<String> {
    let mut hints: Vec<String> = config.providers.iter().map(|p| p.domain_hint.clone()).collect();
    if config.demo {
        for (h, _, _) in HINTS {
            if !hints.iter().any(|x| x.eq_ignore_ascii_case(h)) {
                hints.push(h.to_owned());
            }
        }
    }
    hints
}

/// Whether `uri` is a redirect URI this portal accepts (`docs/contract.md §5`, RFC 8252 §7.3):
/// `http://127.0.0.1:{any port}/callback` or `http://[::1]:{any port}/callback` (no user info,
/// query or fragment), or exactly [`MOBILE_REDIRECT_URI`].
pub fn check_redirect_uri(uri: &str) -> bool {
    if uri == MOBILE_REDIRECT_URI {
        return true;
    }
    let Ok(url) = url::Url::parse(uri) else { return false };
    let loopback = matches!(
        url.host(),
        Some(url::Host::Ipv4(ip)) if ip == std::net::Ipv4Addr::LOCALHOST
    ) || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip == std::net::Ipv6Addr::LOCALHOST);
    url.scheme() == "http"
        && loopback
        && url.port().is_some()
        && url.path() == "/callback"
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
}

/// The CSP source expression (CSP Level 3 §2.3.1) that matches an accepted redirect URI, with a
/// leading space: ` http://127.0.0.1:{port}` (its origin) or ` ca.cartable.client:` (a
/// scheme-source for [`MOBILE_REDIRECT_URI`]); empty for anything [`check_redirect_uri`]
/// refuses.
pub fn csp_source(redirect_uri: &str) -> String {
    if redirect_uri == MOBILE_REDIRECT_URI {
        return format!(" {}:", MOBILE_REDIRECT_URI.split(':').next().unwrap_or_default());
    }
    match url::Url::parse(redirect_uri) {
        Ok(url) if check_redirect_uri(redirect_uri) => {
            format!(" {}", url.origin().ascii_serialization())
        }
        _ => String::new(),
    }
}

/// Whether `challenge` has the form of an S256 challenge: 43 characters of base64url without
/// padding (RFC 7636 §4.2: BASE64URL(SHA-256(verifier)), 32 bytes).
pub fn check_code_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `verifier` has the form RFC 7636 §4.1 requires: 43 to 128 characters from
/// `A-Z a-z 0-9 - . _ ~`.
pub fn check_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// `BASE64URL(SHA-256(ASCII(verifier)))`, the S256 transformation (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `redirect_uri` with `params` appended to its query (RFC 6749 §4.1.2); `None` parameters are
/// left out.
pub fn redirect_with(redirect_uri: &str, params: &[(&str, Option<&str>)]) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (name, value) in params {
                    if let Some(value) = value {
                        query.append_pair(name, value);
                    }
                }
            }
            url.to_string()
        }
        Err(_) => redirect_uri.to_owned(),
    }
}

/// An authorization request while the person is at the provider.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingRequest {
    /// The public client.
    pub client_id: String,
    /// Where the browser goes back to (checked by [`check_redirect_uri`]).
    pub redirect_uri: String,
    /// The client's `state`, returned unchanged.
    pub state: Option<String>,
    /// The client's `nonce`, put in the ID token.
    pub nonce: Option<String>,
    /// The S256 challenge.
    pub code_challenge: String,
    /// The requested scope.
    pub scope: String,
    /// The provider's name (`google`…, see [`provider_name`]).
    pub provider: String,
    /// Brokering: the nonce sent to the upstream.
    pub upstream_nonce: Option<String>,
    /// Brokering: the PKCE verifier of the upstream exchange (a secret).
    pub upstream_verifier: Option<String>,
}

impl std::fmt::Debug for PendingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRequest")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// Stores `request` for [`REQUEST_LIFETIME`] and returns its handle (256 random bits,
/// base64url), stored as a keyed hash.
///
/// # Errors
/// Database failure.
pub async fn store_request(
    state: &AppState,
    request: &PendingRequest,
) -> Result<String, sqlx::Error> {
    let handle = random_token(32);
    store_request_with_handle(state, request, &handle).await?;
    Ok(handle)
}

/// Stores `request` under `handle` (made by the caller with [`random_token`], e.g. because it
/// is also the upstream `state`).
///
/// # Errors
/// Database failure.
pub async fn store_request_with_handle(
    state: &AppState,
    request: &PendingRequest,
    handle: &str,
) -> Result<(), sqlx::Error> {
    let now = state.clock.now();
    db::on!(state.db, |c| sqlx::query("DELETE FROM authorization_requests WHERE expires_at < $1")
        .bind(Stamp::new(now))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    db::on!(state.db, |c| sqlx::query(
        "INSERT INTO authorization_requests (handle_hash, client_id, redirect_uri, state, nonce, \
         code_challenge, scope, provider, upstream_nonce, upstream_verifier, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(state.hash_key.hash(REQUEST_PURPOSE, handle))
    .bind(&request.client_id)
    .bind(&request.redirect_uri)
    .bind(&request.state)
    .bind(&request.nonce)
    .bind(&request.code_challenge)
    .bind(&request.scope)
    .bind(&request.provider)
    .bind(&request.upstream_nonce)
    .bind(&request.upstream_verifier)
    .bind(Stamp::new(now))
    .bind(Stamp::new(now + REQUEST_LIFETIME))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The unexpired request of `handle`, left in place.
///
/// # Errors
/// Database failure.
pub async fn find_request(
    state: &AppState,
    handle: &str,
) -> Result<Option<PendingRequest>, sqlx::Error> {
    db::on!(state.db, |c| sqlx::query_as(
        "SELECT client_id, redirect_uri, state, nonce, code_challenge, scope, provider, \
         upstream_nonce, upstream_verifier FROM authorization_requests \
         WHERE handle_hash = $1 AND expires_at >= $2",
    )
    .bind(state.hash_key.hash(REQUEST_PURPOSE, handle))
    .bind(state.now())
    .fetch_optional(c)
    .await)
}

/// The unexpired request of `handle`, removed so that it ends once (a replayed demo form or
/// upstream callback finds nothing).
///
/// # Errors
/// Database failure.
pub async fn take_request(
    state: &AppState,
    handle: &str,
) -> Result<Option<PendingRequest>, sqlx::Error> {
    db::on!(state.db, |c| sqlx::query_as(
        "DELETE FROM authorization_requests WHERE handle_hash = $1 AND expires_at >= $2 \
         RETURNING client_id, redirect_uri, state, nonce, code_challenge, scope, provider, \
         upstream_nonce, upstream_verifier",
    )
    .bind(state.hash_key.hash(REQUEST_PURPOSE, handle))
    .bind(state.now())
    .fetch_optional(c)
    .await)
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderUser {
    /// The provider's name (`google`…).
    pub provider: String,
    /// The provider's stable subject (`sub`).
    pub subject: String,
    /// The email the provider gave, if any (canonical form).
    pub email: Option<Email>,
    /// Whether the provider said `email_verified: true` (anything else is false, §5).
    pub email_verified: bool,
}

/// The account of (provider, subject), created on first sign-in (§5). Accounts are never
/// merged by email: another provider, or a local account, with the same email stays another
/// account. The provider's email is added to `account_emails`, verified only when the provider
/// said so; an address already verified (e.g. by a code) stays verified.
///
/// # Errors
/// Database failure.
pub async fn account_for(state: &AppState, user: &ProviderUser) -> Result<String, sqlx::Error> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let existing: Option<String> = db::on!(tx, |c| sqlx::query_scalar(
        "SELECT account_id FROM provider_identities WHERE provider = $1 AND subject = $2",
    )
    .bind(&user.provider)
    .bind(&user.subject)
    .fetch_optional(c)
    .await)?;
    let account_id = match existing {
        Some(id) => id,
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            db::on!(tx, |c| {
                sqlx::query(
                "INSERT INTO accounts (id, email, password_hash, created_at) VALUES ($1, NULL, NULL, $2)",
            )
            .bind(&id)
            .bind(now)
            .execute(c)
            .await.map(|r| r.rows_affected())
            })?;
            let linked = db::on!(tx, |c| sqlx::query(
                "INSERT INTO provider_identities (provider, subject, account_id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (provider, subject) DO NOTHING",
            )
            .bind(&user.provider)
            .bind(&user.subject)
            .bind(&id)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            if linked == 1 {
                tracing::info!(provider = %user.provider, "account created from a provider sign-in");
                id
            } else {
                // The same person's other sign-in created it meanwhile (PostgreSQL: this insert
                // waited for that transaction); theirs is the account, ours goes.
                db::on!(tx, |c| sqlx::query("DELETE FROM accounts WHERE id = $1")
                    .bind(&id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                db::on!(tx, |c| {
                    sqlx::query_scalar(
                    "SELECT account_id FROM provider_identities WHERE provider = $1 AND subject = $2",
                )
                .bind(&user.provider)
                .bind(&user.subject)
                .fetch_one(c)
                .await
                })?
            }
        }
    };
    if let Some(email) = &user.email {
        db::on!(tx, |c| sqlx::query(
            "INSERT INTO account_emails (account_id, address, verified, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, address) \
             DO UPDATE SET verified = account_emails.verified OR excluded.verified",
        )
        .bind(&account_id)
        .bind(email.as_str())
        .bind(user.email_verified)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(account_id)
}

/// Stores a single-use authorization code for `account_id`, bound to `request`'s client,
/// redirect URI, PKCE challenge, nonce and scope, valid [`CODE_LIFETIME`]. Returns the code
/// (256 random bits, base64url).
///
/// # Errors
/// Database failure.
pub async fn issue_code(
    state: &AppState,
    account_id: &str,
    request: &PendingRequest,
) -> Result<String, sqlx::Error> {
    let code = random_token(32);
    let now = state.clock.now();
    db::on!(state.db, |c| sqlx::query(
        "INSERT INTO authorization_codes (code_hash, account_id, client_id, redirect_uri, \
         code_challenge, nonce, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(state.hash_key.hash(CODE_PURPOSE, &code))
    .bind(account_id)
    .bind(&request.client_id)
    .bind(&request.redirect_uri)
    .bind(&request.code_challenge)
    .bind(&request.nonce)
    .bind(&request.scope)
    .bind(Stamp::new(now + CODE_LIFETIME))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(code)
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    account_id: String,
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    nonce: Option<String>,
    scope: String,
    expires_at: Stamp,
    used_at: Option<Stamp>,
    family_id: Option<String>,
}

fn invalid_grant(code: u32, description: &'static str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, code, description)
}

/// The token endpoint's `authorization_code` grant (`docs/contract.md §5`, RFC 6749 §4.1.3,
/// RFC 7636 §4.6): `code`, `redirect_uri` and `code_verifier` are required; the code must be
/// unexpired, unused, issued to `client_id` for exactly this `redirect_uri`, and
/// `S256(code_verifier)` must equal its challenge. The code is used up by the first attempt
/// that gets this far, right or wrong verifier (a stolen code cannot be retried with guesses);
/// a second use of a redeemed code also revokes the refresh tokens it gave (RFC 6749 §4.1.2).
/// The caller has checked `client_id`.
///
/// # Errors
/// 400 `invalid_request` naming a missing parameter; 400 `invalid_grant` for an unknown,
/// expired, used or other client's code (70000, 70008, 54005), a different redirect URI (50148)
/// or a verifier that does not match (501481); 500 on database or signing failure.
pub async fn authorization_code_grant(
    state: &AppState,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let required = |value: Option<&str>, name: &str| {
        value
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| OAuthError::missing_parameter(name))
    };
    let code = required(req.code.as_ref().map(Secret::expose), "code")?;
    let redirect_uri = required(req.redirect_uri.as_deref(), "redirect_uri")?;
    let verifier = required(req.code_verifier.as_ref().map(Secret::expose), "code_verifier")?;
    let hash = state.hash_key.hash(CODE_PURPOSE, &code);
    let row: Option<CodeRow> = db::on!(state.db, |c| sqlx::query_as(
        "SELECT account_id, client_id, redirect_uri, code_challenge, nonce, scope, expires_at, \
         used_at, family_id FROM authorization_codes WHERE code_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(c)
    .await)?;
    let Some(row) = row else {
        return Err(invalid_grant(70000, "The authorization code is not valid."));
    };
    if row.used_at.is_some() {
        // RFC 6749 §4.1.2: a code used twice may have been stolen; the tokens it gave are revoked.
        if let Some(family) = &row.family_id {
            crate::tokens::revoke_family(state, family)
                .await
                .map_err(|e| crate::identity::flows::token_error(&e))?;
            tracing::warn!(family = %family, "authorization code reused; its tokens revoked");
        }
        return Err(invalid_grant(54005, "The authorization code was already redeemed."));
    }
    if row.client_id != req.client_id {
        return Err(invalid_grant(70000, "The authorization code is not valid."));
    }
    if state.now() > row.expires_at {
        return Err(invalid_grant(70008, "The authorization code has expired."));
    }
    let used = db::on!(state.db, |c| sqlx::query(
        "UPDATE authorization_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
    )
    .bind(state.now())
    .bind(&hash)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if used != 1 {
        return Err(invalid_grant(54005, "The authorization code was already redeemed."));
    }
    if row.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            50148,
            "The redirect_uri does not match the authorization request.",
        ));
    }
    let computed = s256(&verifier);
    let matches = check_code_verifier(&verifier)
        && computed.len() == row.code_challenge.len()
        && bool::from(computed.as_bytes().ct_eq(row.code_challenge.as_bytes()));
    if !matches {
        return Err(invalid_grant(
            501481,
            "The code_verifier does not match the code_challenge of the authorization request.",
        ));
    }
    let family = uuid::Uuid::new_v4().to_string();
    db::on!(state.db, |c| sqlx::query(
        "UPDATE authorization_codes SET family_id = $1 WHERE code_hash = $2"
    )
    .bind(&family)
    .bind(&hash)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    crate::metrics::signed_in(crate::metrics::SignIn::Browser);
    crate::tokens::issue_tokens_in_family(
        state,
        &family,
        &row.account_id,
        &req.client_id,
        &row.scope,
        row.nonce.as_deref(),
    )
    .await
    .map_err(|e| crate::identity::flows::token_error(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_on_any_port_and_the_mobile_scheme_are_accepted() {
        assert!(check_redirect_uri("http://127.0.0.1:49152/callback"));
        assert!(check_redirect_uri("http://127.0.0.1:1/callback"));
        assert!(check_redirect_uri("http://[::1]:8080/callback"));
        assert!(check_redirect_uri(MOBILE_REDIRECT_URI));
        for bad in [
            "http://127.0.0.1/callback",
            "http://localhost:8080/callback",
            "https://127.0.0.1:8080/callback",
            "http://127.0.0.2:8080/callback",
            "http://127.0.0.1:8080/other",
            "http://127.0.0.1:8080/callback?x=1",
            "http://127.0.0.1:8080/callback#f",
            "http://u:p@127.0.0.1:8080/callback",
            "http://evil.example:8080/callback",
            "ca.cartable.client:/other",
        ] {
            assert!(!check_redirect_uri(bad), "{bad}");
        }
    }

    #[test]
    fn form_redirects_are_allowed_to_the_redirect_uri_only() {
        assert_eq!(csp_source("http://127.0.0.1:49152/callback"), " http://127.0.0.1:49152");
        assert_eq!(csp_source("http://[::1]:8080/callback"), " http://[::1]:8080");
        assert_eq!(csp_source(MOBILE_REDIRECT_URI), " ca.cartable.client:");
        assert_eq!(csp_source("https://evil.example/callback"), "");
        assert_eq!(csp_source("http://127.0.0.1:8080/callback x"), "");
    }

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(s256(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert!(check_code_verifier(verifier));
        assert!(check_code_challenge(&s256(verifier)));
        assert!(!check_code_verifier("short"));
        assert!(!check_code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c="));
    }

    #[test]
    fn hints_name_providers() {
        assert_eq!(provider_name("live.com"), "live");
        assert_eq!(provider_name("Google.com"), "google");
        assert_eq!(provider_name("idp.example"), "idp.example");
        assert_eq!(provider_label("live.com"), "Microsoft");
    }

    #[test]
    fn redirects_carry_the_parameters() {
        let to = redirect_with(
            "http://127.0.0.1:5000/callback",
            &[("code", Some("a b")), ("state", None), ("x", Some("é&"))],
        );
        assert_eq!(to, "http://127.0.0.1:5000/callback?code=a+b&x=%C3%A9%26");
    }
}
