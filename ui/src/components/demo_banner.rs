//! The banners above every screen: demo mode, and "stay signed in" unavailable.

use sycamore::prelude::*;

use crate::i18n::Tr;
use crate::routes::AppRoute;
use crate::state::use_app;

/// "Mode démonstration" with a link to the demo mailbox (one click away).
#[component]
pub fn DemoBanner() -> View {
    let app = use_app();
    view! {
        (if app.is_demo() {
            view! {
                div(class="demo-banner", role="note") {
                    strong { (Tr { key: "demo-banner-title" }) }
                    " "
                    span { (Tr { key: "demo-banner-text" }) }
                    " "
                    a(href=AppRoute::DemoMail.href()) { (Tr { key: "demo-banner-mailbox" }) }
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
    let app = use_app();
    view! {
        (if app.keychain_notice_visible() {
            view! {
                div(class="keychain-notice", role="status") {
                    span { (Tr { key: "err-keychain-unavailable" }) }
                    " "
                    button(r#type="button", class="link-button", on:click=move |_| app.keychain_notice_dismissed.set(true)) {
                        (Tr { key: "keychain-notice-dismiss" })
                    }
                }
            }
        } else {
            view! {}
        })
    }
}
