//! Security headers on every response, and the Content Security Policy's nonce.
//!
//! Each request gets a fresh nonce (128 bits from the OS's CSPRNG) in its extensions.
//! When Leptos renders a page for that request, [`provide_nonce`] hands the same value
//! to Leptos, which writes it on every script it emits (the hydration loader and the
//! serialized resources); the response's `Content-Security-Policy` then allows exactly
//! those scripts. HTML gets the page policy below; everything else (the REST API,
//! server functions, the bundle, styles) gets a static policy that allows nothing,
//! which matters only if a browser is ever tricked into rendering one as a document.

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use std::sync::Arc;

/// This request's CSP nonce, kept in the request's extensions.
#[derive(Debug, Clone)]
pub struct CspNonce(Arc<str>);

impl CspNonce {
    fn generate() -> CspNonce {
        let mut bytes = [0u8; 16];
        OsRng.fill_bytes(&mut bytes);
        // base64url is within CSP's nonce grammar, and needs no escaping in HTML.
        CspNonce(URL_SAFE_NO_PAD.encode(bytes).into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The policy of an HTML page whose scripts carry `nonce`.
///
/// - `script-src`: the bundle from this origin, the inline scripts Leptos writes
///   (hydration loader, serialized resources) by nonce, and `'wasm-unsafe-eval'` to
///   compile the WASM bundle. No `'strict-dynamic'`: the bundle's
///   `<link rel="modulepreload">` carries no nonce and is allowed by `'self'`.
/// - `style-src 'self'`: the one stylesheet; no `<style>` elements and no inline
///   `style` attributes (the usage chart is SVG, sized by its own attributes).
/// - `connect-src 'self'`: server functions and the WASM fetch; nothing leaves.
/// - `frame-ancestors 'none'` (with `X-Frame-Options: DENY` for older browsers),
///   `base-uri 'none'`, `form-action 'self'`, `object-src 'none'`; `default-src
///   'none'` refuses whatever is not listed (frames, workers, media, manifests).
///
/// With Stripe as the processor (`stripe_origins`), its script, frames and API are
/// admitted too (Stripe.js mounts the card fields in frames of its own and calls its
/// API); without it, nothing outside this origin is.
pub fn page_policy(nonce: &str, stripe_origins: &str) -> String {
    let (script, frame, connect) = match stripe_origins {
        "" => (String::new(), "'none'".to_owned(), String::new()),
        o => (format!(" {o}"), o.to_owned(), format!(" {o}")),
    };
    format!(
        "default-src 'none'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'{script}; \
         style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'{connect}; \
         frame-src {frame}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of every response that is not HTML: nothing may load or run.
pub const STATIC_POLICY: &str =
    "default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The origins outside this one that pages admit: Stripe's, when it is configured
/// (space-separated), else none.
#[derive(Clone, Default)]
pub struct OutsideOrigins(pub Arc<str>);

/// Middleware: a nonce for the request, and the security headers on its response.
pub async fn security_headers(
    State(outside): State<OutsideOrigins>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = CspNonce::generate();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    let policy = match is_html(headers) {
        true => HeaderValue::from_str(&page_policy(nonce.as_str(), &outside.0))
            .expect("a base64url nonce and URL origins make a valid header value"),
        false => HeaderValue::from_static(STATIC_POLICY),
    };
    headers.insert(CONTENT_SECURITY_POLICY, policy);
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Invitation, verification and reset links carry their secret in the URL.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/html"))
        })
}

/// Gives Leptos this request's nonce. Called in the context of every page render
/// and server function; without it Leptos would invent a nonce of its own, which the
/// header would not name.
pub fn provide_nonce() {
    use leptos::prelude::{provide_context, use_context};
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_fresh_and_fit_the_csp_grammar() {
        let a = CspNonce::generate();
        let b = CspNonce::generate();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), 22, "128 bits in base64url");
        assert!(a
            .as_str()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }

    #[test]
    fn html_is_recognised_by_media_type() {
        let with = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
            is_html(&h)
        };
        assert!(with("text/html; charset=utf-8"));
        assert!(with("Text/HTML"));
        assert!(!with("application/json"));
        assert!(!with("text/css"));
        assert!(!with("application/wasm"));
        assert!(!is_html(&HeaderMap::new()));
    }
}
