//! Policy groups and policy packs: list and create.

use crate::access::Acting;
use crate::audit::{self, Event};
use crate::error::{Error, Result};
use crate::orgs::{self};
use crate::storage::cursor::{Page, PageAsk, Position, WHOLE_LIST};
use crate::storage::db::{self, Db};
use purser_core::values::TextRule;
use purser_core::views::PolicyView;
use purser_core::Action;
use sqlx::Row;

/// Which policy resource: groups or packs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Groups,
    Packs,
}

impl PolicyKind {
    fn list_action(self) -> Action {
        match self {
            PolicyKind::Groups => Action::PolicyGroupsList,
            PolicyKind::Packs => Action::PolicyPacksList,
        }
    }

    fn manage_action(self) -> Action {
        match self {
            PolicyKind::Groups => Action::PolicyGroupsManage,
            PolicyKind::Packs => Action::PolicyPacksManage,
        }
    }
}

/// Which policies a list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyList<'a> {
    /// Policy groups, by name.
    Groups,
    /// Every pack's versions, by pack name and version.
    Packs,
    /// One pack's versions.
    Pack(&'a str),
}

impl PolicyList<'_> {
    fn kind(self) -> PolicyKind {
        match self {
            PolicyList::Groups => PolicyKind::Groups,
            PolicyList::Packs | PolicyList::Pack(_) => PolicyKind::Packs,
        }
    }
}

/// A keyset page of policies (on their unique indexes).
pub async fn list(
    db: &Db,
    at: &Acting,
    list: PolicyList<'_>,
    ask: PageAsk<'_>,
) -> Result<Page<PolicyView>> {
    let access = &at.access;
    at.require(list.kind().list_action())?;
    let org = &access.org.id;
    let scope = match list {
        PolicyList::Groups => format!("policy-groups:{org}"),
        PolicyList::Packs => format!("policy-packs:{org}"),
        PolicyList::Pack(name) => format!("policy-pack:{org}:{name}"),
    };
    ask.read_up_to(
        WHOLE_LIST,
        &scope,
        async |request| {
            // A version's position is its pack's name and its number; a group's, its name.
            let (after_name, after_version) = (request.after_id(), request.after_at(i64::MIN));
            let query = match list {
                PolicyList::Groups => sqlx::query_as(
                    "SELECT name, NULL AS version, created_at FROM policy_groups \
                     WHERE org_id = $1 AND name > $2 ORDER BY name LIMIT $3",
                )
                .bind(org)
                .bind(after_name),
                PolicyList::Packs => sqlx::query_as(
                    "SELECT name, version, created_at FROM policy_packs \
                     WHERE org_id = $1 AND (name, version) > ($2, $3) ORDER BY name, version LIMIT $4",
                )
                .bind(org)
                .bind(after_name)
                .bind(after_version),
                PolicyList::Pack(name) => sqlx::query_as(
                    "SELECT name, version, created_at FROM policy_packs \
                     WHERE org_id = $1 AND name = $2 AND version > $3 ORDER BY version LIMIT $4",
                )
                .bind(org)
                .bind(name)
                .bind(after_version),
            };
            let rows: Vec<PolicyView> = query.bind(request.fetch()).fetch_all(db).await?;
            Ok(rows)
        },
        |p| Position {
            at: p.version.unwrap_or(0),
            id: p.name.clone(),
        },
    )
    .await
}

/// Creates a policy group, or publishes the next version of a policy pack.
pub async fn create(db: &Db, at: &Acting, kind: PolicyKind, name: &str) -> Result<PolicyView> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(kind.manage_action())?;
    let name = TextRule::POLICY_NAME.parse(name)?.into_string();
    let now = db::now_ms();
    let mut tx = db::begin_write(db).await?;
    let version = match kind {
        PolicyKind::Groups => {
            sqlx::query(
                "INSERT INTO policy_groups (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(db::new_id())
            .bind(&access.org.id)
            .bind(&name)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                Error::on_duplicate(e, || format!("The policy group {name} already exists."))
            })?;
            None
        }
        PolicyKind::Packs => {
            // Publishes of one organization queue on its row (PostgreSQL; SQLite's
            // transaction holds the write lock already), so each reads the version
            // the previous one wrote.
            orgs::lock(&mut tx, &access.org.id).await?;
            let version: i64 = sqlx::query(
                "INSERT INTO policy_packs (id, org_id, name, version, created_at) \
                 SELECT $1, $2, $3, COALESCE(MAX(version), 0) + 1, $4 FROM policy_packs WHERE org_id = $2 AND name = $3 \
                 RETURNING version",
            )
            .bind(db::new_id())
            .bind(&access.org.id)
            .bind(&name)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                Error::on_duplicate(e, || {
                    format!("Another version of {name} was published at the same moment; try again.")
                })
            })?
            .try_get("version")?;
            Some(version)
        }
    };
    let event = match kind {
        PolicyKind::Groups => Event::PolicyGroupCreated,
        PolicyKind::Packs => Event::PolicyPackPublished,
    };
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        event,
        &name,
        &version.map(|v| format!("version {v}")).unwrap_or_default(),
    )
    .await?;
    tx.commit().await?;
    Ok(PolicyView {
        name,
        version,
        created_at: now,
    })
}
