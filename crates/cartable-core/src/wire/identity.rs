//! Native-auth requests, answers and the identity error body (`docs/contract.md` §§0–3).
//!
//! Every request is a form (`application/x-www-form-urlencoded`) POSTed to a path relative to
//! the authority (`{origin}/auth/`, §0); every answer is JSON. Three outcomes per call:
//!
//! - HTTP 200 with the step's answer ([`ContinuationAnswer`], [`ChallengeAnswer`],
//!   [`ResetContinueAnswer`], [`ResetSubmitAnswer`], [`PollCompletionAnswer`], or the token
//!   response of `wire::tokens`);
//! - HTTP 200 `{"challenge_type":"redirect"}` ([`RedirectAnswer`]): the browser flow is needed
//!   (§0, §5);
//! - HTTP 400 or 429 with an [`IdentityError`] (§0).
//!
//! Optional fields are omitted when empty and default when absent, so answers from a real Entra
//! External ID tenant (which omits some of them) still decode. [`ErrorCode`] and [`Suberror`]
//! keep unknown codes in an `Other` variant for the same reason.

use crate::Secret;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The `challenge_type` the client sends at sign-up `start` (§1 step 1).
pub const SIGN_UP_CHALLENGE_TYPES: &str = "oob password redirect";
/// The `challenge_type` the client sends at sign-in `initiate` (§2 step 1).
pub const SIGN_IN_CHALLENGE_TYPES: &str = "password redirect";
/// The `challenge_type` the client sends at reset `start` (§3 step 1).
pub const RESET_CHALLENGE_TYPES: &str = "oob redirect";
/// The scope the client asks for at the token endpoint (§1 step 6, §2 step 3).
pub const DEFAULT_SCOPE: &str = "openid offline_access";

/// Whether the space-separated `challenge_type` list contains `wanted` (§0: `oob`, `password`,
/// `redirect`). Extra spaces are ignored.
pub fn challenge_types_include(list: &str, wanted: &str) -> bool {
    list.split_ascii_whitespace().any(|t| t == wanted)
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// `signup/v1.0/start` (§1 step 1): `client_id`, `username` (the email),
/// `challenge_type=oob password redirect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpStartRequest {
    /// The public client id (§0), e.g. `cartable`.
    pub client_id: String,
    /// The email, as typed; the server trims and canonicalises it (§1 "Email").
    pub username: String,
    /// Space-separated challenge types; always includes `redirect` (§0).
    pub challenge_type: String,
}

/// `signup/v1.0/challenge`, `oauth2/v2.0/challenge` and `resetpassword/v1.0/challenge`
/// (§1 steps 2 and 4, §2 step 2, §3 step 2). Calling it again in the code step resends a code
/// (§1 "Codes").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeRequest {
    /// The public client id (§0).
    pub client_id: String,
    /// The most recent continuation token of the flow (§0).
    pub continuation_token: Secret,
    /// Optional space-separated challenge types; when given it must list what the step needs,
    /// or the answer is a [`RedirectAnswer`] (§0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_type: Option<String>,
}

/// `signup/v1.0/continue` (§1 steps 3 and 5): `grant_type=oob` with `oob`, or
/// `grant_type=password` with `password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpContinueRequest {
    /// The public client id (§0).
    pub client_id: String,
    /// The most recent continuation token of the flow (§0).
    pub continuation_token: Secret,
    /// `oob` or `password`.
    pub grant_type: String,
    /// The emailed code (with `grant_type=oob`); spaces, dashes and line breaks are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oob: Option<Secret>,
    /// The new password (with `grant_type=password`); the policy of §1 applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
}

/// `oauth2/v2.0/initiate` (§2 step 1): `client_id`, `username`,
/// `challenge_type=password redirect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInInitiateRequest {
    /// The public client id (§0).
    pub client_id: String,
    /// The email, as typed (§1 "Email").
    pub username: String,
    /// Space-separated challenge types; must include `password` (else redirect, §0).
    pub challenge_type: String,
}

/// `oauth2/v2.0/token` (§1 step 6, §2 step 3, §3 step 6, §4): one form for every grant; which
/// fields are required depends on `grant_type`:
///
/// - `password`: `continuation_token`, `password`, `scope`;
/// - `continuation_token`: `continuation_token`, `scope`, and `username` after a sign-up;
/// - `refresh_token`: `refresh_token`, optional `scope` (§4);
/// - `authorization_code`: `code`, `redirect_uri`, `code_verifier` (§5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenRequest {
    /// The public client id (§0).
    pub client_id: String,
    /// `password`, `continuation_token`, `refresh_token` or `authorization_code`.
    pub grant_type: String,
    /// The flow's most recent continuation token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<Secret>,
    /// The password (sign-in, §2). Never checked against the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// The email (required with `continuation_token` after a sign-up, §1 step 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Space-separated scopes, e.g. [`DEFAULT_SCOPE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The refresh token (§4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// The authorization code (§5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Secret>,
    /// The redirect URI of the authorization request (§5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// The PKCE verifier (§5, RFC 7636 §4.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<Secret>,
}

