//! Revocation, discovery and JWKS (`docs/contract.md §4`).
//!
//! The token endpoint itself (`oauth2/v2.0/token`) belongs to the identity routes; its
//! `refresh_token` grant calls [`crate::tokens::refresh_grant`].

use axum::{
    Form, Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use cartable_core::wire::tokens::{Discovery, Jwks};
use serde::Deserialize;

use crate::{AppState, http::oauth_error::OAuthError};

/// Path of the revocation endpoint, relative to the origin (`{authority}oauth2/v2.0/revoke`).
pub const REVOKE_PATH: &str = "/auth/oauth2/v2.0/revoke";
/// Path of the discovery document (`{authority}v2.0/.well-known/openid-configuration`).
pub const DISCOVERY_PATH: &str = "/auth/v2.0/.well-known/openid-configuration";
/// Path of the JWKS (`{authority}discovery/v2.0/keys`).
pub const JWKS_PATH: &str = "/auth/discovery/v2.0/keys";

/// Discovery may be cached by clients this long: 1 hour.
const METADATA_CACHE: &str = "public, max-age=3600";
/// The JWKS may be cached by verifiers this long: 60 s, shorter than the delay before a key
/// added by `keys rotate` signs (120 s by default), so every verifier knows the new `kid` first.
const JWKS_CACHE: &str = "public, max-age=60";

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(REVOKE_PATH, post(revoke_token))
        .route(DISCOVERY_PATH, get(get_discovery))
        .route(JWKS_PATH, get(get_jwks))
}

/// The revocation form; fields are optional here so that a missing one gets the identity error
/// body rather than axum's plain-text rejection.
#[derive(Deserialize)]
struct RevokeForm {
    token: Option<String>,
    #[allow(dead_code)] // RFC 7009 §2.1: the server may ignore the hint; we search refresh tokens.
    token_type_hint: Option<String>,
    client_id: Option<String>,
}

/// `POST {authority}oauth2/v2.0/revoke` (`docs/contract.md §4`, RFC 7009 §2): 200 with an empty
/// body whether or not the token was known; revokes the refresh token's whole family when it is
/// one of ours issued to `client_id`. An access token is left to expire (at most 900 s).
/// Unknown client: 400 `invalid_client` (§0); no token: 400 `invalid_request` (RFC 7009 §2.2.1).
async fn revoke_token(State(state): State<AppState>, Form(form): Form<RevokeForm>) -> Response {
    let Some(client_id) = form.client_id.filter(|c| state.config.public_clients.contains(c)) else {
        return OAuthError::invalid_client().into_response();
    };
    let Some(token) = form.token.filter(|t| !t.is_empty()) else {
        return OAuthError::missing_parameter("token").into_response();
    };
    match crate::tokens::revoke_token(&state, &client_id, &token).await {
        Ok(revoked) => {
            tracing::info!(revoked, "revocation request");
            StatusCode::OK.into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "revocation failed");
            // RFC 7009 §2.2.1: 503 tells the client to retry later.
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// `GET {authority}v2.0/.well-known/openid-configuration` (`docs/contract.md §4`).
async fn get_discovery(State(state): State<AppState>) -> Response {
    let authority = state.config.authority();
    let list = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let doc = Discovery {
        issuer: state.config.issuer(),
        authorization_endpoint: format!("{authority}oauth2/v2.0/authorize"),
        token_endpoint: format!("{authority}oauth2/v2.0/token"),
        revocation_endpoint: Some(format!("{authority}oauth2/v2.0/revoke")),
        jwks_uri: format!("{authority}discovery/v2.0/keys"),
        response_types_supported: list(&["code"]),
        subject_types_supported: list(&["public"]),
        id_token_signing_alg_values_supported: list(&["RS256"]),
        code_challenge_methods_supported: list(&["S256"]),
        token_endpoint_auth_methods_supported: list(&["none"]),
        scopes_supported: list(&["openid", "offline_access", crate::tokens::PARENT_SCOPE]),
    };
    ([(header::CACHE_CONTROL, METADATA_CACHE)], Json(doc)).into_response()
}

/// `GET {authority}discovery/v2.0/keys`: the public signing keys (RFC 7517 §5).
async fn get_jwks(State(state): State<AppState>) -> Response {
    let jwks: Jwks = state.signing_keys.jwks();
    ([(header::CACHE_CONTROL, JWKS_CACHE)], Json(jwks)).into_response()
}
