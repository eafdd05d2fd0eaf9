//! Secrets the client holds: the refresh token and the access token.
//!
//! Both wrap [`secrecy::SecretString`]: `Debug` prints `[REDACTED]`, the memory is zeroized on
//! drop, there is no `Display` and no `Serialize`, and the only way to the text is an explicit
//! `expose_secret()`.

use secrecy::{ExposeSecret, SecretString};

/// The refresh token (`docs/contract.md §4`): opaque, rotated on every use. The shell keeps it in
/// the OS keychain and gives it back through [`Portal::resume_session`](crate::Portal::resume_session).
#[derive(Clone)]
pub struct RefreshToken(SecretString);

impl RefreshToken {
    /// Wraps a token read from the keychain.
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    /// The token's text.
    ///
    /// # Security
    /// Write it only to the keychain or the token endpoint; never log it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshToken([REDACTED])")
    }
}

impl PartialEq for RefreshToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

/// An access token for the parent API (`docs/contract.md §4`: RS256 JWT, 900 s). Kept in memory
/// only.
#[derive(Clone)]
pub(crate) struct AccessToken(SecretString);

impl AccessToken {
    pub(crate) fn new(token: String) -> Self {
        Self(SecretString::from(token))
    }

    pub(crate) fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let t = RefreshToken::new("very-secret-value");
        assert_eq!(format!("{t:?}"), "RefreshToken([REDACTED])");
        assert_eq!(t.expose_secret(), "very-secret-value");
        let a = AccessToken::new("eyJ.secret".to_owned());
        assert!(!format!("{a:?}").contains("secret"));
    }
}
