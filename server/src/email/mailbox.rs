//! The development mailbox: every message in the outbox, readable in a browser.
//! It shows secrets (verification and invitation links), so it exists only when the
//! server is started with `--dev-mailbox`.

use super::outbox;
use crate::db::Db;
use crate::error::{Error, Result};
use axum::extract::{FromRef, Request, State};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

/// `/dev/mailbox` and `/dev/mailbox.json`, answering only on a loopback `Host`.
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

/// Answers 404 unless the request names a loopback `Host` (`127.0.0.1`, `[::1]` or
/// `localhost`, any port). A server started with `--dev-mailbox` on a reachable
/// address, or a page on another site whose name an attacker re-points at
/// 127.0.0.1 (DNS rebinding), then cannot read the secrets the mailbox shows.
async fn loopback_only(req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    if !host.is_some_and(is_loopback_host) {
        return Error::NotFound("Not found.".into()).into_response();
    }
    next.run(req).await
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
            crate::db::rfc3339(m.created_at),
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
    use super::is_loopback_host;

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
