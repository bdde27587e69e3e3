//! Policy groups and policy packs.

use super::ApiJson;
use crate::db::rfc3339;
use crate::error::Result;
use crate::http::answer::ErrorBody;
use crate::http::caller::OrgCtx;
use crate::org_resources::{self as res, PolicyKind};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use purser_core::views::PolicyView;
use purser_core::Surface;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

const API: Surface = Surface::Api;

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_policy_groups, create_policy_group))
        .routes(routes!(list_policy_packs, create_policy_pack))
}

#[derive(Serialize, ToSchema)]
pub struct PolicyResponse {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    pub created: String,
}

impl From<PolicyView> for PolicyResponse {
    fn from(p: PolicyView) -> Self {
        PolicyResponse {
            name: p.name,
            version: p.version,
            created: rfc3339(p.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PoliciesResponse {
    pub policies: Vec<PolicyResponse>,
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
        policies: list.into_iter().map(Into::into).collect(),
    }))
}

async fn create(
    state: AppState,
    ctx: OrgCtx,
    kind: PolicyKind,
    name: String,
) -> Result<(StatusCode, Json<PolicyResponse>)> {
    let p = res::create_policy(&state.db, &ctx.access, API, &ctx.user, kind, &name).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
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
    responses((status = 201, body = PolicyResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("token" = [])))]
pub async fn create_policy_group(
    State(state): State<AppState>,
    ctx: OrgCtx,
    ApiJson(body): ApiJson<CreatePolicyRequest>,
) -> Result<(StatusCode, Json<PolicyResponse>)> {
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
    responses((status = 201, body = PolicyResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("token" = [])))]
pub async fn create_policy_pack(
    State(state): State<AppState>,
    ctx: OrgCtx,
    ApiJson(body): ApiJson<CreatePolicyRequest>,
) -> Result<(StatusCode, Json<PolicyResponse>)> {
    create(state, ctx, PolicyKind::Packs, body.name).await
}
