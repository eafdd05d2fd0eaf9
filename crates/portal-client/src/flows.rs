//! Sign-up, sign-in and password reset as typed state machines (`docs/contract.md §§1–3`).
//!
//! Each step takes the current state by value and the [`Portal`] by reference, and answers a
//! [`Step`]: the next state, the same state back with the reason to try again (wrong code,
//! refused password, throttling), or an end of the flow the contract defines (expired token,
//! existing or unknown account, browser needed). When no answer of the contract came (network
//! failure, undecodable answer, unexpected refusal) the step fails with [`Interrupted`], which
//! also gives the state back.
//!
//! Sign-up and reset are the same shape, email → code → password, so both implement
//! [`CodeFlow`]: a caller (the shell) writes each of their steps once, generic over the flow.
//!
//! States are plain data: they serialize with serde (continuation token, email, step, when the
//! code was sent; never a password or a code), so the shell can store a pending flow and resume
//! it in a new process with a new [`Portal`].
//!
//! ```text
//! SignUp ──start──▶ CodeSent<SignUpFlow> ──verify──▶ NeedsPassword<SignUpFlow> ──submit──▶ Session
//!                    └─resend─▶ CodeSent<SignUpFlow>
//! SignIn ──start──▶ NeedsPassword<SignInFlow> ──submit──▶ Session
//! Reset  ──start──▶ CodeSent<ResetFlow> ──verify──▶ NeedsPassword<ResetFlow> ──submit──▶ ResetDone ──sign_in──▶ Session
//! ```

use std::{marker::PhantomData, time::Duration};

use cartable_core::{
    Email, Secret, VerificationCode,
    wire::{
        identity::{
            ChallengeAnswer, ChallengeRequest, ContinuationAnswer, ErrorCode, PollCompletionAnswer,
            PollCompletionRequest, PollStatus, RESET_CHALLENGE_TYPES, ResetContinueAnswer,
            ResetContinueRequest, ResetStartRequest, ResetSubmitAnswer, ResetSubmitRequest,
            SIGN_IN_CHALLENGE_TYPES, SIGN_UP_CHALLENGE_TYPES, SignInInitiateRequest,
            SignUpContinueRequest, SignUpStartRequest, Suberror, TokenRequest,
        },
        tokens::TokenResponse,
    },
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    Portal, Session,
    error::{Error, RefusalCode},
    identity::{IdentityReply, Refusal},
};

/// The outcome of a flow step that got an answer of the contract.
///
/// `N` is the next state; `S` is the state the step was called on, handed back when the same
/// step may be tried again.
#[derive(Debug)]
#[non_exhaustive]
pub enum Step<N, S> {
    /// The step succeeded.
    Next(N),
    /// The portal refused this attempt without consuming the continuation token
    /// (`docs/contract.md §0`): try the same step again with `state` (after `reason`'s delay
    /// for throttling).
    Retry {
        /// The unchanged state.
        state: S,
        /// Why the attempt was refused.
        reason: RetryReason,
    },
    /// The continuation token expired, is unknown or was already used (HTTP 400
    /// `expired_token`): restart at "send code" with this email (`docs/contract.md §0`, §1
    /// "Resume").
    Expired {
        /// The flow's email, to fill in again.
        email: Email,
    },
    /// The portal needs the browser flow (HTTP 200 `{"challenge_type":"redirect"}`,
    /// `docs/contract.md §0`, §5).
    Redirect {
        /// The flow's email, to pass as a login hint.
        email: Email,
    },
    /// `user_already_exists` (§1): after a correct code, or at `start` on a real tenant. The flow
    /// ends; offer "Se connecter" and "Mot de passe oublié?" with the email filled in.
    UserAlreadyExists {
        /// The email that has an account.
        email: Email,
    },
    /// `user_not_found` (§2, §3 on a real tenant): no account uses this email.
    UserNotFound {
        /// The email without an account.
        email: Email,
    },
    /// `attributes_required`: the tenant asks for attributes this client does not collect; use
    /// the browser flow (§5).
    AttributesRequired {
        /// The flow's email.
        email: Email,
        /// The attribute names the tenant listed.
        attributes: Vec<String>,
    },
}

/// Why a step must be tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryReason {
    /// `invalid_grant` / `invalid_oob_value` (§1): wrong code; `attempts_left` before the code
    /// is voided (5 wrong codes void it).
    WrongCode {
        /// Attempts left, when the portal says.
        attempts_left: Option<u32>,
    },
    /// `invalid_grant` with a password suberror (§1 policy, §3 `password_recently_used`):
    /// `password_is_invalid`, `password_too_short`, `password_too_long`, `password_too_weak`,
    /// `password_recently_used`, `password_banned`.
    PasswordRefused {
        /// The suberror as sent, one of the six above.
        suberror: Suberror,
    },
    /// `invalid_grant` at sign-in (§2): wrong email or password (the portal does not say which).
    InvalidCredentials,
    /// HTTP 429 `temporarily_unavailable` (§0): wait `retry_after`, then try again.
    Throttled {
        /// Which limit was reached.
        reason: ThrottleReason,
        /// How long to wait (body `retry_after`, else the `Retry-After` header; 60 s when the
        /// portal gave neither).
        retry_after: Duration,
    },
}

