//! "Lier le courriel donné à l'école" (`docs/contract.md §5`, "Linking the school email"): the
//! email, then the emailed code (pasted text tolerated, core's `VerificationCode`), then back
//! to the association form with that email selected.

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use cartable_core::ipc::{
    EmailArgs, LinkEmailChallenge, LinkEmailStart, LinkEmailVerify, LinkEmailVerifyArgs,
};
use cartable_core::{AppError, ErrorKind, Failure, Field};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::components::busy_button::BusyButton;
use crate::components::clock::use_clock;
use crate::components::code_input::{CodeForm, CodeInput, resend_label};
use crate::components::field::{FormAlert, TextField, checked, show_placed};
use crate::dates::seconds_left;
use crate::forms::{FieldErrors, place_error, validate_email};
use crate::i18n::{Arg, Tr, use_i18n};
use crate::ipc;

/// The link form's email field (the association form under it keeps `email`: ids stay unique).
pub const LINK_EMAIL_FIELD: &str = "link_email";

/// Field errors on `email` moved to [`LINK_EMAIL_FIELD`], so they show under the link form's
/// field.
pub fn link_field_errors(found: FieldErrors) -> FieldErrors {
    found.renamed(Field::Email.as_str(), LINK_EMAIL_FIELD)
}

/// Whether an association refusal opens the linking step (the email is not a verified email
/// of the account, `docs/contract.md §6`).
pub fn opens_link_step(problem: &AppError) -> bool {
    problem.kind == Failure::EmailNotVerified.into()
}

/// The code step for `address` when the portal refuses to send again so soon (`throttled`):
/// the code already sent is still the one to type (6 digits, `docs/contract.md §1` "Codes");
/// the resend time is unknown here, so the resend button stays available and says the wait.
pub fn recent_code(address: &str) -> LinkEmailChallenge {
    LinkEmailChallenge {
        email: address.to_owned(),
        target_label: address.to_owned(),
        code_length: 6,
        resend_available_at: 0,
    }
}

/// Records a newly verified address: added once to `verified`; answers the address to select.
pub fn linked(verified: &mut Vec<String>, address: &str) -> String {
    if !verified.iter().any(|v| v == address) {
        verified.push(address.to_owned());
    }
    address.to_owned()
}

