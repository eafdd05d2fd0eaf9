//! Project automation, the Rust way: `cargo xtask <command>`.
//!
//! - `cargo xtask run`: installs what a fresh Debian/Ubuntu machine lacks, builds the UI and the
//!   app, and starts Cartable with the embedded demo portal.
//! - `cargo xtask test`: the same bootstrap, then every check CI runs, each stage timed.
//! - `cargo xtask test-postgres`: the portal's unit and integration tests on a throw-away
//!   PostgreSQL cluster (also a stage of `test`), as built by `cargo test --workspace`.
//! - `cargo xtask ui [--release]`: builds only the UI into `ui/dist`.
//! - `cargo xtask bench [--build]`: the figures of `BENCHMARKS.md` into `bench/results/<date>.md`.
//! - `cargo xtask package [--check]`: the .deb, the .rpm and the Windows zip into `target/packages/` (`--check`:
//!   install the .deb, use it, remove it). With `CARTABLE_UPDATE_KEY`, also each package's
//!   signature and the update manifest `latest.json`. `test` runs the same build and check with
//!   the `verification` profile into `target/packages-verification/`, never signed.
//! - `cargo xtask update-key <folder>`: a new minisign key pair for signing updates.
//! - `cargo xtask windows`: the Windows app cross-compiled and zipped into `target/packages/`.
//! - `cargo xtask mobile-check`: the app type-checked for Android (and iOS, up to its blockers).
//!
//! Every step says what it does; installing is idempotent and skips what is present.

mod bench;
mod bootstrap;
mod cmd;
mod package;
mod platforms;
mod postgres;
mod stages;
mod ui;
mod updates;

use std::{path::PathBuf, process::ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    // The bench's HTTP clients (reqwest has no TLS provider of its own in this workspace).
    portal_client::install_crypto_provider();
    let result = match args.first().map(String::as_str) {
        Some("run") => stages::run(&root, &args[1..]),
        Some("test") => stages::test(&root, &args[1..]),
        Some("test-postgres") => stages::test_postgres(&root),
        Some("ui") => bootstrap::ensure_ui_tools(&root)
            .and_then(|()| ui::build(&root, args.iter().any(|a| a == "--release"))),
        Some("bootstrap") => bootstrap::all(&root),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("package") => package::run(&root, &args[1..]),
        Some("update-key") => updates::generate(&args[1..]),
        Some("windows") => bootstrap::apt_packages()
            .and_then(|()| platforms::windows(&root, package::Profile::Shipped)),
        Some("mobile-check") => {
            bootstrap::apt_packages().and_then(|()| platforms::mobile_check(&root))
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <run | test | test-postgres | ui [--release] | bootstrap | bench [--build] [--only SECTIONS] | package [--check] | update-key <folder> | windows | mobile-check>\n\
                 \n  run        install what is missing, build, start Cartable with the demo portal\
                 \n  test       install what is missing, then fmt, clippy, tests, wasm build, keychain, end-to-end suites and packages\
                 \n  test-postgres  the portal's tests on a throw-away PostgreSQL cluster\
                 \n  ui         build the UI into ui/dist\
                 \n  bootstrap  only install what is missing\
                 \n  bench      start-up, sizes, memory, round trips and portal load vs a bare Tauri app (BENCHMARKS.md)\
                 \n  package    the release .deb, .rpm and Windows zip into target/packages/ with their SHA-256 (--check: install, use, remove;\
                 \n             with CARTABLE_UPDATE_KEY also their signatures and the update manifest latest.json)\
                 \n  update-key a new key pair for signing updates, in a folder outside the repository\
                 \n  windows    the Windows app cross-compiled (mingw-w64) and zipped into target/packages/\
                 \n  mobile-check  the app type-checked for Android and iOS (iOS: up to its named blockers)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask's manifest dir is `<root>/xtask`.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
