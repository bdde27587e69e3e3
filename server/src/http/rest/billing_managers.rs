//! Billing managers: listed and removed by those the matrix allows.

use super::wire::{ApiQuery, ListQuery};
use crate::http::org_ctx::OrgCtx;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::members::BillingManagerView;
use purser_services::error::Result;
use purser_services::orgs;
use purser_services::state::AppState;
use purser_services::storage::db::rfc3339;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_billing_managers))
        .routes(routes!(remove_billing_manager))
}

/// A billing manager as the caller may see them: billing managers see names only.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BillingManagerResponse {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<String>,
}

impl From<BillingManagerView> for BillingManagerResponse {
    fn from(v: BillingManagerView) -> Self {
        BillingManagerResponse {
            name: v.name,
            user_id: v.user_id,
            email: v.email,
            accepted: v.accepted_at.map(rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BillingManagersResponse {
    pub billing_managers: Vec<BillingManagerResponse>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

/// The organization's billing managers (admins: details; billing managers: names),
/// in the order they accepted, a page at a time.
#[utoipa::path(get, path = "/api/orgs/{org}/billing-managers", tag = "billing managers",
    params(("org" = String, Path), ListQuery),
    responses((status = 200, body = BillingManagersResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list_billing_managers(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<BillingManagersResponse>> {
    let page = orgs::billing_managers(&state.db, &at, q.ask(&state.cursors)).await?;
    Ok(Json(BillingManagersResponse {
        billing_managers: page.items.into_iter().map(Into::into).collect(),
        continuation_token: page.next,
    }))
}

/// Removes a billing manager; their access ends at once.
#[utoipa::path(delete, path = "/api/orgs/{org}/billing-managers/{userId}", tag = "billing managers",
    params(("org" = String, Path), ("userId" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn remove_billing_manager(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, user_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    orgs::remove_billing_manager(&state.db, &at, &user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
