//! Writes that meet: each request answers as if it ran alone, never a 5xx because
//! another wrote at the same time (on SQLite a transaction that read before writing
//! used to fail with `database is locked`), and the result is consistent.

use crate::helpers::{api, assert_counts_are_recounts, batch, secret_of, verified_users, TestApp};
use crate::on_both_databases;
use reqwest::Method;
use serde_json::{json, Value};

on_both_databases!(
    concurrent_writes_never_fail_for_each_other,
    resend_and_revoke_racing_accept_answer_cleanly,
    removing_your_own_address_racing_a_switch_to_directory_never_locks_you_out,
);

/// Sends `n` copies of a request at once; returns each status.
async fn at_once(
    app: &TestApp,
    n: usize,
    method: Method,
    path: &str,
    token: &str,
    body: Value,
) -> Vec<u16> {
    let copy = (method, path.to_owned(), token.to_owned(), Some(body));
    crate::helpers::all_at_once(app, vec![copy; n]).await
}

async fn concurrent_writes_never_fail_for_each_other(app: TestApp) {
    let t = crate::helpers::demo_tokens(&app).await;
    let reports = at_once(
        &app,
        12,
        Method::POST,
        "/api/orgs/acme/stacks/website/production/updates",
        &t.member,
        json!({"resourceCount": 50}),
    )
    .await;
    assert!(reports.iter().all(|s| *s == 201), "{reports:?}");

    let publishes = at_once(
        &app,
        8,
        Method::POST,
        "/api/orgs/acme/policypacks",
        &t.admin,
        json!({"name": "guard", "displayName": "Guard", "policies": [{}]}),
    )
    .await;
    assert!(publishes.iter().all(|s| *s == 201), "{publishes:?}");
    let (_, packs) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/policypacks",
        &t.admin,
        None,
    )
    .await;
    assert_eq!(
        packs["policyPacks"][0]["versions"],
        json!([1, 2, 3, 4, 5, 6, 7, 8]),
        "{packs}"
    );

    let tokens = at_once(
        &app,
        8,
        Method::POST,
        "/api/user/tokens",
        &t.admin,
        json!({"description": "ci"}),
    )
    .await;
    assert!(tokens.iter().all(|s| *s == 200), "{tokens:?}");
    crate::helpers::assert_rollups_are_rebuilds(&app).await;
}

