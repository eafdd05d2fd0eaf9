//! The route table: one enum, matched from the URL's hash (`#/enfants`).
//!
//! Hash routing works the same under Tauri's custom protocol (`tauri://localhost`,
//! `http://tauri.localhost`) and a static file server: the document is always `index.html`, so a
//! reload never asks the protocol handler for a path it does not have. [`HashIntegration`]
//! plugs that into sycamore-router; [`AppRoute::path`] is the inverse of matching, and a test
//! checks both agree for every route.

use sycamore_router::Route;

/// Every screen of the app.
#[derive(Route, Debug, Clone, PartialEq, Eq)]
pub enum AppRoute {
    /// Start-up: restoring the session, then redirecting.
    #[to("/")]
    Start,
    /// "Accès aux parents" (login).
    #[to("/connexion")]
    Login,
    /// "Créez votre compte".
    #[to("/inscription")]
    SignUp,
    /// "Mot de passe oublié?".
    #[to("/mot-de-passe-oublie")]
    Reset,
    /// "Mes enfants".
    #[to("/enfants")]
    Children,
    /// "Associer un enfant".
    #[to("/enfants/associer")]
    Associate,
    /// A child's file (its sections).
    #[to("/enfants/<id>")]
    Dossier {
        /// The child's id as the portal gave it.
        id: String,
    },
    /// "Aide à la connexion".
    #[to("/aide")]
    Help,
    /// "Paramètres".
    #[to("/parametres")]
    Settings,
    /// The demo portal's mailbox.
    #[to("/demo/courriel")]
    DemoMail,
    /// Anything else.
    #[not_found]
    NotFound,
}

impl AppRoute {
    /// The path of this route (without the `#`).
    pub fn path(&self) -> String {
        match self {
            AppRoute::Start | AppRoute::NotFound => "/".to_owned(),
            AppRoute::Login => "/connexion".to_owned(),
            AppRoute::SignUp => "/inscription".to_owned(),
            AppRoute::Reset => "/mot-de-passe-oublie".to_owned(),
            AppRoute::Children => "/enfants".to_owned(),
            AppRoute::Associate => "/enfants/associer".to_owned(),
            AppRoute::Dossier { id } => format!("/enfants/{}", encode_segment(id)),
            AppRoute::Help => "/aide".to_owned(),
            AppRoute::Settings => "/parametres".to_owned(),
            AppRoute::DemoMail => "/demo/courriel".to_owned(),
        }
    }

    /// The `href` of a link to this route (`#/enfants`).
    pub fn href(&self) -> String {
        format!("#{}", self.path())
    }

    /// Whether the screen needs a signed-in parent.
    pub fn needs_session(&self) -> bool {
        matches!(self, AppRoute::Children | AppRoute::Associate | AppRoute::Dossier { .. })
    }

    /// The Fluent key of the screen's title (the window title and the `h1`).
    pub fn title_key(&self) -> &'static str {
        match self {
            AppRoute::Start | AppRoute::NotFound => "app-name",
            AppRoute::Login => "login-title",
            AppRoute::SignUp => "signup-title",
            AppRoute::Reset => "reset-title",
            AppRoute::Children => "children-title",
            AppRoute::Associate => "associate-title",
            AppRoute::Dossier { .. } => "dossier-title",
            AppRoute::Help => "help-title",
            AppRoute::Settings => "settings-title",
            AppRoute::DemoMail => "demo-mail-title",
        }
    }
}

/// Percent-encodes what cannot stand in a path segment (ids are UUIDs; this is a safeguard).
fn encode_segment(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.~".contains(c) {
                c.to_string()
            } else {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf).bytes().map(|b| format!("%{b:02X}")).collect()
            }
        })
        .collect()
}

