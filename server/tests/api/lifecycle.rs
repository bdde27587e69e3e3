//! The `purser` process over its life: stopping on SIGTERM, and backing up its SQLite
//! database while it serves.

use crate::helpers::{client, free_port};
use serde_json::Value;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const PURSER: &str = env!("CARGO_BIN_EXE_purser");

/// `purser ARGS` on `database_url`, to completion: (success, stdout, stderr).
async fn purser(args: &[&str], database_url: &str) -> (bool, String, String) {
    let out = Command::new(PURSER)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `purser serve` on `database_url` at a free port, once it answers `/readyz`.
async fn serve(database_url: &str, extra: &[&str]) -> (Child, String) {
    let port = free_port();
    let child = Command::new(PURSER)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    crate::helpers::wait_ready(&base).await;
    (child, base)
}

fn terminate(child: &Child) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The token `purser demo --format json` printed for the user holding `role`.
fn demo_token(demo: &Value, role: &str) -> String {
    demo["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["role"] == role)
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn sqlite(url: &str) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(url).await.unwrap()
}

/// On SIGTERM the server stops accepting and exits cleanly; the outbox worker hands
/// back the messages it claimed but had not tried, and keeps the claim of the one it
/// was sending when it stopped (whether the relay took it is unknown).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_cleanly_and_hands_back_outbox_claims() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("stop.db").display());
    let (ok, _, err) = purser(&["demo"], &url).await;
    assert!(ok, "{err}");
    let pool = sqlite(&url).await;
    for i in 0..3 {
        sqlx::query("INSERT INTO outbox (id, to_address, subject, body, created_at, next_attempt_at) VALUES ($1, $2, 'Hello', 'body', 0, 0)")
            .bind(format!("message-{i}"))
            .bind(format!("person{i}@example.com"))
            .execute(&pool)
            .await
            .unwrap();
    }
    // A relay that accepts connections and never says a word: a send hangs.
    let relay = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let relay_port = relay.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in relay.incoming() {
            held.push(stream);
        }
    });
    let (mut child, base) = serve(
        &url,
        &[
            "--smtp-url",
            &format!("smtp://127.0.0.1:{relay_port}"),
            "--password-hashing-concurrency",
            "1",
        ],
    )
    .await;
    let claimed = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox WHERE claimed_until IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while claimed().await < 3 {
        assert!(
            Instant::now() < deadline,
            "the worker never claimed the messages"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Sign-ins queue for the one password hasher: some are still in flight when the
    // stop comes, and each is answered all the same.
    let signing_in: Vec<_> = (0..6)
        .map(|_| {
            let base = base.clone();
            tokio::spawn(async move {
                crate::helpers::new_browser()
                    .post(format!("{base}/fn/sign_in"))
                    .header("origin", &base)
                    .form(&[
                        ("email", "alice@acme.example"),
                        ("password", "alice-demo-password"),
                    ])
                    .send()
                    .await
                    .map(|res| (res.status().as_u16(), Instant::now()))
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    terminate(&child);
    let stop_sent = Instant::now();
    let mut answered_after_stop = 0;
    for request in signing_in {
        let answer = request.await.unwrap();
        let Ok((200, at)) = answer else {
            panic!("a request in flight is answered: {answer:?}");
        };
        answered_after_stop += usize::from(at > stop_sent);
    }
    assert!(
        answered_after_stop > 0,
        "some sign-ins were still in flight at the stop"
    );
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("exits within its grace period")
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(
        client()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err(),
        "no longer listening"
    );
    let rows: Vec<(String, Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT id, claimed_until, sent_at FROM outbox ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(rows.iter().all(|(_, _, sent)| sent.is_none()), "{rows:?}");
    let still_claimed = rows.iter().filter(|(_, c, _)| c.is_some()).count();
    assert_eq!(
        still_claimed, 1,
        "only the message in flight keeps its claim: {rows:?}"
    );
}

/// `kill -9` in the middle of writes: SQLite's write-ahead log keeps the database
/// whole (every acknowledged write there, no half of one), and it serves again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_kill_9_during_writes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("killed.db").display());
    let (ok, demo, err) = purser(&["demo", "--format", "json"], &url).await;
    assert!(ok, "{err}");
    let demo: Value = serde_json::from_str(&demo).unwrap();
    let token = |role: &str| demo_token(&demo, role);
    let (member, admin) = (token("member"), token("admin"));
    let (mut server, base) = serve(&url, &["--limit-invitations-per-hour", "0"]).await;

    // Stack reports, link invitations and organization tokens, each counted when
    // acknowledged, until the connection dies with the server.
    let writer = |path: &'static str, token: String, body: Value, ok: u16| {
        let base = base.clone();
        tokio::spawn(async move {
            let mut acknowledged = 0i64;
            loop {
                let sent = client()
                    .post(format!("{base}{path}"))
                    .header("Authorization", format!("token {token}"))
                    .json(&body)
                    .send()
                    .await;
                match sent {
                    Ok(res) => {
                        assert_eq!(res.status(), ok, "{path}");
                        acknowledged += 1;
                    }
                    Err(_) => return acknowledged,
                }
            }
        })
    };
    let mut reports = Vec::new();
    for _ in 0..3 {
        reports.push(writer(
            "/api/orgs/acme/stacks/website/production/updates",
            member.clone(),
            serde_json::json!({"resourceCount": 3}),
            201,
        ));
    }
    let invites = writer(
        "/api/orgs/acme/invites/link",
        admin.clone(),
        serde_json::json!({"role": "member"}),
        200,
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.start_kill().unwrap();
    server.wait().await.unwrap();
    let mut reported = 0;
    for task in reports {
        reported += task.await.unwrap();
    }
    let invited = invites.await.unwrap();
    assert!(reported > 0 && invited > 0, "writes were under way");

    let db = purser_services::storage::db::connect(&url).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let dangling: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(dangling.is_empty(), "{dangling:?}");
    let (updates, invitations): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM stack_updates), (SELECT COUNT(*) FROM invitations WHERE kind = 'link')",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    // The demo's own history, plus at least what was acknowledged (a write in
    // flight at the kill may have committed without its answer getting out).
    assert!(updates >= reported, "{updates} < {reported}");
    assert!(invitations >= invited, "{invitations} < {invited}");
    crate::helpers::assert_counts_are_recounts_in(&db).await;
    crate::helpers::assert_rollups_are_rebuilds_in(&db).await;
    db.close().await;

    let (_again, base) = serve(&url, &[]).await;
    let res = client()
        .get(format!("{base}/api/orgs/acme/metadata"))
        .header("Authorization", format!("token {admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// `purser backup` copies the database while the server writes to it; the copy is a
/// whole database that serves when put in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_copies_a_serving_database_consistently() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    let (ok, demo, err) = purser(&["demo", "--format", "json"], &url).await;
    assert!(ok, "{err}");
    let demo: Value = serde_json::from_str(&demo).unwrap();
    let token = |role: &str| demo_token(&demo, role);
    let (member, admin) = (token("member"), token("admin"));
    let (_server, base) = serve(&url, &[]).await;

    // Reports keep arriving while the copy is made.
    let writing = {
        let (base, member) = (base.clone(), member.clone());
        tokio::spawn(async move {
            let mut accepted = 0;
            for n in 0..150 {
                let res = client()
                    .post(format!(
                        "{base}/api/orgs/acme/stacks/website/production/updates"
                    ))
                    .header("Authorization", format!("token {member}"))
                    .json(&serde_json::json!({"resourceCount": n}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                accepted += 1;
            }
            accepted
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let copy = dir.path().join("backups").join("copy.db");
    let copy_path = copy.to_str().unwrap();
    let (ok, out, err) = purser(&["backup", copy_path], &url).await;
    assert!(ok, "{err}");
    assert!(out.contains("integrity checked"), "{out}");
    assert_eq!(writing.await.unwrap(), 150);

    let (ok, _, err) = purser(&["backup", copy_path], &url).await;
    assert!(!ok);
    assert!(err.contains("exists"), "{err}");
    let (ok, _, err) = purser(
        &["backup", copy_path],
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
    .await;
    assert!(!ok);
    assert!(err.contains("pg_dump"), "{err}");

    // The copy is one moment of the database: whole, its counts and rollups agreeing.
    let copy_url = format!("sqlite://{}", copy.display());
    let pool = sqlite(&copy_url).await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let (updates, days): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM stack_updates), (SELECT COUNT(*) FROM usage_days)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(updates > 0 && days > 0);
    pool.close().await;

    // Restored (served from the copy), it answers with the same tokens.
    let (_restored, restored_base) = serve(&copy_url, &[]).await;
    let res = client()
        .get(format!("{restored_base}/api/orgs/acme/metadata"))
        .header("Authorization", format!("token {admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