/// The throttling suberrors of `docs/contract.md §0`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ThrottleReason {
    /// A code was sent less than `interval` seconds ago, or a generic rate limit.
    Throttled,
    /// 5 wrong codes: the code is void until a new one is sent (resend).
    CodeAttemptsExceeded,
    /// 10 codes sent to this email within the hour.
    CodeSendsExceeded,
    /// 10 wrong passwords within 15 minutes: the email is locked for 15 minutes (§2).
    AccountLocked,
    /// A suberror this version does not know.
    Other(String),
}

impl ThrottleReason {
    fn from_suberror(s: Option<&Suberror>) -> Self {
        match s {
            None | Some(Suberror::Throttled) => Self::Throttled,
            Some(Suberror::CodeAttemptsExceeded) => Self::CodeAttemptsExceeded,
            Some(Suberror::CodeSendsExceeded) => Self::CodeSendsExceeded,
            Some(Suberror::AccountLocked) => Self::AccountLocked,
            Some(other) => Self::Other(other.as_str().to_owned()),
        }
    }
}

/// A step failed without an answer of the contract: the network failed, the answer was
/// undecodable, or the portal refused in a way the flow does not expect (for example
/// `invalid_client`). `state` is the state the step was called on: the step may be tried
/// again with it (if its token was consumed meanwhile, the portal answers
/// [`Step::Expired`]).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Interrupted<S> {
    /// The state the step was called on.
    pub state: S,
    /// What happened.
    #[source]
    pub error: Error,
}

impl<S> From<Interrupted<S>> for Error {
    fn from(i: Interrupted<S>) -> Self {
        i.error
    }
}

/// What a step returns.
pub type StepResult<N, S> = Result<Step<N, S>, Interrupted<S>>;

mod sealed {
    pub trait Sealed {}
}

/// Which flow a generic state belongs to; fixes its endpoints.
pub trait Flow: sealed::Sealed + Send + Sync + 'static {
    /// Endpoint prefix relative to the authority, e.g. `signup/v1.0/`.
    const PREFIX: &'static str;
    /// Flow name for logs and [`Pending`].
    const NAME: &'static str;
}

/// Marker of the sign-up flow (§1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignUpFlow;
/// Marker of the sign-in flow (§2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInFlow;
/// Marker of the password reset flow (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResetFlow;

impl sealed::Sealed for SignUpFlow {}
impl sealed::Sealed for SignInFlow {}
impl sealed::Sealed for ResetFlow {}
impl Flow for SignUpFlow {
    const PREFIX: &'static str = "signup/v1.0/";
    const NAME: &'static str = "sign_up";
}
impl Flow for SignInFlow {
    const PREFIX: &'static str = "oauth2/v2.0/";
    const NAME: &'static str = "sign_in";
}
impl Flow for ResetFlow {
    const PREFIX: &'static str = "resetpassword/v1.0/";
    const NAME: &'static str = "reset";
}

/// The start of a sign-up (§1): the email only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUp {
    /// The email to create an account for (canonical form).
    pub email: Email,
}

/// The start of a sign-in (§2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// The account's email.
    pub email: Email,
}

/// The start of a password reset, "Mot de passe oublié?" (§3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reset {
    /// The account's email.
    pub email: Email,
}

/// A code was emailed (§1 step 2, §3 step 2). Serialized:
/// `{"email","continuation_token","target_label","code_length","interval","sent_at"}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CodeSent<F> {
    email: Email,
    continuation_token: Secret,
    target_label: String,
    code_length: usize,
    interval: u64,
    #[serde(with = "time::serde::rfc3339")]
    sent_at: OffsetDateTime,
    #[serde(skip)]
    flow: PhantomData<F>,
}

impl<F> Clone for CodeSent<F> {
    fn clone(&self) -> Self {
        Self {
            email: self.email.clone(),
            continuation_token: self.continuation_token.clone(),
            target_label: self.target_label.clone(),
            code_length: self.code_length,
            interval: self.interval,
            sent_at: self.sent_at,
            flow: PhantomData,
        }
    }
}

/// The portal wants a (new) password (§1 step 4, §2 step 2, §3 step 3). Serialized:
/// `{"email","continuation_token"}`; the password is given to `submit` and never stored.
#[derive(Debug, Serialize, Deserialize)]
pub struct NeedsPassword<F> {
    email: Email,
    continuation_token: Secret,
    #[serde(skip)]
    flow: PhantomData<F>,
}

impl<F> Clone for NeedsPassword<F> {
    fn clone(&self) -> Self {
        Self {
            email: self.email.clone(),
            continuation_token: self.continuation_token.clone(),
            flow: PhantomData,
        }
    }
}

