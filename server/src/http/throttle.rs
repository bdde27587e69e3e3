//! The per-address rate limits, by request: which limited action a request is, from
//! its method and path on either surface, counted against the client's address before
//! anything else runs. The budgets themselves are `purser_services::throttle`'s.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use purser_services::throttle::{Kind, Throttle};
use std::net::SocketAddr;

/// The per-address limits of both surfaces, by path, before anything else runs.
pub async fn limit_by_address(
    State(throttle): State<std::sync::Arc<Throttle>>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(kind) = kind_of(req.method(), req.uri().path()) {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        if let Some(addr) = throttle.client_address(req.headers(), peer) {
            if let Err(e) = throttle.check_address(kind, addr).await {
                tracing::warn!(%addr, ?kind, "rate limited");
                return e.response_for(req.uri().path());
            }
        }
    }
    next.run(req).await
}

/// Which limited action a request is, by its method and path (both surfaces).
fn kind_of(method: &Method, path: &str) -> Option<Kind> {
    if method != Method::POST {
        return None;
    }
    if let Some(name) = path.strip_prefix("/fn/") {
        return match name {
            "sign_in" | "change_password" => Some(Kind::SignIn),
            "sign_up" => Some(Kind::SignUp),
            "resend_verification" | "request_password_reset" => Some(Kind::Email),
            "invite_by_email" | "invite_link" | "resend_invite" => Some(Kind::Invitation),
            _ => None,
        };
    }
    let rest = path.strip_prefix("/api/orgs/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        [_, "invites", "batch" | "link"] | [_, "invites", _, "resend"] => Some(Kind::Invitation),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_classified_on_both_surfaces() {
        let table = [
            (Method::POST, "/fn/sign_in", Some(Kind::SignIn)),
            (Method::POST, "/fn/sign_up", Some(Kind::SignUp)),
            (Method::POST, "/fn/resend_verification", Some(Kind::Email)),
            (
                Method::POST,
                "/fn/request_password_reset",
                Some(Kind::Email),
            ),
            (Method::POST, "/fn/invite_by_email", Some(Kind::Invitation)),
            (Method::POST, "/fn/resend_invite", Some(Kind::Invitation)),
            (
                Method::POST,
                "/api/orgs/acme/invites/batch",
                Some(Kind::Invitation),
            ),
            (
                Method::POST,
                "/api/orgs/acme/invites/link",
                Some(Kind::Invitation),
            ),
            (
                Method::POST,
                "/api/orgs/acme/invites/x/resend",
                Some(Kind::Invitation),
            ),
            (Method::PATCH, "/api/orgs/acme/invites/x", None),
            (Method::GET, "/fn/sign_in", None),
            (Method::POST, "/fn/current_user", None),
            (Method::POST, "/api/orgs/acme/teams", None),
        ];
        for (method, path, kind) in table {
            assert_eq!(kind_of(&method, path), kind, "{method} {path}");
        }
    }
}
