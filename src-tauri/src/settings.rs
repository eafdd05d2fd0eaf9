//! The app's own settings (Paramètres): language and portal, as JSON in the app config directory.
//!
//! The portal setting is the second source of `docs/contract.md §0`'s precedence: the
//! environment (`CARTABLE_PORTAL_URL` and its overrides) wins over it, and without either the
//! embedded demo portal is used ([`PortalChoice::resolve`]).

use std::path::{Path, PathBuf};

use cartable_core::Provider;
use cartable_core::error::SettingRefusal;
use cartable_core::ipc::{Language, PortalSource};
use serde::{Deserialize, Serialize};

/// File name inside the app config directory.
pub const FILE_NAME: &str = "settings.json";

/// What Paramètres stores.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Interface language, also sent as `Accept-Language` (`docs/contract.md §0`).
    pub language: Language,
    /// The portal origin chosen in Paramètres → Portail; `None` for the embedded demo portal.
    pub portal_url: Option<PortalOrigin>,
}

impl Settings {
    /// Reads `path`; a missing or unreadable file gives the defaults (logged, never fatal).
    pub fn load(path: &Path) -> Self {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                log::warn!("ignoring unreadable settings {}: {error}", path.display());
                Self::default()
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Self::default(),
            Err(error) => {
                log::warn!("cannot read settings {}: {error}", path.display());
                Self::default()
            }
        }
    }

    /// Writes the settings to `path` (creating its directory), through a temporary file so a
    /// crash never leaves half a file.
    ///
    /// # Errors
    /// The directory or file cannot be written.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(tmp, path)
    }
}

/// The portal overrides read from the environment (`docs/contract.md §0`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalEnv {
    /// `CARTABLE_PORTAL_URL`: the portal origin.
    pub portal_url: Option<PortalOrigin>,
    /// `CARTABLE_AUTHORITY`: overrides `{origin}/auth/` (e.g. a real Entra tenant).
    pub authority: Option<String>,
    /// `CARTABLE_API_BASE`: overrides `{origin}/api/v1/`.
    pub api_base: Option<String>,
    /// `CARTABLE_CLIENT_ID`: overrides the client id `cartable`.
    pub client_id: Option<String>,
    /// `CARTABLE_SOCIAL_PROVIDERS`: the social providers the portal offers, comma-separated ids
    /// of [`Provider`]s (e.g. `google,microsoft,facebook,linkedin,apple`), or `none`.
    pub social_providers: Option<String>,
}

impl PortalEnv {
    /// Reads the five variables; empty values count as unset.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            portal_url: var("CARTABLE_PORTAL_URL").map(PortalOrigin::from),
            authority: var("CARTABLE_AUTHORITY"),
            api_base: var("CARTABLE_API_BASE"),
            client_id: var("CARTABLE_CLIENT_ID"),
            social_providers: var("CARTABLE_SOCIAL_PROVIDERS"),
        }
    }

    /// The social providers to offer, in [`Provider::ALL`]'s order: those named by
    /// `CARTABLE_SOCIAL_PROVIDERS` (case-insensitive; unknown ids are skipped with a warning;
    /// `none` offers none), else [`Provider::DEFAULT`].
    pub fn offered_providers(&self) -> Vec<Provider> {
        let Some(list) = &self.social_providers else {
            return Provider::DEFAULT.to_vec();
        };
        let mut named = Vec::new();
        for id in list
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty() && !id.eq_ignore_ascii_case("none"))
        {
            match Provider::from_id(id) {
                Some(provider) => named.push(provider),
                None => log::warn!("CARTABLE_SOCIAL_PROVIDERS: unknown provider {id:?} ignored"),
            }
        }
        Provider::ALL.into_iter().filter(|p| named.contains(p)).collect()
    }
}

/// A portal's origin as the app keys it: lowercase, no trailing slash, e.g.
/// `https://portail.example.ca`. It is the portal id of `docs/contract.md §9` (keychain entries
/// are filed under it), so two spellings of one address name one portal. Not checked here:
/// [`check_portal_url`] checks what a parent types, and the client refuses an unsafe origin
/// when it connects (`PortalConfig::from_origin`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct PortalOrigin(String);

impl PortalOrigin {
    /// `HTTPS://Portail.Example.ca/` → `https://portail.example.ca`.
    pub fn normalize(url: &str) -> Self {
        Self(url.trim().trim_end_matches('/').to_lowercase())
    }

    /// The origin's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored or configured text is normalized when read, whoever wrote it.
impl From<String> for PortalOrigin {
    fn from(url: String) -> Self {
        Self::normalize(&url)
    }
}

impl From<PortalOrigin> for String {
    fn from(origin: PortalOrigin) -> Self {
        origin.0
    }
}

impl std::fmt::Display for PortalOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which portal to use, before it is started or connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalChoice {
    /// A configured portal.
    Remote {
        /// The origin, also the portal id of `docs/contract.md §9`.
        origin: PortalOrigin,
        /// Where the setting came from.
        source: PortalSource,
    },
    /// No portal configured: the embedded demo portal (desktop).
    Embedded,
}

impl PortalChoice {
    /// Applies `docs/contract.md §0`'s precedence: environment, then setting, then embedded.
    pub fn resolve(env: &PortalEnv, settings: &Settings) -> Self {
        if let Some(origin) = &env.portal_url {
            Self::Remote { origin: origin.clone(), source: PortalSource::Environment }
        } else if let Some(origin) = &settings.portal_url {
            Self::Remote { origin: origin.clone(), source: PortalSource::Setting }
        } else {
            Self::Embedded
        }
    }

