//! The browser flow on the desktop (`docs/contract.md §5`, RFC 8252): social sign-in and the
//! native-auth web fallback, ending in the same [`Session`] the password flows produce.
//!
//! 1. [`BrowserSignIn::start`] binds a loopback listener on `127.0.0.1:0` (an ephemeral port)
//!    and builds the authorization URL with the `oauth2` crate: PKCE S256 (RFC 7636), a random
//!    `state`, a random `nonce`, `redirect_uri = http://127.0.0.1:{port}/callback`, and the
//!    provider's `domain_hint` (none: the portal's own chooser, i.e. the web fallback).
//! 2. The caller opens [`BrowserSignIn::authorize_url`] in the **system browser** (the shell
//!    uses tauri-plugin-opener; never the app's webview).
//! 3. [`BrowserSignIn::finish`] serves the loopback until the browser comes back to
//!    `/callback` with this attempt's `state`, answering it with a short page in French and
//!    English saying the parent can go back to Cartable; exchanges the code with the verifier at
//!    the token endpoint (`grant_type=authorization_code`); checks the ID token's `nonce`. Any
//!    other request does not end the attempt: a `/callback` with another `state` (a forged or
//!    stale redirect, RFC 6749 §10.12, RFC 8252 §8.1) gets 400 and [`PAGE_IGNORED`], any other
//!    path (`/favicon.ico`) 404. It gives up on the caller's cancel signal or after the timeout.
//!    The listener exists only between `start` and the end of `finish` (dropping a
//!    [`BrowserSignIn`] closes it too).
//!
//! Mobile has no loopback: [`BrowserSignIn::start_app_link`] asks the portal to come back to
//! the private-use scheme [`MOBILE_REDIRECT_URI`] (RFC 8252 §7.1), which the OS hands to the app
//! (the shell's deep-link plugin), and [`BrowserSignIn::finish_from`] takes that URL. Both
//! paths share the checks and the code exchange.

use std::{collections::HashMap, future::Future, time::Duration};

use axum::{
    Router,
    extract::{Query, State},
    http::StatusCode,
    response::Html,
    routing::get,
};
use base64::Engine as _;
pub use cartable_core::wire::tokens::MOBILE_REDIRECT_URI;
use cartable_core::wire::{identity::TokenRequest, tokens::TokenResponse};
use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope};
use secrecy::{ExposeSecret as _, SecretString};
use tokio::net::TcpListener;

pub use cartable_core::Provider;

use crate::{Error, Portal, Session, identity::IdentityReply};

/// How long [`BrowserSignIn::finish`] waits by default: 5 minutes.
pub const DEFAULT_BROWSER_TIMEOUT: Duration = Duration::from_secs(300);

