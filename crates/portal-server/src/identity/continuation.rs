//! Continuation tokens (`docs/contract.md §0`).
//!
//! Opaque: 256 random bits, base64url ([`random_token`]). Stored only as a keyed hash (purpose
//! `continuation`), bound to one flow, the step it opens and the client id, valid
//! `config.lifetimes.continuation` (600 s): a token is still valid at exactly 600 s and expired
//! at 601 s. A successful step consumes its token and issues the next one ([`advance`]); an
//! error answer leaves it usable. An expired, unknown, consumed or other client's token gets
//! 400 `expired_token`.

use time::OffsetDateTime;

use crate::{
    AppState,
    crypto::random_token,
    db::{self, Stamp, Tx},
    http::oauth_error::OAuthError,
};

/// Purpose of continuation-token hashes.
pub const PURPOSE: &str = "continuation";

/// The steps a continuation token can open, `{flow}:{step}`.
pub mod step {
    /// Sign-up, after `start`: `challenge` sends the code (§1 step 2).
    pub const SIGNUP_CHALLENGE: &str = "signup:challenge";
    /// Sign-up, code sent: `continue` with `grant_type=oob`, or `challenge` to resend (§1).
    pub const SIGNUP_OOB: &str = "signup:oob";
    /// Sign-up, code proven: `challenge` asks for the password (§1 step 4).
    pub const SIGNUP_PASSWORD_CHALLENGE: &str = "signup:password_challenge";
    /// Sign-up: `continue` with `grant_type=password` creates the account (§1 step 5).
    pub const SIGNUP_PASSWORD: &str = "signup:password";
    /// Sign-up done: the token endpoint's `continuation_token` grant (§1 step 6).
    pub const SIGNUP_DONE: &str = "signup:done";
    /// Sign-in, after `initiate`: `challenge` (§2 step 2).
    pub const SIGNIN_CHALLENGE: &str = "signin:challenge";
    /// Sign-in: the token endpoint's `password` grant (§2 step 3).
    pub const SIGNIN_PASSWORD: &str = "signin:password";
    /// Reset, after `start`: `challenge` sends the code (§3 step 2).
    pub const RESET_CHALLENGE: &str = "reset:challenge";
    /// Reset, code sent: `continue` with `grant_type=oob`, or `challenge` to resend (§3).
    pub const RESET_OOB: &str = "reset:oob";
    /// Reset, code proven: `submit` the new password (§3 step 4).
    pub const RESET_SUBMIT: &str = "reset:submit";
    /// Reset, password changed: `poll_completion` (§3 step 5).
    pub const RESET_POLL: &str = "reset:poll";
    /// Reset done: the token endpoint's `continuation_token` grant (§3 step 6).
    pub const RESET_DONE: &str = "reset:done";
}

/// A flow (one row of `auth_flows`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Flow {
    /// UUID.
    pub id: String,
    /// `signup`, `signin` or `reset`.
    pub kind: String,
    /// The client that started it.
    pub client_id: String,
    /// Canonical email.
    pub email: String,
    /// The account of the email at start, or the one the sign-up created.
    pub account_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    step: String,
    token_client: String,
    expires_at: Stamp,
    consumed_at: Option<Stamp>,
    #[sqlx(flatten)]
    flow: Flow,
}

/// A valid token presented for one of the expected steps.
#[derive(Debug, Clone)]
pub struct Presented {
    /// Its keyed hash (its identity in the table).
    pub token_hash: String,
    /// The step it opens.
    pub step: String,
    /// Its flow.
    pub flow: Flow,
}

