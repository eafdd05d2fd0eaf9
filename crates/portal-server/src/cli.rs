//! The `portal-server` command line (`docs/contract.md §0`, §8).
//!
//! ```text
//! portal-server serve [--listen 127.0.0.1:8787] [--db PATH] [--outbox DIR | --smtp URL]
//!                     [--keys PATH] [--demo] [--config FILE]
//! portal-server keys init --keys PATH [--db PATH]
//! portal-server keys rotate --keys PATH [--activate-in SECONDS] [--config FILE]
//! portal-server registry import FILE [--db PATH] [--keys PATH]
//! ```
//!
//! The first line on stdout is the portal's origin and nothing else; logs go to stderr.
//! SIGINT and SIGTERM end it gracefully.
//!
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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal until SIGINT or SIGTERM.
    Serve(ServeArgs),
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
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// SQLite database file, created if missing.
    #[arg(long, default_value = "portal.sqlite3")]
    pub db: PathBuf,
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
    #[arg(long)]
    pub demo: bool,
    /// TOML file: `origin`, `public_clients`, `smtp`, `keys`, `[lifetimes]` (seconds),
    /// `[[providers]]`, `[security]`.
    #[arg(long)]
    pub config: Option<PathBuf>,
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
        db.display()
    )]
    DemoForeignRegistry {
        /// The database.
        db: PathBuf,
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
    Start(#[from] crate::StartError),
    /// Serving failed.
    #[error("serve: {0}")]
    Serve(std::io::Error),
    /// `registry import` wrote nothing (the message lists bad lines by number and code).
    #[error(transparent)]
    Import(#[from] crate::registry::import::ImportError),
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
        let demo = self.demo.then_some(self.db.as_path());
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
            database: self.db.clone(),
            keys,
            mail,
            demo: self.demo,
            public_clients: file.public_clients.unwrap_or_else(|| vec!["cartable".to_owned()]),
            lifetimes: file.lifetimes.unwrap_or_default(),
            providers: file.providers,
            security: file.security.unwrap_or_default(),
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
        let db = crate::db::open(&self.db).await.map_err(crate::StartError::from)?;
        let count = crate::registry::fixture::foreign_student_count(&db).await;
        db.close().await;
        match count? {
            0 => Ok(()),
            count => Err(CliError::DemoForeignRegistry { db: self.db.clone(), count }),
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
    tracing::info!(listen = %local, demo = state.config.demo, "portal serving");
    crate::serve_with_shutdown(listener, state, shutdown).await.map_err(CliError::Serve)?;
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

/// Parses the command line and runs it; the process exit code.
pub async fn run(cli: Cli) -> std::process::ExitCode {
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Registry(command) => command.run().await.map(|report| println!("{report}")),
        Command::Keys(command) => command.run().await.map(|line| println!("{line}")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("portal-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
