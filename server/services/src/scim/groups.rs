//! SCIM Groups: the organization's teams. A group's `displayName` is the team's name,
//! its members the people on it (their SCIM ids). A person the provider deactivated
//! stays a member of their groups while they wait (`scim_parked_team_members`) and is
//! back on those teams when reactivated; billing managers are on no team.

use super::error::{ScimError, ScimResult};
use super::json::{self, Kind, Shape};
use super::list::{self, Listing, Query};
use super::{admitted, etag, timestamp, Provisioner};
use crate::audit::{self, Event};
use crate::error::Error;
use crate::orgs::{self, Counter};
use crate::storage::db::{self, Conn, Db};
use crate::teams;
use purser_core::values::TextRule;
use purser_core::Role;
use serde_json::{json, Map, Value};
use sqlx::Row;
use std::collections::BTreeSet;

pub const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

const MEMBER_PARTS: &[&str] = &["value", "$ref", "type"];

pub const SHAPE: Shape = Shape {
    schema: SCHEMA,
    attributes: &[
        ("id", Kind::ReadOnly),
        ("meta", Kind::ReadOnly),
        ("schemas", Kind::ReadOnly),
        ("externalId", Kind::Simple),
        ("displayName", Kind::Simple),
        ("members", Kind::Multi(MEMBER_PARTS)),
    ],
};

/// A group as a provider describes it, checked.
struct Input {
    name: String,
    external_id: Option<String>,
    /// The members' SCIM ids (account ids).
    members: BTreeSet<String>,
}

impl Input {
    fn read(map: &Map<String, Value>) -> ScimResult<Input> {
        let name = match map.get("displayName") {
            Some(Value::String(s)) => TextRule::TEAM_NAME
                .parse(s)
                .map_err(|e| ScimError::invalid_value(format!("displayName: {}", e.message)))?
                .into_string(),
            _ => return Err(ScimError::invalid_value("displayName is required.")),
        };
        let external_id = match map.get("externalId") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(
                TextRule::SCIM_TEXT
                    .parse(s)
                    .map_err(|e| ScimError::invalid_value(format!("externalId: {}", e.message)))?
                    .into_string(),
            )
            .filter(|s| !s.is_empty()),
            Some(_) => return Err(ScimError::invalid_value("externalId is a string.")),
        };
        let mut members = BTreeSet::new();
        if let Some(list) = map.get("members") {
            let Value::Array(items) = list else {
                return Err(ScimError::invalid_value("members is a list."));
            };
            for item in items {
                let value = item.get("value").and_then(Value::as_str).ok_or_else(|| {
                    ScimError::invalid_value("Each member needs a value (a user's id).")
                })?;
                if item
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| !t.eq_ignore_ascii_case("User"))
                {
                    return Err(ScimError::invalid_value(
                        "A team's members are people (type User), not groups.",
                    ));
                }
                members.insert(value.to_owned());
            }
        }
        Ok(Input {
            name,
            external_id,
            members,
        })
    }
}

const COLUMNS: &str = "t.id, t.name, t.external_id, t.created_at, t.updated_at, t.version";

/// A stored group as SCIM answers it, with its members.
async fn resource(conn: &mut Conn, row: &sqlx::any::AnyRow, base: &str) -> ScimResult<Value> {
    let mut group = header(row, base)?;
    let id = group["id"].as_str().unwrap_or_default().to_owned();
    let members: Vec<(String,)> = sqlx::query_as(
        "SELECT tm.user_id FROM team_members tm WHERE tm.team_id = $1 \
         UNION ALL \
         SELECT k.user_id FROM scim_parked_team_members k WHERE k.team_id = $1 \
         ORDER BY 1",
    )
    .bind(&id)
    .fetch_all(&mut *conn)
    .await
    .map_err(Error::from)?;
    if !members.is_empty() {
        group["members"] = members
            .into_iter()
            .map(|(user,)| {
                json!({
                    "value": user,
                    "$ref": format!("{base}/Users/{user}"),
                    "type": "User",
                })
            })
            .collect();
    }
    Ok(group)
}

