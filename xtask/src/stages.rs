//! `run` and `test`: the two commands README promises.

use anyhow::{Context as _, bail};
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{
    bootstrap,
    cmd::{self, Result},
    package, platforms, postgres, ui,
};

/// `cargo xtask run [--xvfb]`: bootstrap, build the UI (release) and the app, start the app.
///
/// With no display, explains how to use Xvfb; `--xvfb` starts one itself, runs the app there
/// for a while and saves a screenshot to `target/screenshots/run.png`.
pub fn run(root: &Path, args: &[String]) -> Result {
    bootstrap::apt_packages()?;
    bootstrap::ensure_ui_tools(root)?;
    ui::build(root, true)?;
    cmd::run(root, "cargo", &["build", "-p", "cartable"])?;
    let app = root.join("target/debug/cartable");
    if args.iter().any(|a| a == "--xvfb") {
        return run_under_xvfb(root, &app);
    }
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        bail!(
            "no display: this machine has no graphical session.\n\
             Run Cartable in a virtual display instead:\n\
             \n  cargo xtask run --xvfb        (starts Xvfb, runs the app, saves target/screenshots/run.png)\n\
             \nor by hand:\n\
             \n  Xvfb :99 -screen 0 1280x800x24 -nolisten tcp &\n  DISPLAY=:99 dbus-run-session -- {}\n",
            app.display()
        );
    }
    println!("· starting Cartable with the embedded demo portal (close the window to stop)");
    cmd::run(root, &app.to_string_lossy(), &[])
}

fn run_under_xvfb(root: &Path, app: &Path) -> Result {
    let display = ":97";
    let mut xvfb = spawn("Xvfb", &[display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])?;
    std::thread::sleep(Duration::from_secs(1));
    let shots = root.join("target/screenshots");
    std::fs::create_dir_all(&shots)?;
    let shot = shots.join("run.png");
    let script = format!(
        "{app} & pid=$!; sleep ${{CARTABLE_XVFB_SECONDS:-8}}; import -display {display} -window root {shot}; kill $pid; wait $pid 2>/dev/null; true",
        app = app.display(),
        shot = shot.display(),
    );
    let result = cmd::run_env(
        root,
        "dbus-run-session",
        &["--", "sh", "-c", &script],
        &[("DISPLAY", display)],
    );
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    result?;
    println!("· screenshot: {}", shot.display());
    Ok(())
}

/// `cargo xtask test`: every check, in the order that builds each thing once, each stage timed.
pub fn test(root: &Path, _args: &[String]) -> Result {
    let mut timings: Vec<(&str, Duration)> = Vec::new();
    let outcome = (|| {
        stage(&mut timings, "bootstrap", || bootstrap::all(root))?;
        // The app embeds ui/dist at compile time: build the UI first so the app compiles once.
        stage(&mut timings, "ui (wasm32, release)", || ui::build(root, true))?;
        stage(&mut timings, "fmt", || cmd::run(root, "cargo", &["fmt", "--all", "--check"]))?;
        stage(&mut timings, "clippy", || {
            cmd::run(
                root,
                "cargo",
                &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
            )?;
            cmd::run(
                root,
                "cargo",
                &[
                    "clippy",
                    "-p",
                    "cartable-ui",
                    "-p",
                    "cartable-core",
                    "--target",
                    "wasm32-unknown-unknown",
                    "--",
                    "-D",
                    "warnings",
                ],
            )
        })?;
        stage(&mut timings, "tests", || cmd::run(root, "cargo", &["test", "--workspace"]))?;
        stage(&mut timings, "portal tests on PostgreSQL", || test_postgres(root))?;
        stage(&mut timings, "OpenID provider (browser flow in Chromium, external issuer)", || {
            let oidc = "crates/portal-client/tests/oidc";
            cmd::run(root, "npm", &["ci", "--prefix", oidc, "--no-audit", "--no-fund"])?;
            // `--workspace --test NAME` (each name is one package's): the build of the tests stage.
            cmd::run(
                root,
                "cargo",
                &["test", "--workspace", "--test", "browser_oidc", "--", "--ignored"],
            )?;
            // The same provider as the external issuer of a portal serving the parent API alone.
            cmd::run(
                root,
                "cargo",
                &["test", "--workspace", "--test", "external_issuer", "--", "--ignored"],
            )
        })?;
        stage(&mut timings, "doc", || {
            cmd::run_env(
                root,
                "cargo",
                &["doc", "--no-deps", "-p", "cartable-core", "-p", "portal-client"],
                &[("RUSTDOCFLAGS", "-D warnings")],
            )
        })?;
        stage(&mut timings, "keychain (Secret Service)", || {
            cmd::run(root, "bash", &["src-tauri/tests/keychain.sh"])
        })?;
        stage(&mut timings, "end-to-end (real window)", || {
            cmd::run(root, "sh", &["tests/e2e.sh"])
        })?;
        stage(&mut timings, "packages (deb, rpm) installed and used", || {
            // The `verification` profile and folder (package::Profile): the shipped build in
            // target/app/ and target/packages/ stays as `cargo xtask package` made it.
            package::build(root, package::Profile::Verification)?;
            package::check(root, package::Profile::Verification)
        })?;
        stage(&mut timings, "phones (Android lint, iOS check)", || platforms::mobile_check(root))?;
        stage(&mut timings, "Windows (cross-compiled, zipped)", || {
            platforms::windows(root, package::Profile::Verification)
        })
    })();
    println!("\n== stage times ==");
    for (name, took) in &timings {
        println!("{:>8.1} s  {name}", took.as_secs_f64());
    }
    let total: Duration = timings.iter().map(|(_, t)| *t).sum();
    println!("{:>8.1} s  total", total.as_secs_f64());
    outcome
}

