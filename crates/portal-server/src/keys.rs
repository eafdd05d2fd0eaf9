//! The server's secret keys, kept **outside the database** (`docs/contract.md §6` "Privacy",
//! §4): the HMAC key of every stored hash ([`HashKey`]) and the RS256 keys that sign JWTs
//! ([`SigningKeys`](crate::tokens::SigningKeys)). A copy of the database alone can therefore
//! neither mint a token the portal accepts nor match a stored code, token or NIP hash.
//!
//! They come from a **key file**, JSON, written 0600:
//!
//! ```json
//! {
//!   "hmac": "<base64 (standard, padded) of 32 random bytes>",
//!   "signing": [
//!     {"kid": "<key id>", "pem": "-----BEGIN PRIVATE KEY-----\n…",
//!      "created_at": "2026-01-05T14:03:00Z", "active_from": "2026-01-05T14:05:00Z"}
//!   ]
//! }
//! ```
//!
//! or from the environment variable [`KEYS_ENV`] (`PORTAL_KEYS`) holding the same JSON, for
//! containers and secret managers. [`KeySource`] says which; [`resolve`] applies the command
//! line's precedence. `pem` is an RSA private key (2048 bits when generated here) in PKCS#8 PEM.
//!
//! **Rotation by `kid`** ([`KeyFile::rotate`], `portal-server keys rotate`): a new RS256 key is
//! appended with `active_from` = now + `--activate-in` (default [`DEFAULT_ACTIVATE_IN`], 120 s,
//! so every instance has re-read the file before it signs). The signer is the newest key whose
//! `active_from` is not after the portal's clock; every key in the file verifies and is listed
//! in the JWKS. A key is removed by a later rotation once it has been superseded for longer than
//! the access-token lifetime plus [`PRUNE_MARGIN`], so it keeps verifying until the last token it
//! signed has expired. The HMAC key is never rotated: changing it would orphan every stored hash.
//!
//! **Legacy databases** kept the keys in the `server_secrets` table (`migrations/*/0001_identity.sql`). When a
//! key file is created (demo start, `keys init --db`) and that table has rows, they are imported
//! into the file, so existing sessions stay valid, and deleted. Otherwise the table is never
//! read: the portal refuses to start while it still has rows ([`KeyError::LegacyKeysLeft`]).

pub mod command;

use std::{
    io::Write as _,
    path::{Path, PathBuf},
    time::Duration,
};

use base64::Engine as _;
use rsa::{
    RsaPrivateKey,
    pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _, LineEnding},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use crate::crypto::HashKey;
use crate::db::{self, Db, Stamp};

/// Environment variable holding the key file's JSON itself (containers, secret managers).
pub const KEYS_ENV: &str = "PORTAL_KEYS";

/// Environment variable naming the key file, like `--keys PATH`.
pub const KEYS_FILE_ENV: &str = "PORTAL_KEYS_FILE";

/// Default delay between `keys rotate` and the moment its new key starts signing: 120 s, so
/// every instance has re-read the file ([`SigningKeys::reload`](crate::tokens::SigningKeys::reload))
/// and already verifies the new `kid` before any token carries it.
pub const DEFAULT_ACTIVATE_IN: Duration = Duration::from_secs(120);

/// How long, beyond the access-token lifetime (900 s, `docs/contract.md §4`), a superseded key
/// is kept: 300 s, for clock skew between instances and an instance that re-reads the file late.
pub const PRUNE_MARGIN: Duration = Duration::from_secs(300);

/// Length of the HMAC key, in bytes (256 bits).
pub const HMAC_BYTES: usize = 32;

/// Modulus size of a generated RS256 key, in bits.
pub const RSA_BITS: usize = 2048;

/// Where the keys come from.
///
/// `Debug` never shows the inline JSON.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A key file.
    File {
        /// Its path.
        path: PathBuf,
        /// Generate it (0600) when it does not exist: demo mode only. Otherwise a missing file
        /// is [`KeyError::NotFound`].
        create: bool,
    },
    /// The key file's JSON itself, e.g. from [`KEYS_ENV`]. Never reloaded: a rotation takes
    /// effect when the portal restarts with the new value.
    Inline(String),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File { path, create } => {
                f.debug_struct("File").field("path", path).field("create", create).finish()
            }
            Self::Inline(_) => f.write_str("Inline([redacted])"),
        }
    }
}

