//! Paramètres: what the app runs against, language and portal.

use std::{
    sync::{
        OnceLock,
        atomic::{AtomicBool, Ordering},
    },
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use cartable_core::{
    Problem,
    ipc::{GetAppInfo, UiReady, UpdateSettings, codes},
};
use tauri::State;

use super::{Args, Reply};
use crate::{AppState, settings::check_portal_url};

/// Portal, demo mode, language, keychain availability, version (`get_app_info`).
#[tauri::command]
pub async fn get_app_info(state: State<'_, AppState>, args: Args<GetAppInfo>) -> Reply<GetAppInfo> {
    let () = args;
    state.app_info().await
}

/// Changes the language and/or the portal (`update_settings`); a refused portal URL is
/// `invalid_setting` with `reason` (`invalid_url`, `not_an_origin`, `insecure_url`,
/// `unsupported_scheme`).
#[tauri::command]
pub async fn update_settings(
    state: State<'_, AppState>,
    args: Args<UpdateSettings>,
) -> Reply<UpdateSettings> {
    let portal_url = match args.portal_url {
        Some(Some(url)) => Some(Some(check_portal_url(&url).map_err(|reason| {
            Problem::new(codes::INVALID_SETTING).on_field("portal_url").with("reason", reason)
        })?)),
        other => other,
    };
    state
        .update_settings(|s| {
            if let Some(language) = args.language {
                s.language = language;
            }
            if let Some(url) = portal_url {
                s.portal_url = url;
            }
        })
        .await?;
    state.app_info().await
}

/// When [`mark_start`] ran (first thing in `run`), for [`ui_ready`].
static STARTED: OnceLock<Instant> = OnceLock::new();
/// Whether this launch's first screen was reported.
static READY: AtomicBool = AtomicBool::new(false);

/// Notes the process's start (the app calls it first thing; later calls keep the first time).
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// The first screen is interactive (`ui_ready`): logs, once per launch, the time since
/// [`mark_start`] in milliseconds and the wall clock in Unix milliseconds (the bench compares
/// the latter with the moment it started the process).
#[tauri::command]
pub async fn ui_ready(args: Args<UiReady>) -> Reply<UiReady> {
    let () = args;
    if READY.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    let since = STARTED.get().map_or(0, |t| t.elapsed().as_millis());
    let unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    log::info!("ui ready: {since} ms after start (unix ms {unix})");
    Ok(())
}
