//! The command layer through Tauri's mock runtime, against the real reference portal.
//!
//! Each test builds the app with [`cartable_lib::build_app`] on `tauri::test::mock_builder()`,
//! the real context (capabilities and app manifest included: a command the main window may
//! not call fails here too), a shared [`MemoryStore`] standing in for the OS keychain, and
//! temporary config and data folders. "A new launch" is a second app built over the same
//! store and folders. Codes are read from the portal's outbox, as a parent would read them.

use std::{path::Path, sync::Arc};

use cartable_core::{
    Problem,
    ipc::{
        self, AppInfo, CodeArgs, Command, EmailArgs, FlowKind, FlowStep, Language, PasswordArgs,
        PortalSource, SettingsUpdate, SignInArgs, SignedIn, SignedOut, Startup,
    },
};
use cartable_lib::{Dirs, MemoryStore, Options, PortalEnv, keychain::StoredAccount};
use tauri::{
    Manager, WebviewWindow,
    ipc::{CallbackFn, InvokeBody},
    test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder},
    webview::InvokeRequest,
};

const EMAIL: &str = "Genevieve.Tremblay@Exemple.ca";
const CANONICAL: &str = "genevieve.tremblay@exemple.ca";
const PASSWORD: &str = "Bonjour-2026";

/// One launch of the app.
struct Launch {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

/// What survives between launches: the keychain and the app's folders.
struct Computer {
    store: MemoryStore,
    root: tempfile::TempDir,
    env: PortalEnv,
}

impl Computer {
    fn new() -> Self {
        Self::with_store(MemoryStore::new())
    }

    fn with_store(store: MemoryStore) -> Self {
        Self { store, root: tempfile::tempdir().expect("temp dir"), env: PortalEnv::default() }
    }

    fn dirs(&self) -> Dirs {
        Dirs { config: self.root.path().join("config"), data: self.root.path().join("data") }
    }

    fn launch(&self) -> Launch {
        let options = Options {
            store: Arc::new(self.store.clone()),
            env: self.env.clone(),
            dirs: Some(self.dirs()),
        };
        let mut app = cartable_lib::build_app(mock_builder(), options).expect("app builds");
        // Runs the setup hook (state, windows of tauri.conf.json) as the event loop would. Called
        // once, so the busy-loop the deprecation warns about cannot happen; `run_return` would
        // block until the app exits.
        #[allow(deprecated)]
        app.run_iteration(|_, _| {});
        let window = app.get_webview_window("main").expect("the main window from tauri.conf.json");
        Launch { _app: app, window }
    }

    fn account(&self, portal_id: &str) -> Option<StoredAccount> {
        self.store.peek(portal_id).map(|raw| serde_json::from_str(&raw).expect("account JSON"))
    }
}

impl Launch {
    fn invoke(
        &self,
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
        get_ipc_response(&self.window, request)
            .map(|body| body.deserialize::<serde_json::Value>().expect("JSON answer"))
    }

    /// Calls command `C` the way the UI does: `{"args": …}`; errors must be a [`Problem`].
    fn call<C: Command>(&self, args: &C::Args) -> Result<C::Output, Problem> {
        let body = serde_json::json!({ "args": args });
        match self.invoke(C::NAME, body) {
            Ok(value) => Ok(serde_json::from_value(value).expect("the descriptor's output type")),
            Err(error) => Err(serde_json::from_value(error.clone())
                .unwrap_or_else(|_| panic!("{} answered a non-Problem error: {error}", C::NAME))),
        }
    }

    fn ok<C: Command>(&self, args: &C::Args) -> C::Output {
        self.call::<C>(args).unwrap_or_else(|p| panic!("{} failed: {p:?}", C::NAME))
    }

    fn info(&self) -> AppInfo {
        self.ok::<ipc::GetAppInfo>(&())
    }

    /// The newest code emailed to `to`, read from the demo mailbox command.
    fn demo_code(&self, to: &str) -> String {
        let mails = self.ok::<ipc::DemoOutbox>(&());
        let mail =
            mails.iter().find(|m| m.to.eq_ignore_ascii_case(to)).expect("a mail to the parent");
        code_in(&mail.subject)
    }

