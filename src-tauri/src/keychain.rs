//! The OS keychain, behind a small trait so the command layer can be tested in memory.
//!
//! Layout (`docs/contract.md §9`), service [`SERVICE`], for each portal id:
//! - `{portal id}|accounts`: the index of the parents signed in on this device
//!   ([`AccountIndex`]: their account keys and emails, the current one, the last email);
//! - `{portal id}|account|{key}`: one parent's email and refresh token ([`StoredAccount`]),
//!   `key` being the portal's account id (the access token's `sub`);
//! - `{portal id}|pending`: a resumable sign-up or reset ([`StoredPending`]; never a password);
//! - `{portal id}`: the single signed-in parent of earlier versions ([`StoredAccount`]), read
//!   only to migrate it into the index at start-up, then deleted.
//!
//! Each secret is a small JSON value.
//!
//! When no keychain is usable (no session bus, a bus without a Secret Service, a locked
//! collection: `keyring` answers `NoDefaultStore` or `NoStorageAccess`), [`Keychain`] says so
//! once per launch, keeps every value in memory for the rest of the launch and never calls
//! the OS store again: "stay signed in" is unavailable but every flow still completes.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, PoisonError},
};

use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// Keychain service name, also the bundle identifier (`docs/contract.md §9`).
pub const SERVICE: &str = "ca.cartable.client";

/// Why a credential store call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No keychain can be used on this computer now (the cause is for the log only).
    #[error("no usable keychain: {0}")]
    Unavailable(String),
    /// The keychain answered with an error for this entry.
    #[error("keychain failure: {0}")]
    Failure(String),
}

/// A place for small secrets, keyed by account name under [`SERVICE`].
///
/// Calls block (the Secret Service is reached over D-Bus): call them off the async runtime, as
/// [`Keychain`] does.
pub trait CredentialStore: Send + Sync + 'static {
    /// Whether the store can be used at all, checked once at start.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when no store exists (a locked collection only shows on use).
    fn status(&self) -> Result<(), StoreError>;

    /// The secret stored for `account`, `None` when there is none.
    ///
    /// # Errors
    /// See [`StoreError`].
    fn get(&self, account: &str) -> Result<Option<String>, StoreError>;

    /// Stores (or replaces) the secret for `account`.
    ///
    /// # Errors
    /// See [`StoreError`].
    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError>;

    /// Deletes the secret for `account`; deleting an absent entry succeeds.
    ///
    /// # Errors
    /// See [`StoreError`].
    fn delete(&self, account: &str) -> Result<(), StoreError>;
}

/// The operating system's keychain, `keyring_core`'s default store, chosen per platform by
/// [`platform_store`]: on desktops the `keyring` crate's choice (Secret Service on Linux and the
/// BSDs, Keychain on macOS, Credential Manager on Windows); on Android the Android keystore
/// (`android-native-keyring-store`), on iOS Apple's protected data store
/// (`apple-native-keyring-store`'s `protected`).
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyringStore;

impl KeyringStore {
    fn entry(account: &str) -> Result<keyring_core::Entry, StoreError> {
        platform_store()?;
        keyring_core::Entry::new(SERVICE, account).map_err(classify)
    }
}

/// Makes this platform's credential store `keyring_core`'s default, once per process; the
/// outcome of that first attempt is kept (a store that cannot open stays unavailable for the
/// launch, as the module docs say).
///
/// # Errors
/// [`StoreError::Unavailable`] with the cause: the platform's store cannot be opened (desktop:
/// no session bus, no Secret Service).
fn platform_store() -> Result<(), StoreError> {
    static OPENED: std::sync::LazyLock<Result<(), String>> =
        std::sync::LazyLock::new(open_platform_store);
    OPENED.clone().map_err(StoreError::Unavailable)
}

#[cfg(desktop)]
fn open_platform_store() -> Result<(), String> {
    // keyring's v1 mode selects and sets the desktop platforms' store on first use.
    match keyring::Entry::store_status() {
        Ok(()) => Ok(()),
        Err(cause) => Err(cause.to_string()),
    }
}

