//! The identity provider and its directory of addresses.

use super::wire::{ApiJson, ApiQuery, ListQuery};
use crate::http::org_ctx::OrgCtx;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::IdentityProvider;
use purser_services::directory;
use purser_services::error::{Error, Result};
use purser_services::state::AppState;
use purser_services::storage::db::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_identity_provider, set_identity_provider))
        .routes(routes!(add_directory_email))
        .routes(routes!(remove_directory_email))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentityProviderBody {
    /// `open` or `directory`.
    pub identity_provider: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryResponse {
    pub identity_provider: String,
    /// A page of the directory, by address.
    pub emails: Vec<DirectoryEntryResponse>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryEntryResponse {
    pub email: String,
    pub added: String,
}

/// The identity provider and its directory, a page at a time (admins).
#[utoipa::path(get, path = "/api/orgs/{org}/identity-provider", tag = "identity provider",
    params(("org" = String, Path), ListQuery),
    responses((status = 200, body = DirectoryResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn get_identity_provider(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<DirectoryResponse>> {
    let page = directory::list(&state.db, &at, q.ask(&state.cursors)).await?;
    Ok(Json(DirectoryResponse {
        identity_provider: at.access.org.identity_provider.as_str().to_owned(),
        continuation_token: page.next,
        emails: page
            .items
            .into_iter()
            .map(|e| DirectoryEntryResponse {
                email: e.email,
                added: rfc3339(e.added_at),
            })
            .collect(),
    }))
}

/// Switches the identity provider. Moving to `directory` first lists everyone who holds a role.
#[utoipa::path(put, path = "/api/orgs/{org}/identity-provider", tag = "identity provider", request_body = IdentityProviderBody,
    params(("org" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn set_identity_provider(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<IdentityProviderBody>,
) -> Result<StatusCode> {
    let to: IdentityProvider = body.identity_provider.parse().map_err(
        |e: purser_core::identity::UnknownIdentityProvider| {
            Error::Invalid(purser_core::ValueError {
                field: "identityProvider",
                message: e.to_string(),
            })
        },
    )?;
    directory::set_identity_provider(&state.db, &at, to).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryEmailBody {
    pub email: String,
}

/// Adds a verified email to the directory.
#[utoipa::path(post, path = "/api/orgs/{org}/identity-provider/emails", tag = "identity provider", request_body = DirectoryEmailBody,
    params(("org" = String, Path)),
    responses((status = 201), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn add_directory_email(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<DirectoryEmailBody>,
) -> Result<StatusCode> {
    directory::add(&state.db, &at, &body.email).await?;
    Ok(StatusCode::CREATED)
}

/// Removes an email from the directory: that person loses access at once.
#[utoipa::path(delete, path = "/api/orgs/{org}/identity-provider/emails/{email}", tag = "identity provider",
    params(("org" = String, Path), ("email" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn remove_directory_email(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, email)): Path<(String, String)>,
) -> Result<StatusCode> {
    directory::remove(&state.db, &at, &email).await?;
    Ok(StatusCode::NO_CONTENT)
}
