//! Signing up, and verifying the address an account signed up with.

use super::{find_by_email, User};
use crate::email::outbox;
use crate::error::{Error, Result};
use crate::secrets;
use crate::state::AppState;
use crate::storage::db::{self, Conn, Db};
use crate::throttle::Kind as Limit;
use purser_core::{DisplayName, Email, Login, Password, ValueError};

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

/// An account made just in time for a person an organization's identity provider
/// vouches for: its address verified by the provider, and no password (it signs in
/// through the provider, or sets one with a password reset). An account created with
/// the same address meanwhile is the one returned.
pub async fn create_from_provider(db: &Db, email: &Email, name: &str) -> Result<User> {
    let name = purser_core::DisplayName::parse(name)
        .map(|n| n.as_str().to_owned())
        .unwrap_or_else(|_| email.as_str().to_owned());
    let login = {
        let mut conn = db.acquire().await?;
        free_login(&mut conn, &Login::suggest(email)).await?
    };
    let id = db::new_id();
    let now = db::now_ms();
    // No argon2 hash is empty, so an empty one matches no password.
    let inserted = sqlx::query(
        "INSERT INTO users (id, login, name, email, password_hash, email_verified_at, created_at) \
         VALUES ($1, $2, $3, $4, '', $5, $5) ON CONFLICT (email) DO NOTHING",
    )
    .bind(&id)
    .bind(login.as_str())
    .bind(&name)
    .bind(email.as_str())
    .bind(now)
    .execute(db)
    .await?;
    if inserted.rows_affected() == 1 {
        tracing::info!(user = %id, "account created through single sign-on");
    }
    find_by_email(db, email)
        .await?
        .ok_or_else(|| Error::bug("an account just created is not there"))
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
pub async fn resend_verification(state: &AppState, user: &User) -> Result<()> {
    let (db, base_url) = (&state.db, state.settings.base_url.as_str());
    state.throttle.check_account(Limit::Email, &user.id).await?;
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
