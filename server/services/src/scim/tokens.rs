//! The tokens an identity provider provisions with: made by an admin on Settings →
//! Identity provider (or `POST /api/orgs/{org}/scim-tokens`), shown once, stored
//! hashed, revoked at will, every change audited. A token acts on its organization's
//! SCIM endpoint and nothing else: no other route reads `scim_tokens`.

use crate::access::Acting;
use crate::audit::{self, Actor, Event};
use crate::error::{Error, Result};
use crate::secrets;
use crate::storage::cursor::{Page, PageAsk, Position};
use crate::storage::db::{self, Conn, Db};
use purser_core::values::TextRule;
use purser_core::views::ScimTokenView;
use purser_core::{Action, IdentityProvider};
use sqlx::Row;

/// What every SCIM token's value starts with (secret scanners can find a leaked one).
pub const PREFIX: &str = "pur_scim_";

/// The identity provider acting on an organization's SCIM endpoint, through one token.
#[derive(Debug, Clone)]
pub struct Provisioner {
    pub org_id: String,
    pub org_name: String,
    pub kind: IdentityProvider,
    pub token_id: String,
    /// How the audit log names it: `SCIM token "<description>"`.
    pub label: String,
}

impl Provisioner {
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            id: None,
            label: &self.label,
        }
    }
}

/// The provisioner a bearer token is, for the organization named in the URL: a token
/// of another organization, revoked, or unknown is the same 401 (nothing says which).
pub async fn authenticate(db: &Db, org: &str, bearer: Option<&str>) -> Result<Provisioner> {
    let refused = || {
        Error::Unauthenticated(
            "A SCIM token of this organization is required (Authorization: Bearer …).".into(),
        )
    };
    let token = bearer
        .filter(|t| t.starts_with(PREFIX))
        .ok_or_else(refused)?;
    let row = sqlx::query(
        "SELECT t.id, t.description, o.id AS org_id, o.name, o.idp_kind, t.last_used_at \
         FROM scim_tokens t JOIN organizations o ON o.id = t.org_id \
         WHERE t.secret_hash = $1 AND o.name = $2",
    )
    .bind(secrets::hash(token))
    .bind(org.trim().to_lowercase())
    .fetch_optional(db)
    .await?
    .ok_or_else(refused)?;
    let kind: String = row.try_get("idp_kind")?;
    let kind: IdentityProvider = kind
        .parse()
        .map_err(|e| Error::internal("a stored identity provider", e))?;
    let provisioner = Provisioner {
        org_id: row.try_get("org_id")?,
        org_name: row.try_get("name")?,
        kind,
        token_id: row.try_get("id")?,
        label: format!("SCIM token {:?}", row.try_get::<String, _>("description")?),
    };
    if !kind.takes_provisioning() {
        return Err(Error::Forbidden(
            "This organization lets any invited account join (identity provider: open), so it takes no provisioning: choose a directory or single sign-on first.".into(),
        ));
    }
    // Noted at most once a minute, so a busy provider costs one write a minute.
    let last_used: Option<i64> = row.try_get("last_used_at")?;
    let now = db::now_ms();
    if last_used.is_none_or(|at| now - at > 60_000) {
        sqlx::query("UPDATE scim_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&provisioner.token_id)
            .execute(db)
            .await?;
    }
    Ok(provisioner)
}

/// The organization's SCIM tokens, newest first, without their values.
pub async fn list(db: &Db, at: &Acting, ask: PageAsk<'_>) -> Result<Page<ScimTokenView>> {
    at.require(Action::SettingsConfigureIdentityProvider)?;
    let org_id = &at.access.org.id;
    let scope = format!("scim-tokens:{org_id}");
    let page = ask.read(
        &scope,
        async |request| {
            let rows = sqlx::query(
                "SELECT t.id, t.description, u.login AS created_by, t.created_at, t.last_used_at \
                 FROM scim_tokens t LEFT JOIN users u ON u.id = t.created_by \
                 WHERE t.org_id = $1 AND (t.created_at, t.id) < ($2, $3) \
                 ORDER BY t.created_at DESC, t.id DESC LIMIT $4",
            )
            .bind(org_id)
            .bind(request.after_at(i64::MAX))
            .bind(request.after_id())
            .bind(request.fetch())
            .fetch_all(db)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(ScimTokenView {
                        id: r.try_get("id")?,
                        description: r.try_get("description")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                        last_used_at: r.try_get("last_used_at")?,
                    })
                })
                .collect::<Result<Vec<_>>>()
        },
        |t| Position {
            at: t.created_at,
            id: t.id.clone(),
        },
    );
    page.await
}

/// Makes a SCIM token; its value is returned this once.
pub async fn create(db: &Db, at: &Acting, description: &str) -> Result<(ScimTokenView, String)> {
    at.require(Action::SettingsConfigureIdentityProvider)?;
    let (org, actor) = (&at.access.org, &at.actor);
    let description = TextRule::SCIM_TOKEN_DESCRIPTION
        .parse(description)?
        .into_string();
    let value = secrets::generate(PREFIX);
    let token = ScimTokenView {
        id: db::new_id(),
        description,
        created_by: Some(actor.login.clone()),
        created_at: db::now_ms(),
        last_used_at: None,
    };
    let mut tx = db::begin_write(db).await?;
    sqlx::query(
        "INSERT INTO scim_tokens (id, org_id, description, secret_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token.id)
    .bind(&org.id)
    .bind(&token.description)
    .bind(secrets::hash(&value))
    .bind(&actor.id)
    .bind(token.created_at)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &org.id,
        actor.into(),
        Event::ScimTokenCreated,
        &token.description,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok((token, value))
}

/// Revokes a SCIM token: the provider's next request with it is refused.
pub async fn revoke(db: &Db, at: &Acting, id: &str) -> Result<()> {
    at.require(Action::SettingsConfigureIdentityProvider)?;
    let (org, actor) = (&at.access.org, &at.actor);
    let mut tx = db::begin_write(db).await?;
    let description = revoke_in(&mut tx, &org.id, id).await?;
    audit::record(
        &mut tx,
        &org.id,
        actor.into(),
        Event::ScimTokenRevoked,
        &description,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn revoke_in(conn: &mut Conn, org_id: &str, id: &str) -> Result<String> {
    let row =
        sqlx::query("DELETE FROM scim_tokens WHERE org_id = $1 AND id = $2 RETURNING description")
            .bind(org_id)
            .bind(id)
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| Error::NotFound("No such SCIM token.".into()))?;
    Ok(row.try_get("description")?)
}
