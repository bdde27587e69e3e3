//! Teams, organization access tokens, policy groups and policy packs: small resources
//! with list and create (and, where natural, manage or revoke) operations, each guarded
//! by its row of the permission matrix.

use crate::access::Acting;
use crate::audit::{self, Event};
use crate::cursor::{CursorKey, Page, PageRequest, Position};
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::orgs::{self, OrgAccess};
use crate::secrets;
use crate::tokens;
use purser_core::tokens::TokenFilter;
use purser_core::values::TextRule;
use purser_core::views::{OrgTokenView, PolicyView, TeamDetail, TeamMemberView, TeamView};
use purser_core::Action;
use sqlx::Row;

/// The organization's teams by name, with their sizes (kept on each team's row), a
/// keyset page at a time. Who is on a team is on the team's own page (`team`), for
/// those who may see member names.
pub async fn list_teams(
    db: &Db,
    at: &Acting,
    key: &CursorKey,
    continuation: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<TeamView>> {
    let access = &at.access;
    at.require(Action::TeamsList)?;
    let scope = format!("teams:{}", access.org.id);
    let request = PageRequest::open(key, &scope, continuation, limit)?;
    let rows: Vec<TeamView> = sqlx::query_as(
        "SELECT t.name, t.description, t.member_count \
         FROM teams t WHERE t.org_id = $1 AND t.name > $2 ORDER BY t.name LIMIT $3",
    )
    .bind(&access.org.id)
    .bind(request.after_id())
    .bind(request.fetch())
    .fetch_all(db)
    .await?;
    Ok(request.page(key, &scope, rows, |t| Position {
        at: 0,
        id: t.name.clone(),
    }))
}

pub async fn create_team(db: &Db, at: &Acting, name: &str, description: &str) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::TeamsCreate)?;
    let name = TextRule::TEAM_NAME.parse(name)?.into_string();
    let description = TextRule::TEAM_DESCRIPTION.parse(description)?;
    let mut tx = db::begin_write(db).await?;
    sqlx::query(
        "INSERT INTO teams (id, org_id, name, description, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(db::new_id())
    .bind(&access.org.id)
    .bind(&name)
    .bind(description.as_str())
    .bind(db::now_ms())
    .execute(&mut *tx)
    .await
    .map_err(|e| Error::on_duplicate(e, || format!("The team {name} already exists.")))?;
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::TeamCreated,
        &name,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A team, with its size and a keyset page of its members in the order they were
/// added (`continuation` is where the previous page ended), and where the next starts.
pub async fn team(
    db: &Db,
    at: &Acting,
    name: &str,
    key: &CursorKey,
    continuation: Option<&str>,
    limit: Option<u32>,
) -> Result<(TeamDetail, Option<String>)> {
    let access = &at.access;
    at.require(Action::TeamsList)?;
    at.require(Action::MembersViewNames)?;
    let row = sqlx::query(
        "SELECT id, name, description, member_count FROM teams WHERE org_id = $1 AND name = $2",
    )
    .bind(&access.org.id)
    .bind(name)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::NotFound(format!("No team {name:?} in this organization.")))?;
    let id: String = row.try_get("id")?;
    // (The team's id is in the scope: a token from one team's page fits no other.)
    let scope = format!("team-members:{id}");
    let request = PageRequest::open(key, &scope, continuation, limit)?;
    let rows: Vec<(i64, TeamMemberView)> = sqlx::query(
        "SELECT m.added_at, u.id AS user_id, u.login, u.name FROM team_members m JOIN users u ON u.id = m.user_id \
         WHERE m.team_id = $1 AND (m.added_at, m.user_id) > ($2, $3) \
         ORDER BY m.added_at, m.user_id LIMIT $4",
    )
    .bind(&id)
    .bind(request.after_at(i64::MIN))
    .bind(request.after_id())
    .bind(request.fetch())
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| -> Result<(i64, TeamMemberView)> {
        Ok((
            r.try_get("added_at")?,
            TeamMemberView {
                user_id: r.try_get("user_id")?,
                login: r.try_get("login")?,
                name: r.try_get("name")?,
            },
        ))
    })
    .collect::<Result<_>>()?;
    let page = request.page(key, &scope, rows, |(at, m)| Position {
        at: *at,
        id: m.user_id.clone(),
    });
    let member_count: i64 = row.try_get("member_count")?;
    Ok((
        TeamDetail {
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            member_count: member_count.max(0) as u64,
            members: page.items.into_iter().map(|(_, m)| m).collect(),
        },
        page.continuation_token,
    ))
}

