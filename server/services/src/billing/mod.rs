//! Billing: the payment method, the subscription, and the monthly billing cycle that
//! records one payment per organization per period.

pub mod processor;
pub mod stripe;

use crate::access::Acting;
use crate::audit::{self, Actor, Event};
use crate::error::{Error, Result};
use crate::orgs::{self, OrgAccess};
use crate::storage::cursor::{Page, PageAsk, Position};
use crate::storage::db::{self, Db};
use chrono::{Datelike, TimeZone, Utc};
use processor::{CardError, ChargeOutcome, ChargeRequest, PaymentProcessor};
use purser_core::billing::{
    monthly_amount_cents, price_per_member_cents, CardInput, Expiry, NewCard, PaymentStatus, Period,
};
use purser_core::views::{CardView, PaymentView, SubscriptionView};
use purser_core::{Action, Edition};
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;

pub const CURRENCY: &str = "USD";

/// The processor the settings choose, and Stripe when it is that one.
pub fn processor_for(
    settings: &crate::state::PaymentSettings,
) -> (Arc<dyn PaymentProcessor>, Option<Arc<stripe::Stripe>>) {
    match settings {
        crate::state::PaymentSettings::BuiltIn => (Arc::new(processor::BuiltInProcessor), None),
        crate::state::PaymentSettings::Stripe(config) => {
            let stripe = Arc::new(stripe::Stripe::new(config.clone()));
            (stripe.clone(), Some(stripe))
        }
    }
}

/// Today as (year, month), for expiry checks.
fn this_month() -> (i32, u32) {
    let now = Utc::now();
    (now.year(), now.month())
}

pub fn current_period() -> Period {
    let (year, month) = this_month();
    Period { year, month }
}

/// The first instant of a period, as Unix milliseconds.
pub fn period_start_ms(p: Period) -> i64 {
    Utc.with_ymd_and_hms(p.year, p.month, 1, 0, 0, 0)
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or_default()
}

pub async fn payment_method(db: &Db, at: &Acting) -> Result<Option<CardView>> {
    let access = &at.access;
    at.require(Action::CreditCardView)?;
    Ok(sqlx::query_as(
        "SELECT brand, last4, exp_month, exp_year, holder, updated_at FROM payment_methods WHERE org_id = $1",
    )
    .bind(&access.org.id)
    .fetch_optional(db)
    .await?)
}

/// Validates the card, hands it to the processor, and keeps brand, last four, expiry,
/// holder and the processor's token. The number and the CVC are dropped here.
pub async fn update_payment_method(
    db: &Db,
    processor: &dyn PaymentProcessor,
    at: &Acting,
    input: &CardInput,
) -> Result<CardView> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::CreditCardUpdate)?;
    let card = NewCard::parse(input, this_month())?;
    let stored = processor.store_card(&card).await.map_err(|e| match e {
        CardError::NotAccepted => Error::Conflict(
            "This Purser takes cards in Stripe's own fields (Billing & usage → Update credit card); a card number is never sent to it.".into(),
        ),
        e => Error::Conflict(format!("The payment processor refused the card: {e}.")),
    })?;
    let method = CardView {
        brand: card.number.brand(),
        last4: card.number.last4(),
        exp_month: card.expiry.month,
        exp_year: card.expiry.year,
        holder: card.holder.clone(),
        updated_at: db::now_ms(),
    };
    store_card(
        db,
        &access.org.id,
        &method,
        &stored.token,
        actor.into(),
        Event::PaymentMethodUpdated,
    )
    .await?;
    Ok(method)
}

