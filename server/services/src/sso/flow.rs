//! Signing in through an organization's provider: the browser leaves with a `state`
//! bound to it (a short-lived cookie, stored hashed with the flow) and comes back with a
//! code; the flow is consumed by the first callback that names it, and only in the
//! browser that started it. Then the account: found by its linked identity (issuer +
//! subject), else by its verified email (and linked), else created just in time. Then
//! its standing in the organization (`purser_core::sso::on_sign_in`), its teams from
//! the provider's groups, and a new session that counts as signed in through the
//! provider.
//!
//! A test sign-in (an admin checking a configuration) runs the same exchange and
//! verification, records what the provider sent, and changes nobody's access.

use super::oidc::{self, Identity, OidcError, Registration, Returned};
use super::{redirect_uri, stored, Sso};
use crate::access::Acting;
use crate::accounts::{self, SessionLifetimes, User};
use crate::audit::{self, Event};
use crate::error::{Error, Result};
use crate::orgs;
use crate::secrets;
use crate::storage::db::{self, Conn, Db};
use purser_core::sso::{on_sign_in, OnSignIn};
use purser_core::{Action, Email, Role};
use sqlx::Row;

/// The cookie that binds a flow to the browser that started it.
pub const FLOW_COOKIE: &str = "purser_sso";
/// How long a browser may take at the provider.
pub const FLOW_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// What a flow is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    /// An admin checks the configuration; `started_by` is them.
    Test,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign-in",
            Purpose::Test => "test",
        }
    }
}

/// A flow under way: send the browser to `redirect_to`, with `browser_secret` in the
/// [`FLOW_COOKIE`].
pub struct Started {
    pub redirect_to: String,
    pub browser_secret: String,
}

fn provider_failed(e: OidcError) -> Error {
    match e {
        OidcError::Provider(m) => Error::Provider(m),
        OidcError::Refused(m) => Error::Unauthenticated(m),
    }
}

async fn org_id_by_name(db: &Db, org: &str) -> Result<(String, purser_core::IdentityProvider)> {
    let row = sqlx::query("SELECT id, idp_kind FROM organizations WHERE name = $1")
        .bind(org.trim().to_lowercase())
        .fetch_optional(db)
        .await?
        .ok_or_else(|| Error::org_not_found(org))?;
    let kind: String = row.try_get("idp_kind")?;
    let kind = kind
        .parse()
        .map_err(|e| Error::internal("a stored identity provider", e))?;
    Ok((row.try_get("id")?, kind))
}

/// Starts a sign-in to the organization named `org` through its provider.
pub async fn start_sign_in(db: &Db, sso: &Sso, base_url: &str, org: &str) -> Result<Started> {
    let (org_id, kind) = org_id_by_name(db, org).await?;
    if !kind.is_sso() {
        return Err(Error::NotFound(format!(
            "The organization {org:?} does not sign in through single sign-on."
        )));
    }
    start(db, sso, base_url, &org_id, org, Purpose::SignIn, None).await
}

/// Starts a test sign-in with the organization's saved configuration (admins).
pub async fn start_test(db: &Db, sso: &Sso, base_url: &str, at: &Acting) -> Result<Started> {
    at.require(Action::SettingsConfigureIdentityProvider)?;
    let org = &at.access.org;
    start(
        db,
        sso,
        base_url,
        &org.id,
        &org.name,
        Purpose::Test,
        Some(&at.actor.id),
    )
    .await
}

