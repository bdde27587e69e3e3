//! Who is calling: a personal access token (`Authorization: token …`) or a session cookie.

use crate::access::OrgAccess;
use crate::accounts::{self, SignedInWith, User};
use crate::error::Error;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Path};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::net::SocketAddr;

/// An authenticated account, and what it proved itself with; extracting it answers
/// 401 when there is none.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub with: SignedInWith,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(header) = parts.headers.get(AUTHORIZATION) {
            let value = header.to_str().unwrap_or_default().trim();
            // Pulumi's clients send `token …`; `Bearer …` is accepted for familiarity.
            let token = value
                .strip_prefix("token ")
                .or_else(|| value.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    Error::Unauthenticated(
                        "Send the token as `Authorization: token <token>`.".into(),
                    )
                })?;
            // Guessing tokens is throttled per client address: past the budget of
            // failures, every token from that address is refused before any lookup.
            let peer = parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0);
            let addr = state.throttle.client_address(&parts.headers, peer);
            // A block kept in memory is checked here; one in the shared table is read
            // with the token, in the same statement.
            let shared_block = addr.and_then(|a| state.throttle.shared_token_block(a));
            if let (Some(addr), None) = (addr, &shared_block) {
                state.throttle.check_token_allowed(addr).await?;
            }
            let lookup =
                accounts::user_for_token(&state.db, token, shared_block.as_deref()).await?;
            if let Some(until) = lookup.blocked_until {
                return Err(crate::throttle::token_blocked(until));
            }
            return match lookup.found {
                Some((user, with)) => Ok(Caller { user, with }),
                None => {
                    if let Some(addr) = addr {
                        state.throttle.token_failed(addr).await?;
                    }
                    Err(Error::Unauthenticated(
                        "The token is not valid; it may have been revoked.".into(),
                    ))
                }
            };
        }
        if let Some(secret) = purser_app::backend::session_cookie(&parts.headers) {
            if let Some(user) =
                accounts::user_for_session(&state.db, state.settings.session_lifetimes(), &secret)
                    .await?
            {
                return Ok(Caller {
                    user,
                    with: SignedInWith::Session,
                });
            }
        }
        Err(Error::sign_in())
    }
}

/// The caller and their standing in the organization the path names (`{org}`), found
/// once per request before the handler runs: 401 without a caller, 404 when the
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
        let access = crate::orgs::access(&state.db, &user, org).await?;
        Ok(OrgCtx {
            actor: user,
            access,
        })
    }
}
