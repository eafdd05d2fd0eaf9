//! The verification-code field: one input that accepts pasted text ("Code : 123 456"), offered
//! by the OS as a one-time code (`autocomplete="one-time-code"`); core's parser picks the code
//! out on submit.
//!
//! The code step's logic is here too ([`CodeForm`], [`resend_label`]), shared by sign-up's and
//! reset's code step (`screens::flow`) and the email linking (`components::link_email`); each
//! keeps its own words, layout and answers.

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use cartable_core::AppError;
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::components::field::{TextField, TextFieldProps, checked, show_error};
use crate::dates::format_countdown;
use crate::forms::{FieldErrors, validate_code};
use crate::i18n::I18n;

/// The code field (name `code`), without a length limit so a pasted sentence is never cut.
#[component(inline_props)]
pub fn CodeInput(value: Signal<String>, errors: Signal<FieldErrors>) -> View {
    TextField(
        TextFieldProps::builder()
            .name("code")
            .label("code-label")
            .value(value)
            .errors(errors)
            .autocomplete("one-time-code")
            .inputmode("numeric")
            .hint("code-hint")
            .build(),
    )
}

/// A code step's form: the code as typed, the field errors, the problem shown above the form,
/// and whether a request runs.
#[derive(Debug, Clone, Copy)]
pub struct CodeForm {
    /// The code as typed or pasted ([`CodeInput`]'s value).
    pub code: Signal<String>,
    /// Errors under the fields.
    pub errors: Signal<FieldErrors>,
    /// A problem on no field, above the form.
    pub top: Signal<Option<AppError>>,
    /// A request runs: the submit button waits and another submit does nothing.
    pub busy: Signal<bool>,
}

impl CodeForm {
    /// An empty form.
    pub fn new() -> Self {
        Self {
            code: create_signal(String::new()),
            errors: create_signal(FieldErrors::new()),
            top: create_signal(None),
            busy: create_signal(false),
        }
    }

    /// Submits the code: checks it (`length` digits, pasted text tolerated), then `send` gets
    /// the digits while [`Self::busy`] is set and `done` gets the answer. A code the check
    /// refuses is not sent: its error shows under the field. Nothing happens while a request
    /// runs.
    pub fn verify<T, Sent>(
        self,
        length: u8,
        send: impl FnOnce(String) -> Sent + 'static,
        done: impl FnOnce(Result<T, AppError>) + 'static,
    ) where
        Sent: Future<Output = Result<T, AppError>> + 'static,
    {
        if self.busy.get() {
            return;
        }
        self.top.set(None);
        let Some(digits) = checked(self.errors, validate_code(&self.code.get_clone(), length))
        else {
            return;
        };
        self.busy.set(true);
        spawn_local_scoped(async move {
            let answer = send(digits).await;
            self.busy.set(false);
            done(answer);
        });
    }

    /// Shows a refusal under its field, else above the form.
    pub fn show(self, problem: AppError) {
        show_error(self.errors, self.top, problem);
    }
}

impl Default for CodeForm {
    fn default() -> Self {
        Self::new()
    }
}

/// The resend button's words: "Envoyer un nouveau code (dans 0:42)" while `left` seconds remain
/// before the portal allows a new code, then the text `ready`.
pub fn resend_label(i18n: I18n, left: u64, ready: &str) -> String {
    if left > 0 {
        i18n.ta("flow-resend-in", &[("time", format_countdown(left).into())])
    } else {
        i18n.t(ready)
    }
}
