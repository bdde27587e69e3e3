//! Invitations to an organization, for members and billing managers alike: by email
//! or by a shareable link, single use, never expiring, only ever created, listed,
//! resent or revoked by admins.
//!
//! Acceptance is one transaction: it writes the organization's membership row first
//! (see `orgs::lock_memberships`), gathers the facts, asks `purser_core` to decide,
//! then grants the role and consumes the invitation. A refusal rolls that back and is
//! recorded on the invitation, which stays pending.

use crate::accounts::User;
use crate::audit::{self, Actor, Event};
use crate::db::{self, Conn, Db};
use crate::directory;
use crate::email::outbox;
use crate::error::{Error, Result};
use crate::orgs::{self, Org, OrgAccess};
use crate::secrets;
use purser_core::invitations::{check_acceptance, invite_action};
use purser_core::{
    AcceptError, AcceptanceFacts, Email, InvitationKind, InvitationStatus, Role, Surface,
};
use sqlx::Row;

/// At most this many addresses in one batch.
pub const MAX_BATCH: usize = 50;

/// A pending (or finished) invitation, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: String,
    pub role: Role,
    pub kind: InvitationKind,
    pub email: Option<String>,
    pub status: InvitationStatus,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub sent_at: i64,
    pub last_error: Option<AcceptError>,
    pub last_error_at: Option<i64>,
}

const COLUMNS: &str = "i.id, i.role, i.kind, i.email, i.status, u.name AS invited_by, i.created_at, i.sent_at, i.last_error_kind, i.last_error_at";

fn parse<T: std::str::FromStr>(row: &sqlx::any::AnyRow, column: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|e: T::Err| Error::Internal(format!("bad {column} {text:?}: {e}")))
}

impl Invitation {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Invitation> {
        let last_error: Option<String> = r.try_get("last_error_kind")?;
        Ok(Invitation {
            id: r.try_get("id")?,
            role: parse(r, "role")?,
            kind: parse(r, "kind")?,
            email: r.try_get("email")?,
            status: parse(r, "status")?,
            invited_by: r.try_get("invited_by")?,
            created_at: r.try_get("created_at")?,
            sent_at: r.try_get("sent_at")?,
            last_error: last_error.and_then(|k| k.parse().ok()),
            last_error_at: r.try_get("last_error_at")?,
        })
    }
}

/// The roles an invitation can grant. Admins are made by changing a member's role.
pub fn parse_role(input: &str) -> Result<Role> {
    match input.parse::<Role>() {
        Ok(role @ (Role::Member | Role::BillingManager)) => Ok(role),
        _ => Err(Error::Invalid(purser_core::ValueError {
            field: "role",
            message: format!(
                "An invitation is for the role member or billing-manager, not {input:?}."
            ),
        })),
    }
}

fn accept_url(base_url: &str, secret: &str) -> String {
    format!("{base_url}/invites/{secret}")
}

/// Refuses a billing-manager invitation while the organization is at its edition's limit.
async fn ensure_room(conn: &mut Conn, org: &Org, role: Role) -> Result<()> {
    if role != Role::BillingManager {
        return Ok(());
    }
    let current = orgs::billing_manager_count(conn, &org.id).await?;
    if org.edition.has_room_for_billing_manager(current) {
        return Ok(());
    }
    Err(Error::Conflict(format!(
        "The {} edition allows {} billing manager(s) at a time and {} has {current}. Remove a billing manager or change the edition before inviting another.",
        org.edition.label(),
        org.edition.billing_manager_limit().unwrap_or(0),
        org.display_name
    )))
}

