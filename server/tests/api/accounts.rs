use crate::helpers::TestApp;
use crate::on_both_databases;

on_both_databases!(
    sign_up_verify_and_create_an_organization,
    bad_sign_up_input_gets_a_clear_4xx,
    verification_links_work_once,
    a_verification_link_verifies_only_its_own_account_signed_in,
    sign_in_gives_a_new_session_and_sign_out_ends_it,
    cross_origin_writes_with_a_session_are_refused,
    logins_are_chosen_or_made_from_the_email_and_unique,
);

/// A login chosen at sign-up is kept (lower-cased); left out, one is made from the
/// email address, with a suffix when taken; a taken or malformed one is refused by name.
async fn logins_are_chosen_or_made_from_the_email_and_unique(app: TestApp) {
    let sign_up = |email: &'static str, login: &'static str| {
        let app = &app;
        async move {
            let client = crate::helpers::new_browser();
            let form = [
                ("name", "Someone"),
                ("email", email),
                ("password", "a long password"),
                ("login", login),
            ];
            let (status, body) = app.call_as(&client, "sign_up", &form).await;
            let (_, me) = app.call_as(&client, "current_user", &[]).await;
            (
                status,
                body,
                me["login"].as_str().unwrap_or_default().to_owned(),
            )
        }
    };
    let (status, body, login) = sign_up("grace@example.com", "Grace-H").await;
    assert_eq!((status, login.as_str()), (200, "grace-h"), "{body}");
    let (status, body, login) = sign_up("ada.lovelace+x@example.com", "").await;
    assert_eq!((status, login.as_str()), (200, "ada-lovelace-x"), "{body}");
    let (status, body, login) = sign_up("ada.lovelace+x@other.example", "").await;
    assert_eq!(
        (status, login.as_str()),
        (200, "ada-lovelace-x-2"),
        "{body}"
    );
    let (status, body, _) = sign_up("someone@example.com", "grace-h").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "login", "{body}");
    let (status, body, _) = sign_up("someone@example.com", "no_underscores").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "login", "{body}");
}

async fn sign_up_verify_and_create_an_organization(app: TestApp) {
    let ada = app.sign_up("Ada Lovelace", "Ada@Example.com").await;
    let (_, me) = app.call_as(&ada.client, "current_user", &[]).await;
    assert_eq!(
        me["email"], "ada@example.com",
        "emails are stored normalised"
    );
    assert_eq!(me["email_verified"], false);

    // Not verified yet: organizations cannot be created.
    let (status, body) = app
        .call_as(
            &ada.client,
            "create_org",
            &[
                ("name", "analytical"),
                ("display_name", "Analytical Engines"),
                ("edition", "team"),
            ],
        )
        .await;
    assert_eq!(status, 403, "{body}");

    let ada = crate::helpers::Person {
        email: "ada@example.com".into(),
        ..ada
    };
    app.verify(&ada).await;
    let (status, body) = app
        .call_as(
            &ada.client,
            "create_org",
            &[
                ("name", "Analytical"),
                ("display_name", "Analytical Engines"),
                ("edition", "enterprise"),
            ],
        )
        .await;
    assert_eq!((status, body.as_str()), (200, Some("analytical")));

    let (status, page) = app
        .call_as(&ada.client, "org_members", &[("org", "analytical")])
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["count"]["members"], 1);
    assert_eq!(page["members"]["items"][0]["role"], "admin");
    assert_eq!(page["members"]["items"][0]["email"], "ada@example.com");
    assert_eq!(page["members"]["items"][0]["name"], "Ada Lovelace");

    let token = app.token_for(&ada).await;
    let (status, user) = app.api_get("/api/user", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(user["emailVerified"], true);
    assert_eq!(user["organizations"][0]["githubLogin"], "analytical");
    assert_eq!(user["organizations"][0]["role"], "admin");
    assert_eq!(user["organizations"][0]["edition"], "enterprise");
}

