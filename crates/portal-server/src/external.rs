//! The parent API behind another identity service (`docs/contract.md §6` "Access tokens of an
//! external issuer", `deploy/README.md` "Identity elsewhere").
//!
//! With `[external_issuer]` in `--config`, the portal serves the parent API alone: the identity
//! endpoints (`/auth/…`) are not served, and the parent API accepts the access tokens (JWTs) of
//! that one OpenID issuer, for example a Microsoft Entra External ID tenant, and nothing else. A
//! token is accepted when its signature verifies with a key of the issuer's JWKS (for an
//! algorithm the operator listed), its `iss` is the issuer, its `aud` the configured audience,
//! it is not expired (RFC 7519 §4.1.4, 60 s leeway) and it has a `sub`. The account is the one of
//! (issuer, `sub`), created on first use, like a provider sign-in (`docs/contract.md §5`): the
//! issuer's URL is the provider's name. The email claim, when present, is added to the account's
//! emails, verified when the verified claim says `true` or the operator says every email of the
//! issuer is verified; child association needs a verified one (`docs/contract.md §6`).
//!
//! Keys: the JWKS is read at start (from `jwks_url`, or from the issuer's discovery document,
//! OpenID Connect Discovery 1.0 §4) and read again when a token names a key id it does not
//! hold, at most once per [`REFRESH_INTERVAL`], so a rotation at the issuer is picked up without
//! a restart and unknown key ids cannot make the portal hammer the issuer.

use std::{
    collections::HashMap,
    sync::RwLock,
    time::{Duration, Instant},
};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use serde::Deserialize;
use serde_json::Value;

use crate::tokens::TokenRejection;

/// The least time between two reads of the issuer's JWKS: 60 s.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// Time allowed for each request to the issuer: 15 s.
pub const ISSUER_TIMEOUT: Duration = Duration::from_secs(15);

/// Clock skew allowed on `exp` and `nbf`: 60 s.
pub const LEEWAY_SECONDS: u64 = 60;

/// `[external_issuer]` in `--config`.
///
/// ```toml
/// [external_issuer]
/// issuer = "https://contoso.ciamlogin.com/00000000-0000-0000-0000-000000000000/v2.0"
/// audience = "11111111-1111-1111-1111-111111111111"   # the parent API's application id
/// # jwks_url = "https://…/discovery/v2.0/keys"        # default: from the issuer's discovery
/// # algorithms = ["RS256"]                             # default
/// # email_claim = "email"                              # default
/// # email_verified_claim = "email_verified"            # default
/// # emails_verified = false    # true: every email the issuer puts in tokens is verified
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalIssuer {
    /// The `iss` of its tokens, exactly; discovery is read at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The `aud` its access tokens carry for the parent API.
    pub audience: String,
    /// Where its signing keys are (JWKS, RFC 7517 §5); default: `jwks_uri` of its discovery.
    #[serde(default)]
    pub jwks_url: Option<url::Url>,
    /// Signature algorithms accepted (JWA names, RFC 7518 §3.1); default `["RS256"]`. `none`
    /// and the HMAC algorithms are refused at start (a public key would be their secret).
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<Algorithm>,
    /// The claim holding the person's email; default `email`.
    #[serde(default = "default_email_claim")]
    pub email_claim: String,
    /// The claim saying the email was verified (`true`); default `email_verified`.
    #[serde(default = "default_email_verified_claim")]
    pub email_verified_claim: String,
    /// Every email the issuer puts in its tokens was verified by it (Entra External ID's email
    /// sign-ups verify the address with a code but send no `email_verified`); default false.
    #[serde(default)]
    pub emails_verified: bool,
}

fn default_algorithms() -> Vec<Algorithm> {
    vec![Algorithm::RS256]
}

fn default_email_claim() -> String {
    "email".to_owned()
}

fn default_email_verified_claim() -> String {
    "email_verified".to_owned()
}

/// What a valid token says about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalUser {
    /// The token's `sub`.
    pub subject: String,
    /// The email claim, if any (not yet checked against the email rules).
    pub email: Option<String>,
    /// Whether that email counts as verified.
    pub email_verified: bool,
}

/// Why the external issuer could not be set up at start.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    /// A setting is unusable (the message says which).
    #[error("[external_issuer]: {0}")]
    Setting(String),
    /// The discovery document or the JWKS could not be read (the message names the URL).
    #[error("[external_issuer]: {0}")]
    Fetch(String),
}