    /// A complete sign-up on the embedded demo portal.
    fn sign_up(&self) -> SignedIn {
        self.ok::<ipc::SignUpStart>(&EmailArgs { email: EMAIL.into() });
        let code = self.demo_code(CANONICAL);
        self.ok::<ipc::SignUpVerifyCode>(&CodeArgs { code });
        self.ok::<ipc::SignUpSetPassword>(&PasswordArgs { password: PASSWORD.into() })
    }
}

/// The 6-digit code in a subject line (`docs/contract.md §8`).
fn code_in(subject: &str) -> String {
    let digits: Vec<char> = subject.chars().collect();
    digits
        .windows(6)
        .find(|w| w.iter().all(char::is_ascii_digit))
        .map(|w| w.iter().collect())
        .unwrap_or_else(|| panic!("no code in {subject:?}"))
}

fn refresh_token(computer: &Computer, portal_id: &str) -> String {
    computer.account(portal_id).and_then(|a| a.refresh_token).expect("a stored refresh token")
}

/// Runs a reference portal ourselves (a "configured" portal, not the embedded one).
struct OwnPortal {
    origin: String,
    outbox: std::path::PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tauri::async_runtime::JoinHandle<()>>,
}

impl OwnPortal {
    fn start(dir: &Path, addr: &str) -> Self {
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

    fn stop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tauri::async_runtime::block_on(task);
        }
    }

    fn code_for(&self, to: &str) -> String {
        let mails = cartable_lib::commands::demo::read_outbox(&self.outbox);
        let mail = mails.iter().find(|m| m.to.eq_ignore_ascii_case(to)).expect("a mail");
        code_in(&mail.subject)
    }
}

fn post_form(url: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
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
fn refresh_status(origin: &str, token: &str) -> (u16, serde_json::Value) {
    post_form(
        &format!("{origin}/auth/oauth2/v2.0/token"),
        &[("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", "cartable")],
    )
}

// ---- the three lists agree ----

#[test]
fn descriptors_build_script_capability_and_handlers_agree() {
    let build_rs = include_str!("../build.rs");
    let start = build_rs.find("const COMMANDS").expect("COMMANDS in build.rs");
    let list = &build_rs[start..build_rs[start..].find("];").expect("end") + start];
    let declared: Vec<&str> = list.split('"').skip(1).step_by(2).collect();
    assert_eq!(
        declared,
        ipc::COMMAND_NAMES,
        "build.rs COMMANDS != cartable_core::ipc::COMMAND_NAMES"
    );

    let capability: serde_json::Value =
        serde_json::from_str(include_str!("../capabilities/main.json")).expect("capability JSON");
    let granted: Vec<String> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(|n| n.replace('-', "_")))
        .collect();
    assert_eq!(granted, ipc::COMMAND_NAMES, "capabilities/main.json grants exactly our commands");

    // Every name reaches a registered, granted handler: a malformed argument is refused by the
    // handler's own deserialization, not as an unknown or forbidden command.
    let computer = Computer::new();
    let launch = computer.launch();
    for name in ipc::COMMAND_NAMES {
        let error = launch
            .invoke(name, serde_json::json!({ "args": ["not", "an", "argument"] }))
            .expect_err("malformed arguments are refused");
        let text = error.as_str().unwrap_or_default();
        assert!(text.contains("invalid args `args`"), "{name}: {error}");
    }
    let unknown = launch.invoke("plugin:fs|read_file", serde_json::json!({})).expect_err("refused");
    assert!(!unknown.to_string().contains("invalid args"), "{unknown}");
}

// ---- sessions across launches ----

#[test]
fn sign_up_then_a_new_launch_is_still_signed_in_on_another_port() {
    let computer = Computer::new();
    let first = computer.launch();
    assert_eq!(
        first.ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: None, session_expired: false }
    );
    let info = first.info();
    assert!(info.portal.demo && info.keychain_available);
    assert_eq!((info.portal.id.as_str(), info.portal.source), ("embedded", PortalSource::Embedded));
    assert_eq!(first.sign_up(), SignedIn { email: CANONICAL.into(), persisted: true });
    assert!(first.ok::<ipc::ListChildren>(&()).is_empty());
    let token_at_sign_up = refresh_token(&computer, "embedded");
    drop(first);

    let second = computer.launch();
    assert_eq!(
        second.ok::<ipc::RestoreSession>(&()),
        Startup::SignedIn(SignedIn { email: CANONICAL.into(), persisted: true })
    );
    assert_ne!(second.info().portal.origin, info.portal.origin, "the embedded portal moved port");
    assert_eq!(second.ok::<ipc::GetMe>(&()).email.as_deref(), Some(CANONICAL));
    let rotated = refresh_token(&computer, "embedded");
    assert_ne!(rotated, token_at_sign_up, "the rotated refresh token is stored");
}

