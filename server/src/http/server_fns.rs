//! What every server function's answer passes through on its way out.

use purser_core::error::AppError;

/// Gives a server function's error the status its kind calls for, and `Retry-After`
/// where it has one, from the error in its body: leptos answers 500 for errors that
/// never reached our code (a missing or malformed argument), and knows no
/// `Retry-After`.
pub async fn status(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_server_fn = req.uri().path().starts_with("/fn/");
    let res = next.run(req).await;
    if !is_server_fn || res.status().as_u16() < 400 {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let error = serde_json::from_slice::<AppError>(&bytes).ok();
    let res = axum::response::Response::from_parts(parts, axum::body::Body::from(bytes));
    match error {
        Some(error) => purser_services::answer::answer(&error, res),
        None => res,
    }
}
