//! Signed updates: the publisher's minisign key pair (`cargo xtask update-key`) and, in
//! `cargo xtask package`, the packages' signatures and the static update manifest the installed
//! apps read (tauri-plugin-updater's format).
//!
//! - The secret key stays with whoever publishes releases, never in the repository: its file is
//!   named by `CARTABLE_UPDATE_KEY`, its password (if it has one) given in
//!   `CARTABLE_UPDATE_KEY_PASSWORD`. Without `CARTABLE_UPDATE_KEY` the packages are not signed and
//!   no manifest is written (an earlier run's are deleted, so a stale one is never published).
//! - The public key is `plugins.updater.pubkey` in `tauri.conf.json`: the base64 of the minisign
//!   public key file, as the plugin reads it. Each signature is checked against it before anything
//!   is written, so a release signed with another key (which every installed app would refuse)
//!   fails here instead.
//! - Each `<package>.sig` holds the base64 of the minisign signature file, the form the plugin
//!   verifies; its trusted comment (covered by the signature) names the file and the version
//!   (`timestamp:…\tfile:…\tversion:…`, as tauri-cli writes it), so a manifest that pairs this
//!   package with another version is refused (`requireSignedVersion`).
//! - `latest.json` lists them for `linux-x86_64-deb`, `linux-x86_64-rpm` and `linux-x86_64` (the
//!   .deb: a build that came from no package), at `CARTABLE_UPDATE_BASE_URL/<file>`.

use anyhow::{Context as _, anyhow, bail};
use std::{
    fs,
    io::Cursor,
    path::{Path, PathBuf},
};

use base64::Engine as _;
use minisign::{KeyPair, PublicKey, PublicKeyBox, SecretKey, SecretKeyBox, SignatureBox};

use crate::cmd::Result;

/// The manifest's file name, beside the packages.
pub const MANIFEST: &str = "latest.json";

/// The secret key file written by [`generate`].
const SECRET_FILE: &str = "cartable-update.key";

/// The public key file written by [`generate`].
const PUBLIC_FILE: &str = "cartable-update.pub";

/// `cargo xtask update-key <folder>`: a new key pair in `<folder>` (created `0700`), the secret
/// key encrypted with `CARTABLE_UPDATE_KEY_PASSWORD` (asked on the terminal when unset) and
/// readable by its owner only; prints the `pubkey` value for `tauri.conf.json`.
pub fn generate(args: &[String]) -> Result {
    let [dir] = args else {
        bail!("usage: cargo xtask update-key <folder outside the repository>");
    };
    let dir = PathBuf::from(dir);
    let (secret, public) = (dir.join(SECRET_FILE), dir.join(PUBLIC_FILE));
    for file in [&secret, &public] {
        if file.exists() {
            bail!("{} exists: not overwriting a key", file.display());
        }
    }
    create_private_dir(&dir)?;
    // `None` asks for the password twice on the terminal.
    let password = std::env::var("CARTABLE_UPDATE_KEY_PASSWORD").ok();
    let pair =
        KeyPair::generate_encrypted_keypair(password).context("cannot generate the key pair")?;
    let secret_box = pair
        .sk
        .to_box(Some("Cartable update signing key (minisign, encrypted)"))
        .context("cannot encode the secret key")?;
    write_private(&secret, secret_box.to_string().as_bytes())?;
    let public_box = pair.pk.to_box().context("cannot encode the public key")?;
    fs::write(&public, public_box.to_string())
        .with_context(|| format!("cannot write {}", public.display()))?;
    println!("· secret key: {} (keep it and its password safe; never commit it)", secret.display());
    println!("· public key: {}", public.display());
    println!(
        "· put this in tauri.conf.json, plugins.updater.pubkey:\n{}",
        pubkey_value(&public_box.to_string())
    );
    Ok(())
}

/// The `pubkey` value of `tauri.conf.json` for a minisign public key file's text.
pub fn pubkey_value(public_box: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(public_box)
}

