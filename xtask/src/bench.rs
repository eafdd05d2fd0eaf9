//! `cargo xtask bench [--build] [--only SECTIONS]`: Cartable's figures against a bare Tauri 2
//! app (`bench/baseline/`), printed as a table and written to `bench/results/<date>.md`.
//!
//! Sections, in order (`--only portal,trips,sizes,desktop` picks some):
//!
//! - `portal` ([`portal`]): the release `portal-server` under `wrk` at 64 connections
//!   (`GET /api/v1/children`, `/api/v1/school-boards`) with its CPU per request, sign-ins per
//!   second, association latency with 1 000 and 100 000 registry students, on SQLite;
//! - `portal-pg`: the same on a throw-away PostgreSQL cluster, with 10 000 and 1 000 000
//!   students;
//! - `trips` ([`flows`]): HTTP requests per flow counted at the portal against the minimum;
//! - `sizes` ([`sizes`]): UI assets raw and gzip, stripped release binaries;
//! - `desktop` ([`desktop`]): start-up (median of 10 runs under Xvfb) and RSS of the app and
//!   its WebKit processes, against the baseline.
//!
//! The builds must be present: the portal and the API floor with `--release`
//! (`target/release/{portal-server,bench-api-floor}`, as operators build the portal), the app
//! and the baseline with the shipped app's profile (`--profile app`:
//! `target/app/{cartable,cartable-without-portal,bench-baseline}`), and `ui/dist` from
//! `cargo xtask ui --release`; `--build` makes them first and reports each build's time
//! separately from the measuring. `CARTABLE_BENCH_PORTAL` and `CARTABLE_BENCH_APP`
//! point at other builds of the portal and the app (the results name them).

mod desktop;
mod flows;
mod portal;
mod report;
mod sizes;

use anyhow::{Context as _, bail};
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use crate::{
    bootstrap,
    cmd::{self, Result},
    package, ui,
};

pub use report::Report;

/// Every section, in the order they run.
const SECTIONS: [&str; 5] = ["portal", "portal-pg", "trips", "sizes", "desktop"];

/// The copy of the app built without the embedded portal, next to `target/app/cartable`.
const WITHOUT_PORTAL: &str = "cartable-without-portal";

/// The binaries the bench measures.
struct Binaries {
    portal: PathBuf,
    app: PathBuf,
    /// The app built without the `embedded-portal` feature (sizes only).
    app_without_portal: PathBuf,
    baseline: PathBuf,
    /// The parent API's floor (`bench/api-floor`), loaded beside the portal.
    api_floor: PathBuf,
}

impl Binaries {
    fn at(root: &Path) -> Self {
        let release = root.join("target/release");
        let app = root.join("target").join(package::Profile::Shipped.cargo_name());
        Self {
            // `CARTABLE_BENCH_PORTAL` measures another portal build (e.g. a debug one while
            // the release build is broken); the results say which binary was used.
            portal: std::env::var_os("CARTABLE_BENCH_PORTAL")
                .map_or_else(|| release.join("portal-server"), PathBuf::from),
            app: std::env::var_os("CARTABLE_BENCH_APP")
                .map_or_else(|| app.join("cartable"), PathBuf::from),
            app_without_portal: app.join(WITHOUT_PORTAL),
            baseline: app.join("bench-baseline"),
            api_floor: release.join("bench-api-floor"),
        }
    }
}

