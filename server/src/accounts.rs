//! Accounts: sign up, email verification, sign in and out, and who is calling.

use crate::db::{self, Conn, Db};
use crate::email::outbox;
use crate::error::{Error, Result};
use crate::secrets;
use purser_core::{DisplayName, Email, Password};
use sqlx::Row;

/// How long a session lasts without signing in again.
const SESSION_DAYS: i64 = 30;

/// A signed-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
}

impl User {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<User> {
        Ok(User {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            email: row.try_get("email")?,
            email_verified: row
                .try_get::<Option<i64>, _>("email_verified_at")?
                .is_some(),
        })
    }
}

const USER_COLUMNS: &str = "u.id, u.name, u.email, u.email_verified_at";

/// A new account, not yet verified.
pub struct SignUp {
    pub name: DisplayName,
    pub email: Email,
    pub password: Password,
}

impl SignUp {
    /// Parses the sign-up form; each field's error names the field.
    pub fn parse(name: &str, email: &str, password: &str) -> Result<SignUp> {
        Ok(SignUp {
            name: DisplayName::parse(name)?,
            email: Email::parse(email)?,
            password: Password::parse(password)?,
        })
    }
}

/// Creates the account and queues its verification email, in one transaction.
pub async fn sign_up(db: &Db, form: SignUp, base_url: &str) -> Result<User> {
    let password_hash = secrets::hash_password(form.password.expose().to_owned()).await?;
    let id = db::new_id();
    let now = db::now_ms();
    let mut tx = db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, name, email, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(form.name.as_str())
    .bind(form.email.as_str())
    .bind(&password_hash)
    .bind(now)
    .execute(&mut *tx)
    .await;
    inserted.map_err(|e| {
        Error::on_duplicate(e, || {
            format!(
                "An account with the email {} already exists. Sign in instead.",
                form.email
            )
        })
    })?;
    let user = User {
        id,
        name: form.name.as_str().to_owned(),
        email: form.email.as_str().to_owned(),
        email_verified: false,
    };
    send_verification(&mut tx, &user, base_url).await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, "account created");
    Ok(user)
}

/// Creates a one-time verification link and queues the email that carries it.
pub async fn send_verification(conn: &mut Conn, user: &User, base_url: &str) -> Result<()> {
    let secret = secrets::generate("");
    sqlx::query(
        "INSERT INTO email_verifications (secret_hash, user_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(secrets::hash(&secret))
    .bind(&user.id)
    .bind(db::now_ms())
    .execute(&mut *conn)
    .await?;
    let link = format!("{base_url}/verify-email?token={secret}");
    outbox::enqueue(
        conn,
        &user.email,
        "Verify your email address for Purser",
        &format!(
            "Hello {},\n\nConfirm that this is your email address by opening this link:\n\n{link}\n\nIf you did not sign up for Purser, ignore this message.\n",
            user.name
        ),
    )
    .await
}

/// Queues a new verification email for an account that is not verified yet.
pub async fn resend_verification(db: &Db, user: &User, base_url: &str) -> Result<()> {
    if user.email_verified {
        return Err(Error::Conflict(
            "Your email address is already verified.".into(),
        ));
    }
    let mut conn = db.acquire().await?;
    send_verification(&mut conn, user, base_url).await
}

/// Uses a verification link: once only.
pub async fn verify_email(db: &Db, secret: &str) -> Result<()> {
    let now = db::now_ms();
    let row = sqlx::query(
        "UPDATE email_verifications SET used_at = $1 WHERE secret_hash = $2 AND used_at IS NULL RETURNING user_id",
    )
    .bind(now)
    .bind(secrets::hash(secret))
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Err(Error::NotFound(
            "This verification link is not valid or has already been used.".into(),
        ));
    };
    let user_id: String = row.try_get("user_id")?;
    sqlx::query(
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
    )
    .bind(now)
    .bind(&user_id)
    .execute(db)
    .await?;
    tracing::info!(user = %user_id, "email verified");
    Ok(())
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
    if !secrets::verify_password(password.to_owned(), stored).await {
        return Err(wrong());
    }
    match row {
        Some(row) => User::from_row(&row),
        None => Err(wrong()),
    }
}

/// Starts a session: a fresh secret every time, so a session id planted before
/// sign-in is worthless after it.
pub async fn create_session(db: &Db, user: &User) -> Result<String> {
    let secret = secrets::generate("");
    let now = db::now_ms();
    sqlx::query("INSERT INTO sessions (secret_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(secrets::hash(&secret))
        .bind(&user.id)
        .bind(now)
        .bind(now + SESSION_DAYS * 24 * 3600 * 1000)
        .execute(db)
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

/// The account a session cookie belongs to, if the session is live.
pub async fn user_for_session(db: &Db, secret: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.secret_hash = $1 AND s.expires_at > $2"
    ))
    .bind(secrets::hash(secret))
    .bind(db::now_ms())
    .fetch_optional(db)
    .await?;
    row.as_ref().map(User::from_row).transpose()
}

/// The account a personal access token belongs to; notes the token's last use.
pub async fn user_for_token(db: &Db, token: &str) -> Result<Option<User>> {
    let hash = secrets::hash(token);
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM personal_access_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = $1"
    ))
    .bind(&hash)
    .fetch_optional(db)
    .await?;
    if row.is_some() {
        sqlx::query("UPDATE personal_access_tokens SET last_used_at = $1 WHERE secret_hash = $2")
            .bind(db::now_ms())
            .bind(&hash)
            .execute(db)
            .await?;
    }
    row.as_ref().map(User::from_row).transpose()
}

/// Looks an account up by email (used by the demo and the CLI).
pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1"
    ))
    .bind(email.as_str())
    .fetch_optional(db)
    .await?;
    row.as_ref().map(User::from_row).transpose()
}

/// Marks an account verified without a link (the demo's accounts).
pub async fn mark_verified(db: &Db, user_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
    )
    .bind(db::now_ms())
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}
