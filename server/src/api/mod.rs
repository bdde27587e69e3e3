//! The REST API under `/api`, in Pulumi Cloud's style: JSON in camelCase,
//! `Authorization: token <token>`, errors as `{code, message}`, lists paginated with
//! `continuationToken`.

use crate::caller::{Caller, OrgCtx};
use crate::db::rfc3339;
use crate::error::{Error, ErrorBody, Result};
use crate::state::AppState;
use crate::{input, orgs, tokens};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{any, get};
use axum::{Json, Router};
use purser_core::{Action, Edition, IdentityProvider, MemberView, Role, Surface};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub mod billing;
pub mod doc;
use doc::Conventions;
pub mod invites;
pub mod org_resources;
pub mod usage;

/// The REST API's routes and its OpenAPI document, made from one list: each handler's
/// `#[utoipa::path]` names its method and path, so a route cannot exist undocumented
/// (nor a documented path without a route). Paths are absolute (`/api/...`).
fn routes_and_document() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(get_user))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(org_metadata))
        .routes(routes!(list_members))
        .routes(routes!(invites::pending_invites))
        .routes(routes!(invites::list_invites))
        .routes(routes!(invites::invite_batch))
        .routes(routes!(invites::invite_link))
        .routes(routes!(invites::accept_invite, invites::revoke_invite))
        .routes(routes!(invites::resend_invite))
        .routes(routes!(invites::list_billing_managers))
        .routes(routes!(invites::remove_billing_manager))
        .routes(routes!(invites::remove_member, invites::change_member_role))
        .routes(routes!(
            invites::get_identity_provider,
            invites::set_identity_provider
        ))
        .routes(routes!(invites::add_directory_email))
        .routes(routes!(invites::remove_directory_email))
        .routes(routes!(invites::audit_log))
        .routes(routes!(
            billing::get_payment_method,
            billing::put_payment_method
        ))
        .routes(routes!(
            billing::get_subscription,
            billing::patch_subscription
        ))
        .routes(routes!(billing::list_payments))
        .routes(routes!(usage::list_stacks, usage::create_stack))
        .routes(routes!(usage::report_update))
        .routes(routes!(usage::resources_summary))
        .routes(routes!(
            org_resources::list_teams,
            org_resources::create_team
        ))
        .routes(routes!(org_resources::add_team_member))
        .routes(routes!(org_resources::remove_team_member))
        .routes(routes!(
            org_resources::list_org_tokens,
            org_resources::create_org_token
        ))
        .routes(routes!(org_resources::revoke_org_token))
        .routes(routes!(
            org_resources::list_policy_groups,
            org_resources::create_policy_group
        ))
        .routes(routes!(
            org_resources::list_policy_packs,
            org_resources::create_policy_pack
        ))
        .split_for_parts();
    // What no single annotation says (statuses of the layers in front, field rules),
    // applied once every operation is in the document.
    utoipa::Modify::modify(&Conventions, &mut document);
    (router, document)
}

/// The OpenAPI document served at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    routes_and_document().1
}

/// The REST API, with its document and JSON answers for unknown endpoints.
pub fn router() -> Router<AppState> {
    let (router, document) = routes_and_document();
    let document = Arc::new(document);
    router
        .route(
            "/api/openapi.json",
            get(move || {
                let document = document.clone();
                async move { Json((*document).clone()) }
            }),
        )
        .route("/api", any(no_such_endpoint))
        .route("/api/", any(no_such_endpoint))
        .route("/api/{*rest}", any(no_such_endpoint))
        .layer(axum::middleware::from_fn(input::json_errors))
}

async fn no_such_endpoint() -> Error {
    Error::NotFound("There is no such API endpoint.".into())
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
    OrgCtx { access, .. }: OrgCtx,
) -> Result<Json<OrgMetadata>> {
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
    OrgCtx { access, .. }: OrgCtx,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<MembersResponse>> {
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
    components(schemas(ErrorBody)),
    modifiers(&TokenAuth)
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
