//! Running commands, loudly: every command is printed before it runs.

use anyhow::{Context as _, anyhow};
use std::{
    path::Path,
    process::{Command, Stdio},
};

/// An xtask failure, phrased for the person at the terminal: what failed, then why
/// (`anyhow`'s context chain, printed with `{:#}`).
pub type Result<T = ()> = anyhow::Result<T>;

/// Runs `program args…` in `dir`, inheriting stdio; fails unless it exits with 0.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> Result {
    run_env(dir, program, args, &[])
}

/// Like [`run`] with extra environment variables.
pub fn run_env(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> Result {
    println!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .status()
        .with_context(|| format!("could not start `{program}`"))?;
    if status.success() {
        Ok(())
    } else {
        Err(anyhow!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// Runs a command quietly and returns its trimmed stdout, or `None` when it cannot run or fails.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// True when `program` is found on `PATH`.
pub fn exists(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