#[test]
fn sign_out_revokes_and_deletes_the_token_but_keeps_the_email() {
    let computer = Computer::new();
    let launch = computer.launch();
    launch.sign_up();
    let token = refresh_token(&computer, "embedded");
    let origin = launch.info().portal.origin;

    assert_eq!(launch.ok::<ipc::SignOut>(&()), SignedOut { email: Some(CANONICAL.into()) });
    assert_eq!(
        computer.account("embedded"),
        Some(StoredAccount { email: CANONICAL.into(), refresh_token: None })
    );
    let (status, body) = refresh_status(&origin, &token);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "revoked at the portal"
    );
    assert_eq!(
        launch.call::<ipc::ListChildren>(&()).map_err(|p| p.code),
        Err("not_signed_in".into())
    );
    drop(launch);

    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: Some(CANONICAL.into()), session_expired: false }
    );
    let again =
        next.ok::<ipc::SignIn>(&SignInArgs { email: CANONICAL.into(), password: PASSWORD.into() });
    assert!(again.persisted);
}

#[test]
fn forget_this_device_clears_everything() {
    let computer = Computer::new();
    let launch = computer.launch();
    launch.sign_up();
    let update = SettingsUpdate { language: Some(Language::EnCa), portal_url: None };
    assert_eq!(launch.ok::<ipc::UpdateSettings>(&update).language, Language::EnCa);
    launch.ok::<ipc::ChangePasswordStart>(&());
    assert_eq!(computer.store.accounts(), ["embedded", "embedded|pending"]);
    let settings_file = computer.dirs().config.join("settings.json");
    assert!(settings_file.exists());

    launch.ok::<ipc::ForgetDevice>(&());
    assert!(computer.store.accounts().is_empty(), "{:?}", computer.store.accounts());
    assert!(!settings_file.exists());
    assert!(!computer.dirs().data.join("demo-portal").exists(), "demo data deleted");
    assert_eq!(launch.ok::<ipc::PendingFlow>(&()), None);
    assert_eq!(launch.info().language, Language::FrCa);
    // The demo portal starts afresh: the account no longer exists there.
    let refused =
        launch.call::<ipc::SignIn>(&SignInArgs { email: EMAIL.into(), password: PASSWORD.into() });
    assert_eq!(refused.map_err(|p| p.code), Err("invalid_credentials".into()));
}

#[test]
fn a_revoked_refresh_token_at_start_up_is_deleted_and_the_email_kept() {
    let computer = Computer::new();
    let launch = computer.launch();
    launch.sign_up();
    let origin = launch.info().portal.origin;
    let token = refresh_token(&computer, "embedded");
    drop(launch);

    let (status, _) = post_form(
        &format!("{origin}/auth/oauth2/v2.0/revoke"),
        &[("token", &token), ("token_type_hint", "refresh_token"), ("client_id", "cartable")],
    );
    assert_eq!(status, 200);

    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: Some(CANONICAL.into()), session_expired: true }
    );
    assert_eq!(
        computer.account("embedded"),
        Some(StoredAccount { email: CANONICAL.into(), refresh_token: None })
    );
}

