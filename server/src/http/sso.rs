//! The browser's side of single sign-on: `GET /sso/{org}` sends the browser to the
//! organization's provider, `GET /sso/{org}/callback` is where the provider sends it
//! back, and `GET /sso/{org}/test` runs a test sign-in for an admin. The work is
//! `purser_services::sso::flow`'s; here are the cookies, the redirects, and a page that
//! says what went wrong.

use axum::extract::{Path, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use purser_core::Surface;
use purser_services::access::Acting;
use purser_services::caller::{self, Caller};
use purser_services::error::Error;
use purser_services::sso::flow::{self, Callback, Finished, Started, FLOW_COOKIE};
use purser_services::state::AppState;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sso", get(sign_in_by_name))
        .route("/sso/{org}", get(sign_in))
        .route("/sso/{org}/test", get(test))
        .route("/sso/{org}/callback", get(callback))
}

#[derive(Deserialize)]
struct OrgQuery {
    org: Option<String>,
}

/// The sign-in page's "Sign in with SSO" form names the organization in the query.
/// The answer moves on by itself rather than by a redirect: the pages' policy lets a
/// form lead only to this site (`form-action 'self'`), and a browser holds the whole
/// chain of redirects after a form to it, the provider included.
async fn sign_in_by_name(Query(query): Query<OrgQuery>) -> Response {
    match purser_core::OrgName::parse(query.org.as_deref().unwrap_or_default()) {
        Ok(org) => {
            let to = format!("/sso/{}", org.as_str());
            Html(format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <meta http-equiv=\"refresh\" content=\"0; url={to}\">\
                 <title>Single sign-on — Purser</title><link rel=\"stylesheet\" href=\"/pkg/purser.css\"></head>\
                 <body><main class=\"container\"><section class=\"card\">\
                 <p>Taking you to your organization's identity provider… \
                 <a href=\"{to}\">Continue</a></p></section></main></body></html>"
            ))
            .into_response()
        }
        Err(e) => problem_page(Error::Invalid(e)),
    }
}

async fn sign_in(State(state): State<AppState>, Path(org): Path<String>) -> Response {
    let started = flow::start_sign_in(&state.db, &state.sso, &state.settings.base_url, &org).await;
    leave_for_provider(&state, started)
}

async fn test(
    State(state): State<AppState>,
    Path(org): Path<String>,
    caller: Result<Caller, Error>,
) -> Response {
    let started = async {
        let caller = caller?;
        let at = Acting::in_org(&state.db, caller, &org, Surface::Ui).await?;
        flow::start_test(&state.db, &state.sso, &state.settings.base_url, &at).await
    }
    .await;
    leave_for_provider(&state, started)
}

/// A redirect to the provider with the cookie that binds the flow to this browser.
fn leave_for_provider(state: &AppState, started: Result<Started, Error>) -> Response {
    match started {
        Ok(started) => {
            let cookie = flow_cookie(state, Some(&started.browser_secret));
            redirect(&started.redirect_to, &[cookie])
        }
        Err(e) => problem_page(e),
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    Path(org): Path<String>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let browser = caller::cookie(&headers, FLOW_COOKIE);
    let finished = flow::finish(
        &state.db,
        &state.sso,
        &state.settings.base_url,
        state.settings.session_lifetimes(),
        &org,
        Callback {
            code: query.code.as_deref(),
            state: query.state.as_deref(),
            error: query.error.as_deref(),
            error_description: query.error_description.as_deref(),
            browser_secret: browser.as_deref(),
        },
    )
    .await;
    // The flow is over either way: its cookie goes.
    let clear = flow_cookie(&state, None);
    match finished {
        Ok(Finished::SignedIn {
            session,
            org,
            has_role,
        }) => {
            // Whatever session the browser had is replaced by this one.
            if let Some(old) = caller::session_cookie(&headers) {
                if let Err(e) = purser_services::accounts::end_session(&state.db, &old).await {
                    tracing::warn!(error = %e, "ending the session an SSO sign-in replaced");
                }
            }
            let session = caller::session_set_cookie(&state.settings, Some(&session));
            let to = if has_role {
                format!("/{org}")
            } else {
                "/".to_owned()
            };
            redirect(&to, &[clear, session])
        }
        Ok(Finished::Tested { org }) => {
            redirect(&format!("/{org}/settings/identity?tested=1"), &[clear])
        }
        Err(e) => {
            let mut page = problem_page(e);
            if let Ok(value) = HeaderValue::from_str(&clear) {
                page.headers_mut().append(SET_COOKIE, value);
            }
            page
        }
    }
}

fn flow_cookie(state: &AppState, secret: Option<&str>) -> String {
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    // Lax: the provider's redirect back is a top-level navigation, which carries it.
    match secret {
        Some(s) => format!(
            "{FLOW_COOKIE}={s}; Path=/sso; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            flow::FLOW_LIFETIME_MS / 1000
        ),
        None => format!("{FLOW_COOKIE}=; Path=/sso; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, location);
    }
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// A plain page with the error's status and message, and the way back.
fn problem_page(error: Error) -> Response {
    let app = error.to_app_error();
    let status = StatusCode::from_u16(app.status()).unwrap_or(StatusCode::BAD_GATEWAY);
    let message = escape(&app.to_string());
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Single sign-on — Purser</title><link rel=\"stylesheet\" href=\"/pkg/purser.css\"></head>\
         <body><main class=\"container\"><section class=\"card\"><h1>Single sign-on did not complete</h1>\
         <p role=\"alert\" data-sso-error>{message}</p>\
         <p><a href=\"/signin\">Back to sign in</a></p></section></main></body></html>"
    );
    (status, Html(body)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
