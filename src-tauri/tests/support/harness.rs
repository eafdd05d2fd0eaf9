//! Shared by the integration tests (not a test crate itself: it lives in a subfolder).
//!
//! The app is built with [`cartable_lib::build_app`] on `tauri::test::mock_builder()` with the
//! real context (capabilities and app manifest included: a command the main window may not call
//! fails here too), a credential store standing in for the OS keychain, and temporary config
//! and data folders. "A new launch" is a second app built over the same store and folders.
#![allow(dead_code, clippy::unwrap_used)]

use std::{path::Path, sync::Arc};

use cartable_core::{
    AppError,
    ipc::{
        self, AppInfo, Command, FlowCodeArgs, FlowKind, FlowPasswordArgs, FlowStartArgs, SignedIn,
    },
};
use cartable_lib::{
    CredentialStore, Dirs, MemoryStore, Options, PortalEnv, UpdateEnv,
    keychain::{AccountIndex, StoredAccount},
};
use tauri::{
    Listener, Manager, WebviewWindow,
    ipc::{CallbackFn, InvokeBody},
    test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder},
    webview::InvokeRequest,
};

pub const EMAIL: &str = "Genevieve.Tremblay@Exemple.ca";
pub const CANONICAL: &str = "genevieve.tremblay@exemple.ca";
pub const PASSWORD: &str = "Bonjour-2026";

/// One launch of the app.
pub struct Launch {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    /// How many `keychain-unavailable` events this launch emitted.
    pub keychain_reports: Arc<std::sync::atomic::AtomicUsize>,
}

/// What survives between launches: the keychain and the app's folders.
pub struct Computer {
    /// The credential store every launch uses.
    pub store: Arc<dyn CredentialStore>,
    /// The same store when it is a [`MemoryStore`] (to list its entries).
    memory: Option<MemoryStore>,
    root: tempfile::TempDir,
    /// The portal overrides every launch sees.
    pub env: PortalEnv,
    /// Where updates come from, for every launch (off by default).
    pub updates: UpdateEnv,
}

impl Computer {
    pub fn new() -> Self {
        let memory = MemoryStore::new();
        Self { memory: Some(memory.clone()), ..Self::with_store(Arc::new(memory)) }
    }

    pub fn with_store(store: Arc<dyn CredentialStore>) -> Self {
        Self {
            store,
            memory: None,
            root: tempfile::tempdir().expect("temp dir"),
            env: PortalEnv::default(),
            updates: UpdateEnv::default(),
        }
    }

    /// Every entry name in the store, sorted (a [`Computer::new`] store only).
    pub fn store_accounts(&self) -> Vec<String> {
        self.memory.as_ref().expect("a memory store").accounts()
    }

    pub fn dirs(&self) -> Dirs {
        Dirs {
            config: self.root.path().join("config"),
            data: self.root.path().join("data"),
            downloads: self.root.path().join("downloads"),
        }
    }

