//! Spawns the real server on a fresh database (a SQLite file in a temp directory, or
//! a new PostgreSQL database that is dropped afterwards) on port 0, and talks HTTP to it.

use purser_server::startup::{self, Settings};
use purser_services::storage::db::Db;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Writes each test twice: once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::helpers::TestApp::sqlite().await).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::helpers::TestApp::postgres().await).await; })*
        }
    };
}

/// Writes each test twice, handing it the kind of database to start its own server on
/// (for tests that configure the server, or start more than one).
#[macro_export]
macro_rules! on_both_kinds {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::helpers::Database::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::helpers::Database::Postgres).await; })*
        }
    };
}

pub struct TestApp {
    pub base: String,
    /// `http://…/metrics`, when the settings asked for metrics.
    pub metrics: Option<String>,
    pub db: Db,
    /// A client that keeps cookies, like a browser.
    pub browser: reqwest::Client,
    _sqlite_dir: Option<tempfile::TempDir>,
    postgres: Option<PostgresDb>,
}

/// A PostgreSQL database made for one test, dropped with this guard.
pub struct PostgresDb {
    admin_url: String,
    name: String,
}

/// A new, empty PostgreSQL database: its URL, and the guard that drops it.
pub async fn fresh_postgres() -> (String, PostgresDb) {
    use sqlx::Connection;
    let admin_url = postgres_admin_url();
    let name = format!("purser_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL must run at PURSER_TEST_POSTGRES_URL (default 127.0.0.1:5432)");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (prefix, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{prefix}/{name}");
    (url, PostgresDb { admin_url, name })
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside async: a small runtime of its own removes the database.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("PURSER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn settings(database_url: String) -> Settings {
    Settings {
        database_url,
        addr: "127.0.0.1:0".parse().unwrap(),
        base_url: String::new(),
        smtp_url: None,
        smtp_from: "Purser <purser@localhost>".into(),
        dev_mailbox: true,
        site_root: "target/site".into(),
        mail_interval: Duration::from_millis(200),
        // Tests create accounts and sign in at volume; the rate-limit tests set their own.
        limits: purser_services::throttle::Limits::off(),
        session_idle: Duration::from_secs(7 * 24 * 3600),
        session_max: Duration::from_secs(30 * 24 * 3600),
        metrics_addr: None,
        // The identity-provider tests run theirs on loopback and turn this on.
        sso_allow_private_networks: false,
        payments: Default::default(),
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Database {
    Sqlite,
    Postgres,
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        Self::with(Database::Sqlite, |s| s).await
    }

    pub async fn postgres() -> TestApp {
        Self::with(Database::Postgres, |s| s).await
    }

    /// A server on a fresh database of `kind`, with its settings adjusted by `configure`.
    pub async fn with(kind: Database, configure: impl FnOnce(Settings) -> Settings) -> TestApp {
        match kind {
            Database::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("purser.db").display());
                let mut app = Self::spawn(configure(settings(url))).await;
                app._sqlite_dir = Some(dir);
                app
            }
            Database::Postgres => {
                let (url, guard) = fresh_postgres().await;
                let mut app = Self::spawn(configure(settings(url))).await;
                app.postgres = Some(guard);
                app
            }
        }
    }

    /// Servers started elsewhere (processes, behind a balancer at `base`) on the
    /// database `db`, which `postgres` drops at the end.
    pub fn external(base: String, db: Db, postgres: PostgresDb) -> TestApp {
        TestApp {
            base,
            metrics: None,
            db,
            browser: new_browser(),
            _sqlite_dir: None,
            postgres: Some(postgres),
        }
    }

    async fn spawn(settings: Settings) -> TestApp {
        let running = startup::start(settings).await.expect("server starts");
        TestApp {
            base: format!("http://{}", running.addr),
            metrics: running.metrics_addr.map(|a| format!("http://{a}/metrics")),
            db: running.db,
            browser: new_browser(),
            _sqlite_dir: None,
            postgres: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Calls a server function the way the browser does (form-encoded POST from this
    /// site's own pages, so with its `Origin`), with the default browser's cookies.
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> (u16, Value) {
        self.call_as(&self.browser, name, form).await
    }

    pub async fn call_as(
        &self,
        client: &reqwest::Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> (u16, Value) {
        let res = client
            .post(self.url(&format!("/fn/{name}")))
            .header("origin", &self.base)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// `GET` with a personal access token (or none).
    pub async fn api_get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = client().get(self.url(path));
        if let Some(t) = token {
            req = req.header("Authorization", format!("token {t}"));
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A new person, signed up (and so signed in) in a browser of their own.
    pub async fn sign_up(&self, name: &str, email: &str) -> Person {
        let person = Person {
            client: new_browser(),
            email: email.to_owned(),
        };
        let (status, body) = self
            .call_as(
                &person.client,
                "sign_up",
                &[
                    ("name", name),
                    ("email", email),
                    ("password", "a long password"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        person
    }

    /// Opens the verification link from the person's newest email.
    pub async fn verify(&self, person: &Person) {
        let link = self.last_link_to(&person.email).await;
        let token = link.split("token=").nth(1).unwrap();
        let (status, body) = self
            .call_as(&person.client, "verify_email", &[("token", token)])
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// A personal access token for the person, created through the UI's server function.
    pub async fn token_for(&self, person: &Person) -> String {
        let (status, body) = self
            .call_as(&person.client, "create_token", &[("description", "test")])
            .await;
        assert_eq!(status, 200, "{body}");
        body["value"].as_str().unwrap().to_owned()
    }

    /// A page's HTML as `client` (a browser, signed in or not) gets it.
    pub async fn html(&self, client: &reqwest::Client, path: &str) -> String {
        let res = client.get(self.url(path)).send().await.unwrap();
        res.text().await.unwrap()
    }

    /// The link in the newest email to `to`, read from the development mailbox.
    pub async fn last_link_to(&self, to: &str) -> String {
        self.link_to(to, "http").await
    }

    /// The link in the newest invitation email to `to`.
    pub async fn invite_link_to(&self, to: &str) -> String {
        self.link_to(to, "/invites/").await
    }

    async fn link_to(&self, to: &str, containing: &str) -> String {
        let messages: Vec<Value> = reqwest::get(self.url("/dev/mailbox.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let message = messages
            .iter()
            .find(|m| m["to"] == to && m["body"].as_str().unwrap_or_default().contains(containing))
            .unwrap_or_else(|| panic!("no email to {to} with {containing}"));
        extract_link(message["body"].as_str().unwrap())
    }
}

/// Someone using Purser in their own browser.
pub struct Person {
    pub client: reqwest::Client,
    pub email: String,
}

pub fn extract_link(body: &str) -> String {
    body.split_whitespace()
        .find(|w| w.starts_with("http"))
        .expect("a link in the email")
        .to_owned()
}

/// A fresh browser-like client (its own cookies) for a second person.
pub fn new_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// A new browser signed in with the UI's sign-in call; `None` when the credentials are
/// refused (401). Any other answer fails the test.
pub async fn try_sign_in(app: &TestApp, email: &str, password: &str) -> Option<reqwest::Client> {
    let browser = new_browser();
    let (status, body) = app
        .call_as(
            &browser,
            "sign_in",
            &[("email", email), ("password", password)],
        )
        .await;
    match status {
        200 => Some(browser),
        401 => None,
        other => panic!("sign_in as {email} answered {other}: {body}"),
    }
}

/// A new browser signed in as someone whose password is known (the demo's people).
pub async fn signed_in(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    try_sign_in(app, email, password)
        .await
        .unwrap_or_else(|| panic!("{email} signs in"))
}

/// A port nothing listens on (just now).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (up to 30 s) until the server at `base` answers `/readyz` with 200.
pub async fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(res) = client().get(format!("{base}/readyz")).send().await {
            if res.status() == 200 {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{base} did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A client without cookies.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// Longer than any request should take, even on a loaded machine: a request that hangs
/// fails its test with a timeout instead of stalling the whole suite.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Accounts made straight in the database (verified, one shared password hash), for
/// tests that need many people quickly; each gets a personal access token.
pub async fn verified_users(
    app: &TestApp,
    prefix: &str,
    n: usize,
) -> Vec<(purser_services::accounts::User, String)> {
    let hash = purser_services::secrets::hash_password("a long password".into())
        .await
        .unwrap();
    let now = purser_services::storage::db::now_ms();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let user = purser_services::accounts::User {
            id: uuid::Uuid::new_v4().to_string(),
            login: format!("{prefix}{i}"),
            name: format!("{prefix} {i}"),
            email: format!("{prefix}{i}@example.com"),
            email_verified: true,
        };
        sqlx::query("INSERT INTO users (id, login, name, email, password_hash, email_verified_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $6)")
            .bind(&user.id)
            .bind(&user.login)
            .bind(&user.name)
            .bind(&user.email)
            .bind(&hash)
            .bind(now)
            .execute(&app.db)
            .await
            .unwrap();
        let token = purser_services::tokens::create(
            &app.db,
            &user,
            &purser_services::accounts::SignedInWith::Session,
            "test",
            0,
        )
        .await
        .unwrap()
        .value;
        out.push((user, token));
    }
    out
}

/// A new organization of `edition` whose admin is a fresh verified account; returns
/// the admin's token.
pub async fn org_with_admin(app: &TestApp, org: &str, edition: &str) -> String {
    let admin = app.sign_up("Admin", &format!("admin@{org}.example")).await;
    app.verify(&admin).await;
    let (status, body) = app
        .call_as(
            &admin.client,
            "create_org",
            &[("name", org), ("display_name", ""), ("edition", edition)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.token_for(&admin).await
}

/// A JSON request with a token.
pub async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client()
        .request(method, app.url(path))
        .header("Authorization", format!("token {token}"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Sends every request (method, path, token, JSON body) at once; returns each status,
/// in order.
pub async fn all_at_once(
    app: &TestApp,
    requests: Vec<(reqwest::Method, String, String, Option<Value>)>,
) -> Vec<u16> {
    let client = client();
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(method, path, token, body)| {
            let mut request = client
                .request(method, app.url(&path))
                .header("Authorization", format!("token {token}"));
            if let Some(body) = body {
                request = request.json(&body);
            }
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

/// The secret at the end of an accept link.
pub fn secret_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_owned()
}

/// The demo organization `acme`, with a personal access token for each of its roles.
pub struct DemoTokens {
    pub admin: String,
    pub member: String,
    pub billing_manager: String,
}

impl DemoTokens {
    /// The token of the demo user holding `role` (`admin`, `member` or `billing-manager`).
    pub fn of(&self, role: &str) -> String {
        match role {
            "admin" => self.admin.clone(),
            "member" => self.member.clone(),
            "billing-manager" => self.billing_manager.clone(),
            other => panic!("the demo has no {other}"),
        }
    }
}

pub async fn demo_tokens(app: &TestApp) -> DemoTokens {
    let demo = purser_services::demo::create(&app.db).await.unwrap();
    let token = |role: purser_core::Role| {
        demo.users
            .iter()
            .find(|u| u.role == role)
            .unwrap()
            .token
            .clone()
    };
    DemoTokens {
        admin: token(purser_core::Role::Admin),
        member: token(purser_core::Role::Member),
        billing_manager: token(purser_core::Role::BillingManager),
    }
}

/// A batch of email invitations as Pulumi's `BatchCreateOrgInviteEmail` takes it.
pub fn batch(emails: &[&str], role: &str) -> Value {
    serde_json::json!({
        "invites": emails
            .iter()
            .map(|email| serde_json::json!({"email": email, "role": role}))
            .collect::<Vec<_>>()
    })
}

/// Every organization's kept counts equal a recount of its memberships, invitations
/// and stacks.
pub async fn assert_counts_are_recounts(app: &TestApp) {
    assert_counts_are_recounts_in(&app.db).await
}

pub async fn assert_counts_are_recounts_in(db: &Db) {
    /// An organization's kept counts, then the same counted again.
    #[derive(sqlx::FromRow)]
    struct Counts {
        name: String,
        members: i64,
        billing_managers: i64,
        pending_members: i64,
        pending_billing_managers: i64,
        recounted_members: i64,
        recounted_billing_managers: i64,
        recounted_pending_members: i64,
        recounted_pending_billing_managers: i64,
        stacks: i64,
        recounted_stacks: i64,
    }
    let rows: Vec<Counts> = sqlx::query_as(
        "SELECT o.name, o.member_count AS members, o.billing_manager_count AS billing_managers, \
         o.pending_member_invitations AS pending_members, \
         o.pending_billing_manager_invitations AS pending_billing_managers, \
         (SELECT COUNT(*) FROM memberships m WHERE m.org_id = o.id AND m.role <> 'billing-manager') AS recounted_members, \
         (SELECT COUNT(*) FROM memberships m WHERE m.org_id = o.id AND m.role = 'billing-manager') AS recounted_billing_managers, \
         (SELECT COUNT(*) FROM invitations i WHERE i.org_id = o.id AND i.status = 'pending' AND i.role <> 'billing-manager') AS recounted_pending_members, \
         (SELECT COUNT(*) FROM invitations i WHERE i.org_id = o.id AND i.status = 'pending' AND i.role = 'billing-manager') AS recounted_pending_billing_managers, \
         o.stack_count AS stacks, (SELECT COUNT(*) FROM stacks s WHERE s.org_id = o.id) AS recounted_stacks \
         FROM organizations o",
    )
    .fetch_all(db)
    .await
    .unwrap();
    assert!(!rows.is_empty());
    for c in rows {
        assert_eq!(
            (c.members, c.billing_managers, c.pending_members, c.pending_billing_managers),
            (
                c.recounted_members,
                c.recounted_billing_managers,
                c.recounted_pending_members,
                c.recounted_pending_billing_managers
            ),
            "{}: kept counts (members, billing managers, pending member and billing-manager invitations) differ from a recount",
            c.name
        );
        assert_eq!(c.stacks, c.recounted_stacks, "{}: kept stack count", c.name);
    }
    let teams: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT t.name, t.member_count, (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) FROM teams t",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (team, kept, recounted) in teams {
        assert_eq!(
            kept, recounted,
            "team {team}: kept size differs from a recount"
        );
    }
    let kept: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT o.name, o.team_count, (SELECT COUNT(*) FROM teams t WHERE t.org_id = o.id), \
         o.scim_user_count, (SELECT COUNT(*) FROM scim_users s WHERE s.org_id = o.id) FROM organizations o",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (org, teams, recounted_teams, scim_users, recounted_scim_users) in kept {
        assert_eq!(
            (teams, scim_users),
            (recounted_teams, recounted_scim_users),
            "{org}: kept team and SCIM user counts differ from a recount"
        );
    }
}

/// Every organization's usage rollups equal a rebuild from every update reported: the
/// rebuild is the migration's own backfill query, so this also checks the backfill.
pub async fn assert_rollups_are_rebuilds(app: &TestApp) {
    assert_rollups_are_rebuilds_in(&app.db).await
}

pub async fn assert_rollups_are_rebuilds_in(db: &Db) {
    const MIGRATION: &str = include_str!("../../../migrations/20261129000011_usage_rollups.sql");
    let start = MIGRATION
        .find("SELECT org_id, day,")
        .expect("the backfill query");
    let rebuild = MIGRATION[start..].trim_end().trim_end_matches(';');
    let order = " ORDER BY org_id, day";
    let kept: Vec<(String, i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT org_id, day, resource_ms, end_level FROM usage_days{order}"
    ))
    .fetch_all(db)
    .await
    .unwrap();
    let rebuilt: Vec<(String, i64, i64, i64)> = sqlx::query_as(&format!("{rebuild}{order}"))
        .fetch_all(db)
        .await
        .unwrap();
    assert!(!kept.is_empty());
    assert_eq!(kept, rebuilt);
}

/// A real SMTP server (Python's aiosmtpd) writing what it receives into a Maildir.
pub struct SmtpServer {
    port: u16,
    maildir: tempfile::TempDir,
    _process: Option<tokio::process::Child>,
}

impl SmtpServer {
    pub fn planned() -> SmtpServer {
        SmtpServer {
            port: free_port(),
            maildir: tempfile::tempdir().unwrap(),
            _process: None,
        }
    }

    pub async fn start(mut self) -> SmtpServer {
        let child = tokio::process::Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(self.maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd; `make test` installs it)");
        self._process = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, as raw RFC 5322 text.
    pub fn received(&self) -> Vec<String> {
        let dir: PathBuf = self.maildir.path().join("mail").join("new");
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= count || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Where the link whose text is `text` leads, in a page's HTML (`&amp;` read as `&`,
/// as a browser does); `None` when the page has no such link.
pub fn link_href(html: &str, text: &str) -> Option<String> {
    let end = html.find(&format!(">{text}</a>"))?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(html[start..end].trim_end_matches('"').replace("&amp;", "&"))
}
