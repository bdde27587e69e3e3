//! Every list a page at a time: walked to its end with small pages (each entry once,
//! in order), tokens bound to their list, and the large demo organization (the
//! benchmark's) seeded with its counts and rollups right.

use crate::helpers::{api, assert_counts_are_recounts, assert_rollups_are_rebuilds, TestApp};
use crate::on_both_databases;
use purser_services::demo::large;
use reqwest::Method;
use serde_json::{json, Value};

on_both_databases!(
    every_list_walks_page_by_page,
    the_large_demo_is_seeded_with_counts_and_rollups_right,
);

/// Reads `path` (which takes `&{size}=N&continuationToken=…`) page by page; returns
/// every entry of `field` and the continuation tokens seen.
async fn walk(
    app: &TestApp,
    token: &str,
    path: &str,
    field: &str,
    size: &str,
    n: usize,
) -> (Vec<Value>, Vec<String>) {
    let mut entries = Vec::new();
    let mut tokens: Vec<String> = Vec::new();
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match tokens.last() {
            None => format!("{path}{sep}{size}={n}"),
            Some(t) => format!("{path}{sep}{size}={n}&continuationToken={t}"),
        };
        let (status, body) = api(app, Method::GET, &url, token, None).await;
        assert_eq!(status, 200, "{url}: {body}");
        let page = body[field].as_array().unwrap();
        assert!(page.len() <= n, "{url}: {} entries", page.len());
        entries.extend(page.iter().cloned());
        match body["continuationToken"].as_str() {
            Some(t) => {
                assert_eq!(page.len(), n, "only the last page is short: {url}");
                tokens.push(t.to_owned());
            }
            None => return (entries, tokens),
        }
        assert!(tokens.len() < 1_000, "{path} never ends");
    }
}

fn strings(entries: &[Value], key: &str) -> Vec<String> {
    entries
        .iter()
        .map(|e| e[key].as_str().unwrap().to_owned())
        .collect()
}

