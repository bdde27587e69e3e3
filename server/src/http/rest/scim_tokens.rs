//! SCIM tokens: the credentials an organization's identity provider provisions with
//! (admins). The endpoint itself is `http::scim`.

use super::wire::{ApiJson, ApiQuery, ListQuery};
use crate::http::org_ctx::OrgCtx;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::views::ScimTokenView;
use purser_services::error::Result;
use purser_services::scim::tokens;
use purser_services::state::AppState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_scim_tokens, create_scim_token))
        .routes(routes!(revoke_scim_token))
}

/// A SCIM token, without its value.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScimToken {
    pub id: String,
    pub description: String,
    /// The login of the admin who made it; absent once their account is gone.
    pub created_by: Option<String>,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds; absent until the provider first uses it (noted once a minute).
    pub last_used: Option<i64>,
}

impl From<ScimTokenView> for ScimToken {
    fn from(t: ScimTokenView) -> Self {
        ScimToken {
            id: t.id,
            description: t.description,
            created_by: t.created_by,
            created: t.created_at / 1000,
            last_used: t.last_used_at.map(|ms| ms / 1000),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScimTokensResponse {
    pub tokens: Vec<ScimToken>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

/// The organization's SCIM tokens, newest first (admins).
#[utoipa::path(get, path = "/api/orgs/{org}/scim-tokens", tag = "scim",
    params(("org" = String, Path), ListQuery),
    responses((status = 200, body = ScimTokensResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list_scim_tokens(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ScimTokensResponse>> {
    let page = tokens::list(&state.db, &at, q.ask(&state.cursors)).await?;
    Ok(Json(ScimTokensResponse {
        tokens: page.items.into_iter().map(Into::into).collect(),
        continuation_token: page.next,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateScimTokenRequest {
    /// Which provider holds it, e.g. "Okta".
    pub description: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateScimTokenResponse {
    pub id: String,
    /// The token, in this answer only: the provider sends it as `Authorization: Bearer …`.
    pub token: String,
}

/// Makes a SCIM token (admins); its value is in this answer only.
#[utoipa::path(post, path = "/api/orgs/{org}/scim-tokens", tag = "scim", request_body = CreateScimTokenRequest,
    params(("org" = String, Path)),
    responses((status = 201, body = CreateScimTokenResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn create_scim_token(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<CreateScimTokenRequest>,
) -> Result<(StatusCode, Json<CreateScimTokenResponse>)> {
    let (token, value) = tokens::create(&state.db, &at, &body.description).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreateScimTokenResponse {
            id: token.id,
            token: value,
        }),
    ))
}

/// Revokes a SCIM token (admins): the provider's next request with it is refused.
#[utoipa::path(delete, path = "/api/orgs/{org}/scim-tokens/{id}", tag = "scim",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn revoke_scim_token(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, id)): Path<(String, String)>,
) -> Result<StatusCode> {
    tokens::revoke(&state.db, &at, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
