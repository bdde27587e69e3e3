//! The per-account sign-in lockout: after `lockout_failures` failed sign-ins to one
//! address within `lockout_minutes`, sign-in to it is refused (429) for
//! `lockout_minutes`, even with the right password. It lives in the database so that
//! it holds across every instance sharing it, and it counts addresses with no account
//! too, so that a lockout says nothing about whether an account exists.

use crate::error::{Error, Result};
use crate::storage::db::{self, Db};
use crate::throttle::Limits;
use sqlx::Row;
use std::time::Duration;

/// The key of an address: as typed, trimmed and lowercased (valid or not).
fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Refuses while the address is locked.
pub async fn ensure_unlocked(db: &Db, email: &str) -> Result<()> {
    let now = db::now_ms();
    let row = sqlx::query("SELECT locked_until FROM sign_in_failures WHERE email = $1")
        .bind(key(email))
        .fetch_optional(db)
        .await?;
    let locked_until: Option<i64> = match row {
        Some(r) => r.try_get("locked_until")?,
        None => None,
    };
    match locked_until {
        Some(until) if until > now => Err(Error::too_many(
            "Too many failed sign-ins to this account; it is locked for a while.",
            Duration::from_millis((until - now) as u64),
        )),
        _ => Ok(()),
    }
}

/// Counts a failed sign-in; the one that reaches the limit locks the address.
pub async fn record_failure(db: &Db, email: &str, limits: &Limits) -> Result<()> {
    if limits.lockout_failures == 0 {
        return Ok(());
    }
    let now = db::now_ms();
    let window_ms = i64::from(limits.lockout_minutes) * 60_000;
    let failures: i64 = sqlx::query(
        "INSERT INTO sign_in_failures (email, failures, window_start) VALUES ($1, 1, $2) \
         ON CONFLICT (email) DO UPDATE SET \
           failures = CASE WHEN sign_in_failures.window_start < $3 THEN 1 ELSE sign_in_failures.failures + 1 END, \
           window_start = CASE WHEN sign_in_failures.window_start < $3 THEN $2 ELSE sign_in_failures.window_start END \
         RETURNING failures",
    )
    .bind(key(email))
    .bind(now)
    .bind(now - window_ms)
    .fetch_one(db)
    .await?
    .try_get("failures")?;
    if failures >= i64::from(limits.lockout_failures) {
        tracing::warn!("sign-in locked after {failures} failures");
        sqlx::query(
            "UPDATE sign_in_failures SET locked_until = $1, failures = 0, window_start = $2 WHERE email = $3",
        )
        .bind(now + window_ms)
        .bind(now)
        .bind(key(email))
        .execute(db)
        .await?;
    }
    Ok(())
}

/// A successful sign-in starts the count again.
pub async fn clear(db: &Db, email: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email = $1")
        .bind(key(email))
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets counts and lockouts that are over (called by the periodic purge).
pub async fn purge(db: &Db, limits: &Limits) -> Result<u64> {
    let now = db::now_ms();
    let window_ms = i64::from(limits.lockout_minutes) * 60_000;
    Ok(sqlx::query(
        "DELETE FROM sign_in_failures WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(now - window_ms)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected())
}
