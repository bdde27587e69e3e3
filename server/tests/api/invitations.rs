use crate::helpers::{api, batch, org_with_admin, secret_of, verified_users, TestApp};
use crate::on_both_databases;
use reqwest::Method;
use serde_json::{json, Value};
use sqlx::Row;

on_both_databases!(
    an_emailed_billing_manager_invitation_is_accepted_once,
    a_link_works_once,
    a_wrong_account_is_recorded_and_the_invitation_stays_pending,
    team_allows_one_billing_manager,
    only_admins_manage_invitations,
    resend_replaces_the_link_and_revoke_ends_it,
    the_directory_decides_who_may_join_and_stay,
    removing_a_billing_manager_ends_access_at_once,
    two_hundred_acceptances_of_one_link_make_one_member,
    fifty_billing_managers_on_team_make_exactly_one,
    pending_invitations_come_a_page_at_a_time,
    the_members_page_links_to_the_next_page_of_invitations,
    email_invitations_wait_on_home_for_their_address,
);

/// Home lists the email invitations waiting for a verified address, each accepted by
/// its id: only by that address's account, and never a link invitation.
async fn email_invitations_wait_on_home_for_their_address(app: TestApp) {
    let admin = crate::helpers::demo_tokens(&app).await.admin;
    let frank = app.sign_up("Frank", "frank@example.com").await;
    app.verify(&frank).await;
    let gail = app.sign_up("Gail", "gail@example.com").await;
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/batch",
        &admin,
        Some(batch(&["frank@example.com", "gail@example.com"], "member")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/link",
        &admin,
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Not verified: the address is not proven, so nothing is listed.
    let (status, list) = app.call_as(&gail.client, "my_invitations", &[]).await;
    assert_eq!((status, list.clone()), (200, json!([])), "{list}");

    let (status, list) = app.call_as(&frank.client, "my_invitations", &[]).await;
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(
        list.len(),
        1,
        "the email invitation, not the link: {list:?}"
    );
    assert_eq!(list[0]["org_name"], "acme");
    assert_eq!(list[0]["role"], "member");
    assert_eq!(list[0]["sent_by"], "Alice Admin");
    let id = list[0]["id"].as_str().unwrap().to_owned();

    // Someone else holding the id gets nothing, and the invitation stays pending.
    let eve = app.sign_up("Eve", "eve@example.com").await;
    app.verify(&eve).await;
    let (status, list) = app.call_as(&eve.client, "my_invitations", &[]).await;
    assert_eq!((status, list), (200, json!([])));
    let form = [("org", "acme"), ("id", id.as_str())];
    let (status, body) = app.call_as(&eve.client, "accept_invitation", &form).await;
    assert_eq!(status, 404, "{body}");

    let (status, body) = app.call_as(&frank.client, "accept_invitation", &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!(["acme", "member"]));
    let (_, list) = app.call_as(&frank.client, "my_invitations", &[]).await;
    assert_eq!(list, json!([]), "accepted, so no longer waiting");
    let (status, body) = app.call_as(&frank.client, "accept_invitation", &form).await;
    assert_eq!(status, 404, "once: {body}");
}

/// The Members page shows 25 pending invitations and links to the next 25, so an
/// admin reaches every invitation (to resend or revoke it) by clicking.
async fn the_members_page_links_to_the_next_page_of_invitations(app: TestApp) {
    let admin = crate::helpers::demo_tokens(&app).await.admin;
    for i in 0..30 {
        let email = format!("inv-{i:02}@example.com");
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/invites/batch",
            &admin,
            Some(batch(&[email.as_str()], "member")),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        // Apart in time, so that "newest first" has one answer.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let alice = crate::helpers::signed_in(&app, "alice@acme.example", "alice-demo-password").await;
    let first = app.html(&alice, "/acme/settings/members").await;
    assert!(
        first.contains("inv-29@") && first.contains("inv-05@") && !first.contains("inv-04@"),
        "the newest 25 first"
    );
    let href = crate::helpers::link_href(&first, "Next page of pending invitations")
        .expect("a link to the next page of invitations");
    assert!(
        href.starts_with("/acme/settings/members?invites_after="),
        "{href}"
    );
    let second = app.html(&alice, &href).await;
    assert!(
        second.contains("inv-04@") && second.contains("inv-00@") && !second.contains("inv-05@"),
        "the next page has the older ones"
    );
    assert!(
        !second.contains("Next page of pending invitations"),
        "the last page"
    );
}

/// The list of pending invitations is read a keyset page at a time, newest first, with
/// a token that works only for the list it came from; the UI shows the newest page.
async fn pending_invitations_come_a_page_at_a_time(app: TestApp) {
    let admin = org_with_admin(&app, "paged", "enterprise").await;
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/paged/invites/batch",
            &admin,
            Some(batch(&[email], "member")),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        // Apart in time, so that "newest first" has one answer.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let page = |query: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            api(
                app,
                Method::GET,
                &format!("/api/orgs/paged/invites?{query}"),
                &admin,
                None,
            )
            .await
        }
    };
    let (status, first) = page("limit=2".into()).await;
    assert_eq!(status, 200, "{first}");
    let emails = |body: &Value| -> Vec<String> {
        body["invites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["email"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(emails(&first), ["c@example.com", "b@example.com"]);
    let token = first["continuationToken"].as_str().unwrap().to_owned();
    let (_, second) = page(format!("limit=2&continuationToken={token}")).await;
    assert_eq!(emails(&second), ["a@example.com"]);
    assert!(second.get("continuationToken").is_none(), "{second}");
    let (status, _) = page(format!("role=member&continuationToken={token}")).await;
    assert_eq!(status, 400, "a token is for the list it came from");
    let (status, _) = page("limit=1001".into()).await;
    assert_eq!(status, 400);
    crate::helpers::assert_counts_are_recounts(&app).await;
    let id = first["invites"][0]["id"].as_str().unwrap();
    let path = format!("/api/orgs/paged/invites/{id}");
    assert_eq!(api(&app, Method::DELETE, &path, &admin, None).await.0, 204);
    let (status, _) = api(&app, Method::DELETE, &path, &admin, None).await;
    assert_eq!(status, 409, "revoked once");
    crate::helpers::assert_counts_are_recounts(&app).await;
}

async fn accept(app: &TestApp, org: &str, secret: &str, token: &str) -> (u16, Value) {
    api(
        app,
        Method::PATCH,
        &format!("/api/orgs/{org}/invites/{secret}"),
        token,
        None,
    )
    .await
}

async fn pending(app: &TestApp, org: &str, token: &str) -> Vec<Value> {
    let (status, body) = api(
        app,
        Method::GET,
        &format!("/api/orgs/{org}/invites"),
        token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["invites"].as_array().unwrap().clone()
}

async fn events(app: &TestApp, org: &str, token: &str) -> Vec<String> {
    let (status, body) = api(
        app,
        Method::GET,
        &format!("/api/orgs/{org}/auditlogs"),
        token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["auditLogEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_emailed_billing_manager_invitation_is_accepted_once(app: TestApp) {
    let admin = org_with_admin(&app, "ledger", "enterprise").await;
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/ledger/invites/batch",
        &admin,
        Some(batch(&["Bea@Example.com"], "billing-manager")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["failedInvites"], json!([]), "{body}");
    let list = pending(&app, "ledger", &admin).await;
    assert_eq!(list[0]["id"], body["sentInvites"][0]["id"]);
    assert_eq!(list[0]["email"], "bea@example.com");
    assert_eq!(list[0]["kind"], "email");

    // Bea signs up, verifies, and opens the emailed link.
    let bea = app.sign_up("Bea Counter", "bea@example.com").await;
    app.verify(&bea).await;
    let link = app.invite_link_to("bea@example.com").await;
    assert!(link.contains("/invites/"), "{link}");
    let bea_token = app.token_for(&bea).await;
    let (status, body) = accept(&app, "ledger", &secret_of(&link), &bea_token).await;
    assert_eq!(status, 204, "{body}");
    let (_, me) = api(&app, Method::GET, "/api/user", &bea_token, None).await;
    assert_eq!(me["organizations"][0]["role"], "billing-manager");

    let (_, bms) = api(
        &app,
        Method::GET,
        "/api/orgs/ledger/billing-managers",
        &admin,
        None,
    )
    .await;
    assert_eq!(bms["billingManagers"][0]["email"], "bea@example.com");
    assert!(bms["billingManagers"][0]["accepted"].is_string());
    let (_, own) = api(
        &app,
        Method::GET,
        "/api/orgs/ledger/billing-managers",
        &bea_token,
        None,
    )
    .await;
    assert_eq!(
        own["billingManagers"],
        json!([{"name": "Bea Counter"}]),
        "billing managers see names only"
    );

    let (_, meta) = api(&app, Method::GET, "/api/orgs/ledger/metadata", &admin, None).await;
    assert_eq!(
        (
            meta["memberCount"].as_u64(),
            meta["billingManagerCount"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert!(pending(&app, "ledger", &admin).await.is_empty());
    let log = events(&app, "ledger", &admin).await;
    for e in ["invitation.sent", "invitation.accepted", "role.granted"] {
        assert!(log.contains(&e.to_owned()), "{e} in {log:?}");
    }
    // Used: the same link is no longer valid.
    let (status, body) = accept(&app, "ledger", &secret_of(&link), &bea_token).await;
    assert_eq!(status, 404);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("no longer valid"));
}

async fn a_link_works_once(app: TestApp) {
    let admin = org_with_admin(&app, "links", "team").await;
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/links/invites/link",
        &admin,
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let secret = secret_of(body["acceptInviteUrl"].as_str().unwrap());
    assert!(secret.len() >= 43, "at least 256 bits, base64url");
    let people = verified_users(&app, "p", 2).await;
    let (status, _) = accept(&app, "links", &secret, &people[0].1).await;
    assert_eq!(status, 204);
    let (status, body) = accept(&app, "links", &secret, &people[1].1).await;
    assert_eq!(status, 404, "{body}");
    let (_, meta) = api(&app, Method::GET, "/api/orgs/links/metadata", &admin, None).await;
    assert_eq!(meta["memberCount"], 2);
    // The secret is stored only as a hash.
    let stored: i64 = sqlx::query("SELECT COUNT(*) AS n FROM invitations WHERE secret_hash = $1")
        .bind(&secret)
        .fetch_one(&app.db)
        .await
        .unwrap()
        .get("n");
    assert_eq!(stored, 0);
}

async fn a_wrong_account_is_recorded_and_the_invitation_stays_pending(app: TestApp) {
    let admin = org_with_admin(&app, "strict", "team").await;
    api(
        &app,
        Method::POST,
        "/api/orgs/strict/invites/batch",
        &admin,
        Some(batch(&["right@example.com"], "member")),
    )
    .await;
    let link = app.invite_link_to("right@example.com").await;
    let wrong = verified_users(&app, "wrong", 1).await;
    let (status, body) = accept(&app, "strict", &secret_of(&link), &wrong[0].1).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("different email"));
    let list = pending(&app, "strict", &admin).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "pending");
    assert_eq!(list[0]["lastError"], "email-mismatch");
    assert!(list[0]["lastErrorAt"].is_string());
    assert!(events(&app, "strict", &admin)
        .await
        .contains(&"invitation.failed".to_owned()));
}

async fn team_allows_one_billing_manager(app: TestApp) {
    let admin = org_with_admin(&app, "teamco", "team").await;
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/teamco/invites/batch",
        &admin,
        Some(batch(
            &["a@example.com", "b@example.com"],
            "billing-manager",
        )),
    )
    .await;
    assert_eq!(
        (status, body["sentInvites"].as_array().map(Vec::len)),
        (200, Some(2)),
        "below the limit, several invitations may wait: {body}"
    );
    let a = app.sign_up("A", "a@example.com").await;
    app.verify(&a).await;
    let b = app.sign_up("B", "b@example.com").await;
    app.verify(&b).await;
    let a_link = app.invite_link_to("a@example.com").await;
    let b_link = app.invite_link_to("b@example.com").await;
    let a_token = app.token_for(&a).await;
    let b_token = app.token_for(&b).await;
    assert_eq!(
        accept(&app, "teamco", &secret_of(&a_link), &a_token)
            .await
            .0,
        204
    );
    let (status, body) = accept(&app, "teamco", &secret_of(&b_link), &b_token).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"].as_str().unwrap().contains("limit"));
    let list = pending(&app, "teamco", &admin).await;
    assert_eq!(list[0]["lastError"], "billing-manager-limit-reached");

    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/teamco/invites/link",
        &admin,
        Some(json!({"role": "billing-manager"})),
    )
    .await;
    assert_eq!(
        status, 409,
        "at the limit no new billing-manager invitation: {body}"
    );
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("Team edition allows 1"));
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/teamco/invites/link",
        &admin,
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 200, "members are not limited");

    // A batch sends what it can and says why it did not send the rest.
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/teamco/invites/batch",
        &admin,
        Some(json!({"invites": [
            {"email": "c@example.com", "role": "billing-manager"},
            {"email": "A@example.com", "role": "member"},
            {"email": "b@example.com", "role": "member"},
            {"email": "d@example.com", "role": "member"},
        ]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sentInvites"].as_array().unwrap().len(), 1, "{body}");
    let failed = body["failedInvites"].as_array().unwrap();
    let reasons: Vec<(&str, &str, &str)> = failed
        .iter()
        .map(|f| {
            (
                f["email"].as_str().unwrap(),
                f["role"].as_str().unwrap(),
                f["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "c@example.com",
                "billing-manager",
                "billing-manager-limit-reached"
            ),
            ("a@example.com", "member", "already-in-organization"),
            ("b@example.com", "member", "already-invited"),
        ],
        "{body}"
    );
    assert!(
        failed[0]["message"]
            .as_str()
            .unwrap()
            .contains("Team edition allows 1"),
        "{body}"
    );
    assert!(failed[1]["message"]
        .as_str()
        .unwrap()
        .contains("already has a role"));
    assert!(failed[2]["message"].as_str().unwrap().contains("resend it"));
    assert_eq!(
        pending(&app, "teamco", &admin).await.len(),
        3,
        "b's billing-manager invitation, the member link and d's: {body}"
    );
}

async fn only_admins_manage_invitations(app: TestApp) {
    let demo = crate::helpers::demo_tokens(&app).await;
    let token = |role: &str| demo.of(role);
    let admin = token("admin");
    let list = pending(&app, "acme", &admin).await;
    let id = list[0]["id"].as_str().unwrap().to_owned();
    for who in [token("member"), token("billing-manager")] {
        let calls: Vec<(Method, String, Option<Value>)> = vec![
            (Method::GET, "/api/orgs/acme/invites".into(), None),
            (
                Method::POST,
                "/api/orgs/acme/invites/batch".into(),
                Some(batch(&["x@example.com"], "billing-manager")),
            ),
            (
                Method::POST,
                "/api/orgs/acme/invites/link".into(),
                Some(json!({"role": "member"})),
            ),
            (
                Method::POST,
                format!("/api/orgs/acme/invites/{id}/resend"),
                None,
            ),
            (Method::DELETE, format!("/api/orgs/acme/invites/{id}"), None),
            (Method::GET, "/api/orgs/acme/auditlogs".into(), None),
            (Method::GET, "/api/orgs/acme/identity-provider".into(), None),
        ];
        for (method, path, body) in calls {
            let (status, answer) = api(&app, method.clone(), &path, &who, body).await;
            assert_eq!(status, 403, "{method} {path}: {answer}");
            assert!(
                !answer.to_string().contains("erin@"),
                "no invitation detail leaks"
            );
        }
    }
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/billing-managers",
        &token("member"),
        None,
    )
    .await;
    assert_eq!(status, 403, "members cannot see billing managers");
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/batch",
        &admin,
        Some(batch(&["not an email"], "member")),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/batch",
        &admin,
        Some(json!({"invites": []})),
    )
    .await;
    assert_eq!(status, 422);
    let repeated = vec!["same@example.com"; purser_core::invitations::MAX_BATCH + 1];
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/batch",
        &admin,
        Some(batch(&repeated, "member")),
    )
    .await;
    assert_eq!(status, 422, "too many, even when the same: {body}");
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/link",
        &admin,
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(status, 422);
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/batch",
        &admin,
        Some(batch(&["bob@acme.example"], "member")),
    )
    .await;
    assert_eq!(
        (status, &body["failedInvites"]),
        (
            200,
            &json!([{
                "email": "bob@acme.example",
                "role": "member",
                "code": "already-in-organization",
                "message": "bob@acme.example already has a role in Acme Corp."
            }])
        ),
        "already a member: {body}"
    );
}

