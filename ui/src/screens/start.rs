//! Start-up: "Chargement…", or "Portail injoignable — Réessayer" when the portal cannot be
//! reached with a stored session.

use sycamore::prelude::*;

use crate::app::{Unreachable, start_up};
use crate::i18n::use_i18n;
use crate::routes::AppRoute;
use crate::state::use_app;

/// The start screen.
#[component]
pub fn Start() -> View {
    let i18n = use_i18n();
    let app = use_app();
    let Unreachable(unreachable) = use_context::<Unreachable>();
    view! {
        div(class="screen narrow") {
            h1(tabindex="-1") { (i18n.t("app-name")) }
            (if unreachable.get() {
                view! {
                    div(class="alert error-box", role="alert") {
                        p { (i18n.t("err-portal-unreachable")) }
                        div(class="actions") {
                            button(r#type="button", class="button primary", on:click=move |_| start_up(app, i18n, unreachable)) { (i18n.t("common-retry")) }
                            a(class="button secondary", href=AppRoute::Settings.href()) { (i18n.t("nav-settings")) }
                        }
                    }
                }
            } else {
                view! { p(class="hint", role="status") { span(class="spinner", aria-hidden="true") " " (i18n.t("common-loading")) } }
            })
        }
    }
}
