//! A throw-away PostgreSQL cluster for the portal's tests on PostgreSQL: Debian's `postgresql`
//! binaries, `initdb` in a temporary folder, no durability (fsync off), trust authentication for
//! the one role. It listens on no TCP port, only on a Unix socket inside that folder (0700), so
//! no other local user can reach the trusting server. Stopped and deleted when dropped.

use anyhow::{Context as _, anyhow, bail};
use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::cmd::{self, Result};

/// The role the tests connect as (the cluster's superuser).
const ROLE: &str = "cartable";

/// A running cluster.
pub struct Cluster {
    bin: PathBuf,
    data: tempfile::TempDir,
    /// `postgres://cartable@localhost/?host={socket folder}`, what `CARTABLE_TEST_POSTGRES`
    /// takes (add the database as the path).
    pub url: String,
}

/// The newest `/usr/lib/postgresql/<version>/bin` (Debian's layout).
fn bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (/usr/lib/postgresql)")?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let version = path.file_name()?.to_str()?.parse().ok()?;
            Some((version, path.join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).context("no initdb under /usr/lib/postgresql")
}

/// `program args…` as the user that owns the cluster: PostgreSQL refuses to run as root, so as
/// root it runs as Debian's `postgres` user.
fn as_owner(program: &Path, args: &[&str]) -> Command {
    let root = cmd::output("id", &["-u"]).as_deref() == Some("0");
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program).args(args);
        command
    } else {
        let mut command = Command::new(program);
        command.args(args);
        command
    }
}

fn run(mut command: Command, what: &str) -> Result {
    println!("$ {what}");
    let status = command.status().with_context(|| format!("could not start {what}"))?;
    if status.success() { Ok(()) } else { Err(anyhow!("{what} failed ({status})")) }
}

impl Cluster {
    /// Creates the database `name` (letters, digits, `_`) and returns its URL.
    ///
    /// # Errors
    /// `createdb` fails.
    pub fn create_database(&self, name: &str) -> Result<String> {
        let url = self.database_url(name);
        let status = Command::new(self.bin.join("createdb"))
            .args(["--maintenance-db", &self.database_url("postgres"), name])
            .status()
            .context("could not start createdb")?;
        if status.success() { Ok(url) } else { Err(anyhow!("createdb {name} failed ({status})")) }
    }

    /// Creates and starts a cluster on a free port.
    ///
    /// # Errors
    /// PostgreSQL is missing, or `initdb` or `pg_ctl start` fail (its log is printed).
    pub fn start() -> Result<Self> {
        let bin = bin_dir()?;
        let data = tempfile::Builder::new()
            .prefix("cartable-pg-")
            .tempdir()
            .context("temporary folder")?;
        let dir = data.path().to_str().context("temporary folder is not UTF-8")?.to_owned();
        if cmd::output("id", &["-u"]).as_deref() == Some("0") {
            cmd::run(Path::new("/"), "chown", &["postgres:postgres", &dir])?;
        }
        let cluster = format!("{dir}/data");
        run(
            as_owner(
                &bin.join("initdb"),
                &["-D", &cluster, "-U", ROLE, "--auth=trust", "--locale=C", "-E", "UTF8"],
            ),
            "initdb",
        )?;
        let options = format!(
            "-k {dir} -c listen_addresses='' -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=400"
        );
        let log = format!("{dir}/postgres.log");
        let started = run(
            as_owner(
                &bin.join("pg_ctl"),
                &["-D", &cluster, "-o", &options, "-l", &log, "-w", "start"],
            ),
            "pg_ctl start",
        );
        if let Err(e) = started {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            bail!("{e}\n{text}");
        }
        Ok(Self { bin, data, url: format!("postgres://{ROLE}@localhost/?host={dir}") })
    }

    /// The URL of the database `name`.
    pub fn database_url(&self, name: &str) -> String {
        self.url.replacen("/?", &format!("/{name}?"), 1)
    }

    /// Stops the server (fast: the data is thrown away).
    fn stop(&self) {
        let cluster = self.data.path().join("data");
        let Some(cluster) = cluster.to_str() else { return };
        let _ = as_owner(&self.bin.join("pg_ctl"), &["-D", cluster, "-m", "immediate", "stop"])
            .stdout(std::process::Stdio::null())
            .status();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}
