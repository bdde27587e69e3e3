//! Two release instances on one PostgreSQL database behind HAProxy (round-robin,
//! health-checking `/readyz`), tried through the balancer: what must happen once
//! happens once whichever instance answers, and killing one instance mid-load loses
//! nothing that was acknowledged and leaves nothing half done.
//!
//! Needs the release build and HAProxy, so it is run by `make scale-out` (part of
//! `make test`, after the build), not by a plain `cargo test`.

use crate::helpers::{
    all_at_once, api, assert_counts_are_recounts, assert_rollups_are_rebuilds, free_port,
    fresh_postgres, secret_of, verified_users, SmtpServer, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The release binary `make build` made.
fn release_binary() -> PathBuf {
    let path = workspace().join("target/release/purser");
    assert!(
        path.is_file(),
        "{} is missing: run `make build` first",
        path.display()
    );
    path
}

struct Cluster {
    app: TestApp,
    url: String,
    instances: Vec<(Child, u16)>,
    _haproxy: Child,
    smtp: SmtpServer,
    _dir: tempfile::TempDir,
}

/// The rate limits an instance runs with: all off (the test is one address making
/// thousands of requests), but for the overrides given (variable, value).
const NO_LIMITS: &[(&str, &str)] = &[];

impl Cluster {
    async fn start(limits: &[(&str, &str)]) -> Cluster {
        let (url, guard) = fresh_postgres().await;
        let db = purser_services::storage::db::connect(&url).await.unwrap();
        purser_server::startup::migrate(&db).await.unwrap();
        let smtp = SmtpServer::planned().start().await;
        let lb_port = free_port();
        let base = format!("http://127.0.0.1:{lb_port}");
        let mut instances = Vec::new();
        for _ in 0..2 {
            let port = free_port();
            instances.push((instance(&url, port, &base, &smtp.url(), limits), port));
        }
        for (_, port) in &instances {
            crate::helpers::wait_ready(&format!("http://127.0.0.1:{port}")).await;
        }
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("haproxy.cfg");
        std::fs::write(&config, haproxy_config(lb_port, &instances)).unwrap();
        let haproxy = Command::new("haproxy")
            .arg("-f")
            .arg(&config)
            .arg("-db")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("haproxy (Debian's package; `make setup` installs it)");
        crate::helpers::wait_ready(&base).await;
        Cluster {
            app: TestApp::external(base, db, guard),
            url,
            instances,
            _haproxy: haproxy,
            smtp,
            _dir: dir,
        }
    }

    fn instance_base(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.instances[i].1)
    }
}

/// `purser serve` from the release build, rate limits off but for `limits`, mail to
/// `smtp`.
fn instance(
    database_url: &str,
    port: u16,
    base: &str,
    smtp: &str,
    limits: &[(&str, &str)],
) -> Child {
    let mut command = Command::new(release_binary());
    command
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--base-url", base, "--smtp-url", smtp])
        .arg("--site-root")
        .arg(workspace().join("target/site"))
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true);
    for limit in [
        "PURSER_LIMIT_SIGN_IN_PER_MINUTE",
        "PURSER_LIMIT_SIGN_UP_PER_HOUR",
        "PURSER_LIMIT_EMAILS_PER_HOUR",
        "PURSER_LIMIT_INVITATIONS_PER_HOUR",
        "PURSER_LIMIT_ACCEPTANCES_PER_HOUR",
        "PURSER_LIMIT_TOKEN_FAILURES_PER_MINUTE",
        "PURSER_LOCKOUT_FAILURES",
    ] {
        command.env(limit, "0");
    }
    command.envs(limits.iter().copied());
    command.spawn().unwrap()
}

