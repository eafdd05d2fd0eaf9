//! Access tokens verified once, remembered until their `exp` (`docs/contract.md §4`,
//! `SECURITY.md` "Every limit and budget").
//!
//! Verifying an access token in full (header, claims, RS256 signature) took 29 µs of the 88 µs
//! of CPU a `GET /api/v1/children` cost, its largest single piece (`BENCHMARKS.md`, "Parent API
//! (2026-12-06)"), and a client sends the same token with every request for up to 900 s. A
//! token that passed [`verify_access_token`](super::verify_access_token) is kept here with its
//! claims and the `kid` that verified it, keyed by the SHA-256 of its text: the token itself is
//! never kept.
//! A later request bearing the same token skips what cannot change for a given text (structure,
//! algorithm, signature, `iss`, `aud`, scope), and checks again what can:
//!
//! - expiry: `exp` against the portal's clock, as the full verification does, so an entry is
//!   valid only until its token's `exp` and answers "access token expired" afterwards;
//! - the key: its `kid` must still be one of the signing keys, so a key taken out of the key
//!   file (by hand, or by `keys rotate`; re-read by
//!   [`SigningKeys::reload`](super::SigningKeys::reload)) refuses the tokens it signed at once,
//!   remembered or not;
//! - the account: not here; [`AuthParent`](crate::http::extract::AuthParent) and the children
//!   list look it up in the database on every request, so a deleted account is refused the same
//!   whether its token was cached or not.
//!
//! Only successes are kept, so a token refused once is refused the next time by the full
//! verification. The cache holds at most [`CAPACITY`] tokens (`quick_cache`'s S3-FIFO evicts
//! the ones least used); [`VerifiedTokens::forget_expired`] drops those past their `exp`
//! (called every [`crate::maintenance::SHORT_INTERVAL`]), so its memory follows the tokens in
//! use. It lives in one instance's memory: another instance verifies a token once itself, which
//! changes nothing it answers.

use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use super::AccessClaims;

/// Tokens kept at most: 10 000 (about 5 MB). More parents active within one token lifetime
/// only means that some tokens are verified in full again.
pub const CAPACITY: usize = 10_000;

/// The SHA-256 of an access token's text: what the cache is keyed by.
pub type TokenDigest = [u8; 32];

/// What a full verification established about one token.
#[derive(Debug)]
pub struct Verified {
    /// The key id of the JWT header, whose key checked the signature.
    pub kid: String,
    /// The claims, `exp` included (Unix seconds).
    pub claims: AccessClaims,
}

/// The verified access tokens of this instance, shared by every request (see the module docs).
pub struct VerifiedTokens(quick_cache::sync::Cache<TokenDigest, Arc<Verified>>);

impl std::fmt::Debug for VerifiedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedTokens").field("len", &self.0.len()).finish()
    }
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl VerifiedTokens {
    /// An empty cache holding at most `capacity` tokens.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(quick_cache::sync::Cache::new(capacity.max(1)))
    }

    /// The key of `token` in the cache.
    pub fn digest(token: &str) -> TokenDigest {
        Sha256::digest(token.as_bytes()).into()
    }

    /// What a full verification established about the token of `digest`, if it is kept.
    pub fn get(&self, digest: &TokenDigest) -> Option<Arc<Verified>> {
        self.0.get(digest)
    }

    /// Keeps a token that passed the full verification.
    pub fn insert(&self, digest: TokenDigest, verified: Verified) {
        self.0.insert(digest, Arc::new(verified));
    }

    /// Forgets one token (its key is gone).
    pub fn remove(&self, digest: &TokenDigest) {
        self.0.remove(digest);
    }

    /// Forgets every token whose `exp` is at or before `now` (Unix seconds, the portal's clock).
    pub fn forget_expired(&self, now: i64) {
        self.0.retain(|_, verified| verified.claims.exp > now);
    }

    /// How many tokens are kept.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no token is kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(exp: i64) -> Verified {
        Verified {
            kid: "k1".to_owned(),
            claims: AccessClaims {
                iss: "iss".to_owned(),
                sub: "sub".to_owned(),
                aud: "aud".to_owned(),
                scp: "parent".to_owned(),
                iat: exp - 900,
                exp,
                jti: "jti".to_owned(),
            },
        }
    }

    #[test]
    fn it_is_bounded_and_forgets_what_expired() {
        let cache = VerifiedTokens::with_capacity(100);
        for i in 0..1_000 {
            cache.insert(VerifiedTokens::digest(&format!("token {i}")), verified(1_000 + i));
        }
        assert!(cache.len() <= 100, "{}", cache.len());
        cache.forget_expired(i64::MAX);
        assert!(cache.is_empty());
        cache.insert(VerifiedTokens::digest("a"), verified(10));
        cache.insert(VerifiedTokens::digest("b"), verified(20));
        cache.forget_expired(10);
        assert!(cache.get(&VerifiedTokens::digest("a")).is_none(), "exp 10 at 10 is past");
        assert_eq!(cache.get(&VerifiedTokens::digest("b")).map(|v| v.claims.exp), Some(20));
    }
}
