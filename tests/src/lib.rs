//! The end-to-end harness: the real `cartable` window driven over WebDriver.
//!
//! `tests/e2e.sh` provides the world (Xvfb, a private D-Bus session with an unlocked
//! gnome-keyring, throw-away `XDG_*` folders) and the environment variables read by
//! [`Env::from_env`]. This crate starts `tauri-driver` (which starts Debian's `WebKitWebDriver`),
//! opens one WebDriver session per app launch with fantoccini, and gives the scenarios
//! (`tests/tests/e2e.rs`) a small vocabulary: wait for an element, type, click, read, take a
//! step's screenshot, close and relaunch the app, read the real keychain.
//!
//! Every wait is explicit (a condition polled until a deadline, [`WAIT`]); nothing sleeps to
//! synchronise with the app.
//!
//! Artefacts: `$CARTABLE_E2E_OUT/<scenario>/<nn>-<step>.png` for each step, with its
//! accessibility audit `<nn>-<step>.axe.json` (axe-core, [`Scenario::step`]) and, in a scenario
//! with a set viewport ([`Scenario::set_viewport`], a phone's), the whole page screen by screen
//! `<nn>-<step>.page-<k>.png`; on failure also `failure.png` and `failure.html` (the page
//! source) next to them, plus `tauri-driver.log`.

use std::{
    fmt,
    fs::File,
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

mod axe;
pub mod updates;

/// Errors of the harness and the scenarios: anything, with a readable message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// `Result` with [`Error`]; `Result` alone is `Result<()>`.
pub type Result<T = ()> = std::result::Result<T, Error>;

/// How long any explicit wait lasts before failing (a debug build under Xvfb on 2 cores is slow,
/// and the first launch creates the demo portal's database and RSA key).
pub const WAIT: Duration = Duration::from_secs(30);

/// How often a waited-for condition is checked.
const POLL: Duration = Duration::from_millis(100);

/// Keychain service of the app (`docs/contract.md §9`).
pub const KEYCHAIN_SERVICE: &str = "ca.cartable.client";

/// The portal id of the embedded demo portal, first part of its keychain accounts
/// (`docs/contract.md §9`): `embedded|accounts` (the index of the parents signed in),
/// `embedded|account|{key}` (one per parent), `embedded|pending`, and `embedded` (the single
/// entry of earlier versions).
pub const KEYCHAIN_ACCOUNT: &str = "embedded";

/// The app's bundle identifier: its data folder is `$XDG_DATA_HOME/<identifier>`.
pub const BUNDLE_ID: &str = "ca.cartable.client";

/// A failure message as an [`Error`].
pub fn fail(message: impl fmt::Display) -> Error {
    message.to_string().into()
}

/// What `tests/e2e.sh` exports.
#[derive(Debug, Clone)]
pub struct Env {
    /// `CARTABLE_APP`: absolute path of the app binary (`target/debug/cartable`).
    pub app: PathBuf,
    /// `CARTABLE_E2E_OUT`: where screenshots go (`target/e2e`).
    pub out: PathBuf,
    /// `XDG_DATA_HOME`: the throw-away data folder the app writes under.
    pub data_home: PathBuf,
    /// `XDG_CONFIG_HOME`: the throw-away folder of the app's settings.
    pub config_home: PathBuf,
    /// `CARTABLE_E2E_BROWSER_LOG`: where the registered "system browser" writes each URL the app
    /// asks it to open, one per line.
    pub browser_log: PathBuf,
    /// `CARTABLE_E2E_BROKEN_BROWSER_LOG`: where the broken "system browser"
    /// ([`SystemBrowser::Broken`]) writes each URL it fails to open, one per line.
    pub broken_browser_log: PathBuf,
}

/// The `http(s)` handlers `tests/e2e.sh` installs as desktop entries; [`Env::register_browser`]
/// makes one the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemBrowser {
    /// Writes each URL to [`Env::browser_log`] and succeeds (the default of every scenario).
    Working,
    /// Writes each URL to [`Env::broken_browser_log`], says on stderr it cannot start, and exits
    /// with status 1, as a handler broken by an AppImage environment or a removed browser does.
    Broken,
}

impl SystemBrowser {
    /// Its desktop entry (`$XDG_DATA_HOME/applications/<id>`, written by `tests/e2e.sh`).
    pub fn desktop_id(self) -> &'static str {
        match self {
            Self::Working => "cartable-e2e-browser.desktop",
            Self::Broken => "cartable-e2e-broken-browser.desktop",
        }
    }
}

