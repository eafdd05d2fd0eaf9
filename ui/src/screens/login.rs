//! "Accès aux parents": sign in with email and password (`docs/contract.md §2`).

use cartable_core::ipc::{SignIn, SignedIn};
use cartable_core::{AppError, Provider};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::components::browser_sign_in::{BrowserAttempt, BrowserFallback, BrowserStatus};
use crate::components::busy_button::BusyButton;
use crate::components::field::{FormAlert, PasswordField, TextField, focus_first_error};
use crate::forms::{FieldErrors, place_error, validate_sign_in};
use crate::i18n::{Tr, use_i18n};
use crate::ipc;
use crate::routes::{AppRoute, go};
use crate::state::use_app;

/// The buttons to show: the providers `offered` by the portal (`PortalInfo::social_providers`;
/// before start-up answers, [`Provider::DEFAULT`]), in the portal's order.
pub fn shown_providers(offered: Option<&[Provider]>) -> Vec<Provider> {
    Provider::ALL
        .into_iter()
        .filter(|provider| match offered {
            Some(offered) => offered.contains(provider),
            None => Provider::DEFAULT.contains(provider),
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
    // Start-up may answer after this screen opened (the login form opens at once when nothing
    // is to be restored, `crate::hint`): its notice and the remembered email arrive then. A
    // notice is shown once; the email fills the field only if the parent has not typed in it.
    let notice = create_signal(None::<String>);
    create_effect(move || {
        if let Some(key) = app.notice.get_clone() {
            notice.set(Some(key));
            app.notice.set(None);
        }
    });
    create_effect(move || {
        let remembered = app.email.get_clone();
        if !remembered.is_empty() && email.with_untracked(String::is_empty) {
            email.set(remembered);
        }
    });

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
                            let (fields, form) = place_error(problem);
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
            .map(|provider| {
                view! {
                    button(r#type="button", class=format!("button social social-{}", provider.id()),
                        disabled=move || attempt.waiting.get(),
                        on:click=move |_| if !busy.get() { attempt.start(Some(provider)) }) {
                        (Tr { key: "login-social-with" }) " " (provider.name())
                    }
                }
            })
            .collect::<Vec<_>>()
    };
    let no_social = move || shown.with(Vec::is_empty);

    view! {
        div(class="screen narrow") {
            h1(tabindex="-1") { (Tr { key: "login-title" }) }
            (match notice.get_clone() {
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
        let default =
            [Provider::Google, Provider::Microsoft, Provider::Facebook, Provider::LinkedIn];
        assert_eq!(shown_providers(None), default);
        let all = [
            Provider::Apple,
            Provider::Google,
            Provider::Microsoft,
            Provider::Facebook,
            Provider::LinkedIn,
        ];
        assert_eq!(shown_providers(Some(&all)), Provider::ALL);
        assert!(shown_providers(Some(&[])).is_empty());
    }
}
