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
        let access = standing(db, &actor, org).await?;
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

/// The caller's standing in the named organization. An organization the caller has
/// no role in is "not found", so its existence is not revealed to outsiders. With the
/// `directory` identity provider, a person whose email has left the directory keeps
/// their role but is refused, at once, on every request.
async fn standing(db: &Db, user: &User, org_name: &str) -> Result<OrgAccess> {
    #[derive(sqlx::FromRow)]
    struct Standing {
        #[sqlx(flatten)]
        access: OrgAccess,
        listed: Option<String>,
    }
    let row: Option<Standing> = sqlx::query_as(&format!(
        "SELECT {ORG_COLUMNS}, m.role, d.email AS listed FROM organizations o \
         JOIN memberships m ON m.org_id = o.id AND m.user_id = $2 \
         LEFT JOIN directory_entries d ON d.org_id = o.id AND d.email = $3 \
         WHERE o.name = $1"
    ))
    .bind(org_name.trim().to_lowercase())
    .bind(&user.id)
    .bind(&user.email)
    .fetch_optional(db)
    .await?;
    let Standing { access, listed } = row.ok_or_else(|| Error::org_not_found(org_name))?;
    let org = &access.org;
    if !org.identity_provider.admits(listed.is_some()) {
        return Err(Error::Forbidden(format!(
            "Your email address ({}) is not in the identity provider of {}, so you cannot use this organization. Ask one of its admins to add it.",
            user.email, org.display_name
        )));
    }
    Ok(access)
}