impl Env {
    /// Reads `CARTABLE_APP`, `CARTABLE_E2E_OUT`, `XDG_DATA_HOME`, `XDG_CONFIG_HOME`,
    /// `CARTABLE_E2E_BROWSER_LOG` and `CARTABLE_E2E_BROKEN_BROWSER_LOG`.
    ///
    /// # Errors
    /// A variable is missing (the suite is not running under `tests/e2e.sh`) or the app binary
    /// does not exist.
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| {
            std::env::var_os(name).map(PathBuf::from).ok_or_else(|| {
                fail(format!("{name} is not set: run the suite with `sh tests/e2e.sh`"))
            })
        };
        let env = Self {
            app: var("CARTABLE_APP")?,
            out: var("CARTABLE_E2E_OUT")?,
            data_home: var("XDG_DATA_HOME")?,
            config_home: var("XDG_CONFIG_HOME")?,
            browser_log: var("CARTABLE_E2E_BROWSER_LOG")?,
            broken_browser_log: var("CARTABLE_E2E_BROKEN_BROWSER_LOG")?,
        };
        if !env.app.is_file() {
            return Err(fail(format!(
                "{} does not exist: `cargo build -p cartable` first",
                env.app.display()
            )));
        }
        // The suite wipes the app's data, settings and keychain entries: refuse to run anywhere
        // but inside the throw-away world of tests/e2e.sh.
        let scratch = var("CARTABLE_E2E_SCRATCH")?;
        if !env.data_home.starts_with(&scratch) || !env.config_home.starts_with(&scratch) {
            return Err(fail("XDG_DATA_HOME and XDG_CONFIG_HOME must lie in CARTABLE_E2E_SCRATCH"));
        }
        Ok(env)
    }

    /// A new computer for the app: deletes its data folder (the embedded portal's database and
    /// outbox), its settings, its keychain entries (`embedded|accounts`, each parent's
    /// `embedded|account|{key}`, `embedded|pending`, and `embedded`) and the
    /// URLs the system browser was asked to open, and registers the working system browser.
    ///
    /// # Errors
    /// A folder or keychain entry cannot be deleted.
    pub async fn forget_device(&self) -> Result {
        for log in [&self.browser_log, &self.broken_browser_log] {
            match std::fs::remove_file(log) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    return Err(error.into());
                }
                _ => {}
            }
        }
        self.register_browser(SystemBrowser::Working)?;
        for dir in [self.data_home.join(BUNDLE_ID), self.config_home.join(BUNDLE_ID)] {
            match std::fs::remove_dir_all(&dir) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    return Err(error.into());
                }
                _ => {}
            }
        }
        let listed = account_keys().await?;
        let every = [
            KEYCHAIN_ACCOUNT.to_owned(),
            format!("{KEYCHAIN_ACCOUNT}|pending"),
            format!("{KEYCHAIN_ACCOUNT}|accounts"),
        ];
        let parents = listed.iter().map(|key| format!("{KEYCHAIN_ACCOUNT}|account|{key}"));
        for account in every.into_iter().chain(parents) {
            tokio::task::spawn_blocking(move || {
                match keyring::Entry::new(KEYCHAIN_SERVICE, &account)?.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                    Err(other) => Err(other),
                }
            })
            .await?
            .map_err(|e| fail(format!("keychain: {e}")))?;
        }
        Ok(())
    }

    /// Makes `browser` the default `http` and `https` handler (`$XDG_CONFIG_HOME/mimeapps.list`,
    /// which `xdg-open` and `gio` read at each call).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn register_browser(&self, browser: SystemBrowser) -> Result {
        let id = browser.desktop_id();
        let list = format!(
            "[Default Applications]\nx-scheme-handler/http={id}\nx-scheme-handler/https={id}\n"
        );
        std::fs::write(self.config_home.join("mimeapps.list"), list)?;
        Ok(())
    }

    /// The URLs the broken system browser was asked to open, in order.
    ///
    /// # Errors
    /// The log exists but cannot be read.
    pub fn refused_urls(&self) -> Result<Vec<String>> {
        match std::fs::read_to_string(&self.broken_browser_log) {
            Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(error) => Err(error.into()),
        }
    }

    /// The desktop's Downloads folder (`XDG_DOWNLOAD_DIR`, also in
    /// `$XDG_CONFIG_HOME/user-dirs.dirs`, where the app reads it), where a verified update is saved.
    ///
    /// # Errors
    /// The variable is not set (the suite is not running under `tests/e2e.sh`).
    pub fn downloads(&self) -> Result<PathBuf> {
        std::env::var_os("XDG_DOWNLOAD_DIR").map(PathBuf::from).ok_or_else(|| {
            fail("XDG_DOWNLOAD_DIR is not set: run the suite with `sh tests/e2e.sh`")
        })
    }

    /// The embedded demo portal's outbox: `$XDG_DATA_HOME/ca.cartable.client/demo-portal/outbox`.
    pub fn demo_outbox(&self) -> PathBuf {
        self.data_home.join(BUNDLE_ID).join("demo-portal").join("outbox")
    }

    /// The app's own log folder (tauri-plugin-log's LogDir):
    /// `$XDG_DATA_HOME/ca.cartable.client/logs`, emptied with the rest at each scenario's start.
    pub fn app_logs(&self) -> PathBuf {
        self.data_home.join(BUNDLE_ID).join("logs")
    }

    /// Every file of [`Env::app_logs`], in name order, as one text: the scenario's launches so
    /// far, oldest first (empty before the app's first line).
    ///
    /// # Errors
    /// A log file cannot be read.
    pub fn app_log(&self) -> Result<String> {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(self.app_logs()) {
            Ok(entries) => entries.map(|e| e.map(|e| e.path())).collect::<std::io::Result<_>>()?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(error.into()),
        };
        files.sort();
        let mut log = String::new();
        for file in files {
            log.push_str(&std::fs::read_to_string(file)?);
        }
        Ok(log)
    }
}

/// The colour scheme the app's window is given, as a desktop's setting would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Adwaita: `prefers-color-scheme: light`.
    Light,
    /// Adwaita's dark variant (`GTK_THEME=Adwaita:dark`, which WebKitGTK turns into
    /// `prefers-color-scheme: dark`).
    Dark,
}

impl Theme {
    /// The value of `GTK_THEME` for the app (inherited through tauri-driver and WebKitWebDriver).
    fn gtk_theme(self) -> &'static str {
        match self {
            Self::Light => "Adwaita",
            Self::Dark => "Adwaita:dark",
        }
    }

    /// What `prefers-color-scheme` answers in the window.
    fn scheme(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// A running WebDriver server (`tauri-driver` or `chromedriver`) on a free loopback port; stopped
/// (with the browser it started) on drop.
#[derive(Debug)]
struct Driver {
    child: Child,
    url: String,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

impl Driver {
    /// `tauri-driver` (which starts `WebKitWebDriver` on the native port) for the app window,
    /// with the GTK theme of `theme` and the extra environment `env` (inherited by the app).
    fn tauri(log: &Path, theme: Theme, env: &[(String, String)]) -> Result<Self> {
        let port = free_port()?;
        let mut native = free_port()?;
        while native == port {
            native = free_port()?;
        }
        let mut command = Command::new("tauri-driver");
        command.args(["--port", &port.to_string(), "--native-port", &native.to_string()]);
        command.env("GTK_THEME", theme.gtk_theme());
        command.envs(env.iter().map(|(name, value)| (name, value)));
        Self::spawn(command, port, log, "tauri-driver (cargo install tauri-driver)")
    }

    /// `chromedriver` (Debian's `chromium-driver`) for the parent's web browser.
    fn chromium(log: &Path) -> Result<Self> {
        let port = free_port()?;
        let mut command = Command::new("chromedriver");
        command.arg(format!("--port={port}"));
        Self::spawn(command, port, log, "chromedriver (apt install chromium-driver)")
    }

    fn spawn(mut command: Command, port: u16, log: &Path, what: &str) -> Result<Self> {
        let log = File::create(log)?;
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| fail(format!("cannot start {what}: {e}")))?;
        let mut driver = Self { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + WAIT;
        // Readiness of a child process (not of the app): poll its port.
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = driver.child.try_wait()? {
                return Err(fail(format!("{what} exited at start: {status}")));
            }
            if Instant::now() > deadline {
                return Err(fail(format!("{what} did not open its port")));
            }
            std::thread::sleep(POLL);
        }
        Ok(driver)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop its WebKitWebDriver; SIGKILL would orphan it.
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(POLL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a process runs the binary `app` (read from `/proc`, Linux only).
fn app_running(app: &Path) -> bool {
    let Ok(target) = app.canonicalize() else { return false };
    let Ok(entries) = std::fs::read_dir("/proc") else { return false };
    entries.flatten().any(|entry| {
        entry.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit())
            && std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == target)
    })
}

/// Records the page's uncaught errors, unhandled rejections and `console.error` lines in
/// `window.__e2eErrors` (saved as `page-errors.json` on failure).
const CAPTURE_ERRORS: &str = r"
    if (!window.__e2eErrors) {
        window.__e2eErrors = [];
        const keep = (what) => window.__e2eErrors.push(String(what));
        window.addEventListener('error', (e) => keep('error: ' + e.message));
        window.addEventListener('unhandledrejection', (e) => keep('rejection: ' + e.reason));
        const original = console.error;
        console.error = (...args) => { keep('console.error: ' + args.join(' ')); original(...args); };
    }
    return true;
";

/// Calls back after the next two animation frames, i.e. once the current DOM has been painted.
const AFTER_PAINT: &str = r"
    const done = arguments[arguments.length - 1];
    requestAnimationFrame(() => requestAnimationFrame(() => done(true)));
";

/// The size of the page's viewport (`innerWidth` × `innerHeight`), in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    /// `innerWidth`.
    pub width: u32,
    /// `innerHeight`.
    pub height: u32,
}

impl Viewport {
    /// A phone held upright: 390 × 844, the viewport of the most common iPhones (12 to 15), a
    /// little narrower than most Android phones (393 to 412).
    pub const PHONE: Self = Self { width: 390, height: 844 };
}

impl fmt::Display for Viewport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}×{}", self.width, self.height)
    }
}

