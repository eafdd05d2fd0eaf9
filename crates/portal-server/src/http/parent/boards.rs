//! `GET /api/v1/school-boards` and `GET /api/v1/private-schools` (`docs/contract.md §6`): no
//! token, cacheable.
//!
//! Each list's body and strong `ETag` are built once and kept in [`ListCache`] until the
//! registry changes: every request reads the lists' version ([`registry::lists_version`], one
//! row that the database bumps with every change to `board_subscriptions` or `private_schools`,
//! whichever process or instance makes it) and answers from memory while it is the version the
//! body was built at. So every instance over a shared database answers the current lists, as it
//! did when each request read and serialised them, without a time-to-live.

use std::sync::{Arc, PoisonError, RwLock};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use cartable_core::wire::parent::{PrivateSchool, SchoolBoardEntry};
use sha2::{Digest, Sha256};

use crate::{AppState, db::Db, http::problem::ApiProblem, registry};

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
    let list = state.registry_lists.school_boards(&state.db).await?;
    Ok(list.answer(&headers))
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
    let list = state.registry_lists.private_schools(&state.db).await?;
    Ok(list.answer(&headers))
}

/// The two lists as last built, each with the version of the registry it was built at (see
/// the module docs). Shared by every request of one instance.
#[derive(Debug, Default)]
pub struct ListCache {
    school_boards: Slot,
    private_schools: Slot,
}

/// One list as last built, if it was.
#[derive(Debug, Default)]
struct Slot(RwLock<Option<Arc<BuiltList>>>);

/// A list's answer, ready to send.
#[derive(Debug)]
pub struct BuiltList {
    /// [`registry::lists_version`] read before the rows this body was built from.
    version: i64,
    /// The JSON body.
    body: Bytes,
    /// `"` + the first 16 bytes of the body's SHA-256 in hex + `"`.
    etag: HeaderValue,
}

impl ListCache {
    /// The school bodies' answer for the registry as it is now: the kept one when the lists'
    /// version has not moved since it was built, else built again from
    /// [`registry::board_entries`] (and kept).
    ///
    /// # Errors
    /// Database failure.
    pub async fn school_boards(&self, db: &Db) -> Result<Arc<BuiltList>, sqlx::Error> {
        current(&self.school_boards, db, registry::board_entries).await
    }

    /// The private schools' answer, as [`Self::school_boards`] from [`registry::private_schools`].
    ///
    /// # Errors
    /// Database failure.
    pub async fn private_schools(&self, db: &Db) -> Result<Arc<BuiltList>, sqlx::Error> {
        current(&self.private_schools, db, registry::private_schools).await
    }
}

/// The list of `slot` at the database's current version, built with `read` when needed.
///
/// The version is read before the rows: a change committed in between bumps the version past
/// the one kept with the body, so the next request builds again. The worst case is one build
/// too many, never a stale body kept. Requests that find the slot stale at once each build
/// (the same bytes); the last one stored wins.
async fn current<'a, T, F>(
    slot: &Slot,
    db: &'a Db,
    read: impl FnOnce(&'a Db) -> F,
) -> Result<Arc<BuiltList>, sqlx::Error>
where
    T: serde::Serialize,
    F: Future<Output = Result<Vec<T>, sqlx::Error>>,
{
    let version = registry::lists_version(db).await?;
    let kept = slot.0.read().unwrap_or_else(PoisonError::into_inner).clone();
    if let Some(list) = kept.filter(|list| list.version == version) {
        return Ok(list);
    }
    let list = Arc::new(BuiltList::new(version, &read(db).await?));
    *slot.0.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&list));
    Ok(list)
}

impl BuiltList {
    /// The body and strong `ETag` (SHA-256 of the body, first 16 bytes in hex) of `value`.
    fn new<T: serde::Serialize>(version: i64, value: &T) -> Self {
        let body = serde_json::to_vec(value).unwrap_or_default();
        let digest = Sha256::digest(&body);
        let etag =
            format!("\"{}\"", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>());
        // Hex between quotes is always a valid header value.
        let etag = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
        Self { version, body: Bytes::from(body), etag }
    }

    /// 200 JSON with the `ETag` and [`LISTS_CACHE_CONTROL`], or 304 when `If-None-Match` holds
    /// that tag or `*` (RFC 9110 §13.1.2, weak comparison).
    pub fn answer(&self, request: &HeaderMap) -> Response {
        let etag = self.etag.as_bytes();
        let matches = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == "*" || tag.as_bytes() == etag);
        let mut response = if matches {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            self.body.clone().into_response()
        };
        let headers = response.headers_mut();
        if !matches {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(LISTS_CACHE_CONTROL));
        response
    }
}
