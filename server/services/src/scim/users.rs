//! SCIM Users: the organization's people as its identity provider provisions them.
//!
//! Provisioning someone finds (or creates, just in time) the account their address is
//! (`purser_core::scim::account_email`) and makes them a member (an existing account
//! of someone outside the organization joins by invitation, not by the provider); `active: false` or
//! DELETE ends whatever role they hold, at once; reactivation makes them a member again
//! (never more). Their teams wait while they are inactive. With a `directory`
//! provider their address joins and leaves the list with them. Everything is audited
//! with the SCIM token as the actor.

use super::error::{ScimError, ScimResult};
use super::json::{self, Kind, Shape};
use super::list::{self, Listing, Query};
use super::{admitted, etag, timestamp, Provisioner};
use crate::accounts;
use crate::audit::{self, Event};
use crate::error::Error;
use crate::orgs::{self, Counter};
use crate::storage::db::{self, Conn, Db};
use purser_core::identity::provider_speaks_for;
use purser_core::scim::{account_email, on_active, SentEmail, Standing, MAX_EMAILS};
use purser_core::values::TextRule;
use purser_core::{Email, IdentityProvider, Role};
use serde_json::{json, Map, Value};
use sqlx::Row;

pub const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Purser's own extension: the person's role in the organization (read only).
pub const EXTENSION: &str = "urn:purser:params:scim:schemas:extension:2.0:User";

const NAME_PARTS: &[&str] = &["formatted", "familyName", "givenName"];
const EMAIL_PARTS: &[&str] = &["value", "type", "primary", "display"];

pub const SHAPE: Shape = Shape {
    schema: SCHEMA,
    attributes: &[
        ("id", Kind::ReadOnly),
        ("meta", Kind::ReadOnly),
        ("schemas", Kind::ReadOnly),
        ("externalId", Kind::Simple),
        ("userName", Kind::Simple),
        ("name", Kind::Complex(NAME_PARTS)),
        ("displayName", Kind::Simple),
        ("emails", Kind::Multi(EMAIL_PARTS)),
        ("active", Kind::Simple),
    ],
};

/// A user as a provider describes them, checked.
struct Input {
    user_name: String,
    external_id: Option<String>,
    display_name: Option<String>,
    formatted: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    /// As sent (canonical names), each with a string `value`.
    emails: Vec<Value>,
    /// `None` when the provider did not say (or removed it): active, and not answered.
    active: Option<bool>,
}

fn text(attribute: &str, value: Option<&Value>) -> ScimResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => TextRule::SCIM_TEXT
            .parse(s)
            .map(|t| Some(t.into_string()).filter(|t| !t.is_empty()))
            .map_err(|e| ScimError::invalid_value(format!("{attribute}: {}", e.message))),
        Some(_) => Err(ScimError::invalid_value(format!(
            "{attribute} is a string."
        ))),
    }
}

