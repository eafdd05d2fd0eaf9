//! Where the portal is and how to talk to it (`docs/contract.md §0`).

use std::{net::IpAddr, time::Duration};

use url::Url;

/// The default language, sent as `Accept-Language` (`docs/contract.md §0`): `fr-CA`.
pub const DEFAULT_LANGUAGE: &str = "fr-CA";

/// The client id the reference portal knows by default (`docs/contract.md §0`).
pub const DEFAULT_CLIENT_ID: &str = "cartable";

/// The scopes asked for at the token endpoint (`docs/contract.md §§1–3`): `openid offline_access`.
pub const DEFAULT_SCOPES: &[&str] = &["openid", "offline_access"];

/// Default time allowed to open a TCP (and TLS) connection: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default time allowed for a whole request, connection to last body byte: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a [`PortalConfig`] was refused. Raised before any connection is made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not an absolute URL.
    #[error("{what} is not a valid URL: {reason}")]
    InvalidUrl {
        /// Which setting: `origin`, `authority` or `api_base`.
        what: &'static str,
        /// The parser's explanation.
        reason: String,
    },
    /// A scheme other than `https` (or `http` on loopback).
    #[error("{what} must use https (got {scheme})")]
    UnsupportedScheme {
        /// Which setting.
        what: &'static str,
        /// The refused scheme.
        scheme: String,
    },
    /// `http://` to a host that is not loopback (`docs/contract.md §0`: only 127.0.0.0/8, ::1
    /// and `localhost` may be reached without TLS).
    #[error("{what} uses http:// to the non-loopback host {host}; only https is allowed there")]
    InsecureUrl {
        /// Which setting.
        what: &'static str,
        /// The host that would have been reached in clear text.
        host: String,
    },
    /// The URL carries a query, a fragment or credentials, which a base URL must not.
    #[error("{what} must not carry a query, fragment or user info")]
    UnexpectedUrlParts {
        /// Which setting.
        what: &'static str,
    },
    /// A URL the portal handed the client (a discovery document's endpoint) is not on the
    /// authority's origin (scheme, host and port, RFC 6454 §4), so nothing is sent there.
    #[error("{what} is on the origin {origin}, not the authority's")]
    CrossOrigin {
        /// Which URL, e.g. `revocation_endpoint`.
        what: &'static str,
        /// The refused URL's origin (`scheme://host:port`), never its path or query.
        origin: String,
    },
    /// The client id is empty.
    #[error("client_id must not be empty")]
    EmptyClientId,
    /// An extra root certificate is not valid PEM or DER.
    #[error("extra root certificate #{index} is not a valid PEM or DER certificate")]
    InvalidRootCertificate {
        /// 0-based position in the list given to [`PortalConfig::with_extra_root`].
        index: usize,
    },
    /// The HTTP client could not be built (for instance the TLS stack refused the roots).
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(String),
    /// A header value (user agent) holds characters HTTP does not allow.
    #[error("{what} holds characters not allowed in an HTTP header")]
    InvalidHeader {
        /// Which setting.
        what: &'static str,
    },
}

/// A root certificate added to the operating system's trust store, so a portal behind a
/// school's or company's TLS-inspecting proxy (or a test CA) is trusted.
#[derive(Clone, PartialEq, Eq)]
pub enum ExtraRoot {
    /// One or more PEM `CERTIFICATE` blocks.
    Pem(Vec<u8>),
    /// One DER-encoded certificate.
    Der(Vec<u8>),
}

impl std::fmt::Debug for ExtraRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Pem(b) => write!(f, "Pem({} bytes)", b.len()),
            Self::Der(b) => write!(f, "Der({} bytes)", b.len()),
        }
    }
}

/// Configuration of a [`Portal`](crate::Portal) (`docs/contract.md §0`).
///
/// Built from the portal's origin ([`PortalConfig::from_origin`]), which gives authority =
/// `{origin}/auth/` and API base = `{origin}/api/v1/`, or from both separately
/// ([`PortalConfig::new`]) to reach a real Entra tenant. Every URL must be `https://`, except
/// `http://` to a loopback host (127.0.0.0/8, ::1, `localhost`); this is checked here, before any
/// connection.
///
/// Defaults: client id `cartable`, scopes `openid offline_access`, language `fr-CA`, connect
/// timeout 10 s, request timeout 30 s, user agent `cartable/{version of this crate}`, no extra
/// root. Proxies come from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (and their lowercase
/// forms); redirects are never followed.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    pub(crate) authority: Url,
    pub(crate) api_base: Url,
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) language: String,
    pub(crate) extra_roots: Vec<ExtraRoot>,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) user_agent: String,
}

