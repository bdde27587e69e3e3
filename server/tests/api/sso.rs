//! Single sign-on through OpenID Connect, against real providers on loopback
//! (`server/tests/oidc/providers.mjs`): a certified one (npm `oidc-provider`, through
//! its development login and consent pages) for what a company's provider does, and a
//! forger that signs what no honest provider would, for every refusal. On both
//! databases.

use crate::helpers::{api, demo_tokens, signed_in, Database, TestApp};
use purser_server::startup::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::process::Stdio;
use tokio::io::AsyncBufReadExt;

crate::on_both_kinds!(
    people_the_provider_vouches_for_sign_in_and_membership_follows,
    every_forged_or_replayed_answer_is_refused_and_changes_nothing,
    issuers_purser_will_not_call_are_refused_with_the_reason,
    an_account_outside_the_organization_is_not_its_providers_to_sign_in,
);

const ORG: &str = "acme";
const ALICE: (&str, &str) = ("alice@acme.example", "alice-demo-password");
const CAROL: (&str, &str) = ("carol@acme.example", "carol-demo-password");

/// The two providers, killed when dropped.
struct Providers {
    _child: tokio::process::Child,
    provider: String,
    forger: String,
    client_id: String,
    client_secret: String,
}

async fn providers(app: &TestApp, accounts: Value) -> Providers {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    let mut child = tokio::process::Command::new("node")
        .arg("providers.mjs")
        .current_dir(&dir)
        .env("REDIRECT_URIS", app.url(&format!("/sso/{ORG}/callback")))
        .env("ACCOUNTS", accounts.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts the test providers (bash scripts/setup.sh installs them)");
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the providers start within 30 s")
        .unwrap()
        .expect("the providers print where they listen");
    let at: Value = serde_json::from_str(&line).unwrap();
    // Whatever the providers print next is read and dropped: a closed pipe would end them.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Providers {
        _child: child,
        provider: at["provider"].as_str().unwrap().to_owned(),
        forger: at["forger"].as_str().unwrap().to_owned(),
        client_id: at["clientId"].as_str().unwrap().to_owned(),
        client_secret: at["clientSecret"].as_str().unwrap().to_owned(),
    }
}

/// A server that may call providers on loopback, as an operator with their own
/// provider inside their network would allow.
async fn sso_app(kind: Database) -> TestApp {
    TestApp::with(kind, |s| Settings {
        sso_allow_private_networks: true,
        ..s
    })
    .await
}

/// A browser that keeps cookies and shows each redirect (to follow it by hand).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Where a redirect leads, as an absolute URL (providers often send a path).
fn location(res: &reqwest::Response) -> String {
    let to = res
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("a redirect, not {}", res.status()))
        .to_str()
        .unwrap();
    res.url().join(to).unwrap().to_string()
}

async fn go(browser: &reqwest::Client, url: &str) -> reqwest::Response {
    browser.get(url).send().await.unwrap()
}

/// Leaves Purser for the provider; returns where the provider was asked to go.
async fn leave(app: &TestApp, browser: &reqwest::Client) -> String {
    let res = go(browser, &app.url(&format!("/sso/{ORG}"))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res)
}

/// Through the provider's development login and consent pages as `login`; returns the
/// callback URL the provider sends the browser back to (not opened yet).
async fn through_provider(app: &TestApp, browser: &reqwest::Client, login: &str) -> String {
    let auth = leave(app, browser).await;
    let interaction = location(&go(browser, &auth).await);
    go(browser, &interaction).await;
    let res = browser
        .post(&interaction)
        .form(&[("prompt", "login"), ("login", login), ("password", "any")])
        .send()
        .await
        .unwrap();
    let consent = location(&go(browser, &location(&res)).await);
    go(browser, &consent).await;
    let res = browser
        .post(&consent)
        .form(&[("prompt", "consent")])
        .send()
        .await
        .unwrap();
    let back = location(&go(browser, &location(&res)).await);
    assert!(
        back.starts_with(&app.url(&format!("/sso/{ORG}/callback"))),
        "{back}"
    );
    back
}

async fn configure(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    api(
        app,
        Method::PUT,
        &format!("/api/orgs/{ORG}/identity-provider"),
        token,
        Some(body),
    )
    .await
}