impl std::fmt::Display for KeySource {
    /// Names the source for messages: `key file PATH` or `PORTAL_KEYS`, never its content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File { path, .. } => write!(f, "key file {}", path.display()),
            Self::Inline(_) => f.write_str(KEYS_ENV),
        }
    }
}

impl KeySource {
    /// The demo-mode key file beside `database`, created if missing:
    /// `database.with_extension("keys.json")` (`portal.sqlite3` → `portal.keys.json`).
    pub fn beside(database: &Path) -> Self {
        Self::File { path: database.with_extension("keys.json"), create: true }
    }
}

/// What the environment says about keys ([`KEYS_FILE_ENV`], [`KEYS_ENV`]); an empty value counts
/// as unset. `Debug` never shows the inline JSON.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KeyEnv {
    /// `PORTAL_KEYS_FILE`: a key file path.
    pub file: Option<PathBuf>,
    /// `PORTAL_KEYS`: the key file's JSON.
    pub inline: Option<String>,
}

impl std::fmt::Debug for KeyEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEnv")
            .field("file", &self.file)
            .field("inline", &self.inline.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl KeyEnv {
    /// Reads [`KEYS_FILE_ENV`] and [`KEYS_ENV`] from the process environment.
    pub fn from_process() -> Self {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        Self {
            file: var(KEYS_FILE_ENV).map(PathBuf::from),
            inline: var(KEYS_ENV).and_then(|v| v.into_string().ok()),
        }
    }
}

/// Chooses the key source, first found wins: `flag` (`--keys PATH`), `PORTAL_KEYS_FILE`,
/// `PORTAL_KEYS`, `config_file` (`keys = "PATH"` in `--config`), then, in demo mode only
/// (`demo_database` set), the file beside the database ([`KeySource::beside`]). Paths are
/// created when missing only in demo mode.
///
/// # Errors
/// [`KeyError::Missing`] when nothing names the keys outside demo mode.
pub fn resolve(
    flag: Option<&Path>,
    env: &KeyEnv,
    config_file: Option<&Path>,
    demo_database: Option<&Path>,
) -> Result<KeySource, KeyError> {
    let create = demo_database.is_some();
    let file = |path: &Path| KeySource::File { path: path.to_path_buf(), create };
    if let Some(path) = flag.or(env.file.as_deref()) {
        return Ok(file(path));
    }
    if let Some(json) = &env.inline {
        return Ok(KeySource::Inline(json.clone()));
    }
    if let Some(path) = config_file {
        return Ok(file(path));
    }
    demo_database.map(KeySource::beside).ok_or(KeyError::Missing)
}

/// Why keys could not be loaded, created or rotated. Messages name the file or variable and
/// say what to do; they never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Nothing names the keys (not in demo mode).
    #[error(
        "no keys: give --keys PATH (or set PORTAL_KEYS_FILE, or `keys = \"PATH\"` in --config), \
         or put the key file's JSON in PORTAL_KEYS; create a key file with \
         `portal-server keys init --keys PATH`"
    )]
    Missing,
    /// The named key file does not exist (and may not be created here).
    #[error(
        "key file {} does not exist: create it with `portal-server keys init --keys {}`",
        .0.display(), .0.display()
    )]
    NotFound(PathBuf),
    /// `keys init` would overwrite a key file.
    #[error(
        "key file {} already exists: `keys init` never overwrites one; add a signing key with \
         `portal-server keys rotate --keys {}`",
        .0.display(), .0.display()
    )]
    AlreadyExists(PathBuf),
    /// The key file cannot be read or written.
    #[error("key file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The JSON is not a valid key file (the reason names a field or a line and column, never
    /// a value).
    #[error("{source_name} is not a valid key file: {reason}")]
    Invalid {
        /// `key file PATH` or `PORTAL_KEYS`.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// On reload, the file's HMAC key differs from the running one. It is never rotated
    /// (every stored hash depends on it); the running keys are kept.
    #[error(
        "{0}: the HMAC key changed while the portal runs; the running keys are kept. The HMAC \
         key is never rotated: every stored code, token and NIP hash depends on it"
    )]
    HmacChanged(String),
    /// The database still holds keys from before key files, and this start did not import them.
    #[error(
        "the database still holds {0} secret(s) from before key files (table server_secrets), \
         which a copy of the database could use; the portal never reads them. Import them into \
         a new key file with `portal-server keys init --keys NEW_PATH --db DATABASE` and serve \
         with --keys NEW_PATH, or delete them (sessions and NIPs made with them stop working) \
         with `sqlite3 DATABASE 'PRAGMA secure_delete=ON; DELETE FROM server_secrets; VACUUM;'`"
    )]
    LegacyKeysLeft(i64),
    /// `keys init --db`: the database file does not exist.
    #[error("database {} does not exist", .0.display())]
    NoDatabase(PathBuf),
    /// Generating or encoding a key failed.
    #[error("key generation: {0}")]
    Generate(String),
    /// Reading or deleting the legacy `server_secrets` rows failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// The key file's content (see the module docs for the JSON). `Debug` shows only key ids.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// The HMAC key: base64 (standard alphabet, padded) of [`HMAC_BYTES`] bytes.
    pub hmac: String,
    /// The RS256 keys, at least one, sorted by `active_from` then `created_at`, then file order.
    pub signing: Vec<SigningKeyEntry>,
}

