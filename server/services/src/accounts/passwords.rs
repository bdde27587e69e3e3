//! Passwords: the reset link sent by email, and the change a signed-in account makes.

use super::sessions::{end_sessions, insert_session, SessionLifetimes};
use super::{User, USER_COLUMNS};
use crate::email::outbox;
use crate::error::{Error, Result};
use crate::secrets;
use crate::state::AppState;
use crate::storage::db::{self, Conn, Db};
use crate::throttle::Kind as Limit;
use purser_core::{Email, Password, ValueError};
use sqlx::Row;

/// How long a password-reset link works.
const RESET_LINK_MS: i64 = 3600 * 1000;

/// What a reset or change of password tells the owner of the address.
const PASSWORD_CHANGED_SUBJECT: &str = "Your Purser password was changed";

/// Sends a password-reset link to `email` if an account has that address, and does
/// nothing otherwise: the caller's answer is the same either way, so it reveals
/// nothing about who has an account. The link works once, for an hour.
pub async fn request_password_reset(state: &AppState, email: &str) -> Result<()> {
    let (db, base_url) = (&state.db, state.settings.base_url.as_str());
    // Per address typed (existing account or not, so it reveals nothing): one inbox
    // cannot be flooded with reset emails from many client addresses.
    let key = format!("reset:{}", email.trim().to_lowercase());
    state.throttle.check_account(Limit::Email, &key).await?;
    let email = Email::parse(email)?;
    let secret = secrets::generate("");
    let now = db::now_ms();
    let mut tx = db::begin_write(db).await?;
    // A write first (SQLite then holds the write lock from the start); it inserts
    // nothing when no account has the address.
    let row = sqlx::query(
        "INSERT INTO password_resets (secret_hash, user_id, created_at, expires_at) \
         SELECT $1, u.id, $2, $3 FROM users u WHERE u.email = $4 RETURNING user_id",
    )
    .bind(secrets::hash(&secret))
    .bind(now)
    .bind(now + RESET_LINK_MS)
    .bind(email.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let user_id: String = row.try_get("user_id")?;
    let name: String = sqlx::query("SELECT name FROM users WHERE id = $1")
        .bind(&user_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("name")?;
    let link = format!("{base_url}/password/reset?token={secret}");
    outbox::enqueue(
        &mut tx,
        email.as_str(),
        "Reset your Purser password",
        &format!(
            "Hello {name},\n\nSomeone asked to reset the password of the Purser account for this address. \
             Choose a new password by opening this link within an hour:\n\n{link}\n\n\
             The link works once. If you did not ask for this, ignore this message: your password stays as it is.\n"
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = %user_id, "password-reset link sent");
    Ok(())
}

fn reset_link_invalid() -> Error {
    Error::NotFound(
        "This link is not valid or has expired. Ask for a new one from the sign-in page.".into(),
    )
}

/// Whether a password-reset link can still be used.
pub async fn check_password_reset(db: &Db, secret: &str) -> Result<()> {
    let row = sqlx::query(
        "SELECT 1 AS live FROM password_resets WHERE secret_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(secrets::hash(secret))
    .bind(db::now_ms())
    .fetch_optional(db)
    .await?;
    row.map(|_| ()).ok_or_else(reset_link_invalid)
}

/// Uses a password-reset link, once: sets the new password, ends every session of
/// the account, revokes its personal access tokens and its other reset links, and
/// counts the email as verified (whoever opened the link reads that mailbox). Returns
/// the account and a new session.
///
/// A reset is how the owner of an address takes back an account: the tokens go too,
/// whether or not the address was verified before, so whoever signed up with an
/// address not theirs keeps no key to it.
pub async fn reset_password(
    db: &Db,
    lifetimes: SessionLifetimes,
    secret: &str,
    password: &str,
) -> Result<(User, String)> {
    // Cheap checks before the deliberately slow hash.
    check_password_reset(db, secret).await?;
    let password = Password::parse(password)?;
    let password_hash = secrets::hash_password(password.expose().to_owned()).await?;
    let now = db::now_ms();
    let mut tx = db::begin_write(db).await?;
    // The link is consumed here, once: of two uses racing, one changes the row.
    let row = sqlx::query(
        "UPDATE password_resets SET used_at = $1 \
         WHERE secret_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
    )
    .bind(now)
    .bind(secrets::hash(secret))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(reset_link_invalid());
    };
    let user_id: String = row.try_get("user_id")?;
    let before = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
    ))
    .bind(&user_id)
    .fetch_one(&mut *tx)
    .await?;
    let before = User::from_row(&before)?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $3",
    )
    .bind(&password_hash)
    .bind(now)
    .bind(&user_id)
    .execute(&mut *tx)
    .await?;
    let sessions = end_sessions(&mut tx, &user_id, None).await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    let tokens = sqlx::query("DELETE FROM personal_access_tokens WHERE user_id = $1")
        .bind(&user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    notify_password_changed(&mut tx, &before).await?;
    let session = insert_session(&mut tx, lifetimes, &user_id).await?;
    tx.commit().await?;
    tracing::info!(user = %user_id, sessions, tokens, "password reset by email link; sessions ended, tokens revoked");
    let user = User {
        email_verified: true,
        ..before
    };
    Ok((user, session))
}

/// Uses a reset link ([`reset_password`]) and returns the new session. Whoever reads
/// the mailbox chose this password: a sign-in lockout from earlier failures (perhaps
/// someone else's guesses) ends with it.
pub async fn reset_password_and_sign_in(
    db: &Db,
    lifetimes: SessionLifetimes,
    secret: &str,
    password: &str,
) -> Result<String> {
    let (user, session) = reset_password(db, lifetimes, secret, password).await?;
    crate::lockout::clear(db, &user.email).await?;
    Ok(session)
}

/// Changes the password of a signed-in account that knows its current one, and ends
/// every other session of the account (and any pending reset link); `session` is
/// the caller's own, which stays.
pub async fn change_password(
    db: &Db,
    user: &User,
    session: &str,
    current: &str,
    new: &str,
) -> Result<()> {
    let new = Password::parse(new)?;
    let stored: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(&user.id)
        .fetch_one(db)
        .await?
        .try_get("password_hash")?;
    if !secrets::verify_password(current.to_owned(), Some(stored.clone())).await? {
        return Err(Error::Invalid(ValueError {
            field: "current_password",
            message: "Your current password is not correct.".into(),
        }));
    }
    let password_hash = secrets::hash_password(new.expose().to_owned()).await?;
    let mut tx = db::begin_write(db).await?;
    // Conditional on the hash that was checked: of two changes racing, one wins.
    let changed =
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
            .bind(&password_hash)
            .bind(&user.id)
            .bind(&stored)
            .execute(&mut *tx)
            .await?;
    if changed.rows_affected() == 0 {
        return Err(Error::Conflict(
            "Your password was changed meanwhile. Reload the page and try again.".into(),
        ));
    }
    let sessions = end_sessions(&mut tx, &user.id, Some(session)).await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
    notify_password_changed(&mut tx, user).await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, sessions, "password changed; other sessions ended");
    Ok(())
}

/// Tells the owner of the address that the password changed, so a change they did
/// not make does not go unnoticed.
async fn notify_password_changed(conn: &mut Conn, user: &User) -> Result<()> {
    outbox::enqueue(
        conn,
        &user.email,
        PASSWORD_CHANGED_SUBJECT,
        &format!(
            "Hello {},\n\nThe password of your Purser account was just changed, and the account was signed out everywhere else.\n\n\
             If you did not do this, choose \"Forgot your password?\" on the sign-in page to set a new one at once.\n",
            user.name
        ),
    )
    .await
}
