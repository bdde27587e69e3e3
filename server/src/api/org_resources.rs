//! Teams, organization access tokens, policy groups and policy packs.

use super::ApiJson;
use crate::caller::OrgCtx;
use crate::db::rfc3339;
use crate::error::{ErrorBody, Result};
use crate::org_resources::{self as res, PolicyKind};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::Surface;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const API: Surface = Surface::Api;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamView {
    pub name: String,
    pub description: String,
    pub member_count: i64,
    /// Member names, for those who may see names (never billing managers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct TeamsResponse {
    pub teams: Vec<TeamView>,
}

/// Teams (admins, members; billing managers through the API only, without member names).
#[utoipa::path(get, path = "/api/orgs/{org}/teams", tag = "teams", params(("org" = String, Path)),
    responses((status = 200, body = TeamsResponse), (status = 403, body = ErrorBody)), security(("token" = [])))]
pub async fn list_teams(
    State(state): State<AppState>,
    OrgCtx { access, .. }: OrgCtx,
) -> Result<Json<TeamsResponse>> {
    let teams = res::list_teams(&state.db, &access, API).await?;
    Ok(Json(TeamsResponse {
        teams: teams
            .into_iter()
            .map(|t| TeamView {
                name: t.name,
                description: t.description,
                member_count: t.member_count,
                members: t.members,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// Creates a team (admins).
#[utoipa::path(post, path = "/api/orgs/{org}/teams", tag = "teams", request_body = CreateTeamRequest, params(("org" = String, Path)),
    responses((status = 201), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("token" = [])))]
pub async fn create_team(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    ApiJson(body): ApiJson<CreateTeamRequest>,
) -> Result<StatusCode> {
    res::create_team(
        &state.db,
        &access,
        API,
        &user,
        &body.name,
        &body.description,
    )
    .await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamMemberRequest {
    pub user_id: String,
}

/// Adds a member of the organization to a team (admins).
#[utoipa::path(post, path = "/api/orgs/{org}/teams/{team}/members", tag = "teams", request_body = TeamMemberRequest,
    params(("org" = String, Path), ("team" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("token" = [])))]
pub async fn add_team_member(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    Path((_org, team)): Path<(String, String)>,
    ApiJson(body): ApiJson<TeamMemberRequest>,
) -> Result<StatusCode> {
    res::manage_team(&state.db, &access, API, &user, &team, &body.user_id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member from a team (admins).
#[utoipa::path(delete, path = "/api/orgs/{org}/teams/{team}/members/{userId}", tag = "teams",
    params(("org" = String, Path), ("team" = String, Path), ("userId" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("token" = [])))]
pub async fn remove_team_member(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    Path((_org, team, user_id)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    res::manage_team(&state.db, &access, API, &user, &team, &user_id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct OrgTokenView {
    pub id: String,
    pub name: String,
    pub created: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrgTokensResponse {
    pub tokens: Vec<OrgTokenView>,
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
        tokens: tokens
            .into_iter()
            .map(|t| OrgTokenView {
                id: t.id,
                name: t.name,
                created: rfc3339(t.created_at),
            })
            .collect(),
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

#[derive(Serialize, ToSchema)]
pub struct PolicyView {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    pub created: String,
}

#[derive(Serialize, ToSchema)]
pub struct PoliciesResponse {
    pub policies: Vec<PolicyView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicyRequest {
    pub name: String,
}

async fn list(state: AppState, ctx: OrgCtx, kind: PolicyKind) -> Result<Json<PoliciesResponse>> {
    let access = ctx.access;
    let list = res::list_policies(&state.db, &access, API, kind).await?;
    Ok(Json(PoliciesResponse {
        policies: list
            .into_iter()
            .map(|p| PolicyView {
                name: p.name,
                version: p.version,
                created: rfc3339(p.created_at),
            })
            .collect(),
    }))
}

async fn create(
    state: AppState,
    ctx: OrgCtx,
    kind: PolicyKind,
    name: String,
) -> Result<(StatusCode, Json<PolicyView>)> {
    let p = res::create_policy(&state.db, &ctx.access, API, &ctx.user, kind, &name).await?;
    Ok((
        StatusCode::CREATED,
        Json(PolicyView {
            name: p.name,
            version: p.version,
            created: rfc3339(p.created_at),
        }),
    ))
}

/// Policy groups (admins, members).
#[utoipa::path(get, path = "/api/orgs/{org}/policygroups", tag = "policies", params(("org" = String, Path)),
    responses((status = 200, body = PoliciesResponse), (status = 403, body = ErrorBody)), security(("token" = [])))]
pub async fn list_policy_groups(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<Json<PoliciesResponse>> {
    list(state, ctx, PolicyKind::Groups).await
}

/// Creates a policy group (admins).
#[utoipa::path(post, path = "/api/orgs/{org}/policygroups", tag = "policies", request_body = CreatePolicyRequest, params(("org" = String, Path)),
    responses((status = 201, body = PolicyView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("token" = [])))]
pub async fn create_policy_group(
    State(state): State<AppState>,
    ctx: OrgCtx,
    ApiJson(body): ApiJson<CreatePolicyRequest>,
) -> Result<(StatusCode, Json<PolicyView>)> {
    create(state, ctx, PolicyKind::Groups, body.name).await
}

/// Policy packs (admins, members).
#[utoipa::path(get, path = "/api/orgs/{org}/policypacks", tag = "policies", params(("org" = String, Path)),
    responses((status = 200, body = PoliciesResponse), (status = 403, body = ErrorBody)), security(("token" = [])))]
pub async fn list_policy_packs(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<Json<PoliciesResponse>> {
    list(state, ctx, PolicyKind::Packs).await
}

/// Publishes the next version of a policy pack (admins).
#[utoipa::path(post, path = "/api/orgs/{org}/policypacks", tag = "policies", request_body = CreatePolicyRequest, params(("org" = String, Path)),
    responses((status = 201, body = PolicyView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("token" = [])))]
pub async fn create_policy_pack(
    State(state): State<AppState>,
    ctx: OrgCtx,
    ApiJson(body): ApiJson<CreatePolicyRequest>,
) -> Result<(StatusCode, Json<PolicyView>)> {
    create(state, ctx, PolicyKind::Packs, body.name).await
}
