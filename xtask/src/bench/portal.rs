//! Portal figures: the release `portal-server` as a separate process, parents signed up through
//! the real endpoints with `portal-client`, then
//!
//! - `wrk` at 64 connections on `GET /api/v1/children` (3 children) and `/api/v1/school-boards`:
//!   p50, p99, requests per second, and the portal's CPU time per request; the server and `wrk`
//!   on disjoint CPUs ([`Placement`]);
//! - the children list's throughput as a ratio to its floor: `bench-api-floor` (`bench/api-floor`,
//!   a bare axum route answering the same bytes from memory), loaded by the same `wrk`, placed
//!   the same way, in the same run;
//! - sign-ins per second (§2: `initiate`, `challenge`, `token` with an argon2id verification);
//! - association latency (`POST /api/v1/children`, §6) with a small and a large registry
//!   imported by `portal-server registry import` (§7), and the large import's time.
//!
//! Section `portal` runs it on SQLite files (1 000 and 100 000 students); `portal-pg` on a
//! throw-away PostgreSQL cluster ([`crate::postgres`], 10 000 and 1 000 000 students).

use anyhow::{Context as _, anyhow, bail};
use std::{
    fmt::Write as _,
    io::{BufRead as _, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use cartable_core::{
    BoardId, Email, SchoolBoards, VerificationCode, wire::parent::AssociateRequest,
};
use portal_client::{Portal, PortalConfig, Session, SignIn, SignUp, Step, StepResult};
use secrecy::SecretString;

use super::report::{Report, median, ms, percentile};
use crate::{cmd::Result, postgres::Cluster};

/// Load-test connections (the issue's figure).
pub const CONNECTIONS: u32 = 64;
/// Seconds of load per endpoint.
const LOAD_SECONDS: u32 = 10;
/// Sign-ins timed, and how many run at once.
const SIGN_INS: usize = 24;
const SIGN_IN_CONCURRENCY: usize = 8;
/// Associations timed per registry size.
const ASSOCIATIONS: usize = 30;
/// The password of every bench parent (meets the §1 policy).
pub const PASSWORD: &str = "Bench-2026x";
/// The demo fixture's parent with 3 associable children (docs/contract.md §7).
pub const DEMO_PARENT: &str = "parent.demo@example.com";

/// Where a measured portal keeps its data.
#[derive(Clone, Copy)]
pub enum Store<'a> {
    /// `portal.sqlite3` in the portal's scratch folder.
    Sqlite,
    /// A fresh database of this cluster per portal.
    Postgres(&'a Cluster),
}

impl Store<'_> {
    /// The `--db` of a portal whose scratch folder is `dir`.
    ///
    /// # Errors
    /// The PostgreSQL database cannot be created.
    pub fn database(self, dir: &Path) -> Result<String> {
        match self {
            Store::Sqlite => Ok(dir.join("portal.sqlite3").to_string_lossy().into_owned()),
            Store::Postgres(cluster) => {
                let name: String = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().to_lowercase())
                    .unwrap_or_default()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                cluster.create_database(&format!("bench_{name}"))
            }
        }
    }
}

/// A `portal-server serve` process with its scratch folder; killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, the first stdout line.
    pub origin: String,
    /// Where the `.eml` files go.
    pub outbox: PathBuf,
}

/// User plus system CPU time of process `pid` so far (Linux `/proc/PID/stat`, 100 ticks per
/// second as on every Linux we run).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