/// Round-robin over both instances; one that fails two checks of `/readyz` half a
/// second apart is out until it passes one. A request that cannot reach its instance
/// goes to the other (`option redispatch`); one already sent is never sent again.
fn haproxy_config(port: u16, instances: &[(Child, u16)]) -> String {
    let servers: String = instances
        .iter()
        .enumerate()
        .map(|(i, (_, p))| {
            format!("    server purser{i} 127.0.0.1:{p} check inter 500ms fall 2 rise 1\n")
        })
        .collect();
    format!(
        "global\n    maxconn 2000\n\
         defaults\n    mode http\n    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n    retries 3\n    option redispatch\n\
         frontend purser\n    bind 127.0.0.1:{port}\n    default_backend purser\n\
         backend purser\n    balance roundrobin\n    option httpchk GET /readyz\n    http-check expect status 200\n{servers}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the release build and HAProxy: `make scale-out`"]
async fn two_instances_behind_haproxy_act_as_one() {
    let mut cluster = Cluster::start(NO_LIMITS).await;
    let demo = crate::helpers::demo_tokens(&cluster.app).await;
    a_session_made_on_one_instance_works_on_the_other(&cluster).await;
    one_link_accepted_200_times_makes_one_member(&cluster, &demo.admin).await;
    fifty_billing_managers_on_team_make_one(&cluster).await;
    two_billing_runs_charge_once(&cluster).await;
    each_email_is_delivered_once(&cluster, &demo.admin).await;
    killing_an_instance_mid_load_loses_nothing(&mut cluster, &demo).await;
    drop(cluster);
    rate_limits_hold_across_instances().await;
    // Last: it restarts the machine's PostgreSQL, which nothing else may be using
    // (`make scale-out` runs this test alone).
    let cluster = Cluster::start(NO_LIMITS).await;
    a_database_restart_answers_503_never_500(&cluster).await;
}

/// The same sequence, sent alternately to both instances through the balancer, meets
/// 429 exactly where one instance would: the budgets are counted in the database
/// they share, not in each instance's memory.
async fn rate_limits_hold_across_instances() {
    let cluster = Cluster::start(&[
        ("PURSER_LIMIT_TOKEN_FAILURES_PER_MINUTE", "5"),
        ("PURSER_LIMIT_INVITATIONS_PER_HOUR", "4"),
    ])
    .await;
    let app = &cluster.app;
    let demo = crate::helpers::demo_tokens(app).await;
    let client = crate::helpers::client();
    let metadata = app.url("/api/orgs/acme/metadata");
    let sequence = |n: usize, method: Method, url: String, token: String, body: Option<Value>| {
        let client = client.clone();
        async move {
            let mut outcomes = Vec::new();
            for _ in 0..n {
                outcomes
                    .push(send(&client, method.clone(), url.clone(), &token, body.clone()).await);
            }
            outcomes
        }
    };
    let answered = |statuses: &[(u16, usize)]| -> Vec<Outcome> {
        statuses
            .iter()
            .flat_map(|(status, n)| std::iter::repeat_n(Outcome::Answered(*status), *n))
            .collect()
    };

    // An account's invitations: four an hour, the fifth refused.
    let invitations = sequence(
        6,
        Method::POST,
        app.url("/api/orgs/acme/invites/link"),
        demo.admin.clone(),
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(
        invitations,
        answered(&[(200, 4), (429, 2)]),
        "invitations, alternately on each instance"
    );

    // Failed tokens: five fit the address's budget, the sixth fails and blocks the
    // address; from then on every token is refused before it is looked up, the right
    // one too.
    let bogus = "pul-0000000000000000000000000000000000000000".to_owned();
    let failures = sequence(10, Method::GET, metadata.clone(), bogus, None).await;
    assert_eq!(
        failures,
        answered(&[(401, 6), (429, 4)]),
        "failed tokens, alternately on each instance"
    );
    let right = sequence(2, Method::GET, metadata, demo.admin.clone(), None).await;
    assert_eq!(
        right,
        answered(&[(429, 2)]),
        "the address is blocked on both"
    );
}

/// PostgreSQL restarts under a steady load on both instances: whatever fails meanwhile
/// answers 503 with `Retry-After` (or the balancer answers, while both instances report
/// themselves not ready), never 500; afterwards everything answers again by itself.
async fn a_database_restart_answers_503_never_500(cluster: &Cluster) {
    let app = &cluster.app;
    let demo = crate::helpers::demo_tokens(app).await;
    let client = crate::helpers::client();
    let start = Instant::now();
    let load = Duration::from_secs(8);
    let paths = [
        (Method::GET, "/api/orgs/acme/metadata", None),
        (Method::GET, "/api/orgs/acme/members?limit=10", None),
        (Method::GET, "/api/orgs/acme/billing/subscription", None),
        (
            Method::POST,
            "/api/orgs/acme/stacks/website/production/updates",
            Some(json!({"resourceCount": 5})),
        ),
    ];
    // Two of the workers load the Billing & usage page as its admin would, signed in.
    let browser = crate::helpers::signed_in(app, "alice@acme.example", "alice-demo-password").await;
    let workers: Vec<_> = (0..18)
        .map(|i| {
            let (method, path, body) = match i {
                16.. => (Method::GET, "/acme/settings/billing", None),
                _ => paths[i % paths.len()].clone(),
            };
            let client = if i >= 16 {
                browser.clone()
            } else {
                client.clone()
            };
            let (url, token) = (app.url(path), (i < 16).then(|| demo.admin.clone()));
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                while start.elapsed() < load {
                    let mut request = client.request(method.clone(), &url);
                    if let Some(token) = &token {
                        request = request.header("Authorization", format!("token {token}"));
                    }
                    if let Some(body) = &body {
                        request = request.json(body);
                    }
                    let outcome = match request.send().await {
                        Ok(res) => {
                            let json = res
                                .headers()
                                .get("content-type")
                                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
                            let retry_after = res.headers().contains_key("retry-after");
                            (res.status().as_u16(), json, retry_after)
                        }
                        Err(_) => (0, false, false),
                    };
                    outcomes.push(outcome);
                }
                outcomes
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("Debian's PostgreSQL cluster")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .max()
        .unwrap();
    let restarted = std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, "main", "restart"])
        .status()
        .expect("pg_ctlcluster");
    assert!(restarted.success(), "PostgreSQL restarted");
    let mut outcomes = Vec::new();
    for worker in workers {
        outcomes.extend(worker.await.unwrap());
    }
    let mut tally: HashMap<(u16, bool), usize> = HashMap::new();
    for (status, json, _) in &outcomes {
        *tally.entry((*status, *json)).or_default() += 1;
    }
    eprintln!("PostgreSQL restart under load: (status, from Purser) -> count: {tally:?}");
    for (status, json, retry_after) in &outcomes {
        assert!(
            *status < 500 || *status == 503 || (!json && *status == 502),
            "a {status} during the restart: {tally:?}"
        );
        if *status == 503 && *json {
            assert!(retry_after, "Purser's 503 says when to retry");
        }
        assert!(
            [0, 200, 201, 502, 503].contains(status),
            "{status} during the restart: {tally:?}"
        );
    }
    assert!(
        outcomes
            .iter()
            .filter(|(s, ..)| *s == 200 || *s == 201)
            .count()
            > 100,
        "the load ran before and after the restart: {tally:?}"
    );

    // Both instances are ready again and answer through the balancer, by themselves.
    for i in 0..2 {
        crate::helpers::wait_ready(&cluster.instance_base(i)).await;
    }
    for _ in 0..10 {
        let outcome = send(
            &client,
            Method::GET,
            app.url("/api/orgs/acme/metadata"),
            &demo.admin,
            None,
        )
        .await;
        assert_eq!(outcome, Outcome::Answered(200));
    }
    assert_counts_are_recounts(app).await;
}

async fn a_session_made_on_one_instance_works_on_the_other(cluster: &Cluster) {
    let app = &cluster.app;
    let browser = crate::helpers::signed_in(app, "alice@acme.example", "alice-demo-password").await;
    for i in 0..2 {
        let base = cluster.instance_base(i);
        let res = browser
            .post(format!("{base}/fn/current_user"))
            .header("origin", &app.base)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "instance {i}");
        let me: Value = res.json().await.unwrap();
        assert_eq!(me["email"], "alice@acme.example", "instance {i}: {me}");
    }
}

async fn one_link_accepted_200_times_makes_one_member(cluster: &Cluster, admin: &str) {
    let app = &cluster.app;
    let (status, body) = api(
        app,
        Method::POST,
        "/api/orgs/acme/invites/link",
        admin,
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let secret = secret_of(body["acceptInviteUrl"].as_str().unwrap());
    let (_, before) = api(app, Method::GET, "/api/orgs/acme/metadata", admin, None).await;
    let people = verified_users(app, "linked", 200).await;
    let statuses = all_at_once(
        app,
        people
            .iter()
            .map(|(_, token)| {
                (
                    Method::PATCH,
                    format!("/api/orgs/acme/invites/{secret}"),
                    token.clone(),
                    None,
                )
            })
            .collect(),
    )
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 204 || *s == 404),
        "{statuses:?}"
    );
    let (_, after) = api(app, Method::GET, "/api/orgs/acme/metadata", admin, None).await;
    assert_eq!(
        after["memberCount"].as_i64().unwrap(),
        before["memberCount"].as_i64().unwrap() + 1
    );
    assert_counts_are_recounts(app).await;
}