/// Records `method` as the organization's card on file, with the processor's
/// reference to it, and audits it. The card already on file, unchanged, is left as it
/// is (Stripe's webhook after the browser's own call records nothing twice).
pub(crate) async fn store_card(
    db: &Db,
    org_id: &str,
    method: &CardView,
    token: &str,
    actor: Actor<'_>,
    event: Event,
) -> Result<()> {
    let mut tx = db::begin_write(db).await?;
    let on_file = sqlx::query(
        "SELECT brand, last4, exp_month, exp_year, processor_token FROM payment_methods WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = on_file {
        let same = row.try_get::<String, _>("processor_token")? == token
            && row.try_get::<String, _>("brand")? == method.brand.as_str()
            && row.try_get::<String, _>("last4")? == method.last4
            && row.try_get::<i64, _>("exp_month")? == i64::from(method.exp_month)
            && row.try_get::<i64, _>("exp_year")? == i64::from(method.exp_year);
        if same {
            return Ok(());
        }
    }
    sqlx::query(
        "INSERT INTO payment_methods (org_id, brand, last4, exp_month, exp_year, holder, processor_token, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (org_id) DO UPDATE SET brand = $2, last4 = $3, exp_month = $4, exp_year = $5, holder = $6, processor_token = $7, updated_at = $8",
    )
    .bind(org_id)
    .bind(method.brand.as_str())
    .bind(&method.last4)
    .bind(i64::from(method.exp_month))
    .bind(i64::from(method.exp_year))
    .bind(&method.holder)
    .bind(token)
    .bind(method.updated_at)
    .execute(&mut *tx)
    .await?;
    let details = format!(
        "{} ending in {}, expires {:02}/{}",
        method.brand.label(),
        method.last4,
        method.exp_month,
        method.exp_year
    );
    audit::record(&mut tx, org_id, actor, event, "credit card", &details).await?;
    tx.commit().await?;
    tracing::info!(org = %org_id, brand = method.brand.as_str(), last4 = %method.last4, "payment method updated");
    Ok(())
}

pub async fn subscription(db: &Db, at: &Acting) -> Result<SubscriptionView> {
    let access = &at.access;
    at.require(Action::SubscriptionView)?;
    let status: String = sqlx::query("SELECT subscription_status FROM organizations WHERE id = $1")
        .bind(&access.org.id)
        .fetch_one(db)
        .await?
        .try_get("subscription_status")?;
    let members = orgs::member_count(db, at).await?.members;
    let period = current_period();
    Ok(SubscriptionView {
        edition: access.org.edition,
        status,
        period_start: period_start_ms(period),
        period_end: period_start_ms(period.next()),
        price_per_member_cents: price_per_member_cents(access.org.edition),
        members,
        monthly_amount_cents: monthly_amount_cents(access.org.edition, members),
        currency: CURRENCY.to_owned(),
    })
}