/// The new password is set (§3 step 5 `succeeded`); every refresh token of the account was
/// revoked. [`ResetDone::sign_in`] signs the parent straight in (§3 step 6).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResetDone {
    email: Email,
    continuation_token: Secret,
}

/// A pending sign-up or reset, as the shell stores it in the keychain (`docs/contract.md §9`
/// `{portal id}|pending`). Tagged by `step`: `{"step":"sign_up_code_sent", …}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Pending {
    /// Sign-up waiting for the emailed code.
    SignUpCodeSent(CodeSent<SignUpFlow>),
    /// Sign-up waiting for the password.
    SignUpNeedsPassword(NeedsPassword<SignUpFlow>),
    /// Reset waiting for the emailed code.
    ResetCodeSent(CodeSent<ResetFlow>),
    /// Reset waiting for the new password.
    ResetNeedsPassword(NeedsPassword<ResetFlow>),
}

impl Pending {
    /// The flow's email.
    pub fn email(&self) -> &Email {
        match self {
            Self::SignUpCodeSent(s) => &s.email,
            Self::SignUpNeedsPassword(s) => &s.email,
            Self::ResetCodeSent(s) => &s.email,
            Self::ResetNeedsPassword(s) => &s.email,
        }
    }
}

// ---- the code-confirmed flows, generically ----

/// A flow that confirms the email with an emailed code, then takes a password: sign-up (§1)
/// and reset (§3).
///
/// Both go [`CodeSent`] → [`NeedsPassword`] → signed in, and wait in [`Pending`] between
/// steps, so a caller writes each step once, generic over `F: CodeFlow`; the typestate still
/// keeps each state to its own flow's steps. Each function is the flow's own step
/// ([`SignUp::start`] or [`Reset::start`], then each state's `verify` and `submit`).
///
/// ```
/// use portal_client::{CodeFlow, Pending, Portal, Step};
///
/// /// Resends the code of the pending flow `F`, whichever it is.
/// async fn resend<F: CodeFlow>(portal: &Portal, pending: &Pending) -> Option<Pending> {
///     let sent = F::code_sent(pending)?.clone();
///     match sent.resend(portal).await {
///         Ok(Step::Next(sent)) => Some(F::pending_code(sent)),
///         _ => None,
///     }
/// }
/// ```
pub trait CodeFlow: Flow + Sized {
    /// The flow's first state: [`SignUp`] or [`Reset`].
    type Start;
    /// What an accepted password gives: the [`Session`] (sign-up) or [`ResetDone`] (reset).
    type Done;

    /// `start` then `challenge` for `email` ([`SignUp::start`], [`Reset::start`]): the portal
    /// emails a code.
    fn start(
        email: Email,
        portal: &Portal,
    ) -> impl Future<Output = StepResult<CodeSent<Self>, Self::Start>> + Send;

    /// Submits the emailed code: the flow's `CodeSent::verify` (outcomes and errors there).
    fn verify(
        sent: CodeSent<Self>,
        portal: &Portal,
        code: &VerificationCode,
    ) -> impl Future<Output = StepResult<NeedsPassword<Self>, CodeSent<Self>>> + Send;

    /// Sets the (new) password: the flow's `NeedsPassword::submit` (outcomes and errors there).
    fn submit(
        needs: NeedsPassword<Self>,
        portal: &Portal,
        password: &SecretString,
    ) -> impl Future<Output = StepResult<Self::Done, NeedsPassword<Self>>> + Send;

    /// The session an accepted password ends in: the sign-up's own, or the reset's through
    /// [`ResetDone::sign_in`] (§3 step 6). `None` when that shortcut failed: the new password
    /// is set, so sign in with it (§2).
    fn sign_in(done: Self::Done, portal: &Portal) -> impl Future<Output = Option<Session>> + Send;

    /// This flow's code step, if `pending` is at it.
    fn code_sent(pending: &Pending) -> Option<&CodeSent<Self>>;

    /// This flow's password step, if `pending` is at it.
    fn needs_password(pending: &Pending) -> Option<&NeedsPassword<Self>>;

    /// The code step, to store.
    fn pending_code(sent: CodeSent<Self>) -> Pending;

    /// The password step, to store.
    fn pending_password(needs: NeedsPassword<Self>) -> Pending;

    /// Whether `pending` belongs to this flow (at either step).
    fn owns(pending: &Pending) -> bool {
        Self::code_sent(pending).is_some() || Self::needs_password(pending).is_some()
    }
}

// ---- answers of the identity endpoints (`docs/contract.md §§1–3`) ----

/// Default `interval` when a challenge answer omits it (§1: 60 s).
const DEFAULT_INTERVAL: u64 = 60;
/// Default throttling delay when the portal gave none.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);
/// How many times `poll_completion` is asked before giving up (§3 step 5).
const MAX_POLLS: u32 = 30;

