use crate::helpers::TestApp;
use crate::on_both_databases;
use serde_json::Value;

on_both_databases!(
    members_are_redacted_by_role,
    outsiders_and_anonymous_callers_are_refused,
    metadata_counts_members_without_billing_managers,
    members_are_paginated_with_continuation_tokens,
    bad_organization_input_gets_a_clear_4xx,
    the_ui_refuses_members_list_to_billing_managers,
    roles_change_between_admin_and_member_and_an_admin_always_remains,
    lists_carry_stored_text_unchanged,
);

async fn demo_tokens(app: &TestApp) -> (String, String, String) {
    let t = crate::helpers::demo_tokens(app).await;
    (t.admin, t.member, t.billing_manager)
}

fn members(body: &Value) -> &Vec<Value> {
    body["members"].as_array().unwrap()
}

async fn members_are_redacted_by_role(app: TestApp) {
    let (admin, member, billing_manager) = demo_tokens(&app).await;

    let (status, body) = app.api_get("/api/orgs/acme/members", Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(members(&body).len(), 3);
    assert!(members(&body)
        .iter()
        .all(|m| m["user"]["email"].is_string() && m["user"]["name"] != ""));

    let (status, body) = app.api_get("/api/orgs/acme/members", Some(&member)).await;
    assert_eq!(status, 200);
    assert!(members(&body)
        .iter()
        .all(|m| m["user"]["name"] != "" && m["user"].get("email").is_none()));

    let (status, body) = app
        .api_get("/api/orgs/acme/members", Some(&billing_manager))
        .await;
    assert_eq!(status, 200);
    assert_eq!(members(&body).len(), 3);
    for m in members(&body) {
        // Pulumi's shape, with the person present and empty: role and join date only.
        assert_eq!(
            m["user"],
            serde_json::json!({"name": "", "githubLogin": "", "avatarUrl": ""}),
            "a billing manager sees role and join date only: {m}"
        );
        assert!(m.get("userId").is_none(), "{m}");
        assert!(m["created"].is_string() && m["role"].is_string(), "{m}");
    }
    let text = body.to_string();
    for secret in ["@acme.example", "Alice", "Bob", "Carol"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked to a billing manager: {text}"
        );
    }
}

async fn outsiders_and_anonymous_callers_are_refused(app: TestApp) {
    demo_tokens(&app).await;
    let eve = app.sign_up("Eve", "eve@example.com").await;
    app.verify(&eve).await;
    let eve_token = app.token_for(&eve).await;
    for path in ["/api/orgs/acme/members", "/api/orgs/acme/metadata"] {
        let (status, body) = app.api_get(path, Some(&eve_token)).await;
        assert_eq!(status, 404, "outsider on {path}: {body}");
        assert_eq!(body["code"], 404);
        let (status, body) = app.api_get(path, None).await;
        assert_eq!(status, 401, "anonymous on {path}");
        assert_eq!(body["code"], 401);
        let (status, _) = app.api_get(path, Some("pur_not-a-real-token")).await;
        assert_eq!(status, 401, "bad token on {path}");
    }
    let (status, body) = app
        .api_get("/api/orgs/no-such-org/members", Some(&eve_token))
        .await;
    assert_eq!(status, 404);
    assert!(body["message"].as_str().unwrap().contains("no-such-org"));
    let (status, _) = app.api_get("/api/no/such/endpoint", Some(&eve_token)).await;
    assert_eq!(status, 404);
}

async fn metadata_counts_members_without_billing_managers(app: TestApp) {
    let (admin, member, billing_manager) = demo_tokens(&app).await;
    for token in [&admin, &member, &billing_manager] {
        let (status, body) = app.api_get("/api/orgs/acme/metadata", Some(token)).await;
        assert_eq!(status, 200);
        assert_eq!(
            body["memberCount"], 3,
            "1 admin + 2 members; the billing manager is not counted"
        );
        assert_eq!(body["billingManagerCount"], 1);
        assert_eq!(body["edition"], "team");
    }
    let (_, body) = app
        .api_get("/api/orgs/acme/metadata", Some(&billing_manager))
        .await;
    assert_eq!(body["role"], "billing-manager");

    // Filtered by role: stacks are not a billing manager's, settings only admins'.
    let (_, body) = app.api_get("/api/orgs/acme/metadata", Some(&admin)).await;
    assert!(body["stackCount"].as_u64().unwrap() > 0, "{body}");
    assert_eq!(body["identityProvider"], "open");
    let (_, body) = app.api_get("/api/orgs/acme/metadata", Some(&member)).await;
    assert!(body["stackCount"].as_u64().unwrap() > 0, "{body}");
    assert!(body.get("identityProvider").is_none(), "{body}");
    let (_, body) = app
        .api_get("/api/orgs/acme/metadata", Some(&billing_manager))
        .await;
    assert_eq!(body["stackCount"], 0, "{body}");
    assert!(body.get("identityProvider").is_none(), "{body}");
}

