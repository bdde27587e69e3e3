//! Stacks, and the resource counts their updates report: the source of resources
//! under management.

use crate::accounts::User;
use crate::db::{self, Conn, Db};
use crate::error::{Error, Result};
use crate::orgs::OrgAccess;
use purser_core::usage::{self, Granularity, Sample};
use purser_core::values::TextRule;
use purser_core::views::{StackView, UsageView};
use purser_core::{Action, Surface, ValueError};
use sqlx::Row;

pub async fn list(db: &Db, access: &OrgAccess, surface: Surface) -> Result<Vec<StackView>> {
    access.require(Action::StacksList, surface)?;
    Ok(sqlx::query_as(
        "SELECT s.project, s.name, s.resource_count, (SELECT MAX(u.at) FROM stack_updates u WHERE u.stack_id = s.id) AS last_update \
         FROM stacks s WHERE s.org_id = $1 ORDER BY s.project, s.name",
    )
    .bind(&access.org.id)
    .fetch_all(db)
    .await?)
}

pub async fn create(
    db: &Db,
    access: &OrgAccess,
    surface: Surface,
    project: &str,
    name: &str,
) -> Result<StackView> {
    access.require(Action::StacksCreate, surface)?;
    let project = TextRule::PROJECT_NAME.parse(project)?.into_string();
    let name = TextRule::STACK_NAME.parse(name)?.into_string();
    sqlx::query("INSERT INTO stacks (id, org_id, project, name, resource_count, created_at) VALUES ($1, $2, $3, $4, 0, $5)")
        .bind(db::new_id())
        .bind(&access.org.id)
        .bind(&project)
        .bind(&name)
        .bind(db::now_ms())
        .execute(db)
        .await
        .map_err(|e| Error::on_duplicate(e, || format!("The stack {project}/{name} already exists.")))?;
    Ok(StackView {
        project,
        name,
        resource_count: 0,
        last_update: None,
    })
}

/// The most resources one update may report.
pub const MAX_RESOURCE_COUNT: i64 = 10_000_000;

/// Records an update's resource count, as a deployment tool reports it afterwards.
pub async fn report_update(
    db: &Db,
    access: &OrgAccess,
    surface: Surface,
    actor: &User,
    project: &str,
    name: &str,
    resources: i64,
) -> Result<()> {
    access.require(Action::StacksUpdate, surface)?;
    if !(0..=MAX_RESOURCE_COUNT).contains(&resources) {
        return Err(Error::Invalid(ValueError {
            field: "resourceCount",
            message: format!("resourceCount must be between 0 and {MAX_RESOURCE_COUNT}."),
        }));
    }
    let mut tx = db.begin().await?;
    let stack_id: String =
        sqlx::query("SELECT id FROM stacks WHERE org_id = $1 AND project = $2 AND name = $3")
            .bind(&access.org.id)
            .bind(project)
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                Error::NotFound(format!("No stack {project}/{name} in this organization."))
            })?
            .try_get("id")?;
    record_sample(
        &mut tx,
        &access.org.id,
        &stack_id,
        db::now_ms(),
        resources,
        Some(&actor.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Writes one sample and the stack's current count.
pub async fn record_sample(
    conn: &mut Conn,
    org_id: &str,
    stack_id: &str,
    at: i64,
    resources: i64,
    by: Option<&str>,
) -> Result<()> {
    sqlx::query("INSERT INTO stack_updates (id, stack_id, org_id, at, resource_count, updated_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(db::new_id())
        .bind(stack_id)
        .bind(org_id)
        .bind(at)
        .bind(resources)
        .bind(by)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE stacks SET resource_count = $1 WHERE id = $2")
        .bind(resources)
        .bind(stack_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub const MAX_LOOKBACK_DAYS: i64 = 731;

pub async fn summary(
    db: &Db,
    access: &OrgAccess,
    surface: Surface,
    granularity: Granularity,
    lookback_days: i64,
) -> Result<UsageView> {
    access.require(Action::RumViewSummary, surface)?;
    if !(1..=MAX_LOOKBACK_DAYS).contains(&lookback_days) {
        return Err(Error::BadRequest(format!(
            "lookbackDays must be between 1 and {MAX_LOOKBACK_DAYS}."
        )));
    }
    let now = db::now_ms();
    let (y, m, d) = usage::date_of(now);
    let from = usage::start_of(y, m, d) - (lookback_days - 1) * 86_400_000;
    let samples: Vec<Sample> = sqlx::query_as(
        "SELECT stack_id AS stack, at, resource_count AS resources FROM stack_updates WHERE org_id = $1 AND at <= $2",
    )
    .bind(&access.org.id)
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(UsageView {
        current_resources: usage::current_resources(&samples, now),
        granularity,
        lookback_days,
        buckets: usage::summarize(&samples, from, now, granularity),
    })
}
