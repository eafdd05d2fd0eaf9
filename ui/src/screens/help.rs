//! "Aide à la connexion": help in our own words.

use sycamore::prelude::*;

use crate::i18n::{Tr, use_i18n};
use crate::routes::AppRoute;

/// The topics, each a heading key and a text key.
pub const TOPICS: &[(&str, &str)] = &[
    ("help-email-title", "help-email-text"),
    ("help-identifiers-title", "help-identifiers-text"),
    ("help-code-title", "help-code-text"),
    ("help-old-account-title", "help-old-account-text"),
    ("help-two-parents-title", "help-two-parents-text"),
    ("help-subscribe-title", "help-subscribe-text"),
];

/// The help screen.
#[component]
pub fn Help() -> View {
    let i18n = use_i18n();
    let topics: Vec<View> = TOPICS
        .iter()
        .map(|(title, text)| view! { section(class="card") { h2 { (i18n.t(title)) } p { (i18n.t(text)) } } })
        .collect();
    view! {
        div(class="screen") {
            h1(tabindex="-1") { (Tr { key: "help-title" }) }
            p(class="lead") { (Tr { key: "help-intro" }) }
            (topics)
            p { a(href=AppRoute::Login.href()) { "← " (Tr { key: "login-title" }) } }
        }
    }
}
