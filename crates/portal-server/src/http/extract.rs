//! Extractors shared by the parent API's handlers.
//!
//! Adding `auth: AuthParent` to a handler's arguments makes it require a valid access token
//! (`docs/contract.md §6`): the handler only runs for a signed-in parent whose account exists.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};

use crate::{
    AppState,
    tokens::{TokenError, TokenRejection, verify_access_token},
};

/// The signed-in parent, from `Authorization: Bearer <access_token>` (RFC 6750 §2.1).
///
/// Rejects with [`AuthRejection`]: 401, `WWW-Authenticate: Bearer error="invalid_token"` and a
/// problem body with `code: invalid_token` when the token is missing, not ours, expired, lacks
/// the `parent` scope, or belongs to a deleted account (`docs/contract.md §6`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthParent {
    /// The account id (the token's `sub`).
    pub account_id: String,
}

impl<S> FromRequestParts<S> for AuthParent
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token =
            bearer_token(parts).ok_or(AuthRejection::InvalidToken(TokenRejection::Missing))?;
        let claims = verify_access_token(&state, token).map_err(|e| match e {
            TokenError::InvalidToken(why) => AuthRejection::InvalidToken(why),
            _ => AuthRejection::InvalidToken(TokenRejection::Invalid),
        })?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM accounts WHERE id = ?")
            .bind(&claims.sub)
            .fetch_optional(&state.db)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "account lookup failed");
                AuthRejection::Internal
            })?;
        if exists.is_none() {
            return Err(AuthRejection::InvalidToken(TokenRejection::AccountGone));
        }
        Ok(Self { account_id: claims.sub })
    }
}

/// The token of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 7235 §2.1).
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Why [`AuthParent`] refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthRejection {
    /// 401 `invalid_token` (`docs/contract.md §6`, RFC 6750 §3.1).
    InvalidToken(TokenRejection),
    /// 500: the account could not be looked up.
    Internal,
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let (status, title, detail, code) = match self {
            Self::InvalidToken(why) => {
                (StatusCode::UNAUTHORIZED, "Unauthorized", why.to_string(), "invalid_token")
            }
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "The server could not complete the request.".to_owned(),
                "internal",
            ),
        };
        // RFC 9457 problem details with the contract's stable `code` (`docs/contract.md §0`).
        let body = serde_json::json!({
            "type": "about:blank",
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
            "code": code,
        });
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string())
                .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(r#"Bearer error="invalid_token""#),
            );
        }
        response
    }
}
