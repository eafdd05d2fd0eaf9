//! The `portal-server` command line (`docs/contract.md §0`, §8).
//!
//! ```text
//! portal-server [--log-format text|json] COMMAND
//! portal-server serve [--listen 127.0.0.1:8787] [--db PATH] [--outbox DIR | --smtp URL]
//!                     [--keys PATH] [--demo] [--config FILE] [--metrics-listen ADDR]
//!                     [--mail-from MAILBOX]
//! portal-server migrate [--db PATH]
//! portal-server keys init --keys PATH [--db PATH]
//! portal-server keys rotate --keys PATH [--activate-in SECONDS] [--config FILE]
//! portal-server registry import FILE [--db PATH] [--keys PATH]
//! ```
//!
//! The first line on stdout is the portal's origin and nothing else; logs go to stderr, as text
//! or, with `--log-format json`, one JSON object per line. SIGINT and SIGTERM end it
//! gracefully: in-flight requests get [`crate::http::drain_bound`] to finish.
//!
//! Options also come from the environment (clap's `env`, shown by `--help`): `PORTAL_LISTEN`,
//! `PORTAL_DB`, `PORTAL_DEMO` (`true`/`false`, `1`/`0`, `yes`/`no`), `PORTAL_CONFIG`,
//! `PORTAL_METRICS_LISTEN`, `PORTAL_MAIL_FROM`, `PORTAL_LOG_FORMAT`, `PORTAL_KEYS_ACTIVATE_IN`;
//! the command line wins. `--outbox` has no variable: clap would count it against `--smtp`. `PORTAL_SMTP_URL`, `PORTAL_KEYS_FILE` and `PORTAL_KEYS` are read by
//! [`ServeEnv`] and [`KeyEnv`] in the order below (an `env` on `--smtp` would put
//! `PORTAL_SMTP_URL` before `--outbox`).
//!
//! - **Schema**: a database migrated by a newer portal-server (a migration this binary does
//!   not know) is refused by every command ([`CliError::SchemaTooNew`]); `migrate` applies the
//!   pending migrations without serving ([`crate::migrate`]).
//! - **Metrics**: `--metrics-listen ADDR` (or `[metrics] listen` in `--config`) serves
//!   Prometheus's `GET /metrics` on that address ([`crate::metrics`]); off when unset.
//! - **Email** (`docs/contract.md §8`), first found wins: `--smtp URL`, `--outbox DIR`, the
//!   environment variable [`SMTP_ENV`] (`PORTAL_SMTP_URL`), `smtp = "URL"` in `--config`, then in
//!   demo mode `./outbox`; otherwise the server refuses to start. The environment and the file
//!   keep SMTP credentials out of the process list.
//! - **Keys** (`docs/contract.md §6` "Privacy", [`crate::keys`]), first found wins: `--keys
//!   PATH`, `PORTAL_KEYS_FILE`, `PORTAL_KEYS` (the JSON itself), `keys = "PATH"` in `--config`
//!   (relative to the config file's folder), then in demo mode the file beside the database.
//!   Outside demo mode the file must exist (`keys init` creates it).
//! - **Demo guard**: `--demo` logs every code and serves fictional records, so it refuses a
//!   non-loopback `--listen` and a database whose registry holds students other than the demo
//!   fixture ([`CliError::DemoNotLoopback`], [`CliError::DemoForeignRegistry`]).

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

use crate::{
    config::{Config, Lifetimes, MailTransport, origin_of},
    keys::{KeyEnv, KeySource},
};

/// Environment variable with the SMTP URL (lettre syntax, credentials included), so they never
/// appear on the command line (`docs/contract.md §8`).
pub const SMTP_ENV: &str = "PORTAL_SMTP_URL";

/// `portal-server`: Cartable's reference portal.
#[derive(Debug, Parser)]
#[command(name = "portal-server", version, about)]
pub struct Cli {
    /// Log lines on stderr: `text` (for people) or `json` (one object per line, for a log
    /// collector). `RUST_LOG` filters them either way.
    #[arg(long, global = true, env = "PORTAL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The format of log lines ([`init_logging`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// tracing's human-readable lines.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message` and the event's
    /// fields at the top level.
    Json,
}