/// The id of the organization's member (not billing manager) with this email address,
/// for adding people to teams by the address an admin knows them by.
pub async fn member_id_by_email(db: &Db, access: &OrgAccess, email: &str) -> Result<String> {
    let not_found =
        || Error::NotFound("No member of this organization has that email address.".into());
    let email = purser_core::Email::parse(email)?;
    let row = sqlx::query(
        "SELECT u.id, m.role FROM users u JOIN memberships m ON m.user_id = u.id AND m.org_id = $1 \
         WHERE u.email = $2",
    )
    .bind(&access.org.id)
    .bind(email.as_str())
    .fetch_optional(db)
    .await?
    .ok_or_else(not_found)?;
    let role: String = row.try_get("role")?;
    if role
        .parse::<purser_core::Role>()
        .is_ok_and(|r| !r.counts_as_member())
    {
        return Err(not_found());
    }
    Ok(row.try_get("id")?)
}

/// Gives a team a new description (admins).
pub async fn describe_team(db: &Db, at: &Acting, team: &str, description: &str) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::TeamsManage)?;
    let description = TextRule::TEAM_DESCRIPTION.parse(description)?.into_string();
    let mut tx = db::begin_write(db).await?;
    let changed = sqlx::query("UPDATE teams SET description = $1 WHERE org_id = $2 AND name = $3")
        .bind(&description)
        .bind(&access.org.id)
        .bind(team)
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() == 0 {
        return Err(Error::NotFound(format!("No team {team:?}.")));
    }
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::TeamUpdated,
        team,
        &description,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds (`add = true`) or removes a member of the organization to or from a team.