async fn every_list_walks_page_by_page(app: TestApp) {
    let t = crate::helpers::demo_tokens(&app).await;
    let admin = t.admin.as_str();
    for (i, name) in ["zeta", "alpha", "mid"].iter().enumerate() {
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/teams",
            admin,
            Some(json!({"name": name})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/tokens",
            admin,
            Some(json!({"name": format!("ci-{i}")})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/user/tokens",
            admin,
            Some(json!({"description": format!("mine-{i}")})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    let (teams, _) = walk(&app, admin, "/api/orgs/acme/teams", "teams", "limit", 1).await;
    assert_eq!(strings(&teams, "name"), ["alpha", "mid", "zeta"]);

    let (stacks, _) = walk(&app, admin, "/api/orgs/acme/stacks", "stacks", "limit", 2).await;
    let names: Vec<String> = stacks
        .iter()
        .map(|s| {
            format!(
                "{}/{}",
                s["project"].as_str().unwrap(),
                s["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "payments-api/production",
            "website/production",
            "website/staging"
        ]
    );

    let (org_tokens, _) = walk(
        &app,
        admin,
        "/api/orgs/acme/tokens",
        "tokens",
        "maxResults",
        1,
    )
    .await;
    assert_eq!(
        strings(&org_tokens, "name"),
        ["ci-2", "ci-1", "ci-0"],
        "newest first"
    );

    let (mine, _) = walk(&app, admin, "/api/user/tokens", "tokens", "maxResults", 2).await;
    let mine = strings(&mine, "description");
    assert_eq!(&mine[..3], ["mine-2", "mine-1", "mine-0"], "{mine:?}");
    assert_eq!(mine.len(), 4, "and the demo's token: {mine:?}");

    let (payments, _) = walk(
        &app,
        &t.billing_manager,
        "/api/orgs/acme/billing/payments",
        "payments",
        "limit",
        1,
    )
    .await;
    let periods = strings(&payments, "period");
    assert!(periods.len() >= 3, "{periods:?}");
    assert!(
        periods.windows(2).all(|w| w[0] > w[1]),
        "newest first: {periods:?}"
    );

    let (managers, tokens) = walk(
        &app,
        admin,
        "/api/orgs/acme/billing-managers",
        "billingManagers",
        "limit",
        1,
    )
    .await;
    assert_eq!(strings(&managers, "name"), ["Dana Ledger"]);
    assert!(tokens.is_empty());

    // Policy groups by name; pack versions by pack and version (a pack spanning two
    // pages is in both); one pack's versions.
    for (path, body) in [
        (
            "/api/orgs/acme/policygroups",
            json!({"name": "g-b", "entityType": "stacks"}),
        ),
        (
            "/api/orgs/acme/policygroups",
            json!({"name": "g-a", "entityType": "stacks"}),
        ),
    ] {
        let (status, body) = api(&app, Method::POST, path, admin, Some(body)).await;
        assert_eq!(status, 204, "{body}");
    }
    let (groups, _) = walk(
        &app,
        admin,
        "/api/orgs/acme/policygroups",
        "policyGroups",
        "limit",
        1,
    )
    .await;
    let groups = strings(&groups, "name");
    assert!(
        groups.windows(2).all(|w| w[0] < w[1]),
        "by name: {groups:?}"
    );
    assert!(groups.contains(&"g-a".to_owned()) && groups.contains(&"g-b".to_owned()));
    for _ in 0..3 {
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/policypacks",
            admin,
            Some(json!({"name": "paged-pack", "displayName": "Paged", "policies": [{}]})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let versions = |body: &Value| -> Vec<i64> {
        body["policyPacks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["versions"].as_array().unwrap().clone())
            .map(|v| v.as_i64().unwrap())
            .collect()
    };
    let first_page = "/api/orgs/acme/policypacks?policypack=paged-pack&limit=2";
    let (status, first) = api(&app, Method::GET, first_page, admin, None).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(versions(&first), [1, 2], "{first}");
    let next = first["continuationToken"].as_str().unwrap();
    let (_, second) = api(
        &app,
        Method::GET,
        &format!("{first_page}&continuationToken={next}"),
        admin,
        None,
    )
    .await;
    assert_eq!(versions(&second), [3], "{second}");
    assert!(second.get("continuationToken").is_none(), "{second}");

    // A team's members, in the order they were added, a page at a time.
    let (_, members) = api(&app, Method::GET, "/api/orgs/acme/members", admin, None).await;
    let people: Vec<(String, String)> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["userId"].as_str().unwrap().to_owned(),
                m["user"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(people.len(), 3, "{members}");
    for (id, _) in people.iter().rev() {
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/teams/mid/members",
            admin,
            Some(json!({"userId": id})),
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    let (on_team, tokens) = walk(
        &app,
        admin,
        "/api/orgs/acme/teams/mid",
        "members",
        "limit",
        2,
    )
    .await;
    let added: Vec<String> = people.iter().rev().map(|(_, name)| name.clone()).collect();
    assert_eq!(strings(&on_team, "name"), added, "in the order added");
    assert_eq!(tokens.len(), 1);
    let (_, team) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/teams/mid?limit=1",
        admin,
        None,
    )
    .await;
    assert_eq!(
        team["memberCount"], 3,
        "the whole team's size on every page: {team}"
    );

    // The directory: everyone with a role is listed when it is switched on (in one
    // statement), then read a page at a time by address.
    let (status, body) = api(
        &app,
        Method::PUT,
        "/api/orgs/acme/identity-provider",
        admin,
        Some(json!({"identityProvider": "directory"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (emails, tokens) = walk(
        &app,
        admin,
        "/api/orgs/acme/identity-provider",
        "emails",
        "limit",
        1,
    )
    .await;
    assert_eq!(
        strings(&emails, "email"),
        [
            "alice@acme.example",
            "bob@acme.example",
            "carol@acme.example",
            "dana@acme.example"
        ]
    );
    assert_eq!(tokens.len(), 3, "a token after each page but the last");

    // A token works on its own list only, and a forged one is refused.
    let (_, first) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/teams?limit=1",
        admin,
        None,
    )
    .await;
    let team_token = first["continuationToken"].as_str().unwrap().to_owned();
    for path in [
        format!("/api/orgs/acme/stacks?continuationToken={team_token}"),
        format!("/api/orgs/acme/tokens?continuationToken={team_token}"),
        "/api/orgs/acme/teams?continuationToken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            .to_owned(),
        "/api/orgs/acme/teams?limit=0".to_owned(),
        "/api/orgs/acme/stacks?limit=501".to_owned(),
        "/api/user/tokens?maxResults=0".to_owned(),
        "/api/orgs/acme/tokens?maxResults=-3".to_owned(),
    ] {
        let (status, body) = api(&app, Method::GET, &path, admin, None).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
}

async fn is_sqlite(app: &TestApp) -> bool {
    purser_services::storage::db::kind(&app.db) == purser_services::storage::db::Kind::Sqlite
}

/// The benchmark's organization: seeded in one go, every count equal to a recount,
/// the rollups equal to a rebuild, the lists walkable, and a second run a no-op.
async fn the_large_demo_is_seeded_with_counts_and_rollups_right(app: TestApp) {
    let t = crate::helpers::demo_tokens(&app).await;
    large::grow(&app.db).await.unwrap();
    large::grow(&app.db).await.unwrap();
    assert_counts_are_recounts(&app).await;
    // The planner's statistics are counts only: SQLite is built without STAT4
    // (.cargo/config.toml), whose samples would make it plan every statement again
    // whenever a bound value changes.
    if is_sqlite(&app).await {
        let sampled: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat4'")
                .fetch_one(&app.db)
                .await
                .unwrap();
        assert_eq!(sampled, 0, "ANALYZE made no STAT4 samples");
        let counted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_stat1")
            .fetch_one(&app.db)
            .await
            .unwrap();
        assert!(counted > 0, "ANALYZE counted");
    } else {
        // PostgreSQL keeps one plan per statement and connection: a keyset page of the
        // large organization, run again and again, is never planned afresh.
        let mut conn = app.db.acquire().await.unwrap();
        let org: String = sqlx::query_scalar("SELECT id FROM organizations WHERE name = 'acme'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let page = "SELECT user_id FROM memberships WHERE org_id = $1 \
                    AND (joined_at, user_id) > ($2, $3) ORDER BY joined_at, user_id LIMIT $4";
        for _ in 0..8 {
            sqlx::query(page)
                .bind(&org)
                .bind(i64::MIN)
                .bind("")
                .bind(4_i64)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        }
        // This very statement: the pooled connection may have prepared others that
        // start the same way, with counts of their own.
        let (generic, custom): (i64, i64) = sqlx::query_as(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
        )
        .bind(page)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!((generic, custom), (8, 0), "planned once, not per execution");
    }
    assert_rollups_are_rebuilds(&app).await;

    let (status, meta) = api(&app, Method::GET, "/api/orgs/acme/metadata", &t.admin, None).await;
    assert_eq!(status, 200, "{meta}");
    assert_eq!(meta["memberCount"], large::MEMBERS as u64 + 3, "{meta}");
    assert_eq!(
        meta["billingManagerCount"],
        large::BILLING_MANAGERS as u64 + 1
    );
    assert_eq!(meta["edition"], "enterprise");

    let (managers, _) = walk(
        &app,
        &t.admin,
        "/api/orgs/acme/billing-managers",
        "billingManagers",
        "limit",
        500,
    )
    .await;
    assert_eq!(managers.len(), large::BILLING_MANAGERS + 1);
    let (stacks, _) = walk(
        &app,
        &t.member,
        "/api/orgs/acme/stacks",
        "stacks",
        "limit",
        90,
    )
    .await;
    assert_eq!(stacks.len(), large::STACKS + 3);

    let (status, summary) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/resources/summary?granularity=daily&lookbackDays=90",
        &t.billing_manager,
        None,
    )
    .await;
    assert_eq!(status, 200, "{summary}");
    let total: i64 = stacks
        .iter()
        .map(|s| s["resourceCount"].as_i64().unwrap())
        .sum();
    assert_eq!(summary["currentResourceCount"], total);
    assert!(
        summary["summary"][45]["resourceHours"].as_i64().unwrap() > 0,
        "{summary}"
    );
}
