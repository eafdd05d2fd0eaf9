//! Start-up and memory of the real app window against the bare Tauri baseline, under Xvfb.
//!
//! The world is the one `tests/e2e.sh` builds: Xvfb, a private D-Bus session
//! (`dbus-run-session`) with an unlocked gnome-keyring (the real Secret Service), throw-away
//! `XDG_*` folders. The outer [`measure`] re-runs this xtask inside `dbus-run-session` as
//! `bench --desktop-inner FILE`; the inner run ([`inner`]) writes its rows to FILE.
//!
//! **Start-up**: from spawning the binary (the wall clock just before) to the `ui ready: …
//! (unix ms T)` line it prints: Cartable logs it when the UI calls `ui_ready` (the first
//! screen, here the login form, mounted and interactive, `cartable_core::ipc::UiReady`); the
//! baseline prints it when its page calls its `ready` command on load. No WebDriver in the way.
//! One warm-up launch each (the embedded portal creates its database and key on first start),
//! then the median of [`RUNS`].
//!
//! **Memory**: RSS (and PSS, which counts shared pages once) of the app process plus its
//! descendants (WebKitWebProcess, WebKitNetworkProcess), from `/proc`, once the app shows the
//! children list with 3 children: the app is pointed at a release portal (through a counting
//! relay) where the demo parent is signed up with 3 children, and its keychain holds that
//! parent's refresh token, so start-up restores the session (what sign-in leaves behind). The
//! baseline: once its page is shown. Both 2 s after the condition, to let the processes settle.

use anyhow::{Context as _, anyhow, bail};
use std::{
    collections::HashMap,
    fmt::Write as _,
    io::Write as _,
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use super::{
    flows::CountingRelay,
    portal::{self, Server, Store},
    report::{Report, median, ms, percentile},
};
use crate::cmd::{self, Result};

/// Launches timed per app (after one warm-up).
pub const RUNS: usize = 10;
/// The baseline's page, shown (memory is measured over WebDriver).
const BASELINE_READY: &str = "return !!document.getElementById('baseline-ready');";
/// The children list with 3 children.
const CHILDREN_READY: &str = "return document.querySelectorAll('li.card.child').length === 3;";
/// Longest wait for any condition.
const WAIT: Duration = Duration::from_secs(60);
/// The start-up ratio's target (issue 17: the login form within 15 % of the bare app's page).
const STARTUP_RATIO_TARGET: f64 = 1.15;
/// The RSS ratio's target (issue 17: signed in with 3 children, within 5 % of the bare app).
const RSS_RATIO_TARGET: f64 = 1.05;

/// Runs the desktop section in a private D-Bus session and reads its rows into `report`.
///
/// # Errors
/// Xvfb, dbus-run-session or gnome-keyring are missing, or the inner run fails.
pub fn measure(root: &Path, app: &Path, baseline: &Path, report: &mut Report) -> Result {
    println!("\n== start-up and memory (Xvfb) ==");
    for program in
        ["Xvfb", "dbus-run-session", "gnome-keyring-daemon", "WebKitWebDriver", "secret-tool"]
    {
        if !cmd::exists(program) {
            bail!("{program} is missing: `cargo xtask bootstrap` installs it");
        }
    }
    let scratch = tempfile::Builder::new().prefix("cartable-bench.").tempdir()?;
    let rows = scratch.path().join("rows.tsv");
    // Xvfb picks a free display and writes its number on fd 1 (`-displayfd`), so two runs on
    // one machine (or the e2e suite) never share a display.
    let mut xvfb = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("Xvfb")?;
    let mut number = String::new();
    if let Some(out) = xvfb.stdout.take() {
        use std::io::BufRead as _;
        let _ = std::io::BufReader::new(out).read_line(&mut number);
    }
    let number = number.trim().to_owned();
    if number.is_empty() {
        let _ = xvfb.kill();
        let _ = xvfb.wait();
        bail!("Xvfb did not start (no display number on -displayfd)");
    }
    let display = format!(":{number}");
    let display = display.as_str();
    for dir in ["data", "config", "cache", "run"] {
        std::fs::create_dir_all(scratch.path().join(dir))?;
    }
    {
        use std::os::unix::fs::PermissionsExt as _;
        let run = scratch.path().join("run");
        let _ = std::fs::set_permissions(run, std::fs::Permissions::from_mode(0o700));
    }
    let me = std::env::current_exe()?;
    let script = "printf bench-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec \"$@\"";
    let status = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script, "sh"])
        .arg(&me)
        .args(["bench", "--desktop-inner"])
        .arg(&rows)
        .arg(app)
        .arg(baseline)
        .current_dir(root)
        .env("DISPLAY", display)
        .env("NO_AT_BRIDGE", "1")
        .env("XDG_DATA_HOME", scratch.path().join("data"))
        .env("XDG_CONFIG_HOME", scratch.path().join("config"))
        .env("XDG_CACHE_HOME", scratch.path().join("cache"))
        .env("XDG_RUNTIME_DIR", scratch.path().join("run"))
        .env_remove("CARTABLE_PORTAL_URL")
        .env_remove("CARTABLE_AUTHORITY")
        .env_remove("CARTABLE_API_BASE")
        .env_remove("CARTABLE_CLIENT_ID")
        .status();
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    let text = std::fs::read_to_string(&rows).unwrap_or_default();
    read_rows(&text, report);
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(anyhow!("the desktop measurements failed ({s})")),
        Err(e) => Err(anyhow!("dbus-run-session: {e}")),
    }
}

