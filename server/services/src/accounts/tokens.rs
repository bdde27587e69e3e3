//! Signing in with a personal access token: who a token belongs to, read with the
//! client address's block in one statement.

use super::{User, USER_COLUMNS};
use crate::error::Result;
use crate::secrets;
use crate::storage::db::{self, Db};
use purser_core::tokens::Credential;
use sqlx::Row;

/// How old a token's `last_used_at` may be before a request writes it again: a token
/// used many times a second costs one write a minute, not one per request.
const TOKEN_TOUCH_AFTER_MS: i64 = 60_000;

/// What a request was signed in with, as far as making tokens goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedInWith {
    Session,
    /// One of the account's personal access tokens.
    Token {
        id: String,
        expires_at: Option<i64>,
    },
}

impl SignedInWith {
    /// What `core` needs to know of it.
    pub fn credential(&self) -> Credential {
        match self {
            SignedInWith::Session => Credential::Session,
            SignedInWith::Token { expires_at, .. } => Credential::Token {
                expires_at: *expires_at,
            },
        }
    }

    pub fn token_id(&self) -> Option<&str> {
        match self {
            SignedInWith::Session => None,
            SignedInWith::Token { id, .. } => Some(id),
        }
    }
}

/// What a token's lookup found: the account and the token, and whether the caller's
/// address was blocked from token authentication meanwhile (read in the same
/// statement, `throttle`: then the token is not used, found or not).
pub struct TokenLookup {
    pub found: Option<(User, SignedInWith)>,
    /// Unix ms until which the block lasts.
    pub blocked_until: Option<i64>,
}

/// The account a personal access token belongs to, and the token (its id and expiry);
/// notes the token's last use (to the minute). An expired token is as unknown as a
/// made-up one. With `block`, the key of the caller's address in the shared rate-limit
/// table, whether that address is blocked is read in the same statement: every
/// token-authenticated request pays one round trip to the database, not two.
pub async fn user_for_token(db: &Db, token: &str, block: Option<&str>) -> Result<TokenLookup> {
    let hash = secrets::hash(token);
    let now = db::now_ms();
    let (row, blocked_until) = match block {
        // One row always: the block (if any) beside the token (if any).
        Some(block) => {
            let row = sqlx::query(&format!(
                "SELECT b.tat AS blocked_until, t.id AS token_id, t.last_used_at, t.expires_at, {USER_COLUMNS} \
                 FROM (SELECT 1 AS one) q \
                 LEFT JOIN rate_limits b ON b.key = $3 AND b.tat > $2 \
                 LEFT JOIN personal_access_tokens t ON t.secret_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2) \
                 LEFT JOIN users u ON u.id = t.user_id"
            ))
            .bind(&hash)
            .bind(now)
            .bind(block)
            .fetch_one(db)
            .await?;
            let blocked_until: Option<i64> = row.try_get("blocked_until")?;
            (Some(row), blocked_until)
        }
        None => {
            let row = sqlx::query(&format!(
                "SELECT t.id AS token_id, t.last_used_at, t.expires_at, {USER_COLUMNS} \
                 FROM personal_access_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.secret_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)"
            ))
            .bind(&hash)
            .bind(now)
            .fetch_optional(db)
            .await?;
            (row, None)
        }
    };
    let Some(row) = row else {
        return Ok(TokenLookup {
            found: None,
            blocked_until: None,
        });
    };
    let token_id: Option<String> = row.try_get("token_id")?;
    let (Some(token_id), None) = (token_id, blocked_until) else {
        return Ok(TokenLookup {
            found: None,
            blocked_until,
        });
    };
    let last_used_at: Option<i64> = row.try_get("last_used_at")?;
    let stale = now - TOKEN_TOUCH_AFTER_MS;
    if last_used_at.is_none_or(|at| at <= stale) {
        sqlx::query(
            "UPDATE personal_access_tokens SET last_used_at = $1 \
             WHERE secret_hash = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(now)
        .bind(&hash)
        .bind(stale)
        .execute(db)
        .await?;
    }
    let with = SignedInWith::Token {
        id: token_id,
        expires_at: row.try_get("expires_at")?,
    };
    Ok(TokenLookup {
        found: Some((User::from_row(&row)?, with)),
        blocked_until: None,
    })
}