/// The page's viewport: `[innerWidth, innerHeight]`.
const VIEWPORT: &str = "return [window.innerWidth, window.innerHeight];";

/// Whether the page fits its window's width: the viewport's size, the document's `scrollWidth`
/// against the width it may use (`clientWidth`: `innerWidth` less a vertical scroll bar, if the
/// bar takes room), and what sticks out. A displayed element, or a run of text, whose box ends
/// past the right edge (or starts before the left edge) is named with its path and text; so is
/// one cut off by, or scrolling sideways inside, an ancestor that clips (`overflow` other than
/// `visible`). Nested offenders are named once: the outermost, with the innermost inside it
/// (most often the cause). Elements clipped away whole (`.visually-hidden`, the skip link
/// parked left of the window) are not shown, so not checked.
const FITS: &str = r"
    const doc = document.documentElement;
    const edge = doc.clientWidth;
    const slack = 0.5;
    const name = (el) => {
        let d = el.tagName.toLowerCase();
        if (el.id) d += '#' + el.id;
        for (const c of el.classList) d += '.' + c;
        return d;
    };
    const path = (el) => {
        const parts = [];
        for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
            parts.unshift(name(e));
        }
        return parts.join(' > ');
    };
    const label = (el) => {
        const raw = el.innerText || el.value || el.getAttribute('aria-label') || '';
        const text = String(raw).replace(/\s+/g, ' ').trim();
        return text ? ` \u201c${text.length > 40 ? text.slice(0, 40) + '\u2026' : text}\u201d` : '';
    };
    const px = (n) => Math.round(n);
    // The nearest element, from `el` up, that clips what lies outside its padding box.
    const clipper = (el) => {
        for (let a = el; a && a !== document.body && a !== doc; a = a.parentElement) {
            const s = getComputedStyle(a);
            if (s.overflowX !== 'visible' || (s.clip && s.clip !== 'auto')) return a;
        }
        return null;
    };
    // Each offender not inside another, with the deepest offender inside it (the likely cause).
    const outer = [];
    const within = (el) => outer.find((o) => o.el === el || o.el.contains(el));
    const offends = (el, what, depth, problem) => {
        const around = within(el);
        if (!around) outer.push({ el, problem, deepest: null, depth });
        else if (around.el !== el && (!around.deepest || depth > around.deepest.depth)) {
            around.deepest = { what, depth };
        }
    };
    const depthOf = (el) => {
        let d = 0;
        for (let a = el; a; a = a.parentElement) d++;
        return d;
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.nodeType === Node.TEXT_NODE;
        const el = text ? node.parentElement : node;
        if (!el || (text && !node.data.trim()) || ['SCRIPT', 'STYLE', 'TEMPLATE'].includes(el.tagName)) continue;
        if (getComputedStyle(el).visibility !== 'visible') continue;
        let rects;
        if (text) {
            const range = document.createRange();
            range.selectNodeContents(node);
            rects = [...range.getClientRects()];
        } else {
            rects = [el.getBoundingClientRect()];
        }
        rects = rects.filter((r) => r.width > 0 && r.height > 0);
        if (!rects.length) continue;
        const left = Math.min(...rects.map((r) => r.left));
        const right = Math.max(...rects.map((r) => r.right));
        const what = (text ? 'the text of ' : '') + path(el) + label(el);
        const depth = depthOf(el) + (text ? 1 : 0);
        const box = clipper(text ? el : el.parentElement);
        if (box) {
            const s = getComputedStyle(box);
            if ((s.clip && s.clip !== 'auto') || box.clientWidth <= 1) continue;
            const b = box.getBoundingClientRect();
            const from = b.left + box.clientLeft;
            const to = from + box.clientWidth;
            if (right <= from || left >= to) continue;
            if (right > to + slack || left < from - slack) {
                const how = ['auto', 'scroll'].includes(s.overflowX) ? 'scrolls sideways inside' : 'is cut off by';
                offends(el, what, depth, `${what} ${how} ${path(box)} (${px(left)} to ${px(right)} px; the box shows ${px(from)} to ${px(to)} px)`);
                continue;
            }
        }
        if (right > edge + slack || (left < -slack && right > 0)) {
            const side = right > edge + slack ? 'right' : 'left';
            offends(el, what, depth, `${what} spans ${px(left)} to ${px(right)} px, past the ${side} edge of the ${edge} px wide page`);
        }
    }
    const found = outer.map((o) => o.problem + (o.deepest ? ` (innermost: ${o.deepest.what})` : ''));
    return {
        innerWidth: window.innerWidth,
        innerHeight: window.innerHeight,
        clientWidth: edge,
        scrollWidth: doc.scrollWidth,
        found,
    };
";

/// One scenario: its artefact folder, its `tauri-driver`, and the current app launch.
pub struct Scenario {
    name: String,
    dir: PathBuf,
    env: Env,
    driver: Driver,
    client: Option<Client>,
    theme: Theme,
    steps: u32,
    /// How many URLs of the browser log [`Scenario::opened_url`] has answered.
    opened: usize,
    /// The serious and critical accessibility violations found so far, one line each.
    inaccessible: Vec<String>,
    /// The window's viewport set by [`Scenario::set_viewport`] (kept across launches), whose
    /// steps also check that the page fits its width.
    viewport: Option<Viewport>,
    /// The steps whose page did not fit the viewport, one line per step.
    overflowing: Vec<String>,
    /// Whether the app has been launched in this scenario (its first launch checks the window
    /// opens at the app's default size).
    launched: bool,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}

impl Scenario {
    /// Runs scenario `name` in the light theme: see [`Scenario::run_in`].
    ///
    /// # Errors
    /// See [`Scenario::run_in`].
    pub async fn run(name: &str, body: impl AsyncFnOnce(&mut Scenario) -> Result) -> Result {
        Self::run_in(name, Theme::Light, body).await
    }

