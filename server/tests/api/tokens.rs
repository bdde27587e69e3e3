use crate::helpers::TestApp;
use crate::on_both_databases;

on_both_databases!(
    tokens_are_shown_once_listed_and_revoked,
    token_api_rejects_bad_bodies,
    a_token_creates_no_token_that_outlasts_it
);

/// A leaked short-lived token must not mint a longer-lived one: its owner revoking
/// it would not end the intruder's access.
async fn a_token_creates_no_token_that_outlasts_it(app: TestApp) {
    use crate::helpers::api;
    use reqwest::Method;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    app.verify(&ada).await;
    let forever = app.token_for(&ada).await;
    let now = chrono::Utc::now().timestamp();
    let create = |token: String, expires: i64| {
        let app = &app;
        async move {
            api(
                app,
                Method::POST,
                "/api/user/tokens",
                &token,
                Some(serde_json::json!({"description": "minted", "expires": expires})),
            )
            .await
        }
    };
    // A token that never expires may create any token.
    let (status, hour) = create(forever.clone(), now + 3600).await;
    assert_eq!(status, 200, "{hour}");
    let hour = hour["tokenValue"].as_str().unwrap().to_owned();
    let (status, body) = create(forever, 0).await;
    assert_eq!(status, 200, "{body}");

    // The hour's token: no token past its own end, none that never expires.
    for expires in [0, now + 3601, now + 86_400] {
        let (status, body) = create(hour.clone(), expires).await;
        assert_eq!(status, 422, "expires {expires}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("no later than itself"),
            "{body}"
        );
    }
    let (status, body) = create(hour.clone(), now + 1800).await;
    assert_eq!(status, 200, "{body}");
    let half = body["tokenValue"].as_str().unwrap().to_owned();
    let (status, body) = create(half.clone(), now + 900).await;
    assert_eq!(status, 200, "{body}");
    let quarter = body["tokenValue"].as_str().unwrap().to_owned();

    // Revoking the hour's token revokes what it made, and what that made.
    let (status, _) = app.api_get("/api/user", Some(&quarter)).await;
    assert_eq!(status, 200);
    let (_, list) = app.api_get("/api/user/tokens", Some(&half)).await;
    let hour_id = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["expires"].as_i64() == Some(now + 3600))
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .expect("the hour's token is listed");
    let (status, body) = api(
        &app,
        Method::DELETE,
        &format!("/api/user/tokens/{hour_id}"),
        &half,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    for (token, what) in [
        (&hour, "the hour's"),
        (&half, "its child"),
        (&quarter, "its grandchild"),
    ] {
        let (status, _) = app.api_get("/api/user", Some(token)).await;
        assert_eq!(status, 401, "{what} token is revoked");
    }

    // A session (the password was given) may create any token.
    let (status, body) = app
        .call_as(
            &ada.client,
            "create_token",
            &[("description", "from the UI")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn tokens_are_shown_once_listed_and_revoked(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    // (A token needs a verified address: see the test below.)
    let (status, body) = app
        .call_as(&ada.client, "create_token", &[("description", "early")])
        .await;
    assert_eq!(status, 403, "{body}");
    app.verify(&ada).await;
    let first = app.token_for(&ada).await;
    assert!(first.starts_with("pur_"));

    let client = crate::helpers::client();
    let res = client
        .post(app.url("/api/user/tokens"))
        .header("Authorization", format!("token {first}"))
        .json(&serde_json::json!({"description": "ci"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let created: serde_json::Value = res.json().await.unwrap();
    let second = created["tokenValue"].as_str().unwrap().to_owned();
    let second_id = created["id"].as_str().unwrap().to_owned();

    let (status, list) = app.api_get("/api/user/tokens", Some(&second)).await;
    assert_eq!(status, 200);
    let tokens = list["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(
        !list.to_string().contains(&first) && !list.to_string().contains(&second),
        "values are never listed"
    );
    assert!(tokens
        .iter()
        .any(|t| t["description"] == "ci" && t["lastUsed"].as_i64().unwrap() > 0));

    // Someone else cannot revoke Ada's token.
    let eve = app.sign_up("Eve", "eve@example.com").await;
    app.verify(&eve).await;
    let eve_token = app.token_for(&eve).await;
    let res = client
        .delete(app.url(&format!("/api/user/tokens/{second_id}")))
        .header("Authorization", format!("token {eve_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    let res = client
        .delete(app.url(&format!("/api/user/tokens/{second_id}")))
        .header("Authorization", format!("token {first}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (status, body) = app.api_get("/api/user", Some(&second)).await;
    assert_eq!(status, 401, "a revoked token stops working at once: {body}");
    let (status, _) = app.api_get("/api/user", Some(&first)).await;
    assert_eq!(status, 200);
}

async fn token_api_rejects_bad_bodies(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    app.verify(&ada).await;
    let token = app.token_for(&ada).await;
    let client = crate::helpers::client();
    let post = |body: &'static str, content_type: &'static str| {
        client
            .post(app.url("/api/user/tokens"))
            .header("Authorization", format!("token {token}"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    for (body, content_type) in [
        ("{not json", "application/json"),
        ("{\"description\": 5}", "application/json"),
        (
            "{\"description\": \"x\", \"expires\": \"soon\"}",
            "application/json",
        ),
        ("description=x", "application/x-www-form-urlencoded"),
    ] {
        let res = post(body, content_type).await.unwrap();
        assert_eq!(res.status(), 400, "{body}");
        let err: serde_json::Value = res.json().await.unwrap();
        assert_eq!(err["code"], 400);
        assert!(err["message"].as_str().unwrap().len() > 10);
    }
    let long: &'static str =
        Box::leak(format!("{{\"description\": \"{}\"}}", "x".repeat(201)).into_boxed_str());
    let res = post(long, "application/json").await.unwrap();
    assert_eq!(res.status(), 422);
}