/// One RS256 key of the file.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKeyEntry {
    /// Key id, the JWT header's `kid` and the JWK's `kid`. Generated keys use base64url of the
    /// first 16 bytes of SHA-256 over the public key's SPKI DER (22 characters).
    pub kid: String,
    /// The RSA private key, PKCS#8 PEM.
    pub pem: String,
    /// When it was generated (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// From when it may sign, by the portal's clock (RFC 3339, UTC); it verifies from the moment
    /// the portal has read it.
    #[serde(with = "time::serde::rfc3339")]
    pub active_from: OffsetDateTime,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFile")
            .field("hmac", &"[redacted]")
            .field("signing", &self.signing)
            .finish()
    }
}

impl std::fmt::Debug for SigningKeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyEntry")
            .field("kid", &self.kid)
            .field("created_at", &self.created_at)
            .field("active_from", &self.active_from)
            .finish_non_exhaustive()
    }
}

/// What [`KeyFile::rotate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The new key's id.
    pub added: String,
    /// When it starts signing.
    pub active_from: OffsetDateTime,
    /// Ids of the superseded keys removed.
    pub removed: Vec<String>,
}

impl std::fmt::Display for Rotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "added signing key {}, signing from {}",
            self.added,
            Stamp::new(self.active_from).rfc3339()
        )?;
        if self.removed.is_empty() {
            f.write_str("; no key removed")
        } else {
            write!(f, "; removed {}", self.removed.join(", "))
        }
    }
}

impl KeyFile {
    /// A new file: a fresh HMAC key and one fresh RS256 key active from `now`. Generating the
    /// RSA key takes up to a second: call it on a blocking thread.
    ///
    /// # Errors
    /// [`KeyError::Generate`].
    pub fn generate(now: OffsetDateTime) -> Result<Self, KeyError> {
        Ok(Self { hmac: fresh_hmac(), signing: vec![generate_entry(now, now)?] })
    }

    /// Parses and checks a key file's JSON: the HMAC key decodes to 32 bytes, at least one
    /// signing key, unique non-empty `kid`s, every `pem` a PKCS#8 RSA private key. `source` names
    /// it in errors. The keys come back sorted by `active_from`.
    ///
    /// # Errors
    /// [`KeyError::Invalid`], naming a field or a position, never a value.
    pub fn parse(json: &str, source: &KeySource) -> Result<Self, KeyError> {
        let invalid =
            |reason: String| KeyError::Invalid { source_name: source.to_string(), reason };
        let mut file: Self = serde_json::from_str(json).map_err(|e| {
            // serde's messages may quote a value; report only the kind of error and where.
            let kind = match e.classify() {
                serde_json::error::Category::Data => {
                    "wrong shape (fields: hmac, signing[].kid, \
                     pem, created_at, active_from)"
                }
                _ => "not JSON",
            };
            invalid(format!("{kind} at line {} column {}", e.line(), e.column()))
        })?;
        file.hmac_bytes().ok_or_else(|| invalid("hmac is not base64 of 32 bytes".into()))?;
        if file.signing.is_empty() {
            return Err(invalid("signing holds no key".into()));
        }
        for (i, entry) in file.signing.iter().enumerate() {
            if entry.kid.is_empty() || file.signing[..i].iter().any(|e| e.kid == entry.kid) {
                return Err(invalid(format!("signing[{i}].kid is empty or repeated")));
            }
            RsaPrivateKey::from_pkcs8_pem(&entry.pem).map_err(|_| {
                invalid(format!("signing[{i}].pem is not a PKCS#8 PEM RSA private key"))
            })?;
        }
        file.sort();
        Ok(file)
    }

