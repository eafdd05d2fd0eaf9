//! A JSON body extractor whose failures are problem details (`docs/contract.md §0`).
//!
//! axum's own `Json` answers plain text; the parent API answers every malformed body with a
//! 400 `invalid_body` problem (bad JSON, wrong shape, an unknown field), 415 when the body is
//! not JSON and 413 when it is too large, never 500. The `detail` of `invalid_body` is a
//! [`JsonError`](crate::http::shape::json::JsonError): field, path and position, no value.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{StatusCode, header},
};
use cartable_core::wire::parent::ProblemCode;
use serde::de::DeserializeOwned;

use crate::http::{problem::ApiProblem, shape::json};

/// The request body, decoded from JSON as `T`.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiProblem;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiProblem> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|essence| {
                let essence = essence.trim().to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiProblem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ProblemCode::UnsupportedMediaType,
                "The body must be application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiProblem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ProblemCode::PayloadTooLarge,
                    "The body is too large",
                )
            } else {
                ApiProblem::invalid_body("the body could not be read")
            }
        })?;
        json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|error| ApiProblem::invalid_body(error.to_string()))
    }
}
