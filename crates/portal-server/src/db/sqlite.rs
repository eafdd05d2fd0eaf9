//! What only SQLite does: one file, created 0600, WAL mode, `migrations/sqlite/`.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    migrate::Migrator,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

use super::PoolSettings;

/// The SQLite migrations (`migrations/sqlite/`), compiled in.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for the write lock before failing with "database is locked".
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens (creating if needed) the database file at `path`, without migrating it.
///
/// A missing file is first created empty with mode 0600 (Unix), readable by the portal's user
/// only; SQLite gives its `-wal` and `-shm` files the same mode. An existing file keeps its mode
/// (a warning is logged when others may read it). WAL mode lets readers proceed during a
/// write; the busy timeout makes concurrent writers wait instead of failing.
///
/// The pool does not ping a connection before handing it out (`test_before_acquire`, on by
/// default in sqlx): a SQLite connection is a library handle in this process, with no server
/// that could have gone away, and each ping is a round trip to the connection's worker thread,
/// 3.5 µs of CPU per query here (`BENCHMARKS.md`, "Parent API (2026-12-06)").
/// sqlx still checks each connection when it returns to the pool, and drops one that fails.
///
/// # Errors
/// The file cannot be opened or created.
pub async fn connect(path: &Path, settings: PoolSettings) -> Result<SqlitePool, sqlx::Error> {
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
        .busy_timeout(BUSY_TIMEOUT);
    SqlitePoolOptions::new()
        .max_connections(settings.max_connections)
        .test_before_acquire(false)
        .connect_with(options)
        .await
}

/// Whether sqlx's migration table exists in the database of `pool`.
///
/// # Errors
/// Database failure.
pub async fn has_migration_table(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' \
         AND name = '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await
}

/// Runs the `DELETE` statement `sql` so that no copy of the file made afterwards holds the
/// deleted rows: the deleted bytes are overwritten (`secure_delete`), the write-ahead log is
/// checkpointed and truncated, and the file is rebuilt without free pages (`VACUUM`). The rows
/// deleted.
///
/// # Errors
/// Database failure.
pub async fn delete_scrubbed(pool: &SqlitePool, sql: &str) -> Result<u64, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA secure_delete = ON").execute(&mut *conn).await?;
    let rows = sqlx::query(sql).execute(&mut *conn).await?.rows_affected();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await?;
    sqlx::query("VACUUM").execute(&mut *conn).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await?;
    Ok(rows)
}
