//! The parent API (`docs/contract.md §§5–6`): public lists on [`Portal`], the parent's own data
//! on [`Session`].
//!
//! Refusals arrive as [`Error::Portal`] whose `code` is the problem's stable code
//! (`no_matching_record`, `email_not_verified`, `board_not_subscribed`, `too_many_attempts` with
//! `retry_after`, `child_not_found`, `invalid_fields` with `field_errors`…).

use cartable_core::ChildId;
use cartable_core::wire::parent::{
    AddEmailRequest, AssociateRequest, Child, DossierSection, EmailChallenge, EmailEntry, Me,
    PrivateSchool, SchoolBoardEntry, VerifyEmailRequest,
};
use reqwest::{Method, StatusCode, header};

use crate::{Portal, Session, client::BoardsCache, error::Error};

/// The answer to an association (`POST /api/v1/children`, `docs/contract.md §6`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Association {
    /// The associated child.
    pub child: Child,
    /// `true` for 201 (newly associated), `false` for 200 (it already was: idempotent).
    pub created: bool,
}

impl Portal {
    /// `GET /api/v1/school-boards` (no token, `docs/contract.md §6`): the 72 school bodies with
    /// `subscribed`. The answer is cached with its `ETag`; later calls send `If-None-Match` and
    /// reuse the cached list on 304. Retried as every GET.
    ///
    /// # Errors
    /// Network, decode, or a refusal.
    pub async fn school_boards(&self) -> Result<Vec<SchoolBoardEntry>, Error> {
        let mut cache = self.inner().boards_cache.lock().await;
        let mut request = self.inner().http.get(self.api_url("school-boards")?);
        if let Some(c) = cache.as_ref() {
            request = request.header(header::IF_NONE_MATCH, c.etag.clone());
        }
        let answer = self.execute(request, "school-boards").await?;
        if answer.status == StatusCode::NOT_MODIFIED
            && let Some(c) = cache.as_ref()
        {
            return Ok(c.boards.clone());
        }
        if !answer.status.is_success() {
            return Err(answer.problem());
        }
        let boards: Vec<SchoolBoardEntry> = answer.json()?;
        *cache = answer.etag.clone().map(|etag| BoardsCache { etag, boards: boards.clone() });
        Ok(boards)
    }

    /// `GET /api/v1/private-schools` (no token, `docs/contract.md §6`).
    ///
    /// # Errors
    /// Network, decode, or a refusal.
    pub async fn private_schools(&self) -> Result<Vec<PrivateSchool>, Error> {
        let answer = self
            .execute(self.inner().http.get(self.api_url("private-schools")?), "private-schools")
            .await?;
        if !answer.status.is_success() {
            return Err(answer.problem());
        }
        answer.json()
    }
}

impl Session {
    /// `GET /api/v1/me` (`docs/contract.md §6`).
    ///
    /// # Errors
    /// Network, decode, a refusal, or [`Error::SessionEnded`].
    pub async fn me(&self) -> Result<Me, Error> {
        self.api(Method::GET, "me", None).await?.json()
    }

    /// `DELETE /api/v1/me` (`docs/contract.md §6`): deletes the account, its associations,
    /// emails and tokens (204). The session is over afterwards; forget the stored token.
    ///
    /// # Errors
    /// Network, a refusal, or [`Error::SessionEnded`].
    pub async fn delete_account(&self) -> Result<(), Error> {
        self.api(Method::DELETE, "me", None).await?;
        self.end_locally();
        Ok(())
    }

    /// `POST /api/v1/me/emails {email}` (`docs/contract.md §5`): emails a code to prove the
    /// address. Refusals: `throttled`, `code_sends_exceeded`, `email_in_use` (with
    /// `retry_after` where it applies).
    ///
    /// # Errors
    /// Network, decode, a refusal, or [`Error::SessionEnded`].
    pub async fn add_email(&self, email: &cartable_core::Email) -> Result<EmailChallenge, Error> {
        let body = to_json(&AddEmailRequest { email: email.as_str().to_owned() })?;
        self.api(Method::POST, "me/emails", Some(&body)).await?.json()
    }

    /// `POST /api/v1/me/emails/verify {email, code}` (`docs/contract.md §5`) →
    /// `{address, verified: true}`. Refusals: `invalid_code`, `code_expired`,
    /// `code_attempts_exceeded`.
    ///
    /// # Errors
    /// Network, decode, a refusal, or [`Error::SessionEnded`].
    pub async fn verify_email(
        &self,
        email: &cartable_core::Email,
        code: &cartable_core::VerificationCode,
    ) -> Result<EmailEntry, Error> {
        let body = to_json(&VerifyEmailRequest {
            email: email.as_str().to_owned(),
            code: code.as_str().into(),
        })?;
        self.api(Method::POST, "me/emails/verify", Some(&body)).await?.json()
    }

    /// `GET /api/v1/children` (`docs/contract.md §6`).
    ///
    /// # Errors
    /// Network, decode, a refusal, or [`Error::SessionEnded`].
    pub async fn children(&self) -> Result<Vec<Child>, Error> {
        self.api(Method::GET, "children", None).await?.json()
    }

    /// `POST /api/v1/children` (`docs/contract.md §6`): associates a child by identity,
    /// private school or NIP. Never retried automatically.
    ///
    /// Refusals: 400 `invalid_fields` (see `field_errors`), 403 `email_not_verified`, 422
    /// `board_not_subscribed`, 422 `no_matching_record`, 429 `too_many_attempts` (see
    /// `retry_after`).
    ///
    /// # Errors
    /// Network, decode, a refusal, or [`Error::SessionEnded`].
    pub async fn associate(&self, request: &AssociateRequest) -> Result<Association, Error> {
        let body = to_json(request)?;
        let answer = self.api(Method::POST, "children", Some(&body)).await?;
        Ok(Association { child: answer.json()?, created: answer.status == StatusCode::CREATED })
    }

    /// `DELETE /api/v1/children/{id}` (`docs/contract.md §6`); 404 `child_not_found` for a child
    /// not associated with this parent.
    ///
    /// # Errors
    /// Network, a refusal, or [`Error::SessionEnded`].
    pub async fn remove_child(&self, child_id: &ChildId) -> Result<(), Error> {
        self.api(Method::DELETE, &format!("children/{}", path_segment(child_id.as_str())), None)
            .await?;
        Ok(())
    }

    /// `GET /api/v1/children/{id}/dossier` (`docs/contract.md §6`): the sections the school
    /// publishes; 404 `child_not_found` as for removal.
    ///
    /// # Errors
    /// Network, decode, a refusal, or [`Error::SessionEnded`].
    pub async fn dossier(&self, child_id: &ChildId) -> Result<Vec<DossierSection>, Error> {
        self.api(
            Method::GET,
            &format!("children/{}/dossier", path_segment(child_id.as_str())),
            None,
        )
        .await?
        .json()
    }
}

fn to_json(body: &impl serde::Serialize) -> Result<serde_json::Value, Error> {
    serde_json::to_value(body)
        .map_err(|e| crate::ConfigError::HttpClient(format!("request encoding: {e}")).into())
}

/// Percent-encodes an id for use as one path segment.
fn path_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20")
}
