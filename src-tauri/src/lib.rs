//! Cartable's Tauri shell: the typed commands of [`cartable_core::ipc`] over the portal client,
//! the OS keychain and, on desktop, the embedded demo portal.
//!
//! - [`run`] starts the real app (plugins, logs, window); [`build_app`] wires the commands and
//!   the state on any runtime, so tests drive the command layer through Tauri's mock runtime.
//! - [`commands`]: one handler per descriptor, a few lines each.
//! - [`state`]: the managed [`AppState`] (portal, keychain, the parents signed in on this
//!   device and the current one's session, pending flow).
//! - [`keychain`]: the [`CredentialStore`] trait with the OS keychain and an in-memory store,
//!   laid out as `docs/contract.md §9` says.
//! - `embedded` (desktop builds with the default `embedded-portal` feature): the reference
//!   portal run in-process in demo mode.
//! - [`settings`]: language and portal, `docs/contract.md §0` precedence.
//! - [`error`]: errors cross the IPC boundary as `{code, field, params}`.
//! - [`updates`]: signed updates, checked and verified, never installed by the app itself.

use std::sync::Arc;

use cartable_core::{AppError, Failure};
use tauri::{App, Builder, Emitter, Manager, Runtime};

use crate::commands::Milestone;

pub mod commands;
#[cfg(embedded_portal)]
pub mod embedded;
pub mod error;
pub mod keychain;
pub mod settings;
pub mod state;
pub mod updates;

pub use keychain::{CredentialStore, KeyringStore, MemoryStore};
pub use settings::{PortalEnv, PortalOrigin};
pub use state::{AppState, Dirs};
pub use updates::UpdateEnv;

/// Event emitted once per launch when no keychain is usable; payload: the [`AppError`]
/// `keychain_unavailable`. The same fact is in `AppInfo.keychain_available` (Paramètres).
pub const KEYCHAIN_UNAVAILABLE_EVENT: &str = "keychain-unavailable";

/// What [`build_app`] needs besides the Tauri builder.
pub struct Options {
    /// Where secrets go: [`KeyringStore`] in the app, [`MemoryStore`] in tests.
    pub store: Arc<dyn CredentialStore>,
    /// The portal overrides (`docs/contract.md §0`); [`PortalEnv::from_process`] in the app.
    pub env: PortalEnv,
    /// Settings, demo data and downloads folders; `None` for the app's own config and data
    /// directories and the user's Downloads folder.
    pub dirs: Option<Dirs>,
    /// Where updates come from (`CARTABLE_UPDATE_URL`; [`updates`]); [`UpdateEnv::from_process`]
    /// in the app.
    pub updates: UpdateEnv,
}

impl Options {
    /// The real app's options: the OS keychain, the process environment, the app's folders.
    pub fn from_environment() -> Self {
        Self {
            store: Arc::new(KeyringStore),
            env: PortalEnv::from_process(),
            dirs: None,
            updates: UpdateEnv::from_process(),
        }
    }
}

/// `tauri::generate_handler!` over every command of [`cartable_core::command_table!`], each
/// `commands::<name>`.
macro_rules! handlers {
    ($( $(#[$doc:meta])* $ty:ident = $name:ident : $args:ty => $out:ty; )*) => {
        tauri::generate_handler![$(commands::$name),*]
    };
}

/// Registers the commands and, at setup, the [`AppState`]; builds the app with this crate's
/// context (the root `tauri.conf.json`, its capabilities and the app manifest).
///
/// # Errors
/// The app cannot be built (for example the app directories cannot be resolved).
pub fn build_app<R: Runtime>(builder: Builder<R>, options: Options) -> tauri::Result<App<R>> {
    // One handler per entry of the command table: an entry without its handler in `commands`
    // does not compile.
    let handlers: fn(tauri::ipc::Invoke<R>) -> bool = cartable_core::command_table!(handlers);
    let builder = builder
        .invoke_handler(move |invoke| {
            commands::reached(Milestone::FirstCommand);
            handlers(invoke)
        })
        .plugin(navigation_guard());
    // The updater's check, download and verification, used from Rust only (the capability
    // grants none of its webview commands); never its install (`updates`).
    #[cfg(desktop)]
    let builder = builder.plugin(tauri_plugin_updater::Builder::new().build());
    builder
        .setup(move |app| {
            let dirs = match options.dirs {
                Some(dirs) => dirs,
                None => {
                    let data = app.path().app_data_dir()?;
                    // No Downloads folder known (no XDG user dirs): the app's own data folder.
                    let downloads =
                        app.path().download_dir().unwrap_or_else(|_| data.join("updates"));
                    Dirs { config: app.path().app_config_dir()?, data, downloads }
                }
            };
            let has_endpoints = commands::updates::config_has_endpoints(app.handle());
            app.manage(commands::updates::UpdateState::new(
                &options.updates,
                has_endpoints,
                dirs.downloads.clone(),
            ));
            let handle = app.handle().clone();
            let on_unavailable: keychain::UnavailableHook = Box::new(move |_cause| {
                let _ = handle
                    .emit(KEYCHAIN_UNAVAILABLE_EVENT, AppError::from(Failure::KeychainUnavailable));
            });
            app.manage(AppState::new(options.store, options.env, dirs, on_unavailable));
            app.manage(commands::social::SocialState::default());
            // Connect (starting the embedded portal) while the webview loads the UI; the UI's
            // first commands wait for this same connection instead of starting it.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                match handle.state::<AppState>().client().await {
                    Ok(_) => commands::reached(Milestone::PortalReady),
                    Err(error) => log::warn!("the portal is not ready at start-up: {error}"),
                }
            });
            commands::reached(Milestone::Setup);
            Ok(())
        })
        .build(context())
}

