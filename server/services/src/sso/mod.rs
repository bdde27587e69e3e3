//! Single sign-on through an organization's own identity provider: its configuration
//! (here), the sign-in flow (`flow`), the OpenID Connect protocol (`oidc`) and every
//! call made to a provider (`outbound`). The rules that do not depend on the protocol
//! are `purser_core::sso`'s; SAML will add a protocol beside `oidc`.

pub mod flow;
mod oidc;
pub mod outbound;

use crate::access::Acting;
use crate::audit::{self, Event};
use crate::error::{Error, Result};
use crate::storage::db::{self, Conn, Db};
use crate::storage::sealing::SealingKey;
use outbound::Outbound;
use purser_core::sso::{JoinAs, DEFAULT_LIFETIME_SECS, LIFETIME_SECS};
use purser_core::values::TextRule;
use purser_core::{Action, IdentityProvider, Proof, ValueError};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

/// What every request's SSO work shares: the client for providers, the key that seals
/// client secrets, and the providers' discovery documents already read.
pub struct Sso {
    pub outbound: Outbound,
    secrets: SealingKey,
    providers: oidc::Providers,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field("outbound", &self.outbound)
            .finish_non_exhaustive()
    }
}

const SECRETS_KEY: &str = "sso-client-secrets";

impl Sso {
    pub async fn load(db: &Db, allow_private_networks: bool) -> Result<Sso> {
        Ok(Sso {
            outbound: Outbound::new(allow_private_networks),
            secrets: SealingKey::load(db, SECRETS_KEY).await?,
            providers: oidc::Providers::default(),
        })
    }

    fn seal_secret(&self, org_id: &str, secret: &str) -> String {
        self.secrets
            .seal(&format!("client-secret:{org_id}"), secret)
    }

    fn open_secret(&self, org_id: &str, sealed: &str) -> Result<String> {
        self.secrets
            .open(&format!("client-secret:{org_id}"), sealed)
            .ok_or_else(|| Error::bug("a stored client secret does not open"))
    }
}

/// How the caller proved who they are, as the organization `org_id`'s provider sees it
/// (read inside the caller's transaction).
pub(crate) async fn proof(
    conn: &mut Conn,
    org_id: &str,
    caller: &crate::caller::Caller,
) -> Result<Proof> {
    let Some(session) = caller.session_hash.as_deref() else {
        return Ok(Proof::Token);
    };
    let row = sqlx::query(
        "SELECT s.signed_in_at, c.lifetime_secs, c.recovery_admin_id FROM organizations o \
         LEFT JOIN sso_configs c ON c.org_id = o.id \
         LEFT JOIN session_sso s ON s.org_id = o.id AND s.session_hash = $2 WHERE o.id = $1",
    )
    .bind(org_id)
    .bind(session)
    .fetch_optional(conn)
    .await?;
    let (signed_in_at, lifetime, recovery): (Option<i64>, Option<i64>, Option<String>) = match row {
        Some(r) => (
            r.try_get("signed_in_at")?,
            r.try_get("lifetime_secs")?,
            r.try_get("recovery_admin_id")?,
        ),
        None => (None, None, None),
    };
    Ok(caller_proof(
        caller,
        signed_in_at,
        lifetime,
        recovery.as_deref(),
    ))
}

/// The caller's proof, from what was read of the organization: when the session
/// signed in through its provider, the SSO lifetime and the recovery admin.
pub(crate) fn caller_proof(
    caller: &crate::caller::Caller,
    sso_signed_in_at: Option<i64>,
    lifetime_secs: Option<i64>,
    recovery_admin_id: Option<&str>,
) -> Proof {
    match caller.session_hash {
        None => Proof::Token,
        Some(_) => Proof::Session {
            sso_fresh: sso_signed_in_at.is_some_and(|at| {
                purser_core::sso::is_fresh(
                    at,
                    lifetime_secs.unwrap_or(DEFAULT_LIFETIME_SECS),
                    db::now_ms(),
                )
            }),
            recovery_admin: recovery_admin_id == Some(caller.user.id.as_str()),
        },
    }
}

