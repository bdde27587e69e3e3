//! Prometheus metrics on their own address, off unless asked for.

use crate::helpers::{api, client, demo_tokens, Database, TestApp};
use reqwest::Method;

async fn scrape(url: &str) -> String {
    let res = client().get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    res.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_and_show_the_pool_and_outbox() {
    for kind in [Database::Sqlite, Database::Postgres] {
        let app = TestApp::with(kind, |s| purser_server::startup::Settings {
            metrics_addr: Some("127.0.0.1:0".parse().unwrap()),
            ..s
        })
        .await;
        let t = demo_tokens(&app).await;
        for _ in 0..3 {
            let (status, _) =
                api(&app, Method::GET, "/api/orgs/acme/metadata", &t.admin, None).await;
            assert_eq!(status, 200);
        }
        let (status, _) = api(
            &app,
            Method::GET,
            "/api/orgs/nowhere/metadata",
            &t.admin,
            None,
        )
        .await;
        assert_eq!(status, 404);
        let url = app.metrics.clone().expect("metrics are served");
        let text = scrape(&url).await;
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("{kind:?}: no {prefix} in\n{text}"))
                .to_owned()
        };
        // By the route's pattern, never its path: the label set stays small.
        let ok = line(
            r#"purser_http_requests_total{method="GET",route="/api/orgs/{org}/metadata",status="200"}"#,
        );
        let count: f64 = ok.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(count >= 3.0, "{ok}");
        line(
            r#"purser_http_requests_total{method="GET",route="/api/orgs/{org}/metadata",status="404"}"#,
        );
        line(
            r#"purser_http_request_duration_seconds_bucket{method="GET",route="/api/orgs/{org}/metadata",status="200",le="0.005"}"#,
        );
        assert!(!text.contains("/api/orgs/acme"), "no path is a label");
        line(r#"purser_db_pool_connections{state="idle"}"#);
        line("purser_db_pool_max_connections");
        line("purser_outbox_backlog");

        // The product's own address has no such page.
        assert_not_served(&app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_setting_no_metrics_are_served() {
    let app = TestApp::sqlite().await;
    assert!(app.metrics.is_none());
    assert_not_served(&app).await;
}

/// `/metrics` on the product's address is just an unknown page.
async fn assert_not_served(app: &TestApp) {
    let res = client().get(app.url("/metrics")).send().await.unwrap();
    let text = res.text().await.unwrap();
    assert!(!text.contains("purser_http_requests_total"), "{text}");
}
