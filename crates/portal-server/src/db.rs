//! The portal's database: SQLite (one file: the app's demo and one school service centre) or
//! PostgreSQL (several portal instances behind a load balancer, `deploy/README.md`), with one
//! behaviour.
//!
//! Queries are written once, in SQL both engines read: numbered placeholders (`$1`), `TRUE` and
//! `FALSE`, `ON CONFLICT`, `RETURNING`, `IS NOT DISTINCT FROM`, `EXISTS` rather than `SELECT 1`.
//! [`on!`] runs one such query on whichever backend a [`Db`] or [`Tx`] holds; times bind as
//! [`Stamp`]. What differs between the engines (connecting, migrations, how a writing
//! transaction begins, reading the migration table of a database not yet opened) lives in
//! [`sqlite`] and [`postgres`], behind [`Db`]'s methods.
//!
//! Every piece of shared state is in the database (flows, codes, continuation tokens, limits,
//! refresh-token families, authorization codes, the registry), so several instances on one
//! PostgreSQL database behave as one; the signing keys are in the key file they share
//! ([`crate::keys`]).

pub mod postgres;
pub mod sqlite;

use std::{fmt, path::PathBuf, str::FromStr, time::Duration};

use sqlx::{
    Decode, Encode, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool,
    Transaction, Type,
    encode::IsNull,
    error::BoxDynError,
    migrate::Migrator,
    postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef},
    sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef},
};
use time::{OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};

/// Where the database is: `--db` / `PORTAL_DB`.
///
/// Parsed ([`FromStr`]) from a `postgres://` or `postgresql://` URL
/// (libpq syntax: `postgres://user:password@host:5432/dbname?sslmode=require`), a `sqlite:`
/// URL (`sqlite:///var/lib/portal/portal.sqlite3`, `sqlite:portal.sqlite3`) or a bare path,
/// which is a SQLite file. `Debug` and `Display` never show a password.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file, created 0600 if missing (WAL mode).
    Sqlite(PathBuf),
    /// A PostgreSQL database, by connection URL; the database must exist (the portal creates
    /// its tables, not the database: `deploy/README.md`).
    Postgres(url::Url),
}

/// The query parameters a PostgreSQL URL may carry (those sqlx's `PgConnectOptions` reads,
/// libpq's names). Others are refused rather than ignored: sqlx would log an unknown one with
/// its value, and a misspelt `password` is a password.
pub const POSTGRES_PARAMETERS: &[&str] = &[
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
    "statement-cache-capacity",
];

impl FromStr for Location {
    type Err = String;

    /// # Errors
    /// An empty text, a PostgreSQL URL that does not parse or has a parameter outside
    /// [`POSTGRES_PARAMETERS`]. The message never repeats the text (it may hold a password).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let url = url::Url::parse(text).map_err(|e| {
                format!(
                    "the PostgreSQL URL does not parse ({e}): expected \
                     postgres://user:password@host:5432/dbname, special characters of the \
                     password percent-encoded"
                )
            })?;
            if let Some((key, _)) =
                url.query_pairs().find(|(key, _)| !POSTGRES_PARAMETERS.contains(&key.as_ref()))
            {
                return Err(format!(
                    "the PostgreSQL URL has an unknown parameter `{key}` (known: {})",
                    POSTGRES_PARAMETERS.join(", ")
                ));
            }
            return Ok(Self::Postgres(url));
        }
        let path = text.strip_prefix("sqlite://").or_else(|| text.strip_prefix("sqlite:"));
        let path = path.unwrap_or(text);
        if path.is_empty() {
            return Err("the database is empty: give a SQLite file or a postgres:// URL".to_owned());
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => {
                let mut shown = url.clone();
                if shown.password().is_some() {
                    // Only fails for URLs that cannot have a password, which this one has.
                    let _ = shown.set_password(Some("********"));
                }
                if url.query_pairs().any(|(key, _)| key == "password") {
                    let pairs: Vec<(String, String)> = url
                        .query_pairs()
                        .map(|(key, value)| {
                            let value = if key == "password" { "********".into() } else { value };
                            (key.into_owned(), value.into_owned())
                        })
                        .collect();
                    shown.query_pairs_mut().clear().extend_pairs(pairs);
                }
                write!(f, "{shown}")
            }
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(_) => write!(f, "Sqlite({self})"),
            Self::Postgres(_) => write!(f, "Postgres({self})"),
        }
    }
}

