//! The permission proof for the UI's server functions: each one, called as an admin, a
//! member, a billing manager, a signed-in outsider and an anonymous visitor, answers as
//! `purser_core`'s matrix decides for the UI surface. The table must name every
//! registered server function, so a new one without a row fails this test.

use crate::helpers::{new_browser, TestApp};
use crate::on_both_databases;
use purser_core::permissions::allows;
use purser_core::{Action, Role, Surface};
use std::collections::BTreeSet;

on_both_databases!(every_server_function_answers_as_the_matrix_decides);

#[derive(Clone, Copy)]
enum Rule {
    /// Anyone, signed in or not (sign-up, sign-in, previews).
    Public,
    /// Any signed-in account.
    Account,
    /// A role in the organization holding every one of these actions on the UI.
    Org(&'static [Action]),
}

/// A server function's name, the form it is called with, and who may call it.
type Row = (&'static str, Vec<(&'static str, &'static str)>, Rule);

fn table() -> Vec<Row> {
    use Action::*;
    let org = ("org", "acme");
    vec![
        ("current_user", vec![], Rule::Public),
        (
            "sign_up",
            vec![
                ("name", "New"),
                ("email", "not-an-email"),
                ("password", "a long password"),
            ],
            Rule::Public,
        ),
        (
            "sign_in",
            vec![
                ("email", "nobody@example.com"),
                ("password", "a long password"),
            ],
            Rule::Public,
        ),
        ("verify_email", vec![("token", "made-up")], Rule::Public),
        (
            "request_password_reset",
            vec![("email", "nobody@example.com")],
            Rule::Public,
        ),
        (
            "check_password_reset",
            vec![("token", "made-up")],
            Rule::Public,
        ),
        (
            "reset_password",
            vec![("token", "made-up"), ("password", "a long password")],
            Rule::Public,
        ),
        (
            "change_password",
            vec![
                ("current_password", "not the password"),
                ("password", "a long password"),
            ],
            Rule::Account,
        ),
        ("preview_invite", vec![("secret", "made-up")], Rule::Public),
        ("resend_verification", vec![], Rule::Account),
        (
            "create_org",
            vec![("name", "-bad-"), ("display_name", ""), ("edition", "team")],
            Rule::Account,
        ),
        ("list_tokens", vec![], Rule::Account),
        (
            "create_token",
            vec![("description", "proof")],
            Rule::Account,
        ),
        (
            "revoke_token",
            vec![("id", "00000000-0000-0000-0000-000000000000")],
            Rule::Account,
        ),
        ("accept_invite", vec![("secret", "made-up")], Rule::Account),
        ("org_members", vec![org], Rule::Org(&[MembersList])),
        (
            "load_billing",
            vec![org],
            Rule::Org(&[BillingManagersViewNames]),
        ),
        ("load_resources", vec![org], Rule::Org(&[])),
        (
            "invite_by_email",
            vec![org, ("role", "member"), ("emails", "proof@example.com")],
            Rule::Org(&[MembersInvite]),
        ),
        (
            "invite_link",
            vec![org, ("role", "billing-manager")],
            Rule::Org(&[BillingManagersInvite]),
        ),
        (
            "resend_invite",
            vec![org, ("id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[MembersInvite]),
        ),
        (
            "revoke_invite",
            vec![org, ("id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[MembersInvite]),
        ),
        ("load_identity", vec![org], Rule::Org(&[SettingsView])),
        (
            "set_identity_provider",
            vec![org, ("provider", "open")],
            Rule::Org(&[SettingsUpdate]),
        ),
        (
            "add_directory_email",
            vec![org, ("email", "listed@example.com")],
            Rule::Org(&[SettingsUpdate]),
        ),
        (
            "remove_directory_email",
            vec![org, ("email", "listed@example.com")],
            Rule::Org(&[SettingsUpdate]),
        ),
        (
            "update_card",
            vec![
                org,
                ("holder", "P"),
                ("number", "4242424242424242"),
                ("expiry", "12/39"),
                ("cvc", "123"),
            ],
            Rule::Org(&[CreditCardUpdate]),
        ),
        (
            "change_edition",
            vec![org, ("edition", "team")],
            Rule::Org(&[SubscriptionUpdate]),
        ),
        (
            "create_resource",
            vec![org, ("kind", "stack"), ("name", "proof"), ("extra", "dev")],
            Rule::Org(&[StacksCreate]),
        ),
        (
            "revoke_org_token",
            vec![org, ("id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[TokensRevoke]),
        ),
        ("load_audit", vec![org], Rule::Org(&[AuditLogsView])),
        (
            "load_usage",
            vec![org, ("granularity", "month"), ("lookback_days", "90")],
            Rule::Org(&[RumViewSummary]),
        ),
        (
            "load_team",
            vec![org, ("team", "no-such-team")],
            Rule::Org(&[TeamsList, MembersViewNames]),
        ),
        (
            "add_team_member",
            vec![org, ("team", "no-such-team"), ("email", "bob@acme.example")],
            Rule::Org(&[TeamsManage]),
        ),
        (
            "remove_team_member",
            vec![
                org,
                ("team", "no-such-team"),
                ("user_id", "00000000-0000-0000-0000-000000000000"),
            ],
            Rule::Org(&[TeamsManage]),
        ),
        (
            "change_member_role",
            vec![
                org,
                ("user_id", "00000000-0000-0000-0000-000000000000"),
                ("role", "admin"),
            ],
            Rule::Org(&[MembersChangeRole]),
        ),
        // Last: these end a role or a session.
        (
            "remove_member",
            vec![org, ("user_id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[MembersRemove]),
        ),
        (
            "remove_billing_manager",
            vec![org, ("user_id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[BillingManagersRemove]),
        ),
        ("sign_out_everywhere", vec![], Rule::Account),
        ("sign_out", vec![], Rule::Public),
    ]
}

async fn every_server_function_answers_as_the_matrix_decides(app: TestApp) {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/fn/").to_owned())
        .collect();
    let tabled: BTreeSet<String> = table()
        .iter()
        .map(|(name, ..)| (*name).to_owned())
        .collect();
    assert_eq!(
        registered, tabled,
        "every server function needs a row in the proof, and every row a server function"
    );

    purser_server::demo::create(&app.db).await.unwrap();
    let signed_in = |email, password| crate::helpers::signed_in(&app, email, password);
    let outsider = app
        .sign_up("Olivia Outsider", "olivia@example.com")
        .await
        .client;
    let callers: Vec<(&str, Option<Role>, reqwest::Client)> = vec![
        ("anonymous", None, new_browser()),
        ("outsider", None, outsider),
        (
            "billing-manager",
            Some(Role::BillingManager),
            signed_in("dana@acme.example", "dana-demo-password").await,
        ),
        (
            "member",
            Some(Role::Member),
            signed_in("bob@acme.example", "bob-demo-password").await,
        ),
        (
            "admin",
            Some(Role::Admin),
            signed_in("alice@acme.example", "alice-demo-password").await,
        ),
    ];
    for (name, form, rule) in table() {
        for (label, role, client) in &callers {
            let (status, body) = app.call_as(client, name, &form).await;
            let what = format!("{name} as {label}: {status} {body}");
            assert!(status < 500, "{what}");
            match (rule, *label) {
                (Rule::Public, _) => {}
                (_, "anonymous") => assert_eq!(status, 401, "{what}"),
                (Rule::Account, _) => assert!(status != 401 && status != 403, "{what}"),
                (Rule::Org(_), "outsider") => assert_eq!(status, 404, "{what}"),
                (Rule::Org(actions), _) => {
                    let role = role.unwrap();
                    if actions.iter().all(|a| allows(role, *a, Surface::Ui)) {
                        assert!(
                            status != 401 && status != 403,
                            "allowed, so not refused: {what}"
                        );
                    } else {
                        assert_eq!(status, 403, "refused by the matrix: {what}");
                    }
                }
            }
            if *label == "billing-manager" {
                let text = body.to_string();
                for secret in [
                    "Alice Admin",
                    "alice@acme.example",
                    "Bob Builder",
                    "bob@acme.example",
                    "Carol Coder",
                    "carol@acme.example",
                ] {
                    assert!(
                        !text.contains(secret),
                        "{secret} reached a billing manager through {name}: {text}"
                    );
                }
            }
        }
    }
}
