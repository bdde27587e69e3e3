//! The audit log (admins).

use super::ApiQuery;
use crate::audit;
use crate::db::rfc3339;
use crate::error::{Error, Result};
use crate::http::answer::ErrorBody;
use crate::http::caller::OrgCtx;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use purser_core::views::AuditEntry;
use purser_core::Surface;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

const API: Surface = Surface::Api;

/// The most audit-log entries one request returns.
pub const MAX_AUDIT_PAGE: i64 = 1000;

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_log))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this kind of event, e.g. `invitation.failed`.
    pub event: Option<String>,
    /// At most this many entries (1–1000, default 100), newest first.
    pub limit: Option<i64>,
    /// Only entries at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Only entries before this time (RFC 3339).
    pub until: Option<String>,
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
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryResponse {
    pub id: String,
    /// RFC 3339.
    pub time: String,
    pub actor: String,
    pub event: String,
    pub target: String,
    pub details: String,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(e: AuditEntry) -> Self {
        AuditEntryResponse {
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
    OrgCtx { access, .. }: OrgCtx,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditLogResponse>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
        return Err(Error::BadRequest(format!(
            "limit must be between 1 and {MAX_AUDIT_PAGE}."
        )));
    }
    let filter = audit::Filter {
        event: q.event.as_deref(),
        since: parse_time("since", q.since.as_deref())?,
        until: parse_time("until", q.until.as_deref())?,
    };
    let entries = audit::list(&state.db, &access, API, filter, limit).await?;
    Ok(Json(AuditLogResponse {
        audit_log_events: entries.into_iter().map(Into::into).collect(),
    }))
}
