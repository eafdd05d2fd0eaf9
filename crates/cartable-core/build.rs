//! Compiles `data/school_boards.json` into a Rust table (`$OUT_DIR/school_boards.rs`), so the
//! UI's wasm neither carries a JSON parser for it nor parses it at start-up
//! (BENCHMARKS.md, 2026-12-06). A test in `src/boards.rs` checks the table against the file
//! read with serde, field by field.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

const FIELDS: [&str; 8] =
    ["id", "name_fr", "name_en", "language", "kind", "region", "ministry_code", "former_names"];

fn main() {
    let path = "data/school_boards.json";
    println!("cargo:rerun-if-changed={path}");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let boards: Vec<serde_json::Map<String, Value>> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = String::from(
        "// Compiled from data/school_boards.json by build.rs.\nstatic BOARDS: &[Embedded] = &[\n",
    );
    for (index, board) in boards.iter().enumerate() {
        let fail = |what: &str| -> ! { panic!("{path}: board {index}: {what}") };
        if let Some(unknown) = board.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            fail(&format!("unknown field {unknown}"));
        }
        let text = |field: &str| match board.get(field) {
            Some(Value::String(s)) => format!("{s:?}"),
            _ => fail(&format!("{field} must be a string")),
        };
        let name_en = match board.get("name_en") {
            Some(Value::Null) | None => "None".to_owned(),
            Some(Value::String(s)) => format!("Some({s:?})"),
            _ => fail("name_en must be a string or null"),
        };
        let language = match board.get("language").and_then(Value::as_str) {
            Some("fr") => "Fr",
            Some("en") => "En",
            _ => fail("language must be fr or en"),
        };
        let kind = match board.get("kind").and_then(Value::as_str) {
            Some("css") => "Css",
            Some("school_board") => "SchoolBoard",
            Some("special_status") => "SpecialStatus",
            _ => fail("kind must be css, school_board or special_status"),
        };
        let former_names = match board.get("former_names") {
            Some(Value::Array(names)) => names
                .iter()
                .map(|n| match n {
                    Value::String(s) => format!("{s:?}"),
                    _ => fail("former_names must hold strings"),
                })
                .collect::<Vec<_>>()
                .join(", "),
            _ => fail("former_names must be an array"),
        };
        writeln!(
            out,
            "    Embedded {{ id: {}, name_fr: {}, name_en: {name_en}, language: BoardLanguage::{language}, \
             kind: BoardKind::{kind}, region: {}, ministry_code: {}, former_names: &[{former_names}] }},",
            text("id"),
            text("name_fr"),
            text("region"),
            text("ministry_code"),
        )
        .unwrap_or_default();
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("school_boards.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}