/// Maps a refusal to the contract's outcome, or hands the state back with the error.
fn outcome<N, S>(refusal: Refusal, email: &Email, state: S) -> StepResult<N, S> {
    // A parent-API problem at an identity endpoint is outside the contract.
    let RefusalCode::Identity(code) = refusal.error.code.clone() else {
        return Err(Interrupted { state, error: refusal.error.into() });
    };
    let e = &refusal.error;
    let email = email.clone();
    let sub = e.suberror.as_ref();
    if e.status == 429 || code == ErrorCode::TemporarilyUnavailable {
        return Ok(Step::Retry {
            state,
            reason: RetryReason::Throttled {
                reason: ThrottleReason::from_suberror(sub),
                retry_after: e.retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
            },
        });
    }
    Ok(match code {
        ErrorCode::ExpiredToken => Step::Expired { email },
        ErrorCode::UserAlreadyExists => Step::UserAlreadyExists { email },
        ErrorCode::UserNotFound => Step::UserNotFound { email },
        ErrorCode::AttributesRequired => {
            Step::AttributesRequired { email, attributes: refusal.required_attributes }
        }
        ErrorCode::InvalidGrant => match sub {
            Some(Suberror::InvalidOobValue) => Step::Retry {
                state,
                reason: RetryReason::WrongCode { attempts_left: e.attempts_left },
            },
            Some(
                s @ (Suberror::PasswordTooWeak
                | Suberror::PasswordTooShort
                | Suberror::PasswordTooLong
                | Suberror::PasswordRecentlyUsed
                | Suberror::PasswordBanned
                | Suberror::PasswordIsInvalid),
            ) => {
                Step::Retry { state, reason: RetryReason::PasswordRefused { suberror: s.clone() } }
            }
            _ => Step::Retry { state, reason: RetryReason::InvalidCredentials },
        },
        _ => return Err(Interrupted { state, error: refusal.error.into() }),
    })
}

/// Runs an identity call; network and decode failures give the state back.
async fn call<T: serde::de::DeserializeOwned, S>(
    portal: &Portal,
    path: &str,
    form: &(impl Serialize + ?Sized),
    state: S,
) -> Result<(IdentityReply<T>, S), Interrupted<S>> {
    match portal.identity::<T>(path, form).await {
        Ok(reply) => Ok((reply, state)),
        Err(error) => Err(Interrupted { state, error }),
    }
}

/// `challenge` after a successful `start`/`continue`: the oob answer becomes [`CodeSent`].
async fn challenge_code<F: Flow, S>(
    portal: &Portal,
    email: &Email,
    continuation_token: &Secret,
    state: S,
) -> StepResult<CodeSent<F>, S> {
    let form = ChallengeRequest {
        client_id: portal.config().client_id().to_owned(),
        continuation_token: continuation_token.clone(),
        challenge_type: Some("oob redirect".to_owned()),
    };
    let (reply, state) =
        call::<ChallengeAnswer, S>(portal, &format!("{}challenge", F::PREFIX), &form, state)
            .await?;
    match reply {
        IdentityReply::Ok(ChallengeAnswer::Oob(c)) => Ok(Step::Next(CodeSent {
            email: email.clone(),
            continuation_token: c.continuation_token,
            target_label: c.challenge_target_label,
            code_length: c.code_length,
            interval: c.interval.unwrap_or(DEFAULT_INTERVAL),
            sent_at: OffsetDateTime::now_utc(),
            flow: PhantomData,
        })),
        IdentityReply::Ok(_) | IdentityReply::Redirect => {
            Ok(Step::Redirect { email: email.clone() })
        }
        IdentityReply::Refused(r) => outcome(r, email, state),
    }
}

/// A code-confirmed flow's `start` then `challenge` (§1 steps 1–2, §3 steps 1–2): the portal
/// emails a code to `email`.
async fn start_with_code<F: Flow, S>(
    portal: &Portal,
    form: &(impl Serialize + ?Sized),
    email: Email,
    state: S,
) -> StepResult<CodeSent<F>, S> {
    let path = format!("{}start", F::PREFIX);
    let (reply, state) = call::<ContinuationAnswer, S>(portal, &path, form, state).await?;
    match reply {
        IdentityReply::Ok(t) => challenge_code(portal, &email, &t.continuation_token, state).await,
        IdentityReply::Redirect => Ok(Step::Redirect { email }),
        IdentityReply::Refused(r) => outcome(r, &email, state),
    }
}

/// `challenge` expecting `challenge_type: password`.
async fn challenge_password<F: Flow, S>(
    portal: &Portal,
    email: &Email,
    continuation_token: &Secret,
    state: S,
) -> StepResult<NeedsPassword<F>, S> {
    let form = ChallengeRequest {
        client_id: portal.config().client_id().to_owned(),
        continuation_token: continuation_token.clone(),
        challenge_type: Some("password redirect".to_owned()),
    };
    let (reply, state) =
        call::<ChallengeAnswer, S>(portal, &format!("{}challenge", F::PREFIX), &form, state)
            .await?;
    match reply {
        IdentityReply::Ok(ChallengeAnswer::Password { continuation_token }) => {
            Ok(Step::Next(NeedsPassword {
                email: email.clone(),
                continuation_token,
                flow: PhantomData,
            }))
        }
        IdentityReply::Ok(_) | IdentityReply::Redirect => {
            Ok(Step::Redirect { email: email.clone() })
        }
        IdentityReply::Refused(r) => outcome(r, email, state),
    }
}