    /// The JSON written to disk (pretty, trailing newline).
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }

    /// The decoded HMAC key, if it is base64 of exactly [`HMAC_BYTES`] bytes.
    pub fn hmac_bytes(&self) -> Option<[u8; HMAC_BYTES]> {
        base64::engine::general_purpose::STANDARD.decode(&self.hmac).ok()?.try_into().ok()
    }

    /// The HMAC key of stored hashes. `None` when the file was not checked by
    /// [`KeyFile::parse`] and is malformed.
    pub fn hash_key(&self) -> Option<HashKey> {
        self.hmac_bytes().map(HashKey::from_bytes)
    }

    /// Appends a new RS256 key active from `now + activate_in`, then removes every key superseded
    /// (the next key became active) at least `access_token + PRUNE_MARGIN` before `now`: no
    /// token it signed can still be valid. The current signer and later keys are never removed.
    /// Generating the key takes up to a second: call it on a blocking thread.
    ///
    /// # Errors
    /// [`KeyError::Generate`].
    pub fn rotate(
        &mut self,
        now: OffsetDateTime,
        activate_in: Duration,
        access_token: Duration,
    ) -> Result<Rotation, KeyError> {
        let entry = generate_entry(now, now + activate_in)?;
        let rotation =
            Rotation { added: entry.kid.clone(), active_from: entry.active_from, removed: vec![] };
        self.signing.push(entry);
        self.sort();
        let horizon = now - access_token - PRUNE_MARGIN;
        let superseded: Vec<Option<OffsetDateTime>> = (0..self.signing.len())
            .map(|i| self.signing.get(i + 1).map(|next| next.active_from))
            .collect();
        let mut removed = Vec::new();
        let mut index = 0;
        self.signing.retain(|entry| {
            let gone = superseded[index].is_some_and(|at| at <= horizon);
            index += 1;
            if gone {
                removed.push(entry.kid.clone());
            }
            !gone
        });
        Ok(Rotation { removed, ..rotation })
    }

    /// Stable: keys with the same times keep their file order, so the one appended last (the
    /// newest rotation) is the signer among them.
    fn sort(&mut self) {
        self.signing.sort_by_key(|k| (k.active_from, k.created_at));
    }
}

/// Keys as read: the checked file, its HMAC key, and the SHA-256 of its bytes, by which
/// [`SigningKeys::reload`](crate::tokens::SigningKeys::reload) sees a change.
#[derive(Debug, Clone)]
pub struct LoadedKeys {
    /// The checked content.
    pub file: KeyFile,
    /// The HMAC key of stored hashes (the file's `hmac`).
    pub hash_key: HashKey,
    /// SHA-256 of the JSON as read.
    pub fingerprint: [u8; 32],
}

/// Reads `source` (a file or the inline JSON) and checks it.
///
/// # Errors
/// [`KeyError::NotFound`], [`KeyError::Io`], [`KeyError::Invalid`].
pub async fn read(source: &KeySource) -> Result<LoadedKeys, KeyError> {
    let json = match source {
        KeySource::Inline(json) => json.clone(),
        KeySource::File { path, .. } => match tokio::fs::read_to_string(path).await {
            Ok(json) => json,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyError::NotFound(path.clone()));
            }
            Err(source) => return Err(KeyError::Io { path: path.clone(), source }),
        },
    };
    let file = KeyFile::parse(&json, source)?;
    let hash_key = file.hash_key().ok_or_else(|| KeyError::Invalid {
        source_name: source.to_string(),
        reason: "hmac is not base64 of 32 bytes".into(),
    })?;
    Ok(LoadedKeys { file, hash_key, fingerprint: Sha256::digest(json.as_bytes()).into() })
}

