//! Who is acting in an organization (`Acting`): the caller, their standing in it
//! (`OrgAccess`) and the surface they came through. Every service of an organization
//! receives one before it reads or writes anything of it, and asks it what the role may
//! do (`Acting::require`). Its own module so that the services (`audit`, `orgs`,
//! `billing`, …) share it without importing each other.

use crate::accounts::User;
use crate::audit::{self, Event};
use crate::caller::Caller;
use crate::error::{Error, Result};
use crate::storage::db::{self, Db};
use purser_core::permissions::authorize;
use purser_core::views::OrgEntry;
use purser_core::{Action, Admission, Edition, IdentityProvider, Role, Surface};

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
    "o.id, o.name, o.display_name, o.edition, o.idp_kind AS identity_provider, o.created_at";

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
    /// The caller acting in the organization named `org` through a surface: 404 when
    /// it does not exist or the caller holds no role in it, 403 when its identity
    /// provider does not admit them (an address left the directory; a browser session
    /// that has not signed in through the organization's SSO lately).
    pub async fn in_org(db: &Db, caller: Caller, org: &str, through: Surface) -> Result<Acting> {
        let access = standing(db, &caller, org).await?;
        Ok(Acting {
            actor: caller.user,
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
/// their role but is refused, at once, on every request; with SSO, a browser session
/// acts only within the organization's SSO lifetime after signing in through it (one
/// statement reads all of it).
async fn standing(db: &Db, caller: &Caller, org_name: &str) -> Result<OrgAccess> {
    #[derive(sqlx::FromRow)]
    struct Standing {
        #[sqlx(flatten)]
        access: OrgAccess,
        listed: Option<String>,
        sso_signed_in_at: Option<i64>,
        sso_lifetime_secs: Option<i64>,
        recovery_admin_id: Option<String>,
    }
    let user = &caller.user;
    let row: Option<Standing> = sqlx::query_as(&format!(
        "SELECT {ORG_COLUMNS}, m.role, d.email AS listed, s.signed_in_at AS sso_signed_in_at, \
         c.lifetime_secs AS sso_lifetime_secs, c.recovery_admin_id FROM organizations o \
         JOIN memberships m ON m.org_id = o.id AND m.user_id = $2 \
         LEFT JOIN directory_entries d ON d.org_id = o.id AND d.email = $3 \
         LEFT JOIN sso_configs c ON c.org_id = o.id \
         LEFT JOIN session_sso s ON s.org_id = o.id AND s.session_hash = $4 \
         WHERE o.name = $1"
    ))
    .bind(org_name.trim().to_lowercase())
    .bind(&user.id)
    .bind(&user.email)
    // No session's hash is empty: a token matches no SSO sign-in.
    .bind(caller.session_hash.as_deref().unwrap_or_default())
    .fetch_optional(db)
    .await?;
    let Standing {
        access,
        listed,
        sso_signed_in_at,
        sso_lifetime_secs,
        recovery_admin_id,
    } = row.ok_or_else(|| Error::org_not_found(org_name))?;
    let org = &access.org;
    let proof = crate::sso::caller_proof(
        caller,
        sso_signed_in_at,
        sso_lifetime_secs,
        recovery_admin_id.as_deref(),
    );
    match org.identity_provider.admission(listed.is_some(), proof) {
        Admission::Admitted => Ok(access),
        Admission::AsRecoveryAdmin => {
            announce_recovery(db, caller, &access).await?;
            Ok(access)
        }
        Admission::NotListed => Err(Error::Forbidden(format!(
            "Your email address ({}) is not in the identity provider of {}, so you cannot use this organization. Ask one of its admins to add it.",
            user.email, org.display_name
        ))),
        Admission::SignInThroughSso => Err(Error::Forbidden(format!(
            "{} signs people in through its identity provider. Sign in with SSO at /sso/{} to continue.",
            org.display_name, org.name
        ))),
    }
}

/// The recovery admin acting with a password session while the organization signs in
/// through SSO: the first request of each such session is audited and announced to
/// the other admins by email.
async fn announce_recovery(db: &Db, caller: &Caller, access: &OrgAccess) -> Result<()> {
    let Some(session) = caller.session_hash.as_deref() else {
        return Ok(());
    };
    let org = &access.org;
    let mut tx = db::begin_write(db).await?;
    let first = sqlx::query(
        "INSERT INTO sso_recovery_uses (session_hash, org_id, used_at) VALUES ($1, $2, $3) \
         ON CONFLICT (session_hash, org_id) DO NOTHING",
    )
    .bind(session)
    .bind(&org.id)
    .bind(db::now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !first {
        return Ok(());
    }
    let user = &caller.user;
    audit::record(
        &mut tx,
        &org.id,
        user.into(),
        Event::SsoRecoveryUsed,
        &user.email,
        "password session while single sign-on is on",
    )
    .await?;
    // Admins are few; the bound keeps a mistaken organization from mailing thousands.
    let admins: Vec<(String,)> = sqlx::query_as(
        "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND m.role = 'admin' AND m.user_id <> $2 ORDER BY u.email LIMIT 50",
    )
    .bind(&org.id)
    .bind(&user.id)
    .fetch_all(&mut *tx)
    .await?;
    for (to,) in admins {
        crate::email::outbox::enqueue(
            &mut tx,
            &to,
            &format!("{} used the recovery sign-in of {}", user.email, org.display_name),
            &format!(
                "{} ({}) signed in to {} with a password, not through its identity provider, as its recovery admin.\n\n\
                 This is how an admin fixes a broken single sign-on configuration. If you did not expect it, review the organization's audit log.",
                user.name, user.email, org.display_name
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