    /// The portal id of `docs/contract.md §9`: `embedded`, or the origin.
    pub fn id(&self) -> &str {
        match self {
            Self::Remote { origin, .. } => origin.as_str(),
            Self::Embedded => EMBEDDED_ID,
        }
    }
}

/// Portal id of the embedded demo portal (`docs/contract.md §9`).
pub const EMBEDDED_ID: &str = "embedded";

/// Checks a portal origin typed in Paramètres with the client's own rules (https, or http to
/// a loopback host; no path, query or user info).
///
/// # Errors
/// Why the address is refused, `invalid_setting`'s `reason`.
pub fn check_portal_url(url: &str) -> Result<PortalOrigin, SettingRefusal> {
    let origin = PortalOrigin::normalize(url);
    let parsed = url::Url::parse(origin.as_str()).map_err(|_| SettingRefusal::InvalidUrl)?;
    if parsed.path() != "/" {
        return Err(SettingRefusal::NotAnOrigin);
    }
    portal_client::PortalConfig::from_origin(origin.as_str()).map_err(|error| match error {
        portal_client::ConfigError::InsecureUrl { .. } => SettingRefusal::InsecureUrl,
        portal_client::ConfigError::UnsupportedScheme { .. } => SettingRefusal::UnsupportedScheme,
        _ => SettingRefusal::InvalidUrl,
    })?;
    Ok(origin)
}

/// `{config dir}/settings.json`.
pub fn path_in(config_dir: &Path) -> PathBuf {
    config_dir.join(FILE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_wins_over_setting_over_embedded() {
        let setting = Settings {
            portal_url: Some(String::from("https://Setting.example.ca/").into()),
            ..Settings::default()
        };
        let env = PortalEnv {
            portal_url: Some(PortalOrigin::normalize("https://env.example.ca")),
            ..PortalEnv::default()
        };
        assert_eq!(
            PortalChoice::resolve(&env, &setting),
            PortalChoice::Remote {
                origin: PortalOrigin::normalize("https://env.example.ca"),
                source: PortalSource::Environment
            }
        );
        let from_setting = PortalChoice::resolve(&PortalEnv::default(), &setting);
        assert_eq!(from_setting.id(), "https://setting.example.ca");
        assert_eq!(
            PortalChoice::resolve(&PortalEnv::default(), &Settings::default()).id(),
            "embedded"
        );
    }

    #[test]
    fn apple_is_offered_only_where_configured() {
        let offered = |list: Option<&str>| {
            PortalEnv { social_providers: list.map(str::to_owned), ..PortalEnv::default() }
                .offered_providers()
                .into_iter()
                .map(Provider::id)
                .collect::<Vec<_>>()
        };
        assert_eq!(offered(None), ["google", "microsoft", "facebook", "linkedin"]);
        assert_eq!(
            offered(Some(" Apple, google,linkedin,facebook ,microsoft")),
            ["google", "microsoft", "facebook", "linkedin", "apple"]
        );
        assert_eq!(offered(Some("apple,myspace")), ["apple"]);
        assert!(offered(Some("none")).is_empty());
    }

    #[test]
    fn portal_urls_follow_the_client_rules() {
        assert_eq!(
            check_portal_url("https://Portail.example.ca/").map(String::from),
            Ok("https://portail.example.ca".into())
        );
        assert_eq!(
            check_portal_url("http://127.0.0.1:8787").map(String::from),
            Ok("http://127.0.0.1:8787".into())
        );
        assert_eq!(check_portal_url("http://portail.example.ca"), Err(SettingRefusal::InsecureUrl));
        assert_eq!(
            check_portal_url("https://portail.example.ca/x"),
            Err(SettingRefusal::NotAnOrigin)
        );
        assert_eq!(check_portal_url("portail"), Err(SettingRefusal::InvalidUrl));
    }

    #[test]
    fn settings_round_trip_and_survive_garbage() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = path_in(dir.path());
        assert_eq!(Settings::load(&path), Settings::default());
        let s = Settings { language: Language::EnCa, portal_url: None };
        s.save(&path).expect("saved");
        assert_eq!(Settings::load(&path), s);
        std::fs::write(&path, "{not json").expect("written");
        assert_eq!(Settings::load(&path), Settings::default());
    }

    /// A portal written by hand (or by an older version) is keyed as the app keys it.
    #[test]
    fn a_stored_portal_is_normalized_when_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = path_in(dir.path());
        std::fs::write(&path, r#"{"portal_url": " HTTPS://Portail.Example.ca/ "}"#)
            .expect("written");
        let origin = Settings::load(&path).portal_url.expect("a portal");
        assert_eq!(origin.as_str(), "https://portail.example.ca");
        Settings { portal_url: Some(origin), ..Settings::default() }.save(&path).expect("saved");
        let saved = std::fs::read_to_string(&path).expect("read");
        assert!(saved.contains(r#""portal_url": "https://portail.example.ca""#), "{saved}");
    }
}