    /// Runs scenario `name` on a new computer ([`Env::forget_device`]) whose desktop uses
    /// `theme`: prepares `$CARTABLE_E2E_OUT/<name>/` (emptied), starts `tauri-driver`, launches
    /// the app, runs `body`, and closes the app.
    ///
    /// When `body` fails, saves `failure.png` and `failure.html` (page source) of the window as
    /// it was, then returns the error with the artefact folder in its message.
    ///
    /// # Errors
    /// The harness could not start, `body` failed, or a step's accessibility audit found a
    /// serious or critical violation (all of them are listed).
    pub async fn run_in(
        name: &str,
        theme: Theme,
        body: impl AsyncFnOnce(&mut Scenario) -> Result,
    ) -> Result {
        Self::run_with_env(name, theme, &[], body).await
    }

    /// [`Scenario::run_in`] with `app_env` added to the app's environment at every launch (the
    /// signed-updates scenario's `CARTABLE_UPDATE_URL` and test key).
    ///
    /// # Errors
    /// See [`Scenario::run_in`].
    pub async fn run_with_env(
        name: &str,
        theme: Theme,
        app_env: &[(String, String)],
        body: impl AsyncFnOnce(&mut Scenario) -> Result,
    ) -> Result {
        let env = Env::from_env()?;
        let dir = env.out.join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        env.forget_device().await?;
        let driver = Driver::tauri(&dir.join("tauri-driver.log"), theme, app_env)?;
        let mut scenario = Scenario {
            name: name.to_owned(),
            dir,
            env,
            driver,
            client: None,
            theme,
            steps: 0,
            opened: 0,
            inaccessible: Vec::new(),
            viewport: None,
            overflowing: Vec::new(),
            launched: false,
        };
        let outcome = match scenario.launch().await {
            Ok(()) => body(&mut scenario).await,
            Err(error) => Err(error),
        };
        if let Err(error) = outcome {
            scenario.save_failure().await;
            let _ = scenario.close_app().await;
            return Err(fail(format!(
                "scenario {name} failed: {error}{}{} (artefacts in {})",
                scenario.overflow_summary(),
                scenario.accessibility_summary(),
                scenario.dir.display()
            )));
        }
        scenario.close_app().await?;
        if !scenario.overflowing.is_empty() {
            return Err(fail(format!(
                "scenario {name}: a page does not fit the window's width{}{} (screenshots in {})",
                scenario.overflow_summary(),
                scenario.accessibility_summary(),
                scenario.dir.display()
            )));
        }
        if scenario.inaccessible.is_empty() {
            return Ok(());
        }
        Err(fail(format!(
            "scenario {name} failed its accessibility audit{} (reports `*.axe.json` in {})",
            scenario.accessibility_summary(),
            scenario.dir.display()
        )))
    }

    /// The steps whose page did not fit the window's width, one per line (empty when none);
    /// also printed, as [`Scenario::accessibility_summary`] is.
    fn overflow_summary(&self) -> String {
        self.summary(&self.overflowing, "step(s) wider than the window")
    }

    /// The serious and critical violations found, one per line (empty when none); also printed
    /// as such, since a test's error shows with its line breaks escaped.
    fn accessibility_summary(&self) -> String {
        self.summary(&self.inaccessible, "serious or critical accessibility violation(s)")
    }

    /// `findings` as "\n<count> <what>:" and one line each (empty when none), also printed.
    fn summary(&self, findings: &[String], what: &str) -> String {
        if findings.is_empty() {
            return String::new();
        }
        let lines: Vec<String> = findings.iter().map(|l| format!("\n  - {l}")).collect();
        let summary = format!("\n{} {what}:{}\n", findings.len(), lines.concat());
        eprintln!("[{}] {summary}", self.name);
        summary
    }

    /// The environment from `tests/e2e.sh`.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The scenario's artefact folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Launches the app (a new WebDriver session) and waits for its first screen's heading.
    ///
    /// # Errors
    /// An app of an earlier launch is still running, the session cannot be created, or no
    /// heading shows within [`WAIT`].
    pub async fn launch(&mut self) -> Result {
        if self.client.is_some() {
            return Err(fail("the app is already running"));
        }
        self.wait_app_gone().await?;
        let capabilities = json!({
            "browserName": "wry",
            "tauri:options": { "application": self.env.app },
        });
        let Value::Object(capabilities) = capabilities else { return Err(fail("capabilities")) };
        // An app that dies while starting leaves WebKitWebDriver waiting for it forever: give
        // up after WAIT (its panic is in the scenario's tauri-driver.log).
        let mut builder = webdriver();
        let connect = builder.capabilities(capabilities).connect(&self.driver.url);
        let client = tokio::time::timeout(WAIT, connect)
            .await
            .map_err(|_| {
                fail(format!(
                    "the app did not start within {} s (see tauri-driver.log)",
                    WAIT.as_secs()
                ))
            })?
            .map_err(|e| fail(format!("cannot open a WebDriver session on the app: {e}")))?;
        self.client = Some(client);
        // Keep the page's errors (a wasm panic shows only there) for the failure artefacts.
        self.script(CAPTURE_ERRORS).await?;
        self.wait_for("main h1").await?;
        let scheme = self
            .script("return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'")
            .await?;
        if scheme.as_str() != Some(self.theme.scheme()) {
            return Err(fail(format!(
                "the window prefers the {scheme} colour scheme, not {} (GTK_THEME={})",
                self.theme.scheme(),
                self.theme.gtk_theme()
            )));
        }
        match self.viewport {
            Some(viewport) => self.resize(viewport).await?,
            // A new computer opens the window at the app's size: none saved by an earlier
            // scenario (tauri-plugin-window-state keeps it in the settings folder, which
            // `Env::forget_device` deletes), e.g. the phone-sized one's.
            None if !self.launched => {
                let default = default_window()?;
                let seen = self.viewport_now().await?;
                if seen != default {
                    return Err(fail(format!(
                        "the window opened at {seen}, not the app's {default} (tauri.conf.json): \
                         a size saved by an earlier scenario?"
                    )));
                }
            }
            None => {}
        }
        self.launched = true;
        Ok(())
    }

    /// From now on, the window's viewport is `viewport` (at this launch and the next ones), and
    /// every step ([`Scenario::step`]) also checks that the page fits its width: the document
    /// does not scroll sideways (`scrollWidth` within `clientWidth`, so within `innerWidth`),
    /// and no displayed element or text ends past the right edge or is cut off; a step that
    /// does not fit fails the scenario at its end, with what sticks out named. Each step's page
    /// is also saved screen by screen from the top (`<nn>-<step>.page-<k>.png`), for reviewing
    /// the whole of it.
    ///
    /// # Errors
    /// The window does not take that size.
    pub async fn set_viewport(&mut self, viewport: Viewport) -> Result {
        self.viewport = Some(viewport);
        self.resize(viewport).await
    }

