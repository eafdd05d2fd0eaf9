//! A child's file: the sections the school publishes (`docs/contract.md §6`).

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use cartable_core::ipc::{ChildArgs, GetDossier, Language};
use cartable_core::wire::parent::DossierSection;
use cartable_core::{AppError, ChildId};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::i18n::{Arg, Tr, use_i18n};
use crate::ipc;
use crate::routes::AppRoute;

/// The file screen for child `id`.
#[component(inline_props)]
pub fn Dossier(id: String) -> View {
    let i18n = use_i18n();
    let sections = create_signal(None::<Vec<DossierSection>>);
    let problem = create_signal(None::<AppError>);
    spawn_local_scoped(async move {
        match ipc::call::<GetDossier>(&ChildArgs { child_id: ChildId::new(id) }).await {
            Ok(list) => sections.set(Some(list)),
            Err(p) => problem.set(Some(p)),
        }
    });
    view! {
        div(class="screen") {
            p { a(href=AppRoute::Children.href()) { "← " (Tr { key: "children-title" }) } }
            h1(tabindex="-1") { (Tr { key: "dossier-title" }) }
            (match problem.get_clone() {
                Some(p) => { let text = i18n.error(&p); view! { p(class="alert error-box", role="alert") { (text) } } }
                None => view! {},
            })
            (match sections.get_clone() {
                None => view! { p(class="hint") { (Tr { key: "common-loading" }) } },
                Some(list) if list.is_empty() => view! { p { (Tr { key: "dossier-empty" }) } },
                Some(list) => {
                    let english = i18n.lang.get() == Language::EnCa;
                    let items: Vec<View> = list.into_iter().map(|s| {
                        let title = if english { s.title_en.clone() } else { s.title_fr.clone() };
                        let count = i18n.ta("dossier-count", &[("count", Arg::Num(i64::from(s.count)))]);
                        view! { li(class="card section") { h2 { (title) } p { (count) } } }
                    }).collect();
                    view! { ul(class="sections") { (items) } }
                }
            })
        }
    }
}
