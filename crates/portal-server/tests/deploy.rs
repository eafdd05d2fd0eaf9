//! The deployment kit (`deploy/`) kept true to the code:
//!
//! - `deploy/portal.toml` parses with the portal's own [`FileConfig`] (unknown keys refused),
//!   as shipped and with every commented-out `#key = value` line uncommented;
//! - every `portal-server …` command line in the shell blocks of `deploy/README.md`, and every
//!   `Exec…=` line of `deploy/portal-server.service`, parses with the real clap [`Cli`];
//! - the names the README cites (metrics and their label values, `PORTAL_…` variables, the log
//!   lines to watch) exist in the portal's source;
//! - the unit passes `systemd-analyze verify` when the machine has systemd-analyze.
//!
//! A command that needs something not built yet carries `TODO(ops)`: in a trailing `#` comment
//! in the README, in the comment lines right above it in the unit. Such a line may fail to
//! parse (a note is printed); once it parses, the marker is stale and the test fails so that it
//! is removed.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use clap::{Parser as _, error::ErrorKind};
use portal_server::{
    cli::{Cli, FileConfig},
    config::{Lifetimes, Security},
};

const BIN: &str = env!("CARGO_BIN_EXE_portal-server");
const MARKER: &str = "TODO(ops)";

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

fn read(name: &str) -> String {
    let path = deploy_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_example_config_parses_with_the_portals_parser() {
    let file = FileConfig::read(&deploy_dir().join("portal.toml")).expect("deploy/portal.toml");
    let origin = file.origin.as_deref().expect("origin set");
    assert!(origin.starts_with("https://") && !origin.ends_with('/'), "origin: {origin}");
    assert_eq!(file.public_clients.as_deref(), Some(&["cartable".to_owned()][..]));
    // The proxy's header, believed from the proxy only (SECURITY.md).
    let security = file.security.clone().expect("[security]");
    assert_eq!(security.client_address_header.as_deref(), Some("x-forwarded-for"));
    assert_eq!(
        security.trusted_proxies,
        vec!["127.0.0.1".parse::<std::net::IpAddr>().expect("ip")]
    );
    // The other values are shown as the defaults: they must be the defaults.
    assert_eq!(
        Security { client_address_header: None, trusted_proxies: Vec::new(), ..security },
        Security::default(),
        "deploy/portal.toml says its [security] numbers are the defaults"
    );
    assert_eq!(file.lifetimes, Some(Lifetimes::default()), "[lifetimes] shows the defaults");
    // Secrets stay out of the shipped file: SMTP comes from the unit's EnvironmentFile.
    assert!(file.smtp.is_none() && file.providers.is_empty() && file.keys.is_none());

    // Every optional setting, uncommented as the file says, still parses where it stands.
    let text = read("portal.toml");
    let mut uncommented = 0;
    let all: String = text
        .lines()
        .map(|line| match line.strip_prefix('#') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '[') => {
                uncommented += 1;
                format!("{rest}\n")
            }
            _ => format!("{line}\n"),
        })
        .collect();
    assert!(uncommented >= 5, "optional settings found: {uncommented}");
    let file: FileConfig = toml::from_str(&all)
        .unwrap_or_else(|e| panic!("deploy/portal.toml with its optional settings: {e}"));
    assert!(file.smtp.is_some() && file.keys.is_some());
    assert_eq!(file.providers.len(), 1);

    // TOML blocks of the README are config excerpts: they parse too.
    for block in fenced_blocks(&read("README.md"), &["toml"]) {
        toml::from_str::<FileConfig>(&block)
            .unwrap_or_else(|e| panic!("a toml block of deploy/README.md: {e}\n{block}"));
    }
}