impl PortalConfig {
    /// A configuration for the portal at `origin` (e.g. `https://portail.example.ca`, a trailing
    /// slash is tolerated): authority `{origin}/auth/`, API base `{origin}/api/v1/`.
    ///
    /// # Errors
    /// [`ConfigError::InvalidUrl`], [`ConfigError::UnsupportedScheme`],
    /// [`ConfigError::InsecureUrl`] (`http://` to a non-loopback host),
    /// [`ConfigError::UnexpectedUrlParts`].
    pub fn from_origin(origin: &str) -> Result<Self, ConfigError> {
        let origin = origin.trim().trim_end_matches('/');
        let base = checked_url("origin", origin)?;
        let origin = base.as_str().trim_end_matches('/');
        Self::new(&format!("{origin}/auth/"), &format!("{origin}/api/v1/"))
    }

    /// A configuration with the authority (native-auth and token paths are relative to it) and
    /// the parent API base given separately, e.g. a real tenant
    /// `https://{sub}.ciamlogin.com/{sub}.onmicrosoft.com/` (`docs/contract.md §0`). A missing
    /// trailing slash is added to both.
    ///
    /// # Errors
    /// As [`PortalConfig::from_origin`].
    pub fn new(authority: &str, api_base: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            authority: checked_base("authority", authority)?,
            api_base: checked_base("api_base", api_base)?,
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            language: DEFAULT_LANGUAGE.to_owned(),
            extra_roots: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            user_agent: format!("cartable/{}", env!("CARGO_PKG_VERSION")),
        })
    }

    /// Sets the public client id sent on every identity call (`docs/contract.md §0`).
    ///
    /// # Errors
    /// [`ConfigError::EmptyClientId`].
    pub fn with_client_id(mut self, client_id: &str) -> Result<Self, ConfigError> {
        let client_id = client_id.trim();
        if client_id.is_empty() {
            return Err(ConfigError::EmptyClientId);
        }
        self.client_id = client_id.to_owned();
        Ok(self)
    }

    /// Sets the scopes asked for at the token endpoint (space-joined on the wire).
    #[must_use]
    pub fn with_scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the language sent as `Accept-Language` (`docs/contract.md §0`): `fr-CA` or `en-CA`
    /// (the shell passes its language setting's BCP 47 tag).
    #[must_use]
    pub fn with_language(mut self, tag: impl Into<String>) -> Self {
        self.language = tag.into();
        self
    }

    /// Adds a root certificate trusted on top of the operating system's store.
    #[must_use]
    pub fn with_extra_root(mut self, root: ExtraRoot) -> Self {
        self.extra_roots.push(root);
        self
    }

    /// Sets the time allowed to open a connection (TCP and TLS handshake).
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time allowed for one whole request, from connecting to the last body byte.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the `User-Agent`, e.g. `Cartable/1.2.0 (Linux)`; the shell passes the app's name and
    /// version.
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The authority, always ending with `/` (`docs/contract.md §0`).
    pub fn authority(&self) -> &Url {
        &self.authority
    }

    /// The parent API base, always ending with `/` (`docs/contract.md §0`).
    pub fn api_base(&self) -> &Url {
        &self.api_base
    }

    /// The public client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The language sent as `Accept-Language`.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// The scopes, space-joined as sent on the wire.
    pub fn scope(&self) -> String {
        self.scopes.join(" ")
    }
}

fn checked_base(what: &'static str, text: &str) -> Result<Url, ConfigError> {
    let text = text.trim();
    let text = if text.ends_with('/') { text.to_owned() } else { format!("{text}/") };
    checked_url(what, &text)
}

/// Parses `text` and applies the transport rule of `docs/contract.md §0`.
fn checked_url(what: &'static str, text: &str) -> Result<Url, ConfigError> {
    let url =
        Url::parse(text).map_err(|e| ConfigError::InvalidUrl { what, reason: e.to_string() })?;
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(ConfigError::UnexpectedUrlParts { what });
    }
    let host = match url.host() {
        Some(host) => host,
        None => {
            return Err(ConfigError::InvalidUrl { what, reason: "the URL has no host".to_owned() });
        }
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&host) => Ok(url),
        "http" => Err(ConfigError::InsecureUrl { what, host: host.to_string() }),
        other => Err(ConfigError::UnsupportedScheme { what, scheme: other.to_owned() }),
    }
}

/// Checks a URL the portal itself hands the client before anything is sent to it (today the
/// discovery document's `revocation_endpoint`, which receives the refresh token): the same
/// transport rule as every configured URL ([`checked_url`]: `https`, or `http` to loopback; no
/// query, fragment or user info), and the authority's origin (RFC 6454 §4: scheme, host and
/// port), so a tampered or misconfigured discovery document cannot send a secret elsewhere.
///
/// # Errors
/// Those of [`checked_url`] with `what`, or [`ConfigError::CrossOrigin`].
pub(crate) fn checked_endpoint(
    what: &'static str,
    text: &str,
    authority: &Url,
) -> Result<Url, ConfigError> {
    let url = checked_url(what, text)?;
    if url.origin() == authority.origin() {
        Ok(url)
    } else {
        Err(ConfigError::CrossOrigin { what, origin: url.origin().ascii_serialization() })
    }
}