/// Installs the process's log subscriber: lines on stderr (stdout carries only the origin
/// line, `docs/contract.md §0`) in `format`, filtered by `RUST_LOG` (default `info`).
///
/// # Panics
/// When a global subscriber is already installed (call it once, from `main`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
    match format {
        LogFormat::Text => {
            builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init();
        }
        LogFormat::Json => builder.json().flatten_event(true).with_ansi(false).init(),
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Apply the pending database migrations without serving, and print what was applied.
    Migrate(crate::migrate::MigrateArgs),
    /// The school registry (docs/contract.md §7): `registry import FILE [--db PATH] [--keys PATH]`.
    #[command(subcommand)]
    Registry(crate::registry::command::RegistryCommand),
    /// The key file (HMAC and RS256 keys, outside the database): `keys init`, `keys rotate`.
    #[command(subcommand)]
    Keys(crate::keys::command::KeysCommand),
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the origin line tells which).
    #[arg(long, env = "PORTAL_LISTEN", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// The database and its pool.
    #[command(flatten)]
    pub database: DbArgs,
    /// Write emails as `.eml` files into this folder.
    #[arg(long, conflicts_with = "smtp")]
    pub outbox: Option<PathBuf>,
    /// Send emails over SMTP, lettre URL syntax (`smtp://127.0.0.1:2525`,
    /// `smtps://user:pass@host`). Credentials here show in the process list: prefer
    /// PORTAL_SMTP_URL or `smtp = "…"` in --config.
    #[arg(long)]
    pub smtp: Option<String>,
    /// Key file (HMAC and RS256 keys, JSON, 0600); also PORTAL_KEYS_FILE, or the JSON itself in
    /// PORTAL_KEYS. Create one with `portal-server keys init --keys PATH`. Demo default: the
    /// file beside --db (`portal.keys.json`), created if missing.
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// Demo mode: fictional registry, outbox `./outbox` unless SMTP is set, codes also logged.
    /// Loopback --listen only; refuses a database holding other students than the fixture.
    #[arg(long, env = "PORTAL_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,
    /// TOML file: `origin`, `public_clients`, `smtp`, `mail_from`, `keys`, `[lifetimes]` (seconds),
    /// `[[providers]]`, `[security]`, `[metrics]`.
    #[arg(long, env = "PORTAL_CONFIG")]
    pub config: Option<PathBuf>,
    /// Serve Prometheus metrics (`GET /metrics`) on this address, apart from the portal's;
    /// also `[metrics] listen` in --config. Off when unset. Keep it on loopback or a private
    /// network: it answers anyone who reaches it.
    #[arg(long, env = "PORTAL_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// The sender of every message, e.g. `Portail parents <ne-pas-repondre@cssexemple.ca>`
    /// (an address of your domain, so relays accept it and SPF/DMARC pass); also `mail_from`
    /// in --config. Default: `Cartable <ne-pas-repondre@cartable.localhost>`.
    #[arg(long, env = "PORTAL_MAIL_FROM")]
    pub mail_from: Option<String>,
}

/// The database and its connection pool: `--db`, `--db-max-connections`,
/// `--db-statement-timeout` (`serve`, `migrate`, `registry import`).
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// The database: a SQLite file (created 0600 if missing) or a PostgreSQL URL,
    /// `postgres://user:password@host:5432/dbname` (the database must exist; a password here
    /// shows in the process list: prefer PORTAL_DB).
    #[arg(long, env = "PORTAL_DB", default_value = "portal.sqlite3", value_parser = LocationParser)]
    pub db: crate::db::Location,
    /// Connections this instance opens at most. On PostgreSQL, keep the sum over the instances
    /// under the server's max_connections.
    #[arg(
        long,
        env = "PORTAL_DB_MAX_CONNECTIONS",
        default_value_t = crate::db::PoolSettings::default().max_connections,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub db_max_connections: u32,
    /// PostgreSQL: seconds after which the server cancels a statement.
    #[arg(long, env = "PORTAL_DB_STATEMENT_TIMEOUT", value_name = "SECONDS", default_value_t = crate::db::PoolSettings::default().statement_timeout.as_secs())]
    pub db_statement_timeout: u64,
}

