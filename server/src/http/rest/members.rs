//! An organization's counts and members, and changing or ending a member's role.

use super::wire::UserInfo;
use super::wire::{ApiJson, ApiQuery, PageQuery};
use crate::http::org_ctx::OrgCtx;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::permissions::allows;
use purser_core::{Action, Edition, IdentityProvider, MemberView, Role};
use purser_services::error::{Error, Result};
use purser_services::orgs::{self, Person};
use purser_services::state::AppState;
use purser_services::storage::db::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::wire::API;

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(org_metadata))
        .routes(routes!(list_members))
        .routes(routes!(remove_member, change_member_role))
}

/// `GetOrganizationMetadata` in Pulumi's shape, and Purser's additions (`name`,
/// `displayName`, `edition`, `identityProvider`, `billingManagerCount`, `role`).
/// Pulumi's features Purser does not have are present and off.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgMetadata {
    pub id: String,
    /// `pulumi`: a Purser organization is not backed by a VCS organization.
    pub kind: &'static str,
    /// RFC 3339.
    pub created: String,
    /// Admins and members; billing managers are never counted.
    pub member_count: u64,
    pub stack_count: u64,
    pub account_count: u64,
    pub environment_count: u64,
    /// The caller's role.
    #[schema(value_type = String, example = "member")]
    pub user_role: Role,
    pub audit_logs_enabled: bool,
    pub webhooks_enabled: bool,
    pub members_can_create_stacks: bool,
    pub members_can_create_teams: bool,
    pub members_can_create_accounts: bool,
    pub members_can_delete_stacks: bool,
    pub members_can_transfer_stacks: bool,
    /// `0`, none (Pulumi's `InsightsAccountPermission`).
    pub default_account_permission: i64,
    /// `101`, read (Pulumi's `StackPermission`): members may list the stacks.
    pub default_stack_permission: i64,
    pub default_environment_permission: &'static str,
    #[serde(rename = "preferredVCS")]
    pub preferred_vcs: &'static str,
    pub ai_enablement: &'static str,
    pub insights_trial_using_policy: bool,
    pub natural_language_search_disabled: bool,
    pub neo_agent_disabled: bool,
    pub neo_approval_mode: &'static str,
    #[serde(rename = "neoCLIExplanationsDisabled")]
    pub neo_cli_explanations_disabled: bool,
    pub neo_enabled: bool,
    pub neo_task_sharing_mode: &'static str,
    /// Pulumi's feature flags: those Purser has are on.
    #[schema(value_type = Object)]
    pub features: std::collections::BTreeMap<&'static str, bool>,
    /// The edition as Pulumi names its offers.
    pub product: &'static str,
    pub name: String,
    pub display_name: String,
    #[schema(value_type = String, example = "team")]
    pub edition: Edition,
    /// For admins only (it is a setting); left out for the other roles.
    #[schema(value_type = Option<String>, example = "open")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider: Option<IdentityProvider>,
    pub billing_manager_count: u64,
    /// The caller's role (as `userRole`).
    #[schema(value_type = String, example = "member")]
    pub role: Role,
}

