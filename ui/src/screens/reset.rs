//! "Mot de passe oublié?" (`docs/contract.md §3`): email → code → new password → signed in.

use cartable_core::ipc::FlowKind;
use sycamore::prelude::*;

use crate::screens::flow::Flow;

/// The password-reset screen (also reached from Paramètres → change password).
#[component]
pub fn Reset() -> View {
    view! { Flow(kind=FlowKind::Reset) }
}
