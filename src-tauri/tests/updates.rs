//! Signed updates through the command layer (Tauri's mock runtime, the real context and its
//! `plugins.updater`), against a small static HTTP server on `127.0.0.1` serving a manifest and
//! packages signed with a throw-away minisign key (`CARTABLE_UPDATE_PUBKEY`, read by debug
//! builds only), as `cargo xtask package` signs them.

use std::{
    io::{Cursor, Read as _, Write as _},
    net::TcpListener,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, PoisonError},
};

use base64::Engine as _;
use cartable_core::ipc::{self, UpdateStatus};
use cartable_lib::UpdateEnv;

#[path = "support/harness.rs"]
mod harness;

use harness::Computer;

/// The running version and the one the server offers.
const CURRENT: &str = env!("CARGO_PKG_VERSION");

fn next_version() -> String {
    let mut parts = CURRENT.split('.').map(|p| p.parse::<u64>().expect("a number"));
    let (major, minor) = (parts.next().expect("major"), parts.next().expect("minor"));
    format!("{major}.{}.0", minor + 1)
}

/// A throw-away minisign key pair.
struct Key(minisign::KeyPair);

impl Key {
    fn new() -> Self {
        Self(minisign::KeyPair::generate_unencrypted_keypair().expect("key pair"))
    }

    /// `plugins.updater.pubkey`'s form: the base64 of the public key file.
    fn pubkey(&self) -> String {
        let public = self.0.pk.to_box().expect("public key box").to_string();
        base64::engine::general_purpose::STANDARD.encode(public)
    }

    /// The `.sig` form: the base64 of the signature file, naming the file and the version.
    fn sign(&self, bytes: &[u8], name: &str, version: &str) -> String {
        let comment = format!("timestamp:0\tfile:{name}\tversion:{version}");
        let signature = minisign::sign(None, &self.0.sk, Cursor::new(bytes), Some(&comment), None)
            .expect("signed");
        base64::engine::general_purpose::STANDARD.encode(signature.to_string())
    }
}

