//! What every server function's answer passes through on its way out.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use purser_core::error::AppError;
use purser_services::answer::{Failure, RETRY_MARK};

/// Gives a server function's error the status its kind calls for, and `Retry-After`
/// where it has one, from the error in its body: leptos answers 500 for errors that
/// never reached our code (a missing or malformed argument), and knows no
/// `Retry-After`. A server function (or a page rendering one) that failed in a way
/// worth running again marked its answer with a header (`ssr::run` in the app), which
/// becomes the answer's extension here, where the retry layer reads it; the header
/// never leaves the server.
pub async fn status(req: Request, next: Next) -> Response {
    let is_server_fn = req.uri().path().starts_with("/fn/");
    let mut res = next.run(req).await;
    if let Some(mark) = res.headers_mut().remove(RETRY_MARK) {
        if let Some(failure) = mark.to_str().ok().and_then(Failure::parse) {
            res.extensions_mut().insert(failure);
        }
    }
    if !is_server_fn || res.status().as_u16() < 400 {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let error = serde_json::from_slice::<AppError>(&bytes).ok();
    let res = Response::from_parts(parts, axum::body::Body::from(bytes));
    match error {
        Some(error) => purser_services::answer::answer(&error, res),
        None => res,
    }
}
