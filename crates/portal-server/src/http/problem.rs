//! RFC 9457 problem details, the parent API's error answers (`docs/contract.md §0`, §6).
//!
//! Every parent-API error is an [`ApiProblem`]: a status, a
//! [`ProblemDetails`](cartable_core::wire::parent::ProblemDetails) body served as
//! `application/problem+json`, and the headers some codes need (`WWW-Authenticate` on 401,
//! `Retry-After` on 429). Internal failures are logged here and answered with a generic 500
//! that says nothing about the cause.
//!
//! [`DocumentedProblem`] is the other side: how the OpenAPI document (`GET /openapi.json`)
//! describes those answers. Each handler names one set of them in its
//! `#[utoipa::path(responses(...))]`, a type implementing [`utoipa::IntoResponses`] built with
//! [`DocumentedProblem::responses`], so the media type and body of a problem answer are written
//! once here and the 401 every token route answers once ([`DocumentedProblem::INVALID_TOKEN`]).

use std::collections::BTreeMap;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use cartable_core::wire::parent::{FieldError, ProblemCode, ProblemDetails};
use utoipa::{
    IntoResponses, PartialSchema, ToSchema,
    openapi::{self, ContentBuilder, HeaderBuilder, RefOr, ResponseBuilder},
};

/// The media type of problem details (RFC 9457 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// `WWW-Authenticate` of a 401 on the parent API (RFC 6750 §3, `docs/contract.md §6`).
pub const BEARER_INVALID_TOKEN: &str = "Bearer error=\"invalid_token\"";

/// A parent-API error answer.
#[derive(Debug, Clone)]
pub struct ApiProblem {
    /// HTTP status.
    pub status: StatusCode,
    /// The JSON body (boxed: errors travel in `Result`s and should stay small).
    pub body: Box<ProblemDetails>,
    /// `Retry-After` in seconds (429).
    pub retry_after: Option<u64>,
    /// Adds `WWW-Authenticate: Bearer error="invalid_token"` (401).
    pub bearer_challenge: bool,
}

impl ApiProblem {
    /// A problem with `status`, `code` and a human `title`; `type` is
    /// `urn:cartable:problem:{code}`.
    pub fn new(status: StatusCode, code: ProblemCode, title: &str) -> Self {
        Self {
            status,
            body: Box::new(ProblemDetails {
                type_uri: format!("urn:cartable:problem:{code}"),
                title: title.to_owned(),
                status: status.as_u16(),
                detail: None,
                code,
                errors: Vec::new(),
            }),
            retry_after: None,
            bearer_challenge: false,
        }
    }

    /// Sets the human `detail` (builder style). Never put a child's data or a secret in it.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.body.detail = Some(detail.into());
        self
    }

    /// 400 `invalid_fields` listing each malformed field with its rule's code.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let mut problem =
            Self::new(StatusCode::BAD_REQUEST, ProblemCode::InvalidFields, "Invalid fields");
        problem.body.errors = errors;
        problem
    }

    /// 400 `invalid_body`: not JSON, wrong shape, unknown field. `detail` should be a
    /// [`JsonError`](super::shape::json::JsonError)'s text (it names fields and positions, not
    /// the caller's values).
    pub fn invalid_body(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ProblemCode::InvalidBody, "Invalid request body")
            .with_detail(detail)
    }

    /// 401 `invalid_token` with `WWW-Authenticate: Bearer error="invalid_token"` (§6).
    pub fn invalid_token() -> Self {
        let mut problem = Self::new(
            StatusCode::UNAUTHORIZED,
            ProblemCode::InvalidToken,
            "Missing, invalid or expired access token",
        );
        problem.bearer_challenge = true;
        problem
    }

    /// 404 `child_not_found` (§6): unknown child or someone else's, indistinguishably.
    pub fn child_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ProblemCode::ChildNotFound, "Child not found")
    }

    /// 500 `internal`. Logs `error` (which must hold no personal data) and answers without it.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "parent API internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ProblemCode::Internal, "Internal error")
    }
}

/// One problem answer of a parent-API operation as its OpenAPI entry lists it: the status, a
/// description naming the `code`s it carries, and a [`ProblemDetails`] body served as
/// [`PROBLEM_JSON`] (`docs/contract.md §0`, §6).
///
/// This only documents: the answer itself is an [`ApiProblem`] built by the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentedProblem {
    /// HTTP status.
    pub status: StatusCode,
    /// What the answer means, naming its `code`s (`` `invalid_fields`, `invalid_body` ``).
    pub description: &'static str,
    /// The description of a documented `Retry-After` header (seconds), if the entry lists one.
    pub retry_after: Option<&'static str>,
}

impl DocumentedProblem {
    /// 401 `invalid_token`, the answer of every route that needs a token
    /// ([`ApiProblem::invalid_token`], from [`AuthParent`](super::extract::AuthParent)).
    pub const INVALID_TOKEN: Self =
        Self::new(StatusCode::UNAUTHORIZED, "Missing, invalid or expired token");

    /// 404 `child_not_found` ([`ApiProblem::child_not_found`]) of the routes under
    /// `/api/v1/children/{id}`.
    pub const CHILD_NOT_FOUND: Self =
        Self::new(StatusCode::NOT_FOUND, "`child_not_found`: not one of the caller's children");

    /// A problem answer with `status` and `description`, without documented headers.
    pub const fn new(status: StatusCode, description: &'static str) -> Self {
        Self { status, description, retry_after: None }
    }

    /// Documents the answer's `Retry-After` header (an integer of seconds) with `description`
    /// (builder style).
    #[must_use]
    pub const fn with_retry_after(mut self, description: &'static str) -> Self {
        self.retry_after = Some(description);
        self
    }

    /// The OpenAPI responses of `answers`, keyed by status, for an [`IntoResponses`] impl: each
    /// one's `content` is [`PROBLEM_JSON`] with a reference to the [`ProblemDetails`] schema
    /// (which the document's components must hold; `IntoResponses` adds no schema). A status
    /// listed twice keeps its last entry.
    pub fn responses(answers: &[Self]) -> BTreeMap<String, RefOr<openapi::Response>> {
        answers
            .iter()
            .map(|answer| {
                let content = ContentBuilder::new()
                    .schema(Some(openapi::Ref::from_schema_name(ProblemDetails::name())))
                    .build();
                let mut response = ResponseBuilder::new()
                    .description(answer.description)
                    .content(PROBLEM_JSON, content);
                if let Some(description) = answer.retry_after {
                    let header =
                        HeaderBuilder::new().schema(u64::schema()).description(Some(description));
                    response = response.header("Retry-After", header.build());
                }
                (answer.status.as_u16().to_string(), RefOr::T(response.build()))
            })
            .collect()
    }
}

/// The problem answers of a route whose only refusal is its token:
/// [`DocumentedProblem::INVALID_TOKEN`].
pub struct TokenProblems;

impl IntoResponses for TokenProblems {
    fn responses() -> BTreeMap<String, RefOr<openapi::Response>> {
        DocumentedProblem::responses(&[DocumentedProblem::INVALID_TOKEN])
    }
}

impl From<sqlx::Error> for ApiProblem {
    fn from(error: sqlx::Error) -> Self {
        // sqlx errors carry SQL text and driver messages, never bound values.
        Self::internal(&error)
    }
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.bearer_challenge {
            headers
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(BEARER_INVALID_TOKEN));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
