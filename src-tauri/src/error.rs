//! The shell's one error type and how it crosses the IPC boundary.
//!
//! Every command answers `Result<C::Output, Error>`; an [`Error`] serializes as a
//! [`Problem`] `{code, field, params}` whose `code` is one of [`codes`] or a domain error code
//! of `cartable-core` (`email_missing_at`, `password_too_short`…). The UI translates the code;
//! nothing ever crosses as a sentence. Internal details go to the log, never to the UI.

use cartable_core::{Problem, ipc::codes};
use portal_client::{NetworkErrorKind, RetryReason, ThrottleReason};
use serde::{Serialize, Serializer};

/// What a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A client error (network, decode, refusal, configuration, ended session).
    #[error(transparent)]
    Portal(#[from] portal_client::Error),
    /// An expected refusal or input error, already a [`Problem`].
    #[error("{0}")]
    Problem(Problem),
    /// The command needs a signed-in parent.
    #[error("not signed in")]
    NotSignedIn,
    /// The command continues a sign-up or reset but none is pending.
    #[error("no pending sign-up or reset")]
    NoPendingFlow,
    /// The demo mailbox was asked for while a real portal is in use.
    #[error("not the embedded demo portal")]
    NotDemo,
    /// Anything else; the message is logged, the UI gets `internal`.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The [`Problem`] the UI receives.
    pub fn problem(&self) -> Problem {
        match self {
            Self::Portal(error) => portal_problem(error),
            Self::Problem(problem) => problem.clone(),
            Self::NotSignedIn => Problem::new(codes::NOT_SIGNED_IN),
            Self::NoPendingFlow => Problem::new(codes::NO_PENDING_FLOW),
            Self::NotDemo => Problem::new(codes::NOT_DEMO),
            Self::Internal(_) => Problem::new(codes::INTERNAL),
        }
    }

    /// A refusal with a code of [`codes`] and no parameters.
    pub fn code(code: &str) -> Self {
        Self::Problem(Problem::new(code))
    }
}

impl From<Problem> for Error {
    fn from(problem: Problem) -> Self {
        Self::Problem(problem)
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Self::Internal(detail) => log::error!("internal error: {detail}"),
            Self::Portal(error) if !error.is_network() => log::warn!("portal error: {error}"),
            _ => {}
        }
        self.problem().serialize(serializer)
    }
}

/// Parent-API refusal codes the UI translates as they are (`docs/contract.md §6`).
const PASSED_THROUGH: &[&str] = &[
    codes::NO_MATCHING_RECORD,
    codes::EMAIL_NOT_VERIFIED,
    codes::BOARD_NOT_SUBSCRIBED,
    codes::TOO_MANY_ATTEMPTS,
    codes::CHILD_NOT_FOUND,
];

/// Maps a client error to the UI's codes: network → `portal_unreachable`, `SessionEnded` →
/// `session_expired`, parent-API refusals by their stable code, field errors to the first
/// field's code on that field, anything else `portal_error` (details logged).
pub fn portal_problem(error: &portal_client::Error) -> Problem {
    match error {
        portal_client::Error::Network(network) => {
            let kind = match network.kind {
                NetworkErrorKind::Timeout => "timeout",
                NetworkErrorKind::Dns => "dns",
                NetworkErrorKind::Tls => "tls",
                NetworkErrorKind::ConnectionRefused => "connection_refused",
                NetworkErrorKind::ConnectionReset => "connection_reset",
                NetworkErrorKind::Proxy => "proxy",
                _ => "other",
            };
            Problem::new(codes::PORTAL_UNREACHABLE).with("kind", kind)
        }
        portal_client::Error::SessionEnded => Problem::new(codes::SESSION_EXPIRED),
        portal_client::Error::Portal(refusal) => {
            if let Some(first) = refusal.field_errors.first() {
                return Problem::new(first.code.clone()).on_field(&first.field);
            }
            if PASSED_THROUGH.contains(&refusal.code.as_str()) {
                let mut problem = Problem::new(refusal.code.clone());
                if let Some(wait) = refusal.retry_after {
                    problem = problem.with("retry_after", wait.as_secs());
                }
                if let Some(left) = refusal.attempts_left {
                    problem = problem.with("attempts_left", left);
                }
                return problem;
            }
            if refusal.code == "invalid_token" {
                return Problem::new(codes::SESSION_EXPIRED);
            }
            Problem::new(codes::PORTAL_ERROR).with("status", refusal.status)
        }
        _ => Problem::new(codes::PORTAL_ERROR),
    }
}

