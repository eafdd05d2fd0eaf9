//! The app: context, start-up, the router and the page frame (header, demo banner, footer).

use cartable_core::error::SettingRefusal;
use cartable_core::ipc::{GetAppInfo, Language, RestoreSession, Startup, UiMarks, UiReady};
use cartable_core::{ErrorKind, Failure};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use sycamore_router::Router;

use crate::components::account_switcher::{AccountSwitcher, reload_accounts};
use crate::components::demo_banner::{DemoBanner, KeychainNotice};
use crate::hint;
use crate::i18n::{I18n, Tr, use_i18n};
use crate::ipc;
use crate::routes::{self, AppRoute, HashIntegration, focus_main, go, replace};
use crate::screens;
use crate::state::{SignInState, UiState, use_app};

/// Where start-up sends the parent.
pub fn route_after_startup(startup: &Startup) -> AppRoute {
    match startup {
        Startup::SignedIn(_) => AppRoute::Children,
        Startup::SignedOut { .. } => AppRoute::Login,
        Startup::Pending(step) => match flow_of(step) {
            cartable_core::ipc::FlowKind::SignUp => AppRoute::SignUp,
            cartable_core::ipc::FlowKind::Reset => AppRoute::Reset,
        },
        Startup::PortalUnreachable { .. } => AppRoute::Start,
    }
}

/// The flow a pending step belongs to.
pub fn flow_of(step: &cartable_core::ipc::FlowStep) -> cartable_core::ipc::FlowKind {
    use cartable_core::ipc::FlowStep;
    match step {
        FlowStep::Email { flow, .. } => *flow,
        FlowStep::Code(code) => code.flow,
        FlowStep::Password(password) => password.flow,
    }
}

/// Whether start-up's answer takes a parent who is on `current` to `landing`: only from the
/// signed-out screens the login form opened at once leads to (the login form, sign-up, reset),
/// so a parent who went to Aide or Paramètres meanwhile stays there; the start screen opens
/// the landing itself.
pub fn redirect_after_startup(current: &AppRoute, landing: &AppRoute) -> bool {
    matches!(current, AppRoute::Login | AppRoute::SignUp | AppRoute::Reset) && current != landing
}

/// Asks the shell what it runs against and where the parent stands, both at once (one round
/// trip on the start-up's critical path, not two; the info is applied as soon as it comes),
/// then sets [`UiState::landing`], which the start screen opens (at once if the parent is on
/// it; see [`redirect_after_startup`] for the screens the login form opened at once leads to).
/// The answer is applied only while the session is still starting: a parent who signed in on
/// the login form opened at once ([`hint`]) keeps that session. Also used by "Réessayer".
pub fn start_up(app: UiState, i18n: I18n, unreachable: Signal<bool>) {
    spawn_local_scoped(async move {
        let asked_in = i18n.lang.get_untracked();
        let info = async {
            if let Ok(info) = ipc::call::<GetAppInfo>(&()).await {
                // A language the parent chose meanwhile (the header's button) stays.
                if i18n.lang.get_untracked() == asked_in {
                    i18n.lang.set(info.language);
                }
                app.info.set(Some(info));
            }
        };
        let ((), startup) =
            futures_util::future::join(info, ipc::call::<RestoreSession>(&())).await;
        let answered = unix_ms();
        if app.session.with_untracked(|s| *s != SignInState::Starting) {
            report_ready(Some(answered));
            return;
        }
        match startup {
            Ok(startup) => {
                unreachable.set(matches!(startup, Startup::PortalUnreachable { .. }));
                let route = route_after_startup(&startup);
                match startup {
                    Startup::SignedIn(s) => app.signed_in(s.email, s.persisted),
                    Startup::SignedOut { email, session_expired } => {
                        if session_expired {
                            app.notice.set(Some("notice-session-expired".to_owned()));
                        }
                        app.signed_out(email);
                    }
                    Startup::Pending(step) => {
                        app.flow.set(Some(step));
                        app.session.set(SignInState::SignedOut);
                    }
                    Startup::PortalUnreachable { email } => {
                        if let Some(email) = email {
                            app.email.set(email);
                        }
                    }
                }
                if redirect_after_startup(&routes::current(), &route) {
                    replace(&route);
                }
                app.landing.set(Some(route));
            }
            Err(problem) => {
                // Outside the shell (or a broken shell): show the login screen with the reason.
                app.session.set(SignInState::SignedOut);
                app.notice.set(Some(startup_notice(&problem)));
                app.landing.set(Some(AppRoute::Login));
            }
        }
        report_ready(Some(answered));
    });
}

