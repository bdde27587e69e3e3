//! Organizations: creating them, who belongs to them, and what a caller may see.

use crate::access::Acting;
use crate::accounts::User;
use crate::error::{Error, Result};
use crate::storage::cursor::{PageAsk, PageRequest, Position};
use crate::storage::db::{self, Conn, Db};
use crate::storage::json_rows::{self, Field};
use purser_core::members::{
    check_role_change, BillingManagerRecord, BillingManagerView, RoleChange, RoleChangeError,
};
use purser_core::{
    Action, DisplayName, Edition, IdentityProvider, MemberCount, MemberRecord, MemberView, OrgName,
    Role,
};
use sqlx::Row;

use crate::access::ORG_COLUMNS;
pub use crate::access::{Org, OrgAccess};

/// A new organization's form, parsed.
pub struct NewOrg {
    pub name: OrgName,
    pub display_name: DisplayName,
    pub edition: Edition,
}

impl NewOrg {
    pub fn parse(name: &str, display_name: &str, edition: Edition) -> Result<NewOrg> {
        let name = OrgName::parse(name)?;
        let display_name = if display_name.trim().is_empty() {
            DisplayName::parse_field("displayName", name.as_str())?
        } else {
            DisplayName::parse_field("displayName", display_name)?
        };
        Ok(NewOrg {
            name,
            display_name,
            edition,
        })
    }
}

/// Creates an organization; its creator becomes its first admin.
pub async fn create(db: &Db, creator: &User, new: NewOrg) -> Result<Org> {
    use purser_core::verification::{check_verified, NeedsVerifiedEmail};
    check_verified(
        creator.email_verified,
        NeedsVerifiedEmail::CreateOrganization,
    )
    .map_err(|e| Error::Forbidden(e.to_string()))?;
    let now = db::now_ms();
    let org = Org {
        id: db::new_id(),
        name: new.name.as_str().to_owned(),
        display_name: new.display_name.as_str().to_owned(),
        edition: new.edition,
        identity_provider: IdentityProvider::Open,
        created_at: now,
    };
    let mut tx = db::begin_write(db).await?;
    let inserted = sqlx::query(
        "INSERT INTO organizations (id, name, display_name, edition, idp_kind, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&org.id)
    .bind(&org.name)
    .bind(&org.display_name)
    .bind(org.edition.as_str())
    .bind(org.identity_provider.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await;
    inserted.map_err(|e| {
        Error::on_duplicate(e, || {
            format!("The organization name {:?} is already taken.", org.name)
        })
    })?;
    add_member(&mut tx, &org.id, &creator.id, Role::Admin).await?;
    tx.commit().await?;
    tracing::info!(org = %org.name, by = %creator.id, "organization created");
    Ok(org)
}

/// Gives a person a role; the primary key refuses a second role in the same organization.
pub(crate) async fn add_member(
    conn: &mut Conn,
    org_id: &str,
    user_id: &str,
    role: Role,
) -> Result<()> {
    let inserted = sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(db::now_ms())
    .execute(&mut *conn)
    .await;
    if inserted.is_ok() {
        count(conn, org_id, Counter::of_role(role), 1).await?;
    }
    inserted.map(|_| ()).map_err(|e| {
        Error::on_duplicate(e, || {
            "That person already has a role in this organization.".into()
        })
    })
}

pub async fn find(db: &Db, name: &str) -> Result<Option<Org>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ORG_COLUMNS} FROM organizations o WHERE o.name = $1"
    ))
    .bind(name.trim().to_lowercase())
    .fetch_optional(db)
    .await?)
}

/// Every organization the account holds a role in, by name.
pub async fn list_for_user(db: &Db, user: &User) -> Result<Vec<OrgAccess>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ORG_COLUMNS}, m.role FROM organizations o \
         JOIN memberships m ON m.org_id = o.id WHERE m.user_id = $1 ORDER BY o.name"
    ))
    .bind(&user.id)
    .fetch_all(db)
    .await?)
}