    /// The page's viewport now.
    async fn viewport_now(&self) -> Result<Viewport> {
        let size = self.script(VIEWPORT).await?;
        let read = |i: usize| {
            size.get(i)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| fail(format!("the page's viewport is {size}")))
        };
        Ok(Viewport { width: read(0)?, height: read(1)? })
    }

    /// Sizes the window (WebDriver's Set Window Rect, which WebKitGTK applies to the app's
    /// toplevel) so that the page's viewport is `viewport`, and waits until the page sees it.
    async fn resize(&self, viewport: Viewport) -> Result {
        let client = self.client()?;
        let before = self.viewport_now().await?;
        if before == viewport {
            return Ok(());
        }
        client.set_window_size(viewport.width, viewport.height).await?;
        // The resize is asynchronous: wait for the page to see a change.
        let mut seen = before;
        let changed = self
            .until(&format!("the window to resize to {viewport}"), async || {
                seen = self.viewport_now().await?;
                Ok(seen != before)
            })
            .await;
        if seen != viewport {
            // Decorations or bars around the page (none under Xvfb without a window manager):
            // grow the window by what they take.
            let (width, height) = client.get_window_size().await?;
            let grow = |outer: u64, want: u32, got: u32| {
                u32::try_from(outer).ok().map(|o| (o + want).saturating_sub(got))
            };
            let (Some(width), Some(height)) = (
                grow(width, viewport.width, seen.width),
                grow(height, viewport.height, seen.height),
            ) else {
                return Err(fail("the window's size is out of range"));
            };
            client.set_window_size(width, height).await?;
        }
        let waited = self
            .until(&format!("a {viewport} viewport"), async || {
                seen = self.viewport_now().await?;
                Ok(seen == viewport)
            })
            .await;
        waited.map_err(|e| {
            let first = changed.as_ref().err().map(|e| format!("; {e}")).unwrap_or_default();
            fail(format!("{e}: the page sees {seen} (it saw {before} before){first}"))
        })
    }

    /// Closes the app (ends the WebDriver session) and waits until its process is gone, so the
    /// next launch is not taken for a second instance.
    ///
    /// # Errors
    /// The session could not be ended or the process lingers past [`WAIT`].
    pub async fn close_app(&mut self) -> Result {
        if let Some(client) = self.client.take() {
            client
                .close()
                .await
                .map_err(|e| fail(format!("cannot end the WebDriver session: {e}")))?;
        }
        self.wait_app_gone().await
    }

    /// Closes the app and starts it again (same data folder and keychain).
    ///
    /// # Errors
    /// See [`Scenario::close_app`] and [`Scenario::launch`].
    pub async fn restart(&mut self) -> Result {
        self.close_app().await?;
        self.launch().await
    }

    async fn wait_app_gone(&self) -> Result {
        let app = self.env.app.clone();
        self.until("the previous app process to exit", async || Ok(!app_running(&app))).await
    }

    /// The WebDriver client of the current launch.
    ///
    /// # Errors
    /// The app is not running.
    pub fn client(&self) -> Result<&Client> {
        self.client.as_ref().ok_or_else(|| fail("the app is not running"))
    }

    /// Saves the window as `<nn>-<name>.png` (numbered in order) in the scenario's folder, then
    /// audits it with axe-core and writes the report as `<nn>-<name>.axe.json`. A serious or
    /// critical violation does not stop the scenario: [`Scenario::run_in`] fails at its end with
    /// all of them. In a scenario with a [`Scenario::set_viewport`], also checks the page fits
    /// the window's width (failing likewise at the end) and saves the whole page, screen by
    /// screen.
    ///
    /// # Errors
    /// The screenshot cannot be taken or written, or axe cannot run.
    pub async fn step(&mut self, name: &str) -> Result {
        self.steps += 1;
        // The screenshot shows the last painted frame: let the window paint what the scenario
        // just waited for (two animation frames) first.
        self.client()?.execute_async(AFTER_PAINT, vec![]).await?;
        let png = self.client()?.screenshot().await?;
        let stem = format!("{:02}-{name}", self.steps);
        let path = self.dir.join(format!("{stem}.png"));
        std::fs::write(&path, png)?;
        if let Some(viewport) = self.viewport {
            if let Some(problem) = self.misfit(viewport).await? {
                eprintln!("[{}] step {stem} does not fit: {problem}", self.name);
                self.overflowing.push(format!("{stem}: {problem}"));
            }
            self.save_pages(&stem).await?;
        }
        let started = Instant::now();
        let found = axe::audit(self.client()?, &path).await?;
        eprintln!(
            "[{}] step {:02} {name} (axe: {} serious or critical, {} ms)",
            self.name,
            self.steps,
            found.len(),
            started.elapsed().as_millis()
        );
        self.inaccessible.extend(found);
        Ok(())
    }

    /// What keeps the page from fitting `viewport` now (`None` when it fits): another
    /// viewport, a document wider than the page's width, what sticks out.
    async fn misfit(&self, viewport: Viewport) -> Result<Option<String>> {
        let seen = self.script(FITS).await?;
        let number = |key: &str| seen[key].as_u64().unwrap_or_default();
        let mut problems = Vec::new();
        let (width, height) = (number("innerWidth"), number("innerHeight"));
        if (width, height) != (u64::from(viewport.width), u64::from(viewport.height)) {
            problems.push(format!("the viewport is {width}×{height}, not {viewport}"));
        }
        let (scroll, client) = (number("scrollWidth"), number("clientWidth"));
        if scroll > client {
            problems.push(format!(
                "the page scrolls sideways: scrollWidth {scroll} > clientWidth {client} \
                 (innerWidth {width})"
            ));
        }
        let found = seen["found"].as_array().cloned().unwrap_or_default();
        problems.extend(found.iter().map(|f| f.as_str().unwrap_or_default().to_owned()));
        Ok((!problems.is_empty()).then(|| problems.join("; ")))
    }

    /// Saves the page screen by screen from the top, as `<stem>.page-<k>.png`, when it is
    /// taller than the window; then scrolls back to where it was.
    async fn save_pages(&self, stem: &str) -> Result {
        let client = self.client()?;
        let size =
            self.script("return [window.scrollY, document.documentElement.scrollHeight]").await?;
        let (Some(at), Some(tall)) = (size[0].as_f64(), size[1].as_u64()) else {
            return Err(fail(format!("the page's scroll position is {size}")));
        };
        let screen = u64::from(self.viewport_now().await?.height.max(1));
        if tall <= screen {
            return Ok(());
        }
        for page in 0..tall.div_ceil(screen) {
            let top = page * screen;
            client.execute("window.scrollTo(0, arguments[0])", vec![json!(top)]).await?;
            client.execute_async(AFTER_PAINT, vec![]).await?;
            let png = client.screenshot().await?;
            std::fs::write(self.dir.join(format!("{stem}.page-{}.png", page + 1)), png)?;
        }
        client.execute("window.scrollTo(0, arguments[0])", vec![json!(at)]).await?;
        client.execute_async(AFTER_PAINT, vec![]).await?;
        Ok(())
    }

    async fn save_failure(&mut self) {
        if let Ok(entries) = std::fs::read_dir(self.env.app_logs()) {
            for entry in entries.flatten() {
                let _ = std::fs::copy(entry.path(), self.dir.join(entry.file_name()));
            }
        }
        if let Ok(errors) = self.script("return window.__e2eErrors || []").await {
            let _ = std::fs::write(self.dir.join("page-errors.json"), errors.to_string());
        }
        let Ok(client) = self.client() else { return };
        if let Ok(png) = client.screenshot().await {
            let _ = std::fs::write(self.dir.join("failure.png"), png);
        }
        if let Ok(source) = client.source().await {
            let _ = std::fs::write(self.dir.join("failure.html"), source);
        }
    }

    /// Polls `condition` every 100 ms until it answers `true`; fails after [`WAIT`] with
    /// "timed out waiting for {what}" (and the last error the condition gave, if any).
    ///
    /// # Errors
    /// Timeout.
    pub async fn until(
        &self,
        what: &str,
        mut condition: impl AsyncFnMut() -> Result<bool>,
    ) -> Result {
        let deadline = Instant::now() + WAIT;
        let mut last = None;
        loop {
            match condition().await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(error) => last = Some(error),
            }
            if Instant::now() > deadline {
                let cause = last.map(|e| format!(" (last error: {e})")).unwrap_or_default();
                return Err(fail(format!("timed out waiting for {what}{cause}")));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for an element matching `css` to be present and displayed.
    ///
    /// # Errors
    /// None within [`WAIT`].
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        let client = self.client()?;
        let mut found = None;
        self.until(&format!("`{css}` to show"), async || {
            for element in client.find_all(Locator::Css(css)).await? {
                if element.is_displayed().await.unwrap_or(false) {
                    found = Some(element);
                    return Ok(true);
                }
            }
            Ok(false)
        })
        .await?;
        found.ok_or_else(|| fail(format!("`{css}` vanished")))
    }

    /// Whether an element matching `css` is displayed now (no waiting).
    ///
    /// # Errors
    /// WebDriver failure.
    pub async fn is_shown(&self, css: &str) -> Result<bool> {
        for element in self.client()?.find_all(Locator::Css(css)).await? {
            if element.is_displayed().await.unwrap_or(false) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Waits until no displayed element matches `css`.
    ///
    /// # Errors
    /// Still shown after [`WAIT`].
    pub async fn wait_gone(&self, css: &str) -> Result {
        self.until(&format!("`{css}` to go away"), async || Ok(!self.is_shown(css).await?)).await
    }

    /// Waits until an element matching `css` shows with a text containing `needle`; answers
    /// that text.
    ///
    /// # Errors
    /// None within [`WAIT`] (the message quotes the texts seen).
    pub async fn wait_text(&self, css: &str, needle: &str) -> Result<String> {
        let client = self.client()?;
        let mut seen = Vec::new();
        let mut hit = None;
        let waited = self
            .until(&format!("`{css}` to say {needle:?}"), async || {
                seen.clear();
                for element in client.find_all(Locator::Css(css)).await? {
                    let text = element.text().await?;
                    if text.contains(needle) {
                        hit = Some(text);
                        return Ok(true);
                    }
                    seen.push(text);
                }
                Ok(false)
            })
            .await;
        match (waited, hit) {
            (Ok(()), Some(text)) => Ok(text),
            (Err(error), _) => Err(fail(format!("{error}; seen: {seen:?}"))),
            (Ok(()), None) => Err(fail("text vanished")),
        }
    }

    /// The text of the first displayed element matching `css` (waits for it).
    ///
    /// # Errors
    /// See [`Scenario::wait_for`].
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    /// The current `value` of the input matching `css` (waits for it).
    ///
    /// # Errors
    /// See [`Scenario::wait_for`].
    pub async fn value(&self, css: &str) -> Result<String> {
        Ok(self.wait_for(css).await?.prop("value").await?.unwrap_or_default())
    }

    /// Types `text` into the input matching `css` after clearing it, as a parent would, and
    /// checks the input holds exactly `text`.
    ///
    /// # Errors
    /// No such input, or it holds something else afterwards.
    pub async fn fill(&self, css: &str, text: &str) -> Result {
        let input = self.wait_for(css).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        let value = input.prop("value").await?.unwrap_or_default();
        if value != text {
            return Err(fail(format!("`{css}` holds {value:?} after typing {text:?}")));
        }
        Ok(())
    }

    /// Clicks the first displayed element matching `css` once it is enabled.
    ///
    /// # Errors
    /// No such element within [`WAIT`], or the click fails.
    pub async fn click(&self, css: &str) -> Result {
        let element = self.wait_for(css).await?;
        self.until(&format!("`{css}` to be enabled"), async || Ok(element.is_enabled().await?))
            .await?;
        element.click().await?;
        Ok(())
    }

    /// Waits for a displayed element matching `css` whose text, with white space collapsed, is
    /// exactly `text` (what the parent reads on it).
    ///
    /// # Errors
    /// None within [`WAIT`] (the message quotes the texts seen).
    pub async fn wait_labelled(&self, css: &str, text: &str) -> Result<Element> {
        let client = self.client()?;
        let wanted = collapse(text);
        let mut seen = Vec::new();
        let mut hit = None;
        let waited = self
            .until(&format!("`{css}` labelled {wanted:?}"), async || {
                seen.clear();
                for element in client.find_all(Locator::Css(css)).await? {
                    if !element.is_displayed().await.unwrap_or(false) {
                        continue;
                    }
                    let label = collapse(&element.text().await?);
                    if label == wanted {
                        hit = Some(element);
                        return Ok(true);
                    }
                    seen.push(label);
                }
                Ok(false)
            })
            .await;
        match (waited, hit) {
            (Ok(()), Some(element)) => Ok(element),
            (Err(error), _) => Err(fail(format!("{error}; seen: {seen:?}"))),
            (Ok(()), None) => Err(fail("element vanished")),
        }
    }

    /// Clicks the button or link whose visible text is `text` (see [`Scenario::wait_labelled`]).
    ///
    /// # Errors
    /// None within [`WAIT`], or it stays disabled.
    pub async fn click_labelled(&self, text: &str) -> Result {
        let element = self.wait_labelled("button, a", text).await?;
        self.until(&format!("{text:?} to be enabled"), async || Ok(element.is_enabled().await?))
            .await?;
        element.click().await?;
        Ok(())
    }

    /// Chooses the `<option>` with value `value` in the `<select>` matching `css`.
    ///
    /// # Errors
    /// No such select or option.
    pub async fn select(&self, css: &str, value: &str) -> Result {
        self.wait_for(css).await?.select_by_value(value).await?;
        Ok(())
    }

    /// The route part of the window's location (`#/enfants` → `/enfants`).
    ///
    /// # Errors
    /// WebDriver failure.
    pub async fn route(&self) -> Result<String> {
        let url = self.client()?.current_url().await?;
        Ok(url.fragment().unwrap_or("/").to_owned())
    }

    /// Waits until the route is `path` (e.g. `/enfants`).
    ///
    /// # Errors
    /// Another route after [`WAIT`].
    pub async fn wait_route(&self, path: &str) -> Result {
        let mut last = String::new();
        let waited = self
            .until(&format!("route {path}"), async || {
                last = self.route().await?;
                Ok(last == path)
            })
            .await;
        waited.map_err(|e| fail(format!("{e}; route is {last}")))
    }

    /// Runs `script` in the window (for reading state only, never to drive the app).
    ///
    /// # Errors
    /// The script threw.
    pub async fn script(&self, script: &str) -> Result<Value> {
        Ok(self.client()?.execute(script, vec![]).await?)
    }

    /// Waits until the app has asked the system browser to open a URL it had not asked before in
    /// this scenario, and answers that URL.
    ///
    /// # Errors
    /// No new URL within [`WAIT`], or the log cannot be read.
    pub async fn opened_url(&mut self) -> Result<String> {
        let log = self.env.browser_log.clone();
        let seen = self.opened;
        let read = move || match std::fs::read_to_string(&log) {
            Ok(text) => Ok(text.lines().map(str::to_owned).collect::<Vec<_>>()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(error) => Err(Error::from(error)),
        };
        let check = read.clone();
        self.until("the app to open the system browser", async || Ok(check()?.len() > seen))
            .await?;
        let urls = read()?;
        self.opened = urls.len();
        urls.last().cloned().ok_or_else(|| fail("no URL"))
    }

    /// The parent's web browser, standing in for the system browser: headless Chromium through
    /// `chromedriver`, with a profile and logs in the scenario's folder.
    ///
    /// # Errors
    /// `chromedriver` or Chromium cannot start.
    pub async fn web_browser(&self) -> Result<WebBrowser> {
        let driver = Driver::chromium(&self.dir.join("chromedriver.log"))?;
        let client = headless_chromium(&driver.url, &self.dir.join("chromium-profile")).await?;
        Ok(WebBrowser { client, dir: self.dir.clone(), _driver: driver })
    }
}

/// A headless Chromium session (Debian's `/usr/bin/chromium`) through the `chromedriver` at
/// `driver_url`, with its own profile folder `profile` (no cookies from an earlier sign-in).
/// The system browser's stand-in here and in portal-client's OpenID tests.
///
/// # Errors
/// The session cannot be created (no Chromium, or the driver is not there).
pub async fn headless_chromium(driver_url: &str, profile: &Path) -> Result<Client> {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=800,900",
    ]
    .map(str::to_owned)
    .into_iter()
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "args": args, "binary": "/usr/bin/chromium" },
    });
    let Value::Object(capabilities) = capabilities else { return Err(fail("capabilities")) };
    webdriver()
        .capabilities(capabilities)
        .connect(driver_url)
        .await
        .map_err(|e| fail(format!("cannot open a Chromium session: {e}")))
}

