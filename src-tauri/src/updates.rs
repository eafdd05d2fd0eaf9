//! Signed updates (README "Publishing updates", SECURITY.md "Signed updates").
//!
//! **Where updates come from is the operator's choice.** `CARTABLE_UPDATE_URL` names the static
//! update manifest (`latest.json`, written by `cargo xtask package`); without it, the build's own
//! `plugins.updater.endpoints` of `tauri.conf.json` (none in ours); without either, updates are
//! off ([`UpdateSource::Off`]): no server is ever asked, and Paramètres says the package manager
//! (or whoever provided Cartable) keeps it up to date. `CARTABLE_UPDATE_URL=none` turns them off
//! in a build that names an endpoint.
//!
//! **What is trusted is not configurable in a release build.** tauri-plugin-updater verifies the
//! downloaded package's minisign signature against `plugins.updater.pubkey` of `tauri.conf.json`,
//! compiled into the app, and the version the signature's trusted comment names against the one
//! the manifest announces (`requireSignedVersion`). Debug builds alone also read
//! `CARTABLE_UPDATE_PUBKEY` ([`UpdateEnv::pubkey`]), so the end-to-end suite can sign with a
//! throw-away key; a release build ignores it.
//!
//! **The app never installs or replaces itself.** A verified package is written to the Downloads
//! folder ([`hand_over`]) and the parent is given the package manager's command
//! ([`install_command`]). On Linux Cartable is a .deb or an .rpm whose files belong to the package
//! manager; the plugin's own install would run `dpkg -i` / `rpm -U` through pkexec, or ask for the
//! administrator password in a zenity or kdialog window and pipe it to sudo (the app handling that
//! password, and apt's dependency resolution skipped); for a binary that came from no package it
//! would overwrite the running executable as if it were an AppImage. Windows and macOS installers
//! are not built here yet; they get the same hand-over.

use std::{
    io,
    net::IpAddr,
    path::{Path, PathBuf},
};

use url::{Host, Url};

/// The environment variable naming the update manifest.
pub const UPDATE_URL_VAR: &str = "CARTABLE_UPDATE_URL";

/// The environment variable a debug build reads a test public key from.
pub const UPDATE_PUBKEY_VAR: &str = "CARTABLE_UPDATE_PUBKEY";

/// The update settings read from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateEnv {
    /// `CARTABLE_UPDATE_URL`: the operator's update manifest, or `none`.
    pub url: Option<String>,
    /// `CARTABLE_UPDATE_PUBKEY`: the public key to verify with instead of `tauri.conf.json`'s
    /// (base64 of a minisign public key file, as there). Used by debug builds only
    /// ([`UpdateEnv::trusted_pubkey`]).
    pub pubkey: Option<String>,
}

impl UpdateEnv {
    /// Reads `CARTABLE_UPDATE_URL` and `CARTABLE_UPDATE_PUBKEY`; empty values count as unset.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self { url: var(UPDATE_URL_VAR), pubkey: var(UPDATE_PUBKEY_VAR) }
    }

    /// The key to verify with instead of `tauri.conf.json`'s: `CARTABLE_UPDATE_PUBKEY` in a debug
    /// build; never in a release build, which trusts only its own key.
    pub fn trusted_pubkey(&self) -> Option<String> {
        let pubkey = self.pubkey.clone()?;
        if cfg!(debug_assertions) {
            log::warn!("updates are verified with the test key of {UPDATE_PUBKEY_VAR}");
            Some(pubkey)
        } else {
            log::warn!("{UPDATE_PUBKEY_VAR} is ignored: a release build trusts only its own key");
            None
        }
    }
}

/// Where the app looks for updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateSource {
    /// No update server: nothing is asked; the package manager or the operator updates Cartable.
    Off,
    /// The manifest at this address (`CARTABLE_UPDATE_URL`).
    Url(Url),
    /// The build's own `plugins.updater.endpoints`.
    Config,
}

impl UpdateSource {
    /// `CARTABLE_UPDATE_URL` (`none`: off), else the build's endpoints, else off. An address
    /// refused by [`check_update_url`] turns updates off, with a warning in the log.
    pub fn resolve(env: &UpdateEnv, config_has_endpoints: bool) -> Self {
        match env.url.as_deref().map(str::trim) {
            Some(none) if none.eq_ignore_ascii_case("none") => Self::Off,
            Some(url) => match check_update_url(url) {
                Ok(url) => Self::Url(url),
                Err(reason) => {
                    log::warn!("{UPDATE_URL_VAR} refused ({reason}): updates are off");
                    Self::Off
                }
            },
            None if config_has_endpoints => Self::Config,
            None => Self::Off,
        }
    }
}

/// An update manifest address: `https://`, or, in a debug build, `http://` to this computer (the
/// end-to-end suite's server; a release build of the plugin refuses plain HTTP whatever the host).
///
/// # Errors
/// The reason, a short snake_case word for the log.
pub fn check_update_url(url: &str) -> Result<Url, &'static str> {
    let parsed = Url::parse(url).map_err(|_| "invalid_url")?;
    let loopback = match parsed.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback && cfg!(debug_assertions) => Ok(parsed),
        "http" => Err("insecure_url"),
        _ => Err("unsupported_scheme"),
    }
}