/// The portal's start: reads `source`; a missing file with `create` is generated (0600),
/// importing the legacy `server_secrets` rows of `db` when there are any, which are then
/// deleted. Otherwise `server_secrets` must be empty. `now` stamps generated keys.
///
/// # Errors
/// [`KeyError::LegacyKeysLeft`], and those of [`read`] and [`create_file`].
pub async fn load(
    source: &KeySource,
    db: &Db,
    now: OffsetDateTime,
) -> Result<LoadedKeys, KeyError> {
    match read(source).await {
        Err(KeyError::NotFound(path)) if matches!(source, KeySource::File { create: true, .. }) => {
            if create_file(&path, Some(db), now).await? {
                tracing::info!(path = %path.display(), "created the key file");
            }
            // Read back what is on disk: another process may have created it first.
            read(source).await
        }
        Ok(loaded) => {
            if let KeySource::File { path, .. } = source {
                crate::files::warn_if_shared(path, "the key file");
            }
            let legacy: i64 =
                db::on!(db, |c| sqlx::query_scalar("SELECT COUNT(*) FROM server_secrets")
                    .fetch_one(c)
                    .await)?;
            if legacy > 0 {
                return Err(KeyError::LegacyKeysLeft(legacy));
            }
            Ok(loaded)
        }
        Err(e) => Err(e),
    }
}

/// Creates the key file at `path` (0600, never overwriting one): from the legacy
/// `server_secrets` rows of `db` when it has any (they are deleted once the file is written),
/// else fresh keys stamped `now`. Returns `false` when another process created the file first
/// (then nothing was imported or deleted).
///
/// # Errors
/// [`KeyError::Generate`], [`KeyError::Io`], [`KeyError::Database`].
pub async fn create_file(
    path: &Path,
    db: Option<&Db>,
    now: OffsetDateTime,
) -> Result<bool, KeyError> {
    let legacy = match db {
        Some(db) => legacy_keys(db).await?,
        None => Legacy::default(),
    };
    let imported = !legacy.is_empty();
    let path_buf = path.to_path_buf();
    let written = blocking(move || {
        let fresh = |file: &mut KeyFile| -> Result<(), KeyError> {
            if file.signing.is_empty() {
                file.signing.push(generate_entry(now, now)?);
            }
            Ok(())
        };
        let mut file =
            KeyFile { hmac: legacy.hmac.unwrap_or_else(fresh_hmac), signing: legacy.signing };
        fresh(&mut file)?;
        file.sort();
        write_private(&path_buf, file.to_json().as_bytes(), false)
            .map_err(|source| KeyError::Io { path: path_buf.clone(), source })
    })
    .await?;
    if written
        && imported
        && let Some(db) = db
    {
        let rows = erase_legacy_keys(db).await?;
        tracing::info!(rows, "moved the keys of server_secrets into the key file");
    }
    Ok(written)
}

/// Deletes the `server_secrets` rows so that no copy of the database file made from now on
/// holds them ([`Db::delete_scrubbed`]). Backups taken before still hold the keys (SECURITY.md
/// says what to do about them).
async fn erase_legacy_keys(db: &Db) -> Result<u64, KeyError> {
    Ok(db.delete_scrubbed("DELETE FROM server_secrets").await?)
}

/// Rotates the key file at `path` ([`KeyFile::rotate`]) and rewrites it atomically (0600).
///
/// A link is followed (the file it names is rewritten, the link stays). Two rotations at once
/// take turns on an exclusive lock of `.{name}.lock` beside the file, each reading the file
/// inside the lock, so neither loses the other's key. The rewrite is refused when the file
/// belongs to another user (run it as the portal's user, so the portal can still read it).
///
/// # Errors
/// [`KeyError::NotFound`], [`KeyError::Invalid`] and those of [`KeyFile::rotate`];
/// [`KeyError::Io`] when locking, reading or writing, or for a file of another user.
pub async fn rotate_file(
    path: &Path,
    now: OffsetDateTime,
    activate_in: Duration,
    access_token: Duration,
) -> Result<Rotation, KeyError> {
    let requested = path.to_path_buf();
    blocking(move || {
        let path = match std::fs::canonicalize(&requested) {
            Ok(path) => path,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyError::NotFound(requested));
            }
            Err(source) => return Err(KeyError::Io { path: requested, source }),
        };
        let io = |source| KeyError::Io { path: path.clone(), source };
        let lock = open_lock(&path).map_err(io)?;
        lock.lock().map_err(io)?;
        let json = std::fs::read_to_string(&path).map_err(io)?;
        let source = KeySource::File { path: path.clone(), create: false };
        let mut file = KeyFile::parse(&json, &source)?;
        let rotation = file.rotate(now, activate_in, access_token)?;
        write_private(&path, file.to_json().as_bytes(), true).map_err(io)?;
        drop(lock);
        Ok(rotation)
    })
    .await
}

