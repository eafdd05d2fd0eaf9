//! The RS256 keys that sign and verify JWTs (`docs/contract.md §4`), from the key file or
//! `PORTAL_KEYS` ([`crate::keys`]), never from the database (§6 "Privacy").
//!
//! Every key of the source verifies and is in the JWKS; the signer is the newest key whose
//! `active_from` is not after the portal's clock (the oldest key when none is active yet, e.g.
//! a clock behind the file's). [`SigningKeys::reload`] re-reads a changed file at run time, so a
//! `keys rotate` reaches a running portal without a restart.

use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use cartable_core::wire::tokens::{Jwk, Jwks};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::{RsaPrivateKey, pkcs8::DecodePrivateKey as _, traits::PublicKeyParts as _};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

pub use crate::keys::RSA_BITS;
use crate::{
    clock::Clock,
    keys::{KeyError, KeyFile, KeySource, LoadedKeys},
};

/// The server's RS256 keys, swappable at run time by [`SigningKeys::reload`].
///
/// `Debug` shows only the key ids.
pub struct SigningKeys {
    source: KeySource,
    clock: Arc<dyn Clock>,
    /// SHA-256 of the HMAC key the portal started with: a reload must not change it.
    hmac_digest: [u8; 32],
    current: RwLock<Arc<KeySet>>,
    /// One reload at a time.
    reloading: tokio::sync::Mutex<()>,
}

/// One reading of the source.
struct KeySet {
    /// SHA-256 of the JSON it was read from.
    fingerprint: [u8; 32],
    /// At least one key, sorted by `active_from`.
    keys: Vec<Key>,
}

struct Key {
    kid: String,
    active_from: OffsetDateTime,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = self.snapshot();
        f.debug_struct("SigningKeys")
            .field("source", &self.source)
            .field("kids", &set.keys.iter().map(|k| &k.kid).collect::<Vec<_>>())
            .finish()
    }
}

impl SigningKeys {
    /// The keys of `loaded` (read from `source`), choosing the signer by `clock`.
    ///
    /// # Errors
    /// [`KeyError::Invalid`]: a key the JWT library does not accept.
    pub fn new(
        source: KeySource,
        loaded: &LoadedKeys,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, KeyError> {
        let set = KeySet::build(&loaded.file, loaded.fingerprint, &source)?;
        Ok(Self {
            hmac_digest: hmac_digest(&loaded.file),
            source,
            clock,
            current: RwLock::new(Arc::new(set)),
            reloading: tokio::sync::Mutex::new(()),
        })
    }

    /// Re-reads the key file when its content changed; `Ok(true)` when the keys were replaced.
    /// A [`KeySource::Inline`] source never changes (`Ok(false)`). Meant for a periodic task:
    /// run it more often than `keys rotate --activate-in` (120 s by default).
    ///
    /// # Errors
    /// The file cannot be read or is invalid ([`KeyError::NotFound`], [`KeyError::Io`],
    /// [`KeyError::Invalid`]), or its HMAC key changed ([`KeyError::HmacChanged`]); the running
    /// keys are kept in every case.
    pub async fn reload(&self) -> Result<bool, KeyError> {
        if matches!(self.source, KeySource::Inline(_)) {
            return Ok(false);
        }
        let _one = self.reloading.lock().await;
        let loaded = crate::keys::read(&self.source).await?;
        if loaded.fingerprint == self.snapshot().fingerprint {
            return Ok(false);
        }
        if hmac_digest(&loaded.file) != self.hmac_digest {
            return Err(KeyError::HmacChanged(self.source.to_string()));
        }
        let set = KeySet::build(&loaded.file, loaded.fingerprint, &self.source)?;
        let kids: Vec<&str> = set.keys.iter().map(|k| k.kid.as_str()).collect();
        tracing::info!(source = %self.source, ?kids, "reloaded the signing keys");
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(set);
        Ok(true)
    }

    /// The key id that signs now, as in the JWT header's `kid`.
    pub fn signer_kid(&self) -> String {
        self.snapshot().signer(self.clock.now()).map(|k| k.kid.clone()).unwrap_or_default()
    }

    /// Every key's public half as a JWKS (RFC 7517 §5), for `{authority}discovery/v2.0/keys`.
    pub fn jwks(&self) -> Jwks {
        Jwks { keys: self.snapshot().keys.iter().map(|k| k.jwk.clone()).collect() }
    }

    /// Signs `claims` as an RS256 JWT with the current signer and its `kid`.
    ///
    /// # Errors
    /// The claims do not serialize, or signing fails.
    pub fn sign<T: serde::Serialize>(&self, claims: &T) -> jsonwebtoken::errors::Result<String> {
        let set = self.snapshot();
        let key = set
            .signer(self.clock.now())
            .ok_or(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat)?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding)
    }

