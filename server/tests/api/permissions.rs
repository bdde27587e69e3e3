//! The permission proof: every REST endpoint, called as an admin, a member, a billing
//! manager, a signed-in outsider and an anonymous caller, answers as `purser_core`'s
//! matrix decides (judged by `proof.rs`, shared with the server functions' proof). The
//! table below must list exactly the endpoints of the OpenAPI document, so a new
//! endpoint without a row fails this test.

use crate::helpers::{api, TestApp};
use crate::on_both_databases;
use crate::proof::{assert_no_member_details, judge, Rule, CALLERS};
use purser_core::{Action, Surface};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

on_both_databases!(every_endpoint_answers_as_the_matrix_decides);

struct Endpoint {
    method: Method,
    /// As the OpenAPI document writes it.
    path: &'static str,
    /// `{caller}` in it becomes the caller's label, so two allowed callers create two
    /// things.
    body: Option<Value>,
    rule: Rule,
    /// What an allowed caller gets: statuses the document lists for the operation.
    allowed: &'static [u16],
}

fn endpoints() -> Vec<Endpoint> {
    use Action::*;
    let e = |method: Method,
             path: &'static str,
             body: Option<Value>,
             rule: Rule,
             allowed: &'static [u16]| {
        Endpoint {
            method,
            path,
            body,
            rule,
            allowed,
        }
    };
    vec![
        e(Method::GET, "/api/user", None, Rule::Account, &[200]),
        e(Method::GET, "/api/user/tokens", None, Rule::Account, &[200]),
        e(
            Method::POST,
            "/api/user/tokens",
            Some(json!({"description": "proof"})),
            Rule::Account,
            &[200],
        ),
        e(
            Method::DELETE,
            "/api/user/tokens/{id}",
            None,
            Rule::Account,
            // Nobody's token: someone else's is as unknown as a made-up one.
            &[404],
        ),
        e(
            Method::GET,
            "/api/user/pending-invites",
            None,
            Rule::Account,
            &[200],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/metadata",
            None,
            Rule::Org(&[MembersViewCount]),
            &[200],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/members",
            None,
            Rule::Org(&[MembersList]),
            &[200],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/invites",
            None,
            Rule::Org(&[MembersInvite, BillingManagersInvite]),
            &[200],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/invites/batch",
            Some(json!({"invites": [{"email": "proof@example.com", "role": "member"}]})),
            Rule::Org(&[MembersInvite]),
            &[200],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/invites/link",
            Some(json!({"role": "member"})),
            Rule::Org(&[MembersInvite]),
            &[200],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/invites/{id}",
            None,
            Rule::Account,
            // `{id}` is the demo's invitation, addressed to none of the callers.
            &[404],
        ),
        e(
            Method::PATCH,
            "/api/orgs/{org}/invites/{id}",
            None,
            Rule::Account,
            // `{id}` is the demo's invitation, addressed to none of the callers.
            &[404],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/invites/{id}/resend",
            None,
            Rule::Org(&[BillingManagersInvite]),
            &[204],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/billing-managers",
            None,
            Rule::Org(&[BillingManagersViewNames]),
            &[200],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/identity-provider",
            None,
            Rule::Org(&[SettingsView]),
            &[200],
        ),
        e(
            Method::PUT,
            "/api/orgs/{org}/identity-provider",
            Some(json!({"identityProvider": "open"})),
            Rule::Org(&[SettingsConfigureIdentityProvider]),
            &[204],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/identity-provider/emails",
            Some(json!({"email": "listed@example.com"})),
            Rule::Org(&[SettingsUpdate]),
            &[201],
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/identity-provider/emails/{email}",
            None,
            Rule::Org(&[SettingsUpdate]),
            &[204],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/auditlogs",
            None,
            Rule::Org(&[AuditLogsView]),
            &[200],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/billing/payment-method",
            None,
            Rule::Org(&[CreditCardView]),
            &[200],
        ),
        e(
            Method::PUT,
            "/api/orgs/{org}/billing/payment-method",
            Some(
                json!({"holder": "P", "number": "4242424242424242", "expiry": "12/39", "cvc": "123"}),
            ),
            Rule::Org(&[CreditCardUpdate]),
            &[200],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/billing/subscription",
            None,
            Rule::Org(&[SubscriptionView]),
            &[200],
        ),
        e(
            Method::PATCH,
            "/api/orgs/{org}/billing/subscription",
            Some(json!({"edition": "team"})),
            Rule::Org(&[SubscriptionUpdate]),
            &[200],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/billing/payments",
            None,
            Rule::Org(&[PaymentsView]),
            &[200],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/stacks",
            None,
            Rule::Org(&[StacksList]),
            &[200],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/stacks",
            Some(json!({"project": "proof", "name": "{caller}"})),
            Rule::Org(&[StacksCreate]),
            &[201],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/stacks/{project}/{stack}/updates",
            Some(json!({"resourceCount": 3})),
            Rule::Org(&[StacksUpdate]),
            &[201],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/resources/summary",
            None,
            Rule::Org(&[RumViewSummary]),
            &[200],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/teams",
            None,
            Rule::Org(&[TeamsList]),
            &[200],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/teams",
            Some(json!({"name": "platform"})),
            Rule::Org(&[TeamsCreate]),
            &[201],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/teams/{team}",
            None,
            Rule::Org(&[TeamsList, MembersViewNames]),
            &[200],
        ),
        e(
            Method::PATCH,
            "/api/orgs/{org}/teams/{team}",
            Some(json!({"newDescription": "proof"})),
            Rule::Org(&[TeamsManage]),
            &[204],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/teams/{team}/members",
            Some(json!({"userId": "nobody"})),
            Rule::Org(&[TeamsManage]),
            // Nobody is not a member.
            &[404],
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/teams/{team}/members/{userId}",
            None,
            Rule::Org(&[TeamsManage]),
            &[204],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/tokens",
            None,
            Rule::Org(&[TokensList]),
            &[200],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/tokens",
            Some(json!({"name": "ci"})),
            Rule::Org(&[TokensCreate]),
            &[200],
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/tokens/{id}",
            None,
            Rule::Org(&[TokensRevoke]),
            // A made-up token.
            &[404],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/scim-tokens",
            None,
            Rule::Org(&[SettingsConfigureIdentityProvider]),
            &[200],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/scim-tokens",
            Some(json!({"description": "Okta"})),
            Rule::Org(&[SettingsConfigureIdentityProvider]),
            &[201],
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/scim-tokens/{id}",
            None,
            Rule::Org(&[SettingsConfigureIdentityProvider]),
            // A made-up token.
            &[404],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/policygroups",
            None,
            Rule::Org(&[PolicyGroupsList]),
            &[200],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/policygroups",
            Some(json!({"name": "baseline", "entityType": "stacks"})),
            Rule::Org(&[PolicyGroupsManage]),
            &[204],
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/policypacks",
            None,
            Rule::Org(&[PolicyPacksList]),
            &[200],
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/policypacks",
            Some(json!({"name": "aws-guard", "displayName": "AWS guard", "policies": [{}]})),
            Rule::Org(&[PolicyPacksManage]),
            &[201],
        ),
        e(
            Method::PATCH,
            "/api/orgs/{org}/members/{userLogin}",
            Some(json!({"role": "admin"})),
            Rule::Org(&[MembersChangeRole]),
            &[204],
        ),
        // Destructive ones last: they end the billing manager's and a member's roles.
        e(
            Method::DELETE,
            "/api/orgs/{org}/invites/{id}",
            None,
            Rule::Org(&[BillingManagersInvite]),
            &[204],
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/billing-managers/{userId}",
            None,
            Rule::Org(&[BillingManagersRemove]),
            &[204],
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/members/{userLogin}",
            None,
            Rule::Org(&[MembersRemove]),
            &[204],
        ),
    ]
}