async fn start(
    db: &Db,
    sso: &Sso,
    base_url: &str,
    org_id: &str,
    org_name: &str,
    purpose: Purpose,
    started_by: Option<&str>,
) -> Result<Started> {
    let mut conn = db.acquire().await?;
    let config = stored(&mut conn, org_id).await?.ok_or_else(|| {
        Error::NotFound("This organization has no single sign-on configured.".into())
    })?;
    drop(conn);
    let secret = sso.open_secret(org_id, &config.client_secret_sealed)?;
    let metadata = sso
        .providers
        .get(&sso.outbound, &config.issuer, false)
        .await
        .map_err(provider_failed)?;
    let state = secrets::generate("");
    let browser_secret = secrets::generate("");
    let redirect = redirect_uri(base_url, org_name);
    let authorization = oidc::authorize(
        &metadata,
        &Registration {
            client_id: &config.client_id,
            client_secret: &secret,
            redirect_uri: &redirect,
        },
        &state,
        config.groups_claim.as_deref(),
    )
    .map_err(provider_failed)?;
    let now = db::now_ms();
    // Flows left unfinished are cleared as new ones start.
    sqlx::query("DELETE FROM sso_flows WHERE created_at < $1")
        .bind(now - FLOW_LIFETIME_MS)
        .execute(db)
        .await?;
    sqlx::query(
        "INSERT INTO sso_flows (state_hash, browser_hash, org_id, purpose, started_by, nonce, pkce_verifier, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(secrets::hash(&state))
    .bind(secrets::hash(&browser_secret))
    .bind(org_id)
    .bind(purpose.as_str())
    .bind(started_by)
    .bind(&authorization.nonce)
    .bind(&authorization.pkce_verifier)
    .bind(now)
    .execute(db)
    .await?;
    Ok(Started {
        redirect_to: authorization.url,
        browser_secret,
    })
}

/// What the provider's callback carried.
pub struct Callback<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    /// The provider's refusal (`error`, `error_description`), when it sent one.
    pub error: Option<&'a str>,
    pub error_description: Option<&'a str>,
    /// The [`FLOW_COOKIE`]'s value, when the browser sent it.
    pub browser_secret: Option<&'a str>,
}

/// How a flow ended.
pub enum Finished {
    /// A new session (its secret, for the cookie) that acts in the organization;
    /// `has_role` false when the person still needs an invitation.
    SignedIn {
        session: String,
        org: String,
        has_role: bool,
    },
    /// A test succeeded: what the provider sent is recorded for the admin.
    Tested { org: String },
}

/// Finishes the flow the callback names, in the organization named `org`.
pub async fn finish(
    db: &Db,
    sso: &Sso,
    base_url: &str,
    lifetimes: SessionLifetimes,
    org: &str,
    callback: Callback<'_>,
) -> Result<Finished> {
    let refused = |m: &str| Error::Unauthenticated(format!("{m} Start the sign-in again."));
    let state = callback
        .state
        .filter(|s| !s.is_empty())
        .ok_or_else(|| refused("The provider's answer carries no state."))?;
    let browser = callback.browser_secret.ok_or_else(|| {
        refused("This browser did not start the sign-in (its cookie is missing).")
    })?;
    // Single use: the first callback naming the state deletes it, whatever follows.
    let flow = sqlx::query(
        "DELETE FROM sso_flows WHERE state_hash = $1 \
         RETURNING browser_hash, org_id, purpose, started_by, nonce, pkce_verifier, created_at",
    )
    .bind(secrets::hash(state))
    .fetch_optional(db)
    .await?
    .ok_or_else(|| refused("The sign-in is unknown, already used or expired."))?;
    let browser_hash: String = flow.try_get("browser_hash")?;
    let org_id: String = flow.try_get("org_id")?;
    let purpose: String = flow.try_get("purpose")?;
    let started_by: Option<String> = flow.try_get("started_by")?;
    let nonce: String = flow.try_get("nonce")?;
    let pkce_verifier: String = flow.try_get("pkce_verifier")?;
    let created_at: i64 = flow.try_get("created_at")?;
    if browser_hash != secrets::hash(browser) {
        return Err(refused("This browser did not start the sign-in."));
    }
    if db::now_ms() - created_at > FLOW_LIFETIME_MS {
        return Err(refused("The sign-in took longer than ten minutes."));
    }
    let (named_id, kind) = org_id_by_name(db, org).await?;
    if named_id != org_id {
        return Err(refused("The sign-in was started for another organization."));
    }
    if let Some(error) = callback.error {
        return Err(Error::Unauthenticated(format!(
            "The identity provider refused the sign-in: {error}{}.",
            callback
                .error_description
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        )));
    }
    let code = callback
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| refused("The provider's answer carries no code."))?;
    let mut conn = db.acquire().await?;
    let config = stored(&mut conn, &org_id)
        .await?
        .ok_or_else(|| refused("The organization's single sign-on was removed meanwhile."))?;
    drop(conn);
    let secret = sso.open_secret(&org_id, &config.client_secret_sealed)?;
    let metadata = sso
        .providers
        .get(&sso.outbound, &config.issuer, false)
        .await
        .map_err(provider_failed)?;
    let redirect = redirect_uri(base_url, org);
    let identity = oidc::redeem(
        (&sso.outbound, &sso.providers),
        metadata,
        &Registration {
            client_id: &config.client_id,
            client_secret: &secret,
            redirect_uri: &redirect,
        },
        Returned {
            code,
            pkce_verifier: &pkce_verifier,
            nonce: &nonce,
        },
        config.groups_claim.as_deref(),
    )
    .await
    .map_err(provider_failed)?;
    let email = checked_email(&identity)?;
    if purpose == Purpose::Test.as_str() {
        let tested_by = started_by.ok_or_else(|| Error::bug("a test sign-in without its admin"))?;
        record_test(db, &org_id, &tested_by, config.updated_at, &identity).await?;
        return Ok(Finished::Tested {
            org: org.to_owned(),
        });
    }
    if !kind.is_sso() {
        return Err(refused(
            "The organization no longer signs in through single sign-on.",
        ));
    }
    let user = account_for(db, &org_id, &identity, &email).await?;
    let role = settle_standing(db, &org_id, &user, &config, &identity).await?;
    let session = accounts::start_sso_session(db, lifetimes, &user.id, &org_id).await?;
    tracing::info!(org = %org, user = %user.id, "signed in through single sign-on");
    Ok(Finished::SignedIn {
        session,
        org: org.to_owned(),
        has_role: role.is_some(),
    })
}