async fn insert(
    conn: &mut Conn,
    org: &Org,
    actor: &User,
    role: Role,
    email: Option<&str>,
) -> Result<(Invitation, String)> {
    let secret = secrets::generate("");
    let now = db::now_ms();
    let id = db::new_id();
    let kind = if email.is_some() {
        InvitationKind::Email
    } else {
        InvitationKind::Link
    };
    sqlx::query(
        "INSERT INTO invitations (id, org_id, role, kind, email, secret_hash, status, invited_by, created_at, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $8)",
    )
    .bind(&id)
    .bind(&org.id)
    .bind(role.as_str())
    .bind(kind.as_str())
    .bind(email)
    .bind(secrets::hash(&secret))
    .bind(&actor.id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let invitation = Invitation {
        id,
        role,
        kind,
        email: email.map(str::to_owned),
        status: InvitationStatus::Pending,
        invited_by: Some(actor.name.clone()),
        created_at: now,
        sent_at: now,
        last_error: None,
        last_error_at: None,
    };
    Ok((invitation, secret))
}

async fn send_email(
    conn: &mut Conn,
    org: &Org,
    actor: &User,
    role: Role,
    to: &str,
    url: &str,
) -> Result<()> {
    let what = match role {
        Role::BillingManager => "a billing manager, to manage its billing",
        _ => "a member",
    };
    outbox::enqueue(
        conn,
        to,
        &format!("{} invited you to {} on Purser", actor.name, org.display_name),
        &format!(
            "{} ({}) invited you to join {} on Purser as {what}.\n\nAccept the invitation:\n\n{url}\n\nThe link works once and does not expire. If you were not expecting it, ignore this message.\n",
            actor.name, actor.email, org.display_name
        ),
    )
    .await
}

/// Invites each address to `role`, sending each an email with its own accept link.
pub async fn invite_by_email(
    db: &Db,
    access: &OrgAccess,
    surface: Surface,
    actor: &User,
    role: Role,
    emails: &[String],
    base_url: &str,
) -> Result<Vec<Invitation>> {
    access.require(invite_action(role), surface)?;
    let mut parsed: Vec<Email> = Vec::new();
    for e in emails
        .iter()
        .flat_map(|e| e.split([',', '\n', ';']))
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let email = Email::parse(e).map_err(|v| {
            Error::Invalid(purser_core::ValueError {
                field: "emails",
                message: v.message,
            })
        })?;
        if !parsed.contains(&email) {
            parsed.push(email);
        }
    }
    if parsed.is_empty() {
        return Err(Error::Invalid(purser_core::ValueError {
            field: "emails",
            message: "Enter at least one email address.".into(),
        }));
    }
    if parsed.len() > MAX_BATCH {
        return Err(Error::Invalid(purser_core::ValueError {
            field: "emails",
            message: format!("Invite at most {MAX_BATCH} addresses at a time."),
        }));
    }
    let mut tx = db.begin().await?;
    orgs::lock_memberships(&mut tx, &access.org.id).await?;
    ensure_room(&mut tx, &access.org, role).await?;
    let mut created = Vec::new();
    for email in &parsed {
        let has_role = sqlx::query("SELECT 1 AS one FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND u.email = $2")
            .bind(&access.org.id)
            .bind(email.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if has_role {
            return Err(Error::Conflict(format!(
                "{email} already has a role in {}.",
                access.org.display_name
            )));
        }
        let pending = sqlx::query("SELECT 1 AS one FROM invitations WHERE org_id = $1 AND email = $2 AND status = 'pending'")
            .bind(&access.org.id)
            .bind(email.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if pending {
            return Err(Error::Conflict(format!(
                "{email} already has a pending invitation: resend it instead."
            )));
        }
        let (invitation, secret) =
            insert(&mut tx, &access.org, actor, role, Some(email.as_str())).await?;
        send_email(
            &mut tx,
            &access.org,
            actor,
            role,
            email.as_str(),
            &accept_url(base_url, &secret),
        )
        .await?;
        audit::record(
            &mut tx,
            &access.org.id,
            actor.into(),
            Event::InvitationSent,
            email.as_str(),
            &format!("role {role}, by email"),
        )
        .await?;
        created.push(invitation);
    }
    tx.commit().await?;
    Ok(created)
}

/// Creates a link invitation and returns it with its URL, shown this once.
pub async fn invite_by_link(
    db: &Db,
    access: &OrgAccess,
    surface: Surface,
    actor: &User,
    role: Role,
    base_url: &str,
) -> Result<(Invitation, String)> {
    access.require(invite_action(role), surface)?;
    let mut tx = db.begin().await?;
    orgs::lock_memberships(&mut tx, &access.org.id).await?;
    ensure_room(&mut tx, &access.org, role).await?;
    let (invitation, secret) = insert(&mut tx, &access.org, actor, role, None).await?;
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::InvitationSent,
        "invite link",
        &format!("role {role}, by link {}", invitation.id),
    )
    .await?;
    tx.commit().await?;
    Ok((invitation, accept_url(base_url, &secret)))
}

/// Pending invitations, newest first; only for those who may invite to that role.
pub async fn pending(
    db: &Db,
    access: &OrgAccess,
    surface: Surface,
    role: Option<Role>,
) -> Result<Vec<Invitation>> {
    match role {
        Some(role) => access.require(invite_action(role), surface)?,
        None => {
            access.require(invite_action(Role::Member), surface)?;
            access.require(invite_action(Role::BillingManager), surface)?;
        }
    }
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM invitations i LEFT JOIN users u ON u.id = i.invited_by \
         WHERE i.org_id = $1 AND i.status = 'pending' AND ($2 = '' OR i.role = $2) ORDER BY i.created_at DESC, i.id"
    ))
    .bind(&access.org.id)
    .bind(role.map(Role::as_str).unwrap_or_default())
    .fetch_all(db)
    .await?;
    rows.iter().map(Invitation::from_row).collect()
}

