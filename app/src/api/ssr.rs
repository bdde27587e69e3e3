//! What every server function does around its call to the services: find the state
//! and the caller (the same way the REST API does, `purser_services::caller`), and
//! turn the services' error into the `AppError` the page receives, with its status.

use http::header::SET_COOKIE;
use http::{HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use purser_core::error::AppError;
use purser_services::access::Acting;
use purser_services::accounts::User;
use purser_services::answer::RETRY_MARK;
use purser_services::caller::Caller;
use purser_services::error::Error;
use purser_services::state::AppState;
use std::future::Future;

/// The surface server functions act on.
pub const UI: purser_core::Surface = purser_core::Surface::Ui;

/// The services' state, which the server provides to every server function.
pub fn state() -> Result<AppState, Error> {
    use_context::<AppState>().ok_or_else(|| Error::bug("the state is missing from context"))
}

/// The account calling, if any: a session cookie (or a token) on the request.
pub async fn caller(state: &AppState) -> Result<Option<Caller>, Error> {
    let parts = use_context::<http::request::Parts>()
        .ok_or_else(|| Error::bug("the request is missing from context"))?;
    Caller::find(&parts, state).await
}

/// The signed-in caller, and the state to act with; 401 without a caller.
pub async fn signed_in() -> Result<(AppState, User), Error> {
    let (state, caller) = calling().await?;
    Ok((state, caller.user))
}

/// The signed-in caller with what they signed in with, and the state to act with;
/// 401 without a caller.
pub async fn calling() -> Result<(AppState, Caller), Error> {
    let state = state()?;
    let caller = caller(&state).await?.ok_or_else(not_signed_in)?;
    Ok((state, caller))
}

/// The signed-in caller acting in `org` through the UI, as a REST request's
/// (`purser_server::http::org_ctx`): 401 without a caller, 404 when the organization
/// does not exist or the caller holds no role in it.
pub async fn in_org(org: &str) -> Result<(AppState, Acting), Error> {
    let (state, caller) = calling().await?;
    let at = Acting::in_org(&state.db, caller, org, UI).await?;
    Ok((state, at))
}

/// The session cookie's secret on the request, if it carries one.
pub fn session_secret() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    purser_services::caller::session_cookie(&parts.headers)
}

pub fn not_signed_in() -> Error {
    Error::Unauthenticated("Sign in to continue.".into())
}

/// Runs a server function's work: its error becomes the `AppError` the page receives,
/// the answer's status the one its kind calls for (a 4xx for bad input, never a 500),
/// and a request worth running again is marked for the server's retry layer. `Retry-After`, where the kind has one, is added as the answer leaves
/// (`purser_server::http::server_fns`).
pub async fn run<T>(work: impl Future<Output = Result<T, Error>>) -> Result<T, AppError> {
    let result = work.await.map_err(|e| {
        // A request worth running again says so to the server's retry layer.
        if let (Some(failure), Some(res)) = (e.failure(), use_context::<ResponseOptions>()) {
            res.insert_header(
                http::HeaderName::from_static(RETRY_MARK),
                HeaderValue::from_static(failure.as_str()),
            );
        }
        AppError::from(e)
    });
    if let (Err(e), Some(res)) = (&result, use_context::<ResponseOptions>()) {
        res.set_status(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    result
}

/// Sets (or, with `None`, clears) the session cookie.
pub fn set_session_cookie(state: &AppState, secret: Option<&str>) {
    let Some(res) = use_context::<ResponseOptions>() else {
        return;
    };
    let cookie = purser_services::caller::session_set_cookie(&state.settings, secret);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        res.append_header(SET_COOKIE, value);
    }
}
