//! The `portal-server` binary run as an operator would: a command without the caller's
//! `PORTAL_*` variables, a `serve` that printed its origin with its stderr collected, and one-shot
//! commands.

use std::{
    io::{BufRead as _, BufReader},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::Value;

/// The binary, without the caller's `PORTAL_*` and `RUST_LOG` variables (so only what a test
/// sets applies); the caller sets its working folder.
pub fn portal_server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portal-server"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PORTAL_") {
            command.env_remove(name);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

/// A `serve` that printed its origin, its stderr lines collected as they come.
pub struct Served {
    child: Child,
    /// The origin it printed.
    pub origin: String,
    stderr: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    /// Spawns `command` (a `serve`), waits for its origin line; panics with its stderr if none.
    pub fn start(command: &mut Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn portal-server");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let lines = Arc::clone(&stderr);
            let pipe = child.stderr.take().expect("stderr");
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    lines.lock().expect("lock").push(line);
                }
            })
        };
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("line");
        let mut served =
            Self { child, origin: line.trim().to_owned(), stderr, reader: Some(reader) };
        if !served.origin.starts_with("http://") {
            let _ = served.child.kill();
            let (_, lines) = served.wait();
            panic!("no origin line: {line:?}\n{}", lines.join("\n"));
        }
        served
    }

    /// The first JSON log line whose `message` is `message`, waiting up to 10 s.
    pub fn log_line(&self, message: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self.stderr.lock().expect("lock").iter().find_map(|line| {
                serde_json::from_str::<Value>(line).ok().filter(|v| v["message"] == message)
            });
            if let Some(found) = found {
                return found;
            }
            assert!(Instant::now() < deadline, "no {message:?} in {:?}", self.stderr);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM and waits; the exit status and every stderr line.
    pub fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        self.wait()
    }

    /// Waits for it to exit; the exit status and every stderr line.
    pub fn wait(&mut self) -> (ExitStatus, Vec<String>) {
        let status = self.child.wait().expect("wait");
        if let Some(reader) = self.reader.take() {
            reader.join().expect("stderr reader");
        }
        (status, self.stderr.lock().expect("lock").clone())
    }
}

impl Served {
    /// Its process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills it; its stderr.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        self.wait().1.join("\n")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.reader.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `command` to its end: whether it succeeded, its stdout and its stderr.
pub fn run(command: &mut Command) -> (bool, String, String) {
    let out = command.output().expect("run portal-server");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}
