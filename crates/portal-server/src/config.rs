//! What the portal is told at start: its origin, storage, email transport, clients and lifetimes.
//!
//! The binary fills it from the command line and `--config FILE` (TOML); the app and tests build
//! it directly. Paths of the contract derive from the origin (`docs/contract.md §0`).

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use serde::Deserialize;

/// Portal configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Public origin, no trailing slash, e.g. `http://127.0.0.1:8787` (`docs/contract.md §0`).
    pub origin: String,
    /// The database: a SQLite file (created 0600 if missing; WAL mode) or a PostgreSQL URL.
    pub database: crate::db::Location,
    /// Connection pool size and statement timeout.
    pub pool: crate::db::PoolSettings,
    /// Where the HMAC and RS256 keys come from: a key file or `PORTAL_KEYS`, never the database
    /// (`docs/contract.md §6` "Privacy", [`crate::keys`]). [`Config::demo_for`] uses the file
    /// beside the database, created 0600 if missing.
    pub keys: crate::keys::KeySource,
    /// Where emails go (`docs/contract.md §8`).
    pub mail: MailTransport,
    /// The sender of every message (RFC 5322 mailbox, e.g. `Portail <ne-pas-repondre@…>`).
    pub mail_from: String,
    /// Demo mode: fictional registry fixture, codes also logged (`docs/contract.md §8`).
    pub demo: bool,
    /// Public client ids accepted on identity calls; others get `invalid_client`.
    pub public_clients: Vec<String>,
    /// Lifetimes of codes and tokens.
    pub lifetimes: Lifetimes,
    /// Upstream OpenID providers the browser flow brokers to, by `domain_hint`
    /// (`docs/contract.md §5`). In demo mode a hint without one goes to the demo provider page.
    pub providers: Vec<UpstreamProvider>,
    /// Serve the parent API alone, trusting this issuer's access tokens instead of the
    /// portal's own identity endpoints (`[external_issuer]`, [`crate::external`]).
    pub external_issuer: Option<crate::external::ExternalIssuer>,
    /// Protections an operator tunes: client addresses behind a proxy, per-address budgets,
    /// the password-hashing queue, timeouts and the purge (`SECURITY.md`).
    pub security: Security,
}

/// Operator-tunable protections (`SECURITY.md`, `docs/contract.md §0` "Limits"), set in
/// `--config` under `[security]`; [`Security::default`] holds the defaults.
///
/// ```toml
/// [security]
/// client_address_header = "x-forwarded-for"  # set by the reverse proxy; rightmost entry used
/// trusted_proxies = ["127.0.0.1"]           # peers whose header is believed
/// per_address_per_minute = 60               # unauthenticated requests per client address
/// per_address_burst = 30
/// hashing_concurrency = 0                   # argon2 hashes at once; 0 = one per core
/// hashing_queue = 64                        # waiting beyond that: 503 + Retry-After
/// request_timeout = 30                      # seconds, then 503
/// purge_interval = 600                      # seconds between purges of expired rows
/// header_timeout = 10                       # seconds to send a request head, then closed
/// max_connections = 512                     # served at once; more wait in the backlog
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    /// Header holding the client address, set by a trusted reverse proxy (e.g.
    /// `x-forwarded-for`; its rightmost address is used). `None`: the TCP peer's address.
    pub client_address_header: Option<String>,
    /// Peers whose [`Self::client_address_header`] is believed; from any other peer the header
    /// is ignored and the peer's address counts.
    pub trusted_proxies: Vec<IpAddr>,
    /// Unauthenticated requests (`/auth/…`) one client address may make per minute, sustained.
    pub per_address_per_minute: u32,
    /// How many of those may come at once (the bucket's size).
    pub per_address_burst: u32,
    /// argon2id hashes computed at once; 0 means one per CPU core.
    pub hashing_concurrency: usize,
    /// Hashes that may wait for a slot; one more is refused at once with 503 + `Retry-After`.
    pub hashing_queue: usize,
    /// Longest time a request may take before it is answered 503.
    #[serde(with = "seconds")]
    pub request_timeout: Duration,
    /// Time between two purges of expired flows, codes, tokens and limit events.
    #[serde(with = "seconds")]
    pub purge_interval: Duration,
    /// Longest time a client may take to send a whole request head, after connecting or after
    /// its previous answer (so also the idle limit of a keep-alive connection), before its
    /// connection is closed (`crate::http::connections`); at least 1 s. A reverse proxy's idle
    /// upstream keep-alive must be shorter.
    #[serde(with = "seconds")]
    pub header_timeout: Duration,
    /// Connections served at once (at least 1); more wait in the listen backlog until one
    /// ends. Keep it under the process's open-file limit (systemd `LimitNOFILE`).
    pub max_connections: usize,
}

impl Default for Security {
    fn default() -> Self {
        Self {
            client_address_header: None,
            trusted_proxies: Vec::new(),
            per_address_per_minute: 60,
            per_address_burst: 30,
            hashing_concurrency: 0,
            hashing_queue: 64,
            request_timeout: Duration::from_secs(30),
            purge_interval: Duration::from_secs(600),
            header_timeout: Duration::from_secs(10),
            max_connections: 512,
        }
    }
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
    /// A demo-mode configuration for a portal served on `listener`'s address, with an outbox
    /// and the key file beside the database ([`KeySource::beside`](crate::keys::KeySource::beside):
    /// `portal.sqlite3` → `portal.keys.json`, created 0600 if missing).
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
            keys: crate::keys::KeySource::beside(&database),
            database: database.into(),
            pool: crate::db::PoolSettings::default(),
            mail: MailTransport::Outbox(outbox),
            mail_from: crate::mail::DEFAULT_FROM.to_owned(),
            demo: true,
            public_clients: vec!["cartable".to_owned()],
            lifetimes: Lifetimes::default(),
            providers: Vec::new(),
            external_issuer: None,
            security: Security::default(),
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