/// The organization's counts, as its row keeps them: one read, whatever its size.
pub async fn member_count(db: &Db, at: &Acting) -> Result<MemberCount> {
    counts(db, &at.access.org.id).await
}

/// [`member_count`] for the services' own work (billing a period), where no one acts.
pub(crate) async fn counts(db: &Db, org_id: &str) -> Result<MemberCount> {
    let (members, billing_managers): (i64, i64) = sqlx::query_as(
        "SELECT member_count, billing_manager_count FROM organizations WHERE id = $1",
    )
    .bind(org_id)
    .fetch_one(db)
    .await?;
    Ok(MemberCount {
        members: members.max(0) as u64,
        billing_managers: billing_managers.max(0) as u64,
    })
}

/// A count the organization's row keeps, so that reading it costs one row.
#[derive(Debug, Clone, Copy)]
pub enum Counter {
    /// Admins and members.
    Members,
    BillingManagers,
    PendingMemberInvitations,
    PendingBillingManagerInvitations,
    /// People provisioned through SCIM (`scim::users`).
    ScimUsers,
    Teams,
}

impl Counter {
    const fn column(self) -> &'static str {
        match self {
            Counter::Members => "member_count",
            Counter::BillingManagers => "billing_manager_count",
            Counter::PendingMemberInvitations => "pending_member_invitations",
            Counter::PendingBillingManagerInvitations => "pending_billing_manager_invitations",
            Counter::ScimUsers => "scim_user_count",
            Counter::Teams => "team_count",
        }
    }

    /// Where a role held counts (`core`'s `counts_as_member`).
    pub(crate) fn of_role(role: Role) -> Counter {
        match role.counts_as_member() {
            true => Counter::Members,
            false => Counter::BillingManagers,
        }
    }

    /// Where a pending invitation to `role` counts.
    pub fn of_invitation(role: Role) -> Counter {
        match role.counts_as_member() {
            true => Counter::PendingMemberInvitations,
            false => Counter::PendingBillingManagerInvitations,
        }
    }
}

