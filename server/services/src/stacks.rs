//! Stacks, and the resource counts their updates report: the source of resources
//! under management.

use crate::access::Acting;
use crate::error::{Error, Result};
use crate::storage::cursor::{Page, PageAsk, Position};
use crate::storage::db::{self, Conn, Db};
use purser_core::usage::{self, DayRollup, Granularity, DAY_MS};
use purser_core::values::TextRule;
use purser_core::views::{StackView, UsageView};
use purser_core::{Action, ValueError};
use sqlx::Row;

/// The organization's stacks by project and name, a keyset page at a time.
pub async fn list(db: &Db, at: &Acting, ask: PageAsk<'_>) -> Result<Page<StackView>> {
    let access = &at.access;
    at.require(Action::StacksList)?;
    let scope = format!("stacks:{}", access.org.id);
    ask.read(
        &scope,
        async |request| {
            // The position is `project` NUL `name` (neither may hold a control character).
            let (project, name) = request.after_id().split_once('\0').unwrap_or(("", ""));
            let rows: Vec<StackView> = sqlx::query_as(
                "SELECT project, name, resource_count, last_report_at AS last_update FROM stacks \
                 WHERE org_id = $1 AND (project, name) > ($2, $3) \
                 ORDER BY project, name LIMIT $4",
            )
            .bind(&access.org.id)
            .bind(project)
            .bind(name)
            .bind(request.fetch())
            .fetch_all(db)
            .await?;
            Ok(rows)
        },
        |s| Position {
            at: 0,
            id: format!("{}\0{}", s.project, s.name),
        },
    )
    .await
}