    /// The verification key named `kid`, if it is one of ours (any key of the source, active or
    /// not yet).
    pub fn decoding_key(&self, kid: &str) -> Option<DecodingKey> {
        self.snapshot().keys.iter().find(|k| k.kid == kid).map(|k| k.decoding.clone())
    }

    /// Whether `kid` names one of the keys in use (what [`Self::decoding_key`] finds), without
    /// copying the key: how a remembered token checks that its key is still ours
    /// ([`super::verified`]).
    pub fn knows(&self, kid: &str) -> bool {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys
            .iter()
            .any(|k| k.kid == kid)
    }

    fn snapshot(&self) -> Arc<KeySet> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl KeySet {
    fn build(file: &KeyFile, fingerprint: [u8; 32], source: &KeySource) -> Result<Self, KeyError> {
        let invalid = |i: usize| KeyError::Invalid {
            source_name: source.to_string(),
            reason: format!("signing[{i}].pem is not an RSA key the JWT library accepts"),
        };
        let mut keys = Vec::with_capacity(file.signing.len());
        for (i, entry) in file.signing.iter().enumerate() {
            let private = RsaPrivateKey::from_pkcs8_pem(&entry.pem).map_err(|_| invalid(i))?;
            let encoding =
                EncodingKey::from_rsa_pem(entry.pem.as_bytes()).map_err(|_| invalid(i))?;
            let (decoding, jwk) = public_key(&entry.kid, &private);
            keys.push(Key {
                kid: entry.kid.clone(),
                active_from: entry.active_from,
                encoding,
                decoding,
                jwk,
            });
        }
        keys.sort_by_key(|k| k.active_from);
        Ok(Self { fingerprint, keys })
    }

    /// The newest key active at `now`, else the oldest; `None` only for an empty set.
    fn signer(&self, now: OffsetDateTime) -> Option<&Key> {
        self.keys.iter().rev().find(|k| k.active_from <= now).or_else(|| self.keys.first())
    }
}

fn hmac_digest(file: &KeyFile) -> [u8; 32] {
    Sha256::digest(file.hmac_bytes().unwrap_or_default()).into()
}

fn public_key(kid: &str, key: &RsaPrivateKey) -> (DecodingKey, Jwk) {
    let n = key.n().to_bytes_be();
    let e = key.e().to_bytes_be();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwk = Jwk {
        kty: "RSA".into(),
        use_: Some("sig".into()),
        alg: Some("RS256".into()),
        kid: kid.to_owned(),
        n: b64.encode(&n),
        e: b64.encode(&e),
    };
    (DecodingKey::from_rsa_raw_components(&n, &e), jwk)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::Duration;

    use super::*;
    use crate::clock::ManualClock;

    #[tokio::test]
    async fn the_newest_active_key_signs_and_every_key_verifies_after_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let start = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        assert!(crate::keys::create_file(&path, None, start).await.unwrap());
        let source = KeySource::File { path: path.clone(), create: false };
        let loaded = crate::keys::read(&source).await.unwrap();
        let clock = ManualClock::new(start);
        let keys = SigningKeys::new(source, &loaded, Arc::new(clock.clone())).unwrap();
        let first = keys.signer_kid();
        assert!(!keys.reload().await.unwrap(), "unchanged file");

        let rotation = crate::keys::rotate_file(
            &path,
            start,
            Duration::from_secs(120),
            Duration::from_secs(900),
        )
        .await
        .unwrap();
        assert!(keys.reload().await.unwrap());
        assert_eq!(keys.jwks().keys.len(), 2);
        assert_eq!(keys.signer_kid(), first, "not active yet");
        assert!(keys.decoding_key(&rotation.added).is_some(), "verifies before it signs");
        clock.advance(time::Duration::seconds(120));
        assert_eq!(keys.signer_kid(), rotation.added);
        let token = keys.sign(&serde_json::json!({"sub": "x"})).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some(rotation.added.as_str()));
    }

    #[tokio::test]
    async fn a_changed_hmac_key_is_refused_and_the_running_keys_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let now = OffsetDateTime::now_utc();
        assert!(crate::keys::create_file(&path, None, now).await.unwrap());
        let source = KeySource::File { path: path.clone(), create: false };
        let loaded = crate::keys::read(&source).await.unwrap();
        let keys = SigningKeys::new(source, &loaded, crate::clock::system()).unwrap();
        let mut file = loaded.file.clone();
        file.hmac = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
        std::fs::write(&path, file.to_json()).unwrap();
        let error = keys.reload().await.unwrap_err();
        assert!(matches!(error, KeyError::HmacChanged(_)), "{error}");
        assert_eq!(keys.jwks().keys.len(), 1);
    }
}