/// `oauth2/v2.0/token` with a continuation token (§1 step 6, §3 step 6) or a password (§2).
async fn token_grant<S>(
    portal: &Portal,
    email: &Email,
    form: TokenRequest,
    state: S,
) -> StepResult<Session, S> {
    let (reply, state) =
        call::<TokenResponse, S>(portal, "oauth2/v2.0/token", &form, state).await?;
    match reply {
        IdentityReply::Ok(tokens) => Ok(Step::Next(Session::from_tokens(portal.clone(), tokens))),
        IdentityReply::Redirect => Ok(Step::Redirect { email: email.clone() }),
        IdentityReply::Refused(r) => outcome(r, email, state),
    }
}

impl SignUp {
    /// A sign-up for `email`.
    pub fn new(email: Email) -> Self {
        Self { email }
    }

    /// `signup/v1.0/start` then `challenge` (§1 steps 1–2): the portal emails a code.
    ///
    /// Outcomes: [`Step::Next`] with the code's details; [`Step::Retry`] throttled
    /// (`code_sends_exceeded`); [`Step::UserAlreadyExists`] (real tenant); [`Step::Redirect`].
    ///
    /// # Errors
    /// [`Interrupted`] with `self` on a network, decode or unexpected portal error.
    pub async fn start(self, portal: &Portal) -> StepResult<CodeSent<SignUpFlow>, Self> {
        let form = SignUpStartRequest {
            client_id: portal.config().client_id().to_owned(),
            username: self.email.as_str().to_owned(),
            challenge_type: SIGN_UP_CHALLENGE_TYPES.to_owned(),
        };
        start_with_code(portal, &form, self.email.clone(), self).await
    }
}

impl SignIn {
    /// A sign-in for `email`.
    pub fn new(email: Email) -> Self {
        Self { email }
    }

    /// `oauth2/v2.0/initiate` then `challenge` (§2 steps 1–2).
    ///
    /// Outcomes: [`Step::Next`] (password wanted); [`Step::UserNotFound`] (real tenant);
    /// [`Step::Redirect`] (e.g. an account without a password); [`Step::Retry`] throttled.
    ///
    /// # Errors
    /// [`Interrupted`] with `self` on a network, decode or unexpected portal error.
    pub async fn start(self, portal: &Portal) -> StepResult<NeedsPassword<SignInFlow>, Self> {
        let form = SignInInitiateRequest {
            client_id: portal.config().client_id().to_owned(),
            username: self.email.as_str().to_owned(),
            challenge_type: SIGN_IN_CHALLENGE_TYPES.to_owned(),
        };
        let email = self.email.clone();
        let (reply, state) =
            call::<ContinuationAnswer, Self>(portal, "oauth2/v2.0/initiate", &form, self).await?;
        match reply {
            IdentityReply::Ok(t) => {
                challenge_password(portal, &email, &t.continuation_token, state).await
            }
            IdentityReply::Redirect => Ok(Step::Redirect { email }),
            IdentityReply::Refused(r) => outcome(r, &email, state),
        }
    }
}

impl Reset {
    /// A password reset for `email`.
    pub fn new(email: Email) -> Self {
        Self { email }
    }

    /// `resetpassword/v1.0/start` then `challenge` (§3 steps 1–2). An unknown email goes
    /// through the same steps on the reference portal (its email says no account uses it).
    ///
    /// Outcomes: as [`SignUp::start`], with [`Step::UserNotFound`] on a real tenant.
    ///
    /// # Errors
    /// [`Interrupted`] with `self` on a network, decode or unexpected portal error.
    pub async fn start(self, portal: &Portal) -> StepResult<CodeSent<ResetFlow>, Self> {
        let form = ResetStartRequest {
            client_id: portal.config().client_id().to_owned(),
            username: self.email.as_str().to_owned(),
            challenge_type: RESET_CHALLENGE_TYPES.to_owned(),
        };
        start_with_code(portal, &form, self.email.clone(), self).await
    }
}

impl<F: Flow> CodeSent<F> {
    /// The flow's email.
    pub fn email(&self) -> &Email {
        &self.email
    }

    /// Where the code went, masked by the portal, e.g. `j***e@e*****e.com`.
    pub fn target_label(&self) -> &str {
        &self.target_label
    }

    /// Number of digits of the code (6 on the reference portal).
    pub fn code_length(&self) -> usize {
        self.code_length
    }

    /// When the code was sent (this machine's clock, UTC).
    pub fn sent_at(&self) -> OffsetDateTime {
        self.sent_at
    }

