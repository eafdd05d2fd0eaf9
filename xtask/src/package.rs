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
//!
//! `cargo xtask test`'s packages and Windows stages build the same way with the `verification`
//! profile instead ([`Profile::Verification`]: same code and features, not optimised)
//! into `target/packages-verification/`, unsigned, leaving `target/app/` and
//! `target/packages/` as this command made them.

use anyhow::{Context as _, bail};
use std::path::Path;

use crate::{
    bootstrap,
    cmd::{self, Result},
    platforms, ui, updates,
};

/// The AppStream metainfo the packages install.
const METAINFO: &str = "packaging/linux/ca.cartable.client.metainfo.xml";

/// The Cargo profile a packaged build of the app uses, which also decides where its outputs land,
/// so the two kinds never overwrite each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// `[profile.app]` of the root Cargo.toml (the release profile at opt-level "s"), into
    /// `target/app/` and `target/packages/`: `cargo xtask package`, `cargo xtask windows`, the
    /// release workflow. `cargo xtask bench` measures the same `target/app/cartable`.
    Shipped,
    /// `[profile.verification]` of the root Cargo.toml, into `target/verification/` and
    /// `target/packages-verification/`: `cargo xtask test`'s packages and Windows stages. Same
    /// code and features as [`Profile::Shipped`], only not optimised (but for the crates dev
    /// optimises: RSA, argon2, blake2): what
    /// those stages prove (the .deb installs and works; the exe is a GUI PE32+ importing only
    /// Windows' DLLs) does not depend on optimisation, and they compile in a fraction of the time.
    /// Its packages are never signed, so no test run writes a release-looking `latest.json`.
    Verification,
}

impl Profile {
    /// The profile's name for `cargo build --profile`, which is also its output folder under
    /// `target/` (and `target/<triple>/`).
    pub fn cargo_name(self) -> &'static str {
        match self {
            Self::Shipped => "app",
            Self::Verification => "verification",
        }
    }

    /// Where the packages, the Windows zip and their `.sha256` land, from the workspace root.
    pub fn packages_dir(self) -> &'static str {
        match self {
            Self::Shipped => "target/packages",
            Self::Verification => "target/packages-verification",
        }
    }

    /// The bundler's scratch folder (emptied on each run), from the workspace root.
    fn bundler_work_dir(self) -> &'static str {
        match self {
            Self::Shipped => "target/package-build",
            Self::Verification => "target/package-build-verification",
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
    build(root, Profile::Shipped)?;
    platforms::windows(root, Profile::Shipped)?;
    if check_too {
        check(root, Profile::Shipped)?;
    }
    Ok(())
}

/// Builds the UI and the app with `profile`, checks the metainfo, and bundles the .deb and the
/// .rpm into [`Profile::packages_dir`] with their SHA-256; signs the shipped ones only.
pub fn build(root: &Path, profile: Profile) -> Result {
    ui::build(root, true)?;
    // The default features are the shipped app: the embedded UI (custom-protocol) and the demo portal.
    cmd::run(root, "cargo", &["build", "--profile", profile.cargo_name(), "-p", "cartable"])?;
    if cmd::exists("appstreamcli") {
        cmd::run(root, "appstreamcli", &["validate", "--no-net", METAINFO])?;
    } else {
        println!("· appstreamcli missing (Debian's appstream): metainfo not validated");
    }
    let target = root.join("target");
    let root_arg = root.to_string_lossy();
    let app = target.join(profile.cargo_name()).join("cartable");
    let work = root.join(profile.bundler_work_dir());
    let packages = profile.packages_dir();
    let out = root.join(packages);
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
    match profile {
        // With CARTABLE_UPDATE_KEY: each package's .sig and the update manifest (src/updates.rs).
        Profile::Shipped => updates::sign_packages(root, &out, env!("CARGO_PKG_VERSION"))?,
        // Never published: a signature or a latest.json here would look like a release.
        Profile::Verification => println!("· verification packages: not signed, no latest.json"),
    }
    println!("· packages in {packages}/ (verify with: cd {packages} && sha256sum -c *.sha256)");
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

/// Installs the .deb `profile` built (in [`Profile::packages_dir`]) with apt, runs the installed
/// app through the login form and a demo sign-up in the end-to-end world, removes it and checks
/// nothing of it is left; compares the .rpm's files with the .deb's (`tests/package.sh`).
pub fn check(root: &Path, profile: Profile) -> Result {
    cmd::run(root, "sh", &["tests/package.sh", profile.packages_dir()])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test run's build never replaces what `cargo xtask package` made.
    #[test]
    fn the_verification_build_has_folders_of_its_own() {
        let (shipped, verification) = (Profile::Shipped, Profile::Verification);
        assert_eq!(shipped.cargo_name(), "app");
        assert_eq!(shipped.packages_dir(), "target/packages");
        assert_eq!(shipped.bundler_work_dir(), "target/package-build");
        assert_ne!(shipped.cargo_name(), verification.cargo_name());
        assert_ne!(shipped.packages_dir(), verification.packages_dir());
        assert_ne!(shipped.bundler_work_dir(), verification.bundler_work_dir());
    }

    /// The settings lines of `header`'s section in `manifest` (comments and blank lines left out).
    fn section<'a>(manifest: &'a str, header: &str) -> Vec<&'a str> {
        let body = manifest.split(header).nth(1).unwrap_or_else(|| panic!("{header} missing"));
        body.split("\n[")
            .next()
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    }

    /// Both packaged profiles live in the root Cargo.toml, differ from `release` only in
    /// optimisation (not in panics, assertions or symbols), and keep at opt-level 3 exactly the
    /// crates dev optimises (RSA key generation, argon2id), so the installed demo portal signs
    /// up as fast as in the end-to-end stage.
    #[test]
    fn the_packaged_profiles_are_release_optimised_differently() {
        let manifest = include_str!("../../Cargo.toml");
        for (profile, own) in [
            (Profile::Shipped, &["inherits = \"release\"", "opt-level = \"s\""][..]),
            (
                Profile::Verification,
                &["inherits = \"release\"", "opt-level = 0", "lto = false", "codegen-units = 16"],
            ),
        ] {
            let name = profile.cargo_name();
            assert_eq!(section(manifest, &format!("[profile.{name}]\n")), own, "{name}");
            let per_crate = format!("[profile.{name}.package.");
            let crates: Vec<&str> = manifest
                .split(&per_crate)
                .skip(1)
                .map(|s| s.split_once(']').expect("a section header").0)
                .collect();
            assert_eq!(crates, ["rsa", "num-bigint-dig", "argon2", "blake2"], "{name}");
            for krate in crates {
                let header = format!("{per_crate}{krate}]");
                assert_eq!(section(manifest, &header), ["opt-level = 3"], "{header}");
                assert!(manifest.contains(&format!("[profile.dev.package.{krate}]")), "{krate}");
            }
        }
    }
}
