//! What a load balancer or an orchestrator probes: `GET /healthz` (the process
//! answers) and `GET /readyz` (it can serve: the database answers and holds every
//! migration this build knows). Neither needs a session or reveals anything else.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use purser_services::storage::db::{self, Db};

pub fn routes(db: Db) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .with_state(db)
}

/// 200 when the database answers and every migration of this build is applied; 503
/// (with the reason) otherwise, so a balancer sends no traffic to an instance that
/// lost its database or runs against one another version has not migrated yet.
async fn ready(State(db): State<Db>) -> (StatusCode, String) {
    let expected = db::MIGRATOR.iter().count() as i64;
    let applied: Result<(i64,), sqlx::Error> =
        sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&db)
            .await;
    match applied {
        Ok((n,)) if n >= expected => (StatusCode::OK, "ready\n".into()),
        Ok((n,)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {n} of {expected} migrations applied\n"),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the database does not answer\n".into(),
            )
        }
    }
}