/// The email the provider vouches for: present and verified.
fn checked_email(identity: &Identity) -> Result<Email> {
    let email = identity.email.as_deref().ok_or_else(|| {
        Error::Unauthenticated("The identity provider sent no email address for you.".into())
    })?;
    if !identity.email_verified {
        return Err(Error::Unauthenticated(format!(
            "The identity provider has not verified your email address ({email}), so Purser cannot use it."
        )));
    }
    Email::parse(email).map_err(|e| {
        Error::Unauthenticated(format!(
            "The identity provider's email address is not valid: {e}"
        ))
    })
}

async fn record_test(
    db: &Db,
    org_id: &str,
    tested_by: &str,
    config_version: i64,
    identity: &Identity,
) -> Result<()> {
    let claims = serde_json::to_string(&identity.claims)
        .map_err(|e| Error::internal("the claims of a test sign-in", e))?;
    let now = db::now_ms();
    let mut tx = db::begin_write(db).await?;
    sqlx::query(
        "INSERT INTO sso_test_results (org_id, tested_by, claims, tested_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id) DO UPDATE SET tested_by = $2, claims = $3, tested_at = $4",
    )
    .bind(org_id)
    .bind(tested_by)
    .bind(&claims)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // The configuration tested, not one saved since (its version is when it was saved).
    sqlx::query("UPDATE sso_configs SET tested_at = $1 WHERE org_id = $2 AND updated_at = $3")
        .bind(now)
        .bind(org_id)
        .bind(config_version)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The account the provider's person is: linked before, else the account with their
/// address when it already holds a role in the organization (linked now), else a new
/// one, verified, with no password.
///
/// An organization's provider is trusted for that organization only. An account
/// outside it is someone else's to bring in: were it linked by its address, any
/// organization's admin could run a provider that vouches for any address and sign in
/// as its owner, everywhere the owner acts. Its owner signs in with their password and
/// accepts an invitation first; their next SSO sign-in links them.
async fn account_for(db: &Db, org_id: &str, identity: &Identity, email: &Email) -> Result<User> {
    let linked = sqlx::query(
        "SELECT u.id FROM sso_identities i JOIN users u ON u.id = i.user_id \
         WHERE i.issuer = $1 AND i.subject = $2",
    )
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .fetch_optional(db)
    .await?;
    if let Some(row) = linked {
        let id: String = row.try_get("id")?;
        return accounts::find_by_id(db, &id)
            .await?
            .ok_or_else(|| Error::bug("a linked account vanished"));
    }
    let user = match accounts::find_by_email(db, email).await? {
        Some(user) => {
            let mut conn = db.acquire().await?;
            let joined = orgs::role_of(&mut conn, org_id, &user.id).await?.is_some();
            if !purser_core::identity::provider_speaks_for(false, joined) {
                return Err(Error::Unauthenticated(format!(
                    "A Purser account with the address {email} already exists and is not in this organization: sign in with its password and accept an invitation to the organization, then sign in with SSO."
                )));
            }
            drop(conn);
            // (A role is held only by a verified account: joining and creating an
            // organization both require it.)
            user
        }
        None => {
            let name = identity
                .name
                .clone()
                .unwrap_or_else(|| email.as_str().to_owned());
            accounts::create_from_provider(db, email, &name).await?
        }
    };
    sqlx::query(
        "INSERT INTO sso_identities (issuer, subject, user_id, linked_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (issuer, subject) DO NOTHING",
    )
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .bind(&user.id)
    .bind(db::now_ms())
    .execute(db)
    .await?;
    Ok(user)
}

/// The person's role after signing in (joining as a member where the organization
/// says so) and their teams from the provider's groups.
async fn settle_standing(
    db: &Db,
    org_id: &str,
    user: &User,
    config: &super::Stored,
    identity: &Identity,
) -> Result<Option<Role>> {
    let mut tx = db::begin_write(db).await?;
    orgs::lock_memberships(&mut tx, org_id).await?;
    let role = orgs::role_of(&mut tx, org_id, &user.id).await?;
    // Someone the provider deactivated through SCIM does not join by signing in.
    let join_as = if crate::scim::users::is_deactivated(&mut tx, org_id, &user.id).await? {
        purser_core::sso::JoinAs::None
    } else {
        config.join_as
    };
    let role = match on_sign_in(role, join_as) {
        OnSignIn::Keep(role) => Some(role),
        OnSignIn::JoinAsMember => {
            orgs::add_member(&mut tx, org_id, &user.id, Role::Member).await?;
            audit::record(
                &mut tx,
                org_id,
                user.into(),
                Event::SsoMemberJoined,
                &user.email,
                &format!("through {}", config.issuer),
            )
            .await?;
            audit::record(
                &mut tx,
                org_id,
                user.into(),
                Event::RoleGranted,
                &user.email,
                Role::Member.as_str(),
            )
            .await?;
            Some(Role::Member)
        }
        OnSignIn::NeedsInvitation => None,
    };
    if role.is_some_and(|r| r.counts_as_member()) {
        for (group, team) in &config.teams_from_groups {
            let belongs = identity.groups.iter().any(|g| g == group);
            set_team(&mut tx, org_id, user, team, belongs).await?;
        }
    }
    tx.commit().await?;
    Ok(role)
}

/// Puts the person on `team` or takes them off, as the provider's groups say; a team
/// deleted since it was mapped is skipped.
async fn set_team(conn: &mut Conn, org_id: &str, user: &User, team: &str, on: bool) -> Result<()> {
    let Some(row) = sqlx::query("SELECT id FROM teams WHERE org_id = $1 AND name = $2")
        .bind(org_id)
        .bind(team)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(());
    };
    let team_id: String = row.try_get("id")?;
    crate::teams::set_membership(conn, org_id, user.into(), (&team_id, team), &user.id, on).await?;
    Ok(())
}

/// What the last test sign-in received, for the admins' settings page.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub tested_at: i64,
    pub tested_by: String,
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl TestResult {
    /// The claims as indented JSON, to show.
    pub fn claims_json(&self) -> String {
        serde_json::to_string_pretty(&self.claims).unwrap_or_default()
    }
}

pub async fn last_test(db: &Db, at: &Acting) -> Result<Option<TestResult>> {
    at.require(Action::SettingsView)?;
    let row = sqlx::query(
        "SELECT t.claims, t.tested_at, u.login FROM sso_test_results t JOIN users u ON u.id = t.tested_by \
         WHERE t.org_id = $1",
    )
    .bind(&at.access.org.id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let claims: String = row.try_get("claims")?;
    Ok(Some(TestResult {
        tested_at: row.try_get("tested_at")?,
        tested_by: row.try_get("login")?,
        claims: serde_json::from_str(&claims).map_err(|e| Error::internal("stored claims", e))?,
    }))
}
