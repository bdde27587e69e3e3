//! Accounts: who an account is (`User`), and its four subjects, each in its own
//! module and all reached as `accounts::…`: signing up and verifying the address
//! (`signup`), sessions (`sessions`), passwords (`passwords`) and personal access
//! tokens as credentials (`tokens`).

mod passwords;
mod sessions;
mod signup;
mod tokens;

pub use passwords::*;
pub use sessions::*;
pub use signup::*;
pub use tokens::*;

use crate::error::Result;
use crate::storage::db::{self, Db};
use purser_core::Email;

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

/// Looks an account up by id.
pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
    ))
    .bind(id)
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
