//! Invitations to an organization, for members and billing managers alike: by email
//! or by a shareable link, single use, never expiring, only ever created, listed,
//! resent or revoked by admins.
//!
//! Acceptance is one transaction: it writes the organization's membership row first
//! (see `orgs::lock_memberships`), gathers the facts, asks `purser_core` to decide,
//! then grants the role and consumes the invitation. A refusal rolls that back and is
//! recorded on the invitation, which stays pending.

use crate::access::Acting;
use crate::accounts::User;
use crate::audit::{self, Actor, Event};
use crate::caller::Caller;
use crate::directory;
use crate::email::outbox;
use crate::error::{Error, Result};
use crate::orgs::{self, Org, OrgAccess};
use crate::secrets;
use crate::state::AppState;
use crate::storage::cursor::{Page, PageAsk, Position, WHOLE_LIST};
use crate::storage::db::{self, Conn, Db};
use crate::storage::json_rows::{self, Field};
use crate::throttle::Kind as Limit;
use purser_core::invitations::{
    check_acceptance, invite_action, parse_email_list, InvitationEvent, InviteRefusal, NotPending,
};
use purser_core::views::InvitationView;
use purser_core::{
    AcceptError, AcceptanceFacts, Email, InvitationKind, InvitationStatus, InvitedRole, Role,
};

/// An invitation is read as the view its managers see.
pub type Invitation = InvitationView;

/// What an invitation is read from: each column and the field of [`Invitation`] it
/// fills (the select list of every query that reads one).
const FIELDS: [Field; 11] = [
    ("i.id", "id"),
    ("i.role", "role"),
    ("i.kind", "kind"),
    ("i.email", "email"),
    ("i.status", "status"),
    ("u.name", "invited_by"),
    ("u.login", "invited_by_login"),
    ("i.created_at", "created_at"),
    ("i.sent_at", "sent_at"),
    ("i.last_error_kind", "last_error"),
    ("i.last_error_at", "last_error_at"),
];

/// The role an invitation was issued for, as the rule in `core` allows it. An older
/// row naming another role (revoked by a migration) is treated as gone.
fn invited_role(invitation: &Invitation) -> Result<InvitedRole> {
    InvitedRole::try_from(invitation.role)
        .map_err(|_| Error::NotFound("No such invitation.".into()))
}

fn accept_url(base_url: &str, secret: &str) -> String {
    format!("{base_url}/invites/{secret}")
}

/// An address that was not invited, and why: the code for a batch's answer, the
/// words for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: InviteRefusal,
    pub message: String,
}

impl From<Refused> for Error {
    fn from(refused: Refused) -> Self {
        Error::Conflict(refused.message)
    }
}

/// Refuses a billing-manager invitation while the organization is at its edition's limit.
async fn room_for(conn: &mut Conn, org: &Org, role: InvitedRole) -> Result<Option<Refused>> {
    if role != InvitedRole::BillingManager {
        return Ok(None);
    }
    let current = orgs::billing_manager_count(conn, &org.id).await?;
    if org.edition.has_room_for_billing_manager(current) {
        return Ok(None);
    }
    Ok(Some(Refused {
        reason: InviteRefusal::BillingManagerLimitReached,
        message: format!(
            "The {} edition allows {} billing manager(s) at a time and {} has {current}. Remove a billing manager or change the edition before inviting another.",
            org.edition.label(),
            org.edition.billing_manager_limit().unwrap_or(0),
            org.display_name
        ),
    }))
}