/// Parses `--db` ([`crate::db::Location`]'s `FromStr`) for clap, with an error that does not repeat the
/// value (clap's own would print it, password included).
#[derive(Debug, Clone, Copy, Default)]
pub struct LocationParser;

impl clap::builder::TypedValueParser for LocationParser {
    type Value = crate::db::Location;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<crate::db::Location, clap::Error> {
        let refuse = |message: String| {
            clap::Error::raw(clap::error::ErrorKind::ValueValidation, format!("--db: {message}\n"))
        };
        let text = value.to_str().ok_or_else(|| refuse("is not UTF-8".to_owned()))?;
        text.parse().map_err(refuse)
    }
}

impl DbArgs {
    /// The pool settings given.
    pub fn settings(&self) -> crate::db::PoolSettings {
        crate::db::PoolSettings {
            max_connections: self.db_max_connections,
            statement_timeout: Duration::from_secs(self.db_statement_timeout),
        }
    }

    /// Opens (creating a SQLite file if needed) and migrates the database.
    ///
    /// # Errors
    /// [`CliError::Start`]: the database cannot be reached or a migration fails;
    /// [`CliError::SchemaTooNew`] for a database migrated by a newer portal-server.
    pub async fn open(&self) -> Result<crate::db::Db, CliError> {
        Ok(crate::db::Db::open(&self.db, self.settings()).await.map_err(crate::StartError::from)?)
    }
}

/// What the environment sets for `serve`: [`SMTP_ENV`] and the keys ([`KeyEnv`]). An empty
/// value counts as unset. `Debug` never shows a value that may hold a secret.
#[derive(Clone, Default)]
pub struct ServeEnv {
    /// `PORTAL_SMTP_URL`.
    pub smtp: Option<String>,
    /// `PORTAL_KEYS_FILE`, `PORTAL_KEYS`.
    pub keys: KeyEnv,
}

impl std::fmt::Debug for ServeEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeEnv")
            .field("smtp", &self.smtp.as_ref().map(|_| "[redacted]"))
            .field("keys", &self.keys)
            .finish()
    }
}

impl ServeEnv {
    /// Reads the variables from the process environment.
    pub fn from_process() -> Self {
        Self {
            smtp: std::env::var(SMTP_ENV).ok().filter(|v| !v.is_empty()),
            keys: KeyEnv::from_process(),
        }
    }
}

/// The `--config` file. `Debug` hides `smtp` (it may hold a password).
///
/// ```toml
/// origin = "https://portail.example.ca"   # public origin, overrides http://{listen}
/// public_clients = ["cartable"]
/// smtp = "smtps://user:pass@smtp.example.ca"   # instead of --smtp (kept out of `ps`)
/// keys = "/etc/cartable/portal.keys.json"      # relative paths: from this file's folder
/// [lifetimes]                              # seconds
/// continuation = 600
/// resend_interval = 60
/// [[providers]]                            # browser flow upstreams (docs/contract.md §5)
/// domain_hint = "google.com"
/// issuer = "https://accounts.google.com"
/// client_id = "…"
/// client_secret = "…"
/// [metrics]                                # Prometheus endpoint, see MetricsConfig
/// listen = "127.0.0.1:9464"
/// ```
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    /// Public origin (no trailing slash); the issuer and every path derive from it.
    pub origin: Option<String>,
    /// Public client ids; default `["cartable"]`.
    pub public_clients: Option<Vec<String>>,
    /// Lifetimes; unspecified ones keep the contract's defaults.
    pub lifetimes: Option<Lifetimes>,
    /// Upstream OpenID providers of the browser flow (`[[providers]]`, docs/contract.md §5).
    pub providers: Vec<crate::config::UpstreamProvider>,
    /// Protections (`[security]`, see [`crate::config::Security`]); unspecified ones keep
    /// their defaults.
    pub security: Option<crate::config::Security>,
    /// SMTP URL (lettre syntax), used when neither `--smtp`, `--outbox` nor `PORTAL_SMTP_URL`
    /// is given.
    pub smtp: Option<String>,
    /// Key file, used when neither `--keys`, `PORTAL_KEYS_FILE` nor `PORTAL_KEYS` is given;
    /// a relative path is taken from the config file's folder by [`FileConfig::read`].
    pub keys: Option<PathBuf>,
    /// The metrics endpoint (`[metrics]`).
    pub metrics: Option<MetricsConfig>,
    /// The sender of every message, used when neither `--mail-from` nor `PORTAL_MAIL_FROM` is
    /// given.
    pub mail_from: Option<String>,
    /// Serve the parent API alone behind this OpenID issuer (`[external_issuer]`,
    /// [`crate::external::ExternalIssuer`]).
    pub external_issuer: Option<crate::external::ExternalIssuer>,
}

