//! The shell's one error type and how it crosses the IPC boundary.
//!
//! Every command answers `Result<C::Output, Error>`; an [`Error`] serializes as an
//! [`AppError`] `{code, field, params}`: a domain rule's error of `cartable-core`
//! (`email_missing_at`, `password_too_short`…) or a [`Failure`]. The portal's answers are mapped
//! here by exhaustive `match`es on their typed codes; the UI translates the result. Nothing ever
//! crosses as a sentence. Internal details go to the log, never to the UI.

use cartable_core::{AppError, Failure, Field};
use portal_client::{ProblemCode, RefusalCode, RetryReason, Suberror, ThrottleReason};
use serde::{Serialize, Serializer};

/// What a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A client error (network, decode, refusal, configuration, ended session).
    #[error(transparent)]
    Portal(#[from] portal_client::Error),
    /// An expected refusal or input error, already an [`AppError`].
    #[error("{0}")]
    App(AppError),
    /// Anything else; the message is logged, the UI gets `internal`.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The [`AppError`] the UI receives.
    pub fn app_error(&self) -> AppError {
        match self {
            Self::Portal(error) => client_error(error),
            Self::App(error) => error.clone(),
            Self::Internal(_) => Failure::Internal.into(),
        }
    }
}

impl From<AppError> for Error {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        Self::App(failure.into())
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Self::Internal(detail) => log::error!("internal error: {detail}"),
            Self::Portal(error) if !error.is_network() => log::warn!("portal error: {error}"),
            _ => {}
        }
        self.app_error().serialize(serializer)
    }
}

/// Maps a client error to what the UI shows: network → `portal_unreachable` with its kind,
/// `SessionEnded` and `invalid_token` → `session_expired`, the parent API's refusals by their
/// code (`docs/contract.md §6`), a field error on its field, anything else `portal_error`
/// (details logged).
pub fn client_error(error: &portal_client::Error) -> AppError {
    match error {
        portal_client::Error::Network(network) => {
            Failure::PortalUnreachable { kind: network.kind }.into()
        }
        portal_client::Error::SessionEnded => Failure::SessionExpired.into(),
        portal_client::Error::Portal(refusal) => refusal_error(refusal),
        _ => Failure::PortalError { status: None }.into(),
    }
}

/// A portal refusal as the UI's error. An identity refusal reaching here is one no flow step
/// expects (an unknown `client_id`, a refused refresh or authorization code other than
/// `invalid_grant`…): `portal_error`.
fn refusal_error(refusal: &portal_client::PortalError) -> AppError {
    // Every 429 carries `Retry-After` (`docs/contract.md §0`); a minute if a portal left it out.
    let retry_after = refusal.retry_after.map_or(60, |wait| wait.as_secs());
    let attempts_left = refusal.attempts_left;
    let failure = match &refusal.code {
        RefusalCode::Api(code) => match code {
            ProblemCode::InvalidFields => {
                if let Some(first) = refusal.field_errors.first() {
                    let error = AppError::from_code(&first.code, serde_json::Map::new());
                    return match Field::of_request_field(&first.field) {
                        Some(field) => error.on_field(field),
                        None => error,
                    };
                }
                Failure::PortalError { status: Some(refusal.status) }
            }
            ProblemCode::InvalidToken => Failure::SessionExpired,
            ProblemCode::EmailNotVerified => Failure::EmailNotVerified,
            ProblemCode::BoardNotSubscribed => Failure::BoardNotSubscribed,
            ProblemCode::NoMatchingRecord => Failure::NoMatchingRecord { attempts_left },
            ProblemCode::TooManyAttempts => {
                Failure::TooManyAttempts { retry_after: refusal.retry_after.map(|w| w.as_secs()) }
            }
            ProblemCode::ChildNotFound => Failure::ChildNotFound,
            ProblemCode::Throttled => Failure::Throttled { retry_after },
            ProblemCode::CodeSendsExceeded => Failure::CodeSendsExceeded { retry_after },
            ProblemCode::CodeAttemptsExceeded => Failure::CodeAttemptsExceeded { retry_after },
            ProblemCode::InvalidCode => Failure::InvalidCode { attempts_left },
            ProblemCode::EmailInUse => Failure::EmailInUse,
            ProblemCode::CodeExpired
            | ProblemCode::InvalidBody
            | ProblemCode::NotFound
            | ProblemCode::MethodNotAllowed
            | ProblemCode::PayloadTooLarge
            | ProblemCode::UnsupportedMediaType
            | ProblemCode::Internal
            | ProblemCode::Other(_) => Failure::PortalError { status: Some(refusal.status) },
        },
        RefusalCode::Identity(_) => Failure::PortalError { status: Some(refusal.status) },
    };
    failure.into()
}