impl Location {
    /// The SQLite file, if it is one.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match self {
            Self::Sqlite(path) => Some(path),
            Self::Postgres(_) => None,
        }
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Self::Sqlite(path)
    }
}

/// Connection pool settings: `--db-max-connections`, `--db-statement-timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections the pool opens at most. Every instance opens its own pool: on PostgreSQL,
    /// keep the sum over the instances under the server's `max_connections` (100 by default).
    pub max_connections: u32,
    /// PostgreSQL only: the server cancels a statement that runs longer (`statement_timeout`).
    /// SQLite has no statement timeout; a writer waits at most its busy timeout (10 s) for the
    /// write lock.
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    /// 8 connections, 10 s.
    fn default() -> Self {
        Self { max_connections: 8, statement_timeout: Duration::from_secs(10) }
    }
}

/// A connection pool to the portal's database. Cheap to clone (one pool shared).
#[derive(Debug, Clone)]
pub enum Db {
    /// SQLite ([`sqlite`]).
    Sqlite(SqlitePool),
    /// PostgreSQL ([`postgres`]).
    Postgres(PgPool),
}

/// A transaction begun by [`Db::begin_write`]. Dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub enum Tx {
    /// On SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// On PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
}

/// One backend's executor, what [`Db::ex`] and [`Tx::ex`] hand to [`on!`].
#[derive(Debug)]
pub enum Backend<S, P> {
    /// A SQLite pool or connection.
    Sqlite(S),
    /// A PostgreSQL pool or connection.
    Postgres(P),
}

/// Runs an expression with the executor of whichever backend `$db` (a [`Db`] or a `&mut`
/// [`Tx`]) holds: `on!(state.db, |c| sqlx::query("DELETE … WHERE id = $1").bind(id)
/// .execute(c).await.map(|r| r.rows_affected()))`. The expression is compiled once per
/// backend, so it must give the same type on both (map a row or a query result to plain values
/// inside it).
#[doc(hidden)]
#[macro_export]
macro_rules! __db_on {
    ($db:expr, |$c:ident| $body:expr) => {
        match $db.ex() {
            $crate::db::Backend::Sqlite($c) => $body,
            $crate::db::Backend::Postgres($c) => $body,
        }
    };
}
pub use crate::__db_on as on;

impl Db {
    /// Connects to (creating a SQLite file if needed) the database at `location` and applies
    /// the pending migrations of its backend ([`Db::migrator`]).
    ///
    /// # Errors
    /// The database cannot be reached, opened or created, or a migration fails (including a
    /// database migrated by a newer portal: `MigrateError::VersionMissing`).
    pub async fn open(location: &Location, settings: PoolSettings) -> Result<Self, sqlx::Error> {
        let db = Self::connect(location, settings).await?;
        if let Err(e) = db.migrate().await {
            db.close().await;
            return Err(e.into());
        }
        Ok(db)
    }

