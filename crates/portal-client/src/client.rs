//! [`Portal`]: the HTTP client and the one path every request and answer goes through.
//!
//! Transport rules (`docs/contract.md §0`): rustls with the operating system's trust store plus
//! the configured extra roots; proxies from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`; connect
//! and request timeouts; redirects never followed (a redirect is answered as a decode error);
//! `Accept-Language` and `User-Agent` on every request. Only idempotent GETs are retried:
//! at most 3 attempts, exponential backoff with jitter, `Retry-After` honoured.

use std::{sync::Arc, time::Duration};

use cartable_core::wire::{parent::ProblemDetails, tokens::Discovery};
use hyper_util::client::proxy::matcher::Matcher as ProxyMatcher;
use rand::Rng;
use reqwest::{Method, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::{
    config::{ConfigError, ExtraRoot, PortalConfig},
    error::{DecodeError, Error, NetworkError, NetworkErrorKind, PortalError, RefusalCode},
};

/// At most this many attempts for a GET (the client's retry policy; only GETs are retried).
pub const MAX_GET_ATTEMPTS: u32 = 3;

/// First backoff delay before a retry; doubled at each retry, with full jitter on the upper half.
const BACKOFF_BASE: Duration = Duration::from_millis(250);

/// A `Retry-After` longer than this is not waited for: the error goes back to the caller, who
/// can show the delay.
const MAX_RETRY_AFTER_WAIT: Duration = Duration::from_secs(5);

/// A client of one portal. Cheap to clone (one `Arc`); share one per portal.
///
/// Flows ([`SignUp`](crate::SignUp), [`SignIn`](crate::SignIn), [`Reset`](crate::Reset)) take
/// it by reference at each step, so their states stay plain serializable data. Parent API calls
/// go through a [`Session`](crate::Session).
#[derive(Clone)]
pub struct Portal(Arc<Inner>);

pub(crate) struct Inner {
    pub(crate) config: PortalConfig,
    pub(crate) http: reqwest::Client,
    /// Which URLs `http` sends through a proxy: the matcher reqwest builds for its system
    /// proxies, read from the environment at the same moment (see [`Portal::network_error`]).
    proxies: ProxyMatcher,
    discovery: tokio::sync::OnceCell<Discovery>,
    pub(crate) boards_cache: tokio::sync::Mutex<Option<BoardsCache>>,
}

pub(crate) struct BoardsCache {
    pub(crate) etag: String,
    pub(crate) boards: Vec<cartable_core::wire::parent::SchoolBoardEntry>,
}

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal")
            .field("authority", &self.0.config.authority.as_str())
            .field("api_base", &self.0.config.api_base.as_str())
            .finish_non_exhaustive()
    }
}

/// An answer read in full: status, the headers the client uses, and the body.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) endpoint: String,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) etag: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// Decodes the body as `T`, keeping the JSON path and raw body on failure.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| self.decode_error(&e)).and_then(|v| {
            de.end().map_err(|e| self.decode_error_at(".", &describe(&e)))?;
            Ok(v)
        })
    }

    fn decode_error(&self, e: &serde_path_to_error::Error<serde_json::Error>) -> Error {
        self.decode_error_at(&e.path().to_string(), &describe(e.inner()))
    }

    pub(crate) fn decode_error_at(&self, path: &str, message: &str) -> Error {
        DecodeError {
            status: self.status.as_u16(),
            endpoint: self.endpoint.clone(),
            path: path.to_owned(),
            message: message.to_owned(),
            content_type: self.content_type.clone(),
            body: String::from_utf8_lossy(&self.body).into_owned(),
        }
        .into()
    }

    /// The parent API's problem details as a [`PortalError`] (`docs/contract.md §0`).
    pub(crate) fn problem(&self) -> Error {
        match self.json::<ProblemDetails>() {
            Ok(p) => PortalError {
                status: self.status.as_u16(),
                code: RefusalCode::Api(p.code),
                suberror: None,
                retry_after: self.retry_after,
                attempts_left: None,
                trace_id: None,
                description: p.detail.or(Some(p.title)),
                field_errors: p.errors,
            }
            .into(),
            Err(e) => e,
        }
    }
}

