//! The banners above every screen: demo mode, and "stay signed in" unavailable.

use sycamore::prelude::*;

use crate::i18n::use_i18n;
use crate::routes::AppRoute;
use crate::state::use_app;

/// "Mode démonstration" with a link to the demo mailbox (one click away).
#[component]
pub fn DemoBanner() -> View {
    let i18n = use_i18n();
    let app = use_app();
    view! {
        (if app.is_demo() {
            view! {
                div(class="demo-banner", role="note") {
                    strong { (i18n.t("demo-banner-title")) }
                    " "
                    span { (i18n.t("demo-banner-text")) }
                    " "
                    a(href=AppRoute::DemoMail.href()) { (i18n.t("demo-banner-mailbox")) }
                }
            }
        } else {
            view! {}
        })
    }
}

/// "Stay signed in" is unavailable on this computer: said once per launch, until dismissed
/// (Paramètres keeps saying it).
#[component]
pub fn KeychainNotice() -> View {
    let i18n = use_i18n();
    let app = use_app();
    view! {
        (if app.keychain_notice_visible() {
            view! {
                div(class="keychain-notice", role="status") {
                    span { (i18n.t("err-keychain-unavailable")) }
                    " "
                    button(r#type="button", class="link-button", on:click=move |_| app.keychain_notice_dismissed.set(true)) {
                        (i18n.t("keychain-notice-dismiss"))
                    }
                }
            }
        } else {
            view! {}
        })
    }
}
