//! PostgreSQL ends a deadlock or a serialization conflict by aborting one of the
//! transactions (SQLSTATE 40P01, 40001); the request then runs again (`http::retry`)
//! instead of answering 500. Here the database itself aborts the first writes to a table
//! with those codes, from a trigger counting on a sequence (which, unlike a table,
//! keeps counting when the transaction rolls back).

use crate::helpers::{api, demo_tokens, TestApp};
use reqwest::Method;
use serde_json::json;

/// Makes PostgreSQL abort the next `times` inserts into `table` with `code`.
async fn abort_inserts(app: &TestApp, table: &str, times: i64, code: &str) {
    for statement in [
        "CREATE SEQUENCE IF NOT EXISTS injected_aborts".to_owned(),
        format!(
            "CREATE OR REPLACE FUNCTION abort_first() RETURNS trigger AS $$ BEGIN \
             IF nextval('injected_aborts') <= {times} THEN \
             RAISE EXCEPTION 'injected conflict' USING ERRCODE = '{code}'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql"
        ),
        "SELECT setval('injected_aborts', 1, false)".to_owned(),
        format!("DROP TRIGGER IF EXISTS abort_first ON {table}"),
        format!(
            "CREATE TRIGGER abort_first BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION abort_first()"
        ),
    ] {
        sqlx::query(&statement).execute(&app.db).await.unwrap();
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_aborted_by_a_conflict_runs_again() {
    let app = TestApp::postgres().await;
    let t = demo_tokens(&app).await;
    let before = count(&app, "SELECT COUNT(*) FROM stack_updates").await;

    // A deadlock victim, then a serialization failure: the third attempt commits, once.
    abort_inserts(&app, "stack_updates", 2, "40P01").await;
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/stacks/website/production/updates",
        &t.member,
        Some(json!({"resourceCount": 7})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM stack_updates").await,
        before + 1
    );
    crate::helpers::assert_rollups_are_rebuilds(&app).await;

    abort_inserts(&app, "stack_updates", 1, "40001").await;
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/stacks/website/production/updates",
        &t.member,
        Some(json!({"resourceCount": 8})),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // A server function (the UI's sign-up) runs again the same way.
    abort_inserts(&app, "users", 3, "40P01").await;
    let (status, body) = app
        .call(
            "sign_up",
            &[
                ("name", "Retry"),
                ("email", "retry@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM users WHERE email = 'retry@example.com'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_keeps_losing_answers_503_and_changes_nothing() {
    let app = TestApp::postgres().await;
    let t = demo_tokens(&app).await;
    let before = count(&app, "SELECT COUNT(*) FROM stack_updates").await;
    abort_inserts(&app, "stack_updates", 100, "40P01").await;
    let res = crate::helpers::client()
        .post(app.url("/api/orgs/acme/stacks/website/production/updates"))
        .header("Authorization", format!("token {}", t.member))
        .json(&json!({"resourceCount": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], 503);
    assert!(
        body["message"].as_str().unwrap().contains("try again"),
        "{body}"
    );
    // Each attempt took one abort: exactly `ATTEMPTS` of them ran.
    let used: i64 = count(&app, "SELECT last_value FROM injected_aborts").await;
    assert_eq!(used, i64::from(purser_server::http::retry::ATTEMPTS));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM stack_updates").await,
        before
    );

    abort_inserts(&app, "users", 100, "40001").await;
    let (status, body) = app
        .call(
            "sign_up",
            &[
                ("name", "Unlucky"),
                ("email", "unlucky@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert!(body.to_string().contains("try again"), "{body}");
}

/// A database that cannot be reached now (here PostgreSQL answers a write with
/// 57P01, what a restart answers the statements running on it) is not the server's
/// bug: 503 with `Retry-After` on both surfaces, never 500, and a write is not run again
/// (it might have committed before its connection went).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_cannot_be_reached_answers_503_with_retry_after() {
    let app = TestApp::postgres().await;
    let t = demo_tokens(&app).await;
    abort_inserts(&app, "stack_updates", 100, "57P01").await;
    let res = crate::helpers::client()
        .post(app.url("/api/orgs/acme/stacks/website/production/updates"))
        .header("Authorization", format!("token {}", t.member))
        .json(&json!({"resourceCount": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert_eq!(res.headers()["retry-after"], "2");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], 503);
    assert!(
        body["message"].as_str().unwrap().contains("try again"),
        "{body}"
    );
    let used: i64 = count(&app, "SELECT last_value FROM injected_aborts").await;
    assert_eq!(used, 1, "a write is not run again");

    // A server function says the same, with the same header; and one that lost its
    // conflicts each time says when to come back too.
    for (code, retry_after) in [("57P01", "2"), ("40001", "1")] {
        abort_inserts(&app, "users", 100, code).await;
        let res = crate::helpers::client()
            .post(app.url("/fn/sign_up"))
            .header("origin", &app.base)
            .form(&[
                ("name", "Unreachable"),
                ("email", "unreachable@example.com"),
                ("password", "a long password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 503, "{code}");
        assert_eq!(res.headers()["retry-after"], retry_after, "{code}");
        // The mark that told the retry layer why stays inside the server.
        assert!(
            res.headers()
                .get(purser_services::answer::RETRY_MARK)
                .is_none(),
            "{code}"
        );
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(body.to_string().contains("try again"), "{code}: {body}");
    }
}
