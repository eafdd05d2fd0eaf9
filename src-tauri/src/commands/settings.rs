//! Paramètres: what the app runs against, language and portal.

use cartable_core::{
    AppError, Failure, Field,
    ipc::{GetAppInfo, UpdateSettings},
};
use tauri::State;

use super::{Args, CommandResult};
use crate::{AppState, settings::check_portal_url};

/// Portal, demo mode, language, keychain availability, version (`get_app_info`).
#[tauri::command]
pub async fn get_app_info(
    state: State<'_, AppState>,
    args: Args<GetAppInfo>,
) -> CommandResult<GetAppInfo> {
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
) -> CommandResult<UpdateSettings> {
    let portal_url = match args.portal_url {
        Some(Some(url)) => Some(Some(check_portal_url(&url).map_err(|reason| {
            AppError::from(Failure::InvalidSetting { reason: Some(reason) })
                .on_field(Field::PortalUrl)
        })?)),
        Some(None) => Some(None),
        None => None,
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
