//! Teams and who is on them.

use super::wire::{ApiJson, ApiQuery, WholeListQuery};
use crate::http::org_ctx::OrgCtx;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::views::TeamView;
use purser_services::error::{Error, Result};

use purser_services::state::AppState;
use purser_services::{orgs, teams};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, update_team))
        .routes(routes!(add_team_member))
        .routes(routes!(remove_team_member))
}

/// `Team` in Pulumi's shape (a Purser team's display name is its name), with
/// Purser's `memberCount`; `members` only on a single team.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamResponse {
    /// `pulumi`: the team is kept here, not synced from elsewhere.
    pub kind: &'static str,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub member_count: i64,
    /// A single team's members: a page of them, in the order they were added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<TeamMember>>,
    /// A single team's: where the next page of members starts; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

impl From<TeamView> for TeamResponse {
    fn from(t: TeamView) -> Self {
        TeamResponse {
            kind: "pulumi",
            display_name: t.name.clone(),
            name: t.name,
            description: t.description,
            member_count: t.member_count,
            members: None,
            continuation_token: None,
        }
    }
}

/// `TeamMemberInfo`, with Purser's `userId`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    pub name: String,
    pub github_login: String,
    pub avatar_url: String,
    /// `member`: Purser's teams have no team admins.
    pub role: &'static str,
    pub user_id: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamsResponse {
    pub teams: Vec<TeamResponse>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

/// Teams with their sizes (admins, members; billing managers through the API only).
/// Who is on a team: `GET /api/orgs/{org}/teams/{team}`.
#[utoipa::path(get, path = "/api/orgs/{org}/teams", tag = "teams", params(("org" = String, Path), WholeListQuery),
    responses((status = 200, body = TeamsResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)), security(("token" = [])))]
pub async fn list_teams(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<WholeListQuery>,
) -> Result<Json<TeamsResponse>> {
    let page = teams::list(&state.db, &at, q.ask(&state.cursors).whole_unless_paged()).await?;
    Ok(Json(TeamsResponse {
        teams: page.items.into_iter().map(Into::into).collect(),
        continuation_token: page.next,
    }))
}

/// A team and who is on it, a page of members at a time (admins, members: those who
/// may see member names).
#[utoipa::path(get, path = "/api/orgs/{org}/teams/{team}", tag = "teams",
    params(("org" = String, Path), ("team" = String, Path), WholeListQuery),
    responses((status = 200, body = TeamResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("token" = [])))]
pub async fn get_team(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, team)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<WholeListQuery>,
) -> Result<Json<TeamResponse>> {
    let (team, continuation_token) = teams::get(
        &state.db,
        &at,
        &team,
        q.ask(&state.cursors).whole_unless_paged(),
    )
    .await?;
    let members: Vec<TeamMember> = team
        .members
        .into_iter()
        .map(|m| TeamMember {
            name: m.name,
            github_login: m.login,
            avatar_url: String::new(),
            role: "member",
            user_id: m.user_id,
        })
        .collect();
    Ok(Json(TeamResponse {
        kind: "pulumi",
        display_name: team.name.clone(),
        name: team.name,
        description: team.description,
        member_count: team.member_count as i64,
        members: Some(members),
        continuation_token,
    }))
}

/// `UpdateTeamRequest`, as far as Purser's teams go: add or remove a member (by
/// login) and change the description. Stack and environment permissions, team roles
/// and display names are refused with 422 rather than ignored.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTeamRequest {
    /// `add` or `remove` (`promote` and `demote` are refused).
    pub member_action: Option<String>,
    /// The member's login.
    pub member: Option<String>,
    pub new_description: Option<String>,
    pub new_display_name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub add_stack_permission: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub edit_stack_permission: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub remove_stack: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub add_environment_permission: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub edit_environment_permission: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub remove_environment: Option<serde_json::Value>,
}

fn unsupported(field: &'static str, what: &str) -> Error {
    Error::Invalid(purser_core::ValueError {
        field,
        message: format!("Purser's teams have no {what}."),
    })
}

/// Changes a team (admins): adds or removes a member, or gives it a new description.
#[utoipa::path(patch, path = "/api/orgs/{org}/teams/{team}", tag = "teams", request_body = UpdateTeamRequest,
    params(("org" = String, Path), ("team" = String, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("token" = [])))]
pub async fn update_team(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, team)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateTeamRequest>,
) -> Result<StatusCode> {
    at.require(purser_core::Action::TeamsManage)?;
    if body.new_display_name.is_some() {
        return Err(unsupported("newDisplayName", "display names"));
    }
    if body.add_stack_permission.is_some()
        || body.edit_stack_permission.is_some()
        || body.remove_stack.is_some()
    {
        return Err(unsupported("addStackPermission", "stack permissions"));
    }
    if body.add_environment_permission.is_some()
        || body.edit_environment_permission.is_some()
        || body.remove_environment.is_some()
    {
        return Err(unsupported("addEnvironmentPermission", "environments"));
    }
    let db = &state.db;
    match (body.member_action.as_deref(), body.member.as_deref()) {
        // Nothing to change: still a 404 for a team that is not there.
        (None, None) if body.new_description.is_none() => {
            teams::ensure_exists(db, &at, &team).await?;
        }
        (None, None) => {}
        (Some(action @ ("add" | "remove")), Some(login)) => {
            let user_id = orgs::member_id_by_login(db, &at, login).await?;
            teams::manage(db, &at, &team, &user_id, action == "add").await?;
        }
        (Some("promote" | "demote"), _) => return Err(unsupported("memberAction", "team roles")),
        (Some(_), Some(_)) => {
            return Err(Error::Invalid(purser_core::ValueError {
                field: "memberAction",
                message: "memberAction is add or remove.".into(),
            }))
        }
        (_, _) => {
            return Err(Error::Invalid(purser_core::ValueError {
                field: "member",
                message: "memberAction and member go together.".into(),
            }))
        }
    }
    if let Some(description) = &body.new_description {
        teams::describe(db, &at, &team, description).await?;
    }
    Ok(StatusCode::NO_CONTENT)
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
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<CreateTeamRequest>,
) -> Result<StatusCode> {
    teams::create(&state.db, &at, &body.name, &body.description).await?;
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
    OrgCtx(at): OrgCtx,
    Path((_org, team)): Path<(String, String)>,
    ApiJson(body): ApiJson<TeamMemberRequest>,
) -> Result<StatusCode> {
    teams::manage(&state.db, &at, &team, &body.user_id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member from a team (admins).
#[utoipa::path(delete, path = "/api/orgs/{org}/teams/{team}/members/{userId}", tag = "teams",
    params(("org" = String, Path), ("team" = String, Path), ("userId" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("token" = [])))]
pub async fn remove_team_member(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, team, user_id)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    teams::manage(&state.db, &at, &team, &user_id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