/// The notice key for a start-up that failed with `problem`: a build without the demo portal
/// and no portal configured gets its own ("enter your portal's address in Paramètres"); any
/// other problem its error message.
pub fn startup_notice(problem: &cartable_core::AppError) -> String {
    match &problem.kind {
        ErrorKind::Failure(Failure::InvalidSetting { reason: Some(SettingRefusal::NoPortal) }) => {
            "notice-no-portal".to_owned()
        }
        _ => crate::i18n::error_key(&problem.code()),
    }
}

/// When the app was mounted (the first [`App`]), in Unix milliseconds.
static MOUNTED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

/// Unix milliseconds now (`Date.now()`: the wall clock the shell's log shares); 0 outside the
/// webview.
fn unix_ms() -> u64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::now() as u64;
    #[cfg(not(target_arch = "wasm32"))]
    0
}

/// When the webview started loading the page (`performance.timeOrigin`), in Unix milliseconds.
fn navigation_ms() -> u64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0, |p| p.time_origin() as u64)
}

/// Tells the shell the first screen is interactive (`ui_ready`, the bench's start-up mark), with
/// the UI's [`UiMarks`] (`answered`: when the start-up answers arrived, `None` for a screen
/// shown without them), once the routed screen has rendered (the next task); the shell keeps
/// only the first call.
fn report_ready(answered: Option<u64>) {
    sycamore::futures::spawn_local(async move {
        let marks = UiMarks {
            navigation: navigation_ms(),
            wasm_started: MOUNTED.get().copied().unwrap_or_default(),
            answered,
            rendered: unix_ms(),
        };
        let _ = ipc::call::<UiReady>(&marks).await;
    });
}

/// The root component.
#[component]
pub fn App() -> View {
    MOUNTED.get_or_init(unix_ms);
    let app = UiState::new();
    provide_context(app);
    // The last launch's info until start-up answers: the first screen in the parent's language,
    // with the demo banner and the portal's buttons it will keep.
    let hint = hint::load();
    let i18n = I18n::new(hint.info.as_ref().map_or(Language::FrCa, |info| info.language));
    provide_context(i18n);
    app.info.set(hint.info);
    let unreachable = create_signal(false);
    provide_context(Unreachable(unreachable));
    // Nothing to restore: the login form now, interactive while the shell answers.
    let opened = routes::current();
    let first = hint::first_route(opened.clone(), hint.restore);
    let at_once = first != opened;
    if at_once {
        routes::start_at(&first);
    }
    start_up(app, i18n, unreachable);
    if at_once {
        report_ready(None);
    }
    // Each info the shell gives is kept for the next launch; the first run only subscribes
    // (its value is the one just read back from the hint).
    let mut read_back = true;
    create_effect(move || {
        app.info.with(|info| {
            if !std::mem::take(&mut read_back)
                && let Some(info) = info
            {
                hint::save_info(info);
            }
        });
    });
    create_effect(move || {
        let flow_pending = app.flow.with(Option::is_some);
        let listed = app.accounts.with(|list| !list.accounts.is_empty());
        if let Some(restore) = hint::restore_needed(&app.session.get_clone(), flow_pending, listed)
        {
            hint::save_restore(restore);
        }
    });
    // The document's language follows the setting (screen readers pronounce accordingly).
    create_effect(move || {
        let tag = i18n.lang.get().tag();
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", tag);
        }
    });
    view! {
        Router(
            integration=HashIntegration,
            view=|route: ReadSignal<AppRoute>| view! { Frame(route=route) },
        )
    }
}

