//! Pulumi's wire format: every operation Purser shares with Pulumi Cloud's REST API,
//! called as Pulumi's clients call it (their bodies, query values and extra fields),
//! answers with the fields Pulumi's description requires, of the types it gives
//! (int64 where Pulumi has integers: `1176.0` would fail a Go client). Written from
//! reading Pulumi's published OpenAPI document; the document itself is not here.

use crate::helpers::{all_at_once, api, demo_tokens, secret_of, TestApp};
use crate::on_both_databases;
use reqwest::Method;
use serde_json::{json, Value};

on_both_databases!(
    the_account_and_its_tokens_speak_pulumi,
    members_and_metadata_speak_pulumi,
    invitations_speak_pulumi,
    audit_log_and_usage_speak_pulumi,
    teams_org_tokens_and_policies_speak_pulumi,
    lists_pulumi_reads_whole_come_whole_up_to_a_thousand
);

/// A JSON type, as Pulumi's schema names it.
#[derive(Clone, Copy, Debug)]
enum T {
    Str,
    Int,
    Bool,
    Arr,
    Obj,
}

/// Fails unless `value` has each field, of its type.
fn shape(value: &Value, fields: &[(&str, T)], what: &str) {
    for (name, kind) in fields {
        let field = value
            .get(name)
            .unwrap_or_else(|| panic!("{what}: no `{name}` in {value}"));
        let ok = match kind {
            T::Str => field.is_string(),
            T::Int => field.is_i64() || field.is_u64(),
            T::Bool => field.is_boolean(),
            T::Arr => field.is_array(),
            T::Obj => field.is_object(),
        };
        assert!(ok, "{what}: `{name}` is not {kind:?}: {field}");
    }
}

/// Pulumi's `UserInfo`.
fn user_info(value: &Value, what: &str) {
    shape(
        value,
        &[
            ("name", T::Str),
            ("githubLogin", T::Str),
            ("avatarUrl", T::Str),
        ],
        what,
    );
}

/// Pulumi's `AccessToken`.
fn access_token(value: &Value, what: &str) {
    shape(
        value,
        &[
            ("admin", T::Bool),
            ("created", T::Str),
            ("createdBy", T::Str),
            ("description", T::Str),
            ("expires", T::Int),
            ("id", T::Str),
            ("lastUsed", T::Int),
            ("name", T::Str),
        ],
        what,
    );
}

