//! Brokering to upstream OpenID providers (`docs/contract.md §5`) through the openidconnect
//! crate: discovery, the authorization URL (PKCE S256, `state`, `nonce`), the code exchange and
//! ID-token validation (signature from the provider's JWKS, `iss`, `aud`, `exp`, `nonce`).
//!
//! The crate's default features are off; its HTTP goes through [`Http`], which implements
//! [`AsyncHttpClient`] over the workspace's reqwest (one reqwest major in the build) and never
//! follows redirects (SSRF). Discovery is read at each sign-in: a provider's keys may rotate, and
//! a sign-in costs one extra request.
//!
//! The upstream redirects back to `{origin}/auth/federation/callback`
//! ([`super::FEDERATION_CALLBACK_PATH`]); our request handle is the upstream `state`.

use std::{future::Future, pin::Pin, time::Duration};

use cartable_core::Email;
use openidconnect::{
    AsyncHttpClient, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest,
    HttpResponse, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse as _,
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
};

use crate::config::UpstreamProvider;

/// Time allowed for each request to an upstream provider: 15 s.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(15);

/// Why brokering failed. Messages name the step, never a token or code.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// Discovery failed or the configured issuer is not a URL.
    #[error("discovery: {0}")]
    Discovery(String),
    /// The code exchange failed (transport, or the provider refused).
    #[error("code exchange: {0}")]
    Exchange(String),
    /// No ID token, or it failed validation (signature, issuer, audience, expiry, nonce).
    #[error("id token: {0}")]
    IdToken(String),
}

/// [`AsyncHttpClient`] over reqwest 0.13, redirects off.
#[derive(Debug, Clone)]
pub struct Http(reqwest::Client);

impl Http {
    /// A client with redirects off and [`UPSTREAM_TIMEOUT`].
    ///
    /// # Errors
    /// reqwest cannot build a client (TLS initialisation).
    pub fn new() -> Result<Self, reqwest::Error> {
        crate::install_crypto_provider();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(UPSTREAM_TIMEOUT)
            .build()
            .map(Self)
    }
}

/// A transport failure of [`Http`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut builder = self.0.request(parts.method, parts.uri.to_string()).body(body);
            for (name, value) in &parts.headers {
                builder = builder.header(name, value);
            }
            let response = builder.send().await.map_err(|e| HttpError(e.to_string()))?;
            let mut out = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                out = out.header(name, value);
            }
            let bytes = response.bytes().await.map_err(|e| HttpError(e.to_string()))?;
            out.body(bytes.to_vec()).map_err(|e| HttpError(e.to_string()))
        })
    }
}

/// What the authorize endpoint keeps for the callback, and where it sends the browser.
#[derive(Debug)]
pub struct Started {
    /// The upstream authorization URL.
    pub url: String,
    /// The nonce sent upstream.
    pub nonce: String,
    /// The PKCE verifier of the upstream exchange (a secret).
    pub verifier: String,
}

/// What the upstream's validated ID token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamUser {
    /// `sub`.
    pub subject: String,
    /// `email`, when present and well formed (canonical form).
    pub email: Option<Email>,
    /// `email_verified` is exactly `true` (§5).
    pub email_verified: bool,
}

async fn client(
    http: &Http,
    provider: &UpstreamProvider,
    redirect_uri: &str,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    UpstreamError,
> {
    let issuer = IssuerUrl::new(provider.issuer.clone())
        .map_err(|e| UpstreamError::Discovery(format!("issuer: {e}")))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| UpstreamError::Discovery(e.to_string()))?;
    let redirect = RedirectUrl::new(redirect_uri.to_owned())
        .map_err(|e| UpstreamError::Discovery(format!("redirect URI: {e}")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        provider.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect))
}

/// Reads the provider's discovery and builds its authorization URL with `handle` as `state`, a
/// fresh nonce and a PKCE S256 challenge.
///
/// # Errors
/// [`UpstreamError::Discovery`].
pub async fn start(
    http: &Http,
    provider: &UpstreamProvider,
    redirect_uri: &str,
    handle: &str,
) -> Result<Started, UpstreamError> {
    let client = client(http, provider, redirect_uri).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let handle = handle.to_owned();
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        move || CsrfToken::new(handle),
        Nonce::new_random,
    );
    for scope in provider.scopes.iter().filter(|s| s.as_str() != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, _state, nonce) = request.set_pkce_challenge(challenge).url();
    Ok(Started {
        url: url.to_string(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
    })
}

/// Exchanges `code` (with the PKCE verifier) and validates the ID token against `nonce`.
///
/// # Errors
/// [`UpstreamError`] for each step.
pub async fn finish(
    http: &Http,
    provider: &UpstreamProvider,
    redirect_uri: &str,
    code: &str,
    verifier: &str,
    nonce: &str,
) -> Result<UpstreamUser, UpstreamError> {
    let client = client(http, provider, redirect_uri).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| UpstreamError::Exchange(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
        .request_async(http)
        .await
        .map_err(|e| UpstreamError::Exchange(describe_token_error(&e)))?;
    let id_token =
        tokens.id_token().ok_or_else(|| UpstreamError::IdToken("none in the answer".to_owned()))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(nonce.to_owned()))
        .map_err(|e| UpstreamError::IdToken(e.to_string()))?;
    Ok(UpstreamUser {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().and_then(|e| Email::parse(e.as_str()).ok()),
        email_verified: claims.email_verified() == Some(true),
    })
}

/// The error's kind without the provider's body (which could echo what we sent).
fn describe_token_error<RE: std::error::Error, T: openidconnect::ErrorResponse>(
    error: &openidconnect::RequestTokenError<RE, T>,
) -> String {
    match error {
        openidconnect::RequestTokenError::ServerResponse(r) => format!("refused: {r}"),
        openidconnect::RequestTokenError::Request(e) => format!("transport: {e}"),
        openidconnect::RequestTokenError::Parse(e, _) => format!("unreadable answer: {e}"),
        openidconnect::RequestTokenError::Other(e) => e.clone(),
    }
}
