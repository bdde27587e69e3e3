//! Organization access tokens: list, create (the value is answered once) and revoke.

use crate::access::Acting;
use crate::audit::{self, Event};
use crate::error::{Error, Result};
use crate::secrets;
use crate::storage::cursor::{Page, PageAsk, Position};
use crate::storage::db::{self, Db};
use crate::tokens;
use purser_core::tokens::TokenFilter;
use purser_core::values::TextRule;
use purser_core::views::OrgTokenView;
use purser_core::Action;
use sqlx::Row;

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
pub async fn list(
    db: &Db,
    at: &Acting,
    filter: TokenFilter,
    ask: PageAsk<'_>,
) -> Result<Page<OrgTokenView>> {
    let access = &at.access;
    at.require(Action::TokensList)?;
    let scope = format!("org-tokens:{}", access.org.id);
    let page = ask.read(&scope, async |request| {
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
        Ok(rows)
    }, |t| Position {
        at: t.created_at,
        id: t.id.clone(),
    });
    Ok(page.await?.map(OrgTokenView::from))
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
pub async fn create(db: &Db, at: &Acting, new: NewOrgToken<'_>) -> Result<(OrgTokenView, String)> {
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

pub async fn revoke(db: &Db, at: &Acting, id: &str) -> Result<()> {
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