/// Why `email` cannot be invited to the organization now (read with its row locked):
/// it belongs to someone with a role, or already has a pending invitation.
async fn already_there(conn: &mut Conn, org: &Org, email: &Email) -> Result<Option<Refused>> {
    let has_role = sqlx::query("SELECT 1 AS one FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND u.email = $2")
        .bind(&org.id)
        .bind(email.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    if has_role {
        return Ok(Some(Refused {
            reason: InviteRefusal::AlreadyInOrganization,
            message: format!("{email} already has a role in {}.", org.display_name),
        }));
    }
    let pending = sqlx::query(
        "SELECT 1 AS one FROM invitations WHERE org_id = $1 AND email = $2 AND status = $3",
    )
    .bind(&org.id)
    .bind(email.as_str())
    .bind(InvitationStatus::Pending.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .is_some();
    Ok(pending.then(|| Refused {
        reason: InviteRefusal::AlreadyInvited,
        message: format!("{email} already has a pending invitation: resend it instead."),
    }))
}

/// Counts an invitation to `role` becoming pending (`by` = 1) or no longer pending (-1).
async fn count_pending(conn: &mut Conn, org_id: &str, role: Role, by: i64) -> Result<()> {
    orgs::count(conn, org_id, orgs::Counter::of_invitation(role), by).await
}

/// How many invitations to `role` are pending, as the organization's row keeps it.
pub async fn pending_count(db: &Db, org_id: &str, role: InvitedRole) -> Result<u64> {
    let mut conn = db.acquire().await?;
    orgs::counted(&mut conn, org_id, orgs::Counter::of_invitation(role.role())).await
}

/// Creates a pending invitation (the caller has written the organization's row first);
/// returns it with its secret, which is stored only as a hash.
pub(crate) async fn insert(
    conn: &mut Conn,
    org: &Org,
    actor: &User,
    role: InvitedRole,
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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&id)
    .bind(&org.id)
    .bind(role.as_str())
    .bind(kind.as_str())
    .bind(email)
    .bind(secrets::hash(&secret))
    .bind(InvitationStatus::Pending.as_str())
    .bind(&actor.id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    count_pending(conn, &org.id, role.role(), 1).await?;
    let invitation = Invitation {
        id,
        role: role.role(),
        kind,
        email: email.map(str::to_owned),
        status: InvitationStatus::Pending,
        invited_by: Some(actor.name.clone()),
        invited_by_login: Some(actor.login.clone()),
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
    role: InvitedRole,
    to: &str,
    url: &str,
) -> Result<()> {
    let what = match role {
        InvitedRole::BillingManager => "a billing manager, to manage its billing",
        InvitedRole::Member => "a member",
    };
    // The inviting admin is named by display name only: their email address is
    // theirs to share (SPEC §2), and the invitee may be a stranger.
    outbox::enqueue(
        conn,
        to,
        &format!("{} invited you to {} on Purser", actor.name, org.display_name),
        &format!(
            "{} invited you to join {} on Purser as {what}.\n\nAccept the invitation:\n\n{url}\n\nThe link works once and does not expire. If you were not expecting it, ignore this message.\n",
            actor.name, org.display_name
        ),
    )
    .await
}

/// Invites each address to `role`, sending each an email with its own accept link:
/// all of them, or (on the first refusal, a 409 naming the address) none.
pub async fn invite_by_email(
    state: &AppState,
    at: &Acting,
    role: InvitedRole,
    emails: &[String],
) -> Result<Vec<(Invitation, String)>> {
    let (db, base_url) = (&state.db, state.settings.base_url.as_str());
    let (access, actor) = (&at.access, &at.actor);
    at.require(invite_action(role))?;
    let parsed = parse_email_list(emails)?;
    // A refused role or list takes nothing of the budget; then each address is an
    // email sent: the budget counts them, not requests.
    let budget = state
        .throttle
        .check_account_n(Limit::Invitation, &actor.id, parsed.len());
    budget.await?;
    let mut tx = db::begin_write(db).await?;
    orgs::lock_memberships(&mut tx, &access.org.id).await?;
    let mut created = Vec::new();
    for email in &parsed {
        created.push(invite_one(&mut tx, access, actor, role, email, base_url).await??);
    }
    tx.commit().await?;
    Ok(created)
}

/// Invites each address to its role, each on its own: those that can be invited are
/// (each with its own accept link), the others are returned with the reason. Every
/// address and role is checked before anything is sent.
pub async fn invite_each_by_email(
    state: &AppState,
    at: &Acting,
    invites: &[(String, InvitedRole)],
) -> Result<Vec<Result<(Invitation, String), Refused>>> {
    let (db, base_url) = (&state.db, state.settings.base_url.as_str());
    let (access, actor) = (&at.access, &at.actor);
    // At most a batch's worth of invitations, counted as sent (repeats included).
    purser_core::invitations::check_batch_size(invites.len(), "invites")?;
    for (_, role) in invites {
        at.require(invite_action(*role))?;
    }
    let emails: Vec<&str> = invites.iter().map(|(email, _)| email.as_str()).collect();
    parse_email_list(&emails)?;
    // Each address is an email sent: the budget counts them, not requests.
    let budget = state
        .throttle
        .check_account_n(Limit::Invitation, &actor.id, invites.len());
    budget.await?;
    let mut outcomes = Vec::with_capacity(invites.len());
    for (email, role) in invites {
        let email = Email::parse(email)?;
        let mut tx = db::begin_write(db).await?;
        orgs::lock_memberships(&mut tx, &access.org.id).await?;
        let outcome = invite_one(&mut tx, access, actor, *role, &email, base_url).await?;
        if outcome.is_ok() {
            tx.commit().await?;
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Invites one address, in a transaction that has written the organization's row.
async fn invite_one(
    tx: &mut Conn,
    access: &OrgAccess,
    actor: &User,
    role: InvitedRole,
    email: &Email,
    base_url: &str,
) -> Result<std::result::Result<(Invitation, String), Refused>> {
    if let Some(refused) = room_for(tx, &access.org, role).await? {
        return Ok(Err(refused));
    }
    if let Some(refused) = already_there(tx, &access.org, email).await? {
        return Ok(Err(refused));
    }
    let (invitation, secret) = insert(tx, &access.org, actor, role, Some(email.as_str())).await?;
    let url = accept_url(base_url, &secret);
    send_email(tx, &access.org, actor, role, email.as_str(), &url).await?;
    audit::record(
        tx,
        &access.org.id,
        actor.into(),
        Event::InvitationSent,
        email.as_str(),
        &format!("role {role}, by email"),
    )
    .await?;
    Ok(Ok((invitation, url)))
}

/// Creates a link invitation and returns it with its URL, shown this once.
pub async fn invite_by_link(
    state: &AppState,
    at: &Acting,
    role: InvitedRole,
) -> Result<(Invitation, String)> {
    let (db, base_url) = (&state.db, state.settings.base_url.as_str());
    let (access, actor) = (&at.access, &at.actor);
    state
        .throttle
        .check_account(Limit::Invitation, &actor.id)
        .await?;
    at.require(invite_action(role))?;
    let mut tx = db::begin_write(db).await?;
    orgs::lock_memberships(&mut tx, &access.org.id).await?;
    if let Some(refused) = room_for(&mut tx, &access.org, role).await? {
        return Err(refused.into());
    }
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

/// Pending invitations, newest first, one keyset page at a time; only for those who
/// may invite to that role (to every role, without one).
pub async fn pending(
    db: &Db,
    at: &Acting,
    role: Option<InvitedRole>,
    ask: PageAsk<'_>,
) -> Result<Page<Invitation>> {
    let access = &at.access;
    match role {
        Some(role) => at.require(invite_action(role))?,
        None => {
            for role in InvitedRole::ALL {
                at.require(invite_action(role))?;
            }
        }
    }
    let role_name = role.map(InvitedRole::as_str).unwrap_or_default();
    let scope = format!("invites:{}:{role_name}", access.org.id);
    ask.read_up_to(
        WHOLE_LIST,
        &scope,
        async |request| {
            // Two statements rather than `($3 = '' OR i.role = $3)`, which no index serves.
            let role_is = match role {
                Some(_) => "i.role = $3",
                None => "$3 = ''",
            };
            let select = format!(
                "SELECT {} FROM invitations i LEFT JOIN users u ON u.id = i.invited_by \
                 WHERE i.org_id = $1 AND i.status = $2 AND {role_is} \
                   AND (i.created_at, i.id) < ($4, $5) \
                 ORDER BY i.created_at DESC, i.id DESC LIMIT $6",
                json_rows::select_list(&FIELDS)
            );
            let json: String = sqlx::query_scalar(&json_rows::page_sql(
                db,
                &select,
                &FIELDS,
                "created_at DESC, id DESC",
            ))
            .bind(&access.org.id)
            .bind(InvitationStatus::Pending.as_str())
            .bind(role_name)
            .bind(request.after_at(i64::MAX))
            .bind(request.after_id())
            .bind(request.fetch())
            .fetch_one(db)
            .await?;
            let rows: Vec<Invitation> = json_rows::decode(&json)?;
            Ok(rows)
        },
        |i| Position {
            at: i.created_at,
            id: i.id.clone(),
        },
    )
    .await
}

/// What a pending invitation becomes when it is revoked or accepted, by core's state
/// machine, decided when this is compiled (a move it refused would not build).
const REVOKED: InvitationStatus = pending_after(InvitationEvent::Revoke);
const ACCEPTED: InvitationStatus = pending_after(InvitationEvent::Accept);

const fn pending_after(event: InvitationEvent) -> InvitationStatus {
    match InvitationStatus::Pending.after(event) {
        Ok(status) => status,
        Err(_) => panic!("a pending invitation is revoked or accepted"),
    }
}

/// Refuses before any lookup those who may invite to no role at all, so that the
/// answer (403) says nothing about whether the invitation exists.
fn may_manage_some(at: &Acting) -> Result<()> {
    at.require(invite_action(InvitedRole::Member))
        .or_else(|_| at.require(invite_action(InvitedRole::BillingManager)))
}

async fn find(conn: &mut Conn, org_id: &str, id: &str) -> Result<Invitation> {
    sqlx::query_as(&format!(
        "SELECT {} FROM invitations i LEFT JOIN users u ON u.id = i.invited_by WHERE i.org_id = $1 AND i.id = $2",
        json_rows::select_list(&FIELDS)
    ))
    .bind(org_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::NotFound("No such invitation.".into()))
}

/// Why a conditional write on a pending invitation changed nothing: it does not
/// exist (404), or it was accepted or revoked first (409).
async fn not_pending(conn: &mut Conn, org_id: &str, id: &str) -> Error {
    match find(conn, org_id, id).await {
        Ok(found) => match found.status.after(InvitationEvent::Revoke) {
            Err(NotPending(status)) => {
                Error::Conflict(format!("This invitation has already been {status}."))
            }
            Ok(_) => Error::Conflict("This invitation changed meanwhile; try again.".into()),
        },
        Err(e) => e,
    }
}

/// Sends an email invitation again with a new link (the old one stops working) and
/// resets its sent date.
///
/// Like `revoke` and `accept`, it writes the organization's row first, so the three
/// queue behind each other on PostgreSQL (on SQLite the write lock taken up front does
/// the same): whichever comes second sees what the first did. A resend that comes
/// after an acceptance or revocation answers 409 and sends and records nothing; an
/// acceptance by the old link after a resend finds the link no longer valid.
pub async fn resend(state: &AppState, at: &Acting, id: &str) -> Result<Invitation> {
    let (db, base_url) = (&state.db, state.settings.base_url.as_str());
    let (access, actor) = (&at.access, &at.actor);
    state
        .throttle
        .check_account(Limit::Invitation, &actor.id)
        .await?;
    may_manage_some(at)?;
    let secret = secrets::generate("");
    let now = db::now_ms();
    let mut tx = db::begin_write(db).await?;
    // Not `lock_memberships`: no membership changes, so cached roles stay valid.
    orgs::lock(&mut tx, &access.org.id).await?;
    let changed = sqlx::query(
        "UPDATE invitations SET secret_hash = $1, sent_at = $2 \
         WHERE org_id = $3 AND id = $4 AND status = $5 AND kind = $6",
    )
    .bind(secrets::hash(&secret))
    .bind(now)
    .bind(&access.org.id)
    .bind(id)
    .bind(InvitationStatus::Pending.as_str())
    .bind(InvitationKind::Email.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        let found = find(&mut tx, &access.org.id, id).await?;
        if found.status == InvitationStatus::Pending && found.kind == InvitationKind::Link {
            return Err(Error::Conflict(
                "A link invitation has no address to send to; copy a new link instead.".into(),
            ));
        }
        return Err(not_pending(&mut tx, &access.org.id, id).await);
    }
    let invitation = find(&mut tx, &access.org.id, id).await?;
    let role = invited_role(&invitation)?;
    at.require(invite_action(role))?;
    let email = invitation.email.clone().unwrap_or_default();
    send_email(
        &mut tx,
        &access.org,
        actor,
        role,
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
        &format!("role {role}"),
    )
    .await?;
    tx.commit().await?;
    Ok(invitation)
}

/// Revokes a pending invitation. An invitation accepted (or revoked) a moment earlier
/// answers 409 and leaves nothing in the audit log.
pub async fn revoke(db: &Db, at: &Acting, id: &str) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    may_manage_some(at)?;
    let mut tx = db::begin_write(db).await?;
    // The organization's row first, as acceptances do: the pending count changes below.
    orgs::lock_memberships(&mut tx, &access.org.id).await?;
    // Only a pending invitation moves (core's state machine); the condition in the
    // update is what makes that hold when requests race.
    let (from, to) = (InvitationStatus::Pending, REVOKED);
    let changed = sqlx::query(
        "UPDATE invitations SET status = $1 WHERE org_id = $2 AND id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(&access.org.id)
    .bind(id)
    .bind(from.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(not_pending(&mut tx, &access.org.id, id).await);
    }
    // Read after the write; a refusal below rolls the revocation back.
    let invitation = find(&mut tx, &access.org.id, id).await?;
    count_pending(&mut tx, &access.org.id, invitation.role, -1).await?;
    let role = invited_role(&invitation)?;
    at.require(invite_action(role))?;
    let target = invitation.email.as_deref().unwrap_or("invite link");
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::InvitationRevoked,
        target,
        &format!("role {role}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the accept page shows before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Preview {
    pub org_name: String,
    pub org_display_name: String,
    pub role: Role,
    pub status: InvitationStatus,
}

pub async fn preview(db: &Db, secret: &str) -> Result<Preview> {
    sqlx::query_as(
        "SELECT o.name AS org_name, o.display_name AS org_display_name, i.role, i.status \
         FROM invitations i JOIN organizations o ON o.id = i.org_id WHERE i.secret_hash = $1",
    )
    .bind(secrets::hash(secret))
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::NotFound(AcceptError::NoLongerValid.to_string()))
}

/// Which invitation an acceptance is for: the secret from a link, or (for an email
/// invitation, by its addressee) its id. With `org`, the invitation must belong to
/// that organization (the REST path names one); without, the secret alone decides
/// (the accept page, `/invites/<secret>`).
pub enum Locator<'a> {
    Secret {
        org: Option<&'a str>,
        secret: &'a str,
    },
    Id {
        org: &'a str,
        id: &'a str,
    },
}

/// A `Locator` as SQL: the column of `invitations` that must equal the key, the
/// organization's name that must match (empty for any), and whether it is by id.
struct Located {
    column: &'static str,
    key: String,
    org_name: String,
    by_id: bool,
}

impl Locator<'_> {
    fn locate(&self) -> Located {
        let (column, key, org, by_id) = match *self {
            Locator::Secret { org, secret } => ("secret_hash", secrets::hash(secret), org, false),
            Locator::Id { org, id } => ("id", id.to_owned(), Some(org), true),
        };
        Located {
            column,
            key,
            org_name: org.map(|o| o.trim().to_lowercase()).unwrap_or_default(),
            by_id,
        }
    }
}

/// What a pending invitation is to, for the person it is for: anyone with its secret,
/// or (by id) the addressee of an email invitation. Anything else is "no longer valid".
pub async fn preview_for(db: &Db, user: &User, locator: Locator<'_>) -> Result<Preview> {
    let located = locator.locate();
    let column = located.column;
    sqlx::query_as(&format!(
        "SELECT o.name AS org_name, o.display_name AS org_display_name, i.role, i.status \
         FROM invitations i JOIN organizations o ON o.id = i.org_id \
         WHERE i.{column} = $1 AND ($2 = '' OR o.name = $2) AND i.status = $3 \
         AND (NOT $4 OR (i.kind = $5 AND i.email = $6))"
    ))
    .bind(&located.key)
    .bind(&located.org_name)
    .bind(InvitationStatus::Pending.as_str())
    .bind(located.by_id)
    .bind(InvitationKind::Email.as_str())
    .bind(&user.email)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| refusal(AcceptError::NoLongerValid))
}

/// The HTTP-facing error for a refused acceptance.
pub fn refusal(kind: AcceptError) -> Error {
    match kind {
        AcceptError::NotInIdentityProvider
        | AcceptError::SignInThroughSso
        | AcceptError::EmailMismatch
        | AcceptError::EmailNotVerified => Error::Forbidden(kind.to_string()),
        AcceptError::NoLongerValid => Error::NotFound(kind.to_string()),
        AcceptError::BillingManagerLimitReached | AcceptError::AlreadyInOrganization => {
            Error::Conflict(kind.to_string())
        }
    }
}

/// The invitation an acceptance reads, once its organization is locked.
#[derive(sqlx::FromRow)]
struct Accepting {
    id: String,
    org_id: String,
    role: Role,
    kind: InvitationKind,
    email: Option<String>,
    status: InvitationStatus,
}

/// Accepts an invitation for the caller; returns the organization and the role granted.
pub async fn accept(
    state: &AppState,
    caller: &Caller,
    locator: Locator<'_>,
) -> Result<(Org, Role)> {
    let user = &caller.user;
    state
        .throttle
        .check_account(Limit::Acceptance, &user.id)
        .await?;
    let db = &state.db;
    let Located {
        column,
        key,
        org_name,
        by_id,
    } = locator.locate();
    let mut tx = db::begin_write(db).await?;
    // Write first: queue behind any other acceptance, removal, resend or revocation in
    // this organization. An invitation of another organization than the path names
    // matches nothing here, so it is "no longer valid" (404) and nothing is written.
    let locked = sqlx::query(&format!(
        "UPDATE organizations SET membership_version = membership_version + 1 \
         WHERE id = (SELECT i.org_id FROM invitations i WHERE i.{column} = $1) AND ($2 = '' OR name = $2)"
    ))
    .bind(&key)
    .bind(&org_name)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if locked == 0 {
        return Err(refusal(AcceptError::NoLongerValid));
    }
    // Read again now that the organization is ours: a resend or revocation that held
    // it may have replaced the secret or ended the invitation since the lookup above.
    let Some(Accepting {
        id: invitation_id,
        org_id,
        role,
        kind,
        email: invited_email,
        status,
    }) = sqlx::query_as(&format!(
        "SELECT i.id, i.org_id, i.role, i.kind, i.email, i.status FROM invitations i WHERE i.{column} = $1"
    ))
    .bind(&key)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Err(refusal(AcceptError::NoLongerValid));
    };
    if by_id
        && (kind != InvitationKind::Email || invited_email.as_deref() != Some(user.email.as_str()))
    {
        // By id, only the addressee of an email invitation may accept, and nothing
        // is recorded for anyone else: ids are not secrets.
        return Err(Error::NotFound("No such invitation for you.".into()));
    }
    let org = orgs::find_by_id(&mut tx, &org_id).await?;
    let facts = AcceptanceFacts {
        status,
        kind,
        role,
        invited_email: invited_email.as_deref(),
        account_email: &user.email,
        account_verified: user.email_verified,
        identity_provider: org.identity_provider,
        listed_in_directory: directory::is_listed(&mut tx, &org_id, &user.email).await?,
        deactivated_by_provider: crate::scim::users::is_deactivated(&mut tx, &org_id, &user.id)
            .await?,
        proof: crate::sso::proof(&mut tx, &org_id, caller).await?,
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
    let (from, to) = (InvitationStatus::Pending, ACCEPTED);
    // Consumed only as it was read: still pending, and by the same secret (or id).
    let consumed = sqlx::query(&format!(
        "UPDATE invitations SET status = $1, accepted_by = $2, accepted_at = $3 \
         WHERE id = $4 AND status = $5 AND {column} = $6"
    ))
    .bind(to.as_str())
    .bind(&user.id)
    .bind(db::now_ms())
    .bind(&invitation_id)
    .bind(from.as_str())
    .bind(&key)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if consumed != 1 {
        return Err(refusal(AcceptError::NoLongerValid));
    }
    count_pending(&mut tx, &org_id, role, -1).await?;
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
    let mut tx = db::begin_write(db).await?;
    sqlx::query("UPDATE invitations SET last_error_kind = $1, last_error_at = $2 WHERE id = $3 AND status = $4")
        .bind(kind.as_str())
        .bind(db::now_ms())
        .bind(invitation_id)
        .bind(InvitationStatus::Pending.as_str())
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
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserInvite {
    pub id: String,
    pub org_name: String,
    pub org_display_name: String,
    pub role: Role,
    pub sent_at: i64,
    /// The inviter's name and login; `None` once their account is gone.
    pub sent_by_name: Option<String>,
    pub sent_by_login: Option<String>,
}

/// The most pending invitations an account's list shows: each comes from a different
/// organization, so an address invited by more than this many sees the newest.
pub const USER_INVITES_SHOWN: i64 = 100;

/// The email invitations waiting for the account's verified address, newest first
/// (by the `invitations_email` index, whatever the size of the table).
pub async fn pending_for_user(db: &Db, user: &User) -> Result<Vec<UserInvite>> {
    if !user.email_verified {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(
        "SELECT i.id, o.name AS org_name, o.display_name AS org_display_name, i.role, i.sent_at, \
         u.name AS sent_by_name, u.login AS sent_by_login \
         FROM invitations i JOIN organizations o ON o.id = i.org_id LEFT JOIN users u ON u.id = i.invited_by \
         WHERE i.email = $1 AND i.status = $2 ORDER BY i.sent_at DESC LIMIT $3",
    )
    .bind(&user.email)
    .bind(InvitationStatus::Pending.as_str())
    .bind(USER_INVITES_SHOWN)
    .fetch_all(db)
    .await?)
}
