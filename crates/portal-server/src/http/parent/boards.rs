//! `GET /api/v1/school-boards` and `GET /api/v1/private-schools` (`docs/contract.md §6`): no
//! token, cacheable.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use cartable_core::wire::parent::{PrivateSchool, SchoolBoardEntry};
use sha2::{Digest, Sha256};

use crate::{AppState, http::problem::ApiProblem, registry};

/// `Cache-Control` of the lists: shared caches may keep them 5 minutes, then revalidate with
/// the `ETag` (subscriptions change only through an import).
pub const LISTS_CACHE_CONTROL: &str = "public, max-age=300";

/// The 72 school bodies with `subscribed` (`docs/contract.md §6`).
///
/// `ETag` is a hash of the body; a request whose `If-None-Match` lists it gets 304 without body.
#[utoipa::path(
    get,
    path = "/api/v1/school-boards",
    tag = "parent",
    responses(
        (status = 200, description = "The 72 school bodies", body = [SchoolBoardEntry],
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match matched the ETag)"),
    )
)]
pub async fn list_school_boards(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    let boards = registry::board_entries(&state.db).await?;
    Ok(cacheable_json(&headers, &boards))
}

/// The private schools with `subscribed` (`docs/contract.md §6`), cacheable like the bodies.
#[utoipa::path(
    get,
    path = "/api/v1/private-schools",
    tag = "parent",
    responses(
        (status = 200, description = "Private schools", body = [PrivateSchool],
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match matched the ETag)"),
    )
)]
pub async fn list_private_schools(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    let schools = registry::private_schools(&state.db).await?;
    Ok(cacheable_json(&headers, &schools))
}

/// 200 JSON with a strong `ETag` (SHA-256 of the body) and [`LISTS_CACHE_CONTROL`], or 304
/// when `If-None-Match` holds that tag or `*` (RFC 9110 §13.1.2, weak comparison).
fn cacheable_json<T: serde::Serialize>(request: &HeaderMap, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let digest = Sha256::digest(&body);
    let etag =
        format!("\"{}\"", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let matches = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag);
    let mut response =
        if matches { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let headers = response.headers_mut();
    if !matches {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(LISTS_CACHE_CONTROL));
    response
}
