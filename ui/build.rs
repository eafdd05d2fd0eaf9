//! Compiles the Fluent files (`locales/{fr-CA,en-CA}/main.ftl`) into Rust tables, so the wasm
//! carries neither the Fluent parser nor its resolver (BENCHMARKS.md, 2026-12-06).
//!
//! The files keep Fluent's syntax, parsed here by `fluent-syntax` (the parser `fluent-bundle`
//! uses). The subset the interface uses is compiled: text, `{ $variable }` and
//! `{ $variable -> … }` selections on number literals, the plural categories `one` and
//! `other`, or any other name (`[space]`, `[no_portal]`). Anything else (terms, message
//! references, functions, attributes, other plural categories, a syntax error) stops the build
//! with the message and the line, so a new string either works or does not build.
//! `src/i18n.rs` resolves the tables exactly as `fluent-bundle` would; a test compares the two
//! on every message.

use std::fmt::Write as _;
use std::path::Path;

use fluent_syntax::ast::{
    Entry, Expression, InlineExpression, Pattern, PatternElement, VariantKey,
};

/// The languages, in `Language` order, and the table each file becomes.
const FILES: &[(&str, &str)] = &[("fr-CA", "FR_CA_MESSAGES"), ("en-CA", "EN_CA_MESSAGES")];

fn main() {
    println!("cargo:rerun-if-changed=locales");
    let mut out = String::from("// Compiled from ui/locales/*/main.ftl by ui/build.rs.\n");
    for (lang, table) in FILES {
        let path = Path::new("locales").join(lang).join("main.ftl");
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let messages = compile(&path, &source);
        writeln!(out, "static {table}: &[(&str, &[Part])] = &[").unwrap_or_default();
        for (id, parts) in messages {
            writeln!(out, "    ({id:?}, {parts}),").unwrap_or_default();
        }
        out.push_str("];\n");
    }
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("messages.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}

/// A file being compiled, for error messages.
struct File<'s> {
    path: &'s Path,
    source: &'s str,
}

impl File<'_> {
    /// Stops the build: `what` is wrong at `at`, a slice of the source.
    fn fail(&self, what: &str, at: &str) -> ! {
        let offset = (at.as_ptr() as usize).saturating_sub(self.source.as_ptr() as usize);
        let line = self.source.get(..offset).map_or(0, |s| s.lines().count());
        panic!("{}:{line}: {what} (ui/build.rs compiles a subset of Fluent)", self.path.display())
    }
}

/// The messages of one file, sorted by id (the UI finds them by binary search).
fn compile(path: &Path, source: &str) -> Vec<(String, String)> {
    let file = File { path, source };
    let resource = match fluent_syntax::parser::parse_runtime(source) {
        Ok(resource) => resource,
        Err((_, errors)) => panic!("{}: Fluent syntax errors: {errors:?}", path.display()),
    };
    let mut messages: Vec<(String, String)> = Vec::new();
    for entry in &resource.body {
        match entry {
            Entry::Message(message) => {
                let id = message.id.name;
                if !message.attributes.is_empty() {
                    file.fail("attributes are not supported", id);
                }
                let Some(value) = &message.value else {
                    file.fail("a message without a value", id)
                };
                if messages.iter().any(|(known, _)| known == id) {
                    file.fail("this id is already defined", id);
                }
                messages.push((id.to_owned(), pattern(value, &file)));
            }
            Entry::Term(term) => file.fail("terms are not supported", term.id.name),
            Entry::Junk { content } => file.fail("cannot be parsed", content),
            Entry::Comment(_) | Entry::GroupComment(_) | Entry::ResourceComment(_) => {}
        }
    }
    messages.sort();
    messages
}

/// `&[Part::…, …]` for a pattern.
fn pattern(pattern: &Pattern<&str>, file: &File<'_>) -> String {
    let mut out = String::from("&[");
    for element in &pattern.elements {
        match element {
            PatternElement::TextElement { value } => {
                write!(out, "Part::Text({value:?}), ").unwrap_or_default();
            }
            PatternElement::Placeable { expression: Expression::Inline(inline) } => {
                write!(out, "Part::Var({:?}), ", variable(inline, file)).unwrap_or_default();
            }
            PatternElement::Placeable { expression: Expression::Select { selector, variants } } => {
                let selector = variable(selector, file);
                let default = variants.iter().position(|v| v.default).unwrap_or_default();
                write!(
                    out,
                    "Part::Select {{ selector: {selector:?}, default: {default}, variants: &["
                )
                .unwrap_or_default();
                for variant in variants {
                    let key = match variant.key {
                        VariantKey::NumberLiteral { value } => match value.parse::<i64>() {
                            Ok(number) => format!("Key::Number({number})"),
                            Err(_) => file.fail("only whole numbers are supported as keys", value),
                        },
                        VariantKey::Identifier { name } => {
                            if ["zero", "two", "few", "many"].contains(&name) {
                                file.fail("plural categories other than one and other", name);
                            }
                            format!("Key::Name({name:?})")
                        }
                    };
                    write!(
                        out,
                        "Variant {{ key: {key}, value: {} }}, ",
                        self::pattern(&variant.value, file)
                    )
                    .unwrap_or_default();
                }
                out.push_str("] }, ");
            }
        }
    }
    out.push(']');
    out
}

/// The name of a `$variable`, the only expression supported.
fn variable<'s>(inline: &InlineExpression<&'s str>, file: &File<'_>) -> &'s str {
    match inline {
        InlineExpression::VariableReference { id } => id.name,
        InlineExpression::StringLiteral { value } | InlineExpression::NumberLiteral { value } => {
            file.fail("literals in placeables are not supported", value)
        }
        InlineExpression::FunctionReference { id, .. } => {
            file.fail("functions are not supported", id.name)
        }
        InlineExpression::MessageReference { id, .. } => {
            file.fail("message references are not supported", id.name)
        }
        InlineExpression::TermReference { id, .. } => file.fail("terms are not supported", id.name),
        InlineExpression::Placeable { .. } => file.fail("nested placeables are not supported", ""),
    }
}