/// Where the header's brand link goes: the children when signed in, the start screen while
/// start-up runs (it moves on to where start-up lands), else the login form.
fn brand_route(session: &SignInState) -> AppRoute {
    match session {
        SignInState::SignedIn { .. } => AppRoute::Children,
        SignInState::Starting => AppRoute::Start,
        _ => AppRoute::Login,
    }
}

/// Whether start-up found the portal unreachable (the start screen then offers "Réessayer").
#[derive(Debug, Clone, Copy)]
pub struct Unreachable(pub Signal<bool>);

/// Header, demo banner, the current screen, footer.
#[component(inline_props)]
fn Frame(route: ReadSignal<AppRoute>) -> View {
    let i18n = use_i18n();
    let app = use_app();
    // Screens that need a session send a signed-out parent to the login screen.
    create_effect(move || {
        let needs = route.with(AppRoute::needs_session);
        if needs && app.session.with(|s| *s == SignInState::SignedOut) {
            replace(&AppRoute::Login);
        }
    });
    // Every sign-in, sign-out or switch: the switcher lists the parents signed in again.
    create_effect(move || {
        app.session.track();
        reload_accounts(app);
    });
    // Every screen change, by a link or by code, moves focus to the new screen's heading once
    // it is rendered (next microtask).
    create_effect(move || {
        route.track();
        sycamore::futures::spawn_local(async { focus_main() });
    });
    create_effect(move || {
        let title = format!("{} · {}", i18n.t(route.with(AppRoute::title_key)), i18n.t("app-name"));
        document().set_title(&title);
    });
    let signed_in =
        create_selector(move || matches!(app.session.get_clone(), SignInState::SignedIn { .. }));
    view! {
        a(class="skip-link", href="#main", on:click=|e: web_sys::MouseEvent| {
            e.prevent_default();
            focus_main();
        }) { (Tr { key: "skip-to-content" }) }
        // The banner landmark holds the site's bar and the notices about the whole app (demo
        // mode, no keychain), so no content sits outside a landmark.
        header {
            div(class="site-header") {
                div(class="header-inner") {
                    a(class="brand", href=move || brand_route(&app.session.get_clone()).href()) {
                        span(class="brand-mark", aria-hidden="true") { "▮" }
                        span { (Tr { key: "app-name" }) }
                    }
                    nav(aria-label=i18n.t("nav-label")) {
                        ul {
                            (if signed_in.get() {
                                view! { li { a(href=AppRoute::Children.href()) { (Tr { key: "nav-children" }) } } }
                            } else { view! {} })
                            li { a(href=AppRoute::Help.href()) { (Tr { key: "nav-help" }) } }
                            li { a(href=AppRoute::Settings.href()) { (Tr { key: "nav-settings" }) } }
                            li { AccountSwitcher() }
                            li {
                                button(class="link-button", r#type="button", lang=move || other_lang(i18n.lang.get()).tag(),
                                    on:click=move |_| screens::settings::set_language(app, i18n, other_lang(i18n.lang.get()))) {
                                    (Tr { key: "nav-other-language" })
                                }
                            }
                        }
                    }
                }
            }
            DemoBanner()
            KeychainNotice()
        }
        main(id="main", class="content") {
            // Built anew at each switch of parent (`account_epoch`): nothing a screen held for
            // the previous parent shows under the next.
            (match (app.account_epoch.get(), route.get_clone()).1 {
                AppRoute::Start | AppRoute::NotFound => view! { screens::start::Start() },
                AppRoute::Login => view! { screens::login::Login() },
                AppRoute::SignUp => view! { screens::sign_up::SignUp() },
                AppRoute::Reset => view! { screens::reset::Reset() },
                AppRoute::Children => view! { screens::children::Children() },
                AppRoute::Associate => view! { screens::associate::Associate() },
                AppRoute::Dossier { id } => view! { screens::dossier::Dossier(id=id) },
                AppRoute::Help => view! { screens::help::Help() },
                AppRoute::Settings => view! { screens::settings::Settings() },
                AppRoute::DemoMail => view! { screens::demo_mail::DemoMail() },
            })
        }
        footer(class="site-footer") {
            p { (Tr { key: "footer-text" }) }
        }
    }
}