/// The linking step. `open` closes it when done or cancelled; on success the verified address
/// joins `verified` and becomes the form's `email`.
#[component(inline_props)]
pub fn LinkEmail(
    open: Signal<bool>,
    email: Signal<String>,
    verified: Signal<Vec<String>>,
    not_verified: bool,
) -> View {
    let i18n = use_i18n();
    let typed = create_signal(email.get_clone());
    let challenge = create_signal(None::<LinkEmailChallenge>);
    let form = CodeForm::new();
    let CodeForm { code, errors, top, busy } = form;

    let fail = move |problem: AppError| {
        let (fields, above) = place_error(problem);
        show_placed(form.errors, form.top, link_field_errors(fields), above);
    };
    let send = move || {
        top.set(None);
        let check = validate_email(&typed.get_clone()).map_err(link_field_errors);
        let Some(address) = checked(errors, check) else {
            return;
        };
        busy.set(true);
        spawn_local_scoped(async move {
            let result = ipc::call::<LinkEmailStart>(&EmailArgs { email: address.clone() }).await;
            busy.set(false);
            match result {
                Ok(sent) => challenge.set(Some(sent)),
                // A code went to this address moments ago (before the app was closed,
                // say): open the code field for it, with the wait said above it.
                Err(problem)
                    if matches!(problem.kind, ErrorKind::Failure(Failure::Throttled { .. }))
                        && challenge.with(Option::is_none) =>
                {
                    challenge.set(Some(recent_code(&address)));
                    top.set(Some(problem));
                }
                Err(problem) => fail(problem),
            }
        });
    };
    let submit = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        if busy.get() {
            return;
        }
        let Some(sent) = challenge.get_clone() else {
            send();
            return;
        };
        let email_to_link = sent.email;
        let send_code = move |code: String| async move {
            ipc::call::<LinkEmailVerify>(&LinkEmailVerifyArgs {
                email: email_to_link,
                code: code.into(),
            })
            .await
        };
        form.verify(sent.code_length, send_code, move |result| match result {
            Ok(entry) => {
                let chosen = verified.update(|v| linked(v, &entry.address));
                email.set(chosen);
                open.set(false);
            }
            // Said only once the code proved the address (§5): back to the email field, which
            // keeps what was typed, with the refusal under it.
            Err(problem) if problem.kind == Failure::EmailInUse.into() => {
                code.set(String::new());
                challenge.set(None);
                fail(problem);
            }
            Err(problem) => fail(problem),
        });
    };
    // As the sign-up's code step: "Envoyer un nouveau code (dans 0:42)" until the portal allows it.
    let now = use_clock();
    let resend_left = create_memo(move || {
        let at = challenge.with(|c| c.as_ref().map_or(0, |c| c.resend_available_at));
        seconds_left(now.get(), at)
    });
    let resend = move |_| {
        if !busy.get() && resend_left.get() == 0 {
            code.set(String::new());
            send();
        }
    };
    let cancel = move |_| open.set(false);

    view! {
        section(class="card", aria-labelledby="link-title") {
            h2(id="link-title", tabindex="-1") { (Tr { key: "link-title" }) }
            (if not_verified {
                view! { p(class="alert warn-box", role="status") { (Tr { key: "link-not-verified" }) } }
            } else { view! {} })
            p { (Tr { key: "link-intro" }) }
            form(on:submit=submit, novalidate=true) {
                FormAlert(errors=errors, top=top)
                (match challenge.get_clone() {
                    None => view! {
                        TextField(name=LINK_EMAIL_FIELD, label="link-email", value=typed, errors=errors,
                            kind="email", autocomplete="email")
                        div(class="actions") {
                            BusyButton(label="link-send", busy=busy)
                            button(r#type="button", class="button secondary", on:click=cancel) { (Tr { key: "common-cancel" }) }
                        }
                    },
                    Some(sent) => {
                        let said = i18n.ta("link-code-sent", &[
                            ("target", Arg::Str(sent.target_label.clone())),
                            ("length", Arg::Num(i64::from(sent.code_length))),
                        ]);
                        view! {
                            p(role="status") { (said) }
                            CodeInput(value=code, errors=errors)
                            div(class="actions") {
                                BusyButton(label="link-verify", busy=busy)
                                button(r#type="button", class="link-button", disabled=move || resend_left.get() > 0, on:click=resend) {
                                    (resend_label(i18n, resend_left.get(), "link-resend"))
                                }
                                button(r#type="button", class="button secondary", on:click=cancel) { (Tr { key: "common-cancel" }) }
                            }
                        }
                    }
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::validate_code;

    #[test]
    fn only_an_unverified_email_opens_the_step() {
        assert!(opens_link_step(&Failure::EmailNotVerified.into()));
        assert!(!opens_link_step(&Failure::NoMatchingRecord { attempts_left: None }.into()));
    }

    #[test]
    fn email_problems_move_to_the_link_field() {
        let (in_use, _) = place_error(Failure::EmailInUse.into());
        let moved = link_field_errors(in_use);
        assert_eq!(moved.get("link_email").map(AppError::code).as_deref(), Some("email_in_use"));
        let found = validate_email("parent.exemple.ca").expect_err("no @");
        let moved = link_field_errors(found);
        assert_eq!(
            moved.get("link_email").map(AppError::code).as_deref(),
            Some("email_missing_at")
        );
        assert!(moved.get("email").is_none());
    }

    #[test]
    fn a_linked_address_is_added_once_and_selected() {
        let mut verified = vec!["julie@gmail.example".to_owned()];
        assert_eq!(linked(&mut verified, "julie.gagnon@exemple.ca"), "julie.gagnon@exemple.ca");
        linked(&mut verified, "julie.gagnon@exemple.ca");
        assert_eq!(verified, ["julie@gmail.example", "julie.gagnon@exemple.ca"]);
    }

    #[test]
    fn pasted_codes_are_accepted_and_wrong_lengths_refused() {
        assert_eq!(validate_code("Code : 123 456", 6).ok().as_deref(), Some("123456"));
        let refused = validate_code("12345", 6).expect_err("too short");
        assert_eq!(refused.get("code").map(AppError::code).as_deref(), Some("code_too_short"));
    }
}
