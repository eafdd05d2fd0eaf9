//! "Mes enfants": the associated children (name, school, board); add, remove, open.

use cartable_core::ipc::{ChildArgs, ListChildren, RemoveChild, SchoolBoards as SchoolBoardsCmd};
use cartable_core::wire::parent::{Child, SchoolBoardEntry};
use cartable_core::{AppError, ChildId};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::i18n::{Arg, Tr, use_i18n};
use crate::ipc;
use crate::routes::AppRoute;
use crate::screens::associate::embedded_boards;
use crate::state::use_app;

/// Whether a child's board is missing from `boards` (then the portal's own list names it).
pub fn needs_portal_boards(boards: &[SchoolBoardEntry], children: &[Child]) -> bool {
    children
        .iter()
        .filter_map(|c| c.board_id.as_ref())
        .any(|id| !boards.iter().any(|b| &b.id == id))
}

/// The board's display name for a child (`board_id` looked up; a private school or an unknown
/// id shows nothing).
pub fn board_name(boards: &[SchoolBoardEntry], child: &Child, english: bool) -> String {
    child
        .board_id
        .as_ref()
        .and_then(|id| boards.iter().find(|b| &b.id == id))
        .map(|b| match (&b.name_en, english) {
            (Some(en), true) => en.clone(),
            _ => b.name_fr.clone(),
        })
        .unwrap_or_default()
}

/// The children screen.
#[component]
pub fn Children() -> View {
    let i18n = use_i18n();
    let app = use_app();
    let children = create_signal(None::<Vec<Child>>);
    let boards = create_signal(embedded_boards());
    let problem = create_signal(None::<AppError>);
    let confirming = create_signal(None::<ChildId>);
    let notice = app.notice.get_clone();
    app.notice.set(None);

    let load = move || {
        spawn_local_scoped(async move {
            match ipc::call::<ListChildren>(&()).await {
                Ok(list) => {
                    problem.set(None);
                    // The boards Cartable ships name almost every child; ask the portal's list
                    // only for a board it does not know (one request fewer at start-up).
                    let unknown = boards.with(|b| needs_portal_boards(b, &list));
                    children.set(Some(list));
                    if unknown && let Ok(list) = ipc::call::<SchoolBoardsCmd>(&()).await {
                        boards.set(list);
                    }
                }
                Err(p) => problem.set(Some(p)),
            }
        });
    };
    load();
    let remove = move |id: ChildId| {
        spawn_local_scoped(async move {
            match ipc::call::<RemoveChild>(&ChildArgs { child_id: id }).await {
                Ok(()) => {
                    confirming.set(None);
                    app.notice.set(None);
                    load();
                }
                Err(p) => problem.set(Some(p)),
            }
        });
    };

    view! {
        div(class="screen") {
            h1(tabindex="-1") { (Tr { key: "children-title" }) }
            (match notice.clone() {
                Some(key) => view! { p(class="alert success-box", role="status") { (i18n.t(&key)) } },
                None => view! {},
            })
            div(aria-live="polite") {
                (match problem.get_clone() {
                    Some(p) => {
                        let text = i18n.error(&p);
                        view! {
                            div(class="alert error-box", role="alert") {
                                p { (text) }
                                button(r#type="button", class="button secondary", on:click=move |_| load()) { (Tr { key: "common-retry" }) }
                            }
                        }
                    }
                    None => view! {},
                })
            }
            (match children.get_clone() {
                None => view! { p(class="hint") { (Tr { key: "common-loading" }) } },
                Some(list) if list.is_empty() => view! { p { (Tr { key: "children-empty" }) } },
                Some(list) => {
                    let english = i18n.lang.get() == cartable_core::ipc::Language::EnCa;
                    let items: Vec<View> = list.into_iter().map(|child| {
                        let board = boards.with(|b| board_name(b, &child, english));
                        let name = format!("{} {}", child.first_name, child.last_name);
                        let href = AppRoute::Dossier { id: child.id.to_string() }.href();
                        let name_text = name.clone();
                        let id_confirm = child.id.clone();
                        let id_ask = child.id.clone();
                        let id_show = child.id.clone();
                        let school = child.school.name.clone();
                        let grade = child.grade.clone();
                        let remove_label = i18n.ta("children-remove-named", &[("name", Arg::Str(name.clone()))]);
                        view! {
                            li(class="card child") {
                                h2 { a(href=href) { (name_text) } }
                                p { (school) (if grade.is_empty() { String::new() } else { format!(" · {grade}") }) }
                                (if board.is_empty() { view! {} } else {
                                    let board = board.clone();
                                    view! { p(class="hint") { (board) } }
                                })
                                (if confirming.with(|c| c.as_ref() == Some(&id_show)) {
                                    let id = id_confirm.clone();
                                    let question = i18n.ta("children-remove-confirm", &[("name", Arg::Str(name.clone()))]);
                                    view! {
                                        div(class="alert warn-box", role="alert") {
                                            p { (question) }
                                            div(class="actions") {
                                                button(r#type="button", class="button danger", on:click=move |_| remove(id.clone())) { (Tr { key: "children-remove" }) }
                                                button(r#type="button", class="button secondary", on:click=move |_| confirming.set(None)) { (Tr { key: "common-cancel" }) }
                                            }
                                        }
                                    }
                                } else {
                                    let id = id_ask.clone();
                                    let label = remove_label.clone();
                                    view! {
                                        button(r#type="button", class="link-button", aria-label=label,
                                            on:click=move |_| confirming.set(Some(id.clone()))) { (Tr { key: "children-remove" }) }
                                    }
                                })
                            }
                        }
                    }).collect();
                    view! { ul(class="children") { (items) } }
                }
            })
            p { a(class="button primary", href=AppRoute::Associate.href()) { (Tr { key: "children-add" }) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(board: Option<&str>) -> Child {
        serde_json::from_value(serde_json::json!({
            "id": "c1", "first_name": "Noah", "last_name": "O'Neil", "birth_date": "2015-09-08",
            "board_id": board, "private_school_id": null,
            "school": {"code": "123", "name": "Riverview"}, "grade": "6",
            "associated_at": "2026-11-29T00:00:00Z",
        }))
        .expect("child")
    }

    #[test]
    fn the_portal_list_is_asked_only_for_a_board_cartable_does_not_ship() {
        let shipped = embedded_boards();
        assert!(!needs_portal_boards(&shipped, &[]));
        assert!(!needs_portal_boards(&shipped, &[child(Some("sb-english-montreal")), child(None)]));
        assert!(needs_portal_boards(&shipped, &[child(Some("css-inconnu"))]));
        assert_eq!(
            board_name(&shipped, &child(Some("sb-english-montreal")), true),
            "English Montreal School Board"
        );
    }
}
