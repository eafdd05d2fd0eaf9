//! Tokens (`docs/contract.md §4`): issuing, refreshing, revoking and verifying.
//!
//! - Access and ID tokens are RS256 JWTs signed with [`SigningKeys`] (`kid` in the header).
//!   Access token: `iss` = [`Config::issuer`](crate::config::Config::issuer), `sub` = the account
//!   id, `aud` = [`Config::api_base`](crate::config::Config::api_base), `scp` = `parent`, `iat`,
//!   `exp` = `iat` + 900 s, `jti`. ID token: `aud` = the client id, `email`, `email_verified`,
//!   `nonce` when one was sent.
//! - Refresh tokens are opaque (256 random bits, base64url), stored as keyed hashes in
//!   `refresh_tokens` (`migrations/*/0003_tokens.sql`). Every use rotates; reusing a rotated one
//!   revokes its whole family (RFC 9700 §4.14.2). Lifetime: 30 days sliding, 90 days absolute
//!   from the family's start.
//!
//! Times come from `state.clock`, never the system clock, so tests can expire tokens.
//! No token ever reaches a log line.

mod keys;
pub mod verified;

use cartable_core::wire::tokens::{IdTokenClaims, TokenResponse};
use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use keys::{RSA_BITS, SigningKeys};
pub use verified::VerifiedTokens;

use crate::{
    AppState,
    crypto::random_token,
    db::{self, Stamp},
};

/// Purpose of refresh-token hashes in [`HashKey::hash`](crate::crypto::HashKey::hash).
pub const REFRESH_PURPOSE: &str = "refresh";

/// The scope every access token carries in `scp` (`docs/contract.md §4`).
pub const PARENT_SCOPE: &str = "parent";

/// Claims of an access token (`docs/contract.md §4`). Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// `{authority}v2.0`.
    pub iss: String,
    /// The account id.
    pub sub: String,
    /// The parent API base, `{origin}/api/v1/`.
    pub aud: String,
    /// Space-separated scopes; always `parent`.
    pub scp: String,
    /// Issued at.
    pub iat: i64,
    /// Expires at: `iat` + `lifetimes.access_token` (900 s).
    pub exp: i64,
    /// Unique token id (UUID).
    pub jti: String,
}

/// Why a token operation failed.
///
/// Grant failures map to the identity error body with [`TokenError::to_oauth_error`];
/// access-token failures map to a 401 in [`AuthParent`](crate::http::extract::AuthParent).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The refresh token cannot be used (RFC 6749 §5.2 `invalid_grant`).
    #[error("invalid_grant: {0}")]
    InvalidGrant(GrantFailure),
    /// A refresh asked for a scope outside the original grant (RFC 6749 §6, `invalid_scope`).
    #[error("invalid_scope")]
    InvalidScope,
    /// An access token was refused (RFC 6750 §3.1 `invalid_token`).
    #[error("invalid_token: {0}")]
    InvalidToken(TokenRejection),
    /// Tokens were asked for an account that does not exist.
    #[error("unknown account")]
    UnknownAccount,
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Signing a JWT failed.
    #[error("signing: {0}")]
    Signing(jsonwebtoken::errors::Error),
}

/// Why a refresh token was refused; every case answers `invalid_grant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GrantFailure {
    /// No such token (never issued, or its account was deleted).
    #[error("unknown refresh token")]
    Unknown,
    /// Issued to another client (RFC 6749 §6).
    #[error("refresh token issued to another client")]
    ClientMismatch,
    /// Unused for the sliding lifetime (30 days).
    #[error("refresh token expired through inactivity")]
    Inactive,
    /// Past the family's absolute lifetime (90 days).
    #[error("refresh token expired")]
    Expired,
    /// Revoked (RFC 7009, password reset, or an earlier reuse).
    #[error("refresh token revoked")]
    Revoked,
    /// Already rotated: reuse detected, so the whole family was revoked just now.
    #[error("refresh token already used; its family is revoked")]
    Reused,
}

/// Why an access token was refused (the `detail` of the 401 problem).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejection {
    /// No `Authorization: Bearer` header.
    #[error("missing bearer token")]
    Missing,
    /// Not a JWT of ours: bad structure, algorithm, key id, signature, issuer or audience.
    #[error("invalid access token")]
    Invalid,
    /// Past its `exp`.
    #[error("access token expired")]
    Expired,
    /// Lacks the `parent` scope.
    #[error("access token lacks the parent scope")]
    WrongScope,
    /// Its account no longer exists.
    #[error("account no longer exists")]
    AccountGone,
}