    /// When a resend becomes allowed: `sent_at + interval` (§1: 60 s).
    pub fn resend_at(&self) -> OffsetDateTime {
        self.sent_at + Duration::from_secs(self.interval)
    }

    /// Time left before a resend is allowed (zero once allowed).
    pub fn resend_after(&self) -> Duration {
        let left = self.resend_at() - OffsetDateTime::now_utc();
        Duration::try_from(left).unwrap_or(Duration::ZERO)
    }

    /// Asks for a new code: `challenge` again with the current token (§1 "Codes": it voids the
    /// previous code).
    ///
    /// Outcomes: [`Step::Next`] with the new code's details; [`Step::Retry`] throttled
    /// (`throttled` before `interval`, `code_sends_exceeded`); [`Step::Expired`].
    ///
    /// # Errors
    /// [`Interrupted`] with `self` on a network, decode or unexpected portal error.
    pub async fn resend(self, portal: &Portal) -> StepResult<CodeSent<F>, Self> {
        let email = self.email.clone();
        let token = self.continuation_token.clone();
        challenge_code(portal, &email, &token, self).await
    }
}

impl<F: CodeFlow> CodeSent<F> {
    /// Submits the emailed code (§1 step 3 then the password challenge, step 4; §3 step 3).
    ///
    /// Outcomes: [`Step::Next`] (a (new) password wanted); [`Step::Retry`] with
    /// [`RetryReason::WrongCode`] or throttled (`code_attempts_exceeded`: resend first);
    /// [`Step::Expired`]; [`Step::Redirect`]; for a sign-up also [`Step::UserAlreadyExists`]
    /// (the email has an account; the flow ends) and [`Step::AttributesRequired`].
    ///
    /// # Errors
    /// [`Interrupted`] with `self` on a network, decode or unexpected portal error.
    pub async fn verify(
        self,
        portal: &Portal,
        code: &VerificationCode,
    ) -> StepResult<NeedsPassword<F>, Self> {
        F::verify(self, portal, code).await
    }
}

impl<F: Flow> NeedsPassword<F> {
    /// The flow's email.
    pub fn email(&self) -> &Email {
        &self.email
    }
}

impl<F: CodeFlow> NeedsPassword<F> {
    /// Sets the password. A sign-up's (§1 step 5) creates the account, then signs in with the
    /// continuation token (§1 step 6) and gives the [`Session`]; a reset's (§3 step 4) polls
    /// until the portal reports completion (step 5), waiting `poll_interval` between polls, and
    /// gives [`ResetDone`].
    ///
    /// Outcomes: [`Step::Next`]; [`Step::Retry`] with [`RetryReason::PasswordRefused`] (policy
    /// of §1, or a reset's `password_recently_used`); [`Step::Expired`]; [`Step::Redirect`];
    /// for a sign-up also [`Step::AttributesRequired`] and [`Step::UserAlreadyExists`].
    ///
    /// # Errors
    /// [`Interrupted`] with `self` on a network, decode or unexpected portal error, and for a
    /// reset with a [`PortalError`](crate::PortalError) of code `reset_failed` when the poll
    /// reports `failed` or never completes.
    pub async fn submit(
        self,
        portal: &Portal,
        password: &SecretString,
    ) -> StepResult<F::Done, Self> {
        F::submit(self, portal, password).await
    }
}

impl NeedsPassword<SignInFlow> {
    /// Signs in with the password (§2 step 3).
    ///
    /// Outcomes: [`Step::Next`] with the [`Session`]; [`Step::Retry`] with
    /// [`RetryReason::InvalidCredentials`] (wrong password or unknown email) or throttled
    /// (`account_locked`); [`Step::Expired`]; [`Step::Redirect`].
    ///
    /// # Errors
    /// [`Interrupted`] with `self` on a network, decode or unexpected portal error.
    pub async fn submit(
        self,
        portal: &Portal,
        password: &SecretString,
    ) -> StepResult<Session, Self> {
        let form = TokenRequest {
            client_id: portal.config().client_id().to_owned(),
            grant_type: "password".to_owned(),
            continuation_token: Some(self.continuation_token.clone()),
            password: Some(Secret::new(password.expose_secret())),
            username: Some(self.email.as_str().to_owned()),
            scope: Some(portal.config().scope()),
            ..TokenRequest::default()
        };
        let email = self.email.clone();
        token_grant(portal, &email, form, self).await
    }
}

/// The fixed parts of a [`CodeFlow`] impl: its start ([`SignUp`] or [`Reset`]) and its two
/// variants of [`Pending`].
macro_rules! code_flow_parts {
    ($start:ident, $code_sent:ident, $needs_password:ident) => {
        type Start = $start;

        fn start(
            email: Email,
            portal: &Portal,
        ) -> impl Future<Output = StepResult<CodeSent<Self>, $start>> + Send {
            $start::new(email).start(portal)
        }

        fn code_sent(pending: &Pending) -> Option<&CodeSent<Self>> {
            if let Pending::$code_sent(sent) = pending { Some(sent) } else { None }
        }

        fn needs_password(pending: &Pending) -> Option<&NeedsPassword<Self>> {
            if let Pending::$needs_password(needs) = pending { Some(needs) } else { None }
        }

        fn pending_code(sent: CodeSent<Self>) -> Pending {
            Pending::$code_sent(sent)
        }

        fn pending_password(needs: NeedsPassword<Self>) -> Pending {
            Pending::$needs_password(needs)
        }
    };
}