/// Changes the edition. Moving to Team with more billing managers than it allows is
/// refused with the number to remove first.
pub async fn change_edition(db: &Db, at: &Acting, to: Edition) -> Result<()> {
    let (access, actor) = (&at.access, &at.actor);
    at.require(Action::SubscriptionUpdate)?;
    let mut tx = db::begin_write(db).await?;
    orgs::lock_memberships(&mut tx, &access.org.id).await?;
    let billing_managers = orgs::billing_manager_count(&mut tx, &access.org.id).await?;
    to.accepts_change_with(billing_managers)
        .map_err(|e| Error::Conflict(format!("{}{}", capitalise(&e.to_string()), ".")))?;
    let from: String = sqlx::query("SELECT edition FROM organizations WHERE id = $1")
        .bind(&access.org.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("edition")?;
    sqlx::query("UPDATE organizations SET edition = $1 WHERE id = $2")
        .bind(to.as_str())
        .bind(&access.org.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &access.org.id,
        actor.into(),
        Event::EditionChanged,
        to.as_str(),
        &format!("from {from}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Payment history, newest period first, a keyset page at a time (one payment per
/// period, so the period is the position).
pub async fn payments(db: &Db, at: &Acting, ask: PageAsk<'_>) -> Result<Page<PaymentView>> {
    let access = &at.access;
    at.require(Action::PaymentsView)?;
    let scope = format!("payments:{}", access.org.id);
    ask.read(&scope, async |request| {
        // The first page from the newest, a later one from where the last ended: each a
        // plain range of the index (a sentinel period would sort by the database's
        // collation, and `($2 = '' OR …)` is no range at all).
        let query = match request.after_id() {
            "" => sqlx::query_as(
                "SELECT id, period, created_at, description, amount_cents, currency, status, failure \
                 FROM payments WHERE org_id = $1 ORDER BY period DESC LIMIT $2",
            )
            .bind(&access.org.id),
            after => sqlx::query_as(
                "SELECT id, period, created_at, description, amount_cents, currency, status, failure \
                 FROM payments WHERE org_id = $1 AND period < $2 ORDER BY period DESC LIMIT $3",
            )
            .bind(&access.org.id)
            .bind(after),
        };
        let rows: Vec<PaymentView> = query.bind(request.fetch()).fetch_all(db).await?;
        Ok(rows)
    }, |p| Position {
        at: 0,
        id: p.period.clone(),
    }).await
}

/// How long a run holds a payment it is charging. A run that dies mid-charge (a
/// crash, a killed instance) leaves the payment `processing`; once this has passed, a
/// later run takes it over and charges it again under the same idempotency key (the
/// payment's id), which a processor answers with the original charge: never twice.
const CHARGE_LEASE_MS: i64 = 10 * 60 * 1000;

/// A payment this run holds and must charge.
struct Claim {
    payment_id: String,
    amount: i64,
    description: String,
    /// The processor's charge an earlier run started (a resumed claim): followed, not
    /// started again.
    processor_ref: Option<String>,
}

/// Claims the organization's payment for `period`: a new one (the unique (org,
/// period) key lets exactly one run insert it), or one a dead run left `processing`
/// past its lease (a conditional update lets exactly one run take it over). `None`
/// when the period is billed, or being billed by a live run.
async fn claim_payment(
    db: &Db,
    org_id: &str,
    period: Period,
    description: &str,
    amount: i64,
) -> Result<Option<Claim>> {
    let now = db::now_ms();
    let payment_id = db::new_id();
    let inserted = sqlx::query(
        "INSERT INTO payments (id, org_id, period, created_at, description, amount_cents, currency, status, claimed_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'processing', $8) ON CONFLICT (org_id, period) DO NOTHING",
    )
    .bind(&payment_id)
    .bind(org_id)
    .bind(period.to_string())
    .bind(now)
    .bind(description)
    .bind(amount)
    .bind(CURRENCY)
    .bind(now + CHARGE_LEASE_MS)
    .execute(db)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Some(Claim {
            payment_id,
            amount,
            description: description.to_owned(),
            processor_ref: None,
        }));
    }
    let resumed = sqlx::query(
        "UPDATE payments SET claimed_until = $1 WHERE org_id = $2 AND period = $3 AND status = 'processing' \
         AND (claimed_until IS NULL OR claimed_until < $4) RETURNING id, amount_cents, description, processor_ref",
    )
    .bind(now + CHARGE_LEASE_MS)
    .bind(org_id)
    .bind(period.to_string())
    .bind(now)
    .fetch_optional(db)
    .await?;
    let Some(row) = resumed else {
        return Ok(None);
    };
    let claim = Claim {
        payment_id: row.try_get("id")?,
        amount: row.try_get("amount_cents")?,
        description: row.try_get("description")?,
        processor_ref: row.try_get("processor_ref")?,
    };
    tracing::warn!(org = %org_id, payment = %claim.payment_id, %period, "resuming a payment an earlier run left processing");
    Ok(Some(claim))
}

/// How a payment reads in the list, e.g. "Purser Team · 3 member(s) · 2026-10".
pub fn payment_description(edition: Edition, members: u64, period: Period) -> String {
    format!(
        "Purser {} · {members} member(s) · {period}",
        edition.label()
    )
}

/// Records `period` as paid by the card on file, as the cycle would have: for the demo's
/// history, which starts before the server first ran. A period already billed stays as
/// it is.
pub async fn record_paid_period(db: &Db, access: &OrgAccess, period: Period) -> Result<()> {
    let members = orgs::counts(db, &access.org.id).await?.members;
    let at = period_start_ms(period.next()) + 3_600_000;
    sqlx::query(
        "INSERT INTO payments (id, org_id, period, created_at, description, amount_cents, currency, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'succeeded') ON CONFLICT (org_id, period) DO NOTHING",
    )
    .bind(db::new_id())
    .bind(&access.org.id)
    .bind(period.to_string())
    .bind(at)
    .bind(payment_description(access.org.edition, members, period))
    .bind(monthly_amount_cents(access.org.edition, members))
    .bind(CURRENCY)
    .execute(db)
    .await?;
    Ok(())
}

/// What one run of the billing cycle did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CycleReport {
    pub period: String,
    pub succeeded: usize,
    pub failed: usize,
    /// Payments waiting for the card holder to authenticate (3-D Secure).
    pub requires_action: usize,
    /// Payments the processor has not finished, or could not be asked about: a webhook
    /// or a later run settles them.
    pub pending: usize,
    /// Organizations already billed for the period (by an earlier run or another instance).
    pub already_billed: usize,
}

/// Purser itself, as the actor of what the cycle and the processor's reports record.
pub const SYSTEM: Actor<'static> = Actor {
    id: None,
    label: "purser billing",
};