/// The parts of an identity error body (`docs/contract.md §0`) for a [`TokenError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuthErrorParts {
    /// HTTP status: 400, or 500 for server failures.
    pub status: u16,
    /// `error`: `invalid_grant`, `invalid_scope` or `server_error`.
    pub error: &'static str,
    /// Human-readable `error_description` (prefix it with `AADSTS{error_code}: ` like Entra).
    pub description: &'static str,
    /// The one Entra-style code for `error_codes`. Illustrative, as in Entra's own docs:
    /// 70000 invalid grant, 700082 expired through inactivity, 70008 expired, 50173 revoked,
    /// 70011 invalid scope, 90100 server failure.
    pub error_code: u32,
}

impl TokenError {
    /// How the token endpoint answers this error (`docs/contract.md §0`, RFC 6749 §5.2).
    pub fn to_oauth_error(&self) -> OAuthErrorParts {
        let (status, error, description, error_code) = match self {
            Self::InvalidGrant(GrantFailure::Unknown | GrantFailure::ClientMismatch)
            | Self::UnknownAccount
            | Self::InvalidToken(_) => {
                (400, "invalid_grant", "The provided refresh token is not valid.", 70000)
            }
            Self::InvalidGrant(GrantFailure::Inactive) => {
                (400, "invalid_grant", "The refresh token has expired due to inactivity.", 700082)
            }
            Self::InvalidGrant(GrantFailure::Expired) => {
                (400, "invalid_grant", "The refresh token has expired.", 70008)
            }
            Self::InvalidGrant(GrantFailure::Revoked | GrantFailure::Reused) => {
                (400, "invalid_grant", "The refresh token has been revoked.", 50173)
            }
            Self::InvalidScope => {
                (400, "invalid_scope", "The requested scope exceeds the original grant.", 70011)
            }
            Self::Database(_) | Self::Signing(_) => {
                (500, "server_error", "The server could not complete the request.", 90100)
            }
        };
        OAuthErrorParts { status, error, description, error_code }
    }
}

/// Issues an access token, an ID token and a new refresh-token family for `account_id`
/// (`docs/contract.md §4`); the identity flows call it when a sign-in succeeds.
///
/// `scope` is the space-separated scope requested (e.g. `openid offline_access`), echoed in
/// the response and bound to the refresh token; `nonce` is echoed in the ID token.
///
/// # Errors
/// [`TokenError::UnknownAccount`]; database or signing failures.
pub async fn issue_tokens(
    state: &AppState,
    account_id: &str,
    client_id: &str,
    scope: &str,
    nonce: Option<&str>,
) -> Result<TokenResponse, TokenError> {
    let family_id = uuid::Uuid::new_v4().to_string();
    issue_tokens_in_family(state, &family_id, account_id, client_id, scope, nonce).await
}