/// The lock file of `key_file`: `.{name}.lock` in its folder, created 0600 if missing.
fn open_lock(key_file: &Path) -> std::io::Result<std::fs::File> {
    let name = key_file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let path = key_file.with_file_name(format!(".{name}.lock"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Keys found in `server_secrets` (`migrations/*/0001_identity.sql`): `hmac`, and `rs256:<kid>` PKCS#8 PEMs.
#[derive(Default)]
struct Legacy {
    hmac: Option<String>,
    signing: Vec<SigningKeyEntry>,
}

impl Legacy {
    fn is_empty(&self) -> bool {
        self.hmac.is_none() && self.signing.is_empty()
    }
}

async fn legacy_keys(db: &Db) -> Result<Legacy, KeyError> {
    let rows: Vec<(String, String, Stamp)> = db::on!(db, |c| sqlx::query_as(
        "SELECT name, value, created_at FROM server_secrets ORDER BY created_at, name",
    )
    .fetch_all(c)
    .await)?;
    let mut legacy = Legacy::default();
    let bad = |what: &str| KeyError::Invalid {
        source_name: "table server_secrets".into(),
        reason: format!("{what} does not parse"),
    };
    for (name, value, created_at) in rows {
        let created = created_at.at();
        if name == "hmac" {
            let bytes = base64::engine::general_purpose::STANDARD.decode(&value).ok();
            if bytes.is_none_or(|b| b.len() != HMAC_BYTES) {
                return Err(bad("the hmac key"));
            }
            legacy.hmac = Some(value);
        } else if let Some(kid) = name.strip_prefix("rs256:") {
            RsaPrivateKey::from_pkcs8_pem(&value).map_err(|_| bad("an rs256 key"))?;
            legacy.signing.push(SigningKeyEntry {
                kid: kid.to_owned(),
                pem: value,
                created_at: created,
                active_from: created,
            });
        }
    }
    Ok(legacy)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, KeyError> + Send + 'static,
) -> Result<T, KeyError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| KeyError::Generate(format!("key task: {e}")))?
}

fn fresh_hmac() -> String {
    use rand::RngCore as _;
    let mut key = [0u8; HMAC_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut key);
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// A fresh RS256 key created at `now`, signing from `active_from`.
fn generate_entry(
    now: OffsetDateTime,
    active_from: OffsetDateTime,
) -> Result<SigningKeyEntry, KeyError> {
    let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, RSA_BITS)
        .map_err(|e| KeyError::Generate(format!("RSA: {e}")))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::Generate(format!("PKCS#8 encoding: {e}")))?;
    let der = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| KeyError::Generate(format!("SPKI encoding: {e}")))?;
    let digest = Sha256::digest(der.as_bytes());
    Ok(SigningKeyEntry {
        kid: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]),
        pem: pem.as_str().to_owned(),
        created_at: whole_seconds(now),
        active_from: whole_seconds(active_from),
    })
}

fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0).unwrap_or(t)
}