async fn bad_sign_up_input_gets_a_clear_4xx(app: TestApp) {
    let cases: &[(&str, &str, &str, u16, &str)] = &[
        ("Ada", "not-an-email", "a long password", 422, "email"),
        ("Ada", "ada@example.com", "short", 422, "password"),
        ("   ", "ada@example.com", "a long password", 422, "name"),
    ];
    for &(name, email, password, status, field) in cases {
        let (got, body) = app
            .call(
                "sign_up",
                &[("name", name), ("email", email), ("password", password)],
            )
            .await;
        assert_eq!(got, status, "{email}: {body}");
        assert_eq!(body["Invalid"]["field"], field, "{body}");
        assert!(!body["Invalid"]["message"].as_str().unwrap().is_empty());
    }
    // A missing field is a bad request, not a server error.
    let (got, _) = app.call("sign_up", &[("name", "Ada")]).await;
    assert_eq!(got, 400);

    app.sign_up("Ada", "ada@example.com").await;
    let (got, body) = app
        .call(
            "sign_up",
            &[
                ("name", "Ada 2"),
                ("email", "ADA@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(got, 409, "{body}");
    assert!(body["Conflict"]
        .as_str()
        .unwrap()
        .contains("already exists"));

    let (got, body) = app
        .call(
            "sign_in",
            &[("email", "ada@example.com"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(got, 401, "{body}");
    assert_eq!(body["Unauthenticated"], "Incorrect email or password.");
    let (got, _) = app
        .call(
            "sign_in",
            &[
                ("email", "nobody@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(got, 401);
}

async fn verification_links_work_once(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    app.verify(&ada).await;
    let link = app.last_link_to("ada@example.com").await;
    let token = link.split("token=").nth(1).unwrap();
    let (status, _) = app
        .call_as(&ada.client, "verify_email", &[("token", token)])
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call_as(&ada.client, "verify_email", &[("token", "made-up")])
        .await;
    assert_eq!(status, 404);
}

/// Anyone can sign up with someone else's address, so the link (which reaches the
/// address's owner, and every mail scanner on the way) verifies nothing by being
/// opened, nor for anyone but the account it was sent to, signed in. Otherwise the
/// stranger's account would be verified and offered the invitations sent there.
async fn a_verification_link_verifies_only_its_own_account_signed_in(app: TestApp) {
    let stranger = app.sign_up("Stranger", "ada@example.com").await;
    let link = app.last_link_to("ada@example.com").await;
    let token = link.split("token=").nth(1).unwrap();
    let verified = |client: reqwest::Client| {
        let app = &app;
        async move {
            let (_, me) = app.call_as(&client, "current_user", &[]).await;
            me["email_verified"].as_bool().unwrap()
        }
    };

    // A mail scanner opens the page: it renders, and changes nothing.
    let opened = crate::helpers::new_browser()
        .get(&link)
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    assert!(!verified(stranger.client.clone()).await);

    // Nor when the account's own browser opens it, signed in: the page only asks.
    let opened = stranger.client.get(&link).send().await.unwrap();
    assert_eq!(opened.status(), 200);
    assert!(!verified(stranger.client.clone()).await);
    let (status, body) = app
        .call_as(&stranger.client, "check_verification", &[("token", token)])
        .await;
    assert_eq!(status, 200, "the page may offer its button: {body}");

    // Signed out, the link does nothing either.
    let signed_out = crate::helpers::new_browser();
    let (status, body) = app
        .call_as(&signed_out, "verify_email", &[("token", token)])
        .await;
    assert_eq!(status, 401, "{body}");

    // Signed in as another account: refused, and the link still works for its own.
    let other = app.sign_up("Other", "other@example.com").await;
    let (status, body) = app
        .call_as(&other.client, "verify_email", &[("token", token)])
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = app
        .call_as(&other.client, "check_verification", &[("token", token)])
        .await;
    assert_eq!(status, 403, "the page says so before offering a button");
    assert!(!verified(other.client.clone()).await);
    assert!(!verified(stranger.client.clone()).await);

    // Only the account the link was sent to, signed in, verifies with it.
    let (status, body) = app
        .call_as(&stranger.client, "verify_email", &[("token", token)])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(verified(stranger.client.clone()).await);
    let (status, _) = app
        .call_as(&stranger.client, "check_verification", &[("token", token)])
        .await;
    assert_eq!(status, 404, "used");
}

async fn sign_in_gives_a_new_session_and_sign_out_ends_it(app: TestApp) {
    app.sign_up("Ada", "ada@example.com").await;
    let session_after_sign_in = |client: reqwest::Client| {
        let app = &app;
        async move {
            let res = client
                .post(app.url("/fn/sign_in"))
                .header("origin", &app.base)
                .form(&[
                    ("email", "ada@example.com"),
                    ("password", "a long password"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let cookie = res
                .headers()
                .get("set-cookie")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            assert!(
                cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
                "{cookie}"
            );
            assert!(!cookie.contains("Secure"), "plain http here: {cookie}");
            cookie.split(';').next().unwrap().to_owned()
        }
    };
    let browser = crate::helpers::new_browser();
    let first = session_after_sign_in(browser.clone()).await;
    let second = session_after_sign_in(browser.clone()).await;
    assert_ne!(first, second, "each sign-in starts a new session");

    let (_, me) = app.call_as(&browser, "current_user", &[]).await;
    assert_eq!(me["name"], "Ada");
    let (status, _) = app.call_as(&browser, "sign_out", &[]).await;
    assert_eq!(status, 200);
    let (_, me) = app.call_as(&browser, "current_user", &[]).await;
    assert!(me.is_null(), "signed out: {me}");

    // The old session cookie is dead on the server, not just forgotten by the browser.
    let res = crate::helpers::client()
        .get(app.url("/api/user"))
        .header("cookie", &second)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

async fn cross_origin_writes_with_a_session_are_refused(app: TestApp) {
    let ada = app.sign_up("Ada", "ada@example.com").await;
    app.verify(&ada).await;
    let post = |origin: &'static str| {
        ada.client
            .post(app.url("/fn/create_org"))
            .header("origin", origin)
            .form(&[("name", "acme"), ("display_name", ""), ("edition", "team")])
            .send()
    };
    let refused = post("https://evil.example").await.unwrap();
    assert_eq!(refused.status(), 403);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["Forbidden"].as_str().unwrap().contains("Cross-origin"));
    let (_, me) = app.call_as(&ada.client, "current_user", &[]).await;
    assert_eq!(
        me["orgs"].as_array().unwrap().len(),
        0,
        "nothing was created"
    );

    let own_origin: &'static str = Box::leak(app.base.clone().into_boxed_str());
    let allowed = post(own_origin).await.unwrap();
    assert_eq!(allowed.status(), 200);
}
