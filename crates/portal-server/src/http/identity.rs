//! Native-auth routes under `{origin}/auth/` (`docs/contract.md §§0–3`) and the token
//! endpoint `oauth2/v2.0/token` (§4), shared with the tokens module by grant type.
//!
//! Forms are decoded by [`IdentityForm`], whose rejections use the identity error body: a
//! missing parameter is `invalid_request` naming it; a wrong content type, a malformed or
//! binary body is `invalid_request`; a body over [`crate::http::BODY_LIMIT_BYTES`] is 413.

use axum::{
    Router,
    extract::{FromRequest, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    routing::post,
};
use cartable_core::wire::identity::{
    ChallengeRequest, PollCompletionRequest, ResetContinueRequest, ResetStartRequest,
    ResetSubmitRequest, SignInInitiateRequest, SignUpContinueRequest, SignUpStartRequest,
    TokenRequest,
};
use serde::de::DeserializeOwned;
use tower_http::set_header::SetResponseHeaderLayer;

use super::oauth_error::OAuthError;
use crate::{
    AppState,
    identity::flows::{self, Answer},
    mail::Lang,
};

/// The identity routes. Every answer carries `Cache-Control: no-store` and `Pragma: no-cache`
/// (RFC 6749 §5.1): they hold tokens, continuation tokens or what a shared cache must not keep.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/signup/v1.0/start", post(signup_start))
        .route("/auth/signup/v1.0/challenge", post(signup_challenge))
        .route("/auth/signup/v1.0/continue", post(signup_continue))
        .route("/auth/oauth2/v2.0/initiate", post(signin_initiate))
        .route("/auth/oauth2/v2.0/challenge", post(signin_challenge))
        .route("/auth/oauth2/v2.0/token", post(token))
        .route("/auth/resetpassword/v1.0/start", post(reset_start))
        .route("/auth/resetpassword/v1.0/challenge", post(reset_challenge))
        .route("/auth/resetpassword/v1.0/continue", post(reset_continue))
        .route("/auth/resetpassword/v1.0/submit", post(reset_submit))
        .route("/auth/resetpassword/v1.0/poll_completion", post(reset_poll))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::PRAGMA,
            HeaderValue::from_static("no-cache"),
        ))
}

/// A form body (`application/x-www-form-urlencoded`, §0) decoded into `T`, rejecting with the
/// identity error body ([`OAuthError`]) instead of axum's plain text.
#[derive(Debug, Clone)]
pub struct IdentityForm<T>(pub T);

impl<T, S> FromRequest<S> for IdentityForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = OAuthError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(OAuthError::invalid_request(
                "The body must be application/x-www-form-urlencoded.",
            ));
        }
        let form = axum::extract::Form::<T>::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                return OAuthError::invalid_request("The request body is too large.")
                    .with_status(StatusCode::PAYLOAD_TOO_LARGE);
            }
            let text = e.body_text();
            match missing_field(&text) {
                Some(name) => OAuthError::missing_parameter(name),
                None => OAuthError::invalid_request(
                    "The request body is not a valid form for this endpoint.",
                ),
            }
        })?;
        Ok(Self(form.0))
    }
}

/// The parameter name in serde's "missing field `name`" message.
fn missing_field(text: &str) -> Option<&str> {
    let rest = &text[text.find("missing field `")? + "missing field `".len()..];
    rest.get(..rest.find('`')?)
}

fn lang(headers: &HeaderMap) -> Lang {
    Lang::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

/// `POST {authority}signup/v1.0/start` (§1 step 1).
async fn signup_start(
    State(state): State<AppState>,
    IdentityForm(f): IdentityForm<SignUpStartRequest>,
) -> Answer {
    flows::signup_start(&state, f).await
}

/// `POST {authority}signup/v1.0/challenge` (§1 steps 2 and 4).
async fn signup_challenge(
    State(state): State<AppState>,
    headers: HeaderMap,
    IdentityForm(f): IdentityForm<ChallengeRequest>,
) -> Answer {
    flows::signup_challenge(&state, lang(&headers), f).await
}

/// `POST {authority}signup/v1.0/continue` (§1 steps 3 and 5).
async fn signup_continue(
    State(state): State<AppState>,
    IdentityForm(f): IdentityForm<SignUpContinueRequest>,
) -> Answer {
    flows::signup_continue(&state, f).await
}

/// `POST {authority}oauth2/v2.0/initiate` (§2 step 1).
async fn signin_initiate(
    State(state): State<AppState>,
    IdentityForm(f): IdentityForm<SignInInitiateRequest>,
) -> Answer {
    flows::signin_initiate(&state, f).await
}

/// `POST {authority}oauth2/v2.0/challenge` (§2 step 2).
async fn signin_challenge(
    State(state): State<AppState>,
    IdentityForm(f): IdentityForm<ChallengeRequest>,
) -> Answer {
    flows::signin_challenge(&state, f).await
}

/// `POST {authority}oauth2/v2.0/token` (§1 step 6, §2 step 3, §3 step 6, §4).
async fn token(
    State(state): State<AppState>,
    IdentityForm(f): IdentityForm<TokenRequest>,
) -> Answer {
    flows::token(&state, f).await
}

/// `POST {authority}resetpassword/v1.0/start` (§3 step 1).
async fn reset_start(
    State(state): State<AppState>,
    IdentityForm(f): IdentityForm<ResetStartRequest>,
) -> Answer {
    flows::reset_start(&state, f).await
}

/// `POST {authority}resetpassword/v1.0/challenge` (§3 step 2).
async fn reset_challenge(
    State(state): State<AppState>,
    headers: HeaderMap,
    IdentityForm(f): IdentityForm<ChallengeRequest>,
) -> Answer {
    flows::reset_challenge(&state, lang(&headers), f).await
}

/// `POST {authority}resetpassword/v1.0/continue` (§3 step 3).
async fn reset_continue(
    State(state): State<AppState>,
    IdentityForm(f): IdentityForm<ResetContinueRequest>,
) -> Answer {
    flows::reset_continue(&state, f).await
}

/// `POST {authority}resetpassword/v1.0/submit` (§3 step 4).
async fn reset_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    IdentityForm(f): IdentityForm<ResetSubmitRequest>,
) -> Answer {
    flows::reset_submit(&state, lang(&headers), f).await
}

/// `POST {authority}resetpassword/v1.0/poll_completion` (§3 step 5).
async fn reset_poll(
    State(state): State<AppState>,
    IdentityForm(f): IdentityForm<PollCompletionRequest>,
) -> Answer {
    flows::reset_poll(&state, f).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_field_names_the_parameter() {
        assert_eq!(
            missing_field("Failed to deserialize form body: missing field `username`"),
            Some("username")
        );
        assert_eq!(missing_field("duplicate field `a`"), None);
    }
}
