//! The one error type that crosses the Tauri IPC boundary, typed from the rule or refusal that
//! raised it to the screen that shows it.
//!
//! An [`AppError`] is an [`ErrorKind`] (which rule or refusal, with typed parameters) and the
//! [`Field`] of the form it belongs to. It travels as JSON `{"code", "field", "params"}`:
//! `code` is stable snake_case, `params` holds the values a message needs. The UI turns `code`
//! into a translated sentence (its Fluent key is `err-` followed by the code with `_` replaced by
//! `-`) and fills the parameters in. Nothing on either side parses a human sentence, and a code
//! this version does not know (a newer portal's) decodes to [`ErrorKind::Other`], which the UI
//! shows as a generic message naming the code.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::birth_date::BirthDateError;
use crate::code::CodeError;
use crate::email::EmailError;
use crate::identifiers::{
    IdentifierError, NipError, PermanentCodeError, PermanentCodeHint, StudentNumberError,
};
use crate::name::NameError;
use crate::password::PasswordFailure;

/// A form field of the app, where an error is shown (JSON: its snake_case name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// An email: the sign-in, sign-up or reset email, the email to link, or the parent's email
    /// of the association form.
    Email,
    /// The six-digit verification code.
    Code,
    /// A new or current password.
    Password,
    /// The new password typed a second time.
    Confirmation,
    /// The school board or private school of the association form.
    Board,
    /// The child's last name.
    LastName,
    /// The child's first name.
    FirstName,
    /// The child's date of birth.
    BirthDate,
    /// The numéro de fiche or code permanent (one field, `docs/contract.md §6`).
    Identifier,
    /// The NIP of a school that gave one.
    Nip,
    /// The portal address of the settings.
    PortalUrl,
}

impl Field {
    /// The field's snake_case name, as in JSON (`birth_date`); the UI's forms name their
    /// inputs the same way.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Code => "code",
            Self::Password => "password",
            Self::Confirmation => "confirmation",
            Self::Board => "board",
            Self::LastName => "last_name",
            Self::FirstName => "first_name",
            Self::BirthDate => "birth_date",
            Self::Identifier => "identifier",
            Self::Nip => "nip",
            Self::PortalUrl => "portal_url",
        }
    }

    /// The form field of a parent-API request field (`docs/contract.md §6`, the `field` of
    /// `errors[]`): `student_number` and `permanent_code` are the one identifier field;
    /// `board_id` and `private_school_id` the board picker. `None` for a field no form shows.
    pub fn of_request_field(name: &str) -> Option<Self> {
        Some(match name {
            "email" => Self::Email,
            "code" => Self::Code,
            "board_id" | "private_school_id" => Self::Board,
            "last_name" => Self::LastName,
            "first_name" => Self::FirstName,
            "birth_date" => Self::BirthDate,
            "student_number" | "permanent_code" => Self::Identifier,
            "nip" => Self::Nip,
            _ => return None,
        })
    }
}

/// Why a setting was refused, the `reason` of [`Failure::InvalidSetting`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingRefusal {
    /// A build without the demo portal, and no portal address set: enter one in Paramètres.
    NoPortal,
    /// The portal address is not a URL.
    InvalidUrl,
    /// The portal address has a path, a query or user info: only the origin is wanted.
    NotAnOrigin,
    /// `http://` to a host that is not this computer: https is required.
    InsecureUrl,
    /// Neither https nor http.
    UnsupportedScheme,
}