/// The configured issuer with its current keys.
pub struct ExternalTokens {
    config: ExternalIssuer,
    jwks_url: url::Url,
    http: reqwest::Client,
    keys: RwLock<Keys>,
    /// Serialises refreshes, so a burst of unknown key ids reads the JWKS once.
    refreshing: tokio::sync::Mutex<()>,
}

struct Keys {
    by_kid: HashMap<String, (DecodingKey, Option<Algorithm>)>,
    read_at: Instant,
}

impl std::fmt::Debug for ExternalTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        f.debug_struct("ExternalTokens")
            .field("issuer", &self.config.issuer)
            .field("jwks_url", &self.jwks_url.as_str())
            .field("kids", &keys.by_kid.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ExternalTokens {
    /// Checks `config`, finds the JWKS (discovery when `jwks_url` is unset) and reads it.
    ///
    /// # Errors
    /// [`ExternalError::Setting`] for an unusable algorithm or issuer;
    /// [`ExternalError::Fetch`] when discovery or the JWKS cannot be read.
    pub async fn start(config: ExternalIssuer) -> Result<Self, ExternalError> {
        if config.algorithms.is_empty() {
            return Err(ExternalError::Setting("algorithms is empty".into()));
        }
        if let Some(bad) = config
            .algorithms
            .iter()
            .find(|a| matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
        {
            return Err(ExternalError::Setting(format!(
                "algorithm {bad:?} is refused: with a public JWKS, anyone could sign such tokens"
            )));
        }
        crate::install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(ISSUER_TIMEOUT)
            .build()
            .map_err(|e| ExternalError::Fetch(format!("HTTP client: {e}")))?;
        let jwks_url = match &config.jwks_url {
            Some(url) => url.clone(),
            None => discover_jwks_url(&http, &config.issuer).await?,
        };
        let by_kid = read_jwks(&http, &jwks_url).await?;
        Ok(Self {
            config,
            jwks_url,
            http,
            keys: RwLock::new(Keys { by_kid, read_at: Instant::now() }),
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    /// The issuer's URL (the provider name of its accounts).
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Verifies `token` (see the module docs) at `now` (Unix seconds).
    ///
    /// # Errors
    /// [`TokenRejection::Expired`] for an expired token, [`TokenRejection::Invalid`] for any
    /// other failure (malformed, unknown key, wrong algorithm, issuer or audience, no `sub`).
    pub async fn verify(&self, token: &str, now: i64) -> Result<ExternalUser, TokenRejection> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRejection::Invalid)?;
        if !self.config.algorithms.contains(&header.alg) {
            return Err(TokenRejection::Invalid);
        }
        let kid = header.kid.ok_or(TokenRejection::Invalid)?;
        let key = match self.key(&kid, header.alg) {
            Some(key) => key,
            None => {
                self.refresh().await;
                self.key(&kid, header.alg).ok_or(TokenRejection::Invalid)?
            }
        };
        let mut validation = Validation::new(header.alg);
        // jsonwebtoken reads the system clock; expiry is checked below against the portal's.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        let claims = jsonwebtoken::decode::<HashMap<String, Value>>(token, &key, &validation)
            .map_err(|_| TokenRejection::Invalid)?
            .claims;
        let leeway = i64::try_from(LEEWAY_SECONDS).unwrap_or(0);
        let exp = claims.get("exp").and_then(Value::as_i64).ok_or(TokenRejection::Invalid)?;
        if exp + leeway <= now {
            return Err(TokenRejection::Expired);
        }
        if claims.get("nbf").and_then(Value::as_i64).is_some_and(|nbf| nbf - leeway > now) {
            return Err(TokenRejection::Invalid);
        }
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(TokenRejection::Invalid)?
            .to_owned();
        let email = claims.get(&self.config.email_claim).and_then(Value::as_str).map(str::to_owned);
        let email_verified = self.config.emails_verified
            || claims.get(&self.config.email_verified_claim).and_then(Value::as_bool) == Some(true);
        Ok(ExternalUser { subject, email, email_verified })
    }

    /// The key `kid` for `alg`, if held (a key that names another algorithm is refused).
    fn key(&self, kid: &str, alg: Algorithm) -> Option<DecodingKey> {
        let keys = self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (key, key_alg) = keys.by_kid.get(kid)?;
        key_alg.is_none_or(|a| a == alg).then(|| key.clone())
    }

    /// Reads the JWKS again unless it was read less than [`REFRESH_INTERVAL`] ago; a failure
    /// keeps the keys held (logged).
    async fn refresh(&self) {
        let _one_at_a_time = self.refreshing.lock().await;
        let read_at = self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner).read_at;
        if read_at.elapsed() < REFRESH_INTERVAL {
            return;
        }
        match read_jwks(&self.http, &self.jwks_url).await {
            Ok(by_kid) => {
                tracing::info!(keys = by_kid.len(), "re-read the external issuer's keys");
                *self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Keys { by_kid, read_at: Instant::now() };
            }
            Err(error) => {
                tracing::warn!(%error, "the external issuer's keys could not be re-read");
                self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner).read_at =
                    Instant::now();
            }
        }
    }
}

/// `jwks_uri` of `{issuer}/.well-known/openid-configuration`, whose `issuer` must be `issuer`
/// (OpenID Connect Discovery 1.0 §4.3).
async fn discover_jwks_url(
    http: &reqwest::Client,
    issuer: &str,
) -> Result<url::Url, ExternalError> {
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let document: Value = fetch_json(http, &url).await?;
    if document.get("issuer").and_then(Value::as_str) != Some(issuer) {
        return Err(ExternalError::Setting(format!(
            "the discovery document at {url} names another issuer than `issuer`"
        )));
    }
    let jwks_uri = document
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| ExternalError::Fetch(format!("{url} has no jwks_uri")))?;
    url::Url::parse(jwks_uri).map_err(|e| ExternalError::Fetch(format!("jwks_uri: {e}")))
}