/// `cargo xtask test-postgres`: the portal's tests again, on a throw-away PostgreSQL cluster
/// instead of SQLite files (`crates/portal-server/tests/common`, `CARTABLE_TEST_POSTGRES`).
pub fn test_postgres(root: &Path) -> Result {
    let package = "crates/portal-server";
    let tests = package_tests(root, package)?;
    let cluster = postgres::Cluster::start()?;
    for test in &tests {
        cmd::run_env(
            &root.join(package),
            &test.to_string_lossy(),
            &[],
            &[("CARTABLE_TEST_POSTGRES", cluster.url.as_str())],
        )?;
    }
    Ok(())
}

/// The test executables (its unit tests and each integration test, no doc tests) of the package
/// in `dir`, in cargo's order, built by `cargo test --workspace --no-run`: with the whole
/// workspace's features, as the tests stage built them. `cargo test -p` would resolve features
/// for that package alone, and so rebuild most of its dependencies (tokio, syn and a few dozen
/// others differ). Run each from the package's folder, as `cargo test` does; unlike `cargo test`
/// this sets no `CARGO_*` variable at run time, which the portal's tests do not read (they use
/// `env!`).
fn package_tests(root: &Path, dir: &str) -> Result<Vec<PathBuf>> {
    println!("$ cargo test --workspace --no-run --message-format=json-render-diagnostics");
    let output = Command::new("cargo")
        .args(["test", "--workspace", "--no-run", "--message-format=json-render-diagnostics"])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .context("could not start `cargo test --no-run`")?;
    if !output.status.success() {
        bail!("`cargo test --workspace --no-run` failed ({})", output.status);
    }
    let manifest = root.join(dir).join("Cargo.toml");
    let mut tests = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let artifact = message["reason"] == "compiler-artifact"
            && message["profile"]["test"] == true
            && message["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path());
        if let (true, Some(executable)) = (artifact, message["executable"].as_str()) {
            tests.push(PathBuf::from(executable));
        }
    }
    if tests.is_empty() {
        bail!("no test executable of {dir} in cargo's output");
    }
    Ok(tests)
}

fn stage<'a>(
    timings: &mut Vec<(&'a str, Duration)>,
    name: &'a str,
    f: impl FnOnce() -> Result,
) -> Result {
    println!("\n== {name} ==");
    let start = Instant::now();
    let result = f();
    timings.push((name, start.elapsed()));
    result.with_context(|| format!("stage `{name}` failed"))
}

fn spawn(program: &str, args: &[&str]) -> Result<Child> {
    Command::new(program).args(args).spawn().with_context(|| format!("could not start `{program}`"))
}
