//! Email through a real SMTP server: Python's aiosmtpd, started here, writing what it
//! receives into a Maildir that the test reads.

use crate::helpers::{extract_link, Database, SmtpServer, TestApp};
use sqlx::Row;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_email_is_delivered_over_smtp_on_both_databases() {
    for database in [Database::Sqlite, Database::Postgres] {
        let smtp = SmtpServer::planned().start().await;
        let url = smtp.url();
        let app = TestApp::with(database, move |s| purser_server::startup::Settings {
            smtp_url: Some(url),
            smtp_from: "Purser <noreply@purser.test>".into(),
            dev_mailbox: false,
            ..s
        })
        .await;
        app.call(
            "sign_up",
            &[
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
        let received = smtp.wait_for(1, Duration::from_secs(20)).await;
        assert_eq!(received.len(), 1, "{database:?}: one message delivered");
        let message = &received[0];
        assert!(message.contains("To: ada@example.com"), "{message}");
        assert!(
            message.contains("From: Purser <noreply@purser.test>"),
            "{message}"
        );
        assert!(
            message.contains("Subject: Verify your email address"),
            "{message}"
        );

        // The link in the real email verifies the account.
        let link = extract_link(&message.replace("=\n", "").replace("=3D", "="));
        let token = link.split("token=").nth(1).unwrap();
        let (status, body) = app.call("verify_email", &[("token", token)]).await;
        assert_eq!(status, 200, "{database:?}: {body}");

        // The SMTP server has the message; the outbox records it right after, so wait
        // for that write rather than race it.
        let mut sent: Option<i64> = None;
        for _ in 0..100 {
            sent = sqlx::query("SELECT sent_at FROM outbox")
                .fetch_one(&app.db)
                .await
                .unwrap()
                .get("sent_at");
            if sent.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            sent.is_some(),
            "{database:?}: the outbox records the delivery"
        );
        // Nothing readable stays at rest once delivered: the link was a secret.
        let body: String = sqlx::query("SELECT body FROM outbox")
            .fetch_one(&app.db)
            .await
            .unwrap()
            .get("body");
        assert!(
            !body.contains("token=") && !body.contains(token),
            "{database:?}: the delivered body is erased: {body:?}"
        );
        // The mailbox page does not exist without --dev-mailbox: it would show secrets.
        let res = reqwest::get(app.url("/dev/mailbox.json")).await.unwrap();
        assert_ne!(res.status(), 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deliveries_are_retried_until_the_server_answers() {
    let smtp = SmtpServer::planned();
    let url = smtp.url();
    let app = TestApp::with(Database::Sqlite, move |s| {
        purser_server::startup::Settings {
            smtp_url: Some(url),
            ..s
        }
    })
    .await;
    app.call(
        "sign_up",
        &[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", "a long password"),
        ],
    )
    .await;

    // Nothing listens yet: the attempt fails and is recorded; the message waits.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row = sqlx::query("SELECT attempts, last_error, sent_at FROM outbox")
            .fetch_one(&app.db)
            .await
            .unwrap();
        let attempts: i64 = row.get("attempts");
        if attempts >= 1 {
            assert!(row.get::<Option<String>, _>("last_error").is_some());
            assert!(row.get::<Option<i64>, _>("sent_at").is_none());
            break;
        }
        assert!(Instant::now() < deadline, "no delivery attempt was made");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let smtp = smtp.start().await;
    let received = smtp.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(received.len(), 1, "the retry delivered the message");
    assert!(received[0].contains("To: ada@example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_given_up_keeps_no_body() {
    for database in [Database::Sqlite, Database::Postgres] {
        // Nothing ever listens here.
        let smtp = SmtpServer::planned();
        let url = smtp.url();
        let app = TestApp::with(database, move |s| purser_server::startup::Settings {
            smtp_url: Some(url),
            dev_mailbox: false,
            ..s
        })
        .await;
        app.call(
            "sign_up",
            &[
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
        // One attempt short of giving up, and due now.
        sqlx::query("UPDATE outbox SET attempts = $1, next_attempt_at = 0")
            .bind(purser_services::email::outbox::MAX_ATTEMPTS - 1)
            .execute(&app.db)
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let row = sqlx::query("SELECT given_up_at, body, sent_at FROM outbox")
                .fetch_one(&app.db)
                .await
                .unwrap();
            if row.get::<Option<i64>, _>("given_up_at").is_some() {
                assert_eq!(row.get::<String, _>("body"), "", "{database:?}");
                assert!(row.get::<Option<i64>, _>("sent_at").is_none());
                break;
            }
            assert!(Instant::now() < deadline, "{database:?}: never given up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
