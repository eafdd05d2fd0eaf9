//! What the last launch knew, kept in the webview's `localStorage`, so the next launch renders a
//! signed-out parent's login form at once instead of "Chargement…" while the shell answers
//! (issue 17; BENCHMARKS.md, "Start-up timeline"). A hint only: start-up's answers replace it a
//! few milliseconds later, and a wrong hint costs a screen change, never a wrong decision.
//!
//! Two items, nothing secret (no email, no token):
//! - `cartable.app-info`: the last [`AppInfo`] the shell gave, as JSON (language, portal and
//!   demo mode, the portal's social providers, keychain availability, version), so the first
//!   screen is in the parent's language, with the demo banner and the buttons it will keep once
//!   the shell answers; one that no longer decodes (an older version's) is ignored;
//! - `cartable.start`: `"login"` when the last launch left nothing to restore (every parent
//!   signed out, no sign-up or reset under way), else `"restore"`. Only `"login"` opens the
//!   login form at once: a first launch, or a hint lost with the webview's data, waits for
//!   start-up as a signed-in parent's launch does, so no login form ever shows before a
//!   session the shell is about to restore.

use cartable_core::ipc::AppInfo;

use crate::routes::AppRoute;
use crate::state::SignInState;

/// The `localStorage` key of the last [`AppInfo`].
const INFO_KEY: &str = "cartable.app-info";
/// The `localStorage` key saying whether start-up must be waited for.
const START_KEY: &str = "cartable.start";
/// [`START_KEY`]'s value when nothing is to be restored.
const LOGIN: &str = "login";
/// [`START_KEY`]'s value when start-up must be waited for.
const RESTORE: &str = "restore";

/// The first screen of a launch opened at `route` (the location's), given whether the last
/// launch left a parent signed in or a flow under way (`restore`): the login form at once when
/// nothing is to be restored, else the route itself (the start screen waits for the shell).
pub fn first_route(route: AppRoute, restore: bool) -> AppRoute {
    if route == AppRoute::Start && !restore { AppRoute::Login } else { route }
}

/// Whether the next launch must wait for start-up (`Some(true)`), may open the login form
/// (`Some(false)`), or cannot tell yet (`None`: start-up has not answered, or found the portal
/// unreachable; the hint is left as it is). `listed`: parents are signed in on this device
/// (the header's switcher), including one set aside by "Ajouter un parent", whom the next
/// start-up resumes. A session the keychain does not keep (`persisted: false`: no keychain, so
/// no parent is kept) ends with the app, so it leaves nothing to restore.
pub fn restore_needed(session: &SignInState, flow_pending: bool, listed: bool) -> Option<bool> {
    match session {
        SignInState::Starting => None,
        SignInState::SignedIn { persisted, .. } => Some(*persisted),
        SignInState::SignedOut => Some(flow_pending || listed),
    }
}

/// The hint as the last launch left it.
#[derive(Debug)]
pub struct LaunchHint {
    /// The last [`AppInfo`] start-up answered, if it could be read back.
    pub info: Option<AppInfo>,
    /// Whether start-up must be waited for ([`restore_needed`]); `true` without a hint.
    pub restore: bool,
}

pub use web::{load, save_info, save_restore};

/// The webview's storage (unavailable storage reads as no hint and writes nothing).
mod web {
    use cartable_core::ipc::AppInfo;

    use super::{INFO_KEY, LOGIN, LaunchHint, RESTORE, START_KEY};

    /// `window.localStorage`, when the webview gives it.
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    /// Reads the hint; anything missing or unreadable (e.g. an [`AppInfo`] of an older version)
    /// is left out.
    pub fn load() -> LaunchHint {
        let Some(storage) = storage() else { return LaunchHint { info: None, restore: true } };
        let info = storage
            .get_item(INFO_KEY)
            .ok()
            .flatten()
            .and_then(|json| js_sys::JSON::parse(&json).ok())
            .and_then(|value| serde_wasm_bindgen::from_value(value).ok());
        let restore = storage.get_item(START_KEY).ok().flatten().as_deref() != Some(LOGIN);
        LaunchHint { info, restore }
    }

    /// Keeps `info` for the next launch.
    pub fn save_info(info: &AppInfo) {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let json = serde::Serialize::serialize(info, &serializer)
            .ok()
            .and_then(|value| js_sys::JSON::stringify(&value).ok())
            .and_then(|json| json.as_string());
        if let (Some(storage), Some(json)) = (storage(), json) {
            let _ = storage.set_item(INFO_KEY, &json);
        }
    }

    /// Keeps whether the next launch must wait for start-up.
    pub fn save_restore(restore: bool) {
        if let Some(storage) = storage() {
            let _ = storage.set_item(START_KEY, if restore { RESTORE } else { LOGIN });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a launch at the start route with nothing to restore opens the login form at once;
    /// a launch at another route (a reload) keeps it.
    #[test]
    fn the_login_form_opens_at_once_only_when_nothing_is_to_be_restored() {
        assert_eq!(first_route(AppRoute::Start, false), AppRoute::Login);
        assert_eq!(first_route(AppRoute::Start, true), AppRoute::Start);
        assert_eq!(first_route(AppRoute::Help, false), AppRoute::Help);
        assert_eq!(first_route(AppRoute::Children, true), AppRoute::Children);
    }

    /// A kept session, a flow under way or a parent listed (one set aside by "Ajouter un
    /// parent"): wait next time. Nothing of these: open the login form. Still starting (or the
    /// portal unreachable): keep the hint.
    #[test]
    fn restore_follows_where_the_parent_stands() {
        let kept = SignInState::SignedIn { email: "a@b.ca".into(), persisted: true };
        let not_kept = SignInState::SignedIn { email: "a@b.ca".into(), persisted: false };
        let out = SignInState::SignedOut;
        assert_eq!(restore_needed(&kept, false, true), Some(true));
        assert_eq!(restore_needed(&not_kept, false, true), Some(false), "ends with the app");
        assert_eq!(restore_needed(&out, true, false), Some(true));
        assert_eq!(restore_needed(&out, false, true), Some(true), "a parent set aside");
        assert_eq!(restore_needed(&out, false, false), Some(false));
        assert_eq!(restore_needed(&SignInState::Starting, false, false), None);
    }
}