/// A stored group without its members: what a list answers when they are not asked for.
fn header(row: &sqlx::any::AnyRow, base: &str) -> ScimResult<Value> {
    let id: String = row.try_get("id").map_err(Error::from)?;
    let version: i64 = row.try_get("version").map_err(Error::from)?;
    let mut group = json!({
        "schemas": [SCHEMA],
        "id": id,
        "displayName": row.try_get::<String, _>("name").map_err(Error::from)?,
        "meta": {
            "resourceType": "Group",
            "created": timestamp(row.try_get("created_at").map_err(Error::from)?),
            "lastModified": timestamp(row.try_get("updated_at").map_err(Error::from)?),
            "location": format!("{base}/Groups/{id}"),
            "version": etag(version),
        },
    });
    if let Some(external) = row
        .try_get::<Option<String>, _>("external_id")
        .map_err(Error::from)?
    {
        group["externalId"] = external.into();
    }
    Ok(group)
}

async fn find(conn: &mut Conn, org_id: &str, id: &str) -> ScimResult<sqlx::any::AnyRow> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM teams t WHERE t.org_id = $1 AND t.id = $2"
    ))
    .bind(org_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(Error::from)?
    .ok_or_else(|| ScimError::not_found("group"))
}

pub async fn get(db: &Db, p: &Provisioner, base: &str, id: &str) -> ScimResult<Value> {
    let mut conn = db.acquire().await.map_err(Error::from)?;
    let row = find(&mut conn, &p.org_id, id).await?;
    resource(&mut conn, &row, base).await
}

fn group_column(key: &str) -> Option<list::Column> {
    use list::Column;
    Some(match key {
        "id" => Column::exact("t.id"),
        "displayname" => Column::text("t.name"),
        "externalid" => Column::exact("t.external_id"),
        "members" | "members.value" => Column::member("t.id"),
        "meta.created" => Column::time("t.created_at"),
        "meta.lastmodified" => Column::time("t.updated_at"),
        _ => return None,
    })
}

pub async fn list(db: &Db, p: &Provisioner, base: &str, query: &Query) -> ScimResult<Value> {
    let (total, resources) = page(db, p, base, query).await?;
    Ok(list::response(total, query, resources))
}

/// The total a query matches, and the page of it `query` asks for.
pub async fn page(
    db: &Db,
    p: &Provisioner,
    base: &str,
    query: &Query,
) -> ScimResult<(i64, Vec<Value>)> {
    let listing = Listing {
        columns: COLUMNS,
        from: "teams t",
        org_column: "t.org_id",
        order: "t.created_at, t.id",
        counter: Counter::Teams,
        attribute: group_column,
    };
    let (total, rows) = list::read(db, &p.org_id, &listing, query).await?;
    let mut conn = db.acquire().await.map_err(Error::from)?;
    // Members are read only when they will be answered.
    let members_wanted = list::project(json!({"members": []}), query)
        .get("members")
        .is_some();
    let mut resources = Vec::with_capacity(rows.len());
    for row in &rows {
        resources.push(match members_wanted {
            true => resource(&mut conn, row, base).await?,
            false => header(row, base)?,
        });
    }
    Ok((total, resources))
}

pub async fn create(db: &Db, p: &Provisioner, base: &str, body: Value) -> ScimResult<Value> {
    let input = Input::read(&json::canonical_resource(&SHAPE, body)?)?;
    let mut tx = db::begin_write(db).await.map_err(Error::from)?;
    orgs::lock_memberships(&mut tx, &p.org_id).await?;
    let id = teams::insert(
        &mut tx,
        &p.org_id,
        &input.name,
        "",
        input.external_id.as_deref(),
    )
    .await
    .map_err(|e| match e {
        Error::Conflict(m) => ScimError::uniqueness(m),
        other => other.into(),
    })?;
    audit::record(
        &mut tx,
        &p.org_id,
        p.actor(),
        Event::TeamCreated,
        &input.name,
        "",
    )
    .await?;
    for user in &input.members {
        set_member(&mut tx, p, (&id, &input.name), user, true).await?;
    }
    let row = find(&mut tx, &p.org_id, &id).await?;
    let created = resource(&mut tx, &row, base).await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(created)
}

pub async fn replace(
    db: &Db,
    p: &Provisioner,
    base: &str,
    (id, if_match): (&str, Option<&str>),
    body: Value,
) -> ScimResult<Value> {
    let input = Input::read(&json::canonical_resource(&SHAPE, body)?)?;
    update(db, p, base, (id, if_match), |_| Ok(input)).await
}

pub async fn patch(
    db: &Db,
    p: &Provisioner,
    base: &str,
    (id, if_match): (&str, Option<&str>),
    body: Value,
) -> ScimResult<Value> {
    let operations = json::operations(&body)?;
    update(db, p, base, (id, if_match), |current| {
        Input::read(&json::patched(&SHAPE, current, &operations)?)
    })
    .await
}

