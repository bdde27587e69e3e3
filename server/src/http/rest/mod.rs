//! The REST API under `/api`, in Pulumi Cloud's style: JSON in camelCase,
//! `Authorization: token <token>`, errors as `{code, message}`, lists paginated with
//! `continuationToken`.

use crate::error::{Error, Result};
use crate::http::answer::ErrorBody;
use crate::http::input;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::routing::{any, get};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoParams, OpenApi};
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
mod teams;
mod usage;
mod user;
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
        .merge(usage::router())
        .merge(teams::router())
        .merge(org_tokens::router())
        .merge(policies::router())
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

/// A JSON body whose rejection is an API error (`{code, message}`) that names where the
/// problem is and what was expected, never the value sent.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| Error::BadRequest("The request body could not be read.".into()))?;
        input::parse_json(&headers, &bytes).map(ApiJson)
    }
}

/// Query parameters whose rejection is an API error, naming the parameter, not its value.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        input::parse_query(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From the previous page's response.
    pub continuation_token: Option<String>,
    /// Entries per page, 1–500 (default 100).
    pub limit: Option<u32>,
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