impl Server {
    /// Starts `bin serve [--demo] --listen 127.0.0.1:0 --db DB --outbox DIR/outbox --config
    /// DIR/bench.toml --keys DIR/portal.keys.json` ([`key_file`]) and waits for its origin line.
    /// The config lifts the per-address budget.
    /// What `db` holds (an imported registry) is kept.
    ///
    /// # Errors
    /// The binary cannot start or exits before printing its origin.
    pub fn start(bin: &Path, dir: &Path, db: &str, demo: bool) -> Result<Self> {
        let outbox = dir.join("outbox");
        let log = std::fs::File::create(dir.join("portal.log"))?;
        // Every request of the bench comes from 127.0.0.1: the per-address budget (SECURITY.md)
        // would measure itself, so it is lifted; the rest of [security] keeps its defaults.
        let config = dir.join("bench.toml");
        std::fs::write(
            &config,
            "[security]\nper_address_per_minute = 1000000\nper_address_burst = 1000000\n",
        )?;
        let mut command = Command::new(bin);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .arg("--outbox")
            .arg(&outbox)
            .arg("--config")
            .arg(&config);
        // The key file is named even in demo mode: a PostgreSQL database has no "beside".
        command.arg("--keys").arg(key_file(bin, dir)?);
        if demo {
            command.arg("--demo");
        }
        let mut child = command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let origin = read_origin(&mut child, &dir.join("portal.log"))?;
        Ok(Self { child, origin, outbox })
    }

    /// The server's CPU time so far.
    fn cpu(&self) -> Option<Duration> {
        cpu_time(self.child.id())
    }
}

/// The first stdout line of a server just started (`http://127.0.0.1:PORT`); kills it when the
/// line is not an origin.
fn read_origin(child: &mut Child, log: &Path) -> Result<String> {
    let stdout = child.stdout.take().context("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let origin = line.trim().to_owned();
    if !origin.starts_with("http") {
        let _ = child.kill();
        let _ = child.wait();
        bail!("the server printed no origin; its log: {}", log.display());
    }
    Ok(origin)
}

/// Where a loaded server and `wrk` run: on disjoint CPUs (`taskset`), so the load generator
/// does not compete for the server's cores and two servers loaded one after the other get the
/// same ones. The first half of the CPUs serve, the rest load.
#[derive(Debug, Clone)]
pub struct Placement {
    /// The server's CPUs, as `taskset -c` reads them (`0`, `0-3`).
    server: String,
    /// `wrk`'s CPUs.
    load: String,
    /// Every CPU, to give a server back all of them after its load.
    all: String,
    /// `wrk -t`: one thread per load CPU.
    load_threads: usize,
}

impl Placement {
    /// The split of the CPUs this process may run on (`Cpus_allowed_list` of
    /// `/proc/self/status`, so a cpuset such as `4-7` is honoured); `None` on a single CPU
    /// (nothing to split: `wrk` then shares it, and the results say so) or when the list
    /// cannot be read.
    pub fn of_this_machine() -> Option<Self> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let allowed = status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?;
        let cpus = parse_cpu_list(allowed.trim())?;
        let half = cpus.len() / 2;
        (half > 0).then(|| Self {
            server: join_cpus(&cpus[..half]),
            load: join_cpus(&cpus[half..]),
            all: join_cpus(&cpus),
            load_threads: cpus.len() - half,
        })
    }

    /// Moves every thread of process `pid` onto the server's CPUs (`taskset -a -c -p`).
    fn pin_server(&self, pid: u32) -> Result {
        taskset_process(&self.server, pid)
    }

    /// Gives process `pid` every CPU again.
    fn release(&self, pid: u32) -> Result {
        taskset_process(&self.all, pid)
    }
}

/// The CPU numbers of a kernel CPU list (`0-3,8,10-11`, as in `/proc/self/status`), in order.
fn parse_cpu_list(list: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in list.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((from, to)) => cpus.extend(from.parse::<usize>().ok()?..=to.parse().ok()?),
            None => cpus.push(part.parse().ok()?),
        }
    }
    Some(cpus)
}