#[cfg(target_os = "android")]
fn open_platform_store() -> Result<(), String> {
    let store = android_native_keyring_store::Store::new().map_err(|e| e.to_string())?;
    keyring_core::set_default_store(store);
    Ok(())
}

#[cfg(target_os = "ios")]
fn open_platform_store() -> Result<(), String> {
    let store = apple_native_keyring_store::protected::Store::new().map_err(|e| e.to_string())?;
    keyring_core::set_default_store(store);
    Ok(())
}

/// `NoDefaultStore` (no bus, no Secret Service) and `NoStorageAccess` (locked) mean "no keychain
/// here"; anything else is a failure of one call.
fn classify(error: keyring_core::Error) -> StoreError {
    match error {
        keyring_core::Error::NoDefaultStore => match platform_store() {
            Err(unavailable) => unavailable,
            Ok(()) => StoreError::Unavailable("no default store".to_owned()),
        },
        keyring_core::Error::NoStorageAccess(cause) => StoreError::Unavailable(cause.to_string()),
        other => StoreError::Failure(other.to_string()),
    }
}

impl CredentialStore for KeyringStore {
    fn status(&self) -> Result<(), StoreError> {
        platform_store()
    }

    fn get(&self, account: &str) -> Result<Option<String>, StoreError> {
        match Self::entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(other) => Err(classify(other)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError> {
        Self::entry(account)?.set_password(secret).map_err(classify)
    }

    fn delete(&self, account: &str) -> Result<(), StoreError> {
        match Self::entry(account)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(other) => Err(classify(other)),
        }
    }
}

/// An in-memory store for tests. Clones share their entries, so two app instances built with
/// clones of one `MemoryStore` see each other's writes, like two launches on one computer.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    entries: Arc<Mutex<BTreeMap<String, String>>>,
    unavailable: bool,
}

impl MemoryStore {
    /// An empty, usable store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that behaves like a computer without a keychain (every call is
    /// [`StoreError::Unavailable`]).
    pub fn unavailable() -> Self {
        Self { entries: Arc::default(), unavailable: true }
    }

    /// The raw secret of `account`, for assertions.
    pub fn peek(&self, account: &str) -> Option<String> {
        self.lock().get(account).cloned()
    }

    /// Every account with a secret, for assertions.
    pub fn accounts(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.unavailable {
            Err(StoreError::Unavailable("memory store set as unavailable".to_owned()))
        } else {
            Ok(())
        }
    }
}

impl CredentialStore for MemoryStore {
    fn status(&self) -> Result<(), StoreError> {
        self.check()
    }

    fn get(&self, account: &str) -> Result<Option<String>, StoreError> {
        self.check()?;
        Ok(self.lock().get(account).cloned())
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError> {
        self.check()?;
        self.lock().insert(account.to_owned(), secret.to_owned());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), StoreError> {
        self.check()?;
        self.lock().remove(account);
        Ok(())
    }
}

/// Account `{portal id}|account|{key}`: one signed-in parent (`docs/contract.md §9`); also
/// the layout of the single entry `{portal id}` of earlier versions, where after "Se
/// déconnecter" only the email remained.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAccount {
    /// Canonical email of the account.
    pub email: String,
    /// The current refresh token (rotated on every use, `docs/contract.md §4`); `None` once
    /// signed out (earlier versions' entry only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for StoredAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredAccount")
            .field("email", &crate::mask_email(&self.email))
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Account `{portal id}|accounts`: the parents signed in on this device (`docs/contract.md §9`).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountIndex {
    /// Each signed-in parent, in the order they were added; their tokens are in their own
    /// entries.
    pub accounts: Vec<IndexedAccount>,
    /// The key of the parent shown at start-up; `None` after "Se déconnecter".
    #[serde(default)]
    pub current: Option<String>,
    /// The last email signed in or out, to fill in the login form.
    #[serde(default)]
    pub last_email: Option<String>,
}

impl AccountIndex {
    /// The email of account `key`, if it is listed.
    pub fn email_of(&self, key: &str) -> Option<&str> {
        self.accounts.iter().find(|a| a.key == key).map(|a| a.email.as_str())
    }

