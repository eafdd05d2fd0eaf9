//! The one error type of the client: the portal said no, the network failed, the answer could
//! not be decoded, or the configuration was wrong (`docs/contract.md §0`).

use std::{error::Error as StdError, time::Duration};

pub use cartable_core::wire::identity::{ErrorCode, Suberror};
pub use cartable_core::wire::parent::{FieldError, ProblemCode};

pub use crate::config::ConfigError;
/// What kind of network failure happened: the app shows the same kinds.
pub use cartable_core::error::Unreachable as NetworkErrorKind;

/// Everything a call can fail with. Flow steps report the contract's expected answers
/// (wrong code, throttling, expiry…) as typed outcomes instead; what reaches this enum is what
/// the caller cannot continue the flow with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The portal answered and refused (an identity error body or RFC 9457 problem details).
    #[error("the portal refused the request: {0}")]
    Portal(Box<PortalError>),
    /// No usable answer arrived: timeout, DNS, TLS, refused or reset connection.
    #[error("network failure: {0}")]
    Network(NetworkError),
    /// An answer arrived but does not have the contract's shape.
    #[error("undecodable answer: {0}")]
    Decode(Box<DecodeError>),
    /// The configuration is wrong; nothing was sent.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// The portal answered in the contract's shapes but not as the step expects (a reset whose
    /// completion never reported success, a refresh answered with a browser redirect); what
    /// was expected is named for the log.
    #[error("unexpected answer: {0}")]
    Unexpected(&'static str),
    /// The session ended: the portal answered `invalid_grant` to a refresh (the refresh token was
    /// revoked, expired or reused, `docs/contract.md §4`), or the parent signed out. Forget the
    /// stored refresh token and sign in again.
    #[error("the session has ended; sign in again")]
    SessionEnded,
}

impl Error {
    /// The portal's refusal, if this is one.
    pub fn portal(&self) -> Option<&PortalError> {
        match self {
            Self::Portal(p) => Some(p),
            _ => None,
        }
    }

    /// Whether this is a network failure (the shell maps it to `portal_unreachable`).
    pub fn is_network(&self) -> bool {
        matches!(self, Self::Network(_))
    }
}

impl From<PortalError> for Error {
    fn from(e: PortalError) -> Self {
        Self::Portal(Box::new(e))
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Self::Decode(Box::new(e))
    }
}

impl From<NetworkError> for Error {
    fn from(e: NetworkError) -> Self {
        Self::Network(e)
    }
}

/// A refusal from the portal, from either error shape of `docs/contract.md §0`:
///
/// - identity (`error`, `suberror`, `attempts_left`, `retry_after`, `trace_id`…): `code` is
///   [`RefusalCode::Identity`] with the `error` field (`invalid_grant`, `expired_token`,
///   `temporarily_unavailable`…);
/// - parent API problem details (`code`, `title`, `detail`, `errors`): `code` is
///   [`RefusalCode::Api`] with the stable `code` field (`no_matching_record`…).
///
/// `retry_after` comes from the body's `retry_after` or, failing that, the `Retry-After` header
/// (seconds, RFC 9110 §10.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalError {
    /// HTTP status, e.g. 400, 401, 403, 404, 422, 429.
    pub status: u16,
    /// The error code (identity `error`, or problem `code`).
    pub code: RefusalCode,
    /// Identity `suberror`, e.g. `invalid_oob_value`, `password_too_weak`, `throttled`.
    pub suberror: Option<Suberror>,
    /// Wait this long before trying again (429 answers).
    pub retry_after: Option<Duration>,
    /// Code attempts left after a wrong code (`docs/contract.md §1`).
    pub attempts_left: Option<u32>,
    /// The portal's trace id, to quote to its operator.
    pub trace_id: Option<String>,
    /// Human text (`error_description` or problem `detail`/`title`): for logs, never shown as is.
    pub description: Option<String>,
    /// Field errors of a parent-API 400 (`errors: [{field, code}]`).
    pub field_errors: Vec<FieldError>,
}

/// The code of a refusal, by the error shape it came in (`docs/contract.md §0`). Both keep a
/// code this version does not know in their `Other` variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalCode {
    /// An identity error body's `error` (§§1–4).
    Identity(ErrorCode),
    /// A parent-API problem's `code` (§§5–6).
    Api(ProblemCode),
}

