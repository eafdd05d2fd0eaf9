//! Typed client of the Cartable portal contract (`docs/contract.md`).
//!
//! - [`PortalConfig`] and [`Portal`]: where the portal is and the HTTP client that talks to it
//!   (rustls with the OS trust store plus extra roots, proxies from the environment, timeouts,
//!   no redirects, `Accept-Language`, `User-Agent`; §0).
//! - [`SignUp`], [`SignIn`], [`Reset`] and their states: the identity flows as typed state
//!   machines (§§1–3). Every answer of the contract is a [`Step`]; states serialize so a flow
//!   can be resumed by a new process ([`Pending`]).
//! - [`Session`]: the signed-in parent, with single-flight refresh and the parent API (§§4–6).
//! - [`Error`]: the portal said no / the network failed / the answer was undecodable / the
//!   configuration was wrong.
//!
//! # Sign-up, end to end
//!
//! ```no_run
//! use portal_client::{Portal, PortalConfig, SignUp, Step};
//! use cartable_core::{Email, VerificationCode};
//! use secrecy::SecretString;
//!
//! # async fn demo(code_from_email: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let portal = Portal::new(PortalConfig::from_origin("https://portail.example.ca")?)?;
//! let email = Email::parse("parent@example.ca")?;
//! let sent = match SignUp::new(email).start(&portal).await? {
//!     Step::Next(sent) => sent,
//!     other => return Err(format!("cannot continue: {other:?}").into()),
//! };
//! println!("code sent to {}, {} digits", sent.target_label(), sent.code_length());
//! // The shell may store `sent` (it serializes) and resume it later with a new `Portal`.
//! let code = VerificationCode::parse(code_from_email, sent.code_length())?;
//! let needs_password = match sent.verify(&portal, &code).await? {
//!     Step::Next(next) => next,
//!     other => return Err(format!("cannot continue: {other:?}").into()),
//! };
//! let password = SecretString::from("Bonjour-2026");
//! let session = match needs_password.submit(&portal, &password).await? {
//!     Step::Next(session) => session,
//!     other => return Err(format!("cannot continue: {other:?}").into()),
//! };
//! session.on_event(|event| println!("store or forget the refresh token: {event:?}"));
//! let me = session.me().await?;
//! println!("signed up as {}", me.id);
//! # Ok(()) }
//! ```

mod client;
mod config;
mod error;
mod flows;
mod identity;
mod parent;
mod secret;
mod session;

pub use client::{MAX_GET_ATTEMPTS, Portal};
pub use config::{
    ConfigError, DEFAULT_CLIENT_ID, DEFAULT_CONNECT_TIMEOUT, DEFAULT_LANGUAGE,
    DEFAULT_REQUEST_TIMEOUT, DEFAULT_SCOPES, ExtraRoot, PortalConfig,
};
pub use error::{DecodeError, Error, NetworkError, NetworkErrorKind, PortalError};
pub use flows::{
    CodeSent, Flow, Interrupted, NeedsPassword, Pending, Reset, ResetDone, ResetFlow, RetryReason,
    SignIn, SignInFlow, SignUp, SignUpFlow, Step, StepResult, ThrottleReason,
};
pub use parent::{Association, EmailChallenge};
pub use secret::RefreshToken;
pub use session::{Session, SessionEvent};