    /// Lists `key` (or updates its email) and makes it the current parent.
    pub fn add_current(&mut self, key: &str, email: &str) {
        match self.accounts.iter_mut().find(|a| a.key == key) {
            Some(listed) => listed.email = email.to_owned(),
            None => {
                self.accounts.push(IndexedAccount { key: key.to_owned(), email: email.to_owned() })
            }
        }
        self.current = Some(key.to_owned());
        self.last_email = Some(email.to_owned());
    }

    /// Unlists `key`; it is no longer current. Answers its email.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let index = self.accounts.iter().position(|a| a.key == key)?;
        if self.current.as_deref() == Some(key) {
            self.current = None;
        }
        Some(self.accounts.remove(index).email)
    }
}

impl std::fmt::Debug for AccountIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountIndex")
            .field("accounts", &self.accounts)
            .field("current", &self.current)
            .field("last_email", &self.last_email.as_deref().map(crate::mask_email))
            .finish()
    }
}

/// One parent of the [`AccountIndex`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedAccount {
    /// The account key: the portal's account id (the access token's `sub`).
    pub key: String,
    /// Canonical email of the account.
    pub email: String,
}

impl std::fmt::Debug for IndexedAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedAccount")
            .field("key", &self.key)
            .field("email", &crate::mask_email(&self.email))
            .finish()
    }
}

/// Account `{portal id}|pending`: a sign-up or reset that can be resumed after a restart
/// (`docs/contract.md §1` "Resume", §9): the client's serializable flow state (continuation
/// token, email, step, when the code was sent) and when its token expires. Never a password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredPending {
    /// The flow state, tagged by `step` (`sign_up_code_sent`, `reset_needs_password`…).
    pub flow: portal_client::Pending,
    /// When the continuation token expires (Unix seconds; 600 s after it was issued,
    /// `docs/contract.md §0`).
    pub expires_at: i64,
}

/// Called once per launch when the keychain turns out to be unusable, with the cause (for the
/// log; never shown).
pub type UnavailableHook = Box<dyn Fn(&str) + Send + Sync>;

/// The keychain as the app uses it: typed entries, a memory fallback, and one notice.
///
/// Methods block on the OS store (D-Bus on Linux, a few milliseconds); async callers run them
/// through `spawn_blocking` ([`crate::state::AppState::keychain`]).
pub struct Keychain {
    store: Arc<dyn CredentialStore>,
    inner: Mutex<KeychainState>,
    on_unavailable: UnavailableHook,
}

#[derive(Default)]
struct KeychainState {
    /// `Some(cause)` once the OS store proved unusable for this launch.
    unavailable: Option<String>,
    /// Values kept for this launch only when the store is unusable.
    memory: BTreeMap<String, String>,
}

impl Keychain {
    /// Wraps `store`, checking once whether it is usable at all; `on_unavailable` runs at most
    /// once per launch (now, or at the first call that finds the store locked).
    pub fn new(store: Arc<dyn CredentialStore>, on_unavailable: UnavailableHook) -> Self {
        let keychain = Self { store: Arc::clone(&store), inner: Mutex::default(), on_unavailable };
        if let Err(StoreError::Unavailable(cause) | StoreError::Failure(cause)) = store.status() {
            keychain.mark_unavailable(cause);
        }
        keychain
    }

    /// Whether "stay signed in" works: the OS store is usable so far in this launch.
    pub fn available(&self) -> bool {
        self.state().unavailable.is_none()
    }

    /// The index of the parents signed in for `portal_id` (empty when there is none).
    pub fn index(&self, portal_id: &str) -> AccountIndex {
        self.get_json(index_account(portal_id)).unwrap_or_default()
    }

