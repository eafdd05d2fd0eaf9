//! Start-up: "Chargement…", or "Portail injoignable — Réessayer" when the portal cannot be
//! reached with a stored session.

use sycamore::prelude::*;

use crate::app::{Unreachable, start_up};
use crate::i18n::{Tr, use_i18n};
use crate::routes::{AppRoute, replace};
use crate::state::use_app;

/// The start screen.
#[component]
pub fn Start() -> View {
    let i18n = use_i18n();
    let app = use_app();
    let Unreachable(unreachable) = use_context::<Unreachable>();
    // Where start-up landed, once it has: opened from here, now or when it ends. After this
    // task, so the router does not replace this screen while it is being built.
    create_effect(move || {
        if let Some(route) = app.landing.get_clone().filter(|r| *r != AppRoute::Start) {
            sycamore::futures::spawn_local(async move { replace(&route) });
        }
    });
    view! {
        div(class="screen narrow") {
            h1(tabindex="-1") { (Tr { key: "app-name" }) }
            (if unreachable.get() {
                view! {
                    div(class="alert error-box", role="alert") {
                        p { (Tr { key: "err-portal-unreachable" }) }
                        div(class="actions") {
                            button(r#type="button", class="button primary", on:click=move |_| start_up(app, i18n, unreachable)) { (Tr { key: "common-retry" }) }
                            a(class="button secondary", href=AppRoute::Settings.href()) { (Tr { key: "nav-settings" }) }
                        }
                    }
                }
            } else {
                view! { p(class="hint", role="status") { span(class="spinner", aria-hidden="true") " " (Tr { key: "common-loading" }) } }
            })
        }
    }
}
