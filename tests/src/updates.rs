//! The update server of the signed-updates scenario: a throw-away minisign key pair, packages
//! signed as `cargo xtask package` signs them, the static manifest tauri-plugin-updater reads,
//! and a real HTTP server serving a folder on `127.0.0.1`.
//!
//! The app is pointed at them through its environment ([`UpdateKey::app_env`]):
//! `CARTABLE_UPDATE_URL` (the manifest) and `CARTABLE_UPDATE_PUBKEY` (the throw-away public
//! key, which only a debug build reads; a release build trusts only `tauri.conf.json`'s key).

use std::{
    io::Cursor,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, PoisonError},
};

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

use crate::{Result, fail};

/// A minisign key pair made for one scenario, never written anywhere.
pub struct UpdateKey {
    pair: minisign::KeyPair,
}

impl std::fmt::Debug for UpdateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // minisign's own `Debug` of a secret key prints it.
        f.write_str("UpdateKey([redacted])")
    }
}

impl UpdateKey {
    /// A new key pair (unencrypted: it lives only in this process).
    ///
    /// # Errors
    /// The system's random source failed.
    pub fn generate() -> Result<Self> {
        let pair = minisign::KeyPair::generate_unencrypted_keypair()
            .map_err(|e| fail(format!("cannot make a key pair: {e}")))?;
        Ok(Self { pair })
    }

    /// The public key as `tauri.conf.json`'s `plugins.updater.pubkey` holds it: the base64 of
    /// the minisign public key file.
    ///
    /// # Errors
    /// The key cannot be encoded.
    pub fn pubkey(&self) -> Result<String> {
        let public = self.pair.pk.to_box().map_err(|e| fail(e.to_string()))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(public.to_string()))
    }

    /// The signature of the package `name` holding `bytes`, for release `version`, as
    /// `cargo xtask package` writes it in `<package>.sig` and in the manifest: the base64 of the
    /// minisign signature file, whose trusted comment names the file and the version.
    ///
    /// # Errors
    /// Signing failed.
    pub fn sign(&self, bytes: &[u8], name: &str, version: &str) -> Result<String> {
        let comment = format!("timestamp:0\tfile:{name}\tversion:{version}");
        let signature =
            minisign::sign(None, &self.pair.sk, Cursor::new(bytes), Some(&comment), None)
                .map_err(|e| fail(format!("cannot sign {name}: {e}")))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(signature.to_string()))
    }

    /// The app's environment for updates from `manifest_url`, verified with this key.
    ///
    /// # Errors
    /// See [`UpdateKey::pubkey`].
    pub fn app_env(&self, manifest_url: &str) -> Result<Vec<(String, String)>> {
        Ok(vec![
            ("CARTABLE_UPDATE_URL".to_owned(), manifest_url.to_owned()),
            ("CARTABLE_UPDATE_PUBKEY".to_owned(), self.pubkey()?),
        ])
    }
}

/// A static update manifest (tauri-plugin-updater's format, as `cargo xtask package` writes it)
/// offering `version` as the package at `url` with `signature`, for this system whether or not
/// the app came from a package (`linux-x86_64`, `linux-x86_64-deb`).
pub fn manifest(version: &str, url: &str, signature: &str) -> Value {
    let arch = std::env::consts::ARCH;
    let package = json!({ "url": url, "signature": signature });
    json!({
        "version": version,
        "notes": format!("Cartable {version}"),
        "pub_date": "2027-01-15T12:00:00Z",
        "platforms": {
            format!("linux-{arch}"): package.clone(),
            format!("linux-{arch}-deb"): package,
        },
    })
}

/// The version after `version` (`0.1.0` → `0.2.0`), bumping the minor number.
///
/// # Errors
/// `version` is not `major.minor.patch`.
pub fn next_minor(version: &str, by: u64) -> Result<String> {
    let parts: Vec<u64> =
        version.split('.').map(str::parse).collect::<std::result::Result<_, _>>()?;
    let [major, minor, _] = parts.as_slice() else {
        return Err(fail(format!("{version} is not major.minor.patch")));
    };
    Ok(format!("{major}.{}.0", minor + by))
}

/// A real HTTP/1.1 server on `127.0.0.1` serving the files of one folder (GET only, plain file
/// names only), noting each request as `GET /path status`. Stopped on drop.
#[derive(Debug)]
pub struct StaticServer {
    addr: SocketAddr,
    dir: PathBuf,
    requests: Arc<Mutex<Vec<String>>>,
    pace: Arc<Mutex<Option<Pace>>>,
    task: JoinHandle<()>,
}

/// How fast packages are sent: `chunk` bytes every `every` (a slow line, so the download's
/// progress can be seen).
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Bytes per write.
    pub chunk: usize,
    /// The pause after each write.
    pub every: std::time::Duration,
}

impl StaticServer {
    /// Serves `dir` (created, emptied) on a free port.
    ///
    /// # Errors
    /// The folder cannot be prepared or no port can be bound.
    pub async fn start(dir: PathBuf) -> Result<Self> {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let pace = Arc::new(Mutex::new(None));
        let (root, log, paced) = (dir.clone(), Arc::clone(&requests), Arc::clone(&pace));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (root, log) = (root.clone(), Arc::clone(&log));
                let pace = *paced.lock().unwrap_or_else(PoisonError::into_inner);
                tokio::spawn(async move {
                    if let Some(line) = answer(stream, &root, pace).await {
                        log.lock().unwrap_or_else(PoisonError::into_inner).push(line);
                    }
                });
            }
        });
        Ok(Self { addr, dir, requests, pace, task })
    }

    /// `http://127.0.0.1:<port>/<name>`.
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/{name}", self.addr)
    }

    /// Writes the file `name` the server serves.
    ///
    /// # Errors
    /// It cannot be written.
    pub fn put(&self, name: &str, bytes: &[u8]) -> Result {
        std::fs::write(self.dir.join(name), bytes)?;
        Ok(())
    }

    /// Sends packages (not the manifest) at `pace` from now on; `None`: at once.
    pub fn set_pace(&self, pace: Option<Pace>) {
        *self.pace.lock().unwrap_or_else(PoisonError::into_inner) = pace;
    }

    /// The requests answered so far, in order (`GET /latest.json 200`).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request from `stream` and answers it from `root` (a package at `pace`); the
/// request's log line.
async fn answer(mut stream: TcpStream, root: &Path, pace: Option<Pace>) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 || head.len() > 16 * 1024 {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.lines().next()?.split(' ');
    let (method, path) = (words.next()?, words.next()?.split('?').next()?.to_owned());
    let name = path.trim_start_matches('/');
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    let found = if plain { std::fs::read(root.join(name)).ok() } else { None };
    let (status, body, kind) = match found {
        _ if method != "GET" => ("405 Method Not Allowed", Vec::new(), "text/plain"),
        Some(bytes) => {
            let kind = if name.ends_with(".json") {
                "application/json"
            } else {
                "application/octet-stream"
            };
            ("200 OK", bytes, kind)
        }
        None => ("404 Not Found", Vec::new(), "text/plain"),
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes()).await.ok()?;
    match pace.filter(|_| kind == "application/octet-stream") {
        Some(Pace { chunk, every }) => {
            for part in body.chunks(chunk.max(1)) {
                stream.write_all(part).await.ok()?;
                stream.flush().await.ok()?;
                tokio::time::sleep(every).await;
            }
        }
        None => stream.write_all(&body).await.ok()?,
    }
    stream.shutdown().await.ok()?;
    Some(format!("{method} {path} {}", &status[..3]))
}