    pub fn launch(&self) -> Launch {
        let options = Options {
            store: Arc::clone(&self.store),
            env: self.env.clone(),
            dirs: Some(self.dirs()),
            updates: self.updates.clone(),
        };
        let mut app = cartable_lib::build_app(mock_builder(), options).expect("app builds");
        // Runs the setup hook (state, windows of tauri.conf.json) as the event loop would. Called
        // once, so the busy-loop the deprecation warns about cannot happen; `run_return` would
        // block until the app exits.
        let keychain_reports = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = Arc::clone(&keychain_reports);
        app.listen_any(cartable_lib::KEYCHAIN_UNAVAILABLE_EVENT, move |_| {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        #[allow(deprecated)]
        app.run_iteration(|_, _| {});
        let window = app.get_webview_window("main").expect("the main window from tauri.conf.json");
        Launch { _app: app, window, keychain_reports }
    }

    /// The raw secret of `account` in the store.
    pub fn peek(&self, account: &str) -> Option<String> {
        self.store.get(account).expect("store readable")
    }

    /// The index of the parents signed in for `portal_id` (`{portal id}|accounts`).
    pub fn index(&self, portal_id: &str) -> AccountIndex {
        self.peek(&format!("{portal_id}|accounts"))
            .map(|raw| serde_json::from_str(&raw).expect("index JSON"))
            .unwrap_or_default()
    }

    /// The entry of parent `key` (`{portal id}|account|{key}`).
    pub fn entry(&self, portal_id: &str, key: &str) -> Option<StoredAccount> {
        self.peek(&format!("{portal_id}|account|{key}"))
            .map(|raw| serde_json::from_str(&raw).expect("account JSON"))
    }

    /// The entry of the current parent of `portal_id`, as the index names them.
    pub fn account(&self, portal_id: &str) -> Option<StoredAccount> {
        let key = self.index(portal_id).current?;
        self.entry(portal_id, &key)
    }
}

impl Launch {
    /// The running app (its managed states).
    pub fn app(&self) -> &tauri::App<MockRuntime> {
        &self._app
    }

    pub fn invoke(
        &self,
        cmd: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        invoke_on(&self.window, cmd, body)
    }

    /// Calls command `C` the way the UI does: `{"args": …}`; errors must be an [`AppError`].
    pub fn call<C: Command>(&self, args: &C::Args) -> Result<C::Output, AppError> {
        self.caller().call::<C>(args)
    }

    /// A handle that can call commands from another thread (a command that waits, such as
    /// the browser sign-in, while the test plays the browser).
    pub fn caller(&self) -> Caller {
        Caller(self.window.clone())
    }

    pub fn ok<C: Command>(&self, args: &C::Args) -> C::Output {
        self.call::<C>(args).unwrap_or_else(|p| panic!("{} failed: {p:?}", C::NAME))
    }

    pub fn info(&self) -> AppInfo {
        self.ok::<ipc::GetAppInfo>(&())
    }

    /// The newest code emailed to `to`, read from the demo mailbox command.
    pub fn demo_code(&self, to: &str) -> String {
        let mails = self.ok::<ipc::DemoOutbox>(&());
        let mail =
            mails.iter().find(|m| m.to.eq_ignore_ascii_case(to)).expect("a mail to the parent");
        test_support::code_in(&mail.subject, test_support::CODE_LENGTH)
            .unwrap_or_else(|| panic!("no code in {:?}", mail.subject))
    }

    /// A complete sign-up on the embedded demo portal.
    pub fn sign_up(&self) -> SignedIn {
        self.sign_up_as(EMAIL)
    }

    /// A complete sign-up of `email` (canonical: lowercase) on the embedded demo portal.
    pub fn sign_up_as(&self, email: &str) -> SignedIn {
        self.ok::<ipc::FlowStart>(&FlowStartArgs { kind: FlowKind::SignUp, email: email.into() });
        let code = self.demo_code(&email.to_lowercase());
        self.ok::<ipc::FlowVerifyCode>(&FlowCodeArgs { kind: FlowKind::SignUp, code: code.into() });
        self.ok::<ipc::FlowSetPassword>(&FlowPasswordArgs {
            kind: FlowKind::SignUp,
            password: PASSWORD.into(),
        })
    }
}

/// Calls commands on one launch's main window, from any thread.
pub struct Caller(WebviewWindow<MockRuntime>);

impl Caller {
    /// Calls command `C` the way the UI does: `{"args": …}`; errors must be an [`AppError`].
    pub fn call<C: Command>(&self, args: &C::Args) -> Result<C::Output, AppError> {
        let body = serde_json::json!({ "args": args });
        match invoke_on(&self.0, C::NAME, body) {
            Ok(value) => Ok(serde_json::from_value(value).expect("the descriptor's output type")),
            Err(error) => Err(serde_json::from_value(error.clone())
                .unwrap_or_else(|_| panic!("{} answered a non-AppError error: {error}", C::NAME))),
        }
    }
}

fn invoke_on(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request)
        .map(|body| body.deserialize::<serde_json::Value>().expect("JSON answer"))
}

pub fn refresh_token(computer: &Computer, portal_id: &str) -> String {
    computer.account(portal_id).and_then(|a| a.refresh_token).expect("a stored refresh token")
}

/// Runs a reference portal ourselves (a "configured" portal, not the embedded one).
pub struct OwnPortal {
    pub origin: String,
    outbox: std::path::PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tauri::async_runtime::JoinHandle<()>>,
}

impl OwnPortal {
    pub fn start(dir: &Path, addr: &str) -> Self {
        let outbox = dir.join("outbox");
        let (dir, addr) = (dir.to_owned(), addr.to_owned());
        let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let task = tauri::async_runtime::spawn(async move {
            let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
            let config = portal_server::config::Config::demo_for(
                &listener,
                dir.join("portal.sqlite3"),
                dir.join("outbox"),
            )
            .expect("config");
            let state =
                portal_server::AppState::open(config.clone(), portal_server::clock::system())
                    .await
                    .expect("portal opens");
            ready_tx.send(config.origin.clone()).expect("ready");
            let stop = async {
                let _ = signal.await;
            };
            portal_server::serve_with_shutdown(listener, state, stop).await.expect("serves");
        });
        let origin = ready.recv().expect("portal started");
        Self { origin, outbox, shutdown: Some(shutdown), task: Some(task) }
    }

    pub fn stop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tauri::async_runtime::block_on(task);
        }
    }

    /// The code of the newest message to `to` in this portal's outbox.
    pub fn code_for(&self, to: &str) -> String {
        test_support::latest_code(&self.outbox, to)
            .unwrap_or_else(|| panic!("no code mailed to {to}"))
    }
}

pub fn post_form(url: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let (url, form): (String, Vec<(String, String)>) =
        (url.to_owned(), form.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
    tauri::async_runtime::block_on(async move {
        let answer =
            reqwest::Client::new().post(url).form(&form).send().await.expect("portal answers");
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(serde_json::Value::Null))
    })
}

/// Refreshing with `token` at the portal: 200 while it is valid, 400 `invalid_grant` once
/// revoked (`docs/contract.md §4`).
pub fn refresh_status(origin: &str, token: &str) -> (u16, serde_json::Value) {
    post_form(
        &format!("{origin}/auth/oauth2/v2.0/token"),
        &[("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", "cartable")],
    )
}