    /// Stores the index; answers whether it reached the OS keychain.
    pub fn set_index(&self, portal_id: &str, index: &AccountIndex) -> bool {
        self.set_json(index_account(portal_id), index)
    }

    /// The entry of parent `key` for `portal_id`.
    pub fn account(&self, portal_id: &str, key: &str) -> Option<StoredAccount> {
        self.get_json(account_entry(portal_id, key))
    }

    /// Stores the entry of parent `key`; answers whether it reached the OS keychain.
    pub fn set_account(&self, portal_id: &str, key: &str, account: &StoredAccount) -> bool {
        self.set_json(account_entry(portal_id, key), account)
    }

    /// Deletes the entry of parent `key`.
    pub fn delete_account(&self, portal_id: &str, key: &str) {
        self.delete(account_entry(portal_id, key));
    }

    /// The single entry `{portal id}` of earlier versions, before it is migrated.
    pub fn legacy_account(&self, portal_id: &str) -> Option<StoredAccount> {
        self.get_json(portal_id.to_owned())
    }

    /// Rewrites the entry of earlier versions (a rotation before it could be migrated).
    pub fn set_legacy_account(&self, portal_id: &str, account: &StoredAccount) -> bool {
        self.set_json(portal_id.to_owned(), account)
    }

    /// Deletes the entry of earlier versions (migrated).
    pub fn delete_legacy_account(&self, portal_id: &str) {
        self.delete(portal_id.to_owned());
    }

    /// The pending flow entry for `portal_id`.
    pub fn pending(&self, portal_id: &str) -> Option<StoredPending> {
        self.get_json(pending_account(portal_id))
    }

    /// Stores the pending flow entry; answers whether it reached the OS keychain.
    pub fn set_pending(&self, portal_id: &str, pending: &StoredPending) -> bool {
        self.set_json(pending_account(portal_id), pending)
    }

    /// Deletes the pending flow entry.
    pub fn delete_pending(&self, portal_id: &str) {
        self.delete(pending_account(portal_id));
    }

    /// Deletes every entry of `portal_id` ("Oublier tous les comptes"): each listed parent's,
    /// the index, the pending flow and the entry of earlier versions.
    pub fn delete_all(&self, portal_id: &str) {
        for listed in self.index(portal_id).accounts {
            self.delete_account(portal_id, &listed.key);
        }
        self.delete(index_account(portal_id));
        self.delete(portal_id.to_owned());
        self.delete(pending_account(portal_id));
    }

    fn state(&self) -> std::sync::MutexGuard<'_, KeychainState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn mark_unavailable(&self, cause: String) {
        let first = {
            let mut state = self.state();
            let first = state.unavailable.is_none();
            if first {
                state.unavailable = Some(cause.clone());
            }
            first
        };
        if first {
            log::warn!("keychain_unavailable: the session is kept in memory only ({cause})");
            (self.on_unavailable)(&cause);
        }
    }

    /// Runs `op` on the OS store, or answers `None` when the store is known unusable. A call
    /// that finds it unusable marks it so (and says so once).
    fn call<T>(&self, op: impl FnOnce(&dyn CredentialStore) -> Result<T, StoreError>) -> Option<T> {
        if !self.available() {
            return None;
        }
        match op(&*self.store) {
            Ok(value) => Some(value),
            Err(StoreError::Unavailable(cause)) => {
                self.mark_unavailable(cause);
                None
            }
            Err(StoreError::Failure(cause)) => {
                log::warn!("keychain call failed: {cause}");
                None
            }
        }
    }

    fn get_json<T: DeserializeOwned>(&self, account: String) -> Option<T> {
        let raw = self.call(|s| s.get(&account)).flatten();
        let raw = raw.or_else(|| self.state().memory.get(&account).cloned())?;
        match serde_json::from_str(&raw) {
            Ok(value) => Some(value),
            Err(error) => {
                log::warn!("ignoring an unreadable keychain entry: {error}");
                None
            }
        }
    }

    fn set_json<T: Serialize>(&self, account: String, value: &T) -> bool {
        let Ok(raw) = serde_json::to_string(value) else {
            return false;
        };
        let stored = self.call(|s| s.set(&account, &raw)).is_some();
        let mut state = self.state();
        if stored {
            state.memory.remove(&account);
        } else {
            state.memory.insert(account, raw);
        }
        stored
    }

    fn delete(&self, account: String) {
        self.state().memory.remove(&account);
        self.call(|s| s.delete(&account));
    }
}

