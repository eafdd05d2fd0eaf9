//! The native-auth call path (`docs/contract.md §0`): form POST, then one of success, redirect
//! (`{"challenge_type":"redirect"}`, HTTP 200) or the identity error body.

use std::time::Duration;

use cartable_core::{Secret, wire::identity::IdentityError};
use serde::{Deserialize, de::DeserializeOwned};

use crate::{
    Portal,
    client::Answer,
    error::{Error, PortalError, RefusalCode},
};

/// A native-auth answer.
pub(crate) enum IdentityReply<T> {
    /// HTTP 200 with the step's body.
    Ok(T),
    /// HTTP 200 `{"challenge_type":"redirect"}`: the browser flow is needed (§5).
    Redirect,
    /// The identity error body.
    Refused(Refusal),
}

/// An identity error answer, with what a flow may continue with.
pub(crate) struct Refusal {
    pub(crate) error: PortalError,
    /// `credential_required` and `attributes_required` carry the next token (§0).
    pub(crate) continuation_token: Option<Secret>,
    /// `attributes_required`: the names the tenant asks for.
    pub(crate) required_attributes: Vec<String>,
}

/// Reads an identity error body out of a non-2xx answer.
pub(crate) fn refusal(answer: &Answer) -> Result<Refusal, Error> {
    let body: IdentityError = answer.json()?;
    Ok(Refusal {
        error: PortalError {
            status: answer.status.as_u16(),
            code: RefusalCode::Identity(body.error),
            suberror: body.suberror,
            retry_after: body.retry_after.map(Duration::from_secs).or(answer.retry_after),
            attempts_left: body.attempts_left,
            trace_id: body.trace_id,
            description: Some(body.error_description).filter(|d| !d.is_empty()),
            field_errors: Vec::new(),
        },
        continuation_token: body.continuation_token,
        required_attributes: body.required_attributes.into_iter().map(|a| a.name).collect(),
    })
}

impl Portal {
    /// POSTs a native-auth form to `{authority}{path}` and sorts the answer.
    pub(crate) async fn identity<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &(impl serde::Serialize + ?Sized),
    ) -> Result<IdentityReply<T>, Error> {
        let answer = self.post_form(path, form).await?;
        if answer.status.is_success() {
            #[derive(Deserialize)]
            struct Probe {
                #[serde(default)]
                challenge_type: Option<String>,
            }
            if let Ok(Probe { challenge_type: Some(t) }) = serde_json::from_slice(&answer.body)
                && t == "redirect"
            {
                return Ok(IdentityReply::Redirect);
            }
            return answer.json().map(IdentityReply::Ok);
        }
        refusal(&answer).map(IdentityReply::Refused)
    }
}
