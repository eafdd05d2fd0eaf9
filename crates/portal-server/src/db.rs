//! The SQLite database: one file, WAL mode, schema from `migrations/`.
//!
//! SQL stays portable (no SQLite-only syntax beyond what PostgreSQL also accepts) so a
//! PostgreSQL backend can be added for deployments that outgrow one machine.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    Sqlite, Transaction,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

/// Opens (creating if needed) the database at `path` and applies pending migrations.
///
/// A missing file is first created empty with mode 0600 (Unix), readable by the portal's user
/// only; SQLite gives its `-wal` and `-shm` files the same mode. An existing file keeps its mode
/// (a warning is logged when others may read it).
/// WAL mode lets readers proceed during a write; `busy_timeout` makes concurrent writers wait
/// instead of failing with "database is locked".
///
/// # Errors
/// The file cannot be opened or created, or a migration fails.
pub async fn open(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    match crate::files::create_private(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            crate::files::warn_if_shared(path, "the database");
        }
        Err(e) => return Err(sqlx::Error::Io(e)),
        Ok(_) => {}
    }
    let options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
    crate::migrate::MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Begins a transaction that will write: `BEGIN IMMEDIATE`, which takes SQLite's write lock at
/// once (waiting up to the busy timeout). A deferred `BEGIN` whose first statement reads would
/// fail at its first write with `SQLITE_BUSY` (no waiting, whatever the busy timeout) whenever
/// another connection wrote since that read, as the periodic purge or a burst of requests may.
///
/// # Errors
/// No connection could be had, or the lock was not free within the busy timeout.
pub async fn begin_write(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}