pub async fn create(db: &Db, at: &Acting, project: &str, name: &str) -> Result<StackView> {
    let access = &at.access;
    at.require(Action::StacksCreate)?;
    let project = TextRule::PROJECT_NAME.parse(project)?.into_string();
    let name = TextRule::STACK_NAME.parse(name)?.into_string();
    // The organization's row first (its count), as every write here begins.
    let mut tx = db::begin_write(db).await?;
    crate::orgs::count_stacks(&mut tx, &access.org.id, 1).await?;
    sqlx::query("INSERT INTO stacks (id, org_id, project, name, resource_count, created_at) VALUES ($1, $2, $3, $4, 0, $5)")
        .bind(db::new_id())
        .bind(&access.org.id)
        .bind(&project)
        .bind(&name)
        .bind(db::now_ms())
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::on_duplicate(e, || format!("The stack {project}/{name} already exists.")))?;
    tx.commit().await?;
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
    at: &Acting,
    project: &str,
    name: &str,
    resources: i64,
) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::StacksUpdate)?;
    if !(0..=MAX_RESOURCE_COUNT).contains(&resources) {
        return Err(Error::Invalid(ValueError {
            field: "resourceCount",
            message: format!("resourceCount must be between 0 and {MAX_RESOURCE_COUNT}."),
        }));
    }
    let mut tx = db::begin_write(db).await?;
    lock_usage(&mut tx, &access.org.id).await?;
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
    record_locked_sample(
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

/// Written first in a transaction that records reports: the organization's reports
/// queue here (a row lock on PostgreSQL, the write lock on SQLite), so what the
/// transaction reads next, its stack and its rollups, is current.
async fn lock_usage(conn: &mut Conn, org_id: &str) -> Result<()> {
    sqlx::query("UPDATE organizations SET usage_version = usage_version + 1 WHERE id = $1")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records one report inside a transaction: the sample, the stack's current count,
/// and the organization's usage rollup. A report never lands before the stack's
/// previous one (a clock that stepped back records it at that time instead), so each
/// report's change holds from its time on.
pub async fn record_sample(
    conn: &mut Conn,
    org_id: &str,
    stack_id: &str,
    at: i64,
    resources: i64,
    by: Option<&str>,
) -> Result<()> {
    lock_usage(conn, org_id).await?;
    record_locked_sample(conn, org_id, stack_id, at, resources, by).await
}

/// [`record_sample`] in a transaction that has already called [`lock_usage`].
async fn record_locked_sample(
    conn: &mut Conn,
    org_id: &str,
    stack_id: &str,
    at: i64,
    resources: i64,
    by: Option<&str>,
) -> Result<()> {
    let (previous, last_at): (i64, Option<i64>) =
        sqlx::query_as("SELECT resource_count, last_report_at FROM stacks WHERE id = $1")
            .bind(stack_id)
            .fetch_one(&mut *conn)
            .await?;
    let at = last_at.map_or(at, |last| at.max(last));
    sqlx::query("INSERT INTO stack_updates (id, stack_id, org_id, at, resource_count, updated_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(db::new_id())
        .bind(stack_id)
        .bind(org_id)
        .bind(at)
        .bind(resources)
        .bind(by)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE stacks SET resource_count = $1, last_report_at = $2 WHERE id = $3")
        .bind(resources)
        .bind(at)
        .bind(stack_id)
        .execute(&mut *conn)
        .await?;
    roll_up(conn, org_id, at, resources - previous).await
}

/// Adds a change of the organization's total (`delta` from `at` on) to its rollups:
/// the day of the change, and every later day already rolled up.
async fn roll_up(conn: &mut Conn, org_id: &str, at: i64, delta: i64) -> Result<()> {
    if delta == 0 {
        return Ok(());
    }
    let day = usage::day_of(at);
    let latest: Option<DayRollup> = sqlx::query_as(
        "SELECT day, resource_ms, end_level FROM usage_days WHERE org_id = $1 AND day <= $2 ORDER BY day DESC LIMIT 1",
    )
    .bind(org_id)
    .bind(day)
    .fetch_optional(&mut *conn)
    .await?;
    let changed = match latest {
        Some(row) if row.day == day => row,
        Some(row) => DayRollup::flat(day, row.end_level),
        None => DayRollup::flat(day, 0),
    }
    .changed(at, delta);
    // (Only a report that raises the total is held to the bound.)
    if delta > 0 {
        usage::check_org_total(changed.end_level).map_err(|e| {
            Error::Invalid(ValueError {
                field: "resourceCount",
                message: e.to_string(),
            })
        })?;
    }
    sqlx::query(
        "INSERT INTO usage_days (org_id, day, resource_ms, end_level) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, day) DO UPDATE SET resource_ms = excluded.resource_ms, end_level = excluded.end_level",
    )
    .bind(org_id)
    .bind(day)
    .bind(changed.resource_ms)
    .bind(changed.end_level)
    .execute(&mut *conn)
    .await?;
    // `DayRollup::shifted` for each later day (only reports recorded after the fact,
    // such as the demo's history, leave later days behind them).
    sqlx::query(
        "UPDATE usage_days SET resource_ms = resource_ms + $1, end_level = end_level + $2 WHERE org_id = $3 AND day > $4",
    )
    .bind(delta * DAY_MS)
    .bind(delta)
    .bind(org_id)
    .bind(day)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub const MAX_LOOKBACK_DAYS: i64 = 731;

pub async fn summary(
    db: &Db,
    at: &Acting,
    granularity: Granularity,
    lookback_days: i64,
) -> Result<UsageView> {
    let access = &at.access;
    at.require(Action::RumViewSummary)?;
    if !(1..=MAX_LOOKBACK_DAYS).contains(&lookback_days) {
        return Err(Error::BadRequest(format!(
            "lookbackDays must be between 1 and {MAX_LOOKBACK_DAYS}."
        )));
    }
    let now = db::now_ms();
    let today = usage::day_of(now);
    let from = today - (lookback_days - 1) * DAY_MS;
    let before: Option<(i64,)> = sqlx::query_as(
        "SELECT end_level FROM usage_days WHERE org_id = $1 AND day < $2 ORDER BY day DESC LIMIT 1",
    )
    .bind(&access.org.id)
    .bind(from)
    .fetch_optional(db)
    .await?;
    let days: Vec<DayRollup> = sqlx::query_as(
        "SELECT day, resource_ms, end_level FROM usage_days WHERE org_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
    )
    .bind(&access.org.id)
    .bind(from)
    .bind(today)
    .fetch_all(db)
    .await?;
    let level_before = before.map_or(0, |(level,)| level);
    Ok(UsageView {
        current_resources: days.last().map_or(level_before, |d| d.end_level),
        granularity,
        lookback_days,
        buckets: usage::summarize_days(level_before, &days, from, now, granularity),
    })
}