/// Bills every organization for `period`, once. Each organization's payment row is
/// claimed by inserting it; the unique (org, period) key lets exactly one run, of any
/// number running at once on any number of instances, win each claim. `base_url` is
/// for the links in the emails a payment needing authentication sends.
pub async fn run_cycle(
    db: &Db,
    processor: &dyn PaymentProcessor,
    base_url: &str,
    period: Period,
) -> Result<CycleReport> {
    let mut report = CycleReport {
        period: period.to_string(),
        ..CycleReport::default()
    };
    let orgs = sqlx::query(
        "SELECT o.id, o.name, o.edition, p.processor_token, p.exp_month, p.exp_year, c.customer_id \
         FROM organizations o LEFT JOIN payment_methods p ON p.org_id = o.id \
         LEFT JOIN stripe_customers c ON c.org_id = o.id ORDER BY o.name",
    )
    .fetch_all(db)
    .await?;
    for org in &orgs {
        let org_id: String = org.try_get("id")?;
        let org_name: String = org.try_get("name")?;
        let edition: Edition = org
            .try_get::<String, _>("edition")?
            .parse()
            .map_err(|e| Error::internal("a stored edition does not parse", e))?;
        let members = orgs::counts(db, &org_id).await?.members;
        let amount = monthly_amount_cents(edition, members);
        let description = payment_description(edition, members, period);
        let Some(claim) = claim_payment(db, &org_id, period, &description, amount).await? else {
            report.already_billed += 1;
            continue;
        };
        let token: Option<String> = org.try_get("processor_token")?;
        let customer: Option<String> = org.try_get("customer_id")?;
        let declined = |message: &str| {
            Ok(ChargeOutcome::Declined {
                reference: None,
                code: None,
                message: message.to_owned(),
            })
        };
        let outcome = match (&claim.processor_ref, token) {
            // An earlier run started this charge: ask how it ended.
            (Some(reference), _) => processor.follow(reference).await.map(|o| {
                o.unwrap_or(ChargeOutcome::Pending {
                    reference: reference.clone(),
                })
            }),
            (None, None) => declined("no payment method on file"),
            (None, Some(token)) => {
                let expiry = Expiry {
                    year: i32::try_from(org.try_get::<i64, _>("exp_year")?)
                        .map_err(|e| Error::internal("a stored expiry year is out of range", e))?,
                    month: u32::try_from(org.try_get::<i64, _>("exp_month")?)
                        .map_err(|e| Error::internal("a stored expiry month is out of range", e))?,
                };
                // The card must still work in the month being billed.
                if expiry.is_past((period.year, period.month)) {
                    declined("the card on file has expired")
                } else if claim.amount == 0 {
                    Ok(ChargeOutcome::Succeeded { reference: None })
                } else {
                    let period = period.to_string();
                    processor
                        .charge(&ChargeRequest {
                            token: &token,
                            customer: customer.as_deref(),
                            amount_cents: claim.amount,
                            currency: CURRENCY,
                            // The payment's id: the same for every run that charges it.
                            idempotency_key: &format!("purser-payment-{}", claim.payment_id),
                            payment_id: &claim.payment_id,
                            org_id: &org_id,
                            org_name: &org_name,
                            period: &period,
                            description: &claim.description,
                        })
                        .await
                }
            }
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(e) => {
                // Left for a later run, under the same idempotency key.
                tracing::warn!(org = %org_name, payment = %claim.payment_id, error = %e, "charge not made; a later run retries");
                release(db, &claim.payment_id).await?;
                report.pending += 1;
                continue;
            }
        };
        match &outcome {
            ChargeOutcome::Succeeded { .. } => report.succeeded += 1,
            ChargeOutcome::Declined { .. } => report.failed += 1,
            ChargeOutcome::RequiresAction { .. } => report.requires_action += 1,
            ChargeOutcome::Pending { .. } => report.pending += 1,
        }
        settle(db, base_url, &claim.payment_id, &outcome, SYSTEM).await?;
    }
    for (result, n) in [
        ("succeeded", report.succeeded),
        ("failed", report.failed),
        ("requires_action", report.requires_action),
        ("pending", report.pending),
        ("already_billed", report.already_billed),
    ] {
        metrics::counter!("purser_billing_charges_total", "result" => result).increment(n as u64);
    }
    Ok(report)
}

