//! Keyed hashes and random values: how codes, continuation and refresh tokens are stored.
//!
//! A stored code or token is `HMAC-SHA-256(server key, purpose || 0x00 || value)` in hex, so a
//! copy of the database alone reveals nothing usable, and a lookup by hash stays an index seek.
//! The key is 256 random bits kept outside the database, in the key file or `PORTAL_KEYS`
//! ([`crate::keys`], `docs/contract.md §6` "Privacy"). It is never rotated: every stored hash
//! depends on it.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::Sha256;

/// The server's HMAC key.
#[derive(Clone)]
pub struct HashKey([u8; 32]);

impl std::fmt::Debug for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashKey([redacted])")
    }
}

impl HashKey {
    /// The key from its 32 bytes: the key file's `hmac`, decoded ([`crate::keys`]), or a fixed
    /// key in tests and benchmarks.
    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// `hex(HMAC-SHA-256(key, purpose || 0x00 || value))`.
    ///
    /// `purpose` separates domains (`"code"`, `"continuation"`, `"refresh"`, `"nip"`), so a
    /// value valid in one role never matches in another.
    pub fn hash(&self, purpose: &str, value: &str) -> String {
        #[allow(clippy::expect_used)] // HMAC accepts keys of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

/// `bytes` random bytes from the OS CSPRNG, base64url without padding (e.g. 32 → 43 chars).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A string of `len` decimal digits, uniformly drawn from the OS CSPRNG (emailed codes, §1).
pub fn random_digits(len: usize) -> String {
    use rand::Rng as _;
    let mut rng = rand::rngs::OsRng;
    (0..len).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_separate_domains() {
        let key = HashKey::from_bytes([7; 32]);
        assert_ne!(key.hash("code", "123456"), key.hash("refresh", "123456"));
        assert_eq!(key.hash("code", "123456"), key.hash("code", "123456"));
        assert_eq!(key.hash("code", "123456").len(), 64);
    }

    #[test]
    fn random_values_have_their_shape() {
        assert_eq!(random_token(32).len(), 43);
        let digits = random_digits(6);
        assert_eq!(digits.len(), 6);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
    }
}
