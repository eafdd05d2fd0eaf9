//! `GET /openapi.json`: the parent API's OpenAPI 3.1 document, generated from the handlers'
//! `#[utoipa::path]` attributes and cartable-core's wire types (feature `openapi`), so it
//! cannot drift from the code.

use axum::Json;
use cartable_core::wire::parent::{
    AddEmailRequest, AssociateRequest, Child, DossierSection, EmailChallenge, EmailEntry,
    FieldError, Me, PrivateSchool, ProblemDetails, School, SchoolBoardEntry, VerifyEmailRequest,
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

use super::{boards, children, emails, me};

/// The parent API's OpenAPI description (`docs/contract.md §6`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cartable parent API",
        description = "The parent API of the Cartable portal contract (docs/contract.md §6). \
                       Errors are RFC 9457 problem details with a stable `code`."
    ),
    paths(
        boards::list_school_boards,
        boards::list_private_schools,
        me::get_me,
        me::delete_me,
        emails::add_email,
        emails::verify_email,
        children::list_children,
        children::associate_child,
        children::remove_child,
        children::get_dossier,
    ),
    components(schemas(
        SchoolBoardEntry, PrivateSchool, Me, EmailEntry, Child, School, AssociateRequest,
        DossierSection, ProblemDetails, FieldError, AddEmailRequest, EmailChallenge,
        VerifyEmailRequest,
    )),
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

/// The document as JSON.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ParentApi::openapi())
}