async fn fifty_billing_managers_on_team_make_one(cluster: &Cluster) {
    let app = &cluster.app;
    let (admin_user, admin) = verified_users(app, "teamadmin", 1).await.remove(0);
    let edition = purser_core::Edition::Team;
    let new = purser_services::orgs::NewOrg::parse("teamco", "Team Co", edition).unwrap();
    purser_services::orgs::create(&app.db, &admin_user, new)
        .await
        .unwrap();
    let mut requests = Vec::new();
    for (_, token) in verified_users(app, "bm", 50).await {
        let (status, body) = api(
            app,
            Method::POST,
            "/api/orgs/teamco/invites/link",
            &admin,
            Some(json!({"role": "billing-manager"})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let secret = secret_of(body["acceptInviteUrl"].as_str().unwrap());
        requests.push((
            Method::PATCH,
            format!("/api/orgs/teamco/invites/{secret}"),
            token,
            None,
        ));
    }
    let statuses = all_at_once(app, requests).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 204 || *s == 409),
        "{statuses:?}"
    );
    let (_, meta) = api(app, Method::GET, "/api/orgs/teamco/metadata", &admin, None).await;
    assert_eq!(meta["billingManagerCount"], 1, "{meta}");
    assert_counts_are_recounts(app).await;
}

async fn two_billing_runs_charge_once(cluster: &Cluster) {
    let run = || {
        Command::new(release_binary())
            .args(["billing", "run", "--period", "2031-10"])
            .env("DATABASE_URL", &cluster.url)
            .env("RUST_LOG", "warn")
            .output()
    };
    let (first, second) = tokio::join!(run(), run());
    let mut charged = 0;
    for out in [first.unwrap(), second.unwrap()] {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        charged += report["succeeded"].as_u64().unwrap();
    }
    let payments: Vec<(String, i64)> = sqlx::query_as(
        "SELECT org_id, COUNT(*) FROM payments WHERE period = '2031-10' GROUP BY org_id",
    )
    .fetch_all(&cluster.app.db)
    .await
    .unwrap();
    assert!(!payments.is_empty(), "the demo organization is billed");
    assert!(payments.iter().all(|(_, n)| *n == 1), "{payments:?}");
    assert_eq!(charged, 1, "the demo's card is charged by one run only");
}