async fn members_are_paginated_with_continuation_tokens(app: TestApp) {
    let (admin, _, billing_manager) = demo_tokens(&app).await;
    for token in [&admin, &billing_manager] {
        let mut seen = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let path = match &next {
                Some(t) => format!("/api/orgs/acme/members?limit=1&continuationToken={t}"),
                None => "/api/orgs/acme/members?limit=1".to_owned(),
            };
            let (status, body) = app.api_get(&path, Some(token)).await;
            assert_eq!(status, 200, "{body}");
            assert!(members(&body).len() <= 1);
            seen.extend(members(&body).iter().cloned());
            match body["continuationToken"].as_str() {
                Some(t) => next = Some(t.to_owned()),
                None => break,
            }
            assert!(seen.len() <= 3, "pagination must end");
        }
        assert_eq!(seen.len(), 3);
    }
    let (_, all) = app.api_get("/api/orgs/acme/members", Some(&admin)).await;
    let ids: std::collections::HashSet<_> =
        members(&all).iter().map(|m| m["userId"].clone()).collect();
    assert_eq!(ids.len(), 3, "every member exactly once");

    for bad in ["limit=0", "limit=501", "limit=abc", "continuationToken=%%%"] {
        let (status, body) = app
            .api_get(&format!("/api/orgs/acme/members?{bad}"), Some(&admin))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["message"].is_string());
    }
}

async fn bad_organization_input_gets_a_clear_4xx(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    app.verify(&ada).await;
    let cases: &[(&str, &str, u16)] = &[
        ("-bad-", "team", 422),
        ("api", "team", 422),
        ("", "team", 422),
        // Not an edition at all: refused before any code runs (the argument is typed).
        ("good-name", "platinum", 400),
    ];
    for &(name, edition, status) in cases {
        let (got, body) = app
            .call_as(
                &ada.client,
                "create_org",
                &[("name", name), ("display_name", ""), ("edition", edition)],
            )
            .await;
        assert_eq!(got, status, "{name}/{edition}: {body}");
    }
    let (got, _) = app
        .call_as(
            &ada.client,
            "create_org",
            &[("name", "taken"), ("display_name", ""), ("edition", "team")],
        )
        .await;
    assert_eq!(got, 200);
    let (got, body) = app
        .call_as(
            &ada.client,
            "create_org",
            &[("name", "TAKEN"), ("display_name", ""), ("edition", "team")],
        )
        .await;
    assert_eq!(got, 409, "{body}");
    let (got, _) = app
        .call(
            "create_org",
            &[("name", "anon"), ("display_name", ""), ("edition", "team")],
        )
        .await;
    assert_eq!(got, 401, "signed out");
}

