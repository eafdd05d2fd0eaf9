//! A signed-in session: the access token in memory, the refresh token rotated under a
//! single-flight lock (`docs/contract.md §4`).

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use cartable_core::wire::{
    identity::TokenRequest,
    tokens::{RevokeRequest, TokenResponse},
};
use reqwest::{Method, StatusCode};

use crate::{
    Portal,
    client::Answer,
    error::{Error, ErrorCode, RefusalCode},
    identity::IdentityReply,
    secret::{AccessToken, RefreshToken},
};

/// Refresh this long before the access token's expiry (or at a tenth of its lifetime if that is
/// shorter), so a request never leaves with a token about to expire.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// What a [`Session`] tells its observer (see [`Session::on_event`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// The refresh token was rotated (`docs/contract.md §4`): store this one and forget the
    /// previous one, which the portal now refuses.
    Rotated(RefreshToken),
    /// The session ended (`invalid_grant` on refresh, or sign-out): forget the stored token.
    Ended,
}

type Observer = Arc<dyn Fn(&SessionEvent) + Send + Sync>;

/// A signed-in parent. Cheap to clone (one `Arc`); all clones share the tokens.
///
/// - The access token lives in memory only; it is refreshed shortly before its expiry, and once
///   (followed by one retry) when the parent API answers 401 `invalid_token`.
/// - Refreshes are single-flight: concurrent callers wait for one refresh and share its result,
///   so a rotated refresh token is never sent twice. A refresh runs in its own task, so it
///   completes (and the new token is reported) even if the caller is cancelled.
/// - Only `invalid_grant` on refresh ends the session ([`Error::SessionEnded`],
///   [`SessionEvent::Ended`]); a network failure leaves it intact.
#[derive(Clone)]
pub struct Session(Arc<Inner>);

struct Inner {
    portal: Portal,
    tokens: Mutex<Tokens>,
    refresh_lock: tokio::sync::Mutex<()>,
    observer: Mutex<Option<Observer>>,
}

struct Tokens {
    access: Option<(AccessToken, Instant)>,
    refresh: Option<RefreshToken>,
    /// Incremented at each successful refresh; a caller that saw generation `g` and got a 401
    /// refreshes only if the generation is still `g`.
    generation: u64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("active", &self.is_active()).finish_non_exhaustive()
    }
}

impl Portal {
    /// A session from a refresh token stored at a previous run (the keychain,
    /// `docs/contract.md §9`). Nothing is sent yet: the first API call refreshes.
    pub fn resume_session(&self, refresh_token: RefreshToken) -> Session {
        Session::new(
            self.clone(),
            Tokens { access: None, refresh: Some(refresh_token), generation: 0 },
        )
    }
}

impl Session {
    fn new(portal: Portal, tokens: Tokens) -> Self {
        Self(Arc::new(Inner {
            portal,
            tokens: Mutex::new(tokens),
            refresh_lock: tokio::sync::Mutex::new(()),
            observer: Mutex::new(None),
        }))
    }

    pub(crate) fn from_tokens(portal: Portal, response: TokenResponse) -> Self {
        let tokens = Tokens {
            access: Some(access_of(&response)),
            refresh: Some(RefreshToken::new(response.refresh_token.expose())),
            generation: 0,
        };
        Self::new(portal, tokens)
    }

    /// The portal this session belongs to.
    pub fn portal(&self) -> &Portal {
        &self.0.portal
    }

    /// The current refresh token, to store in the keychain right after sign-in; `None` once the
    /// session has ended.
    pub fn refresh_token(&self) -> Option<RefreshToken> {
        self.lock().refresh.clone()
    }

    /// The account the current access token names (its `sub` claim, the portal's account id,
    /// `docs/contract.md §4`), read without checking the signature: the portal checks it on
    /// every call; the app only uses it as a local key (its keychain entry,
    /// `docs/contract.md §9`). `None` without an access token (a resumed session before its
    /// first call) or when the token is not a JWT.
    pub fn subject(&self) -> Option<String> {
        use base64::Engine as _;
        let token = self.lock().access.as_ref().map(|(token, _)| token.clone())?;
        let payload = token.expose_secret().split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        claims.get("sub")?.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
    }