async fn update(
    db: &Db,
    p: &Provisioner,
    base: &str,
    (id, if_match): (&str, Option<&str>),
    change: impl FnOnce(Value) -> ScimResult<Input>,
) -> ScimResult<Value> {
    let mut tx = db::begin_write(db).await.map_err(Error::from)?;
    orgs::lock_memberships(&mut tx, &p.org_id).await?;
    let row = find(&mut tx, &p.org_id, id).await?;
    admitted(&row, if_match)?;
    let current = resource(&mut tx, &row, base).await?;
    let before: BTreeSet<String> = current
        .get("members")
        .and_then(Value::as_array)
        .map(|m| {
            m.iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let old_name: String = row.try_get("name").map_err(Error::from)?;
    let old_external: Option<String> = row.try_get("external_id").map_err(Error::from)?;
    let input = change(current)?;
    if input.name != old_name || input.external_id != old_external {
        sqlx::query(
            "UPDATE teams SET name = $1, external_id = $2, version = version + 1, updated_at = $3 \
             WHERE org_id = $4 AND id = $5",
        )
        .bind(&input.name)
        .bind(&input.external_id)
        .bind(db::now_ms())
        .bind(&p.org_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::on_duplicate(e, || format!("The team {} already exists.", input.name)))
        .map_err(|e| match e {
            Error::Conflict(m) => ScimError::uniqueness(m),
            other => other.into(),
        })?;
        let details = if input.name == old_name {
            String::new()
        } else {
            format!("renamed from {old_name}")
        };
        audit::record(
            &mut tx,
            &p.org_id,
            p.actor(),
            Event::TeamUpdated,
            &input.name,
            &details,
        )
        .await?;
    }
    for gone in before.difference(&input.members) {
        set_member(&mut tx, p, (id, &input.name), gone, false).await?;
    }
    for new in input.members.difference(&before) {
        set_member(&mut tx, p, (id, &input.name), new, true).await?;
    }
    let row = find(&mut tx, &p.org_id, id).await?;
    let updated = resource(&mut tx, &row, base).await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(updated)
}

pub async fn delete(db: &Db, p: &Provisioner, id: &str, if_match: Option<&str>) -> ScimResult<()> {
    let mut tx = db::begin_write(db).await.map_err(Error::from)?;
    orgs::lock_memberships(&mut tx, &p.org_id).await?;
    let row = find(&mut tx, &p.org_id, id).await?;
    admitted(&row, if_match)?;
    let name: String = row.try_get("name").map_err(Error::from)?;
    sqlx::query("DELETE FROM teams WHERE org_id = $1 AND id = $2")
        .bind(&p.org_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
    orgs::count(&mut tx, &p.org_id, Counter::Teams, -1).await?;
    audit::record(&mut tx, &p.org_id, p.actor(), Event::TeamDeleted, &name, "").await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(())
}

/// Puts a person on the team or takes them off: on the team itself when they hold a
/// member's or admin's role, waiting on it when the provider has deactivated them.
async fn set_member(
    conn: &mut Conn,
    p: &Provisioner,
    team: (&str, &str),
    user_id: &str,
    on: bool,
) -> ScimResult<()> {
    match orgs::role_of(conn, &p.org_id, user_id).await? {
        Some(role) if role.counts_as_member() => {
            teams::set_membership(conn, &p.org_id, p.actor(), team, user_id, on).await?;
        }
        Some(Role::BillingManager) if on => {
            return Err(ScimError::invalid_value(format!(
                "{user_id} is a billing manager, and billing managers are on no team."
            )));
        }
        _ if super::users::is_deactivated(conn, &p.org_id, user_id).await? => {
            let sql = if on {
                "INSERT INTO scim_parked_team_members (team_id, user_id) VALUES ($1, $2) \
                 ON CONFLICT (team_id, user_id) DO NOTHING"
            } else {
                "DELETE FROM scim_parked_team_members WHERE team_id = $1 AND user_id = $2"
            };
            sqlx::query(sql)
                .bind(team.0)
                .bind(user_id)
                .execute(&mut *conn)
                .await
                .map_err(Error::from)?;
            sqlx::query("UPDATE teams SET version = version + 1, updated_at = $1 WHERE id = $2")
                .bind(db::now_ms())
                .bind(team.0)
                .execute(&mut *conn)
                .await
                .map_err(Error::from)?;
        }
        _ if on => {
            return Err(ScimError::invalid_value(format!(
                "No person with the id {user_id:?} is in this organization."
            )));
        }
        // Someone who left meanwhile is on no team already.
        _ => {}
    }
    Ok(())
}
