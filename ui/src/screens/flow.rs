//! The three steps shared by sign-up and password reset (`docs/contract.md §§1, 3`): email →
//! code → new password. The current step lives in the shell (it survives closing the app), and
//! in [`UiState::flow`] here.

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use cartable_core::ipc::{
    CodeStep, FlowArgs, FlowCancel, FlowCodeArgs, FlowKind, FlowPasswordArgs, FlowResend,
    FlowSetPassword, FlowStart, FlowStartArgs, FlowStep, FlowVerifyCode, PasswordStep, PendingFlow,
};
use cartable_core::{AppError, ErrorKind, Failure};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::app::flow_of;
use crate::components::browser_sign_in::BrowserFallback;
use crate::components::busy_button::BusyButton;
use crate::components::clock::use_clock;
use crate::components::code_input::{CodeForm, CodeInput, resend_label};
use crate::components::field::{FormAlert, PasswordField, TextField, checked, show_error};
use crate::components::password_checklist::PasswordChecklist;
use crate::dates::{format_countdown, seconds_left};
use crate::forms::{FieldErrors, validate_email, validate_new_password};
use crate::i18n::{Arg, Tr, use_i18n};
use crate::ipc;
use crate::routes::{AppRoute, go};
use crate::state::{UiState, use_app};

/// What a step does with an error: `flow_expired` goes back to the email step with the email
/// kept; `user_already_exists` ends the sign-up and offers login/reset; others stay on the step.
fn handle_flow_problem(
    app: UiState,
    kind: FlowKind,
    problem: &AppError,
    exists: Signal<bool>,
) -> bool {
    let ErrorKind::Failure(failure) = &problem.kind else { return false };
    match failure {
        Failure::FlowExpired { email } => {
            app.flow.set(Some(FlowStep::Email { flow: kind, email: email.clone() }));
            false
        }
        Failure::NoPendingFlow => {
            app.flow.set(Some(FlowStep::Email { flow: kind, email: app.email.get_clone() }));
            false
        }
        Failure::UserAlreadyExists { email } => {
            app.email.set(email.clone());
            app.flow.set(None);
            exists.set(true);
            true
        }
        _ => false,
    }
}

/// The flow screen for `kind`.
#[component(inline_props)]
pub fn Flow(kind: FlowKind) -> View {
    let i18n = use_i18n();
    let app = use_app();
    let exists = create_signal(false);
    // Reopen a pending step of this flow when start-up did not bring one.
    if app.flow.with(Option::is_none) {
        spawn_local_scoped(async move {
            if let Ok(Some(step)) = ipc::call::<PendingFlow>(&()).await
                && flow_of(&step) == kind
            {
                app.flow.set(Some(step));
            }
        });
    }
    let step = create_memo(move || {
        app.flow.with(|f| match f {
            Some(step) if flow_of(step) == kind => step.clone(),
            _ => FlowStep::Email { flow: kind, email: app.email.get_clone_untracked() },
        })
    });
    let (title, intro) = match kind {
        FlowKind::SignUp => ("signup-title", "signup-intro"),
        FlowKind::Reset => ("reset-title", "reset-intro"),
    };
    let step_number = move || match step.get_clone() {
        FlowStep::Email { .. } => 1,
        FlowStep::Code(_) => 2,
        FlowStep::Password(_) => 3,
    };
    view! {
        div(class="screen narrow") {
            h1(tabindex="-1") { (i18n.t(title)) }
            p(class="lead") { (i18n.t(intro)) }
            p(class="steps", aria-live="polite") { (i18n.ta("flow-step", &[("step", i64::from(step_number()).into()), ("total", 3i64.into())])) }
            (if exists.get() {
                view! { AlreadyExists() }
            } else {
                match step.get_clone() {
                    FlowStep::Email { email, .. } => view! { EmailStep(kind=kind, initial=email, exists=exists) },
                    FlowStep::Code(code) => view! { CodeStepView(kind=kind, step=code, exists=exists) },
                    FlowStep::Password(password) => view! { PasswordStepView(kind=kind, step=password) },
                }
            })
        }
    }
}

