//! The REST API under `/api`, in Pulumi Cloud's style: JSON in camelCase,
//! `Authorization: token <token>`, errors as `{code, message}`, lists paginated with
//! `continuationToken`.

use crate::http::input;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::routing::{any, get};
use axum::{Json, Router};
use purser_core::error::ErrorBody;
use purser_core::tokens::TokenFilter;
use purser_core::views::{OrgTokenView, TokenView};
use purser_services::error::{Error, Result};
use purser_services::state::AppState;
use purser_services::storage::cursor::{CursorKey, PageAsk};
use purser_services::storage::db::rfc3339;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

/// The surface every REST handler acts from, for `core`'s permission rules.
pub(crate) const API: purser_core::Surface = purser_core::Surface::Api;

mod audit;
mod billing;
mod billing_managers;
mod directory;
pub mod doc;
mod invitations;
mod members;
mod org_tokens;
mod policies;
mod stacks;
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
        .merge(stacks::router())
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

/// An integer, also when written with a zero fraction (`12.0`), as JSON Schema counts it.
pub(super) fn whole_number<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> std::result::Result<i64, D::Error> {
    use serde::de::Error as _;
    let n = serde_json::Number::deserialize(de)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => Ok(f as i64),
        _ => Err(D::Error::custom("expected a whole number")),
    }
}

/// A person as Pulumi's API shows one (`UserInfo`). What the caller may not see is
/// present and empty, never the value: Pulumi's clients require the fields.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    pub name: String,
    /// The person's login.
    pub github_login: String,
    /// Always empty: Purser keeps no pictures.
    pub avatar_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl UserInfo {
    pub fn new(name: Option<String>, login: Option<String>, email: Option<String>) -> Self {
        UserInfo {
            name: name.unwrap_or_default(),
            github_login: login.unwrap_or_default(),
            avatar_url: String::new(),
            email,
        }
    }
}

/// An access token as Pulumi's API lists one (`AccessToken`): times of use and expiry
/// in Unix seconds, `0` for never.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub id: String,
    pub name: String,
    pub description: String,
    /// RFC 3339.
    pub created: String,
    /// The login of whoever created it.
    pub created_by: String,
    pub expires: i64,
    pub last_used: i64,
    pub admin: bool,
    /// `personal` or `organization`.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// Unix milliseconds as Pulumi's Unix seconds, `0` for none.
fn epoch_secs(ms: Option<i64>) -> i64 {
    ms.map_or(0, |ms| ms.div_euclid(1000))
}

impl AccessToken {
    fn personal(t: TokenView, owner_login: &str) -> Self {
        AccessToken {
            id: t.id,
            name: String::new(),
            description: t.description,
            created: rfc3339(t.created_at),
            created_by: owner_login.to_owned(),
            expires: epoch_secs(t.expires_at),
            last_used: epoch_secs(t.last_used_at),
            admin: false,
            kind: "personal",
        }
    }

    fn organization(t: OrgTokenView) -> Self {
        AccessToken {
            id: t.id,
            name: t.name,
            description: t.description,
            created: rfc3339(t.created_at),
            created_by: t.created_by.unwrap_or_default(),
            expires: epoch_secs(t.expires_at),
            last_used: epoch_secs(t.last_used_at),
            admin: t.admin,
            kind: "organization",
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokensResponse {
    pub tokens: Vec<AccessToken>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenResponse {
    pub id: String,
    /// Shown once: only its hash is stored.
    pub token_value: String,
}

/// Which tokens a list shows.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TokensQuery {
    /// `active` (the default), `expired` or `all`.
    pub filter: Option<String>,
    /// Tokens per page, 1–500 (default 100).
    pub max_results: Option<i64>,
    /// From the previous page's response.
    pub continuation_token: Option<String>,
}

impl TokensQuery {
    fn filter(&self) -> Result<TokenFilter> {
        TokenFilter::parse(self.filter.as_deref()).map_err(|e| Error::BadRequest(e.message))
    }

    /// `maxResults` as a page size (Pulumi's name for `limit`).
    fn limit(&self) -> Result<Option<u32>> {
        self.max_results
            .map(|n| {
                u32::try_from(n)
                    .ok()
                    .filter(|n| (1..=purser_services::storage::cursor::MAX_PAGE).contains(n))
                    .ok_or_else(|| {
                        Error::BadRequest(format!(
                            "maxResults must be between 1 and {}.",
                            purser_services::storage::cursor::MAX_PAGE
                        ))
                    })
            })
            .transpose()
    }
}

/// Which page of a list: Pulumi's `continuationToken`, and a page size.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// From the previous page's response.
    pub continuation_token: Option<String>,
    /// Entries per page, 1–500 (default 100).
    pub limit: Option<u32>,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Pulumi's `frontend`/`backend` view of the list; both are the same here.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// From the previous page's response.
    pub continuation_token: Option<String>,
    /// Entries per page, 1–500 (default 100).
    pub limit: Option<u32>,
}

/// `ask`, the page a list's query asks for, for each query that pages a list.
macro_rules! asks_for_a_page {
    ($($query:ty),*) => {$(
        impl $query {
            /// The page this query asks for.
            pub fn ask<'a>(&'a self, key: &'a CursorKey) -> PageAsk<'a> {
                PageAsk {
                    key,
                    after: self.continuation_token.as_deref(),
                    limit: self.limit,
                }
            }
        }
    )*};
}

asks_for_a_page!(
    ListQuery,
    PageQuery,
    invitations::RoleQuery,
    policies::PolicyPackQuery
);

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
            super::whole_number(&mut serde_json::Deserializer::from_str(json)).map_err(|_| ())
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
