//! The embedded demo portal (desktop only): the reference portal run in-process when no portal
//! is configured (`docs/contract.md §0` precedence).
//!
//! It listens on `127.0.0.1` with an ephemeral port and keeps its SQLite file and outbox in
//! `{app data dir}/demo-portal/`, with the demo fixture (fictional records; nothing reaches a
//! school). The database holds its refresh tokens and `portal.keys.json` beside it (0600) its
//! signing and hashing keys, so a stored session stays valid across launches although the port
//! changes: the portal id is `embedded`, not the origin (`docs/contract.md §9`).

use std::path::{Path, PathBuf};

use tokio::{sync::oneshot, task::JoinHandle};

/// Folder of the embedded portal inside the app data directory.
pub const DIR_NAME: &str = "demo-portal";

/// A running embedded portal. Dropping it without [`EmbeddedPortal::stop`] stops it too (the
/// shutdown sender is dropped), without waiting.
#[derive(Debug)]
pub struct EmbeddedPortal {
    origin: String,
    dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Why the embedded portal could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The folder or the loopback listener could not be created.
    #[error("embedded portal: {0}")]
    Io(#[from] std::io::Error),
    /// The portal refused to start (database, migrations, configuration).
    #[error("embedded portal: {0}")]
    Portal(#[from] portal_server::StartError),
}

impl EmbeddedPortal {
    /// Starts the portal with its files in `{data_dir}/demo-portal/` on `127.0.0.1:0`.
    ///
    /// # Errors
    /// See [`StartError`].
    pub async fn start(data_dir: &Path) -> Result<Self, StartError> {
        let dir = data_dir.join(DIR_NAME);
        tokio::fs::create_dir_all(&dir).await?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let config = portal_server::config::Config::demo_for(
            &listener,
            dir.join("portal.sqlite3"),
            outbox_in(&dir),
        )?;
        let origin = config.origin.clone();
        let state = portal_server::AppState::open(config, portal_server::clock::system()).await?;
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let stopped = async {
                // Either an explicit stop or the sender being dropped ends the portal.
                let _ = signal.await;
            };
            if let Err(error) = portal_server::serve_with_shutdown(listener, state, stopped).await {
                log::error!("embedded portal stopped: {error}");
            }
        });
        log::info!("embedded demo portal on {origin}");
        Ok(Self { origin, dir, shutdown: Some(shutdown), task: Some(task) })
    }

    /// Its origin, e.g. `http://127.0.0.1:41234` (changes at every start).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Its outbox folder (one `.eml` file per message, `docs/contract.md §8`).
    pub fn outbox(&self) -> PathBuf {
        outbox_in(&self.dir)
    }

    /// Its folder (database and outbox).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops the portal and waits until in-flight requests finished.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

fn outbox_in(dir: &Path) -> PathBuf {
    dir.join("outbox")
}

/// Deletes the embedded portal's files ("Oublier cet appareil"); stop it first.
///
/// # Errors
/// The folder exists but cannot be removed.
pub async fn delete_data(data_dir: &Path) -> std::io::Result<()> {
    match tokio::fs::remove_dir_all(data_dir.join(DIR_NAME)).await {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}