/// `resetpassword/v1.0/start` (§3 step 1): `client_id`, `username`,
/// `challenge_type=oob redirect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetStartRequest {
    /// The public client id (§0).
    pub client_id: String,
    /// The email, as typed (§1 "Email").
    pub username: String,
    /// Space-separated challenge types; must include `oob` (else redirect, §0).
    pub challenge_type: String,
}

/// `resetpassword/v1.0/continue` (§3 step 3): `grant_type=oob` with the emailed `oob`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetContinueRequest {
    /// The public client id (§0).
    pub client_id: String,
    /// The most recent continuation token of the flow (§0).
    pub continuation_token: Secret,
    /// Always `oob`.
    pub grant_type: String,
    /// The emailed code; spaces, dashes and line breaks are ignored (§1 "Codes").
    pub oob: Secret,
}

/// `resetpassword/v1.0/submit` (§3 step 4): the new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetSubmitRequest {
    /// The public client id (§0).
    pub client_id: String,
    /// The most recent continuation token of the flow (§0).
    pub continuation_token: Secret,
    /// The new password: the policy of §1 applies, and it must differ from the current one.
    pub new_password: Secret,
}

/// `resetpassword/v1.0/poll_completion` (§3 step 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollCompletionRequest {
    /// The public client id (§0).
    pub client_id: String,
    /// The continuation token of `submit` (or of the previous poll).
    pub continuation_token: Secret,
}

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

/// `{continuation_token}`: the answer of sign-up `start` and of the final sign-up `continue`
/// (§1 steps 1 and 5), sign-in `initiate` (§2 step 1) and reset `start` (§3 step 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContinuationAnswer {
    /// Opaque, valid 600 s, for the flow's next step only (§0).
    pub continuation_token: Secret,
}

/// HTTP 200 `{"challenge_type":"redirect"}`: the client did not list a method the step needs
/// and must fall back to the browser flow (§0, §5). A real tenant may add `redirect_reason`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "challenge_type", rename = "redirect")]
pub struct RedirectAnswer {
    /// Why the server redirects (Entra sends it on the token endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_reason: Option<String>,
}

/// The answer of a `challenge` call (§1 steps 2 and 4, §2 step 2, §3 step 2), tagged by
/// `challenge_type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "challenge_type", rename_all = "snake_case")]
pub enum ChallengeAnswer {
    /// A code was emailed: see [`OobChallenge`].
    Oob(OobChallenge),
    /// The next step wants a password: `{challenge_type:"password", continuation_token}`.
    Password {
        /// The token for the password step.
        continuation_token: Secret,
    },
    /// Fall back to the browser flow (§0).
    Redirect {
        /// Why the server redirects, when it says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        redirect_reason: Option<String>,
    },
}

/// A code was emailed (§1 step 2): `{challenge_type:"oob", binding_method:"prompt",
/// challenge_channel:"email", challenge_target_label:"j***e@e*****e.com", code_length:6,
/// interval:60, continuation_token}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OobChallenge {
    /// Always `prompt`: the person types the code.
    pub binding_method: String,
    /// Always `email`.
    pub challenge_channel: String,
    /// The masked address the code went to, e.g. `j***e@e*****e.com` (§1).
    pub challenge_target_label: String,
    /// Digits in the code: 6 on the reference portal (§1 "Codes").
    pub code_length: usize,
    /// Seconds to wait before asking for a resend: 60 on the reference portal (§1). A real
    /// tenant omits it on sign-in and reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
    /// The token for the code step.
    pub continuation_token: Secret,
}

/// `resetpassword/v1.0/continue` succeeded (§3 step 3): `{continuation_token, expires_in}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetContinueAnswer {
    /// The token for `submit`.
    pub continuation_token: Secret,
    /// Seconds the token stays valid, at most 600.
    pub expires_in: u64,
}

/// `resetpassword/v1.0/submit` accepted the password (§3 step 4):
/// `{continuation_token, poll_interval}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetSubmitAnswer {
    /// The token for `poll_completion`.
    pub continuation_token: Secret,
    /// Minimum seconds between two polls.
    pub poll_interval: u64,
}

