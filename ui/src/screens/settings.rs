//! "Paramètres": language, portal (advanced), change password, sign out, forget this device
//! (the current parent), forget every account, delete the account, whether "stay signed
//! in" works on this computer, and updates (`components::updates`).

use cartable_core::AppError;
use cartable_core::ipc::{
    ChangePasswordStart, DeleteAccount, FlowStep, ForgetAllAccounts, ForgetDevice, GetAppInfo,
    GetMe, Language, SettingsUpdate, SignOut, UpdateSettings,
};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use wasm_bindgen::JsCast as _;

use crate::components::updates::UpdatesCard;
use crate::i18n::{Arg, I18n, use_i18n};
use crate::ipc;
use crate::routes::{AppRoute, go};
use crate::state::{SignInState, UiState, use_app};

/// Switches the language, through the shell so the portal's emails follow; the UI switches at
/// once even if the shell cannot be reached.
pub fn set_language(app: UiState, i18n: I18n, lang: Language) {
    i18n.lang.set(lang);
    spawn_local_scoped(async move {
        let update = SettingsUpdate { language: Some(lang), portal_url: None };
        if let Ok(info) = ipc::call::<UpdateSettings>(&update).await {
            app.info.set(Some(info));
        }
    });
}

/// Runs `C` ("Oublier cet appareil", "Oublier tous les comptes"), then shows the login screen
/// with nothing of the forgotten parent and reads the app's info again; a refusal is shown in
/// `problem`.
fn forget_then_log_in<C>(app: UiState, problem: Signal<Option<AppError>>)
where
    C: cartable_core::ipc::Command<Args = (), Output = ()>,
{
    spawn_local_scoped(async move {
        match ipc::call::<C>(&()).await {
            Ok(()) => {
                app.switched(SignInState::SignedOut, None, None);
                go(&AppRoute::Login);
                refresh_info(app);
            }
            Err(p) => problem.set(Some(p)),
        }
    });
}

/// Asks the shell again what the app runs against: a portal chosen while signed in takes effect
/// at sign-out, and the demo banner and "Portail utilisé" must follow. Not scoped to this
/// screen: signing out removes the part of it that asked, and the answer must still land.
fn refresh_info(app: UiState) {
    sycamore::futures::spawn_local(async move {
        if let Ok(info) = ipc::call::<GetAppInfo>(&()).await {
            app.info.set(Some(info));
        }
    });
}

