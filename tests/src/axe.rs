//! The accessibility audit of each step: axe-core, pinned in `tests/package.json` and
//! installed by `tests/e2e.sh` (`npm ci --prefix tests`), injected into the app window through
//! WebDriver and run on the whole document after each screenshot.
//!
//! Each audit writes `<nn>-<step>.axe.json` next to the step's PNG: the language and theme of the
//! window, every violation (rule, impact, help, the elements' selectors and axe's summary), the
//! rules that passed (`color-contrast` among them when every text was measured) and what axe
//! could not decide (`incomplete`, to review by hand: so far only the glyphs ✓ ✗ ▮, which are
//! not text). Serious and critical violations fail the scenario once it ends, listed step by step.

use std::{path::Path, sync::OnceLock};

use fantoccini::Client;
use serde_json::{Value, json};

use crate::{Result, fail};

/// Impacts that fail the scenario (axe's scale: minor, moderate, serious, critical).
const FAILING: [&str; 2] = ["serious", "critical"];

/// Rules turned off, each with why. Only false positives of the engine (WebKitGTK) belong here;
/// a finding about the app is fixed in `ui/`.
const DISABLED_RULES: [(&str, &str); 0] = [];

/// axe-core's source, read once from `tests/node_modules`.
fn source() -> Result<&'static str> {
    static SOURCE: OnceLock<std::result::Result<String, String>> = OnceLock::new();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js");
    let loaded = SOURCE.get_or_init(|| {
        std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "cannot read {}: {e} (tests/e2e.sh runs `npm ci --prefix tests`)",
                path.display()
            )
        })
    });
    loaded.as_deref().map_err(fail)
}

/// Runs axe on the window's document and answers its violations, passed rules and undecided
/// elements, with the window's language, colour scheme and route.
const RUN: &str = r"
    const done = arguments[arguments.length - 1];
    const rules = {};
    for (const id of arguments[0]) rules[id] = { enabled: false };
    axe.run(document, { resultTypes: ['violations', 'incomplete'], rules }).then((r) => done({
        axe: axe.version,
        lang: document.documentElement.lang,
        theme: matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light',
        route: location.hash,
        violations: r.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
        })),
        passes: r.passes.map((v) => v.id),
        incomplete: r.incomplete.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
        })),
    }), (e) => done({ error: String(e) }));
";

/// Audits the window now, writes the report next to `png` (`<nn>-<step>.axe.json`) and answers
/// one line per serious or critical violation (`step: rule (impact): help — selectors`).
///
/// # Errors
/// axe cannot be read, injected or run, or the report cannot be written.
pub(crate) async fn audit(client: &Client, png: &Path) -> Result<Vec<String>> {
    let loaded = client.execute("return typeof window.axe === 'object'", vec![]).await?;
    if loaded != Value::Bool(true) {
        // A new page (a launch): inject axe as a script body, then check it is there.
        let script = format!("{}\nreturn typeof window.axe === 'object';", source()?);
        if client.execute(&script, vec![]).await? != Value::Bool(true) {
            return Err(fail("axe-core did not load in the window"));
        }
    }
    let disabled: Vec<&str> = DISABLED_RULES.iter().map(|(id, _)| *id).collect();
    let mut report = client.execute_async(RUN, vec![json!(disabled)]).await?;
    if let Some(error) = report.get("error") {
        return Err(fail(format!("axe failed: {error}")));
    }
    if let Value::Object(map) = &mut report {
        map.insert("disabled_rules".to_owned(), json!(DISABLED_RULES));
    }
    std::fs::write(png.with_extension("axe.json"), serde_json::to_string_pretty(&report)?)?;
    let step = png.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(failing(&step, &report))
}

/// One readable line per serious or critical violation of `report`.
fn failing(step: &str, report: &Value) -> Vec<String> {
    let context = format!(
        "{step} [{} {}]",
        report.get("lang").and_then(Value::as_str).unwrap_or("?"),
        report.get("theme").and_then(Value::as_str).unwrap_or("?"),
    );
    let violations = report.get("violations").and_then(Value::as_array).cloned();
    violations
        .unwrap_or_default()
        .iter()
        .filter(|v| v.get("impact").and_then(Value::as_str).is_some_and(|i| FAILING.contains(&i)))
        .map(|v| {
            let text = |key: &str| v.get(key).and_then(Value::as_str).unwrap_or_default();
            let targets: Vec<String> = v
                .get("nodes")
                .and_then(Value::as_array)
                .map(|nodes| {
                    nodes
                        .iter()
                        .filter_map(|n| n.get("target"))
                        .map(|t| match t {
                            Value::Array(parts) => parts
                                .iter()
                                .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                                .collect::<Vec<_>>()
                                .join(" >>> "),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "{context}: {} ({}): {} — {}",
                text("id"),
                text("impact"),
                text("help"),
                targets.join(", ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_serious_and_critical_violations_only() {
        let report = json!({
            "lang": "en-CA", "theme": "dark",
            "violations": [
                { "id": "color-contrast", "impact": "serious", "help": "Contrast",
                  "nodes": [{ "target": [".hint"] }, { "target": ["#a", "b"] }] },
                { "id": "region", "impact": "moderate", "help": "Landmarks",
                  "nodes": [{ "target": ["p"] }] },
            ],
        });
        assert_eq!(
            failing("03-login", &report),
            ["03-login [en-CA dark]: color-contrast (serious): Contrast — .hint, #a >>> b"]
        );
    }
}
