//! SCIM 2.0 provisioning as identity providers do it, over HTTP against the real server,
//! on both databases: Okta's and Entra ID's ways of saying the same things, the rules
//! of each change (roles, counts, teams, the directory, the audit log), and a
//! deprovisioning racing an acceptance. The RFC's own conformance is checked by an
//! outside suite (`scripts/scim-compliance.sh`, in `make test`).

use crate::helpers::{all_at_once, api, demo_tokens, secret_of, verified_users, Database, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

crate::on_both_kinds!(
    the_provider_provisions_updates_and_deprovisions_people,
    groups_are_teams_and_wait_for_deactivated_people,
    only_the_organizations_own_token_acts_and_only_on_its_endpoint,
    a_deprovisioning_racing_an_acceptance_leaves_one_outcome,
    an_account_outside_the_organization_joins_by_invitation_not_by_provisioning,
);

const ORG: &str = "acme";

/// A SCIM client holding one token.
struct Scim<'a> {
    app: &'a TestApp,
    token: String,
}

impl Scim<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_with(method, path, body, None).await
    }

    async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .request(method, self.app.url(&format!("/scim/v2/{ORG}{path}")))
            .header("Authorization", format!("Bearer {}", self.token));
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/scim+json")
                .body(body.to_string());
        }
        let res = request.send().await.unwrap();
        let status = res.status().as_u16();
        if status != 204 {
            assert_eq!(
                res.headers()["content-type"],
                "application/scim+json",
                "{status}"
            );
        }
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// A SCIM token for the demo organization, which keeps a directory.
async fn provider<'a>(app: &'a TestApp, admin: &str) -> Scim<'a> {
    let (status, body) = api(
        app,
        Method::PUT,
        &format!("/api/orgs/{ORG}/identity-provider"),
        admin,
        Some(json!({"identityProvider": "directory"})),
    )
    .await;
    assert!((200..300).contains(&status), "{body}");
    let (status, made) = api(
        app,
        Method::POST,
        &format!("/api/orgs/{ORG}/scim-tokens"),
        admin,
        Some(json!({"description": "Okta"})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    Scim {
        app,
        token: made["token"].as_str().unwrap().to_owned(),
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

async fn member_count(app: &TestApp, token: &str) -> (u64, u64) {
    let (status, meta) = api(
        app,
        Method::GET,
        &format!("/api/orgs/{ORG}/metadata"),
        token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{meta}");
    (
        meta["memberCount"].as_u64().unwrap(),
        meta["billingManagerCount"].as_u64().unwrap_or_default(),
    )
}

/// The person's role as Purser's extension says it (answered when asked for).
async fn role(scim: &Scim<'_>, id: &str) -> Value {
    let (status, user) = scim
        .call(
            Method::GET,
            &format!(
                "/Users/{id}?attributes=urn:purser:params:scim:schemas:extension:2.0:User:role"
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "{user}");
    assert!(
        user.get("userName").is_none(),
        "only what was asked: {user}"
    );
    user["urn:purser:params:scim:schemas:extension:2.0:User"]["role"].clone()
}

fn dana() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "dana@corp.example",
        "externalId": "00u1dana",
        "name": {"givenName": "Dana", "familyName": "Scully"},
        "emails": [{"value": "Dana@Corp.example", "type": "work", "primary": true}],
        "active": true,
    })
}

async fn listed(app: &TestApp, email: &str) -> bool {
    count(
        app,
        &format!("SELECT COUNT(*) FROM directory_entries WHERE email = '{email}'"),
    )
    .await
        == 1
}

async fn the_provider_provisions_updates_and_deprovisions_people(kind: Database) {
    let app = TestApp::with(kind, |s| s).await;
    let t = demo_tokens(&app).await;
    let scim = provider(&app, &t.admin).await;
    let (members, _) = member_count(&app, &t.admin).await;

    // Provisioned: an account made just in time, a member, on the directory, audited.
    let (status, user) = scim.call(Method::POST, "/Users", Some(dana())).await;
    assert_eq!(status, 201, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["userName"], "dana@corp.example");
    assert_eq!(user["name"]["givenName"], "Dana");
    assert!(user
        .get("urn:purser:params:scim:schemas:extension:2.0:User")
        .is_none());
    assert_eq!(role(&scim, &id).await, "member");
    assert_eq!(
        user["meta"]["location"],
        app.url(&format!("/scim/v2/{ORG}/Users/{id}"))
    );
    assert_eq!(member_count(&app, &t.admin).await.0, members + 1);
    assert!(listed(&app, "dana@corp.example").await);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'scim.user-provisioned' AND actor = 'SCIM token \"Okta\"'").await,
        1
    );
    // The same person again is a conflict, in SCIM's words.
    let (status, error) = scim.call(Method::POST, "/Users", Some(dana())).await;
    assert_eq!(status, 409, "{error}");
    assert_eq!(error["scimType"], "uniqueness");
    assert_eq!(
        error["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );

    // Found the ways providers look: userName in any case, externalId, paged.
    let (status, found) = scim
        .call(
            Method::GET,
            "/Users?filter=userName%20eq%20%22DANA%40corp.example%22",
            None,
        )
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());
    let (_, found) = scim
        .call(
            Method::GET,
            "/Users?filter=externalId%20eq%20%2200u1dana%22%20and%20active%20eq%20true&attributes=userName",
            None,
        )
        .await;
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("name").is_none(), "{found}");
    // Times compare as RFC 3339 dates; words, as providers search for people.
    for (filter, total) in [
        ("meta.lastModified%20gt%20%222000-01-01T00:00:00Z%22", 1),
        ("meta.created%20lt%20%222000-01-01T00:00:00Z%22", 0),
        ("meta.created%20eq%20%222000-01-01T00:00:00Z%22%20or%20name.familyName%20sw%20%22scu%22", 1),
        ("not%20(displayName%20pr)%20and%20emails%20co%20%22corp%22", 1),
    ] {
        let (status, found) = scim
            .call(Method::GET, &format!("/Users?filter={filter}"), None)
            .await;
        assert_eq!(status, 200, "{filter}: {found}");
        assert_eq!(found["totalResults"], total, "{filter}: {found}");
    }
    let (status, error) = scim
        .call(Method::GET, "/Users?filter=userName%20eq", None)
        .await;
    assert_eq!((status, &error["scimType"]), (400, &json!("invalidFilter")));

    // Entra ID deactivates: a capitalised op and a boolean as a string. The role ends
    // at once, the count follows, the address leaves the directory.
    let etag = user["meta"]["version"].as_str().unwrap().to_owned();
    let (status, user) = scim
        .call_with(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
            ),
            Some(&etag),
        )
        .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["active"], false);
    assert_eq!(role(&scim, &id).await, Value::Null);
    assert_eq!(member_count(&app, &t.admin).await.0, members);
    assert!(!listed(&app, "dana@corp.example").await);
    // A stale version is refused.
    let (status, _) = scim
        .call_with(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({"Operations": [{"op": "replace", "value": {"active": true}}]})),
            Some(&etag),
        )
        .await;
    assert_eq!(status, 412);
    // Okta reactivates (no path, an object): a member again, never more.
    let (status, user) = scim
        .call(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({"Operations": [{"op": "replace", "value": {"id": id, "active": true}}]})),
        )
        .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(role(&scim, &id).await, "member");

    // The billing manager, provisioned under their address, keeps their role; when the
    // provider deactivates them, Billing & usage is closed to them at once.
    let (_, me) = app.api_get("/api/user", Some(&t.billing_manager)).await;
    let email = me["email"].as_str().unwrap().to_owned();
    let (status, bm) = scim
        .call(
            Method::POST,
            "/Users",
            Some(json!({"userName": email, "emails": [{"value": email, "primary": true}]})),
        )
        .await;
    assert_eq!(status, 201, "{bm}");
    assert_eq!(
        role(&scim, bm["id"].as_str().unwrap()).await,
        "billing-manager"
    );
    let billing = format!("/api/orgs/{ORG}/billing/payments");
    assert_eq!(app.api_get(&billing, Some(&t.billing_manager)).await.0, 200);
    let managers = member_count(&app, &t.admin).await.1;
    let (status, _) = scim
        .call(
            Method::PUT,
            &format!("/Users/{}", bm["id"].as_str().unwrap()),
            Some(json!({"userName": email, "emails": [{"value": email, "primary": true}], "active": false})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.api_get(&billing, Some(&t.billing_manager)).await;
    assert!(status == 403 || status == 404, "{status}");
    assert_eq!(member_count(&app, &t.admin).await.1, managers - 1);

    // The last admin cannot be deprovisioned.
    let (_, me) = app.api_get("/api/user", Some(&t.admin)).await;
    let email = me["email"].as_str().unwrap().to_owned();
    let (_, admin) = scim
        .call(Method::POST, "/Users", Some(json!({"userName": email})))
        .await;
    let (status, error) = scim
        .call(
            Method::DELETE,
            &format!("/Users/{}", admin["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 409, "{error}");
    assert!(error["detail"].as_str().unwrap().contains("last admin"));

    // Deleted: the role and the record go; the account stays.
    let (status, _) = scim
        .call(Method::DELETE, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, error) = scim.call(Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(status, 404, "{error}");
    assert_eq!(error["status"], "404");
    assert_eq!(member_count(&app, &t.admin).await.0, members);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE event = 'scim.user-deleted'"
        )
        .await,
        1
    );
    crate::helpers::assert_counts_are_recounts(&app).await;
}

async fn groups_are_teams_and_wait_for_deactivated_people(kind: Database) {
    let app = TestApp::with(kind, |s| s).await;
    let t = demo_tokens(&app).await;
    let scim = provider(&app, &t.admin).await;
    let (_, dana) = scim.call(Method::POST, "/Users", Some(dana())).await;
    let dana_id = dana["id"].as_str().unwrap().to_owned();
    let (_, erin) = scim
        .call(
            Method::POST,
            "/Users",
            Some(json!({"userName": "erin@corp.example", "emails": [{"value": "erin@corp.example"}]})),
        )
        .await;
    let erin_id = erin["id"].as_str().unwrap().to_owned();

    let (status, group) = scim
        .call(
            Method::POST,
            "/Groups",
            Some(json!({"displayName": "Platform Team", "externalId": "g1",
                "members": [{"value": dana_id}]})),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_str().unwrap().to_owned();
    assert_eq!(group["members"][0]["value"], dana_id.as_str());
    let team = "/api/orgs/acme/teams/Platform%20Team";
    let (status, body) = api(&app, Method::GET, team, &t.admin, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["members"].as_array().unwrap().len(), 1);

    // Entra ID adds with a list; Okta removes with a filter and renames without a path.
    let path = format!("/Groups/{group_id}");
    let (status, group) = scim
        .call(
            Method::PATCH,
            &path,
            Some(json!({"Operations": [{"op": "Add", "path": "members", "value": [{"value": erin_id}]}]})),
        )
        .await;
    assert_eq!(status, 200, "{group}");
    assert_eq!(group["members"].as_array().unwrap().len(), 2);
    let (status, group) = scim
        .call(
            Method::PATCH,
            &path,
            Some(json!({"Operations": [
                {"op": "remove", "path": format!("members[value eq \"{erin_id}\"]")},
                {"op": "replace", "value": {"id": group_id, "displayName": "Infra"}},
            ]})),
        )
        .await;
    assert_eq!(status, 200, "{group}");
    assert_eq!(group["displayName"], "Infra");
    assert_eq!(group["members"].as_array().unwrap().len(), 1);
    let (status, found) = scim
        .call(
            Method::GET,
            &format!("/Groups?filter=displayName%20eq%20%22infra%22%20and%20members%5Bvalue%20eq%20%22{dana_id}%22%5D&excludedAttributes=members"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("members").is_none(), "{found}");

    // Deactivated, Dana is off the team but still in the group; back, on the team.
    let on_team = "SELECT COUNT(*) FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.name = 'Infra'";
    scim.call(
        Method::PATCH,
        &format!("/Users/{dana_id}"),
        Some(json!({"Operations": [{"op": "replace", "path": "active", "value": false}]})),
    )
    .await;
    assert_eq!(count(&app, on_team).await, 0);
    let (_, group) = scim.call(Method::GET, &path, None).await;
    assert_eq!(group["members"][0]["value"], dana_id.as_str());
    scim.call(
        Method::PATCH,
        &format!("/Users/{dana_id}"),
        Some(json!({"Operations": [{"op": "replace", "path": "active", "value": true}]})),
    )
    .await;
    assert_eq!(count(&app, on_team).await, 1);
    crate::helpers::assert_counts_are_recounts(&app).await;

    // A billing manager is on no team.
    let (_, me) = app.api_get("/api/user", Some(&t.billing_manager)).await;
    let email = me["email"].as_str().unwrap().to_owned();
    let (_, bm) = scim
        .call(Method::POST, "/Users", Some(json!({"userName": email})))
        .await;
    let (status, error) = scim
        .call(
            Method::PATCH,
            &path,
            Some(json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": bm["id"]}]}]})),
        )
        .await;
    assert_eq!((status, &error["scimType"]), (400, &json!("invalidValue")));

    let (status, _) = scim.call(Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    assert_eq!(app.api_get(team, Some(&t.admin)).await.0, 404);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE event = 'team.deleted'"
        )
        .await,
        1
    );
    crate::helpers::assert_counts_are_recounts(&app).await;
}

async fn only_the_organizations_own_token_acts_and_only_on_its_endpoint(kind: Database) {
    let app = TestApp::with(kind, |s| s).await;
    let t = demo_tokens(&app).await;
    // Open organizations take no provisioning.
    let (_, made) = api(
        &app,
        Method::POST,
        &format!("/api/orgs/{ORG}/scim-tokens"),
        &t.admin,
        Some(json!({"description": "Okta"})),
    )
    .await;
    let early = Scim {
        app: &app,
        token: made["token"].as_str().unwrap().to_owned(),
    };
    let (status, body) = early.call(Method::GET, "/Users", None).await;
    assert_eq!(status, 403, "{body}");
    let scim = provider(&app, &t.admin).await;
    assert_eq!(
        scim.call(Method::GET, "/ServiceProviderConfig", None)
            .await
            .0,
        200
    );
    // Members and billing managers neither make nor see tokens; admins see no value.
    for token in [&t.member, &t.billing_manager] {
        let (status, _) = api(
            &app,
            Method::GET,
            &format!("/api/orgs/{ORG}/scim-tokens"),
            token,
            None,
        )
        .await;
        assert_eq!(status, 403);
    }
    let (status, list) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/{ORG}/scim-tokens"),
        &t.admin,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["tokens"].as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains(&scim.token));
    // The token is no REST API token, and it acts for no other organization.
    assert_eq!(app.api_get("/api/user", Some(&scim.token)).await.0, 401);
    let other = crate::helpers::org_with_admin(&app, "globex", "enterprise").await;
    let (status, _) = reqwest::Client::new()
        .get(app.url("/scim/v2/globex/Users"))
        .header("Authorization", format!("Bearer {}", scim.token))
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let _ = other;
    // Revoked, it stops at once; unknown paths are SCIM's 404.
    assert_eq!(scim.call(Method::GET, "/Nothing", None).await.0, 404);
    let id = list["tokens"][0]["id"].as_str().unwrap();
    let (status, _) = api(
        &app,
        Method::DELETE,
        &format!("/api/orgs/{ORG}/scim-tokens/{id}"),
        &t.admin,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = scim.call(Method::GET, "/Users", None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE event = 'scim-token.revoked'"
        )
        .await,
        1
    );
}

/// A provisioned person the admins removed is invited again and accepts while the
/// provider deactivates her: whichever comes first, she ends with no role.
async fn a_deprovisioning_racing_an_acceptance_leaves_one_outcome(kind: Database) {
    let app = TestApp::with(kind, |s| s).await;
    let t = demo_tokens(&app).await;
    let scim = provider(&app, &t.admin).await;
    for round in 0..4 {
        let people = verified_users(&app, &format!("racer{round}-"), 1).await;
        let (person, token) = &people[0];
        // Provisioned (an account of her own already: no role yet), a member by
        // invitation; then removed by an admin, and invited again.
        let (status, user) = scim
            .call(
                Method::POST,
                "/Users",
                Some(json!({"userName": person.email})),
            )
            .await;
        assert_eq!(status, 201, "{user}");
        let (_, link) = api(
            &app,
            Method::POST,
            &format!("/api/orgs/{ORG}/invites/link"),
            &t.admin,
            Some(json!({"role": "member"})),
        )
        .await;
        let secret = secret_of(link["acceptInviteUrl"].as_str().unwrap());
        let (status, _) = api(
            &app,
            Method::PATCH,
            &format!("/api/orgs/{ORG}/invites/{secret}"),
            token,
            None,
        )
        .await;
        assert_eq!(status, 204);
        let (status, removed) = api(
            &app,
            Method::DELETE,
            &format!("/api/orgs/{ORG}/members/{}", person.login),
            &t.admin,
            None,
        )
        .await;
        assert!((200..300).contains(&status), "{removed}");
        let (status, link) = api(
            &app,
            Method::POST,
            &format!("/api/orgs/{ORG}/invites/link"),
            &t.admin,
            Some(json!({"role": "member"})),
        )
        .await;
        assert!((200..300).contains(&status), "{link}");
        let secret = secret_of(link["acceptInviteUrl"].as_str().unwrap());
        let statuses = all_at_once(
            &app,
            vec![
                (
                    Method::PATCH,
                    format!("/api/orgs/{ORG}/invites/{secret}"),
                    token.clone(),
                    None,
                ),
                (
                    Method::PATCH,
                    format!("/scim/v2/{ORG}/Users/{}", person.id),
                    scim.token.clone(),
                    Some(json!({"Operations": [{"op": "replace", "path": "active", "value": false}]})),
                ),
            ],
        )
        .await;
        assert_eq!(statuses[1], 200, "round {round}: {statuses:?}");
        let role = count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM memberships m JOIN organizations o ON o.id = m.org_id \
                 WHERE o.name = '{ORG}' AND m.user_id = '{}'",
                person.id
            ),
        )
        .await;
        assert_eq!(role, 0, "round {round}: {statuses:?}");
    }
    crate::helpers::assert_counts_are_recounts(&app).await;
}

/// A provider speaks for its organization only: provisioning the address of an
/// existing account outside the organization records the user but gives no role (were
/// it made a member, the organization's single sign-on could sign in as its owner).
/// Its owner joins by invitation; from then on the provider manages their role.
async fn an_account_outside_the_organization_joins_by_invitation_not_by_provisioning(
    kind: Database,
) {
    let app = TestApp::with(kind, |s| s).await;
    let t = demo_tokens(&app).await;
    let scim = provider(&app, &t.admin).await;
    let (members, _) = member_count(&app, &t.admin).await;
    let victor = app.sign_up("Victor", "victor@elsewhere.example").await;
    app.verify(&victor).await;
    let squatter = app.sign_up("Not Grace", "grace@corp.example").await;
    for email in ["victor@elsewhere.example", "grace@corp.example"] {
        let (status, user) = scim
            .call(
                Method::POST,
                "/Users",
                Some(json!({"userName": email, "emails": [{"value": email}], "active": true})),
            )
            .await;
        assert_eq!(status, 201, "{user}");
        let id = user["id"].as_str().unwrap().to_owned();
        assert_eq!(role(&scim, &id).await, Value::Null, "{email}");
        // Reactivating changes nothing either.
        scim.call(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({"Operations": [{"op": "replace", "path": "active", "value": true}]})),
        )
        .await;
        assert_eq!(role(&scim, &id).await, Value::Null, "{email}");
    }
    assert_eq!(member_count(&app, &t.admin).await.0, members);
    // Their owners are untouched.
    for (who, email) in [
        (&victor, "victor@elsewhere.example"),
        (&squatter, "grace@corp.example"),
    ] {
        let (status, me) = app.call_as(&who.client, "current_user", &[]).await;
        assert_eq!((status, me["email"].as_str()), (200, Some(email)));
    }

    // Victor accepts an invitation: a member, and from then on the provider's to manage.
    let token = app.token_for(&victor).await;
    let (_, link) = api(
        &app,
        Method::POST,
        &format!("/api/orgs/{ORG}/invites/link"),
        &t.admin,
        Some(json!({"role": "member"})),
    )
    .await;
    let secret = secret_of(link["acceptInviteUrl"].as_str().unwrap());
    let (status, body) = api(
        &app,
        Method::PATCH,
        &format!("/api/orgs/{ORG}/invites/{secret}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, found) = scim
        .call(
            Method::GET,
            "/Users?filter=userName%20eq%20%22victor%40elsewhere.example%22",
            None,
        )
        .await;
    let id = found["Resources"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(role(&scim, &id).await, "member");
    for (active, want) in [(false, Value::Null), (true, json!("member"))] {
        let (status, _) = scim
            .call(
                Method::PATCH,
                &format!("/Users/{id}"),
                Some(json!({"Operations": [{"op": "replace", "path": "active", "value": active}]})),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(role(&scim, &id).await, want, "active {active}");
    }
    crate::helpers::assert_counts_are_recounts(&app).await;
}
