//! The one managed state: the portal in use, the keychain, the session and the pending flow.
//!
//! Several parents may be signed in on one device (`docs/contract.md §9`): each has a keychain
//! entry under their account key and the index lists them; one of them, the current parent,
//! has its session in memory. Switching resumes another's session from its entry.
//!
//! Commands clone what they need out of short locks (the client and the session are cheap
//! `Arc` clones) so a slow portal call never blocks another command, except flow steps, which
//! hold the flow lock for their whole step so two steps of one flow never race on one
//! continuation token.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, PoisonError},
};

use cartable_core::{
    Email, Failure,
    ipc::{AccountList, AccountSummary, AppInfo, Language, PortalInfo, PortalSource},
};
use portal_client::{Pending, PortalConfig, Session, SessionEvent};
use tokio::sync::{Mutex as AsyncMutex, MutexGuard as AsyncGuard};

use crate::{
    error::{Error, Result},
    keychain::{
        AccountIndex, CredentialStore, Keychain, StoredAccount, StoredPending, UnavailableHook,
    },
    settings::{self, PortalChoice, PortalEnv, Settings},
};

/// Continuation tokens and codes are valid this long (`docs/contract.md §0`): 600 s.
pub const CONTINUATION_SECONDS: i64 = 600;

/// Where the app keeps its files.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// Settings (`settings.json`); the app config directory.
    pub config: PathBuf,
    /// The embedded demo portal's database and outbox; the app data directory.
    pub data: PathBuf,
    /// Where a verified update package is saved for the package manager: the Downloads folder
    /// (`crate::updates`).
    pub downloads: PathBuf,
}

/// The portal as connected: its description and its client (and, with `cfg(embedded_portal)`,
/// the embedded demo portal that serves it).
struct Connected {
    info: PortalInfo,
    client: portal_client::Portal,
    #[cfg(embedded_portal)]
    embedded: Option<crate::embedded::EmbeddedPortal>,
}

/// The signed-in parent.
#[derive(Clone)]
pub struct Signed {
    /// Canonical email.
    pub email: String,
    /// The account key (the portal's account id), naming its keychain entry.
    pub key: String,
    /// The client session (tokens, single-flight refresh).
    pub session: Session,
}

/// The pending sign-up or reset, as loaded from the keychain at first use.
#[derive(Default)]
pub struct FlowSlot {
    loaded: bool,
    current: Option<StoredPending>,
}

impl FlowSlot {
    /// The pending flow, if any.
    pub fn current(&self) -> Option<&StoredPending> {
        self.current.as_ref()
    }

    /// Takes the pending flow out (a step consumes its state).
    pub fn take(&mut self) -> Option<StoredPending> {
        self.current.take()
    }
}

/// Everything the commands share, managed once by Tauri.
pub struct AppState {
    keychain: Arc<Keychain>,
    dirs: Dirs,
    env: PortalEnv,
    settings: Mutex<Settings>,
    portal: AsyncMutex<Option<Connected>>,
    session: AsyncMutex<Option<Signed>>,
    flow: AsyncMutex<FlowSlot>,
    /// Held while the index is read, changed and written back.
    index: Mutex<()>,
}

/// Runs a blocking keychain call, letting the runtime move other tasks off this worker.
pub fn blocking<T>(op: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(op)
        }
        _ => op(),
    }
}