async fn each_email_is_delivered_once(cluster: &Cluster, admin: &str) {
    let app = &cluster.app;
    let emails: Vec<String> = (0..40).map(|i| format!("mailed{i}@example.com")).collect();
    for chunk in emails.chunks(10) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let (status, body) = api(
            app,
            Method::POST,
            "/api/orgs/acme/invites/batch",
            admin,
            Some(crate::helpers::batch(&refs, "member")),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let delivered = |received: &[String]| -> HashMap<String, usize> {
        let mut seen = HashMap::new();
        for message in received {
            for email in &emails {
                if message.contains(&format!("To: {email}\n"))
                    || message.contains(&format!("To: {email}\r\n"))
                {
                    *seen.entry(email.clone()).or_insert(0) += 1;
                }
            }
        }
        seen
    };
    while delivered(&cluster.smtp.received()).len() < emails.len() {
        assert!(
            Instant::now() < deadline,
            "not every invitation was delivered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Both workers pass at least twice more: a second copy would show by then.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let seen = delivered(&cluster.smtp.received());
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");
    let unsent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE to_address LIKE 'mailed%' AND (sent_at IS NULL OR attempts <> 1)",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(unsent, 0);
}

/// What a request through the balancer came to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    /// Purser answered this status.
    Answered(u16),
    /// The instance holding the request died: the balancer answered for it (HTML
    /// 502) or closed the connection. Whether it was done is unknown, and must then
    /// be all or nothing.
    Lost,
}

async fn send(
    client: &reqwest::Client,
    method: Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> Outcome {
    let mut request = client
        .request(method, url)
        .header("Authorization", format!("token {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let Ok(res) = request.send().await else {
        return Outcome::Lost;
    };
    let status = res.status().as_u16();
    let is_json = res
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // Purser's own errors are JSON ({code, message}); HAProxy's are HTML.
    if (status == 502 || status == 503) && !is_json {
        Outcome::Lost
    } else {
        Outcome::Answered(status)
    }
}

async fn killing_an_instance_mid_load_loses_nothing(
    cluster: &mut Cluster,
    demo: &crate::helpers::DemoTokens,
) {
    let app = &cluster.app;
    let people = verified_users(app, "loaded", 60).await;
    let mut invitations = Vec::new();
    for (user, token) in &people {
        let (status, body) = api(
            app,
            Method::POST,
            "/api/orgs/acme/invites/link",
            &demo.admin,
            Some(json!({"role": "member"})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let secret = secret_of(body["acceptInviteUrl"].as_str().unwrap());
        let id = body["id"].as_str().unwrap().to_owned();
        invitations.push((user.id.clone(), id, secret, token.clone()));
    }
    let updates_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stack_updates")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let client = crate::helpers::client();
    let start = Instant::now();
    // Acceptances spread over three seconds, and stack reports all along.
    let accepting: Vec<_> = invitations
        .iter()
        .enumerate()
        .map(|(i, (_, _, secret, token))| {
            let (client, url, token) = (
                client.clone(),
                app.url(&format!("/api/orgs/acme/invites/{secret}")),
                token.clone(),
            );
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50 * i as u64)).await;
                send(&client, Method::PATCH, url, &token, None).await
            })
        })
        .collect();
    let reporting: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, token) = (
                client.clone(),
                app.url("/api/orgs/acme/stacks/website/production/updates"),
                demo.member.clone(),
            );
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                while start.elapsed() < Duration::from_secs(3) {
                    outcomes.push(
                        send(
                            &client,
                            Method::POST,
                            url.clone(),
                            &token,
                            Some(json!({"resourceCount": 5})),
                        )
                        .await,
                    );
                }
                outcomes
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (victim, _) = &mut cluster.instances[0];
    victim.start_kill().unwrap();
    victim.wait().await.unwrap();

    let mut accepted = Vec::new();
    for task in accepting {
        accepted.push(task.await.unwrap());
    }
    let mut reports = Vec::new();
    for task in reporting {
        reports.extend(task.await.unwrap());
    }
    let lost = accepted
        .iter()
        .chain(&reports)
        .filter(|o| **o == Outcome::Lost)
        .count();
    eprintln!(
        "SIGKILL mid-load: {} acceptances, {} reports, {lost} lost with the instance",
        accepted.len(),
        reports.len()
    );
    assert!(
        lost <= 8,
        "only requests in flight on the killed instance are lost: {lost}"
    );
    for outcome in accepted.iter().chain(&reports) {
        assert!(
            matches!(outcome, Outcome::Lost | Outcome::Answered(201 | 204)),
            "{accepted:?} {reports:?}"
        );
    }

    // Every acknowledged report is there; a lost one is there or not, nothing else.
    let acknowledged = reports
        .iter()
        .filter(|o| **o == Outcome::Answered(201))
        .count() as i64;
    let lost_reports = reports.iter().filter(|o| **o == Outcome::Lost).count() as i64;
    let updates: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stack_updates")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(
        (updates_before + acknowledged..=updates_before + acknowledged + lost_reports)
            .contains(&updates),
        "{updates} updates for {acknowledged} acknowledged and {lost_reports} lost"
    );

    // Each invitation is accepted with its membership, or pending without one; an
    // acknowledged acceptance is accepted.
    for ((user_id, id, secret, token), outcome) in invitations.iter().zip(&accepted) {
        let (status, accepted_by): (String, Option<String>) =
            sqlx::query_as("SELECT status, accepted_by FROM invitations WHERE id = $1")
                .bind(id)
                .fetch_one(&app.db)
                .await
                .unwrap();
        let member: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND org_id = (SELECT id FROM organizations WHERE name = 'acme')",
        )
        .bind(user_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(
            member == 1,
            status == "accepted" && accepted_by.as_ref() == Some(user_id),
            "{user_id}: {status}, member {member}"
        );
        if *outcome == Outcome::Answered(204) {
            assert_eq!(member, 1);
        }
        // The one still pending after a lost answer can be accepted now, once.
        if member == 0 {
            let again = send(
                &client,
                Method::PATCH,
                app.url(&format!("/api/orgs/acme/invites/{secret}")),
                token,
                None,
            )
            .await;
            assert_eq!(again, Outcome::Answered(204));
        }
    }
    assert_counts_are_recounts(app).await;
    assert_rollups_are_rebuilds(app).await;

    // The survivor answers everything, and through the balancer nothing is lost.
    for _ in 0..20 {
        let outcome = send(
            &client,
            Method::GET,
            app.url("/api/orgs/acme/metadata"),
            &demo.admin,
            None,
        )
        .await;
        assert_eq!(outcome, Outcome::Answered(200));
    }
}