async fn oidc_body(p: &Providers, issuer: &str) -> Value {
    json!({
        "identityProvider": "oidc",
        "issuer": issuer,
        "clientId": p.client_id,
        "clientSecret": p.client_secret,
        "joinAs": "member",
        "groupsClaim": "groups",
        "teamsFromGroups": {"engineers": "platform"},
    })
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

async fn member_count(app: &TestApp, token: &str) -> u64 {
    let (status, meta) = api(
        app,
        Method::GET,
        &format!("/api/orgs/{ORG}/metadata"),
        token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{meta}");
    meta["memberCount"].as_u64().unwrap()
}

/// Whether a browser may load the organization's members page (a server function).
async fn members_page(app: &TestApp, browser: &reqwest::Client) -> (u16, Value) {
    app.call_as(browser, "org_members", &[("org", ORG)]).await
}

fn session_cookie(res: &reqwest::Response) -> bool {
    res.headers().get_all("set-cookie").iter().any(|c| {
        c.to_str().unwrap().starts_with("purser_session=")
            && !c.to_str().unwrap().starts_with("purser_session=;")
    })
}

async fn people_the_provider_vouches_for_sign_in_and_membership_follows(kind: Database) {
    let app = sso_app(kind).await;
    let tokens = demo_tokens(&app).await;
    let p = providers(
        &app,
        json!({
            "frank": {"email": "frank@corp.example", "email_verified": true, "name": "Frank Field", "groups": ["engineers"]},
            "bob": {"email": "bob@acme.example", "email_verified": true, "name": "Bob", "groups": []},
            "eve": {"email": "eve@corp.example", "email_verified": false, "name": "Eve", "groups": []},
        }),
    )
    .await;
    let (status, _) = api(
        &app,
        Method::POST,
        &format!("/api/orgs/{ORG}/teams"),
        &tokens.admin,
        Some(json!({"name": "platform"})),
    )
    .await;
    assert_eq!(status, 201);

    // Configured through REST: the answer names the redirect URI; the secret never shows.
    let (status, body) = configure(&app, &tokens.admin, oidc_body(&p, &p.provider).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["identityProvider"], "oidc");
    assert_eq!(
        body["oidc"]["redirectUri"],
        app.url(&format!("/sso/{ORG}/callback"))
    );
    let (status, got) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/{ORG}/identity-provider"),
        &tokens.admin,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["identityProvider"], "oidc");
    assert_eq!(got["oidc"]["issuer"], p.provider.as_str());
    for text in [body.to_string(), got.to_string()] {
        assert!(
            !text.contains(&p.client_secret),
            "the secret is never echoed: {text}"
        );
    }
    let stored: String = sqlx::query_scalar("SELECT client_secret_sealed FROM sso_configs")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!stored.contains(&p.client_secret), "stored sealed");
    // Members see nothing of it.
    let (status, _) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/{ORG}/identity-provider"),
        &tokens.member,
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(member_count(&app, &tokens.admin).await, 3);

    // A new person: created just in time, a member (counted), on the team of their group.
    let frank = browser();
    let back = through_provider(&app, &frank, "frank").await;
    let res = go(&frank, &back).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), app.url(&format!("/{ORG}")));
    assert!(session_cookie(&res));
    let (status, me) = app.call_as(&frank, "current_user", &[]).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], "frank@corp.example");
    assert_eq!(me["email_verified"], true);
    assert_eq!(members_page(&app, &frank).await.0, 200);
    assert_eq!(member_count(&app, &tokens.admin).await, 4);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM team_members tm JOIN teams t ON t.id = tm.team_id JOIN users u ON u.id = tm.user_id WHERE t.name = 'platform' AND u.email = 'frank@corp.example'").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE event = 'sso.member-joined'"
        )
        .await,
        1
    );
    crate::helpers::assert_counts_are_recounts(&app).await;

    // The same code again, in a new flow of the same browser: the provider refuses it.
    let users = count(&app, "SELECT COUNT(*) FROM users").await;
    let auth = leave(&app, &frank).await;
    let state = url::Url::parse(&auth)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let old = url::Url::parse(&back).unwrap();
    let code = old
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let replay = app.url(&format!("/sso/{ORG}/callback?code={code}&state={state}"));
    let res = go(&frank, &replay).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a replayed code");
    assert!(!session_cookie(&res));
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("refused the sign-in code"));

    // Someone with an account already, by their verified address: linked, not duplicated.
    let bob = browser();
    let back = through_provider(&app, &bob, "bob").await;
    assert_eq!(go(&bob, &back).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, users);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sso_identities i JOIN users u ON u.id = i.user_id WHERE u.email = 'bob@acme.example'").await, 1);
    assert_eq!(member_count(&app, &tokens.admin).await, 4);

    // An address the provider has not verified is not used.
    let eve = browser();
    let back = through_provider(&app, &eve, "eve").await;
    let res = go(&eve, &back).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("not verified"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM users WHERE email = 'eve@corp.example'"
        )
        .await,
        0
    );

    // A password session acts only as the recovery admin (who turned SSO on), audited once.
    let carol = signed_in(&app, CAROL.0, CAROL.1).await;
    let (status, body) = members_page(&app, &carol).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains(&format!("/sso/{ORG}")), "{body}");
    assert_eq!(
        member_count(&app, &tokens.member).await,
        4,
        "tokens keep working"
    );
    let alice = signed_in(&app, ALICE.0, ALICE.1).await;
    assert_eq!(members_page(&app, &alice).await.0, 200);
    assert_eq!(members_page(&app, &alice).await.0, 200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE event = 'sso.recovery-used'"
        )
        .await,
        1
    );

    // Past the organization's SSO lifetime, the session must sign in through it again.
    sqlx::query("UPDATE session_sso SET signed_in_at = signed_in_at - 90000000")
        .execute(&app.db)
        .await
        .unwrap();
    let (status, body) = members_page(&app, &frank).await;
    assert_eq!(status, 403, "{body}");
}