fn create_private_dir(dir: &Path) -> Result {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file =
        options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    std::io::Write::write_all(&mut file, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// How to sign a release: from `CARTABLE_UPDATE_KEY`, `CARTABLE_UPDATE_KEY_PASSWORD`,
/// `CARTABLE_UPDATE_BASE_URL` and `CARTABLE_UPDATE_NOTES`.
struct Signing {
    key_file: PathBuf,
    password: Option<String>,
    base_url: String,
    notes: Option<String>,
}

/// After bundling: signs the packages of `out` and writes [`MANIFEST`] when `CARTABLE_UPDATE_KEY`
/// is set; otherwise deletes an earlier run's signatures and manifest.
pub fn sign_packages(root: &Path, out: &Path, version: &str) -> Result {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let Some(key_file) = var("CARTABLE_UPDATE_KEY") else {
        remove_stale(out)?;
        println!("· not signed (no CARTABLE_UPDATE_KEY): no update manifest");
        return Ok(());
    };
    let base_url = var("CARTABLE_UPDATE_BASE_URL").context(
        "CARTABLE_UPDATE_BASE_URL is not set: the address the packages will be served from \
         (https://…/), written into the manifest",
    )?;
    let signing = Signing {
        key_file: PathBuf::from(key_file),
        // Set but empty is a password too (tauri-cli's keys may have an empty one).
        password: std::env::var("CARTABLE_UPDATE_KEY_PASSWORD").ok(),
        base_url,
        notes: var("CARTABLE_UPDATE_NOTES"),
    };
    sign_with(&signing, root, out, version)
}

/// Signs the .deb and the .rpm of `out` and writes [`MANIFEST`] beside them.
fn sign_with(signing: &Signing, root: &Path, out: &Path, version: &str) -> Result {
    let base_url = check_base_url(&signing.base_url)?;
    let secret = read_secret_key(&signing.key_file, signing.password.clone())?;
    let trusted = config_public_key(root)?;
    let packages = packages_in(out)?;
    let deb = packages.iter().find(|p| p.ends_with(".deb")).context("no .deb to sign")?;
    let rpm = packages.iter().find(|p| p.ends_with(".rpm")).context("no .rpm to sign")?;
    let arch = std::env::consts::ARCH;
    let mut platforms = serde_json::Map::new();
    for (name, keys) in [
        (deb, vec![format!("linux-{arch}-deb"), format!("linux-{arch}")]),
        (rpm, vec![format!("linux-{arch}-rpm")]),
    ] {
        let path = out.join(name);
        let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let signature = sign(&secret, &trusted, &bytes, name, version)?;
        fs::write(out.join(format!("{name}.sig")), &signature)
            .with_context(|| format!("cannot write the signature of {name}"))?;
        println!("· signed {name} (verified with tauri.conf.json's public key)");
        for key in keys {
            platforms.insert(
                key,
                serde_json::json!({ "url": format!("{base_url}{name}"), "signature": signature }),
            );
        }
    }
    let manifest = serde_json::json!({
        "version": version,
        "notes": signing.notes.clone().unwrap_or_else(|| format!("Cartable {version}")),
        "pub_date": now_rfc3339()?,
        "platforms": platforms,
    });
    let text = serde_json::to_string_pretty(&manifest)?;
    fs::write(out.join(MANIFEST), text + "\n")
        .with_context(|| format!("cannot write {MANIFEST}"))?;
    println!(
        "· update manifest {}/{MANIFEST}: publish it with the packages at {base_url} and give the \
         apps its address (CARTABLE_UPDATE_URL)",
        out.display()
    );
    Ok(())
}

/// `https://host/path/` (a trailing slash added); `http://` only to this computer, for trials.
fn check_base_url(url: &str) -> Result<String> {
    let url = url.trim();
    let rest = url.strip_prefix("https://").or_else(|| {
        url.strip_prefix("http://").filter(|r| {
            ["127.0.0.1", "localhost", "[::1]"].iter().any(|host| {
                r.strip_prefix(host)
                    .is_some_and(|after| after.is_empty() || after.starts_with([':', '/']))
            })
        })
    });
    match rest {
        Some(rest) if !rest.is_empty() && !rest.contains(['?', '#', ' ']) => {
            Ok(if url.ends_with('/') { url.to_owned() } else { format!("{url}/") })
        }
        _ => Err(anyhow!("CARTABLE_UPDATE_BASE_URL {url:?} must be an https:// address")),
    }
}

/// The secret key of a minisign key file (or of tauri-cli's `.key`, the same text in base64),
/// decrypted with `password` when the key has one.
pub fn read_secret_key(path: &Path, password: Option<String>) -> Result<SecretKey> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = if text.trim_start().starts_with("untrusted comment:") {
        text
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .with_context(|| format!("{} is not a minisign secret key", path.display()))?
    };
    let secret_box = SecretKeyBox::from_string(&text)?;
    let key = match password {
        Some(password) => SecretKey::from_box(secret_box, Some(password)),
        None => SecretKey::from_unencrypted_box(secret_box),
    };
    // Never print the key itself: minisign's `Debug` of a secret key shows its bytes.
    key.with_context(|| {
        format!(
            "cannot open the secret key {} (an encrypted key needs \
             CARTABLE_UPDATE_KEY_PASSWORD)",
            path.display()
        )
    })
}

/// `plugins.updater.pubkey` of `tauri.conf.json`: the key every installed app verifies with.
fn config_public_key(root: &Path) -> Result<PublicKey> {
    let path = root.join("tauri.conf.json");
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let config: serde_json::Value = serde_json::from_str(&text)?;
    let value = config
        .pointer("/plugins/updater/pubkey")
        .and_then(serde_json::Value::as_str)
        .context("tauri.conf.json has no plugins.updater.pubkey")?;
    public_key_from_value(value)
}

/// The public key of a `pubkey` value (base64 of the minisign public key file).
pub fn public_key_from_value(value: &str) -> Result<PublicKey> {
    let text = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .context("the pubkey is not the base64 of a minisign public key file")?;
    PublicKeyBox::from_string(&text)
        .and_then(PublicKeyBox::into_public_key)
        .context("the pubkey is not a minisign public key")
}

/// The signature of `bytes` (the file `name`, release `version`) as the plugin reads it: the
/// base64 of the minisign signature file. Checked against `trusted` before it is returned.
pub fn sign(
    secret: &SecretKey,
    trusted: &PublicKey,
    bytes: &[u8],
    name: &str,
    version: &str,
) -> Result<String> {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let trusted_comment = format!("timestamp:{timestamp}\tfile:{name}\tversion:{version}");
    let signature = minisign::sign(
        None,
        secret,
        Cursor::new(bytes),
        Some(&trusted_comment),
        Some("signature from the Cartable update key"),
    )
    .with_context(|| format!("cannot sign {name}"))?;
    let text = signature.to_string();
    let again = SignatureBox::from_string(&text)?;
    minisign::verify(trusted, &again, Cursor::new(bytes), true, false, false).map_err(|_| {
        anyhow!(
            "the signature of {name} does not verify with tauri.conf.json's plugins.updater.pubkey: \
             CARTABLE_UPDATE_KEY is not the key the apps trust"
        )
    })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(text))
}