/// An admin resends or revokes an invitation while its invitee accepts it (by the
/// link's secret or by the invitation's id): exactly one side wins, as if they ran one
/// after the other; the loser answers 404 or 409 and writes nothing (no email, no audit
/// entry); nothing answers 5xx; the counts stay equal to a recount.
async fn resend_and_revoke_racing_accept_answer_cleanly(app: TestApp) {
    let t = crate::helpers::demo_tokens(&app).await;
    let people = verified_users(&app, "racer", 40).await;
    for (round, (person, token)) in people.iter().enumerate() {
        let (status, sent) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/invites/batch",
            &t.admin,
            Some(batch(&[person.email.as_str()], "member")),
        )
        .await;
        assert_eq!(status, 200, "{sent}");
        let id = sent["sentInvites"][0]["id"].as_str().unwrap().to_owned();
        let secret = secret_of(sent["sentInvites"][0]["acceptInviteUrl"].as_str().unwrap());
        // Rounds 0-19 resend, 20-39 revoke; each half accepts by secret, then by id.
        let resending = round < 20;
        let by_secret = round % 2 == 0;
        let accept_url = app.url(&format!(
            "/api/orgs/acme/invites/{}",
            if by_secret { &secret } else { &id }
        ));
        let (admin_method, admin_url) = if resending {
            (
                Method::POST,
                app.url(&format!("/api/orgs/acme/invites/{id}/resend")),
            )
        } else {
            (
                Method::DELETE,
                app.url(&format!("/api/orgs/acme/invites/{id}")),
            )
        };
        let send = |method: Method, url: String, token: String| {
            tokio::spawn(async move {
                crate::helpers::client()
                    .request(method, url)
                    .header("Authorization", format!("token {token}"))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        };
        let accept = send(Method::PATCH, accept_url, token.clone());
        let admin = send(admin_method.clone(), admin_url, t.admin.clone());
        let (accepted, answered) = (accept.await.unwrap(), admin.await.unwrap());
        let what = format!(
            "round {round} ({admin_method}, accept by {}): accept {accepted}, admin {answered}",
            if by_secret { "secret" } else { "id" }
        );
        assert!([204, 404, 409].contains(&accepted), "{what}");
        assert!([204, 409].contains(&answered), "{what}");
        let log = audit_of(&app, &person.email).await;
        let at = |event: &str| log.iter().find(|(e, _)| e == event).map(|(_, at)| *at);
        let admin_event = if resending {
            "invitation.resent"
        } else {
            "invitation.revoked"
        };
        // Whoever lost wrote nothing.
        assert_eq!(
            at("invitation.accepted").is_some(),
            accepted == 204,
            "{what}: {log:?}"
        );
        assert_eq!(
            at(admin_event).is_some(),
            answered == 204,
            "{what}: {log:?}"
        );
        match (accepted, answered) {
            // Only a resend before the acceptance leaves both standing, and only when
            // the acceptance names the invitation by id (the old secret is replaced).
            (204, 204) => {
                assert!(resending && !by_secret, "{what}");
                assert!(
                    at(admin_event) <= at("invitation.accepted"),
                    "{what}: the resend came after the acceptance: {log:?}"
                );
            }
            (204, _) => {}
            (_, 204) => {}
            _ => panic!("{what}: neither won"),
        }
    }
    assert_counts_are_recounts(&app).await;
}

/// The audit log's events about `target` in acme, oldest first: (event, at).
async fn audit_of(app: &TestApp, target: &str) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT a.event, a.at FROM audit_log a JOIN organizations o ON o.id = a.org_id \
         WHERE o.name = 'acme' AND a.target = $1 ORDER BY a.at, a.event",
    )
    .bind(target)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// An admin removes their own address from the directory while another switches the
/// organization to `directory`: whichever comes first, the admin is still listed once
/// the directory decides (a removal that read the provider from before the switch used
/// to go through and lock them out).
async fn removing_your_own_address_racing_a_switch_to_directory_never_locks_you_out(app: TestApp) {
    let t = crate::helpers::demo_tokens(&app).await;
    let own = "alice@acme.example";
    let provider = |to: &str| {
        (
            Method::PUT,
            "/api/orgs/acme/identity-provider".to_owned(),
            t.admin.clone(),
            Some(json!({"identityProvider": to})),
        )
    };
    for round in 0..20 {
        let statuses = crate::helpers::all_at_once(&app, vec![provider("open")]).await;
        assert!(
            statuses.iter().all(|s| (200..300).contains(s)),
            "{statuses:?}"
        );
        let add = (
            Method::POST,
            "/api/orgs/acme/identity-provider/emails".to_owned(),
            t.admin.clone(),
            Some(json!({"email": own})),
        );
        let added = crate::helpers::all_at_once(&app, vec![add]).await;
        assert!(
            added.iter().all(|s| [201, 204, 409].contains(s)),
            "{added:?}"
        );
        let remove = (
            Method::DELETE,
            format!("/api/orgs/acme/identity-provider/emails/{own}"),
            t.admin.clone(),
            None,
        );
        let raced = crate::helpers::all_at_once(&app, vec![remove, provider("directory")]).await;
        assert!(raced.iter().all(|s| *s < 500), "round {round}: {raced:?}");
        let listed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM directory_entries d JOIN organizations o ON o.id = d.org_id \
             WHERE o.name = 'acme' AND d.email = $1",
        )
        .bind(own)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(
            listed, 1,
            "round {round}: {raced:?}: the admin is locked out"
        );
    }
}
