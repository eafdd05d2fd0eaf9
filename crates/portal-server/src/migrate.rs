//! The schema this binary knows, and `portal-server migrate [--db PATH]`.
//!
//! [`MIGRATOR`] holds the migrations of `migrations/`, compiled in. `serve` applies the pending
//! ones when it opens the database ([`crate::db::open`]); `migrate` does only that and prints
//! what it applied, so an operator can migrate once before starting several instances. A
//! database that holds a migration this binary does not know was migrated by a newer
//! portal-server: every command refuses it ([`crate::cli::CliError::SchemaTooNew`]), since
//! this binary cannot know what the newer schema means.

use std::{collections::BTreeSet, path::PathBuf};

use clap::Args;
use sqlx::{Executor, Sqlite, SqlitePool, migrate::Migrator};

use crate::cli::CliError;

/// The migrations of `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Options of `migrate`.
#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    /// SQLite database file of the portal (created if missing, 0600).
    #[arg(long, env = "PORTAL_DB", default_value = "portal.sqlite3")]
    pub db: PathBuf,
}

/// Versions of the migrations applied (successfully) to a database whose migration table
/// exists.
///
/// # Errors
/// Database failure, including a missing `_sqlx_migrations` table.
pub async fn applied_versions<'c, E>(db: E) -> Result<BTreeSet<i64>, sqlx::Error>
where
    E: Executor<'c, Database = Sqlite>,
{
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(db)
            .await?;
    Ok(versions.into_iter().collect())
}

/// Versions of [`MIGRATOR`] not applied to `pool`'s database, oldest first (empty once
/// [`crate::db::open`] has migrated it).
///
/// # Errors
/// Database failure.
pub async fn pending(pool: &SqlitePool) -> Result<Vec<i64>, sqlx::Error> {
    let applied = applied_versions(pool).await?;
    Ok(MIGRATOR.iter().map(|m| m.version).filter(|v| !applied.contains(v)).collect())
}

/// The applied versions of the database file at `path`, read without creating or changing
/// it: none when the file or its migration table does not exist yet.
async fn applied_before(path: &std::path::Path) -> Result<BTreeSet<i64>, sqlx::Error> {
    use sqlx::{ConnectOptions as _, Connection as _};
    if !path.exists() {
        return Ok(BTreeSet::new());
    }
    // Not read-only: SQLite may need to create the `-shm` file of a WAL database to read it.
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(path).connect().await?;
    let table: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(&mut conn)
    .await?;
    let applied = match table {
        Some(_) => applied_versions(&mut conn).await?,
        None => BTreeSet::new(),
    };
    conn.close().await?;
    Ok(applied)
}

impl MigrateArgs {
    /// Applies the pending migrations to `--db` (creating it 0600 if missing) without serving;
    /// the lines to print: one `applied migration N (description)` per migration applied now,
    /// or `nothing to apply` with the schema's version.
    ///
    /// # Errors
    /// [`CliError::SchemaTooNew`] for a database migrated by a newer portal-server;
    /// [`CliError::Start`] when the database cannot be opened or a migration fails.
    pub async fn run(self) -> Result<String, CliError> {
        let before = applied_before(&self.db).await.map_err(crate::StartError::from)?;
        let pool = crate::db::open(&self.db).await.map_err(crate::StartError::from)?;
        let after = applied_versions(&pool).await;
        pool.close().await;
        let after = after.map_err(crate::StartError::from)?;
        let lines: Vec<String> = MIGRATOR
            .iter()
            .filter(|m| after.contains(&m.version) && !before.contains(&m.version))
            .map(|m| format!("applied migration {} ({})", m.version, m.description))
            .collect();
        if lines.is_empty() {
            let latest = after.last().copied().unwrap_or_default();
            return Ok(format!("nothing to apply: {} is at migration {latest}", self.db.display()));
        }
        Ok(lines.join("\n"))
    }
}