/// The inner run: `bench --desktop-inner ROWS APP BASELINE`, inside `dbus-run-session` with
/// `DISPLAY` and `XDG_*` set by [`measure`].
///
/// # Errors
/// A launch, a wait or the portal fails.
pub fn inner(root: &Path, args: &[String]) -> Result {
    let [rows, app, baseline] = args else {
        bail!("usage: bench --desktop-inner ROWS APP BASELINE");
    };
    for var in ["XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"] {
        let dir = std::env::var_os(var).with_context(|| format!("{var} is not set"))?;
        std::fs::create_dir_all(&dir)?;
    }
    let mut report = Report::default();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let result = runtime.block_on(desktop(root, Path::new(app), Path::new(baseline), &mut report));
    let mut out = String::new();
    for row in &report.rows {
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        let _ = writeln!(
            out,
            "row\t{}\t{}\t{}\t{}\t{met}",
            row.section, row.name, row.value, row.target
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "note\t{note}");
    }
    if let Err(e) = &result {
        let _ = writeln!(out, "note\tthe desktop measurements stopped: {e}");
    }
    std::fs::write(rows, out)?;
    result
}

/// Reads the inner run's rows back.
fn read_rows(text: &str, report: &mut Report) {
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["row", section, name, value, target, met] => {
                let section = match *section {
                    "start-up" => "start-up",
                    "memory" => "memory",
                    _ => "round trips",
                };
                match *met {
                    "yes" | "no" => report.target(section, *name, *value, *target, *met == "yes"),
                    _ => report.info(section, *name, *value),
                }
            }
            ["note", text] => report.notes.push((*text).to_owned()),
            _ => {}
        }
    }
}

async fn desktop(root: &Path, app: &Path, baseline: &Path, report: &mut Report) -> Result {
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build()?;

    // Start-up: the login form (embedded demo portal, no stored session) and the baseline page.
    let mut app_times = launches(app, "the app")?;
    let mut base_times = launches(baseline, "the baseline")?;
    let app_median = median(&mut app_times);
    let base_median = median(&mut base_times);
    report.info(
        "start-up",
        format!("app: to login form interactive, median of {RUNS}"),
        ms(app_median),
    );
    report.info("start-up", "app: slowest run", ms(percentile(&mut app_times, 100.0)));
    report.info("start-up", format!("baseline: to its page, median of {RUNS}"), ms(base_median));
    let ratio = app_median.as_secs_f64() / base_median.as_secs_f64().max(1e-9);
    report.target(
        "start-up",
        "start-up ratio app / baseline",
        format!("{ratio:.2}"),
        format!("≤ {STARTUP_RATIO_TARGET}"),
        ratio <= STARTUP_RATIO_TARGET,
    );
    // Memory: the app signed in with 3 children (session restored from the keychain).
    let scratch = tempfile::tempdir()?;
    let portal_bin = std::env::var_os("CARTABLE_BENCH_PORTAL")
        .map_or_else(|| root.join("target/release/portal-server"), std::path::PathBuf::from);
    let server =
        Server::start(&portal_bin, scratch.path(), &Store::Sqlite.database(scratch.path())?, true)?;
    let upstream = server.origin.trim_start_matches("http://").parse().context("origin")?;
    let relay = CountingRelay::start(upstream).await?;
    let client = portal::client(&relay.origin)?;
    let session = portal::sign_up(&client, &server.outbox, portal::DEMO_PARENT).await?;
    for request in portal::demo_children() {
        session.associate(&request).await.context("associate")?;
    }
    let refresh = session.refresh_token().context("no refresh token")?;
    store_session(&relay.origin, refresh.expose_secret())?;
    relay.take();
    let app_memory = {
        let driver =
            Driver::start(&http, &[("CARTABLE_PORTAL_URL", relay.origin.as_str())]).await?;
        let session = driver.launch(app).await?;
        let ready = session.wait(CHILDREN_READY, WAIT).await;
        let memory = match ready {
            Ok(_) => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                Some(process_memory(&driver.processes()))
            }
            Err(e) => {
                report
                    .note(format!("the app did not show 3 children from the stored session: {e}"));
                None
            }
        };
        driver.finish(session).await;
        // Counted once the app settled (2 s after the list showed) and closed.
        let trips = relay.take();
        let count = trips.len();
        report.target(
            "round trips",
            "start-up with a stored session (the app, counted at the portal)",
            count.to_string(),
            "= 2",
            count == 2,
        );
        if count != 2 {
            report.note(format!(
                "the app's start-up with a stored session sent {count} requests: {}",
                trips.join(", ")
            ));
        }
        memory
    };
    drop(server);
    let base_memory = {
        let driver = Driver::start(&http, &[]).await?;
        let session = driver.launch(baseline).await?;
        session.wait(BASELINE_READY, WAIT).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let memory = process_memory(&driver.processes());
        driver.finish(session).await;
        memory
    };
    report.info("memory", "baseline RSS (+ WebKit processes)", mib(base_memory.rss));
    report.info("memory", "baseline PSS", mib(base_memory.pss));
    if let Some(app_memory) = app_memory {
        report.info(
            "memory",
            "app RSS, signed in, 3 children (+ WebKit processes)",
            mib(app_memory.rss),
        );
        report.info("memory", "app PSS", mib(app_memory.pss));
        report.info(
            "memory",
            "processes counted (app / baseline)",
            format!("{} / {}", app_memory.processes, base_memory.processes),
        );
        #[allow(clippy::cast_precision_loss)]
        let ratio = app_memory.rss as f64 / base_memory.rss.max(1) as f64;
        report.target(
            "memory",
            "RSS ratio app / baseline",
            format!("{ratio:.2}"),
            format!("≤ {RSS_RATIO_TARGET}"),
            ratio <= RSS_RATIO_TARGET,
        );
    }
    Ok(())
}