/// Pulumi's `PendingOrganizationInvite`.
fn pending_invite(value: &Value, what: &str) {
    shape(
        value,
        &[
            ("acceptInviteUrl", T::Str),
            ("email", T::Str),
            ("id", T::Str),
            ("role", T::Str),
            ("sentAt", T::Int),
            ("sentBy", T::Obj),
            ("status", T::Str),
        ],
        what,
    );
    user_info(&value["sentBy"], what);
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn the_account_and_its_tokens_speak_pulumi(app: TestApp) {
    let tokens = demo_tokens(&app).await;
    let admin = tokens.admin;

    let (status, user) = api(&app, Method::GET, "/api/user", &admin, None).await;
    assert_eq!(status, 200, "{user}");
    shape(
        &user,
        &[
            ("avatarUrl", T::Str),
            ("email", T::Str),
            ("githubLogin", T::Str),
            ("hasMFA", T::Bool),
            ("id", T::Str),
            ("identities", T::Arr),
            ("isManagedByMultiOrg", T::Bool),
            ("isOrgManaged", T::Bool),
            ("name", T::Str),
            ("organizations", T::Arr),
        ],
        "GetCurrentUser",
    );
    assert_eq!(user["githubLogin"], "alice");
    let org = &user["organizations"][0];
    shape(
        org,
        &[
            ("avatarUrl", T::Str),
            ("githubLogin", T::Str),
            ("name", T::Str),
            ("role", T::Str),
        ],
        "OrganizationSummaryWithRole",
    );
    assert_eq!(org["githubLogin"], "acme");
    assert_eq!(org["role"], "admin");

    // CreatePersonalToken, as the Pulumi CLI sends it.
    let expires = now_secs() + 3600;
    let (status, created) = api(
        &app,
        Method::POST,
        "/api/user/tokens?reason=ci",
        &admin,
        Some(json!({"description": "ci", "expires": expires})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    shape(
        &created,
        &[("id", T::Str), ("tokenValue", T::Str)],
        "CreateAccessTokenResponse",
    );
    let value = created["tokenValue"].as_str().unwrap().to_owned();
    let (status, _) = api(&app, Method::GET, "/api/user", &value, None).await;
    assert_eq!(status, 200, "a new token works");

    let (status, list) = api(
        &app,
        Method::GET,
        "/api/user/tokens?filter=all&maxResults=100",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let listed = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == created["id"])
        .unwrap_or_else(|| panic!("the new token is listed: {list}"));
    access_token(listed, "ListPersonalTokens");
    assert_eq!(listed["expires"], expires, "expiry in Unix seconds");
    assert!(
        listed["lastUsed"].as_i64().unwrap() >= now_secs() - 60,
        "{listed}"
    );
    assert_eq!(listed["createdBy"], "alice");

    // An expiry in the past is refused; an expired token stops working.
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/user/tokens",
        &admin,
        Some(json!({"description": "old", "expires": now_secs() - 1})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    sqlx::query("UPDATE personal_access_tokens SET expires_at = $1 WHERE id = $2")
        .bind(purser_services::storage::db::now_ms() - 1)
        .bind(created["id"].as_str().unwrap())
        .execute(&app.db)
        .await
        .unwrap();
    let (status, _) = api(&app, Method::GET, "/api/user", &value, None).await;
    assert_eq!(status, 401, "an expired token is refused");
    let (_, active) = api(&app, Method::GET, "/api/user/tokens", &admin, None).await;
    assert!(
        !active.to_string().contains(created["id"].as_str().unwrap()),
        "active tokens only by default: {active}"
    );
    let (_, expired) = api(
        &app,
        Method::GET,
        "/api/user/tokens?filter=expired",
        &admin,
        None,
    )
    .await;
    assert_eq!(expired["tokens"][0]["id"], created["id"], "{expired}");

    let path = format!("/api/user/tokens/{}", created["id"].as_str().unwrap());
    let (status, _) = api(&app, Method::DELETE, &path, &admin, None).await;
    assert_eq!(status, 204);

    // ListUserOrgInvites: the demo's pending invitation is to an address without an
    // account; an invitation to Bob's address shows up on his list.
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/batch",
        &admin,
        Some(json!({"invites": [{"email": "zoe@example.com", "role": "member"}]})),
    )
    .await;
    assert_eq!(status, 200);
    let zoe = crate::helpers::verified_users(&app, "zoe", 1)
        .await
        .remove(0);
    sqlx::query("UPDATE users SET email = 'zoe@example.com' WHERE id = $1")
        .bind(&zoe.0.id)
        .execute(&app.db)
        .await
        .unwrap();
    let (status, mine) = api(&app, Method::GET, "/api/user/pending-invites", &zoe.1, None).await;
    assert_eq!(status, 200, "{mine}");
    pending_invite(&mine["invites"][0], "ListUserOrgInvites");
    assert_eq!(mine["invites"][0]["sentBy"]["githubLogin"], "alice");
}

async fn members_and_metadata_speak_pulumi(app: TestApp) {
    let tokens = demo_tokens(&app).await;
    let (admin, bm) = (tokens.admin, tokens.billing_manager);

    let (status, meta) = api(&app, Method::GET, "/api/orgs/acme/metadata", &bm, None).await;
    assert_eq!(status, 200, "{meta}");
    let mut required = vec![
        ("accountCount", T::Int),
        ("aiEnablement", T::Str),
        ("auditLogsEnabled", T::Bool),
        ("created", T::Str),
        ("defaultAccountPermission", T::Int),
        ("defaultEnvironmentPermission", T::Str),
        ("defaultStackPermission", T::Int),
        ("environmentCount", T::Int),
        ("features", T::Obj),
        ("id", T::Str),
        ("insightsTrialUsingPolicy", T::Bool),
        ("kind", T::Str),
        ("memberCount", T::Int),
        ("neoApprovalMode", T::Str),
        ("neoTaskSharingMode", T::Str),
        ("preferredVCS", T::Str),
        ("stackCount", T::Int),
        ("userRole", T::Str),
    ];
    for flag in [
        "membersCanCreateAccounts",
        "membersCanCreateStacks",
        "membersCanCreateTeams",
        "membersCanDeleteStacks",
        "membersCanTransferStacks",
        "naturalLanguageSearchDisabled",
        "neoAgentDisabled",
        "neoCLIExplanationsDisabled",
        "neoEnabled",
        "webhooksEnabled",
    ] {
        required.push((flag, T::Bool));
    }
    shape(&meta, &required, "OrganizationMetadata");
    assert_eq!(meta["userRole"], "billing-manager");
    assert_eq!(meta["memberCount"], 3, "billing managers are not counted");
    assert_eq!(meta["features"]["auditLogsEnabled"], true);
    assert!(meta["features"]["scimEnabled"].is_boolean());

    // ListOrganizationMembers with Pulumi's `type`.
    let (status, members) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/members?type=backend",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{members}");
    for m in members["members"].as_array().unwrap() {
        shape(
            m,
            &[
                ("created", T::Str),
                ("fgaRole", T::Obj),
                ("knownToPulumi", T::Bool),
                ("role", T::Str),
                ("user", T::Obj),
                ("virtualAdmin", T::Bool),
            ],
            "OrganizationMember",
        );
        shape(
            &m["fgaRole"],
            &[("id", T::Str), ("modifiedAt", T::Str), ("name", T::Str)],
            "FGARole",
        );
        user_info(&m["user"], "OrganizationMember.user");
    }
    let logins: Vec<&str> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"]["githubLogin"].as_str().unwrap())
        .collect();
    assert!(logins.contains(&"carol"), "{logins:?}");

    // A billing manager gets the same shape with the people left empty.
    let (status, redacted) = api(&app, Method::GET, "/api/orgs/acme/members", &bm, None).await;
    assert_eq!(status, 200);
    for m in redacted["members"].as_array().unwrap() {
        user_info(&m["user"], "redacted member");
        assert_eq!(m["user"]["name"], "", "{m}");
        assert_eq!(m["user"]["githubLogin"], "", "{m}");
        assert!(m["user"].get("email").is_none(), "{m}");
    }

    // UpdateOrganizationMember and DeleteOrganizationMember, by login.
    let (status, body) = api(
        &app,
        Method::PATCH,
        "/api/orgs/acme/members/carol",
        &admin,
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, members) = api(&app, Method::GET, "/api/orgs/acme/members", &admin, None).await;
    let carol = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["githubLogin"] == "carol")
        .unwrap();
    assert_eq!(carol["role"], "admin");
    let (status, _) = api(
        &app,
        Method::PATCH,
        "/api/orgs/acme/members/nobody",
        &admin,
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = api(
        &app,
        Method::DELETE,
        "/api/orgs/acme/members/carol",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, meta) = api(&app, Method::GET, "/api/orgs/acme/metadata", &admin, None).await;
    assert_eq!(meta["memberCount"], 2);
    crate::helpers::assert_counts_are_recounts(&app).await;
}

async fn invitations_speak_pulumi(app: TestApp) {
    let tokens = demo_tokens(&app).await;
    let admin = tokens.admin;

    // BatchCreateOrgInviteEmail: one sent, one failed (already a member).
    let (status, batch) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/batch",
        &admin,
        Some(json!({
            "invites": [
                {"email": "nia@example.com", "role": "member"},
                {"email": "bob@acme.example", "role": "member", "roleId": ""}
            ],
            "token": "turnstile"
        })),
    )
    .await;
    assert_eq!(status, 200, "{batch}");
    shape(
        &batch,
        &[("sentInvites", T::Arr), ("failedInvites", T::Arr)],
        "BatchCreateOrganizationInviteResponse",
    );
    shape(
        &batch["sentInvites"][0],
        &[("id", T::Str), ("acceptInviteUrl", T::Str)],
        "CreateOrganizationInviteResponse",
    );
    assert_eq!(batch["sentInvites"].as_array().unwrap().len(), 1);
    assert_eq!(batch["failedInvites"][0]["email"], "bob@acme.example");
    assert_eq!(batch["failedInvites"][0]["role"], "member");
    let sent_url = batch["sentInvites"][0]["acceptInviteUrl"].as_str().unwrap();
    assert_eq!(sent_url, app.invite_link_to("nia@example.com").await);

    // ListOrgInvites.
    let (status, list) = api(&app, Method::GET, "/api/orgs/acme/invites", &admin, None).await;
    assert_eq!(status, 200, "{list}");
    for invite in list["invites"].as_array().unwrap() {
        pending_invite(invite, "ListOrgInvites");
    }

    // CreateOrgInviteLink, then GetOrgInvite and AcceptOrgInvite by its secret.
    let (status, link) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/link",
        &admin,
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 200, "{link}");
    shape(
        &link,
        &[("id", T::Str), ("acceptInviteUrl", T::Str)],
        "CreateOrganizationInviteResponse",
    );
    let secret = secret_of(link["acceptInviteUrl"].as_str().unwrap());
    let (_, newcomer) = crate::helpers::verified_users(&app, "newcomer", 1)
        .await
        .remove(0);
    let path = format!("/api/orgs/acme/invites/{secret}");
    let (status, invited) = api(&app, Method::GET, &path, &newcomer, None).await;
    assert_eq!(status, 200, "{invited}");
    shape(
        &invited,
        &[
            ("avatarUrl", T::Str),
            ("githubLogin", T::Str),
            ("name", T::Str),
            ("role", T::Str),
        ],
        "OrganizationSummaryWithRole",
    );
    assert_eq!(invited["githubLogin"], "acme");
    let (status, _) = api(&app, Method::PATCH, &path, &newcomer, None).await;
    assert_eq!(status, 204, "AcceptOrgInvite answers without a body");
    let (status, _) = api(&app, Method::GET, &path, &newcomer, None).await;
    assert_eq!(status, 404, "a used invitation is gone");

    // ResendOrgInvite (with Pulumi's optional body) and CancelOrgInvite.
    let id = batch["sentInvites"][0]["id"].as_str().unwrap();
    let (status, body) = api(
        &app,
        Method::POST,
        &format!("/api/orgs/acme/invites/{id}/resend"),
        &admin,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = api(
        &app,
        Method::DELETE,
        &format!("/api/orgs/acme/invites/{id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 204);
}

async fn audit_log_and_usage_speak_pulumi(app: TestApp) {
    let tokens = demo_tokens(&app).await;
    let (admin, bm) = (tokens.admin, tokens.billing_manager);

    // Alice does something the log records.
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/teams",
        &admin,
        Some(json!({"name": "audited"})),
    )
    .await;
    assert_eq!(status, 201);
    let start = now_secs() - 365 * 86_400;
    let (status, log) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/acme/auditlogs?startTime={start}&userFilter=alice"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{log}");
    let events = log["auditLogEvents"].as_array().unwrap();
    assert!(!events.is_empty(), "{log}");
    for e in events {
        shape(
            e,
            &[
                ("description", T::Str),
                ("event", T::Str),
                ("sourceIP", T::Str),
                ("timestamp", T::Int),
                ("user", T::Obj),
            ],
            "AuditLogEvent",
        );
        assert_eq!(e["user"]["githubLogin"], "alice", "userFilter: {e}");
    }
    let (_, none) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/acme/auditlogs?startTime={start}&userFilter=nobody"),
        &admin,
        None,
    )
    .await;
    assert_eq!(none["auditLogEvents"], json!([]));
    // Empty filters are no filters.
    let (_, all) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/acme/auditlogs?startTime={start}"),
        &admin,
        None,
    )
    .await;
    let (_, empty) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/acme/auditlogs?startTime={start}&userFilter=&eventFilter="),
        &admin,
        None,
    )
    .await;
    assert_eq!(empty, all);
    // Both filters at once: the event of that kind by that actor only.
    let event = events[0]["event"].as_str().unwrap().to_owned();
    let (_, both) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/acme/auditlogs?startTime={start}&userFilter=alice&eventFilter={event}"),
        &admin,
        None,
    )
    .await;
    let both = both["auditLogEvents"].as_array().unwrap();
    assert!(!both.is_empty());
    assert!(
        both.iter()
            .all(|e| e["event"] == event.as_str() && e["user"]["githubLogin"] == "alice"),
        "{both:?}"
    );
    let (_, future) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/acme/auditlogs?startTime={}", now_secs() + 3600),
        &admin,
        None,
    )
    .await;
    assert_eq!(future["auditLogEvents"], json!([]), "startTime filters");

    // A page at a time, newest first, with Pulumi's continuationToken.
    let (_, first) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/auditlogs?limit=1",
        &admin,
        None,
    )
    .await;
    let token = first["continuationToken"].as_str().unwrap();
    let (status, second) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/acme/auditlogs?limit=1&continuationToken={token}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{second}");
    let (a, b) = (&first["auditLogEvents"][0], &second["auditLogEvents"][0]);
    assert_ne!(a["id"], b["id"]);
    assert!(
        a["timestamp"].as_i64() >= b["timestamp"].as_i64(),
        "{a} {b}"
    );

    for query in [
        "granularity=daily&lookbackDays=30",
        "granularity=monthly&lookbackDays=90",
        &format!(
            "granularity=daily&lookbackStart={}",
            now_secs() - 7 * 86_400
        ),
    ] {
        let (status, summary) = api(
            &app,
            Method::GET,
            &format!("/api/orgs/acme/resources/summary?{query}"),
            &bm,
            None,
        )
        .await;
        assert_eq!(status, 200, "{query}: {summary}");
        let buckets = summary["summary"].as_array().unwrap();
        assert!(!buckets.is_empty(), "{query}");
        for b in buckets {
            shape(
                b,
                &[
                    ("resourceHours", T::Int),
                    ("resources", T::Int),
                    ("year", T::Int),
                ],
                "ResourceCountSummary",
            );
        }
    }
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/resources/summary?granularity=fortnightly&lookbackDays=30",
        &bm,
        None,
    )
    .await;
    assert_eq!(status, 400);
}

