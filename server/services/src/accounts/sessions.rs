//! Signing in and out: credentials, sessions and their lifetimes, and the purge of
//! those that ended.

use super::{User, USER_COLUMNS};
use crate::error::{Error, Result};
use crate::secrets;
use crate::storage::db::{self, Conn, Db};
use purser_core::Email;
use sqlx::Row;
use std::time::Duration;

/// How long sessions live: `idle` after their last use, `max` after sign-in,
/// whichever ends first. Applied at every lookup, so a shorter setting takes effect
/// for existing sessions at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    pub idle: Duration,
    pub max: Duration,
}

impl Default for SessionLifetimes {
    fn default() -> Self {
        SessionLifetimes {
            idle: Duration::from_secs(7 * 24 * 3600),
            max: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

impl SessionLifetimes {
    fn idle_ms(&self) -> i64 {
        i64::try_from(self.idle.as_millis()).unwrap_or(i64::MAX)
    }

    fn max_ms(&self) -> i64 {
        i64::try_from(self.max.as_millis()).unwrap_or(i64::MAX)
    }

    /// Whether a session begun at `created_at` and last used at `last_seen_at` is over.
    fn ended(&self, created_at: i64, last_seen_at: i64, now: i64) -> bool {
        now.saturating_sub(created_at) >= self.max_ms()
            || now.saturating_sub(last_seen_at) >= self.idle_ms()
    }

    /// How old `last_seen_at` may be before a request writes it again: a minute, so
    /// that a busy session costs one write a minute, or less with a very short idle
    /// lifetime, so that use still keeps the session alive.
    fn touch_after_ms(&self) -> i64 {
        (self.idle_ms() / 2).min(60_000)
    }
}

/// Checks email and password; the error never says which of the two was wrong.
pub async fn check_credentials(db: &Db, email: &str, password: &str) -> Result<User> {
    let wrong = || Error::Unauthenticated("Incorrect email or password.".into());
    let email = Email::parse(email).map_err(|_| wrong())?;
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1"
    ))
    .bind(email.as_str())
    .fetch_optional(db)
    .await?;
    let stored = row
        .as_ref()
        .map(|r| r.try_get::<String, _>("password_hash"))
        .transpose()?;
    if !secrets::verify_password(password.to_owned(), stored).await? {
        return Err(wrong());
    }
    match row {
        Some(row) => User::from_row(&row),
        None => Err(wrong()),
    }
}

/// Starts a session: a fresh secret every time, so a session id planted before
/// sign-in is worthless after it.
pub async fn create_session(db: &Db, lifetimes: SessionLifetimes, user: &User) -> Result<String> {
    let mut conn = db.acquire().await?;
    insert_session(&mut conn, lifetimes, &user.id).await
}

/// Starts a session signed in through the single sign-on of the organization `org_id`:
/// it acts there for the organization's SSO lifetime (`access`).
pub async fn start_sso_session(
    db: &Db,
    lifetimes: SessionLifetimes,
    user_id: &str,
    org_id: &str,
) -> Result<String> {
    let mut tx = db::begin_write(db).await?;
    let secret = insert_session(&mut tx, lifetimes, user_id).await?;
    sqlx::query("INSERT INTO session_sso (session_hash, org_id, signed_in_at) VALUES ($1, $2, $3)")
        .bind(secrets::hash(&secret))
        .bind(org_id)
        .bind(db::now_ms())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(secret)
}

pub(super) async fn insert_session(
    conn: &mut Conn,
    lifetimes: SessionLifetimes,
    user_id: &str,
) -> Result<String> {
    let secret = secrets::generate("");
    let now = db::now_ms();
    // expires_at is not what decides (the lifetimes are, at every lookup); it is
    // still filled, with the absolute end, for instances of an older version.
    sqlx::query(
        "INSERT INTO sessions (secret_hash, user_id, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $3, $4)",
    )
    .bind(secrets::hash(&secret))
    .bind(user_id)
    .bind(now)
    .bind(now.saturating_add(lifetimes.max_ms()))
    .execute(&mut *conn)
    .await?;
    Ok(secret)
}

pub async fn end_session(db: &Db, secret: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE secret_hash = $1")
        .bind(secrets::hash(secret))
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of the account ("Sign out everywhere"), or every one but
/// `keep` (the caller's own, after a password change). Personal access tokens are
/// not sessions: they stay. Returns how many sessions ended.
pub async fn end_all_sessions(db: &Db, user_id: &str, keep: Option<&str>) -> Result<u64> {
    let mut conn = db.acquire().await?;
    let ended = end_sessions(&mut conn, user_id, keep).await?;
    tracing::info!(user = %user_id, ended, "sessions ended");
    Ok(ended)
}

pub(super) async fn end_sessions(
    conn: &mut Conn,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND secret_hash <> $2")
        .bind(user_id)
        // No session's hash is empty, so without `keep` every one goes.
        .bind(keep.map(secrets::hash).unwrap_or_default())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// The account a session cookie belongs to, if the session is live. Use keeps a
/// session alive: `last_seen_at` is written at most once a minute, by a conditional
/// update, so concurrent requests do not all write. A session found ended is
/// deleted at once.
pub async fn user_for_session(
    db: &Db,
    lifetimes: SessionLifetimes,
    secret: &str,
) -> Result<Option<User>> {
    let hash = secrets::hash(secret);
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, s.created_at, s.last_seen_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = $1"
    ))
    .bind(&hash)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let now = db::now_ms();
    let created_at: i64 = row.try_get("created_at")?;
    let last_seen_at: i64 = row.try_get("last_seen_at")?;
    if lifetimes.ended(created_at, last_seen_at, now) {
        sqlx::query("DELETE FROM sessions WHERE secret_hash = $1")
            .bind(&hash)
            .execute(db)
            .await?;
        return Ok(None);
    }
    let stale = now - lifetimes.touch_after_ms();
    if last_seen_at <= stale {
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $1 WHERE secret_hash = $2 AND last_seen_at <= $3",
        )
        .bind(now)
        .bind(&hash)
        .bind(stale)
        .execute(db)
        .await?;
    }
    User::from_row(&row).map(Some)
}