    /// Whether the session still holds a refresh token.
    pub fn is_active(&self) -> bool {
        self.lock().refresh.is_some()
    }

    /// Sets the observer called on every rotation and at the end of the session. It is called
    /// synchronously, before the new token is used, so a crash cannot lose a rotation the
    /// portal already made; keep it short (a keychain write).
    pub fn on_event(&self, observer: impl Fn(&SessionEvent) + Send + Sync + 'static) {
        *self.0.observer.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(observer));
    }

    /// Signs out: forgets the tokens, reports [`SessionEvent::Ended`], and revokes the refresh
    /// token (RFC 7009) only when discovery lists a `revocation_endpoint`
    /// (`docs/contract.md §4`; a real Entra tenant has none) that passes the checks of every
    /// other portal URL: `https` (or `http` to loopback, §0), no user info, query or fragment,
    /// and the authority's origin (RFC 6454). A refused endpoint is logged with the reason (its
    /// origin, never the token) and receives nothing; this still answers `Ok`.
    ///
    /// # Errors
    /// A network or portal failure while fetching discovery or revoking; the session is ended
    /// locally in every case.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let _guard = self.0.refresh_lock.lock().await;
        let refresh = {
            let mut t = self.lock();
            t.access = None;
            t.refresh.take()
        };
        let Some(refresh) = refresh else { return Ok(()) };
        self.notify(&SessionEvent::Ended);
        let discovery = self.0.portal.discovery().await?;
        let Some(endpoint) = discovery.revocation_endpoint else {
            tracing::debug!("discovery lists no revocation endpoint; not revoking");
            return Ok(());
        };
        // The refresh token goes only where every other portal URL may go (§0) and only to the
        // authority's origin; otherwise it is not sent at all (the session has ended here).
        let url = match crate::config::checked_endpoint(
            "revocation_endpoint",
            &endpoint,
            self.0.portal.config().authority(),
        ) {
            Ok(url) => url,
            Err(refused) => {
                tracing::warn!(reason = %refused, "not revoking: the discovered endpoint is refused");
                return Ok(());
            }
        };
        let form = RevokeRequest {
            token: refresh.expose_secret().into(),
            token_type_hint: Some("refresh_token".to_owned()),
            client_id: self.0.portal.config().client_id().to_owned(),
        };
        let request = self.0.portal.inner().http.post(url).form(&form);
        let answer = self.0.portal.execute(request, "oauth2/v2.0/revoke").await?;
        if answer.status.is_success() { Ok(()) } else { Err(answer.problem_or_identity()) }
    }

    /// Makes sure the session can call the parent API: refreshes when it holds no fresh access
    /// token (a session resumed from the keychain: one token request), else sends nothing. A
    /// stored session is checked this way at start-up, without an API call of its own.
    ///
    /// # Errors
    /// [`Error::SessionEnded`] when the portal refused the refresh token (`invalid_grant`: the
    /// session ended, reported to the observer); network and portal failures otherwise, the
    /// stored token kept.
    pub async fn ensure_active(&self) -> Result<(), Error> {
        self.access_token().await.map(drop)
    }

    /// Forgets the tokens and reports [`SessionEvent::Ended`] (after the account was deleted).
    pub(crate) fn end_locally(&self) {
        let had = {
            let mut t = self.lock();
            t.access = None;
            t.refresh.take().is_some()
        };
        if had {
            self.notify(&SessionEvent::Ended);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.0.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self, event: &SessionEvent) {
        let observer = self.0.observer.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(observer) = observer {
            observer(event);
        }
    }

    /// A usable access token and the generation it belongs to, refreshing first when it is
    /// missing or close to expiry.
    async fn access_token(&self) -> Result<(AccessToken, u64), Error> {
        for _ in 0..2 {
            let generation = {
                let t = self.lock();
                if t.refresh.is_none() {
                    return Err(Error::SessionEnded);
                }
                if let Some((token, expires)) = &t.access
                    && Instant::now() < *expires
                {
                    return Ok((token.clone(), t.generation));
                }
                t.generation
            };
            self.refresh(generation).await?;
        }
        Err(Error::SessionEnded)
    }

    /// Refreshes unless another caller already did since `seen_generation`.
    async fn refresh(&self, seen_generation: u64) -> Result<(), Error> {
        let this = self.clone();
        // Its own task: once the request has left, the answer is always stored and reported.
        let task = tokio::spawn(async move { this.refresh_now(seen_generation).await });
        match task.await {
            Ok(result) => result,
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            // Only when the runtime is shutting down; the stored token is unchanged.
            Err(_) => {
                Err(crate::ConfigError::HttpClient("the runtime is shutting down".into()).into())
            }
        }
    }

    async fn refresh_now(&self, seen_generation: u64) -> Result<(), Error> {
        let _guard = self.0.refresh_lock.lock().await;
        let refresh = {
            let t = self.lock();
            if t.generation != seen_generation && t.access.is_some() {
                return Ok(());
            }
            match &t.refresh {
                Some(r) => r.clone(),
                None => return Err(Error::SessionEnded),
            }
        };
        let portal = &self.0.portal;
        let form = TokenRequest {
            client_id: portal.config().client_id().to_owned(),
            grant_type: "refresh_token".to_owned(),
            refresh_token: Some(refresh.expose_secret().into()),
            scope: Some(portal.config().scope()),
            ..TokenRequest::default()
        };
        match portal.identity::<TokenResponse>("oauth2/v2.0/token", &form).await? {
            IdentityReply::Ok(response) => {
                let new_refresh = RefreshToken::new(response.refresh_token.expose());
                {
                    let mut t = self.lock();
                    t.access = Some(access_of(&response));
                    t.refresh = Some(new_refresh.clone());
                    t.generation += 1;
                }
                self.notify(&SessionEvent::Rotated(new_refresh));
                Ok(())
            }
            IdentityReply::Refused(r)
                if r.error.code == RefusalCode::Identity(ErrorCode::InvalidGrant) =>
            {
                tracing::info!("refresh token refused (invalid_grant); session ended");
                {
                    let mut t = self.lock();
                    t.access = None;
                    t.refresh = None;
                }
                self.notify(&SessionEvent::Ended);
                Err(Error::SessionEnded)
            }
            IdentityReply::Refused(r) => Err(r.error.into()),
            IdentityReply::Redirect => {
                Err(Error::Unexpected("the token endpoint asked for the browser at a refresh"))
            }
        }
    }

    /// Sends an authorized parent-API request; on 401 `invalid_token` refreshes once and
    /// retries once (`docs/contract.md §6`). Non-2xx answers become [`Error::Portal`].
    pub(crate) async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, Error> {
        let url = self.0.portal.api_url(path)?;
        let mut retried = false;
        loop {
            let (token, generation) = self.access_token().await?;
            let mut request = self
                .0
                .portal
                .inner()
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.expose_secret());
            if let Some(body) = body {
                request = request.json(body);
            }
            let answer = self.0.portal.execute(request, path).await?;
            if answer.status == StatusCode::UNAUTHORIZED && !retried {
                retried = true;
                self.refresh(generation).await?;
                continue;
            }
            if answer.status.is_success() {
                return Ok(answer);
            }
            return Err(answer.problem());
        }
    }
}

fn access_of(response: &TokenResponse) -> (AccessToken, Instant) {
    let lifetime = Duration::from_secs(response.expires_in);
    let margin = REFRESH_MARGIN.min(lifetime / 10);
    (
        AccessToken::new(response.access_token.expose().to_owned()),
        Instant::now() + lifetime - margin,
    )
}
