//! Labelled inputs whose error sits right under them, the form's error region, and yes/no
//! questions.
//!
//! Every input has a `<label for>`, its hint and error are tied to it with `aria-describedby`,
//! and `aria-invalid` marks it when it has an error. Nothing typed is ever cleared on error.

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use cartable_core::AppError;
use sycamore::prelude::*;

use crate::forms::{FieldErrors, place_error};
use crate::i18n::{Tr, use_i18n};

/// The DOM id of a field's input (`field-email`).
pub fn input_id(field: &str) -> String {
    format!("field-{field}")
}

/// Moves focus to the first field with an error (or the form's alert when no field has one),
/// after the DOM has been updated.
pub fn focus_first_error(errors: &FieldErrors) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let target = errors.first_field().map_or_else(|| "form-alert".to_owned(), input_id);
        if let Some(element) = document()
            .get_element_by_id(&target)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = errors;
}

/// What a form's check found, with the form's field errors cleared; or `None`, with the
/// check's errors shown under their fields and the first one focused (nothing is sent).
pub fn checked<T>(errors: Signal<FieldErrors>, check: Result<T, FieldErrors>) -> Option<T> {
    match check {
        Ok(value) => {
            errors.set(FieldErrors::new());
            Some(value)
        }
        Err(found) => {
            errors.set(found);
            errors.with(focus_first_error);
            None
        }
    }
}

/// Shows a refusal under its field, else in `top` above the form, and focuses the first field
/// in error (or the form's alert).
pub fn show_error(errors: Signal<FieldErrors>, top: Signal<Option<AppError>>, problem: AppError) {
    let (fields, form) = place_error(problem);
    show_placed(errors, top, fields, form);
}

/// Shows errors already placed ([`place_error`]): `fields` under their fields, `form` above
/// the form; focuses the first field in error (or the form's alert).
pub fn show_placed(
    errors: Signal<FieldErrors>,
    top: Signal<Option<AppError>>,
    fields: FieldErrors,
    form: Option<AppError>,
) {
    errors.set(fields);
    top.set(form);
    errors.with(focus_first_error);
}

