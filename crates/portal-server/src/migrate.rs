//! The schema this binary knows, and `portal-server migrate [--db DATABASE]`.
//!
//! Each backend has its migrations (`migrations/sqlite/`, `migrations/postgres/`, compiled in,
//! same versions: [`crate::db::Db::migrator`]). `serve` applies the pending ones when it opens
//! the database ([`crate::db::Db::open`]); `migrate` does only that and prints what it applied,
//! so an operator can migrate once before starting several instances. A database that holds a
//! migration this binary does not know was migrated by a newer portal-server: every command
//! refuses it ([`crate::cli::CliError::SchemaTooNew`]), since this binary cannot know what the
//! newer schema means.

use std::collections::BTreeSet;

use clap::Args;

use crate::{
    cli::{CliError, DbArgs},
    db::{self, Db},
};

/// Options of `migrate`.
#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    /// The database and its pool.
    #[command(flatten)]
    pub database: DbArgs,
}

/// The versions this binary knows, oldest first (both backends have the same).
pub fn known_versions() -> impl Iterator<Item = i64> {
    db::sqlite::MIGRATOR.iter().map(|m| m.version)
}

/// Versions of the migrations applied (successfully) to a database whose migration table
/// exists.
///
/// # Errors
/// Database failure, including a missing `_sqlx_migrations` table.
pub async fn applied_versions(db: &Db) -> Result<BTreeSet<i64>, sqlx::Error> {
    let versions: Vec<i64> = db::on!(db, |c| sqlx::query_scalar(
        "SELECT version FROM _sqlx_migrations WHERE success = TRUE"
    )
    .fetch_all(c)
    .await)?;
    Ok(versions.into_iter().collect())
}

/// Versions of [`Db::migrator`] not applied to `db`, oldest first (empty once [`Db::open`]
/// has migrated it).
///
/// # Errors
/// Database failure.
pub async fn pending(db: &Db) -> Result<Vec<i64>, sqlx::Error> {
    let applied = applied_versions(db).await?;
    Ok(db.migrator().iter().map(|m| m.version).filter(|v| !applied.contains(v)).collect())
}

/// Migrates `db`; the versions applied before and after.
async fn migrate_reporting(db: &Db) -> Result<(BTreeSet<i64>, BTreeSet<i64>), CliError> {
    let before = match db.has_migration_table().await.map_err(crate::StartError::from)? {
        true => applied_versions(db).await.map_err(crate::StartError::from)?,
        false => BTreeSet::new(),
    };
    db.migrate().await.map_err(crate::StartError::from)?;
    let after = applied_versions(db).await.map_err(crate::StartError::from)?;
    Ok((before, after))
}

impl MigrateArgs {
    /// Applies the pending migrations to `--db` (creating a SQLite file 0600 if missing)
    /// without serving; the lines to print: one `applied migration N (description)` per
    /// migration applied now, or `nothing to apply` with the schema's version.
    ///
    /// # Errors
    /// [`CliError::SchemaTooNew`] for a database migrated by a newer portal-server;
    /// [`CliError::Start`] when the database cannot be opened or a migration fails.
    pub async fn run(self) -> Result<String, CliError> {
        let db = Db::connect(&self.database.db, self.database.settings())
            .await
            .map_err(crate::StartError::from)?;
        let migrated = migrate_reporting(&db).await;
        db.close().await;
        let (before, after) = migrated?;
        let migrator = db.migrator();
        let lines: Vec<String> = migrator
            .iter()
            .filter(|m| after.contains(&m.version) && !before.contains(&m.version))
            .map(|m| format!("applied migration {} ({})", m.version, m.description))
            .collect();
        if lines.is_empty() {
            let latest = after.last().copied().unwrap_or_default();
            return Ok(format!("nothing to apply: {} is at migration {latest}", self.database.db));
        }
        Ok(lines.join("\n"))
    }
}
