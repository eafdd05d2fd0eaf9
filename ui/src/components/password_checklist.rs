//! The live password checklist: length, the 4 classes, the allowed symbols, and the character
//! that is refused, from core's [`PasswordPolicy::evaluate`] (`docs/contract.md §1`).

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use cartable_core::password::{CharClass, MIN_CLASSES, PasswordPolicy, PasswordReport, SYMBOLS};
use sycamore::prelude::*;

use crate::i18n::{Arg, Tr, character_arg, use_i18n};

/// One line of the checklist: met or not, its Fluent key and arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistLine {
    /// Whether the requirement is met.
    pub met: bool,
    /// Fluent key.
    pub key: &'static str,
    /// Arguments.
    pub args: Vec<(&'static str, Arg)>,
}

fn class_key(class: CharClass) -> &'static str {
    match class {
        CharClass::Lowercase => "pw-class-lowercase",
        CharClass::Uppercase => "pw-class-uppercase",
        CharClass::Digit => "pw-class-digit",
        CharClass::Symbol => "pw-class-symbol",
    }
}

/// The checklist for a report: length, "3 of 4 classes" with each class, and one line per
/// refused character (named, with its 1-based position).
pub fn checklist(report: &PasswordReport) -> (Vec<ChecklistLine>, Vec<ChecklistLine>) {
    let length = i64::try_from(report.length).unwrap_or(i64::MAX);
    let min = i64::try_from(report.min).unwrap_or(8);
    let max = i64::try_from(report.max).unwrap_or(16);
    let mut main = vec![
        ChecklistLine {
            met: report.length >= report.min && report.length <= report.max,
            key: "pw-length",
            args: vec![("min", min.into()), ("max", max.into()), ("length", length.into())],
        },
        ChecklistLine {
            met: report.classes_met() >= MIN_CLASSES,
            key: "pw-classes",
            args: vec![
                ("met", i64::try_from(report.classes_met()).unwrap_or(0).into()),
                ("needed", i64::try_from(MIN_CLASSES).unwrap_or(3).into()),
            ],
        },
    ];
    let classes = CharClass::ALL
        .into_iter()
        .map(|class| ChecklistLine { met: report.has(class), key: class_key(class), args: vec![] })
        .collect();
    for offending in &report.offending {
        main.push(ChecklistLine {
            met: false,
            key: "pw-offending",
            args: vec![
                ("character", Arg::Str(character_arg(offending.character))),
                ("position", i64::try_from(offending.position + 1).unwrap_or(0).into()),
            ],
        });
    }
    (main, classes)
}

/// The checklist under a new-password field; `id` is what the field's `aria-describedby`
/// points at.
#[component(inline_props)]
pub fn PasswordChecklist(id: &'static str, password: Signal<String>) -> View {
    let i18n = use_i18n();
    let report = create_memo(move || password.with(|p| PasswordPolicy::evaluate(p)));
    let line = move |l: ChecklistLine| {
        let class = if l.met { "check met" } else { "check unmet" };
        let mark = if l.met { "✓" } else { "✗" };
        let state = if l.met { i18n.t("pw-met") } else { i18n.t("pw-unmet") };
        view! {
            li(class=class) {
                span(class="mark", aria-hidden="true") { (mark) " " }
                span(class="visually-hidden") { (state) " " }
                (i18n.ta(l.key, &l.args))
            }
        }
    };
    view! {
        div(class="checklist", id=id) {
            p(class="checklist-title") { (Tr { key: "pw-rules-title" }) }
            ({
                // Views are built outside `with`: creating reactive nodes while a signal is
                // borrowed panics ("RefCell already borrowed").
                let (main, classes) = report.with(checklist);
                let mut main = main.into_iter();
                let first = main.next().map(line).unwrap_or_default();
                let second = main.next().map(line).unwrap_or_default();
                let rest: Vec<View> = main.map(line).collect();
                let classes: Vec<View> = classes.into_iter().map(line).collect();
                view! {
                    ul {
                        (first)
                        (second)
                        li(class="sub") { ul(class="classes") { (classes) } }
                        (rest)
                    }
                }
            })
            p(class="hint") { (i18n.ta("pw-symbols", &[("symbols", Arg::Str(spaced_symbols()))])) }
        }
    }
}

/// The allowed symbols, separated by spaces so each can be read.
pub fn spaced_symbols() -> String {
    SYMBOLS.chars().map(String::from).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn checklist_follows_the_report() {
        let (main, classes) = checklist(&PasswordPolicy::evaluate("abcdéfg1"));
        assert!(main[0].met, "8 characters");
        assert!(!main[1].met, "2 classes");
        assert_eq!(classes.iter().filter(|l| l.met).count(), 2);
        assert_eq!(main[2].key, "pw-offending");
        assert_eq!(main[2].args[0], ("character", Arg::Str("é".into())));
        assert_eq!(main[2].args[1], ("position", Arg::Num(5)));
        let (main, _) = checklist(&PasswordPolicy::evaluate("Abcdefgh12345678!"));
        assert!(!main[0].met, "17 characters");
    }

    #[test]
    fn symbols_are_listed_one_by_one() {
        assert!(spaced_symbols().starts_with("@ # $"));
        assert_eq!(spaced_symbols().split(" ").count(), SYMBOLS.chars().count());
    }
}