/// How the portal could not be reached: portal-client's `NetworkErrorKind` and the `kind` of
/// [`Failure::PortalUnreachable`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Unreachable {
    /// The connect or request timeout elapsed.
    Timeout,
    /// The host name (the portal's, or the proxy's) could not be resolved: reqwest tags every
    /// failure of its resolver (`reqwest::Error::is_dns`).
    Dns,
    /// The TLS handshake failed (untrusted or invalid certificate, protocol error).
    Tls,
    /// The connection was refused.
    ConnectionRefused,
    /// The connection was reset or closed before the whole answer arrived.
    ConnectionReset,
    /// The proxy refused or failed: the client's proxy configuration routes the request through
    /// a proxy, and the connection failed with no I/O, TLS or DNS cause, which is how a refused
    /// or broken `CONNECT` tunnel surfaces (a 407, 403 or 502 answer, or a proxy that hangs up).
    ///
    /// hyper-util reports those as its `TunnelError`, a type it does not export, so it cannot be
    /// found in the cause chain by type; the route is known instead, from the same proxy matcher
    /// reqwest uses (`hyper_util::client::proxy::matcher::Matcher::from_system`). A proxy
    /// that cannot be reached at all is reported like any host: [`Self::Dns`],
    /// [`Self::ConnectionRefused`], [`Self::Timeout`].
    Proxy,
    /// Any other transport failure.
    #[default]
    Other,
}

