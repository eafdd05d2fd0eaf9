//! The portal's shared state: configuration, database, clock, keys and mailer.

use std::sync::Arc;

use crate::{clock::Clock, config::Config, crypto::HashKey, db};

/// Everything a handler needs, cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The parts of [`AppState`], reachable through `Deref`.
pub struct Inner {
    /// Start-up configuration.
    pub config: Config,
    /// The database pool (SQLite or PostgreSQL, [`db::Db`]).
    pub db: db::Db,
    /// The clock every rule reads.
    pub clock: Arc<dyn Clock>,
    /// Key of the stored hashes of codes, tokens and NIPs, from the key file or `PORTAL_KEYS`
    /// (`docs/contract.md §6` "Privacy"); never rotated.
    pub hash_key: HashKey,
    /// RS256 keys that sign and verify JWTs (`docs/contract.md §4`), from the same source;
    /// [`SigningKeys::reload`](crate::tokens::SigningKeys::reload) picks up a rotation.
    pub signing_keys: crate::tokens::SigningKeys,
    /// Access tokens verified once, remembered until their `exp` ([`crate::tokens::verified`]).
    pub verified_tokens: crate::tokens::VerifiedTokens,
    /// The registry's public lists as answered, body and `ETag`, rebuilt when the registry
    /// changes ([`crate::http::parent::boards::ListCache`]).
    pub registry_lists: crate::http::parent::boards::ListCache,
    /// Sends codes and notices (`docs/contract.md §8`).
    pub mailer: crate::mail::Mailer,
    /// argon2id hashing, bounded and off the async runtime (`docs/contract.md §§1–3`).
    pub passwords: crate::identity::Passwords,
    /// Per-client-address budgets of the unauthenticated endpoints (`SECURITY.md`).
    pub address_budgets: crate::http::budget::AddressBudgets,
    /// The external issuer whose tokens the parent API accepts, when configured
    /// ([`crate::external`]); the identity endpoints are then not served.
    pub external: Option<crate::external::ExternalTokens>,
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
    /// The keys cannot be read or created (the message says what to do).
    #[error("keys: {0}")]
    Keys(#[from] crate::keys::KeyError),
}

impl AppState {
    /// Opens the database (creating it 0600 and migrating it), reads the server's keys from
    /// `config.keys` (creating the demo key file when missing, [`crate::keys::load`]) and
    /// prepares the mailer.
    ///
    /// # Errors
    /// See [`StartError`]; [`StartError::Keys`] says how to create a missing key file.
    pub async fn open(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        crate::install_crypto_provider();
        let db = db::Db::open(&config.database, config.pool).await?;
        let loaded = crate::keys::load(&config.keys, &db, clock.now()).await?;
        let hash_key = loaded.hash_key.clone();
        let signing_keys =
            crate::tokens::SigningKeys::new(config.keys.clone(), &loaded, Arc::clone(&clock))?;
        let mailer = crate::mail::Mailer::new(&config.mail, &config.mail_from, config.demo)
            .map_err(|e| StartError::Config(format!("mail transport: {e}")))?;
        let passwords = crate::identity::Passwords::new(
            config.security.hashing_concurrency,
            config.security.hashing_queue,
        );
        let address_budgets = crate::http::budget::AddressBudgets::new(&config.security)
            .map_err(StartError::Config)?;
        let external = match &config.external_issuer {
            Some(issuer) => Some(
                crate::external::ExternalTokens::start(issuer.clone())
                    .await
                    .map_err(|e| StartError::Config(e.to_string()))?,
            ),
            None => None,
        };
        let state = Self(Arc::new(Inner {
            config,
            db,
            clock,
            hash_key,
            signing_keys,
            verified_tokens: crate::tokens::VerifiedTokens::default(),
            registry_lists: crate::http::parent::boards::ListCache::default(),
            mailer,
            passwords,
            address_budgets,
            external,
        }));
        if state.config.demo {
            // The fictional registry of docs/contract.md §7, once (idempotent).
            crate::registry::fixture::load_if_empty(&state)
                .await
                .map_err(|e| StartError::Config(format!("demo registry: {e}")))?;
        }
        Ok(state)
    }

    /// The current time, as the database stores it.
    pub fn now(&self) -> db::Stamp {
        db::Stamp::new(self.clock.now())
    }
}

#[cfg(test)]
mod tests {
    /// The app (src-tauri) awaits the portal's opening on a multi-threaded runtime, so its future
    /// must be `Send`; sqlx's `Acquire` for `&mut PgConnection` once made it unprovably so
    /// (rust-lang/rust#110338). This fails to compile if it happens again.
    #[test]
    fn opening_the_portal_is_a_send_future() {
        fn send<T: Send>(_: T) {}
        fn open(config: crate::config::Config) {
            send(super::AppState::open(config, crate::clock::system()));
        }
        let _ = open;
    }
}