/// Runs the bench (see the module docs).
///
/// # Errors
/// A missing release build, tool or failing measurement, phrased for the terminal.
pub fn run(root: &Path, args: &[String]) -> Result {
    if args.first().map(String::as_str) == Some("--desktop-inner") {
        return desktop::inner(root, &args[1..]);
    }
    let mut sections: Vec<&str> = SECTIONS.to_vec();
    let mut build = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--build" => build = true,
            "--only" => {
                let list = iter.next().context("--only needs a list, e.g. --only portal,trips")?;
                if let Some(unknown) = list.split(',').find(|l| !SECTIONS.contains(l)) {
                    bail!("bench: unknown section {unknown} (known: {})", SECTIONS.join(", "));
                }
                sections =
                    SECTIONS.iter().copied().filter(|s| list.split(',').any(|l| l == *s)).collect();
            }
            other => {
                bail!("bench: unknown option {other} (known: --build, --only SECTIONS)");
            }
        }
    }
    let mut report = Report::default();
    let bins = Binaries::at(root);
    if build {
        build_all(root, &mut report)?;
    }
    let needed: Vec<&Path> = [
        (
            sections.iter().any(|s| matches!(*s, "portal" | "portal-pg" | "trips")),
            bins.portal.as_path(),
        ),
        (sections.iter().any(|s| matches!(*s, "portal" | "portal-pg")), bins.api_floor.as_path()),
        (sections.iter().any(|s| matches!(*s, "sizes" | "desktop")), bins.app.as_path()),
        (sections.contains(&"desktop"), bins.baseline.as_path()),
    ]
    .into_iter()
    .filter_map(|(wanted, path)| (wanted && !path.exists()).then_some(path))
    .collect();
    if !needed.is_empty() {
        let list: Vec<String> = needed.iter().map(|p| p.display().to_string()).collect();
        bail!(
            "release builds missing: {}\nrun `cargo xtask bench --build` (about 20 minutes on 2 cores) or build them:\n  \
             cargo xtask ui --release && cargo build --release -p portal-server -p bench-api-floor\n  \
             cargo build --profile app -p cartable\n  \
             CARGO_TARGET_DIR=target REMOVE_UNUSED_COMMANDS=\"$PWD/bench/baseline\" cargo build --profile app --manifest-path bench/baseline/Cargo.toml",
            list.join(", ")
        );
    }
    bench_tools()?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    if std::env::var_os("CARTABLE_BENCH_PORTAL").is_some() {
        report.note(format!("portal binary: {} (CARTABLE_BENCH_PORTAL)", bins.portal.display()));
    }
    if std::env::var_os("CARTABLE_BENCH_APP").is_some() {
        report.note(format!("app binary: {} (CARTABLE_BENCH_APP)", bins.app.display()));
    }
    let started = Instant::now();
    for section in &sections {
        match *section {
            "portal" => {
                runtime.block_on(portal::measure(
                    root,
                    &bins.portal,
                    &bins.api_floor,
                    &mut report,
                ))?;
            }
            "portal-pg" => {
                runtime.block_on(portal::measure_postgres(
                    root,
                    &bins.portal,
                    &bins.api_floor,
                    &mut report,
                ))?;
            }
            "trips" => runtime.block_on(flows::measure(&bins.portal, &mut report))?,
            "sizes" => sizes::measure(
                root,
                &bins.app,
                &bins.app_without_portal,
                &bins.baseline,
                &mut report,
            )?,
            "desktop" => desktop::measure(root, &bins.app, &bins.baseline, &mut report)?,
            _ => {}
        }
    }
    let took = started.elapsed();
    report.info("bench", "measuring time", format!("{:.0} s", took.as_secs_f64()));
    report.print();
    let path = report.write(root, &report::machine(), took)?;
    println!("· written {}", path.display());
    Ok(())
}

/// The release builds, each timed into the `build` rows.
fn build_all(root: &Path, report: &mut Report) -> Result {
    println!("\n== release builds ==");
    bootstrap::apt_packages()?;
    bootstrap::ensure_ui_tools(root)?;
    bench_tools()?;
    let mut timed = |name: &str, f: &dyn Fn() -> Result| -> Result {
        let started = Instant::now();
        f()?;
        report.info("build", name.to_owned(), secs(started.elapsed()));
        Ok(())
    };
    timed("UI (wasm-release + wasm-opt)", &|| ui::build(root, true))?;
    let app = package::Profile::Shipped.cargo_name();
    // The app without the embedded portal first, copied aside; then the default build, which
    // stays at target/app/cartable.
    timed("cartable without the embedded portal (app profile)", &|| {
        let args = ["build", "--profile", app, "-p", "cartable", "--no-default-features"];
        cmd::run(root, "cargo", &[&args[..], &["--features", "custom-protocol"]].concat())?;
        let dir = root.join("target").join(app);
        std::fs::copy(dir.join("cartable"), dir.join(WITHOUT_PORTAL))
            .map(drop)
            .context("cannot copy the app without portal")
    })?;
    timed("cartable (app profile)", &|| {
        cmd::run(root, "cargo", &["build", "--profile", app, "-p", "cartable"])
    })?;
    timed("portal-server + API floor (release)", &|| {
        cmd::run(
            root,
            "cargo",
            &["build", "--release", "-p", "portal-server", "-p", "bench-api-floor"],
        )
    })?;
    let target = root.join("target");
    // Tauri's unused-command removal, as for the app (`.cargo/config.toml`), read from the
    // baseline's own configuration.
    let baseline = root.join("bench/baseline");
    timed("baseline (app profile)", &|| {
        cmd::run_env(
            root,
            "cargo",
            &["build", "--profile", app, "--manifest-path", "bench/baseline/Cargo.toml"],
            &[
                ("CARGO_TARGET_DIR", &target.to_string_lossy()),
                ("REMOVE_UNUSED_COMMANDS", &baseline.to_string_lossy()),
            ],
        )
    })
}

/// The bench's own tools (Debian): `wrk` (load generator), `xdotool` (window polling).
///
/// # Errors
/// apt fails.
pub fn bench_tools() -> Result {
    let missing: Vec<&str> = [("wrk", "wrk"), ("xdotool", "xdotool")]
        .into_iter()
        .filter(|(program, _)| !cmd::exists(program))
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root_user = cmd::output("id", &["-u"]).as_deref() == Some("0");
    let (program, mut args): (&str, Vec<&str>) =
        if root_user { ("apt-get", vec![]) } else { ("sudo", vec!["apt-get"]) };
    args.extend(["install", "-y", "-qq", "--no-install-recommends"]);
    args.extend(missing.iter().copied());
    cmd::run_env(Path::new("."), program, &args, &[("DEBIAN_FRONTEND", "noninteractive")])
}

fn secs(d: Duration) -> String {
    format!("{:.0} s", d.as_secs_f64())
}
