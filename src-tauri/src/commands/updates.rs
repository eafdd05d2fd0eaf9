//! Paramètres → "Mises à jour": check, download and verify (never install), and the download's
//! progress. Where updates come from, what is trusted and why the app never installs itself:
//! [`crate::updates`].

use std::{
    path::PathBuf,
    sync::{Mutex, PoisonError},
};

use cartable_core::ipc::{DownloadProgress, UpdateCheck, UpdateDownload, UpdateProgress};
use tauri::{AppHandle, Runtime, State};

use super::{Args, CommandResult};
use crate::updates::{UpdateEnv, UpdateSource};

/// The updates' managed state: where they come from, the key a debug build verifies with, where
/// verified packages go, the last check's offer and the running download.
// Phones have no updates (their stores update them): most fields are read on desktop only.
#[cfg_attr(mobile, allow(dead_code))]
pub struct UpdateState {
    source: UpdateSource,
    pubkey: Option<String>,
    downloads: PathBuf,
    #[cfg(desktop)]
    offer: Mutex<Option<tauri_plugin_updater::Update>>,
    progress: Mutex<Option<DownloadProgress>>,
    /// Held while a download runs: a second one waits for it instead of racing it.
    running: tokio::sync::Mutex<()>,
}

impl UpdateState {
    /// The state for `env` (`CARTABLE_UPDATE_URL`, a debug build's `CARTABLE_UPDATE_PUBKEY`),
    /// whether the build's `tauri.conf.json` names endpoints, and the folder verified packages
    /// are saved in.
    pub fn new(env: &UpdateEnv, config_has_endpoints: bool, downloads: PathBuf) -> Self {
        let source = UpdateSource::resolve(env, config_has_endpoints);
        match &source {
            UpdateSource::Off => log::info!("updates are off (no update server configured)"),
            UpdateSource::Url(url) => log::info!("updates from {url}"),
            UpdateSource::Config => log::info!("updates from tauri.conf.json's endpoints"),
        }
        Self {
            source,
            pubkey: env.trusted_pubkey(),
            downloads,
            #[cfg(desktop)]
            offer: Mutex::new(None),
            progress: Mutex::new(None),
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// Where updates come from.
    pub fn source(&self) -> &UpdateSource {
        &self.source
    }

    #[cfg(desktop)]
    fn set_progress(&self, progress: Option<DownloadProgress>) {
        *self.progress.lock().unwrap_or_else(PoisonError::into_inner) = progress;
    }

    fn progress(&self) -> Option<DownloadProgress> {
        *self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether `tauri.conf.json` names update endpoints (`plugins.updater.endpoints`).
pub fn config_has_endpoints<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.config()
        .plugins
        .0
        .get("updater")
        .and_then(|updater| updater.get("endpoints"))
        .and_then(serde_json::Value::as_array)
        .is_some_and(|endpoints| !endpoints.is_empty())
}

/// Asks the update server whether a newer signed version exists (`update_check`); `Off` without
/// a server. The offer is kept for [`update_download`].
///
/// # Errors
/// `update_unreachable`, `update_invalid`.
#[tauri::command]
pub async fn update_check<R: Runtime>(
    app: AppHandle<R>,
    updates: State<'_, UpdateState>,
    args: Args<UpdateCheck>,
) -> CommandResult<UpdateCheck> {
    let () = args;
    platform::check(&app, &updates).await
}

/// Downloads the offered package and verifies its signature, then saves it in the Downloads
/// folder (`update_download`); never installs it.
///
/// # Errors
/// `update_signature_invalid` (nothing saved), `update_unreachable`, `update_save_failed`,
/// `no_update`, `updates_off`.
#[tauri::command]
pub async fn update_download(
    updates: State<'_, UpdateState>,
    args: Args<UpdateDownload>,
) -> CommandResult<UpdateDownload> {
    let () = args;
    platform::download(&updates).await
}

/// The running download's progress (`update_progress`); `None` when none runs.
#[tauri::command]
pub async fn update_progress(
    updates: State<'_, UpdateState>,
    args: Args<UpdateProgress>,
) -> CommandResult<UpdateProgress> {
    let () = args;
    Ok(updates.progress())
}

#[cfg(mobile)]
mod platform {
    //! Phones are updated by their app stores: updates are off.

    use cartable_core::{
        Failure,
        ipc::{UpdateStatus, VerifiedUpdate},
    };
    use tauri::{AppHandle, Runtime};

    use super::UpdateState;
    use crate::error::Result;

    pub async fn check<R: Runtime>(
        _app: &AppHandle<R>,
        _updates: &UpdateState,
    ) -> Result<UpdateStatus> {
        Ok(UpdateStatus::Off)
    }

    pub async fn download(_updates: &UpdateState) -> Result<VerifiedUpdate> {
        Err(Failure::UpdatesOff.into())
    }
}

#[cfg(desktop)]
mod platform {
    //! The check and the download through tauri-plugin-updater.

    use std::time::Duration;

    use cartable_core::{
        Failure,
        ipc::{DownloadProgress, UpdateOffer, UpdateStatus, VerifiedUpdate},
    };
    use tauri::{AppHandle, Runtime};
    use tauri_plugin_updater::UpdaterExt as _;

    use super::UpdateState;
    use crate::{
        error::{Error, Result},
        state::blocking,
        updates::{UpdateSource, hand_over, install_command, package_file_name},
    };

    /// How long asking for the manifest may take.
    const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

    /// How long downloading a package may take (a 20 MB package on a slow line).
    const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

    pub async fn check<R: Runtime>(
        app: &AppHandle<R>,
        updates: &UpdateState,
    ) -> Result<UpdateStatus> {
        let mut builder = app.updater_builder().timeout(CHECK_TIMEOUT);
        match &updates.source {
            UpdateSource::Off => return Ok(UpdateStatus::Off),
            UpdateSource::Url(url) => {
                builder = builder.endpoints(vec![url.clone()]).map_err(updater_error)?;
            }
            UpdateSource::Config => {}
        }
        if let Some(key) = &updates.pubkey {
            builder = builder.pubkey(key.clone());
        }
        let found = builder.build().map_err(updater_error)?.check().await.map_err(updater_error)?;
        let current_version = app.package_info().version.to_string();
        let status = match &found {
            Some(update) => {
                log::info!("update {} offered (running {current_version})", update.version);
                UpdateStatus::Available(UpdateOffer {
                    version: update.version.clone(),
                    current_version,
                })
            }
            None => UpdateStatus::UpToDate { current_version },
        };
        *updates.offer.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = found;
        Ok(status)
    }

    pub async fn download(updates: &UpdateState) -> Result<VerifiedUpdate> {
        if updates.source == UpdateSource::Off {
            return Err(Failure::UpdatesOff.into());
        }
        let _running = updates.running.lock().await;
        let offered =
            updates.offer.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let mut update = offered.ok_or_else(|| Error::from(Failure::NoUpdate))?;
        update.timeout = Some(DOWNLOAD_TIMEOUT);
        updates.set_progress(Some(DownloadProgress { downloaded: 0, total: None }));
        let downloaded = update
            .download(
                |chunk, total| {
                    let mut progress =
                        updates.progress().unwrap_or(DownloadProgress { downloaded: 0, total });
                    progress.downloaded = progress.downloaded.saturating_add(chunk as u64);
                    progress.total = total;
                    updates.set_progress(Some(progress));
                },
                || {},
            )
            .await;
        updates.set_progress(None);
        // `download` verified the bytes (the signature, and the version its trusted comment
        // names) before answering them: a refused package never reaches the disk.
        let bytes = downloaded.map_err(updater_error)?;
        let name = package_file_name(&update.download_url, &update.version);
        let folder = updates.downloads.clone();
        let path = blocking(|| hand_over(&folder, &name, &bytes)).map_err(|error| {
            log::warn!("cannot save the verified update in {}: {error}", folder.display());
            Failure::UpdateSaveFailed { folder: folder.display().to_string() }
        })?;
        log::info!("update {} verified and saved as {}", update.version, path.display());
        Ok(VerifiedUpdate {
            version: update.version.clone(),
            file: path.display().to_string(),
            install_command: install_command(&path),
        })
    }

    /// The plugin's errors as the UI's codes: a signature that does not verify (or names another
    /// version) is `update_signature_invalid`; the server's failures `update_unreachable`; an
    /// unusable manifest `update_invalid`. Details go to the log.
    pub fn updater_error(error: tauri_plugin_updater::Error) -> Error {
        use tauri_plugin_updater::Error as E;
        let failure = match &error {
            E::Minisign(_)
            | E::Base64(_)
            | E::SignatureUtf8(_)
            | E::SignedVersionMismatch { .. }
            | E::MissingSignedVersion => Failure::UpdateSignatureInvalid,
            // An answer that is not JSON (a maintenance page) is the manifest's fault.
            E::Reqwest(error) if error.is_decode() => Failure::UpdateInvalid,
            E::Reqwest(_) | E::Network(_) | E::ReleaseNotFound | E::Io(_) => {
                Failure::UpdateUnreachable
            }
            E::Serialization(_)
            | E::Semver(_)
            | E::UrlParse(_)
            | E::TargetNotFound(_)
            | E::TargetsNotFound(_) => Failure::UpdateInvalid,
            _ => return Error::Internal(format!("updater: {error}")),
        };
        log::warn!("update refused ({failure:?}): {error}");
        failure.into()
    }
}