/// What one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub password_resets: u64,
}

/// Deletes sessions past either lifetime and password-reset links that were used or
/// have expired.
pub async fn purge_expired(db: &Db, lifetimes: SessionLifetimes) -> Result<Purged> {
    let now = db::now_ms();
    let sessions = sqlx::query("DELETE FROM sessions WHERE created_at <= $1 OR last_seen_at <= $2")
        .bind(now.saturating_sub(lifetimes.max_ms()))
        .bind(now.saturating_sub(lifetimes.idle_ms()))
        .execute(db)
        .await?
        .rows_affected();
    let password_resets =
        sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1 OR used_at IS NOT NULL")
            .bind(now)
            .execute(db)
            .await?
            .rows_affected();
    Ok(Purged {
        sessions,
        password_resets,
    })
}

/// Purges every hour, from the start, and refreshes the planner's statistics. Several
/// instances may all run it: a delete of what is already gone does nothing.
pub fn spawn_purge(db: Db, lifetimes: SessionLifetimes) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match purge_expired(&db, lifetimes).await {
                Ok(purged) if purged != Purged::default() => {
                    tracing::info!(?purged, "expired sessions and password-reset links purged")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "purging expired sessions failed"),
            }
            // (The hourly round is also when the planner's statistics catch up.)
            if let Err(e) = db::refresh_statistics(&db).await {
                tracing::error!(error = %e, "refreshing the planner's statistics failed");
            }
        }
    })
}

/// Signs in with an email address and password, and returns a new session secret.
/// A locked address is refused before its password is even checked; a wrong password
/// counts toward the lockout (`lockout`), a right one clears it.
pub async fn sign_in(
    db: &Db,
    limits: &crate::throttle::Limits,
    lifetimes: SessionLifetimes,
    email: &str,
    password: &str,
) -> Result<String> {
    crate::lockout::ensure_unlocked(db, email).await?;
    let user = match check_credentials(db, email, password).await {
        Ok(user) => user,
        Err(e @ Error::Unauthenticated(_)) => {
            crate::lockout::record_failure(db, email, limits).await?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    crate::lockout::clear(db, email).await?;
    create_session(db, lifetimes, &user).await
}