impl Input {
    fn read(map: &Map<String, Value>) -> ScimResult<Input> {
        let user_name = match map.get("userName") {
            Some(Value::String(s)) => TextRule::SCIM_USER_NAME
                .parse(s)
                .map_err(|e| ScimError::invalid_value(format!("userName: {}", e.message)))?
                .into_string(),
            _ => return Err(ScimError::invalid_value("userName is required.")),
        };
        let name = match map.get("name") {
            None => Map::new(),
            Some(Value::Object(o)) => o.clone(),
            Some(_) => return Err(ScimError::invalid_value("name is an object.")),
        };
        let emails = match map.get("emails") {
            None => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return Err(ScimError::invalid_value("emails is a list.")),
        };
        if emails.len() > MAX_EMAILS {
            return Err(ScimError::invalid_value(format!(
                "At most {MAX_EMAILS} addresses in emails."
            )));
        }
        for email in &emails {
            let Value::Object(o) = email else {
                return Err(ScimError::invalid_value("Each of emails is an object."));
            };
            if !matches!(o.get("value"), Some(Value::String(_))) {
                return Err(ScimError::invalid_value("Each of emails needs a value."));
            }
            for part in ["value", "type", "display"] {
                text(&format!("emails.{part}"), o.get(part))?;
            }
            if o.get("primary").is_some_and(|p| !p.is_boolean()) {
                return Err(ScimError::invalid_value("emails.primary is a boolean."));
            }
        }
        let active = match map.get("active") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                json::boolean(v).ok_or_else(|| ScimError::invalid_value("active is a boolean."))?,
            ),
        };
        Ok(Input {
            user_name,
            external_id: text("externalId", map.get("externalId"))?,
            display_name: text("displayName", map.get("displayName"))?,
            formatted: text("name.formatted", name.get("formatted"))?,
            given_name: text("name.givenName", name.get("givenName"))?,
            family_name: text("name.familyName", name.get("familyName"))?,
            emails,
            active,
        })
    }

    /// The address that is the person's account.
    fn account_email(&self) -> ScimResult<Email> {
        let sent: Vec<SentEmail<'_>> = self
            .emails
            .iter()
            .map(|e| SentEmail {
                value: e.get("value").and_then(Value::as_str).unwrap_or_default(),
                kind: e.get("type").and_then(Value::as_str),
                primary: e.get("primary") == Some(&Value::Bool(true)),
            })
            .collect();
        account_email(&self.user_name, &sent)
            .map_err(|e| ScimError::invalid_value(format!("{}: {}", e.field, e.message)))
    }

    /// What to call a new account: the provider's display name, else the name it sent.
    fn person_name(&self, email: &Email) -> String {
        self.display_name
            .clone()
            .or_else(|| self.formatted.clone())
            .or_else(|| {
                let parts: Vec<&str> = [&self.given_name, &self.family_name]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                Some(parts.join(" ")).filter(|n| !n.is_empty())
            })
            .unwrap_or_else(|| email.as_str().to_owned())
    }
}

/// The columns a user is read from (`s` is scim_users, `m` the membership).
const COLUMNS: &str = "s.user_id, s.user_name, s.external_id, s.display_name, s.name_formatted, \
    s.given_name, s.family_name, s.emails, s.active, s.created_at, s.updated_at, s.version, m.role";
const FROM: &str =
    "scim_users s LEFT JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id";

/// A stored user as SCIM answers it.
fn resource(row: &sqlx::any::AnyRow, base: &str) -> ScimResult<Value> {
    let id: String = row.try_get("user_id").map_err(Error::from)?;
    let get = |c: &str| -> ScimResult<Option<String>> { Ok(row.try_get(c).map_err(Error::from)?) };
    let emails: String = row.try_get("emails").map_err(Error::from)?;
    let emails: Value = serde_json::from_str(&emails).unwrap_or(Value::Array(Vec::new()));
    let role: Option<Role> = row.try_get("role").map_err(Error::from)?;
    let version: i64 = row.try_get("version").map_err(Error::from)?;
    let active: Option<i64> = row.try_get("active").map_err(Error::from)?;
    let mut user = json!({
        "schemas": [SCHEMA],
        "id": id,
        "userName": get("user_name")?,
        "meta": {
            "resourceType": "User",
            "created": timestamp(row.try_get("created_at").map_err(Error::from)?),
            "lastModified": timestamp(row.try_get("updated_at").map_err(Error::from)?),
            "location": format!("{base}/Users/{id}"),
            "version": etag(version),
        },
    });
    let object = user.as_object_mut().expect("a JSON object");
    if let Some(active) = active {
        object.insert("active".into(), Value::Bool(active != 0));
    }
    for (key, column) in [
        ("externalId", "external_id"),
        ("displayName", "display_name"),
    ] {
        if let Some(v) = get(column)? {
            object.insert(key.into(), v.into());
        }
    }
    let mut name = Map::new();
    for (key, column) in [
        ("formatted", "name_formatted"),
        ("givenName", "given_name"),
        ("familyName", "family_name"),
    ] {
        if let Some(v) = get(column)? {
            name.insert(key.into(), v.into());
        }
    }
    if !name.is_empty() {
        object.insert("name".into(), Value::Object(name));
    }
    if emails.as_array().is_some_and(|e| !e.is_empty()) {
        object.insert("emails".into(), emails);
    }
    // Answered when asked for (`returned: request`; `list::project` drops it otherwise).
    if let Some(role) = role {
        object.insert(EXTENSION.into(), json!({ "role": role.as_str() }));
    }
    Ok(user)
}