#[test]
fn every_portal_server_command_of_the_kit_parses_with_the_real_command_line() {
    // clap reads PORTAL_* variables as it parses: a developer's own would change the verdict.
    let set: Vec<String> =
        std::env::vars().map(|(name, _)| name).filter(|name| name.starts_with("PORTAL_")).collect();
    assert!(set.is_empty(), "unset {set:?} to run this test: they would be parsed as options");
    let mut found = Vec::new();
    let readme = read("README.md");
    for block in fenced_blocks(&readme, &["sh", "bash", "shell", "console"]) {
        for line in logical_lines(&block) {
            let (code, comment) = split_comment(&line);
            let pending = comment.contains(MARKER);
            for args in invocations(&tokens(&code)) {
                found.push(Found { origin: "deploy/README.md", line: line.clone(), args, pending });
            }
        }
    }
    let unit = read("portal-server.service");
    let mut comments = String::new();
    for line in unit.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            comments.push_str(line);
            continue;
        }
        let pending = comments.contains(MARKER);
        comments.clear();
        let Some((key, value)) = line.split_once('=') else { continue };
        if !key.starts_with("Exec") {
            continue;
        }
        let command = value.trim_start_matches(['-', '+', '!', '@', ':']);
        let command = command
            .replace("%d", "/run/credentials/portal-server.service")
            .replace("%S", "/var/lib")
            .replace("%%", "%");
        for args in invocations(&tokens(&command)) {
            found.push(Found {
                origin: "deploy/portal-server.service",
                line: line.to_owned(),
                args,
                pending,
            });
        }
    }

    let mut failures = Vec::new();
    let mut serves = 0;
    for f in &found {
        let argv = std::iter::once("portal-server").chain(f.args.iter().map(String::as_str));
        match (Cli::try_parse_from(argv), f.pending) {
            (Ok(cli), false) => {
                if let portal_server::cli::Command::Serve(serve) = cli.command {
                    serves += 1;
                    // Never demo mode, never a secret on the command line.
                    if serve.demo || serve.smtp.is_some() {
                        failures.push(format!("{}: demo or --smtp: {}", f.origin, f.line));
                    }
                    if f.origin.ends_with(".service")
                        && !(serve.listen.ip().is_loopback()
                            && serve.keys.is_some()
                            && serve.config.is_some())
                    {
                        failures.push(format!(
                            "{}: serve must listen on loopback with --keys and --config: {}",
                            f.origin, f.line
                        ));
                    }
                }
            }
            (Err(e), _)
                if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) =>
            {
                if f.pending {
                    failures.push(format!("{}: stale {MARKER}: {}", f.origin, f.line));
                }
            }
            (Ok(_), true) => failures.push(format!(
                "{}: this command parses now: remove its {MARKER} marker (and say so in the \
                 README's TODO list): {}",
                f.origin, f.line
            )),
            (Err(e), true) => {
                eprintln!(
                    "note: not yet in portal-server ({MARKER}): {}\n  {}",
                    f.line,
                    first_line(&e)
                )
            }
            (Err(e), false) => {
                failures.push(format!("{}: {}\n  {}", f.origin, f.line, first_line(&e)))
            }
        }
    }
    assert!(
        failures.is_empty(),
        "deploy/ commands that do not match the binary:\n{}",
        failures.join("\n")
    );

    // The parser above must have seen the commands the kit relies on.
    let seen = |words: &[&str]| {
        found.iter().any(|f| {
            // After the global option, if any.
            let args = match f.args.first().map(String::as_str) {
                Some("--log-format") => f.args.get(2..).unwrap_or_default(),
                _ => &f.args[..],
            };
            args.iter().map(String::as_str).take(words.len()).eq(words.iter().copied())
        })
    };
    for words in [
        &["keys", "init"][..],
        &["keys", "rotate"],
        &["registry", "import"],
        &["serve"],
        &["migrate"],
    ] {
        assert!(seen(words), "no `portal-server {}` found in deploy/", words.join(" "));
    }
    assert!(serves >= 2, "serve commands checked: {serves}");
    let in_unit = found.iter().filter(|f| f.origin.ends_with(".service")).count();
    assert_eq!(in_unit, 2, "ExecStartPre and ExecStart");
}

