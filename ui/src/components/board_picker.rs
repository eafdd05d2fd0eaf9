//! A searchable picker of school bodies (or private schools): type part of a name in any of its
//! forms ("affluents", "CS des Affluents"), then pick among the matches with the arrow keys.
//! Matching is core's [`search_by`]; bodies that do not subscribe to the portal say so.

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use cartable_core::boards::search_by;
use cartable_core::wire::parent::{PrivateSchool, SchoolBoardEntry};
use sycamore::prelude::*;

use crate::components::field::{ErrorText, input_id};
use crate::forms::FieldErrors;
use crate::i18n::{Tr, use_i18n};

/// How many matches are listed at once.
pub const MAX_SHOWN: usize = 8;

/// One choice of the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickerItem {
    /// The id sent to the portal (`css-affluents`, `ps-…`).
    pub id: String,
    /// The name shown.
    pub name: String,
    /// Every name it is known by (shown name first), for the search.
    pub names: Vec<String>,
    /// A detail line (the region), or empty.
    pub detail: String,
    /// Whether it subscribes to the portal.
    pub subscribed: bool,
}

impl PickerItem {
    /// A school body, named in English when `english` and it has an English name.
    pub fn from_board(entry: &SchoolBoardEntry, english: bool) -> Self {
        let name = match (&entry.name_en, english) {
            (Some(en), true) => en.clone(),
            _ => entry.name_fr.clone(),
        };
        let mut names = vec![entry.name_fr.clone()];
        names.extend(entry.name_en.clone());
        names.extend(entry.former_names.iter().cloned());
        Self {
            id: entry.id.to_string(),
            name,
            names,
            detail: entry.region.clone(),
            subscribed: entry.subscribed,
        }
    }

    /// A private school.
    pub fn from_private(school: &PrivateSchool) -> Self {
        Self {
            id: school.id.to_string(),
            name: school.name.clone(),
            names: vec![school.name.clone()],
            detail: String::new(),
            subscribed: school.subscribed,
        }
    }
}

/// The matches for `query`, best first, at most [`MAX_SHOWN`]; the selected item always stays
/// listed so the radio group keeps its checked choice.
pub fn matches(items: &[PickerItem], query: &str, selected: &str) -> Vec<PickerItem> {
    let mut found: Vec<PickerItem> =
        search_by(items, |i| i.names.iter().map(String::as_str).collect(), query)
            .into_iter()
            .take(MAX_SHOWN)
            .cloned()
            .collect();
    if !selected.is_empty()
        && !found.iter().any(|i| i.id == selected)
        && let Some(item) = items.iter().find(|i| i.id == selected)
    {
        found.insert(0, item.clone());
    }
    found
}

/// The picker: a search input and a radio group of matches (field name `board`).
#[component(inline_props)]
pub fn BoardPicker(
    label: &'static str,
    items: ReadSignal<Vec<PickerItem>>,
    selected: Signal<String>,
    errors: Signal<FieldErrors>,
) -> View {
    let i18n = use_i18n();
    let query = create_signal(String::new());
    let shown =
        create_memo(move || items.with(|i| query.with(|q| selected.with(|s| matches(i, q, s)))));
    let has_error = create_selector(move || errors.with(|e| e.get("board").is_some()));
    let chosen = create_memo(move || {
        let id = selected.get_clone();
        items.with(|i| i.iter().find(|x| x.id == id).cloned())
    });
    view! {
        fieldset(class=move || if has_error.get() { "field picker has-error" } else { "field picker" }) {
            legend { (i18n.t(label)) }
            label(r#for=input_id("board")) { (Tr { key: "picker-search-label" }) }
            p(class="hint", id="hint-board") { (Tr { key: "picker-search-hint" }) }
            input(
                id=input_id("board"),
                r#type="search",
                autocomplete="off",
                aria-invalid=move || if has_error.get() { "true" } else { "false" },
                aria-describedby="hint-board error-board picker-count",
                aria-controls="picker-results",
                bind:value=query,
            )
            p(id="picker-count", class="hint", aria-live="polite") {
                (i18n.ta("picker-count", &[("count", i64::try_from(shown.with(Vec::len)).unwrap_or(0).into())]))
            }
            div(id="picker-results", class="picker-results", role="radiogroup", aria-label=i18n.t(label)) {
                Keyed(
                    list=shown,
                    key=|item| item.id.clone(),
                    view=move |item| {
                        let id = item.id.clone();
                        let dom_id = format!("board-{}", item.id);
                        let checked_id = item.id.clone();
                        let dom_for = dom_id.clone();
                        let value = item.id.clone();
                        let name = item.name.clone();
                        view! {
                            div(class="picker-item") {
                                input(
                                    r#type="radio", name="board-choice", id=dom_id, value=value,
                                    prop:checked=move || selected.with(|s| *s == checked_id),
                                    on:change=move |_| selected.set(id.clone()),
                                )
                                label(r#for=dom_for) {
                                    span(class="picker-name") { (name) }
                                    (if item.detail.is_empty() { view! {} } else {
                                        let detail = item.detail.clone();
                                        view! { span(class="picker-detail") { " · " (detail) } }
                                    })
                                    (if item.subscribed { view! {} } else {
                                        view! { span(class="badge warn") { (Tr { key: "picker-not-subscribed" }) } }
                                    })
                                }
                            }
                        }
                    },
                )
            }
            // Cloned out first: no view is built while a signal is borrowed.
            (match chosen.get_clone() {
                Some(item) if !item.subscribed => {
                    let name = item.name;
                    view! { p(class="alert warn-box") { (i18n.ta("picker-chosen-not-subscribed", &[("name", name.clone().into())])) } }
                }
                _ => view! {},
            })
            ErrorText(name="board", errors=errors)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use cartable_core::boards::SchoolBoards;

    use super::*;

    fn items() -> Vec<PickerItem> {
        SchoolBoards::embedded()
            .all()
            .iter()
            .map(|b| PickerItem {
                id: b.id.to_string(),
                name: b.name_fr.clone(),
                names: {
                    let mut n = vec![b.name_fr.clone()];
                    n.extend(b.name_en.clone());
                    n.extend(b.former_names.iter().cloned());
                    n
                },
                detail: b.region.clone(),
                subscribed: b.id != "css-laval",
            })
            .collect()
    }

    #[test]
    fn both_spellings_find_the_affluents() {
        let items = items();
        assert_eq!(matches(&items, "affluents", "")[0].id, "css-affluents");
        assert_eq!(matches(&items, "CS des Affluents", "")[0].id, "css-affluents");
    }

    #[test]
    fn at_most_a_screenful_and_the_choice_stays() {
        let items = items();
        assert_eq!(matches(&items, "", "").len(), MAX_SHOWN);
        let found = matches(&items, "affluents", "css-laval");
        assert_eq!(found[0].id, "css-laval");
        assert!(found.iter().any(|i| i.id == "css-affluents"));
    }
}