/// The file name a verified package is saved under: the last segment of its download address
/// when it is a plain file name (`cartable_0.2.0_amd64.deb`), else `cartable-<version>-update`.
pub fn package_file_name(url: &Url, version: &str) -> String {
    let last = url.path_segments().and_then(|mut s| s.next_back()).unwrap_or_default();
    let plain = !last.is_empty()
        && !last.starts_with('.')
        && last.len() <= 128
        && last.chars().all(|c| c.is_ascii_alphanumeric() || "._-+~".contains(c));
    if plain {
        last.to_owned()
    } else {
        let version: String =
            version.chars().filter(|c| c.is_ascii_alphanumeric() || ".-+".contains(*c)).collect();
        format!("cartable-{version}-update")
    }
}

/// Writes a verified package as `dir/name` (creating `dir`), through a temporary file so a full
/// disk never leaves half a package under the final name.
///
/// # Errors
/// The folder or the file cannot be written.
pub fn hand_over(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let part = dir.join(format!("{name}.part"));
    if let Err(error) = std::fs::write(&part, bytes) {
        let _ = std::fs::remove_file(&part);
        return Err(error);
    }
    std::fs::rename(&part, &path)?;
    Ok(path)
}

/// The command that installs the saved package with the system's package manager (apt for a
/// .deb, dnf for an .rpm); `None` for anything else (opened by the parent).
pub fn install_command(path: &Path) -> Option<String> {
    let quoted = format!("'{}'", path.to_string_lossy().replace('\'', r"'\''"));
    match path.extension().and_then(|e| e.to_str()) {
        Some("deb") => Some(format!("sudo apt install {quoted}")),
        Some("rpm") => Some(format!("sudo dnf install {quoted}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(url: Option<&str>) -> UpdateEnv {
        UpdateEnv { url: url.map(str::to_owned), pubkey: None }
    }

    #[test]
    fn updates_are_off_unless_an_endpoint_is_named() {
        assert_eq!(UpdateSource::resolve(&env(None), false), UpdateSource::Off);
        assert_eq!(UpdateSource::resolve(&env(None), true), UpdateSource::Config);
        assert_eq!(UpdateSource::resolve(&env(Some("None")), true), UpdateSource::Off);
        let url = "https://maj.example.ca/cartable/latest.json";
        assert_eq!(
            UpdateSource::resolve(&env(Some(url)), true),
            UpdateSource::Url(Url::parse(url).expect("url"))
        );
        // Refused addresses turn updates off rather than reaching a server in clear.
        assert_eq!(
            UpdateSource::resolve(&env(Some("http://maj.example.ca/latest.json")), true),
            UpdateSource::Off
        );
    }

    #[test]
    fn update_urls_are_https_or_loopback() {
        assert!(check_update_url("https://maj.example.ca/latest.json").is_ok());
        assert!(check_update_url("http://127.0.0.1:8123/latest.json").is_ok());
        assert!(check_update_url("http://[::1]:8123/latest.json").is_ok());
        assert!(check_update_url("http://localhost/latest.json").is_ok());
        assert_eq!(check_update_url("http://maj.example.ca/latest.json"), Err("insecure_url"));
        assert_eq!(check_update_url("ftp://maj.example.ca/latest.json"), Err("unsupported_scheme"));
        assert_eq!(check_update_url("latest.json"), Err("invalid_url"));
    }

    #[test]
    fn saved_packages_keep_a_plain_name_only() {
        let name = |url: &str| package_file_name(&Url::parse(url).expect("url"), "0.2.0");
        assert_eq!(
            name("https://m.example.ca/c/cartable_0.2.0_amd64.deb"),
            "cartable_0.2.0_amd64.deb"
        );
        assert_eq!(name("https://m.example.ca/c/..%2F..%2Fbashrc"), "cartable-0.2.0-update");
        assert_eq!(name("https://m.example.ca/c/.hidden"), "cartable-0.2.0-update");
        assert_eq!(name("https://m.example.ca/"), "cartable-0.2.0-update");
    }

    #[test]
    fn packages_are_installed_by_the_package_manager() {
        assert_eq!(
            install_command(Path::new("/home/a/Téléchargements/cartable_0.2.0_amd64.deb"))
                .as_deref(),
            Some("sudo apt install '/home/a/Téléchargements/cartable_0.2.0_amd64.deb'")
        );
        assert_eq!(
            install_command(Path::new("/tmp/it's/cartable-0.2.0-1.x86_64.rpm")).as_deref(),
            Some(r"sudo dnf install '/tmp/it'\''s/cartable-0.2.0-1.x86_64.rpm'")
        );
        assert_eq!(install_command(Path::new("/tmp/cartable-setup.exe")), None);
    }

    #[test]
    fn a_package_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().expect("temp dir");
        let downloads = dir.path().join("Téléchargements");
        let path = hand_over(&downloads, "cartable_0.2.0_amd64.deb", b"package").expect("saved");
        assert_eq!(std::fs::read(&path).expect("read"), b"package");
        let names: Vec<_> = std::fs::read_dir(&downloads)
            .expect("listed")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["cartable_0.2.0_amd64.deb"]);
    }
}
