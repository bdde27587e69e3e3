//! Organization access tokens.

use super::wire::{
    AccessToken, AccessTokensResponse, ApiJson, ApiQuery, CreateTokenResponse, TokensQuery,
};
use crate::http::org_ctx::OrgCtx;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_services::error::Result;

use purser_services::org_tokens;
use purser_services::state::AppState;
use purser_services::storage::cursor::PageAsk;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_org_tokens, create_org_token))
        .routes(routes!(revoke_org_token))
}

/// Organization access tokens (admins), in Pulumi's shape.
#[utoipa::path(get, path = "/api/orgs/{org}/tokens", tag = "organization tokens",
    params(("org" = String, Path), TokensQuery),
    responses((status = 200, body = AccessTokensResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)), security(("token" = [])))]
pub async fn list_org_tokens(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<TokensQuery>,
) -> Result<Json<AccessTokensResponse>> {
    let page = org_tokens::list(
        &state.db,
        &at,
        q.filter()?,
        PageAsk {
            key: &state.cursors,
            after: q.continuation_token.as_deref(),
            limit: q.limit()?,
        },
    )
    .await?;
    Ok(Json(AccessTokensResponse {
        tokens: page
            .items
            .into_iter()
            .map(AccessToken::organization)
            .collect(),
        continuation_token: page.next,
    }))
}

/// `CreateOrgAccessTokenRequest`: `name` is required; `roleID` is accepted and has no
/// effect (Purser has no custom roles).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrgTokenRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub admin: bool,
    /// Unix seconds; `0` (the default) for a token that never expires.
    #[serde(default, deserialize_with = "super::wire::whole_number")]
    pub expires: i64,
    #[serde(rename = "roleID")]
    #[allow(dead_code)] // Pulumi's custom role: read, not used
    pub role_id: Option<String>,
}

/// Creates an organization access token (admins); its value is in this answer only.
#[utoipa::path(post, path = "/api/orgs/{org}/tokens", tag = "organization tokens", request_body = CreateOrgTokenRequest, params(("org" = String, Path)),
    responses((status = 200, body = CreateTokenResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("token" = [])))]
pub async fn create_org_token(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<CreateOrgTokenRequest>,
) -> Result<Json<CreateTokenResponse>> {
    let new = org_tokens::NewOrgToken {
        name: &body.name,
        description: &body.description,
        admin: body.admin,
        expires_secs: body.expires,
    };
    let (token, value) = org_tokens::create(&state.db, &at, new).await?;
    Ok(Json(CreateTokenResponse {
        id: token.id,
        token_value: value,
    }))
}

/// Revokes an organization access token (admins).
#[utoipa::path(delete, path = "/api/orgs/{org}/tokens/{id}", tag = "organization tokens", params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("token" = [])))]
pub async fn revoke_org_token(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, id)): Path<(String, String)>,
) -> Result<StatusCode> {
    org_tokens::revoke(&state.db, &at, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
