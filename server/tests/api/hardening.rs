//! Security hardening (issue 7): each test here is an attack that worked before.

use crate::helpers::{api, demo_tokens, org_with_admin, secret_of, verified_users, TestApp};
use crate::on_both_databases;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use purser_services::throttle::Limits;
use reqwest::Method;
use serde_json::json;
use sqlx::Row;

on_both_databases!(
    no_surface_creates_an_admin_invitation,
    sign_in_and_sign_up_refuse_other_origins,
    an_invitation_is_accepted_only_through_its_own_organization,
    revoke_racing_accept_never_reports_what_did_not_happen,
    continuation_tokens_are_opaque_and_tamper_evident,
    invitation_emails_name_the_inviter_never_their_address,
    team_memberships_end_with_the_role,
    a_payment_left_processing_is_finished_once,
);

async fn no_surface_creates_an_admin_invitation(app: TestApp) {
    let tokens = demo_tokens(&app).await;
    let admin = &tokens.admin;
    for (path, body) in [
        (
            "/api/orgs/acme/invites/batch",
            crate::helpers::batch(&["eve@example.com"], "admin"),
        ),
        ("/api/orgs/acme/invites/link", json!({"role": "admin"})),
    ] {
        let (status, body) = api(&app, Method::POST, path, admin, Some(body)).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("member or billing-manager"));
    }

    // The UI's server functions take a typed role: "admin" does not even parse.
    let alice = crate::helpers::new_browser();
    let (status, _) = app
        .call_as(
            &alice,
            "sign_in",
            &[
                ("email", "alice@acme.example"),
                ("password", "alice-demo-password"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    for (name, form) in [
        (
            "invite_by_email",
            vec![
                ("org", "acme"),
                ("role", "admin"),
                ("emails", "eve@example.com"),
            ],
        ),
        ("invite_link", vec![("org", "acme"), ("role", "admin")]),
    ] {
        let (status, body) = app.call_as(&alice, name, &form).await;
        assert_eq!(status, 400, "{name}: {body}");
    }
    let admin_invitations: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM invitations WHERE role = 'admin'")
            .fetch_one(&app.db)
            .await
            .unwrap()
            .get("n");
    assert_eq!(admin_invitations, 0);

    // An admin invitation written before the rule (or by hand) is void at acceptance.
    let (status, link) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/link",
        admin,
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 200, "{link}");
    sqlx::query("UPDATE invitations SET role = 'admin' WHERE id = $1")
        .bind(link["id"].as_str().unwrap())
        .execute(&app.db)
        .await
        .unwrap();
    let eve = verified_users(&app, "eve", 1).await.remove(0);
    let secret = secret_of(link["acceptInviteUrl"].as_str().unwrap());
    let (status, body) = api(
        &app,
        Method::PATCH,
        &format!("/api/orgs/acme/invites/{secret}"),
        &eve.1,
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = app.api_get("/api/orgs/acme/metadata", Some(&eve.1)).await;
    assert_eq!(status, 404, "eve has no role in acme");
}

async fn sign_in_and_sign_up_refuse_other_origins(app: TestApp) {
    demo_tokens(&app).await;
    let post = |name: &'static str, headers: Vec<(&'static str, String)>| {
        let mut req = crate::helpers::client().post(app.url(&format!("/fn/{name}")));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let form: Vec<(&str, &str)> = match name {
            "sign_in" => vec![
                ("email", "alice@acme.example"),
                ("password", "alice-demo-password"),
            ],
            _ => vec![
                ("name", "Mallory"),
                ("email", "mallory@example.com"),
                ("password", "a long password"),
            ],
        };
        req.form(&form).send()
    };
    for name in ["sign_in", "sign_up"] {
        for headers in [
            vec![("origin", "https://evil.example".to_owned())],
            vec![("sec-fetch-site", "cross-site".to_owned())],
            vec![],
            vec![
                ("origin", "https://evil.example".to_owned()),
                ("authorization", "token whatever".to_owned()),
            ],
        ] {
            let res = post(name, headers.clone()).await.unwrap();
            assert_eq!(res.status(), 403, "{name} {headers:?}");
            assert!(
                res.headers().get("set-cookie").is_none(),
                "{name} {headers:?}"
            );
        }
    }
    let mallory: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM users WHERE email = 'mallory@example.com'")
            .fetch_one(&app.db)
            .await
            .unwrap()
            .get("n");
    assert_eq!(mallory, 0, "no account was made cross-site");

    let res = post("sign_in", vec![("origin", app.base.clone())])
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = post(
        "sign_in",
        vec![("sec-fetch-site", "same-origin".to_owned())],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
}

async fn an_invitation_is_accepted_only_through_its_own_organization(app: TestApp) {
    // The path names acme, an organization of its own that the link is not for.
    org_with_admin(&app, "acme", "team").await;
    let other = org_with_admin(&app, "other", "team").await;
    let (_, link) = api(
        &app,
        Method::POST,
        "/api/orgs/other/invites/link",
        &other,
        Some(json!({"role": "member"})),
    )
    .await;
    let secret = secret_of(link["acceptInviteUrl"].as_str().unwrap());
    let bob = verified_users(&app, "bob", 1).await.remove(0);
    let (status, body) = api(
        &app,
        Method::PATCH,
        &format!("/api/orgs/acme/invites/{secret}"),
        &bob.1,
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    for org in ["acme", "other"] {
        let (status, _) = app
            .api_get(&format!("/api/orgs/{org}/metadata"), Some(&bob.1))
            .await;
        assert_eq!(status, 404, "no role in {org} yet");
    }
    // The invitation is untouched: through its own organization it works.
    let (status, body) = api(
        &app,
        Method::PATCH,
        &format!("/api/orgs/other/invites/{secret}"),
        &bob.1,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = app.api_get("/api/orgs/other/metadata", Some(&bob.1)).await;
    assert_eq!(status, 200, "bob joined other");
}

async fn revoke_racing_accept_never_reports_what_did_not_happen(app: TestApp) {
    let admin = org_with_admin(&app, "acme", "enterprise").await;
    let rounds = 12;
    let people = verified_users(&app, "racer", rounds).await;
    let (mut revoked, mut accepted) = (0, 0);
    for (_, token) in &people {
        let (status, link) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/invites/link",
            &admin,
            Some(json!({"role": "member"})),
        )
        .await;
        assert_eq!(status, 200, "{link}");
        let id = link["id"].as_str().unwrap().to_owned();
        let secret = secret_of(link["acceptInviteUrl"].as_str().unwrap());
        let revoke_path = format!("/api/orgs/acme/invites/{id}");
        let accept_path = format!("/api/orgs/acme/invites/{secret}");
        let ((revoke, revoke_body), (accept, accept_body)) = tokio::join!(
            api(&app, Method::DELETE, &revoke_path, &admin, None),
            api(&app, Method::PATCH, &accept_path, token, None),
        );
        match (revoke, accept) {
            (204, 404) => revoked += 1,
            (409, 204) => {
                accepted += 1;
                assert!(
                    revoke_body["message"].as_str().unwrap().contains("accepted"),
                    "{revoke_body}"
                );
            }
            other => panic!("revoke and accept both claim success or fail oddly: {other:?} {revoke_body} {accept_body}"),
        }
    }
    assert_eq!(revoked + accepted, rounds);
    let count = |event: &'static str| {
        let app = &app;
        async move {
            sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE event = $1")
                .bind(event)
                .fetch_one(&app.db)
                .await
                .unwrap()
                .get::<i64, _>("n")
        }
    };
    assert_eq!(count("invitation.revoked").await, revoked as i64);
    assert_eq!(count("invitation.accepted").await, accepted as i64);
    crate::helpers::assert_counts_are_recounts(&app).await;
}

async fn continuation_tokens_are_opaque_and_tamper_evident(app: TestApp) {
    let tokens = demo_tokens(&app).await;
    let (status, page) = app
        .api_get(
            "/api/orgs/acme/members?limit=1",
            Some(&tokens.billing_manager),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let cursor = page["continuationToken"].as_str().unwrap().to_owned();
    let ids: Vec<String> = sqlx::query("SELECT user_id FROM memberships")
        .fetch_all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("user_id"))
        .collect();
    let decoded = URL_SAFE_NO_PAD.decode(&cursor).unwrap_or_default();
    let text = String::from_utf8_lossy(&decoded);
    for id in &ids {
        assert!(!cursor.contains(id.as_str()) && !text.contains(id.as_str()));
    }
    // It still pages.
    let (status, next) = app
        .api_get(
            &format!("/api/orgs/acme/members?limit=1&continuationToken={cursor}"),
            Some(&tokens.billing_manager),
        )
        .await;
    assert_eq!(status, 200, "{next}");
    assert_eq!(next["members"].as_array().unwrap().len(), 1);

    // Forged and altered tokens are refused.
    let mut altered = decoded.clone();
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    let forged = URL_SAFE_NO_PAD.encode(format!("0:{}", ids[0]));
    for bad in [URL_SAFE_NO_PAD.encode(altered), forged] {
        let (status, body) = app
            .api_get(
                &format!("/api/orgs/acme/members?limit=1&continuationToken={bad}"),
                Some(&tokens.admin),
            )
            .await;
        assert_eq!(status, 400, "{body}");
    }
}

async fn invitation_emails_name_the_inviter_never_their_address(app: TestApp) {
    let tokens = demo_tokens(&app).await;
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/batch",
        &tokens.admin,
        Some(crate::helpers::batch(&["frank@example.com"], "member")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let messages: Vec<serde_json::Value> = reqwest::get(app.url("/dev/mailbox.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mail = messages
        .iter()
        .find(|m| m["to"] == "frank@example.com")
        .unwrap();
    let text = format!("{} {}", mail["subject"], mail["body"]);
    assert!(text.contains("Alice Admin"), "{text}");
    assert!(text.contains("Acme"), "{text}");
    assert!(!text.contains("alice@acme.example"), "{text}");
}

async fn team_memberships_end_with_the_role(app: TestApp) {
    let tokens = demo_tokens(&app).await;
    let admin = &tokens.admin;
    let bob_id: String = sqlx::query("SELECT id FROM users WHERE email = 'bob@acme.example'")
        .fetch_one(&app.db)
        .await
        .unwrap()
        .get("id");
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/teams",
        admin,
        Some(json!({"name": "platform"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/teams/platform/members",
        admin,
        Some(json!({"userId": bob_id})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = api(
        &app,
        Method::DELETE,
        "/api/orgs/acme/members/bob",
        admin,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let left: i64 = sqlx::query("SELECT COUNT(*) AS n FROM team_members WHERE user_id = $1")
        .bind(&bob_id)
        .fetch_one(&app.db)
        .await
        .unwrap()
        .get("n");
    assert_eq!(left, 0, "bob's team membership ended with his role");
    let (_, teams) = app.api_get("/api/orgs/acme/teams", Some(admin)).await;
    let platform = teams["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "platform")
        .unwrap();
    assert_eq!(platform["memberCount"], 0, "{platform}");
}

async fn a_payment_left_processing_is_finished_once(app: TestApp) {
    use purser_core::billing::Period;
    use purser_services::billing::{self, processor::BuiltInProcessor};
    let tokens = demo_tokens(&app).await;
    let (status, body) = api(
        &app,
        Method::PUT,
        "/api/orgs/acme/billing/payment-method",
        &tokens.admin,
        Some(json!({"holder": "Alice Admin", "number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let org_id: String = sqlx::query("SELECT id FROM organizations WHERE name = 'acme'")
        .fetch_one(&app.db)
        .await
        .unwrap()
        .get("id");
    let period = Period {
        year: 2031,
        month: 3,
    };
    // A run that crashed mid-charge: the payment is 'processing', its lease long over.
    sqlx::query(
        "INSERT INTO payments (id, org_id, period, created_at, description, amount_cents, currency, status, claimed_until) \
         VALUES ('crashed', $1, $2, 0, 'Purser Team', 4500, 'USD', 'processing', 1)",
    )
    .bind(&org_id)
    .bind(period.to_string())
    .execute(&app.db)
    .await
    .unwrap();
    // Two runs at once: exactly one takes it over.
    let (a, b) = tokio::join!(
        billing::run_cycle(&app.db, &BuiltInProcessor, "http://localhost", period),
        billing::run_cycle(&app.db, &BuiltInProcessor, "http://localhost", period),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.succeeded + b.succeeded, 1, "{a:?} {b:?}");
    let rows = sqlx::query("SELECT id, status FROM payments WHERE org_id = $1 AND period = $2")
        .bind(&org_id)
        .bind(period.to_string())
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<String, _>("id"), "crashed");
    assert_eq!(rows[0].get::<String, _>("status"), "succeeded");

    // A payment another live run is charging (lease not over) is left alone.
    let next = Period {
        year: 2031,
        month: 4,
    };
    sqlx::query(
        "INSERT INTO payments (id, org_id, period, created_at, description, amount_cents, currency, status, claimed_until) \
         VALUES ('in-flight', $1, $2, 0, 'Purser Team', 4500, 'USD', 'processing', $3)",
    )
    .bind(&org_id)
    .bind(next.to_string())
    .bind(purser_services::storage::db::now_ms() + 60_000)
    .execute(&app.db)
    .await
    .unwrap();
    let report = billing::run_cycle(&app.db, &BuiltInProcessor, "http://localhost", next)
        .await
        .unwrap();
    assert_eq!(report.succeeded, 0, "{report:?}");
    let status: String = sqlx::query("SELECT status FROM payments WHERE id = 'in-flight'")
        .fetch_one(&app.db)
        .await
        .unwrap()
        .get("status");
    assert_eq!(status, "processing");
}

// Rate limits: each test gets its own server with small limits.

mod limits {
    use super::*;
    use crate::helpers::Database;

    async fn app_with(kind: Database, limits: Limits) -> TestApp {
        TestApp::with(kind, move |s| purser_server::startup::Settings {
            limits,
            ..s
        })
        .await
    }

    fn assert_429(status: u16, retry_after: Option<&str>, body: &serde_json::Value) {
        assert_eq!(status, 429, "{body}");
        let secs: u64 = retry_after.expect("Retry-After").parse().unwrap();
        assert!(secs >= 1, "{secs}");
        assert!(body.to_string().contains("Try again"), "{body}");
    }

    async fn sign_in(
        app: &TestApp,
        email: &str,
        password: &str,
    ) -> (u16, Option<String>, serde_json::Value) {
        let res = crate::helpers::client()
            .post(app.url("/fn/sign_in"))
            .header("origin", &app.base)
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        status_retry_body(res).await
    }

    /// An answer's status, `Retry-After` and JSON body (`null` when it has none).
    async fn status_retry_body(res: reqwest::Response) -> (u16, Option<String>, serde_json::Value) {
        let status = res.status().as_u16();
        let retry = res
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, retry, res.json().await.unwrap_or_default())
    }

    async fn sign_in_attempts_per_address(kind: Database) {
        let app = app_with(
            kind,
            Limits {
                sign_in_per_minute: 3,
                ..Limits::off()
            },
        )
        .await;
        demo_tokens(&app).await;
        for _ in 0..3 {
            let (status, _, body) =
                sign_in(&app, "alice@acme.example", "alice-demo-password").await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, retry, body) =
            sign_in(&app, "alice@acme.example", "alice-demo-password").await;
        assert_429(status, retry.as_deref(), &body);
    }

    async fn accounts_lock_after_failures_even_for_the_right_password(kind: Database) {
        let app = app_with(
            kind,
            Limits {
                lockout_failures: 3,
                lockout_minutes: 15,
                ..Limits::off()
            },
        )
        .await;
        demo_tokens(&app).await;
        for _ in 0..3 {
            let (status, _, _) = sign_in(&app, "alice@acme.example", "wrong password!").await;
            assert_eq!(status, 401);
        }
        let (status, retry, body) =
            sign_in(&app, "alice@acme.example", "alice-demo-password").await;
        assert_429(status, retry.as_deref(), &body);
        // Another account is not affected; nor is an address with no account told apart.
        let (status, _, _) = sign_in(&app, "bob@acme.example", "bob-demo-password").await;
        assert_eq!(status, 200);
        for _ in 0..3 {
            sign_in(&app, "nobody@example.com", "wrong password!").await;
        }
        let (status, _, _) = sign_in(&app, "nobody@example.com", "wrong password!").await;
        assert_eq!(status, 429, "unknown addresses lock the same way");
        // The lockout is in the database: it holds for every instance sharing it.
        let locked: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM sign_in_failures WHERE locked_until IS NOT NULL",
        )
        .fetch_one(&app.db)
        .await
        .unwrap()
        .get("n");
        assert_eq!(locked, 2);
    }

    /// The budget counts invitations, not requests: a batch takes one per address, all
    /// of them or none.
    async fn invitations_per_account(kind: Database) {
        let app = app_with(
            kind,
            Limits {
                invitations_per_hour: 3,
                ..Limits::off()
            },
        )
        .await;
        let tokens = demo_tokens(&app).await;
        let send = |emails: &'static [&'static str]| {
            let (app, admin) = (&app, tokens.admin.clone());
            async move {
                api(
                    app,
                    Method::POST,
                    "/api/orgs/acme/invites/batch",
                    &admin,
                    Some(crate::helpers::batch(emails, "member")),
                )
                .await
            }
        };
        let (status, body) = send(&["p0@example.com", "p1@example.com"]).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["sentInvites"].as_array().unwrap().len(), 2);
        // Two more do not fit in the one left: neither is sent.
        let (status, body) = send(&["p2@example.com", "p3@example.com"]).await;
        assert_eq!(status, 429, "{body}");
        let (_, pending) = api(
            &app,
            Method::GET,
            "/api/orgs/acme/invites",
            &tokens.admin,
            None,
        )
        .await;
        assert!(
            !pending.to_string().contains("p2@example.com"),
            "nothing of a refused batch is sent: {pending}"
        );
        let (status, body) = send(&["p2@example.com"]).await;
        assert_eq!(status, 200, "{body}");
        let res = crate::helpers::client()
            .post(app.url("/api/orgs/acme/invites/link"))
            .header("authorization", format!("token {}", tokens.admin))
            .json(&json!({"role": "member"}))
            .send()
            .await
            .unwrap();
        let (status, retry, body) = status_retry_body(res).await;
        assert_429(status, retry.as_deref(), &body);
        assert_eq!(body["code"], 429);
    }

    /// Each refused acceptance writes the audit log and the invitation: an account
    /// holding a link cannot repeat it without end (the REST API and the UI share the
    /// budget), and the log keeps at most the budget's worth of failures.
    async fn acceptances_per_account(kind: Database) {
        let app = app_with(
            kind,
            Limits {
                acceptances_per_hour: 3,
                ..Limits::off()
            },
        )
        .await;
        let tokens = demo_tokens(&app).await;
        let (status, link) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/invites/link",
            &tokens.admin,
            Some(json!({"role": "member"})),
        )
        .await;
        assert_eq!(status, 200, "{link}");
        let secret = link["acceptInviteUrl"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        // Bob is already a member: every attempt is refused, and recorded.
        let accept = format!("/api/orgs/acme/invites/{secret}");
        for _ in 0..2 {
            let (status, body) = api(&app, Method::PATCH, &accept, &tokens.member, None).await;
            assert_eq!(status, 409, "{body}");
        }
        let bob = crate::helpers::signed_in(&app, "bob@acme.example", "bob-demo-password").await;
        let (status, body) = app
            .call_as(&bob, "accept_invite", &[("secret", secret.as_str())])
            .await;
        assert_eq!(status, 409, "{body}");
        let res = crate::helpers::client()
            .patch(app.url(&accept))
            .header("authorization", format!("token {}", tokens.member))
            .send()
            .await
            .unwrap();
        let (status, retry, body) = status_retry_body(res).await;
        assert_429(status, retry.as_deref(), &body);
        let (status, _) = app
            .call_as(&bob, "accept_invite", &[("secret", secret.as_str())])
            .await;
        assert_eq!(status, 429, "the UI shares the budget");
        let failures: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE event = $1")
            .bind("invitation.failed")
            .fetch_one(&app.db)
            .await
            .unwrap()
            .get("n");
        assert_eq!(
            failures, 3,
            "only the attempts within the budget are recorded"
        );
        // Another account has its own budget.
        let (status, body) = api(&app, Method::PATCH, &accept, &tokens.admin, None).await;
        assert_eq!(status, 409, "{body}");
    }

    async fn token_guessing_per_address(kind: Database) {
        let app = app_with(
            kind,
            Limits {
                token_failures_per_minute: 3,
                ..Limits::off()
            },
        )
        .await;
        let tokens = demo_tokens(&app).await;
        for i in 0..4 {
            let (status, _) = app
                .api_get("/api/user", Some(&format!("pur_guess{i}")))
                .await;
            assert!(status == 401 || status == 429, "{status}");
        }
        // Now even a right token from this address waits: a right guess looks like a wrong one.
        let (status, body) = app.api_get("/api/user", Some(&tokens.admin)).await;
        assert_eq!(status, 429, "{body}");
    }

    async fn reset_emails_per_address_whatever_the_client(kind: Database) {
        let app = app_with(
            kind,
            Limits {
                emails_per_hour: 2,
                trust_forwarded_for: true,
                ..Limits::off()
            },
        )
        .await;
        demo_tokens(&app).await;
        let request = |client_ip: &'static str, email: &'static str| {
            crate::helpers::client()
                .post(app.url("/fn/request_password_reset"))
                .header("origin", &app.base)
                .header("x-forwarded-for", client_ip)
                .form(&[("email", email)])
                .send()
        };
        for ip in ["192.0.2.1", "192.0.2.2"] {
            let res = request(ip, "alice@acme.example").await.unwrap();
            assert_eq!(res.status(), 200);
        }
        // A third client address, the same inbox: refused.
        let res = request("192.0.2.3", "alice@acme.example").await.unwrap();
        assert_eq!(res.status(), 429);
        assert!(res.headers().get("retry-after").is_some());
        // Per client address too, whatever the inbox.
        let res = request("192.0.2.1", "bob@acme.example").await.unwrap();
        assert_eq!(res.status(), 200);
        let res = request("192.0.2.1", "carol@acme.example").await.unwrap();
        assert_eq!(res.status(), 429);
    }

    /// What a person types becomes part of a budget's key (a password reset counts per
    /// address typed): a very long one is counted like any other, never a 5xx.
    async fn a_long_address_is_counted_not_failed_on(kind: Database) {
        let app = app_with(
            kind,
            Limits {
                emails_per_hour: 1,
                ..Limits::off()
            },
        )
        .await;
        let long = format!("{}@example.com", "a".repeat(100_000));
        let request = || {
            crate::helpers::client()
                .post(app.url("/fn/request_password_reset"))
                .header("origin", &app.base)
                .form(&[("email", long.as_str())])
                .send()
        };
        let first = request().await.unwrap().status().as_u16();
        assert!(first < 500, "{first}");
        let second = request().await.unwrap();
        assert_eq!(second.status(), 429, "the same address, counted");
    }

    macro_rules! both {
        ($($name:ident),*) => {
            mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Database::Sqlite).await } )* }
            mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Database::Postgres).await } )* }
        };
    }
    both!(
        sign_in_attempts_per_address,
        accounts_lock_after_failures_even_for_the_right_password,
        invitations_per_account,
        acceptances_per_account,
        token_guessing_per_address,
        reset_emails_per_address_whatever_the_client,
        a_long_address_is_counted_not_failed_on
    );
}
