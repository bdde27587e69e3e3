//! The audit log: who did what to whom, and when. Written in the same transaction as
//! the change it records, so the log cannot claim a change that rolled back.

use crate::access::Acting;
use crate::accounts::User;
use crate::error::Result;
use crate::storage::cursor::{Page, PageAsk, Position};
use crate::storage::db::{self, Conn, Db};
use purser_core::views::AuditEntry;
use purser_core::Action;

/// The kinds of event, as stored and as the API filters them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    InvitationSent,
    InvitationResent,
    InvitationRevoked,
    InvitationAccepted,
    InvitationFailed,
    RoleGranted,
    RoleRemoved,
    RoleChanged,
    DirectoryEntryAdded,
    DirectoryEntryRemoved,
    IdentityProviderChanged,
    SsoConfigured,
    SsoMemberJoined,
    SsoRecoveryUsed,
    PaymentMethodUpdated,
    EditionChanged,
    PaymentSucceeded,
    PaymentFailed,
    PaymentRequiresAction,
    PaymentMethodUpdatedByNetwork,
    TeamCreated,
    TeamUpdated,
    TeamMemberAdded,
    TeamMemberRemoved,
    OrgTokenCreated,
    OrgTokenRevoked,
    ScimTokenCreated,
    ScimTokenRevoked,
    ScimUserProvisioned,
    ScimUserUpdated,
    ScimUserDeactivated,
    ScimUserReactivated,
    ScimUserDeleted,
    TeamDeleted,
    PolicyGroupCreated,
    PolicyPackPublished,
}

impl Event {
    pub const fn as_str(self) -> &'static str {
        match self {
            Event::InvitationSent => "invitation.sent",
            Event::InvitationResent => "invitation.resent",
            Event::InvitationRevoked => "invitation.revoked",
            Event::InvitationAccepted => "invitation.accepted",
            Event::InvitationFailed => "invitation.failed",
            Event::RoleGranted => "role.granted",
            Event::RoleRemoved => "role.removed",
            Event::RoleChanged => "role.changed",
            Event::DirectoryEntryAdded => "directory.added",
            Event::DirectoryEntryRemoved => "directory.removed",
            Event::IdentityProviderChanged => "identity-provider.changed",
            Event::SsoConfigured => "sso.configured",
            Event::SsoMemberJoined => "sso.member-joined",
            Event::SsoRecoveryUsed => "sso.recovery-used",
            Event::PaymentMethodUpdated => "payment-method.updated",
            Event::EditionChanged => "subscription.edition-changed",
            Event::PaymentSucceeded => "payment.succeeded",
            Event::PaymentFailed => "payment.failed",
            Event::PaymentRequiresAction => "payment.requires-action",
            Event::PaymentMethodUpdatedByNetwork => "payment-method.updated-by-network",
            Event::TeamCreated => "team.created",
            Event::TeamUpdated => "team.updated",
            Event::TeamMemberAdded => "team.member-added",
            Event::TeamMemberRemoved => "team.member-removed",
            Event::OrgTokenCreated => "org-token.created",
            Event::OrgTokenRevoked => "org-token.revoked",
            Event::ScimTokenCreated => "scim-token.created",
            Event::ScimTokenRevoked => "scim-token.revoked",
            Event::ScimUserProvisioned => "scim.user-provisioned",
            Event::ScimUserUpdated => "scim.user-updated",
            Event::ScimUserDeactivated => "scim.user-deactivated",
            Event::ScimUserReactivated => "scim.user-reactivated",
            Event::ScimUserDeleted => "scim.user-deleted",
            Event::TeamDeleted => "team.deleted",
            Event::PolicyGroupCreated => "policy-group.created",
            Event::PolicyPackPublished => "policy-pack.published",
        }
    }
}

/// Who acted: an account, or Purser itself (no account).
pub struct Actor<'a> {
    pub id: Option<&'a str>,
    pub label: &'a str,
}

impl<'a> From<&'a User> for Actor<'a> {
    fn from(user: &'a User) -> Self {
        Actor {
            id: Some(&user.id),
            label: &user.email,
        }
    }
}

pub async fn record(
    conn: &mut Conn,
    org_id: &str,
    actor: Actor<'_>,
    event: Event,
    target: &str,
    details: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, org_id, at, actor_id, actor, event, target, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(db::new_id())
    .bind(org_id)
    .bind(db::now_ms())
    .bind(actor.id)
    .bind(actor.label)
    .bind(event.as_str())
    .bind(target)
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}

/// What to read of the log: one kind of event, one actor (by login), a time range
/// (Unix ms, `until` exclusive).
#[derive(Debug, Default, Clone)]
pub struct Filter<'a> {
    pub event: Option<&'a str>,
    pub user: Option<&'a str>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// The most entries one page holds.
pub const MAX_PAGE: u32 = 1000;

/// The newest entries first that `filter` lets through, one keyset page at a time;
/// admins only.
pub async fn list(
    db: &Db,
    at: &Acting,
    filter: Filter<'_>,
    ask: PageAsk<'_>,
) -> Result<Page<AuditEntry>> {
    let access = &at.access;
    at.require(Action::AuditLogsView)?;
    let scope = format!("audit:{}", access.org.id);
    ask.read_up_to(MAX_PAGE, &scope, async |request| {
        // An empty filter (`eventFilter=`) is no filter.
        let filter = Filter {
            event: filter.event.filter(|e| !e.is_empty()),
            user: filter.user.filter(|u| !u.is_empty()),
            ..filter
        };
        // The actor by login, once; an unknown login has done nothing here.
        let actor = match filter.user {
            None => None,
            Some(login) => {
                let id: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
                    .bind(login.to_lowercase())
                    .fetch_optional(db)
                    .await?;
                match id {
                    Some(id) => Some(id),
                    None => return Ok(Vec::new()),
                }
            }
        };
        // A statement per filter, each walking the index that starts with it
        // (`audit_log_org`, `audit_log_event`, `audit_log_actor`): a filter written as
        // `($n = '' OR …)` would be checked row by row along the whole log.
        let only = match (filter.event.is_some(), actor.is_some()) {
            (false, false) => "",
            (true, false) => "AND a.event = $7",
            (false, true) => "AND a.actor_id = $7",
            (true, true) => "AND a.event = $7 AND a.actor_id = $8",
        };
        let sql = format!(
            "SELECT a.id, a.at, a.actor, u.name AS actor_name, u.login AS actor_login, a.event, a.target, a.details \
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
             WHERE a.org_id = $1 AND a.at >= $2 AND a.at < $3 AND (a.at, a.id) < ($4, $5) {only} \
             ORDER BY a.at DESC, a.id DESC LIMIT $6"
        );
        let mut query = sqlx::query_as(&sql)
            .bind(&access.org.id)
            .bind(filter.since.unwrap_or(i64::MIN))
            .bind(filter.until.unwrap_or(i64::MAX))
            .bind(request.after_at(i64::MAX))
            .bind(request.after_id())
            .bind(request.fetch());
        if let Some(event) = filter.event {
            query = query.bind(event);
        }
        if let Some(actor) = &actor {
            query = query.bind(actor);
        }
        let rows: Vec<AuditEntry> = query.fetch_all(db).await?;
        Ok(rows)
    }, |e| Position {
        at: e.at,
        id: e.id.clone(),
    }).await
}