/// The usable keys of the JWKS at `url` by key id (keys without `kid`, or of a type
/// jsonwebtoken cannot use, are skipped).
async fn read_jwks(
    http: &reqwest::Client,
    url: &url::Url,
) -> Result<HashMap<String, (DecodingKey, Option<Algorithm>)>, ExternalError> {
    let set: JwkSet = serde_json::from_value(fetch_json(http, url.as_str()).await?)
        .map_err(|e| ExternalError::Fetch(format!("{url} is not a JWKS: {e}")))?;
    let keys: HashMap<_, _> = set
        .keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let key = DecodingKey::from_jwk(jwk).ok()?;
            let alg =
                jwk.common.key_algorithm.and_then(|a| a.to_string().parse::<Algorithm>().ok());
            Some((kid, (key, alg)))
        })
        .collect();
    if keys.is_empty() {
        return Err(ExternalError::Fetch(format!("{url} holds no usable key")));
    }
    Ok(keys)
}

async fn fetch_json(http: &reqwest::Client, url: &str) -> Result<Value, ExternalError> {
    let answer =
        http.get(url).send().await.map_err(|e| ExternalError::Fetch(format!("{url}: {e}")))?;
    if !answer.status().is_success() {
        return Err(ExternalError::Fetch(format!("{url} answered {}", answer.status())));
    }
    answer.json().await.map_err(|e| ExternalError::Fetch(format!("{url}: {e}")))
}

/// The account of (`issuer`, the token's `sub`), created on first use with the token's email
/// ([`crate::browser::account_for`]); afterwards an email the account does not hold yet (or holds
/// unverified while the token says verified) is added the same way. One read per request when
/// nothing changed.
///
/// # Errors
/// Database failure.
pub async fn account(
    state: &crate::AppState,
    issuer: &str,
    user: ExternalUser,
) -> Result<String, sqlx::Error> {
    use crate::db;
    let email = user.email.as_deref().and_then(|e| cartable_core::Email::parse(e).ok());
    let known: Option<(String, bool)> = db::on!(state.db, |c| sqlx::query_as(
        "SELECT p.account_id, EXISTS (SELECT 1 FROM account_emails e \
         WHERE e.account_id = p.account_id AND e.address = $3 AND (e.verified OR NOT $4)) \
         FROM provider_identities p WHERE p.provider = $1 AND p.subject = $2",
    )
    .bind(issuer)
    .bind(&user.subject)
    .bind(email.as_ref().map(cartable_core::Email::as_str))
    .bind(user.email_verified)
    .fetch_optional(c)
    .await)?;
    if let Some((account_id, email_held)) = known
        && (email_held || email.is_none())
    {
        return Ok(account_id);
    }
    let user = crate::browser::ProviderUser {
        provider: issuer.to_owned(),
        subject: user.subject,
        email,
        email_verified: user.email_verified,
    };
    crate::browser::account_for(state, &user).await
}