/// Why a browser sign-in did not produce a session.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// The caller's cancel signal fired ("Annuler").
    #[error("the browser sign-in was cancelled")]
    Cancelled,
    /// The browser did not come back before the timeout.
    #[error("the browser sign-in timed out")]
    TimedOut,
    /// The callback's `state` is not the one sent (RFC 6749 §10.12): the answer is ignored.
    /// Only [`BrowserSignIn::finish_from`] ends with it; the loopback of
    /// [`BrowserSignIn::finish`] answers such a request with 400 and keeps waiting.
    #[error("the browser came back with another sign-in's state")]
    StateMismatch,
    /// The portal or provider sent the browser back with an error (`access_denied` when the
    /// parent cancelled at the provider).
    #[error("the sign-in was refused: {error}")]
    Denied {
        /// The `error` parameter (RFC 6749 §4.1.2.1).
        error: String,
        /// The `error_description` parameter, if any.
        description: Option<String>,
    },
    /// The ID token's `nonce` is not the one sent (OpenID Connect Core §3.1.3.7).
    #[error("the ID token does not carry this sign-in's nonce")]
    NonceMismatch,
    /// The loopback listener failed.
    #[error("loopback listener: {0}")]
    Listener(#[from] std::io::Error),
    /// The code exchange failed (network, refusal, undecodable answer, configuration).
    #[error(transparent)]
    Portal(#[from] Error),
}

/// One browser sign-in attempt: its loopback listener (none for an app-link attempt), PKCE
/// verifier, `state` and `nonce`.
pub struct BrowserSignIn {
    portal: Portal,
    listener: Option<TcpListener>,
    redirect_uri: String,
    authorize_url: url::Url,
    state: SecretString,
    nonce: SecretString,
    verifier: SecretString,
}

impl std::fmt::Debug for BrowserSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSignIn")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// What the loopback received on `/callback`.
type Callback = HashMap<String, String>;

/// What the loopback's `/callback` handler needs: where to hand a matching callback, and the
/// `state` it must carry.
#[derive(Clone)]
struct Loopback {
    tx: tokio::sync::mpsc::Sender<Callback>,
    state: std::sync::Arc<SecretString>,
}

impl BrowserSignIn {
    /// Binds the loopback listener and prepares the authorization request for `provider`
    /// (`None`: no `domain_hint`, the portal's chooser; this is the native-auth web fallback).
    ///
    /// # Errors
    /// [`BrowserError::Listener`] when `127.0.0.1:0` cannot be bound;
    /// [`BrowserError::Portal`] with a configuration error when the authority is not a URL.
    pub async fn start(portal: &Portal, provider: Option<Provider>) -> Result<Self, BrowserError> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        Self::prepare(portal, provider, Some(listener), redirect_uri)
    }

    /// Prepares an attempt that comes back to [`MOBILE_REDIRECT_URI`] instead of a loopback
    /// listener (mobile, RFC 8252 §7.1); finish it with [`BrowserSignIn::finish_from`] and the
    /// URL the OS opened the app with.
    ///
    /// # Errors
    /// [`BrowserError::Portal`] with a configuration error when the authority is not a URL.
    pub fn start_app_link(
        portal: &Portal,
        provider: Option<Provider>,
    ) -> Result<Self, BrowserError> {
        Self::prepare(portal, provider, None, MOBILE_REDIRECT_URI.to_owned())
    }

    fn prepare(
        portal: &Portal,
        provider: Option<Provider>,
        listener: Option<TcpListener>,
        redirect_uri: String,
    ) -> Result<Self, BrowserError> {
        let config = portal.config();
        let authorize = portal.authority_url("oauth2/v2.0/authorize")?;
        let client = oauth2::basic::BasicClient::new(ClientId::new(config.client_id().to_owned()))
            .set_auth_uri(AuthUrl::from_url(authorize))
            .set_redirect_uri(RedirectUrl::new(redirect_uri.clone()).map_err(|e| {
                Error::from(crate::ConfigError::InvalidUrl {
                    what: "redirect_uri",
                    reason: e.to_string(),
                })
            })?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random();
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(
                config
                    .scope()
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(|s| Scope::new(s.to_owned())),
            )
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", nonce.secret().clone());
        if let Some(provider) = provider {
            request = request.add_extra_param("domain_hint", provider.domain_hint());
        }
        let (authorize_url, state) = request.url();
        Ok(Self {
            portal: portal.clone(),
            listener,
            redirect_uri,
            authorize_url,
            state: SecretString::from(state.into_secret()),
            nonce: SecretString::from(nonce.into_secret()),
            verifier: SecretString::from(verifier.into_secret()),
        })
    }

    /// The URL to open in the system browser.
    pub fn authorize_url(&self) -> &url::Url {
        &self.authorize_url
    }

    /// The redirect URI of this attempt: `http://127.0.0.1:{port}/callback`, or
    /// [`MOBILE_REDIRECT_URI`] for an app-link attempt.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the browser to come back to the loopback's `/callback` with this attempt's
    /// `state` (at most `timeout`, or until `cancel` completes), then exchanges the code and
    /// returns the signed-in [`Session`]. Requests that are not that callback (another `state`:
    /// 400 and [`PAGE_IGNORED`]; another path: 404) are answered and do not end the wait. The
    /// listener is closed when this returns, whatever the outcome.
    ///
    /// # Errors
    /// [`BrowserError::Cancelled`], [`BrowserError::TimedOut`], [`BrowserError::Denied`],
    /// [`BrowserError::NonceMismatch`], [`BrowserError::Portal`] (e.g. `invalid_grant` from the
    /// token endpoint); [`BrowserError::Listener`] for an app-link attempt, which has no loopback
    /// (use [`BrowserSignIn::finish_from`]).
    pub async fn finish(
        mut self,
        cancel: impl Future<Output = ()>,
        timeout: Duration,
    ) -> Result<Session, BrowserError> {
        let Some(listener) = self.listener.take() else {
            return Err(BrowserError::Listener(std::io::Error::other(
                "an app-link attempt has no loopback listener",
            )));
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Callback>(1);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let loopback = Loopback { tx, state: std::sync::Arc::new(self.state.clone()) };
        let app = Router::new()
            .route("/callback", get(callback))
            .fallback(|| async { StatusCode::NOT_FOUND })
            .with_state(loopback);
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        let outcome = tokio::select! {
            params = rx.recv() => params.ok_or(BrowserError::Cancelled),
            () = cancel => Err(BrowserError::Cancelled),
            () = tokio::time::sleep(timeout) => Err(BrowserError::TimedOut),
        };
        // Close the listener; give the browser's page a moment to be written, then stop.
        let _ = stop.send(());
        let abort = server.abort_handle();
        if tokio::time::timeout(Duration::from_secs(2), server).await.is_err() {
            abort.abort();
        }
        self.exchange(outcome?).await
    }

    /// Finishes the attempt with the redirect URL the caller receives itself (on mobile, the
    /// [`MOBILE_REDIRECT_URI`] URL the OS opens the app with, sent into `returned`), waiting for
    /// it at most `timeout` or until `cancel` completes. URLs that are not this attempt's
    /// redirect URI (other deep links) are skipped; a closed channel counts as cancelled.
    ///
    /// # Errors
    /// As [`BrowserSignIn::finish`], without the listener error.
    pub async fn finish_from(
        self,
        mut returned: tokio::sync::mpsc::Receiver<url::Url>,
        cancel: impl Future<Output = ()>,
        timeout: Duration,
    ) -> Result<Session, BrowserError> {
        let redirect_uri = self.redirect_uri.clone();
        let wait = async move {
            while let Some(url) = returned.recv().await {
                let mut base = url.clone();
                base.set_query(None);
                base.set_fragment(None);
                if base.as_str() == redirect_uri {
                    return Ok(url.query_pairs().into_owned().collect::<Callback>());
                }
            }
            Err(BrowserError::Cancelled)
        };
        let outcome = tokio::select! {
            params = wait => params,
            () = cancel => Err(BrowserError::Cancelled),
            () = tokio::time::sleep(timeout) => Err(BrowserError::TimedOut),
        };
        self.exchange(outcome?).await
    }

    /// Checks what the browser came back with (`state`, `error`, `code`), exchanges the code
    /// with the verifier and checks the ID token's `nonce`.
    async fn exchange(self, params: Callback) -> Result<Session, BrowserError> {
        if params.get("state").map(String::as_str) != Some(self.state.expose_secret()) {
            return Err(BrowserError::StateMismatch);
        }
        if let Some(error) = params.get("error") {
            return Err(BrowserError::Denied {
                error: error.clone(),
                description: params.get("error_description").cloned(),
            });
        }
        let Some(code) = params.get("code") else {
            return Err(BrowserError::Denied {
                error: "invalid_request".to_owned(),
                description: None,
            });
        };
        let form = TokenRequest {
            client_id: self.portal.config().client_id().to_owned(),
            grant_type: "authorization_code".to_owned(),
            code: Some(code.as_str().into()),
            redirect_uri: Some(self.redirect_uri.clone()),
            code_verifier: Some(self.verifier.expose_secret().into()),
            ..TokenRequest::default()
        };
        let tokens = match self.portal.identity::<TokenResponse>("oauth2/v2.0/token", &form).await?
        {
            IdentityReply::Ok(tokens) => tokens,
            IdentityReply::Refused(refusal) => return Err(Error::from(refusal.error).into()),
            IdentityReply::Redirect => {
                return Err(BrowserError::Denied {
                    error: "redirect".to_owned(),
                    description: None,
                });
            }
        };
        if id_token_nonce(tokens.id_token.expose()).as_deref() != Some(self.nonce.expose_secret()) {
            return Err(BrowserError::NonceMismatch);
        }
        Ok(Session::from_tokens(self.portal.clone(), tokens))
    }
}

/// The `nonce` claim of an ID token received straight from the token endpoint (its signature
/// need not be checked there, OpenID Connect Core §3.1.3.7 item 6).
fn id_token_nonce(id_token: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("nonce")?.as_str().map(str::to_owned)
}

/// The loopback's `/callback`: a request carrying this attempt's `state` is handed over and
/// answered with [`PAGE_DONE`] or [`PAGE_FAILED`]; any other (another page or process guessing
/// the port, a stale tab) gets 400 and [`PAGE_IGNORED`] and leaves the attempt waiting.
async fn callback(
    State(loopback): State<Loopback>,
    Query(params): Query<Callback>,
) -> (StatusCode, Html<&'static str>) {
    let expected = loopback.state.expose_secret().as_bytes();
    if !params.get("state").is_some_and(|s| same_bytes(s.as_bytes(), expected)) {
        tracing::warn!("loopback: ignored a callback without this sign-in's state");
        return (StatusCode::BAD_REQUEST, Html(PAGE_IGNORED));
    }
    let failed = params.contains_key("error");
    // Only the first answer counts; later ones (a reload) find the channel full or closed.
    let _ = loopback.tx.try_send(params);
    (StatusCode::OK, Html(if failed { PAGE_FAILED } else { PAGE_DONE }))
}

/// Compares two byte strings in time that depends on their lengths only.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The page the browser shows after a sign-in (French, then English).
pub const PAGE_DONE: &str = "<!doctype html><html lang=\"fr-CA\"><head><meta charset=\"utf-8\">\
<title>Cartable</title></head><body style=\"font-family:system-ui,sans-serif;max-width:32rem;\
margin:3rem auto;padding:0 1rem\"><h1>C'est fait.</h1><p>Vous pouvez fermer cet onglet et \
retourner à Cartable.</p><p lang=\"en\">Done. You can close this tab and go back to \
Cartable.</p></body></html>";

/// The page the browser shows when the sign-in did not go through (French, then English).
pub const PAGE_FAILED: &str = "<!doctype html><html lang=\"fr-CA\"><head><meta charset=\"utf-8\">\
<title>Cartable</title></head><body style=\"font-family:system-ui,sans-serif;max-width:32rem;\
margin:3rem auto;padding:0 1rem\"><h1>La connexion n'a pas abouti.</h1><p>Retournez à Cartable \
pour réessayer.</p><p lang=\"en\">The sign-in did not go through. Go back to Cartable to try \
again.</p></body></html>";

/// The page the loopback answers (400) to a `/callback` that does not carry this sign-in's
/// `state` (French, then English); the sign-in in progress goes on.
pub const PAGE_IGNORED: &str = "<!doctype html><html lang=\"fr-CA\"><head><meta charset=\"utf-8\">\
<title>Cartable</title></head><body style=\"font-family:system-ui,sans-serif;max-width:32rem;\
margin:3rem auto;padding:0 1rem\"><h1>Cette page ne correspond pas à la connexion en cours.</h1>\
<p>Elle a été ignorée. Terminez la connexion dans l'onglet ouvert par Cartable.</p>\
<p lang=\"en\">This page does not belong to the sign-in in progress and was ignored. Finish \
signing in in the tab Cartable opened.</p></body></html>";
