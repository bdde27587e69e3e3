//! The audit log (admins).

use super::wire::{ApiQuery, UserInfo};
use crate::http::org_ctx::OrgCtx;
use axum::extract::State;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::views::AuditEntry;
use purser_services::audit;
use purser_services::error::{Error, Result};
use purser_services::state::AppState;
use purser_services::storage::cursor::PageAsk;
use purser_services::storage::db::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The most audit-log entries one request returns.
pub const MAX_AUDIT_PAGE: i64 = audit::MAX_PAGE as i64;

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_log))
}

/// Pulumi's filters (`startTime`, `endTime`, `eventFilter`, `userFilter`) and Purser's
/// (`event`, `since`, `until`, `limit`); where both name one, Pulumi's wins.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this kind of event, e.g. `invitation.failed`.
    pub event: Option<String>,
    /// As `event`.
    pub event_filter: Option<String>,
    /// Only what the account with this login did.
    pub user_filter: Option<String>,
    /// At most this many entries (1–1000, default 100), newest first.
    pub limit: Option<i64>,
    /// Only entries at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Only entries before this time (RFC 3339).
    pub until: Option<String>,
    /// Only entries at or after this time (Unix seconds).
    pub start_time: Option<i64>,
    /// Only entries before this time (Unix seconds).
    pub end_time: Option<i64>,
    /// From the previous page's response: the next page of the same query.
    pub continuation_token: Option<String>,
    /// Accepted for Pulumi's clients: only `json`.
    pub format: Option<String>,
}

/// Unix seconds as Unix milliseconds, saturating at the ends of time.
fn from_epoch_secs(secs: Option<i64>) -> Option<i64> {
    secs.map(|s| s.saturating_mul(1000))
}

fn parse_time(name: &str, value: Option<&str>) -> Result<Option<i64>> {
    value
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| t.timestamp_millis())
                .map_err(|_| {
                    Error::BadRequest(format!(
                        "{name} must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z."
                    ))
                })
        })
        .transpose()
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditLogResponse {
    pub audit_log_events: Vec<AuditEntryResponse>,
    /// Present when there is another page: pass it back as `continuationToken`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

/// `AuditLogEvent` in Pulumi's shape, with Purser's `id`, `time`, `actor`, `target`
/// and `details`. Purser does not record addresses, so `sourceIP` is empty.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryResponse {
    /// Unix seconds.
    pub timestamp: i64,
    pub event: String,
    pub description: String,
    #[serde(rename = "sourceIP")]
    pub source_ip: String,
    pub user: UserInfo,
    pub actor_name: String,
    pub id: String,
    /// RFC 3339.
    pub time: String,
    pub actor: String,
    pub target: String,
    pub details: String,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(e: AuditEntry) -> Self {
        let description = match e.details.is_empty() {
            true => format!("{} {}", e.event, e.target),
            false => format!("{} {}: {}", e.event, e.target, e.details),
        };
        AuditEntryResponse {
            timestamp: e.at.div_euclid(1000),
            description,
            source_ip: String::new(),
            actor_name: e.actor_name.clone().unwrap_or_else(|| e.actor.clone()),
            user: UserInfo::new(e.actor_name, e.actor_login, None),
            id: e.id,
            time: rfc3339(e.at),
            actor: e.actor,
            event: e.event,
            target: e.target,
            details: e.details,
        }
    }
}

/// The audit log (admins).
#[utoipa::path(get, path = "/api/orgs/{org}/auditlogs", tag = "audit log",
    params(("org" = String, Path), AuditQuery),
    responses((status = 200, body = AuditLogResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = [])))]
pub async fn audit_log(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditLogResponse>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
        return Err(Error::BadRequest(format!(
            "limit must be between 1 and {MAX_AUDIT_PAGE}."
        )));
    }
    if q.format.as_deref().is_some_and(|f| f != "json") {
        return Err(Error::BadRequest("format must be json.".into()));
    }
    let filter = audit::Filter {
        event: q.event_filter.as_deref().or(q.event.as_deref()),
        user: q.user_filter.as_deref(),
        since: from_epoch_secs(q.start_time).or(parse_time("since", q.since.as_deref())?),
        until: from_epoch_secs(q.end_time).or(parse_time("until", q.until.as_deref())?),
    };
    let page = audit::list(
        &state.db,
        &at,
        filter,
        PageAsk {
            key: &state.cursors,
            after: q.continuation_token.as_deref(),
            limit: u32::try_from(limit).ok(),
        },
    )
    .await?;
    Ok(Json(AuditLogResponse {
        audit_log_events: page.items.into_iter().map(Into::into).collect(),
        continuation_token: page.next,
    }))
}
