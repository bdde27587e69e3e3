//! The payment processor interface, and the built-in processor.
//!
//! A processor keeps the card and charges it. Purser keeps only what a person needs to
//! recognise the card (brand, last four digits, expiry, holder) and the processor's
//! reference to it. With the built-in processor the number passes through Purser's
//! server on its way to the processor's token; with Stripe (`stripe`) it never reaches
//! Purser at all: the browser gives it to Stripe's own fields.

use purser_core::billing::NewCard;

/// What Purser keeps of a card after the processor took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCard {
    pub token: String,
}

/// One period's charge, as the billing cycle asks for it.
#[derive(Debug, Clone)]
pub struct ChargeRequest<'a> {
    /// The card's reference (the built-in token, or a Stripe PaymentMethod).
    pub token: &'a str,
    /// The organization's customer at the processor, where it has one.
    pub customer: Option<&'a str>,
    pub amount_cents: i64,
    pub currency: &'a str,
    /// The same for every attempt at this payment, so that a processor answers a
    /// repeated attempt with the first one's charge: never twice.
    pub idempotency_key: &'a str,
    pub payment_id: &'a str,
    pub org_id: &'a str,
    pub org_name: &'a str,
    pub period: &'a str,
    pub description: &'a str,
}

/// How a charge ended, as far as the processor knows when it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded {
        reference: Option<String>,
    },
    Declined {
        reference: Option<String>,
        /// The processor's reason code, e.g. `insufficient_funds`.
        code: Option<String>,
        message: String,
    },
    /// The card holder must authenticate (3-D Secure) before the charge can complete.
    RequiresAction {
        reference: String,
    },
    /// The processor took the charge and has not finished it: its webhook (or a later
    /// run, following `reference`) says how it ends.
    Pending {
        reference: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChargeError {
    /// The processor could not be asked (down, timed out, refused our credentials): the
    /// payment stays to be charged, under the same idempotency key, by a later run.
    #[error("the payment processor is unavailable: {0}")]
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error("the card was declined: {0}")]
    Declined(String),
    #[error("cards are entered in the payment processor's own fields")]
    NotAccepted,
}

#[async_trait::async_trait]
pub trait PaymentProcessor: Send + Sync {
    /// Takes a validated card and returns the token to charge it by (only processors
    /// that accept card numbers from Purser's own form).
    async fn store_card(&self, card: &NewCard) -> Result<StoredCard, CardError>;
    /// Charges one period.
    async fn charge(&self, request: &ChargeRequest<'_>) -> Result<ChargeOutcome, ChargeError>;
    /// How a charge started earlier (by a run that died) ended; `None` while the
    /// processor is still at it. A processor that answers every charge at once never
    /// leaves one to follow.
    async fn follow(&self, reference: &str) -> Result<Option<ChargeOutcome>, ChargeError> {
        Err(ChargeError::Unavailable(format!(
            "this processor cannot look up the charge {reference:?}"
        )))
    }
}

/// The built-in processor keeps nothing beyond its token, which records how the card
/// behaves: the well-known test number 4000 0000 0000 0002 is always declined, as it
/// is at real processors, so a declined payment can be tried without a real card.
pub struct BuiltInProcessor;

const DECLINING_NUMBER: &str = "4000000000000002";

#[async_trait::async_trait]
impl PaymentProcessor for BuiltInProcessor {
    async fn store_card(&self, card: &NewCard) -> Result<StoredCard, CardError> {
        let behaviour = if card.number.expose() == DECLINING_NUMBER {
            "decline"
        } else {
            "approve"
        };
        Ok(StoredCard {
            token: format!("builtin:{behaviour}:{}", uuid::Uuid::new_v4().simple()),
        })
    }

    async fn charge(&self, request: &ChargeRequest<'_>) -> Result<ChargeOutcome, ChargeError> {
        match request.token.split(':').nth(1) {
            Some("approve") => Ok(ChargeOutcome::Succeeded {
                reference: Some(format!("ch_{}", request.idempotency_key)),
            }),
            Some("decline") => Ok(ChargeOutcome::Declined {
                reference: None,
                code: Some("insufficient_funds".into()),
                message: "the card was declined: insufficient funds".into(),
            }),
            _ => Ok(ChargeOutcome::Declined {
                reference: None,
                code: None,
                message: format!(
                    "the card on file is not one this processor knows ({})",
                    request.token.split(':').next().unwrap_or_default()
                ),
            }),
        }
    }
}
