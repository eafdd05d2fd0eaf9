//! Typed client of the Cartable portal contract (`docs/contract.md`).
//!
//! - [`PortalConfig`] and [`Portal`]: where the portal is and the HTTP client that talks to it
//!   (rustls with the OS trust store plus extra roots, proxies from the environment, timeouts,
//!   no redirects, `Accept-Language`, `User-Agent`; §0).
//! - [`SignUp`], [`SignIn`], [`Reset`] and their states: the identity flows as typed state
//!   machines (§§1–3). Every answer of the contract is a [`Step`]; states serialize so a flow
//!   can be resumed by a new process ([`Pending`]). Sign-up and reset, both confirmed by an
//!   emailed code, are one [`CodeFlow`] to generic callers.
//! - [`Session`]: the signed-in parent, with single-flight refresh and the parent API (§§4–6).
//! - [`BrowserSignIn`]: the browser flow (§5): social sign-in and the web fallback, through the
//!   system browser and a loopback listener, ending in a [`Session`].
//! - [`Error`]: the portal said no / the network failed / the answer was undecodable / the
//!   configuration was wrong.
//!
//! # Sign-up, end to end
//!
//! Against the reference portal started in-process (hidden lines), reading the code from its
//! outbox where a parent would read their email:
//!
//! ```
//! use cartable_core::{Email, VerificationCode};
//! use portal_client::{Pending, Portal, PortalConfig, SignUp, Step};
//! use secrecy::SecretString;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! # let config = portal_server::config::Config::demo_for(
//! #     &listener, dir.path().join("portal.sqlite3"), dir.path().join("outbox"))?;
//! # let origin = config.origin.clone();
//! # let state = portal_server::AppState::open(config, portal_server::clock::system()).await?;
//! # tokio::spawn(portal_server::serve(listener, state));
//! # let read_code_from_email = || -> String {
//! #     test_support::latest_code(&dir.path().join("outbox"), "parent@example.ca").unwrap()
//! # };
//! // `origin` is e.g. "https://portail.example.ca"; http:// is accepted on loopback only.
//! let config = PortalConfig::from_origin(&origin)?.with_language("en-CA");
//! let portal = Portal::new(config)?;
//!
//! // §1 steps 1–2: the portal emails a code.
//! let email = Email::parse("parent@example.ca")?;
//! let sent = match SignUp::new(email).start(&portal).await? {
//!     Step::Next(sent) => sent,
//!     other => return Err(format!("cannot continue: {other:?}").into()),
//! };
//! assert_eq!(sent.code_length(), 6);
//! println!("code sent to {}", sent.target_label());
//!
//! // The state serializes (never with a password or a code): the shell stores it and can
//! // resume it in a new process with a new `Portal`.
//! let stored = serde_json::to_string(&Pending::SignUpCodeSent(sent))?;
//! let Pending::SignUpCodeSent(sent) = serde_json::from_str(&stored)? else { unreachable!() };
//!
//! // §1 steps 3–4: the code, then the portal asks for a password.
//! let code = VerificationCode::parse(&read_code_from_email(), sent.code_length())?;
//! let needs_password = match sent.verify(&portal, &code).await? {
//!     Step::Next(next) => next,
//!     Step::Retry { reason, .. } => return Err(format!("try again: {reason:?}").into()),
//!     other => return Err(format!("cannot continue: {other:?}").into()),
//! };
//!
//! // §1 steps 5–6: the password creates the account and signs the parent in.
//! let password = SecretString::from("Bonjour-2026");
//! let session = match needs_password.submit(&portal, &password).await? {
//!     Step::Next(session) => session,
//!     other => return Err(format!("cannot continue: {other:?}").into()),
//! };
//! session.on_event(|event| println!("store or forget the refresh token: {event:?}"));
//! let me = session.me().await?;
//! assert_eq!(me.email.as_deref(), Some("parent@example.ca"));
//! # Ok(()) }
//! ```

mod browser;
mod client;
mod config;
mod error;
mod flows;
mod identity;
mod parent;
mod secret;
mod session;

pub use browser::{
    BrowserError, BrowserSignIn, DEFAULT_BROWSER_TIMEOUT, MOBILE_REDIRECT_URI, PAGE_DONE,
    PAGE_FAILED, PAGE_IGNORED, Provider,
};
pub use cartable_core::wire::parent::EmailChallenge;
pub use client::{MAX_GET_ATTEMPTS, Portal, install_crypto_provider};
pub use config::{
    ConfigError, DEFAULT_CLIENT_ID, DEFAULT_CONNECT_TIMEOUT, DEFAULT_LANGUAGE,
    DEFAULT_REQUEST_TIMEOUT, DEFAULT_SCOPES, ExtraRoot, PortalConfig,
};
pub use error::{
    DecodeError, Error, ErrorCode, NetworkError, NetworkErrorKind, PortalError, ProblemCode,
    RefusalCode, Suberror,
};
pub use flows::{
    CodeFlow, CodeSent, Flow, Interrupted, NeedsPassword, Pending, Reset, ResetDone, ResetFlow,
    RetryReason, SignIn, SignInFlow, SignUp, SignUpFlow, Step, StepResult, ThrottleReason,
};
pub use parent::Association;
pub use secret::RefreshToken;
pub use session::{Session, SessionEvent};