impl CodeFlow for SignUpFlow {
    code_flow_parts!(SignUp, SignUpCodeSent, SignUpNeedsPassword);
    type Done = Session;

    /// `signup/v1.0/continue` with the code (§1 step 3), then the password challenge (step 4).
    async fn verify(
        sent: CodeSent<Self>,
        portal: &Portal,
        code: &VerificationCode,
    ) -> StepResult<NeedsPassword<Self>, CodeSent<Self>> {
        let form = SignUpContinueRequest {
            client_id: portal.config().client_id().to_owned(),
            continuation_token: sent.continuation_token.clone(),
            grant_type: "oob".to_owned(),
            oob: Some(Secret::new(code.as_str())),
            password: None,
        };
        let email = sent.email.clone();
        let (reply, state) =
            call::<ContinuationAnswer, _>(portal, "signup/v1.0/continue", &form, sent).await?;
        let next_token = match reply {
            IdentityReply::Refused(r)
                if r.error.code == RefusalCode::Identity(ErrorCode::CredentialRequired) =>
            {
                match r.continuation_token {
                    Some(t) => t,
                    None => {
                        return Err(Interrupted { state, error: r.error.into() });
                    }
                }
            }
            // A tenant that took the password at `start` accepts the code outright.
            IdentityReply::Ok(t) => t.continuation_token,
            IdentityReply::Redirect => return Ok(Step::Redirect { email }),
            IdentityReply::Refused(r) => return outcome(r, &email, state),
        };
        challenge_password(portal, &email, &next_token, state).await
    }

    /// `signup/v1.0/continue` with the password (§1 step 5), then the token (step 6).
    async fn submit(
        needs: NeedsPassword<Self>,
        portal: &Portal,
        password: &SecretString,
    ) -> StepResult<Session, NeedsPassword<Self>> {
        let form = SignUpContinueRequest {
            client_id: portal.config().client_id().to_owned(),
            continuation_token: needs.continuation_token.clone(),
            grant_type: "password".to_owned(),
            oob: None,
            password: Some(Secret::new(password.expose_secret())),
        };
        let email = needs.email.clone();
        let (reply, state) =
            call::<ContinuationAnswer, _>(portal, "signup/v1.0/continue", &form, needs).await?;
        let token = match reply {
            IdentityReply::Ok(t) => t.continuation_token,
            IdentityReply::Redirect => return Ok(Step::Redirect { email }),
            IdentityReply::Refused(r) => return outcome(r, &email, state),
        };
        let form = TokenRequest {
            client_id: portal.config().client_id().to_owned(),
            grant_type: "continuation_token".to_owned(),
            continuation_token: Some(token),
            username: Some(email.as_str().to_owned()),
            scope: Some(portal.config().scope()),
            ..TokenRequest::default()
        };
        token_grant(portal, &email, form, state).await
    }

    async fn sign_in(session: Session, _portal: &Portal) -> Option<Session> {
        Some(session)
    }
}

impl CodeFlow for ResetFlow {
    code_flow_parts!(Reset, ResetCodeSent, ResetNeedsPassword);
    type Done = ResetDone;

    /// `resetpassword/v1.0/continue` with the code (§3 step 3).
    async fn verify(
        sent: CodeSent<Self>,
        portal: &Portal,
        code: &VerificationCode,
    ) -> StepResult<NeedsPassword<Self>, CodeSent<Self>> {
        let form = ResetContinueRequest {
            client_id: portal.config().client_id().to_owned(),
            continuation_token: sent.continuation_token.clone(),
            grant_type: "oob".to_owned(),
            oob: Secret::new(code.as_str()),
        };
        let email = sent.email.clone();
        let (reply, state) =
            call::<ResetContinueAnswer, _>(portal, "resetpassword/v1.0/continue", &form, sent)
                .await?;
        match reply {
            IdentityReply::Ok(t) => Ok(Step::Next(NeedsPassword {
                email,
                continuation_token: t.continuation_token,
                flow: PhantomData,
            })),
            IdentityReply::Redirect => Ok(Step::Redirect { email }),
            IdentityReply::Refused(r) => outcome(r, &email, state),
        }
    }

