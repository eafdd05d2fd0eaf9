//! Installing what a fresh machine lacks, idempotently: Debian packages, the wasm target and the
//! UI build tools at the versions pinned in the repository.
//!
//! Pins: wasm-bindgen-cli matches `wasm-bindgen` in `Cargo.lock` (they must be equal); binaryen
//! (wasm-opt) comes from npm at the version in `package.json` (Debian's wasm-opt breaks the
//! module in WebKit); tauri-driver is pinned below.

use anyhow::{Context as _, anyhow, bail};
use std::path::Path;

use crate::cmd::{self, Result};

/// Debian packages the build, the app and the tests need.
pub const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "curl",
    "file",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libjavascriptcoregtk-4.1-dev",
    "libsoup-3.0-dev",
    "libgtk-3-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libdbus-1-dev",
    "xvfb",
    "xauth",
    "x11-utils",
    "imagemagick",
    "webkit2gtk-driver",
    "gnome-keyring",
    "dbus-x11",
    "libsecret-tools",
    "python3-aiosmtpd",
    // the portal's tests on PostgreSQL (xtask/src/postgres.rs): a throw-away cluster
    "postgresql",
    "nodejs",
    "npm",
    // portal-client's tests/browser_oidc.rs: headless Chromium as the system browser.
    "chromium",
    "chromium-driver",
    // `cargo xtask package --check` (tests/package.sh): the .rpm's file list, the desktop entry.
    "rpm",
    "desktop-file-utils",
    // `cargo xtask windows` (xtask/src/platforms.rs): the cross-compiler, its windres, the zip.
    "mingw-w64",
    "zip",
    // `cargo xtask mobile-check`: ring's C for Android, with glibc's arm64 headers as stand-ins.
    "clang",
    "llvm",
    "libc6-dev-arm64-cross",
];

/// tauri-driver (WebDriver for the real app window), pinned to the 2.x release we test with.
pub const TAURI_DRIVER_VERSION: &str = "2.1.0";

/// Everything: system packages, UI tools and the end-to-end driver.
pub fn all(root: &Path) -> Result {
    apt_packages()?;
    ensure_ui_tools(root)?;
    tauri_driver()
}

/// Installs the missing Debian packages with apt (as root, or through sudo).
pub fn apt_packages() -> Result {
    if !cmd::exists("dpkg-query") || !cmd::exists("apt-get") {
        println!(
            "· not a Debian/Ubuntu system: make sure the equivalents of these packages are installed:\n  {}",
            APT_PACKAGES.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = APT_PACKAGES.iter().copied().filter(|p| !apt_installed(p)).collect();
    if missing.is_empty() {
        println!("· system packages: all present");
        return Ok(());
    }
    // Node and npm may come from elsewhere (nvm, NodeSource): only install them when absent.
    let missing: Vec<&str> = missing
        .into_iter()
        .filter(|p| {
            !(matches!(*p, "nodejs" | "npm")
                && cmd::exists(if *p == "nodejs" { "node" } else { "npm" }))
        })
        .collect();
    if missing.is_empty() {
        println!("· system packages: all present");
        return Ok(());
    }
    println!("· installing system packages: {}", missing.join(" "));
    let root_user = cmd::output("id", &["-u"]).as_deref() == Some("0");
    let (program, prefix): (&str, Vec<&str>) =
        if root_user { ("apt-get", vec![]) } else { ("sudo", vec!["apt-get"]) };
    let here = Path::new(".");
    let mut update = prefix.clone();
    update.extend(["update", "-qq"]);
    cmd::run(here, program, &update)?;
    let mut install = prefix;
    install.extend(["install", "-y", "-qq", "--no-install-recommends"]);
    install.extend(missing.iter().copied());
    cmd::run_env(here, program, &install, &[("DEBIAN_FRONTEND", "noninteractive")])
}

fn apt_installed(package: &str) -> bool {
    cmd::output("dpkg-query", &["-W", "-f=${db:Status-Status}", package]).as_deref()
        == Some("installed")
}

/// The wasm target, wasm-bindgen-cli (the lockfile's version) and npm's binaryen.
pub fn ensure_ui_tools(root: &Path) -> Result {
    wasm_target()?;
    wasm_bindgen(root)?;
    binaryen(root)
}

fn wasm_target() -> Result {
    rust_target("wasm32-unknown-unknown")
}

/// Adds the Rust standard library of `target` with rustup, unless present.
pub fn rust_target(target: &str) -> Result {
    let installed = cmd::output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == target) {
        println!("· rust target {target}: present");
        return Ok(());
    }
    cmd::run(Path::new("."), "rustup", &["target", "add", target])
}

/// The version of `wasm-bindgen` recorded in `Cargo.lock`.
pub fn locked_wasm_bindgen_version(root: &Path) -> Result<String> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err(anyhow!("Cargo.lock has no wasm-bindgen entry"))
}

fn wasm_bindgen(root: &Path) -> Result {
    let want = locked_wasm_bindgen_version(root)?;
    let have = cmd::output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        println!("· wasm-bindgen-cli {want}: present");
        return Ok(());
    }
    println!("· installing wasm-bindgen-cli {want} (matches Cargo.lock; about 3 minutes)");
    // Not --locked: its own lockfile wants a crate version the registry mirror may lack.
    cmd::run(root, "cargo", &["install", "wasm-bindgen-cli", "--version", &want])
}

fn binaryen(root: &Path) -> Result {
    if root.join("node_modules/.bin/wasm-opt").exists() {
        println!("· wasm-opt (npm binaryen): present");
        return Ok(());
    }
    if !cmd::exists("npm") {
        bail!("npm is needed for wasm-opt (binaryen); install Node.js 20 and npm");
    }
    println!("· installing binaryen from npm (package-lock.json)");
    cmd::run(root, "npm", &["ci", "--no-audit", "--no-fund"])
}

fn tauri_driver() -> Result {
    let have = cmd::output("tauri-driver", &["--version"]).unwrap_or_default();
    if have.contains(TAURI_DRIVER_VERSION) {
        println!("· tauri-driver {TAURI_DRIVER_VERSION}: present");
        return Ok(());
    }
    println!("· installing tauri-driver {TAURI_DRIVER_VERSION} (WebDriver for the app window)");
    cmd::run(
        Path::new("."),
        "cargo",
        &["install", "tauri-driver", "--version", &format!("={TAURI_DRIVER_VERSION}"), "--locked"],
    )
}