async fn resend_replaces_the_link_and_revoke_ends_it(app: TestApp) {
    let admin = org_with_admin(&app, "resend", "enterprise").await;
    let (_, body) = api(
        &app,
        Method::POST,
        "/api/orgs/resend/invites/batch",
        &admin,
        Some(batch(&["r@example.com"], "member")),
    )
    .await;
    let id = body["sentInvites"][0]["id"].as_str().unwrap().to_owned();
    let sent = pending(&app, "resend", &admin).await[0]["sent"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = app.invite_link_to("r@example.com").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = api(
        &app,
        Method::POST,
        &format!("/api/orgs/resend/invites/{id}/resend"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert_ne!(
        pending(&app, "resend", &admin).await[0]["sent"]
            .as_str()
            .unwrap(),
        sent,
        "the sent date is reset"
    );
    let second = app.invite_link_to("r@example.com").await;
    assert_ne!(first, second);
    assert!(events(&app, "resend", &admin)
        .await
        .contains(&"invitation.resent".to_owned()));

    let (status, _) = api(
        &app,
        Method::DELETE,
        &format!("/api/orgs/resend/invites/{id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let r = verified_users(&app, "r", 1).await; // r0@example.com is not r@: only the 404 matters here
    for link in [&first, &second] {
        let (status, _) = accept(&app, "resend", &secret_of(link), &r[0].1).await;
        assert_eq!(status, 404, "revoked or replaced: no longer valid");
    }
    let (status, _) = api(
        &app,
        Method::DELETE,
        &format!("/api/orgs/resend/invites/{id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 409, "already revoked");
    let (status, _) = api(
        &app,
        Method::DELETE,
        "/api/orgs/resend/invites/00000000-0000-0000-0000-000000000000",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 404);
}

async fn the_directory_decides_who_may_join_and_stay(app: TestApp) {
    let admin = org_with_admin(&app, "closed", "enterprise").await;
    let (status, body) = api(
        &app,
        Method::PUT,
        "/api/orgs/closed/identity-provider",
        &admin,
        Some(json!({"identityProvider": "directory"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, idp) = api(
        &app,
        Method::GET,
        "/api/orgs/closed/identity-provider",
        &admin,
        None,
    )
    .await;
    assert_eq!(
        idp["emails"][0]["email"], "admin@closed.example",
        "switching lists the current people"
    );

    let (_, body) = api(
        &app,
        Method::POST,
        "/api/orgs/closed/invites/link",
        &admin,
        Some(json!({"role": "billing-manager"})),
    )
    .await;
    let secret = secret_of(body["acceptInviteUrl"].as_str().unwrap());
    let outsider = verified_users(&app, "out", 1).await;
    let (status, body) = accept(&app, "closed", &secret, &outsider[0].1).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("identity provider"));
    assert_eq!(
        pending(&app, "closed", &admin).await[0]["lastError"],
        "not-in-identity-provider"
    );

    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/closed/identity-provider/emails",
        &admin,
        Some(json!({"email": "OUT0@example.com"})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = accept(&app, "closed", &secret, &outsider[0].1).await;
    assert_eq!(
        status, 204,
        "the same invitation succeeds once the cause is fixed: {body}"
    );
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/orgs/closed/billing-managers",
        &outsider[0].1,
        None,
    )
    .await;
    assert_eq!(status, 200);

    let (status, _) = api(
        &app,
        Method::DELETE,
        "/api/orgs/closed/identity-provider/emails/out0@example.com",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = api(
        &app,
        Method::GET,
        "/api/orgs/closed/billing-managers",
        &outsider[0].1,
        None,
    )
    .await;
    assert_eq!(status, 403, "access ends at once: {body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("not in the identity provider"));
    let (status, _) = api(
        &app,
        Method::DELETE,
        "/api/orgs/closed/identity-provider/emails/admin@closed.example",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 409, "admins cannot lock themselves out");
}

async fn removing_a_billing_manager_ends_access_at_once(app: TestApp) {
    let demo = crate::helpers::demo_tokens(&app).await;
    let token = |role: &str| demo.of(role);
    let (_, bms) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/billing-managers",
        &token("admin"),
        None,
    )
    .await;
    let id = bms["billingManagers"][0]["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/metadata",
        &token("billing-manager"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = api(
        &app,
        Method::DELETE,
        &format!("/api/orgs/acme/billing-managers/{id}"),
        &token("member"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = api(
        &app,
        Method::DELETE,
        &format!("/api/orgs/acme/billing-managers/{id}"),
        &token("admin"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/metadata",
        &token("billing-manager"),
        None,
    )
    .await;
    assert_eq!(status, 404, "no role any more");
    let (_, meta) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/metadata",
        &token("admin"),
        None,
    )
    .await;
    assert_eq!(meta["billingManagerCount"], 0);
    crate::helpers::assert_counts_are_recounts(&app).await;
    let log = events(&app, "acme", &token("admin")).await;
    assert!(log.contains(&"role.removed".to_owned()));
    // A member is not a billing manager.
    let (_, members) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/members",
        &token("admin"),
        None,
    )
    .await;
    let bob = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["name"] == "Bob Builder")
        .unwrap()["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = api(
        &app,
        Method::DELETE,
        &format!("/api/orgs/acme/billing-managers/{bob}"),
        &token("admin"),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

async fn two_hundred_acceptances_of_one_link_make_one_member(app: TestApp) {
    let admin = org_with_admin(&app, "race", "team").await;
    let (_, body) = api(
        &app,
        Method::POST,
        "/api/orgs/race/invites/link",
        &admin,
        Some(json!({"role": "member"})),
    )
    .await;
    let secret = secret_of(body["acceptInviteUrl"].as_str().unwrap());
    let people = verified_users(&app, "racer", 200).await;
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = people
        .into_iter()
        .map(|(_, token)| {
            let app = app.clone();
            let secret = secret.clone();
            tokio::spawn(async move { accept(&app, "race", &secret, &token).await.0 })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 204 || *s == 404),
        "losers are told the link is no longer valid: {statuses:?}"
    );
    let (_, meta) = api(&app, Method::GET, "/api/orgs/race/metadata", &admin, None).await;
    assert_eq!(meta["memberCount"], 2);
    crate::helpers::assert_counts_are_recounts(&app).await;
}

async fn fifty_billing_managers_on_team_make_exactly_one(app: TestApp) {
    let admin = org_with_admin(&app, "fifty", "team").await;
    let people = verified_users(&app, "bm", 50).await;
    let emails: Vec<String> = people.iter().map(|(u, _)| u.email.clone()).collect();
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/fifty/invites/batch",
        &admin,
        Some(json!({"invites": emails.iter().map(|email| json!({"email": email, "role": "billing-manager"})).collect::<Vec<_>>()})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sentInvites"].as_array().unwrap().len(), 50, "{body}");
    let mut secrets = Vec::new();
    for (user, token) in &people {
        secrets.push((
            secret_of(&app.invite_link_to(&user.email).await),
            token.clone(),
        ));
    }
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = secrets
        .into_iter()
        .map(|(secret, token)| {
            let app = app.clone();
            tokio::spawn(async move { accept(&app, "fifty", &secret, &token).await.0 })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        49,
        "{statuses:?}"
    );
    let (_, meta) = api(&app, Method::GET, "/api/orgs/fifty/metadata", &admin, None).await;
    assert_eq!(meta["billingManagerCount"], 1);
    let recorded: i64 = sqlx::query("SELECT COUNT(*) AS n FROM invitations WHERE status = 'pending' AND last_error_kind = 'billing-manager-limit-reached'")
        .fetch_one(&app.db)
        .await
        .unwrap()
        .get("n");
    assert_eq!(
        recorded, 49,
        "every loser's error is recorded on its invitation"
    );
    crate::helpers::assert_counts_are_recounts(&app).await;
}