/// The language the header's switch offers.
pub fn other_lang(lang: Language) -> Language {
    match lang {
        Language::FrCa => Language::EnCa,
        Language::EnCa => Language::FrCa,
    }
}

/// Navigates (re-exported for screens).
pub fn navigate(route: &AppRoute) {
    go(route);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use cartable_core::ipc::{CodeStep, FlowKind, FlowStep, SignedIn};

    use super::*;

    #[test]
    fn the_brand_link_waits_for_start_up_before_choosing_login() {
        assert_eq!(brand_route(&SignInState::Starting), AppRoute::Start);
        assert_eq!(brand_route(&SignInState::SignedOut), AppRoute::Login);
    }

    #[test]
    fn a_build_without_the_demo_portal_says_where_to_enter_one() {
        let no_portal = Failure::InvalidSetting { reason: Some(SettingRefusal::NoPortal) };
        assert_eq!(startup_notice(&no_portal.into()), "notice-no-portal");
        assert_eq!(startup_notice(&Failure::Internal.into()), "err-internal");
    }

    /// The answer moves a parent only from the screens the login form leads to, and only to
    /// another screen.
    #[test]
    fn startup_redirects_only_from_the_signed_out_screens() {
        assert!(redirect_after_startup(&AppRoute::Login, &AppRoute::Children));
        assert!(redirect_after_startup(&AppRoute::SignUp, &AppRoute::Children));
        assert!(redirect_after_startup(&AppRoute::Login, &AppRoute::Reset));
        assert!(!redirect_after_startup(&AppRoute::Login, &AppRoute::Login));
        assert!(!redirect_after_startup(&AppRoute::Help, &AppRoute::Children));
        assert!(!redirect_after_startup(&AppRoute::Settings, &AppRoute::Login));
        assert!(!redirect_after_startup(&AppRoute::Start, &AppRoute::Login));
    }

    #[test]
    fn startup_routes() {
        let signed_in = Startup::SignedIn(SignedIn { email: "a@b.ca".into(), persisted: true });
        assert_eq!(route_after_startup(&signed_in), AppRoute::Children);
        let out = Startup::SignedOut { email: None, session_expired: true };
        assert_eq!(route_after_startup(&out), AppRoute::Login);
        let pending = Startup::Pending(FlowStep::Code(CodeStep {
            flow: FlowKind::Reset,
            email: "a@b.ca".into(),
            target_label: "a***@b*.ca".into(),
            code_length: 6,
            resend_available_at: 0,
            expires_at: 0,
        }));
        assert_eq!(route_after_startup(&pending), AppRoute::Reset);
        let email =
            Startup::Pending(FlowStep::Email { flow: FlowKind::SignUp, email: "a@b.ca".into() });
        assert_eq!(route_after_startup(&email), AppRoute::SignUp);
        assert_eq!(
            route_after_startup(&Startup::PortalUnreachable { email: None }),
            AppRoute::Start
        );
    }

    #[test]
    fn language_switch_alternates() {
        assert_eq!(other_lang(Language::FrCa), Language::EnCa);
        assert_eq!(other_lang(Language::EnCa), Language::FrCa);
    }
}
