//! The portal's shared state: configuration, database, clock, keys and mailer.

use std::sync::Arc;

use sqlx::SqlitePool;

use crate::{clock::Clock, config::Config, crypto::HashKey, db};

/// Everything a handler needs, cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The parts of [`AppState`], reachable through `Deref`.
pub struct Inner {
    /// Start-up configuration.
    pub config: Config,
    /// The SQLite pool.
    pub db: SqlitePool,
    /// The clock every rule reads.
    pub clock: Arc<dyn Clock>,
    /// Key of the stored hashes of codes and tokens.
    pub hash_key: HashKey,
    /// RS256 keys that sign and verify JWTs (`docs/contract.md §4`).
    pub signing_keys: crate::tokens::SigningKeys,
    /// Sends codes and notices (`docs/contract.md §8`).
    pub mailer: crate::mail::Mailer,
    /// argon2id hashing, bounded and off the async runtime (`docs/contract.md §§1–3`).
    pub passwords: crate::identity::Passwords,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Why the portal could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Invalid configuration (the message says which setting).
    #[error("configuration: {0}")]
    Config(String),
}

impl AppState {
    /// Opens the database (creating and migrating it), loads or creates the server's keys and
    /// prepares the mailer.
    ///
    /// # Errors
    /// See [`StartError`].
    pub async fn open(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let db = db::open(&config.database).await?;
        let now = now_rfc3339(&*clock);
        let hash_key = HashKey::load_or_create(&db, &now).await?;
        let signing_keys = crate::tokens::SigningKeys::load_or_create(&db, &now).await?;
        let mailer = crate::mail::Mailer::new(&config.mail, config.demo)
            .map_err(|e| StartError::Config(format!("mail transport: {e}")))?;
        let passwords = crate::identity::Passwords::new();
        let state =
            Self(Arc::new(Inner { config, db, clock, hash_key, signing_keys, mailer, passwords }));
        if state.config.demo {
            // The fictional registry of docs/contract.md §7, once (idempotent).
            crate::registry::fixture::load_if_empty(&state)
                .await
                .map_err(|e| StartError::Config(format!("demo registry: {e}")))?;
        }
        Ok(state)
    }

    /// The current time as RFC 3339 UTC text, the form every timestamp column uses.
    pub fn now_rfc3339(&self) -> String {
        now_rfc3339(&*self.clock)
    }
}

fn now_rfc3339(clock: &dyn Clock) -> String {
    rfc3339(clock.now())
}

/// Formats a UTC instant as RFC 3339 with second precision (`2026-11-29T14:03:00Z`), which
/// sorts correctly as text.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