/// `[metrics]` in `--config`.
///
/// ```toml
/// [metrics]
/// listen = "127.0.0.1:9464"   # Prometheus scrapes http://127.0.0.1:9464/metrics
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// Address of `GET /metrics`, used when neither `--metrics-listen` nor
    /// `PORTAL_METRICS_LISTEN` is given; unset: no metrics endpoint.
    pub listen: Option<SocketAddr>,
}

impl std::fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileConfig")
            .field("origin", &self.origin)
            .field("public_clients", &self.public_clients)
            .field("lifetimes", &self.lifetimes)
            .field("providers", &self.providers)
            .field("security", &self.security)
            .field("smtp", &self.smtp.as_ref().map(|_| "[redacted]"))
            .field("keys", &self.keys)
            .field("metrics", &self.metrics)
            .field("mail_from", &self.mail_from)
            .field("external_issuer", &self.external_issuer)
            .finish()
    }
}

impl FileConfig {
    /// Reads and parses the TOML file at `path`; `keys` becomes relative to its folder.
    ///
    /// # Errors
    /// [`CliError::ConfigFile`]: unreadable or invalid.
    pub fn read(path: &Path) -> Result<Self, CliError> {
        let error = |message: String| CliError::ConfigFile { path: path.to_path_buf(), message };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let mut file = toml::from_str::<Self>(&text).map_err(|e| error(e.to_string()))?;
        if let (Some(keys), Some(dir)) = (&file.keys, path.parent()) {
            file.keys = Some(dir.join(keys));
        }
        Ok(file)
    }
}

