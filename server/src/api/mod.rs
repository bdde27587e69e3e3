//! The REST API under `/api`, in Pulumi Cloud's style: JSON in camelCase,
//! `Authorization: token <token>`, errors as `{code, message}`, lists paginated with
//! `continuationToken`.

use crate::caller::Caller;
use crate::db::rfc3339;
use crate::error::{Error, ErrorBody, Result};
use crate::startup::AppState;
use crate::{input, orgs, tokens};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use purser_core::{Action, Edition, IdentityProvider, MemberView, Role, Surface};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub mod billing;
pub mod doc;
use doc::Conventions;
pub mod invites;
pub mod org_resources;
pub mod usage;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/user/pending-invites", get(invites::pending_invites))
        .route("/orgs/{org}/invites", get(invites::list_invites))
        .route("/orgs/{org}/invites/batch", post(invites::invite_batch))
        .route("/orgs/{org}/invites/link", post(invites::invite_link))
        .route(
            "/orgs/{org}/invites/{id}",
            patch(invites::accept_invite).delete(invites::revoke_invite),
        )
        .route(
            "/orgs/{org}/invites/{id}/resend",
            post(invites::resend_invite),
        )
        .route(
            "/orgs/{org}/billing-managers",
            get(invites::list_billing_managers),
        )
        .route(
            "/orgs/{org}/billing-managers/{user_id}",
            delete(invites::remove_billing_manager),
        )
        .route(
            "/orgs/{org}/members/{user_id}",
            delete(invites::remove_member).patch(invites::change_member_role),
        )
        .route(
            "/orgs/{org}/identity-provider",
            get(invites::get_identity_provider).put(invites::set_identity_provider),
        )
        .route(
            "/orgs/{org}/identity-provider/emails",
            post(invites::add_directory_email),
        )
        .route(
            "/orgs/{org}/identity-provider/emails/{email}",
            delete(invites::remove_directory_email),
        )
        .route("/orgs/{org}/auditlogs", get(invites::audit_log))
        .route(
            "/orgs/{org}/billing/payment-method",
            get(billing::get_payment_method).put(billing::put_payment_method),
        )
        .route(
            "/orgs/{org}/billing/subscription",
            get(billing::get_subscription).patch(billing::patch_subscription),
        )
        .route("/orgs/{org}/billing/payments", get(billing::list_payments))
        .route(
            "/orgs/{org}/stacks",
            get(usage::list_stacks).post(usage::create_stack),
        )
        .route(
            "/orgs/{org}/stacks/{project}/{stack}/updates",
            post(usage::report_update),
        )
        .route(
            "/orgs/{org}/resources/summary",
            get(usage::resources_summary),
        )
        .route(
            "/orgs/{org}/teams",
            get(org_resources::list_teams).post(org_resources::create_team),
        )
        .route(
            "/orgs/{org}/teams/{team}/members",
            post(org_resources::add_team_member),
        )
        .route(
            "/orgs/{org}/teams/{team}/members/{user_id}",
            delete(org_resources::remove_team_member),
        )
        .route(
            "/orgs/{org}/tokens",
            get(org_resources::list_org_tokens).post(org_resources::create_org_token),
        )
        .route(
            "/orgs/{org}/tokens/{id}",
            delete(org_resources::revoke_org_token),
        )
        .route(
            "/orgs/{org}/policygroups",
            get(org_resources::list_policy_groups).post(org_resources::create_policy_group),
        )
        .route(
            "/orgs/{org}/policypacks",
            get(org_resources::list_policy_packs).post(org_resources::create_policy_pack),
        )
        .route("/user", get(get_user))
        .route("/user/tokens", get(list_tokens).post(create_token))
        .route("/user/tokens/{id}", delete(revoke_token))
        .route("/orgs/{org}/metadata", get(org_metadata))
        .route("/orgs/{org}/members", get(list_members))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { Error::NotFound("There is no such API endpoint.".into()) })
        .layer(axum::middleware::from_fn(input::json_errors))
}

/// A JSON body whose rejection is an API error (`{code, message}`) that names where the
/// problem is and what was expected, never the value sent.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| Error::BadRequest("The request body could not be read.".into()))?;
        input::parse_json(&headers, &bytes).map(ApiJson)
    }
}

/// Query parameters whose rejection is an API error, naming the parameter, not its value.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        input::parse_query(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub organizations: Vec<OrganizationSummary>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationSummary {
    pub name: String,
    pub display_name: String,
    #[schema(value_type = String, example = "admin")]
    pub role: Role,
    #[schema(value_type = String, example = "team")]
    pub edition: Edition,
}

/// The signed-in account and its organizations.
#[utoipa::path(get, path = "/api/user", tag = "user",
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody)),
    security(("token" = [])))]
