//! Policy groups and policy packs.

use super::wire::{ApiJson, ApiQuery, WholeListQuery};
use crate::http::org_ctx::OrgCtx;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_services::error::{Error, Result};
use purser_services::policies::{self, PolicyKind, PolicyList};
use purser_services::state::AppState;
use purser_services::storage::db::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_policy_groups, create_policy_group))
        .routes(routes!(list_policy_packs, create_policy_pack))
}

/// `AppPolicyGroupSummary`: Purser's policy groups apply to stacks, audit, and hold no
/// packs or stacks yet.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyGroupSummary {
    pub name: String,
    pub entity_type: &'static str,
    pub is_org_default: bool,
    pub mode: &'static str,
    pub num_enabled_policy_packs: i64,
    pub num_stacks: i64,
    /// RFC 3339.
    pub created: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyGroupsResponse {
    pub policy_groups: Vec<PolicyGroupSummary>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

/// Policy groups by name, a page at a time (admins, members).
#[utoipa::path(get, path = "/api/orgs/{org}/policygroups", tag = "policies", params(("org" = String, Path), WholeListQuery),
    responses((status = 200, body = PolicyGroupsResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)), security(("token" = [])))]
pub async fn list_policy_groups(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<WholeListQuery>,
) -> Result<Json<PolicyGroupsResponse>> {
    let ask = q.ask(&state.cursors).whole_unless_paged();
    let list = policies::list(&state.db, &at, PolicyList::Groups, ask).await?;
    Ok(Json(PolicyGroupsResponse {
        continuation_token: list.next,
        policy_groups: list
            .items
            .into_iter()
            .map(|g| PolicyGroupSummary {
                name: g.name,
                entity_type: "stacks",
                is_org_default: false,
                mode: "audit",
                num_enabled_policy_packs: 0,
                num_stacks: 0,
                created: rfc3339(g.created_at),
            })
            .collect(),
    }))
}

/// `NewPolicyGroupRequest`: groups of stacks (`entityType` `stacks`), in `audit` mode.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewPolicyGroupRequest {
    pub name: String,
    /// `stacks` (Purser has no accounts).
    pub entity_type: String,
    /// `audit` (the default).
    pub mode: Option<String>,
    #[allow(dead_code)] // Pulumi's agent pools: read, not used
    pub agent_pool_id: Option<String>,
}

/// Creates a policy group (admins).
#[utoipa::path(post, path = "/api/orgs/{org}/policygroups", tag = "policies", request_body = NewPolicyGroupRequest, params(("org" = String, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("token" = [])))]
pub async fn create_policy_group(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<NewPolicyGroupRequest>,
) -> Result<StatusCode> {
    let refuse = |field, message: &str| {
        Error::Invalid(purser_core::ValueError {
            field,
            message: message.to_owned(),
        })
    };
    if body.entity_type != "stacks" {
        return Err(refuse("entityType", "entityType must be stacks."));
    }
    if body.mode.as_deref().is_some_and(|m| m != "audit") {
        return Err(refuse(
            "mode",
            "Purser's policy groups audit: mode must be audit.",
        ));
    }
    let db = &state.db;
    policies::create(db, &at, PolicyKind::Groups, &body.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `AppPolicyPackWithVersions`: a pack and its published versions, oldest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyPackVersions {
    pub name: String,
    pub display_name: String,
    pub versions: Vec<i64>,
    pub version_tags: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyPacksResponse {
    pub policy_packs: Vec<PolicyPackVersions>,
    /// Where the next page of versions starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PolicyPackQuery {
    /// Only the pack of this name.
    pub policypack: Option<String>,
    /// From the previous page's response.
    pub continuation_token: Option<String>,
    /// Versions per page, 1–1,000. Without it (and without a token), up to 1,000
    /// versions in one answer, with a token only if there are more; with a token, 100.
    pub limit: Option<u32>,
}

super::wire::asks_for_a_page!(PolicyPackQuery);

/// Policy packs with their versions, a page of versions at a time by pack name and
/// version: a pack whose versions span two pages is in both, with the versions of
/// each (admins, members).
#[utoipa::path(get, path = "/api/orgs/{org}/policypacks", tag = "policies", params(("org" = String, Path), PolicyPackQuery),
    responses((status = 200, body = PolicyPacksResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)), security(("token" = [])))]
pub async fn list_policy_packs(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<PolicyPackQuery>,
) -> Result<Json<PolicyPacksResponse>> {
    let which = q
        .policypack
        .as_deref()
        .map_or(PolicyList::Packs, PolicyList::Pack);
    let ask = q.ask(&state.cursors).whole_unless_paged();
    let list = policies::list(&state.db, &at, which, ask).await?;
    // The page is ordered by name, then version: one entry per name.
    let mut packs: Vec<PolicyPackVersions> = Vec::new();
    for version in list.items {
        let number = version.version.unwrap_or(1);
        match packs.last_mut() {
            Some(pack) if pack.name == version.name => pack.versions.push(number),
            _ => packs.push(PolicyPackVersions {
                display_name: version.name.clone(),
                name: version.name,
                versions: vec![number],
                version_tags: Vec::new(),
            }),
        }
    }
    Ok(Json(PolicyPacksResponse {
        policy_packs: packs,
        continuation_token: list.next,
    }))
}

/// `AppCreatePolicyPackRequest`: Purser keeps a pack's name and versions; the other
/// fields are accepted, and a pack must have at least one policy.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatePolicyPackRequest {
    pub name: String,
    /// Required, as in Pulumi's schema; a Purser pack shows its name.
    #[allow(dead_code)]
    pub display_name: String,
    #[schema(value_type = Vec<Object>)]
    pub policies: Vec<serde_json::Value>,
}

/// `AppCreatePolicyPackResponse`. Purser keeps no pack archives, so there is nothing to
/// upload: `uploadURI` is empty.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatePolicyPackResponse {
    pub version: i64,
    #[serde(rename = "uploadURI")]
    pub upload_uri: String,
    /// RFC 3339.
    pub created: String,
}

/// Publishes the next version of a policy pack (admins).
#[utoipa::path(post, path = "/api/orgs/{org}/policypacks", tag = "policies", request_body = CreatePolicyPackRequest, params(("org" = String, Path)),
    responses((status = 201, body = CreatePolicyPackResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("token" = [])))]
pub async fn create_policy_pack(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<CreatePolicyPackRequest>,
) -> Result<(StatusCode, Json<CreatePolicyPackResponse>)> {
    if body.policies.is_empty() {
        return Err(Error::BadRequest(
            "A policy pack must have at least one policy.".into(),
        ));
    }
    if body.policies.len() > purser_core::values::MAX_POLICIES_PER_PACK {
        return Err(Error::BadRequest(format!(
            "A policy pack has at most {} policies.",
            purser_core::values::MAX_POLICIES_PER_PACK
        )));
    }
    let db = &state.db;
    let pack = policies::create(db, &at, PolicyKind::Packs, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatePolicyPackResponse {
            version: pack.version.unwrap_or(1),
            upload_uri: String::new(),
            created: rfc3339(pack.created_at),
        }),
    ))
}
