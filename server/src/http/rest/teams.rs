//! Teams and who is on them.

use super::ApiJson;
use crate::error::Result;
use crate::http::answer::ErrorBody;
use crate::http::caller::OrgCtx;
use crate::org_resources::{self as res};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::views::TeamView;
use purser_core::Surface;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

const API: Surface = Surface::Api;

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team))
        .routes(routes!(add_team_member))
        .routes(routes!(remove_team_member))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamResponse {
    pub name: String,
    pub description: String,
    pub member_count: i64,
}

impl From<TeamView> for TeamResponse {
    fn from(t: TeamView) -> Self {
        TeamResponse {
            name: t.name,
            description: t.description,
            member_count: t.member_count,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamsResponse {
    pub teams: Vec<TeamResponse>,
}

/// Teams with their sizes (admins, members; billing managers through the API only).
/// Who is on a team: `GET /api/orgs/{org}/teams/{team}`.
#[utoipa::path(get, path = "/api/orgs/{org}/teams", tag = "teams", params(("org" = String, Path)),
    responses((status = 200, body = TeamsResponse), (status = 403, body = ErrorBody)), security(("token" = [])))]
pub async fn list_teams(
    State(state): State<AppState>,
    OrgCtx { access, .. }: OrgCtx,
) -> Result<Json<TeamsResponse>> {
    let teams = res::list_teams(&state.db, &access, API).await?;
    Ok(Json(TeamsResponse {
        teams: teams.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamMemberResponse {
    pub user_id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TeamDetailResponse {
    pub name: String,
    pub description: String,
    pub members: Vec<TeamMemberResponse>,
}

/// A team and who is on it (admins, members: those who may see member names).
#[utoipa::path(get, path = "/api/orgs/{org}/teams/{team}", tag = "teams",
    params(("org" = String, Path), ("team" = String, Path)),
    responses((status = 200, body = TeamDetailResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("token" = [])))]
pub async fn get_team(
    State(state): State<AppState>,
    OrgCtx { access, .. }: OrgCtx,
    Path((_org, team)): Path<(String, String)>,
) -> Result<Json<TeamDetailResponse>> {
    let team = res::team(&state.db, &access, API, &team).await?;
    Ok(Json(TeamDetailResponse {
        name: team.name,
        description: team.description,
        members: team
            .members
            .into_iter()
            .map(|m| TeamMemberResponse {
                user_id: m.user_id,
                name: m.name,
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