/// Why the binary could not start.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No email transport and no `--demo` (§8).
    #[error(
        "no email transport: give --outbox DIR, or an SMTP URL (PORTAL_SMTP_URL, `smtp = \"URL\"` \
         in --config, or --smtp URL), or --demo (which uses ./outbox)"
    )]
    NoTransport,
    /// `--demo` with a `--listen` address other people's machines can reach.
    #[error(
        "--demo refuses --listen {0}: demo mode logs every verification code and serves \
         fictional records, so it listens on a loopback address only (e.g. --listen \
         127.0.0.1:8787). To serve other machines, run without --demo, with --keys and a mail \
         transport"
    )]
    DemoNotLoopback(SocketAddr),
    /// `--demo` over a registry holding real-looking students.
    #[error(
        "--demo refuses {}: its registry holds {count} student record(s) that are not the demo \
         fixture, and demo mode logs every verification code. Serve this database without \
         --demo (with --keys and a mail transport), or give --demo another --db",
        db
    )]
    DemoForeignRegistry {
        /// The database.
        db: crate::db::Location,
        /// Students not in the fixture.
        count: i64,
    },
    /// The keys cannot be resolved, read, created or rotated (the message says what to do).
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyError),
    /// The `--config` file cannot be read or parsed.
    #[error("config file {path}: {message}")]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The portal could not start.
    #[error(transparent)]
    Start(crate::StartError),
    /// The database holds a migration this binary does not know: a newer portal-server
    /// migrated it. Nothing was changed.
    #[error(
        "the database holds migration {version}, which this portal-server ({}) does not know: \
         its migrations end at {known}, so a newer portal-server has migrated this database. \
         Run that newer portal-server (or a later one) on it; to go back to this version, \
         restore the backup taken before the upgrade. Nothing was changed",
        env!("CARGO_PKG_VERSION")
    )]
    SchemaTooNew {
        /// The unknown migration's version.
        version: i64,
        /// The newest migration this binary knows.
        known: i64,
    },
    /// The metrics recorder could not be installed.
    #[error("metrics: {0}")]
    Metrics(#[from] crate::metrics::MetricsError),
    /// Serving failed.
    #[error("serve: {0}")]
    Serve(std::io::Error),
    /// `registry import` wrote nothing (the message lists bad lines by number and code).
    #[error(transparent)]
    Import(#[from] crate::registry::import::ImportError),
}

impl From<crate::StartError> for CliError {
    /// [`CliError::SchemaTooNew`] for sqlx's "previously applied but missing" migration,
    /// [`CliError::Start`] otherwise.
    fn from(e: crate::StartError) -> Self {
        use sqlx::migrate::MigrateError;
        let unknown = match &e {
            crate::StartError::Migrate(MigrateError::VersionMissing(version)) => Some(*version),
            crate::StartError::Database(sqlx::Error::Migrate(m)) => match m.as_ref() {
                MigrateError::VersionMissing(version) => Some(*version),
                _ => None,
            },
            _ => None,
        };
        match unknown {
            Some(version) => Self::SchemaTooNew {
                version,
                known: crate::migrate::known_versions().max().unwrap_or(0),
            },
            None => Self::Start(e),
        }
    }
}

impl ServeArgs {
    /// The `--config` file, or the defaults without one.
    ///
    /// # Errors
    /// [`CliError::ConfigFile`].
    pub fn file_config(&self) -> Result<FileConfig, CliError> {
        self.config.as_deref().map_or_else(|| Ok(FileConfig::default()), FileConfig::read)
    }

    /// The email transport (§8), first found: `--smtp`, `--outbox`, `PORTAL_SMTP_URL`, the
    /// file's `smtp`, then `./outbox` in demo mode.
    ///
    /// # Errors
    /// [`CliError::NoTransport`] when none applies.
    pub fn transport(&self, file: &FileConfig, env: &ServeEnv) -> Result<MailTransport, CliError> {
        if let Some(url) = self.smtp.as_ref() {
            return Ok(MailTransport::Smtp(url.clone()));
        }
        if let Some(dir) = &self.outbox {
            return Ok(MailTransport::Outbox(dir.clone()));
        }
        match (env.smtp.as_ref().or(file.smtp.as_ref()), self.demo) {
            (Some(url), _) => Ok(MailTransport::Smtp(url.clone())),
            (None, true) => Ok(MailTransport::Outbox(PathBuf::from("outbox"))),
            (None, false) => Err(CliError::NoTransport),
        }
    }

    /// Where the keys come from ([`crate::keys::resolve`]): `--keys`, `PORTAL_KEYS_FILE`,
    /// `PORTAL_KEYS`, the file's `keys`, then in demo mode the file beside `--db`.
    ///
    /// # Errors
    /// [`CliError::Keys`] ([`KeyError::Missing`](crate::keys::KeyError::Missing)) outside demo
    /// mode when nothing names them.
    pub fn key_source(&self, file: &FileConfig, env: &ServeEnv) -> Result<KeySource, CliError> {
        let demo = self.database.db.sqlite_path().filter(|_| self.demo);
        Ok(crate::keys::resolve(self.keys.as_deref(), &env.keys, file.keys.as_deref(), demo)?)
    }

    /// The portal configuration for a listener bound to `local`.
    ///
    /// # Errors
    /// No transport; no keys outside demo mode.
    pub fn to_config(
        &self,
        local: SocketAddr,
        file: FileConfig,
        env: &ServeEnv,
    ) -> Result<Config, CliError> {
        let mail = self.transport(&file, env)?;
        let keys = self.key_source(&file, env)?;
        Ok(Config {
            origin: file
                .origin
                .map(|o| o.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| origin_of(local)),
            database: self.database.db.clone(),
            pool: self.database.settings(),
            keys,
            mail,
            demo: self.demo,
            public_clients: file.public_clients.unwrap_or_else(|| vec!["cartable".to_owned()]),
            lifetimes: file.lifetimes.unwrap_or_default(),
            providers: file.providers,
            external_issuer: file.external_issuer,
            security: file.security.unwrap_or_default(),
            mail_from: self
                .mail_from
                .clone()
                .or(file.mail_from)
                .unwrap_or_else(|| crate::mail::DEFAULT_FROM.to_owned()),
        })
    }

    /// The demo guard: `--listen` must be a loopback address, and the database's registry may
    /// hold only the demo fixture's students (`registry::fixture`).
    ///
    /// # Errors
    /// [`CliError::DemoNotLoopback`], [`CliError::DemoForeignRegistry`], or the database fails.
    pub async fn check_demo(&self) -> Result<(), CliError> {
        if !self.listen.ip().is_loopback() {
            return Err(CliError::DemoNotLoopback(self.listen));
        }
        let db = self.database.open().await?;
        let count = crate::registry::fixture::foreign_student_count(&db).await;
        db.close().await;
        match count? {
            0 => Ok(()),
            count => Err(CliError::DemoForeignRegistry { db: self.database.db.clone(), count }),
        }
    }
}

/// Runs `serve`: binds, opens the portal, prints the origin as the first stdout line, serves
/// until SIGINT/SIGTERM.
///
/// # Errors
/// See [`CliError`].
pub async fn serve(args: ServeArgs) -> Result<(), CliError> {
    // Check everything before binding, so a refusal never prints an origin.
    let env = ServeEnv::from_process();
    let file = args.file_config()?;
    args.transport(&file, &env)?;
    args.key_source(&file, &env)?;
    if args.demo {
        args.check_demo().await?;
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| CliError::Listen { addr: args.listen, source })?;
    let local = listener.local_addr().map_err(CliError::Serve)?;
    let metrics = match args.metrics_listen.or(file.metrics.as_ref().and_then(|m| m.listen)) {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| CliError::Listen { addr, source })?;
            Some(crate::http::MetricsEndpoint { listener, handle: crate::metrics::install()? })
        }
        None => None,
    };
    let config = args.to_config(local, file, &env)?;
    let state = crate::AppState::open(config, crate::clock::system()).await?;
    let shutdown = shutdown_signal();
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        // The contract's first stdout line (§0); nothing else is ever printed on stdout.
        let _ = writeln!(out, "{}", state.config.origin);
        let _ = out.flush();
    }
    tracing::info!(listen = %local, database = %state.config.database, demo = state.config.demo, "portal serving");
    if let Some(addr) = metrics.as_ref().and_then(|m| m.listener.local_addr().ok()) {
        tracing::info!(listen = %addr, "metrics serving on /metrics");
    }
    crate::http::serve_with_metrics(listener, metrics, state, shutdown)
        .await
        .map_err(CliError::Serve)?;
    tracing::info!("portal stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
///
/// The Unix handlers are installed when this is called, not when the future is first polled:
/// `serve` calls it before printing the origin line, so a SIGTERM sent right after that line
/// (before the router has started) still stops the portal gracefully.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            async fn received(signal: Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = received(interrupt) => {},
                () = received(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        // Give in-flight requests a moment; axum's graceful shutdown waits for them.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Parses the command line and runs it; the process exit code. A failure is logged and, with
/// text logs, also printed as `portal-server: …` (with JSON logs every stderr line stays JSON).
pub async fn run(cli: Cli) -> std::process::ExitCode {
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => args.run().await.map(|report| println!("{report}")),
        Command::Registry(command) => command.run().await.map(|report| println!("{report}")),
        Command::Keys(command) => command.run().await.map(|line| println!("{line}")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            if cli.log_format == LogFormat::Text {
                eprintln!("portal-server: {e}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
