//! "Accès aux parents": sign in with email and password (`docs/contract.md §2`).

use cartable_core::AppError;
use cartable_core::ipc::{DEFAULT_SOCIAL_PROVIDERS, SignIn, SignedIn};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::components::browser_sign_in::{BrowserAttempt, BrowserFallback, BrowserStatus};
use crate::components::busy_button::BusyButton;
use crate::components::field::{FormAlert, PasswordField, TextField, focus_first_error};
use crate::i18n::{Tr, use_i18n};
use crate::ipc;
use crate::routes::{AppRoute, go};
use crate::state::{FieldErrors, place_problem, use_app, validate_sign_in};

/// The social providers' names by id, in the portal's order (`docs/contract.md §5`).
pub const PROVIDERS: &[(&str, &str)] = &[
    ("google", "Google"),
    ("microsoft", "Microsoft"),
    ("facebook", "Facebook"),
    ("linkedin", "LinkedIn"),
    ("apple", "Apple"),
];

/// The buttons to show: the providers `offered` by the portal (`PortalInfo::social_providers`;
/// before start-up answers, [`DEFAULT_SOCIAL_PROVIDERS`]), in the portal's order.
pub fn shown_providers(offered: Option<&[String]>) -> Vec<(&'static str, &'static str)> {
    PROVIDERS
        .iter()
        .copied()
        .filter(|(id, _)| match offered {
            Some(offered) => offered.iter().any(|o| o == id),
            None => DEFAULT_SOCIAL_PROVIDERS.contains(id),
        })
        .collect()
}

/// The login screen.
#[component]
pub fn Login() -> View {
    let i18n = use_i18n();
    let app = use_app();
    let email = create_signal(app.email.get_clone());
    let password = create_signal(String::new());
    let errors = create_signal(FieldErrors::new());
    let top = create_signal(None::<AppError>);
    let busy = create_signal(false);
    // A failed social sign-in is said in the social card, not in the password form.
    let attempt = BrowserAttempt::new();
    let notice = app.notice.get_clone();
    app.notice.set(None);

    let enter = move |signed: SignedIn| {
        app.signed_in(signed.email, signed.persisted);
        go(&AppRoute::Children);
    };
    let submit = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        if busy.get() {
            return;
        }
        top.set(None);
        match validate_sign_in(&email.get_clone(), &password.get_clone()) {
            Err(found) => {
                errors.set(found);
                errors.with(focus_first_error);
            }
            Ok(args) => {
                errors.set(FieldErrors::new());
                busy.set(true);
                spawn_local_scoped(async move {
                    let result = ipc::call::<SignIn>(&args).await;
                    busy.set(false);
                    match result {
                        Ok(signed) => {
                            password.set(String::new());
                            enter(signed);
                        }
                        Err(problem) => {
                            let (fields, form) = place_problem(problem);
                            errors.set(fields);
                            top.set(form);
                            errors.with(focus_first_error);
                        }
                    }
                });
            }
        }
    };
    let forgot = move |_| {
        app.email.set(email.get_clone());
        go(&AppRoute::Reset);
    };
    let create = move |_| {
        app.email.set(email.get_clone());
        go(&AppRoute::SignUp);
    };
    // The portal's offer is known once start-up answered; clone it out before building views.
    let offered = move || app.info.with(|i| i.as_ref().map(|i| i.portal.social_providers.clone()));
    let shown = create_memo(move || shown_providers(offered().as_deref()));
    let providers = move || {
        shown
            .get_clone()
            .into_iter()
            .map(|(id, name)| {
                view! {
                    button(r#type="button", class=format!("button social social-{id}"),
                        disabled=move || attempt.waiting.get(),
                        on:click=move |_| if !busy.get() { attempt.start(Some(id)) }) {
                        (Tr { key: "login-social-with" }) " " (name)
                    }
                }
            })
            .collect::<Vec<_>>()
    };
    let no_social = move || shown.with(Vec::is_empty);

    view! {
        div(class="screen narrow") {
            h1(tabindex="-1") { (Tr { key: "login-title" }) }
            (match notice.clone() {
                Some(key) => view! { p(class="alert info-box", role="status") { (i18n.t(&key)) } },
                None => view! {},
            })
            p(class="lead") { (Tr { key: "login-subscribe-reminder" }) }
            p { a(href=AppRoute::Help.href()) { (Tr { key: "login-help-link" }) } }
            section(class="card", aria-labelledby="social-title", hidden=no_social) {
                h2(id="social-title") { (Tr { key: "login-social-title" }) }
                div(class="social-buttons") { (providers) }
                BrowserStatus(attempt=attempt)
            }
            section(class="card", aria-labelledby="local-title") {
                h2(id="local-title") { (Tr { key: "login-local-title" }) }
                form(on:submit=submit, novalidate=true) {
                    FormAlert(errors=errors, top=top)
                    BrowserFallback(top=top)
                    TextField(name="email", label="field-email", value=email, errors=errors,
                        kind="email", autocomplete="username")
                    PasswordField(name="password", label="field-password", value=password, errors=errors,
                        autocomplete="current-password")
                    p { button(r#type="button", class="link-button", on:click=forgot) { (Tr { key: "login-forgot" }) } }
                    BusyButton(label="login-submit", busy=busy)
                }
            }
            p(class="center") {
                (Tr { key: "login-no-account" }) " "
                button(r#type="button", class="link-button strong", on:click=create) { (Tr { key: "login-create-account" }) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apple_shows_only_when_the_portal_offers_it() {
        let ids = |offered: Option<&[String]>| {
            shown_providers(offered).into_iter().map(|(id, _)| id).collect::<Vec<_>>()
        };
        assert_eq!(ids(None), ["google", "microsoft", "facebook", "linkedin"]);
        let all: Vec<String> =
            ["apple", "google", "microsoft", "facebook", "linkedin"].map(str::to_owned).to_vec();
        assert_eq!(ids(Some(&all)), ["google", "microsoft", "facebook", "linkedin", "apple"]);
        assert!(ids(Some(&[])).is_empty());
    }

    #[test]
    fn every_button_names_a_provider_the_shell_knows() {
        for (id, _) in PROVIDERS {
            assert!(cartable_core::ipc::SOCIAL_PROVIDERS.contains(id), "{id}");
        }
    }
}
