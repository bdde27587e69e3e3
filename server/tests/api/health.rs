//! The probes a load balancer uses: `/healthz` while the process answers, `/readyz`
//! only while the database answers with every migration applied.

use crate::helpers::TestApp;
use crate::on_both_databases;

on_both_databases!(health_and_readiness_answer_for_the_balancer);

async fn health_and_readiness_answer_for_the_balancer(app: TestApp) {
    let get = |path: &str| reqwest::get(app.url(path));
    let health = get("/healthz").await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok\n");
    let ready = get("/readyz").await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready\n");

    // A database that lacks one of this build's migrations is not ready for it.
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let behind = get("/readyz").await.unwrap();
    assert_eq!(behind.status(), 503);
    assert!(behind.text().await.unwrap().contains("migrations applied"));
    assert_eq!(
        get("/healthz").await.unwrap().status(),
        200,
        "alive all the same"
    );

    // Without its database, not ready either.
    app.db.close().await;
    let closed = get("/readyz").await.unwrap();
    assert_eq!(closed.status(), 503);
    assert_eq!(
        closed.text().await.unwrap(),
        "not ready: the database does not answer\n"
    );
}