#[test]
fn the_names_the_readme_cites_exist_in_the_source() {
    let readme = read("README.md");
    let source = source_text(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let mut missing = Vec::new();
    // Metric names and the label values the alerts use.
    for name in words_starting(&readme, "portal_") {
        if name != "portal_server" && !source.contains(&format!("\"{name}\"")) {
            missing.push(format!("metric {name}"));
        }
    }
    for value in readme.split("kind=\"").skip(1).filter_map(|rest| rest.split('"').next()) {
        if !source.contains(&format!("\"{value}\"")) {
            missing.push(format!("label value kind=\"{value}\""));
        }
    }
    // Environment variables.
    for name in words_starting(&readme, "PORTAL_") {
        if !source.contains(&format!("\"{name}\"")) {
            missing.push(format!("environment variable {name}"));
        }
    }
    // The log lines to watch: the first cell of each row of the table headed "| Line |".
    let mut rows = readme
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("| Line |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .peekable();
    assert!(rows.peek().is_some(), "the README's table of log lines");
    for row in rows {
        let cell = row.split('|').nth(1).unwrap_or_default();
        for quoted in cell.split('`').skip(1).step_by(2) {
            if !source.contains(quoted) {
                missing.push(format!("log line {quoted:?}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "deploy/README.md cites what the portal does not have: {missing:?}"
    );
}

/// Every `.rs` file under `dir`, concatenated.
fn source_text(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            text.push_str(&source_text(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            text.push_str(&std::fs::read_to_string(&path).expect("read source"));
        }
    }
    text
}

/// The distinct words (`[A-Za-z0-9_]`) of `text` that start with `prefix` at a word boundary.
fn words_starting(text: &str, prefix: &str) -> Vec<String> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut words = Vec::new();
    for (i, _) in text.match_indices(prefix) {
        if text[..i].chars().next_back().is_some_and(is_word) {
            continue;
        }
        let word: String = text[i..].chars().take_while(|c| is_word(*c)).collect();
        if word.len() > prefix.len() && !words.contains(&word) {
            words.push(word);
        }
    }
    words
}

#[test]
fn the_unit_keeps_secrets_out_and_is_hardened() {
    let unit = read("portal-server.service");
    let settings: Vec<&str> =
        unit.lines().map(str::trim).filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
    for required in [
        "DynamicUser=yes",
        "StateDirectory=cartable-portal",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "SystemCallArchitectures=native",
        "MemoryDenyWriteExecute=yes",
        "LockPersonality=yes",
        "RestrictNamespaces=yes",
        "RestrictRealtime=yes",
        "RestrictSUIDSGID=yes",
        "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes",
        "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes",
        "ProtectClock=yes",
        "ProtectHostname=yes",
        "UMask=0077",
        "Restart=on-failure",
        "LoadCredential=portal.keys.json:/etc/cartable/portal.keys.json",
        "EnvironmentFile=/etc/cartable/portal.env",
    ] {
        assert!(settings.contains(&required), "deploy/portal-server.service lacks {required}");
    }
    for secret in ["PORTAL_KEYS=", "PORTAL_SMTP_URL=", "smtp://", "smtps://", "--smtp", "--demo"] {
        assert!(
            !settings.iter().any(|l| l.contains(secret)),
            "deploy/portal-server.service must not set {secret}"
        );
    }
}

#[test]
fn the_unit_passes_systemd_analyze_verify() {
    let available =
        Command::new("systemd-analyze").arg("--version").output().is_ok_and(|o| o.status.success());
    if !available {
        eprintln!(
            "note: systemd-analyze not found: deploy/portal-server.service not verified \
             (Debian: it comes with the systemd package)"
        );
        return;
    }
    // verify checks that ExecStart's binary exists: point it at the one cargo built.
    let dir = tempfile::tempdir().expect("tempdir");
    let unit = read("portal-server.service").replace("/usr/local/bin/portal-server", BIN);
    let path = dir.path().join("portal-server.service");
    std::fs::write(&path, unit).expect("write unit");
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("run systemd-analyze");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Warnings about this unit (unknown setting, bad value) fail it; other noise of a machine
    // without systemd as PID 1 does not.
    let ours: Vec<&str> = stderr.lines().filter(|l| l.contains("portal-server.service")).collect();
    assert!(
        out.status.success() && ours.is_empty(),
        "systemd-analyze verify deploy/portal-server.service:\n{stderr}"
    );
}

/// One `portal-server` invocation found in the kit.
struct Found {
    origin: &'static str,
    line: String,
    /// The arguments after the binary.
    args: Vec<String>,
    /// Marked `TODO(ops)`: may not parse yet.
    pending: bool,
}

fn first_line(e: &clap::Error) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

/// The bodies of the fenced blocks of `markdown` whose info string is one of `langs`.
fn fenced_blocks(markdown: &str, langs: &[&str]) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<(bool, String)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    current = Some((langs.contains(&info.trim()), String::new()));
                }
            }
            Some((wanted, body)) => {
                if trimmed == "```" {
                    if *wanted {
                        blocks.push(std::mem::take(body));
                    }
                    current = None;
                } else {
                    body.push_str(trimmed);
                    body.push('\n');
                }
            }
        }
    }
    blocks
}

/// Lines with their backslash-newline continuations joined; a `$ ` prompt removed.
fn logical_lines(block: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in block.lines() {
        let line = line.strip_prefix("$ ").unwrap_or(line);
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// `(code, comment)`: the comment starts at a `#` that begins a word outside quotes.
fn split_comment(line: &str) -> (String, String) {
    let (mut single, mut double, mut escaped) = (false, false, false);
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && previous.is_whitespace() => {
                return (line[..i].to_owned(), line[i..].to_owned());
            }
            _ => {}
        }
        previous = c;
    }
    (line.to_owned(), String::new())
}

