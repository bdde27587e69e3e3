//! Refuses state-changing requests that come from another origin.
//!
//! Server functions (`/fn/…`) are the browser's surface: every non-GET call must come
//! from this site — by its `Origin` header, or, where a browser sends no `Origin`,
//! `Sec-Fetch-Site: same-origin` — whether or not a session cookie is present. That is
//! what stops login and sign-up CSRF (a cross-site form that signs the victim into the
//! attacker's account has no cookie to ride on). Server functions never read the
//! `Authorization` header, so it excuses nothing there.
//!
//! The REST API (`/api/…`) is for programs: a caller sending
//! `Authorization: token …` carries no ambient credential a foreign page could borrow
//! (it cannot set that header cross-origin without CORS, which Purser never grants),
//! and a request with no session cookie has nothing to forge. A session cookie on a
//! REST write, though, must come from this site like any server function call.

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, HOST, ORIGIN};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use purser_services::error::Error;
use purser_services::state::AppState;

pub async fn refuse_cross_origin(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if is_refused(&req, &state.settings.base_url) {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin write refused");
        return Error::Forbidden(
            "Cross-origin requests may not change anything here. Use Purser's own pages, or the REST API with a token.".into(),
        )
        .response_for(req.uri().path());
    }
    next.run(req).await
}

fn is_refused(req: &Request, base_url: &str) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let headers = req.headers();
    if !req.uri().path().starts_with("/fn/")
        && (has_api_token(headers) || purser_services::caller::session_cookie(headers).is_none())
    {
        return false;
    }
    !is_same_origin(headers, base_url)
}

/// `Authorization: token …` (or `Bearer …`), the REST API's credential; nothing else.
fn has_api_token(headers: &HeaderMap) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("token ") || v.starts_with("Bearer "))
}

/// Whether the browser says the request comes from this site: `Origin` names this
/// server (as the request's `Host`, or as the configured base URL), or, with no
/// `Origin` or `Origin: null`, the fetch metadata says `same-origin`. A request with
/// neither is refused: every browser this UI supports sends one of them.
///
/// `null` is what browsers send for a form posted natively (before hydration) from
/// one of our own pages, because pages carry `Referrer-Policy: no-referrer` (see
/// `headers`); sandboxed frames and cross-site redirects send it too, and their
/// `Sec-Fetch-Site` is then `cross-site`.
fn is_same_origin(headers: &HeaderMap, base_url: &str) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match header(ORIGIN.as_str()) {
        None | Some("null") => header("sec-fetch-site") == Some("same-origin"),
        Some(origin) => {
            let Some((_, origin_host)) = origin.split_once("://") else {
                return false;
            };
            let base_host = base_url
                .split_once("://")
                .map_or(base_url, |(_, rest)| rest);
            header(HOST.as_str()) == Some(origin_host)
                || origin == base_url
                || origin_host == base_host
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn req(method: Method, path: &str, headers: &[(&str, &str)]) -> Request {
        let mut b = axum::http::Request::builder().method(method).uri(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn table() {
        let base = "http://127.0.0.1:3000";
        let cookie = ("cookie", "purser_session=abc");
        let host = ("host", "127.0.0.1:3000");
        let own = ("origin", "http://127.0.0.1:3000");
        let evil = ("origin", "https://evil.example");
        let token = ("authorization", "token pur_x");
        use Method as M;
        // method, path, headers, refused
        type Case<'a> = (Method, &'a str, Vec<(&'a str, &'a str)>, bool);
        let cases: &[Case] = &[
            (M::POST, "/fn/sign_out", vec![cookie, host, own], false),
            (M::POST, "/fn/sign_out", vec![cookie, host, evil], true),
            (
                M::POST,
                "/fn/sign_out",
                vec![cookie, host, ("sec-fetch-site", "cross-site")],
                true,
            ),
            (
                M::POST,
                "/fn/sign_out",
                vec![cookie, host, ("sec-fetch-site", "same-site")],
                true,
            ),
            (
                M::POST,
                "/fn/sign_out",
                vec![cookie, host, ("sec-fetch-site", "same-origin")],
                false,
            ),
            // No cookie is no excuse on a server function: login and sign-up CSRF.
            (M::POST, "/fn/sign_in", vec![host, evil], true),
            (
                M::POST,
                "/fn/sign_up",
                vec![host, ("sec-fetch-site", "cross-site")],
                true,
            ),
            (M::POST, "/fn/sign_in", vec![host], true),
            (M::POST, "/fn/sign_in", vec![host, ("origin", "null")], true),
            // A native form post from our own page under `Referrer-Policy: no-referrer`.
            (
                M::POST,
                "/fn/sign_in",
                vec![host, ("origin", "null"), ("sec-fetch-site", "same-origin")],
                false,
            ),
            (
                M::POST,
                "/fn/sign_in",
                vec![host, ("origin", "null"), ("sec-fetch-site", "cross-site")],
                true,
            ),
            (
                M::POST,
                "/fn/sign_in",
                vec![host, ("origin", "null"), ("sec-fetch-site", "same-site")],
                true,
            ),
            (M::POST, "/fn/sign_in", vec![host, own], false),
            // Server functions never read Authorization, so it excuses nothing there.
            (M::POST, "/fn/sign_in", vec![host, token, evil], true),
            (
                M::POST,
                "/fn/sign_in",
                vec![host, ("authorization", "Basic eDp5"), evil],
                true,
            ),
            // A look-alike origin is another origin.
            (
                M::POST,
                "/fn/sign_in",
                vec![host, ("origin", "http://127.0.0.1:3000.evil.example")],
                true,
            ),
            (M::GET, "/fn/current_user", vec![cookie, host, evil], false),
            // REST: a token caller has no ambient credential; without a cookie there is
            // nothing to forge; a cookie must come from this site.
            (
                M::DELETE,
                "/api/user/tokens/x",
                vec![cookie, host, token, evil],
                false,
            ),
            (M::POST, "/api/orgs/acme/teams", vec![host, evil], false),
            (
                M::POST,
                "/api/orgs/acme/teams",
                vec![cookie, host, evil],
                true,
            ),
            (
                M::POST,
                "/api/orgs/acme/teams",
                vec![cookie, host, ("authorization", "Basic eDp5"), evil],
                true,
            ),
            (
                M::POST,
                "/api/orgs/acme/teams",
                vec![cookie, host, own],
                false,
            ),
            (M::GET, "/api/user", vec![cookie, host, evil], false),
            // Behind a proxy the Host differs; the base URL still names this site.
            (
                M::DELETE,
                "/fn/revoke_token",
                vec![cookie, ("host", "purser.internal:8080"), own],
                false,
            ),
        ];
        for (method, path, headers, refused) in cases {
            assert_eq!(
                is_refused(&req(method.clone(), path, headers), base),
                *refused,
                "{method} {path} {headers:?}"
            );
        }
    }
}