/// The parent's web browser of [`Scenario::web_browser`]; [`WebBrowser::close`] ends it.
pub struct WebBrowser {
    client: Client,
    dir: PathBuf,
    _driver: Driver,
}

impl WebBrowser {
    /// The WebDriver client of the browser.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Waits for an element of the page in the browser.
    ///
    /// # Errors
    /// Nothing matches `css` within [`WAIT`].
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| fail(format!("the browser never showed {css}: {e}")))
    }

    /// The visible text of the page's body, white space collapsed.
    ///
    /// # Errors
    /// The page has no body.
    pub async fn text(&self) -> Result<String> {
        Ok(collapse(&self.client.find(Locator::Css("body")).await?.text().await?))
    }

    /// Saves the browser's page as `browser-<name>.png` in the scenario's folder.
    ///
    /// # Errors
    /// The screenshot cannot be taken or written.
    pub async fn step(&self, name: &str) -> Result {
        let png = self.client.screenshot().await?;
        std::fs::write(self.dir.join(format!("browser-{name}.png")), png)?;
        Ok(())
    }

    /// Ends the browser session (Chromium quits; `chromedriver` stops on drop).
    ///
    /// # Errors
    /// The session could not be ended.
    pub async fn close(self) -> Result {
        self.client.close().await.map_err(|e| fail(format!("cannot close Chromium: {e}")))
    }
}