/// The user `id` as stored, in the caller's transaction.
async fn find(conn: &mut Conn, org_id: &str, id: &str) -> ScimResult<sqlx::any::AnyRow> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE s.org_id = $1 AND s.user_id = $2"
    ))
    .bind(org_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(Error::from)?
    .ok_or_else(|| ScimError::not_found("user"))
}

pub async fn get(db: &Db, p: &Provisioner, base: &str, id: &str) -> ScimResult<Value> {
    let mut conn = db.acquire().await.map_err(Error::from)?;
    resource(&find(&mut conn, &p.org_id, id).await?, base)
}

/// A page of the organization's provisioned people.
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
        from: FROM,
        org_column: "s.org_id",
        order: "s.created_at, s.user_id",
        counter: Counter::ScimUsers,
        attribute: user_column,
    };
    let (total, rows) = list::read(db, &p.org_id, &listing, query).await?;
    let resources = rows
        .iter()
        .map(|r| resource(r, base))
        .collect::<ScimResult<Vec<_>>>()?;
    Ok((total, resources))
}

/// The column a filter's attribute reads, and how it compares.
fn user_column(key: &str) -> Option<list::Column> {
    use list::Column;
    Some(match key {
        "id" => Column::exact("s.user_id"),
        "username" => Column::folded("s.user_name_key"),
        "externalid" => Column::exact("s.external_id"),
        "displayname" => Column::text("s.display_name"),
        "name.formatted" => Column::text("s.name_formatted"),
        "name.givenname" => Column::text("s.given_name"),
        "name.familyname" => Column::text("s.family_name"),
        // The address that is the account (the others are kept as sent, not indexed).
        "emails" | "emails.value" => {
            Column::folded("(SELECT u.email FROM users u WHERE u.id = s.user_id)")
        }
        "active" => Column::flag("s.active"),
        "meta.created" => Column::time("s.created_at"),
        "meta.lastmodified" => Column::time("s.updated_at"),
        _ => return None,
    })
}

/// Provisions a person: their account (found by address, or created just in time),
/// and a member's role unless they are sent inactive.
pub async fn create(db: &Db, p: &Provisioner, base: &str, body: Value) -> ScimResult<Value> {
    let input = Input::read(&json::canonical_resource(&SHAPE, body)?)?;
    let email = input.account_email()?;
    // The account first, outside the transaction (SQLite has one writer at a time).
    let (user, made_now) = match accounts::find_by_email(db, &email).await? {
        Some(user) => (user, false),
        None => (
            accounts::create_from_provider(db, &email, &input.person_name(&email)).await?,
            true,
        ),
    };
    let mut tx = db::begin_write(db).await.map_err(Error::from)?;
    orgs::lock_memberships(&mut tx, &p.org_id).await?;
    // An account of someone outside the organization is not the provider's to bring
    // in: it is recorded, and its owner joins by invitation. (Were it made a member,
    // the organization's single sign-on could then sign in as them everywhere.)
    let may_join = provider_speaks_for(
        made_now,
        orgs::role_of(&mut tx, &p.org_id, &user.id).await?.is_some(),
    );
    let taken = sqlx::query(
        "SELECT user_name FROM scim_users WHERE org_id = $1 AND (user_name_key = $2 OR user_id = $3)",
    )
    .bind(&p.org_id)
    .bind(input.user_name.to_lowercase())
    .bind(&user.id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(Error::from)?;
    if let Some(row) = taken {
        let name: String = row.try_get("user_name").map_err(Error::from)?;
        return Err(ScimError::uniqueness(format!(
            "{email} is provisioned already, as {name:?}."
        )));
    }
    let now = db::now_ms();
    sqlx::query(
        "INSERT INTO scim_users (org_id, user_id, user_name, user_name_key, external_id, display_name, \
         name_formatted, given_name, family_name, emails, active, created_at, updated_at, version, may_join) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 1, $13)",
    )
    .bind(&p.org_id)
    .bind(&user.id)
    .bind(&input.user_name)
    .bind(input.user_name.to_lowercase())
    .bind(&input.external_id)
    .bind(&input.display_name)
    .bind(&input.formatted)
    .bind(&input.given_name)
    .bind(&input.family_name)
    .bind(Value::Array(input.emails.clone()).to_string())
    .bind(input.active.map(i64::from))
    .bind(now)
    .bind(i64::from(may_join))
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        Error::on_duplicate(e, || {
            format!("{:?} is provisioned already.", input.user_name)
        })
    })?;
    orgs::count(&mut tx, &p.org_id, Counter::ScimUsers, 1).await?;
    audit::record(
        &mut tx,
        &p.org_id,
        p.actor(),
        Event::ScimUserProvisioned,
        email.as_str(),
        &input.user_name,
    )
    .await?;
    settle(
        &mut tx,
        p,
        &user.id,
        email.as_str(),
        input.active != Some(false),
    )
    .await?;
    let created = resource(&find(&mut tx, &p.org_id, &user.id).await?, base)?;
    tx.commit().await.map_err(Error::from)?;
    Ok(created)
}

