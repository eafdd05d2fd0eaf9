//! `portal-server keys init|rotate` (see [`super`] for the file and the rotation rule).
//!
//! ```text
//! portal-server keys init --keys PATH [--db DATABASE]
//! portal-server keys rotate --keys PATH [--activate-in SECONDS] [--config FILE]
//! ```
//!
//! Both print one line on stdout saying what they did (key ids only, never key material).

use std::{path::PathBuf, time::Duration};

use clap::{Args, Subcommand};
use time::OffsetDateTime;

use super::{KeyError, KeySource, create_file, read, rotate_file};
use crate::cli::{CliError, FileConfig};

/// `portal-server keys …`.
#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Create a key file (0600): a fresh HMAC key and RS256 key, or, with --db, the keys a
    /// database from before key files holds (then removed from it). Never overwrites a file.
    Init(InitArgs),
    /// Add an RS256 signing key that signs after --activate-in seconds, and remove keys
    /// superseded for longer than the access-token lifetime plus 300 s.
    Rotate(RotateArgs),
}

/// Options of `keys init`.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// The key file to create.
    #[arg(long)]
    pub keys: PathBuf,
    /// A SQLite database whose table server_secrets still holds keys (portals before the key
    /// file kept them there): they move into the file, so its sessions and NIPs stay valid.
    #[arg(long)]
    pub db: Option<PathBuf>,
}

/// Options of `keys rotate`.
#[derive(Debug, Clone, Args)]
pub struct RotateArgs {
    /// The key file to rotate (rewritten atomically, 0600).
    #[arg(long)]
    pub keys: PathBuf,
    /// Seconds before the new key signs: every portal instance must re-read the file within
    /// that time (they do so on their maintenance schedule).
    #[arg(
        long,
        value_name = "SECONDS",
        env = "PORTAL_KEYS_ACTIVATE_IN",
        default_value_t = super::DEFAULT_ACTIVATE_IN.as_secs()
    )]
    pub activate_in: u64,
    /// The portal's --config file, for `[lifetimes] access_token` (default 900 s).
    #[arg(long, env = "PORTAL_CONFIG")]
    pub config: Option<PathBuf>,
}

impl KeysCommand {
    /// Runs the command with the system clock; the line to print.
    ///
    /// # Errors
    /// [`CliError::Keys`] ([`KeyError::AlreadyExists`], [`KeyError::NotFound`], I/O, invalid
    /// file, database), [`CliError::ConfigFile`].
    pub async fn run(self) -> Result<String, CliError> {
        let now = OffsetDateTime::now_utc();
        match self {
            KeysCommand::Init(args) => init(args, now).await,
            KeysCommand::Rotate(args) => {
                let access_token = match &args.config {
                    Some(path) => {
                        FileConfig::read(path)?.lifetimes.unwrap_or_default().access_token
                    }
                    None => crate::config::Lifetimes::default().access_token,
                };
                let rotation = rotate_file(
                    &args.keys,
                    now,
                    Duration::from_secs(args.activate_in),
                    access_token,
                )
                .await?;
                Ok(format!("{}: {rotation}", args.keys.display()))
            }
        }
    }
}

async fn init(args: InitArgs, now: OffsetDateTime) -> Result<String, CliError> {
    if args.keys.exists() {
        return Err(KeyError::AlreadyExists(args.keys).into());
    }
    let db = match &args.db {
        Some(path) if !path.exists() => return Err(KeyError::NoDatabase(path.clone()).into()),
        Some(path) => {
            let location = crate::db::Location::Sqlite(path.clone());
            let settings = crate::db::PoolSettings::default();
            Some(crate::db::Db::open(&location, settings).await.map_err(KeyError::from)?)
        }
        None => None,
    };
    let created = create_file(&args.keys, db.as_ref(), now).await;
    if let Some(db) = db {
        db.close().await;
    }
    if !created? {
        return Err(KeyError::AlreadyExists(args.keys).into());
    }
    let source = KeySource::File { path: args.keys.clone(), create: false };
    let kids: Vec<String> = read(&source).await?.file.signing.into_iter().map(|k| k.kid).collect();
    Ok(format!("created key file {} (signing keys: {})", args.keys.display(), kids.join(", ")))
}
