//! Stacks: list and create them, and report an update's resource count.

use super::wire::{ApiJson, ApiQuery, ListQuery};
use crate::http::org_ctx::OrgCtx;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::views::StackView;
use purser_services::error::Result;
use purser_services::stacks;
use purser_services::state::AppState;
use purser_services::storage::db::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stacks, create_stack))
        .routes(routes!(report_update))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StackResponse {
    pub project: String,
    pub name: String,
    pub resource_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StacksResponse {
    pub stacks: Vec<StackResponse>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

impl From<StackView> for StackResponse {
    fn from(s: StackView) -> Self {
        StackResponse {
            project: s.project,
            name: s.name,
            resource_count: s.resource_count,
            last_update: s.last_update.map(rfc3339),
        }
    }
}

/// The organization's stacks (admins and members).
#[utoipa::path(get, path = "/api/orgs/{org}/stacks", tag = "stacks",
    params(("org" = String, Path), ListQuery),
    responses((status = 200, body = StacksResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list_stacks(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<StacksResponse>> {
    let page = stacks::list(&state.db, &at, q.ask(&state.cursors)).await?;
    Ok(Json(StacksResponse {
        stacks: page.items.into_iter().map(Into::into).collect(),
        continuation_token: page.next,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStackRequest {
    pub project: String,
    pub name: String,
}

/// Creates a stack (admins and members).
#[utoipa::path(post, path = "/api/orgs/{org}/stacks", tag = "stacks", request_body = CreateStackRequest,
    params(("org" = String, Path)),
    responses((status = 201, body = StackResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn create_stack(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<CreateStackRequest>,
) -> Result<(StatusCode, Json<StackResponse>)> {
    let stack = stacks::create(&state.db, &at, &body.project, &body.name).await?;
    Ok((StatusCode::CREATED, Json(stack.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateReport {
    #[serde(deserialize_with = "super::wire::whole_number")]
    pub resource_count: i64,
}

/// Reports an update's resource count, as a deployment tool does after an update.
#[utoipa::path(post, path = "/api/orgs/{org}/stacks/{project}/{stack}/updates", tag = "stacks", request_body = UpdateReport,
    params(("org" = String, Path), ("project" = String, Path), ("stack" = String, Path)),
    responses((status = 201), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn report_update(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, project, stack)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<UpdateReport>,
) -> Result<StatusCode> {
    stacks::report_update(&state.db, &at, &project, &stack, body.resource_count).await?;
    Ok(StatusCode::CREATED)
}