/// Where the provider sends people back: to register at the provider.
pub fn redirect_uri(base_url: &str, org: &str) -> String {
    format!("{base_url}/sso/{org}/callback")
}

/// An OpenID Connect connection as an admin enters it.
#[derive(Debug, Clone)]
pub struct OidcSetup {
    pub issuer: String,
    pub client_id: String,
    /// `None` keeps the secret already stored (it is never shown again).
    pub client_secret: Option<String>,
    pub join_as: JoinAs,
    pub groups_claim: Option<String>,
    pub teams_from_groups: BTreeMap<String, String>,
    /// Seconds; `None` keeps the stored lifetime (24 hours at first).
    pub lifetime_secs: Option<i64>,
    /// The recovery admin's login; `None` keeps the stored one (at first, the admin
    /// who configures SSO).
    pub recovery_admin: Option<String>,
}

/// An organization's OpenID Connect connection as it is shown (never its secret).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub join_as: JoinAs,
    pub groups_claim: Option<String>,
    pub teams_from_groups: BTreeMap<String, String>,
    pub lifetime_secs: i64,
    /// The recovery admin's login.
    pub recovery_admin: Option<String>,
    /// To register at the provider.
    pub redirect_uri: String,
    /// When a test sign-in with this configuration last succeeded (Unix ms).
    pub tested_at: Option<i64>,
}

/// The configuration, read inside the services (with the secret, sealed).
pub(crate) struct Stored {
    pub issuer: String,
    pub client_id: String,
    pub client_secret_sealed: String,
    pub join_as: JoinAs,
    pub groups_claim: Option<String>,
    pub teams_from_groups: BTreeMap<String, String>,
    pub lifetime_secs: i64,
    pub recovery_admin_id: Option<String>,
    pub tested_at: Option<i64>,
    pub updated_at: i64,
}

