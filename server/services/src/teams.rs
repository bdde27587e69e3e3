//! Teams: list, create and describe them, and add and remove their members.

use crate::access::Acting;
use crate::audit::{self, Actor, Event};
use crate::error::{Error, Result};
use crate::orgs::{self};
use crate::storage::cursor::{Page, PageAsk, Position, WHOLE_LIST};
use crate::storage::db::{self, Conn, Db};
use purser_core::values::TextRule;
use purser_core::views::{TeamDetail, TeamMemberView, TeamView};
use purser_core::Action;
use sqlx::Row;

/// The organization's teams by name, with their sizes (kept on each team's row), a
/// keyset page at a time. Who is on a team is on the team's own page (`team`), for
/// those who may see member names.
pub async fn list(db: &Db, at: &Acting, ask: PageAsk<'_>) -> Result<Page<TeamView>> {
    let access = &at.access;
    at.require(Action::TeamsList)?;
    let scope = format!("teams:{}", access.org.id);
    ask.read_up_to(
        WHOLE_LIST,
        &scope,
        async |request| {
            let rows: Vec<TeamView> = sqlx::query_as(
                "SELECT t.name, t.description, t.member_count \
                 FROM teams t WHERE t.org_id = $1 AND t.name > $2 ORDER BY t.name LIMIT $3",
            )
            .bind(&access.org.id)
            .bind(request.after_id())
            .bind(request.fetch())
            .fetch_all(db)
            .await?;
            Ok(rows)
        },
        |t| Position {
            at: 0,
            id: t.name.clone(),
        },
    )
    .await
}

pub async fn create(db: &Db, at: &Acting, name: &str, description: &str) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::TeamsCreate)?;
    let name = TextRule::TEAM_NAME.parse(name)?.into_string();
    let description = TextRule::TEAM_DESCRIPTION.parse(description)?;
    let mut tx = db::begin_write(db).await?;
    insert(&mut tx, &access.org.id, &name, description.as_str(), None).await?;
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
pub async fn get(
    db: &Db,
    at: &Acting,
    name: &str,
    ask: PageAsk<'_>,
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
    let page = ask.read_up_to(WHOLE_LIST, &scope, async |request| {
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
        Ok(rows)
    }, |(at, m)| Position {
        at: *at,
        id: m.user_id.clone(),
    }).await?;
    let member_count: i64 = row.try_get("member_count")?;
    Ok((
        TeamDetail {
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            member_count: member_count.max(0) as u64,
            members: page.items.into_iter().map(|(_, m)| m).collect(),
        },
        page.next,
    ))
}

/// The id of the organization's member (not billing manager) with this email address,
/// for adding people to teams by the address an admin knows them by.
async fn member_id_by_email(db: &Db, at: &Acting, email: &str) -> Result<String> {
    let access = &at.access;
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
pub async fn describe(db: &Db, at: &Acting, team: &str, description: &str) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::TeamsManage)?;
    let description = TextRule::TEAM_DESCRIPTION.parse(description)?.into_string();
    let mut tx = db::begin_write(db).await?;
    let changed = sqlx::query(
        "UPDATE teams SET description = $1, version = version + 1, updated_at = $4 WHERE org_id = $2 AND name = $3",
    )
    .bind(&description)
    .bind(&access.org.id)
    .bind(team)
    .bind(db::now_ms())
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
/// Refuses (404) a team the organization does not have: a change that changes nothing
/// still names a team, which must exist.
pub async fn ensure_exists(db: &Db, at: &Acting, team: &str) -> Result<()> {
    at.require(Action::TeamsManage)?;
    let found: Option<(String,)> =
        sqlx::query_as("SELECT id FROM teams WHERE org_id = $1 AND name = $2")
            .bind(&at.access.org.id)
            .bind(team)
            .fetch_optional(db)
            .await?;
    found
        .map(|_| ())
        .ok_or_else(|| Error::NotFound(format!("No team {team:?}.")))
}

/// Adds the organization's member with this email address to the team (the address an
/// admin knows them by); the right to is checked before anyone is looked up.
pub async fn add_by_email(db: &Db, at: &Acting, team: &str, email: &str) -> Result<()> {
    at.require(Action::TeamsManage)?;
    let user_id = member_id_by_email(db, at, email).await?;
    manage(db, at, team, &user_id, true).await
}

pub async fn manage(db: &Db, at: &Acting, team: &str, user_id: &str, add: bool) -> Result<()> {
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
    set_membership(
        &mut tx,
        &access.org.id,
        actor.into(),
        (&team_id, team),
        user_id,
        add,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a person on a team or takes them off, in the caller's transaction (which holds
/// the organization's memberships, `orgs::lock_memberships`): the team's size and
/// version move with the row, and the change is audited. `team` is (id, name); answers
/// whether anything changed.
pub(crate) async fn set_membership(
    conn: &mut Conn,
    org_id: &str,
    actor: Actor<'_>,
    (team_id, team_name): (&str, &str),
    user_id: &str,
    on: bool,
) -> Result<bool> {
    let changed = if on {
        sqlx::query("INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT (team_id, user_id) DO NOTHING")
            .bind(team_id)
            .bind(user_id)
            .bind(db::now_ms())
            .execute(&mut *conn)
            .await?
    } else {
        sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .execute(&mut *conn)
            .await?
    };
    if changed.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE teams SET member_count = member_count + $1, version = version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(if on { 1_i64 } else { -1 })
    .bind(db::now_ms())
    .bind(team_id)
    .execute(&mut *conn)
    .await?;
    let event = if on {
        Event::TeamMemberAdded
    } else {
        Event::TeamMemberRemoved
    };
    audit::record(conn, org_id, actor, event, team_name, user_id).await?;
    Ok(true)
}

/// Makes a team (its id is answered), counted on the organization's row.
pub(crate) async fn insert(
    conn: &mut Conn,
    org_id: &str,
    name: &str,
    description: &str,
    external_id: Option<&str>,
) -> Result<String> {
    let id = db::new_id();
    let now = db::now_ms();
    sqlx::query(
        "INSERT INTO teams (id, org_id, name, description, external_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(name)
    .bind(description)
    .bind(external_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(|e| Error::on_duplicate(e, || format!("The team {name} already exists.")))?;
    orgs::count(conn, org_id, orgs::Counter::Teams, 1).await?;
    Ok(id)
}
