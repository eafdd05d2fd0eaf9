//! Sizes: the UI assets in `ui/dist` (raw and `gzip -9`) and the stripped binaries of the app and
//! the baseline as shipped (`--profile app`).

use anyhow::Context as _;
use std::{path::Path, process::Command};

use super::report::{Report, bytes};
use crate::cmd::Result;

/// The targets (BENCHMARKS.md, "UI size"): UI assets ≤ 200 KB gzip; the stripped shipped binary
/// ≤ 15 MB with the embedded portal, ≤ 9 MB without.
const UI_GZIP_TARGET: u64 = 200_000;
const BINARY_TARGET: u64 = 15_000_000;
const BINARY_WITHOUT_PORTAL_TARGET: u64 = 9_000_000;

/// `gzip -9 -c FILE | wc -c`.
fn gzip_size(path: &Path) -> Result<u64> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().context("gzip")?;
    Ok(out.stdout.len() as u64)
}

/// Whether `file` says the binary is stripped.
fn stripped(path: &Path) -> bool {
    Command::new("file")
        .arg(path)
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(", stripped"))
}

/// Into `report`: per kind (wasm, js, css, html) raw and gzip, their total against the
/// target; the app's binaries with and without the embedded portal, and the baseline's.
///
/// # Errors
/// `ui/dist` cannot be read.
pub fn measure(
    root: &Path,
    app: &Path,
    without_portal: &Path,
    baseline: &Path,
    report: &mut Report,
) -> Result {
    println!("\n== sizes ==");
    let dist = root.join("ui/dist");
    let mut total_raw = 0;
    let mut total_gzip = 0;
    for kind in ["wasm", "js", "css", "html"] {
        let mut raw = 0;
        let mut gzip = 0;
        for entry in walk(&dist)? {
            if entry.extension().is_some_and(|e| e == kind) {
                raw += std::fs::metadata(&entry)?.len();
                gzip += gzip_size(&entry)?;
            }
        }
        report.info(
            "size",
            format!("UI {kind}, raw / gzip"),
            format!("{} / {}", bytes(raw), bytes(gzip)),
        );
        total_raw += raw;
        total_gzip += gzip;
    }
    report.info("size", "UI assets raw", bytes(total_raw));
    report.target(
        "size",
        "UI assets gzip",
        bytes(total_gzip),
        format!("≤ {}", bytes(UI_GZIP_TARGET)),
        total_gzip <= UI_GZIP_TARGET,
    );
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    if !wasm_opt.exists() {
        report
            .note("node_modules/.bin/wasm-opt is missing: ui/dist may not be the optimised build");
    }

    let app_size = std::fs::metadata(app)
        .map(|m| m.len())
        .with_context(|| format!("cannot read {}", app.display()))?;
    if !stripped(app) {
        report.note(format!("{} is not stripped", app.display()));
    }
    report.target(
        "size",
        "app binary, stripped, with embedded portal",
        bytes(app_size),
        format!("≤ {}", bytes(BINARY_TARGET)),
        app_size <= BINARY_TARGET,
    );
    match std::fs::metadata(without_portal) {
        Ok(m) => report.target(
            "size",
            "app binary, stripped, without embedded portal",
            bytes(m.len()),
            format!("≤ {}", bytes(BINARY_WITHOUT_PORTAL_TARGET)),
            m.len() <= BINARY_WITHOUT_PORTAL_TARGET,
        ),
        Err(_) => report.info(
            "size",
            "app binary without embedded portal",
            format!(
                "not built ({}: `cargo xtask bench --build` makes it)",
                without_portal.display()
            ),
        ),
    }
    match std::fs::metadata(baseline) {
        Ok(m) => {
            report.info("size", "baseline binary, stripped", bytes(m.len()));
            #[allow(clippy::cast_precision_loss)]
            let ratio = app_size as f64 / m.len() as f64;
            report.info("size", "app / baseline binary", format!("{ratio:.2}"));
        }
        Err(_) => report.info("size", "baseline binary", "not built"),
    }
    Ok(())
}

fn walk(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() { out.extend(walk(&path)?) } else { out.push(path) }
    }
    Ok(out)
}
