//! An organization's counts and members, and changing or ending a member's role.

use super::{ApiJson, ApiQuery, PageQuery};
use crate::db::rfc3339;
use crate::error::{Error, Result};
use crate::http::answer::ErrorBody;
use crate::http::caller::OrgCtx;
use crate::orgs;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::{Action, Edition, IdentityProvider, MemberView, Role, Surface};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

const API: Surface = Surface::Api;

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(org_metadata))
        .routes(routes!(list_members))
        .routes(routes!(remove_member, change_member_role))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgMetadata {
    pub name: String,
    pub display_name: String,
    #[schema(value_type = String, example = "team")]
    pub edition: Edition,
    #[schema(value_type = String, example = "open")]
    pub identity_provider: IdentityProvider,
    /// Admins and members; billing managers are never counted.
    pub member_count: u64,
    pub billing_manager_count: u64,
    /// The caller's role.
    #[schema(value_type = String, example = "member")]
    pub role: Role,
}

/// Counts and edition of an organization, for anyone with a role in it.
#[utoipa::path(get, path = "/api/orgs/{org}/metadata", tag = "organizations",
    params(("org" = String, Path, description = "The organization's URL name")),
    responses((status = 200, body = OrgMetadata), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
async fn org_metadata(
    State(state): State<AppState>,
    OrgCtx { access, .. }: OrgCtx,
) -> Result<Json<OrgMetadata>> {
    access.require(Action::MembersViewCount, Surface::Api)?;
    let count = orgs::member_count(&state.db, &access.org.id).await?;
    Ok(Json(OrgMetadata {
        name: access.org.name,
        display_name: access.org.display_name,
        edition: access.org.edition,
        identity_provider: access.org.identity_provider,
        member_count: count.members,
        billing_manager_count: count.billing_managers,
        role: access.role,
    }))
}

/// A member as the caller may see them: fields the caller's role may not see are absent.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberResponse {
    #[schema(value_type = String, example = "member")]
    pub role: Role,
    /// RFC 3339.
    pub joined_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl From<MemberView> for MemberResponse {
    fn from(v: MemberView) -> Self {
        MemberResponse {
            role: v.role,
            joined_at: rfc3339(v.joined_at),
            user_id: v.user_id,
            name: v.name,
            email: v.email,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembersResponse {
    pub members: Vec<MemberResponse>,
    /// Present when there is another page: pass it back as `continuationToken`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

/// The organization's members (admins and members), redacted for the caller's role:
/// admins see names and emails, members names, billing managers role and join date only.
#[utoipa::path(get, path = "/api/orgs/{org}/members", tag = "organizations",
    params(("org" = String, Path, description = "The organization's URL name"), PageQuery),
    responses((status = 200, body = MembersResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
async fn list_members(
    State(state): State<AppState>,
    OrgCtx { access, .. }: OrgCtx,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<MembersResponse>> {
    let page = orgs::members(
        &state.db,
        &access,
        Surface::Api,
        &state.cursors,
        q.continuation_token.as_deref(),
        q.limit,
    )
    .await?;
    Ok(Json(MembersResponse {
        members: page.items.into_iter().map(MemberResponse::from).collect(),
        continuation_token: page.continuation_token,
    }))
}

/// Removes a member or an admin (never the last admin).
#[utoipa::path(delete, path = "/api/orgs/{org}/members/{userId}", tag = "organizations",
    params(("org" = String, Path), ("userId" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn remove_member(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    Path((_org, user_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    orgs::remove_member(&state.db, &access, API, &user, &user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeRoleRequest {
    /// `admin` or `member`.
    #[schema(example = "admin")]
    pub role: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRoleResponse {
    pub user_id: String,
    #[schema(value_type = String, example = "admin")]
    pub role: Role,
}

/// Changes a member's role, admin ⇄ member (never the last admin).
#[utoipa::path(patch, path = "/api/orgs/{org}/members/{userId}", tag = "organizations", request_body = ChangeRoleRequest,
    params(("org" = String, Path), ("userId" = String, Path)),
    responses((status = 200, body = ChangeRoleResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn change_member_role(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    Path((_org, user_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ChangeRoleRequest>,
) -> Result<Json<ChangeRoleResponse>> {
    let to = body.role.parse::<Role>().map_err(|e| {
        Error::Invalid(purser_core::ValueError {
            field: "role",
            message: e.to_string(),
        })
    })?;
    let role = orgs::change_role(&state.db, &access, API, &user, &user_id, to).await?;
    Ok(Json(ChangeRoleResponse { user_id, role }))
}