async fn get_user(
    State(state): State<AppState>,
    Caller(user): Caller,
) -> Result<Json<UserResponse>> {
    let orgs = orgs::list_for_user(&state.db, &user).await?;
    Ok(Json(UserResponse {
        name: user.name,
        email: user.email,
        email_verified: user.email_verified,
        organizations: orgs
            .into_iter()
            .map(|a| OrganizationSummary {
                name: a.org.name,
                display_name: a.org.display_name,
                role: a.role,
                edition: a.org.edition,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub id: String,
    pub description: String,
    /// RFC 3339.
    pub created: String,
    pub last_used: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokensResponse {
    pub tokens: Vec<TokenResponse>,
}

/// The caller's personal access tokens (never their values).
#[utoipa::path(get, path = "/api/user/tokens", tag = "user",
    responses((status = 200, body = TokensResponse), (status = 401, body = ErrorBody)),
    security(("token" = [])))]
async fn list_tokens(
    State(state): State<AppState>,
    Caller(user): Caller,
) -> Result<Json<TokensResponse>> {
    let list = tokens::list(&state.db, &user).await?;
    Ok(Json(TokensResponse {
        tokens: list
            .into_iter()
            .map(|t| TokenResponse {
                id: t.id,
                description: t.description,
                created: rfc3339(t.created_at),
                last_used: t.last_used_at.map(rfc3339),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTokenRequest {
    #[serde(default)]
    pub description: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenResponse {
    pub id: String,
    /// Shown once: only its hash is stored.
    pub token_value: String,
}

/// Creates a personal access token; its value is in this response only.
#[utoipa::path(post, path = "/api/user/tokens", tag = "user", request_body = CreateTokenRequest,
    responses((status = 201, body = CreateTokenResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
async fn create_token(
    State(state): State<AppState>,
    Caller(user): Caller,
    ApiJson(body): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<CreateTokenResponse>)> {
    let token = tokens::create(&state.db, &user, &body.description).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreateTokenResponse {
            id: token.id,
            token_value: token.value,
        }),
    ))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/user/tokens/{id}", tag = "user",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
async fn revoke_token(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    tokens::revoke(&state.db, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgMetadata {
    pub name: String,
    pub display_name: String,
    #[schema(value_type = String, example = "team")]
    pub edition: Edition,
    #[schema(value_type = String, example = "open")]
    pub identity_provider: IdentityProvider,
    /// Admins and members; billing managers are never counted.
    pub member_count: u64,
    pub billing_manager_count: u64,
    /// The caller's role.
    #[schema(value_type = String, example = "member")]
    pub role: Role,
}

/// Counts and edition of an organization, for anyone with a role in it.
#[utoipa::path(get, path = "/api/orgs/{org}/metadata", tag = "organizations",
    params(("org" = String, Path, description = "The organization's URL name")),
    responses((status = 200, body = OrgMetadata), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
async fn org_metadata(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(org): Path<String>,
) -> Result<Json<OrgMetadata>> {
    let access = orgs::access(&state.db, &user, &org).await?;
    access.require(Action::MembersViewCount, Surface::Api)?;
    let count = orgs::member_count(&state.db, &access.org.id).await?;
    Ok(Json(OrgMetadata {
        name: access.org.name,
        display_name: access.org.display_name,
        edition: access.org.edition,
        identity_provider: access.org.identity_provider,
        member_count: count.members,
        billing_manager_count: count.billing_managers,
        role: access.role,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From the previous page's response.
    pub continuation_token: Option<String>,
    /// Entries per page, 1–500 (default 100).
    pub limit: Option<u32>,
}

/// A member as the caller may see them: fields the caller's role may not see are absent.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberResponse {
    #[schema(value_type = String, example = "member")]
    pub role: Role,
    /// RFC 3339.
    pub joined_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl From<MemberView> for MemberResponse {
    fn from(v: MemberView) -> Self {
        MemberResponse {
            role: v.role,
            joined_at: rfc3339(v.joined_at),
            user_id: v.user_id,
            name: v.name,
            email: v.email,
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
/// admins see names and emails, members names, billing managers role and join date only.
#[utoipa::path(get, path = "/api/orgs/{org}/members", tag = "organizations",
    params(("org" = String, Path, description = "The organization's URL name"), PageQuery),
    responses((status = 200, body = MembersResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
async fn list_members(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<MembersResponse>> {
    let access = orgs::access(&state.db, &user, &org).await?;
    let page = orgs::members(
        &state.db,
        &access,
        Surface::Api,
        &state.cursors,
        q.continuation_token.as_deref(),
        q.limit,
    )
    .await?;
    Ok(Json(MembersResponse {
        members: page.items.into_iter().map(MemberResponse::from).collect(),
        continuation_token: page.continuation_token,
    }))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Purser API", description = "Organizations, members and billing managers. Authenticate with `Authorization: token <token>`."),
    paths(
        get_user, list_tokens, create_token, revoke_token, org_metadata, list_members,
        invites::pending_invites, invites::list_invites, invites::invite_batch, invites::invite_link,
        invites::accept_invite, invites::resend_invite, invites::revoke_invite,
        invites::list_billing_managers, invites::remove_billing_manager, invites::remove_member, invites::change_member_role,
        invites::get_identity_provider, invites::set_identity_provider,
        invites::add_directory_email, invites::remove_directory_email, invites::audit_log,
        billing::get_payment_method, billing::put_payment_method, billing::get_subscription,
        billing::patch_subscription, billing::list_payments,
        usage::list_stacks, usage::create_stack, usage::report_update, usage::resources_summary,
        org_resources::list_teams, org_resources::create_team, org_resources::add_team_member,
        org_resources::remove_team_member, org_resources::list_org_tokens, org_resources::create_org_token,
        org_resources::revoke_org_token, org_resources::list_policy_groups, org_resources::create_policy_group,
        org_resources::list_policy_packs, org_resources::create_policy_pack,
    ),
    components(schemas(ErrorBody)),
    modifiers(&TokenAuth, &Conventions)
)]
pub struct ApiDoc;

struct TokenAuth;

impl utoipa::Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`token <personal access token>`",
            ))),
        );
    }
}

/// The OpenAPI document of this API.
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