impl Portal {
    /// Builds the client: TLS, proxies, timeouts, no redirects, default headers.
    ///
    /// # Errors
    /// [`Error::Config`] with [`ConfigError::InvalidRootCertificate`] for an unreadable extra
    /// root, [`ConfigError::InvalidHeader`] for a user agent or language HTTP refuses, or
    /// [`ConfigError::HttpClient`] when the TLS stack cannot be set up.
    pub fn new(config: PortalConfig) -> Result<Self, Error> {
        install_crypto_provider();
        let mut headers = header::HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            header::HeaderValue::from_str(&config.language)
                .map_err(|_| ConfigError::InvalidHeader { what: "language" })?,
        );
        headers.insert(header::ACCEPT, header::HeaderValue::from_static("application/json"));
        let user_agent = header::HeaderValue::from_str(&config.user_agent)
            .map_err(|_| ConfigError::InvalidHeader { what: "user_agent" })?;
        let mut roots = Vec::new();
        for (index, root) in config.extra_roots.iter().enumerate() {
            let parsed = match root {
                ExtraRoot::Pem(pem) => reqwest::Certificate::from_pem_bundle(pem),
                ExtraRoot::Der(der) => reqwest::Certificate::from_der(der).map(|c| vec![c]),
            };
            match parsed {
                Ok(certs) if !certs.is_empty() => roots.extend(certs),
                _ => return Err(ConfigError::InvalidRootCertificate { index }.into()),
            }
        }
        // reqwest's `rustls` feature verifies with rustls-platform-verifier (the OS store);
        // `tls_certs_merge` adds our roots to it. Proxies from the environment are on by default:
        // `build` reads them with hyper-util's `Matcher::from_system`, and so does `proxies`, so
        // both agree on which requests go through a proxy.
        let proxies = ProxyMatcher::from_system();
        let http = reqwest::Client::builder()
            .tls_backend_rustls()
            .tls_certs_merge(roots)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(user_agent)
            .default_headers(headers)
            .build()
            .map_err(|e| ConfigError::HttpClient(e.to_string()))?;
        Ok(Self(Arc::new(Inner {
            config,
            http,
            proxies,
            discovery: tokio::sync::OnceCell::new(),
            boards_cache: tokio::sync::Mutex::new(None),
        })))
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &PortalConfig {
        &self.0.config
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.0
    }

    /// `{authority}{path}`.
    pub(crate) fn authority_url(&self, path: &str) -> Result<url::Url, Error> {
        self.0.config.authority.join(path).map_err(|e| {
            ConfigError::InvalidUrl { what: "authority", reason: e.to_string() }.into()
        })
    }

    /// `{api_base}{path}`.
    pub(crate) fn api_url(&self, path: &str) -> Result<url::Url, Error> {
        self.0
            .config
            .api_base
            .join(path)
            .map_err(|e| ConfigError::InvalidUrl { what: "api_base", reason: e.to_string() }.into())
    }

    /// The OpenID discovery document, fetched once per client
    /// (`GET {authority}v2.0/.well-known/openid-configuration`, `docs/contract.md §4`).
    ///
    /// # Errors
    /// Network, decode, or a refusal from the portal.
    pub async fn discovery(&self) -> Result<Discovery, Error> {
        self.0
            .discovery
            .get_or_try_init(|| async {
                let url = self.authority_url("v2.0/.well-known/openid-configuration")?;
                let answer = self.execute(self.0.http.get(url), "openid-configuration").await?;
                if answer.status.is_success() {
                    answer.json::<Discovery>()
                } else {
                    Err(answer.problem_or_identity())
                }
            })
            .await
            .cloned()
    }

