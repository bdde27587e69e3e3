//! The outbox: messages are written in the same transaction as the change that
//! causes them, so an invitation is never committed without its email, nor an email
//! sent for a change that rolled back.

use crate::db::{self, Conn, Db};
use crate::error::Result;
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
            last_error: r.try_get("last_error")?,
        })
    }
}

const COLUMNS: &str = "id, to_address, subject, body, created_at, attempts, sent_at, last_error";

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

/// How long a worker may hold a message before another may retry it.
const CLAIM_MS: i64 = 60_000;

/// Claims up to `limit` due messages for this worker. A claim is a conditional
/// update, so of two instances racing for a message exactly one gets it.
pub async fn claim_due(db: &Db, limit: i64) -> Result<Vec<Message>> {
    let now = db::now_ms();
    let candidates = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
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

pub async fn mark_sent(db: &Db, id: &str) -> Result<()> {
    sqlx::query("UPDATE outbox SET sent_at = $1, claimed_until = NULL, attempts = attempts + 1, last_error = NULL WHERE id = $2")
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

pub async fn mark_failed(db: &Db, message: &Message, error: &str) -> Result<()> {
    let now = db::now_ms();
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
