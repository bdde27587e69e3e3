//! The identity provider and its directory of addresses.

use super::wire::{ApiJson, ApiQuery, ListQuery};
use crate::http::org_ctx::OrgCtx;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use purser_core::error::ErrorBody;
use purser_core::sso::JoinAs;
use purser_core::IdentityProvider;
use purser_services::error::{Error, Result};
use purser_services::state::AppState;
use purser_services::storage::db::rfc3339;
use purser_services::{directory, sso};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_identity_provider, set_identity_provider))
        .routes(routes!(add_directory_email))
        .routes(routes!(remove_directory_email))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentityProviderBody {
    /// `open`, `directory` or `oidc`.
    pub identity_provider: String,
    /// `oidc`: the provider's issuer URL (its discovery document is read at once).
    /// Without it, `oidc` switches back to the configuration saved before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// `oidc`: the client ID registered at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `oidc`: the client secret (stored sealed, never returned). Omitted, the one saved
    /// before stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// `oidc`: `member` (whom the provider vouches for joins as a member at their first
    /// sign-in) or `none` (an invitation is still needed; the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_as: Option<String>,
    /// `oidc`: the claim that lists the person's groups (e.g. `groups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_claim: Option<String>,
    /// `oidc`: provider group → team; each sign-in puts the person on the teams of
    /// their groups and takes them off the other teams listed here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams_from_groups: Option<BTreeMap<String, String>>,
    /// `oidc`: how long an SSO sign-in lets a browser session act in the organization
    /// (300 to 2,592,000 seconds; 86,400 by default).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::wire::optional_whole_number"
    )]
    pub sso_lifetime_seconds: Option<i64>,
    /// `oidc`: the login of the admin who may still act with a password session (by
    /// default the admin who turns SSO on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_admin: Option<String>,
}

/// An organization's OpenID Connect configuration, without its secret.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OidcConfigResponse {
    pub issuer: String,
    pub client_id: String,
    /// `member` or `none`.
    pub join_as: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups_claim: Option<String>,
    pub teams_from_groups: BTreeMap<String, String>,
    pub sso_lifetime_seconds: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_admin: Option<String>,
    /// Register this at the provider as the client's redirect URI.
    pub redirect_uri: String,
    /// When a test sign-in from Settings last succeeded with this configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tested: Option<String>,
}

impl From<sso::OidcConfig> for OidcConfigResponse {
    fn from(c: sso::OidcConfig) -> Self {
        OidcConfigResponse {
            issuer: c.issuer,
            client_id: c.client_id,
            join_as: c.join_as.as_str().to_owned(),
            groups_claim: c.groups_claim,
            teams_from_groups: c.teams_from_groups,
            sso_lifetime_seconds: c.lifetime_secs,
            recovery_admin: c.recovery_admin,
            redirect_uri: c.redirect_uri,
            tested: c.tested_at.map(rfc3339),
        }
    }
}

/// The answer to switching to `oidc`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProviderResponse {
    pub identity_provider: String,
    pub oidc: OidcConfigResponse,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryResponse {
    pub identity_provider: String,
    /// The OpenID Connect configuration, when one was saved (whichever provider is on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc: Option<OidcConfigResponse>,
    /// A page of the directory, by address.
    pub emails: Vec<DirectoryEntryResponse>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryEntryResponse {
    pub email: String,
    pub added: String,
}

/// The identity provider and its directory, a page at a time (admins).
#[utoipa::path(get, path = "/api/orgs/{org}/identity-provider", tag = "identity provider",
    params(("org" = String, Path), ListQuery),
    responses((status = 200, body = DirectoryResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn get_identity_provider(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<DirectoryResponse>> {
    let page = directory::list(&state.db, &at, q.ask(&state.cursors)).await?;
    let oidc = sso::config(&state.db, &at, &state.settings.base_url).await?;
    Ok(Json(DirectoryResponse {
        identity_provider: at.access.org.identity_provider.as_str().to_owned(),
        oidc: oidc.map(Into::into),
        continuation_token: page.next,
        emails: page
            .items
            .into_iter()
            .map(|e| DirectoryEntryResponse {
                email: e.email,
                added: rfc3339(e.added_at),
            })
            .collect(),
    }))
}

/// Switches the identity provider. Moving to `directory` first lists everyone who holds
/// a role. Moving to `oidc` with an `issuer` reads the issuer's discovery document (a 422
/// on `issuer` saying why it cannot be used), saves the connection and answers with the
/// redirect URI to register at the provider; without one, it switches back to the
/// connection saved before.
#[utoipa::path(put, path = "/api/orgs/{org}/identity-provider", tag = "identity provider", request_body = IdentityProviderBody,
    params(("org" = String, Path)),
    responses((status = 200, body = IdentityProviderResponse), (status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn set_identity_provider(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<IdentityProviderBody>,
) -> Result<Response> {
    let invalid = |field: &'static str, message: String| {
        Error::Invalid(purser_core::ValueError { field, message })
    };
    let to: IdentityProvider = body.identity_provider.parse().map_err(
        |e: purser_core::identity::UnknownIdentityProvider| {
            invalid("identityProvider", e.to_string())
        },
    )?;
    let oidc_fields = body.issuer.is_some()
        || body.client_id.is_some()
        || body.client_secret.is_some()
        || body.join_as.is_some()
        || body.groups_claim.is_some()
        || body.teams_from_groups.is_some()
        || body.sso_lifetime_seconds.is_some()
        || body.recovery_admin.is_some();
    if to != IdentityProvider::Oidc || body.issuer.is_none() {
        if oidc_fields {
            return Err(invalid(
                "issuer",
                "The OpenID Connect fields go with \"identityProvider\": \"oidc\" and an issuer."
                    .into(),
            ));
        }
        directory::set_identity_provider(&state.db, &at, to).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let join_as: JoinAs = match body.join_as.as_deref() {
        None => JoinAs::None,
        Some(text) => text
            .parse()
            .map_err(|e: purser_core::sso::UnknownJoinAs| invalid("joinAs", e.to_string()))?,
    };
    let setup = sso::OidcSetup {
        issuer: body.issuer.unwrap_or_default(),
        client_id: body.client_id.ok_or_else(|| {
            invalid(
                "clientId",
                "Enter the client ID the provider gave you.".into(),
            )
        })?,
        client_secret: body.client_secret,
        join_as,
        groups_claim: body.groups_claim,
        teams_from_groups: body.teams_from_groups.unwrap_or_default(),
        lifetime_secs: body.sso_lifetime_seconds,
        recovery_admin: body.recovery_admin,
    };
    let config = sso::configure(
        &state.db,
        &state.sso,
        &state.settings.base_url,
        &at,
        setup,
        sso::Switch::Now,
    )
    .await?;
    Ok(Json(IdentityProviderResponse {
        identity_provider: IdentityProvider::Oidc.as_str().to_owned(),
        oidc: config.into(),
    })
    .into_response())
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
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<DirectoryEmailBody>,
) -> Result<StatusCode> {
    directory::add(&state.db, &at, &body.email).await?;
    Ok(StatusCode::CREATED)
}

/// Removes an email from the directory: that person loses access at once.
#[utoipa::path(delete, path = "/api/orgs/{org}/identity-provider/emails/{email}", tag = "identity provider",
    params(("org" = String, Path), ("email" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn remove_directory_email(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    Path((_org, email)): Path<(String, String)>,
) -> Result<StatusCode> {
    directory::remove(&state.db, &at, &email).await?;
    Ok(StatusCode::NO_CONTENT)
}
