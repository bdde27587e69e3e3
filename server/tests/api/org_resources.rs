use crate::helpers::{api, link_href, signed_in, TestApp};
use crate::on_both_databases;
use reqwest::Method;
use serde_json::json;

on_both_databases!(
    teams_tokens_and_policies_work_and_are_audited,
    admins_manage_team_members_from_the_team_page,
    the_stacks_page_links_to_its_next_page,
    the_audit_log_page_links_to_its_next_page_keeping_the_filter,
    paging_one_list_of_the_policies_page_keeps_the_other_in_place
);

/// The Policies page has two lists, each paged by its own link: following one list's
/// link keeps where the other stands.
async fn paging_one_list_of_the_policies_page_keeps_the_other_in_place(app: TestApp) {
    let admin = crate::helpers::demo_tokens(&app).await.admin;
    for i in 0..30 {
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/policygroups",
            &admin,
            Some(json!({"name": format!("group-{i:02}"), "entityType": "stacks"})),
        )
        .await;
        assert_eq!(status, 204, "{body}");
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/policypacks",
            &admin,
            Some(json!({"name": format!("pack-{i:02}"), "displayName": "P", "policies": [{}]})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let alice = signed_in(&app, "alice@acme.example", "alice-demo-password").await;
    let link = |html: &str, text: &str| link_href(html, text).expect(text);
    let first = app.html(&alice, "/acme/policies").await;
    assert!(!first.contains("group-29") && !first.contains("pack-29"));
    // The groups' second page, then the packs' second page from there.
    let groups_2 = app
        .html(&alice, &link(&first, "Next page of policy groups"))
        .await;
    assert!(groups_2.contains("group-29") && !groups_2.contains("pack-29"));
    let both_2 = link(&groups_2, "Next page of policy pack versions");
    assert!(
        both_2.contains("?after=") && both_2.contains("&packs_after="),
        "the packs' link keeps the groups' page: {both_2}"
    );
    let both = app.html(&alice, &both_2).await;
    assert!(
        both.contains("group-29") && both.contains("pack-29"),
        "both lists on their second page"
    );
}

/// The audit log shows 100 entries and links to the next, keeping the event filter.
async fn the_audit_log_page_links_to_its_next_page_keeping_the_filter(app: TestApp) {
    let admin = crate::helpers::demo_tokens(&app).await.admin;
    for i in 0..105 {
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/teams",
            &admin,
            Some(json!({"name": format!("t-{i:03}")})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let alice = signed_in(&app, "alice@acme.example", "alice-demo-password").await;
    let first = app
        .html(&alice, "/acme/settings/audit?event=team.created")
        .await;
    let href = link_href(&first, "Next page of entries").expect("a link to the next page");
    assert!(
        href.starts_with("/acme/settings/audit?event=team.created&after="),
        "the filter is kept: {href}"
    );
    assert!(
        first.contains("t-104") && !first.contains("t-004"),
        "newest first"
    );
    let second = app.html(&alice, &href).await;
    assert!(
        second.contains("t-004") && second.contains("t-000"),
        "the rest"
    );
    assert!(!second.contains("t-104"));
    assert!(!second.contains("Next page of entries"), "the last page");
}

/// A page of 25 stacks and a link to the next, which shows the rest: a person reaches
/// every stack by clicking.
async fn the_stacks_page_links_to_its_next_page(app: TestApp) {
    let admin = crate::helpers::demo_tokens(&app).await.admin;
    for i in 0..30 {
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/stacks",
            &admin,
            Some(json!({"project": format!("zz-{i:02}"), "name": "prod"})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let alice = signed_in(&app, "alice@acme.example", "alice-demo-password").await;
    let first = app.html(&alice, "/acme/stacks").await;
    assert!(!first.contains("zz-29"), "the first page stops at 25");
    let href = link_href(&first, "Next page of stacks").expect("a link to the next page");
    assert!(href.starts_with("/acme/stacks?after="), "{href}");
    let second = app.html(&alice, &href).await;
    assert!(second.contains("zz-29"), "the next page has the rest");
    assert!(!second.contains("Next page of stacks"), "and is the last");
}

/// The team page's calls: an admin adds a member by email address and removes them;
/// the team list counts them; billing managers and unknown addresses are refused.
async fn admins_manage_team_members_from_the_team_page(app: TestApp) {
    crate::helpers::demo_tokens(&app).await;
    let alice = signed_in(&app, "alice@acme.example", "alice-demo-password").await;
    let bob = signed_in(&app, "bob@acme.example", "bob-demo-password").await;
    let create = [
        ("org", "acme"),
        ("kind", "team"),
        ("name", "Platform Team"),
        ("extra", "Runs the platform"),
    ];
    assert_eq!(app.call_as(&alice, "create_resource", &create).await.0, 200);
    let team = [("org", "acme"), ("team", "Platform Team")];
    let add = |email: &'static str| [("org", "acme"), ("team", "Platform Team"), ("email", email)];

    let (status, body) = app
        .call_as(&alice, "add_team_member", &add("bob@acme.example"))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, page) = app.call_as(&bob, "load_team", &team).await;
    assert_eq!(status, 200, "members see the team: {page}");
    assert_eq!(page["team"]["members"][0]["name"], "Bob Builder");
    let (_, list) = app
        .call_as(
            &bob,
            "load_resources",
            &[("org", "acme"), ("section", "teams")],
        )
        .await;
    assert_eq!(list["teams"]["items"][0]["member_count"], 1, "{list}");

    for (email, status, message) in [
        // A billing manager is not a member.
        ("dana@acme.example", 404, "No member of this organization"),
        ("nobody@example.com", 404, "No member of this organization"),
        ("not an address", 422, "not a valid email address"),
    ] {
        let (got, body) = app.call_as(&alice, "add_team_member", &add(email)).await;
        assert_eq!(got, status, "{email}: {body}");
        assert!(body.to_string().contains(message), "{email}: {body}");
    }
    let (status, _) = app
        .call_as(&bob, "add_team_member", &add("carol@acme.example"))
        .await;
    assert_eq!(status, 403, "members may not manage teams");

    let bob_id = page["team"]["members"][0]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let remove = [
        ("org", "acme"),
        ("team", "Platform Team"),
        ("user_id", bob_id.as_str()),
    ];
    assert_eq!(
        app.call_as(&bob, "remove_team_member", &remove).await.0,
        403
    );
    assert_eq!(
        app.call_as(&alice, "remove_team_member", &remove).await.0,
        200
    );
    let (_, page) = app.call_as(&alice, "load_team", &team).await;
    assert_eq!(page["team"]["members"], json!([]));
    let (status, _) = app
        .call_as(&alice, "load_team", &[("org", "acme"), ("team", "nope")])
        .await;
    assert_eq!(status, 404);

    let admin = crate::helpers::demo_tokens(&app).await.admin;
    let (_, log) = api(&app, Method::GET, "/api/orgs/acme/auditlogs", &admin, None).await;
    let events: Vec<&str> = log["auditLogEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert!(
        events.contains(&"team.member-added") && events.contains(&"team.member-removed"),
        "{events:?}"
    );

    // Sizes are kept, not counted: adding twice counts once, and leaving the
    // organization leaves its teams.
    for email in ["bob@acme.example", "bob@acme.example", "carol@acme.example"] {
        let (status, body) = app.call_as(&alice, "add_team_member", &add(email)).await;
        assert_eq!(status, 200, "{email}: {body}");
    }
    async fn team_size(app: &TestApp, admin: &reqwest::Client) -> serde_json::Value {
        let (_, list) = app
            .call_as(
                admin,
                "load_resources",
                &[("org", "acme"), ("section", "teams")],
            )
            .await;
        // Only the teams page's list is read.
        for other in ["stacks", "policy_groups", "policy_packs", "tokens"] {
            assert!(list[other].is_null(), "{other}: {list}");
        }
        list["teams"]["items"][0]["member_count"].clone()
    }
    assert_eq!(team_size(&app, &alice).await, 2);
    crate::helpers::assert_counts_are_recounts(&app).await;
    let (status, body) = api(
        &app,
        Method::DELETE,
        "/api/orgs/acme/members/bob",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(team_size(&app, &alice).await, 1);
    crate::helpers::assert_counts_are_recounts(&app).await;
}

async fn teams_tokens_and_policies_work_and_are_audited(app: TestApp) {
    let demo = crate::helpers::demo_tokens(&app).await;
    let token = |role: &str| demo.of(role);
    let (admin, member, bm) = (token("admin"), token("member"), token("billing-manager"));
    let (_, members) = api(&app, Method::GET, "/api/orgs/acme/members", &admin, None).await;
    let carol = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["name"] == "Carol Coder")
        .unwrap()["userId"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_eq!(
        api(
            &app,
            Method::POST,
            "/api/orgs/acme/teams",
            &admin,
            Some(json!({"name": "platform", "description": "Runs the platform"}))
        )
        .await
        .0,
        201
    );
    assert_eq!(
        api(
            &app,
            Method::POST,
            "/api/orgs/acme/teams",
            &admin,
            Some(json!({"name": "platform"}))
        )
        .await
        .0,
        409
    );
    assert_eq!(
        api(
            &app,
            Method::POST,
            "/api/orgs/acme/teams/platform/members",
            &admin,
            Some(json!({"userId": carol}))
        )
        .await
        .0,
        204
    );
    let (_, team) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/teams/platform",
        &member,
        None,
    )
    .await;
    assert_eq!(
        team["members"],
        json!([{"userId": carol, "name": "Carol Coder", "githubLogin": "carol", "avatarUrl": "", "role": "member"}]),
        "members see who is on a team"
    );
    let (status, teams) = api(&app, Method::GET, "/api/orgs/acme/teams", &bm, None).await;
    assert_eq!(status, 200, "billing managers list teams through the API");
    assert_eq!(teams["teams"][0]["memberCount"], 1);
    assert!(
        teams["teams"][0].get("members").is_none(),
        "but never member names: {teams}"
    );
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/teams/platform",
        &bm,
        None,
    )
    .await;
    assert_eq!(status, 403, "nor who is on a team");
    assert_eq!(
        api(
            &app,
            Method::DELETE,
            &format!("/api/orgs/acme/teams/platform/members/{carol}"),
            &admin,
            None
        )
        .await
        .0,
        204
    );

    let (status, created) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/tokens",
        &admin,
        Some(json!({"name": "ci"})),
    )
    .await;
    assert_eq!(status, 200);
    assert!(created["tokenValue"]
        .as_str()
        .unwrap()
        .starts_with("pur_org_"));
    let (_, tokens) = api(&app, Method::GET, "/api/orgs/acme/tokens", &admin, None).await;
    assert_eq!(tokens["tokens"][0]["name"], "ci");
    assert!(!tokens
        .to_string()
        .contains(created["tokenValue"].as_str().unwrap()));
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        api(
            &app,
            Method::DELETE,
            &format!("/api/orgs/acme/tokens/{id}"),
            &admin,
            None
        )
        .await
        .0,
        204
    );

    for _ in 0..2 {
        assert_eq!(
            api(
                &app,
                Method::POST,
                "/api/orgs/acme/policypacks",
                &admin,
                Some(json!({"name": "aws-guard", "displayName": "AWS guard", "policies": [{}]}))
            )
            .await
            .0,
            201
        );
    }
    let (_, packs) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/policypacks",
        &member,
        None,
    )
    .await;
    assert_eq!(
        packs["policyPacks"][0]["versions"],
        json!([1, 2]),
        "{packs}"
    );
    assert_eq!(
        api(
            &app,
            Method::POST,
            "/api/orgs/acme/policygroups",
            &admin,
            Some(json!({"name": "baseline", "entityType": "stacks"}))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        api(
            &app,
            Method::POST,
            "/api/orgs/acme/policygroups",
            &admin,
            Some(json!({"name": "", "entityType": "stacks"}))
        )
        .await
        .0,
        422
    );

    let (_, log) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/auditlogs?since=2000-01-01T00:00:00Z",
        &admin,
        None,
    )
    .await;
    let events: Vec<&str> = log["auditLogEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for e in [
        "team.created",
        "team.member-added",
        "team.member-removed",
        "org-token.created",
        "org-token.revoked",
        "policy-pack.published",
        "policy-group.created",
    ] {
        assert!(events.contains(&e), "{e} in {events:?}");
    }
    let (_, none) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/auditlogs?until=2000-01-01T00:00:00Z",
        &admin,
        None,
    )
    .await;
    assert!(none["auditLogEvents"].as_array().unwrap().is_empty());
    assert_eq!(
        api(
            &app,
            Method::GET,
            "/api/orgs/acme/auditlogs?since=yesterday",
            &admin,
            None
        )
        .await
        .0,
        400
    );
}
