//! `cargo xtask package`: the release app as a .deb and an .rpm in `target/packages/`, each with
//! its SHA-256, then the Windows zip (`cargo xtask windows`, [`platforms`]); `--check` then
//! proves the .deb by installing it (`tests/package.sh`).
//!
//! The packages are made by tauri-bundler, the library tauri-cli bundles with, run from
//! `xtask/bundler` (its own workspace: see its Cargo.toml) and configured by the root
//! `tauri.conf.json` (`bundle`, `bundle.linux.deb`, `bundle.linux.rpm`): desktop entry from
//! `packaging/linux/cartable.desktop`, icons from `icons/`, the AppStream metainfo
//! `packaging/linux/ca.cartable.client.metainfo.xml` into `/usr/share/metainfo/`, and the
//! dependencies a fresh Debian, Ubuntu or Fedora needs. Nothing is downloaded: .deb and .rpm are
//! written in Rust (AppImage and Flatpak would need downloads, so they are not made).
//!
//! Given the publisher's key (`CARTABLE_UPDATE_KEY`, README "Publishing updates"), the packages
//! are also signed and the static update manifest `latest.json` is written beside them
//! ([`updates::sign_packages`]).

use anyhow::{Context as _, bail};
use std::path::Path;

use crate::{
    bootstrap,
    cmd::{self, Result},
    platforms, ui, updates,
};

/// Where the packages and their `.sha256` land.
pub const OUT: &str = "target/packages";

/// The AppStream metainfo the packages install.
const METAINFO: &str = "packaging/linux/ca.cartable.client.metainfo.xml";

/// How hard the compiler optimises a release build of the app. The code, features and packaging
/// are the same either way; only the compile time and the binary's size and speed differ.
#[derive(Clone, Copy, Debug)]
pub enum Optimisation {
    /// `[profile.release]` as shipped (fat LTO, one codegen unit): `cargo xtask package`,
    /// `cargo xtask windows`, the release workflow and the bench's size figures.
    Shipped,
    /// `cargo xtask test`'s packages and Windows stages: thin-local LTO and 16 codegen units.
    /// What those stages prove (the .deb installs and works; the exe is a GUI PE32+ importing
    /// only Windows' DLLs) does not depend on it, and a fresh machine's CI saves the minutes
    /// BENCHMARKS.md gives ("CI time").
    Verification,
}

impl Optimisation {
    /// Cargo's environment overrides of `[profile.release]` for this optimisation (Cargo book,
    /// "Environment variables", `CARGO_PROFILE_<name>_LTO` and `_CODEGEN_UNITS`).
    pub fn cargo_env(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Shipped => &[],
            Self::Verification => &[
                ("CARGO_PROFILE_RELEASE_LTO", "false"),
                ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
            ],
        }
    }
}

/// `cargo xtask package [--check]`: install what is missing, build, bundle the .deb and .rpm,
/// then the Windows zip ([`platforms::windows`]); `--check` also installs, uses and removes the
/// .deb as the CI stage does.
pub fn run(root: &Path, args: &[String]) -> Result {
    let check_too = args.iter().any(|a| a == "--check");
    if check_too {
        bootstrap::all(root)?
    } else {
        bootstrap::apt_packages()?
    }
    bootstrap::ensure_ui_tools(root)?;
    build(root, Optimisation::Shipped)?;
    platforms::windows(root, Optimisation::Shipped)?;
    if check_too {
        check(root)?;
    }
    Ok(())
}

/// Builds the UI and the app (release, optimised as `optimisation` says), checks the metainfo,
/// and bundles the .deb and the .rpm into [`OUT`] with their SHA-256.
pub fn build(root: &Path, optimisation: Optimisation) -> Result {
    ui::build(root, true)?;
    // The default features are the shipped app: the embedded UI (custom-protocol) and the demo portal.
    cmd::run_env(
        root,
        "cargo",
        &["build", "--release", "-p", "cartable"],
        optimisation.cargo_env(),
    )?;
    if cmd::exists("appstreamcli") {
        cmd::run(root, "appstreamcli", &["validate", "--no-net", METAINFO])?;
    } else {
        println!("· appstreamcli missing (Debian's appstream): metainfo not validated");
    }
    let target = root.join("target");
    let root_arg = root.to_string_lossy();
    let app = target.join("release/cartable");
    let work = target.join("package-build");
    let out = root.join(OUT);
    cmd::run_env(
        root,
        "cargo",
        &[
            "run",
            "--quiet",
            "--locked",
            "--manifest-path",
            "xtask/bundler/Cargo.toml",
            "--",
            &root_arg,
            &app.to_string_lossy(),
            // The workspace's version (xtask shares it): the packages' version.
            env!("CARGO_PKG_VERSION"),
            &work.to_string_lossy(),
            &out.to_string_lossy(),
        ],
        &[("CARGO_TARGET_DIR", &target.to_string_lossy())],
    )?;
    // With CARTABLE_UPDATE_KEY: each package's .sig and the update manifest (src/updates.rs).
    updates::sign_packages(root, &out, env!("CARGO_PKG_VERSION"))?;
    println!("· packages in {OUT}/ (verify with: cd {OUT} && sha256sum -c *.sha256)");
    Ok(())
}

/// Writes `<file>.sha256` beside `file`, in the format `sha256sum -c` reads (as the bundler
/// does for the .deb and .rpm).
pub fn write_sha256(file: &Path) -> Result {
    let dir = file.parent().context("no folder")?;
    let name = file.file_name().context("no file name")?.to_string_lossy();
    let sum = std::process::Command::new("sha256sum")
        .arg(name.as_ref())
        .current_dir(dir)
        .output()
        .context("could not start sha256sum")?;
    if !sum.status.success() {
        bail!("sha256sum {name} failed");
    }
    let path = dir.join(format!("{name}.sha256"));
    std::fs::write(&path, &sum.stdout).with_context(|| format!("cannot write {}", path.display()))
}

/// Installs the .deb with apt, runs the installed app through the login form and a demo
/// sign-up in the end-to-end world, removes it and checks nothing of it is left; compares the
/// .rpm's files with the .deb's (`tests/package.sh`).
pub fn check(root: &Path) -> Result {
    cmd::run(root, "sh", &["tests/package.sh"])
}