/// A flow left for the forger: its state and nonce, read from the authorization URL.
async fn forged_flow(app: &TestApp, browser: &reqwest::Client) -> (String, String) {
    let auth = url::Url::parse(&leave(app, browser).await).unwrap();
    let get = |name: &str| {
        auth.query_pairs()
            .find(|(k, _)| k == name)
            .unwrap()
            .1
            .into_owned()
    };
    (get("state"), get("nonce"))
}

/// The code the forger turns into an ID token for `case`.
fn forged_code(case: &str, nonce: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({"case": case, "nonce": nonce}).to_string())
}

async fn every_forged_or_replayed_answer_is_refused_and_changes_nothing(kind: Database) {
    let app = sso_app(kind).await;
    let tokens = demo_tokens(&app).await;
    let p = providers(&app, json!({})).await;
    let mut body = oidc_body(&p, &p.forger).await;
    body["teamsFromGroups"] = json!({});
    let (status, answer) = configure(&app, &tokens.admin, body).await;
    assert_eq!(status, 200, "{answer}");
    let users = count(&app, "SELECT COUNT(*) FROM users").await;
    let sessions = count(&app, "SELECT COUNT(*) FROM sessions").await;
    let callback = |code: &str, state: &str| {
        app.url(&format!("/sso/{ORG}/callback?code={code}&state={state}"))
    };

    for (case, why) in [
        ("other-audience", "audience"),
        ("extra-audience", "audience"),
        ("other-azp", "azp"),
        ("expired", "expired"),
        ("future", "future"),
        ("wrong-nonce", "nonce"),
        ("no-nonce", "nonce"),
        ("other-issuer", "issuer"),
        ("unknown-key", "key"),
        ("alg-none", "signature"),
        ("hmac", "algorithm"),
        ("unverified-email", "not verified"),
    ] {
        let b = browser();
        let (state, nonce) = forged_flow(&app, &b).await;
        let res = go(&b, &callback(&forged_code(case, &nonce), &state)).await;
        let status = res.status();
        let text = res.text().await.unwrap().to_lowercase();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {text}");
        assert!(
            text.contains(why),
            "{case}: the page says why ({why}): {text}"
        );
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users").await,
        users,
        "nobody was created"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sessions").await,
        sessions,
        "no session started"
    );

    // The state: tampered, from another browser, or used twice.
    let b = browser();
    let (state, nonce) = forged_flow(&app, &b).await;
    let code = forged_code("good", &nonce);
    let res = go(&b, &callback(&code, &format!("{state}x"))).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a tampered state");
    let res = go(&browser(), &callback(&code, &state)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "another browser");
    // (That attempt consumed the flow: even its own browser cannot use it now.)
    let res = go(&b, &callback(&code, &state)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a used state");
    let (state, nonce) = forged_flow(&app, &b).await;
    let code = forged_code("good", &nonce);
    let res = go(&b, &callback(&code, &state)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "an honest answer");
    let res = go(&b, &callback(&code, &state)).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the same answer replayed"
    );

    // A key rotated in since the keys were read: read again once, then accepted.
    let b = browser();
    let (state, nonce) = forged_flow(&app, &b).await;
    let res = go(&b, &callback(&forged_code("rotated", &nonce), &state)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Discovery documents Purser will not use: the configuration stays as it was.
    let before = count(&app, "SELECT updated_at FROM sso_configs").await;
    for (issuer, why) in [
        (format!("{}/mismatch", p.forger), "does not match"),
        (format!("{}/implicit-only", p.forger), "authorization code"),
        (format!("{}/redirects", p.forger), "redirect"),
        (
            format!("http://127.0.0.1:{}", crate::helpers::free_port()),
            "could not be reached",
        ),
    ] {
        let (status, body) = configure(&app, &tokens.admin, oidc_body(&p, &issuer).await).await;
        assert_eq!(status, 422, "{issuer}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(why),
            "{issuer}: {body}"
        );
    }
    assert_eq!(
        count(&app, "SELECT updated_at FROM sso_configs").await,
        before
    );
}

async fn issuers_purser_will_not_call_are_refused_with_the_reason(kind: Database) {
    // The operator has not allowed private networks: the default.
    let app = TestApp::with(kind, |s| s).await;
    let tokens = demo_tokens(&app).await;
    let p = providers(&app, json!({})).await;
    let https_provider = p.provider.replace("http://", "https://");
    for (issuer, why) in [
        (p.provider.clone(), "https"),
        ("http://login.example.com".to_owned(), "https"),
        (https_provider, "loopback"),
        ("https://localhost:9/".to_owned(), "loopback"),
        ("https://10.1.2.3/".to_owned(), "private"),
        ("https://[::1]:9/".to_owned(), "loopback"),
        ("https://169.254.169.254/".to_owned(), "private"),
        ("https://login.example.com/?x=1".to_owned(), "query"),
        ("not a url".to_owned(), "not a URL"),
    ] {
        let (status, body) = configure(&app, &tokens.admin, oidc_body(&p, &issuer).await).await;
        assert_eq!(status, 422, "{issuer}: {body}");
        assert_eq!(body["code"], 422);
        assert!(
            body["message"].as_str().unwrap().contains(why),
            "{issuer}: {body}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sso_configs").await, 0);
    let (_, got) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/{ORG}/identity-provider"),
        &tokens.admin,
        None,
    )
    .await;
    assert_eq!(got["identityProvider"], "open");
    // Only admins configure it.
    let (status, _) = configure(
        &app,
        &tokens.member,
        oidc_body(&p, "https://login.example.com").await,
    )
    .await;
    assert_eq!(status, 403);
    // And without a saved configuration, `oidc` alone is refused.
    let (status, body) = configure(&app, &tokens.admin, json!({"identityProvider": "oidc"})).await;
    assert_eq!(status, 422, "{body}");
}

