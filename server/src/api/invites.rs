//! Invitations, billing managers, the identity provider's directory and the audit log.

use super::{ApiJson, ApiQuery};
use crate::audit;
use crate::caller::{Caller, OrgCtx};
use crate::db::rfc3339;
use crate::directory;
use crate::error::{Error, ErrorBody, Result};
use crate::invitations::{self, Invitation, Locator};
use crate::orgs;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::members::BillingManagerView;
use purser_core::{IdentityProvider, InvitedRole, Role, Surface};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const API: Surface = Surface::Api;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteResponse {
    pub id: String,
    #[schema(value_type = String, example = "billing-manager")]
    pub role: Role,
    /// `email` or `link`.
    pub kind: String,
    /// For email invitations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invited_by: Option<String>,
    pub created: String,
    pub sent: String,
    /// The last failed acceptance, e.g. `billing-manager-limit-reached`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error_at: Option<String>,
}

impl From<Invitation> for InviteResponse {
    fn from(i: Invitation) -> Self {
        InviteResponse {
            id: i.id,
            role: i.role,
            kind: i.kind.as_str().to_owned(),
            email: i.email,
            status: i.status.as_str().to_owned(),
            invited_by: i.invited_by,
            created: rfc3339(i.created_at),
            sent: rfc3339(i.sent_at),
            last_error: i.last_error.map(|e| e.as_str().to_owned()),
            last_error_message: i.last_error.map(|e| e.to_string()),
            last_error_at: i.last_error_at.map(rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvitesResponse {
    pub invites: Vec<InviteResponse>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoleQuery {
    /// `member` or `billing-manager`; all pending invitations without it.
    pub role: Option<String>,
}

/// The role an invitation is for, by `core`'s rule (member or billing manager only).
fn parse_optional_role(role: Option<&str>) -> Result<Option<InvitedRole>> {
    role.map(|r| {
        r.parse::<InvitedRole>().map_err(|e| {
            Error::Invalid(purser_core::ValueError {
                field: "role",
                message: e.to_string(),
            })
        })
    })
    .transpose()
}

/// Pending invitations (admins only).
#[utoipa::path(get, path = "/api/orgs/{org}/invites", tag = "invitations",
    params(("org" = String, Path), RoleQuery),
    responses((status = 200, body = InvitesResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list_invites(
    State(state): State<AppState>,
    OrgCtx { access, .. }: OrgCtx,
    ApiQuery(q): ApiQuery<RoleQuery>,
) -> Result<Json<InvitesResponse>> {
    let role = parse_optional_role(q.role.as_deref())?;
    let list = invitations::pending(&state.db, &access, API, role).await?;
    Ok(Json(InvitesResponse {
        invites: list.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchInviteRequest {
    pub emails: Vec<String>,
    /// `member` (default) or `billing-manager`.
    #[serde(default)]
    pub role: Option<String>,
}

/// Invites addresses by email; each gets a single-use, never-expiring accept link.
#[utoipa::path(post, path = "/api/orgs/{org}/invites/batch", tag = "invitations", request_body = BatchInviteRequest,
    params(("org" = String, Path)),
    responses((status = 201, body = InvitesResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn invite_batch(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    ApiJson(body): ApiJson<BatchInviteRequest>,
) -> Result<(StatusCode, Json<InvitesResponse>)> {
    state
        .throttle
        .check_account(crate::throttle::Kind::Invitation, &user.id)?;
    let role = parse_optional_role(body.role.as_deref())?.unwrap_or(InvitedRole::Member);
    let created = invitations::invite_by_email(
        &state.db,
        &access,
        API,
        &user,
        role,
        &body.emails,
        &state.settings.base_url,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitesResponse {
            invites: created.into_iter().map(Into::into).collect(),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkInviteRequest {
    /// `member` (default) or `billing-manager`.
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkInviteResponse {
    pub invite: InviteResponse,
    /// The accept link: shown only in this response.
    pub url: String,
}

/// Creates a new single-use invite link.
#[utoipa::path(post, path = "/api/orgs/{org}/invites/link", tag = "invitations", request_body = LinkInviteRequest,
    params(("org" = String, Path)),
    responses((status = 201, body = LinkInviteResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn invite_link(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    ApiJson(body): ApiJson<LinkInviteRequest>,
) -> Result<(StatusCode, Json<LinkInviteResponse>)> {
    state
        .throttle
        .check_account(crate::throttle::Kind::Invitation, &user.id)?;
    let role = parse_optional_role(body.role.as_deref())?.unwrap_or(InvitedRole::Member);
    let (invitation, url) = invitations::invite_by_link(
        &state.db,
        &access,
        API,
        &user,
        role,
        &state.settings.base_url,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(LinkInviteResponse {
            invite: invitation.into(),
            url,
        }),
    ))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptResponse {
    pub organization: String,
    #[schema(value_type = String)]
    pub role: Role,
}

/// Accepts an invitation: `{invite}` is the secret from the accept link, or the id of
/// an email invitation addressed to the caller (as `GET /api/user/pending-invites` lists).
#[utoipa::path(patch, path = "/api/orgs/{org}/invites/{id}", tag = "invitations",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = AcceptResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn accept_invite(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path((org, invite)): Path<(String, String)>,
) -> Result<Json<AcceptResponse>> {
    let locator = if uuid::Uuid::parse_str(&invite).is_ok() {
        Locator::Id {
            org: &org,
            id: &invite,
        }
    } else {
        Locator::Secret {
            org: Some(&org),
            secret: &invite,
        }
    };
    let (accepted, role) = invitations::accept(&state.db, &user, locator).await?;
    Ok(Json(AcceptResponse {
        organization: accepted.name,
        role,
    }))
}

/// Sends an email invitation again, with a new link; resets its sent date.
#[utoipa::path(post, path = "/api/orgs/{org}/invites/{id}/resend", tag = "invitations",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = InviteResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn resend_invite(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    Path((_org, id)): Path<(String, String)>,
) -> Result<Json<InviteResponse>> {
    state
        .throttle
        .check_account(crate::throttle::Kind::Invitation, &user.id)?;
    let invitation = invitations::resend(
        &state.db,
        &access,
        API,
        &user,
        &id,
        &state.settings.base_url,
    )
    .await?;
    Ok(Json(invitation.into()))
}

/// Revokes a pending invitation; its link then shows "no longer valid".
#[utoipa::path(delete, path = "/api/orgs/{org}/invites/{id}", tag = "invitations",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    Path((_org, id)): Path<(String, String)>,
) -> Result<StatusCode> {
    invitations::revoke(&state.db, &access, API, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingInvite {
    pub id: String,
    pub organization: String,
    pub organization_display_name: String,
    #[schema(value_type = String)]
    pub role: Role,
    pub sent: String,
}

#[derive(Serialize, ToSchema)]
pub struct PendingInvitesResponse {
    pub invites: Vec<PendingInvite>,
}

/// Email invitations addressed to the caller's verified email.
#[utoipa::path(get, path = "/api/user/pending-invites", tag = "user",
    responses((status = 200, body = PendingInvitesResponse), (status = 401, body = ErrorBody)),
    security(("token" = [])))]
pub async fn pending_invites(
    State(state): State<AppState>,
    Caller(user): Caller,
) -> Result<Json<PendingInvitesResponse>> {
    let list = invitations::pending_for_user(&state.db, &user).await?;
    Ok(Json(PendingInvitesResponse {
        invites: list
            .into_iter()
            .map(|i| PendingInvite {
                id: i.id,
                organization: i.org_name,
                organization_display_name: i.org_display_name,
                role: i.role,
                sent: rfc3339(i.sent_at),
            })
            .collect(),
    }))
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
}

/// The organization's billing managers (admins: details; billing managers: names).
#[utoipa::path(get, path = "/api/orgs/{org}/billing-managers", tag = "billing managers",
    params(("org" = String, Path)),
    responses((status = 200, body = BillingManagersResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list_billing_managers(
    State(state): State<AppState>,
    OrgCtx { access, .. }: OrgCtx,
) -> Result<Json<BillingManagersResponse>> {
    let list = orgs::billing_managers(&state.db, &access, API).await?;
    Ok(Json(BillingManagersResponse {
        billing_managers: list.into_iter().map(Into::into).collect(),
    }))
}

/// Removes a billing manager; their access ends at once.
#[utoipa::path(delete, path = "/api/orgs/{org}/billing-managers/{userId}", tag = "billing managers",
    params(("org" = String, Path), ("userId" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn remove_billing_manager(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    Path((_org, user_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    orgs::remove_billing_manager(&state.db, &access, API, &user, &user_id).await?;
    Ok(StatusCode::NO_CONTENT)
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

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentityProviderBody {
    /// `open` or `directory`.
    pub identity_provider: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryResponse {
    pub identity_provider: String,
    pub emails: Vec<DirectoryEntryResponse>,
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryEntryResponse {
    pub email: String,
    pub added: String,
}

/// The identity provider and its directory (admins).
#[utoipa::path(get, path = "/api/orgs/{org}/identity-provider", tag = "identity provider",
    params(("org" = String, Path)),
    responses((status = 200, body = DirectoryResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn get_identity_provider(
    State(state): State<AppState>,
    OrgCtx { access, .. }: OrgCtx,
) -> Result<Json<DirectoryResponse>> {
    let entries = directory::list(&state.db, &access, API).await?;
    Ok(Json(DirectoryResponse {
        identity_provider: access.org.identity_provider.as_str().to_owned(),
        emails: entries
            .into_iter()
            .map(|e| DirectoryEntryResponse {
                email: e.email,
                added: rfc3339(e.added_at),
            })
            .collect(),
    }))
}

/// Switches the identity provider. Moving to `directory` first lists everyone who holds a role.
#[utoipa::path(put, path = "/api/orgs/{org}/identity-provider", tag = "identity provider", request_body = IdentityProviderBody,
    params(("org" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn set_identity_provider(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    ApiJson(body): ApiJson<IdentityProviderBody>,
) -> Result<StatusCode> {
    let to: IdentityProvider = body.identity_provider.parse().map_err(
        |e: purser_core::identity::UnknownIdentityProvider| {
            Error::Invalid(purser_core::ValueError {
                field: "identityProvider",
                message: e.to_string(),
            })
        },
    )?;
    directory::set_identity_provider(&state.db, &access, API, &user, to).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryEmailBody {
    pub email: String,
}

/// Adds a verified email to the directory.
#[utoipa::path(post, path = "/api/orgs/{org}/identity-provider/emails", tag = "identity provider", request_body = DirectoryEmailBody,
    params(("org" = String, Path)),
    responses((status = 201), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn add_directory_email(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    ApiJson(body): ApiJson<DirectoryEmailBody>,
) -> Result<StatusCode> {
    directory::add(&state.db, &access, API, &user, &body.email).await?;
    Ok(StatusCode::CREATED)
}

/// Removes an email from the directory: that person loses access at once.
#[utoipa::path(delete, path = "/api/orgs/{org}/identity-provider/emails/{email}", tag = "identity provider",
    params(("org" = String, Path), ("email" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn remove_directory_email(
    State(state): State<AppState>,
    OrgCtx { user, access }: OrgCtx,
    Path((_org, email)): Path<(String, String)>,
) -> Result<StatusCode> {
    directory::remove(&state.db, &access, API, &user, &email).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The most audit-log entries one request returns.
pub const MAX_AUDIT_PAGE: i64 = 1000;

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
    pub audit_log_events: Vec<audit::Entry>,
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
        audit_log_events: entries,
    }))
}