/// Defines [`Failure`] and its wire form: each variant's code, written next to it, and its
/// fields as the parameters (a `None` field is left out). Serde's derive would do the same in
/// far more code: this keeps the UI's wasm small.
macro_rules! failures {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident $({ $( $(#[$fmeta:meta])* $field:ident: $ty:ty, )* })? => $code:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            $( $(#[$vmeta])* $variant $({ $( $(#[$fmeta])* $field: $ty, )* })?, )*
        }

        impl $name {
            /// The stable snake_case code, e.g. `invalid_code`.
            pub fn code(&self) -> &'static str {
                match self {
                    $( Self::$variant { .. } => $code, )*
                }
            }

            /// The parameters by name; a field that is `None` is left out.
            pub fn params(&self) -> Map<String, Value> {
                let mut params = Map::new();
                match self {
                    $( Self::$variant $({ $( $field, )* })? => {
                        $($( put_param(&mut params, stringify!($field), $field); )*)?
                    } )*
                }
                params
            }

            /// The failure of `code` with `params`; `None` when `code` is not one of these or
            /// a parameter is missing or of another type.
            pub fn from_parts(code: &str, params: &Map<String, Value>) -> Option<Self> {
                Some(match code {
                    $( $code => Self::$variant $({ $( $field: param(params, stringify!($field))?, )* })?, )*
                    _ => return None,
                })
            }

            /// Every failure, with default parameters (for tests that each has a message).
            pub fn every() -> Vec<Self> {
                vec![ $( Self::$variant $({ $( $field: Default::default(), )* })?, )* ]
            }
        }
    };
}

/// Adds `value` to `params` as `name`, unless it is `None` (JSON `null`).
fn put_param<T: Serialize>(params: &mut Map<String, Value>, name: &str, value: &T) {
    match serde_json::to_value(value) {
        Ok(Value::Null) | Err(_) => {}
        Ok(value) => {
            params.insert(name.to_owned(), value);
        }
    }
}

/// The parameter `name` as a `T` (a missing one reads as `null`: `None` for an `Option`).
fn param<T: serde::de::DeserializeOwned>(params: &Map<String, Value>, name: &str) -> Option<T> {
    serde_json::from_value(params.get(name).cloned().unwrap_or(Value::Null)).ok()
}

failures! {
    /// The refusals and failures of the app itself: the portal's answers as the shell maps them,
    /// the shell's own failures and the UI's form checks. Each variant's `code` is written next to
    /// it; its fields are its `params` (`docs/contract.md` names the portal's); a `None` field is
    /// left out.
    pub enum Failure {
        /// The portal could not be reached: "Réessayer".
        PortalUnreachable {
            /// What failed.
            kind: Unreachable,
        } => "portal_unreachable",
        /// The portal answered something the app could not understand or did not expect.
        PortalError {
            /// The HTTP status, when there was an answer.
            status: Option<u16>,
        } => "portal_error",
        /// No keychain is usable: the session is kept in memory only until the window closes.
        KeychainUnavailable => "keychain_unavailable",
        /// Wrong email or password (also for an unknown email: `docs/contract.md §2`).
        InvalidCredentials => "invalid_credentials",
        /// Sign-up for an email that already has an account.
        UserAlreadyExists {
            /// The email, to offer "Mot de passe oublié?" with it.
            email: String,
        } => "user_already_exists",
        /// No account uses this email (a real Entra tenant says so at sign-in).
        UserNotFound {
            /// The email typed.
            email: String,
        } => "user_not_found",
        /// Wrong verification code (`docs/contract.md §1` "Codes").
        InvalidCode {
            /// Tries left on this code, when the portal says.
            attempts_left: Option<u32>,
        } => "invalid_code",
        /// The code or the step expired: restart at "send code" with the email kept
        /// (`docs/contract.md §1` "Resume").
        FlowExpired {
            /// The email to fill in again.
            email: String,
        } => "flow_expired",
        /// Too soon or too often (`docs/contract.md §0`).
        Throttled {
            /// Seconds to wait.
            retry_after: u64,
        } => "throttled",
        /// 5 wrong codes: ask for a new one.
        CodeAttemptsExceeded {
            /// Seconds to wait.
            retry_after: u64,
        } => "code_attempts_exceeded",
        /// 10 codes sent within an hour.
        CodeSendsExceeded {
            /// Seconds to wait.
            retry_after: u64,
        } => "code_sends_exceeded",
        /// 10 wrong passwords: locked 15 minutes (`docs/contract.md §2`).
        AccountLocked {
            /// Seconds to wait.
            retry_after: u64,
        } => "account_locked",
        /// The new password is the current one (`docs/contract.md §3`).
        PasswordRecentlyUsed => "password_recently_used",
        /// The portal wants the browser for this step (`docs/contract.md §5`).
        RedirectRequired {
            /// The email of the flow, to continue with in the browser.
            email: String,
        } => "redirect_required",
        /// No session: sign in first.
        NotSignedIn => "not_signed_in",
        /// The stored session was refused by the portal: sign in again.
        SessionExpired => "session_expired",
        /// There is no pending sign-up or reset to continue.
        NoPendingFlow => "no_pending_flow",
        /// No school record matches; the portal never says which field differed
        /// (`docs/contract.md §6`).
        NoMatchingRecord {
            /// Association attempts left, when the portal says.
            attempts_left: Option<u32>,
        } => "no_matching_record",
        /// The email given for association is not a verified email of the account.
        EmailNotVerified => "email_not_verified",
        /// The school body does not subscribe to the portal.
        BoardNotSubscribed => "board_not_subscribed",
        /// 10 failed associations within 24 hours (`docs/contract.md §6`).
        TooManyAttempts {
            /// Seconds to wait, when the portal says (`Retry-After`).
            retry_after: Option<u64>,
        } => "too_many_attempts",
        /// The association named both or neither of two exclusive fields (`student_number` and
        /// `permanent_code`, or `board_id` and `private_school_id`; `docs/contract.md §6`).
        ExactlyOneRequired => "exactly_one_required",
        /// The school board chosen is not in the portal's list (`docs/contract.md §6`).
        UnknownBoard => "unknown_board",
        /// The private school chosen is not in the portal's list (`docs/contract.md §6`).
        UnknownPrivateSchool => "unknown_private_school",
        /// The child is not associated with this account.
        ChildNotFound => "child_not_found",
        /// The demo mailbox exists only with the embedded demo portal.
        NotDemo => "not_demo",
        /// A setting was refused.
        InvalidSetting {
            /// Why, when known.
            reason: Option<SettingRefusal>,
        } => "invalid_setting",
        /// Anything else (details in the shell's log, never shown).
        Internal => "internal",
        /// The parent's "Annuler" in Cartable ended the browser sign-in.
        BrowserCancelled => "browser_cancelled",
        /// The browser did not come back in time (portal-client's `DEFAULT_BROWSER_TIMEOUT`,
        /// 5 minutes).
        BrowserTimedOut => "browser_timed_out",
        /// The browser came back refused or with another attempt's `state` or `nonce`.
        BrowserFailed {
            /// The portal's or the provider's `error` (e.g. `access_denied`), when there was one.
            error: Option<String>,
        } => "browser_failed",
        /// The email to link is the sign-in email of another account (`docs/contract.md §5`).
        EmailInUse => "email_in_use",
        /// "Copier le lien" could not write the clipboard: the parent copies the address shown.
        ClipboardUnavailable => "clipboard_unavailable",
        /// No update server is configured: the package manager or the operator updates Cartable.
        UpdatesOff => "updates_off",
        /// The update server could not be reached, or answered an error.
        UpdateUnreachable => "update_unreachable",
        /// The update server's manifest is unusable.
        UpdateInvalid => "update_invalid",
        /// The downloaded package's signature does not match the app's key, or names another
        /// version than the one offered: refused, nothing saved or installed.
        UpdateSignatureInvalid => "update_signature_invalid",
        /// "Télécharger et vérifier" with no update offered: check first.
        NoUpdate => "no_update",
        /// The verified package could not be written to the Downloads folder.
        UpdateSaveFailed {
            /// The folder it tried.
            folder: String,
        } => "update_save_failed",
        /// A required form field is empty (the UI's check before anything is sent).
        FieldRequired => "field_required",
        /// The password confirmation differs from the password (the UI's check).
        PasswordMismatch => "password_mismatch",
        /// No school board or private school was chosen (the UI's check).
        BoardRequired => "board_required",
        /// The UI runs outside the Cartable window (a plain browser): nothing can be sent.
        ShellUnavailable => "shell_unavailable",
    }
}

/// Defines [`ErrorKind`] with one variant per domain rule's error type, plus
/// [`ErrorKind::Failure`] and [`ErrorKind::Other`], and what follows from the one list: the
/// conversions from each type and the code and parameters of each (its serde tag and fields).
macro_rules! error_kinds {
    ($( $(#[$doc:meta])* $variant:ident($type:ty), )*) => {
        /// Which rule or refusal an [`AppError`] reports, with its parameters.
        ///
        /// Domain rules' errors are typed where they are raised (the UI's checks, the shell's); the
        /// app's own [`Failure`]s are typed on both sides of the IPC. A domain rule's error received
        /// over the IPC reads as [`ErrorKind::Other`] with its code and parameters, which is all the UI
        /// needs to show it: nothing branches on them, and decoding them into their types would
        /// cost the UI's wasm about 20 KB.
        #[derive(Debug, Clone, PartialEq)]
        pub enum ErrorKind {
            $( $(#[$doc])* $variant($type), )*
            /// A refusal or failure of the app (see [`Failure`]).
            Failure(Failure),
            /// An error received as a code that is not a [`Failure`]: a domain rule's error, or
            /// a code this version does not know (from a newer portal or shell).
            Other {
                /// The code as received.
                code: String,
                /// Its parameters as received.
                params: Map<String, Value>,
            },
        }

        $(
            impl From<$type> for ErrorKind {
                fn from(error: $type) -> Self {
                    Self::$variant(error)
                }
            }

            impl From<$type> for AppError {
                fn from(error: $type) -> Self {
                    Self::new(ErrorKind::$variant(error))
                }
            }
        )*

        impl ErrorKind {
            /// The code and the parameters.
            fn split(&self) -> (String, Map<String, Value>) {
                match self {
                    $( Self::$variant(error) => tagged(error), )*
                    Self::Failure(failure) => (failure.code().to_owned(), failure.params()),
                    Self::Other { code, params } => (code.clone(), params.clone()),
                }
            }
        }
    };
}

error_kinds!(
    /// An email refused by `email::check` (`docs/contract.md §1` "Email").
    Email(EmailError),
    /// A verification code refused before it is sent.
    Code(CodeError),
    /// A password refused by the policy (`docs/contract.md §1`).
    Password(PasswordFailure),
    /// A date of birth refused (`docs/contract.md §6`).
    BirthDate(BirthDateError),
    /// A child's name refused.
    Name(NameError),
    /// A numéro de fiche or code permanent refused.
    Identifier(IdentifierError),
    /// A code permanent that may not match the other answers (a warning, never blocking).
    PermanentCodeHint(PermanentCodeHint),
    /// A NIP refused.
    Nip(NipError),
);

impl From<Failure> for ErrorKind {
    fn from(failure: Failure) -> Self {
        Self::Failure(failure)
    }
}

impl From<Failure> for AppError {
    fn from(failure: Failure) -> Self {
        Self::new(ErrorKind::Failure(failure))
    }
}

impl From<StudentNumberError> for ErrorKind {
    fn from(error: StudentNumberError) -> Self {
        Self::Identifier(IdentifierError::StudentNumber(error))
    }
}

impl From<PermanentCodeError> for ErrorKind {
    fn from(error: PermanentCodeError) -> Self {
        Self::Identifier(IdentifierError::PermanentCode(error))
    }
}

impl ErrorKind {
    /// The field this kind of error belongs to wherever it is raised (`None` for the child's
    /// names, which share one rule, and for answers that must not point at a field, such as
    /// `invalid_credentials` and `no_matching_record`, which never say which field differed).
    pub fn field(&self) -> Option<Field> {
        match self {
            Self::Email(_) => Some(Field::Email),
            Self::Code(_) => Some(Field::Code),
            Self::Password(_) => Some(Field::Password),
            Self::BirthDate(_) => Some(Field::BirthDate),
            Self::Identifier(_) | Self::PermanentCodeHint(_) => Some(Field::Identifier),
            Self::Nip(_) => Some(Field::Nip),
            Self::Name(_) | Self::Other { .. } => None,
            Self::Failure(failure) => failure.field(),
        }
    }

    /// The stable snake_case code, e.g. `password_too_short`.
    pub fn code(&self) -> String {
        self.split().0
    }
}

/// A domain rule's error (`#[serde(tag = "code")]`) as its code and parameters.
fn tagged<T: Serialize>(error: &T) -> (String, Map<String, Value>) {
    let mut params = match serde_json::to_value(error) {
        Ok(Value::Object(map)) => map,
        // Every rule's error is a tagged enum: always an object.
        _ => Map::new(),
    };
    let code = match params.remove("code") {
        Some(Value::String(code)) => code,
        _ => "internal".to_owned(),
    };
    (code, params)
}

impl Failure {
    /// The field this failure belongs to wherever it is raised, see [`ErrorKind::field`].
    pub fn field(&self) -> Option<Field> {
        match self {
            Self::InvalidCode { .. } => Some(Field::Code),
            Self::PasswordRecentlyUsed => Some(Field::Password),
            Self::PasswordMismatch => Some(Field::Confirmation),
            Self::UserAlreadyExists { .. } | Self::EmailNotVerified | Self::EmailInUse => {
                Some(Field::Email)
            }
            Self::BoardNotSubscribed
            | Self::BoardRequired
            | Self::UnknownBoard
            | Self::UnknownPrivateSchool => Some(Field::Board),
            Self::PortalUnreachable { .. }
            | Self::PortalError { .. }
            | Self::KeychainUnavailable
            | Self::InvalidCredentials
            | Self::UserNotFound { .. }
            | Self::FlowExpired { .. }
            | Self::Throttled { .. }
            | Self::CodeAttemptsExceeded { .. }
            | Self::CodeSendsExceeded { .. }
            | Self::AccountLocked { .. }
            | Self::RedirectRequired { .. }
            | Self::NotSignedIn
            | Self::SessionExpired
            | Self::NoPendingFlow
            | Self::NoMatchingRecord { .. }
            | Self::TooManyAttempts { .. }
            | Self::ExactlyOneRequired
            | Self::ChildNotFound
            | Self::NotDemo
            | Self::InvalidSetting { .. }
            | Self::Internal
            | Self::BrowserCancelled
            | Self::BrowserTimedOut
            | Self::BrowserFailed { .. }
            | Self::ClipboardUnavailable
            | Self::UpdatesOff
            | Self::UpdateUnreachable
            | Self::UpdateInvalid
            | Self::UpdateSignatureInvalid
            | Self::NoUpdate
            | Self::UpdateSaveFailed { .. }
            | Self::FieldRequired
            | Self::ShellUnavailable => None,
        }
    }
}

/// An error as the UI receives and shows it: what happened ([`ErrorKind`]) and where
/// ([`Field`]).
///
/// JSON (the IPC shape, the same for every command):
/// `{"code": "password_too_short", "field": "password", "params": {"length": 5, "min": 8}}`;
/// `field` and `params` are left out when empty. A `code` this version does not know, or a
/// known one whose parameters do not fit, decodes to [`ErrorKind::Other`] and never fails.
#[derive(Debug, Clone, PartialEq)]
pub struct AppError {
    /// What happened.
    pub kind: ErrorKind,
    /// The form field to show it on; `None` shows it at the top of the screen.
    pub field: Option<Field>,
}

impl AppError {
    /// An error on the field its kind belongs to ([`ErrorKind::field`]).
    pub fn new(kind: ErrorKind) -> Self {
        let field = kind.field();
        Self { kind, field }
    }

    /// The same error shown on `field` instead (builder style).
    #[must_use]
    pub fn on_field(mut self, field: Field) -> Self {
        self.field = Some(field);
        self
    }

    /// The stable snake_case code, e.g. `no_matching_record`.
    pub fn code(&self) -> String {
        self.kind.code()
    }

    /// The parameters the translated message interpolates, by name.
    pub fn params(&self) -> Map<String, Value> {
        self.kind.split().1
    }

    /// An error received as a code and parameters (a field error of the parent API,
    /// `docs/contract.md §6`): the known kind when they fit one, else [`ErrorKind::Other`]; on
    /// the field its kind belongs to.
    pub fn from_code(code: &str, params: Map<String, Value>) -> Self {
        Self::new(ErrorKind::from_code(code, params))
    }
}

impl ErrorKind {
    /// The kind of a code and its parameters: the [`Failure`] they make, else
    /// [`ErrorKind::Other`] with them.
    fn from_code(code: &str, params: Map<String, Value>) -> Self {
        match Failure::from_parts(code, &params) {
            Some(failure) => Self::Failure(failure),
            None => Self::Other { code: code.to_owned(), params },
        }
    }
}

impl From<ErrorKind> for AppError {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code())?;
        if let Some(field) = self.field {
            write!(f, " ({})", field.as_str())?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

/// The JSON shape of [`AppError`].
#[derive(Serialize, Deserialize)]
struct Wire {
    code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    params: Map<String, Value>,
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (code, params) = self.kind.split();
        let field = self.field.map(|f| serde_json::to_value(f).unwrap_or(Value::Null));
        Wire { code, field, params }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        Ok(Self {
            kind: ErrorKind::from_code(&wire.code, wire.params),
            // Exactly as sent; a field this version does not know shows the error at the top.
            field: wire.field.and_then(|field| serde_json::from_value(field).ok()),
        })
    }
}

/// One error of every code this crate defines (the domain rules' and [`Failure`]'s), with
/// default parameters: for tests that every code has a message.
pub fn every_error() -> Vec<AppError> {
    use strum::IntoEnumIterator;

    let mut all: Vec<AppError> = Vec::new();
    all.extend(EmailError::iter().map(AppError::from));
    all.extend(CodeError::iter().map(AppError::from));
    all.extend(PasswordFailure::iter().map(AppError::from));
    all.extend(BirthDateError::iter().map(AppError::from));
    all.extend(NameError::iter().map(AppError::from));
    all.push(IdentifierError::IdentifierEmpty.into());
    all.extend(
        crate::identifiers::StudentNumberError::iter()
            .map(|e| IdentifierError::StudentNumber(e).into()),
    );
    all.extend(
        crate::identifiers::PermanentCodeError::iter()
            .map(|e| IdentifierError::PermanentCode(e).into()),
    );
    all.extend(PermanentCodeHint::iter().map(AppError::from));
    all.extend(NipError::iter().map(AppError::from));
    all.extend(Failure::every().into_iter().map(AppError::from));
    all
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn domain_errors_keep_their_code_params_and_field() {
        let error = AppError::from(PasswordFailure::TooShort { length: 5, min: 8 });
        assert_eq!(
            serde_json::to_value(&error).expect("serializes"),
            json!({"code": "password_too_short", "field": "password",
                   "params": {"length": 5, "min": 8}})
        );
        let back: AppError = serde_json::from_value(json!({
            "code": "password_too_short", "field": "password", "params": {"length": 5, "min": 8}
        }))
        .expect("decodes");
        assert_eq!(
            (back.code(), back.field, back.params()),
            (error.code(), error.field, error.params())
        );
    }

    #[test]
    fn failures_round_trip_without_empty_parts() {
        let without_field: AppError =
            serde_json::from_value(json!({"code": "invalid_code"})).expect("decodes");
        assert_eq!(without_field.field, None, "the field is read as sent, never made up");
        let error = AppError::from(Failure::NotSignedIn);
        assert_eq!(
            serde_json::to_value(&error).expect("serializes"),
            json!({"code": "not_signed_in"})
        );
        let wrong = AppError::from(Failure::InvalidCode { attempts_left: Some(2) });
        let json = serde_json::to_value(&wrong).expect("serializes");
        assert_eq!(
            json,
            json!({"code": "invalid_code", "field": "code",
                                "params": {"attempts_left": 2}})
        );
        assert_eq!(serde_json::from_value::<AppError>(json).expect("decodes"), wrong);
    }

    #[test]
    fn unknown_codes_and_misfit_params_decode_to_other() {
        let unknown: AppError =
            serde_json::from_value(json!({"code": "brand_new", "params": {"n": 1}, "field": "x"}))
                .expect("decodes");
        assert_eq!(
            unknown,
            AppError {
                kind: ErrorKind::Other {
                    code: "brand_new".into(),
                    params: json!({"n": 1}).as_object().cloned().expect("object")
                },
                field: None,
            }
        );
        assert_eq!(unknown.code(), "brand_new");
        let misfit: AppError =
            serde_json::from_value(json!({"code": "throttled"})).expect("decodes");
        assert!(matches!(misfit.kind, ErrorKind::Other { .. }), "{misfit:?}");
        assert_eq!(
            serde_json::to_value(&misfit).expect("serializes"),
            json!({"code": "throttled"})
        );
    }

    #[test]
    fn every_code_is_distinct_and_crosses_the_ipc_unchanged() {
        let mut seen = std::collections::BTreeSet::new();
        for error in every_error() {
            assert!(seen.insert(error.code()), "{} twice", error.code());
            let json = serde_json::to_value(&error).expect("serializes");
            let back = serde_json::from_value::<AppError>(json.clone()).expect("decodes");
            assert_eq!(serde_json::to_value(&back).expect("serializes"), json);
            if let ErrorKind::Failure(_) = error.kind {
                assert_eq!(back, error, "a failure decodes to itself");
            }
        }
    }

    #[test]
    fn failures_keep_their_typed_parameters() {
        let wrong = Failure::from_parts("invalid_code", &Map::new());
        assert_eq!(wrong, Some(Failure::InvalidCode { attempts_left: None }));
        let params = json!({"retry_after": 120}).as_object().cloned().expect("object");
        assert_eq!(
            Failure::from_parts("too_many_attempts", &params),
            Some(Failure::TooManyAttempts { retry_after: Some(120) })
        );
        let wrong_type = json!({"retry_after": "soon"}).as_object().cloned().expect("object");
        assert_eq!(Failure::from_parts("throttled", &wrong_type), None);
        assert_eq!(Failure::from_parts("email_missing_at", &Map::new()), None);
    }

    #[test]
    fn field_names_are_their_json_names() {
        use strum::IntoEnumIterator;
        for field in Field::iter() {
            assert_eq!(serde_json::to_value(field).expect("serializes"), json!(field.as_str()));
        }
    }

    #[test]
    fn request_fields_map_to_form_fields() {
        assert_eq!(Field::of_request_field("permanent_code"), Some(Field::Identifier));
        assert_eq!(Field::of_request_field("board_id"), Some(Field::Board));
        assert_eq!(Field::of_request_field("nickname"), None);
    }
}