/// Current Unix time in seconds.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl AppState {
    /// State over `store`, with settings read from `dirs.config`; nothing is started yet (the
    /// portal connects, or the embedded portal starts, at the first command that needs it).
    pub fn new(
        store: Arc<dyn CredentialStore>,
        env: PortalEnv,
        dirs: Dirs,
        on_keychain_unavailable: UnavailableHook,
    ) -> Self {
        let settings = Settings::load(&settings::path_in(&dirs.config));
        Self {
            keychain: Arc::new(Keychain::new(store, on_keychain_unavailable)),
            dirs,
            env,
            settings: Mutex::new(settings),
            portal: AsyncMutex::new(None),
            session: AsyncMutex::new(None),
            flow: AsyncMutex::new(FlowSlot::default()),
            index: Mutex::new(()),
        }
    }

    /// The keychain.
    pub fn keychain(&self) -> &Keychain {
        &self.keychain
    }

    /// A copy of the settings.
    pub fn settings(&self) -> Settings {
        self.settings.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Which portal the settings and environment select now (`docs/contract.md §0`).
    pub fn choice(&self) -> PortalChoice {
        PortalChoice::resolve(&self.env, &self.settings())
    }

    /// The portal id of `docs/contract.md §9` for the portal in use (or about to be).
    pub async fn portal_id(&self) -> String {
        match self.portal.lock().await.as_ref() {
            Some(connected) => connected.info.id.clone(),
            None => self.choice().id().to_owned(),
        }
    }

    /// The portal client, connecting first (and starting the embedded portal) if needed.
    ///
    /// # Errors
    /// The configured origin is invalid, or the embedded portal cannot start.
    pub async fn client(&self) -> Result<(portal_client::Portal, PortalInfo)> {
        let mut slot = self.portal.lock().await;
        if slot.is_none() {
            *slot = Some(self.connect().await?);
        }
        let connected = slot.as_ref().ok_or_else(|| Error::Internal("no portal".into()))?;
        Ok((connected.client.clone(), connected.info.clone()))
    }

    async fn connect(&self) -> Result<Connected> {
        let language = self.settings().language;
        match self.choice() {
            PortalChoice::Remote { origin, source } => {
                let mut config = if source == PortalSource::Environment
                    && (self.env.authority.is_some() || self.env.api_base.is_some())
                {
                    PortalConfig::new(
                        self.env.authority.as_deref().unwrap_or(&format!("{origin}/auth/")),
                        self.env.api_base.as_deref().unwrap_or(&format!("{origin}/api/v1/")),
                    )
                } else {
                    PortalConfig::from_origin(origin.as_str())
                }
                .map_err(portal_client::Error::from)?;
                if let (PortalSource::Environment, Some(id)) = (source, &self.env.client_id) {
                    config = config.with_client_id(id).map_err(portal_client::Error::from)?;
                }
                let client = portal_client::Portal::new(config.with_language(language.tag()))?;
                let info = PortalInfo {
                    id: origin.to_string(),
                    origin: origin.into(),
                    demo: false,
                    source,
                    social_providers: self.env.offered_providers(),
                };
                Ok(Connected {
                    info,
                    client,
                    #[cfg(embedded_portal)]
                    embedded: None,
                })
            }
            PortalChoice::Embedded => self.connect_embedded(language).await,
        }
    }

    #[cfg(embedded_portal)]
    async fn connect_embedded(&self, language: Language) -> Result<Connected> {
        let embedded = crate::embedded::EmbeddedPortal::start(&self.dirs.data)
            .await
            .map_err(|error| Error::Internal(error.to_string()))?;
        let config =
            PortalConfig::from_origin(embedded.origin()).map_err(portal_client::Error::from)?;
        let client = portal_client::Portal::new(config.with_language(language.tag()))?;
        let info = PortalInfo {
            id: settings::EMBEDDED_ID.to_owned(),
            origin: embedded.origin().to_owned(),
            demo: true,
            source: PortalSource::Embedded,
            social_providers: self.env.offered_providers(),
        };
        Ok(Connected { info, client, embedded: Some(embedded) })
    }

    /// Mobile, and desktop builds without the `embedded-portal` feature, have no embedded portal:
    /// a portal must be configured (`invalid_setting`, `reason: no_portal`).
    #[cfg(not(embedded_portal))]
    async fn connect_embedded(&self, _language: Language) -> Result<Connected> {
        let reason = Some(cartable_core::error::SettingRefusal::NoPortal);
        Err(cartable_core::Failure::InvalidSetting { reason }.into())
    }

    /// Drops the connection (stopping the embedded portal) so the next command reconnects with
    /// the current settings; the in-memory flow is reloaded for the new portal id.
    pub async fn disconnect(&self) {
        let old = self.portal.lock().await.take();
        #[cfg(embedded_portal)]
        if let Some(embedded) = old.and_then(|c| c.embedded) {
            embedded.stop().await;
        }
        #[cfg(not(embedded_portal))]
        drop(old);
        *self.flow.lock().await = FlowSlot::default();
    }

    /// After sign-out: a portal changed in Paramètres while signed in takes effect now.
    pub async fn apply_portal_choice(&self) {
        let connected = self.portal.lock().await.as_ref().map(|c| c.info.id.clone());
        if connected.is_some_and(|id| id != self.choice().id()) {
            self.disconnect().await;
        }
    }

    /// The outbox of the embedded demo portal, `None` for a real portal.
    pub async fn demo_outbox_dir(&self) -> Option<PathBuf> {
        self.client().await.ok()?;
        #[cfg(embedded_portal)]
        {
            let slot = self.portal.lock().await;
            slot.as_ref().and_then(|c| c.embedded.as_ref()).map(|e| e.outbox())
        }
        #[cfg(not(embedded_portal))]
        None
    }

    /// What [`cartable_core::ipc::GetAppInfo`] answers.
    ///
    /// # Errors
    /// As [`AppState::client`].
    pub async fn app_info(&self) -> Result<AppInfo> {
        let (_, portal) = self.client().await?;
        Ok(AppInfo {
            portal,
            language: self.settings().language,
            keychain_available: self.keychain.available(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    /// Applies a settings change and saves it. A new language rebuilds the client; a new portal
    /// takes effect now when signed out, otherwise after sign-out.
    ///
    /// # Errors
    /// The file cannot be written (`internal`).
    pub async fn update_settings(&self, change: impl FnOnce(&mut Settings)) -> Result<()> {
        let before = self.choice();
        let settings = {
            let mut guard = self.settings.lock().unwrap_or_else(PoisonError::into_inner);
            change(&mut guard);
            guard.clone()
        };
        let path = settings::path_in(&self.dirs.config);
        blocking(|| settings.save(&path)).map_err(|e| Error::Internal(e.to_string()))?;
        let signed_in = self.session.lock().await.is_some();
        if before != self.choice() && !signed_in {
            self.disconnect().await;
        } else if let Some(connected) = self.portal.lock().await.as_mut() {
            let config = connected.client.config().clone().with_language(settings.language.tag());
            connected.client = portal_client::Portal::new(config)?;
        }
        Ok(())
    }

    /// The signed-in parent, if any.
    pub async fn signed(&self) -> Option<Signed> {
        self.session.lock().await.clone()
    }

    /// The signed-in parent.
    ///
    /// # Errors
    /// `not_signed_in`.
    pub async fn require_session(&self) -> Result<Signed> {
        self.signed().await.ok_or(Failure::NotSignedIn.into())
    }

    /// Forgets the in-memory session after the portal ended it (`SessionEnded`): the session's
    /// observer already deleted its keychain entry; the index no longer lists it.
    pub async fn session_ended(&self) {
        if let Some(signed) = self.session.lock().await.take() {
            self.unlist(&signed.key, Some(&signed.email)).await;
        }
    }

    /// Runs a parent-API call with the session; `session_expired` also signs out locally.
    ///
    /// # Errors
    /// `not_signed_in`, or the call's error.
    pub async fn with_session<T, F>(&self, call: impl FnOnce(Session) -> F) -> Result<T>
    where
        F: std::future::Future<Output = std::result::Result<T, portal_client::Error>>,
    {
        let signed = self.require_session().await?;
        match call(signed.session).await {
            Err(portal_client::Error::SessionEnded) => {
                self.session_ended().await;
                Err(portal_client::Error::SessionEnded.into())
            }
            other => Ok(other?),
        }
    }

    /// Adopts a new session for `email` (a sign-in, sign-up, reset or social sign-in): keys it
    /// by its account id, stores it in its keychain entry, lists it in the index as the current
    /// parent (the others stay signed in) and follows every rotation (`docs/contract.md §4`,
    /// §9). Answers whether it was persisted.
    ///
    /// # Errors
    /// The account id could not be read (the access token names none and `GET /me` failed).
    pub async fn adopt(&self, email: &str, session: Session) -> Result<bool> {
        let key = account_key(&session).await?;
        self.observe(&key, email, &session).await;
        Ok(self.install(&key, email, session).await)
    }

    /// Makes every rotation of `session` reach the entry of account `key`, and its end delete
    /// that entry. Attach before the session's first call, so no rotation is lost.
    pub async fn observe(&self, key: &str, email: &str, session: &Session) {
        let portal_id = self.portal_id().await;
        let keychain = Arc::clone(&self.keychain);
        let (key, owner) = (key.to_owned(), email.to_owned());
        session.on_event(move |event| match event {
            SessionEvent::Rotated(token) => {
                let account = StoredAccount {
                    email: owner.clone(),
                    refresh_token: Some(token.expose_secret().to_owned()),
                };
                blocking(|| keychain.set_account(&portal_id, &key, &account));
            }
            _ => blocking(|| keychain.delete_account(&portal_id, &key)),
        });
    }

    /// Makes an observed session the current parent's: its entry, the index, memory. Answers
    /// whether it reached the OS keychain.
    pub async fn install(&self, key: &str, email: &str, session: Session) -> bool {
        let portal_id = self.portal_id().await;
        let account = StoredAccount {
            email: email.to_owned(),
            refresh_token: session.refresh_token().map(|t| t.expose_secret().to_owned()),
        };
        let stored = blocking(|| self.keychain.set_account(&portal_id, key, &account));
        let listed = self.update_index(&portal_id, |index| index.add_current(key, email));
        let signed = Signed { email: email.to_owned(), key: key.to_owned(), session };
        let previous = self.session.lock().await.replace(signed);
        if let Some(previous) = previous.filter(|p| p.key == key) {
            // A replaced session of the same parent (after a password change) must not
            // overwrite the new token. Another parent's keeps its observer: a call still running
            // with it stores its rotation in that parent's own entry.
            previous.session.on_event(|_| {});
        }
        stored && listed
    }

    /// Takes the session out (sign-out, a parent set aside); its entry and the index stay.
    pub async fn take_session(&self) -> Option<Signed> {
        self.session.lock().await.take()
    }

    /// "Ajouter un parent": the current parent is set aside, still signed in (entry and index
    /// kept, so a restart comes back to them); a pending sign-up or reset ends.
    pub async fn park(&self) {
        if let Some(parked) = self.take_session().await {
            log::info!("parent {} set aside", crate::mask_email(&parked.email));
        }
        self.flow().await.clear();
    }

    /// The index of the portal in use.
    pub async fn account_index(&self) -> AccountIndex {
        let id = self.portal_id().await;
        blocking(|| self.keychain.index(&id))
    }

    /// Reads, changes and writes back the index of `portal_id`; answers whether it reached the
    /// OS keychain.
    fn update_index(&self, portal_id: &str, change: impl FnOnce(&mut AccountIndex)) -> bool {
        let _guard = self.index.lock().unwrap_or_else(PoisonError::into_inner);
        blocking(|| {
            let mut index = self.keychain.index(portal_id);
            change(&mut index);
            self.keychain.set_index(portal_id, &index)
        })
    }

    /// Unlists account `key` (signed out, or its session refused); `email` is kept to fill in
    /// the login form.
    pub async fn unlist(&self, key: &str, email: Option<&str>) {
        let portal_id = self.portal_id().await;
        blocking(|| self.keychain.delete_account(&portal_id, key));
        self.update_index(&portal_id, |index| {
            let listed = index.remove(key);
            if let Some(email) = email.map(str::to_owned).or(listed) {
                index.last_email = Some(email);
            }
        });
    }

    /// "Oublier cet appareil" for one parent: their entry, their place in the index and their
    /// email (the other parents stay signed in); a pending sign-up or reset ends.
    pub async fn forget_account(&self, key: &str) {
        let portal_id = self.portal_id().await;
        blocking(|| self.keychain.delete_account(&portal_id, key));
        self.update_index(&portal_id, |index| {
            if let Some(email) = index.remove(key)
                && index.last_email.as_deref() == Some(email.as_str())
            {
                index.last_email = None;
            }
        });
        self.flow().await.clear();
    }

    /// The entry of account `key` of the portal in use.
    pub async fn stored_account(&self, key: &str) -> Option<StoredAccount> {
        let id = self.portal_id().await;
        blocking(|| self.keychain.account(&id, key))
    }

    /// The parents signed in on this device (the header's switcher): keys and masked emails.
    pub async fn accounts(&self) -> AccountList {
        let index = self.account_index().await;
        let current = self.signed().await.map(|s| s.key);
        let accounts = index
            .accounts
            .into_iter()
            .map(|a| AccountSummary { label: crate::mask_email(&a.email), key: a.key })
            .collect();
        AccountList { accounts, current }
    }

    /// The single entry of earlier versions (`{portal id}`), until it is migrated.
    pub async fn legacy_account(&self) -> Option<StoredAccount> {
        let id = self.portal_id().await;
        blocking(|| self.keychain.legacy_account(&id))
    }

    /// Follows the rotations of a session resumed from the entry of earlier versions, in that
    /// entry, until it is migrated (its account key is known only after its first refresh).
    pub async fn observe_legacy(&self, email: &str, session: &Session) {
        let portal_id = self.portal_id().await;
        let keychain = Arc::clone(&self.keychain);
        let owner = email.to_owned();
        session.on_event(move |event| {
            let refresh_token = match event {
                SessionEvent::Rotated(token) => Some(token.expose_secret().to_owned()),
                _ => None,
            };
            let account = StoredAccount { email: owner.clone(), refresh_token };
            blocking(|| keychain.set_legacy_account(&portal_id, &account));
        });
    }

    /// Ends the migration of the entry of earlier versions: deletes it, keeping its email for
    /// the login form unless a parent already signed in since.
    pub async fn retire_legacy(&self, email: &str) {
        let portal_id = self.portal_id().await;
        self.update_index(&portal_id, |index| {
            index.last_email.get_or_insert_with(|| email.to_owned());
        });
        blocking(|| self.keychain.delete_legacy_account(&portal_id));
    }

    /// Locks the pending flow, loading it from the keychain at first use.
    pub async fn flow(&self) -> FlowGuard<'_> {
        let id = self.portal_id().await;
        let mut guard = self.flow.lock().await;
        if !guard.loaded {
            guard.current = blocking(|| self.keychain.pending(&id));
            guard.loaded = true;
        }
        FlowGuard { guard, keychain: &self.keychain, portal_id: id }
    }

    /// "Oublier tous les comptes": every keychain entry this app may have written (each parent's,
    /// the index, the pending flow), the settings file and the embedded portal's data.
    pub async fn forget_everything(&self) {
        self.take_session().await;
        let mut ids = vec![self.portal_id().await, settings::EMBEDDED_ID.to_owned()];
        ids.extend(self.settings().portal_url.map(String::from));
        ids.extend(self.env.portal_url.clone().map(String::from));
        ids.sort();
        ids.dedup();
        for id in &ids {
            blocking(|| self.keychain.delete_all(id));
        }
        *self.settings.lock().unwrap_or_else(PoisonError::into_inner) = Settings::default();
        let path = settings::path_in(&self.dirs.config);
        if let Err(error) = std::fs::remove_file(path)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            log::warn!("cannot delete the settings file: {error}");
        }
        self.disconnect().await;
        #[cfg(embedded_portal)]
        if let Err(error) = crate::embedded::delete_data(&self.dirs.data).await {
            log::warn!("cannot delete the demo portal's data: {error}");
        }
    }
}

/// The locked pending flow; every change is written to the keychain (`{portal id}|pending`).
pub struct FlowGuard<'a> {
    guard: AsyncGuard<'a, FlowSlot>,
    keychain: &'a Keychain,
    portal_id: String,
}

impl FlowGuard<'_> {
    /// The pending flow, if any.
    pub fn current(&self) -> Option<&StoredPending> {
        self.guard.current()
    }

    /// Takes the pending state out for a step (the stored copy stays until [`Self::set`] or
    /// [`Self::clear`], so a crash mid-step can still resume).
    pub fn take(&mut self) -> Option<StoredPending> {
        self.guard.take()
    }

    /// Records a new state: in memory and in the keychain.
    pub fn set(&mut self, flow: Pending, expires_at: i64) {
        let stored = StoredPending { flow, expires_at };
        blocking(|| self.keychain.set_pending(&self.portal_id, &stored));
        self.guard.current = Some(stored);
    }

    /// Puts back a state that a step handed back unchanged (retry, network failure).
    pub fn restore(&mut self, stored: StoredPending) {
        self.guard.current = Some(stored);
    }

    /// Ends the flow: nothing pending in memory or in the keychain.
    pub fn clear(&mut self) {
        self.guard.current = None;
        blocking(|| self.keychain.delete_pending(&self.portal_id));
    }
}

/// The account key of a new session: the account id its access token names, else the one
/// `GET /me` answers (a portal whose access tokens are not JWTs).
///
/// # Errors
/// The `GET /me` call failed.
pub async fn account_key(session: &Session) -> Result<String> {
    match session.subject() {
        Some(subject) => Ok(subject),
        None => Ok(session.me().await?.id),
    }
}

/// The canonical email, or the domain error on field `email`.
///
/// # Errors
/// The email's [`cartable_core::EmailError`], on the email field.
pub fn parse_email(input: &str) -> Result<Email> {
    Email::parse(input).map_err(|e| cartable_core::AppError::from(e).into())
}