/// Refuses before any lookup those who may invite to no role at all, so that the
/// answer (403) says nothing about whether the invitation exists.
fn may_manage_some(access: &OrgAccess, surface: Surface) -> Result<()> {
    access
        .require(invite_action(Role::Member), surface)
        .or_else(|_| access.require(invite_action(Role::BillingManager), surface))
}

async fn find_pending(conn: &mut Conn, org_id: &str, id: &str) -> Result<Invitation> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM invitations i LEFT JOIN users u ON u.id = i.invited_by WHERE i.org_id = $1 AND i.id = $2"
    ))
    .bind(org_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let invitation = row
        .as_ref()
        .map(Invitation::from_row)
        .transpose()?
        .ok_or_else(|| Error::NotFound("No such invitation.".into()))?;
    if invitation.status != InvitationStatus::Pending {
        return Err(Error::Conflict(format!(
            "This invitation is already {}.",
            invitation.status
        )));
    }
    Ok(invitation)
}

/// Sends an email invitation again with a new link (the old one stops working) and
/// resets its sent date.
pub async fn resend(
    db: &Db,
    access: &OrgAccess,
    surface: Surface,
    actor: &User,
    id: &str,
    base_url: &str,
) -> Result<Invitation> {
    may_manage_some(access, surface)?;
    let mut tx = db.begin().await?;
    let invitation = find_pending(&mut tx, &access.org.id, id).await?;
    access.require(invite_action(invitation.role), surface)?;
    let Some(email) = invitation.email.clone() else {
        return Err(Error::Conflict(
            "A link invitation has no address to send to; copy a new link instead.".into(),
        ));
    };
    let secret = secrets::generate("");
    let now = db::now_ms();
    sqlx::query("UPDATE invitations SET secret_hash = $1, sent_at = $2 WHERE id = $3 AND status = 'pending'")
        .bind(secrets::hash(&secret))
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    send_email(
        &mut tx,
        &access.org,
        actor,
        invitation.role,
        &email,
        &accept_url(base_url, &secret),
    )
    .await?;
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::InvitationResent,
        &email,
        &format!("role {}", invitation.role),
    )
    .await?;
    tx.commit().await?;
    Ok(Invitation {
        sent_at: now,
        ..invitation
    })
}

pub async fn revoke(
    db: &Db,
    access: &OrgAccess,
    surface: Surface,
    actor: &User,
    id: &str,
) -> Result<()> {
    may_manage_some(access, surface)?;
    let mut tx = db.begin().await?;
    let invitation = find_pending(&mut tx, &access.org.id, id).await?;
    access.require(invite_action(invitation.role), surface)?;
    sqlx::query("UPDATE invitations SET status = 'revoked' WHERE id = $1 AND status = 'pending'")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let target = invitation.email.as_deref().unwrap_or("invite link");
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::InvitationRevoked,
        target,
        &format!("role {}", invitation.role),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the accept page shows before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub org_name: String,
    pub org_display_name: String,
    pub role: Role,
    pub status: InvitationStatus,
}

pub async fn preview(db: &Db, secret: &str) -> Result<Preview> {
    let row = sqlx::query(
        "SELECT o.name, o.display_name, i.role, i.status FROM invitations i JOIN organizations o ON o.id = i.org_id WHERE i.secret_hash = $1",
    )
    .bind(secrets::hash(secret))
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::NotFound(AcceptError::NoLongerValid.to_string()))?;
    Ok(Preview {
        org_name: row.try_get("name")?,
        org_display_name: row.try_get("display_name")?,
        role: parse(&row, "role")?,
        status: parse(&row, "status")?,
    })
}

/// Which invitation an acceptance is for: the secret from a link, or (for an email
/// invitation, by its addressee) its id.
pub enum Locator<'a> {
    Secret(&'a str),
    Id { org: &'a str, id: &'a str },
}

/// The HTTP-facing error for a refused acceptance.
pub fn refusal(kind: AcceptError) -> Error {
    match kind {
        AcceptError::NotInIdentityProvider
        | AcceptError::EmailMismatch
        | AcceptError::EmailNotVerified => Error::Forbidden(kind.to_string()),
        AcceptError::NoLongerValid => Error::NotFound(kind.to_string()),
        AcceptError::BillingManagerLimitReached | AcceptError::AlreadyInOrganization => {
            Error::Conflict(kind.to_string())
        }
    }
}