/// The display's clipboard, read and written through tauri-plugin-clipboard-manager (the plugin
/// the app copies with), in a small app of Tauri's mock runtime: no window, only the plugin.
/// Keep it alive while the app pastes what it wrote (on X11 the text lives with its writer).
pub struct Clipboard {
    app: tauri::App<tauri::test::MockRuntime>,
}

impl fmt::Debug for Clipboard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clipboard")
    }
}

impl Clipboard {
    /// Starts the mock app with the clipboard plugin (on the display of `DISPLAY`).
    ///
    /// # Errors
    /// The app cannot be built.
    pub fn open() -> Result<Self> {
        let app = tauri::test::mock_builder()
            .plugin(tauri_plugin_clipboard_manager::init())
            .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
        Ok(Self { app })
    }

    /// The clipboard's text.
    ///
    /// # Errors
    /// The clipboard holds no text, or cannot be read.
    pub async fn read_text(&self) -> Result<String> {
        use tauri_plugin_clipboard_manager::ClipboardExt as _;
        let handle = self.app.handle().clone();
        // The plugin warns against reading on the main thread (a deadlock on Linux).
        let text = tokio::task::spawn_blocking(move || handle.clipboard().read_text()).await?;
        text.map_err(|e| fail(format!("cannot read the clipboard: {e}")))
    }

    /// Puts `text` on the clipboard.
    ///
    /// # Errors
    /// The clipboard cannot be written.
    pub async fn write_text(&self, text: &str) -> Result {
        use tauri_plugin_clipboard_manager::ClipboardExt as _;
        let handle = self.app.handle().clone();
        let text = text.to_owned();
        let written =
            tokio::task::spawn_blocking(move || handle.clipboard().write_text(text)).await?;
        written.map_err(|e| fail(format!("cannot write the clipboard: {e}")))
    }
}

/// `text` with runs of white space collapsed to one space and trimmed.
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The interface texts of one language, read from the UI's Fluent file
/// (`ui/locales/<tag>/main.ftl`), so scenarios click what the parent reads in either language.
///
/// Only plain messages are usable (no `{ $placeables }`); a key that is missing or has
/// placeables is an error, so a renamed key fails loudly.
#[derive(Debug, Clone)]
pub struct Texts {
    tag: &'static str,
    messages: std::collections::HashMap<String, String>,
}

impl Texts {
    /// Loads `ui/locales/<tag>/main.ftl` (`fr-CA` or `en-CA`).
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn load(tag: &'static str) -> Result<Self> {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/locales").join(tag).join("main.ftl");
        let source = std::fs::read_to_string(&path)
            .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
        Ok(Self { tag, messages: parse_ftl(&source) })
    }