pub async fn manage_team(db: &Db, at: &Acting, team: &str, user_id: &str, add: bool) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::TeamsManage)?;
    let mut tx = db::begin_write(db).await?;
    // Memberships first, as removing someone from the organization does: on
    // PostgreSQL that queues the two, so a person leaving is never added to a team
    // meanwhile (nor counted on it).
    orgs::lock_memberships(&mut tx, &access.org.id).await?;
    let team_id: String = sqlx::query("SELECT id FROM teams WHERE org_id = $1 AND name = $2")
        .bind(&access.org.id)
        .bind(team)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound(format!("No team {team:?}.")))?
        .try_get("id")?;
    let role = orgs::role_of(&mut tx, &access.org.id, user_id).await?;
    if !role.is_some_and(|r| r.counts_as_member()) {
        return Err(Error::NotFound(
            "No such member in this organization.".into(),
        ));
    }
    let changed = if add {
        sqlx::query("INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT (team_id, user_id) DO NOTHING")
            .bind(&team_id)
            .bind(user_id)
            .bind(db::now_ms())
            .execute(&mut *tx)
            .await?
    } else {
        sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(&team_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
    };
    if changed.rows_affected() == 1 {
        sqlx::query("UPDATE teams SET member_count = member_count + $1 WHERE id = $2")
            .bind(if add { 1_i64 } else { -1 })
            .bind(&team_id)
            .execute(&mut *tx)
            .await?;
        let event = if add {
            Event::TeamMemberAdded
        } else {
            Event::TeamMemberRemoved
        };
        audit::record(&mut tx, &access.org.id, actor.into(), event, team, user_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// An organization token as stored; `admin` is 0 or 1.
#[derive(sqlx::FromRow)]
struct OrgTokenRow {
    id: String,
    name: String,
    description: String,
    admin: i64,
    created_by: Option<String>,
    created_at: i64,
    last_used_at: Option<i64>,
    expires_at: Option<i64>,
}

impl From<OrgTokenRow> for OrgTokenView {
    fn from(r: OrgTokenRow) -> Self {
        OrgTokenView {
            id: r.id,
            name: r.name,
            description: r.description,
            admin: r.admin != 0,
            created_by: r.created_by,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            expires_at: r.expires_at,
        }
    }
}

/// The organization's tokens that `filter` shows, newest first.
/// The organization's tokens, newest first, a keyset page at a time.
pub async fn list_tokens(
    db: &Db,
    at: &Acting,
    filter: TokenFilter,
    key: &CursorKey,
    continuation: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<OrgTokenView>> {
    let access = &at.access;
    at.require(Action::TokensList)?;
    let scope = format!("org-tokens:{}", access.org.id);
    let request = PageRequest::open(key, &scope, continuation, limit)?;
    let rows: Vec<OrgTokenRow> = sqlx::query_as(&format!(
        "SELECT t.id, t.name, t.description, t.admin, u.login AS created_by, t.created_at, \
         t.last_used_at, t.expires_at FROM org_tokens t LEFT JOIN users u ON u.id = t.created_by \
         WHERE t.org_id = $1 AND {} AND (t.created_at, t.id) < ($4, $5) \
         ORDER BY t.created_at DESC, t.id DESC LIMIT $6",
        tokens::shown_sql("t.expires_at", "$2", "$3")
    ))
    .bind(&access.org.id)
    .bind(tokens::shows_active(filter))
    .bind(db::now_ms())
    .bind(request.after_at(i64::MAX))
    .bind(request.after_id())
    .bind(request.fetch())
    .fetch_all(db)
    .await?;
    Ok(request
        .page(key, &scope, rows, |t| Position {
            at: t.created_at,
            id: t.id.clone(),
        })
        .map(OrgTokenView::from))
}

/// What an organization token is made with (Pulumi's `CreateOrgAccessTokenRequest`).
pub struct NewOrgToken<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub admin: bool,
    /// Unix seconds, `0` for never.
    pub expires_secs: i64,
}

/// Creates an organization access token; its value is returned this once.
pub async fn create_token(
    db: &Db,
    at: &Acting,
    new: NewOrgToken<'_>,
) -> Result<(OrgTokenView, String)> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::TokensCreate)?;
    let name = TextRule::ORG_TOKEN_NAME.parse(new.name)?.into_string();
    let description = crate::tokens::parse_description(new.description)?;
    let now = db::now_ms();
    let expires_at = purser_core::tokens::expiry(new.expires_secs, now)?;
    let value = secrets::generate("pur_org_");
    let token = OrgTokenView {
        id: db::new_id(),
        name,
        description,
        admin: new.admin,
        created_by: Some(actor.login.clone()),
        created_at: now,
        last_used_at: None,
        expires_at,
    };
    let mut tx = db::begin_write(db).await?;
    sqlx::query(
        "INSERT INTO org_tokens (id, org_id, name, description, admin, secret_hash, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
        .bind(&token.id)
        .bind(&access.org.id)
        .bind(&token.name)
        .bind(&token.description)
        .bind(i64::from(token.admin))
        .bind(secrets::hash(&value))
        .bind(&actor.id)
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::on_duplicate(e, || format!("A token named {} already exists.", token.name)))?;
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::OrgTokenCreated,
        &token.name,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok((token, value))
}

pub async fn revoke_token(db: &Db, at: &Acting, id: &str) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::TokensRevoke)?;
    let mut tx = db::begin_write(db).await?;
    let row = sqlx::query("DELETE FROM org_tokens WHERE org_id = $1 AND id = $2 RETURNING name")
        .bind(&access.org.id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound("No such token.".into()))?;
    let name: String = row.try_get("name")?;
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::OrgTokenRevoked,
        &name,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Which policy resource: groups or packs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Groups,
    Packs,
}

impl PolicyKind {
    fn list_action(self) -> Action {
        match self {
            PolicyKind::Groups => Action::PolicyGroupsList,
            PolicyKind::Packs => Action::PolicyPacksList,
        }
    }

    fn manage_action(self) -> Action {
        match self {
            PolicyKind::Groups => Action::PolicyGroupsManage,
            PolicyKind::Packs => Action::PolicyPacksManage,
        }
    }
}

/// Which policies a list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyList<'a> {
    /// Policy groups, by name.
    Groups,
    /// Every pack's versions, by pack name and version.
    Packs,
    /// One pack's versions.
    Pack(&'a str),
}