/// This crate's context: the root `tauri.conf.json`, its capabilities, the app manifest and the
/// UI of `ui/dist`, embedded at compile time.
///
/// Expanded in this one place, and not in the library's own unit tests (they never build the
/// app): tauri-codegen caches the compressed UI in the build script's output folder without an
/// atomic write, so two compilations expanding it at once could embed a half-written wasm (a blank
/// window). The integration tests call [`build_app`] and so get this same, real context.
#[cfg(not(test))]
fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("../tauri.conf.json")
}

/// The unit tests' stand-in for the real context (see the non-test [`context`]).
#[cfg(test)]
fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::test::mock_context(tauri::test::noop_assets())
}

/// No remote content in the webview: navigation is allowed only within the app's own assets
/// (`tauri://localhost`, or `http(s)://tauri.localhost` on Windows and Android). The UI has no
/// links to the web; the shell opens the system browser itself, from Rust (the sign-in's
/// authorize page, [`commands::social::SocialState`]).
fn navigation_guard<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("cartable-navigation")
        .on_navigation(|_webview, url| {
            let local = matches!(
                (url.scheme(), url.host_str()),
                ("tauri", Some("localhost")) | ("http" | "https", Some("tauri.localhost"))
            );
            if !local {
                log::warn!(
                    "blocked navigation to {}://{}",
                    url.scheme(),
                    url.host_str().unwrap_or("")
                );
            }
            local
        })
        .build()
}

/// Starts the app: logs (`docs/contract.md §6` "Privacy": no secrets, no child data, masked
/// emails; the embedded portal's own logs, which print demo codes, are kept out), a single
/// instance (a second launch focuses the first), the remembered window, then the commands.
///
/// On Android and iOS this is the mobile entry point, with the phones' own keychains
/// ([`KeyringStore`]). Our machines cannot link mobile builds; `cargo xtask test` type-checks
/// them (`cargo xtask mobile-check`, README's platform table).
///
/// # Panics
/// When the app cannot start at all (no display, broken installation).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    commands::mark_start();
    // Built once per process: on Linux the runtime registers a GtkApplication that lives as long
    // as the process, so a second `Builder::build` panics in tao ("An object is already exported
    // for the interface org.gtk.Application"). A first instance that is closing is handled
    // inside the one build, by `desktop::SingleInstance`.
    let app = build_app(builder(), Options::from_environment())
        .unwrap_or_else(|error| panic!("Cartable could not start: {error}"));
    app.run(|_, _| {});
}

/// The app's plugins, with (desktop) the guard that focuses a running instance.
/// Mobile adds tauri-plugin-deep-link for the browser sign-in's return (not built here).
/// tauri-plugin-clipboard-manager holds the clipboard the shell writes the sign-in address to
/// ("Copier le lien", [`commands::social`]); its webview commands stay unreachable, since the
/// capability grants none of its permissions. tauri-plugin-opener is not registered: its Rust
/// function opens the system browser without it, and registering it would only give the
/// webview commands (`plugin:opener|…`) and a link-click script that Cartable does not use.
fn builder() -> Builder<tauri::Wry> {
    let builder = Builder::default();
    #[cfg(desktop)]
    let builder = builder.plugin(desktop::SingleInstance);
    #[cfg(desktop)]
    let builder = builder.plugin(desktop::window_state());
    // Mobile: the browser sign-in comes back as `ca.cartable.client:/oauth2redirect`.
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_deep_link::init());
    builder.plugin(tauri_plugin_clipboard_manager::init()).plugin(logs())
}