/// The .deb and .rpm file names in `out`, sorted.
fn packages_in(out: &Path) -> Result<Vec<String>> {
    let entries = fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".deb") || n.ends_with(".rpm"))
        .collect();
    names.sort();
    Ok(names)
}

/// Deletes the signatures and manifest an earlier signed run left in `out`.
fn remove_stale(out: &Path) -> Result {
    let Ok(entries) = fs::read_dir(out) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".sig") || name == MANIFEST {
            fs::remove_file(entry.path()).with_context(|| format!("cannot delete {name}"))?;
        }
    }
    Ok(())
}

fn now_rfc3339() -> Result<String> {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0)?;
    Ok(now.format(&time::format_description::well_known::Rfc3339)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_key_and_names_the_version() {
        let pair = KeyPair::generate_unencrypted_keypair().expect("key pair");
        let signature = sign(&pair.sk, &pair.pk, b"package", "cartable_9.9.9_amd64.deb", "9.9.9")
            .expect("signed");
        let text = String::from_utf8(
            base64::engine::general_purpose::STANDARD.decode(signature).expect("base64"),
        )
        .expect("text");
        let parsed = SignatureBox::from_string(&text).expect("a minisign signature file");
        let comment = parsed.trusted_comment().expect("trusted comment");
        assert!(comment.ends_with("\tfile:cartable_9.9.9_amd64.deb\tversion:9.9.9"), "{comment}");

        let other = KeyPair::generate_unencrypted_keypair().expect("key pair");
        let refused = sign(&pair.sk, &other.pk, b"package", "x.deb", "9.9.9");
        assert!(refused.is_err_and(|e| e.to_string().contains("not the key the apps trust")));
    }

    #[test]
    fn the_config_public_key_round_trips() {
        let pair = KeyPair::generate_unencrypted_keypair().expect("key pair");
        let value = pubkey_value(&pair.pk.to_box().expect("box").to_string());
        let key = public_key_from_value(&value).expect("parsed");
        assert_eq!(key.to_base64(), pair.pk.to_base64());
        assert!(public_key_from_value("not base64").is_err());
    }

    #[test]
    fn base_urls_are_https_or_loopback() {
        assert_eq!(
            check_base_url("https://maj.example.ca/cartable").ok().as_deref(),
            Some("https://maj.example.ca/cartable/")
        );
        assert_eq!(
            check_base_url("http://127.0.0.1:8000/").ok().as_deref(),
            Some("http://127.0.0.1:8000/")
        );
        assert!(check_base_url("http://maj.example.ca/").is_err());
        assert!(check_base_url("http://127.0.0.1.example.ca/").is_err());
        assert!(check_base_url("ftp://x/").is_err());
    }

    #[test]
    fn a_release_gets_its_signatures_and_manifest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (root, out) = (dir.path().join("root"), dir.path().join("packages"));
        fs::create_dir_all(&root).expect("root");
        fs::create_dir_all(&out).expect("out");
        let pair = KeyPair::generate_unencrypted_keypair().expect("key pair");
        let pubkey = pubkey_value(&pair.pk.to_box().expect("box").to_string());
        let config = serde_json::json!({ "plugins": { "updater": { "pubkey": pubkey } } });
        fs::write(root.join("tauri.conf.json"), config.to_string()).expect("config");
        let key_file = dir.path().join("update.key");
        fs::write(&key_file, pair.sk.to_box(None).expect("box").to_string()).expect("key");
        fs::write(out.join("cartable_9.9.9_amd64.deb"), b"deb").expect("deb");
        fs::write(out.join("cartable-9.9.9-1.x86_64.rpm"), b"rpm").expect("rpm");
        let signing = Signing {
            key_file,
            password: None,
            base_url: "https://maj.example.ca/cartable".into(),
            notes: None,
        };
        sign_with(&signing, &root, &out, "9.9.9").expect("signed");

        let manifest: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join(MANIFEST)).expect("manifest"))
                .expect("JSON");
        assert_eq!(manifest["version"], "9.9.9");
        let arch = std::env::consts::ARCH;
        let deb = &manifest["platforms"][format!("linux-{arch}-deb")];
        assert_eq!(deb["url"], "https://maj.example.ca/cartable/cartable_9.9.9_amd64.deb");
        assert_eq!(manifest["platforms"][format!("linux-{arch}")], *deb);
        let rpm = &manifest["platforms"][format!("linux-{arch}-rpm")];
        assert_eq!(rpm["url"], "https://maj.example.ca/cartable/cartable-9.9.9-1.x86_64.rpm");
        let sig = fs::read_to_string(out.join("cartable_9.9.9_amd64.deb.sig")).expect("sig");
        assert_eq!(deb["signature"], sig.as_str());

        // Signed with a key the config does not hold: nothing verifies, nothing is written.
        remove_stale(&out).expect("cleaned");
        let other = KeyPair::generate_unencrypted_keypair().expect("key pair");
        fs::write(&signing.key_file, other.sk.to_box(None).expect("box").to_string()).expect("key");
        assert!(sign_with(&signing, &root, &out, "9.9.9").is_err());
        assert!(!out.join(MANIFEST).exists());
    }

    #[test]
    fn secret_keys_open_plain_or_with_their_password() {
        let dir = tempfile::tempdir().expect("temp dir");
        let plain = KeyPair::generate_unencrypted_keypair().expect("key pair");
        let path = dir.path().join("plain.key");
        fs::write(&path, plain.sk.to_box(None).expect("box").to_string()).expect("written");
        assert!(read_secret_key(&path, None).is_ok());
        // tauri-cli's form: the same text in base64.
        let b64 = dir.path().join("tauri.key");
        let text = plain.sk.to_box(None).expect("box").to_string();
        fs::write(&b64, base64::engine::general_purpose::STANDARD.encode(text)).expect("written");
        assert!(read_secret_key(&b64, None).is_ok());
    }
}
