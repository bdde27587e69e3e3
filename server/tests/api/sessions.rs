//! Session lifetimes, the purge, "Sign out everywhere", password reset by email and
//! password change.

use crate::helpers::{new_browser, try_sign_in, Database, TestApp};
use crate::on_both_databases;
use purser_services::accounts::{purge_expired, Purged, SessionLifetimes};
use purser_services::storage::db::now_ms;
use serde_json::Value;
use std::time::Duration;

on_both_databases!(
    idle_sessions_end_and_use_keeps_them_alive,
    sessions_end_after_the_absolute_lifetime_however_used,
    expired_sessions_and_used_or_expired_reset_links_are_purged,
    sign_out_everywhere_ends_every_session_but_not_tokens,
    password_reset_by_email_works_once_and_ends_every_session,
    reset_answers_the_same_for_unknown_addresses,
    expired_reset_links_are_refused,
    a_reset_reclaims_an_address_taken_at_sign_up,
    change_password_needs_the_current_one_and_ends_other_sessions,
    the_pages_offer_reset_change_and_sign_out_everywhere,
);

const PASSWORD: &str = "a long password";
const NEW_PASSWORD: &str = "a brand new password";
const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    let (status, me) = app.call_as(client, "current_user", &[]).await;
    assert_eq!(status, 200, "{me}");
    !me.is_null()
}

