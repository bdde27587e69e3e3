//! The outbox: messages are written in the same transaction as the change that
//! causes them, so an invitation is never committed without its email, nor an email
//! sent for a change that rolled back.
//!
//! A message's body carries secrets (accept and verification links), so it is kept
//! only until it is delivered or given up: after that the row keeps who, what subject
//! and when, and an empty body. (With `--dev-mailbox` nothing is delivered over SMTP
//! and bodies stay readable there; that mode is for development only.)

use crate::error::Result;
use crate::storage::db::{self, Conn, Db};
use sqlx::Row;

pub async fn enqueue(conn: &mut Conn, to: &str, subject: &str, body: &str) -> Result<()> {
    let now = db::now_ms();
    sqlx::query(
        "INSERT INTO outbox (id, to_address, subject, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(db::new_id())
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A message as stored.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    pub given_up_at: Option<i64>,
    pub last_error: Option<String>,
}

impl Message {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Message> {
        Ok(Message {
            id: r.try_get("id")?,
            to: r.try_get("to_address")?,
            subject: r.try_get("subject")?,
            body: r.try_get("body")?,
            created_at: r.try_get("created_at")?,
            attempts: r.try_get("attempts")?,
            sent_at: r.try_get("sent_at")?,
            given_up_at: r.try_get("given_up_at")?,
            last_error: r.try_get("last_error")?,
        })
    }
}

const COLUMNS: &str =
    "id, to_address, subject, body, created_at, attempts, sent_at, given_up_at, last_error";

/// After this many failed attempts (about two and a half hours of backoff) a
/// message is given up: the address or the relay keeps refusing it.
pub const MAX_ATTEMPTS: i64 = 12;

/// The newest messages first (the development mailbox).
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Message>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM outbox ORDER BY created_at DESC, id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(Message::from_row).collect()
}

/// How many messages wait to be sent (due or backing off), for the metrics.
pub async fn backlog(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND given_up_at IS NULL",
    )
    .fetch_one(db)
    .await?)
}

/// How long a worker may hold a message before another may retry it.
const CLAIM_MS: i64 = 60_000;

/// Claims up to `limit` due messages for this worker. A claim is a conditional
/// update, so of two instances racing for a message exactly one gets it.
pub async fn claim_due(db: &Db, limit: i64) -> Result<Vec<Message>> {
    let now = db::now_ms();
    let candidates = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE sent_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY next_attempt_at LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut claimed = Vec::new();
    for row in &candidates {
        let message = Message::from_row(row)?;
        let won = sqlx::query(
            "UPDATE outbox SET claimed_until = $1 WHERE id = $2 AND sent_at IS NULL \
             AND (claimed_until IS NULL OR claimed_until < $3)",
        )
        .bind(now + CLAIM_MS)
        .bind(&message.id)
        .bind(now)
        .execute(db)
        .await?
        .rows_affected()
            == 1;
        if won {
            claimed.push(message);
        }
    }
    Ok(claimed)
}

/// Hands back claimed messages this worker will not try (it is stopping), so they are
/// due again at once for any instance.
pub async fn release(db: &Db, messages: &[Message]) -> Result<()> {
    for message in messages {
        sqlx::query("UPDATE outbox SET claimed_until = NULL WHERE id = $1 AND sent_at IS NULL")
            .bind(&message.id)
            .execute(db)
            .await?;
    }
    Ok(())
}

/// What a delivered or given-up message keeps of its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    /// Erase it: nothing readable (no live link) stays at rest.
    Erase,
    /// Keep it, for the development mailbox.
    Keep,
}

impl Bodies {
    fn sql(self) -> &'static str {
        match self {
            Bodies::Erase => "body = ''",
            Bodies::Keep => "body = body",
        }
    }
}

pub async fn mark_sent(db: &Db, id: &str, bodies: Bodies) -> Result<()> {
    sqlx::query(&format!(
        "UPDATE outbox SET sent_at = $1, claimed_until = NULL, attempts = attempts + 1, last_error = NULL, {} WHERE id = $2",
        bodies.sql()
    ))
    .bind(db::now_ms())
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Backoff after the n-th failure: 5 s, 10 s, 20 s … capped at an hour.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 20) as u32;
    (5_000i64.saturating_mul(2i64.saturating_pow(exp))).min(3_600_000)
}

/// Records a failed attempt: retried later with backoff, or given up (and its body
/// erased) after `MAX_ATTEMPTS`.
pub async fn mark_failed(db: &Db, message: &Message, error: &str, bodies: Bodies) -> Result<()> {
    let now = db::now_ms();
    if message.attempts + 1 >= MAX_ATTEMPTS {
        tracing::warn!(id = %message.id, attempts = message.attempts + 1, "email delivery given up");
        sqlx::query(&format!(
            "UPDATE outbox SET attempts = attempts + 1, given_up_at = $1, claimed_until = NULL, last_error = $2, {} WHERE id = $3",
            bodies.sql()
        ))
        .bind(now)
        .bind(error)
        .bind(&message.id)
        .execute(db)
        .await?;
        return Ok(());
    }
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3",
    )
    .bind(now + retry_delay_ms(message.attempts))
    .bind(error)
    .bind(&message.id)
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(super::retry_delay_ms(0), 5_000);
        assert_eq!(super::retry_delay_ms(1), 10_000);
        assert_eq!(super::retry_delay_ms(3), 40_000);
        assert_eq!(super::retry_delay_ms(30), 3_600_000);
    }
}