/// The route path held by a location hash: `#/enfants` → `/enfants`; empty → `/`.
pub fn path_from_hash(hash: &str) -> String {
    let path = hash.strip_prefix('#').unwrap_or(hash);
    if path.is_empty() {
        "/".to_owned()
    } else if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

/// Matches a location hash against the route table.
pub fn route_for_hash(hash: &str) -> AppRoute {
    AppRoute::default().match_path(&path_from_hash(hash))
}

pub use web::{HashIntegration, current, focus_main, go, replace, start_at};

/// Browser-only pieces (they compile natively but are only called in the webview).
mod web {
    use sycamore::prelude::*;
    use sycamore_router::Integration;
    use wasm_bindgen::prelude::*;

    use super::{AppRoute, path_from_hash};

    /// Routes from `location.hash`: links are plain `<a href="#/…">`, the browser moves the
    /// hash and fires `hashchange`; nothing reloads the webview.
    #[derive(Debug, Default)]
    pub struct HashIntegration;

    impl Integration for HashIntegration {
        fn current_pathname(&self) -> String {
            path_from_hash(&window().location().hash().unwrap_or_default())
        }

        fn on_popstate(&self, f: Box<dyn FnMut()>) {
            let closure = Closure::wrap(f);
            let _ = window()
                .add_event_listener_with_callback("hashchange", closure.as_ref().unchecked_ref());
            closure.forget();
        }

        fn click_handler(&self) -> Box<dyn Fn(web_sys::MouseEvent)> {
            // Hash links need no help: the browser changes the hash and fires `hashchange`.
            Box::new(|_| {})
        }
    }

    /// Goes to `route`, adding a history entry (Back returns).
    pub fn go(route: &AppRoute) {
        let href = route.href();
        if window().location().hash().ok().as_deref() == Some(href.as_str()) {
            return;
        }
        if window()
            .history()
            .and_then(|h| h.push_state_with_url(&JsValue::NULL, "", Some(&href)))
            .is_ok()
        {
            sycamore_router::navigate_no_history(&route.path());
        } else {
            let _ = window().location().set_hash(&href);
        }
        focus_main();
    }

    /// Goes to `route`, replacing the current entry (redirects).
    pub fn replace(route: &AppRoute) {
        if replace_entry(route) {
            sycamore_router::navigate_no_history(&route.path());
        }
        focus_main();
    }

    /// Before the router starts: makes `route` the location it starts at, replacing the entry.
    pub fn start_at(route: &AppRoute) {
        replace_entry(route);
    }

    /// Replaces the current history entry with `route`'s; `false` when the history refused
    /// and the hash was set instead (the router then follows `hashchange`).
    fn replace_entry(route: &AppRoute) -> bool {
        let href = route.href();
        let replaced = window()
            .history()
            .and_then(|h| h.replace_state_with_url(&JsValue::NULL, "", Some(&href)))
            .is_ok();
        if !replaced {
            let _ = window().location().set_hash(&href);
        }
        replaced
    }

    /// The route of the current location.
    pub fn current() -> AppRoute {
        super::route_for_hash(&window().location().hash().unwrap_or_default())
    }

    /// After a screen change, focus its heading so keyboard and screen-reader users start at
    /// the top of the new screen.
    /// Moves focus to the current screen's heading, so a screen reader announces the new screen
    /// and Tab starts from the top of it.
    pub fn focus_main() {
        if let Some(h1) = document()
            .query_selector("main h1")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = h1.focus();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn all() -> Vec<AppRoute> {
        vec![
            AppRoute::Start,
            AppRoute::Login,
            AppRoute::SignUp,
            AppRoute::Reset,
            AppRoute::Children,
            AppRoute::Associate,
            AppRoute::Dossier { id: "0b9c6f0e-4a7e-4a55-9f7e-1d2c3b4a5f60".into() },
            AppRoute::Help,
            AppRoute::Settings,
            AppRoute::DemoMail,
        ]
    }

    #[test]
    fn every_route_matches_its_own_path() {
        for route in all() {
            assert_eq!(route_for_hash(&route.href()), route, "{}", route.href());
        }
    }

    #[test]
    fn associate_is_not_taken_for_a_child_id() {
        assert_eq!(route_for_hash("#/enfants/associer"), AppRoute::Associate);
        assert_eq!(route_for_hash("#/enfants/abc"), AppRoute::Dossier { id: "abc".into() });
    }

    #[test]
    fn empty_and_unknown_hashes() {
        assert_eq!(route_for_hash(""), AppRoute::Start);
        assert_eq!(route_for_hash("#"), AppRoute::Start);
        assert_eq!(route_for_hash("#/nowhere"), AppRoute::NotFound);
        assert_eq!(route_for_hash("#aide"), AppRoute::Help);
    }

    #[test]
    fn only_child_screens_need_a_session() {
        let guarded: Vec<_> = all().into_iter().filter(AppRoute::needs_session).collect();
        assert_eq!(guarded.len(), 3);
        assert!(!AppRoute::Settings.needs_session(), "language and portal are set before login");
    }
}