/// Replaces what the provider says about a person (PUT).
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

/// Applies PATCH operations to what is stored, then stores the result as PUT would.
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

/// Reads the user in a transaction holding the organization's memberships, makes the
/// new description from the current one, stores it and settles their role.
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
    let was_active = row
        .try_get::<Option<i64>, _>("active")
        .map_err(Error::from)?
        != Some(0);
    let input = change(resource(&row, base)?)?;
    let clash = sqlx::query(
        "SELECT 1 AS one FROM scim_users WHERE org_id = $1 AND user_name_key = $2 AND user_id <> $3",
    )
    .bind(&p.org_id)
    .bind(input.user_name.to_lowercase())
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(Error::from)?;
    if clash.is_some() {
        return Err(ScimError::uniqueness(format!(
            "Another person is provisioned as {:?}.",
            input.user_name
        )));
    }
    sqlx::query(
        "UPDATE scim_users SET user_name = $1, user_name_key = $2, external_id = $3, display_name = $4, \
         name_formatted = $5, given_name = $6, family_name = $7, emails = $8, active = $9, \
         updated_at = $10, version = version + 1 WHERE org_id = $11 AND user_id = $12",
    )
    .bind(&input.user_name)
    .bind(input.user_name.to_lowercase())
    .bind(&input.external_id)
    .bind(&input.display_name)
    .bind(&input.formatted)
    .bind(&input.given_name)
    .bind(&input.family_name)
    .bind(Value::Array(input.emails.clone()).to_string())
    .bind(input.active.map(i64::from))
    .bind(db::now_ms())
    .bind(&p.org_id)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    let email = account_address(&mut tx, id).await?;
    let active = input.active != Some(false);
    let event = match (was_active, active) {
        (true, false) => Event::ScimUserDeactivated,
        (false, true) => Event::ScimUserReactivated,
        _ => Event::ScimUserUpdated,
    };
    audit::record(
        &mut tx,
        &p.org_id,
        p.actor(),
        event,
        &email,
        &input.user_name,
    )
    .await?;
    settle(&mut tx, p, id, &email, active).await?;
    let updated = resource(&find(&mut tx, &p.org_id, id).await?, base)?;
    tx.commit().await.map_err(Error::from)?;
    Ok(updated)
}

