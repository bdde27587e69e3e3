//! The demo organization `acme`: an admin, two members, a billing manager, a pending
//! billing-manager invitation, a few stacks with a year of usage, a test card on file
//! and three months of paid invoices, so the first look at Billing & usage is what a
//! customer sees. Running it again changes nothing but each user's demo token, which
//! is replaced by a fresh one.

use crate::access::Acting;
use crate::accounts::{self, SignUp, SignedInWith, User};
use crate::billing::{self, processor::BuiltInProcessor};
use crate::error::{Error, Result};
use crate::orgs::{self, NewOrg, Org};
use crate::storage::db::{self, Db};
use crate::{invitations, tokens};
use purser_core::billing::CardInput;
use purser_core::{Email, InvitationStatus, InvitedRole, Role, Surface};
use serde::Serialize;

pub mod large;

pub const ORG: &str = "acme";
const TOKEN_DESCRIPTION: &str = "demo";

/// (name, email, password, role)
const USERS: &[(&str, &str, &str, Role)] = &[
    (
        "Alice Admin",
        "alice@acme.example",
        "alice-demo-password",
        Role::Admin,
    ),
    (
        "Bob Builder",
        "bob@acme.example",
        "bob-demo-password",
        Role::Member,
    ),
    (
        "Carol Coder",
        "carol@acme.example",
        "carol-demo-password",
        Role::Member,
    ),
    (
        "Dana Ledger",
        "dana@acme.example",
        "dana-demo-password",
        Role::BillingManager,
    ),
];
const PENDING_BILLING_MANAGER: &str = "erin@acme.example";
const STACKS: &[(&str, &str, i64)] = &[
    ("website", "production", 42),
    ("website", "staging", 40),
    ("payments-api", "production", 17),
];

#[derive(Debug, Serialize)]
pub struct Demo {
    pub org: String,
    pub users: Vec<DemoUser>,
}

#[derive(Debug, Serialize)]
pub struct DemoUser {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
    pub token: String,
}

impl Demo {
    pub fn to_text(&self) -> String {
        let mut out = format!("Demo organization: {}\n\n", self.org);
        for u in &self.users {
            out.push_str(&format!(
                "{:<16} {:<22} password: {:<22} token: {}\n",
                u.role.as_str(),
                u.email,
                u.password,
                u.token
            ));
        }
        out
    }
}

