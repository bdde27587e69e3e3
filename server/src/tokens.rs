//! Personal access tokens: an account's keys to the REST API.
//!
//! A token is shown once, when created, and stored only as a hash.

use crate::accounts::User;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::secrets;
use purser_core::tokens::{self, TokenFilter};
use purser_core::views::TokenView;

/// Recognisable prefix, so secret scanners can find leaked Purser tokens.
pub const PREFIX: &str = "pur_";

/// A token just created: the only time its value is known.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: String,
    pub value: String,
}

pub fn parse_description(input: &str) -> Result<String> {
    Ok(purser_core::values::TextRule::TOKEN_DESCRIPTION
        .parse(input)?
        .into_string())
}

/// Creates a token; `expires_secs` is Pulumi's `expires` (Unix seconds, `0` for never).
pub async fn create(
    db: &Db,
    user: &User,
    description: &str,
    expires_secs: i64,
) -> Result<NewToken> {
    let description = parse_description(description)?;
    let now = db::now_ms();
    let expires_at = tokens::expiry(expires_secs, now)?;
    let value = secrets::generate(PREFIX);
    let id = db::new_id();
    sqlx::query(
        "INSERT INTO personal_access_tokens (id, user_id, description, secret_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(&user.id)
    .bind(&description)
    .bind(secrets::hash(&value))
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(NewToken { id, value })
}

/// The account's tokens that `filter` shows, newest first.
pub async fn list(db: &Db, user: &User, filter: TokenFilter) -> Result<Vec<TokenView>> {
    let all: Vec<TokenView> = sqlx::query_as(
        "SELECT id, description, created_at, last_used_at, expires_at FROM personal_access_tokens \
         WHERE user_id = $1 ORDER BY created_at DESC, id",
    )
    .bind(&user.id)
    .fetch_all(db)
    .await?;
    let now = db::now_ms();
    Ok(all
        .into_iter()
        .filter(|t| filter.shows(t.expires_at, now))
        .collect())
}

/// Revokes one of the caller's own tokens; someone else's is "not found".
pub async fn revoke(db: &Db, user: &User, id: &str) -> Result<()> {
    let done = sqlx::query("DELETE FROM personal_access_tokens WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(&user.id)
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("No such token.".into()));
    }
    Ok(())
}