    /// `resetpassword/v1.0/submit` (§3 step 4), then `poll_completion` until it reports
    /// completion (step 5).
    async fn submit(
        needs: NeedsPassword<Self>,
        portal: &Portal,
        password: &SecretString,
    ) -> StepResult<ResetDone, NeedsPassword<Self>> {
        let form = ResetSubmitRequest {
            client_id: portal.config().client_id().to_owned(),
            continuation_token: needs.continuation_token.clone(),
            new_password: Secret::new(password.expose_secret()),
        };
        let email = needs.email.clone();
        let (reply, mut state) =
            call::<ResetSubmitAnswer, _>(portal, "resetpassword/v1.0/submit", &form, needs).await?;
        let submitted = match reply {
            IdentityReply::Ok(s) => s,
            IdentityReply::Redirect => return Ok(Step::Redirect { email }),
            IdentityReply::Refused(r) => return outcome(r, &email, state),
        };
        let interval = Duration::from_secs(submitted.poll_interval.clamp(1, 10));
        let mut token = submitted.continuation_token;
        for _ in 0..MAX_POLLS {
            let form = PollCompletionRequest {
                client_id: portal.config().client_id().to_owned(),
                continuation_token: token.clone(),
            };
            let (reply, s) = call::<PollCompletionAnswer, _>(
                portal,
                "resetpassword/v1.0/poll_completion",
                &form,
                state,
            )
            .await?;
            state = s;
            match reply {
                IdentityReply::Ok(p) => {
                    if let Some(t) = p.continuation_token {
                        token = t;
                    }
                    match p.status {
                        PollStatus::Succeeded => {
                            return Ok(Step::Next(ResetDone { email, continuation_token: token }));
                        }
                        PollStatus::Failed => break,
                        PollStatus::InProgress | PollStatus::NotStarted => {
                            tokio::time::sleep(interval).await;
                        }
                    }
                }
                IdentityReply::Redirect => return Ok(Step::Redirect { email }),
                IdentityReply::Refused(r) => return outcome(r, &email, state),
            }
        }
        Err(Interrupted {
            state,
            error: crate::Error::Unexpected("poll_completion did not report success"),
        })
    }

    async fn sign_in(done: ResetDone, portal: &Portal) -> Option<Session> {
        match done.sign_in(portal).await {
            Ok(Step::Next(session)) => Some(session),
            _ => None,
        }
    }
}

impl ResetDone {
    /// The account's email.
    pub fn email(&self) -> &Email {
        &self.email
    }

    /// Signs in with the reset's continuation token (§3 step 6).
    ///
    /// Outcomes: [`Step::Next`] with the [`Session`]; [`Step::Expired`] (then sign in with the
    /// new password instead).
    ///
    /// # Errors
    /// [`Interrupted`] with `self` on a network, decode or unexpected portal error.
    pub async fn sign_in(self, portal: &Portal) -> StepResult<Session, Self> {
        let form = TokenRequest {
            client_id: portal.config().client_id().to_owned(),
            grant_type: "continuation_token".to_owned(),
            continuation_token: Some(self.continuation_token.clone()),
            username: Some(self.email.as_str().to_owned()),
            scope: Some(portal.config().scope()),
            ..TokenRequest::default()
        };
        let email = self.email.clone();
        token_grant(portal, &email, form, self).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{portal id}|pending` entries as earlier versions wrote them (the keychain keeps them
    /// across an update): each must load as the same step and write back byte for byte.
    const STORED: [&str; 4] = [
        r#"{"step":"sign_up_code_sent","email":"parent@exemple.ca","continuation_token":"ct-1","target_label":"p****t@e*****e.ca","code_length":6,"interval":60,"sent_at":"2026-03-04T05:06:07Z"}"#,
        r#"{"step":"sign_up_needs_password","email":"parent@exemple.ca","continuation_token":"ct-2"}"#,
        r#"{"step":"reset_code_sent","email":"parent@exemple.ca","continuation_token":"ct-3","target_label":"p****t@e*****e.ca","code_length":6,"interval":60,"sent_at":"2026-03-04T05:06:07Z"}"#,
        r#"{"step":"reset_needs_password","email":"parent@exemple.ca","continuation_token":"ct-4"}"#,
    ];

    #[test]
    fn stored_pending_flows_of_earlier_versions_load_and_write_back_unchanged() {
        let loaded: Vec<Pending> = STORED
            .iter()
            .map(|json| serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}")))
            .collect();
        assert!(matches!(
            loaded.as_slice(),
            [
                Pending::SignUpCodeSent(_),
                Pending::SignUpNeedsPassword(_),
                Pending::ResetCodeSent(_),
                Pending::ResetNeedsPassword(_),
            ]
        ));
        for (pending, json) in loaded.iter().zip(STORED) {
            assert_eq!(pending.email().as_str(), "parent@exemple.ca");
            assert_eq!(serde_json::to_string(pending).ok().as_deref(), Some(json));
        }
        let Pending::ResetCodeSent(sent) = &loaded[2] else { unreachable!("matched above") };
        assert_eq!((sent.code_length(), sent.target_label()), (6, "p****t@e*****e.ca"));
        assert_eq!(sent.resend_at() - sent.sent_at(), time::Duration::seconds(60));
    }
}
