//! `purser demo --size large`: the demo organization grown to the size of an
//! Enterprise customer after a year, for the load benchmark (`make bench`): 10,000
//! members, 500 billing managers, 10,000 pending invitations, and 200 stacks with 500
//! reported updates each over 90 days. The demo's four people keep their roles,
//! passwords and tokens.
//!
//! Everything is written in one transaction with multi-row inserts, so it takes
//! seconds, not the hours one request per row would. The organization's kept counts
//! go through `orgs::count` and the usage rollups through `core::usage::roll_up`, the
//! same rules the server keeps them by; the tests compare both with a recount.

use super::ORG;
use crate::error::{Error, Result};
use crate::orgs::{self, Counter};
use crate::secrets;
use crate::storage::db::{self, Conn, Db};
use purser_core::usage::{self, Sample, DAY_MS};
use purser_core::{Edition, InvitationKind, InvitationStatus, Role};
use sqlx::any::AnyArguments;
use sqlx::query::Query;

pub const MEMBERS: usize = 10_000;
pub const BILLING_MANAGERS: usize = 500;
pub const PENDING_INVITATIONS: usize = 10_000;
pub const STACKS: usize = 200;
pub const UPDATES_PER_STACK: usize = 500;
const HISTORY_DAYS: i64 = 90;

/// Where the grown organization's generated people and invitees get their mail.
const DOMAIN: &str = "large.acme.example";

/// Grows `acme` (which the small demo has made) to the large size; a second run finds
/// it grown and changes nothing.
pub async fn grow(db: &Db) -> Result<()> {
    let org = orgs::find(db, ORG)
        .await?
        .ok_or_else(|| Error::bug("the demo organization is missing"))?;
    let mut tx = db::begin_write(db).await?;
    // Written first, as every membership change does (the write lock on SQLite).
    orgs::lock_memberships(&mut tx, &org.id).await?;
    let generated: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE login = $1")
        .bind(login("member", 0))
        .fetch_one(&mut *tx)
        .await?;
    if generated.0 > 0 {
        return Ok(());
    }
    sqlx::query("UPDATE organizations SET edition = $1 WHERE id = $2")
        .bind(Edition::Enterprise.as_str())
        .bind(&org.id)
        .execute(&mut *tx)
        .await?;
    let (admin,): (String,) = sqlx::query_as(
        "SELECT user_id FROM memberships WHERE org_id = $1 AND role = $2 ORDER BY joined_at LIMIT 1",
    )
    .bind(&org.id)
    .bind(Role::Admin.as_str())
    .fetch_one(&mut *tx)
    .await?;
    let now = db::now_ms();
    people(&mut tx, &org.id, now).await?;
    pending_invitations(&mut tx, &org.id, &admin, now).await?;
    stacks(&mut tx, &org.id, now).await?;
    tx.commit().await?;
    // The planner's statistics, as autovacuum (PostgreSQL) or a later `ANALYZE` would
    // gather them: a benchmark started right away should not meet plans made for
    // empty tables.
    sqlx::query("ANALYZE").execute(db).await?;
    Ok(())
}

fn login(kind: &str, n: usize) -> String {
    format!("{kind}-{n:05}")
}

