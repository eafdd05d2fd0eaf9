//! Extractors shared by the parent API's handlers.
//!
//! Adding `auth: AuthParent` to a handler's arguments makes it require a valid access token
//! (`docs/contract.md §6`): the handler only runs for a signed-in parent whose account exists.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header, request::Parts},
};

use crate::db::{self};
use crate::{
    AppState,
    http::problem::ApiProblem,
    tokens::{TokenError, TokenRejection, verify_access_token},
};

/// The signed-in parent, from `Authorization: Bearer <access_token>` (RFC 6750 §2.1).
///
/// Rejects with [`ApiProblem::invalid_token`]: 401, `WWW-Authenticate: Bearer
/// error="invalid_token"` and a problem body with `code: invalid_token` (its `detail` says which
/// of [`TokenRejection`] applied) when the token is missing, not ours, expired, lacks the
/// `parent` scope, or belongs to a deleted account (`docs/contract.md §6`). A database failure
/// while looking the account up is a 500 `internal`.
///
/// The token is checked by [`ParentToken`] (verified claims are remembered until their `exp`,
/// [`crate::tokens::verified`]); the account is looked up in the database on every request.
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
    type Rejection = ApiProblem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ParentToken { account_id, account_known } =
            ParentToken::from_request_parts(parts, state).await?;
        if account_known {
            return Ok(Self { account_id });
        }
        let state = AppState::from_ref(state);
        let exists: bool = db::on!(state.db, |c| sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)"
        )
        .bind(&account_id)
        .fetch_one(c)
        .await)?;
        if !exists {
            return Err(account_gone());
        }
        Ok(Self { account_id })
    }
}

/// A valid access token whose account may not have been looked up yet: [`AuthParent`] without
/// its database query, for a handler whose own query finds the account too (one round trip
/// instead of two, as `GET /api/v1/children` does). Such a handler must answer
/// [`account_gone`] when [`ParentToken::account_known`] is false and its query finds no
/// account, so that it refuses exactly what [`AuthParent`] refuses.
///
/// Rejects with the 401 of [`AuthParent`] for a token that is missing, not ours, expired or
/// lacks the `parent` scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentToken {
    /// The account id (the token's `sub`).
    pub account_id: String,
    /// Whether the account was found in the database already: an external issuer's token
    /// ([`crate::external`]) is mapped to its account, created on first use, by a query.
    pub account_known: bool,
}

impl<S> FromRequestParts<S> for ParentToken
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiProblem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = bearer_token(parts).ok_or_else(|| refuse(TokenRejection::Missing))?;
        if let Some(external) = &state.external {
            let user =
                external.verify(token, state.clock.now().unix_timestamp()).await.map_err(refuse)?;
            let account_id = crate::external::account(&state, external.issuer(), user).await?;
            return Ok(Self { account_id, account_known: true });
        }
        let claims = verify_access_token(&state, token).map_err(|e| match e {
            TokenError::InvalidToken(why) => refuse(why),
            _ => refuse(TokenRejection::Invalid),
        })?;
        Ok(Self { account_id: claims.sub, account_known: false })
    }
}

/// The 401 for a valid token whose account no longer exists ([`TokenRejection::AccountGone`]).
pub fn account_gone() -> ApiProblem {
    refuse(TokenRejection::AccountGone)
}

/// The token of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 7235 §2.1).
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The 401 of `docs/contract.md §6` with the reason as `detail`.
fn refuse(why: TokenRejection) -> ApiProblem {
    ApiProblem::invalid_token().with_detail(why.to_string())
}
