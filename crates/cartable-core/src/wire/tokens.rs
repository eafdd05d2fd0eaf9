//! The token endpoint, revocation and discovery (`docs/contract.md` §4).
//!
//! - [`TokenResponse`]: what `oauth2/v2.0/token` answers on success, for every grant;
//! - [`IdTokenClaims`]: the claims of the ID token inside it;
//! - [`RevokeRequest`]: the RFC 7009 revocation form;
//! - [`Discovery`] and [`Jwks`]: OpenID Connect discovery and the signing keys.
//!
//! Client and reference portal both use these, so field names cannot drift.

use crate::Secret;
use serde::{Deserialize, Serialize};

/// The mobile redirect URI of the browser flow, a private-use scheme named after the app's
/// bundle identifier (RFC 8252 §7.1, `docs/contract.md §5`). The portal accepts exactly this
/// string besides loopback redirects.
pub const MOBILE_REDIRECT_URI: &str = "ca.cartable.client:/oauth2redirect";

/// A successful token response (`docs/contract.md §4`, RFC 6749 §5.1):
/// `{"token_type":"Bearer","scope":"openid offline_access","expires_in":900,"access_token":"eyJ…",
/// "refresh_token":"…","id_token":"eyJ…"}`.
///
/// `Debug` redacts the three tokens, so a response can be logged without leaking them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Always `Bearer` (RFC 6750).
    pub token_type: String,
    /// The granted scopes, space-separated (RFC 6749 §3.3).
    pub scope: String,
    /// Lifetime of `access_token` in seconds from now (900 on the reference portal).
    pub expires_in: u64,
    /// RS256 JWT for the parent API: `aud` = the parent API base, `scp` = `parent`.
    pub access_token: Secret,
    /// Opaque, 256 random bits (43 base64url characters on the reference portal); rotated on
    /// every use: the client must store the new one and forget the old.
    pub refresh_token: Secret,
    /// RS256 JWT for the client: see [`IdTokenClaims`].
    pub id_token: Secret,
}

/// Claims of the ID token (`docs/contract.md §4`, OpenID Connect Core §2).
///
/// Times are Unix seconds. The client checks `iss` against [`Discovery::issuer`], `aud` against
/// its client id, `nonce` against the one it sent, and the signature against [`Jwks`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// `{authority}v2.0`.
    pub iss: String,
    /// The account id (a UUID on the reference portal).
    pub sub: String,
    /// The client id the token was issued to.
    pub aud: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
    /// The account's primary email, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether that email was proved with a code (or by the provider, `docs/contract.md §5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// The `nonce` the client sent, echoed (browser flow, §5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// RFC 7009 §2.1 revocation request, form-encoded to `{authority}oauth2/v2.0/revoke`
/// (`docs/contract.md §4`). The portal answers 200 whether or not it knew the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeRequest {
    /// The refresh token (or access token) to revoke.
    pub token: Secret,
    /// `refresh_token` or `access_token`; a hint the server may ignore (RFC 7009 §2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type_hint: Option<String>,
    /// The public client id (`docs/contract.md §0`).
    pub client_id: String,
}

/// OpenID Connect discovery document, `GET {authority}v2.0/.well-known/openid-configuration`
/// (`docs/contract.md §4`, OpenID Connect Discovery §3, RFC 8414 §2).
///
/// Unknown fields are ignored (a real Entra tenant sends many more). The lists a real tenant
/// may leave out default to empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// `{authority}v2.0`: the `iss` of every token.
    pub issuer: String,
    /// `{authority}oauth2/v2.0/authorize` (browser flow, §5).
    pub authorization_endpoint: String,
    /// `{authority}oauth2/v2.0/token`.
    pub token_endpoint: String,
    /// `{authority}oauth2/v2.0/revoke` on the reference portal; absent on a real Entra tenant,
    /// in which case the client does not revoke (`docs/contract.md §4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// `{authority}discovery/v2.0/keys`: the [`Jwks`].
    pub jwks_uri: String,
    /// `["code"]`.
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    /// `["public"]`.
    #[serde(default)]
    pub subject_types_supported: Vec<String>,
    /// `["RS256"]`.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// `["S256"]` (RFC 7636).
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// `["none"]`: public clients only.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// `["openid", "offline_access", "parent"]`.
    #[serde(default)]
    pub scopes_supported: Vec<String>,
}

/// A JSON Web Key Set (RFC 7517 §5), served at [`Discovery::jwks_uri`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys; a token's `kid` header names the one that signed it.
    pub keys: Vec<Jwk>,
}

/// One RSA public signing key (RFC 7517 §4, RFC 7518 §6.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// `RSA`.
    pub kty: String,
    /// `sig`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// `RS256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Key id, matched against the JWT header's `kid`.
    pub kid: String,
    /// Modulus, base64url without padding, big-endian.
    pub n: String,
    /// Public exponent, base64url without padding (`AQAB` for 65537).
    pub e: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_response_debug_redacts_tokens() {
        let r = TokenResponse {
            token_type: "Bearer".into(),
            scope: "openid offline_access".into(),
            expires_in: 900,
            access_token: "secret-access".into(),
            refresh_token: "secret-refresh".into(),
            id_token: "secret-id".into(),
        };
        let shown = format!("{r:?}");
        assert!(!shown.contains("secret"), "{shown}");
        let json = serde_json::to_value(&r).expect("serializes");
        assert_eq!(json["token_type"], "Bearer");
        assert_eq!(json["expires_in"], 900);
        assert_eq!(serde_json::from_value::<TokenResponse>(json).expect("parses"), r);
    }

    #[test]
    fn discovery_without_revocation_endpoint_parses() {
        // The shape of a real Entra tenant's document: no revocation_endpoint, extra fields.
        let doc = serde_json::json!({
            "issuer": "https://t.ciamlogin.com/t/v2.0",
            "authorization_endpoint": "https://t.ciamlogin.com/t/oauth2/v2.0/authorize",
            "token_endpoint": "https://t.ciamlogin.com/t/oauth2/v2.0/token",
            "jwks_uri": "https://t.ciamlogin.com/t/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token"],
            "claims_supported": ["sub"]
        });
        let d: Discovery = serde_json::from_value(doc).expect("parses");
        assert_eq!(d.revocation_endpoint, None);
        assert!(d.scopes_supported.is_empty());
        assert!(!serde_json::to_string(&d).expect("serializes").contains("revocation_endpoint"));
    }

    #[test]
    fn jwk_use_field_is_named_use() {
        let k = Jwk {
            kty: "RSA".into(),
            use_: Some("sig".into()),
            alg: Some("RS256".into()),
            kid: "k1".into(),
            n: "AQ".into(),
            e: "AQAB".into(),
        };
        let json = serde_json::to_value(&k).expect("serializes");
        assert_eq!(json["use"], "sig");
        assert!(json.get("use_").is_none());
    }
}
