//! The parent API (`docs/contract.md §6`) under `{origin}/api/v1/`, and `GET /openapi.json`.
//!
//! [`router`] is the one list of routes: each is registered by `utoipa_axum::routes!` from its
//! handler's `#[utoipa::path]` (method, path, token, answers), so the OpenAPI document served at
//! `GET /openapi.json` ([`openapi()`], [`openapi::ParentApi`]) lists exactly the routes served.
//! Handlers live in [`boards`] (the lists, no token), [`me`] (the account), [`emails`] (linking
//! an email) and [`children`] (association, dossier).
//!
//! Errors are RFC 9457 problem details ([`ApiProblem`](super::problem::ApiProblem)), documented
//! once per set of answers ([`DocumentedProblem`](super::problem::DocumentedProblem)); a missing
//! or bad token gets 401 from [`AuthParent`](super::extract::AuthParent). Handlers log no
//! child data: not names, birth dates, identifiers or NIPs (`docs/contract.md §6`, "Privacy").

use axum::Router;
use utoipa::OpenApi as _;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;

pub mod boards;
pub mod children;
pub mod emails;
pub mod json;
pub mod me;
pub mod openapi;

/// The parent API's routes and `GET /openapi.json`, which serves the document collected while
/// registering them (the same as [`openapi()`]).
pub fn router() -> Router<AppState> {
    let (routes, document) = documented_routes().split_for_parts();
    routes.route("/openapi.json", openapi::openapi_json(&document))
}

/// The OpenAPI document of the parent API: [`openapi::ParentApi`] with the entry of every route
/// of [`router`]; what `GET /openapi.json` answers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes().into_openapi()
}

/// Every parent-API route with its OpenAPI entry.
///
/// One `routes!` per path: `routes!` registers all the handlers it is given on each of their
/// paths, so handlers share a call only when they share a path (then one per method).
fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ParentApi::openapi())
        .routes(routes!(boards::list_school_boards))
        .routes(routes!(boards::list_private_schools))
        .routes(routes!(me::get_me, me::delete_me))
        .routes(routes!(emails::add_email))
        .routes(routes!(emails::verify_email))
        .routes(routes!(children::list_children, children::associate_child))
        .routes(routes!(children::remove_child))
        .routes(routes!(children::get_dossier))
}