/// Deprovisions a person: their role ends and the provider's record of them goes.
pub async fn delete(db: &Db, p: &Provisioner, id: &str, if_match: Option<&str>) -> ScimResult<()> {
    let mut tx = db::begin_write(db).await.map_err(Error::from)?;
    orgs::lock_memberships(&mut tx, &p.org_id).await?;
    let row = find(&mut tx, &p.org_id, id).await?;
    admitted(&row, if_match)?;
    let email = account_address(&mut tx, id).await?;
    settle(&mut tx, p, id, &email, false).await?;
    sqlx::query(
        "DELETE FROM scim_parked_team_members WHERE user_id = $1 \
         AND team_id IN (SELECT id FROM teams WHERE org_id = $2)",
    )
    .bind(id)
    .bind(&p.org_id)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    sqlx::query("DELETE FROM scim_users WHERE org_id = $1 AND user_id = $2")
        .bind(&p.org_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
    orgs::count(&mut tx, &p.org_id, Counter::ScimUsers, -1).await?;
    let user_name: String = row.try_get("user_name").map_err(Error::from)?;
    audit::record(
        &mut tx,
        &p.org_id,
        p.actor(),
        Event::ScimUserDeleted,
        &email,
        &user_name,
    )
    .await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(())
}

async fn account_address(conn: &mut Conn, user_id: &str) -> ScimResult<String> {
    Ok(sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(Error::from)?)
}

/// Whether the provider has deactivated this person in the organization (they may not
/// join it another way meanwhile: an invitation, a sign-in through single sign-on).
pub async fn is_deactivated(
    conn: &mut Conn,
    org_id: &str,
    user_id: &str,
) -> crate::error::Result<bool> {
    let active: Option<Option<i64>> =
        sqlx::query_scalar("SELECT active FROM scim_users WHERE org_id = $1 AND user_id = $2")
            .bind(org_id)
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(active == Some(Some(0)))
}

/// Makes the person's role what `active` says (`purser_core::scim::on_active`), in the
/// caller's transaction, which holds the organization's memberships. The provider
/// grants a role only to an account it may bring in (`may_join`: made for it, or one
/// that has held a role here, which this notes).
async fn settle(
    conn: &mut Conn,
    p: &Provisioner,
    user_id: &str,
    email: &str,
    active: bool,
) -> ScimResult<()> {
    let role = orgs::role_of(conn, &p.org_id, user_id).await?;
    let may_join: i64 = if role.is_some() {
        sqlx::query("UPDATE scim_users SET may_join = 1 WHERE org_id = $1 AND user_id = $2")
            .bind(&p.org_id)
            .bind(user_id)
            .execute(&mut *conn)
            .await
            .map_err(Error::from)?;
        1
    } else {
        sqlx::query_scalar("SELECT may_join FROM scim_users WHERE org_id = $1 AND user_id = $2")
            .bind(&p.org_id)
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(Error::from)?
    };
    let admins = orgs::admin_count(conn, &p.org_id).await?;
    let standing =
        on_active(role, active, admins, may_join != 0).map_err(|e| ScimError::Protocol {
            status: axum::http::StatusCode::CONFLICT,
            scim_type: None,
            detail: e.to_string(),
        })?;
    let directory = p.kind == IdentityProvider::Directory;
    match standing {
        Standing::Keep => {}
        Standing::JoinAsMember => {
            orgs::add_member(conn, &p.org_id, user_id, Role::Member).await?;
            audit::record(
                conn,
                &p.org_id,
                p.actor(),
                Event::RoleGranted,
                email,
                Role::Member.as_str(),
            )
            .await?;
            // Their teams, kept while they were inactive.
            let parked: Vec<(String, String)> = sqlx::query_as(
                "SELECT t.id, t.name FROM scim_parked_team_members k JOIN teams t ON t.id = k.team_id \
                 WHERE k.user_id = $1 AND t.org_id = $2",
            )
            .bind(user_id)
            .bind(&p.org_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(Error::from)?;
            for (team_id, team_name) in &parked {
                crate::teams::set_membership(
                    conn,
                    &p.org_id,
                    p.actor(),
                    (team_id, team_name),
                    user_id,
                    true,
                )
                .await?;
            }
            unpark(conn, &p.org_id, user_id).await?;
        }
        Standing::Remove(current) => {
            sqlx::query(
                "INSERT INTO scim_parked_team_members (team_id, user_id) \
                 SELECT tm.team_id, tm.user_id FROM team_members tm JOIN teams t ON t.id = tm.team_id \
                 WHERE t.org_id = $1 AND tm.user_id = $2 ON CONFLICT (team_id, user_id) DO NOTHING",
            )
            .bind(&p.org_id)
            .bind(user_id)
            .execute(&mut *conn)
            .await
            .map_err(Error::from)?;
            orgs::end_role(conn, &p.org_id, p.actor(), user_id, (email, current)).await?;
        }
    }
    if directory {
        crate::directory::list_with(conn, &p.org_id, p.actor(), email, active).await?;
    }
    Ok(())
}

async fn unpark(conn: &mut Conn, org_id: &str, user_id: &str) -> ScimResult<()> {
    sqlx::query(
        "DELETE FROM scim_parked_team_members WHERE user_id = $1 \
         AND team_id IN (SELECT id FROM teams WHERE org_id = $2)",
    )
    .bind(user_id)
    .bind(org_id)
    .execute(&mut *conn)
    .await
    .map_err(Error::from)?;
    Ok(())
}