/// 127.0.0.0/8, ::1 and `localhost` (also `*.localhost`, RFC 6761 §6.3).
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_gives_authority_and_api_base() {
        let c = PortalConfig::from_origin("https://portail.example.ca/").expect("valid");
        assert_eq!(c.authority().as_str(), "https://portail.example.ca/auth/");
        assert_eq!(c.api_base().as_str(), "https://portail.example.ca/api/v1/");
        assert_eq!(c.scope(), "openid offline_access");
        assert_eq!(c.client_id(), "cartable");
    }

    #[test]
    fn separate_authority_keeps_its_path() {
        let c = PortalConfig::new(
            "https://t.ciamlogin.com/t.onmicrosoft.com",
            "https://api.example.ca/api/v1",
        )
        .expect("valid");
        assert_eq!(c.authority().as_str(), "https://t.ciamlogin.com/t.onmicrosoft.com/");
        assert_eq!(
            c.authority().join("signup/v1.0/start").expect("joins").as_str(),
            "https://t.ciamlogin.com/t.onmicrosoft.com/signup/v1.0/start"
        );
        assert_eq!(c.api_base().as_str(), "https://api.example.ca/api/v1/");
    }

    #[test]
    fn http_only_to_loopback() {
        for ok in
            ["http://127.0.0.1:8787", "http://127.5.6.7", "http://[::1]:80", "http://localhost:1"]
        {
            assert!(PortalConfig::from_origin(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://portail.example.ca",
            "http://10.0.0.1",
            "http://[::2]",
            "http://127.0.0.1.nip.io",
        ] {
            assert!(
                matches!(PortalConfig::from_origin(bad), Err(ConfigError::InsecureUrl { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            PortalConfig::new("https://a.example/auth/", "http://b.example/api/v1/"),
            Err(ConfigError::InsecureUrl { what: "api_base", .. })
        ));
        assert!(matches!(
            PortalConfig::from_origin("ftp://a.example"),
            Err(ConfigError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            PortalConfig::from_origin("https://u:p@a.example"),
            Err(ConfigError::UnexpectedUrlParts { .. })
        ));
        assert!(matches!(
            PortalConfig::from_origin("not a url"),
            Err(ConfigError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn a_discovered_endpoint_must_be_safe_and_on_the_authority_origin() {
        let https = PortalConfig::from_origin("https://portail.example.ca").expect("valid");
        let what = "revocation_endpoint";
        let ok = "https://portail.example.ca/auth/oauth2/v2.0/revoke";
        assert_eq!(
            checked_endpoint(what, ok, https.authority()).map(|u| u.to_string()),
            Ok(ok.to_owned())
        );
        // The default port is the same origin.
        assert!(
            checked_endpoint(what, "https://portail.example.ca:443/r", https.authority()).is_ok()
        );
        for (bad, expected) in [
            ("https://ailleurs.example/revoke", "https://ailleurs.example"),
            ("https://portail.example.ca:8443/revoke", "https://portail.example.ca:8443"),
            ("https://sub.portail.example.ca/revoke", "https://sub.portail.example.ca"),
            ("http://127.0.0.1:9/revoke", "http://127.0.0.1:9"),
        ] {
            assert_eq!(
                checked_endpoint(what, bad, https.authority()),
                Err(ConfigError::CrossOrigin { what, origin: expected.to_owned() }),
                "{bad}"
            );
        }
        assert!(matches!(
            checked_endpoint(what, "http://portail.example.ca/revoke", https.authority()),
            Err(ConfigError::InsecureUrl { .. })
        ));
        assert!(matches!(
            checked_endpoint(what, "https://u:p@portail.example.ca/r", https.authority()),
            Err(ConfigError::UnexpectedUrlParts { .. })
        ));
        assert!(matches!(
            checked_endpoint(what, "/auth/revoke", https.authority()),
            Err(ConfigError::InvalidUrl { .. })
        ));

        let loopback = PortalConfig::from_origin("http://127.0.0.1:8787").expect("valid");
        assert!(
            checked_endpoint(what, "http://127.0.0.1:8787/auth/r", loopback.authority()).is_ok()
        );
        assert!(matches!(
            checked_endpoint(what, "http://localhost:8787/auth/r", loopback.authority()),
            Err(ConfigError::CrossOrigin { .. })
        ));
    }

    #[test]
    fn empty_client_id_is_refused() {
        let c = PortalConfig::from_origin("https://a.example").expect("valid");
        assert_eq!(c.clone().with_client_id("  ").err(), Some(ConfigError::EmptyClientId));
        assert_eq!(c.with_client_id("app").expect("valid").client_id(), "app");
    }
}
