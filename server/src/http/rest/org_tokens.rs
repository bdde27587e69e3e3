//! Organization access tokens.

use super::ApiJson;
use crate::db::rfc3339;
use crate::error::Result;
use crate::http::answer::ErrorBody;
use crate::http::caller::OrgCtx;
use crate::org_resources::{self as res};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::views::OrgTokenView;
use purser_core::Surface;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

const API: Surface = Surface::Api;

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_org_tokens, create_org_token))
        .routes(routes!(revoke_org_token))
}

#[derive(Serialize, ToSchema)]
pub struct OrgTokenResponse {
    pub id: String,
    pub name: String,
    pub created: String,
}

impl From<OrgTokenView> for OrgTokenResponse {
    fn from(t: OrgTokenView) -> Self {
        OrgTokenResponse {
            id: t.id,
            name: t.name,
            created: rfc3339(t.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrgTokensResponse {
    pub tokens: Vec<OrgTokenResponse>,
}

/// Organization access tokens (admins).
#[utoipa::path(get, path = "/api/orgs/{org}/tokens", tag = "organization tokens", params(("org" = String, Path)),
    responses((status = 200, body = OrgTokensResponse), (status = 403, body = ErrorBody)), security(("token" = [])))]
pub async fn list_org_tokens(
    State(state): State<AppState>,
    OrgCtx { access, .. }: OrgCtx,
) -> Result<Json<OrgTokensResponse>> {
    let tokens = res::list_tokens(&state.db, &access, API).await?;
    Ok(Json(OrgTokensResponse {
        tokens: tokens.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgTokenRequest {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedOrgToken {
    pub id: String,
    /// Shown once.
    pub token_value: String,
}

/// Creates an organization access token (admins).
#[utoipa::path(post, path = "/api/orgs/{org}/tokens", tag = "organization tokens", request_body = CreateOrgTokenRequest, params(("org" = String, Path)),
    responses((status = 201, body = CreatedOrgToken), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("token" = [])))]
pub async fn create_org_token(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    ApiJson(body): ApiJson<CreateOrgTokenRequest>,
) -> Result<(StatusCode, Json<CreatedOrgToken>)> {
    let (token, value) = res::create_token(&state.db, &access, API, &user, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedOrgToken {
            id: token.id,
            token_value: value,
        }),
    ))
}

/// Revokes an organization access token (admins).
#[utoipa::path(delete, path = "/api/orgs/{org}/tokens/{id}", tag = "organization tokens", params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("token" = [])))]
pub async fn revoke_org_token(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    Path((_org, id)): Path<(String, String)>,
) -> Result<StatusCode> {
    res::revoke_token(&state.db, &access, API, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