    /// POSTs a form (a wire request, which carries `client_id`) to `{authority}{path}`; never
    /// retried.
    pub(crate) async fn post_form<F: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        form: &F,
    ) -> Result<Answer, Error> {
        let url = self.authority_url(path)?;
        self.execute(self.0.http.post(url).form(form), path).await
    }

    /// Sends a request and reads the whole answer. GETs are retried on connection failures and
    /// on 429/502/503/504 (at most [`MAX_GET_ATTEMPTS`] attempts); every other method is sent
    /// once.
    pub(crate) async fn execute(
        &self,
        request: reqwest::RequestBuilder,
        endpoint: &str,
    ) -> Result<Answer, Error> {
        let request = request.build().map_err(|e| self.network_error(e))?;
        let retryable = request.method() == Method::GET;
        let mut attempt = 1;
        loop {
            let this_try = match request.try_clone() {
                Some(r) => r,
                None => return self.send_once(request, endpoint).await,
            };
            let result = self.send_once(this_try, endpoint).await;
            if !retryable || attempt >= MAX_GET_ATTEMPTS {
                return result;
            }
            let wait = match &result {
                Ok(a) if retryable_status(a.status) => match a.retry_after {
                    Some(d) if d > MAX_RETRY_AFTER_WAIT => return result,
                    Some(d) => d.max(backoff(attempt)),
                    None => backoff(attempt),
                },
                Err(Error::Network(n))
                    if matches!(
                        n.kind,
                        NetworkErrorKind::ConnectionReset | NetworkErrorKind::ConnectionRefused
                    ) =>
                {
                    backoff(attempt)
                }
                _ => return result,
            };
            tracing::debug!(endpoint, attempt, ?wait, "retrying GET");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// A transport failure, classified by type (see [`NetworkErrorKind`]); whether the request
    /// went through a proxy is the client's proxy matcher's answer for the failed request's URL.
    fn network_error(&self, error: reqwest::Error) -> NetworkError {
        let proxied = error
            .url()
            .and_then(|url| url.as_str().parse::<hyper::Uri>().ok())
            .is_some_and(|uri| self.0.proxies.intercept(&uri).is_some());
        NetworkError::from_reqwest(error, proxied)
    }

    async fn send_once(&self, request: reqwest::Request, endpoint: &str) -> Result<Answer, Error> {
        let response = self.0.http.execute(request).await.map_err(|e| self.network_error(e))?;
        let status = response.status();
        let headers = response.headers();
        let header_text = |name: header::HeaderName| {
            headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
        };
        let retry_after = header_text(header::RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let etag = header_text(header::ETAG);
        let content_type = header_text(header::CONTENT_TYPE);
        let body = response.bytes().await.map_err(|e| self.network_error(e))?.to_vec();
        tracing::debug!(endpoint, status = status.as_u16(), "portal answered");
        let answer =
            Answer { status, endpoint: endpoint.to_owned(), retry_after, etag, content_type, body };
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            // Never followed (SSRF, token leaks): an answer the contract does not have.
            return Err(answer.decode_error_at(".", "redirect answers are not followed"));
        }
        Ok(answer)
    }
}

impl Answer {
    /// Whichever error body the answer carries: identity (`error`) or problem details (`code`).
    pub(crate) fn problem_or_identity(&self) -> Error {
        match serde_json::from_slice::<serde_json::Value>(&self.body) {
            Ok(v) if v.get("error").is_some() => match crate::identity::refusal(self) {
                Ok(r) => r.error.into(),
                Err(e) => e,
            },
            _ => self.problem(),
        }
    }
}

fn retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

/// `base × 2^(attempt-1)`, jittered uniformly over its upper half.
fn backoff(attempt: u32) -> Duration {
    let full = BACKOFF_BASE * 2u32.saturating_pow(attempt.saturating_sub(1));
    let jitter = rand::thread_rng().gen_range(0.5..=1.0);
    full.mul_f64(jitter)
}

/// Installs rustls's `ring` provider as the process's default crypto provider, unless one is
/// installed already. reqwest is built without a provider of its own (the workspace's
/// `rustls-no-provider`: ring, not aws-lc-rs, so no C toolchain is needed for the target), so a
/// process needs one before it builds an HTTP client. [`Portal::new`] calls this; a program or
/// test that builds its own `reqwest::Client` first must call it before.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another thread is fine: a provider is installed either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// What a JSON error says, without serde_json's text: that text can quote the value it refused
/// (a token in an answer), and [`DecodeError`] reaches the logs. Its category and position,
/// with the path the caller adds, say which field broke.
fn describe(error: &serde_json::Error) -> String {
    let what = match error.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "a missing field or a value of the wrong type",
        serde_json::error::Category::Eof => "cut short",
    };
    format!("{what} at line {} column {}", error.line(), error.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_errors_name_the_place_never_the_value() {
        #[derive(Debug, serde::Deserialize)]
        struct Tokens {
            #[allow(dead_code)]
            expires_in: u64,
        }
        let answer = Answer {
            status: StatusCode::OK,
            endpoint: "oauth2/v2.0/token".to_owned(),
            retry_after: None,
            etag: None,
            content_type: Some("application/json".to_owned()),
            body: br#"{"expires_in": "eyJhbGciOi.secret"}"#.to_vec(),
        };
        let Err(Error::Decode(error)) = answer.json::<Tokens>() else { panic!("decodes") };
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains("secret"), "{shown}");
            assert!(shown.contains("expires_in") && shown.contains("column"), "{shown}");
        }
    }

    #[test]
    fn backoff_grows_and_stays_jittered() {
        for attempt in 1..=3 {
            let full = BACKOFF_BASE * 2u32.pow(attempt - 1);
            for _ in 0..50 {
                let d = backoff(attempt);
                assert!(d >= full / 2 && d <= full, "{d:?} for attempt {attempt}");
            }
        }
    }
}
