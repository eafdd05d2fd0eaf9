//! Password hashing: argon2id with OWASP's parameters (m = 19456 KiB, t = 2, p = 1), stored as
//! PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`).
//!
//! Hashing is CPU- and memory-heavy (about 19 MiB each), so it runs on tokio's blocking pool
//! behind a semaphore that bounds how many run at once, and a bounded queue in front of it: a
//! hash that finds the queue full fails at once with [`PasswordError::Busy`] (503 with
//! `Retry-After`, `SECURITY.md`) instead of waiting, so a flood cannot stall every sign-in
//! (`config::Security::hashing_concurrency`, `hashing_queue`). An unknown email at sign-in verifies a
//! dummy hash with the same parameters, so it costs the same time as a wrong password
//! (`docs/contract.md §2`).

use std::sync::Arc;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier as _, Version,
    password_hash::SaltString,
};
use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

/// OWASP Password Storage Cheat Sheet, argon2id option 2: memory in KiB.
pub const MEMORY_KIB: u32 = 19_456;
/// Iterations.
pub const ITERATIONS: u32 = 2;
/// Parallelism.
pub const PARALLELISM: u32 = 1;

/// Why hashing failed (never a wrong password: that is `Ok(false)`).
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// argon2 refused its input.
    #[error("argon2: {0}")]
    Hash(argon2::password_hash::Error),
    /// The blocking task died.
    #[error("hashing task: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The semaphore was closed.
    #[error("hashing semaphore closed")]
    Closed,
    /// Every hashing slot is busy and the queue is full: answer 503 with `Retry-After`.
    #[error("password hashing is saturated")]
    Busy,
}

/// The portal's password hasher.
#[derive(Debug, Clone)]
pub struct Passwords {
    /// Hashes running at once.
    permits: Arc<Semaphore>,
    /// Hashes running or waiting: running + queue; none left means [`PasswordError::Busy`].
    admission: Arc<Semaphore>,
    /// `admission`'s permits in all: running + queue.
    capacity: usize,
    dummy: Arc<OnceCell<String>>,
}

fn argon2() -> Argon2<'static> {
    #[allow(clippy::expect_used)] // Constant, valid parameters.
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("OWASP parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Passwords {
    /// A hasher running at most `concurrency` hashes at once (0: one per CPU core) with at
    /// most `queue` more waiting; the dummy hash is made on first use.
    pub fn new(concurrency: usize, queue: usize) -> Self {
        let concurrency = match concurrency {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            n => n,
        };
        Self {
            permits: Arc::new(Semaphore::new(concurrency)),
            admission: Arc::new(Semaphore::new(concurrency + queue)),
            capacity: concurrency + queue,
            dummy: Arc::default(),
        }
    }

    /// Hashes and verifications admitted and not finished: running, or waiting for a slot
    /// (at most `concurrency + queue`). Read by the metrics scrape (`crate::metrics`).
    pub fn in_flight(&self) -> usize {
        self.capacity.saturating_sub(self.admission.available_permits())
    }

    /// A place in the queue for one hash or verification, taken at once or refused: callers
    /// that must not count an attempt the portal will not evaluate (a wrong password reserved
    /// before it is checked, `docs/contract.md §0`) take it first, then reserve.
    ///
    /// # Errors
    /// [`PasswordError::Busy`] when the slots and the queue are full.
    pub fn admit(&self) -> Result<Admitted<'_>, PasswordError> {
        let ticket = Arc::clone(&self.admission).try_acquire_owned().map_err(|_| {
            crate::metrics::limit_hit(crate::metrics::HASHING_QUEUE);
            PasswordError::Busy
        })?;
        Ok(Admitted { passwords: self, ticket })
    }

    /// [`Self::admit`], then [`Admitted::hash`].
    ///
    /// # Errors
    /// See [`PasswordError`]; [`PasswordError::Busy`] at once when the queue is full.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.admit()?.hash(password).await
    }

    /// [`Self::admit`], then [`Admitted::verify`].
    ///
    /// # Errors
    /// See [`PasswordError`]; [`PasswordError::Busy`] at once when the queue is full.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        self.admit()?.verify(password, stored).await
    }

    /// Runs `work` on the blocking pool once a hashing slot is free. The slot, and `ticket`'s
    /// place in the queue, are given back when `work` ends, not when the caller stops waiting
    /// (a client that hangs up, a request cut by the timeout): a hash that keeps running keeps
    /// counting, so the bounds hold (SECURITY.md "Hashing queue").
    async fn run<T: Send + 'static>(
        &self,
        ticket: Option<OwnedSemaphorePermit>,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit =
            Arc::clone(&self.permits).acquire_owned().await.map_err(|_| PasswordError::Closed)?;
        Ok(tokio::task::spawn_blocking(move || {
            let _held = (ticket, permit);
            work()
        })
        .await?)
    }

    fn new_hash(password: &str) -> Result<String, PasswordError> {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(PasswordError::Hash)
    }
}

