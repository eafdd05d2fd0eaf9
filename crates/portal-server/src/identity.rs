//! Native-auth identity (`docs/contract.md §§0–3`): sign-up, sign-in and password reset.
//!
//! - [`continuation`]: continuation tokens, opaque and stored as keyed hashes, bound to a flow,
//!   its step and the client, consumed by every successful step (§0);
//! - [`codes`]: the emailed 6-digit codes, their resend interval, attempts and send limits (§1);
//! - [`limits`]: sliding windows and sign-in lockouts (§0 "Limits", §2);
//! - [`passwords`]: argon2id hashing off the async runtime, and the dummy hash that makes an
//!   unknown email cost the same as a wrong password (§2);
//! - [`flows`]: the steps of §1, §2 and §3 and the token endpoint's `password` and
//!   `continuation_token` grants.
//!
//! The HTTP side (`crate::http::identity`) only decodes forms and calls [`flows`].

pub mod codes;
pub mod continuation;
pub mod flows;
pub mod limits;
pub mod passwords;

pub use passwords::Passwords;

use cartable_core::Email;

use crate::{AppState, http::oauth_error::OAuthError};

/// Checks `client_id` against the configured public clients (§0).
///
/// # Errors
/// 400 `invalid_client` for an unknown client.
pub fn check_client(state: &AppState, client_id: &str) -> Result<(), OAuthError> {
    if state.config.public_clients.iter().any(|c| c == client_id) {
        Ok(())
    } else {
        Err(OAuthError::invalid_client())
    }
}

/// Parses `username` as an email in canonical form (§1 "Email", rule in `cartable_core::email`).
///
/// # Errors
/// 400 `invalid_request` naming the problem's code (e.g. `email_missing_at`).
pub fn parse_username(username: &str) -> Result<Email, OAuthError> {
    Email::parse(username).map_err(|e| {
        let code = cartable_core::ErrorKind::from(e).code();
        OAuthError::invalid_request(format!("The username is not a valid email address ({code})."))
    })
}
