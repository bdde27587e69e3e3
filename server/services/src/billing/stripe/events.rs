//! Stripe's webhook events, applied once each (`POST /webhooks/stripe`; the signature
//! is checked before anything here runs, see `signature`).
//!
//! Stripe delivers an event at least once, in no promised order, and retries one that
//! was not answered 2xx. So each event id is recorded before it is applied (a replay
//! finds it and changes nothing), released again if applying it failed (Stripe's retry
//! then applies it), and what it reports goes through the same `settle` as the cycle's
//! own answers, which records nothing twice and never undoes a success.

use super::api::{PaymentIntent, PaymentMethod, SetupIntent};
use super::{org_for_customer, outcome_of, payment_org, Stripe};
use crate::audit::{Actor, Event as AuditEvent};
use crate::billing::processor::ChargeOutcome;
use crate::error::{Error, Result};
use crate::storage::db::{self, Db};
use serde::Deserialize;

/// Stripe, as the actor of what its events record.
const STRIPE: Actor<'static> = Actor {
    id: None,
    label: "stripe",
};

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: serde_json::Value,
}

/// What became of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Applied {
    /// Applied now (whether or not it changed anything).
    Applied,
    /// Seen before: nothing done.
    Duplicate,
    /// Not an event Purser acts on, or about something that is not Purser's.
    Ignored,
}

/// The event types applied; the README lists them for the webhook's configuration.
pub const EVENTS: [&str; 5] = [
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.requires_action",
    "setup_intent.succeeded",
    "payment_method.automatically_updated",
];

fn bad(message: impl Into<String>) -> Error {
    Error::BadRequest(message.into())
}

/// Applies one verified event body.
pub async fn apply(db: &Db, stripe: &Stripe, base_url: &str, payload: &[u8]) -> Result<Applied> {
    let event: Envelope = serde_json::from_slice(payload)
        .map_err(|e| bad(format!("The body is not a Stripe event: {e}.")))?;
    if !EVENTS.contains(&event.kind.as_str()) {
        return Ok(Applied::Ignored);
    }
    let recorded = sqlx::query(
        "INSERT INTO stripe_events (id, type, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(db::now_ms())
    .execute(db)
    .await?
    .rows_affected();
    if recorded == 0 {
        return Ok(Applied::Duplicate);
    }
    match apply_new(db, stripe, base_url, &event).await {
        Ok(applied) => Ok(applied),
        Err(e) => {
            // Not applied: forget it, so that Stripe's retry applies it.
            sqlx::query("DELETE FROM stripe_events WHERE id = $1")
                .bind(&event.id)
                .execute(db)
                .await?;
            Err(e)
        }
    }
}

fn object<T: for<'de> Deserialize<'de>>(event: &Envelope) -> Result<T> {
    serde_json::from_value(event.data.object.clone()).map_err(|e| {
        bad(format!(
            "The object of a {} event is not what Stripe sends: {e}.",
            event.kind
        ))
    })
}

async fn apply_new(db: &Db, stripe: &Stripe, base_url: &str, event: &Envelope) -> Result<Applied> {
    match event.kind.as_str() {
        "payment_intent.succeeded"
        | "payment_intent.payment_failed"
        | "payment_intent.requires_action" => {
            let intent: PaymentIntent = object(event)?;
            let Some(payment_id) = intent.metadata.get("purser_payment") else {
                return Ok(Applied::Ignored);
            };
            // The payment must be of the organization whose customer was charged.
            let (Some(org), Some(of_customer)) = (
                payment_org(db, payment_id).await?,
                org_for_customer(db, intent.customer.as_deref()).await?,
            ) else {
                return Ok(Applied::Ignored);
            };
            if org != of_customer {
                return Ok(Applied::Ignored);
            }
            let outcome = match event.kind.as_str() {
                "payment_intent.requires_action" => ChargeOutcome::RequiresAction {
                    reference: intent.id.clone(),
                },
                "payment_intent.succeeded" => ChargeOutcome::Succeeded {
                    reference: Some(intent.id.clone()),
                },
                _ => match outcome_of(&intent) {
                    Some(outcome @ ChargeOutcome::Declined { .. }) => outcome,
                    _ => ChargeOutcome::Declined {
                        reference: Some(intent.id.clone()),
                        code: None,
                        message: "The payment failed.".into(),
                    },
                },
            };
            crate::billing::settle(db, base_url, payment_id, &outcome, STRIPE).await?;
            Ok(Applied::Applied)
        }
        "setup_intent.succeeded" => {
            let intent: SetupIntent = object(event)?;
            let (Some(org), Some(method)) = (
                org_for_customer(db, intent.customer.as_deref()).await?,
                intent.payment_method.as_deref(),
            ) else {
                return Ok(Applied::Ignored);
            };
            // A card confirmed before the one on file was saved is an older choice.
            let created_ms = event.data.object["created"].as_i64().unwrap_or(0) * 1000;
            let on_file_since: Option<i64> =
                sqlx::query_scalar("SELECT updated_at FROM payment_methods WHERE org_id = $1")
                    .bind(&org)
                    .fetch_optional(db)
                    .await?;
            if on_file_since.is_some_and(|since| since >= created_ms) {
                return Ok(Applied::Applied);
            }
            let method = stripe
                .api
                .payment_method(method)
                .await
                .map_err(super::unavailable)?;
            stripe
                .record_card(db, &org, &method, STRIPE, AuditEvent::PaymentMethodUpdated)
                .await?;
            Ok(Applied::Applied)
        }
        "payment_method.automatically_updated" => {
            let method: PaymentMethod = object(event)?;
            let Some(org) = org_for_customer(db, method.customer.as_deref()).await? else {
                return Ok(Applied::Ignored);
            };
            let on_file: Option<String> =
                sqlx::query_scalar("SELECT processor_token FROM payment_methods WHERE org_id = $1")
                    .bind(&org)
                    .fetch_optional(db)
                    .await?;
            if on_file.as_deref() != Some(method.id.as_str()) {
                return Ok(Applied::Ignored);
            }
            stripe
                .record_card(
                    db,
                    &org,
                    &method,
                    STRIPE,
                    AuditEvent::PaymentMethodUpdatedByNetwork,
                )
                .await?;
            Ok(Applied::Applied)
        }
        _ => Ok(Applied::Ignored),
    }
}

/// Forgets event ids older than this: Stripe retries an event for three days.
pub const KEEP_EVENTS_MS: i64 = 30 * 24 * 3600 * 1000;

pub async fn purge_old(db: &Db) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM stripe_events WHERE received_at < $1")
            .bind(db::now_ms() - KEEP_EVENTS_MS)
            .execute(db)
            .await?
            .rows_affected(),
    )
}
