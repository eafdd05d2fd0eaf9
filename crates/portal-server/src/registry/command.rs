//! `portal-server registry import FILE [--db PATH] [--keys PATH]` (`docs/contract.md §7`).
//!
//! Opens (creating and migrating) the database the portal serves, imports the JSON Lines file
//! of [`super::import`] all-or-nothing, and prints what it wrote on stdout. Bad lines are
//! reported by number, field and code (never by value) and the command exits non-zero. It can
//! run while the portal serves (SQLite WAL; the import is one transaction).
//!
//! NIPs are stored as keyed hashes, so the command needs the portal's HMAC key: from `--keys
//! PATH`, `PORTAL_KEYS_FILE` or `PORTAL_KEYS` ([`crate::keys::resolve`], no demo default, the
//! file must exist), never from the database.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::import::{ImportReport, import_file};
use crate::{
    cli::CliError,
    keys::{KeyEnv, resolve},
};

/// `portal-server registry …`.
#[derive(Debug, Clone, Subcommand)]
pub enum RegistryCommand {
    /// Import students, private schools and board subscriptions from a JSON Lines file
    /// (format: docs/contract.md §7). Nothing is imported when any line is bad.
    Import(ImportArgs),
}

/// Options of `registry import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The JSON Lines file.
    pub file: PathBuf,
    /// The portal's database and its pool.
    #[command(flatten)]
    pub database: crate::cli::DbArgs,
    /// The portal's key file (its HMAC key hashes the NIPs); also PORTAL_KEYS_FILE, or the JSON
    /// itself in PORTAL_KEYS. A demo portal's is beside its database (`portal.keys.json`).
    #[arg(long)]
    pub keys: Option<PathBuf>,
}

impl RegistryCommand {
    /// Runs the command against the database it names, with the keys of `--keys` or the
    /// environment.
    ///
    /// # Errors
    /// [`CliError::Keys`]: no keys named, a missing or invalid key file, legacy keys left in the
    /// database; [`CliError::Import`]: unreadable file, bad lines (nothing written), database
    /// failure.
    pub async fn run(self) -> Result<ImportReport, CliError> {
        match self {
            RegistryCommand::Import(args) => {
                let source = resolve(args.keys.as_deref(), &KeyEnv::from_process(), None, None)?;
                let db = args.database.open().await?;
                let now = time::OffsetDateTime::now_utc();
                let report = match crate::keys::load(&source, &db, now).await {
                    Ok(keys) => import_file(&db, &keys.hash_key, &args.file, now)
                        .await
                        .map_err(CliError::from),
                    Err(e) => Err(e.into()),
                };
                db.close().await;
                report
            }
        }
    }
}
