//! The signed-in account: who it is and its personal access tokens.

use super::wire::{
    AccessToken, AccessTokensResponse, ApiJson, ApiQuery, CreateTokenResponse, TokensQuery,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::{Edition, Role};
use purser_services::caller::Caller;
use purser_services::error::Result;
use purser_services::state::AppState;
use purser_services::storage::cursor::PageAsk;
use purser_services::{orgs, tokens};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_user))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// `User` in Pulumi's shape, and Purser's `emailVerified`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub id: String,
    pub name: String,
    /// The account's login.
    pub github_login: String,
    pub avatar_url: String,
    pub email: String,
    pub email_verified: bool,
    #[serde(rename = "hasMFA")]
    pub has_mfa: bool,
    /// `["Pulumi"]`: accounts sign in with a password here.
    pub identities: Vec<&'static str>,
    pub is_managed_by_multi_org: bool,
    pub is_org_managed: bool,
    pub organizations: Vec<OrganizationSummary>,
}

/// `OrganizationSummaryWithRole` in Pulumi's shape: `githubLogin` is the URL name,
/// `name` the display name; Purser adds `displayName` and `edition`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationSummary {
    pub github_login: String,
    pub name: String,
    pub avatar_url: String,
    #[schema(value_type = String, example = "admin")]
    pub role: Role,
    pub display_name: String,
    #[schema(value_type = String, example = "team")]
    pub edition: Edition,
}

/// The signed-in account and its organizations.
#[utoipa::path(get, path = "/api/user", tag = "user",
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody)),
    security(("token" = [])))]
async fn get_user(
    State(state): State<AppState>,
    Caller { user, .. }: Caller,
) -> Result<Json<UserResponse>> {
    let orgs = orgs::list_for_user(&state.db, &user).await?;
    Ok(Json(UserResponse {
        id: user.id,
        name: user.name,
        github_login: user.login,
        avatar_url: String::new(),
        email: user.email,
        email_verified: user.email_verified,
        has_mfa: false,
        identities: vec!["Pulumi"],
        is_managed_by_multi_org: false,
        is_org_managed: false,
        organizations: orgs
            .into_iter()
            .map(|a| OrganizationSummary {
                github_login: a.org.name,
                name: a.org.display_name.clone(),
                avatar_url: String::new(),
                role: a.role,
                display_name: a.org.display_name,
                edition: a.org.edition,
            })
            .collect(),
    }))
}

/// The caller's personal access tokens (never their values), in Pulumi's shape.
#[utoipa::path(get, path = "/api/user/tokens", tag = "user",
    params(TokensQuery),
    responses((status = 200, body = AccessTokensResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("token" = [])))]
async fn list_tokens(
    State(state): State<AppState>,
    Caller { user, .. }: Caller,
    ApiQuery(q): ApiQuery<TokensQuery>,
) -> Result<Json<AccessTokensResponse>> {
    let page = tokens::list(
        &state.db,
        &user,
        q.filter()?,
        PageAsk {
            key: &state.cursors,
            after: q.continuation_token.as_deref(),
            limit: q.limit()?,
        },
    )
    .await?;
    Ok(Json(AccessTokensResponse {
        tokens: page
            .items
            .into_iter()
            .map(|t| AccessToken::personal(t, &user.login))
            .collect(),
        continuation_token: page.next,
    }))
}

/// `CreatePersonalAccessTokenRequest`: both fields may be left out (no description,
/// never expires).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenRequest {
    #[serde(default)]
    pub description: String,
    /// Unix seconds; `0` (the default) for a token that never expires.
    #[serde(default, deserialize_with = "super::wire::whole_number")]
    pub expires: i64,
}

/// Creates a personal access token; its value is in this response only. The account's
/// email address must be verified (`403` otherwise). Called with a token, the new token
/// must expire no later than that one (`422` otherwise).
#[utoipa::path(post, path = "/api/user/tokens", tag = "user", request_body = CreateTokenRequest,
    responses((status = 200, body = CreateTokenResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
async fn create_token(
    State(state): State<AppState>,
    Caller { user, with, .. }: Caller,
    ApiJson(body): ApiJson<CreateTokenRequest>,
) -> Result<Json<CreateTokenResponse>> {
    let token = tokens::create(&state.db, &user, &with, &body.description, body.expires).await?;
    Ok(Json(CreateTokenResponse {
        id: token.id,
        token_value: token.value,
    }))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/user/tokens/{id}", tag = "user",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
async fn revoke_token(
    State(state): State<AppState>,
    Caller { user, .. }: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    tokens::revoke(&state.db, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