/// `{portal id}|pending` (`docs/contract.md §9`).
pub fn pending_account(portal_id: &str) -> String {
    format!("{portal_id}|pending")
}

/// `{portal id}|accounts`: the index (`docs/contract.md §9`).
pub fn index_account(portal_id: &str) -> String {
    format!("{portal_id}|accounts")
}

/// `{portal id}|account|{key}`: one parent's entry (`docs/contract.md §9`).
pub fn account_entry(portal_id: &str, key: &str) -> String {
    format!("{portal_id}|account|{key}")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn counting(store: MemoryStore) -> (Keychain, Arc<AtomicUsize>) {
        let count = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&count);
        let hook: UnavailableHook = Box::new(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        (Keychain::new(Arc::new(store), hook), count)
    }

    fn account() -> StoredAccount {
        StoredAccount { email: "parent@example.ca".into(), refresh_token: Some("rt-1".into()) }
    }

    #[test]
    fn entries_follow_the_contract_layout() {
        let store = MemoryStore::new();
        let (keychain, reports) = counting(store.clone());
        assert!(keychain.set_account("embedded", "k1", &account()));
        let mut index = AccountIndex::default();
        index.add_current("k1", "parent@example.ca");
        assert!(keychain.set_index("embedded", &index));
        store.set("embedded|pending", "{}").expect("usable");
        assert_eq!(
            store.accounts(),
            ["embedded|accounts", "embedded|account|k1", "embedded|pending"]
        );
        assert!(
            store.peek("embedded|account|k1").is_some_and(|raw| raw.contains("\"refresh_token\""))
        );
        assert_eq!(keychain.account("embedded", "k1"), Some(account()));
        assert_eq!(keychain.index("embedded"), index);
        keychain.delete_all("embedded");
        assert!(store.accounts().is_empty());
        assert_eq!(reports.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_index_lists_each_parent_once_and_forgets_the_current_one() {
        let mut index = AccountIndex::default();
        index.add_current("a", "a@example.ca");
        index.add_current("b", "b@example.ca");
        index.add_current("a", "a@example.ca");
        assert_eq!(index.accounts.len(), 2);
        assert_eq!(index.current.as_deref(), Some("a"));
        assert_eq!(index.remove("a").as_deref(), Some("a@example.ca"));
        assert_eq!((index.current.as_deref(), index.email_of("b")), (None, Some("b@example.ca")));
        // An entry of earlier versions is not an index.
        let legacy = r#"{"email":"parent@example.ca","refresh_token":"rt"}"#;
        assert!(serde_json::from_str::<AccountIndex>(legacy).is_err());
    }

    #[test]
    fn unusable_store_keeps_values_in_memory_and_says_so_once() {
        let (keychain, reports) = counting(MemoryStore::unavailable());
        assert!(!keychain.available());
        assert!(!keychain.set_account("embedded", "k1", &account()));
        assert_eq!(keychain.account("embedded", "k1"), Some(account()));
        let mut index = AccountIndex::default();
        index.add_current("k1", "parent@example.ca");
        assert!(!keychain.set_index("embedded", &index));
        keychain.delete_all("embedded");
        assert_eq!(keychain.account("embedded", "k1"), None);
        assert_eq!(reports.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let shown = format!("{:?}", account());
        assert!(!shown.contains("rt-1") && !shown.contains("parent@"));
    }
}