/// "Un compte existe déjà": offers "Se connecter" and "Mot de passe oublié?" with the email
/// filled in.
#[component]
fn AlreadyExists() -> View {
    let i18n = use_i18n();
    let app = use_app();
    view! {
        div(class="alert info-box", role="alert") {
            p { (i18n.ta("signup-exists", &[("email", app.email.get_clone().into())])) }
            div(class="actions") {
                button(r#type="button", class="button primary", on:click=move |_| go(&AppRoute::Login)) { (Tr { key: "login-submit" }) }
                button(r#type="button", class="button secondary", on:click=move |_| {
                    app.flow.set(None);
                    go(&AppRoute::Reset);
                }) { (Tr { key: "login-forgot" }) }
            }
        }
    }
}

#[component(inline_props)]
fn EmailStep(kind: FlowKind, initial: String, exists: Signal<bool>) -> View {
    let app = use_app();
    let email = create_signal(initial);
    let errors = create_signal(FieldErrors::new());
    let top = create_signal(None::<AppError>);
    let busy = create_signal(false);
    let submit = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        if busy.get() {
            return;
        }
        top.set(None);
        let Some(address) = checked(errors, validate_email(&email.get_clone())) else {
            return;
        };
        busy.set(true);
        app.email.set(address.clone());
        spawn_local_scoped(async move {
            let result = ipc::call::<FlowStart>(&FlowStartArgs { kind, email: address }).await;
            busy.set(false);
            match result {
                Ok(step) => app.flow.set(Some(FlowStep::Code(step))),
                Err(problem) => {
                    if !handle_flow_problem(app, kind, &problem, exists) {
                        show_error(errors, top, problem);
                    }
                }
            }
        });
    };
    let warning = match kind {
        FlowKind::SignUp => "signup-email-warning",
        FlowKind::Reset => "reset-email-hint",
    };
    view! {
        form(class="card", on:submit=submit, novalidate=true) {
            h2 { (Tr { key: "flow-email-title" }) }
            FormAlert(errors=errors, top=top)
            BrowserFallback(top=top)
            TextField(name="email", label="field-email", value=email, errors=errors, kind="email",
                autocomplete="email", hint=warning)
            div(class="actions") {
                BusyButton(label="flow-get-code", busy=busy)
                button(r#type="button", class="button secondary", on:click=move |_| go(&AppRoute::Login)) { (Tr { key: "common-cancel" }) }
            }
        }
    }
}

#[component(inline_props)]
fn CodeStepView(kind: FlowKind, step: CodeStep, exists: Signal<bool>) -> View {
    let i18n = use_i18n();
    let app = use_app();
    let now = use_clock();
    let step = create_signal(step);
    let form = CodeForm::new();
    let CodeForm { code, errors, top, busy } = form;
    let resending = create_signal(false);
    let resent = create_signal(false);
    let resend_left =
        create_memo(move || seconds_left(now.get(), step.with(|s| s.resend_available_at)));
    let expires_left = create_memo(move || seconds_left(now.get(), step.with(|s| s.expires_at)));

    let fail = move |problem: AppError| {
        if !handle_flow_problem(app, kind, &problem, exists) {
            form.show(problem);
        }
    };
    let submit = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        let send = move |code: String| async move {
            ipc::call::<FlowVerifyCode>(&FlowCodeArgs { kind, code: code.into() }).await
        };
        form.verify(step.with(|s| s.code_length), send, move |result| match result {
            Ok(next) => app.flow.set(Some(FlowStep::Password(next))),
            Err(problem) => fail(problem),
        });
    };
    let on_resend = move |_| {
        if resending.get() || resend_left.get() > 0 {
            return;
        }
        resending.set(true);
        top.set(None);
        spawn_local_scoped(async move {
            let result = ipc::call::<FlowResend>(&FlowArgs { kind }).await;
            resending.set(false);
            match result {
                Ok(next) => {
                    step.set(next.clone());
                    resent.set(true);
                    errors.set(FieldErrors::new());
                    app.flow.set(Some(FlowStep::Code(next)));
                }
                Err(problem) => fail(problem),
            }
        });
    };
    let change_email = move |_| {
        let email = step.with(|s| s.email.clone());
        spawn_local_scoped(async move {
            // Abandoning may fail if the step already expired; the email step is right anyway.
            let _ = ipc::call::<FlowCancel>(&FlowArgs { kind }).await;
            app.email.set(email.clone());
            app.flow.set(Some(FlowStep::Email { flow: kind, email }));
        });
    };
    view! {
        form(class="card", on:submit=submit, novalidate=true) {
            h2 { (Tr { key: "flow-code-title" }) }
            p { (i18n.ta("flow-code-sent", &[("target", step.with(|s| s.target_label.clone()).into())])) }
            (if resent.get() { view! { p(class="alert success-box", role="status") { (Tr { key: "flow-code-resent" }) } } } else { view! {} })
            FormAlert(errors=errors, top=top)
            BrowserFallback(top=top)
            CodeInput(value=code, errors=errors)
            p(class="hint", role="timer", aria-live="off") {
                (if expires_left.get() > 0 {
                    i18n.ta("flow-code-expires", &[("time", format_countdown(expires_left.get()).into())])
                } else {
                    i18n.t("flow-code-expired")
                })
            }
            div(class="actions") {
                BusyButton(label="flow-verify-code", busy=busy)
                button(r#type="button", class="button secondary", disabled=move || resend_left.get() > 0 || resending.get(),
                    on:click=on_resend) {
                    (resend_label(i18n, resend_left.get(), "flow-resend"))
                }
                button(r#type="button", class="link-button", on:click=change_email) { (Tr { key: "flow-change-email" }) }
            }
            details(class="advice") {
                summary { (Tr { key: "flow-no-code-title" }) }
                ul {
                    li { (Tr { key: "flow-no-code-junk" }) }
                    li { (Tr { key: "flow-no-code-wait" }) }
                    li { (i18n.ta("flow-no-code-typo", &[("email", step.with(|s| s.email.clone()).into())])) }
                    li { (Tr { key: "flow-no-code-resend" }) }
                }
            }
        }
    }
}

