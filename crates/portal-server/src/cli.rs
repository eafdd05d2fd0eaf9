//! The `portal-server` command line (`docs/contract.md §0`, §8).
//!
//! ```text
//! portal-server serve [--listen 127.0.0.1:8787] [--db PATH] [--outbox DIR | --smtp URL]
//!                     [--demo] [--config FILE]
//! ```
//!
//! The first line on stdout is the portal's origin and nothing else; logs go to stderr.
//! `--demo` uses an outbox (default `./outbox`) unless `--smtp` is given; without `--demo` and
//! without a transport the server refuses to start. SIGINT and SIGTERM end it gracefully.
//! Subcommands are an enum, so others (e.g. `registry import`) slot in beside `serve`.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

use crate::config::{Config, Lifetimes, MailTransport, origin_of};

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
    /// The school registry (docs/contract.md §7): `registry import FILE [--db PATH]`.
    #[command(subcommand)]
    Registry(crate::registry::command::RegistryCommand),
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
    /// `smtps://user:pass@host`).
    #[arg(long)]
    pub smtp: Option<String>,
    /// Demo mode: fictional registry, outbox `./outbox` unless `--smtp`, codes also logged.
    #[arg(long)]
    pub demo: bool,
    /// TOML file: `origin`, `public_clients`, `[lifetimes]` (seconds).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// The `--config` file.
///
/// ```toml
/// origin = "https://portail.example.ca"   # public origin, overrides http://{listen}
/// public_clients = ["cartable"]
/// [lifetimes]                              # seconds
/// continuation = 600
/// resend_interval = 60
/// [[providers]]                            # browser flow upstreams (docs/contract.md §5)
/// domain_hint = "google.com"
/// issuer = "https://accounts.google.com"
/// client_id = "…"
/// client_secret = "…"
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
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
}

/// Why the binary could not start.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No email transport and no `--demo` (§8).
    #[error("no email transport: give --outbox DIR or --smtp URL, or --demo (which uses ./outbox)")]
    NoTransport,
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
    /// The email transport these options choose (§8).
    ///
    /// # Errors
    /// [`CliError::NoTransport`] without `--outbox`, `--smtp` or `--demo`.
    pub fn transport(&self) -> Result<MailTransport, CliError> {
        match (&self.smtp, &self.outbox, self.demo) {
            (Some(url), _, _) => Ok(MailTransport::Smtp(url.clone())),
            (None, Some(dir), _) => Ok(MailTransport::Outbox(dir.clone())),
            (None, None, true) => Ok(MailTransport::Outbox(PathBuf::from("outbox"))),
            (None, None, false) => Err(CliError::NoTransport),
        }
    }

    /// The portal configuration for a listener bound to `local`.
    ///
    /// # Errors
    /// No transport; an unreadable or invalid `--config` file.
    pub fn to_config(&self, local: SocketAddr) -> Result<Config, CliError> {
        let mail = self.transport()?;
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| CliError::ConfigFile {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                toml::from_str::<FileConfig>(&text).map_err(|e| CliError::ConfigFile {
                    path: path.clone(),
                    message: e.to_string(),
                })?
            }
            None => FileConfig::default(),
        };
        Ok(Config {
            origin: file
                .origin
                .map(|o| o.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| origin_of(local)),
            database: self.db.clone(),
            mail,
            demo: self.demo,
            public_clients: file.public_clients.unwrap_or_else(|| vec!["cartable".to_owned()]),
            lifetimes: file.lifetimes.unwrap_or_default(),
            providers: file.providers,
        })
    }
}

/// Runs `serve`: binds, opens the portal, prints the origin as the first stdout line, serves
/// until SIGINT/SIGTERM.
///
/// # Errors
/// See [`CliError`].
pub async fn serve(args: ServeArgs) -> Result<(), CliError> {
    // Check the transport before binding, so a refusal never prints an origin.
    args.transport()?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| CliError::Listen { addr: args.listen, source })?;
    let local = listener.local_addr().map_err(CliError::Serve)?;
    let config = args.to_config(local)?;
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
        Command::Registry(command) => {
            command.run().await.map(|report| println!("{report}")).map_err(CliError::from)
        }
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