/// A place in the hashing queue ([`Passwords::admit`]), spent by one hash or verification.
#[derive(Debug)]
pub struct Admitted<'a> {
    passwords: &'a Passwords,
    ticket: OwnedSemaphorePermit,
}

impl Admitted<'_> {
    /// The PHC string of `password` with a fresh random salt.
    ///
    /// # Errors
    /// See [`PasswordError`].
    pub async fn hash(self, password: String) -> Result<String, PasswordError> {
        self.passwords.run(Some(self.ticket), move || Passwords::new_hash(&password)).await?
    }

    /// Whether `password` matches the PHC string `stored`. With `None` (unknown email) a dummy
    /// hash is verified and the answer is `false`, in comparable time.
    ///
    /// # Errors
    /// See [`PasswordError`]; a stored string that does not parse counts as no match.
    pub async fn verify(
        self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let known = stored.is_some();
        let phc = match stored {
            Some(phc) => phc,
            None => self
                .passwords
                .dummy
                .get_or_try_init(|| async {
                    let secret = crate::crypto::random_token(16);
                    self.passwords.run(None, move || Passwords::new_hash(&secret)).await?
                })
                .await?
                .clone(),
        };
        let matches = self
            .passwords
            .run(Some(self.ticket), move || {
                PasswordHash::new(&phc).is_ok_and(|parsed| {
                    argon2().verify_password(password.as_bytes(), &parsed).is_ok()
                })
            })
            .await?;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_carry_the_owasp_parameters() {
        let p = Passwords::new(1, 0);
        let phc = p.hash("Secret123!".into()).await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(p.verify("Secret123!".into(), Some(phc.clone())).await.expect("verify"));
        assert!(!p.verify("Secret123?".into(), Some(phc)).await.expect("verify"));
        assert!(!p.verify("Secret123!".into(), None).await.expect("dummy"));
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once() {
        // One running, one waiting: the third finds no room and is refused without waiting.
        let p = Passwords::new(1, 1);
        let (a, b, c) = tokio::join!(
            p.hash("Secret123!".into()),
            p.hash("Secret123!".into()),
            p.hash("Secret123!".into())
        );
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
        assert!(matches!(c, Err(PasswordError::Busy)), "{c:?}");
        assert!(p.hash("Secret123!".into()).await.is_ok(), "room again once they finished");
    }

    #[tokio::test]
    async fn a_caller_that_stops_waiting_keeps_its_place_until_the_hash_ends() {
        let p = Passwords::new(1, 0);
        let mut started = Box::pin(p.hash("Secret123!".into()));
        // Polled once: the hash is on the blocking pool; then the caller goes away (a client
        // that hung up, a request cut by the timeout).
        tokio::select! {
            biased;
            _ = &mut started => panic!("a hash cannot be done on its first poll"),
            () = std::future::ready(()) => {}
        }
        drop(started);
        assert!(matches!(p.admit(), Err(PasswordError::Busy)), "the hash still runs");
        let mut waited = 0;
        while p.admit().is_err() {
            assert!(waited < 500, "the place is given back when the hash ends");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            waited += 1;
        }
    }
}