    /// The language tag (`fr-CA`, `en-CA`), as the app sets it on `<html lang>`.
    pub fn tag(&self) -> &'static str {
        self.tag
    }

    /// The text of message `key`, white space collapsed.
    ///
    /// # Errors
    /// No such message, or it takes arguments.
    pub fn t(&self, key: &str) -> Result<String> {
        let value = self
            .messages
            .get(key)
            .ok_or_else(|| fail(format!("no message {key} in {}", self.tag)))?;
        if value.contains('{') {
            return Err(fail(format!("message {key} in {} has placeables", self.tag)));
        }
        Ok(collapse(value))
    }

    /// The text of message `key` with its plain placeables (`{ $name }`) replaced by `args`,
    /// white space collapsed.
    ///
    /// # Errors
    /// No such message, or a placeable is left (a selector, or an argument not given).
    pub fn ta(&self, key: &str, args: &[(&str, &str)]) -> Result<String> {
        let mut value = self
            .messages
            .get(key)
            .ok_or_else(|| fail(format!("no message {key} in {}", self.tag)))?
            .clone();
        for (name, arg) in args {
            value = value.replace(&format!("{{ ${name} }}"), arg);
        }
        if value.contains('{') {
            return Err(fail(format!("message {key} in {} has placeables left", self.tag)));
        }
        Ok(collapse(&value))
    }
}

/// Plain `key = value` messages of a Fluent file, with indented continuation lines joined;
/// attributes, terms and comments are skipped.
fn parse_ftl(source: &str) -> std::collections::HashMap<String, String> {
    let mut messages = std::collections::HashMap::new();
    let mut current: Option<(String, String)> = None;
    for line in source.lines() {
        let continuation = line.starts_with([' ', '\t']) && !line.trim().is_empty();
        if continuation {
            let trimmed = line.trim();
            if let Some((_, value)) = current.as_mut()
                && !trimmed.starts_with('.')
                && !trimmed.starts_with(['*', '['])
            {
                value.push(' ');
                value.push_str(trimmed);
            }
            continue;
        }
        if let Some((key, value)) = current.take() {
            messages.insert(key, value);
        }
        if line.starts_with('#') || line.starts_with('-') {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let key = key.trim();
            if !key.is_empty()
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                current = Some((key.to_owned(), value.trim().to_owned()));
            }
        }
    }
    if let Some((key, value)) = current {
        messages.insert(key, value);
    }
    messages
}

/// What the app keeps in the OS keychain for one parent (`embedded|account|{key}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeychainAccount {
    /// The parent's email.
    pub email: Option<String>,
    /// Whether a refresh token is stored.
    pub has_refresh_token: bool,
}

/// Reads the keychain entry `account` of service `ca.cartable.client` (`docs/contract.md §9`)
/// from the real Secret Service (the test runs in the app's D-Bus session). `None` when absent.
///
/// # Errors
/// The keychain is unusable, or the entry is not the JSON the shell writes.
pub async fn keychain_entry(account: &str) -> Result<Option<Value>> {
    let account = account.to_owned();
    let raw = tokio::task::spawn_blocking(move || {
        let entry = keyring::Entry::new(KEYCHAIN_SERVICE, &account)?;
        match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(other) => Err(other),
        }
    })
    .await?
    .map_err(|e| fail(format!("keychain: {e}")))?;
    raw.map(|raw| {
        serde_json::from_str(&raw).map_err(|e| fail(format!("keychain entry is not JSON: {e}")))
    })
    .transpose()
}

/// The index of the parents signed in for the embedded portal (`embedded|accounts`).
///
/// # Errors
/// See [`keychain_entry`].
pub async fn account_index() -> Result<Option<Value>> {
    keychain_entry(&format!("{KEYCHAIN_ACCOUNT}|accounts")).await
}

/// The account keys the index lists, in order.
///
/// # Errors
/// See [`keychain_entry`].
pub async fn account_keys() -> Result<Vec<String>> {
    let index = account_index().await?.unwrap_or(Value::Null);
    let listed = index.get("accounts").and_then(Value::as_array).cloned().unwrap_or_default();
    Ok(listed.iter().filter_map(|a| a.get("key")?.as_str().map(str::to_owned)).collect())
}

/// The entry of parent `key` (`embedded|account|{key}`), summarised without its secret.
///
/// # Errors
/// See [`keychain_entry`].
pub async fn stored_parent(key: &str) -> Result<Option<KeychainAccount>> {
    Ok(keychain_entry(&format!("{KEYCHAIN_ACCOUNT}|account|{key}")).await?.map(|value| {
        KeychainAccount {
            email: value.get("email").and_then(Value::as_str).map(str::to_owned),
            has_refresh_token: value
                .get("refresh_token")
                .is_some_and(|t| t.as_str().is_some_and(|t| !t.is_empty())),
        }
    }))
}

/// The entry of the current parent (the index's `current`), summarised without its secret.
///
/// # Errors
/// See [`keychain_entry`].
pub async fn stored_account() -> Result<Option<KeychainAccount>> {
    let index = account_index().await?.unwrap_or(Value::Null);
    match index.get("current").and_then(Value::as_str) {
        Some(key) => stored_parent(key).await,
        None => Ok(None),
    }
}

/// Every parent the index lists, with their entry (`None` when it is missing).
///
/// # Errors
/// See [`keychain_entry`].
pub async fn stored_parents() -> Result<Vec<(String, Option<KeychainAccount>)>> {
    let mut parents = Vec::new();
    for key in account_keys().await? {
        let entry = stored_parent(&key).await?;
        parents.push((key, entry));
    }
    Ok(parents)
}

/// The pending-flow entry of the embedded portal (`embedded|pending`), if any.
///
/// # Errors
/// See [`keychain_entry`].
pub async fn stored_pending() -> Result<Option<Value>> {
    keychain_entry(&format!("{KEYCHAIN_ACCOUNT}|pending")).await
}

/// The size the app opens its window at on a new computer (`app.windows[0]` of
/// `tauri.conf.json`).
///
/// # Errors
/// The file cannot be read, or has no such window.
fn default_window() -> Result<Viewport> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tauri.conf.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
    let config: Value = serde_json::from_str(&text)?;
    let window = &config["app"]["windows"][0];
    let read = |key: &str| {
        window[key]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| fail(format!("no app.windows[0].{key} in {}", path.display())))
    };
    Ok(Viewport { width: read("width")?, height: read("height")? })
}

/// A WebDriver client builder over plain HTTP: tauri-driver and chromedriver listen on loopback.
fn webdriver() -> ClientBuilder<HttpConnector> {
    ClientBuilder::new(HttpConnector::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_fluent_messages() {
        let messages = parse_ftl(
            "# comment\nlogin-title = Accès aux parents\nlong =\n    first line\n    second line\n\
             with-attr = Texte\n    .aria-label = ignoré\n-term = Cartable\n",
        );
        assert_eq!(messages["login-title"], "Accès aux parents");
        assert_eq!(collapse(&messages["long"]), "first line second line");
        assert_eq!(messages["with-attr"], "Texte");
        assert!(!messages.contains_key("-term"));
    }
}