/// Adds `by` (1 or -1) to one of the organization's counts, in the transaction that
/// makes the change counted. Every such transaction writes the organization's row
/// first (`lock_memberships`), so the update never waits while holding another row.
pub(crate) async fn count(conn: &mut Conn, org_id: &str, counter: Counter, by: i64) -> Result<()> {
    let column = counter.column();
    sqlx::query(&format!(
        "UPDATE organizations SET {column} = {column} + $1 WHERE id = $2"
    ))
    .bind(by)
    .bind(org_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Reads one of the organization's counts.
pub(crate) async fn counted(conn: &mut Conn, org_id: &str, counter: Counter) -> Result<u64> {
    let (n,): (i64,) = sqlx::query_as(&format!(
        "SELECT {} FROM organizations WHERE id = $1",
        counter.column()
    ))
    .bind(org_id)
    .fetch_one(conn)
    .await?;
    Ok(n.max(0) as u64)
}

/// How many stacks the organization has (kept on its row: `count_stacks`).
pub async fn stack_count(db: &Db, at: &Acting) -> Result<u64> {
    let (n,): (i64,) = sqlx::query_as("SELECT stack_count FROM organizations WHERE id = $1")
        .bind(&at.access.org.id)
        .fetch_one(db)
        .await?;
    Ok(n.max(0) as u64)
}

/// Adds `added` stacks to the organization's count, in the transaction that adds them.
pub(crate) async fn count_stacks(conn: &mut Conn, org_id: &str, added: i64) -> Result<()> {
    sqlx::query("UPDATE organizations SET stack_count = stack_count + $1 WHERE id = $2")
        .bind(added)
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The id of the account with this login if it holds any role in the organization
/// (Pulumi's paths name people by login). The caller's permission to act on them is
/// checked by the service that acts.
/// Whom an operation on a member is about: the UI names people by id, the REST API by
/// login (Pulumi's paths). The operation checks the caller's right before it looks
/// them up, so that a refused caller learns nothing of who is there.
#[derive(Debug, Clone, Copy)]
pub enum Person<'a> {
    Id(&'a str),
    Login(&'a str),
}

impl Person<'_> {
    async fn id(self, db: &Db, at: &Acting) -> Result<String> {
        match self {
            Person::Id(id) => Ok(id.to_owned()),
            Person::Login(login) => member_id_by_login(db, at, login).await,
        }
    }
}

pub async fn member_id_by_login(db: &Db, at: &Acting, login: &str) -> Result<String> {
    let access = &at.access;
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id AND m.org_id = $1 \
         WHERE u.login = $2",
    )
    .bind(&access.org.id)
    .bind(login.trim().to_lowercase())
    .fetch_optional(db)
    .await?;
    row.map(|(id,)| id)
        .ok_or_else(|| Error::NotFound("No such member in this organization.".into()))
}

/// The roles core counts as members, as an SQL list (`'admin', 'member'`). The members
/// list's index (`memberships_counted_page`) is partial on exactly this condition: a
/// test below checks that SQLite walks it.
fn counted_roles_sql() -> String {
    Role::ALL
        .into_iter()
        .filter(|r| r.counts_as_member())
        .map(|r| format!("'{}'", r.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub use crate::storage::cursor::{Page, DEFAULT_PAGE, MAX_PAGE};

/// What a page of members reads of each.
const MEMBER_FIELDS: [Field; 6] = [
    ("u.id", "user_id"),
    ("u.login", "login"),
    ("u.name", "name"),
    ("u.email", "email"),
    ("m.role", "role"),
    ("m.joined_at", "joined_at"),
];

/// A page of members: `$1` the organization, after (`$2` joined, `$3` user id), `$4`
/// rows, walking `memberships_counted_page`.
fn members_select() -> String {
    format!(
        "SELECT {} FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND m.role IN ({}) \
           AND (m.joined_at, m.user_id) > ($2, $3) \
         ORDER BY m.joined_at, m.user_id LIMIT $4",
        json_rows::select_list(&MEMBER_FIELDS),
        counted_roles_sql()
    )
}

/// The organization's members (admins and members; billing managers are listed on
/// Billing & usage), redacted for the caller by `core`, one keyset page at a time so
/// a request costs the same in a small or a large organization.
pub async fn members(db: &Db, at: &Acting, ask: PageAsk<'_>) -> Result<Page<MemberView>> {
    let access = &at.access;
    at.require(Action::MembersList)?;
    let scope = format!("members:{}", access.org.id);
    let sql = json_rows::page_sql(db, &members_select(), &MEMBER_FIELDS, "joined_at, user_id");
    let read = async |request: &PageRequest| {
        let json: String = sqlx::query_scalar(&sql)
            .bind(&access.org.id)
            .bind(request.after_at(i64::MIN))
            .bind(request.after_id())
            .bind(request.fetch())
            .fetch_one(db)
            .await?;
        json_rows::decode::<MemberRecord>(&json)
    };
    let position = |r: &MemberRecord| Position {
        at: r.joined_at,
        id: r.user_id.clone(),
    };
    let page = ask.read(&scope, read, position).await?;
    Ok(page.filter_map(|r| r.view_for(access.role, at.surface)))
}

/// Writes the organization's membership row first in a transaction. On PostgreSQL the
/// row lock queues concurrent acceptances and removals for one organization; on
/// SQLite, a write as the first statement takes the database's write lock before
/// anything is read. Either way, what the transaction reads next is current.
pub(crate) async fn lock_memberships(conn: &mut Conn, org_id: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE organizations SET membership_version = membership_version + 1 WHERE id = $1",
    )
    .bind(org_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes the organization's row and nothing else, first in a transaction whose next
/// read must see every earlier change of the same kind: on PostgreSQL the row lock
/// queues such transactions of one organization behind each other.
pub(crate) async fn lock(conn: &mut Conn, org_id: &str) -> Result<()> {
    sqlx::query("UPDATE organizations SET id = id WHERE id = $1")
        .bind(org_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Number of accepted billing managers, read inside a transaction.
pub(crate) async fn billing_manager_count(conn: &mut Conn, org_id: &str) -> Result<u32> {
    let n = counted(conn, org_id, Counter::BillingManagers).await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The organization's billing managers as `viewer` may see them (admins: details;
/// billing managers: names only; members: refused), a keyset page at a time in the
/// order they accepted.
pub async fn billing_managers(
    db: &Db,
    at: &Acting,
    ask: PageAsk<'_>,
) -> Result<Page<BillingManagerView>> {
    let access = &at.access;
    at.require(Action::BillingManagersViewNames)?;
    let scope = format!("billing-managers:{}", access.org.id);
    const FIELDS: [Field; 5] = [
        ("u.id", "user_id"),
        ("u.login", "login"),
        ("u.name", "name"),
        ("u.email", "email"),
        ("m.joined_at", "accepted_at"),
    ];
    let select = format!(
        "SELECT {} FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND m.role = $2 \
           AND (m.joined_at, m.user_id) > ($3, $4) \
         ORDER BY m.joined_at, m.user_id LIMIT $5",
        json_rows::select_list(&FIELDS)
    );
    let sql = json_rows::page_sql(db, &select, &FIELDS, "accepted_at, user_id");
    let read = async |request: &PageRequest| {
        let json: String = sqlx::query_scalar(&sql)
            .bind(&access.org.id)
            .bind(Role::BillingManager.as_str())
            .bind(request.after_at(i64::MIN))
            .bind(request.after_id())
            .bind(request.fetch())
            .fetch_one(db)
            .await?;
        json_rows::decode::<BillingManagerRecord>(&json)
    };
    let position = |r: &BillingManagerRecord| Position {
        at: r.accepted_at,
        id: r.user_id.clone(),
    };
    let page = ask.read(&scope, read, position).await?;
    Ok(page.filter_map(|r| r.view_for(access.role, at.surface)))
}

/// Removes a billing manager; their access ends with this transaction.
pub async fn remove_billing_manager(db: &Db, at: &Acting, user_id: &str) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::BillingManagersRemove)?;
    remove_role(db, access, actor, user_id, Some(Role::BillingManager)).await
}

/// Removes a member (or admin); an organization always keeps at least one admin.
pub async fn remove_member(db: &Db, at: &Acting, who: Person<'_>) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::MembersRemove)?;
    let user_id = who.id(db, at).await?;
    remove_role(db, access, actor, &user_id, None).await
}

pub(crate) async fn role_of(conn: &mut Conn, org_id: &str, user_id: &str) -> Result<Option<Role>> {
    let row: Option<(Role,)> =
        sqlx::query_as("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org_id)
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(role,)| role))
}

/// How many admins the organization has (read inside the membership transaction).
pub(crate) async fn admin_count(conn: &mut Conn, org_id: &str) -> Result<u64> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE org_id = $1 AND role = $2")
            .bind(org_id)
            .bind(Role::Admin.as_str())
            .fetch_one(conn)
            .await?
            .try_get("n")?;
    Ok(n.max(0) as u64)
}

/// `core`'s refusal of a role change, as the service's error.
fn refused(e: RoleChangeError) -> Error {
    match e {
        RoleChangeError::LastAdmin | RoleChangeError::Unchanged => Error::Conflict(e.to_string()),
        RoleChangeError::NotAdminOrMember => Error::Invalid(purser_core::ValueError {
            field: "role",
            message: e.to_string(),
        }),
    }
}

/// The person's email and role, in the transaction, when they hold `role` (or any
/// role of admin and member when `role` is `None`).
async fn target(conn: &mut Conn, org_id: &str, user_id: &str) -> Result<Option<(String, Role)>> {
    Ok(sqlx::query_as("SELECT u.email, m.role FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.org_id = $1 AND m.user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?)
}

async fn remove_role(
    db: &Db,
    access: &OrgAccess,
    actor: &User,
    user_id: &str,
    role: Option<Role>,
) -> Result<()> {
    let mut tx = db::begin_write(db).await?;
    lock_memberships(&mut tx, &access.org.id).await?;
    let found = target(&mut tx, &access.org.id, user_id).await?;
    let Some((email, current)) = found.filter(|(_, r)| match role {
        Some(role) => *r == role,
        None => r.counts_as_member(),
    }) else {
        return Err(Error::NotFound(format!(
            "No such {} in this organization.",
            role.map_or("member", |r| r.label()).to_lowercase()
        )));
    };
    let admins = admin_count(&mut tx, &access.org.id).await?;
    check_role_change(current, RoleChange::Remove, admins).map_err(refused)?;
    end_role(
        &mut tx,
        &access.org.id,
        actor.into(),
        user_id,
        (&email, current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends the role `current` that the person holds, in the caller's transaction (which
/// holds the organization's memberships and has checked the change): the membership,
/// its count, their teams (and those teams' sizes) go, audited as `actor`'s doing.
pub(crate) async fn end_role(
    conn: &mut Conn,
    org_id: &str,
    actor: crate::audit::Actor<'_>,
    user_id: &str,
    (email, current): (&str, Role),
) -> Result<()> {
    sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    count(&mut *conn, org_id, Counter::of_role(current), -1).await?;
    // Teams belong to the organization: a person without a role is in none of them.
    // (Each team's size first, from the rows about to go.)
    sqlx::query(
        "UPDATE teams SET member_count = member_count - 1, version = version + 1, updated_at = $3 \
         WHERE org_id = $1 AND id IN (SELECT team_id FROM team_members WHERE user_id = $2)",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(db::now_ms())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM team_members WHERE user_id = $1 AND team_id IN (SELECT id FROM teams WHERE org_id = $2)",
    )
    .bind(user_id)
    .bind(org_id)
    .execute(&mut *conn)
    .await?;
    crate::audit::record(
        &mut *conn,
        org_id,
        actor,
        crate::audit::Event::RoleRemoved,
        email,
        current.as_str(),
    )
    .await?;
    Ok(())
}

/// Changes a member's role (admin ⇄ member); an organization always keeps an admin.
pub async fn change_role(db: &Db, at: &Acting, who: Person<'_>, to: Role) -> Result<Role> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::MembersChangeRole)?;
    let user_id = &who.id(db, at).await?;
    let mut tx = db::begin_write(db).await?;
    lock_memberships(&mut tx, &access.org.id).await?;
    let Some((email, current)) = target(&mut tx, &access.org.id, user_id)
        .await?
        .filter(|(_, r)| r.counts_as_member())
    else {
        return Err(Error::NotFound(
            "No such member in this organization.".into(),
        ));
    };
    let admins = admin_count(&mut tx, &access.org.id).await?;
    check_role_change(current, RoleChange::To(to), admins).map_err(refused)?;
    sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3")
        .bind(to.as_str())
        .bind(&access.org.id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    count(&mut tx, &access.org.id, Counter::of_role(current), -1).await?;
    count(&mut tx, &access.org.id, Counter::of_role(to), 1).await?;
    crate::audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        crate::audit::Event::RoleChanged,
        &email,
        &format!("{current} → {to}"),
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

pub(crate) async fn find_by_id(conn: &mut Conn, id: &str) -> Result<Org> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ORG_COLUMNS} FROM organizations o WHERE o.id = $1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    /// SQLite takes a partial index only for a query that states its condition: the
    /// members list must still say it as the migration does.
    #[tokio::test]
    async fn a_page_of_members_walks_the_members_index() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let db = crate::storage::db::connect(&url).await.unwrap();
        crate::storage::db::MIGRATOR.run(&db).await.unwrap();
        let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {}", super::members_select()))
            .bind("org")
            .bind(0_i64)
            .bind("")
            .bind(26_i64)
            .fetch_all(&db)
            .await
            .unwrap();
        let plan: Vec<String> = rows
            .iter()
            .map(|r| sqlx::Row::get::<String, _>(r, "detail"))
            .collect();
        let plan = plan.join(" | ");
        assert!(plan.contains("memberships_counted_page"), "{plan}");
    }
}
