//! Accounts: sign up, email verification, sign in and out, sessions and their
//! lifetimes, password reset and change, and who is calling.

use crate::db::{self, Conn, Db};
use crate::email::outbox;
use crate::error::{Error, Result};
use crate::secrets;
use purser_core::tokens::Credential;
use purser_core::{DisplayName, Email, Login, Password, ValueError};
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

/// How long a password-reset link works.
const RESET_LINK_MS: i64 = 3600 * 1000;

/// What a reset or change of password tells the owner of the address.
const PASSWORD_CHANGED_SUBJECT: &str = "Your Purser password was changed";

/// A signed-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    /// The unique handle (`githubLogin` in Pulumi's API).
    pub login: String,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
}

/// An account as stored; `email_verified_at` is read as whether it is set.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    login: String,
    name: String,
    email: String,
    email_verified_at: Option<i64>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            login: r.login,
            name: r.name,
            email: r.email,
            email_verified: r.email_verified_at.is_some(),
        }
    }
}

impl User {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<User> {
        use sqlx::FromRow;
        Ok(UserRow::from_row(row)?.into())
    }
}

const USER_COLUMNS: &str = "u.id, u.login, u.name, u.email, u.email_verified_at";

/// A new account, not yet verified.
pub struct SignUp {
    pub name: DisplayName,
    pub email: Email,
    pub password: Password,
    /// `None`: one is made from the email address (`Login::suggest`).
    pub login: Option<Login>,
}

impl SignUp {
    /// Parses the sign-up form; each field's error names the field. An empty login
    /// asks for one made from the email address.
    pub fn parse(name: &str, email: &str, password: &str, login: &str) -> Result<SignUp> {
        Ok(SignUp {
            name: DisplayName::parse(name)?,
            email: Email::parse(email)?,
            password: Password::parse(password)?,
            login: match login.trim() {
                "" => None,
                chosen => Some(Login::parse(chosen)?),
            },
        })
    }
}

/// Whether an account already has this login.
async fn login_taken(conn: &mut Conn, login: &Login) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 AS one FROM users WHERE login = $1")
        .bind(login.as_str())
        .fetch_optional(conn)
        .await?
        .is_some())
}

/// The first of `base`, `base-2`, `base-3`, … that no account has.
async fn free_login(conn: &mut Conn, base: &Login) -> Result<Login> {
    if !login_taken(conn, base).await? {
        return Ok(base.clone());
    }
    for n in 2.. {
        let candidate = base.with_suffix(n);
        if !login_taken(conn, &candidate).await? {
            return Ok(candidate);
        }
    }
    unreachable!("the suffixes never run out")
}

/// Gives accounts created before logins existed (their login is still their id, as
/// the migration left it) a login made from their email. Idempotent; runs on start.
pub async fn backfill_logins(db: &Db) -> Result<()> {
    let pending: Vec<(String, String)> =
        sqlx::query_as("SELECT id, email FROM users WHERE login = id ORDER BY created_at, id")
            .fetch_all(db)
            .await?;
    for (id, email) in pending {
        let mut tx = db::begin_write(db).await?;
        let base = Email::parse(&email)
            .map(|e| Login::suggest(&e))
            .unwrap_or_else(|_| Login::parse("user").expect("a valid login"));
        let login = free_login(&mut tx, &base).await?;
        sqlx::query("UPDATE users SET login = $1 WHERE id = $2 AND login = id")
            .bind(login.as_str())
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Creates the account and queues its verification email, in one transaction.
pub async fn sign_up(db: &Db, form: SignUp, base_url: &str) -> Result<User> {
    let password_hash = secrets::hash_password(form.password.expose().to_owned()).await?;
    let id = db::new_id();
    let now = db::now_ms();
    // The login is chosen before the transaction, which then writes first (a read
    // first would keep SQLite from upgrading it to a writer under concurrency); a
    // login taken meanwhile fails the insert like a taken email, told apart below.
    let taken = |login: &Login| {
        Error::Invalid(ValueError {
            field: "login",
            message: format!("The username {login} is taken; choose another."),
        })
    };
    let login = {
        let mut conn = db.acquire().await?;
        match &form.login {
            Some(chosen) if login_taken(&mut conn, chosen).await? => return Err(taken(chosen)),
            Some(chosen) => chosen.clone(),
            None => free_login(&mut conn, &Login::suggest(&form.email)).await?,
        }
    };
    let mut tx = db::begin_write(db).await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, login, name, email, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(login.as_str())
    .bind(form.name.as_str())
    .bind(form.email.as_str())
    .bind(&password_hash)
    .bind(now)
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        drop(tx);
        let email_taken = find_by_email(db, &form.email).await?.is_some();
        return Err(match email_taken {
            true => Error::on_duplicate(e, || {
                format!(
                    "An account with the email {} already exists. Sign in instead.",
                    form.email
                )
            }),
            false => Error::on_duplicate(e, || taken(&login).to_string()),
        });
    }
    let user = User {
        id,
        login: login.into(),
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
            "Hello {},\n\nConfirm that this is your email address: open this link, sign in if asked, and press Verify.\n\n{link}\n\nIf you did not sign up for Purser, ignore this message.\n",
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

/// Whether `user` may use a verification link (read only): the verification page asks
/// before it offers its button.
pub async fn check_verification(db: &Db, user: &User, secret: &str) -> Result<()> {
    let mut conn = db.acquire().await?;
    check_link(&mut conn, user, &secrets::hash(secret)).await
}

/// An unused link of `user`'s own; another account's is refused by name (403), a used
/// or unknown one is not found.
async fn check_link(conn: &mut Conn, user: &User, hash: &str) -> Result<()> {
    let owner: Option<String> = sqlx::query_scalar(
        "SELECT user_id FROM email_verifications WHERE secret_hash = $1 AND used_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(&mut *conn)
    .await?;
    match owner {
        Some(owner) if owner == user.id => Ok(()),
        Some(_) => Err(Error::Forbidden(
            "This link verifies another account's email address. Sign in as that account to use it."
                .into(),
        )),
        None => Err(link_used()),
    }
}

fn link_used() -> Error {
    Error::NotFound("This verification link is not valid or has already been used.".into())
}

/// Uses a verification link, once, for `user`, the account signed in. The link shows
/// that whoever opens it reads the address's mail; the session, that they know the
/// account's password. Both are needed: anyone can sign up with someone else's address,
/// and a link alone would let the address's owner (or a mail scanner opening every link
/// it sees) verify the stranger's account, which would then be offered, and could
/// accept, every invitation sent to that address.
pub async fn verify_email(db: &Db, user: &User, secret: &str) -> Result<()> {
    let now = db::now_ms();
    let hash = secrets::hash(secret);
    let mut tx = db::begin_write(db).await?;
    check_link(&mut tx, user, &hash).await?;
    let used = sqlx::query(
        "UPDATE email_verifications SET used_at = $1 \
         WHERE secret_hash = $2 AND user_id = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(&hash)
    .bind(&user.id)
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() == 0 {
        // (A concurrent use of the same link got there first.)
        return Err(link_used());
    }
    sqlx::query(
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
    )
    .bind(now)
    .bind(&user.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, "email verified");
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

async fn insert_session(
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

async fn end_sessions(conn: &mut Conn, user_id: &str, keep: Option<&str>) -> Result<u64> {
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

/// Sends a password-reset link to `email` if an account has that address, and does
/// nothing otherwise: the caller's answer is the same either way, so it reveals
/// nothing about who has an account. The link works once, for an hour.
pub async fn request_password_reset(db: &Db, email: &str, base_url: &str) -> Result<()> {
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
