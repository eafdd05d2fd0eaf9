//! What the portal is told at start: its origin, storage, email transport, clients and lifetimes.
//!
//! The binary fills it from the command line and `--config FILE` (TOML); the app and tests build
//! it directly. Paths of the contract derive from the origin (`docs/contract.md §0`).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use serde::Deserialize;

/// Portal configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Public origin, no trailing slash, e.g. `http://127.0.0.1:8787` (`docs/contract.md §0`).
    pub origin: String,
    /// The SQLite database file (created if missing; WAL mode).
    pub database: PathBuf,
    /// Where emails go (`docs/contract.md §8`).
    pub mail: MailTransport,
    /// Demo mode: fictional registry fixture, codes also logged (`docs/contract.md §8`).
    pub demo: bool,
    /// Public client ids accepted on identity calls; others get `invalid_client`.
    pub public_clients: Vec<String>,
    /// Lifetimes of codes and tokens.
    pub lifetimes: Lifetimes,
    /// Upstream OpenID providers the browser flow brokers to, by `domain_hint`
    /// (`docs/contract.md §5`). In demo mode a hint without one goes to the demo provider page.
    pub providers: Vec<UpstreamProvider>,
}

/// An upstream OpenID provider that publishes discovery (`docs/contract.md §5`), set in
/// `--config`:
///
/// ```toml
/// [[providers]]
/// domain_hint = "google.com"                 # what the app sends as `domain_hint`
/// issuer = "https://accounts.google.com"     # discovery: {issuer}/.well-known/openid-configuration
/// client_id = "…"
/// client_secret = "…"                        # optional (public upstream clients use PKCE only)
/// scopes = ["openid", "email", "profile"]    # default: these three
/// ```
///
/// The upstream must accept `{origin}/auth/federation/callback` as a redirect URI.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamProvider {
    /// The `domain_hint` that selects it, e.g. `google.com`.
    pub domain_hint: String,
    /// The issuer URL; its discovery document is read at each sign-in.
    pub issuer: String,
    /// Our client id at the provider.
    pub client_id: String,
    /// Our client secret there, if the provider gave one (sent with HTTP Basic).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Scopes asked for; `openid` is always added.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(str::to_owned).to_vec()
}

impl std::fmt::Debug for UpstreamProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamProvider")
            .field("domain_hint", &self.domain_hint)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "[redacted]"))
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Email transport (`docs/contract.md §8`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// One `.eml` file per message in this folder.
    Outbox(PathBuf),
    /// SMTP in lettre's URL syntax, e.g. `smtp://127.0.0.1:2525` or `smtps://user:pass@host`.
    Smtp(String),
}

/// Lifetimes and intervals, contract defaults in [`Lifetimes::default`]. Tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lifetimes {
    /// Continuation tokens and emailed codes: 600 s (`docs/contract.md §0`, §1).
    #[serde(with = "seconds")]
    pub continuation: Duration,
    /// Minimum time between two code sends for one flow: 60 s (`docs/contract.md §1`).
    #[serde(with = "seconds")]
    pub resend_interval: Duration,
    /// Access tokens: 900 s (`docs/contract.md §4`).
    #[serde(with = "seconds")]
    pub access_token: Duration,
    /// Refresh tokens, sliding: 30 days (`docs/contract.md §4`).
    #[serde(with = "seconds")]
    pub refresh_sliding: Duration,
    /// Refresh tokens, absolute: 90 days (`docs/contract.md §4`).
    #[serde(with = "seconds")]
    pub refresh_absolute: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        Self {
            continuation: Duration::from_secs(600),
            resend_interval: Duration::from_secs(60),
            access_token: Duration::from_secs(900),
            refresh_sliding: Duration::from_secs(30 * DAY),
            refresh_absolute: Duration::from_secs(90 * DAY),
        }
    }
}

mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

impl Config {
    /// A demo-mode configuration for a portal served on `listener`'s address, with an outbox.
    ///
    /// # Errors
    /// The listener's local address cannot be read.
    pub fn demo_for(
        listener: &tokio::net::TcpListener,
        database: PathBuf,
        outbox: PathBuf,
    ) -> std::io::Result<Self> {
        Ok(Self {
            origin: origin_of(listener.local_addr()?),
            database,
            mail: MailTransport::Outbox(outbox),
            demo: true,
            public_clients: vec!["cartable".to_owned()],
            lifetimes: Lifetimes::default(),
            providers: Vec::new(),
        })
    }

    /// `{origin}/auth/`: every native-auth path is relative to it (`docs/contract.md §0`).
    pub fn authority(&self) -> String {
        format!("{}/auth/", self.origin)
    }

    /// `{authority}v2.0`: the `iss` of every token (`docs/contract.md §4`).
    pub fn issuer(&self) -> String {
        format!("{}v2.0", self.authority())
    }

    /// `{origin}/api/v1/`: the parent API base and the `aud` of access tokens (`docs/contract.md §4`).
    pub fn api_base(&self) -> String {
        format!("{}/api/v1/", self.origin)
    }
}

/// `http://{addr}` for a loopback listener, e.g. `http://127.0.0.1:8787`.
pub fn origin_of(addr: SocketAddr) -> String {
    format!("http://{addr}")
}
