//! Building the Sycamore UI into `ui/dist`, the folder `tauri.conf.json` embeds.
//!
//! `cargo build --target wasm32-unknown-unknown`, then `wasm-bindgen --target web`, then (release)
//! `wasm-opt -Oz` from npm's binaryen, then the static files: `ui/index.html`, `ui/*.css` and `ui/assets/`.

use anyhow::Context as _;
use std::path::Path;

use crate::cmd::{self, Result};

/// Builds the UI; `release` adds optimisation (smaller, slower to build).
pub fn build(root: &Path, release: bool) -> Result {
    // `wasm-release` (root Cargo.toml): release minus `strip`, which would remove the section
    // wasm-bindgen reads; wasm-opt strips afterwards.
    let (profile, dir) = if release { ("wasm-release", "wasm-release") } else { ("dev", "debug") };
    cmd::run(
        root,
        "cargo",
        &["build", "-p", "cartable-ui", "--target", "wasm32-unknown-unknown", "--profile", profile],
    )?;
    let dist = root.join("ui/dist");
    std::fs::create_dir_all(&dist).context("cannot create ui/dist")?;
    // `ui` is a binary crate, so the file keeps the package's hyphen.
    let wasm = format!("target/wasm32-unknown-unknown/{dir}/cartable-ui.wasm");
    cmd::run(
        root,
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            "ui/dist",
            "--out-name",
            "cartable_ui",
            &wasm,
        ],
    )?;
    if release {
        let wasm_opt = root.join("node_modules/.bin/wasm-opt");
        // Optimise into a temporary file, then rename: an app build reading ui/dist meanwhile
        // never sees a half-written module.
        let out = "ui/dist/cartable_ui_bg.wasm";
        let tmp = "ui/dist/cartable_ui_bg.wasm.opt";
        cmd::run(
            root,
            &wasm_opt.to_string_lossy(),
            &[
                "-Oz",
                "--strip-debug",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-reference-types",
                "--enable-sign-ext",
                "--enable-mutable-globals",
                out,
                "-o",
                tmp,
            ],
        )?;
        std::fs::rename(root.join(tmp), root.join(out))
            .with_context(|| format!("cannot replace {out}"))?;
    }
    copy_static(&root.join("ui"), &dist)?;
    println!("· UI built into ui/dist ({profile} profile)");
    Ok(())
}

fn copy_static(ui: &Path, dist: &Path) -> Result {
    let entries = std::fs::read_dir(ui).with_context(|| format!("cannot read {}", ui.display()))?;
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name == "index.html" || name.ends_with(".css") {
            copy(&path, &dist.join(&name))?;
        }
    }
    copy_dir(&ui.join("assets"), &dist.join("assets"))
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    let Ok(entries) = std::fs::read_dir(from) else { return Ok(()) };
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in entries {
        let path = entry?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() { copy_dir(&path, &target)? } else { copy(&path, &target)? }
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result {
    std::fs::copy(from, to).map(drop).with_context(|| format!("cannot copy {}", from.display()))
}
