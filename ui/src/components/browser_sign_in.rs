//! Signing in through the system browser (`docs/contract.md §5`): the social buttons, and the
//! web fallback the portal asks for with `redirect_required` (native-auth `challenge_type:
//! redirect`, §0). One attempt at a time; while the browser is open the screen says so and
//! offers "Annuler".

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use cartable_core::Problem;
use cartable_core::ipc::{SocialArgs, SocialSignInCancel, SocialSignInStart, codes};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::i18n::use_i18n;
use crate::ipc;
use crate::routes::{AppRoute, go};
use crate::state::{AppState, use_app};

/// What the screen shows after an attempt that did not sign in: nothing after "Annuler" (the
/// parent chose it), the problem otherwise.
pub fn shown_problem(problem: Problem) -> Option<Problem> {
    (problem.code != codes::BROWSER_CANCELLED).then_some(problem)
}

/// One screen's browser sign-in: whether the browser is open, and the last failure.
#[derive(Debug, Clone, Copy)]
pub struct BrowserAttempt {
    /// The browser is open and the app waits for it.
    pub waiting: Signal<bool>,
    /// Why the last attempt did not sign in (never "Annuler").
    pub error: Signal<Option<Problem>>,
    app: AppState,
}

impl BrowserAttempt {
    /// No attempt yet. Call it while building a component (it reads the app's context).
    pub fn new() -> Self {
        Self { waiting: create_signal(false), error: create_signal(None), app: use_app() }
    }

    /// Opens the browser on `provider` (an id of `SOCIAL_PROVIDERS`; `None`: the portal's own
    /// page) and, once signed in, opens "Mes enfants". Does nothing while an attempt runs.
    pub fn start(self, provider: Option<&'static str>) {
        if self.waiting.get() {
            return;
        }
        let app = self.app;
        self.error.set(None);
        self.waiting.set(true);
        spawn_local_scoped(async move {
            let args = SocialArgs { provider: provider.map(str::to_owned) };
            let result = ipc::call::<SocialSignInStart>(&args).await;
            self.waiting.set(false);
            match result {
                Ok(signed) => {
                    app.signed_in(signed.email, signed.persisted);
                    go(&AppRoute::Children);
                }
                Err(problem) => self.error.set(shown_problem(problem)),
            }
        });
    }

    /// "Annuler": ends the running attempt (the shell answers it with `browser_cancelled`).
    pub fn cancel(self) {
        spawn_local_scoped(async move {
            let _ = ipc::call::<SocialSignInCancel>(&()).await;
        });
    }
}

impl Default for BrowserAttempt {
    fn default() -> Self {
        Self::new()
    }
}

/// The attempt's status: "Poursuivez dans votre navigateur…" with "Annuler" while waiting, the
/// failure after, nothing otherwise. Announced politely.
#[component(inline_props)]
pub fn BrowserStatus(attempt: BrowserAttempt) -> View {
    let i18n = use_i18n();
    view! {
        div(aria-live="polite") {
            (if attempt.waiting.get() {
                view! {
                    div(class="alert info-box", role="status") {
                        p { strong { (i18n.t("login-social-waiting")) } }
                        p { (i18n.t("login-social-waiting-hint")) }
                        button(r#type="button", class="button secondary", on:click=move |_| attempt.cancel()) {
                            (i18n.t("common-cancel"))
                        }
                    }
                }
            } else {
                match attempt.error.get_clone() {
                    Some(problem) => {
                        let text = i18n.problem(&problem);
                        view! { p(class="alert error-box", role="alert") { (text) } }
                    }
                    None => view! {},
                }
            })
        }
    }
}

/// The web fallback: when `top` holds `redirect_required`, "Continuer dans le navigateur" opens
/// the portal's own sign-in page in the system browser; nothing otherwise.
#[component(inline_props)]
pub fn BrowserFallback(top: Signal<Option<Problem>>) -> View {
    let i18n = use_i18n();
    let attempt = BrowserAttempt::new();
    let asked =
        move || top.with(|t| t.as_ref().is_some_and(|p| p.code == codes::REDIRECT_REQUIRED));
    view! {
        (if asked() {
            view! {
                div(class="browser-fallback") {
                    button(r#type="button", class="button", id="browser-fallback",
                        disabled=move || attempt.waiting.get(), on:click=move |_| attempt.start(None)) {
                        (i18n.t("browser-fallback-continue"))
                    }
                    BrowserStatus(attempt=attempt)
                }
            }
        } else {
            view! {}
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_is_not_shown_as_an_error() {
        assert_eq!(shown_problem(Problem::new("browser_cancelled")), None);
        for code in ["browser_timed_out", "browser_failed", "portal_unreachable"] {
            assert_eq!(shown_problem(Problem::new(code)).map(|p| p.code).as_deref(), Some(code));
        }
    }
}