async fn every_endpoint_answers_as_the_matrix_decides(app: TestApp) {
    let demo = crate::helpers::demo_tokens(&app).await;
    let token = |role: &str| demo.of(role);
    let (admin, member, bm) = (token("admin"), token("member"), token("billing-manager"));
    let outsider = crate::helpers::verified_users(&app, "outsider", 1)
        .await
        .remove(0)
        .1;

    // Values for the path parameters.
    let (_, members) = api(&app, Method::GET, "/api/orgs/acme/members", &admin, None).await;
    let user_id = |name: &str| {
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user"]["name"] == name)
            .unwrap()["userId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (_, bms) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/billing-managers",
        &admin,
        None,
    )
    .await;
    let dana = bms["billingManagers"][0]["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, invites) = api(&app, Method::GET, "/api/orgs/acme/invites", &admin, None).await;
    let invitation = invites["invites"][0]["id"].as_str().unwrap().to_owned();
    let bob = user_id("Bob Builder");
    let carol = user_id("Carol Coder");
    // Pulumi's paths name people by login (the demo's are made from their addresses).
    let login_of = |id: &str| -> &'static str {
        match id {
            id if id == carol => "carol",
            id if id == bob => "bob",
            _ => "dana",
        }
    };

    // The table covers the OpenAPI document exactly.
    let (_, doc) = app.api_get("/api/openapi.json", None).await;
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let tabled: BTreeSet<(String, String)> = endpoints()
        .iter()
        .map(|e| (e.method.to_string(), e.path.to_owned()))
        .collect();
    let openapi = ("GET".to_owned(), "/api/openapi.json".to_owned());
    assert_eq!(
        documented
            .iter()
            .filter(|e| **e != openapi)
            .cloned()
            .collect::<BTreeSet<_>>(),
        tabled,
        "every documented endpoint needs a row in the permission proof, and every row an endpoint"
    );

    let token_of = |label: &str| match label {
        "outsider" => Some(outsider.clone()),
        "billing-manager" => Some(bm.clone()),
        "member" => Some(member.clone()),
        "admin" => Some(admin.clone()),
        _ => None,
    };
    let mut billing_manager_answers = Vec::new();
    // Callers whose role a destructive row has ended: from then on they are outsiders.
    let mut gone: BTreeSet<&str> = BTreeSet::new();
    for endpoint in endpoints() {
        let documented_statuses = doc["paths"][endpoint.path]
            [endpoint.method.as_str().to_lowercase()]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>();
        for status in endpoint.allowed {
            assert!(
                documented_statuses.contains(&status.to_string()),
                "{} {}: {status} is not a documented answer ({documented_statuses:?})",
                endpoint.method,
                endpoint.path,
            );
        }
        let user_param = if endpoint.path.contains("billing-managers") {
            dana.clone()
        } else if endpoint.path.contains("/members/")
            && (endpoint.path.contains("teams") || endpoint.method == Method::PATCH)
        {
            // Carol, not Bob: Bob is the member caller, and this row makes its target
            // an admin.
            carol.clone()
        } else {
            bob.clone()
        };
        let path = endpoint
            .path
            .replace("{org}", "acme")
            .replace(
                "{id}",
                if endpoint.path.contains("invites") {
                    &invitation
                } else {
                    "00000000-0000-0000-0000-000000000000"
                },
            )
            .replace("{userId}", &user_param)
            .replace("{userLogin}", login_of(&user_param))
            .replace("{email}", "listed@example.com")
            .replace("{team}", "platform")
            .replace("{project}", "website")
            .replace("{stack}", "production");
        for (label, role) in CALLERS {
            let body = endpoint
                .body
                .as_ref()
                .map(|b| serde_json::from_str(&b.to_string().replace("{caller}", label)).unwrap());
            let (status, answer) = match token_of(label) {
                Some(t) => api(&app, endpoint.method.clone(), &path, &t, body).await,
                None => {
                    let mut req =
                        crate::helpers::client().request(endpoint.method.clone(), app.url(&path));
                    if let Some(b) = &body {
                        req = req.json(b);
                    }
                    let res = req.send().await.unwrap();
                    (
                        res.status().as_u16(),
                        res.json().await.unwrap_or(Value::Null),
                    )
                }
            };
            let what = format!("{} {path} as {label}: {status} {answer}", endpoint.method);
            let role = if gone.contains(label) { None } else { role };
            judge(
                Surface::Api,
                endpoint.rule,
                label,
                role,
                status,
                endpoint.allowed,
                &what,
            );
            if label == "billing-manager" {
                billing_manager_answers.push((what.clone(), answer.to_string()));
            }
            if label == "admin"
                && endpoint.path.ends_with("/billing-managers/{userId}")
                && status == 204
            {
                gone.insert("billing-manager");
            }
        }
    }

    // Nothing a billing manager can get carries a member's name or email.
    for (what, answer) in &billing_manager_answers {
        assert_no_member_details(answer, what);
    }
}
