//! Native-auth routes under `{origin}/auth/` (`docs/contract.md §§0–3`) and the token
//! endpoint `oauth2/v2.0/token` (§4), shared with the tokens module by grant type.
//!
//! Forms are decoded by [`IdentityForm`], whose rejections use the identity error body: a
//! missing parameter is `invalid_request` naming it; a wrong content type, a malformed or
//! binary body is `invalid_request`; a body over [`crate::http::BODY_LIMIT_BYTES`] is 413.
//! Each is told by type: the body rejection's variant, and the form decoder's [`ShapeError`].

use axum::{
    Router,
    body::Bytes,
    extract::{
        FromRequest, Request, State,
        rejection::{BytesRejection, FailedToBufferBody},
    },
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

use super::{
    oauth_error::OAuthError,
    shape::{ShapeError, form},
};
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
///
/// The body is decoded as axum's `Form` decodes a POST body (serde_urlencoded's rules, see
/// [`form`]), but with a typed error, so a missing parameter is known by its
/// [`ShapeError::MissingField`] variant and answered with
/// [`OAuthError::missing_parameter`] naming it (Entra's AADSTS900144). Any other mismatch
/// (a repeated parameter, a value that does not parse) is `invalid_request`; a body over the
/// limit is 413 (axum's `LengthLimitError` rejection).
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
        let not_a_form = || {
            OAuthError::invalid_request("The request body is not a valid form for this endpoint.")
        };
        let body = Bytes::from_request(req, state).await.map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                OAuthError::invalid_request("The request body is too large.")
                    .with_status(StatusCode::PAYLOAD_TOO_LARGE)
            }
            _ => not_a_form(),
        })?;
        match form::from_bytes(&body) {
            Ok(value) => Ok(Self(value)),
            Err(ShapeError::MissingField(name)) => Err(OAuthError::missing_parameter(name)),
            Err(_) => Err(not_a_form()),
        }
    }
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
    use axum::body::Body;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        client_id: String,
        username: String,
        scope: Option<String>,
    }

    async fn extract(body: &'static str) -> Result<Sample, OAuthError> {
        let request = Request::post("/")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        IdentityForm::<Sample>::from_request(request, &()).await.map(|IdentityForm(s)| s)
    }

    #[tokio::test]
    async fn a_missing_parameter_is_named_other_mismatches_are_not() {
        let sample = extract("client_id=c&username=u").await.expect("decoded");
        assert_eq!((sample.username.as_str(), sample.scope), ("u", None));
        let missing = extract("client_id=c&scope=openid").await.expect_err("missing");
        assert_eq!(missing, OAuthError::missing_parameter("username"));
        for body in ["client_id=c&username=u&username=v", "client_id=c&client_id=d"] {
            let refused = extract(body).await.expect_err("refused");
            assert_eq!(
                refused,
                OAuthError::invalid_request(
                    "The request body is not a valid form for this endpoint."
                ),
                "{body}"
            );
        }
    }
}
