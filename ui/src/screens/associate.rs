//! "Associer un enfant" (`docs/contract.md §6`): the NIP and private-school questions, the
//! board picker, names, birth date, identifier and email.

use cartable_core::ipc::{AssociateChild, GetMe, PrivateSchools, SchoolBoards as SchoolBoardsCmd};
use cartable_core::wire::parent::SchoolBoardEntry;
use cartable_core::{AppError, ErrorKind, Failure};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::components::board_picker::{BoardPicker, PickerItem};
use crate::components::busy_button::BusyButton;
use crate::components::field::{
    ErrorText, FormAlert, TextField, YesNo, focus_first_error, input_id, sync_on_submit,
};
use crate::components::link_email::{LinkEmail, opens_link_step};
use crate::dates::today_in_quebec;
use crate::forms::{AssociateForm, FieldErrors, IdentifierKind, identifier_feedback, place_error};
use crate::i18n::{Arg, Tr, use_i18n};
use crate::ipc;
use crate::routes::{AppRoute, go};
use crate::state::use_app;

/// The embedded list of bodies as picker entries (when the portal's list is unavailable), all
/// marked subscribed since nothing says otherwise.
pub fn embedded_boards() -> Vec<SchoolBoardEntry> {
    cartable_core::boards::SchoolBoards::embedded()
        .all()
        .iter()
        .map(|b| SchoolBoardEntry {
            id: b.id.clone(),
            name_fr: b.name_fr.clone(),
            name_en: b.name_en.clone(),
            language: b.language,
            kind: b.kind,
            region: b.region.clone(),
            ministry_code: b.ministry_code.clone(),
            former_names: b.former_names.clone(),
            subscribed: true,
        })
        .collect()
}