/// Maps a flow step's "try again" answer (`docs/contract.md §§0–3`) to a [`Problem`].
pub fn retry_problem(reason: &RetryReason) -> Problem {
    match reason {
        RetryReason::WrongCode { attempts_left } => {
            let problem = Problem::new(codes::INVALID_CODE).on_field("code");
            match attempts_left {
                Some(left) => problem.with("attempts_left", *left),
                None => problem,
            }
        }
        RetryReason::PasswordRefused { suberror } if suberror == codes::PASSWORD_RECENTLY_USED => {
            Problem::new(codes::PASSWORD_RECENTLY_USED).on_field("password")
        }
        RetryReason::PasswordRefused { suberror } => {
            Problem::new(suberror.clone()).on_field("password")
        }
        RetryReason::InvalidCredentials => Problem::new(codes::INVALID_CREDENTIALS),
        RetryReason::Throttled { reason, retry_after } => {
            let code = match reason {
                ThrottleReason::CodeAttemptsExceeded => codes::CODE_ATTEMPTS_EXCEEDED,
                ThrottleReason::CodeSendsExceeded => codes::CODE_SENDS_EXCEEDED,
                ThrottleReason::AccountLocked => codes::ACCOUNT_LOCKED,
                _ => codes::THROTTLED,
            };
            Problem::new(code).with("retry_after", retry_after.as_secs())
        }
        _ => Problem::new(codes::PORTAL_ERROR),
    }
}

/// `flow_expired` with the email to fill in again (`docs/contract.md §1` "Resume").
pub fn flow_expired(email: &str) -> Problem {
    Problem::new(codes::FLOW_EXPIRED).with("email", email)
}

/// Shorthand for a command's result.
pub type Result<T> = std::result::Result<T, Error>;

/// Every code the shell itself emits belongs to [`codes::ALL`] (a test checks the mapping).
pub fn is_shell_code(code: &str) -> bool {
    codes::ALL.contains(&code)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn errors_serialize_as_code_and_params() {
        let json = serde_json::to_value(Error::NotSignedIn).expect("serializes");
        assert_eq!(json, serde_json::json!({"code": "not_signed_in"}));
        let throttled = retry_problem(&RetryReason::Throttled {
            reason: ThrottleReason::CodeSendsExceeded,
            retry_after: Duration::from_secs(1200),
        });
        assert_eq!(
            serde_json::to_value(Error::from(throttled)).expect("serializes"),
            serde_json::json!({"code": "code_sends_exceeded", "params": {"retry_after": 1200}})
        );
    }

    #[test]
    fn shell_codes_are_declared() {
        let reasons = [
            RetryReason::WrongCode { attempts_left: Some(4) },
            RetryReason::InvalidCredentials,
            RetryReason::PasswordRefused { suberror: "password_recently_used".into() },
            RetryReason::Throttled {
                reason: ThrottleReason::AccountLocked,
                retry_after: Duration::from_secs(900),
            },
        ];
        for reason in reasons {
            assert!(is_shell_code(&retry_problem(&reason).code), "{reason:?}");
        }
        for error in
            [Error::NotSignedIn, Error::NoPendingFlow, Error::NotDemo, Error::Internal("x".into())]
        {
            assert!(is_shell_code(&error.problem().code));
        }
        assert!(is_shell_code(&flow_expired("a@b.ca").code));
        assert!(is_shell_code(&portal_problem(&portal_client::Error::SessionEnded).code));
    }
}
