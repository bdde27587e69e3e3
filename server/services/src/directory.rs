//! The `directory` identity provider: the verified emails allowed into an organization.
//! Removing an email ends that person's access at once, because every request checks it
//! (see `access::Acting::in_org`).

use crate::access::Acting;
use crate::audit::{self, Event};
use crate::error::{Error, Result};
use crate::storage::cursor::{Page, PageAsk, Position};
use crate::storage::db::{self, Conn, Db};
use purser_core::views::DirectoryEntry;
use purser_core::{Action, Email, IdentityProvider};

pub async fn is_listed(conn: &mut Conn, org_id: &str, email: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM directory_entries WHERE org_id = $1 AND email = $2")
            .bind(org_id)
            .bind(email)
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

/// The directory by address, a keyset page at a time (on its primary key: a page costs
/// the same however many addresses are listed).
pub async fn list(db: &Db, at: &Acting, ask: PageAsk<'_>) -> Result<Page<DirectoryEntry>> {
    let access = &at.access;
    at.require(Action::SettingsView)?;
    let scope = format!("directory:{}", access.org.id);
    ask.read(
        &scope,
        async |request| {
            let rows: Vec<DirectoryEntry> = sqlx::query_as(
                "SELECT email, added_at FROM directory_entries WHERE org_id = $1 AND email > $2 \
                 ORDER BY email LIMIT $3",
            )
            .bind(&access.org.id)
            .bind(request.after_id())
            .bind(request.fetch())
            .fetch_all(db)
            .await?;
            Ok(rows)
        },
        |e| Position {
            at: 0,
            id: e.email.clone(),
        },
    )
    .await
}

pub async fn add(db: &Db, at: &Acting, email: &str) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::SettingsUpdate)?;
    let email = Email::parse(email)?;
    let mut tx = db::begin_write(db).await?;
    let inserted = insert(&mut tx, &access.org.id, email.as_str(), Some(&actor.id)).await?;
    if !inserted {
        return Err(Error::Conflict(format!(
            "{email} is already in the directory."
        )));
    }
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::DirectoryEntryAdded,
        email.as_str(),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn insert(conn: &mut Conn, org_id: &str, email: &str, by: Option<&str>) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO directory_entries (org_id, email, added_by, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, email) DO NOTHING",
    )
    .bind(org_id)
    .bind(email)
    .bind(by)
    .bind(db::now_ms())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove(db: &Db, at: &Acting, email: &str) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::SettingsUpdate)?;
    let email = Email::parse(email)?;
    let mut tx = db::begin_write(db).await?;
    // The provider as it is now, not as the request found it: a switch to `directory`
    // committed meanwhile must stop an admin from removing their own address.
    provider_now(&mut tx, &access.org.id)
        .await?
        .check_directory_removal(&email, &actor.email)
        .map_err(|e| Error::Conflict(e.to_string()))?;
    let done = sqlx::query("DELETE FROM directory_entries WHERE org_id = $1 AND email = $2")
        .bind(&access.org.id)
        .bind(email.as_str())
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(format!("{email} is not in the directory.")));
    }
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::DirectoryEntryRemoved,
        email.as_str(),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The organization's identity provider, with its row written first: changes of the
/// provider and of the directory queue behind each other, and each sees the one before.
async fn provider_now(conn: &mut Conn, org_id: &str) -> Result<IdentityProvider> {
    crate::orgs::lock(conn, org_id).await?;
    let (provider,): (IdentityProvider,) =
        sqlx::query_as("SELECT idp_kind FROM organizations WHERE id = $1")
            .bind(org_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(provider)
}

/// Changes the identity provider. Moving to `directory` first lists everyone who holds
/// a role now, so the change itself locks nobody out; admins then remove entries.
/// Moving to `oidc` needs a saved configuration (`sso::configure` saves one and can
/// switch at once).
pub async fn set_identity_provider(db: &Db, at: &Acting, to: IdentityProvider) -> Result<()> {
    at.require(Action::SettingsConfigureIdentityProvider)?;
    let mut tx = db::begin_write(db).await?;
    if to.is_sso()
        && crate::sso::stored(&mut tx, &at.access.org.id)
            .await?
            .is_none()
    {
        return Err(Error::Invalid(purser_core::ValueError {
            field: "issuer",
            message:
                "Configure the OpenID Connect provider first: issuer, clientId and clientSecret."
                    .into(),
        }));
    }
    switch_provider(&mut tx, at, to).await?;
    tx.commit().await?;
    Ok(())
}

/// Switches the organization to `to` inside the caller's transaction, audited with the
/// provider it replaces (read under the organization's lock).
pub(crate) async fn switch_provider(
    conn: &mut Conn,
    at: &Acting,
    to: IdentityProvider,
) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    let from = provider_now(conn, &access.org.id).await?;
    sqlx::query("UPDATE organizations SET idp_kind = $1 WHERE id = $2")
        .bind(to.as_str())
        .bind(&access.org.id)
        .execute(&mut *conn)
        .await?;
    if to == IdentityProvider::Directory {
        // One statement for everyone, however many they are.
        sqlx::query(
            "INSERT INTO directory_entries (org_id, email, added_by, added_at) \
             SELECT m.org_id, u.email, $2, $3 FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.org_id = $1 ON CONFLICT (org_id, email) DO NOTHING",
        )
        .bind(&access.org.id)
        .bind(&actor.id)
        .bind(db::now_ms())
        .execute(&mut *conn)
        .await?;
    }
    if from != to {
        audit::record(
            conn,
            &access.org.id,
            actor.into(),
            Event::IdentityProviderChanged,
            to.as_str(),
            &format!("from {from}"),
        )
        .await?;
    }
    Ok(())
}

/// Puts an address on the list or takes it off (`listed`), in the caller's
/// transaction, audited as `actor`'s doing when it changes anything (SCIM provisioning
/// keeps the list in step with whom the provider says is active).
pub(crate) async fn list_with(
    conn: &mut Conn,
    org_id: &str,
    actor: audit::Actor<'_>,
    email: &str,
    listed: bool,
) -> Result<()> {
    let changed = if listed {
        insert(&mut *conn, org_id, email, None).await?
    } else {
        sqlx::query("DELETE FROM directory_entries WHERE org_id = $1 AND email = $2")
            .bind(org_id)
            .bind(email)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1
    };
    if changed {
        let event = if listed {
            Event::DirectoryEntryAdded
        } else {
            Event::DirectoryEntryRemoved
        };
        audit::record(conn, org_id, actor, event, email, "").await?;
    }
    Ok(())
}