/// Takes the input's value into `value` whenever a form is submitted, before the form's own
/// handler runs: password managers and OS autofill often write a field without the `input`
/// events `bind:value` listens to, and the parent must be answered for what they see, not for
/// what was last typed. The listener sits on the document in the capture phase, which
/// runs before any listener of the form itself; it is removed when the field goes.
pub fn sync_on_submit(input: NodeRef, value: Signal<String>) {
    #[cfg(target_arch = "wasm32")]
    {
        use std::{cell::RefCell, rc::Rc};

        use wasm_bindgen::{JsCast, closure::Closure};
        type Listener = Closure<dyn FnMut(web_sys::Event)>;
        let attached: Rc<RefCell<Option<Listener>>> = Rc::default();
        let on_submit = Rc::clone(&attached);
        on_mount(move || {
            // The element is looked up at each submit: a field inside a branch that re-renders
            // is a new element each time, and a field not shown is left alone.
            let sync = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                let shown = input
                    .try_get()
                    .filter(web_sys::Node::is_connected)
                    .and_then(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok());
                if let Some(element) = shown {
                    let seen = element.value();
                    if value.get_clone_untracked() != seen {
                        value.set(seen);
                    }
                }
            });
            let _ = document().add_event_listener_with_callback_and_bool(
                "submit",
                sync.as_ref().unchecked_ref(),
                true,
            );
            *on_submit.borrow_mut() = Some(sync);
        });
        on_cleanup(move || {
            if let Some(sync) = attached.borrow_mut().take() {
                let _ = document().remove_event_listener_with_callback_and_bool(
                    "submit",
                    sync.as_ref().unchecked_ref(),
                    true,
                );
            }
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (input, value);
}

/// Props of [`TextField`].
#[derive(Props)]
pub struct TextFieldProps {
    /// The field's name: errors are looked up by it, the input's id is [`input_id`].
    pub name: &'static str,
    /// Fluent key of the label.
    pub label: &'static str,
    /// The value, bound to the input.
    pub value: Signal<String>,
    /// The form's errors.
    pub errors: Signal<FieldErrors>,
    /// Input type (`text`, `email`, `password`…).
    #[prop(default = "text")]
    pub kind: &'static str,
    /// `autocomplete` value (empty: none).
    #[prop(default)]
    pub autocomplete: &'static str,
    /// `inputmode` value (empty: none).
    #[prop(default)]
    pub inputmode: &'static str,
    /// Fluent key of a hint shown under the label (empty: none).
    #[prop(default)]
    pub hint: &'static str,
    /// Whether the field is required.
    #[prop(default = true)]
    pub required: bool,
}

/// A labelled text input with its hint and error.
#[component]
pub fn TextField(props: TextFieldProps) -> View {
    let TextFieldProps {
        name,
        label,
        value,
        errors,
        kind,
        autocomplete,
        inputmode,
        hint,
        required,
    } = props;
    let i18n = use_i18n();
    let id = input_id(name);
    let has_error = create_selector(move || errors.with(|e| e.get(name).is_some()));
    let described = describedby(name, hint);
    let label_for = id.clone();
    let input = create_node_ref();
    sync_on_submit(input, value);
    view! {
        div(class=move || if has_error.get() { "field has-error" } else { "field" }) {
            label(r#for=label_for) {
                (i18n.t(label))
                (if required { view! {} } else { view! { span(class="optional") { " " (Tr { key: "common-optional" }) } } })
            }
            Hint(name=name, hint=hint)
            input(
                id=id,
                name=name,
                r#type=kind,
                autocomplete=non_empty(autocomplete),
                inputmode=non_empty(inputmode),
                required=required,
                aria-invalid=move || if has_error.get() { "true" } else { "false" },
                aria-describedby=described,
                bind:value=value,
                r#ref=input,
            )
            ErrorText(name=name, errors=errors)
        }
    }
}

/// Props of [`PasswordField`].
#[derive(Props)]
pub struct PasswordFieldProps {
    /// The field's name.
    pub name: &'static str,
    /// Fluent key of the label.
    pub label: &'static str,
    /// The value.
    pub value: Signal<String>,
    /// The form's errors.
    pub errors: Signal<FieldErrors>,
    /// `current-password` or `new-password`.
    pub autocomplete: &'static str,
    /// Id of an element describing the field further (the checklist), or empty.
    #[prop(default)]
    pub extra_describedby: &'static str,
}

/// A password input with a show/hide toggle (a real button, reachable by keyboard, whose
/// state is announced with `aria-pressed`).
#[component]
pub fn PasswordField(props: PasswordFieldProps) -> View {
    let PasswordFieldProps { name, label, value, errors, autocomplete, extra_describedby } = props;
    let i18n = use_i18n();
    let id = input_id(name);
    let shown = create_signal(false);
    let has_error = create_selector(move || errors.with(|e| e.get(name).is_some()));
    let input = create_node_ref();
    sync_on_submit(input, value);
    let mut described = describedby(name, "");
    if !extra_describedby.is_empty() {
        described = format!("{described} {extra_describedby}");
    }
    let label_for = id.clone();
    view! {
        div(class=move || if has_error.get() { "field has-error" } else { "field" }) {
            label(r#for=label_for) { (i18n.t(label)) }
            div(class="password-row") {
                input(
                    id=id,
                    name=name,
                    r#type=move || if shown.get() { "text" } else { "password" },
                    autocomplete=autocomplete,
                    autocapitalize="off",
                    "spellcheck"="false",
                    required=true,
                    aria-invalid=move || if has_error.get() { "true" } else { "false" },
                    aria-describedby=described,
                    bind:value=value,
                    r#ref=input,
                )
                button(
                    r#type="button",
                    class="button secondary toggle",
                    aria-pressed=move || if shown.get() { "true" } else { "false" },
                    on:click=move |_| shown.set(!shown.get()),
                ) {
                    (if shown.get() { i18n.t("password-hide") } else { i18n.t("password-show") })
                }
            }
            ErrorText(name=name, errors=errors)
        }
    }
}

fn non_empty(value: &'static str) -> Option<&'static str> {
    (!value.is_empty()).then_some(value)
}

fn describedby(name: &str, hint: &str) -> String {
    if hint.is_empty() { format!("error-{name}") } else { format!("hint-{name} error-{name}") }
}

/// A field's hint paragraph (nothing when `hint` is empty).
#[component(inline_props)]
pub fn Hint(name: &'static str, hint: &'static str) -> View {
    let i18n = use_i18n();
    if hint.is_empty() {
        return view! {};
    }
    let id = format!("hint-{name}");
    view! { p(class="hint", id=id) { (i18n.t(hint)) } }
}

/// A field's error, right under it (always present so `aria-describedby` resolves).
#[component(inline_props)]
pub fn ErrorText(name: &'static str, errors: Signal<FieldErrors>) -> View {
    let i18n = use_i18n();
    let id = format!("error-{name}");
    view! {
        p(class="error", id=id) {
            (errors.with(|e| e.get(name).map(|p| i18n.error(p)).unwrap_or_default()))
        }
    }
}

/// The form's alert region: every field error and the form-level one, announced politely by
/// screen readers (`aria-live`), and focusable when no field is at fault.
#[component(inline_props)]
pub fn FormAlert(errors: Signal<FieldErrors>, top: Signal<Option<AppError>>) -> View {
    let i18n = use_i18n();
    view! {
        div(id="form-alert", class="form-alert", tabindex="-1", aria-live="assertive", aria-atomic="true") {
            (if top.with(Option::is_some) || !errors.with(FieldErrors::is_empty) {
                let mut lines: Vec<String> = top.with(|t| t.iter().map(|p| i18n.error(p)).collect());
                lines.extend(errors.with(|e| e.iter().map(|(_, p)| i18n.error(p)).collect::<Vec<_>>()));
                // "Veuillez corriger ce qui suit" only when a field is at fault; a form-level
                // problem alone (throttled, portal unreachable) is said as it is.
                let fields_at_fault = !errors.with(FieldErrors::is_empty);
                if fields_at_fault || lines.len() > 1 {
                    let items = lines.into_iter().map(|line| view! { li { (line) } }).collect::<Vec<_>>();
                    view! {
                        div(class="alert error-box") {
                            p(class="alert-title") { (Tr { key: "form-has-errors" }) }
                            ul { (items) }
                        }
                    }
                } else {
                    let line = lines.into_iter().next().unwrap_or_default();
                    view! { div(class="alert error-box") { p { (line) } } }
                }
            } else {
                view! {}
            })
        }
    }
}

/// A yes/no question as two radio buttons in a fieldset (arrow keys move between them).
#[component(inline_props)]
pub fn YesNo(name: &'static str, legend: &'static str, value: Signal<bool>) -> View {
    let i18n = use_i18n();
    let yes_id = format!("{name}-yes");
    let no_id = format!("{name}-no");
    let yes_for = yes_id.clone();
    let no_for = no_id.clone();
    view! {
        fieldset(class="yes-no") {
            legend { (i18n.t(legend)) }
            div(class="choices") {
                input(
                    r#type="radio", id=no_id, name=name, value="no",
                    prop:checked=move || !value.get(),
                    on:change=move |_| value.set(false),
                )
                label(r#for=no_for) { (Tr { key: "common-no" }) }
                input(
                    r#type="radio", id=yes_id, name=name, value="yes",
                    prop:checked=move || value.get(),
                    on:change=move |_| value.set(true),
                )
                label(r#for=yes_for) { (Tr { key: "common-yes" }) }
            }
        }
    }
}