/// A static HTTP server on 127.0.0.1 serving one folder, noting each request's path.
struct Server {
    port: u16,
    dir: tempfile::TempDir,
    served: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start() -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("a port");
        let port = listener.local_addr().expect("address").port();
        let dir = tempfile::tempdir().expect("temp dir");
        let (root, served) = (dir.path().to_owned(), Arc::new(Mutex::new(Vec::new())));
        let log = Arc::clone(&served);
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut head = Vec::new();
                let mut buffer = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
                let name = path.trim_start_matches('/');
                let file = (!name.contains('/') && !name.starts_with('.'))
                    .then(|| std::fs::read(root.join(name)).ok())
                    .flatten();
                let (status, body) = match file {
                    Some(bytes) => ("200 OK", bytes),
                    None => ("404 Not Found", Vec::new()),
                };
                let header = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(header.as_bytes()).and_then(|()| stream.write_all(&body));
                log.lock().unwrap_or_else(PoisonError::into_inner).push(path);
            }
        });
        Self { port, dir, served }
    }

    fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }

    fn put(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.path().join(name), bytes).expect("written");
    }

    /// Serves a manifest offering `version` as the package `name` with `signature`.
    fn offer(&self, version: &str, name: &str, signature: &str) {
        let package = serde_json::json!({ "url": self.url(name), "signature": signature });
        let manifest = serde_json::json!({
            "version": version,
            "notes": "Corrections",
            "pub_date": "2027-01-15T12:00:00Z",
            "platforms": { format!("linux-{}", std::env::consts::ARCH): package },
        });
        self.put("latest.json", manifest.to_string().as_bytes());
    }

    fn served(&self) -> Vec<String> {
        self.served.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// A computer whose app gets its updates from `server`, verified with `key`.
fn computer(server: &Server, key: &Key) -> Computer {
    let mut computer = Computer::new();
    computer.updates =
        UpdateEnv { url: Some(server.url("latest.json")), pubkey: Some(key.pubkey()) };
    computer
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn downloads(computer: &Computer) -> PathBuf {
    computer.dirs().downloads
}

/// Checks, downloads `name` as offered, and asserts the signature was refused after the
/// download and nothing was saved.
fn refused_after_download(server: &Server, key: &Key, name: &str) {
    let computer = computer(server, key);
    let launch = computer.launch();
    assert!(matches!(launch.ok::<ipc::UpdateCheck>(&()), UpdateStatus::Available(_)));
    let refused = launch.call::<ipc::UpdateDownload>(&()).expect_err("refused");
    assert_eq!(refused.code(), "update_signature_invalid");
    assert!(server.served().contains(&format!("/{name}")), "refused after download");
    assert!(files_in(&downloads(&computer)).is_empty());
}

#[test]
fn without_an_update_server_nothing_is_asked() {
    let computer = Computer::new();
    let launch = computer.launch();
    assert_eq!(launch.ok::<ipc::UpdateCheck>(&()), UpdateStatus::Off);
    let refused = launch.call::<ipc::UpdateDownload>(&()).expect_err("off");
    assert_eq!(refused.code(), "updates_off");
    assert_eq!(launch.ok::<ipc::UpdateProgress>(&()), None);
}

#[test]
fn a_signed_update_is_offered_verified_and_saved_never_installed() {
    let (server, key) = (Server::start(), Key::new());
    let next = next_version();
    let name = format!("cartable_{next}_amd64.deb");
    let bytes = vec![7u8; 200_000];
    server.put(&name, &bytes);
    server.offer(&next, &name, &key.sign(&bytes, &name, &next));
    let computer = computer(&server, &key);
    let launch = computer.launch();

    // "Télécharger et vérifier" before any check has nothing to download.
    let early = launch.call::<ipc::UpdateDownload>(&()).expect_err("no offer yet");
    assert_eq!(early.code(), "no_update");

    let UpdateStatus::Available(offer) = launch.ok::<ipc::UpdateCheck>(&()) else {
        panic!("no update offered")
    };
    assert_eq!((offer.version.as_str(), offer.current_version.as_str()), (next.as_str(), CURRENT));

    let verified = launch.ok::<ipc::UpdateDownload>(&());
    let saved = downloads(&computer).join(&name);
    assert_eq!(verified.version, next);
    assert_eq!(verified.file, saved.display().to_string());
    assert_eq!(verified.install_command, Some(format!("sudo apt install '{}'", saved.display())));
    assert_eq!(std::fs::read(&saved).expect("saved"), bytes);
    assert_eq!(files_in(&downloads(&computer)), [name.as_str()]);
    assert_eq!(launch.ok::<ipc::UpdateProgress>(&()), None, "no download runs any more");
    assert_eq!(server.served(), ["/latest.json".to_owned(), format!("/{name}")]);
}

#[test]
fn the_same_version_is_up_to_date() {
    let (server, key) = (Server::start(), Key::new());
    let name = format!("cartable_{CURRENT}_amd64.deb");
    server.put(&name, b"package");
    server.offer(CURRENT, &name, &key.sign(b"package", &name, CURRENT));
    let computer = computer(&server, &key);
    assert_eq!(
        computer.launch().ok::<ipc::UpdateCheck>(&()),
        UpdateStatus::UpToDate { current_version: CURRENT.into() }
    );
}

#[test]
fn a_package_signed_with_another_key_is_refused_and_nothing_saved() {
    let (server, key, attacker) = (Server::start(), Key::new(), Key::new());
    let next = next_version();
    let name = format!("cartable_{next}_amd64.deb");
    server.put(&name, b"not Cartable");
    server.offer(&next, &name, &attacker.sign(b"not Cartable", &name, &next));
    refused_after_download(&server, &key, &name);
}

#[test]
fn a_package_tampered_after_signing_is_refused() {
    let (server, key) = (Server::start(), Key::new());
    let next = next_version();
    let name = format!("cartable_{next}_amd64.deb");
    server.put(&name, b"Cartable, altered");
    server.offer(&next, &name, &key.sign(b"Cartable", &name, &next));
    refused_after_download(&server, &key, &name);
}

#[test]
fn an_older_signed_package_announced_as_newer_is_refused() {
    let (server, key) = (Server::start(), Key::new());
    let name = format!("cartable_{CURRENT}_amd64.deb");
    server.put(&name, b"Cartable");
    // Signed for the running version, announced as the next one.
    server.offer(&next_version(), &name, &key.sign(b"Cartable", &name, CURRENT));
    refused_after_download(&server, &key, &name);
}

#[test]
fn a_manifest_without_this_system_or_no_server_is_said_so() {
    let (server, key) = (Server::start(), Key::new());
    let manifest = serde_json::json!({
        "version": next_version(),
        "platforms": { "windows-x86_64": { "url": server.url("setup.exe"), "signature": "x" } },
    });
    server.put("latest.json", manifest.to_string().as_bytes());
    let refused = computer(&server, &key).launch().call::<ipc::UpdateCheck>(&()).expect_err("");
    assert_eq!(refused.code(), "update_invalid");

    server.put("latest.json", b"<html>maintenance</html>");
    let refused = computer(&server, &key).launch().call::<ipc::UpdateCheck>(&()).expect_err("");
    assert_eq!(refused.code(), "update_invalid");

    let gone = TcpListener::bind(("127.0.0.1", 0)).expect("a port");
    let port = gone.local_addr().expect("address").port();
    drop(gone);
    let mut nowhere = Computer::new();
    nowhere.updates = UpdateEnv {
        url: Some(format!("http://127.0.0.1:{port}/latest.json")),
        pubkey: Some(key.pubkey()),
    };
    let refused = nowhere.launch().call::<ipc::UpdateCheck>(&()).expect_err("unreachable");
    assert_eq!(refused.code(), "update_unreachable");
}