/// Writes `bytes` to `path` through a temporary file created 0600 (Unix) in the same folder,
/// synced, then renamed over `path` (`replace`) or linked to it only if it does not exist yet
/// (`false` returned when it did). Readers never see a partial file.
fn write_private(path: &Path, bytes: &[u8], replace: bool) -> std::io::Result<bool> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", crate::crypto::random_token(6)));
    let result = (|| {
        let mut file = crate::files::create_private(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        let written = if replace {
            refuse_other_owner(&tmp, path)?;
            std::fs::rename(&tmp, path)?;
            true
        } else {
            match std::fs::hard_link(&tmp, path) {
                Ok(()) => true,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                // A file system without hard links: check, then rename (a narrow race).
                Err(_) if path.exists() => false,
                Err(_) => {
                    std::fs::rename(&tmp, path)?;
                    true
                }
            }
        };
        #[cfg(unix)]
        if let Ok(dir) = std::fs::File::open(&dir) {
            let _ = dir.sync_all();
        }
        Ok(written)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Refuses to replace `path` when it belongs to another user than the one writing `ours` (a
/// file this process just created): an operator who rotates as root would otherwise leave a
/// key file the portal's own user cannot read.
fn refuse_other_owner(ours: &Path, path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let (mine, theirs) = (std::fs::metadata(ours)?.uid(), std::fs::metadata(path)?.uid());
        if mine != theirs {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "the key file belongs to user id {theirs}, not to this user ({mine}): run \
                     the command as the portal's user (e.g. sudo -u <portal user> …)"
                ),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (ours, path);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).expect("time")
    }

    const LIFETIME: Duration = Duration::from_secs(900);

    #[test]
    fn resolution_follows_the_documented_precedence() {
        let env = KeyEnv { file: Some("env.json".into()), inline: Some("{}".into()) };
        let flag = Path::new("flag.json");
        let toml = Path::new("toml.json");
        let db = Path::new("d/portal.sqlite3");
        let file = |p: &str, create| KeySource::File { path: p.into(), create };
        assert_eq!(resolve(Some(flag), &env, Some(toml), None).unwrap(), file("flag.json", false));
        assert_eq!(resolve(None, &env, Some(toml), Some(db)).unwrap(), file("env.json", true));
        let inline_only = KeyEnv { file: None, inline: Some("{}".into()) };
        assert_eq!(
            resolve(None, &inline_only, Some(toml), None).unwrap(),
            KeySource::Inline("{}".into())
        );
        let none = KeyEnv::default();
        assert_eq!(resolve(None, &none, Some(toml), None).unwrap(), file("toml.json", false));
        assert_eq!(resolve(None, &none, None, Some(db)).unwrap(), file("d/portal.keys.json", true));
        let missing = resolve(None, &none, None, None).unwrap_err();
        assert!(missing.to_string().contains("portal-server keys init --keys PATH"), "{missing}");
    }

    #[test]
    fn rotation_appends_signs_later_and_prunes_only_expired_signers() {
        let mut file = KeyFile::generate(at(0)).unwrap();
        let first = file.signing[0].kid.clone();
        let r = file.rotate(at(1000), DEFAULT_ACTIVATE_IN, LIFETIME).unwrap();
        assert!(r.removed.is_empty());
        assert_eq!(r.active_from, at(1120));
        assert_eq!(file.signing.len(), 2);
        // The first key was superseded at 1120: kept until 1120 + 900 + 300.
        let r = file.rotate(at(1120 + 1199), Duration::ZERO, LIFETIME).unwrap();
        assert!(r.removed.is_empty(), "{r}");
        let r = file.rotate(at(1120 + 1200), Duration::ZERO, LIFETIME).unwrap();
        assert_eq!(r.removed, vec![first.clone()]);
        assert!(file.signing.iter().all(|k| k.kid != first));
        // The round trip keeps everything, sorted by active_from.
        let source = KeySource::Inline(String::new());
        let again = KeyFile::parse(&file.to_json(), &source).unwrap();
        let kids = |f: &KeyFile| f.signing.iter().map(|k| k.kid.clone()).collect::<Vec<_>>();
        assert_eq!(kids(&again), kids(&file));
        assert_eq!(again.hmac_bytes(), file.hmac_bytes());
    }

    #[test]
    fn a_rotation_in_the_same_second_still_makes_the_new_key_the_newest() {
        let mut file = KeyFile::generate(at(0)).unwrap();
        let r = file.rotate(at(0), Duration::ZERO, LIFETIME).unwrap();
        assert_eq!(file.signing.last().unwrap().kid, r.added);
        let again = KeyFile::parse(&file.to_json(), &KeySource::Inline(String::new())).unwrap();
        assert_eq!(again.signing.last().unwrap().kid, r.added);
    }

    #[test]
    fn parse_errors_name_the_problem_and_never_the_value() {
        let source = KeySource::File { path: "k.json".into(), create: false };
        let secret = "c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw";
        for (json, expected) in [
            (format!("{{\"hmac\": 5, \"signing\": [\"{secret}\"]}}"), "wrong shape"),
            (format!("{{\"hmac\": \"{secret}\", \"signing\": []}}"), "hmac is not base64"),
            ("{\"hmac\": ".to_owned(), "not JSON"),
        ] {
            let message = KeyFile::parse(&json, &source).unwrap_err().to_string();
            assert!(message.contains(expected), "{message}");
            assert!(message.contains("key file k.json"), "{message}");
            assert!(!message.contains(secret), "{message}");
        }
    }

    #[test]
    fn private_files_are_owner_only_and_never_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        assert!(write_private(&path, b"one", false).unwrap());
        assert!(!write_private(&path, b"two", false).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        assert!(write_private(&path, b"three", true).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