/// The settings screen.
#[component]
pub fn Settings() -> View {
    let i18n = use_i18n();
    let app = use_app();
    let problem = create_signal(None::<AppError>);
    let saved = create_signal(false);
    // A refused portal address is said under its field, not at the top of the page.
    let portal_problem = create_signal(None::<AppError>);
    let portal = create_signal(app.info.with(|i| {
        i.as_ref().filter(|i| !i.portal.demo).map(|i| i.portal.origin.clone()).unwrap_or_default()
    }));
    let confirm_delete = create_signal(false);
    let busy = create_signal(false);
    let signed_in =
        create_selector(move || matches!(app.session.get_clone(), SignInState::SignedIn { .. }));
    // "Changer le mot de passe" only for an account with a password (`local` among its
    // providers): an account made with a social button has none (`docs/contract.md §5`).
    // Asked whenever the parent is signed in, including by a start-up that ends while this
    // screen is open.
    let has_password = create_signal(None::<bool>);
    create_effect(move || {
        if signed_in.get() {
            spawn_local_scoped(async move {
                if let Ok(me) = ipc::call::<GetMe>(&()).await {
                    has_password.set(Some(me.providers.iter().any(|p| p == "local")));
                }
            });
        }
    });

    let save_portal = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        if busy.get() {
            return;
        }
        busy.set(true);
        saved.set(false);
        portal_problem.set(None);
        let url = portal.get_clone();
        let portal_url =
            if url.trim().is_empty() { Some(None) } else { Some(Some(url.trim().to_owned())) };
        spawn_local_scoped(async move {
            let result =
                ipc::call::<UpdateSettings>(&SettingsUpdate { language: None, portal_url }).await;
            busy.set(false);
            match result {
                Ok(info) => {
                    app.info.set(Some(info));
                    saved.set(true);
                }
                Err(p) => portal_problem.set(Some(p)),
            }
        });
    };
    let change_password = move |_| {
        spawn_local_scoped(async move {
            match ipc::call::<ChangePasswordStart>(&()).await {
                Ok(step) => {
                    app.flow.set(Some(FlowStep::Code(step)));
                    go(&AppRoute::Reset);
                }
                Err(p) => problem.set(Some(p)),
            }
        });
    };
    let sign_out = move |_| {
        spawn_local_scoped(async move {
            match ipc::call::<SignOut>(&()).await {
                Ok(out) => {
                    app.signed_out(out.email);
                    go(&AppRoute::Login);
                    refresh_info(app);
                }
                Err(p) => problem.set(Some(p)),
            }
        });
    };
    let forget = move |_| forget_then_log_in::<ForgetDevice>(app, problem);
    let forget_all = move |_| forget_then_log_in::<ForgetAllAccounts>(app, problem);
    let delete = move |_| {
        spawn_local_scoped(async move {
            match ipc::call::<DeleteAccount>(&()).await {
                Ok(()) => {
                    app.switched(SignInState::SignedOut, None, Some("settings-deleted"));
                    go(&AppRoute::Login);
                }
                Err(p) => problem.set(Some(p)),
            }
        });
    };
    let lang_choice = move |lang: Language, key: &'static str| {
        let id = format!("lang-{}", lang.tag());
        let label_for = id.clone();
        let tag = lang.tag();
        view! {
            input(r#type="radio", name="language", id=id, value=tag,
                prop:checked=move || i18n.lang.get() == lang,
                on:change=move |_| set_language(app, i18n, lang))
            label(r#for=label_for, lang=tag) { (i18n.t(key)) }
        }
    };

    view! {
        div(class="screen narrow") {
            h1(tabindex="-1") { (i18n.t("settings-title")) }
            div(aria-live="polite") {
                (match problem.get_clone() {
                    Some(p) => { let text = i18n.error(&p); view! { p(class="alert error-box", role="alert") { (text) } } }
                    None => view! {},
                })
            }
            section(class="card") {
                fieldset(class="yes-no") {
                    legend { (i18n.t("settings-language")) }
                    div(class="choices") {
                        (lang_choice(Language::FrCa, "settings-language-fr"))
                        (lang_choice(Language::EnCa, "settings-language-en"))
                    }
                }
            }
            section(class="card") {
                h2 { (i18n.t("settings-keychain-title")) }
                p {
                    (app.info.with(|i| match i {
                        Some(info) if info.keychain_available => i18n.t("settings-keychain-yes"),
                        Some(_) => i18n.t("settings-keychain-no"),
                        None => i18n.t("settings-keychain-unknown"),
                    }))
                }
            }
            UpdatesCard()
            (if signed_in.get() {
                view! {
                    section(class="card") {
                        h2 { (i18n.t("settings-account")) }
                        p { (match app.session.get_clone() { SignInState::SignedIn { email, .. } => email, _ => String::new() }) }
                        div(class="actions column") {
                            (match has_password.get() {
                                Some(true) => view! { button(r#type="button", class="button secondary", on:click=change_password) { (i18n.t("settings-change-password")) } },
                                Some(false) => view! { p(class="hint", id="no-password") { (i18n.t("settings-no-password")) } },
                                None => view! {},
                            })
                            button(r#type="button", class="button secondary", on:click=sign_out) { (i18n.t("settings-sign-out")) }
                            p(class="hint", id="forget-text") { (i18n.t("settings-forget-text")) }
                            button(r#type="button", class="button secondary", aria-describedby="forget-text", on:click=forget) { (i18n.t("settings-forget")) }
                        }
                    }
                }
            } else { view! {} })
            section(class="card") {
                h2 { (i18n.t("settings-device")) }
                p(class="hint", id="forget-all-text") { (i18n.t("settings-forget-all-text")) }
                button(r#type="button", class="button secondary", aria-describedby="forget-all-text", on:click=forget_all) { (i18n.t("settings-forget-all")) }
            }
            (if signed_in.get() {
                view! {
                    section(class="card danger-zone") {
                        h2 { (i18n.t("settings-delete")) }
                        p { (i18n.t("settings-delete-what")) }
                        (if confirm_delete.get() {
                            view! {
                                div(class="alert warn-box", role="alert") {
                                    p { (i18n.t("settings-delete-confirm")) }
                                    div(class="actions") {
                                        button(r#type="button", class="button danger", on:click=delete) { (i18n.t("settings-delete-yes")) }
                                        button(r#type="button", class="button secondary", on:click=move |_| confirm_delete.set(false)) { (i18n.t("common-cancel")) }
                                    }
                                }
                            }
                        } else {
                            view! { button(r#type="button", class="button danger", on:click=move |_| confirm_delete.set(true)) { (i18n.t("settings-delete")) } }
                        })
                    }
                }
            } else { view! {} })
            details(class="card") {
                summary { (i18n.t("settings-advanced")) }
                form(on:submit=save_portal, novalidate=true) {
                    div(class="field") {
                        label(r#for="field-portal") { (i18n.t("settings-portal")) }
                        p(class="hint", id="hint-portal") { (i18n.t("settings-portal-hint")) }
                        // `change` too: a field emptied without typing (autofill, an assistive
                        // tool's clear) fires no `input`, and an empty field means the demo portal.
                        input(id="field-portal", r#type="url", autocomplete="off", inputmode="url",
                            placeholder="https://portail.example.ca", aria-describedby="hint-portal", bind:value=portal,
                            on:change=move |e: web_sys::Event| {
                                if let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                    portal.set(input.value());
                                }
                            })
                    }
                    p(class="hint") {
                        (app.info.with(|i| match i {
                            Some(info) => i18n.ta("settings-portal-current", &[("origin", Arg::Str(info.portal.origin.clone()))]),
                            None => String::new(),
                        }))
                    }
                    (if saved.get() { view! { p(class="alert success-box", role="status") { (i18n.t("settings-saved")) } } } else { view! {} })
                    (match portal_problem.get_clone() {
                        Some(p) => { let text = i18n.error(&p); view! { p(class="alert error-box", role="alert") { (text) } } }
                        None => view! {},
                    })
                    button(r#type="submit", class="button primary", disabled=move || busy.get()) { (i18n.t("common-save")) }
                }
            }
            p(class="hint") {
                (app.info.with(|i| i.as_ref().map(|i| i18n.ta("settings-version", &[("version", Arg::Str(i.version.clone()))])).unwrap_or_default()))
            }
        }
    }
}