pub(crate) async fn stored(conn: &mut Conn, org_id: &str) -> Result<Option<Stored>> {
    let row = sqlx::query(
        "SELECT issuer, client_id, client_secret_sealed, join_as, groups_claim, teams_from_groups, \
         lifetime_secs, recovery_admin_id, tested_at, updated_at FROM sso_configs WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let join_as: String = row.try_get("join_as")?;
    let teams: String = row.try_get("teams_from_groups")?;
    Ok(Some(Stored {
        issuer: row.try_get("issuer")?,
        client_id: row.try_get("client_id")?,
        client_secret_sealed: row.try_get("client_secret_sealed")?,
        join_as: join_as
            .parse()
            .map_err(|e| Error::internal("a stored joinAs", e))?,
        groups_claim: row.try_get("groups_claim")?,
        teams_from_groups: serde_json::from_str(&teams)
            .map_err(|e| Error::internal("stored teamsFromGroups", e))?,
        lifetime_secs: row.try_get("lifetime_secs")?,
        recovery_admin_id: row.try_get("recovery_admin_id")?,
        tested_at: row.try_get("tested_at")?,
        updated_at: row.try_get("updated_at")?,
    }))
}

/// The organization's OpenID Connect configuration, if one was saved (admins).
pub async fn config(db: &Db, at: &Acting, base_url: &str) -> Result<Option<OidcConfig>> {
    at.require(Action::SettingsView)?;
    let mut conn = db.acquire().await?;
    let Some(stored) = stored(&mut conn, &at.access.org.id).await? else {
        return Ok(None);
    };
    let recovery_admin = match &stored.recovery_admin_id {
        Some(id) => sqlx::query("SELECT login FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get::<String, _>("login"))
            .transpose()?,
        None => None,
    };
    Ok(Some(OidcConfig {
        issuer: stored.issuer,
        client_id: stored.client_id,
        join_as: stored.join_as,
        groups_claim: stored.groups_claim,
        teams_from_groups: stored.teams_from_groups,
        lifetime_secs: stored.lifetime_secs,
        recovery_admin,
        redirect_uri: redirect_uri(base_url, &at.access.org.name),
        tested_at: stored.tested_at,
    }))
}

fn invalid(field: &'static str, message: impl Into<String>) -> Error {
    Error::Invalid(ValueError {
        field,
        message: message.into(),
    })
}

/// When a saved configuration takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// The organization signs in through it from now on (the REST API: the discovery
    /// document was checked).
    Now,
    /// Saved, to be tested from Settings and turned on there ([`turn_on`]); who has
    /// access does not change (unless the organization already signs in through SSO).
    Later,
}

/// Saves an OpenID Connect configuration after reading the issuer's discovery document
/// (a 422 on `issuer` saying why it cannot be used), and switches the organization to
/// it as `switch` says. Admins only; the switch is audited.
pub async fn configure(
    db: &Db,
    sso: &Sso,
    base_url: &str,
    at: &Acting,
    setup: OidcSetup,
    switch: Switch,
) -> Result<OidcConfig> {
    let org_id = &at.access.org.id;
    at.require(Action::SettingsConfigureIdentityProvider)?;
    let issuer = check_issuer(&setup.issuer, sso.outbound.allows_private_networks())?;
    let client_id = setup.client_id.trim().to_owned();
    if client_id.is_empty() || client_id.len() > 255 {
        return Err(invalid(
            "clientId",
            "Enter the client ID the provider gave you (at most 255 characters).",
        ));
    }
    if let Some(secret) = &setup.client_secret {
        if secret.is_empty() || secret.len() > 1024 {
            return Err(invalid(
                "clientSecret",
                "Enter the client secret the provider gave you (at most 1,024 characters).",
            ));
        }
    }
    let groups_claim = setup
        .groups_claim
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty());
    if groups_claim.as_ref().is_some_and(|g| g.len() > 100) {
        return Err(invalid(
            "groupsClaim",
            "The groups claim's name is at most 100 characters.",
        ));
    }
    if setup.teams_from_groups.len() > 500 {
        return Err(invalid(
            "teamsFromGroups",
            "Map at most 500 groups to teams.",
        ));
    }
    if !setup.teams_from_groups.is_empty() && groups_claim.is_none() {
        return Err(invalid(
            "groupsClaim",
            "Name the claim that carries the groups (for example `groups`) to map groups to teams.",
        ));
    }
    for (group, team) in &setup.teams_from_groups {
        if group.is_empty() || group.len() > 255 {
            return Err(invalid(
                "teamsFromGroups",
                "A group's name is 1 to 255 characters.",
            ));
        }
        TextRule::TEAM_NAME
            .parse(team)
            .map_err(|e| invalid("teamsFromGroups", e.message))?;
    }
    if let Some(secs) = setup.lifetime_secs {
        if !LIFETIME_SECS.contains(&secs) {
            return Err(invalid(
                "ssoLifetimeSeconds",
                format!(
                    "The SSO lifetime is between {} and {} seconds.",
                    LIFETIME_SECS.start(),
                    LIFETIME_SECS.end()
                ),
            ));
        }
    }
    // The provider must answer before anything is saved.
    sso.providers
        .get(&sso.outbound, &issuer, true)
        .await
        .map_err(|e| invalid("issuer", e.to_string()))?;

    let mut tx = db::begin_write(db).await?;
    crate::orgs::lock(&mut tx, org_id).await?;
    let before = stored(&mut tx, org_id).await?;
    let sealed = match (&setup.client_secret, &before) {
        (Some(secret), _) => sso.seal_secret(org_id, secret),
        (None, Some(before)) => before.client_secret_sealed.clone(),
        (None, None) => {
            return Err(invalid(
                "clientSecret",
                "Enter the client secret the provider gave you.",
            ))
        }
    };
    for team in setup.teams_from_groups.values() {
        let found = sqlx::query("SELECT 1 AS one FROM teams WHERE org_id = $1 AND name = $2")
            .bind(org_id)
            .bind(team)
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            return Err(invalid(
                "teamsFromGroups",
                format!("There is no team {team:?}: create it first."),
            ));
        }
    }
    let recovery_admin_id = match setup.recovery_admin.as_deref().map(str::trim) {
        Some(login) if !login.is_empty() => {
            let row = sqlx::query(
                "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id AND m.org_id = $1 \
                 WHERE u.login = $2 AND m.role = 'admin'",
            )
            .bind(org_id)
            .bind(login.to_lowercase())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| invalid("recoveryAdmin", format!("{login} is not an admin of this organization.")))?;
            Some(row.try_get::<String, _>("id")?)
        }
        _ => before
            .as_ref()
            .and_then(|b| b.recovery_admin_id.clone())
            .or_else(|| Some(at.actor.id.clone())),
    };
    let lifetime = setup
        .lifetime_secs
        .or(before.as_ref().map(|b| b.lifetime_secs))
        .unwrap_or(DEFAULT_LIFETIME_SECS);
    // A test proves the connection, not the mapping: it stays valid while the issuer,
    // client and secret stay the same.
    let same_connection = before.as_ref().is_some_and(|b| {
        b.issuer == issuer && b.client_id == client_id && setup.client_secret.is_none()
    });
    let tested_at = if same_connection {
        before.as_ref().and_then(|b| b.tested_at)
    } else {
        None
    };
    let now = db::now_ms();
    sqlx::query(
        "INSERT INTO sso_configs (org_id, protocol, issuer, client_id, client_secret_sealed, join_as, \
         groups_claim, teams_from_groups, lifetime_secs, recovery_admin_id, tested_at, updated_at) \
         VALUES ($1, 'oidc', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (org_id) DO UPDATE SET issuer = $2, client_id = $3, client_secret_sealed = $4, \
         join_as = $5, groups_claim = $6, teams_from_groups = $7, lifetime_secs = $8, \
         recovery_admin_id = $9, tested_at = $10, updated_at = $11",
    )
    .bind(org_id)
    .bind(&issuer)
    .bind(&client_id)
    .bind(&sealed)
    .bind(setup.join_as.as_str())
    .bind(&groups_claim)
    .bind(serde_json::to_string(&setup.teams_from_groups).map_err(|e| Error::internal("teamsFromGroups", e))?)
    .bind(lifetime)
    .bind(&recovery_admin_id)
    .bind(tested_at)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if switch == Switch::Now {
        crate::directory::switch_provider(&mut tx, at, IdentityProvider::Oidc).await?;
    }
    audit::record(
        &mut tx,
        org_id,
        (&at.actor).into(),
        Event::SsoConfigured,
        &issuer,
        &format!("client {client_id}, joinAs {}", setup.join_as),
    )
    .await?;
    tx.commit().await?;
    config(db, at, base_url)
        .await?
        .ok_or_else(|| Error::bug("the configuration just saved is not there"))
}

