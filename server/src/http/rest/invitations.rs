//! Invitations: by email in batches or by link, accepting, resending, revoking, and an account's own pending invitations.

use super::wire::{ApiJson, ApiQuery, UserInfo};
use crate::http::org_ctx::OrgCtx;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::{InvitationStatus, InvitedRole, Role};
use purser_services::caller::Caller;
use purser_services::error::{Error, Result};
use purser_services::invitations;
use purser_services::invitations::{Invitation, Locator};
use purser_services::state::AppState;
use purser_services::storage::db::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pending_invites))
        .routes(routes!(list_invites))
        .routes(routes!(invite_batch))
        .routes(routes!(invite_link))
        .routes(routes!(get_invite, accept_invite, revoke_invite))
        .routes(routes!(resend_invite))
}

/// `PendingOrganizationInvite` in Pulumi's shape, with Purser's additions (`kind`,
/// `invitedBy`, `created`, `sent`, `lastError…`). The accept link is never listed:
/// only its hash is kept, so `acceptInviteUrl` is present and empty.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteResponse {
    pub id: String,
    #[schema(value_type = String, example = "billing-manager")]
    pub role: Role,
    /// The address of an email invitation; empty for a link.
    pub email: String,
    /// `pending`, `accepted` or `revoked`.
    pub status: String,
    pub accept_invite_url: String,
    /// Unix seconds.
    pub sent_at: i64,
    pub sent_by: UserInfo,
    /// Why the last acceptance failed, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_error: Option<String>,
    /// `email` or `link`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invited_by: Option<String>,
    /// RFC 3339.
    pub created: String,
    /// RFC 3339.
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
            email: i.email.unwrap_or_default(),
            status: i.status.as_str().to_owned(),
            accept_invite_url: String::new(),
            sent_at: i.sent_at.div_euclid(1000),
            sent_by: UserInfo::new(i.invited_by.clone(), i.invited_by_login, None),
            accept_error: i.last_error.map(|e| e.to_string()),
            kind: i.kind.as_str().to_owned(),
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
#[serde(rename_all = "camelCase")]
pub struct InvitesResponse {
    pub invites: Vec<InviteResponse>,
    /// Present when there is another page: pass it back as `continuationToken`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RoleQuery {
    /// `member` or `billing-manager`; all pending invitations without it.
    pub role: Option<String>,
    /// From the previous page's response.
    pub continuation_token: Option<String>,
    /// Entries per page, 1–1,000. Without it (and without a token), up to 1,000
    /// invitations in one answer, with a token only if there are more; with a token, 100.
    pub limit: Option<u32>,
}

super::wire::asks_for_a_page!(RoleQuery);

/// The role an invitation is for, by `core`'s rule (member or billing manager only).
fn parse_role(role: &str) -> Result<InvitedRole> {
    role.parse::<InvitedRole>().map_err(|e| {
        Error::Invalid(purser_core::ValueError {
            field: "role",
            message: e.to_string(),
        })
    })
}

/// Pending invitations, newest first, a page at a time (admins only).
#[utoipa::path(get, path = "/api/orgs/{org}/invites", tag = "invitations",
    params(("org" = String, Path), RoleQuery),
    responses((status = 200, body = InvitesResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list_invites(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<RoleQuery>,
) -> Result<Json<InvitesResponse>> {
    let role = q.role.as_deref().map(parse_role).transpose()?;
    let ask = q.ask(&state.cursors).whole_unless_paged();
    let page = invitations::pending(&state.db, &at, role, ask).await?;
    Ok(Json(InvitesResponse {
        invites: page.items.into_iter().map(Into::into).collect(),
        continuation_token: page.next,
    }))
}

/// `CreateOrganizationInviteRequest` in a batch: one invitation by email.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteRequest {
    pub email: String,
    /// `member` or `billing-manager` (Pulumi's `admin` is refused: admins are made
    /// from members).
    pub role: String,
    /// Accepted for Pulumi's clients; Purser has no custom roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
}

/// `CreateOrganizationInviteRequest` for a link: `email` is accepted and unused (a link
/// is for whoever opens it).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkInviteRequest {
    /// `member` or `billing-manager`.
    pub role: String,
    #[allow(dead_code)] // read for the document: Pulumi's clients send it
    pub email: Option<String>,
    #[allow(dead_code)] // Pulumi's custom role: read, not used
    pub role_id: Option<String>,
}

