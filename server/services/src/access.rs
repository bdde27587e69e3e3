//! An organization and a caller's standing in it (`OrgAccess`): what every service
//! receives before it reads or writes anything of an organization. Its own module so
//! that the services (`audit`, `orgs`, `billing`, …) share it without importing each
//! other.

use crate::error::{Error, Result};
use purser_core::permissions::authorize;
use purser_core::views::OrgEntry;
use purser_core::{Action, Edition, IdentityProvider, Role, Surface};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub edition: Edition,
    pub identity_provider: IdentityProvider,
    /// Unix milliseconds.
    pub created_at: i64,
}

pub(crate) const ORG_COLUMNS: &str =
    "o.id, o.name, o.display_name, o.edition, o.identity_provider, o.created_at";

/// A caller's standing in one organization: established before anything in it is read.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgAccess {
    #[sqlx(flatten)]
    pub org: Org,
    pub role: Role,
}

impl OrgAccess {
    /// Refuses unless the caller's role allows `action` from `surface`.
    pub fn require(&self, action: Action, surface: Surface) -> Result<()> {
        authorize(self.role, action, surface).map_err(Error::from)
    }

    /// The organization and the caller's role, as pages show them.
    pub fn entry(&self) -> OrgEntry {
        OrgEntry {
            name: self.org.name.clone(),
            display_name: self.org.display_name.clone(),
            role: self.role,
            edition: self.org.edition,
        }
    }
}