    /// The migrations of this backend (`migrations/sqlite/`, `migrations/postgres/`), which
    /// carry the same versions: a schema change adds one file to each, in one commit.
    pub fn migrator(&self) -> &'static Migrator {
        match self {
            Self::Sqlite(_) => &sqlite::MIGRATOR,
            Self::Postgres(_) => &postgres::MIGRATOR,
        }
    }

    /// Connects to (creating a SQLite file if needed) the database at `location`, without
    /// migrating it.
    ///
    /// # Errors
    /// The database cannot be reached, opened or created.
    pub async fn connect(location: &Location, settings: PoolSettings) -> Result<Self, sqlx::Error> {
        Ok(match location {
            Location::Sqlite(path) => Self::Sqlite(sqlite::connect(path, settings).await?),
            Location::Postgres(url) => Self::Postgres(postgres::connect(url, settings).await?),
        })
    }

    /// Whether the database has been migrated at all (holds sqlx's migration table).
    ///
    /// # Errors
    /// Database failure.
    pub async fn has_migration_table(&self) -> Result<bool, sqlx::Error> {
        match self {
            Self::Sqlite(pool) => sqlite::has_migration_table(pool).await,
            Self::Postgres(pool) => postgres::has_migration_table(pool).await,
        }
    }

    /// Applies the pending migrations of [`Db::migrator`].
    ///
    /// # Errors
    /// A migration fails, or the database holds one this binary does not know.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Self::Sqlite(pool) => sqlite::MIGRATOR.run(pool).await,
            Self::Postgres(pool) => postgres::migrate(pool).await,
        }
    }

    /// The executor for [`on!`].
    pub fn ex(&self) -> Backend<&SqlitePool, &PgPool> {
        match self {
            Self::Sqlite(pool) => Backend::Sqlite(pool),
            Self::Postgres(pool) => Backend::Postgres(pool),
        }
    }

    /// Begins a transaction that will write. SQLite: `BEGIN IMMEDIATE`, which takes the
    /// database's write lock at once (a deferred `BEGIN` that read first would fail its first
    /// write with `SQLITE_BUSY`, without waiting, whenever another connection wrote since).
    /// PostgreSQL: `BEGIN ISOLATION LEVEL READ COMMITTED` (whatever the server's default, which
    /// the statements are written for): writers that must not interleave lock the row they decide
    /// on (the `limit_subjects` upsert) or decide in one conditional statement
    /// (`UPDATE … WHERE used_at IS NULL RETURNING`).
    ///
    /// # Errors
    /// No connection could be had, or SQLite's lock was not free within the busy timeout.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Self::Postgres(pool) => {
                Tx::Postgres(pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await?)
            }
        })
    }

    /// Runs the `DELETE` statement `sql` and, on SQLite, scrubs the file of the deleted rows
    /// ([`sqlite::delete_scrubbed`]): for secrets that must not survive in a copy. PostgreSQL
    /// databases never held such rows (the key file came before PostgreSQL support), so there it
    /// is a plain `DELETE`. The rows deleted.
    ///
    /// # Errors
    /// Database failure.
    pub async fn delete_scrubbed(&self, sql: &'static str) -> Result<u64, sqlx::Error> {
        match self {
            Self::Sqlite(pool) => sqlite::delete_scrubbed(pool, sql).await,
            Self::Postgres(pool) => Ok(sqlx::query(sql).execute(pool).await?.rows_affected()),
        }
    }

    /// Closes every connection (waiting for those in use to come back).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }

    /// Connections open, and of those, idle (for the pool-use metrics).
    pub fn pool_use(&self) -> (u32, usize) {
        match self {
            Self::Sqlite(pool) => (pool.size(), pool.num_idle()),
            Self::Postgres(pool) => (pool.size(), pool.num_idle()),
        }
    }
}

impl Tx {
    /// The executor for [`on!`].
    pub fn ex(&mut self) -> Backend<&mut SqliteConnection, &mut PgConnection> {
        match self {
            Self::Sqlite(tx) => Backend::Sqlite(&mut **tx),
            Self::Postgres(tx) => Backend::Postgres(&mut **tx),
        }
    }

    /// Makes the transactions that call this with the same `key` take turns, from here to their
    /// end: PostgreSQL's `pg_advisory_xact_lock(key)`, across every instance; on SQLite a writing
    /// transaction ([`Db::begin_write`]) already excludes every other, so nothing is done.
    ///
    /// # Errors
    /// Database failure (a statement timeout while waiting).
    pub async fn take_turns(&mut self, key: i64) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(_) => Ok(()),
            Self::Postgres(tx) => {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(key)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }
        }
    }

    /// Rolls back.
    ///
    /// # Errors
    /// Database failure.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(tx) => tx.rollback().await,
            Self::Postgres(tx) => tx.rollback().await,
        }
    }

    /// Commits.
    ///
    /// # Errors
    /// Database failure (on PostgreSQL, a serialization or deadlock failure too).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(tx) => tx.commit().await,
            Self::Postgres(tx) => tx.commit().await,
        }
    }
}