/// A word or an operator (`|`, `||`, `&&`, `;`, `&`, redirections) of a shell line.
#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Operator,
}

/// Splits a shell line into words (quotes removed, `$(…)` kept whole) and operators.
fn tokens(line: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let (mut single, mut double) = (false, false);
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        if single {
            if c == '\'' {
                single = false;
            } else {
                word.push(c);
            }
            continue;
        }
        if depth > 0 {
            word.push(c);
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            continue;
        }
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
                in_word = true;
            }
            '"' => {
                double = !double;
                in_word = true;
            }
            '\'' if !double => {
                single = true;
                in_word = true;
            }
            '$' if chars.peek() == Some(&'(') => {
                word.push('$');
                word.push(chars.next().unwrap_or('('));
                depth = 1;
                in_word = true;
            }
            c if double => word.push(c),
            c if c.is_whitespace() => {
                if in_word {
                    out.push(Token::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
            }
            '|' | '&' | ';' | '<' | '>' => {
                // `2>`: the descriptor belongs to the operator.
                if in_word && !(matches!(c, '<' | '>') && word.chars().all(|d| d.is_ascii_digit()))
                {
                    out.push(Token::Word(std::mem::take(&mut word)));
                }
                word.clear();
                in_word = false;
                if out.last() != Some(&Token::Operator) {
                    out.push(Token::Operator);
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(Token::Word(word));
    }
    out
}

/// The argument lists of `portal-server` run as a command in `tokens`: the first word of a
/// command (after `VAR=value` assignments), or the command run by `sudo`, `systemd-run`, `env`,
/// `exec`, `nohup` or `time`. A redirection ends the arguments.
fn invocations(tokens: &[Token]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for command in tokens.split(|t| *t == Token::Operator) {
        let words: Vec<&str> = command
            .iter()
            .map(|t| match t {
                Token::Word(w) => w.as_str(),
                Token::Operator => "",
            })
            .collect();
        if let Some(args) = invoked(&words) {
            found.push(args.iter().map(|a| (*a).to_owned()).collect());
        }
    }
    found
}

fn invoked<'a>(words: &[&'a str]) -> Option<Vec<&'a str>> {
    let is_assignment = |w: &str| {
        w.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let mut i = 0;
    while words.get(i).is_some_and(|w| is_assignment(w)) {
        i += 1;
    }
    let program = *words.get(i)?;
    let rest = &words[i + 1..];
    // Options of the wrappers that take the next word as their value.
    let valued: &[&str] = match program {
        "sudo" => &["-u", "-g", "-C", "-D", "-h", "-p", "-U", "-r", "-t", "-T"],
        "systemd-run" => &[
            "-p",
            "--property",
            "-u",
            "--unit",
            "-E",
            "--setenv",
            "--uid",
            "--gid",
            "--nice",
            "--working-directory",
            "-M",
            "--machine",
            "-H",
            "--host",
            "--description",
            "--slice",
            "--service-type",
        ],
        "env" => &["-u", "--unset", "-C", "--chdir", "-S", "--split-string"],
        "exec" | "nohup" | "time" => &[],
        _ if program == "portal-server" || program.ends_with("/portal-server") => {
            return Some(rest.to_vec());
        }
        _ => return None,
    };
    let mut j = 0;
    while let Some(word) = rest.get(j) {
        if valued.contains(word) {
            j += 2;
        } else if word.starts_with('-') || is_assignment(word) {
            j += 1;
        } else {
            break;
        }
    }
    invoked(&rest[j.min(rest.len())..])
}

#[test]
fn the_command_finder_finds_what_it_should() {
    let args = |line: &str| invocations(&tokens(&split_comment(line).0));
    assert_eq!(
        args("sudo portal-server keys init --keys /etc/x.json # comment"),
        vec![vec!["keys", "init", "--keys", "/etc/x.json"]]
    );
    assert_eq!(
        args("RUST_LOG=debug /usr/local/bin/portal-server serve --db \"a b\" 2> log &"),
        vec![vec!["serve", "--db", "a b"]]
    );
    assert_eq!(
        args("sudo systemd-run --wait -p DynamicUser=yes portal-server migrate --db \"$(echo x)\""),
        vec![vec!["migrate", "--db", "$(echo x)"]]
    );
    assert!(args("sudo systemctl restart portal-server").is_empty());
    assert!(args("sudo install -m 0755 portal-server /usr/local/bin/portal-server").is_empty());
    assert!(args("journalctl -u portal-server -g 'portal-server serve'").is_empty());
    assert_eq!(args("portal-server --version && echo ok").len(), 1);
}
