//! The caller and their standing in the organization a REST path names (`{org}`).

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use purser_services::access::OrgAccess;
use purser_services::accounts::User;
use purser_services::caller::Caller;
use purser_services::error::Error;
use purser_services::state::AppState;
use std::collections::HashMap;

/// Found once per request before the handler runs: 401 without a caller, 404 when the
/// organization does not exist or the caller holds no role in it. Handlers then ask
/// `access` what the role may do from the REST API (`rest::API`), and act as `actor`.
#[derive(Debug, Clone)]
pub struct OrgCtx {
    pub actor: User,
    pub access: OrgAccess,
}

impl FromRequestParts<AppState> for OrgCtx {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Caller { user, .. } = Caller::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::BadRequest("The path could not be read.".into()))?;
        let org = params
            .get("org")
            .ok_or_else(|| Error::bug("a route with OrgCtx has no {org}"))?;
        let access = purser_services::orgs::access(&state.db, &user, org).await?;
        Ok(OrgCtx {
            actor: user,
            access,
        })
    }
}
