//! Who is acting in an organization (`Acting`): the caller, their standing in it
//! (`OrgAccess`) and the surface they came through. Every service of an organization
//! receives one before it reads or writes anything of it, and asks it what the role may
//! do (`Acting::require`). Its own module so that the services (`audit`, `orgs`,
//! `billing`, …) share it without importing each other.

use crate::accounts::User;
use crate::error::{Error, Result};
use crate::storage::db::Db;
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

/// The acting context: built once per request, from the REST path's organization
/// (`purser_server::http::org_ctx`) or a server function's (`purser_app::api`), by
/// [`Acting::in_org`]; nothing else makes one, so a service that receives it knows the
/// caller was found and holds a role in the organization.
#[derive(Debug, Clone)]
pub struct Acting {
    pub actor: User,
    pub access: OrgAccess,
    pub surface: Surface,
}

impl Acting {
    /// `actor` acting in the organization named `org` through a surface: 404 when it
    /// does not exist or the actor holds no role in it, 403 when its identity provider
    /// does not admit the actor's address.
    pub async fn in_org(db: &Db, actor: User, org: &str, through: Surface) -> Result<Acting> {
        let access = crate::orgs::access(db, &actor, org).await?;
        Ok(Acting {
            actor,
            access,
            surface: through,
        })
    }

    /// Refuses unless the actor's role allows `action` from this surface.
    pub fn require(&self, action: Action) -> Result<()> {
        authorize(self.access.role, action, self.surface).map_err(Error::from)
    }

    /// Whether the actor's role allows `action` from this surface.
    pub fn allows(&self, action: Action) -> bool {
        purser_core::permissions::allows(self.access.role, action, self.surface)
    }
}

impl OrgAccess {
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