async fn sessions_of(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// Moves every session of `email` in time: begun at `created_at`, last used at `last_seen_at`.
async fn age_sessions(app: &TestApp, email: &str, created_at: i64, last_seen_at: i64) {
    sqlx::query(
        "UPDATE sessions SET created_at = $1, last_seen_at = $2 \
         WHERE user_id = (SELECT id FROM users WHERE email = $3)",
    )
    .bind(created_at)
    .bind(last_seen_at)
    .bind(email)
    .execute(&app.db)
    .await
    .unwrap();
}

async fn newest_last_seen(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT MAX(s.last_seen_at) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn request_reset(app: &TestApp, email: &str) -> (u16, Value) {
    app.call_as(
        &new_browser(),
        "request_password_reset",
        &[("email", email)],
    )
    .await
}

/// The secret of the newest reset link emailed to `email`.
async fn reset_token(app: &TestApp, email: &str) -> String {
    let link = app.last_link_to(email).await;
    let prefix = app.url("/password/reset?token=");
    assert!(link.starts_with(&prefix), "a reset link: {link}");
    link[prefix.len()..].to_owned()
}

async fn mailbox(app: &TestApp) -> Vec<Value> {
    reqwest::get(app.url("/dev/mailbox.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn idle_sessions_end_and_use_keeps_them_alive(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let now = now_ms();

    // Six days without use is within the default idle lifetime (7 days); using the
    // session notes the use.
    age_sessions(&app, "ada@example.com", now - 6 * DAY_MS, now - 6 * DAY_MS).await;
    assert!(signed_in(&app, &ada.client).await);
    let seen = newest_last_seen(&app, "ada@example.com").await;
    assert!(seen >= now, "the use was noted: {seen} < {now}");

    // A second use within the minute does not write again.
    age_sessions(&app, "ada@example.com", now - 6 * DAY_MS, now - 30_000).await;
    assert!(signed_in(&app, &ada.client).await);
    assert_eq!(
        newest_last_seen(&app, "ada@example.com").await,
        now - 30_000
    );

    // Seven days without use: signed out, on the UI and on the API alike, and the
    // session is gone at once.
    let cookie_browser = ada.client.clone();
    age_sessions(
        &app,
        "ada@example.com",
        now - 8 * DAY_MS,
        now - 7 * DAY_MS - 1,
    )
    .await;
    assert!(!signed_in(&app, &cookie_browser).await);
    assert_eq!(sessions_of(&app, "ada@example.com").await, 0);
    let (status, _) = app.call_as(&ada.client, "list_tokens", &[]).await;
    assert_eq!(status, 401);
}

async fn sessions_end_after_the_absolute_lifetime_however_used(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let now = now_ms();
    // Used a second ago, but begun 30 days ago (the default absolute lifetime).
    age_sessions(&app, "ada@example.com", now - 30 * DAY_MS - 1, now - 1000).await;
    assert!(!signed_in(&app, &ada.client).await);
    assert_eq!(sessions_of(&app, "ada@example.com").await, 0);

    // Begun 29 days ago and used: still live.
    let again = try_sign_in(&app, "ada@example.com", PASSWORD)
        .await
        .unwrap();
    age_sessions(&app, "ada@example.com", now - 29 * DAY_MS, now - 1000).await;
    assert!(signed_in(&app, &again).await);
}

/// Both lifetimes come from the settings (`--session-idle-hours`, `--session-max-days`).
async fn lifetimes_come_from_the_settings(kind: Database) {
    let app = TestApp::with(kind, |s| purser_server::startup::Settings {
        session_idle: Duration::from_secs(60),
        session_max: Duration::from_secs(3600),
        ..s
    })
    .await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    assert!(signed_in(&app, &ada.client).await);
    let now = now_ms();
    age_sessions(&app, "ada@example.com", now - 1000, now - 61_000).await;
    assert!(
        !signed_in(&app, &ada.client).await,
        "idle for over a minute"
    );

    let again = try_sign_in(&app, "ada@example.com", PASSWORD)
        .await
        .unwrap();
    age_sessions(&app, "ada@example.com", now - HOUR_MS - 1, now - 1000).await;
    assert!(!signed_in(&app, &again).await, "begun over an hour ago");

    // The browser keeps the cookie no longer than the session can last.
    let res = new_browser()
        .post(app.url("/fn/sign_in"))
        .header("origin", &app.base)
        .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.ends_with("Max-Age=3600"), "{cookie}");
}

/// A reset ends a sign-in lockout: the owner of the mailbox chose the new password.
async fn a_reset_ends_a_sign_in_lockout(kind: Database) {
    let app = TestApp::with(kind, |s| purser_server::startup::Settings {
        limits: purser_services::throttle::Limits {
            lockout_failures: 2,
            lockout_minutes: 15,
            ..purser_services::throttle::Limits::off()
        },
        ..s
    })
    .await;
    app.sign_up("Ada", "ada@example.com").await;
    for _ in 0..2 {
        assert!(try_sign_in(&app, "ada@example.com", "a wrong guess!")
            .await
            .is_none());
    }
    let attempt = |password: &'static str| {
        let app = &app;
        async move {
            app.call_as(
                &new_browser(),
                "sign_in",
                &[("email", "ada@example.com"), ("password", password)],
            )
            .await
            .0
        }
    };
    assert_eq!(attempt(PASSWORD).await, 429, "locked");

    request_reset(&app, "ada@example.com").await;
    let token = reset_token(&app, "ada@example.com").await;
    let (status, body) = app
        .call_as(
            &new_browser(),
            "reset_password",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(attempt(NEW_PASSWORD).await, 200, "the lockout ended");
}

mod a_reset_ends_a_sign_in_lockout {
    use crate::helpers::Database;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::a_reset_ends_a_sign_in_lockout(Database::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::a_reset_ends_a_sign_in_lockout(Database::Postgres).await;
    }
}

mod lifetimes_come_from_the_settings {
    use crate::helpers::Database;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::lifetimes_come_from_the_settings(Database::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::lifetimes_come_from_the_settings(Database::Postgres).await;
    }
}

async fn expired_sessions_and_used_or_expired_reset_links_are_purged(app: TestApp) {
    app.sign_up("Ada", "ada@example.com").await;
    app.sign_up("Bob", "bob@example.com").await;
    app.sign_up("Cy", "cy@example.com").await;
    let now = now_ms();
    // Ada's session is idle too long, Bob's too old; Cy's is live.
    age_sessions(&app, "ada@example.com", now - DAY_MS, now - 8 * DAY_MS).await;
    age_sessions(&app, "bob@example.com", now - 31 * DAY_MS, now - 1000).await;

    for email in ["ada@example.com", "bob@example.com", "cy@example.com"] {
        assert_eq!(request_reset(&app, email).await.0, 200);
    }
    let used = reset_token(&app, "ada@example.com").await;
    let (status, body) = app
        .call_as(
            &new_browser(),
            "reset_password",
            &[("token", &used), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sqlx::query(
        "UPDATE password_resets SET expires_at = $1 \
         WHERE user_id = (SELECT id FROM users WHERE email = $2)",
    )
    .bind(now - 1)
    .bind("bob@example.com")
    .execute(&app.db)
    .await
    .unwrap();

    let purged = purge_expired(&app.db, SessionLifetimes::default())
        .await
        .unwrap();
    assert_eq!(
        purged,
        Purged {
            // Bob's; Ada's old session ended with her reset, and she has a new one.
            sessions: 1,
            // Ada's used link and Bob's expired one.
            password_resets: 2,
        }
    );
    let resets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_resets")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(resets, 1, "Cy's link is live and stays");
    assert_eq!(sessions_of(&app, "cy@example.com").await, 1);
    assert_eq!(sessions_of(&app, "ada@example.com").await, 1);
    assert_eq!(sessions_of(&app, "bob@example.com").await, 0);

    // The idle session too, when it was not caught at a lookup first.
    age_sessions(&app, "cy@example.com", now - DAY_MS, now - 8 * DAY_MS).await;
    let purged = purge_expired(&app.db, SessionLifetimes::default())
        .await
        .unwrap();
    assert_eq!(purged.sessions, 1);
    assert_eq!(sessions_of(&app, "cy@example.com").await, 0);
}

async fn sign_out_everywhere_ends_every_session_but_not_tokens(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    app.verify(&ada).await;
    let token = app.token_for(&ada).await;
    let laptop = try_sign_in(&app, "ada@example.com", PASSWORD)
        .await
        .unwrap();
    let phone = try_sign_in(&app, "ada@example.com", PASSWORD)
        .await
        .unwrap();
    let eve = app.sign_up("Eve", "eve@example.com").await;
    assert_eq!(sessions_of(&app, "ada@example.com").await, 3);

    let (status, _) = app
        .call_as(&new_browser(), "sign_out_everywhere", &[])
        .await;
    assert_eq!(status, 401, "only for the signed in");

    // The response clears the cookie of the browser that asked.
    let res = phone
        .post(app.url("/fn/sign_out_everywhere"))
        .header("origin", &app.base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");

    for client in [&ada.client, &laptop, &phone] {
        assert!(!signed_in(&app, client).await);
    }
    assert_eq!(sessions_of(&app, "ada@example.com").await, 0);
    assert!(
        signed_in(&app, &eve.client).await,
        "other accounts keep theirs"
    );
    let (status, user) = app.api_get("/api/user", Some(&token)).await;
    assert_eq!(status, 200, "tokens are not sessions: {user}");
}

async fn password_reset_by_email_works_once_and_ends_every_session(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    app.verify(&ada).await;
    let token = app.token_for(&ada).await;
    let laptop = try_sign_in(&app, "ada@example.com", PASSWORD)
        .await
        .unwrap();

    let (status, body) = request_reset(&app, " ADA@Example.com ").await;
    assert_eq!((status, &body), (200, &Value::Null));
    let first = reset_token(&app, "ada@example.com").await;
    assert_eq!(request_reset(&app, "ada@example.com").await.0, 200);
    let second = reset_token(&app, "ada@example.com").await;
    assert_ne!(first, second);
    let stored: Vec<String> = sqlx::query_scalar("SELECT secret_hash FROM password_resets")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        !stored.contains(&first) && stored.contains(&purser_services::secrets::hash(&first)),
        "only a hash is stored"
    );

    let (status, body) = app
        .call("check_password_reset", &[("token", &second)])
        .await;
    assert_eq!(status, 200, "{body}");

    // A password too short is refused on its field, and the link stays usable.
    let phone = new_browser();
    let (status, body) = app
        .call_as(
            &phone,
            "reset_password",
            &[("token", &second), ("password", "short")],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "password");

    let (status, body) = app
        .call_as(
            &phone,
            "reset_password",
            &[("token", &second), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        signed_in(&app, &phone).await,
        "signed in with a new session"
    );
    assert!(!signed_in(&app, &ada.client).await);
    assert!(!signed_in(&app, &laptop).await);
    assert_eq!(sessions_of(&app, "ada@example.com").await, 1);
    let (status, _) = app.api_get("/api/user", Some(&token)).await;
    assert_eq!(status, 401, "no token survives a reset");

    // Once only, and the other pending link died with it.
    for used in [&second, &first] {
        let (status, body) = app
            .call_as(
                &new_browser(),
                "reset_password",
                &[("token", used), ("password", "yet another password")],
            )
            .await;
        assert_eq!(status, 404, "{body}");
        assert!(body["NotFound"]
            .as_str()
            .unwrap()
            .contains("This link is not valid or has expired"));
        let (status, _) = app.call("check_password_reset", &[("token", used)]).await;
        assert_eq!(status, 404);
    }

    assert!(try_sign_in(&app, "ada@example.com", PASSWORD)
        .await
        .is_none());
    assert!(try_sign_in(&app, "ada@example.com", NEW_PASSWORD)
        .await
        .is_some());
    let mail = mailbox(&app).await;
    assert!(
        mail.iter()
            .any(|m| m["to"] == "ada@example.com"
                && m["subject"] == "Your Purser password was changed"),
        "the owner is told"
    );
}

async fn reset_answers_the_same_for_unknown_addresses(app: TestApp) {
    app.sign_up("Ada", "ada@example.com").await;
    let before = mailbox(&app).await.len();
    let known = request_reset(&app, "ada@example.com").await;
    let unknown = request_reset(&app, "nobody@example.com").await;
    assert_eq!(known, unknown, "the answer tells nothing");
    assert_eq!(known.0, 200);
    let mail = mailbox(&app).await;
    assert_eq!(mail.len(), before + 1, "only the account's owner gets mail");
    assert!(mail.iter().all(|m| m["to"] != "nobody@example.com"));

    let (status, body) = request_reset(&app, "not-an-email").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "email");
    let (status, _) = app
        .call("check_password_reset", &[("token", "made-up")])
        .await;
    assert_eq!(status, 404);
}

async fn expired_reset_links_are_refused(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    request_reset(&app, "ada@example.com").await;
    let token = reset_token(&app, "ada@example.com").await;
    let expires_at: i64 = sqlx::query_scalar("SELECT expires_at - created_at FROM password_resets")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(expires_at, HOUR_MS, "a link works for an hour");
    sqlx::query("UPDATE password_resets SET expires_at = $1")
        .bind(now_ms() - 1)
        .execute(&app.db)
        .await
        .unwrap();

    let (status, _) = app.call("check_password_reset", &[("token", &token)]).await;
    assert_eq!(status, 404);
    let (status, body) = app
        .call_as(
            &new_browser(),
            "reset_password",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(signed_in(&app, &ada.client).await, "nothing changed");
    assert!(try_sign_in(&app, "ada@example.com", PASSWORD)
        .await
        .is_some());
}

async fn a_reset_reclaims_an_address_taken_at_sign_up(app: TestApp) {
    // Mallory signs up with Ada's address, which she cannot verify: no token yet.
    let mallory = app.sign_up("Mallory", "ada@example.com").await;
    let (status, body) = app
        .call_as(&mallory.client, "create_token", &[("description", "mine")])
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["Forbidden"], "Verify your email address before creating an access token.",
        "{body}"
    );
    // She has verification mail sent until Ada opens a link; her session may now
    // make a token.
    app.verify(&mallory).await;
    let token = app.token_for(&mallory).await;

    request_reset(&app, "ada@example.com").await;
    let link = reset_token(&app, "ada@example.com").await;
    let ada = new_browser();
    let (status, body) = app
        .call_as(
            &ada,
            "reset_password",
            &[("token", &link), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, me) = app.call_as(&ada, "current_user", &[]).await;
    assert_eq!(me["email_verified"], true, "reading the mailbox proves it");
    assert!(!signed_in(&app, &mallory.client).await);
    let (status, _) = app.api_get("/api/user", Some(&token)).await;
    assert_eq!(status, 401, "Mallory's token ends with the reset");
    assert!(try_sign_in(&app, "ada@example.com", PASSWORD)
        .await
        .is_none());
}

async fn change_password_needs_the_current_one_and_ends_other_sessions(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let laptop = try_sign_in(&app, "ada@example.com", PASSWORD)
        .await
        .unwrap();
    request_reset(&app, "ada@example.com").await;
    let pending = reset_token(&app, "ada@example.com").await;

    let (status, _) = app
        .call_as(
            &new_browser(),
            "change_password",
            &[("current_password", PASSWORD), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(status, 401);

    let (status, body) = app
        .call_as(
            &ada.client,
            "change_password",
            &[
                ("current_password", "not my password"),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "current_password");
    let (status, body) = app
        .call_as(
            &ada.client,
            "change_password",
            &[("current_password", PASSWORD), ("password", "short")],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "password");
    assert!(signed_in(&app, &laptop).await, "refusals change nothing");

    let (status, body) = app
        .call_as(
            &ada.client,
            "change_password",
            &[("current_password", PASSWORD), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(signed_in(&app, &ada.client).await, "this session stays");
    assert!(!signed_in(&app, &laptop).await, "the others end");
    assert_eq!(sessions_of(&app, "ada@example.com").await, 1);
    let (status, _) = app
        .call("check_password_reset", &[("token", &pending)])
        .await;
    assert_eq!(status, 404, "a pending reset link dies with the change");

    assert!(try_sign_in(&app, "ada@example.com", PASSWORD)
        .await
        .is_none());
    assert!(try_sign_in(&app, "ada@example.com", NEW_PASSWORD)
        .await
        .is_some());
}

async fn the_pages_offer_reset_change_and_sign_out_everywhere(app: TestApp) {
    let page = |client: reqwest::Client, path: &'static str| {
        let url = app.url(path);
        async move {
            let res = client.get(url).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, html) = page(new_browser(), "/signin").await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/password/forgot\""), "{html}");
    let (status, html) = page(new_browser(), "/password/forgot").await;
    assert_eq!(status, 200);
    assert!(html.contains("Send reset link"));
    let (status, html) = page(new_browser(), "/password/reset?token=made-up").await;
    assert_eq!(status, 404);
    assert!(html.contains("This link is not valid or has expired"));

    let ada = app.sign_up("Ada", "ada@example.com").await;
    request_reset(&app, "ada@example.com").await;
    let token = reset_token(&app, "ada@example.com").await;
    let path: &'static str = Box::leak(format!("/password/reset?token={token}").into_boxed_str());
    let (status, html) = page(new_browser(), path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Choose a new password"), "{html}");

    let (status, html) = page(ada.client.clone(), "/account/tokens").await;
    assert_eq!(status, 200);
    assert!(html.contains("Sign out everywhere") && html.contains("Current password"));
}