/// [`issue_tokens`] with the new refresh-token family's id chosen by the caller (a UUID), who
/// keeps it to revoke the family later with [`revoke_family`].
///
/// # Errors
/// As [`issue_tokens`].
pub async fn issue_tokens_in_family(
    state: &AppState,
    family_id: &str,
    account_id: &str,
    client_id: &str,
    scope: &str,
    nonce: Option<&str>,
) -> Result<TokenResponse, TokenError> {
    let now = state.clock.now();
    let email = primary_email(state, account_id).await?.ok_or(TokenError::UnknownAccount)?;
    let scope = normalise_scope(scope);
    let family_expires = now + state.config.lifetimes.refresh_absolute;
    let refresh_token = random_token(32);
    db::on!(state.db, |c| sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family_id, account_id, client_id, scope, \
         family_created_at, family_expires_at, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(state.hash_key.hash(REFRESH_PURPOSE, &refresh_token))
    .bind(family_id)
    .bind(account_id)
    .bind(client_id)
    .bind(&scope)
    .bind(Stamp::new(now))
    .bind(Stamp::new(family_expires))
    .bind(Stamp::new(now))
    .bind(Stamp::new(sliding_expiry(state, now, family_expires)))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    mint(state, now, account_id, client_id, scope, nonce, email, refresh_token)
}

/// The `refresh_token` grant (`docs/contract.md §4`, RFC 6749 §6): rotates `refresh_token`
/// and issues fresh tokens. The token endpoint handler dispatches this grant here.
///
/// `scope`, when given, may narrow but not widen the original grant; the new refresh token
/// keeps the original scope.
///
/// # Errors
/// [`TokenError::InvalidGrant`] for an unknown, expired, revoked or other client's token, and
/// for the reuse of a rotated one (which also revokes its whole family);
/// [`TokenError::InvalidScope`]; database or signing failures.
pub async fn refresh_grant(
    state: &AppState,
    client_id: &str,
    refresh_token: &str,
    scope: Option<&str>,
) -> Result<TokenResponse, TokenError> {
    let now = state.clock.now();
    let now_text = Stamp::new(now);
    let hash = state.hash_key.hash(REFRESH_PURPOSE, refresh_token);
    let row: Option<RefreshRow> = db::on!(state.db, |c| sqlx::query_as(
        "SELECT family_id, account_id, client_id, scope, family_created_at, family_expires_at, \
         expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(c)
    .await)?;
    let Some(row) = row else {
        return Err(TokenError::InvalidGrant(GrantFailure::Unknown));
    };
    if row.client_id != client_id {
        return Err(TokenError::InvalidGrant(GrantFailure::ClientMismatch));
    }
    if row.revoked_at.is_some() {
        return Err(TokenError::InvalidGrant(GrantFailure::Revoked));
    }
    if row.rotated_at.is_some() {
        revoke_family(state, &row.family_id).await?;
        tracing::warn!(family = %row.family_id, "refresh token reused; family revoked");
        return Err(TokenError::InvalidGrant(GrantFailure::Reused));
    }
    let family_expires = row.family_expires_at.at();
    if now >= family_expires {
        return Err(TokenError::InvalidGrant(GrantFailure::Expired));
    }
    if now >= row.expires_at.at() {
        return Err(TokenError::InvalidGrant(GrantFailure::Inactive));
    }
    let granted = match scope {
        Some(requested) => {
            let requested = normalise_scope(requested);
            if !requested.split(' ').all(|s| row.scope.split(' ').any(|g| g == s)) {
                return Err(TokenError::InvalidScope);
            }
            requested
        }
        None => row.scope.clone(),
    };

    let new_token = random_token(32);
    let mut tx = state.db.begin_write().await?;
    // The conditional update is the first statement: it takes SQLite's write lock, or on
    // PostgreSQL this row's lock, so of two concurrent uses of one token exactly one rotates it;
    // and it does not rotate a token whose family a revocation has reached ([`revoke_family`]).
    let rotated = db::on!(tx, |c| sqlx::query(
        "UPDATE refresh_tokens SET rotated_at = $1 \
         WHERE token_hash = $2 AND rotated_at IS NULL AND revoked_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM refresh_tokens r \
                         WHERE r.family_id = $3 AND r.revoked_at IS NOT NULL)",
    )
    .bind(now_text)
    .bind(&hash)
    .bind(&row.family_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if rotated != 1 {
        drop(tx);
        revoke_family(state, &row.family_id).await?;
        tracing::warn!(family = %row.family_id, "refresh token used twice at once; family revoked");
        return Err(TokenError::InvalidGrant(GrantFailure::Reused));
    }
    db::on!(tx, |c| sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family_id, account_id, client_id, scope, \
         family_created_at, family_expires_at, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(state.hash_key.hash(REFRESH_PURPOSE, &new_token))
    .bind(&row.family_id)
    .bind(&row.account_id)
    .bind(&row.client_id)
    .bind(&row.scope)
    .bind(row.family_created_at)
    .bind(row.family_expires_at)
    .bind(now_text)
    .bind(Stamp::new(sliding_expiry(state, now, family_expires)))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await?;

    let email = primary_email(state, &row.account_id).await?.ok_or(TokenError::UnknownAccount)?;
    crate::metrics::signed_in(crate::metrics::SignIn::Refresh);
    mint(state, now, &row.account_id, client_id, granted, None, email, new_token)
}

/// Revokes the family of `token` if it is one of our refresh tokens issued to `client_id`
/// (RFC 7009 §2.1). Anything else (an access token, garbage, another client's token) is
/// ignored. Returns whether a family was revoked.
///
/// # Errors
/// Database failure.
pub async fn revoke_token(
    state: &AppState,
    client_id: &str,
    token: &str,
) -> Result<bool, TokenError> {
    let hash = state.hash_key.hash(REFRESH_PURPOSE, token);
    let family: Option<(String, String)> = db::on!(state.db, |c| sqlx::query_as(
        "SELECT family_id, client_id FROM refresh_tokens WHERE token_hash = $1"
    )
    .bind(&hash)
    .fetch_optional(c)
    .await)?;
    match family {
        Some((family_id, owner)) if owner == client_id => {
            revoke_family(state, &family_id).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Revokes every refresh token of `account_id` (`docs/contract.md §3`: a completed password
/// reset; §6: account deletion). Access tokens already issued stay valid until their `exp`
/// (at most 900 s), except that [`AuthParent`](crate::http::extract::AuthParent) refuses those
/// of a deleted account. Returns the number of tokens revoked.
///
/// # Errors
/// Database failure.
pub async fn revoke_all_for_account(state: &AppState, account_id: &str) -> Result<u64, TokenError> {
    revoke_until_none_left(
        state,
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
        account_id,
    )
    .await
}

/// Runs the revoking `UPDATE` (`$1` the time, `$2` the family or account) until it finds no
/// row left; the rows revoked. Once is not enough on PostgreSQL: a refresh rotating one of the
/// rows makes the first pass wait for its transaction, then revoke the rotated row only, while
/// the successor it inserted was not visible when the statement began; the next pass sees it.
/// A refresh cannot rotate after that (it requires an unrevoked family), so the passes end.
async fn revoke_until_none_left(
    state: &AppState,
    sql: &'static str,
    key: &str,
) -> Result<u64, TokenError> {
    let now = state.now();
    let mut total = 0;
    loop {
        let done = db::on!(state.db, |c| sqlx::query(sql)
            .bind(now)
            .bind(key)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Ok(total);
        }
        total += done;
    }
}

/// Verifies an access token: RS256 signature under one of our keys (by `kid`), `iss`, `aud`,
/// `exp` against `state.clock` (expired when `exp <= now`) and the `parent` scope
/// (`docs/contract.md §4`, §6). Does not check that the account still exists (that needs the
/// database; [`AuthParent`](crate::http::extract::AuthParent) does it).
///
/// A token that passed once is remembered in
/// [`verified_tokens`](crate::state::Inner::verified_tokens) ([`verified`]): the next time only
/// its `exp` (against `state.clock`) and its key (still one of [`SigningKeys`]) are checked
/// again, which gives the same answer as the full verification.
///
/// # Errors
/// [`TokenError::InvalidToken`] with the reason.
pub fn verify_access_token(state: &AppState, token: &str) -> Result<AccessClaims, TokenError> {
    let now = state.clock.now().unix_timestamp();
    let digest = VerifiedTokens::digest(token);
    if let Some(known) = state.verified_tokens.get(&digest) {
        if state.signing_keys.knows(&known.kid) {
            if known.claims.exp <= now {
                return Err(TokenError::InvalidToken(TokenRejection::Expired));
            }
            return Ok(known.claims.clone());
        }
        // Its key left the key file: verified in full below, which refuses it.
        state.verified_tokens.remove(&digest);
    }
    let (kid, claims) = verify_in_full(state, token, now)?;
    state.verified_tokens.insert(digest, verified::Verified { kid, claims: claims.clone() });
    Ok(claims)
}

/// [`verify_access_token`] without the cache: the claims and the `kid` that verified them.
fn verify_in_full(
    state: &AppState,
    token: &str,
    now: i64,
) -> Result<(String, AccessClaims), TokenError> {
    let invalid = |_| TokenError::InvalidToken(TokenRejection::Invalid);
    let header = jsonwebtoken::decode_header(token).map_err(invalid)?;
    if header.alg != Algorithm::RS256 {
        return Err(TokenError::InvalidToken(TokenRejection::Invalid));
    }
    let kid = header.kid.ok_or(TokenError::InvalidToken(TokenRejection::Invalid))?;
    let key = state
        .signing_keys
        .decoding_key(&kid)
        .ok_or(TokenError::InvalidToken(TokenRejection::Invalid))?;
    let mut validation = Validation::new(Algorithm::RS256);
    // jsonwebtoken reads the system clock; expiry is checked below against state.clock.
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[state.config.issuer()]);
    validation.set_audience(&[state.config.api_base()]);
    let claims =
        jsonwebtoken::decode::<AccessClaims>(token, &key, &validation).map_err(invalid)?.claims;
    if claims.exp <= now {
        return Err(TokenError::InvalidToken(TokenRejection::Expired));
    }
    if !claims.scp.split(' ').any(|s| s == PARENT_SCOPE) {
        return Err(TokenError::InvalidToken(TokenRejection::WrongScope));
    }
    Ok((kid, claims))
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    family_id: String,
    account_id: String,
    client_id: String,
    scope: String,
    family_created_at: Stamp,
    family_expires_at: Stamp,
    expires_at: Stamp,
    rotated_at: Option<Stamp>,
    revoked_at: Option<Stamp>,
}

/// The email an ID token carries: `(address, verified)`.
struct IdEmail(Option<(String, bool)>);

/// `None` when the account does not exist; otherwise its primary email (`accounts.email`, or
/// for an account without one, its first verified email, else its first email).
async fn primary_email(state: &AppState, account_id: &str) -> Result<Option<IdEmail>, TokenError> {
    let account: Option<(Option<String>,)> =
        db::on!(state.db, |c| sqlx::query_as("SELECT email FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(c)
            .await)?;
    let Some((primary,)) = account else {
        return Ok(None);
    };
    let emails: Vec<(String, bool)> = db::on!(state.db, |c| sqlx::query_as(
        "SELECT address, verified FROM account_emails WHERE account_id = $1 \
         ORDER BY verified DESC, created_at, address",
    )
    .bind(account_id)
    .fetch_all(c)
    .await)?;
    let chosen = match primary {
        Some(address) => {
            let verified = emails.iter().any(|(a, v)| *v && *a == address);
            Some((address, verified))
        }
        None => emails.into_iter().next(),
    };
    Ok(Some(IdEmail(chosen)))
}

#[allow(clippy::too_many_arguments)]
fn mint(
    state: &AppState,
    now: OffsetDateTime,
    account_id: &str,
    client_id: &str,
    scope: String,
    nonce: Option<&str>,
    email: IdEmail,
    refresh_token: String,
) -> Result<TokenResponse, TokenError> {
    let lifetime = state.config.lifetimes.access_token.as_secs();
    let iat = now.unix_timestamp();
    let exp = iat.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    let access = AccessClaims {
        iss: state.config.issuer(),
        sub: account_id.to_owned(),
        aud: state.config.api_base(),
        scp: PARENT_SCOPE.to_owned(),
        iat,
        exp,
        jti: uuid::Uuid::new_v4().to_string(),
    };
    let (email, email_verified) = match email.0 {
        Some((address, verified)) => (Some(address), Some(verified)),
        None => (None, None),
    };
    let id = IdTokenClaims {
        iss: state.config.issuer(),
        sub: account_id.to_owned(),
        aud: client_id.to_owned(),
        iat,
        exp,
        email,
        email_verified,
        nonce: nonce.map(str::to_owned),
    };
    let keys = &state.signing_keys;
    Ok(TokenResponse {
        token_type: "Bearer".to_owned(),
        scope,
        expires_in: lifetime,
        access_token: keys.sign(&access).map_err(TokenError::Signing)?.into(),
        refresh_token: refresh_token.into(),
        id_token: keys.sign(&id).map_err(TokenError::Signing)?.into(),
    })
}

/// A token issued at `now` lapses unused after the sliding lifetime, never after its family.
fn sliding_expiry(
    state: &AppState,
    now: OffsetDateTime,
    family_expires: OffsetDateTime,
) -> OffsetDateTime {
    (now + state.config.lifetimes.refresh_sliding).min(family_expires)
}

/// Revokes every refresh token of `family_id` now (the portal's clock); already revoked rows keep
/// their time. Access tokens of the family lapse at their own expiry (they are not looked up).
///
/// # Errors
/// Database failures.
pub async fn revoke_family(state: &AppState, family_id: &str) -> Result<(), TokenError> {
    revoke_until_none_left(
        state,
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
        family_id,
    )
    .await?;
    Ok(())
}

/// Space-separated scopes with runs of whitespace collapsed and duplicates dropped, in order.
fn normalise_scope(scope: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for s in scope.split_whitespace() {
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_normalised() {
        assert_eq!(normalise_scope("  openid   offline_access openid "), "openid offline_access");
        assert_eq!(normalise_scope(""), "");
    }

    #[test]
    fn every_error_maps_to_an_oauth_error() {
        let reused = TokenError::InvalidGrant(GrantFailure::Reused).to_oauth_error();
        assert_eq!((reused.status, reused.error), (400, "invalid_grant"));
        let inactive = TokenError::InvalidGrant(GrantFailure::Inactive).to_oauth_error();
        assert_eq!(inactive.error_code, 700082);
        assert_eq!(TokenError::InvalidScope.to_oauth_error().error, "invalid_scope");
        let db = TokenError::Database(sqlx::Error::PoolClosed).to_oauth_error();
        assert_eq!((db.status, db.error), (500, "server_error"));
    }
}