async fn teams_org_tokens_and_policies_speak_pulumi(app: TestApp) {
    let tokens = demo_tokens(&app).await;
    let (admin, member) = (tokens.admin, tokens.member);

    let (status, _) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/teams",
        &admin,
        Some(json!({"name": "platform", "description": "Runs the platform"})),
    )
    .await;
    assert_eq!(status, 201);
    // UpdateTeam: add Carol by login, and a new description.
    let (status, body) = api(
        &app,
        Method::PATCH,
        "/api/orgs/acme/teams/platform",
        &admin,
        Some(json!({"memberAction": "add", "member": "carol", "newDescription": "Platform"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = api(
        &app,
        Method::PATCH,
        "/api/orgs/acme/teams/platform",
        &admin,
        Some(json!({"memberAction": "add", "member": "dana"})),
    )
    .await;
    assert_eq!(status, 404, "a billing manager joins no team");
    // A change that changes nothing still names a team that must be there (found by
    // schemathesis: `PATCH …/teams/%25` with `{}` answered 204).
    for (path, status_wanted) in [
        ("/api/orgs/acme/teams/platform", 204),
        ("/api/orgs/acme/teams/no-such-team", 404),
        ("/api/orgs/acme/teams/%25", 404),
    ] {
        let (status, body) = api(&app, Method::PATCH, path, &admin, Some(json!({}))).await;
        assert_eq!(status, status_wanted, "{path}: {body}");
    }

    let (status, teams) = api(&app, Method::GET, "/api/orgs/acme/teams", &member, None).await;
    assert_eq!(status, 200, "{teams}");
    let team_fields = [
        ("description", T::Str),
        ("displayName", T::Str),
        ("kind", T::Str),
        ("name", T::Str),
    ];
    shape(&teams["teams"][0], &team_fields, "ListTeams Team");
    let (status, team) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/teams/platform",
        &member,
        None,
    )
    .await;
    assert_eq!(status, 200, "{team}");
    shape(&team, &team_fields, "GetTeam Team");
    assert_eq!(team["description"], "Platform");
    let carol = &team["members"][0];
    shape(
        carol,
        &[
            ("avatarUrl", T::Str),
            ("githubLogin", T::Str),
            ("name", T::Str),
            ("role", T::Str),
        ],
        "TeamMemberInfo",
    );
    assert_eq!(carol["githubLogin"], "carol");

    // CreateOrgToken with every field Pulumi sends; ListOrgTokens; DeleteOrgToken.
    let (status, created) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/tokens",
        &admin,
        Some(json!({"name": "ci", "description": "deploys", "admin": true, "expires": 0})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    shape(
        &created,
        &[("id", T::Str), ("tokenValue", T::Str)],
        "CreateAccessTokenResponse",
    );
    let (status, list) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/tokens?filter=active",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let token = &list["tokens"][0];
    access_token(token, "ListOrgTokens");
    assert_eq!(token["admin"], true);
    assert_eq!(token["description"], "deploys");
    assert_eq!(token["expires"], 0);
    let path = format!("/api/orgs/acme/tokens/{}", created["id"].as_str().unwrap());
    assert_eq!(api(&app, Method::DELETE, &path, &admin, None).await.0, 204);

    // NewPolicyGroup and ListPolicyGroups.
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/policygroups",
        &admin,
        Some(json!({"name": "baseline", "entityType": "stacks", "mode": "audit"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, groups) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/policygroups",
        &member,
        None,
    )
    .await;
    assert_eq!(status, 200);
    shape(
        &groups["policyGroups"][0],
        &[
            ("entityType", T::Str),
            ("isOrgDefault", T::Bool),
            ("mode", T::Str),
            ("name", T::Str),
            ("numEnabledPolicyPacks", T::Int),
            ("numStacks", T::Int),
        ],
        "AppPolicyGroupSummary",
    );

    // CreatePolicyPack twice, then ListPolicyPacks has one pack with two versions.
    let pack = json!({
        "name": "aws-guard",
        "displayName": "AWS guard",
        "policies": [{
            "name": "no-public-buckets",
            "displayName": "No public buckets",
            "description": "Buckets are private.",
            "enforcementLevel": "mandatory",
            "message": "Make the bucket private."
        }]
    });
    for version in [1, 2] {
        let (status, created) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/policypacks",
            &admin,
            Some(pack.clone()),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        shape(
            &created,
            &[("uploadURI", T::Str), ("version", T::Int)],
            "AppCreatePolicyPackResponse",
        );
        assert_eq!(created["version"], version);
    }
    let (status, packs) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/policypacks?policypack=aws-guard",
        &member,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let listed = &packs["policyPacks"][0];
    shape(
        listed,
        &[
            ("displayName", T::Str),
            ("name", T::Str),
            ("versionTags", T::Arr),
            ("versions", T::Arr),
        ],
        "AppPolicyPackWithVersions",
    );
    assert_eq!(listed["versions"], json!([1, 2]));
}

/// ListTeams (as ListPolicyGroups, ListPolicyPacks, ListOrgInvites and GetTeam's
/// members) answers Pulumi's clients, which do not page it, every entry up to 1,000 when
/// asked with neither `limit` nor a token; past that a token; paging as before when
/// asked for pages.
async fn lists_pulumi_reads_whole_come_whole_up_to_a_thousand(app: TestApp) {
    let admin = demo_tokens(&app).await.admin;
    let existing = api(&app, Method::GET, "/api/orgs/acme/teams", &admin, None)
        .await
        .1["teams"]
        .as_array()
        .unwrap()
        .len();
    // Up to 1,001 teams in all, 50 requests at a time.
    let names: Vec<String> = (existing..1_001).map(|i| format!("team-{i:04}")).collect();
    for chunk in names.chunks(50) {
        let requests = chunk
            .iter()
            .map(|name| {
                let body = json!({ "name": name });
                (
                    Method::POST,
                    "/api/orgs/acme/teams".to_owned(),
                    admin.clone(),
                    Some(body),
                )
            })
            .collect();
        assert!(all_at_once(&app, requests).await.iter().all(|s| *s == 201));
    }
    let (status, whole) = api(&app, Method::GET, "/api/orgs/acme/teams", &admin, None).await;
    assert_eq!(status, 200, "{whole}");
    assert_eq!(whole["teams"].as_array().unwrap().len(), 1_000);
    let token = whole["continuationToken"]
        .as_str()
        .expect("a token past 1,000");
    let (_, rest) = api(
        &app,
        Method::GET,
        &format!("/api/orgs/acme/teams?continuationToken={token}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(rest["teams"].as_array().unwrap().len(), 1);
    assert!(rest.get("continuationToken").is_none(), "{rest}");
    // Asked for pages, it pages; up to 1,000 a page, no more.
    let (_, page) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/teams?limit=50",
        &admin,
        None,
    )
    .await;
    assert_eq!(page["teams"].as_array().unwrap().len(), 50);
    assert!(page["continuationToken"].is_string());
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/teams?limit=1000",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/teams?limit=1001",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // Policy groups, a hundred and one of them: all in one answer.
    let requests = (0..101)
        .map(|i| {
            let body = json!({ "name": format!("group-{i:03}"), "entityType": "stacks" });
            (
                Method::POST,
                "/api/orgs/acme/policygroups".to_owned(),
                admin.clone(),
                Some(body),
            )
        })
        .collect();
    assert!(all_at_once(&app, requests).await.iter().all(|s| *s == 204));
    let (_, groups) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/policygroups",
        &admin,
        None,
    )
    .await;
    assert!(
        groups["policyGroups"].as_array().unwrap().len() >= 101,
        "{groups}"
    );
    assert!(groups.get("continuationToken").is_none());
    // Pending invitations, a hundred and twenty: all in one answer.
    for batch in 0..3 {
        let invites: Vec<Value> = (0..40)
            .map(|i| json!({ "email": format!("p{batch}-{i}@example.com"), "role": "member" }))
            .collect();
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/orgs/acme/invites/batch",
            &admin,
            Some(json!({ "invites": invites })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, invites) = api(&app, Method::GET, "/api/orgs/acme/invites", &admin, None).await;
    assert!(
        invites["invites"].as_array().unwrap().len() >= 120,
        "{invites}"
    );
    assert!(invites.get("continuationToken").is_none());
}