/// `BatchCreateOrganizationInviteRequest`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchInviteRequest {
    pub invites: Vec<InviteRequest>,
    /// Pulumi's Turnstile token; not used.
    #[allow(dead_code)] // Pulumi's Turnstile token: read, not used
    pub token: Option<String>,
}

/// `CreateOrganizationInviteResponse`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedInvite {
    pub id: String,
    /// Shown only in this answer: only a hash of its secret is kept.
    pub accept_invite_url: String,
}

/// An invitation of a batch that was not sent: the request's `email` and `role` (as
/// Pulumi's `failedInvites`), and Purser's additions saying why.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailedInvite {
    pub email: String,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
    /// Why it was not sent: `billing-manager-limit-reached` (the edition's allowance is
    /// used up), `already-in-organization` (the address belongs to someone with a
    /// role) or `already-invited` (it has a pending invitation: resend that one).
    #[schema(example = "billing-manager-limit-reached")]
    pub code: String,
    /// The same, in words for a person.
    pub message: String,
}

/// `BatchCreateOrganizationInviteResponse`: who was invited, and who could not be, with
/// the reason for each.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchInviteResponse {
    pub sent_invites: Vec<CreatedInvite>,
    pub failed_invites: Vec<FailedInvite>,
}

/// Invites addresses by email; each gets a single-use, never-expiring accept link. A
/// malformed address or a role the caller may not invite refuses the whole batch; an
/// address that cannot be invited now (see `FailedInvite.code`) is listed as failed and
/// the others are sent.
#[utoipa::path(post, path = "/api/orgs/{org}/invites/batch", tag = "invitations", request_body = BatchInviteRequest,
    params(("org" = String, Path)),
    responses((status = 200, body = BatchInviteResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn invite_batch(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<BatchInviteRequest>,
) -> Result<Json<BatchInviteResponse>> {
    let invites = body
        .invites
        .iter()
        .map(|i| Ok((i.email.clone(), parse_role(&i.role)?)))
        .collect::<Result<Vec<_>>>()?;
    let outcomes = invitations::invite_each_by_email(&state, &at, &invites).await?;
    let mut answer = BatchInviteResponse {
        sent_invites: Vec::new(),
        failed_invites: Vec::new(),
    };
    for (request, outcome) in body.invites.into_iter().zip(outcomes) {
        match outcome {
            Ok((invitation, url)) => answer.sent_invites.push(CreatedInvite {
                id: invitation.id,
                accept_invite_url: url,
            }),
            Err(refused) => answer.failed_invites.push(FailedInvite {
                // As it was invited: trimmed and lower-cased (it parsed above).
                email: purser_core::Email::parse(&request.email)
                    .map_or(request.email, |e| e.as_str().to_owned()),
                role: request.role,
                role_id: request.role_id,
                code: refused.reason.as_str().to_owned(),
                message: refused.message,
            }),
        }
    }
    Ok(Json(answer))
}

/// Creates a new single-use invite link.
#[utoipa::path(post, path = "/api/orgs/{org}/invites/link", tag = "invitations", request_body = LinkInviteRequest,
    params(("org" = String, Path)),
    responses((status = 200, body = CreatedInvite), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn invite_link(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<LinkInviteRequest>,
) -> Result<Json<CreatedInvite>> {
    let role = parse_role(&body.role)?;
    let (invitation, url) = invitations::invite_by_link(&state, &at, role).await?;
    Ok(Json(CreatedInvite {
        id: invitation.id,
        accept_invite_url: url,
    }))
}

/// Which invitation a path's `{id}` names: an id (a UUID), or the secret at the end of
/// an accept link.
fn locate<'a>(org: &'a str, invite: &'a str) -> Locator<'a> {
    if uuid::Uuid::parse_str(invite).is_ok() {
        Locator::Id { org, id: invite }
    } else {
        Locator::Secret {
            org: Some(org),
            secret: invite,
        }
    }
}

/// `OrganizationSummaryWithRole`: the organization an invitation is to, and its role.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitedTo {
    /// The organization's URL name.
    pub github_login: String,
    pub name: String,
    pub avatar_url: String,
    #[schema(value_type = String, example = "billing-manager")]
    pub role: Role,
}

/// What an invitation is to, for the person it is for: `{id}` is the secret from the
/// accept link, or the id of an email invitation addressed to the caller.
#[utoipa::path(get, path = "/api/orgs/{org}/invites/{id}", tag = "invitations",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = InvitedTo), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn get_invite(
    State(state): State<AppState>,
    Caller { user, .. }: Caller,
    Path((org, invite)): Path<(String, String)>,
) -> Result<Json<InvitedTo>> {
    let preview = invitations::preview_for(&state.db, &user, locate(&org, &invite)).await?;
    Ok(Json(InvitedTo {
        github_login: preview.org_name,
        name: preview.org_display_name,
        avatar_url: String::new(),
        role: preview.role,
    }))
}

/// Accepts an invitation: `{id}` is the secret from the accept link, or the id of
/// an email invitation addressed to the caller (as `GET /api/user/pending-invites` lists).
#[utoipa::path(patch, path = "/api/orgs/{org}/invites/{id}", tag = "invitations",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn accept_invite(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, invite)): Path<(String, String)>,
) -> Result<StatusCode> {
    invitations::accept(&state, &caller, locate(&org, &invite)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends an email invitation again, with a new link; resets its sent date.
#[utoipa::path(post, path = "/api/orgs/{org}/invites/{id}/resend", tag = "invitations",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn resend_invite(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, id)): Path<(String, String)>,
) -> Result<StatusCode> {
    invitations::resend(&state, &at, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes a pending invitation; its link then shows "no longer valid".
#[utoipa::path(delete, path = "/api/orgs/{org}/invites/{id}", tag = "invitations",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, id)): Path<(String, String)>,
) -> Result<StatusCode> {
    invitations::revoke(&state.db, &at, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An email invitation addressed to the caller, as `PendingOrganizationInvite`, with
/// the organization it is to (`organization`, `organizationDisplayName`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingInvite {
    pub id: String,
    #[schema(value_type = String)]
    pub role: Role,
    pub email: String,
    pub status: String,
    /// Empty: the link is in the invitation email (only its hash is kept).
    pub accept_invite_url: String,
    /// Unix seconds.
    pub sent_at: i64,
    pub sent_by: UserInfo,
    pub organization: String,
    pub organization_display_name: String,
    /// RFC 3339.
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
    Caller { user, .. }: Caller,
) -> Result<Json<PendingInvitesResponse>> {
    let list = invitations::pending_for_user(&state.db, &user).await?;
    Ok(Json(PendingInvitesResponse {
        invites: list
            .into_iter()
            .map(|i| PendingInvite {
                id: i.id,
                role: i.role,
                email: user.email.clone(),
                status: InvitationStatus::Pending.as_str().to_owned(),
                accept_invite_url: String::new(),
                sent_at: i.sent_at.div_euclid(1000),
                sent_by: UserInfo::new(i.sent_by_name, i.sent_by_login, None),
                organization: i.org_name,
                organization_display_name: i.org_display_name,
                sent: rfc3339(i.sent_at),
            })
            .collect(),
    }))
}
