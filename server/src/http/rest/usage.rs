//! Resources under management: the usage summary over time.

use super::wire::ApiQuery;
use crate::http::org_ctx::OrgCtx;
use axum::extract::State;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::usage::Granularity;
use purser_services::error::{Error, Result};
use purser_services::stacks;
use purser_services::state::AppState;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(resources_summary))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// `daily` (or `day`, the default) or `monthly` (or `month`).
    pub granularity: Option<String>,
    /// How many days back, 1–731 (default 30).
    pub lookback_days: Option<i64>,
    /// Instead of `lookbackDays`: from this time (Unix seconds) to now.
    pub lookback_start: Option<i64>,
}

impl SummaryQuery {
    /// The lookback in days, from `lookbackDays` or `lookbackStart` (one of them).
    fn lookback_days(&self) -> Result<i64> {
        match (self.lookback_days, self.lookback_start) {
            (Some(_), Some(_)) => Err(Error::BadRequest(
                "Give lookbackDays or lookbackStart, not both.".into(),
            )),
            (Some(days), None) => Ok(days),
            (None, None) => Ok(30),
            (None, Some(start)) => {
                let now = purser_services::storage::db::now_ms().div_euclid(1000);
                // Whole days from the start's day through today.
                Ok(now
                    .saturating_sub(start)
                    .div_euclid(86_400)
                    .saturating_add(1))
            }
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SummaryEntry {
    pub year: i32,
    pub month: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<u32>,
    /// Average resources under management over the period.
    pub resources: i64,
    pub resource_hours: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SummaryResponse {
    pub summary: Vec<SummaryEntry>,
    /// Resources under management now.
    pub current_resource_count: i64,
}

/// Resources under management over time, in Pulumi's shape: aggregates only, never stack names.
#[utoipa::path(get, path = "/api/orgs/{org}/resources/summary", tag = "resources under management",
    params(("org" = String, Path), SummaryQuery),
    responses((status = 200, body = SummaryResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = [])))]
pub async fn resources_summary(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Json<SummaryResponse>> {
    let granularity: Granularity = q
        .granularity
        .as_deref()
        .unwrap_or("day")
        .parse()
        .map_err(Error::BadRequest)?;
    let summary = stacks::summary(&state.db, &at, granularity, q.lookback_days()?).await?;
    Ok(Json(SummaryResponse {
        current_resource_count: summary.current_resources,
        summary: summary
            .buckets
            .into_iter()
            .map(|b| SummaryEntry {
                year: b.year,
                month: b.month,
                day: b.day,
                resources: b.resources,
                resource_hours: b.resource_hours,
            })
            .collect(),
    }))
}
