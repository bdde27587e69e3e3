//! The signed-in account: who it is and its personal access tokens.

use super::ApiJson;
use crate::db::rfc3339;
use crate::error::Result;
use crate::http::answer::ErrorBody;
use crate::http::caller::Caller;
use crate::state::AppState;
use crate::{orgs, tokens};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use purser_core::{Edition, Role};
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
