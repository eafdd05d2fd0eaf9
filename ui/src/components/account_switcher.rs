//! The header's account switcher: who is signed in (masked email), the other parents signed in
//! on this device, and "Ajouter un parent" (`docs/contract.md §9`). Only account keys and masked
//! emails reach the UI, never a token.

use cartable_core::ipc::{AccountArgs, AddAccount, ListAccounts, Startup, SwitchAccount};
use cartable_core::{AppError, Failure, error::Unreachable};
use sycamore::futures::{spawn_local, spawn_local_scoped};
use sycamore::prelude::*;

use crate::i18n::{Arg, Tr, use_i18n};
use crate::ipc;
use crate::routes::{AppRoute, go};
use crate::state::{SignInState, UiState, use_app};

/// Asks the shell again which parents are signed in on this device (after start-up and every
/// sign-in, sign-out or switch). Not scoped: the answer must land even if the screen that
/// asked is gone.
pub fn reload_accounts(app: UiState) {
    spawn_local(async move {
        if let Ok(list) = ipc::call::<ListAccounts>(&()).await {
            app.accounts.set(list);
        }
    });
}

/// The switcher, shown once a parent is signed in on this device.
#[component]
pub fn AccountSwitcher() -> View {
    let i18n = use_i18n();
    let app = use_app();
    let open = create_signal(false);
    let problem = create_signal(None::<AppError>);

    let switch = move |key: String| {
        problem.set(None);
        spawn_local_scoped(async move {
            match ipc::call::<SwitchAccount>(&AccountArgs { key }).await {
                Ok(Startup::SignedIn(signed)) => {
                    open.set(false);
                    let session = SignInState::SignedIn {
                        email: signed.email.clone(),
                        persisted: signed.persisted,
                    };
                    app.switched(session, Some(signed.email), None);
                    go(&AppRoute::Children);
                }
                Ok(Startup::SignedOut { email, .. }) => {
                    open.set(false);
                    app.switched(SignInState::SignedOut, email, Some("notice-session-expired"));
                    go(&AppRoute::Login);
                }
                Ok(Startup::PortalUnreachable { .. }) => {
                    problem.set(Some(AppError::from(Failure::PortalUnreachable {
                        kind: Unreachable::Other,
                    })));
                }
                Ok(Startup::Pending(_)) => {}
                Err(p) => problem.set(Some(p)),
            }
            reload_accounts(app);
        });
    };
    let add = move |_| {
        problem.set(None);
        spawn_local_scoped(async move {
            match ipc::call::<AddAccount>(&()).await {
                Ok(()) => {
                    open.set(false);
                    app.switched(SignInState::SignedOut, None, Some("notice-adding-parent"));
                    go(&AppRoute::Login);
                }
                Err(p) => problem.set(Some(p)),
            }
            reload_accounts(app);
        });
    };

    let summary = move || match app.current_label() {
        Some(label) => i18n.ta("accounts-signed-in-as", &[("label", Arg::Str(label))]),
        None => i18n.t("accounts-choose"),
    };
    let items = move || {
        let list = app.accounts.get_clone();
        list.accounts
            .into_iter()
            .map(|account| {
                if list.current.as_deref() == Some(account.key.as_str()) {
                    let text = i18n.ta("accounts-shown", &[("label", Arg::Str(account.label))]);
                    view! { li(aria-current="true") { (text) } }
                } else {
                    let key = account.key.clone();
                    let text = i18n.ta("accounts-switch-to", &[("label", Arg::Str(account.label))]);
                    view! {
                        li {
                            button(r#type="button", class="link-button", on:click=move |_| switch(key.clone())) { (text) }
                        }
                    }
                }
            })
            .collect::<Vec<_>>()
    };
    let shown = create_selector(move || {
        app.accounts.with(|l| !l.accounts.is_empty())
            || matches!(app.session.get_clone(), SignInState::SignedIn { .. })
    });

    view! {
        (if shown.get() {
            view! {
                div(class="account-switcher") {
                    // A disclosure button: the menu shows under it while it is expanded.
                    button(r#type="button", class="link-button account-toggle", aria-controls="account-menu",
                        aria-expanded=move || if open.get() { "true" } else { "false" },
                        on:click=move |_| open.set(!open.get())) {
                        (summary) " " span(aria-hidden="true") { (move || if open.get() { "▴" } else { "▾" }) }
                    }
                    (if open.get() {
                        view! {
                            div(class="account-menu", id="account-menu") {
                                p(class="account-menu-title") { (Tr { key: "accounts-title" }) }
                                ul { (items) }
                                button(r#type="button", class="button secondary", on:click=add) { (Tr { key: "accounts-add" }) }
                                (match problem.get_clone() {
                                    Some(p) => { let text = i18n.error(&p); view! { p(class="alert error-box", role="alert") { (text) } } }
                                    None => view! {},
                                })
                            }
                        }
                    } else {
                        view! {}
                    })
                }
            }
        } else {
            view! {}
        })
    }
}
