//! "Créez votre compte" (`docs/contract.md §1`): email, code, password.

use cartable_core::ipc::FlowKind;
use sycamore::prelude::*;

use crate::screens::flow::Flow;

/// The sign-up screen.
#[component]
pub fn SignUp() -> View {
    view! { Flow(kind=FlowKind::SignUp) }
}