/// Members and billing managers who joined over the past year. They never sign in:
/// they share one password hash of a random password nobody knows.
async fn people(conn: &mut Conn, org_id: &str, now: i64) -> Result<()> {
    let unknowable = secrets::hash_password(db::new_id()).await?;
    let people: Vec<(String, String, Role, i64)> = (0..MEMBERS)
        .map(|n| (login("member", n), Role::Member))
        .chain((0..BILLING_MANAGERS).map(|n| (login("billing", n), Role::BillingManager)))
        .enumerate()
        .map(|(i, (login, role))| {
            let joined = now - 365 * DAY_MS + (i as i64) * (360 * DAY_MS / 10_500);
            (db::new_id(), login, role, joined)
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO users (id, login, name, email, password_hash, email_verified_at, created_at)",
        7,
        &people,
        |q, (id, login, _, joined)| {
            q.bind(id)
                .bind(login)
                .bind(format!("Person {login}"))
                .bind(format!("{login}@{DOMAIN}"))
                .bind(unknowable.clone())
                .bind(*joined)
                .bind(*joined)
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO memberships (org_id, user_id, role, joined_at)",
        4,
        &people,
        |q, (id, _, role, joined)| {
            q.bind(org_id.to_owned())
                .bind(id)
                .bind(role.as_str())
                .bind(*joined)
        },
    )
    .await?;
    orgs::count(conn, org_id, Counter::Members, MEMBERS as i64).await?;
    orgs::count(
        conn,
        org_id,
        Counter::BillingManagers,
        BILLING_MANAGERS as i64,
    )
    .await?;
    Ok(())
}

/// Invitations sent over the past 90 days and not yet answered: mostly members, one in
/// twenty for billing managers.
async fn pending_invitations(conn: &mut Conn, org_id: &str, admin: &str, now: i64) -> Result<()> {
    let invitations: Vec<(String, Role, String, String, i64)> = (0..PENDING_INVITATIONS)
        .map(|n| {
            let role = match n % 20 {
                0 => Role::BillingManager,
                _ => Role::Member,
            };
            let sent = now - HISTORY_DAYS * DAY_MS
                + (n as i64) * (HISTORY_DAYS * DAY_MS / PENDING_INVITATIONS as i64);
            let secret_hash = secrets::hash(&db::new_id());
            (
                db::new_id(),
                role,
                format!("{}@{DOMAIN}", login("invitee", n)),
                secret_hash,
                sent,
            )
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO invitations (id, org_id, role, kind, email, secret_hash, status, invited_by, created_at, sent_at)",
        10,
        &invitations,
        |q, (id, role, email, secret_hash, sent)| {
            q.bind(id)
                .bind(org_id.to_owned())
                .bind(role.as_str())
                .bind(InvitationKind::Email.as_str())
                .bind(email)
                .bind(secret_hash)
                .bind(InvitationStatus::Pending.as_str())
                .bind(admin.to_owned())
                .bind(*sent)
                .bind(*sent)
        },
    )
    .await?;
    for role in [Role::Member, Role::BillingManager] {
        let n = invitations.iter().filter(|i| i.1 == role).count() as i64;
        orgs::count(conn, org_id, Counter::of_invitation(role), n).await?;
    }
    Ok(())
}

/// Stacks whose deployments reported a resource count every few hours over 90 days,
/// and the organization's usage rollups rebuilt from every report it has.
async fn stacks(conn: &mut Conn, org_id: &str, now: i64) -> Result<()> {
    let start = now - HISTORY_DAYS * DAY_MS;
    let step = HISTORY_DAYS * DAY_MS / UPDATES_PER_STACK as i64;
    let mut samples: Vec<(String, Sample)> = Vec::with_capacity(STACKS * UPDATES_PER_STACK);
    let mut stacks: Vec<(String, String, String, i64, i64)> = Vec::with_capacity(STACKS);
    for s in 0..STACKS {
        let id = db::new_id();
        // A deterministic walk: each stack grows from a few resources to a few hundred.
        let mut count: i64 = 5 + (s as i64 * 7) % 40;
        let mut at = start;
        for u in 0..UPDATES_PER_STACK {
            at = start + u as i64 * step + (s as i64 * 997) % step;
            count = (count + ((s * 31 + u * 17) % 11) as i64 - 4).max(0);
            samples.push((
                db::new_id(),
                Sample {
                    stack: id.clone(),
                    at,
                    resources: count,
                },
            ));
        }
        stacks.push((
            id,
            format!("service-{:03}", s / 4),
            ["production", "staging", "dev", "preview"][s % 4].to_owned(),
            count,
            at,
        ));
    }
    insert_rows(
        conn,
        "INSERT INTO stacks (id, org_id, project, name, resource_count, last_report_at, created_at)",
        7,
        &stacks,
        |q, (id, project, name, count, last)| {
            q.bind(id)
                .bind(org_id.to_owned())
                .bind(project)
                .bind(name)
                .bind(*count)
                .bind(*last)
                .bind(start)
        },
    )
    .await?;
    crate::orgs::count_stacks(conn, org_id, stacks.len() as i64).await?;
    insert_rows(
        conn,
        "INSERT INTO stack_updates (id, stack_id, org_id, at, resource_count)",
        5,
        &samples,
        |q, (id, sample)| {
            q.bind(id)
                .bind(&sample.stack)
                .bind(org_id.to_owned())
                .bind(sample.at)
                .bind(sample.resources)
        },
    )
    .await?;
    // The rollups from every report of the organization, old and new.
    let all: Vec<Sample> = sqlx::query_as(
        "SELECT stack_id AS stack, at, resource_count AS resources FROM stack_updates WHERE org_id = $1 ORDER BY at, id",
    )
    .bind(org_id.to_owned())
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM usage_days WHERE org_id = $1")
        .bind(org_id.to_owned())
        .execute(&mut *conn)
        .await?;
    insert_rows(
        conn,
        "INSERT INTO usage_days (org_id, day, resource_ms, end_level)",
        4,
        &usage::roll_up(&all),
        |q, day| {
            q.bind(org_id.to_owned())
                .bind(day.day)
                .bind(day.resource_ms)
                .bind(day.end_level)
        },
    )
    .await
}

type AnyQuery<'q> = Query<'q, sqlx::Any, AnyArguments<'q>>;

/// Inserts `rows` a few hundred at a time with multi-row `VALUES` lists; `head` is
/// the statement up to `VALUES`, and `bind` binds one row's `width` values in order.
async fn insert_rows<T>(
    conn: &mut Conn,
    head: &str,
    width: usize,
    rows: &[T],
    bind: impl for<'q> Fn(AnyQuery<'q>, &'q T) -> AnyQuery<'q>,
) -> Result<()> {
    // SQLite finds each `$N` among the statement's parameters by name, so a statement's
    // preparation grows with the square of its parameters: a few hundred rows each.
    let per_statement = 2_000 / width;
    for chunk in rows.chunks(per_statement) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let row: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
                format!("({})", row.join(", "))
            })
            .collect();
        let sql = format!("{head} VALUES {}", values.join(", "));
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = bind(query, row);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
