//! The REST API under `/api`, in Pulumi Cloud's style: JSON in camelCase,
//! `Authorization: token <token>`, errors as `{code, message}`, lists paginated with
//! `continuationToken`.

use crate::http::input;
use axum::routing::{any, get};
use axum::{Json, Router};
use purser_core::error::ErrorBody;
use purser_services::error::Error;
use purser_services::state::AppState;
use std::sync::Arc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

mod audit;
mod billing;
mod billing_managers;
mod directory;
pub mod doc;
mod invitations;
mod members;
mod org_tokens;
mod policies;
mod scim_tokens;
mod stacks;
mod teams;
mod usage;
mod user;
mod wire;
use doc::Conventions;

fn routes_and_document() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(user::router())
        .merge(members::router())
        .merge(invitations::router())
        .merge(billing_managers::router())
        .merge(directory::router())
        .merge(audit::router())
        .merge(billing::router())
        .merge(stacks::router())
        .merge(usage::router())
        .merge(teams::router())
        .merge(org_tokens::router())
        .merge(policies::router())
        .merge(scim_tokens::router())
        .split_for_parts();
    // What no single annotation says (statuses of the layers in front, field rules),
    // applied once every operation is in the document.
    utoipa::Modify::modify(&Conventions, &mut document);
    (router, document)
}

/// The OpenAPI document served at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    routes_and_document().1
}

/// The REST API, with its document and JSON answers for unknown endpoints.
pub fn router() -> Router<AppState> {
    let (router, document) = routes_and_document();
    let document = Arc::new(document);
    router
        .route(
            "/api/openapi.json",
            get(move || {
                let document = document.clone();
                async move { Json((*document).clone()) }
            }),
        )
        .route("/api", any(no_such_endpoint))
        .route("/api/", any(no_such_endpoint))
        .route("/api/{*rest}", any(no_such_endpoint))
        .layer(axum::middleware::from_fn(input::json_errors))
}

async fn no_such_endpoint() -> Error {
    Error::NotFound("There is no such API endpoint.".into())
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Purser API", description = "Organizations, members and billing managers. Authenticate with `Authorization: token <token>`."),
    components(schemas(ErrorBody)),
    modifiers(&TokenAuth)
)]
pub struct ApiDoc;

struct TokenAuth;

impl utoipa::Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`token <personal access token>`",
            ))),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_numbers_with_a_zero_fraction_are_whole() {
        let read = |json: &str| {
            super::wire::whole_number(&mut serde_json::Deserializer::from_str(json)).map_err(|_| ())
        };
        // written as, read as (`Err`: not a whole number)
        for (json, expected) in [
            ("12", Ok(12)),
            ("12.0", Ok(12)),
            ("-5.0", Ok(-5)),
            ("1e3", Ok(1000)),
            // Below 2^52 a double has halves: the parse must be exact to see `.0`.
            ("4374107932483062.0", Ok(4_374_107_932_483_062)),
            ("-4374107932483062.0", Ok(-4_374_107_932_483_062)),
            ("4374107932483062.5", Err(())),
            ("12.5", Err(())),
            ("1e300", Err(())),
        ] {
            assert_eq!(read(json), expected, "{json}");
        }
    }
}