/// Stores the signed-in parent's account entry (`docs/contract.md §9`: service
/// `ca.cartable.client`, account = the portal id, i.e. the origin) with `secret-tool`.
fn store_session(origin: &str, refresh_token: &str) -> Result {
    let secret = json!({"email": portal::DEMO_PARENT, "refresh_token": refresh_token}).to_string();
    let mut child = Command::new("secret-tool")
        .args([
            "store",
            "--label=Cartable (bench)",
            "service",
            "ca.cartable.client",
            "username",
            origin,
        ])
        .stdin(Stdio::piped())
        .spawn()
        .context("secret-tool")?;
    child.stdin.take().context("no stdin")?.write_all(secret.as_bytes())?;
    let status = child.wait()?;
    if status.success() { Ok(()) } else { Err(anyhow!("secret-tool store failed ({status})")) }
}

/// One warm-up and [`RUNS`] timed launches of `binary`, each from spawning it to the
/// `ui ready: … (unix ms T)` line it prints on stdout: Cartable's log line for the UI's
/// `ui_ready` command (first screen mounted and interactive), the baseline's for its page's
/// `ready` command. The time is `T` minus the wall clock just before the spawn, so the reading
/// side's own delay does not count. Each launch's processes are ended before the next.
fn launches(binary: &Path, what: &str) -> Result<Vec<Duration>> {
    let mut times = Vec::new();
    for run in 0..=RUNS {
        let spawned = unix_ms();
        let mut child = Command::new(binary)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {what}"))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead as _;
            for line in std::io::BufReader::new(stdout).lines().map_while(std::io::Result::ok) {
                if let Some(at) = ready_mark(&line) {
                    let _ = tx.send(at);
                }
            }
        });
        let ready = rx.recv_timeout(WAIT);
        let mut pids = descendants(child.id());
        pids.push(child.id());
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        end(&pids);
        let _ = child.wait();
        let at = ready.map_err(|_| {
            anyhow!("{what}, launch {run}: no `ui ready` line within {} s", WAIT.as_secs())
        })?;
        let took = Duration::from_millis(at.saturating_sub(spawned));
        println!("  {what} launch {run}: {}{}", ms(took), if run == 0 { " (warm-up)" } else { "" });
        if run > 0 {
            times.push(took);
        }
    }
    Ok(times)
}

/// `T` of a `… ui ready: … (unix ms T)` line.
fn ready_mark(line: &str) -> Option<u64> {
    let rest = line.split_once("ui ready:")?.1;
    let digits = rest.split_once("unix ms ")?.1;
    digits.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// The wall clock in Unix milliseconds.
fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Debian's `WebKitWebDriver` on a free port, one per launch (what `tauri-driver` proxies to,
/// with `TAURI_WEBVIEW_AUTOMATION=true` as it sets); killed on drop.
struct Driver<'a> {
    child: Child,
    url: String,
    http: &'a reqwest::Client,
}

