//! The demo banner: shown on every screen when the app runs against the embedded demo portal.

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
