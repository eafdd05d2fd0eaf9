//! `GET /openapi.json`: the parent API's OpenAPI 3.1 document (`docs/contract.md §6`).
//!
//! [`ParentApi`] holds what no route says: the info, the `parent` tag, the `bearer` security
//! scheme and the problem-details schema. [`super::router`] adds each route's
//! `#[utoipa::path]` entry, with the schemas it references, as it registers the route
//! (`utoipa_axum::routes!`), and serves the result here; so the document lists exactly the
//! routes served and cannot drift from the handlers or cartable-core's wire types (feature
//! `openapi`).

use axum::{
    body::Bytes,
    http::header,
    routing::{MethodRouter, get},
};
use cartable_core::wire::parent::ProblemDetails;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

/// The parent API's OpenAPI description without its paths (`docs/contract.md §6`); see the
/// module docs for where the paths come from.
///
/// Problem answers are documented through `IntoResponses`
/// ([`DocumentedProblem`](crate::http::problem::DocumentedProblem)), which references
/// [`ProblemDetails`] without adding it, so the schema is listed here.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cartable parent API",
        description = "The parent API of the Cartable portal contract (docs/contract.md §6). \
                       Errors are RFC 9457 problem details with a stable `code`."
    ),
    components(schemas(ProblemDetails)),
    modifiers(&BearerToken),
    tags((name = "parent", description = "Parent API (docs/contract.md §6)"))
)]
pub struct ParentApi;

/// Declares the `bearer` security scheme the paths refer to (access tokens of §4).
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
    }
}

/// The `GET /openapi.json` route: answers 200 with `document` as `application/json`, no token.
/// The document is serialised once, when the router is built, not per request.
pub fn openapi_json<S>(document: &utoipa::openapi::OpenApi) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    let body = Bytes::from(serde_json::to_vec(document).expect("an OpenAPI document serialises"));
    get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body) }
    })
}