/// The association screen.
#[component]
pub fn Associate() -> View {
    let i18n = use_i18n();
    let app = use_app();
    let has_nip = create_signal(false);
    let private = create_signal(false);
    let board_id = create_signal(String::new());
    let private_id = create_signal(String::new());
    let last_name = create_signal(String::new());
    let first_name = create_signal(String::new());
    let day = create_signal(String::new());
    let month = create_signal(String::new());
    let year = create_signal(String::new());
    let identifier = create_signal(String::new());
    let nip = create_signal(String::new());
    let email = create_signal(match app.session.get_clone() {
        crate::state::SignInState::SignedIn { email, .. } => email,
        _ => app.email.get_clone(),
    });
    let verified = create_signal(Vec::<String>::new());
    let boards = create_signal(Vec::<SchoolBoardEntry>::new());
    let privates = create_signal(Vec::<PickerItem>::new());
    // Inputs written by autofill without events are read on submit (field.rs).
    let (day_input, year_input, email_input) =
        (create_node_ref(), create_node_ref(), create_node_ref());
    sync_on_submit(day_input, day);
    sync_on_submit(year_input, year);
    sync_on_submit(email_input, email);
    let errors = create_signal(FieldErrors::new());
    let top = create_signal(None::<AppError>);
    let busy = create_signal(false);
    // "Lier le courriel donné à l'école" (`docs/contract.md §5`): over the form while open.
    let link_open = create_signal(false);
    let link_not_verified = create_signal(false);
    create_effect(move || {
        if !link_open.get() && link_not_verified.get_untracked() {
            link_not_verified.set(false);
            errors.set(FieldErrors::new());
            top.set(None);
        }
    });

    spawn_local_scoped(async move {
        match ipc::call::<SchoolBoardsCmd>(&()).await {
            Ok(list) => boards.set(list),
            Err(_) => boards.set(embedded_boards()),
        }
        if let Ok(list) = ipc::call::<PrivateSchools>(&()).await {
            privates.set(list.iter().map(PickerItem::from_private).collect());
        }
        if let Ok(me) = ipc::call::<GetMe>(&()).await {
            verified
                .set(me.emails.iter().filter(|e| e.verified).map(|e| e.address.clone()).collect());
        }
    });
    let board_items = create_memo(move || {
        let english = i18n.lang.get() == cartable_core::ipc::Language::EnCa;
        boards.with(|b| b.iter().map(|e| PickerItem::from_board(e, english)).collect::<Vec<_>>())
    });

    let form = move || AssociateForm {
        has_nip: has_nip.get(),
        private_school: private.get(),
        board_id: board_id.get_clone(),
        private_school_id: private_id.get_clone(),
        last_name: last_name.get_clone(),
        first_name: first_name.get_clone(),
        day: day.get_clone(),
        month: month.get_clone(),
        year: year.get_clone(),
        identifier: identifier.get_clone(),
        nip: nip.get_clone(),
        email: email.get_clone(),
    };
    let feedback = create_memo(move || {
        let current = form();
        let birth = current.birth_date(today_in_quebec()).ok();
        identifier_feedback(
            &current.identifier,
            birth.as_ref(),
            &current.last_name,
            &current.first_name,
        )
    });

    let submit = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        if busy.get() {
            return;
        }
        top.set(None);
        match form().validate(today_in_quebec()) {
            Err(found) => {
                errors.set(found);
                errors.with(focus_first_error);
            }
            Ok(request) => {
                errors.set(FieldErrors::new());
                busy.set(true);
                spawn_local_scoped(async move {
                    let result = ipc::call::<AssociateChild>(&request).await;
                    busy.set(false);
                    match result {
                        Ok(associated) => {
                            app.notice.set(Some(if associated.created {
                                "associate-done".to_owned()
                            } else {
                                "associate-already".to_owned()
                            }));
                            go(&AppRoute::Children);
                        }
                        Err(problem) => {
                            if opens_link_step(&problem) {
                                link_not_verified.set(true);
                                link_open.set(true);
                            }
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

    let months = (1..=12)
        .map(|m: i64| {
            let key = format!("month-{m}");
            view! { option(value=m.to_string()) { (i18n.t(&key)) } }
        })
        .collect::<Vec<_>>();
    let no_match = create_selector(move || {
        top.with(|t| {
            t.as_ref().is_some_and(|p| {
                matches!(p.kind, ErrorKind::Failure(Failure::NoMatchingRecord { .. }))
            })
        })
    });

    view! {
        div(class="screen") {
            h1(tabindex="-1") { (Tr { key: "associate-title" }) }
            p(class="lead") { (Tr { key: "associate-intro" }) }
            (if link_open.get() {
                let not_verified = link_not_verified.get_untracked();
                view! { LinkEmail(open=link_open, email=email, verified=verified, not_verified=not_verified) }
            } else { view! {} })
            form(class="card", hidden=move || link_open.get(), on:submit=submit, novalidate=true) {
                FormAlert(errors=errors, top=top)
                (if no_match.get() {
                    view! {
                        div(class="alert warn-box") {
                            p { strong { (Tr { key: "associate-check-title" }) } }
                            ul {
                                li { (Tr { key: "associate-check-names" }) }
                                li { (Tr { key: "associate-check-board" }) }
                                li { (Tr { key: "associate-check-identifier" }) }
                                li { (Tr { key: "associate-check-date" }) }
                                li { (Tr { key: "associate-check-email" }) }
                            }
                        }
                    }
                } else { view! {} })
                YesNo(name="has-nip", legend="associate-nip-question", value=has_nip)
                YesNo(name="private", legend="associate-private-question", value=private)
                (if private.get() {
                    view! { BoardPicker(label="associate-private-school", items=*privates, selected=private_id, errors=errors) }
                } else {
                    view! { BoardPicker(label="associate-board", items=board_items, selected=board_id, errors=errors) }
                })
                (if has_nip.get() {
                    view! {
                        TextField(name="nip", label="associate-nip", value=nip, errors=errors,
                            autocomplete="off", hint="associate-nip-hint")
                    }
                } else {
                    view! {
                        TextField(name="last_name", label="associate-last-name", value=last_name, errors=errors,
                            autocomplete="off", hint="associate-names-hint")
                        TextField(name="first_name", label="associate-first-name", value=first_name, errors=errors,
                            autocomplete="off")
                    }
                })
                fieldset(class=move || if errors.with(|e| e.get("birth_date").is_some()) { "field date has-error" } else { "field date" },
                    aria-describedby="error-birth_date") {
                    legend { (Tr { key: "associate-birth-date" }) }
                    div(class="date-parts") {
                        div {
                            label(r#for=input_id("birth_date")) { (Tr { key: "associate-day" }) }
                            input(id=input_id("birth_date"), r#type="text", inputmode="numeric", autocomplete="off",
                                size="2", bind:value=day, r#ref=day_input,
                                aria-invalid=move || if errors.with(|e| e.get("birth_date").is_some()) { "true" } else { "false" })
                        }
                        div {
                            label(r#for="field-birth-month") { (Tr { key: "associate-month" }) }
                            select(id="field-birth-month", bind:value=month) {
                                option(value="") { (Tr { key: "associate-month-choose" }) }
                                (months)
                            }
                        }
                        div {
                            label(r#for="field-birth-year") { (Tr { key: "associate-year" }) }
                            input(id="field-birth-year", r#type="text", inputmode="numeric", autocomplete="off",
                                size="4", bind:value=year, r#ref=year_input)
                        }
                    }
                    ErrorText(name="birth_date", errors=errors)
                }
                (if has_nip.get() { view! {} } else {
                    view! {
                        div(class="field") {
                            TextField(name="identifier", label="associate-identifier", value=identifier, errors=errors,
                                autocomplete="off", hint="associate-identifier-hint")
                            p(class="hint", aria-live="polite") {
                                (feedback.with(|f| match (f.kind, f.looks_like) {
                                    (Some(IdentifierKind::StudentNumber), _) => i18n.t("associate-read-fiche"),
                                    (Some(IdentifierKind::PermanentCode), _) => i18n.t("associate-read-code"),
                                    (None, Some(IdentifierKind::StudentNumber)) => i18n.t("associate-looks-fiche"),
                                    (None, Some(IdentifierKind::PermanentCode)) => i18n.t("associate-looks-code"),
                                    (None, None) => String::new(),
                                }))
                            }
                            ({
                                // Built outside `with` (no reactive node while a signal is borrowed).
                                let hints = feedback.with(|f| f.hints.clone());
                                let hints: Vec<View> = hints.iter().map(|h| {
                                    let text = i18n.error(h);
                                    view! { li { (text) } }
                                }).collect();
                                if hints.is_empty() { view! {} } else {
                                    view! { ul(class="soft-hints") { (hints) } }
                                }
                            })
                        }
                        div(class="field") {
                            label(r#for=input_id("email")) { (Tr { key: "associate-email" }) }
                            p(class="hint", id="hint-email") { (Tr { key: "associate-email-hint" }) }
                            input(id=input_id("email"), r#type="email", autocomplete="email", list="verified-emails",
                                aria-describedby="hint-email error-email",
                                aria-invalid=move || if errors.with(|e| e.get("email").is_some()) { "true" } else { "false" },
                                bind:value=email, r#ref=email_input)
                            datalist(id="verified-emails") {
                                (verified.get_clone().into_iter().map(|address| {
                                    view! { option(value=address) }
                                }).collect::<Vec<_>>())
                            }
                            (if verified.with(|v| v.len() > 1) {
                                let buttons: Vec<View> = verified.get_clone().into_iter().map(|address| {
                                    let shown = address.clone();
                                    view! { button(r#type="button", class="chip", on:click=move |_| email.set(address.clone())) { (shown) } }
                                }).collect();
                                view! { p(class="chips") { (Tr { key: "associate-verified-emails" }) " " (buttons) } }
                            } else { view! {} })
                            ErrorText(name="email", errors=errors)
                            p { button(r#type="button", class="link-button", on:click=move |_| {
                                link_not_verified.set(false);
                                link_open.set(true);
                            }) { (Tr { key: "associate-link-open" }) } }
                        }
                    }
                })
                div(class="actions") {
                    BusyButton(label="common-save", busy=busy)
                    a(class="button secondary", href=AppRoute::Children.href()) { (Tr { key: "common-cancel" }) }
                }
                p(class="hint") { (i18n.ta("associate-limit", &[("limit", Arg::Num(10))])) }
            }
        }
    }
}
