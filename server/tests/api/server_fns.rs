//! The permission proof for the UI's server functions: each one, called as an admin, a
//! member, a billing manager, a signed-in outsider and an anonymous visitor, answers as
//! `purser_core`'s matrix decides for the UI surface (judged by `proof.rs`, shared with
//! the REST proof). The table must name every registered server function, so a new one
//! without a row fails this test.

use crate::helpers::{new_browser, TestApp};
use crate::on_both_databases;
use crate::proof::{assert_no_member_details, judge, Rule, CALLERS};
use purser_core::{Action, Surface};
use std::collections::BTreeSet;

on_both_databases!(every_server_function_answers_as_the_matrix_decides);

/// A server function's name, the form it is called with (`{caller}` in a value
/// becomes the caller's label), who may call it, and what an allowed caller gets.
type Row = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    Rule,
    &'static [u16],
);

fn table() -> Vec<Row> {
    use Action::*;
    let org = ("org", "acme");
    vec![
        ("current_user", vec![], Rule::Public, &[200]),
        (
            "sign_up",
            vec![
                ("name", "New"),
                ("email", "not-an-email"),
                ("password", "a long password"),
            ],
            Rule::Public,
            &[422],
        ),
        (
            "sign_in",
            vec![
                ("email", "nobody@example.com"),
                ("password", "a long password"),
            ],
            Rule::Public,
            &[401],
        ),
        (
            "check_verification",
            vec![("token", "made-up")],
            Rule::Public,
            &[200, 404],
        ),
        (
            "verify_email",
            vec![("token", "made-up")],
            Rule::Account,
            &[404],
        ),
        (
            "request_password_reset",
            vec![("email", "nobody@example.com")],
            Rule::Public,
            &[200],
        ),
        (
            "check_password_reset",
            vec![("token", "made-up")],
            Rule::Public,
            &[404],
        ),
        (
            "reset_password",
            vec![("token", "made-up"), ("password", "a long password")],
            Rule::Public,
            &[404],
        ),
        (
            "change_password",
            vec![
                ("current_password", "not the password"),
                ("password", "a long password"),
            ],
            Rule::Account,
            &[422],
        ),
        (
            "preview_invite",
            vec![("secret", "made-up")],
            Rule::Public,
            &[404],
        ),
        ("resend_verification", vec![], Rule::Account, &[200, 409]),
        (
            "create_org",
            vec![("name", "-bad-"), ("display_name", ""), ("edition", "team")],
            Rule::Account,
            &[422],
        ),
        ("list_tokens", vec![], Rule::Account, &[200]),
        (
            "create_token",
            vec![("description", "proof")],
            Rule::Account,
            &[200],
        ),
        (
            "revoke_token",
            vec![("id", "00000000-0000-0000-0000-000000000000")],
            Rule::Account,
            &[404],
        ),
        (
            "accept_invite",
            vec![("secret", "made-up")],
            Rule::Account,
            &[404],
        ),
        ("my_invitations", vec![], Rule::Account, &[200]),
        (
            "accept_invitation",
            vec![org, ("id", "00000000-0000-0000-0000-000000000000")],
            Rule::Account,
            &[404],
        ),
        ("org_members", vec![org], Rule::Org(&[MembersList]), &[200]),
        (
            "load_billing",
            vec![org],
            Rule::Org(&[BillingManagersViewNames]),
            &[200],
        ),
        (
            "load_resources",
            vec![org, ("section", "stacks")],
            Rule::Org(&[]),
            &[200],
        ),
        (
            "invite_by_email",
            vec![org, ("role", "member"), ("emails", "proof@example.com")],
            Rule::Org(&[MembersInvite]),
            &[200],
        ),
        (
            "invite_link",
            vec![org, ("role", "member")],
            Rule::Org(&[MembersInvite]),
            &[200],
        ),
        (
            "resend_invite",
            vec![org, ("id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[MembersInvite]),
            &[404],
        ),
        (
            "revoke_invite",
            vec![org, ("id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[MembersInvite]),
            &[404],
        ),
        (
            "load_identity",
            vec![org],
            Rule::Org(&[SettingsView]),
            &[200],
        ),
        (
            "set_identity_provider",
            vec![org, ("provider", "open")],
            Rule::Org(&[SettingsConfigureIdentityProvider]),
            &[200],
        ),
        (
            "save_oidc",
            vec![
                org,
                ("issuer", "not a URL"),
                ("client_id", "purser"),
                ("client_secret", "secret"),
                ("join_as", "none"),
                ("groups_claim", ""),
                ("teams_from_groups", ""),
                ("lifetime_hours", "24"),
                ("recovery_admin", ""),
            ],
            Rule::Org(&[SettingsConfigureIdentityProvider]),
            &[422],
        ),
        (
            "create_scim_token",
            vec![org, ("description", "Okta")],
            Rule::Org(&[SettingsConfigureIdentityProvider]),
            &[200],
        ),
        (
            "revoke_scim_token",
            vec![org, ("id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[SettingsConfigureIdentityProvider]),
            &[404],
        ),
        (
            "add_directory_email",
            vec![org, ("email", "listed@example.com")],
            Rule::Org(&[SettingsUpdate]),
            &[200],
        ),
        (
            "remove_directory_email",
            vec![org, ("email", "listed@example.com")],
            Rule::Org(&[SettingsUpdate]),
            &[200],
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
            &[200],
        ),
        // (The test server's processor is the built-in one: Stripe's steps are refused
        // with 409 to those who may update the card, as the matrix refuses the rest.)
        (
            "begin_card_setup",
            vec![org],
            Rule::Org(&[CreditCardUpdate]),
            &[409],
        ),
        (
            "finish_card_setup",
            vec![org, ("setup_intent", "seti_123")],
            Rule::Org(&[CreditCardUpdate]),
            &[409],
        ),
        (
            "begin_payment_authentication",
            vec![org, ("payment", "p")],
            Rule::Org(&[CreditCardUpdate]),
            &[409],
        ),
        (
            "finish_payment_authentication",
            vec![org, ("payment", "p")],
            Rule::Org(&[CreditCardUpdate]),
            &[409],
        ),
        (
            "change_edition",
            vec![org, ("edition", "team")],
            Rule::Org(&[SubscriptionUpdate]),
            &[200],
        ),
        (
            "create_resource",
            vec![
                org,
                ("kind", "stack"),
                ("name", "proof"),
                ("extra", "{caller}"),
            ],
            Rule::Org(&[StacksCreate]),
            &[200],
        ),
        (
            "revoke_org_token",
            vec![org, ("id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[TokensRevoke]),
            &[404],
        ),
        ("load_audit", vec![org], Rule::Org(&[AuditLogsView]), &[200]),
        (
            "load_usage",
            vec![org, ("granularity", "month"), ("lookback_days", "90")],
            Rule::Org(&[RumViewSummary]),
            &[200],
        ),
        (
            "create_resource",
            vec![org, ("kind", "team"), ("name", "platform"), ("extra", "")],
            Rule::Org(&[TeamsCreate]),
            &[200],
        ),
        (
            "load_team",
            vec![org, ("team", "platform")],
            Rule::Org(&[TeamsList, MembersViewNames]),
            &[200],
        ),
        (
            "add_team_member",
            vec![org, ("team", "platform"), ("email", "bob@acme.example")],
            Rule::Org(&[TeamsManage]),
            &[200],
        ),
        (
            "remove_team_member",
            vec![
                org,
                ("team", "platform"),
                ("user_id", "00000000-0000-0000-0000-000000000000"),
            ],
            Rule::Org(&[TeamsManage]),
            &[404],
        ),
        (
            "change_member_role",
            vec![
                org,
                ("user_id", "00000000-0000-0000-0000-000000000000"),
                ("role", "admin"),
            ],
            Rule::Org(&[MembersChangeRole]),
            &[404],
        ),
        // Last: these end a role or a session.
        (
            "remove_member",
            vec![org, ("user_id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[MembersRemove]),
            &[404],
        ),
        (
            "remove_billing_manager",
            vec![org, ("user_id", "00000000-0000-0000-0000-000000000000")],
            Rule::Org(&[BillingManagersRemove]),
            &[404],
        ),
        ("sign_out_everywhere", vec![], Rule::Account, &[200]),
        ("sign_out", vec![], Rule::Public, &[200]),
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

    purser_services::demo::create(&app.db).await.unwrap();
    let signed_in = |email, password| crate::helpers::signed_in(&app, email, password);
    // (Verified, as any account that has been around: some functions need it.)
    let olivia = app.sign_up("Olivia Outsider", "olivia@example.com").await;
    app.verify(&olivia).await;
    let outsider = olivia.client;
    let mut clients = vec![
        new_browser(),
        outsider,
        signed_in("dana@acme.example", "dana-demo-password").await,
        signed_in("bob@acme.example", "bob-demo-password").await,
        signed_in("alice@acme.example", "alice-demo-password").await,
    ]
    .into_iter();
    let callers: Vec<_> = CALLERS
        .into_iter()
        .map(|(label, role)| (label, role, clients.next().unwrap()))
        .collect();
    for (name, form, rule, allowed) in table() {
        for (label, role, client) in &callers {
            let form: Vec<(&str, String)> = form
                .iter()
                .map(|(k, v)| (*k, v.replace("{caller}", label)))
                .collect();
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, body) = app.call_as(client, name, &form).await;
            let what = format!("{name} as {label}: {status} {body}");
            judge(Surface::Ui, rule, label, *role, status, allowed, &what);
            if *label == "billing-manager" {
                assert_no_member_details(&body.to_string(), name);
            }
        }
    }
}
