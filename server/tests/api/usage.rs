use crate::helpers::{api, TestApp};
use crate::on_both_databases;
use reqwest::Method;
use serde_json::json;

on_both_databases!(
    stacks_report_resources_and_billing_managers_see_only_aggregates,
    usage_input_is_checked,
    billing_managers_chart_usage_by_day_or_month_in_the_ui,
    concurrent_reports_all_count_in_the_rollups,
    an_organization_reports_at_most_a_billion_resources
);

/// The Billing & usage chart's call: day or month over 30, 90 or 365 days, on the
/// demo's year of history; a lookback out of range is a 400 with a message.
async fn billing_managers_chart_usage_by_day_or_month_in_the_ui(app: TestApp) {
    tokens(&app).await;
    let dana = crate::helpers::signed_in(&app, "dana@acme.example", "dana-demo-password").await;
    let load = |granularity: &'static str, days: &'static str| {
        [
            ("org", "acme"),
            ("granularity", granularity),
            ("lookback_days", days),
        ]
    };
    let (status, by_day) = app.call_as(&dana, "load_usage", &load("day", "90")).await;
    assert_eq!(status, 200, "{by_day}");
    assert_eq!(by_day["buckets"].as_array().unwrap().len(), 90);
    assert_eq!(by_day["lookback_days"], 90);

    let (status, by_month) = app
        .call_as(&dana, "load_usage", &load("month", "365"))
        .await;
    assert_eq!(status, 200, "{by_month}");
    let months = by_month["buckets"].as_array().unwrap();
    assert!((12..=13).contains(&months.len()), "{by_month}");
    assert!(months.iter().all(|m| m["day"].is_null()));
    assert!(
        months[1]["resources"].as_i64().unwrap() > 0,
        "the demo has a year of history: {by_month}"
    );
    assert!(!by_month.to_string().contains("website"), "no stack names");

    for (granularity, days) in [("day", "0"), ("day", "5000"), ("week", "30")] {
        let (status, body) = app
            .call_as(&dana, "load_usage", &load(granularity, days))
            .await;
        assert!(
            status == 400 || status == 422,
            "{granularity}/{days}: {status} {body}"
        );
    }
}

async fn tokens(app: &TestApp) -> (String, String, String) {
    let t = crate::helpers::demo_tokens(app).await;
    (t.admin, t.member, t.billing_manager)
}

async fn stacks_report_resources_and_billing_managers_see_only_aggregates(app: TestApp) {
    let (admin, member, bm) = tokens(&app).await;
    let (status, before) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/resources/summary?granularity=day&lookbackDays=30",
        &bm,
        None,
    )
    .await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["summary"].as_array().unwrap().len(), 30);
    assert_eq!(before["currentResourceCount"], 42 + 40 + 17);
    let text = before.to_string();
    for name in ["website", "payments-api", "production", "staging"] {
        assert!(
            !text.contains(name),
            "billing managers never see stack names: {text}"
        );
    }
    assert!(
        before["summary"][0]["resourceHours"].as_f64().unwrap() > 0.0,
        "a month of history: {before}"
    );

    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/stacks",
        &member,
        Some(json!({"project": "infra", "name": "dev"})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/stacks/infra/dev/updates",
        &member,
        Some(json!({"resourceCount": 25})),
    )
    .await;
    assert_eq!(status, 201);
    let (_, after) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/resources/summary",
        &admin,
        None,
    )
    .await;
    assert_eq!(after["currentResourceCount"], 42 + 40 + 17 + 25);
    let (_, months) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/resources/summary?granularity=month&lookbackDays=60",
        &admin,
        None,
    )
    .await;
    assert!(months["summary"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m.get("day").is_none()));

    let (status, list) = api(&app, Method::GET, "/api/orgs/acme/stacks", &member, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["stacks"].as_array().unwrap().len(), 4);
    for (method, path, body) in [
        (Method::GET, "/api/orgs/acme/stacks", None),
        (
            Method::POST,
            "/api/orgs/acme/stacks",
            Some(json!({"project": "x", "name": "y"})),
        ),
        (
            Method::POST,
            "/api/orgs/acme/stacks/infra/dev/updates",
            Some(json!({"resourceCount": 1})),
        ),
    ] {
        let (status, _) = api(&app, method.clone(), path, &bm, body).await;
        assert_eq!(
            status, 403,
            "billing managers have no stack access: {method} {path}"
        );
    }
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/resources/summary",
        &member,
        None,
    )
    .await;
    assert_eq!(status, 403, "members do not see usage");
}