/// CPU numbers as a `taskset -c` list (`4,5,6`).
fn join_cpus(cpus: &[usize]) -> String {
    cpus.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

fn taskset_process(cpus: &str, pid: u32) -> Result {
    let status = Command::new("taskset")
        .args(["-a", "-c", "-p", cpus, &pid.to_string()])
        .stdout(Stdio::null())
        .status()
        .context("taskset")?;
    if status.success() { Ok(()) } else { Err(anyhow!("taskset -a -c -p {cpus} {pid}: {status}")) }
}

/// A `bench-api-floor BODY` process (`bench/api-floor`); killed on drop.
struct Floor {
    child: Child,
    origin: String,
}

impl Floor {
    /// Starts the floor serving `body` (written to `dir/floor-body.json`).
    fn start(bin: &Path, dir: &Path, body: &[u8]) -> Result<Self> {
        let file = dir.join("floor-body.json");
        std::fs::write(&file, body)?;
        let log_path = dir.join("floor.log");
        let log = std::fs::File::create(&log_path)?;
        let mut child = Command::new(bin)
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let origin = read_origin(&mut child, &log_path)?;
        Ok(Self { child, origin })
    }
}

impl Drop for Floor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `DIR/portal.keys.json`, the portal's key file (HMAC and RS256 keys kept outside the
/// database), created with `bin keys init` when missing. A demo portal uses the same file.
///
/// # Errors
/// `keys init` fails.
pub fn key_file(bin: &Path, dir: &Path) -> Result<PathBuf> {
    let path = dir.join("portal.keys.json");
    if !path.exists() {
        let out = Command::new(bin).args(["keys", "init", "--keys"]).arg(&path).output()?;
        if !out.status.success() {
            bail!("keys init failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    Ok(path)
}

/// A `Portal` client for `origin`.
///
/// # Errors
/// The origin is refused by the client's configuration.
pub fn client(origin: &str) -> Result<Portal> {
    let config = PortalConfig::from_origin(origin)?;
    Ok(Portal::new(config)?)
}

/// The successful outcome of a flow step, or an error naming the step.
pub fn next<N, S>(what: &str, result: StepResult<N, S>) -> Result<N> {
    match result {
        Ok(Step::Next(n)) => Ok(n),
        Ok(_) => Err(anyhow!("{what}: the portal did not let the flow continue")),
        Err(interrupted) => Err(anyhow!("{what}: {}", interrupted.error)),
    }
}

/// Signs a parent up through §1's six requests, reading the code from the outbox.
///
/// # Errors
/// Any step fails or no code arrives within 10 s.
pub async fn sign_up(portal: &Portal, outbox: &Path, email: &str) -> Result<Session> {
    let parsed = Email::parse(email).with_context(|| format!("not an email: {email}"))?;
    let sent = next("sign-up start", SignUp::new(parsed).start(portal).await)?;
    let code = wait_for_code(outbox, email).await?;
    let code = VerificationCode::parse(&code, sent.code_length())?;
    let needs_password = next("sign-up code", sent.verify(portal, &code).await)?;
    next("sign-up password", needs_password.submit(portal, &SecretString::from(PASSWORD)).await)
}

/// Signs a parent in through §2's three requests.
///
/// # Errors
/// Any step fails.
pub async fn sign_in(portal: &Portal, email: &str) -> Result<Session> {
    let parsed = Email::parse(email).with_context(|| format!("not an email: {email}"))?;
    let needs_password = next("sign-in initiate", SignIn::new(parsed).start(portal).await)?;
    next("sign-in password", needs_password.submit(portal, &SecretString::from(PASSWORD)).await)
}

/// The demo parent's three subscribed fixture children (docs/contract.md §7).
pub fn demo_children() -> Vec<AssociateRequest> {
    let child = |board: &str, last: &str, first: &str, born: &str, fiche: &str| {
        AssociateRequest::Identity {
            board_id: board.into(),
            last_name: last.to_owned(),
            first_name: first.to_owned(),
            birth_date: born.to_owned(),
            student_number: Some(fiche.to_owned()),
            permanent_code: None,
            email: DEMO_PARENT.to_owned(),
        }
    };
    vec![
        child("css-region-de-sherbrooke", "Beaulieu Lajoie", "Mathis", "2010-07-21", "5104477"),
        child("css-capitale", "Côté", "Maëlle", "2020-11-03", "7319920"),
        child("css-region-de-sherbrooke", "Fortin", "Sophie-Anne", "2016-05-05", "5109876"),
    ]
}

/// An access token for `wrk`'s `Authorization` header: §2's three requests over plain HTTP
/// (the client keeps its access token private, as it should).
async fn raw_access_token(origin: &str, email: &str) -> Result<String> {
    let http = reqwest::Client::builder().no_proxy().build()?;
    let auth = format!("{origin}/auth/");
    let post = |path: &str, form: Vec<(&str, String)>| {
        let request = http.post(format!("{auth}{path}")).form(&form);
        async move {
            let answer = request.send().await?;
            answer.json::<serde_json::Value>().await
        }
    };
    let token = |v: &serde_json::Value, key: &str| {
        v.get(key)
            .and_then(|t| t.as_str())
            .map(str::to_owned)
            .with_context(|| format!("no {key} in the answer"))
    };
    let started = post(
        "oauth2/v2.0/initiate",
        vec![
            ("client_id", "cartable".into()),
            ("username", email.into()),
            ("challenge_type", "password redirect".into()),
        ],
    )
    .await?;
    let challenged = post(
        "oauth2/v2.0/challenge",
        vec![
            ("client_id", "cartable".into()),
            ("continuation_token", token(&started, "continuation_token")?),
        ],
    )
    .await?;
    let tokens = post(
        "oauth2/v2.0/token",
        vec![
            ("client_id", "cartable".into()),
            ("grant_type", "password".into()),
            ("password", PASSWORD.into()),
            ("continuation_token", token(&challenged, "continuation_token")?),
            ("scope", "openid offline_access".into()),
        ],
    )
    .await?;
    token(&tokens, "access_token")
}

/// The `portal` section: everything in this module's header on SQLite, into `report`.
///
/// # Errors
/// The portal cannot start, a flow fails, `wrk` is missing.
pub async fn measure(root: &Path, bin: &Path, floor: &Path, report: &mut Report) -> Result {
    println!("\n== portal ==");
    let bins = (bin, floor);
    measure_on(root, bins, report, "portal", Store::Sqlite, (1_000, 100_000), 1.5).await
}

/// The `portal-pg` section: the same on a throw-away PostgreSQL cluster.
///
/// # Errors
/// PostgreSQL is missing or does not start; as [`measure`].
pub async fn measure_postgres(
    root: &Path,
    bin: &Path,
    floor: &Path,
    report: &mut Report,
) -> Result {
    println!("\n== portal-pg ==");
    let cluster = Cluster::start()?;
    report.note(
        "portal-pg: PostgreSQL on the same machine, fsync off (a throw-away cluster): \
         the portal and PostgreSQL share the cores, and durable writes would cost more",
    );
    let sizes = (10_000, 1_000_000);
    let bins = (bin, floor);
    measure_on(root, bins, report, "portal-pg", Store::Postgres(&cluster), sizes, 1.2).await
}

/// Thousands separators: `1 000 000`.
fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

async fn measure_on(
    root: &Path,
    (bin, floor): (&Path, &Path),
    report: &mut Report,
    section: &'static str,
    store: Store<'_>,
    (small_size, large_size): (usize, usize),
    flat: f64,
) -> Result {
    let scratch = tempfile::tempdir()?;
    let db = store.database(scratch.path())?;
    let server = Server::start(bin, scratch.path(), &db, true)?;
    println!("· {} serve --demo at {}", bin.display(), server.origin);
    let portal = client(&server.origin)?;
    let session = sign_up(&portal, &server.outbox, DEMO_PARENT).await?;
    for request in demo_children() {
        session.associate(&request).await.context("associate a fixture child")?;
    }
    let children = session.children().await?;
    if children.len() != 3 {
        bail!("expected 3 children, the portal lists {}", children.len());
    }
    let token = raw_access_token(&server.origin, DEMO_PARENT).await?;
    let header = format!("Authorization: Bearer {token}");
    let placement = Placement::of_this_machine();
    match &placement {
        Some(p) => {
            p.pin_server(server.child.id())?;
            report.note(format!(
                "{section}: under load, the server runs on CPUs {} and wrk on CPUs {} (taskset)",
                p.server, p.load
            ));
        }
        None => report.note(format!("{section}: one CPU: wrk shares it with the server")),
    }
    let mut children_rps = 0.0;
    for (path, auth) in [("/api/v1/children", true), ("/api/v1/school-boards", false)] {
        let url = format!("{}{path}", server.origin);
        let cpu_before = server.cpu();
        let load = wrk(&url, auth.then_some(header.as_str()), placement.as_ref())?;
        let cpu = server.cpu().zip(cpu_before).map(|(after, before)| after - before);
        let target_met = load.p99 <= Duration::from_millis(10);
        report.info(section, format!("GET {path} p50 @{CONNECTIONS}"), ms(load.p50));
        if path.ends_with("children") {
            children_rps = load.rps;
            report.target(
                section,
                format!("GET {path} p99 @{CONNECTIONS}"),
                ms(load.p99),
                "≤ 10 ms",
                target_met,
            );
        } else {
            report.info(section, format!("GET {path} p99 @{CONNECTIONS}"), ms(load.p99));
        }
        report.info(section, format!("GET {path} throughput"), format!("{:.0} req/s", load.rps));
        if let Some(cpu) = cpu {
            #[allow(clippy::cast_precision_loss)]
            let requests = (load.rps * f64::from(LOAD_SECONDS)).max(1.0);
            let per_request = cpu.as_secs_f64() / requests;
            report.info(
                section,
                format!("GET {path} portal CPU per request"),
                format!("{:.3} ms", per_request * 1e3),
            );
        }
        if load.non_2xx > 0 {
            report.note(format!(
                "{section} {path}: {} answers under load were not 2xx",
                load.non_2xx
            ));
        }
    }
    if let Some(p) = &placement {
        p.release(server.child.id())?;
    }

    // The floor: the same bytes from a bare axum route, loaded and placed the same way.
    let body = children_body(&server.origin, &token).await?;
    let floor = Floor::start(floor, scratch.path(), &body)?;
    if let Some(p) = &placement {
        p.pin_server(floor.child.id())?;
    }
    let floor_load = wrk(
        &format!("{}/api/v1/children", floor.origin),
        Some(header.as_str()),
        placement.as_ref(),
    )?;
    drop(floor);
    report.info(
        section,
        "GET /api/v1/children throughput, bare axum route (floor)",
        format!("{:.0} req/s", floor_load.rps),
    );
    let ratio = children_rps / floor_load.rps.max(1e-9);
    report.target(
        section,
        "GET /api/v1/children throughput / floor",
        format!("{ratio:.2}"),
        "≥ 0.5",
        ratio >= 0.5,
    );

    let rate = sign_ins_per_second(&server.origin).await?;
    let params = argon2_params(root);
    report.info(section, format!("sign-ins per second ({params})"), format!("{rate:.1} /s"));
    drop(server);

    let small = association_latency(bin, store, small_size).await?;
    let large = association_latency(bin, store, large_size).await?;
    let (small_size, large_size) = (count(small_size), count(large_size));
    report.info(section, format!("association p50, {small_size} students"), ms(small.p50));
    report.info(section, format!("association p50, {large_size} students"), ms(large.p50));
    report.info(section, format!("association p90, {large_size} students"), ms(large.p90));
    report.info(
        section,
        format!("registry import, {large_size} students"),
        format!("{:.1} s", large.import.as_secs_f64()),
    );
    let ratio = large.p50.as_secs_f64() / small.p50.as_secs_f64().max(1e-9);
    report.target(
        section,
        format!("association latency ratio {large_size} / {small_size}"),
        format!("{ratio:.2}"),
        format!("≤ {flat}"),
        ratio <= flat,
    );
    Ok(())
}

/// What `wrk --latency` printed.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Requests per second.
    pub rps: f64,
    /// Answers that were not 2xx/3xx.
    pub non_2xx: u64,
}

/// `wrk -tN -c64 -d10s --latency [-H header] url`, on the load CPUs of `placement`
/// (`taskset -c`, one thread each), or `-t2` anywhere without one.
fn wrk(url: &str, header: Option<&str>, placement: Option<&Placement>) -> Result<Load> {
    if !crate::cmd::exists("wrk") {
        bail!("wrk is missing: `apt-get install wrk` (the bench installs it with --build)");
    }
    let threads = placement.map_or(2, |p| p.load_threads);
    let mut args = vec![
        format!("-t{threads}"),
        format!("-c{CONNECTIONS}"),
        format!("-d{LOAD_SECONDS}s"),
        "--latency".to_owned(),
    ];
    if let Some(h) = header {
        args.push("-H".to_owned());
        args.push(h.to_owned());
    }
    args.push(url.to_owned());
    let shown: Vec<&str> = args
        .iter()
        .map(|a| {
            if a.starts_with("Authorization") { "'Authorization: Bearer …'" } else { a.as_str() }
        })
        .collect();
    let mut command = match placement {
        Some(p) => {
            println!("$ taskset -c {} wrk {}", p.load, shown.join(" "));
            let mut command = Command::new("taskset");
            command.args(["-c", &p.load, "wrk"]);
            command
        }
        None => {
            println!("$ wrk {}", shown.join(" "));
            Command::new("wrk")
        }
    };
    let out = command.args(&args).output().context("wrk")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    parse_wrk(&text).with_context(|| format!("cannot read wrk's output:\n{text}"))
}

/// The exact bytes `GET /api/v1/children` answers the holder of `token`, for the floor.
async fn children_body(origin: &str, token: &str) -> Result<Vec<u8>> {
    let http = reqwest::Client::builder().no_proxy().build()?;
    let answer = http
        .get(format!("{origin}/api/v1/children"))
        .bearer_auth(token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context("GET /api/v1/children")?;
    let body = answer.bytes().await?;
    Ok(body.to_vec())
}

/// Reads p50, p99, Requests/sec and non-2xx from `wrk --latency` output.
pub fn parse_wrk(text: &str) -> Option<Load> {
    let mut p50 = None;
    let mut p99 = None;
    let mut rps = None;
    let mut non_2xx = 0;
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("50%"), Some(v)) => p50 = parse_wrk_duration(v),
            (Some("99%"), Some(v)) => p99 = parse_wrk_duration(v),
            (Some("Requests/sec:"), Some(v)) => rps = v.parse().ok(),
            (Some("Non-2xx"), _) => {
                non_2xx = line.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0)
            }
            _ => {}
        }
    }
    Some(Load { p50: p50?, p99: p99?, rps: rps?, non_2xx })
}