/// Maps a flow step's "try again" answer (`docs/contract.md §§0–3`) to what the UI shows.
pub fn retry_error(reason: &RetryReason) -> AppError {
    match reason {
        RetryReason::WrongCode { attempts_left } => {
            Failure::InvalidCode { attempts_left: *attempts_left }.into()
        }
        RetryReason::PasswordRefused { suberror: Suberror::PasswordRecentlyUsed } => {
            Failure::PasswordRecentlyUsed.into()
        }
        // The policy's refusals carry no parameters on the wire: the UI checked them before
        // sending, so this is a disagreement, shown on the field under the rule's code.
        RetryReason::PasswordRefused { suberror } => {
            AppError::from_code(suberror.as_str(), serde_json::Map::new()).on_field(Field::Password)
        }
        RetryReason::InvalidCredentials => Failure::InvalidCredentials.into(),
        RetryReason::Throttled { reason, retry_after } => {
            let retry_after = retry_after.as_secs();
            match reason {
                ThrottleReason::CodeAttemptsExceeded => {
                    Failure::CodeAttemptsExceeded { retry_after }
                }
                ThrottleReason::CodeSendsExceeded => Failure::CodeSendsExceeded { retry_after },
                ThrottleReason::AccountLocked => Failure::AccountLocked { retry_after },
                _ => Failure::Throttled { retry_after },
            }
            .into()
        }
        _ => Failure::PortalError { status: None }.into(),
    }
}

/// `flow_expired` with the email to fill in again (`docs/contract.md §1` "Resume").
pub fn flow_expired(email: &str) -> AppError {
    Failure::FlowExpired { email: email.to_owned() }.into()
}

/// Shorthand for a command's result.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use cartable_core::wire::parent::FieldError;
    use portal_client::PortalError;

    use super::*;

    fn refusal(code: ProblemCode, field_errors: Vec<FieldError>) -> portal_client::Error {
        PortalError {
            status: 422,
            code: RefusalCode::Api(code),
            suberror: None,
            retry_after: Some(Duration::from_secs(120)),
            attempts_left: Some(3),
            trace_id: None,
            description: None,
            field_errors,
        }
        .into()
    }

    #[test]
    fn errors_serialize_as_code_and_params() {
        let json = serde_json::to_value(Error::from(Failure::NotSignedIn)).expect("serializes");
        assert_eq!(json, serde_json::json!({"code": "not_signed_in"}));
        let throttled = retry_error(&RetryReason::Throttled {
            reason: ThrottleReason::CodeSendsExceeded,
            retry_after: Duration::from_secs(1200),
        });
        assert_eq!(
            serde_json::to_value(Error::from(throttled)).expect("serializes"),
            serde_json::json!({"code": "code_sends_exceeded", "params": {"retry_after": 1200}})
        );
    }

    /// The exact JSON the UI receives for the portal's answers: codes, fields and params.
    #[test]
    fn refusals_cross_the_ipc_as_json() {
        let wire = |error: portal_client::Error| {
            serde_json::to_value(Error::from(error)).expect("serializes")
        };
        assert_eq!(
            wire(refusal(ProblemCode::NoMatchingRecord, vec![])),
            serde_json::json!({"code": "no_matching_record", "params": {"attempts_left": 3}})
        );
        assert_eq!(
            wire(refusal(ProblemCode::InvalidCode, vec![])),
            serde_json::json!({"code": "invalid_code", "field": "code",
                               "params": {"attempts_left": 3}})
        );
        assert_eq!(
            wire(refusal(ProblemCode::EmailNotVerified, vec![])),
            serde_json::json!({"code": "email_not_verified", "field": "email"})
        );
        let unknown_school =
            FieldError { field: "private_school_id".into(), code: "unknown_private_school".into() };
        assert_eq!(
            wire(refusal(ProblemCode::InvalidFields, vec![unknown_school])),
            serde_json::json!({"code": "unknown_private_school", "field": "board"})
        );
        assert_eq!(
            wire(portal_client::Error::SessionEnded),
            serde_json::json!({"code": "session_expired"})
        );
    }

    #[test]
    fn parent_api_refusals_keep_their_code_and_limits() {
        assert_eq!(
            client_error(&refusal(ProblemCode::NoMatchingRecord, vec![])),
            Failure::NoMatchingRecord { attempts_left: Some(3) }.into()
        );
        assert_eq!(
            client_error(&refusal(ProblemCode::TooManyAttempts, vec![])),
            Failure::TooManyAttempts { retry_after: Some(120) }.into()
        );
        assert_eq!(
            client_error(&refusal(ProblemCode::InvalidToken, vec![])),
            Failure::SessionExpired.into()
        );
        let brand_new = client_error(&refusal(ProblemCode::Other("brand_new".into()), vec![]));
        assert_eq!(brand_new, Failure::PortalError { status: Some(422) }.into());
    }

    #[test]
    fn a_field_error_lands_on_its_form_field() {
        let error = client_error(&refusal(
            ProblemCode::InvalidFields,
            vec![FieldError {
                field: "permanent_code".into(),
                code: "permanent_code_empty".into(),
            }],
        ));
        assert_eq!(error.code(), "permanent_code_empty");
        assert_eq!(error.field, Some(Field::Identifier));
        let unknown = client_error(&refusal(
            ProblemCode::InvalidFields,
            vec![FieldError { field: "nickname".into(), code: "brand_new".into() }],
        ));
        assert_eq!((unknown.code(), unknown.field), ("brand_new".to_owned(), None));
    }

    #[test]
    fn password_refusals_land_on_the_password_field() {
        let reused =
            retry_error(&RetryReason::PasswordRefused { suberror: Suberror::PasswordRecentlyUsed });
        assert_eq!(reused, Failure::PasswordRecentlyUsed.into());
        assert_eq!(reused.field, Some(Field::Password));
        let weak =
            retry_error(&RetryReason::PasswordRefused { suberror: Suberror::PasswordTooWeak });
        assert_eq!(
            (weak.code(), weak.field),
            ("password_too_weak".to_owned(), Some(Field::Password))
        );
    }
}
