//! Prometheus metrics, served on an address of their own (`--metrics-addr`, off by
//! default) so that what they tell about traffic never reaches the product's users:
//! bind it where only the monitoring system can reach it.
//!
//! - `purser_http_requests_total` and `purser_http_request_duration_seconds`, by
//!   method, route (the path pattern, such as `/api/orgs/{org}/members`, never the
//!   path itself, so the label set stays small) and status;
//! - `purser_db_pool_connections` (by `state`: `idle`, `in_use`) and
//!   `purser_db_pool_max_connections`;
//! - `purser_outbox_backlog` (messages waiting to be sent) and
//!   `purser_emails_total` (by `result`: `sent`, `failed`);
//! - `purser_billing_charges_total` (by `result`: `succeeded`, `failed`,
//!   `already_billed`), from every billing run in this process.
//!
//! Counters are recorded through the `metrics` facade, which does nothing until this
//! module installs the Prometheus recorder; the request layer is only added then.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use purser_services::storage::db::Db;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

/// The process's recorder: installed once, shared by every server in the process.
fn recorder() -> Result<PrometheusHandle, String> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("purser_http_request_duration_seconds".into()),
                    &[
                        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                        10.0,
                    ],
                )
                .map_err(|e| e.to_string())?
                .install_recorder()
                .map_err(|e| e.to_string())
        })
        .clone()
}

/// Serves `GET /metrics` at `addr`; returns the address it got (useful with port 0).
pub async fn serve(addr: SocketAddr, db: Db) -> std::io::Result<SocketAddr> {
    let handle = recorder().map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .with_state((handle, db));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    Ok(bound)
}

async fn scrape(State((handle, db)): State<(PrometheusHandle, Db)>) -> Response {
    let idle = db.num_idle() as f64;
    metrics::gauge!("purser_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("purser_db_pool_connections", "state" => "in_use")
        .set(f64::from(db.size()) - idle);
    metrics::gauge!("purser_db_pool_max_connections")
        .set(f64::from(db.options().get_max_connections()));
    match purser_services::email::outbox::backlog(&db).await {
        Ok(n) => metrics::gauge!("purser_outbox_backlog").set(n as f64),
        Err(e) => tracing::warn!(error = %e.chain(), "cannot count the outbox backlog"),
    }
    handle.run_upkeep();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// Counts each request and times it, by method, route pattern and status.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = match *req.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("purser_http_requests_total", &labels).increment(1);
    metrics::histogram!("purser_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
