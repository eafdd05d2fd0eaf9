//! The submit button of a form: shows progress while the call runs and cannot submit twice.

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use sycamore::prelude::*;

use crate::i18n::{Tr, use_i18n};

/// A submit button labelled `label` (Fluent key); while `busy` it is disabled, says
/// `busy_label` and carries `aria-busy`.
#[component(inline_props)]
pub fn BusyButton(label: &'static str, busy: Signal<bool>) -> View {
    let i18n = use_i18n();
    view! {
        button(
            r#type="submit",
            class="button primary",
            disabled=move || busy.get(),
            aria-busy=move || if busy.get() { "true" } else { "false" },
        ) {
            (if busy.get() {
                view! { span(class="spinner", aria-hidden="true") " " (Tr { key: "common-busy" }) }
            } else {
                view! { (i18n.t(label)) }
            })
        }
    }
}