#[test]
fn an_unreachable_portal_at_start_up_keeps_the_token() {
    let portal_dir = tempfile::tempdir().expect("temp dir");
    let mut portal = OwnPortal::start(portal_dir.path(), "127.0.0.1:0");
    let mut computer = Computer::new();
    computer.env = PortalEnv { portal_url: Some(portal.origin.clone()), ..PortalEnv::default() };
    let id = portal.origin.clone();

    let launch = computer.launch();
    let info = launch.info();
    assert_eq!((info.portal.id.as_str(), info.portal.demo), (id.as_str(), false));
    assert_eq!(launch.call::<ipc::DemoOutbox>(&()).map_err(|p| p.code), Err("not_demo".into()));
    launch.ok::<ipc::SignUpStart>(&EmailArgs { email: EMAIL.into() });
    launch.ok::<ipc::SignUpVerifyCode>(&CodeArgs { code: portal.code_for(CANONICAL) });
    launch.ok::<ipc::SignUpSetPassword>(&PasswordArgs { password: PASSWORD.into() });
    drop(launch);
    let token = refresh_token(&computer, &id);
    portal.stop();

    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::PortalUnreachable { email: Some(CANONICAL.into()) }
    );
    assert_eq!(refresh_token(&computer, &id), token, "the token is kept");

    // "Réessayer" once the portal is back (same address, same database).
    let address = id.trim_start_matches("http://").to_owned();
    let mut back = OwnPortal::start(portal_dir.path(), &address);
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedIn(SignedIn { email: CANONICAL.into(), persisted: true })
    );
    back.stop();
}

#[test]
fn a_sign_up_interrupted_after_send_code_resumes_at_the_code_step() {
    let computer = Computer::new();
    let first = computer.launch();
    let step = first.ok::<ipc::SignUpStart>(&EmailArgs { email: EMAIL.into() });
    assert_eq!(
        (step.flow, step.email.as_str(), step.code_length),
        (FlowKind::SignUp, CANONICAL, 6)
    );
    let stored = computer.store.peek("embedded|pending").expect("pending entry");
    assert!(!stored.contains(PASSWORD) && stored.contains("continuation_token"));
    drop(first);

    let second = computer.launch();
    assert_eq!(
        second.ok::<ipc::RestoreSession>(&()),
        Startup::Pending(FlowStep::Code(step.clone()))
    );
    assert_eq!(second.ok::<ipc::PendingFlow>(&()), Some(FlowStep::Code(step)));
    let wrong = second.call::<ipc::SignUpVerifyCode>(&CodeArgs { code: "000000".into() });
    let wrong = wrong.expect_err("a wrong code");
    assert_eq!((wrong.code.as_str(), wrong.field.as_deref()), ("invalid_code", Some("code")));
    let code = second.demo_code(CANONICAL);
    let password_step = second.ok::<ipc::SignUpVerifyCode>(&CodeArgs { code });
    assert_eq!(password_step.email, CANONICAL);
    let weak = second.call::<ipc::SignUpSetPassword>(&PasswordArgs { password: "court".into() });
    assert_eq!(weak.map(|_| ()).map_err(|p| p.code), Err("password_too_short".into()));
    let signed = second.ok::<ipc::SignUpSetPassword>(&PasswordArgs { password: PASSWORD.into() });
    assert_eq!(signed.email, CANONICAL);
    assert_eq!(computer.store.accounts(), ["embedded"], "the pending entry is gone");
}

#[test]
fn without_a_keychain_every_flow_still_completes_in_memory() {
    let computer = Computer::with_store(MemoryStore::unavailable());
    let launch = computer.launch();
    assert!(!launch.info().keychain_available);
    assert_eq!(launch.sign_up(), SignedIn { email: CANONICAL.into(), persisted: false });
    assert!(launch.ok::<ipc::ListChildren>(&()).is_empty());
    drop(launch);
    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: None, session_expired: false }
    );
}

#[test]
fn input_errors_are_codes_on_fields() {
    let computer = Computer::new();
    let launch = computer.launch();
    let bad = launch.call::<ipc::SignUpStart>(&EmailArgs { email: "parent.exemple.ca".into() });
    let bad = bad.expect_err("no @");
    assert_eq!((bad.code.as_str(), bad.field.as_deref()), ("email_missing_at", Some("email")));
    let none = launch.call::<ipc::SignUpVerifyCode>(&CodeArgs { code: "123456".into() });
    assert_eq!(none.map(|_| ()).map_err(|p| p.code), Err("no_pending_flow".into()));
    let insecure = SettingsUpdate {
        language: None,
        portal_url: Some(Some("http://portail.example.ca".into())),
    };
    let refused = launch.call::<ipc::UpdateSettings>(&insecure).expect_err("http refused");
    assert_eq!(refused.code, "invalid_setting");
    assert_eq!(refused.params.get("reason"), Some(&serde_json::json!("insecure_url")));
}