/// Turns single sign-on on with the saved configuration, which a test sign-in must have
/// proved (Settings → Identity provider).
pub async fn turn_on(db: &Db, at: &Acting) -> Result<()> {
    at.require(Action::SettingsConfigureIdentityProvider)?;
    let mut tx = db::begin_write(db).await?;
    crate::orgs::lock(&mut tx, &at.access.org.id).await?;
    let config = stored(&mut tx, &at.access.org.id).await?.ok_or_else(|| {
        invalid(
            "issuer",
            "Save the OpenID Connect provider's issuer, client ID and secret first.",
        )
    })?;
    if config.tested_at.is_none() {
        return Err(Error::Conflict(
            "Run a test sign-in with this configuration first: single sign-on turns on only after one succeeds.".into(),
        ));
    }
    crate::directory::switch_provider(&mut tx, at, IdentityProvider::Oidc).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks an issuer URL before anything is fetched from it: a URL, https (unless the
/// operator allows private networks), nothing but scheme, host, port and path.
fn check_issuer(input: &str, allow_private: bool) -> Result<String> {
    let trimmed = input.trim();
    let url = url::Url::parse(trimmed)
        .map_err(|e| invalid("issuer", format!("The issuer is not a URL ({e}).")))?;
    let decorated = url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.host().is_none();
    purser_core::sso::check_issuer(url.scheme(), decorated, allow_private)
        .map_err(|e| invalid("issuer", e.to_string()))?;
    if trimmed.len() > 2048 {
        return Err(invalid(
            "issuer",
            "The issuer URL is at most 2,048 characters.",
        ));
    }
    // The issuer is compared as written with the discovery document's: keep it as is
    // (without a trailing slash the provider did not put there).
    Ok(trimmed.to_owned())
}