impl PolicyList<'_> {
    fn kind(self) -> PolicyKind {
        match self {
            PolicyList::Groups => PolicyKind::Groups,
            PolicyList::Packs | PolicyList::Pack(_) => PolicyKind::Packs,
        }
    }
}

/// A keyset page of policies (on their unique indexes).
pub async fn list_policies(
    db: &Db,
    at: &Acting,
    list: PolicyList<'_>,
    key: &CursorKey,
    continuation: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<PolicyView>> {
    let access = &at.access;
    at.require(list.kind().list_action())?;
    let org = &access.org.id;
    let scope = match list {
        PolicyList::Groups => format!("policy-groups:{org}"),
        PolicyList::Packs => format!("policy-packs:{org}"),
        PolicyList::Pack(name) => format!("policy-pack:{org}:{name}"),
    };
    let request = PageRequest::open(key, &scope, continuation, limit)?;
    // A version's position is its pack's name and its number; a group's, its name.
    let (after_name, after_version) = (request.after_id(), request.after_at(i64::MIN));
    let query = match list {
        PolicyList::Groups => sqlx::query_as(
            "SELECT name, NULL AS version, created_at FROM policy_groups \
             WHERE org_id = $1 AND name > $2 ORDER BY name LIMIT $3",
        )
        .bind(org)
        .bind(after_name),
        PolicyList::Packs => sqlx::query_as(
            "SELECT name, version, created_at FROM policy_packs \
             WHERE org_id = $1 AND (name, version) > ($2, $3) ORDER BY name, version LIMIT $4",
        )
        .bind(org)
        .bind(after_name)
        .bind(after_version),
        PolicyList::Pack(name) => sqlx::query_as(
            "SELECT name, version, created_at FROM policy_packs \
             WHERE org_id = $1 AND name = $2 AND version > $3 ORDER BY version LIMIT $4",
        )
        .bind(org)
        .bind(name)
        .bind(after_version),
    };
    let rows: Vec<PolicyView> = query.bind(request.fetch()).fetch_all(db).await?;
    Ok(request.page(key, &scope, rows, |p| Position {
        at: p.version.unwrap_or(0),
        id: p.name.clone(),
    }))
}

/// Creates a policy group, or publishes the next version of a policy pack.
pub async fn create_policy(
    db: &Db,
    at: &Acting,
    kind: PolicyKind,
    name: &str,
) -> Result<PolicyView> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(kind.manage_action())?;
    let name = TextRule::POLICY_NAME.parse(name)?.into_string();
    let now = db::now_ms();
    let mut tx = db::begin_write(db).await?;
    let version = match kind {
        PolicyKind::Groups => {
            sqlx::query(
                "INSERT INTO policy_groups (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(db::new_id())
            .bind(&access.org.id)
            .bind(&name)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                Error::on_duplicate(e, || format!("The policy group {name} already exists."))
            })?;
            None
        }
        PolicyKind::Packs => {
            // Publishes of one organization queue on its row (PostgreSQL; SQLite's
            // transaction holds the write lock already), so each reads the version
            // the previous one wrote.
            orgs::lock(&mut tx, &access.org.id).await?;
            let version: i64 = sqlx::query(
                "INSERT INTO policy_packs (id, org_id, name, version, created_at) \
                 SELECT $1, $2, $3, COALESCE(MAX(version), 0) + 1, $4 FROM policy_packs WHERE org_id = $2 AND name = $3 \
                 RETURNING version",
            )
            .bind(db::new_id())
            .bind(&access.org.id)
            .bind(&name)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                Error::on_duplicate(e, || {
                    format!("Another version of {name} was published at the same moment; try again.")
                })
            })?
            .try_get("version")?;
            Some(version)
        }
    };
    let event = match kind {
        PolicyKind::Groups => Event::PolicyGroupCreated,
        PolicyKind::Packs => Event::PolicyPackPublished,
    };
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        event,
        &name,
        &version.map(|v| format!("version {v}")).unwrap_or_default(),
    )
    .await?;
    tx.commit().await?;
    Ok(PolicyView {
        name,
        version,
        created_at: now,
    })
}