async fn the_ui_refuses_members_list_to_billing_managers(app: TestApp) {
    demo_tokens(&app).await;
    let dana = crate::helpers::signed_in(&app, "dana@acme.example", "dana-demo-password").await;
    let (status, body) = app.call_as(&dana, "org_members", &[("org", "acme")]).await;
    assert_eq!(
        status, 403,
        "members:list is API only for billing managers: {body}"
    );
    let page = dana
        .get(app.url("/acme/settings/members"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
    let html = page.text().await.unwrap();
    assert!(html.contains("Not allowed"));
    assert!(!html.contains("alice@acme.example") && !html.contains("Alice Admin"));

    let bob = crate::helpers::signed_in(&app, "bob@acme.example", "bob-demo-password").await;
    let html = bob
        .get(app.url("/acme/settings/members"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Alice Admin"), "members see names");
    assert!(
        !html.contains("alice@acme.example"),
        "members never see emails"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::sqlite().await;
    let (status, doc) = app.api_get("/api/openapi.json", None).await;
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/user",
        "/api/user/tokens",
        "/api/user/tokens/{id}",
        "/api/user/pending-invites",
        "/api/orgs/{org}/metadata",
        "/api/orgs/{org}/members",
        "/api/orgs/{org}/members/{userLogin}",
        "/api/orgs/{org}/invites",
        "/api/orgs/{org}/invites/batch",
        "/api/orgs/{org}/invites/link",
        "/api/orgs/{org}/invites/{id}",
        "/api/orgs/{org}/invites/{id}/resend",
        "/api/orgs/{org}/billing-managers",
        "/api/orgs/{org}/billing-managers/{userId}",
        "/api/orgs/{org}/identity-provider",
        "/api/orgs/{org}/identity-provider/emails",
        "/api/orgs/{org}/identity-provider/emails/{email}",
        "/api/orgs/{org}/auditlogs",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} is missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
    // Every list's page size says its bounds, so that a client (and schemathesis) knows
    // `limit=0` is refused.
    let mut limits = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            for param in op["parameters"].as_array().into_iter().flatten() {
                if param["name"] == "limit" {
                    limits += 1;
                    let schema = &param["schema"];
                    assert_eq!(schema["minimum"], 1, "{method} {path}: {schema}");
                    assert!(
                        schema["maximum"].as_i64().is_some(),
                        "{method} {path}: {schema}"
                    );
                }
            }
        }
    }
    assert!(limits >= 10, "{limits} limits");
}

async fn roles_change_between_admin_and_member_and_an_admin_always_remains(app: TestApp) {
    use crate::helpers::api;
    use reqwest::Method;
    use serde_json::json;
    let (admin, member, _) = demo_tokens(&app).await;
    let id_of = |email: &'static str| {
        let app = &app;
        async move {
            use sqlx::Row;
            sqlx::query("SELECT login FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&app.db)
                .await
                .unwrap()
                .get::<String, _>("login")
        }
    };
    let (alice, bob, dana) = (
        id_of("alice@acme.example").await,
        id_of("bob@acme.example").await,
        id_of("dana@acme.example").await,
    );
    let patch = |who: String, token: String, role: &'static str| {
        let app = &app;
        async move {
            api(
                app,
                Method::PATCH,
                &format!("/api/orgs/acme/members/{who}"),
                &token,
                Some(json!({"role": role})),
            )
            .await
        }
    };
    // The only admin cannot step down, nor be removed.
    let (status, body) = patch(alice.clone(), admin.clone(), "member").await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("at least one admin"));
    let (status, _) = api(
        &app,
        Method::DELETE,
        &format!("/api/orgs/acme/members/{alice}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 409);
    // Members may not change roles; billing managers and unknown roles are refused.
    let (status, _) = patch(bob.clone(), member.clone(), "admin").await;
    assert_eq!(status, 403);
    let (status, body) = patch(dana.clone(), admin.clone(), "member").await;
    assert_eq!(status, 404, "billing managers are not members: {body}");
    let (status, body) = patch(bob.clone(), admin.clone(), "billing-manager").await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = patch(bob.clone(), admin.clone(), "owner").await;
    assert_eq!(status, 422, "{body}");
    // Bob becomes an admin; then Alice may step down, and Bob is the one admin left.
    let (status, body) = patch(bob.clone(), admin.clone(), "admin").await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = patch(alice.clone(), admin.clone(), "member").await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = patch(bob.clone(), admin.clone(), "member").await;
    assert_eq!(
        status, 403,
        "Alice is a member now: she may not change roles"
    );
    let (_, me) = app.api_get("/api/user", Some(&admin)).await;
    assert_eq!(
        me["organizations"][0]["role"], "member",
        "Alice is a member now: {me}"
    );
    let count: i64 = {
        use sqlx::Row;
        sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE event = 'role.changed'")
            .fetch_one(&app.db)
            .await
            .unwrap()
            .get("n")
    };
    assert_eq!(count, 2);
    crate::helpers::assert_counts_are_recounts(&app).await;
}

/// Lists are read from the database as one JSON document per page
/// (`server::json_rows`): names with quotes, backslashes, markup and characters beyond
/// the BMP come back exactly as stored, in every list read that way.
async fn lists_carry_stored_text_unchanged(app: TestApp) {
    let (admin, _, _) = demo_tokens(&app).await;
    let tricky = "Zo\u{eb} \"Q\" O'Brien \\ </script> \u{1f680}";
    sqlx::query(
        "UPDATE users SET name = $1 WHERE id IN (SELECT m.user_id FROM memberships m \
         JOIN organizations o ON o.id = m.org_id WHERE o.name = 'acme')",
    )
    .bind(tricky)
    .execute(&app.db)
    .await
    .unwrap();

    let (status, body) = app.api_get("/api/orgs/acme/members", Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(members(&body).len(), 3);
    for m in members(&body) {
        assert_eq!(m["user"]["name"], tricky, "{m}");
    }
    let (status, body) = app
        .api_get("/api/orgs/acme/billing-managers", Some(&admin))
        .await;
    assert_eq!(status, 200, "{body}");
    let managers = body["billingManagers"].as_array().unwrap();
    assert!(!managers.is_empty());
    for m in managers {
        assert_eq!(m["name"], tricky, "{m}");
    }
    let (status, body) = app.api_get("/api/orgs/acme/invites", Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    let invites = body["invites"].as_array().unwrap();
    assert!(!invites.is_empty());
    for i in invites {
        assert_eq!(i["invitedBy"], tricky, "{i}");
    }
}