/// `resetpassword/v1.0/poll_completion` (§3 step 5): `{status, continuation_token}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollCompletionAnswer {
    /// Where the reset stands.
    pub status: PollStatus,
    /// With `succeeded`: the token for the `continuation_token` grant (§3 step 6); otherwise the
    /// token for the next poll (or for `submit` again after `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<Secret>,
}

/// The `status` of a password reset (§3 step 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollStatus {
    /// The password was changed; sign in with the `continuation_token` grant.
    Succeeded,
    /// The change failed: call `submit` again.
    Failed,
    /// Poll again after `poll_interval`.
    InProgress,
    /// Poll again after `poll_interval`.
    NotStarted,
}

// ---------------------------------------------------------------------------------------------
// The identity error body
// ---------------------------------------------------------------------------------------------

/// The identity error body (§0), HTTP 400, or 429 for throttling:
/// `{"error":"invalid_grant","error_description":"AADSTS50126: …","error_codes":[50126],
/// "suberror":"invalid_oob_value","attempts_left":4,"timestamp":"…","trace_id":"…",
/// "correlation_id":"…"}`.
///
/// Throttling (§0, our extension with the standard OAuth code): 429, `Retry-After` header,
/// `error=temporarily_unavailable`, `suberror` one of `throttled`, `code_attempts_exceeded`,
/// `code_sends_exceeded`, `account_locked`, and `retry_after` (seconds) in the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityError {
    /// The machine code to branch on.
    pub error: ErrorCode,
    /// Human text, starting with an `AADSTSnnnnn:` code like Entra's. Never parse it.
    #[serde(default)]
    pub error_description: String,
    /// Numeric Entra-style codes (illustrative, as in Entra's own docs).
    #[serde(default)]
    pub error_codes: Vec<u32>,
    /// Finer classification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suberror: Option<Suberror>,
    /// On `credential_required` and `attributes_required` only: the flow's next token (§0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<Secret>,
    /// After a wrong code: tries left on the current code (§1 "Codes").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// On 429: seconds until the window frees, same as the `Retry-After` header (§0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// With `attributes_required` from a real tenant: what it asks for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_attributes: Vec<RequiredAttribute>,
    /// RFC 3339 UTC time of the answer (diagnostics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Diagnostics id of this answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Diagnostics id of the request chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// One entry of `required_attributes` (Entra `attributes_required`; the reference portal never
/// sends it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredAttribute {
    /// Programmatic attribute name, e.g. `displayName`.
    pub name: String,
    /// Attribute type, e.g. `string`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether it is required.
    #[serde(default)]
    pub required: bool,
}

/// Defines a string enum with a catch-all `Other(String)`: known values are snake_case, any
/// other string decodes to `Other` and encodes back unchanged.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A code this version does not know (e.g. from a real Entra tenant).
            Other(String),
        }

        impl $name {
            /// The wire text of this code.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(other) => other,
                }
            }

            /// The code for a wire text; unknown texts give `Other`.
            pub fn from_wire(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(Self::from_wire(&text))
            }
        }
    };
}

open_enum! {
    /// `error` of the identity error body (§0; Entra's list plus OAuth's
    /// `temporarily_unavailable` and `server_error`, RFC 6749 §5.2 and §4.1.2.1).
    ErrorCode {
        /// A parameter is missing or malformed (the description names it).
        InvalidRequest => "invalid_request",
        /// Unknown `client_id` (§0).
        InvalidClient => "invalid_client",
        /// The client may not use this flow.
        UnauthorizedClient => "unauthorized_client",
        /// A listed challenge type is not supported.
        UnsupportedChallengeType => "unsupported_challenge_type",
        /// Sign-up with an email that has an account, after a correct code (§1).
        UserAlreadyExists => "user_already_exists",
        /// Unknown email (a real tenant at `initiate`; never sent by the reference portal).
        UserNotFound => "user_not_found",
        /// Wrong code, wrong password, refused password (see [`Suberror`]).
        InvalidGrant => "invalid_grant",
        /// The continuation token is expired, unknown or already used: restart the flow (§0).
        ExpiredToken => "expired_token",
        /// Sign-up needs a password next; carries the new continuation token (§1 step 3).
        CredentialRequired => "credential_required",
        /// Sign-up needs attributes next (a real tenant); carries the new token.
        AttributesRequired => "attributes_required",
        /// Attributes need verification (a real tenant).
        VerificationRequired => "verification_required",
        /// The scope is not acceptable.
        InvalidScope => "invalid_scope",
        /// The token endpoint does not know this `grant_type`.
        UnsupportedGrantType => "unsupported_grant_type",
        /// Throttled, HTTP 429 with `Retry-After` (§0).
        TemporarilyUnavailable => "temporarily_unavailable",
        /// The server failed (HTTP 500).
        ServerError => "server_error",
    }
}

