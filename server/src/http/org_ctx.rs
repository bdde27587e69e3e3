//! The acting context of a REST request: the caller, acting in the organization its
//! path names (`{org}`), through the REST API.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use purser_core::Surface;
use purser_services::access::Acting;
use purser_services::caller::Caller;
use purser_services::error::Error;
use purser_services::state::AppState;
use std::collections::HashMap;

/// Found once per request before the handler runs, the way a server function finds
/// its own (`Caller`, then `Acting::in_org`): 401 without a caller, 404 when the
/// organization does not exist or the caller holds no role in it. Handlers pass it to
/// the services, which ask it what the role may do.
#[derive(Debug, Clone)]
pub struct OrgCtx(pub Acting);

impl FromRequestParts<AppState> for OrgCtx {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::BadRequest("The path could not be read.".into()))?;
        let org = params
            .get("org")
            .ok_or_else(|| Error::bug("a route with OrgCtx has no {org}"))?;
        Ok(OrgCtx(
            Acting::in_org(&state.db, caller, org, Surface::Api).await?,
        ))
    }
}
