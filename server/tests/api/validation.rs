//! Bad input gets a 4xx with a clear message, never a 500, and the message never
//! repeats what was sent: limits on every text field, control characters refused at
//! the edge, JSON errors everywhere under `/api`.

use crate::helpers::{api, demo_tokens, TestApp};
use crate::on_both_databases;
use reqwest::Method;
use serde_json::{json, Value};

on_both_databases!(
    a_card_number_of_the_wrong_type_is_not_echoed,
    a_huge_team_description_is_refused,
    every_stored_text_field_has_a_limit,
    nul_in_a_json_string_is_refused,
    nul_in_a_path_segment_is_refused,
    nul_in_a_query_value_is_refused,
    nul_in_a_server_function_argument_is_refused,
    errors_before_a_handler_are_json,
    a_body_over_the_limit_is_refused,
);

/// A raw request with a token; returns the status, the body as text, and its JSON.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<(&str, String)>,
) -> (u16, String, Value) {
    let mut req = crate::helpers::client()
        .request(method, app.url(path))
        .header("Authorization", format!("token {token}"));
    if let Some((content_type, body)) = body {
        req = req.header("Content-Type", content_type).body(body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, text, value)
}

/// An error answer of the REST API: `{code, message}` with the status as the code.
fn assert_error_body(status: u16, text: &str, value: &Value) {
    assert_eq!(value["code"], status, "not {{code, message}}: {text}");
    assert!(
        value["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{text}"
    );
}

async fn a_card_number_of_the_wrong_type_is_not_echoed(app: TestApp) {
    let demo = demo_tokens(&app).await;
    let body =
        r#"{"holder": "Alice Admin", "number": 4242424242424242, "expiry": "12/40", "cvc": "123"}"#;
    let (status, text, value) = send(
        &app,
        Method::PUT,
        "/api/orgs/acme/billing/payment-method",
        &demo.admin,
        Some(("application/json", body.into())),
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert_error_body(status, &text, &value);
    assert!(!text.contains("4242"), "the number is echoed: {text}");
    let message = value["message"].as_str().unwrap();
    assert!(
        message.contains("number") && message.contains("expected a string"),
        "the message names the field and what was expected: {message}"
    );

    // A field the body should not have: named, its value never repeated.
    let body = r#"{"holder": "A", "number": "4242424242424242", "expiry": "12/40", "cvc": "123", "pin": "98765"}"#;
    let (status, text, _) = send(
        &app,
        Method::PUT,
        "/api/orgs/acme/billing/payment-method",
        &demo.admin,
        Some(("application/json", body.into())),
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert!(
        !text.contains("98765") && !text.contains("4242"),
        "echoed: {text}"
    );

    // Malformed JSON: where it broke, not what was there.
    let (status, text, value) = send(
        &app,
        Method::PUT,
        "/api/orgs/acme/billing/payment-method",
        &demo.admin,
        Some((
            "application/json",
            r#"{"number": 4242424242424242x}"#.into(),
        )),
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert_error_body(status, &text, &value);
    assert!(!text.contains("4242"), "echoed: {text}");
}

async fn a_huge_team_description_is_refused(app: TestApp) {
    let demo = demo_tokens(&app).await;
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/teams",
        &demo.admin,
        Some(json!({"name": "huge", "description": "d".repeat(200_000)})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], 422);
    assert!(
        body["message"].as_str().unwrap().contains("at most 1000"),
        "{body}"
    );
    let (_, teams) = api(&app, Method::GET, "/api/orgs/acme/teams", &demo.admin, None).await;
    assert!(
        !teams.to_string().contains("huge"),
        "nothing was stored: {teams}"
    );
    // At the limit it is accepted.
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/teams",
        &demo.admin,
        Some(json!({"name": "big", "description": "d".repeat(1_000)})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn every_stored_text_field_has_a_limit(app: TestApp) {
    let demo = demo_tokens(&app).await;
    let long = "x".repeat(101);
    let cases = [
        ("/api/orgs/acme/teams", json!({"name": long})),
        ("/api/orgs/acme/tokens", json!({"name": long})),
        (
            "/api/orgs/acme/policygroups",
            json!({"name": long, "entityType": "stacks"}),
        ),
        (
            "/api/orgs/acme/policypacks",
            json!({"name": long, "displayName": "x", "policies": [{}]}),
        ),
        (
            "/api/orgs/acme/tokens",
            json!({"name": "ci", "description": "x".repeat(201)}),
        ),
        (
            "/api/orgs/acme/stacks",
            json!({"project": long, "name": "dev"}),
        ),
        (
            "/api/orgs/acme/stacks",
            json!({"project": "web", "name": long}),
        ),
        ("/api/user/tokens", json!({"description": "x".repeat(201)})),
        (
            "/api/orgs/acme/billing/payment-method",
            json!({"holder": long, "number": "4242424242424242", "expiry": "12/40", "cvc": "123"}),
        ),
        // Line breaks have no place in a single-line field.
        ("/api/user/tokens", json!({"description": "two\nlines"})),
        ("/api/orgs/acme/teams", json!({"name": "two\nlines"})),
    ];
    for (path, body) in cases {
        let method = if path.ends_with("payment-method") {
            Method::PUT
        } else {
            Method::POST
        };
        let (status, answer) = api(&app, method, path, &demo.admin, Some(body.clone())).await;
        assert_eq!(status, 422, "{path} {body}: {answer}");
        assert!(
            !answer.to_string().contains(&long),
            "echoed the value: {answer}"
        );
    }
    // A pack's policies are counted too, as its document says (found by schemathesis).
    let policies = vec![json!(null); 1001];
    let (status, answer) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/policypacks",
        &demo.admin,
        Some(json!({"name": "big", "displayName": "Big", "policies": policies})),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("at most 1000"),
        "{answer}"
    );
}

async fn nul_in_a_json_string_is_refused(app: TestApp) {
    let demo = demo_tokens(&app).await;
    for (path, body) in [
        ("/api/user/tokens", r#"{"description": "ci\u0000"}"#),
        (
            "/api/orgs/acme/teams",
            r#"{"name": "ops", "description": "a\u0000b"}"#,
        ),
        (
            "/api/orgs/acme/invites/batch",
            r#"{"invites": [{"email": "x\u0000@example.com", "role": "member"}]}"#,
        ),
        ("/api/orgs/acme/teams", r#"{"name": "esc\u001b"}"#),
    ] {
        let (status, text, value) = send(
            &app,
            Method::POST,
            path,
            &demo.admin,
            Some(("application/json", body.into())),
        )
        .await;
        assert_eq!(status, 400, "{path} {body}: {text}");
        assert_error_body(status, &text, &value);
        assert!(text.contains("control character"), "{text}");
    }
    // Tabs and line breaks are text, where a field allows them.
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/teams",
        &demo.admin,
        Some(json!({"name": "ops", "description": "Runs\n\tthe platform"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn nul_in_a_path_segment_is_refused(app: TestApp) {
    let demo = demo_tokens(&app).await;
    for (method, path) in [
        (Method::DELETE, "/api/orgs/acme/tokens/%00"),
        (Method::DELETE, "/api/user/tokens/a%00b"),
        (Method::GET, "/api/orgs/acme%00/metadata"),
        (Method::DELETE, "/api/orgs/acme/members/%00"),
        (Method::GET, "/api/orgs/%FF/metadata"),
        (Method::GET, "/acme%00/settings"),
    ] {
        let (status, text, value) = send(&app, method.clone(), path, &demo.admin, None).await;
        assert_eq!(status, 400, "{method} {path}: {text}");
        assert_error_body(status, &text, &value);
    }
}

async fn nul_in_a_query_value_is_refused(app: TestApp) {
    let demo = demo_tokens(&app).await;
    for path in [
        "/api/orgs/acme/members?continuationToken=%00",
        "/api/orgs/acme/auditlogs?event=role.granted%00",
        "/api/orgs/acme/invites?role=member&x=%00",
        "/api/orgs/acme/resources/summary?granularity=%FF",
    ] {
        let (status, text, value) = send(&app, Method::GET, path, &demo.admin, None).await;
        assert_eq!(status, 400, "{path}: {text}");
        assert_error_body(status, &text, &value);
        assert!(text.contains("query value"), "{path}: {text}");
    }
    // A bad value of the right kind names the parameter, not the value.
    let (status, text, _) = send(
        &app,
        Method::GET,
        "/api/orgs/acme/members?limit=9876543210987",
        &demo.admin,
        None,
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("limit") && !text.contains("9876543210987"),
        "{text}"
    );
}

async fn nul_in_a_server_function_argument_is_refused(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    app.verify(&ada).await;
    let (status, body) = app
        .call_as(&ada.client, "create_token", &[("description", "ci\0")])
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["BadRequest"]
            .as_str()
            .is_some_and(|m| m.contains("control character")),
        "the UI's error shape: {body}"
    );
    let (status, body) = app
        .call_as(
            &ada.client,
            "create_token",
            &[("description", &"x".repeat(201))],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "description", "{body}");
    // Nothing was stored.
    let token = app.token_for(&ada).await;
    let (_, list) = app.api_get("/api/user/tokens", Some(&token)).await;
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1, "{list}");
}

async fn errors_before_a_handler_are_json(app: TestApp) {
    let demo = demo_tokens(&app).await;
    // A method the endpoint does not have.
    let (status, text, value) = send(&app, Method::PUT, "/api/user", &demo.admin, None).await;
    assert_eq!(status, 405, "{text}");
    assert_error_body(status, &text, &value);
    let (status, text, value) = send(
        &app,
        Method::PATCH,
        "/api/orgs/acme/teams",
        &demo.admin,
        Some(("application/json", "{}".into())),
    )
    .await;
    assert_eq!(status, 405, "{text}");
    assert_error_body(status, &text, &value);
    assert!(text.contains("PATCH"), "names the method: {text}");
    // No such endpoint.
    let (status, text, value) = send(&app, Method::GET, "/api/nowhere", &demo.admin, None).await;
    assert_eq!(status, 404, "{text}");
    assert_error_body(status, &text, &value);
    // A body that is not JSON, or not declared as JSON.
    let (status, text, value) = send(
        &app,
        Method::POST,
        "/api/orgs/acme/teams",
        &demo.admin,
        Some(("text/plain", r#"{"name": "x"}"#.into())),
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert_error_body(status, &text, &value);
}

async fn a_body_over_the_limit_is_refused(app: TestApp) {
    let demo = demo_tokens(&app).await;
    let description = "d".repeat(2 << 20);
    let (status, text, value) = send(
        &app,
        Method::POST,
        "/api/orgs/acme/teams",
        &demo.admin,
        Some((
            "application/json",
            json!({"name": "big", "description": description}).to_string(),
        )),
    )
    .await;
    assert_eq!(status, 413, "{}", &text[..text.len().min(200)]);
    assert_error_body(status, &text, &value);
}