/// An organization's provider vouches for an address whose Purser account is outside
/// the organization (a verified account of someone else, or one an impostor registered
/// without proving it): the sign-in is refused, nothing is linked, and the account's
/// owner keeps their way in. Were it linked, any organization's admin could run a
/// provider that vouches for any address and sign in as its owner.
async fn an_account_outside_the_organization_is_not_its_providers_to_sign_in(kind: Database) {
    let app = sso_app(kind).await;
    let tokens = demo_tokens(&app).await;
    let p = providers(
        &app,
        json!({
            "victim": {"email": "victim@corp.example", "email_verified": true, "name": "V", "groups": []},
            "grace": {"email": "grace@corp.example", "email_verified": true, "name": "Grace", "groups": []},
        }),
    )
    .await;
    let victim = app.sign_up("Victim", "victim@corp.example").await;
    app.verify(&victim).await;
    let squatter = app.sign_up("Not Grace", "grace@corp.example").await;
    let mut body = oidc_body(&p, &p.provider).await;
    body["teamsFromGroups"] = json!({});
    let (status, body) = configure(&app, &tokens.admin, body).await;
    assert_eq!(status, 200, "{body}");

    for login in ["victim", "grace"] {
        let attacker = browser();
        let back = through_provider(&app, &attacker, login).await;
        let res = go(&attacker, &back).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{login}");
        assert!(!session_cookie(&res), "{login}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("already exists and is not in this organization"),
            "{page}"
        );
        let (_, me) = app.call_as(&attacker, "current_user", &[]).await;
        assert!(me.is_null(), "{login}: {me}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sso_identities").await, 0);
    // Their owners (or registrant) still sign in and act as before.
    for (who, email) in [
        (&victim, "victim@corp.example"),
        (&squatter, "grace@corp.example"),
    ] {
        let (status, me) = app.call_as(&who.client, "current_user", &[]).await;
        assert_eq!((status, me["email"].as_str()), (200, Some(email)));
        assert!(crate::helpers::try_sign_in(&app, email, "a long password")
            .await
            .is_some());
    }
}
