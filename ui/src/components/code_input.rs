//! The verification-code field: one input that accepts pasted text ("Code : 123 456"), offered
//! by the OS as a one-time code (`autocomplete="one-time-code"`); core's parser picks the code
//! out on submit.

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use sycamore::prelude::*;

use crate::components::field::{TextField, TextFieldProps};
use crate::state::FieldErrors;

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