/// Starts a flow and returns its first token, opening `first_step`.
///
/// # Errors
/// Database failure.
pub async fn start_flow(
    state: &AppState,
    kind: &str,
    client_id: &str,
    email: &str,
    account_id: Option<&str>,
    first_step: &str,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let token = random_token(32);
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    db::on!(tx, |c| sqlx::query(
        "INSERT INTO auth_flows (id, kind, client_id, email, account_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(kind)
    .bind(client_id)
    .bind(email)
    .bind(account_id)
    .bind(Stamp::new(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    insert_token(state, &mut tx, &token, &id, first_step, client_id, now).await?;
    tx.commit().await?;
    Ok(token)
}

async fn insert_token(
    state: &AppState,
    tx: &mut Tx,
    token: &str,
    flow_id: &str,
    step: &str,
    client_id: &str,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    db::on!(tx, |c| sqlx::query(
        "INSERT INTO continuation_tokens (token_hash, flow_id, step, client_id, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(state.hash_key.hash(PURPOSE, token))
    .bind(flow_id)
    .bind(step)
    .bind(client_id)
    .bind(Stamp::new(now + state.config.lifetimes.continuation))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Looks `token` up for one of `steps`, without consuming it.
///
/// # Errors
/// 400 `expired_token` when the token is unknown, expired, consumed, issued to another client
/// or belongs to another kind of flow; 400 `invalid_request` when it belongs to this kind of
/// flow but opens another step (e.g. the password sent while the code is expected).
pub async fn redeem(
    state: &AppState,
    token: &str,
    client_id: &str,
    steps: &[&str],
) -> Result<Presented, OAuthError> {
    let hash = state.hash_key.hash(PURPOSE, token);
    let row: Option<TokenRow> = db::on!(state.db, |c| sqlx::query_as(
        "SELECT t.step, t.client_id AS token_client, t.expires_at, t.consumed_at, \
         f.id, f.kind, f.client_id, f.email, f.account_id \
         FROM continuation_tokens t JOIN auth_flows f ON f.id = t.flow_id \
         WHERE t.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(c)
    .await)?;
    let Some(TokenRow { step, token_client, expires_at, consumed_at, flow }) = row else {
        return Err(OAuthError::expired_token());
    };
    let now = Stamp::new(state.clock.now());
    if consumed_at.is_some() || now > expires_at || token_client != client_id {
        return Err(OAuthError::expired_token());
    }
    if !steps.contains(&step.as_str()) {
        let same_flow = steps.iter().any(|s| s.split(':').next() == Some(flow.kind.as_str()));
        return Err(if same_flow {
            OAuthError::invalid_request("The continuation token is for another step of this flow.")
        } else {
            OAuthError::expired_token()
        });
    }
    Ok(Presented { token_hash: hash, step, flow })
}

/// Consumes `presented` without issuing a successor (the flow ends).
///
/// # Errors
/// 400 `expired_token` when a concurrent request consumed it first; database failure.
pub async fn consume(state: &AppState, presented: &Presented) -> Result<(), OAuthError> {
    let mut tx = state.db.begin_write().await?;
    consume_in(state, &mut tx, presented).await?;
    tx.commit().await?;
    Ok(())
}

async fn consume_in(
    state: &AppState,
    tx: &mut Tx,
    presented: &Presented,
) -> Result<(), OAuthError> {
    let done = db::on!(tx, |c| {
        sqlx::query(
        "UPDATE continuation_tokens SET consumed_at = $1 WHERE token_hash = $2 AND consumed_at IS NULL",
    )
    .bind(Stamp::new(state.clock.now()))
    .bind(&presented.token_hash)
    .execute(c)
    .await.map(|r| r.rows_affected())
    })?;
    if done == 1 { Ok(()) } else { Err(OAuthError::expired_token()) }
}

/// Consumes `presented` and returns a new token of the same flow and client opening `next`.
///
/// # Errors
/// 400 `expired_token` when a concurrent request consumed it first; database failure.
pub async fn advance(
    state: &AppState,
    presented: &Presented,
    next: &str,
) -> Result<String, OAuthError> {
    let token = random_token(32);
    let mut tx = state.db.begin_write().await?;
    consume_in(state, &mut tx, presented).await?;
    insert_token(
        state,
        &mut tx,
        &token,
        &presented.flow.id,
        next,
        &presented.flow.client_id,
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}