/// An instant as the database stores it: `TIMESTAMPTZ` on PostgreSQL; RFC 3339 UTC text with
/// second precision on SQLite (`2026-11-29T14:03:00Z`, which sorts as it compares). Stored at
/// second precision on both, so both compare alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(OffsetDateTime);

impl Stamp {
    /// `at` in UTC, truncated to the second.
    pub fn new(at: OffsetDateTime) -> Self {
        let at = at.to_offset(UtcOffset::UTC);
        Self(at.replace_nanosecond(0).unwrap_or(at))
    }

    /// The instant.
    pub fn at(self) -> OffsetDateTime {
        self.0
    }

    /// RFC 3339 text (`2026-11-29T14:03:00Z`), as SQLite stores it and the parent API shows it;
    /// empty for a year outside 0000–9999, which RFC 3339 cannot write (never stored:
    /// [`Encode`] refuses it).
    pub fn rfc3339(self) -> String {
        self.0.format(&Rfc3339).unwrap_or_default()
    }
}

impl From<OffsetDateTime> for Stamp {
    fn from(at: OffsetDateTime) -> Self {
        Self::new(at)
    }
}

impl Type<Sqlite> for Stamp {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl<'q> Encode<'q, Sqlite> for Stamp {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        let text = self.0.format(&Rfc3339)?;
        <String as Encode<'q, Sqlite>>::encode(text, buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Stamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
        Ok(Self::new(OffsetDateTime::parse(text, &Rfc3339)?))
    }
}

impl Type<Postgres> for Stamp {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Stamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<'_, Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Stamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self::new(<OffsetDateTime as Decode<'r, Postgres>>::decode(value)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_read_from_paths_and_urls() {
        assert_eq!("portal.sqlite3".parse(), Ok(Location::Sqlite("portal.sqlite3".into())));
        assert_eq!(
            "sqlite:///var/lib/portal/p.db".parse(),
            Ok(Location::Sqlite("/var/lib/portal/p.db".into()))
        );
        assert_eq!("sqlite:p.db".parse(), Ok(Location::Sqlite("p.db".into())));
        let pg: Location = "postgresql://portal:s3cret@db.example:5432/portal".parse().expect("pg");
        assert!(matches!(pg, Location::Postgres(_)));
        assert!("".parse::<Location>().is_err());
    }

    #[test]
    fn a_postgres_password_is_never_shown() {
        for url in [
            "postgres://portal:s3cret@db.example/portal",
            "postgres://portal@db.example/portal?sslmode=require&password=s3cret",
        ] {
            let pg: Location = url.parse().expect("pg");
            for shown in [pg.to_string(), format!("{pg:?}")] {
                assert!(!shown.contains("s3cret"), "{shown}");
                assert!(shown.contains("db.example") && shown.contains("********"), "{shown}");
            }
        }
        for bad in [
            "postgres://portal:se:cr/et@db.example/portal",
            "postgres://portal@db.example/portal?passwrod=s3cret",
        ] {
            let message = bad.parse::<Location>().expect_err("refused");
            assert!(!message.contains("se:cr") && !message.contains("s3cret"), "{message}");
        }
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let list = |m: &Migrator| -> Vec<(i64, String)> {
            m.iter().map(|m| (m.version, m.description.to_string())).collect()
        };
        assert_eq!(list(&sqlite::MIGRATOR), list(&postgres::MIGRATOR));
    }

    #[test]
    fn stamps_keep_whole_seconds_in_utc() {
        let at = time::macros::datetime!(2026-11-29 09:03:00.75 -05:00);
        assert_eq!(Stamp::new(at).rfc3339(), "2026-11-29T14:03:00Z");
    }
}
