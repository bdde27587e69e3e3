//! The payment processor interface, and the built-in processor.
//!
//! A processor turns a card into a token it can charge later. Purser keeps only what a
//! person needs to recognise the card (brand, last four digits, expiry, holder) and the
//! processor's token; the full number goes to the processor and nowhere else.

use purser_core::billing::NewCard;

/// What Purser keeps of a card after the processor took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCard {
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChargeError {
    #[error("the card was declined: {0}")]
    Declined(String),
    #[error("the payment processor is unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait PaymentProcessor: Send + Sync {
    /// Takes a validated card and returns the token to charge it by.
    async fn store_card(&self, card: &NewCard) -> Result<StoredCard, ChargeError>;
    /// Charges `amount_cents` in `currency`; returns the processor's charge id.
    async fn charge(
        &self,
        token: &str,
        amount_cents: i64,
        currency: &str,
        idempotency_key: &str,
    ) -> Result<String, ChargeError>;
}

/// The built-in processor keeps nothing beyond its token, which records how the card
/// behaves: the well-known test number 4000 0000 0000 0002 is always declined, as it
/// is at real processors, so a declined payment can be tried without a real card.
pub struct BuiltInProcessor;

const DECLINING_NUMBER: &str = "4000000000000002";

#[async_trait::async_trait]
impl PaymentProcessor for BuiltInProcessor {
    async fn store_card(&self, card: &NewCard) -> Result<StoredCard, ChargeError> {
        let behaviour = if card.number.expose() == DECLINING_NUMBER {
            "decline"
        } else {
            "approve"
        };
        Ok(StoredCard {
            token: format!("builtin:{behaviour}:{}", uuid::Uuid::new_v4().simple()),
        })
    }

    async fn charge(
        &self,
        token: &str,
        _amount_cents: i64,
        _currency: &str,
        idempotency_key: &str,
    ) -> Result<String, ChargeError> {
        match token.split(':').nth(1) {
            Some("approve") => Ok(format!("ch_{idempotency_key}")),
            Some("decline") => Err(ChargeError::Declined("insufficient funds".into())),
            _ => Err(ChargeError::Unavailable(format!(
                "unknown card token {token:?}"
            ))),
        }
    }
}