open_enum! {
    /// `suberror` of the identity error body (§0, §1 password policy, Entra's list).
    Suberror {
        /// Fewer than 3 of the 4 character classes (§1).
        PasswordTooWeak => "password_too_weak",
        /// Fewer than 8 characters (§1).
        PasswordTooShort => "password_too_short",
        /// More than 16 characters (§1).
        PasswordTooLong => "password_too_long",
        /// Same as the current password (§3 step 4).
        PasswordRecentlyUsed => "password_recently_used",
        /// A banned word (a real tenant).
        PasswordBanned => "password_banned",
        /// A character outside the allowed set (§1).
        PasswordIsInvalid => "password_is_invalid",
        /// Wrong code; see `attempts_left` (§1).
        InvalidOobValue => "invalid_oob_value",
        /// An attribute failed validation (a real tenant).
        AttributeValidationFailed => "attribute_validation_failed",
        /// A second factor is needed (a real tenant).
        MfaRequired => "mfa_required",
        /// A strong method must be registered (a real tenant).
        RegistrationRequired => "registration_required",
        /// The app is not enabled for native auth (a real tenant).
        NativeauthapiDisabled => "nativeauthapi_disabled",
        /// A resend before `interval` (§1), HTTP 429.
        Throttled => "throttled",
        /// 5 wrong codes: the code is void until a new one is sent (§1), HTTP 429.
        CodeAttemptsExceeded => "code_attempts_exceeded",
        /// 10 codes sent to the email within an hour (§1), HTTP 429.
        CodeSendsExceeded => "code_sends_exceeded",
        /// 10 wrong passwords within 15 minutes: locked 15 minutes (§2), HTTP 429.
        AccountLocked => "account_locked",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_survive_a_round_trip() {
        let body = r#"{"error":"brand_new","error_description":"AADSTS1: x","error_codes":[1],
            "suberror":"also_new","trace_id":"t"}"#;
        let e: IdentityError = serde_json::from_str(body).expect("decodes");
        assert_eq!(e.error, ErrorCode::Other("brand_new".into()));
        assert_eq!(e.suberror, Some(Suberror::Other("also_new".into())));
        let back = serde_json::to_value(&e).expect("encodes");
        assert_eq!(back["error"], "brand_new");
        assert_eq!(back["suberror"], "also_new");
        assert!(back.get("attempts_left").is_none());
    }

    #[test]
    fn known_codes_decode_to_their_variant() {
        let e: IdentityError = serde_json::from_str(
            r#"{"error":"temporarily_unavailable","suberror":"account_locked","retry_after":900}"#,
        )
        .expect("decodes");
        assert_eq!(e.error, ErrorCode::TemporarilyUnavailable);
        assert_eq!(e.suberror, Some(Suberror::AccountLocked));
        assert_eq!(e.retry_after, Some(900));
    }

    #[test]
    fn challenge_answers_are_tagged() {
        let oob = ChallengeAnswer::Oob(OobChallenge {
            binding_method: "prompt".into(),
            challenge_channel: "email".into(),
            challenge_target_label: "j***e@e*****e.com".into(),
            code_length: 6,
            interval: Some(60),
            continuation_token: "ct".into(),
        });
        let v = serde_json::to_value(&oob).expect("encodes");
        assert_eq!(v["challenge_type"], "oob");
        assert_eq!(v["code_length"], 6);
        assert_eq!(serde_json::from_value::<ChallengeAnswer>(v).expect("decodes"), oob);
        let pw: ChallengeAnswer =
            serde_json::from_str(r#"{"challenge_type":"password","continuation_token":"c"}"#)
                .expect("decodes");
        assert_eq!(pw, ChallengeAnswer::Password { continuation_token: "c".into() });
        let redirect = serde_json::to_value(RedirectAnswer::default()).expect("encodes");
        assert_eq!(redirect, serde_json::json!({"challenge_type": "redirect"}));
        let r: RedirectAnswer =
            serde_json::from_str(r#"{"challenge_type":"redirect"}"#).expect("decodes");
        assert_eq!(r, RedirectAnswer::default());
    }

    #[test]
    fn challenge_type_lists_are_space_separated() {
        assert!(challenge_types_include(" oob  password redirect", "password"));
        assert!(!challenge_types_include("oob redirect", "password"));
        assert!(!challenge_types_include("oobpassword", "oob"));
    }
}
