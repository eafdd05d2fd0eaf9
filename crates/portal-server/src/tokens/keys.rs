//! The RS256 signing key (`docs/contract.md §4`): generated on first start, kept in
//! `server_secrets` as PKCS#8 PEM under `rs256:<kid>`, so restarts keep issued tokens valid.

use base64::Engine as _;
use cartable_core::wire::tokens::{Jwk, Jwks};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::{
    RsaPrivateKey,
    pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _, LineEnding},
    traits::PublicKeyParts as _,
};
use sha2::{Digest as _, Sha256};
use sqlx::SqlitePool;

/// Modulus size of a generated key, in bits.
pub const RSA_BITS: usize = 2048;

/// Prefix of the key's row name in `server_secrets`.
const SECRET_PREFIX: &str = "rs256:";

/// The server's RS256 keys: the one that signs, and every stored one for verification and JWKS.
///
/// `Debug` shows only the key ids.
pub struct SigningKeys {
    signer_kid: String,
    signer: EncodingKey,
    public: Vec<PublicKey>,
}

struct PublicKey {
    kid: String,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("signer_kid", &self.signer_kid)
            .field("kids", &self.public.iter().map(|k| &k.kid).collect::<Vec<_>>())
            .finish()
    }
}

impl SigningKeys {
    /// Loads the stored RS256 keys, generating a 2048-bit one on first start (on a blocking
    /// thread: it takes about a second even optimised). `now` is the RFC 3339 creation time.
    ///
    /// When several keys are stored (two processes started at once on a new file), the oldest
    /// signs and all verify, so every process agrees.
    ///
    /// # Errors
    /// Database failure, key generation failure, or a stored key that does not parse
    /// (reported as [`sqlx::Error::Decode`] / [`sqlx::Error::Protocol`]).
    pub async fn load_or_create(db: &SqlitePool, now: &str) -> Result<Self, sqlx::Error> {
        if stored_keys(db).await?.is_empty() {
            let pem = tokio::task::spawn_blocking(generate_pem)
                .await
                .map_err(|e| sqlx::Error::Protocol(format!("key generation task: {e}")))??;
            let key = parse_pem(&pem)?;
            let name = format!("{SECRET_PREFIX}{}", kid_of(&key)?);
            sqlx::query(
                "INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(&name)
            .bind(pem.as_str())
            .bind(now)
            .execute(db)
            .await?;
            tracing::info!(kid = %&name[SECRET_PREFIX.len()..], "generated the RS256 signing key");
        }
        let rows = stored_keys(db).await?;
        let mut public = Vec::with_capacity(rows.len());
        let mut signer = None;
        for (name, pem) in &rows {
            let kid = name[SECRET_PREFIX.len()..].to_owned();
            let key = parse_pem(pem)?;
            if signer.is_none() {
                let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
                signer = Some((kid.clone(), encoding));
            }
            public.push(public_key(kid, &key));
        }
        let (signer_kid, signer) =
            signer.ok_or_else(|| sqlx::Error::Protocol("no RS256 key stored".into()))?;
        Ok(Self { signer_kid, signer, public })
    }

    /// The key id of the signing key, as in the JWT header's `kid`.
    pub fn signer_kid(&self) -> &str {
        &self.signer_kid
    }

    /// The public keys as a JWKS (RFC 7517 §5), for `{authority}discovery/v2.0/keys`.
    pub fn jwks(&self) -> Jwks {
        Jwks { keys: self.public.iter().map(|k| k.jwk.clone()).collect() }
    }

    /// Signs `claims` as an RS256 JWT with the current key's `kid`.
    ///
    /// # Errors
    /// The claims do not serialize, or signing fails.
    pub fn sign<T: serde::Serialize>(&self, claims: &T) -> jsonwebtoken::errors::Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.signer_kid.clone());
        jsonwebtoken::encode(&header, claims, &self.signer)
    }

    /// The verification key named `kid`, if it is one of ours.
    pub fn decoding_key(&self, kid: &str) -> Option<&DecodingKey> {
        self.public.iter().find(|k| k.kid == kid).map(|k| &k.decoding)
    }
}

async fn stored_keys(db: &SqlitePool) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, value FROM server_secrets WHERE name LIKE 'rs256:%' \
         ORDER BY created_at, name",
    )
    .fetch_all(db)
    .await
}

fn generate_pem() -> Result<String, sqlx::Error> {
    let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, RSA_BITS)
        .map_err(|e| sqlx::Error::Protocol(format!("RSA key generation: {e}")))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| sqlx::Error::Protocol(format!("PKCS#8 encoding: {e}")))?;
    Ok(pem.as_str().to_owned())
}

fn parse_pem(pem: &str) -> Result<RsaPrivateKey, sqlx::Error> {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .map_err(|e| sqlx::Error::Protocol(format!("stored RS256 key does not parse: {e}")))
}

/// base64url of the first 16 bytes of SHA-256 over the public key's SPKI DER (22 characters).
fn kid_of(key: &RsaPrivateKey) -> Result<String, sqlx::Error> {
    let der = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| sqlx::Error::Protocol(format!("SPKI encoding: {e}")))?;
    let digest = Sha256::digest(der.as_bytes());
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]))
}

fn public_key(kid: String, key: &RsaPrivateKey) -> PublicKey {
    let n = key.n().to_bytes_be();
    let e = key.e().to_bytes_be();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwk = Jwk {
        kty: "RSA".into(),
        use_: Some("sig".into()),
        alg: Some("RS256".into()),
        kid: kid.clone(),
        n: b64.encode(&n),
        e: b64.encode(&e),
    };
    PublicKey { kid, decoding: DecodingKey::from_rsa_raw_components(&n, &e), jwk }
}
