//! The development mailbox: every message in the outbox, readable in a browser.
//! It shows secrets (verification and invitation links), so it exists only when the
//! server is started with `--dev-mailbox`.

use super::outbox;
use crate::error::{Error, Result};
use crate::storage::db::Db;
use axum::extract::{ConnectInfo, FromRef, Request, State};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::net::{IpAddr, SocketAddr};

/// `/dev/mailbox` and `/dev/mailbox.json`, answering only a request from this machine
/// that names it.
pub fn routes<S>() -> Router<S>
where
    Db: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/dev/mailbox", get(page))
        .route("/dev/mailbox.json", get(json))
        .route_layer(axum::middleware::from_fn(loopback_only))
}

/// Answers 404 unless the request comes from a loopback address, names a loopback
/// `Host` (`127.0.0.1`, `[::1]` or `localhost`, any port) and was not forwarded. The
/// peer address keeps out anyone else on the network when the server listens on a
/// reachable address (a client chooses its `Host` freely, so that alone proves
/// nothing); the `Host` keeps out a page on another site whose name an attacker
/// re-points at 127.0.0.1 (DNS rebinding), which the browser sends from this machine;
/// and the forwarding headers catch a reverse proxy on this machine (whose requests
/// come from loopback, often naming `127.0.0.1`) that adds them, as most
/// configurations do. A proxy that adds none cannot be told apart: hence development
/// only.
async fn loopback_only(req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let host = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    let forwarded = FORWARDING_HEADERS
        .iter()
        .any(|name| req.headers().contains_key(*name));
    if forwarded || !from_this_machine(peer, host) {
        return Error::NotFound("Not found.".into()).into_response();
    }
    next.run(req).await
}

/// What reverse proxies add to a request they pass on (nginx's `proxy_set_header`
/// conventions, HAProxy's `option forwardfor`, RFC 7239).
const FORWARDING_HEADERS: [&str; 4] = [
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-real-ip",
];

/// Whether a request from `peer` naming `host` may read the mailbox.
fn from_this_machine(peer: Option<IpAddr>, host: Option<&str>) -> bool {
    let peer_is_local = peer.is_some_and(|ip| match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        // (An IPv4 client of a dual-stack socket arrives as ::ffff:a.b.c.d.)
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    });
    peer_is_local && host.is_some_and(is_loopback_host)
}

/// Whether a `Host` value (`name[:port]`, `[v6][:port]`) names this machine.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, "")) => addr,
            Some((addr, rest)) if rest.strip_prefix(':').is_some_and(is_port) => addr,
            _ => return false,
        },
        None => match host.split_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return false,
            None => host,
        },
    };
    name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1" || name == "::1"
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

pub async fn page(State(db): State<Db>) -> Result<Html<String>> {
    let messages = outbox::recent(&db, 200).await?;
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Mailbox · Purser</title>\
         <link rel=\"stylesheet\" href=\"/pkg/purser.css\"></head><body><main class=\"page\">\
         <h1>Development mailbox</h1><p class=\"muted\">Every email Purser has queued, newest first. \
         This page exists because the server runs with <code>--dev-mailbox</code>.</p>",
    );
    if messages.is_empty() {
        html.push_str("<p>No messages yet.</p>");
    }
    for m in &messages {
        html.push_str(&format!(
            "<article class=\"card mail\"><h2>{}</h2><p class=\"muted\">To <span class=\"mail-to\">{}</span> · {}</p><pre>{}</pre></article>",
            escape(&m.subject),
            escape(&m.to),
            crate::storage::db::rfc3339(m.created_at),
            linkify(&escape(&m.body)),
        ));
    }
    html.push_str("</main></body></html>");
    Ok(Html(html))
}

pub async fn json(State(db): State<Db>) -> Result<Json<Vec<outbox::Message>>> {
    Ok(Json(outbox::recent(&db, 200).await?))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Turns http(s) URLs in already-escaped text into links.
fn linkify(escaped: &str) -> String {
    escaped
        .split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
                format!(
                    "<a href=\"{trimmed}\">{trimmed}</a>{}",
                    &word[trimmed.len()..]
                )
            } else {
                word.to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{from_this_machine, is_loopback_host};
    use std::net::IpAddr;

    #[test]
    fn only_requests_from_this_machine_naming_it() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        for (peer, host, allowed) in [
            (ip("127.0.0.1"), Some("localhost:3000"), true),
            (ip("::1"), Some("[::1]:3000"), true),
            (ip("::ffff:127.0.0.1"), Some("127.0.0.1"), true),
            // Another machine naming this one: the Host is the client's to choose.
            (ip("192.0.2.7"), Some("localhost:3000"), false),
            (ip("10.1.2.3"), Some("127.0.0.1:3000"), false),
            (ip("::ffff:192.0.2.7"), Some("localhost"), false),
            (ip("2001:db8::1"), Some("[::1]:3000"), false),
            // This machine, for another site's name (DNS rebinding).
            (ip("127.0.0.1"), Some("evil.example:3000"), false),
            (ip("127.0.0.1"), None, false),
            // No peer address known (not served by this server's listener).
            (None, Some("localhost:3000"), false),
        ] {
            assert_eq!(from_this_machine(peer, host), allowed, "{peer:?} {host:?}");
        }
    }

    #[test]
    fn only_loopback_hosts() {
        for host in [
            "127.0.0.1",
            "127.0.0.1:3000",
            "localhost",
            "localhost:8080",
            "LocalHost:1",
            "[::1]",
            "[::1]:3000",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:3000",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "127.0.0.1.nip.io:3000",
            "localhost:3000@evil.example",
            "localhost:",
            "localhost:abc",
            "localhost::3000",
            "[::1]::3000",
            "127.0.0.1:3000:1",
            "[::1]evil",
            "[::1]:",
            "[::2]:3000",
            "::1",
            "0.0.0.0:3000",
            "10.0.0.5:3000",
            "purser.example.com",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