/// Pulumi's required feature flags, and whether Purser has each.
const FEATURES: &[(&str, bool)] = &[
    ("agentIntegrationCatalogEnabled", false),
    ("agentPoolRegistrationEnabled", false),
    ("agentScheduledTasksEnabled", false),
    ("aiAgentsEnabled", false),
    ("aleEnabled", false),
    ("approvalsEnabled", false),
    ("auditLogUIFilteringEnabled", true),
    ("auditLogsEnabled", true),
    ("bitbucketVCSEnabled", false),
    ("bringYourOwnKeyEnabled", false),
    ("cliIntegrationCatalogEnabled", false),
    ("crossGuardEnabled", true),
    ("customRoleCondition", false),
    ("customRolesEnabled", false),
    ("customTemplatesEnabled", false),
    ("customVCSEnabled", false),
    ("dependencyCachingEnabled", false),
    ("deployEnabled", false),
    ("discoveredStacksEnabled", false),
    ("driftDetectionEnabled", false),
    ("environmentRevisionTagsEnabled", false),
    ("environmentSecretRotationEnabled", false),
    ("environmentsEnabled", false),
    ("environmentsRestoreEnabled", false),
    ("escEditorRevampEnabled", false),
    ("escOnboardingAzureOAuthClientEnabled", false),
    ("escOnboardingEnabled", false),
    ("escOnboardingGcpOAuthClientEnabled", false),
    ("escOnboardingV2Enabled", false),
    ("fixDriftWithNeoEnabled", false),
    ("ghAppDetailedDiffEnabled", false),
    ("gitHubEnterpriseIntegrationEnabled", false),
    ("iacCloudImportEnabled", false),
    ("insightsAutoPolicyPacksEnabled", false),
    ("insightsMonetizationEnabled", false),
    ("integrationAssistantEnabled", false),
    ("legacyDeploymentsOrgToken", false),
    ("neoByokEnabled", false),
    ("neoPlanModeEnabled", false),
    ("neoTaskSharingEnabled", false),
    ("nlpSearchEnabled", false),
    ("pangeaAccountsScanPageEnabled", false),
    ("policyIssueManagementEnabled", false),
    ("policyManagementV2Enabled", false),
    ("propertySearchUIEnabled", false),
    ("resourceExportEnabled", false),
    ("resourceSearchEnabled", false),
    ("restoreStacksEnabled", false),
    ("scimEnabled", false),
    ("selfHostedDeploymentsEnabled", false),
    ("selfServeIDPRemoval", false),
    ("serviceBackedConfigEnabled", false),
    ("themingEnabled", false),
    ("webhooksEnabled", false),
    ("teamsEnabled", true),
];

/// Pulumi's name for the offer an edition corresponds to.
fn product(edition: Edition) -> &'static str {
    match edition {
        Edition::Team => "team-pro",
        Edition::Enterprise => "enterprise",
        Edition::BusinessCritical => "business-critical",
    }
}

/// Counts, edition and settings of an organization, for anyone with a role in it.
#[utoipa::path(get, path = "/api/orgs/{org}/metadata", tag = "organizations",
    params(("org" = String, Path, description = "The organization's URL name")),
    responses((status = 200, body = OrgMetadata), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
async fn org_metadata(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
) -> Result<Json<OrgMetadata>> {
    at.require(Action::MembersViewCount)?;
    let count = orgs::member_count(&state.db, &at).await?;
    // What each role sees is filtered by its role: Pulumi's schema requires
    // `stackCount`, so a role that may not list stacks (a billing manager) reads 0.
    let may = |action| at.allows(action);
    let stack_count = match may(Action::StacksList) {
        true => orgs::stack_count(&state.db, &at).await?,
        false => 0,
    };
    let identity_provider = may(Action::SettingsView).then_some(at.access.org.identity_provider);
    let members_may = |action| allows(Role::Member, action, API);
    let org = at.access.org;
    Ok(Json(OrgMetadata {
        id: org.id,
        kind: "pulumi",
        created: rfc3339(org.created_at),
        member_count: count.members,
        stack_count,
        account_count: 0,
        environment_count: 0,
        user_role: at.access.role,
        audit_logs_enabled: true,
        webhooks_enabled: false,
        members_can_create_stacks: members_may(Action::StacksCreate),
        members_can_create_teams: members_may(Action::TeamsCreate),
        members_can_create_accounts: false,
        members_can_delete_stacks: false,
        members_can_transfer_stacks: false,
        default_account_permission: 0,
        default_stack_permission: 101,
        default_environment_permission: "none",
        preferred_vcs: "none",
        ai_enablement: "disabled",
        insights_trial_using_policy: false,
        natural_language_search_disabled: true,
        neo_agent_disabled: true,
        neo_approval_mode: "manual",
        neo_cli_explanations_disabled: true,
        neo_enabled: false,
        neo_task_sharing_mode: "none",
        features: FEATURES.iter().copied().collect(),
        product: product(org.edition),
        name: org.name,
        display_name: org.display_name,
        edition: org.edition,
        identity_provider,
        billing_manager_count: count.billing_managers,
        role: at.access.role,
    }))
}

/// The role as Pulumi's fine-grained role (`fgaRole`): one built-in role per
/// organization role.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FgaRole {
    pub id: String,
    pub name: String,
    /// RFC 3339.
    pub modified_at: String,
}