/// `812.00us`, `1.23ms`, `2.00s`, `1.5m`.
fn parse_wrk_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let seconds = match unit {
        "us" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

/// Sign-ins per second: [`SIGN_INS`] full §2 flows by the demo parent, [`SIGN_IN_CONCURRENCY`]
/// at once, through the real client.
async fn sign_ins_per_second(origin: &str) -> Result<f64> {
    println!("· {SIGN_INS} sign-ins, {SIGN_IN_CONCURRENCY} at once");
    let portal = Arc::new(client(origin)?);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..SIGN_IN_CONCURRENCY {
        let portal = portal.clone();
        tasks.spawn(async move {
            for _ in (worker..SIGN_INS).step_by(SIGN_IN_CONCURRENCY) {
                sign_in(&portal, DEMO_PARENT).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    #[allow(clippy::cast_precision_loss)]
    Ok(SIGN_INS as f64 / started.elapsed().as_secs_f64())
}

/// The argon2id parameters as `crates/portal-server/src/identity/passwords.rs` sets them.
fn argon2_params(root: &Path) -> String {
    let source =
        std::fs::read_to_string(root.join("crates/portal-server/src/identity/passwords.rs"))
            .unwrap_or_default();
    let constant = |name: &str| {
        source
            .lines()
            .find(|l| l.contains(&format!("const {name}:")))
            .and_then(|l| l.split('=').nth(1))
            .map(|v| v.trim().trim_end_matches(';').replace('_', ""))
            .unwrap_or_else(|| "?".to_owned())
    };
    format!(
        "argon2id m={} KiB t={} p={}, {} hashes at once",
        constant("MEMORY_KIB"),
        constant("ITERATIONS"),
        constant("PARALLELISM"),
        constant("CONCURRENT_HASHES")
    )
}

/// Association timings at one registry size.
struct Association {
    p50: Duration,
    p90: Duration,
    import: Duration,
}

/// The parent whose children the generated registry holds.
const SCALE_PARENT: &str = "bench.parent@example.com";

/// Imports `students` generated students, signs [`SCALE_PARENT`] up, then times
/// [`ASSOCIATIONS`] associations of different children spread over the registry.
async fn association_latency(bin: &Path, store: Store<'_>, students: usize) -> Result<Association> {
    println!("· association latency with {students} registry students");
    let scratch = tempfile::tempdir()?;
    let boards = board_ids();
    let (file, targets) = registry_file(students, &boards);
    let path = scratch.path().join("registry.jsonl");
    std::fs::write(&path, file)?;
    let db = store.database(scratch.path())?;
    let keys = key_file(bin, scratch.path())?;
    let started = Instant::now();
    let out = Command::new(bin)
        .args(["registry", "import"])
        .arg(&path)
        .arg("--db")
        .arg(&db)
        .arg("--keys")
        .arg(&keys)
        .env("RUST_LOG", "warn")
        .output()?;
    let import = started.elapsed();
    if !out.status.success() {
        bail!(
            "registry import of {students} students failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!("  {} ({:.1} s)", String::from_utf8_lossy(&out.stdout).trim(), import.as_secs_f64());
    let server = Server::start(bin, scratch.path(), &db, false)?;
    let portal = client(&server.origin)?;
    let session = sign_up(&portal, &server.outbox, SCALE_PARENT).await?;
    // One warm-up association (first use of the connection, statement caches).
    let mut times = Vec::new();
    for (i, request) in targets.iter().enumerate() {
        let started = Instant::now();
        let answer = session.associate(request).await.context("associate")?;
        let took = started.elapsed();
        if !answer.created {
            bail!("a generated child was already associated");
        }
        if i > 0 {
            times.push(took);
        }
    }
    Ok(Association { p50: median(&mut times.clone()), p90: percentile(&mut times, 90.0), import })
}

/// The 72 bodies' slugs, from cartable-core's embedded list.
fn board_ids() -> Vec<BoardId> {
    SchoolBoards::embedded().all().iter().map(|board| board.id.clone()).collect()
}

/// A registry import file (docs/contract.md §7) of `students` fictional students over `boards`,
/// and the association requests of [`ASSOCIATIONS`] of them (spread evenly) whose guardian is
/// [`SCALE_PARENT`].
pub fn registry_file(students: usize, boards: &[BoardId]) -> (String, Vec<AssociateRequest>) {
    const LAST: [&str; 12] = [
        "Tremblay",
        "Gagnon",
        "Roy",
        "Côté",
        "Bouchard",
        "Gauthier",
        "Morin",
        "Lavoie",
        "Fortin",
        "Gagné",
        "Ouellet",
        "Pelletier",
    ];
    const FIRST: [&str; 12] = [
        "Léa", "Noah", "Emma", "William", "Olivia", "Thomas", "Alice", "Liam", "Florence", "Jacob",
        "Zoé", "Édouard",
    ];
    let step = (students / ASSOCIATIONS).max(1);
    let mut file = String::with_capacity(students * 260);
    let mut targets = Vec::new();
    for i in 0..students {
        let board = &boards[i % boards.len()];
        let fiche = format!("{:07}", i / boards.len());
        let last = format!("{}-{}", LAST[i % 12], LAST[(i / 12) % 12]);
        let first = FIRST[(i / 144) % 12];
        let born = format!("{}-{:02}-{:02}", 2008 + i % 13, 1 + (i / 13) % 12, 1 + (i / 156) % 28);
        let target = i % step == step / 2 && targets.len() < ASSOCIATIONS;
        let guardian =
            if target { SCALE_PARENT.to_owned() } else { format!("famille{i}@example.org") };
        let _ = writeln!(
            file,
            r#"{{"kind": "student", "board_id": "{board}", "school": {{"code": "{:06}", "name": "École {}"}}, "student_number": "{fiche}", "last_name": "{last}", "first_name": "{first}", "birth_date": "{born}", "grade": "3e année", "guardian_emails": ["{guardian}"]}}"#,
            100_000 + i % 900_000,
            LAST[i % 12],
        );
        if target {
            targets.push(AssociateRequest::Identity {
                board_id: board.clone(),
                last_name: last,
                first_name: first.to_owned(),
                birth_date: born,
                student_number: Some(fiche),
                permanent_code: None,
                email: SCALE_PARENT.to_owned(),
            });
        }
    }
    (file, targets)
}

/// Polls the outbox for the latest code mailed to `email` (6 digits in the subject, §8).
async fn wait_for_code(outbox: &Path, email: &str) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(code) = test_support::latest_code(outbox, email) {
            return Ok(code);
        }
        if Instant::now() > deadline {
            bail!("no code mailed to {email} in {}", outbox.display());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kernel_cpu_lists() {
        assert_eq!(parse_cpu_list("0-1"), Some(vec![0, 1]));
        assert_eq!(parse_cpu_list("4-6,9,11-12"), Some(vec![4, 5, 6, 9, 11, 12]));
        assert_eq!(parse_cpu_list("x"), None);
        assert_eq!(join_cpus(&[4, 5]), "4,5");
    }

    #[test]
    fn reads_wrk_latency_output() {
        let text = "  Latency Distribution\n     50%  812.00us\n     75%    1.20ms\n     90%    2.00ms\n     99%    9.50ms\n  \
                    100 requests in 10.00s, 1.00MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:  12345.67\n";
        let load = parse_wrk(text).expect("parses");
        assert_eq!(load.p50, Duration::from_micros(812));
        assert_eq!(load.p99, Duration::from_micros(9500));
        assert!((load.rps - 12345.67).abs() < 1e-6);
        assert_eq!(load.non_2xx, 3);
        assert!(parse_wrk("Requests/sec: 1").is_none());
    }

    #[test]
    fn registry_file_spreads_unique_targets() {
        let boards = board_ids();
        assert_eq!(boards.len(), 72);
        let (file, targets) = registry_file(1_000, &boards);
        assert_eq!(file.lines().count(), 1_000);
        assert_eq!(targets.len(), ASSOCIATIONS);
        let mut ids: Vec<(String, String)> = file
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("json line");
                (
                    v["board_id"].as_str().unwrap_or("").to_owned(),
                    v["student_number"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 1_000, "identifiers are unique per body");
        assert_eq!(file.matches(SCALE_PARENT).count(), ASSOCIATIONS);
    }
}