/// Lets a later run take the payment over at once (its lease ends now).
async fn release(db: &Db, payment_id: &str) -> Result<()> {
    sqlx::query("UPDATE payments SET claimed_until = NULL WHERE id = $1 AND status = 'processing'")
        .bind(payment_id)
        .execute(db)
        .await?;
    Ok(())
}

/// How many people a payment's notice reaches at most: billing managers first, then
/// admins (an organization of thousands needs its payers told, not everyone).
pub const NOTICE_RECIPIENTS: i64 = 100;

/// Records what became of a payment, whoever learnt it first (the cycle, Stripe's
/// webhook, the card holder's authentication): one write and one audit entry per
/// change, none for a report of what is already recorded, and never away from a
/// success (`PaymentStatus::may_become`). A payment that now needs authentication
/// emails its billing managers and admins a link to complete it. Returns whether the
/// payment changed.
pub async fn settle(
    db: &Db,
    base_url: &str,
    payment_id: &str,
    outcome: &ChargeOutcome,
    actor: Actor<'_>,
) -> Result<bool> {
    let mut tx = db::begin_write(db).await?;
    let Some(row) = sqlx::query(
        "SELECT p.org_id, p.period, p.status, p.description, o.name FROM payments p \
         JOIN organizations o ON o.id = p.org_id WHERE p.id = $1",
    )
    .bind(payment_id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    let (org_id, period, org_name): (String, String, String) = (
        row.try_get("org_id")?,
        row.try_get("period")?,
        row.try_get("name")?,
    );
    let from: PaymentStatus = row
        .try_get::<String, _>("status")?
        .parse()
        .map_err(|e: String| Error::internal("a stored payment status does not parse", e))?;
    let description: String = row.try_get("description")?;
    let (to, failure, code, reference) = match outcome {
        ChargeOutcome::Succeeded { reference } => {
            (PaymentStatus::Succeeded, None, None, reference.clone())
        }
        ChargeOutcome::Declined {
            reference,
            code,
            message,
        } => (
            PaymentStatus::Failed,
            Some(message.clone()),
            code.clone(),
            reference.clone(),
        ),
        ChargeOutcome::RequiresAction { reference } => (
            PaymentStatus::RequiresAction,
            None,
            None,
            Some(reference.clone()),
        ),
        ChargeOutcome::Pending { reference } => (
            PaymentStatus::Processing,
            None,
            None,
            Some(reference.clone()),
        ),
    };
    if !from.may_become(to) {
        // Nothing new; but a charge the processor is still at keeps its reference, and
        // its lease ends so that a later run follows it if no webhook does.
        if to == PaymentStatus::Processing {
            sqlx::query(
                "UPDATE payments SET processor_ref = COALESCE(processor_ref, $1), claimed_until = NULL WHERE id = $2",
            )
            .bind(reference)
            .bind(payment_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        return Ok(false);
    }
    // Conditional on the status read: of two reports at once, one moves it.
    let moved = sqlx::query(
        "UPDATE payments SET status = $1, failure = $2, failure_code = $3, \
         processor_ref = COALESCE($4, processor_ref), claimed_until = NULL WHERE id = $5 AND status = $6",
    )
    .bind(to.as_str())
    .bind(&failure)
    .bind(&code)
    .bind(&reference)
    .bind(payment_id)
    .bind(from.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        return Ok(false);
    }
    let (event, details) = match to {
        PaymentStatus::Succeeded => (Event::PaymentSucceeded, description.clone()),
        PaymentStatus::Failed => (Event::PaymentFailed, failure.clone().unwrap_or_default()),
        PaymentStatus::RequiresAction => (
            Event::PaymentRequiresAction,
            format!("{description}: the card holder must authenticate"),
        ),
        PaymentStatus::Processing => {
            unreachable!("may_become never moves a payment back to processing")
        }
    };
    audit::record(&mut tx, &org_id, actor, event, &period, &details).await?;
    if to == PaymentStatus::RequiresAction {
        let link = format!(
            "{base_url}{}#payments",
            purser_core::navigation::OrgPage::Billing.href(&org_name)
        );
        let recipients: Vec<String> = sqlx::query_scalar(
            "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.org_id = $1 AND m.role IN ('billing-manager', 'admin') \
             ORDER BY CASE m.role WHEN 'billing-manager' THEN 0 ELSE 1 END, u.email LIMIT $2",
        )
        .bind(&org_id)
        .bind(NOTICE_RECIPIENTS)
        .fetch_all(&mut *tx)
        .await?;
        let subject = format!("Payment for {org_name} needs the card holder to authenticate");
        let body = format!(
            "The bank that issued {org_name}'s card asks the card holder to confirm the \
             payment for {period} ({description}) before it is charged (3-D Secure).\n\n\
             Open Billing & usage and choose \"Complete authentication\" on the payment:\n{link}\n\n\
             Until then the payment is not made."
        );
        for to in &recipients {
            crate::email::outbox::enqueue(&mut tx, to, &subject, &body).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// Runs the cycle for the month that just ended, hourly: a period is billed once, on
/// the first run after it ends, and the later runs find it billed. Stripe's event ids
/// past keeping are forgotten on the same beat.
pub fn spawn_scheduler(
    db: Db,
    processor: Arc<dyn PaymentProcessor>,
    base_url: String,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let period = current_period().previous();
            if let Err(e) = stripe::events::purge_old(&db).await {
                tracing::warn!(error = %e, "forgetting old Stripe event ids failed");
            }
            match run_cycle(&db, processor.as_ref(), &base_url, period).await {
                Ok(report)
                    if report.succeeded
                        + report.failed
                        + report.requires_action
                        + report.pending
                        > 0 =>
                {
                    tracing::info!(?report, "billing cycle ran")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "billing cycle failed"),
            }
        }
    })
}
