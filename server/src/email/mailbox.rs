//! The development mailbox: every message in the outbox, readable in a browser.
//! It shows secrets (verification and invitation links), so it exists only when the
//! server is started with `--dev-mailbox`.

use super::outbox;
use crate::error::Result;
use crate::startup::AppState;
use axum::extract::State;
use axum::response::Html;
use axum::Json;

pub async fn page(State(state): State<AppState>) -> Result<Html<String>> {
    let messages = outbox::recent(&state.db, 200).await?;
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

pub async fn json(State(state): State<AppState>) -> Result<Json<Vec<outbox::Message>>> {
    Ok(Json(outbox::recent(&state.db, 200).await?))
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
