//! The parent API (`docs/contract.md §6`): school bodies, the account, children, dossiers.

use cartable_core::{
    SchoolBoards,
    ipc::{
        AssociateChild, Associated, GetDossier, GetMe, ListChildren, PrivateSchools, RemoveChild,
        SchoolBoards as SchoolBoardsCommand,
    },
    wire::parent::{AssociateRequest, SchoolBoardEntry},
};
use tauri::State;

use super::{Args, CommandResult};
use crate::{AppState, state::parse_email};

/// The 72 school bodies with `subscribed`; the embedded list (all subscribed) when the portal
/// cannot be reached (`docs/contract.md §6`: "only an offline fallback").
#[tauri::command]
pub async fn school_boards(
    state: State<'_, AppState>,
    args: Args<SchoolBoardsCommand>,
) -> CommandResult<SchoolBoardsCommand> {
    let () = args;
    let (portal, _) = state.client().await?;
    match portal.school_boards().await {
        Err(error) if error.is_network() => {
            log::warn!("school bodies from the embedded list: {error}");
            Ok(SchoolBoards::embedded()
                .all()
                .iter()
                .map(|b| SchoolBoardEntry::new(b, true))
                .collect())
        }
        other => Ok(other?),
    }
}

/// Private schools known to the portal.
#[tauri::command]
pub async fn private_schools(
    state: State<'_, AppState>,
    args: Args<PrivateSchools>,
) -> CommandResult<PrivateSchools> {
    let () = args;
    Ok(state.client().await?.0.private_schools().await?)
}

/// The signed-in parent's account.
#[tauri::command]
pub async fn get_me(state: State<'_, AppState>, args: Args<GetMe>) -> CommandResult<GetMe> {
    let () = args;
    state.with_session(|s| async move { s.me().await }).await
}

/// The children associated with the account.
#[tauri::command]
pub async fn list_children(
    state: State<'_, AppState>,
    args: Args<ListChildren>,
) -> CommandResult<ListChildren> {
    let () = args;
    state.with_session(|s| async move { s.children().await }).await
}

/// Associates a child; `created` is false when it already was (`docs/contract.md §6`).
#[tauri::command]
pub async fn associate_child(
    state: State<'_, AppState>,
    args: Args<AssociateChild>,
) -> CommandResult<AssociateChild> {
    // The UI's wasm checks emails without IDNA and leaves internationalised domains to the
    // shell: refused here with the field error the UI gives for an ASCII one.
    if let AssociateRequest::Identity { email, .. }
    | AssociateRequest::PrivateSchool { email, .. } = &args
    {
        parse_email(email)?;
    }
    let association = state.with_session(|s| async move { s.associate(&args).await }).await?;
    Ok(Associated { child: association.child, created: association.created })
}

/// Removes a child from the account.
#[tauri::command]
pub async fn remove_child(
    state: State<'_, AppState>,
    args: Args<RemoveChild>,
) -> CommandResult<RemoveChild> {
    state.with_session(|s| async move { s.remove_child(&args.child_id).await }).await
}

/// The sections of a child's file.
#[tauri::command]
pub async fn get_dossier(
    state: State<'_, AppState>,
    args: Args<GetDossier>,
) -> CommandResult<GetDossier> {
    state.with_session(|s| async move { s.dossier(&args.child_id).await }).await
}
