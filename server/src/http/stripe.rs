//! `POST /webhooks/stripe`: Stripe's events about payments and cards. The signature
//! is checked here, against the raw body, before anything is read from it; what an
//! event does is `purser_services::billing::stripe::events`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use purser_services::billing::stripe::{events, signature};
use purser_services::error::Error;
use purser_services::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/webhooks/stripe", post(receive))
}

async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(stripe) = state.stripe.as_deref() else {
        return Error::NotFound("Stripe is not this server's payment processor.".into())
            .into_response();
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if let Err(e) = signature::verify(&body, header, &stripe.config.webhook_secret, now) {
        tracing::warn!(error = %e, "a Stripe webhook was refused");
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "code": 400, "message": format!("Refused: {e}.") })),
        )
            .into_response();
    }
    match events::apply(&state.db, stripe, &state.settings.base_url, &body).await {
        Ok(applied) => {
            Json(serde_json::json!({ "received": true, "result": applied })).into_response()
        }
        Err(e) => e.into_response(),
    }
}
