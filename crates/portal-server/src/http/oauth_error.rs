//! The identity error body (`docs/contract.md §0`) as an axum response.
//!
//! Every native-auth and token-endpoint refusal goes through [`OAuthError`]: HTTP 400 (or 429
//! with `Retry-After`, or 413/500), JSON [`IdentityError`]. The tokens module uses it too.
//! `error_codes` and the `AADSTSnnnnn:` prefix of `error_description` follow Entra's habit;
//! the numbers are illustrative (Entra's own examples reuse them), clients branch on `error`
//! and `suberror` only.

use crate::db::Stamp;
use std::borrow::Cow;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use cartable_core::wire::identity::{ErrorCode, IdentityError, Suberror};

/// A refusal in the identity error shape. Build it with the constructors, refine it with the
/// `with_*` methods, return it from a handler. Boxed, so `Result<_, OAuthError>` stays small;
/// the [`Details`] are reachable through `Deref`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError(Box<Details>);

impl std::ops::Deref for OAuthError {
    type Target = Details;
    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for OAuthError {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}

/// The parts of an [`OAuthError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    /// HTTP status: 400, 429 (throttling), 413 (body too large) or 500.
    pub status: StatusCode,
    /// `error`.
    pub error: ErrorCode,
    /// `suberror`.
    pub suberror: Option<Suberror>,
    /// The Entra-style number of `error_codes` and of the description's prefix.
    pub code: u32,
    /// Human text after the `AADSTSnnnnn: ` prefix. Never holds a secret.
    pub description: Cow<'static, str>,
    /// `continuation_token` (only `credential_required` / `attributes_required`, §0).
    pub continuation_token: Option<String>,
    /// `attempts_left` after a wrong code (§1).
    pub attempts_left: Option<u32>,
    /// `retry_after` seconds; also sent as the `Retry-After` header (§0).
    pub retry_after: Option<u64>,
}

impl OAuthError {
    /// A 400 answer with `error`, an Entra-style number and a description.
    pub fn new(error: ErrorCode, code: u32, description: impl Into<Cow<'static, str>>) -> Self {
        Self(Box::new(Details {
            status: StatusCode::BAD_REQUEST,
            error,
            suberror: None,
            code,
            description: description.into(),
            continuation_token: None,
            attempts_left: None,
            retry_after: None,
        }))
    }

    /// 400 `invalid_request`: a parameter is missing or malformed; `description` names it.
    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, 900144, description)
    }

    /// 400 `invalid_request` for a missing form parameter `name` (Entra's AADSTS900144).
    pub fn missing_parameter(name: &str) -> Self {
        Self::invalid_request(format!(
            "The request body must contain the following parameter: '{name}'."
        ))
    }

    /// 400 `invalid_client`: the `client_id` is not a known public client (§0).
    pub fn invalid_client() -> Self {
        Self::new(
            ErrorCode::InvalidClient,
            700016,
            "Application with the given client_id was not found.",
        )
    }

    /// 400 `expired_token`: the continuation token is expired, unknown or already used; the
    /// client restarts the flow (§0).
    pub fn expired_token() -> Self {
        Self::new(
            ErrorCode::ExpiredToken,
            552003,
            "The continuation token is expired, unknown or already used.",
        )
    }

    /// 400 `unsupported_grant_type` (RFC 6749 §5.2).
    pub fn unsupported_grant_type() -> Self {
        Self::new(ErrorCode::UnsupportedGrantType, 70003, "The grant_type is not supported here.")
    }

    /// 429 `temporarily_unavailable` with `suberror` and `retry_after` seconds (at least 1),
    /// also sent as `Retry-After` (§0 "Limits").
    pub fn throttled(suberror: Suberror, retry_after: u64, description: &'static str) -> Self {
        let mut e = Self::new(ErrorCode::TemporarilyUnavailable, 50196, description);
        e.status = StatusCode::TOO_MANY_REQUESTS;
        e.suberror = Some(suberror);
        e.retry_after = Some(retry_after.max(1));
        e
    }

    /// 503 `temporarily_unavailable` with `Retry-After: retry_after` seconds (at least 1): the
    /// portal is saturated (the password-hashing queue is full, a request timed out) and the
    /// request was not evaluated (`docs/contract.md §0` "Limits", `SECURITY.md`).
    pub fn unavailable(retry_after: u64, description: &'static str) -> Self {
        let mut e = Self::new(ErrorCode::TemporarilyUnavailable, 50196, description);
        e.status = StatusCode::SERVICE_UNAVAILABLE;
        e.retry_after = Some(retry_after.max(1));
        e
    }

    /// 400 `unsupported_challenge_type`: the client's `challenge_type` lacks `redirect`, which
    /// every client must list (`docs/contract.md §0`; Entra answers raw-HTTP clients the same).
    pub fn unsupported_challenge_type() -> Self {
        Self::new(
            ErrorCode::UnsupportedChallengeType,
            55102,
            "The challenge_type must include redirect.",
        )
    }

    /// 500 `server_error`; the cause is logged by the caller, never sent.
    pub fn server_error() -> Self {
        let mut e =
            Self::new(ErrorCode::ServerError, 90100, "The server could not complete the request.");
        e.status = StatusCode::INTERNAL_SERVER_ERROR;
        e
    }

    /// Sets `suberror` (builder style).
    #[must_use]
    pub fn with_suberror(mut self, suberror: Suberror) -> Self {
        self.suberror = Some(suberror);
        self
    }

    /// Sets `continuation_token` (builder style).
    #[must_use]
    pub fn with_continuation_token(mut self, token: String) -> Self {
        self.continuation_token = Some(token);
        self
    }

    /// Sets `attempts_left` (builder style).
    #[must_use]
    pub fn with_attempts_left(mut self, attempts_left: u32) -> Self {
        self.attempts_left = Some(attempts_left);
        self
    }

    /// Sets the HTTP status (builder style).
    #[must_use]
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The JSON body. `timestamp` is the wall-clock time of the answer (diagnostics only);
    /// `trace_id` and `correlation_id` are a fresh UUID.
    pub fn body(&self) -> IdentityError {
        let id = uuid::Uuid::new_v4().to_string();
        IdentityError {
            error: self.error.clone(),
            error_description: format!("AADSTS{}: {}", self.code, self.description),
            error_codes: vec![self.code],
            suberror: self.suberror.clone(),
            continuation_token: self.continuation_token.clone().map(Into::into),
            attempts_left: self.attempts_left,
            retry_after: self.retry_after,
            required_attributes: Vec::new(),
            timestamp: Some(Stamp::new(time::OffsetDateTime::now_utc()).rfc3339()),
            trace_id: Some(id.clone()),
            correlation_id: Some(id),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<crate::identity::passwords::PasswordError> for OAuthError {
    fn from(e: crate::identity::passwords::PasswordError) -> Self {
        use crate::identity::passwords::PasswordError;
        match e {
            PasswordError::Busy => {
                tracing::debug!("password hashing saturated: request refused");
                Self::unavailable(1, "The portal is busy: try again in a moment.")
            }
            other => {
                tracing::error!(error = %other, "password hashing failed");
                Self::server_error()
            }
        }
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database failure");
        Self::server_error()
    }
}
