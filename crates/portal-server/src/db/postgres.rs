//! What only PostgreSQL does: connecting by URL with a statement timeout,
//! `migrations/postgres/`.
//!
//! The database must exist and the portal's role must be able to create tables in it (it owns
//! its schema): `deploy/README.md` "PostgreSQL".

use sqlx::{
    ConnectOptions as _,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
};

use super::PoolSettings;

/// The PostgreSQL migrations (`migrations/postgres/`), compiled in; same versions as
/// [`super::sqlite::MIGRATOR`].
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// The connection options of `url`, with the application name `portal-server` (seen in
/// `pg_stat_activity`), and the statement timeout of `settings` both as `statement_timeout` and
/// as `idle_in_transaction_session_timeout` (a transaction left open ends too, and with it the
/// row locks it held).
///
/// # Errors
/// The URL is not a valid PostgreSQL connection URL.
pub fn options(url: &url::Url, settings: PoolSettings) -> Result<PgConnectOptions, sqlx::Error> {
    let timeout_ms = settings.statement_timeout.as_millis().to_string();
    Ok(PgConnectOptions::from_url(url)?.application_name("portal-server").options([
        ("statement_timeout", timeout_ms.as_str()),
        ("idle_in_transaction_session_timeout", timeout_ms.as_str()),
    ]))
}

/// Applies the pending migrations through a one-connection pool of its own, without the
/// statement timeout: sqlx waits for its advisory lock while another instance migrates, and a
/// migration may take longer. (A pool, not `&mut PgConnection`: sqlx's `Acquire` for the latter
/// makes the future unprovably `Send`, rust-lang/rust#110338, and the app awaits it on a
/// multi-threaded runtime.)
///
/// # Errors
/// A migration fails, or the database holds one this binary does not know.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    let options = (*pool.connect_options()).clone().options([("statement_timeout", "0")]);
    let migrating = PgPoolOptions::new().max_connections(1).connect_with(options).await?;
    let migrated = MIGRATOR.run(&migrating).await;
    migrating.close().await;
    migrated
}

/// A pool of connections to the database at `url`, without migrating it. The first connection
/// is opened now, so an unreachable server or a refused login fails here.
///
/// # Errors
/// The URL is invalid, the server cannot be reached, or it refuses the login.
pub async fn connect(url: &url::Url, settings: PoolSettings) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .connect_with(options(url, settings)?)
        .await
}

/// Whether sqlx's migration table exists in the database of `pool` (on its search path).
///
/// # Errors
/// Database failure.
pub async fn has_migration_table(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(pool).await
}
