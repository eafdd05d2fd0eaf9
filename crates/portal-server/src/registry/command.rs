//! `portal-server registry import FILE [--db PATH]` (`docs/contract.md §7`).
//!
//! Opens (creating and migrating) the database the portal serves, imports the JSON Lines file
//! of [`super::import`] all-or-nothing, and prints what it wrote on stdout. Bad lines are
//! reported by number, field and code (never by value) and the command exits non-zero. It can
//! run while the portal serves (SQLite WAL; the import is one transaction).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::import::{ImportError, ImportReport, import_file};
use crate::crypto::HashKey;

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
    /// SQLite database file of the portal (created if missing).
    #[arg(long, default_value = "portal.sqlite3")]
    pub db: PathBuf,
}

impl RegistryCommand {
    /// Runs the command against the database it names.
    ///
    /// # Errors
    /// [`ImportError`]: unreadable file, bad lines (nothing written), database failure.
    pub async fn run(self) -> Result<ImportReport, ImportError> {
        match self {
            RegistryCommand::Import(args) => {
                let db = crate::db::open(&args.db).await?;
                let now = time::OffsetDateTime::now_utc();
                let key = HashKey::load_or_create(&db, &crate::state::rfc3339(now)).await?;
                let report = import_file(&db, &key, &args.file, now).await;
                db.close().await;
                report
            }
        }
    }
}
