//! The permission proof: every REST endpoint, called as an admin, a member, a billing
//! manager, a signed-in outsider and an anonymous caller, answers as `purser_core`'s
//! matrix decides. The table below must list exactly the endpoints of the OpenAPI
//! document, so a new endpoint without a row fails this test.

use crate::helpers::{api, TestApp};
use crate::on_both_databases;
use purser_core::permissions::allows;
use purser_core::{Action, Role, Surface};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

on_both_databases!(every_endpoint_answers_as_the_matrix_decides);

/// Who may call an endpoint.
#[derive(Clone, Copy)]
enum Rule {
    /// Any signed-in account (the account's own things, or accepting an invitation).
    Account,
    /// A role in the organization that holds every one of these actions on the API.
    Org(&'static [Action]),
}

struct Endpoint {
    method: Method,
    /// As the OpenAPI document writes it.
    path: &'static str,
    body: Option<Value>,
    rule: Rule,
}

fn endpoints() -> Vec<Endpoint> {
    use Action::*;
    let e = |method: Method, path: &'static str, body: Option<Value>, rule: Rule| Endpoint {
        method,
        path,
        body,
        rule,
    };
    vec![
        e(Method::GET, "/api/user", None, Rule::Account),
        e(Method::GET, "/api/user/tokens", None, Rule::Account),
        e(
            Method::POST,
            "/api/user/tokens",
            Some(json!({"description": "proof"})),
            Rule::Account,
        ),
        e(Method::DELETE, "/api/user/tokens/{id}", None, Rule::Account),
        e(
            Method::GET,
            "/api/user/pending-invites",
            None,
            Rule::Account,
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/metadata",
            None,
            Rule::Org(&[MembersViewCount]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/members",
            None,
            Rule::Org(&[MembersList]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/invites",
            None,
            Rule::Org(&[MembersInvite, BillingManagersInvite]),
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/invites/batch",
            Some(json!({"emails": ["proof@example.com"], "role": "member"})),
            Rule::Org(&[MembersInvite]),
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/invites/link",
            Some(json!({"role": "billing-manager"})),
            Rule::Org(&[BillingManagersInvite]),
        ),
        e(
            Method::PATCH,
            "/api/orgs/{org}/invites/{id}",
            None,
            Rule::Account,
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/invites/{id}/resend",
            None,
            Rule::Org(&[BillingManagersInvite]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/billing-managers",
            None,
            Rule::Org(&[BillingManagersViewNames]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/identity-provider",
            None,
            Rule::Org(&[SettingsView]),
        ),
        e(
            Method::PUT,
            "/api/orgs/{org}/identity-provider",
            Some(json!({"identityProvider": "open"})),
            Rule::Org(&[SettingsUpdate]),
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/identity-provider/emails",
            Some(json!({"email": "listed@example.com"})),
            Rule::Org(&[SettingsUpdate]),
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/identity-provider/emails/{email}",
            None,
            Rule::Org(&[SettingsUpdate]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/auditlogs",
            None,
            Rule::Org(&[AuditLogsView]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/billing/payment-method",
            None,
            Rule::Org(&[CreditCardView]),
        ),
        e(
            Method::PUT,
            "/api/orgs/{org}/billing/payment-method",
            Some(
                json!({"holder": "P", "number": "4242424242424242", "expiry": "12/39", "cvc": "123"}),
            ),
            Rule::Org(&[CreditCardUpdate]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/billing/subscription",
            None,
            Rule::Org(&[SubscriptionView]),
        ),
        e(
            Method::PATCH,
            "/api/orgs/{org}/billing/subscription",
            Some(json!({"edition": "team"})),
            Rule::Org(&[SubscriptionUpdate]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/billing/payments",
            None,
            Rule::Org(&[PaymentsView]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/stacks",
            None,
            Rule::Org(&[StacksList]),
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/stacks",
            Some(json!({"project": "proof", "name": "dev"})),
            Rule::Org(&[StacksCreate]),
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/stacks/{project}/{stack}/updates",
            Some(json!({"resourceCount": 3})),
            Rule::Org(&[StacksUpdate]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/resources/summary",
            None,
            Rule::Org(&[RumViewSummary]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/teams",
            None,
            Rule::Org(&[TeamsList]),
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/teams",
            Some(json!({"name": "platform"})),
            Rule::Org(&[TeamsCreate]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/teams/{team}",
            None,
            Rule::Org(&[TeamsList, MembersViewNames]),
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/teams/{team}/members",
            Some(json!({"userId": "nobody"})),
            Rule::Org(&[TeamsManage]),
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/teams/{team}/members/{userId}",
            None,
            Rule::Org(&[TeamsManage]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/tokens",
            None,
            Rule::Org(&[TokensList]),
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/tokens",
            Some(json!({"name": "ci"})),
            Rule::Org(&[TokensCreate]),
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/tokens/{id}",
            None,
            Rule::Org(&[TokensRevoke]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/policygroups",
            None,
            Rule::Org(&[PolicyGroupsList]),
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/policygroups",
            Some(json!({"name": "baseline"})),
            Rule::Org(&[PolicyGroupsManage]),
        ),
        e(
            Method::GET,
            "/api/orgs/{org}/policypacks",
            None,
            Rule::Org(&[PolicyPacksList]),
        ),
        e(
            Method::POST,
            "/api/orgs/{org}/policypacks",
            Some(json!({"name": "aws-guard"})),
            Rule::Org(&[PolicyPacksManage]),
        ),
        e(
            Method::PATCH,
            "/api/orgs/{org}/members/{userId}",
            Some(json!({"role": "admin"})),
            Rule::Org(&[MembersChangeRole]),
        ),
        // Destructive ones last: they end the billing manager's and a member's roles.
        e(
            Method::DELETE,
            "/api/orgs/{org}/invites/{id}",
            None,
            Rule::Org(&[BillingManagersInvite]),
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/billing-managers/{userId}",
            None,
            Rule::Org(&[BillingManagersRemove]),
        ),
        e(
            Method::DELETE,
            "/api/orgs/{org}/members/{userId}",
            None,
            Rule::Org(&[MembersRemove]),
        ),
    ]
}

struct Caller {
    label: &'static str,
    role: Option<Role>,
    token: Option<String>,
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
            .find(|m| m["name"] == name)
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

    let callers = [
        Caller {
            label: "anonymous",
            role: None,
            token: None,
        },
        Caller {
            label: "outsider",
            role: None,
            token: Some(outsider),
        },
        Caller {
            label: "billing-manager",
            role: Some(Role::BillingManager),
            token: Some(bm),
        },
        Caller {
            label: "member",
            role: Some(Role::Member),
            token: Some(member),
        },
        Caller {
            label: "admin",
            role: Some(Role::Admin),
            token: Some(admin),
        },
    ];
    let mut billing_manager_answers = Vec::new();
    // Callers whose role a destructive row has ended: from then on they are outsiders.
    let mut gone: BTreeSet<&str> = BTreeSet::new();
    for endpoint in endpoints() {
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
            .replace("{invite}", "not-a-real-secret")
            .replace(
                "{id}",
                if endpoint.path.contains("invites") {
                    &invitation
                } else {
                    "00000000-0000-0000-0000-000000000000"
                },
            )
            .replace("{userId}", &user_param)
            .replace("{email}", "listed@example.com")
            .replace("{team}", "platform")
            .replace("{project}", "website")
            .replace("{stack}", "production");
        for caller in &callers {
            let (status, body) = match &caller.token {
                Some(t) => {
                    api(
                        &app,
                        endpoint.method.clone(),
                        &path,
                        t,
                        endpoint.body.clone(),
                    )
                    .await
                }
                None => {
                    let mut req =
                        crate::helpers::client().request(endpoint.method.clone(), app.url(&path));
                    if let Some(b) = &endpoint.body {
                        req = req.json(b);
                    }
                    let res = req.send().await.unwrap();
                    (
                        res.status().as_u16(),
                        res.json().await.unwrap_or(Value::Null),
                    )
                }
            };
            let what = format!(
                "{} {path} as {}: {status} {body}",
                endpoint.method, caller.label
            );
            let label = if gone.contains(caller.label) {
                "outsider"
            } else {
                caller.label
            };
            match (label, endpoint.rule) {
                ("anonymous", _) => assert_eq!(status, 401, "{what}"),
                (_, Rule::Account) => {
                    assert!(status != 401 && status != 403 && status < 500, "{what}")
                }
                ("outsider", Rule::Org(_)) => assert_eq!(status, 404, "{what}"),
                (_, Rule::Org(actions)) => {
                    let role = caller.role.unwrap();
                    if actions.iter().all(|a| allows(role, *a, Surface::Api)) {
                        assert!(
                            status != 401 && status != 403 && status < 500,
                            "allowed, so not refused: {what}"
                        );
                    } else {
                        assert_eq!(status, 403, "refused by the matrix: {what}");
                    }
                }
            }
            if caller.label == "billing-manager" {
                billing_manager_answers.push(body.to_string());
            }
            if caller.label == "admin"
                && endpoint.path.ends_with("/billing-managers/{userId}")
                && status == 204
            {
                gone.insert("billing-manager");
            }
        }
    }

    // Nothing a billing manager can get carries a member's name or email.
    for answer in &billing_manager_answers {
        for secret in [
            "Alice Admin",
            "alice@acme.example",
            "Bob Builder",
            "bob@acme.example",
            "Carol Coder",
            "carol@acme.example",
        ] {
            assert!(
                !answer.contains(secret),
                "{secret} reached a billing manager: {answer}"
            );
        }
    }
}
