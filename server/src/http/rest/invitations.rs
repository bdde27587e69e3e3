//! Invitations: by email in batches or by link, accepting, resending, revoking, and an account's own pending invitations.

use super::{ApiJson, ApiQuery};
use crate::db::rfc3339;
use crate::error::{Error, Result};
use crate::http::answer::ErrorBody;
use crate::http::caller::{Caller, OrgCtx};
use crate::invitations;
use crate::invitations::{Invitation, Locator};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::{InvitedRole, Role, Surface};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

const API: Surface = Surface::Api;

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pending_invites))
        .routes(routes!(list_invites))
        .routes(routes!(invite_batch))
        .routes(routes!(invite_link))
        .routes(routes!(accept_invite, revoke_invite))
        .routes(routes!(resend_invite))
}

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
