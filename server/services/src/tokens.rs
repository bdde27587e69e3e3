//! Personal access tokens: an account's keys to the REST API.
//!
//! A token is shown once, when created, and stored only as a hash.

use crate::accounts::{SignedInWith, User};
use crate::error::{Error, Result};
use crate::secrets;
use crate::storage::cursor::{Page, PageAsk, Position};
use crate::storage::db::{self, Db};
use purser_core::tokens::{self, TokenFilter};
use purser_core::verification::{check_verified, NeedsVerifiedEmail};
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

/// Creates a token for `user`, who asks signed in `with` a session or a token;
/// `expires_secs` is Pulumi's `expires` (Unix seconds, `0` for never). A token made
/// with a token ends no later than it, and is revoked with it.
pub async fn create(
    db: &Db,
    user: &User,
    with: &SignedInWith,
    description: &str,
    expires_secs: i64,
) -> Result<NewToken> {
    check_verified(user.email_verified, NeedsVerifiedEmail::CreateToken)
        .map_err(|e| Error::Forbidden(e.to_string()))?;
    let description = parse_description(description)?;
    let now = db::now_ms();
    let expires_at = tokens::expiry(expires_secs, now)?;
    tokens::check_created_by(with.credential(), expires_at)?;
    let value = secrets::generate(PREFIX);
    let id = db::new_id();
    sqlx::query(
        "INSERT INTO personal_access_tokens \
         (id, user_id, description, secret_hash, created_at, expires_at, created_by_token) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(&user.id)
    .bind(&description)
    .bind(secrets::hash(&value))
    .bind(now)
    .bind(expires_at)
    .bind(with.token_id())
    .execute(db)
    .await?;
    Ok(NewToken { id, value })
}

/// The account's tokens that `filter` shows, newest first.
/// The caller's tokens, newest first, a keyset page at a time.
pub async fn list(
    db: &Db,
    user: &User,
    filter: TokenFilter,
    ask: PageAsk<'_>,
) -> Result<Page<TokenView>> {
    let scope = format!("personal-tokens:{}", user.id);
    ask.read(&scope, async |request| {
        let rows: Vec<TokenView> = sqlx::query_as(&format!(
            "SELECT id, description, created_at, last_used_at, expires_at FROM personal_access_tokens \
             WHERE user_id = $1 AND {} AND (created_at, id) < ($4, $5) \
             ORDER BY created_at DESC, id DESC LIMIT $6",
            shown_sql("expires_at", "$2", "$3")
        ))
        .bind(&user.id)
        .bind(shows_active(filter))
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
    }).await
}

/// What a list's filter keeps, as the parameter [`shown_sql`] takes: only active
/// tokens, only expired ones, or (`None`) all.
pub fn shows_active(filter: TokenFilter) -> Option<bool> {
    match filter {
        TokenFilter::Active => Some(true),
        TokenFilter::Expired => Some(false),
        TokenFilter::All => None,
    }
}

/// `core::tokens::is_active` as SQL, for a list to filter before it pages: a token
/// is active until its expiry. `active` is the parameter bound to [`shows_active`],
/// `now` the one bound to the current time in milliseconds.
pub fn shown_sql(expires_at: &str, active: &str, now: &str) -> String {
    format!("({active} IS NULL OR {active} = ({expires_at} IS NULL OR {now} < {expires_at}))")
}

/// Revokes one of the caller's own tokens, and with it every token made with it (the
/// database cascades); someone else's is "not found".
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
