//! An organization and a caller's standing in it (`OrgAccess`): what every service
//! receives before it reads or writes anything of an organization. Its own module so
//! that the services (`audit`, `orgs`, `billing`, …) share it without importing each
//! other.

use crate::error::{Error, Result};
use purser_core::permissions::authorize;
use purser_core::{Action, Edition, IdentityProvider, Role, Surface};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub edition: Edition,
    pub identity_provider: IdentityProvider,
}

pub(crate) const ORG_COLUMNS: &str = "o.id, o.name, o.display_name, o.edition, o.identity_provider";

pub(crate) fn parse_column<T: std::str::FromStr>(row: &sqlx::any::AnyRow, column: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|e: T::Err| Error::Internal(format!("bad {column} {text:?} in the database: {e}")))
}

impl Org {
    pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<Org> {
        Ok(Org {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            display_name: row.try_get("display_name")?,
            edition: parse_column(row, "edition")?,
            identity_provider: parse_column(row, "identity_provider")?,
        })
    }
}

/// A caller's standing in one organization: established before anything in it is read.
#[derive(Debug, Clone)]
pub struct OrgAccess {
    pub org: Org,
    pub role: Role,
}

impl OrgAccess {
    /// Refuses unless the caller's role allows `action` from `surface`.
    pub fn require(&self, action: Action, surface: Surface) -> Result<()> {
        authorize(self.role, action, surface).map_err(Error::from)
    }
}
