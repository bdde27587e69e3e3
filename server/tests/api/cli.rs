//! The `purser` binary itself.

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

fn purser(args: &[&str], database_url: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_purser"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn permissions_json_gives_billing_managers_exactly_the_seed_table() {
    let (ok, out, err) = purser(&["permissions", "--format", "json"], "sqlite::memory:");
    assert!(ok, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    let bm: BTreeSet<(String, String, Vec<String>)> = rows
        .iter()
        .filter(|r| r["role"] == "billing-manager")
        .map(|r| {
            (
                r["resource"].as_str().unwrap().to_owned(),
                r["action"].as_str().unwrap().to_owned(),
                r["surfaces"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    let both = || vec!["ui".to_owned(), "api".to_owned()];
    let api = || vec!["api".to_owned()];
    let expected: BTreeSet<(String, String, Vec<String>)> = [
        ("members", "list", api()),
        ("members", "view-count", both()),
        ("teams", "list", api()),
        ("credit-card", "view", both()),
        ("credit-card", "update", both()),
        ("subscription", "view", both()),
        ("subscription", "update", both()),
        ("payments", "view", both()),
        ("billing-managers", "view-names", both()),
        ("resources-under-management", "view-summary", both()),
    ]
    .into_iter()
    .map(|(r, a, s)| (r.to_owned(), a.to_owned(), s))
    .collect();
    assert_eq!(bm, expected);
    // Admins hold all 35 actions on both surfaces.
    assert_eq!(rows.iter().filter(|r| r["role"] == "admin").count(), 35);

    let (ok, md, _) = purser(&["permissions"], "sqlite::memory:");
    assert!(ok);
    assert!(
        md.contains("| members | list | ui, api | ui, api | api only |"),
        "{md}"
    );
}

#[test]
fn demo_twice_duplicates_nothing_and_prints_fresh_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let (ok, first, err) = purser(&["demo", "--format", "json"], &url);
    assert!(ok, "{err}");
    let (ok, second, err) = purser(&["demo", "--format", "json"], &url);
    assert!(ok, "{err}");
    let first: Value = serde_json::from_str(&first).unwrap();
    let second: Value = serde_json::from_str(&second).unwrap();
    assert_eq!(first["org"], "acme");
    let roles: Vec<&str> = first["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["admin", "member", "member", "billing-manager"]);
    for (a, b) in first["users"]
        .as_array()
        .unwrap()
        .iter()
        .zip(second["users"].as_array().unwrap())
    {
        assert_eq!(a["email"], b["email"]);
        assert_eq!(a["password"], b["password"]);
        assert_ne!(a["token"], b["token"], "each run prints a fresh token");
    }

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = purser_services::storage::db::connect(&url).await.unwrap();
        for (table, count) in [
            ("users", 4),
            ("organizations", 1),
            ("memberships", 4),
            ("invitations", 1),
            ("stacks", 3),
            ("personal_access_tokens", 4),
        ] {
            let n: i64 = sqlx::Row::get(
                &sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
                    .fetch_one(&db)
                    .await
                    .unwrap(),
                "n",
            );
            assert_eq!(n, count, "{table}");
        }
    });

    let token = second["users"][3]["token"].as_str().unwrap();
    assert!(token.starts_with("pur_"));
    let (ok, text, _) = purser(&["demo"], &url);
    assert!(ok);
    assert!(text.contains("billing-manager") && text.contains("dana@acme.example"));
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let (ok, _, err) = purser(&["migrate"], "mysql://localhost/x");
    assert!(!ok);
    assert!(
        err.contains("DATABASE_URL must start with sqlite:// or postgres://"),
        "{err}"
    );
}

#[test]
fn stripe_without_its_keys_does_not_serve_and_names_the_one_missing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let secret = "sk_test_never_printed_4f9c";
    let out = Command::new(env!("CARGO_BIN_EXE_purser"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--payment-processor",
            "stripe",
        ])
        .env("DATABASE_URL", &url)
        .env("PURSER_STRIPE_SECRET_KEY", secret)
        .env("PURSER_STRIPE_PUBLISHABLE_KEY", "pk_test_x")
        .env_remove("PURSER_STRIPE_WEBHOOK_SECRET")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success());
    assert!(stderr.contains("PURSER_STRIPE_WEBHOOK_SECRET"), "{stderr}");
    assert!(!stderr.contains(secret) && !stdout.contains(secret));
    // A publishable key that is not one is named too.
    let out = Command::new(env!("CARGO_BIN_EXE_purser"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("DATABASE_URL", &url)
        .env("PURSER_PAYMENT_PROCESSOR", "stripe")
        .env("PURSER_STRIPE_SECRET_KEY", secret)
        .env("PURSER_STRIPE_PUBLISHABLE_KEY", secret)
        .env("PURSER_STRIPE_WEBHOOK_SECRET", "whsec_x")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("PURSER_STRIPE_PUBLISHABLE_KEY"), "{stderr}");
    assert!(!stderr.contains(secret), "{stderr}");
}

#[test]
fn a_full_card_number_is_never_stored_or_logged() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cards.db").display());
    let (ok, demo, err) = purser(&["demo", "--format", "json"], &url);
    assert!(ok, "{err}");
    let demo: Value = serde_json::from_str(&demo).unwrap();
    let token = demo["users"][0]["token"].as_str().unwrap().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_path = dir.path().join("server.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_purser"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "trace")
        .stderr(std::fs::File::create(&log_path).unwrap())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        let client = crate::helpers::client();
        for _ in 0..100 {
            if client.get(format!("http://127.0.0.1:{port}/api/openapi.json")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        client
            .put(format!("http://127.0.0.1:{port}/api/orgs/acme/billing/payment-method"))
            .header("Authorization", format!("token {token}"))
            .json(&serde_json::json!({"holder": "Alice Admin", "number": "4111 1111 1111 1111", "expiry": "12/39", "cvc": "737"}))
            .send()
            .await
            .unwrap()
            .status()
    });
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 200);
    let mut searched = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for needle in ["4111111111111111", "4111 1111 1111 1111"] {
            assert!(
                !text.contains(needle),
                "{needle} found in {}",
                path.display()
            );
        }
        searched += 1;
    }
    assert!(searched >= 2, "the database and the log were searched");
    assert!(
        std::fs::read_to_string(&log_path)
            .unwrap()
            .contains("payment method updated"),
        "the log did record the update"
    );
}

#[test]
fn billing_run_bills_a_period_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("billing.db").display());
    assert!(purser(&["demo"], &url).0);
    let (ok, first, err) = purser(&["billing", "run", "--period", "2031-10"], &url);
    assert!(ok, "{err}");
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(
        (first["period"].as_str(), first["succeeded"].as_u64()),
        (Some("2031-10"), Some(1)),
        "the demo's test card is charged: {first}"
    );
    let (_, second, _) = purser(&["billing", "run", "--period", "2031-10"], &url);
    let second: Value = serde_json::from_str(&second).unwrap();
    assert_eq!(
        second["alreadyBilled"]
            .as_u64()
            .or(second["already_billed"].as_u64()),
        Some(1)
    );
    let (ok, _, err) = purser(&["billing", "run", "--period", "October"], &url);
    assert!(!ok);
    assert!(err.contains("YYYY-MM"), "{err}");
}
