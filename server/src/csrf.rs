//! Refuses state-changing requests that ride on a session cookie from another origin.
//!
//! SameSite=Lax already keeps the cookie off most cross-site POSTs; this checks the
//! browser's `Origin` (or `Sec-Fetch-Site`) as a second, explicit line. Requests
//! authenticated by a token header are not at risk (a page on another origin cannot
//! set that header without CORS, which Purser does not grant), so they pass.

use crate::error::Error;
use crate::startup::AppState;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, HOST, ORIGIN};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn refuse_cross_origin(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if is_cross_origin_cookie_write(&req, &state.settings.base_url) {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin request with a session cookie refused");
        return Error::Forbidden(
            "Cross-origin requests may not change anything with your session.".into(),
        )
        .into_response();
    }
    next.run(req).await
}

fn is_cross_origin_cookie_write(req: &Request, base_url: &str) -> bool {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let headers = req.headers();
    if safe
        || headers.contains_key(AUTHORIZATION)
        || purser_app::backend::session_cookie(headers).is_none()
    {
        return false;
    }
    if let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        let host = headers
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let base_host = base_url
            .split_once("://")
            .map_or(base_url, |(_, rest)| rest);
        return origin_host != host && origin_host != base_host;
    }
    // No Origin: trust the fetch metadata when the browser sends it.
    matches!(
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
        Some("cross-site" | "same-site")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn req(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut b = axum::http::Request::builder()
            .method(method)
            .uri("/fn/sign_out");
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
        // method, headers, refused
        type Case<'a> = (Method, Vec<(&'a str, &'a str)>, bool);
        let cases: &[Case] = &[
            (
                Method::POST,
                vec![cookie, host, ("origin", "http://127.0.0.1:3000")],
                false,
            ),
            (
                Method::POST,
                vec![cookie, host, ("origin", "https://evil.example")],
                true,
            ),
            (
                Method::POST,
                vec![cookie, host, ("sec-fetch-site", "cross-site")],
                true,
            ),
            (
                Method::POST,
                vec![cookie, host, ("sec-fetch-site", "same-origin")],
                false,
            ),
            (Method::POST, vec![cookie, host], false),
            (
                Method::GET,
                vec![cookie, host, ("origin", "https://evil.example")],
                false,
            ),
            (
                Method::POST,
                vec![host, ("origin", "https://evil.example")],
                false,
            ),
            (
                Method::DELETE,
                vec![
                    cookie,
                    host,
                    ("authorization", "token x"),
                    ("origin", "https://evil.example"),
                ],
                false,
            ),
            (
                Method::DELETE,
                vec![
                    cookie,
                    ("host", "purser.internal:8080"),
                    ("origin", "http://127.0.0.1:3000"),
                ],
                false,
            ),
        ];
        for (method, headers, refused) in cases {
            assert_eq!(
                is_cross_origin_cookie_write(&req(method.clone(), headers), base),
                *refused,
                "{method} {headers:?}"
            );
        }
    }
}