pub async fn create(db: &Db) -> Result<Demo> {
    let mut users = Vec::new();
    let mut admin: Option<User> = None;
    for &(name, email, password, role) in USERS {
        let user = ensure_user(db, name, email, password).await?;
        if role == Role::Admin && admin.is_none() {
            admin = Some(user.clone());
        }
        users.push((user, password, role));
    }
    let admin = admin.ok_or_else(|| Error::bug("the demo has no admin"))?;
    let billing_manager = users
        .iter()
        .find(|(_, _, role)| *role == Role::BillingManager)
        .map(|(user, ..)| user.clone())
        .ok_or_else(|| Error::bug("the demo has no billing manager"))?;
    let org = match orgs::find(db, ORG).await? {
        Some(org) => org,
        None => {
            orgs::create(
                db,
                &admin,
                NewOrg::parse(ORG, "Acme Corp", purser_core::Edition::Team)?,
            )
            .await?
        }
    };
    let mut conn = db.acquire().await?;
    for (user, _, role) in &users {
        match orgs::add_member(&mut conn, &org.id, &user.id, *role).await {
            Ok(()) | Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    ensure_pending_invitation(&mut conn, &org, &admin).await?;
    for &(project, stack, resources) in STACKS {
        ensure_stack_history(&mut conn, &org.id, project, stack, resources).await?;
    }
    drop(conn);
    ensure_billing_history(db, &billing_manager).await?;
    let mut out = Vec::new();
    for (user, password, role) in users {
        out.push(DemoUser {
            token: fresh_token(db, &user).await?,
            email: user.email,
            name: user.name,
            password: password.to_owned(),
            role,
        });
    }
    Ok(Demo {
        org: ORG.to_owned(),
        users: out,
    })
}

async fn ensure_user(db: &Db, name: &str, email: &str, password: &str) -> Result<User> {
    let parsed = Email::parse(email)?;
    let user = match accounts::find_by_email(db, &parsed).await? {
        Some(user) => user,
        None => {
            let pool_user =
                accounts::sign_up(db, SignUp::parse(name, email, password, "")?, "").await?;
            // The demo's people never receive their verification email.
            sqlx::query("DELETE FROM outbox WHERE to_address = $1")
                .bind(parsed.as_str())
                .execute(db)
                .await?;
            pool_user
        }
    };
    accounts::mark_verified(db, &user.id).await?;
    Ok(User {
        email_verified: true,
        ..user
    })
}

/// A billing-manager invitation sent before Dana accepted hers: on Team it will meet
/// the limit when accepted, which is the case the Billing & usage page explains.
async fn ensure_pending_invitation(conn: &mut db::Conn, org: &Org, admin: &User) -> Result<()> {
    let exists =
        sqlx::query("SELECT id FROM invitations WHERE org_id = $1 AND email = $2 AND status = $3")
            .bind(&org.id)
            .bind(PENDING_BILLING_MANAGER)
            .bind(InvitationStatus::Pending.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
    if !exists {
        let role = InvitedRole::BillingManager;
        invitations::insert(conn, org, admin, role, Some(PENDING_BILLING_MANAGER)).await?;
    }
    Ok(())
}

/// The well-known test card (Visa 4242…, approved by the built-in processor) on file,
/// entered by the billing manager, and the three months before last paid with it; the
/// scheduler then bills last month with the card as it would for a customer.
async fn ensure_billing_history(db: &Db, billing_manager: &User) -> Result<()> {
    let caller = crate::caller::Caller::for_setup(billing_manager.clone());
    let at = Acting::in_org(db, caller, ORG, Surface::Api).await?;
    if billing::payment_method(db, &at).await?.is_none() {
        let current = billing::current_period();
        // Far enough out that the tests' billing periods (up to 2031) find it valid.
        let expiry = format!("12/{}", current.year + 8);
        let card = CardInput {
            holder: "Dana Ledger".into(),
            number: "4242 4242 4242 4242".into(),
            expiry,
            cvc: "123".into(),
        };
        billing::update_payment_method(db, &BuiltInProcessor, &at, &card).await?;
    }
    let mut period = billing::current_period().previous();
    for _ in 0..3 {
        period = period.previous();
        billing::record_paid_period(db, &at.access, period).await?;
    }
    Ok(())
}

/// A stack with a year of reported updates, so usage has a history to chart.
async fn ensure_stack_history(
    conn: &mut db::Conn,
    org_id: &str,
    project: &str,
    stack: &str,
    resources: i64,
) -> Result<()> {
    // The stack and the organization's count of stacks, together.
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let added = sqlx::query(
        "INSERT INTO stacks (id, org_id, project, name, resource_count, created_at) VALUES ($1, $2, $3, $4, 0, $5) \
         ON CONFLICT (org_id, project, name) DO NOTHING",
    )
    .bind(db::new_id())
    .bind(org_id)
    .bind(project)
    .bind(stack)
    .bind(db::now_ms() - 366 * DAY_MS)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    crate::orgs::count_stacks(&mut tx, org_id, added as i64).await?;
    tx.commit().await?;
    let row = sqlx::query("SELECT s.id, (SELECT COUNT(*) FROM stack_updates u WHERE u.stack_id = s.id) AS n FROM stacks s \
         WHERE s.org_id = $1 AND s.project = $2 AND s.name = $3")
        .bind(org_id)
        .bind(project)
        .bind(stack)
        .fetch_one(&mut *conn)
        .await?;
    let stack_id: String = sqlx::Row::try_get(&row, "id")?;
    let updates: i64 = sqlx::Row::try_get(&row, "n")?;
    if updates == 0 {
        let now = db::now_ms();
        // Growing over the year, as a young project's infrastructure does.
        for (days_ago, count) in [
            (365, resources / 4),
            (300, resources / 3),
            (240, resources / 3 + 2),
            (170, resources / 2),
            (120, resources / 2 + 3),
            (75, resources * 3 / 5),
            (30, resources / 2),
            (21, resources * 2 / 3),
            (12, resources - 3),
            (4, resources),
        ] {
            crate::stacks::record_sample(
                conn,
                org_id,
                &stack_id,
                now - days_ago * DAY_MS,
                count.max(0),
                None,
            )
            .await?;
        }
    }
    Ok(())
}

const DAY_MS: i64 = 86_400_000;

/// Replaces the user's previous demo token with a new one.
async fn fresh_token(db: &Db, user: &User) -> Result<String> {
    sqlx::query("DELETE FROM personal_access_tokens WHERE user_id = $1 AND description = $2")
        .bind(&user.id)
        .bind(TOKEN_DESCRIPTION)
        .execute(db)
        .await?;
    Ok(
        tokens::create(db, user, &SignedInWith::Session, TOKEN_DESCRIPTION, 0)
            .await?
            .value,
    )
}
