//! The demo portal's mailbox: the emails it "sent" (codes included), newest first.

use cartable_core::AppError;
use cartable_core::ipc::{DemoMail as DemoMailMessage, DemoOutbox};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::i18n::{Tr, use_i18n};
use crate::ipc;

/// The mailbox screen.
#[component]
pub fn DemoMail() -> View {
    let i18n = use_i18n();
    let mails = create_signal(None::<Vec<DemoMailMessage>>);
    let problem = create_signal(None::<AppError>);
    let load = move || {
        spawn_local_scoped(async move {
            match ipc::call::<DemoOutbox>(&()).await {
                Ok(list) => {
                    problem.set(None);
                    mails.set(Some(list));
                }
                Err(p) => problem.set(Some(p)),
            }
        });
    };
    load();
    view! {
        div(class="screen") {
            p { button(r#type="button", class="link-button", on:click=|_| go_back()) { "← " (Tr { key: "common-back" }) } }
            h1(tabindex="-1") { (Tr { key: "demo-mail-title" }) }
            p(class="lead") { (Tr { key: "demo-mail-intro" }) }
            button(r#type="button", class="button secondary", on:click=move |_| load()) { (Tr { key: "demo-mail-refresh" }) }
            (match problem.get_clone() {
                Some(p) => { let text = i18n.error(&p); view! { p(class="alert error-box", role="alert") { (text) } } }
                None => view! {},
            })
            (match mails.get_clone() {
                None => view! {},
                Some(list) if list.is_empty() => view! { p { (Tr { key: "demo-mail-empty" }) } },
                Some(list) => {
                    let items: Vec<View> = list.into_iter().map(|m| view! {
                        li(class="card mail") {
                            h2 { (m.subject.clone()) }
                            p(class="hint") { (m.to.clone()) }
                            pre { (m.body.clone()) }
                        }
                    }).collect();
                    view! { ul(class="mails") { (items) } }
                }
            })
        }
    }
}

/// Back to the screen the parent came from (the code step, usually): the mailbox is a detour.
fn go_back() {
    #[cfg(target_arch = "wasm32")]
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.back();
    }
}
