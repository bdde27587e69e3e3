//! Who is calling: a personal access token (`Authorization: token …`) or a session
//! cookie. Both surfaces find their caller here, the same way: the REST API through the
//! `Caller` extractor, a server function through [`Caller::find`] on its request's parts.

use crate::accounts::{self, SignedInWith, User};
use crate::error::Error;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::net::SocketAddr;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "purser_session";

/// An authenticated account, and what it proved itself with; extracting it answers
/// 401 when there is none.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub with: SignedInWith,
    /// The stored hash of the browser session it came with (`None` with a token): what
    /// an organization's single sign-on looks up (`access`).
    pub session_hash: Option<String>,
}

impl Caller {
    /// The server acting for an account while it sets something up (the demo), with no
    /// request behind it: as a token would, it needs no browser sign-in.
    pub fn for_setup(user: User) -> Caller {
        Caller {
            user,
            with: SignedInWith::Session,
            session_hash: None,
        }
    }

    /// The caller of the request these are the parts of: `None` when it carries neither
    /// a token nor a live session; an error for a token that is malformed, not valid,
    /// or sent from an address blocked for guessing.
    pub async fn find(parts: &Parts, state: &AppState) -> Result<Option<Caller>, Error> {
        if let Some(header) = parts.headers.get(AUTHORIZATION) {
            return by_token(parts, header.to_str().unwrap_or_default(), state)
                .await
                .map(Some);
        }
        let Some(secret) = session_cookie(&parts.headers) else {
            return Ok(None);
        };
        let lifetimes = state.settings.session_lifetimes();
        let user = accounts::user_for_session(&state.db, lifetimes, &secret).await?;
        Ok(user.map(|user| Caller {
            user,
            with: SignedInWith::Session,
            session_hash: Some(crate::secrets::hash(&secret)),
        }))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Caller::find(parts, state).await?.ok_or_else(Error::sign_in)
    }
}

async fn by_token(parts: &Parts, value: &str, state: &AppState) -> Result<Caller, Error> {
    // Pulumi's clients send `token …`; `Bearer …` is accepted for familiarity.
    let value = value.trim();
    let token = value
        .strip_prefix("token ")
        .or_else(|| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::Unauthenticated("Send the token as `Authorization: token <token>`.".into())
        })?;
    // Guessing tokens is throttled per client address: past the budget of failures,
    // every token from that address is refused before any lookup.
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let addr = state.throttle.client_address(&parts.headers, peer);
    // A block kept in memory is checked here; one in the shared table is read with the
    // token, in the same statement.
    let shared_block = addr.and_then(|a| state.throttle.shared_token_block(a));
    if let (Some(addr), None) = (addr, &shared_block) {
        state.throttle.check_token_allowed(addr).await?;
    }
    let lookup = accounts::user_for_token(&state.db, token, shared_block.as_deref()).await?;
    if let Some(until) = lookup.blocked_until {
        return Err(crate::throttle::token_blocked(until));
    }
    match lookup.found {
        Some((user, with)) => Ok(Caller {
            user,
            with,
            session_hash: None,
        }),
        None => {
            if let Some(addr) = addr {
                state.throttle.token_failed(addr).await?;
            }
            Err(Error::Unauthenticated(
                "The token is not valid; it may have been revoked.".into(),
            ))
        }
    }
}

/// The `Set-Cookie` value that sets the session cookie to `secret` (or, with `None`,
/// clears it): HttpOnly, SameSite=Lax, Secure when the server is reached over https,
/// kept as long as a session may last at most.
pub fn session_set_cookie(settings: &crate::state::Settings, secret: Option<&str>) -> String {
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    match secret {
        Some(s) => format!(
            "{SESSION_COOKIE}={s}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            settings.session_max.as_secs()
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// The session cookie's value in a request's headers, if there is one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// A cookie's value in a request's headers, if it is there and not empty.
pub fn cookie(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}