impl<'a> Driver<'a> {
    /// Starts the driver with `env` for the app and waits until it answers `/status`.
    async fn start(http: &'a reqwest::Client, env: &[(&str, &str)]) -> Result<Self> {
        let port = free_port()?;
        let child = Command::new("WebKitWebDriver")
            .args([format!("--port={port}"), "--host=127.0.0.1".to_owned()])
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("WebKitWebDriver")?;
        let driver = Self { child, url: format!("http://127.0.0.1:{port}"), http };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ready = http.get(format!("{}/status", driver.url)).send().await;
            if let Ok(answer) = ready
                && answer.status().is_success()
            {
                return Ok(driver);
            }
            if Instant::now() > deadline {
                bail!("WebKitWebDriver did not answer /status");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A WebDriver session, which starts `binary`.
    async fn launch(&self, binary: &Path) -> Result<Session<'a>> {
        let options = json!({"binary": binary, "args": []});
        let body = json!({"capabilities": {"alwaysMatch": {"webkitgtk:browserOptions": options}}});
        let answer: Value = self
            .http
            .post(format!("{}/session", self.url))
            .json(&body)
            .send()
            .await
            .context("new session")?
            .json()
            .await
            .context("new session")?;
        let id = answer["value"]["sessionId"]
            .as_str()
            .with_context(|| format!("no session: {}", answer["value"]["message"]))?
            .to_owned();
        Ok(Session { url: format!("{}/session/{id}", self.url), http: self.http })
    }
}

impl Driver<'_> {
    /// The app and its WebKit processes: everything the driver started.
    fn processes(&self) -> Vec<u32> {
        descendants(self.child.id())
    }

    /// Ends the session's processes and the driver, so launches never overlap.
    async fn finish(mut self, session: Session<'_>) {
        let started = self.processes();
        session.close().await;
        let _ = self.child.kill();
        let _ = self.child.wait();
        end(&started);
    }
}

impl Drop for Driver<'_> {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session<'a> {
    url: String,
    http: &'a reqwest::Client,
}

impl Session<'_> {
    /// Polls `script` (which returns a boolean) every 5 ms until it returns true.
    async fn wait(&self, script: &str, limit: Duration) -> Result<Duration> {
        let started = Instant::now();
        loop {
            let answer = self
                .http
                .post(format!("{}/execute/sync", self.url))
                .json(&json!({"script": script, "args": []}))
                .send()
                .await;
            if let Ok(answer) = answer
                && let Ok(value) = answer.json::<Value>().await
                && value["value"] == Value::Bool(true)
            {
                return Ok(started.elapsed());
            }
            if started.elapsed() > limit {
                bail!("not ready after {} s", limit.as_secs());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn close(self) {
        let _ = self.http.delete(&self.url).send().await;
    }
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Every process under `root` (its children, their children…), `root` excluded.
fn descendants(root: u32) -> Vec<u32> {
    let parents: HashMap<u32, u32> = proc_pids()
        .into_iter()
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid …`; comm may hold spaces, so split after the last ')'.
            let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|(_, p)| **p == parent).map(|(c, _)| *c));
        i += 1;
    }
    tree.remove(0);
    tree
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')').and_then(|(_, r)| r.split_whitespace().next()) != Some("Z")
    })
}

/// Waits for `pids` (processes this bench started) to exit; `SIGTERM` after 3 s, `SIGKILL`
/// after 5 s, each by its id. Blocks the thread (at most 8 s).
fn end(pids: &[u32]) {
    let started = Instant::now();
    let mut signalled = 0;
    loop {
        let left: Vec<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
        if left.is_empty() {
            return;
        }
        let elapsed = started.elapsed();
        let signal = match (elapsed.as_secs(), signalled) {
            (3.., 0) => Some("-TERM"),
            (5.., 1) => Some("-KILL"),
            (8.., _) => return,
            _ => None,
        };
        if let Some(signal) = signal {
            signalled += 1;
            for pid in &left {
                let _ = Command::new("kill").args([signal, &pid.to_string()]).status();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn proc_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default()
}

/// Memory of a process tree.
#[derive(Debug, Clone, Copy, Default)]
struct Memory {
    /// Sum of VmRSS, bytes.
    rss: u64,
    /// Sum of Pss (smaps_rollup), bytes.
    pss: u64,
    /// Processes counted.
    processes: usize,
}

/// RSS and PSS summed over `pids`.
fn process_memory(pids: &[u32]) -> Memory {
    let mut memory = Memory::default();
    for pid in pids {
        memory.rss += kib_field(&format!("/proc/{pid}/status"), "VmRSS:");
        memory.pss += kib_field(&format!("/proc/{pid}/smaps_rollup"), "Pss:");
        memory.processes += 1;
    }
    memory
}

/// `Field:   1234 kB` in a /proc file, as bytes.
fn kib_field(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

fn mib(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64 / (1024.0 * 1024.0);
    format!("{f:.1} MiB")
}
