//! The README's curl walkthrough, executed: every fenced `bash` block of
//! `crates/portal-server/README.md`, in order, in one `bash -euo pipefail` shell, in an empty
//! folder, with the built `portal-server` binary first on `PATH`. Also checks the binary's
//! start-up contract (origin on the first stdout line, refusal without a transport).

use std::{
    io::{BufRead as _, BufReader},
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

const BIN: &str = env!("CARGO_BIN_EXE_portal-server");

/// The fenced ```` ```bash ```` blocks of `markdown`, in order.
fn bash_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```bash") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

fn require(tool: &str) {
    let found = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(found, "`{tool}` is needed to run the README walkthrough; install it");
}

#[test]
fn readme_walkthrough_runs_as_written() {
    require("curl");
    require("jq");
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let blocks = bash_blocks(&readme);
    assert!(blocks.len() >= 6, "walkthrough blocks: {}", blocks.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    // Stop the portal even when a block fails.
    let script = format!(
        "trap 'kill \"${{PORTAL_PID:-}}\" 2>/dev/null || true' EXIT\n{}",
        blocks.join("\n")
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("RUST_LOG")
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let log = std::fs::read_to_string(dir.path().join("portal.log")).unwrap_or_default();
    assert!(
        out.status.success(),
        "README walkthrough failed\nstdout:\n{stdout}\nstderr:\n{}\nportal log:\n{log}",
        String::from_utf8_lossy(&out.stderr)
    );
    // What the blocks print, checked: the masked label, a wrong code's answer, the policy of
    // `jq -e` lines (true), and the named missing parameter.
    assert!(stdout.contains("\"challenge_target_label\": \"j****e@e*****e.ca\""), "{stdout}");
    assert!(stdout.contains("\"suberror\": \"invalid_oob_value\""), "{stdout}");
    assert!(stdout.contains("\"attempts_left\": 4"), "{stdout}");
    assert!(stdout.contains("'username'"), "{stdout}");
    // Only the demo-mode line carries a code; no password ever reaches the log.
    assert!(!log.contains("Bonjour123!") && !log.contains("Nouveau456?"), "{log}");
    assert!(log.contains("j****e@e*****e.ca"), "emails are logged masked: {log}");
    assert!(!log.contains("jeanne@exemple.ca"), "{log}");
}

#[test]
fn first_stdout_line_is_the_origin_and_sigterm_stops_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Outside demo mode the keys come from a key file (docs/contract.md §6 "Privacy").
    let init = Command::new(BIN)
        .args(["keys", "init", "--keys", "k.json"])
        .current_dir(dir.path())
        .output()
        .expect("keys init");
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", "p.sqlite3", "--outbox", "out"])
        .args(["--keys", "k.json"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("line");
    let origin = line.trim_end();
    assert!(origin.starts_with("http://127.0.0.1:") && !origin.ends_with(":0"), "{line:?}");
    let port: u16 = origin.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
    assert_ne!(port, 0);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(status.is_ok_and(|s| s.success()));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "graceful exit: {status}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn refuses_to_start_without_a_transport_and_demo_defaults_to_an_outbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", "p.sqlite3"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no origin is printed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no email transport") && stderr.contains("--demo"), "{stderr}");

    // A config file sets the origin and the clients.
    std::fs::write(
        dir.path().join("portal.toml"),
        "origin = \"https://portail.example.ca/\"\npublic_clients = [\"autre\"]\n[lifetimes]\ncontinuation = 300\n",
    )
    .expect("write");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", "p.sqlite3", "--demo"])
        .args(["--config", "portal.toml"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("line");
    assert_eq!(line, "https://portail.example.ca\n");
    assert!(dir.path().join("outbox").is_dir(), "--demo writes to ./outbox");
    let _ = child.kill();
    let _ = child.wait();
}