/// Accepts an invitation for `user`; returns the organization and the role granted.
pub async fn accept(db: &Db, user: &User, locator: Locator<'_>) -> Result<(Org, Role)> {
    let (filter, key, org_name) = match locator {
        Locator::Secret(secret) => ("i.secret_hash = $1", secrets::hash(secret), None),
        Locator::Id { org, id } => ("i.id = $1", id.to_owned(), Some(org)),
    };
    let mut tx = db.begin().await?;
    // Write first: queue behind any other acceptance or removal in this organization.
    let locked = sqlx::query(&format!(
        "UPDATE organizations SET membership_version = membership_version + 1 \
         WHERE id = (SELECT i.org_id FROM invitations i WHERE {filter})"
    ))
    .bind(&key)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if locked == 0 {
        return Err(refusal(AcceptError::NoLongerValid));
    }
    let row = sqlx::query(&format!(
        "SELECT i.id, i.org_id, i.role, i.kind, i.email, i.status, o.name AS org_name FROM invitations i \
         JOIN organizations o ON o.id = i.org_id WHERE {filter}"
    ))
    .bind(&key)
    .fetch_one(&mut *tx)
    .await?;
    let invitation_id: String = row.try_get("id")?;
    let org_id: String = row.try_get("org_id")?;
    let role: Role = parse(&row, "role")?;
    let kind: InvitationKind = parse(&row, "kind")?;
    let invited_email: Option<String> = row.try_get("email")?;
    if let Some(expected) = org_name {
        // By id, only the addressee of an email invitation may accept, and nothing
        // is recorded for anyone else: ids are not secrets.
        let found: String = row.try_get("org_name")?;
        if found != expected.trim().to_lowercase()
            || kind != InvitationKind::Email
            || invited_email.as_deref() != Some(user.email.as_str())
        {
            return Err(Error::NotFound("No such invitation for you.".into()));
        }
    }
    let org = orgs::find_by_id(&mut tx, &org_id).await?;
    let facts = AcceptanceFacts {
        status: parse(&row, "status")?,
        kind,
        role,
        invited_email: invited_email.as_deref(),
        account_email: &user.email,
        account_verified: user.email_verified,
        identity_provider: org.identity_provider,
        listed_in_directory: directory::is_listed(&mut tx, &org_id, &user.email).await?,
        existing_role: orgs::role_of(&mut tx, &org_id, &user.id).await?,
        edition: org.edition,
        billing_managers: orgs::billing_manager_count(&mut tx, &org_id).await?,
    };
    if let Err(kind) = check_acceptance(&facts) {
        drop(tx);
        if kind.is_recorded() {
            record_failure(db, &org_id, &invitation_id, user, kind).await?;
        }
        return Err(refusal(kind));
    }
    let consumed = sqlx::query("UPDATE invitations SET status = 'accepted', accepted_by = $1, accepted_at = $2 WHERE id = $3 AND status = 'pending'")
        .bind(&user.id)
        .bind(db::now_ms())
        .bind(&invitation_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if consumed != 1 {
        return Err(refusal(AcceptError::NoLongerValid));
    }
    orgs::add_member(&mut tx, &org_id, &user.id, role).await?;
    let target = invited_email.as_deref().unwrap_or("invite link");
    audit::record(
        &mut tx,
        &org_id,
        user.into(),
        Event::InvitationAccepted,
        target,
        &format!("role {role}, by {}", user.email),
    )
    .await?;
    audit::record(
        &mut tx,
        &org_id,
        user.into(),
        Event::RoleGranted,
        &user.email,
        role.as_str(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(org = %org.name, user = %user.id, %role, "invitation accepted");
    Ok((org, role))
}

/// Writes the refusal on the invitation (it stays pending) and in the audit log.
async fn record_failure(
    db: &Db,
    org_id: &str,
    invitation_id: &str,
    user: &User,
    kind: AcceptError,
) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE invitations SET last_error_kind = $1, last_error_at = $2 WHERE id = $3 AND status = 'pending'")
        .bind(kind.as_str())
        .bind(db::now_ms())
        .bind(invitation_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        org_id,
        Actor::from(user),
        Event::InvitationFailed,
        &user.email,
        kind.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Pending email invitations addressed to the account's verified email.
#[derive(Debug, Clone)]
pub struct UserInvite {
    pub id: String,
    pub org_name: String,
    pub org_display_name: String,
    pub role: Role,
    pub sent_at: i64,
}

pub async fn pending_for_user(db: &Db, user: &User) -> Result<Vec<UserInvite>> {
    if !user.email_verified {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT i.id, o.name, o.display_name, i.role, i.sent_at FROM invitations i JOIN organizations o ON o.id = i.org_id \
         WHERE i.email = $1 AND i.status = 'pending' ORDER BY i.sent_at DESC",
    )
    .bind(&user.email)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(UserInvite {
                id: r.try_get("id")?,
                org_name: r.try_get("name")?,
                org_display_name: r.try_get("display_name")?,
                role: parse(r, "role")?,
                sent_at: r.try_get("sent_at")?,
            })
        })
        .collect()
}