async fn usage_input_is_checked(app: TestApp) {
    let (admin, _, _) = tokens(&app).await;
    for bad in [
        "granularity=week",
        "lookbackDays=0",
        "lookbackDays=9999",
        "lookbackDays=abc",
    ] {
        let (status, body) = api(
            &app,
            Method::GET,
            &format!("/api/orgs/acme/resources/summary?{bad}"),
            &admin,
            None,
        )
        .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/stacks",
        &admin,
        Some(json!({"project": "website", "name": "production"})),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/stacks",
        &admin,
        Some(json!({"project": "bad name", "name": "x"})),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/stacks/website/production/updates",
        &admin,
        Some(json!({"resourceCount": -1})),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/stacks/nope/nope/updates",
        &admin,
        Some(json!({"resourceCount": 1})),
    )
    .await;
    assert_eq!(status, 404);
}

/// Deployments report at once, to several stacks of one organization: every report
/// lands in the rollups once, which always equal a rebuild from the updates, and the
/// summary's current count is the sum of the stacks' counts.
async fn concurrent_reports_all_count_in_the_rollups(app: TestApp) {
    let (admin, member, _) = tokens(&app).await;
    for name in ["a", "b", "c", "d"] {
        let (status, _) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/stacks",
            &member,
            Some(json!({"project": "race", "name": name})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let reports: Vec<_> = (0..40)
        .map(|i| {
            let (base, member) = (app.base.clone(), member.clone());
            tokio::spawn(async move {
                let name = ["a", "b", "c", "d"][i % 4];
                crate::helpers::client()
                    .post(format!("{base}/api/orgs/acme/stacks/race/{name}/updates"))
                    .bearer_auth(member)
                    .json(&json!({"resourceCount": 10 + i}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    for report in reports {
        assert_eq!(report.await.unwrap(), 201);
    }
    crate::helpers::assert_rollups_are_rebuilds(&app).await;
    let (_, stacks) = api(&app, Method::GET, "/api/orgs/acme/stacks", &member, None).await;
    let total: i64 = stacks["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["resourceCount"].as_i64().unwrap())
        .sum();
    let (_, summary) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/resources/summary",
        &admin,
        None,
    )
    .await;
    assert_eq!(summary["currentResourceCount"], total, "{stacks}");
    crate::helpers::assert_rollups_are_rebuilds(&app).await;
    crate::helpers::assert_counts_are_recounts(&app).await;
}

/// Each stack reports at most 10,000,000 resources, and an organization manages at most
/// 1,000,000,000: the report that would pass it is refused (422) and changes nothing,
/// and the usage figures stay exact at the bound.
async fn an_organization_reports_at_most_a_billion_resources(app: TestApp) {
    let (admin, _, billing_manager) = tokens(&app).await;
    let report = |project: String, count: i64| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let (status, body) = api(
                app,
                Method::POST,
                "/api/orgs/acme/stacks",
                &admin,
                Some(json!({"project": project, "name": "prod"})),
            )
            .await;
            assert_eq!(status, 201, "{body}");
            api(
                app,
                Method::POST,
                &format!("/api/orgs/acme/stacks/{project}/prod/updates"),
                &admin,
                Some(json!({"resourceCount": count})),
            )
            .await
        }
    };
    let summary = || async {
        let (status, body) = api(
            &app,
            Method::GET,
            "/api/orgs/acme/resources/summary?granularity=month&lookbackDays=365",
            &billing_manager,
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        body["currentResourceCount"].as_i64().unwrap()
    };
    let before = summary().await;
    // Up to the bound exactly, in stacks of the largest count and one remainder.
    let bound = 1_000_000_000 - before;
    let (full, rest) = (bound / 10_000_000, bound % 10_000_000);
    for i in 0..full {
        let (status, body) = report(format!("big{i}"), 10_000_000).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = report("rest".into(), rest).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(summary().await, 1_000_000_000);

    let (status, body) = report("over".into(), 1).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("1,000,000,000"), "{body}");
    assert_eq!(
        summary().await,
        1_000_000_000,
        "the refused report left nothing"
    );
    // A report that lowers the total is never refused.
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/stacks/rest/prod/updates",
        &admin,
        Some(json!({"resourceCount": 0})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(summary().await, 1_000_000_000 - rest);
    let (_, stacks) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/stacks?limit=500",
        &admin,
        None,
    )
    .await;
    let over = stacks["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["project"] == "over")
        .expect("the stack reported to is listed");
    assert_eq!(over["resourceCount"], 0, "{over}");
    // Every stack counted once, in the metadata too.
    crate::helpers::assert_counts_are_recounts(&app).await;
    let listed = stacks["stacks"].as_array().unwrap().len();
    let (_, meta) = api(&app, Method::GET, "/api/orgs/acme/metadata", &admin, None).await;
    assert_eq!(meta["stackCount"], listed, "{meta}");
}