/// `OrganizationMember` in Pulumi's shape: what the caller may not see of the person
/// (a billing manager sees neither names nor logins) is present and empty.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberResponse {
    #[schema(value_type = String, example = "member")]
    pub role: Role,
    /// When they joined, RFC 3339.
    pub created: String,
    pub fga_role: FgaRole,
    pub known_to_pulumi: bool,
    pub virtual_admin: bool,
    pub user: UserInfo,
    /// Purser's addition: the account's id, for those who may see names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl From<MemberView> for MemberResponse {
    fn from(v: MemberView) -> Self {
        let created = rfc3339(v.joined_at);
        MemberResponse {
            role: v.role,
            fga_role: FgaRole {
                id: v.role.as_str().to_owned(),
                name: v.role.label().to_owned(),
                modified_at: created.clone(),
            },
            created,
            known_to_pulumi: true,
            virtual_admin: false,
            user: UserInfo::new(v.name, v.login, v.email),
            user_id: v.user_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembersResponse {
    pub members: Vec<MemberResponse>,
    /// Present when there is another page: pass it back as `continuationToken`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

/// The organization's members (admins and members), redacted for the caller's role:
/// admins see names, logins and emails, members names and logins, billing managers
/// role and join date only.
#[utoipa::path(get, path = "/api/orgs/{org}/members", tag = "organizations",
    params(("org" = String, Path, description = "The organization's URL name"), PageQuery),
    responses((status = 200, body = MembersResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
async fn list_members(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<MembersResponse>> {
    let page = orgs::members(&state.db, &at, q.ask(&state.cursors)).await?;
    Ok(Json(MembersResponse {
        members: page.items.into_iter().map(MemberResponse::from).collect(),
        continuation_token: page.next,
    }))
}

/// Removes a member or an admin (never the last admin), by login.
#[utoipa::path(delete, path = "/api/orgs/{org}/members/{userLogin}", tag = "organizations",
    params(("org" = String, Path), ("userLogin" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn remove_member(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, login)): Path<(String, String)>,
) -> Result<StatusCode> {
    orgs::remove_member(&state.db, &at, Person::Login(&login)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `UpdateOrganizationMemberRequest`: Pulumi's `fgaRoleId` is accepted and, as there,
/// ignored when it is absent; Purser's roles are its built-in ones, so it must name one.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRoleRequest {
    /// `admin` or `member`.
    #[schema(example = "admin")]
    pub role: Option<String>,
    pub fga_role_id: Option<String>,
}

/// Changes a member's role, admin ⇄ member (never the last admin), by login.
#[utoipa::path(patch, path = "/api/orgs/{org}/members/{userLogin}", tag = "organizations", request_body = ChangeRoleRequest,
    params(("org" = String, Path), ("userLogin" = String, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn change_member_role(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, login)): Path<(String, String)>,
    ApiJson(body): ApiJson<ChangeRoleRequest>,
) -> Result<StatusCode> {
    // Even a request that changes nothing is answered only to those who may change
    // roles, about someone who is there.
    at.require(Action::MembersChangeRole)?;
    let user_id = orgs::member_id_by_login(&state.db, &at, &login).await?;
    // As in Pulumi: `fgaRoleId`, when given, decides (Purser's role ids are the role
    // names); with neither, there is nothing to change.
    let Some(named) = body.fga_role_id.or(body.role) else {
        return Ok(StatusCode::NO_CONTENT);
    };
    let to = named.parse::<Role>().map_err(|e| {
        Error::Invalid(purser_core::ValueError {
            field: "role",
            message: e.to_string(),
        })
    })?;
    orgs::change_role(&state.db, &at, Person::Id(&user_id), to).await?;
    Ok(StatusCode::NO_CONTENT)
}