fn logs<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    let (level, per_target) = log_levels();
    per_target
        .iter()
        .fold(tauri_plugin_log::Builder::new().level(level), |builder, (target, level)| {
            builder.level_for(*target, *level)
        })
        .build()
}

/// The app's log levels: `Info`, with these targets quieter (`docs/contract.md §6` "Privacy").
/// The embedded portal logs demo codes (`docs/contract.md §8`), so only its warnings pass.
pub fn log_levels() -> (log::LevelFilter, &'static [(&'static str, log::LevelFilter)]) {
    use log::LevelFilter::Warn;
    const QUIET: &[(&str, log::LevelFilter)] = &[
        ("portal_server", Warn),
        ("sqlx", Warn),
        ("hyper", Warn),
        ("hyper_util", Warn),
        ("reqwest", Warn),
        ("tower_http", Warn),
        ("zbus", Warn),
    ];
    (log::LevelFilter::Info, QUIET)
}

/// Emails as they may appear in logs: `j***e@e*****e.com` (`docs/contract.md §6` "Privacy").
pub fn mask_email(email: &str) -> String {
    cartable_core::Email::parse(email).map_or_else(|_| "***".to_owned(), |e| e.masked())
}

#[cfg(desktop)]
mod desktop {
    //! Desktop-only plugins: single instance and the remembered window.

    use std::time::{Duration, Instant};

    use tauri::{
        AppHandle, Manager, Runtime,
        plugin::{Plugin, TauriPlugin},
    };

    /// tauri-plugin-single-instance, made to survive a first instance that is closing.
    ///
    /// On Linux the plugin fails when the D-Bus name is taken but its owner does not answer
    /// (`NoReply`, `ServiceUnknown`, `UnknownObject`: the first instance is exiting). The app
    /// must not then build a second `tauri::App` in this process (the first one's
    /// GtkApplication stays exported on the session bus and tao panics), so the check is tried
    /// again here, inside the one build: once the closing instance is gone this launch takes the
    /// name and is the guard; if the owner never answers (tries 100 ms apart for 1.5 s), the
    /// app starts without the guard.
    pub struct SingleInstance;

    impl<R: Runtime> Plugin<R> for SingleInstance {
        fn name(&self) -> &'static str {
            "single-instance"
        }

        fn initialize(
            &mut self,
            app: &AppHandle<R>,
            config: serde_json::Value,
        ) -> Result<(), Box<dyn std::error::Error>> {
            // Retries stop after a second and a half: an owner that answers nothing holds each
            // try until the bus's own reply timeout, and the window waits for this.
            const GIVE_UP_AFTER: Duration = Duration::from_millis(1500);
            const PAUSE: Duration = Duration::from_millis(100);
            let started = Instant::now();
            loop {
                // A fresh plugin each time: its setup runs once. The upstream plugin (2.5) has
                // only a setup, no other hook to forward (its version is pinned for this).
                match single_instance::<R>().initialize(app, config.clone()) {
                    Ok(()) => return Ok(()),
                    Err(_) if started.elapsed() + PAUSE < GIVE_UP_AFTER => {
                        std::thread::sleep(PAUSE)
                    }
                    // tauri-plugin-log is not set up yet: stderr.
                    Err(cause) => {
                        eprintln!(
                            "cartable: single instance unavailable ({cause}); starting anyway"
                        );
                        return Ok(());
                    }
                }
            }
        }
    }

    /// A second launch focuses the first window instead of starting another app (which would
    /// start a second embedded portal on the same database).
    fn single_instance<R: Runtime>() -> TauriPlugin<R> {
        tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        })
    }

    /// Window size, position and maximized state, restored at the next launch.
    pub fn window_state<R: Runtime>() -> TauriPlugin<R> {
        use tauri_plugin_window_state::StateFlags;
        tauri_plugin_window_state::Builder::default()
            .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
            .build()
    }
}
