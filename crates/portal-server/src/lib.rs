//! Cartable's reference portal (`docs/contract.md`).
//!
//! The same contract a portal operator would serve: native-auth identity (§§1–4), the browser
//! flow (§5), the parent API (§6) and the school registry (§7), over one SQLite file, sending
//! real email (§8). The app runs it in-process as the embedded demo portal; tests run it on
//! `127.0.0.1:0` with a [`clock::ManualClock`] and short lifetimes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use portal_server::{config::Config, AppState};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let config = Config::demo_for(&listener, "portal.sqlite3".into(), "outbox".into())?;
//! let state = AppState::open(config, portal_server::clock::system()).await?;
//! portal_server::serve(listener, state).await?;
//! # Ok(()) }
//! ```

pub mod browser;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod external;
pub mod files;
pub mod http;
pub mod identity;
pub mod keys;
pub mod mail;
pub mod maintenance;
pub mod metrics;
pub mod migrate;
pub mod registry;
pub mod state;
pub mod tokens;

pub use http::{app, serve, serve_with_shutdown};

/// Installs rustls's `ring` provider as the process's default crypto provider, unless one is
/// installed already. reqwest is built without a provider of its own (the workspace's
/// `rustls-no-provider`), so every process must have one before it builds an HTTP client:
/// [`AppState::open`] and the upstream clients call this; a test that builds a `reqwest::Client`
/// before any of them must call it first.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another thread is fine: a provider is installed either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
pub use state::{AppState, StartError};