impl RefusalCode {
    /// The code as sent, e.g. `invalid_grant` or `child_not_found`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Identity(code) => code.as_str(),
            Self::Api(code) => code.as_str(),
        }
    }
}

impl std::fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for PortalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.code)?;
        if let Some(s) = &self.suberror {
            write!(f, " ({s})")?;
        }
        if let Some(t) = &self.trace_id {
            write!(f, " [trace {t}]")?;
        }
        Ok(())
    }
}

impl StdError for PortalError {}

/// A transport failure: no usable answer arrived. The request may or may not have reached the
/// portal; only idempotent GETs are retried automatically.
#[derive(Debug, thiserror::Error)]
#[error("{kind:?}: {source}")]
pub struct NetworkError {
    /// What happened.
    pub kind: NetworkErrorKind,
    /// The underlying error (reqwest with its cause chain).
    #[source]
    pub source: reqwest::Error,
}

impl NetworkError {
    /// Classifies a reqwest error by its predicates and the types in its cause chain, never by
    /// its text. `proxied` says whether the client's proxy configuration sends the request's
    /// URL through a proxy (see [`NetworkErrorKind::Proxy`]).
    pub(crate) fn from_reqwest(source: reqwest::Error, proxied: bool) -> Self {
        Self { kind: classify(&source, proxied), source }
    }
}

fn classify(error: &reqwest::Error, proxied: bool) -> NetworkErrorKind {
    if error.is_timeout() {
        return NetworkErrorKind::Timeout;
    }
    if error.is_dns() {
        return NetworkErrorKind::Dns;
    }
    let mut io_cause = false;
    let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
    let mut kind = None;
    while let Some(e) = cause {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return NetworkErrorKind::Tls;
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_timeout() {
                return NetworkErrorKind::Timeout;
            }
            if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                kind.get_or_insert(NetworkErrorKind::ConnectionReset);
            }
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            io_cause = true;
            match io.kind() {
                K::TimedOut => return NetworkErrorKind::Timeout,
                K::ConnectionRefused => return NetworkErrorKind::ConnectionRefused,
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                    kind.get_or_insert(NetworkErrorKind::ConnectionReset);
                }
                _ => {}
            }
            // rustls reports handshake failures as io errors wrapping a rustls::Error, possibly
            // inside another io error; `source()` skips the wrapped error, `get_ref()` does not.
            if wraps_rustls(io) {
                return NetworkErrorKind::Tls;
            }
        }
        cause = e.source();
    }
    match kind {
        Some(kind) => kind,
        None if proxied && !io_cause && error.is_connect() => NetworkErrorKind::Proxy,
        None => NetworkErrorKind::Other,
    }
}

fn wraps_rustls(io: &std::io::Error) -> bool {
    let mut inner: Option<&(dyn StdError + 'static)> =
        io.get_ref().map(|e| e as &(dyn StdError + 'static));
    while let Some(e) = inner {
        if e.is::<rustls::Error>() {
            return true;
        }
        inner = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|e| e as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    false
}

/// An answer that does not have the contract's shape. Keeps the raw body and the JSON path of
/// the first mismatch, so a report says exactly which field broke.
///
/// `Debug` and `Display` show the body's length, not the body (it could hold a token); read
/// [`DecodeError::body`] deliberately.
#[derive(Clone, thiserror::Error)]
#[error("HTTP {status} from {endpoint}: at `{path}`: {message}")]
pub struct DecodeError {
    /// HTTP status of the answer.
    pub status: u16,
    /// The endpoint path relative to the authority or API base, e.g. `signup/v1.0/challenge`.
    pub endpoint: String,
    /// JSON path of the mismatch (`.` for the root), from `serde_path_to_error`.
    pub path: String,
    /// What was wrong there: the JSON error's kind and position, never the value.
    pub message: String,
    /// `Content-Type` of the answer, if any.
    pub content_type: Option<String>,
    /// The raw body, lossily decoded as UTF-8.
    pub body: String,
}

impl std::fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodeError")
            .field("status", &self.status)
            .field("endpoint", &self.endpoint)
            .field("path", &self.path)
            .field("message", &self.message)
            .field("content_type", &self.content_type)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}
