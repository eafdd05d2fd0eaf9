//! The parent API (`docs/contract.md §6`) under `{origin}/api/v1/`, and `GET /openapi.json`.
//!
//! | Route | Handler | Token |
//! |---|---|---|
//! | `GET /api/v1/school-boards` | [`boards::list_school_boards`] | no |
//! | `GET /api/v1/private-schools` | [`boards::list_private_schools`] | no |
//! | `GET /api/v1/me` | [`me::get_me`] | yes |
//! | `DELETE /api/v1/me` | [`me::delete_me`] | yes |
//! | `POST /api/v1/me/emails` | [`emails::add_email`] | yes |
//! | `POST /api/v1/me/emails/verify` | [`emails::verify_email`] | yes |
//! | `GET /api/v1/children` | [`children::list_children`] | yes |
//! | `POST /api/v1/children` | [`children::associate_child`] | yes |
//! | `DELETE /api/v1/children/{id}` | [`children::remove_child`] | yes |
//! | `GET /api/v1/children/{id}/dossier` | [`children::get_dossier`] | yes |
//! | `GET /openapi.json` | [`openapi::openapi_json`] | no |
//!
//! Errors are RFC 9457 problem details ([`ApiProblem`](super::problem::ApiProblem)); a missing
//! or bad token gets 401 from [`AuthParent`](super::extract::AuthParent). Handlers log no
//! child data: not names, birth dates, identifiers or NIPs (`docs/contract.md §6`, "Privacy").

use axum::{
    Router,
    routing::{delete, get, post},
};

use crate::AppState;

pub mod boards;
pub mod children;
pub mod emails;
pub mod json;
pub mod me;
pub mod openapi;

/// The parent API's routes and `/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/school-boards", get(boards::list_school_boards))
        .route("/api/v1/private-schools", get(boards::list_private_schools))
        .route("/api/v1/me", get(me::get_me).delete(me::delete_me))
        .route("/api/v1/me/emails", post(emails::add_email))
        .route("/api/v1/me/emails/verify", post(emails::verify_email))
        .route("/api/v1/children", get(children::list_children).post(children::associate_child))
        .route("/api/v1/children/{id}", delete(children::remove_child))
        .route("/api/v1/children/{id}/dossier", get(children::get_dossier))
        .route("/openapi.json", get(openapi::openapi_json))
}