#[component(inline_props)]
fn PasswordStepView(kind: FlowKind, step: PasswordStep) -> View {
    let i18n = use_i18n();
    let app = use_app();
    let password = create_signal(String::new());
    let confirmation = create_signal(String::new());
    let errors = create_signal(FieldErrors::new());
    let top = create_signal(None::<AppError>);
    let busy = create_signal(false);
    let exists = create_signal(false);
    let email = step.email.clone();
    let submit = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        if busy.get() {
            return;
        }
        top.set(None);
        let check = validate_new_password(&password.get_clone(), &confirmation.get_clone());
        let Some(new_password) = checked(errors, check) else {
            return;
        };
        busy.set(true);
        spawn_local_scoped(async move {
            let args = FlowPasswordArgs { kind, password: new_password.into() };
            let result = ipc::call::<FlowSetPassword>(&args).await;
            busy.set(false);
            match result {
                Ok(signed) => {
                    password.set(String::new());
                    confirmation.set(String::new());
                    app.signed_in(signed.email, signed.persisted);
                    go(&AppRoute::Children);
                }
                Err(problem) => {
                    if !handle_flow_problem(app, kind, &problem, exists) {
                        show_error(errors, top, problem);
                    }
                }
            }
        });
    };
    let on_cancel = move |_| {
        spawn_local_scoped(async move {
            let _ = ipc::call::<FlowCancel>(&FlowArgs { kind }).await;
            app.flow.set(None);
            go(&AppRoute::Login);
        });
    };
    view! {
        form(class="card", on:submit=submit, novalidate=true) {
            h2 { (Tr { key: "flow-password-title" }) }
            p { (i18n.ta("flow-password-for", &[("email", Arg::Str(email.clone()))])) }
            FormAlert(errors=errors, top=top)
            BrowserFallback(top=top)
            PasswordField(name="password", label="field-new-password", value=password, errors=errors,
                autocomplete="new-password", extra_describedby="pw-checklist")
            PasswordChecklist(id="pw-checklist", password=password)
            PasswordField(name="confirmation", label="field-confirmation", value=confirmation, errors=errors,
                autocomplete="new-password")
            div(class="actions") {
                BusyButton(label="common-save", busy=busy)
                button(r#type="button", class="button secondary", on:click=on_cancel) { (Tr { key: "common-cancel" }) }
            }
        }
    }
}
