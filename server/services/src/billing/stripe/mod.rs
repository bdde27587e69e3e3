//! Stripe as the payment processor (`--payment-processor stripe`).
//!
//! The card never reaches Purser: the browser mounts Stripe.js's fields and confirms a
//! SetupIntent the server made for the organization's Stripe customer; the server then
//! reads brand, last four, expiry and holder from the PaymentMethod Stripe kept. The
//! monthly cycle charges that PaymentMethod off-session, one PaymentIntent per
//! organization and period under an idempotency key; 3-D Secure is completed by the
//! card holder on Billing & usage; webhooks (`events`) bring outcomes that complete
//! later.

pub mod api;
pub mod events;
pub mod signature;

use super::processor::{
    CardError, ChargeError, ChargeOutcome, ChargeRequest, PaymentProcessor, StoredCard,
};
use crate::access::Acting;
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::storage::db::{self, Db};
use api::{field, ApiError, Form, PaymentIntent};
use purser_core::billing::{Brand, NewCard};
use purser_core::views::CardView;
use purser_core::Action;
use sqlx::Row;
use std::fmt;

/// Stripe's own addresses, the defaults.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";
pub const DEFAULT_JS_URL: &str = "https://js.stripe.com/v3/";

/// The keys and addresses, from the environment. Its `Debug` names no secret.
#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    pub publishable_key: String,
    pub webhook_secret: String,
    pub api_base: String,
    pub js_url: String,
}

impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"<redacted>")
            .field("publishable_key", &self.publishable_key)
            .field("webhook_secret", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("js_url", &self.js_url)
            .finish()
    }
}

/// The origins a page that mounts Stripe's fields must admit (script, frames and the
/// API the script calls), for the Content-Security-Policy.
pub fn origins(config: &StripeConfig) -> Vec<String> {
    let mut origins: Vec<String> = [config.js_url.as_str(), config.api_base.as_str()]
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .map(|u| u.origin().ascii_serialization())
        .collect();
    // Stripe.js's own frames (3-D Secure challenges come from hooks.stripe.com).
    if config.js_url == DEFAULT_JS_URL {
        origins.push("https://hooks.stripe.com".to_owned());
    }
    origins.sort();
    origins.dedup();
    origins
}

pub struct Stripe {
    pub config: StripeConfig,
    pub api: api::Client,
}

impl Stripe {
    pub fn new(config: StripeConfig) -> Stripe {
        let api = api::Client::new(&config.api_base, &config.secret_key);
        Stripe { config, api }
    }
}

fn invalid(field: &'static str, message: &str) -> Error {
    Error::Invalid(purser_core::values::ValueError {
        field,
        message: message.to_owned(),
    })
}

/// Stripe's failure, as a person reads it: what Stripe said, else a generic sentence.
fn unavailable(e: ApiError) -> Error {
    tracing::warn!(error = %e, "a Stripe call failed");
    match e {
        ApiError::Refused { error, .. } => Error::Conflict(format!(
            "Stripe refused: {}",
            error.message_or("no reason given")
        )),
        ApiError::Unavailable(_) => Error::Provider(
            "The payment processor (Stripe) cannot be reached; try again in a moment.".into(),
        ),
    }
}

/// The organization's customer at Stripe, if it has one yet.
pub async fn customer_of(db: &Db, org_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT customer_id FROM stripe_customers WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(db)
            .await?,
    )
}

/// The organization whose customer `customer` is.
async fn org_of_customer(db: &Db, customer: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT org_id FROM stripe_customers WHERE customer_id = $1")
            .bind(customer)
            .fetch_optional(db)
            .await?,
    )
}

impl Stripe {
    /// The organization's customer, created the first time it is needed. Two requests
    /// at once ask Stripe with the same idempotency key, so they get one customer, and
    /// the database keeps the first answer.
    async fn customer(&self, db: &Db, org_id: &str, org_name: &str) -> Result<String> {
        if let Some(id) = customer_of(db, org_id).await? {
            return Ok(id);
        }
        let form: Form = vec![
            field("name", org_name),
            field("metadata[purser_org]", org_name),
            field("metadata[purser_org_id]", org_id),
        ];
        let created = self
            .api
            .create_customer(&form, &format!("purser-customer-{org_id}"))
            .await
            .map_err(unavailable)?;
        sqlx::query(
            "INSERT INTO stripe_customers (org_id, customer_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id) DO NOTHING",
        )
        .bind(org_id)
        .bind(&created.id)
        .bind(db::now_ms())
        .execute(db)
        .await?;
        customer_of(db, org_id)
            .await?
            .ok_or_else(|| Error::internal("reading a Stripe customer just stored", "no row"))
    }

    /// Begins entering a card: a SetupIntent for the organization's customer, whose
    /// client secret the browser confirms with the card in Stripe's fields.
    pub async fn begin_card_setup(&self, db: &Db, at: &Acting) -> Result<String> {
        at.require(Action::CreditCardUpdate)?;
        let org = &at.access.org;
        let customer = self.customer(db, &org.id, &org.name).await?;
        let form: Form = vec![
            field("customer", customer),
            field("usage", "off_session"),
            field("payment_method_types[0]", "card"),
            field("metadata[purser_org_id]", &org.id),
        ];
        let intent = self
            .api
            .create_setup_intent(&form)
            .await
            .map_err(unavailable)?;
        intent.client_secret.ok_or_else(|| {
            Error::internal("reading a SetupIntent's client secret", "Stripe sent none")
        })
    }

    /// Completes entering a card: the SetupIntent the browser confirmed must be this
    /// organization's and have succeeded; its PaymentMethod becomes the card on file.
    pub async fn finish_card_setup(
        &self,
        db: &Db,
        at: &Acting,
        setup_intent: &str,
    ) -> Result<CardView> {
        at.require(Action::CreditCardUpdate)?;
        let org = &at.access.org;
        let intent = self
            .api
            .setup_intent(setup_intent)
            .await
            .map_err(|e| match e {
                ApiError::Refused { status: 404, .. } => {
                    invalid("setupIntent", "No such SetupIntent.")
                }
                e => unavailable(e),
            })?;
        let ours = customer_of(db, &org.id).await?;
        if ours.is_none() || intent.customer != ours {
            return Err(invalid(
                "setupIntent",
                "This SetupIntent is not this organization's.",
            ));
        }
        if intent.status != "succeeded" {
            return Err(Error::Conflict(format!(
                "The card was not confirmed with Stripe (its setup is {}).",
                intent.status.replace('_', " ")
            )));
        }
        let method = intent
            .payment_method
            .ok_or_else(|| Error::Conflict("Stripe confirmed the setup without a card.".into()))?;
        let method = self
            .api
            .payment_method(&method)
            .await
            .map_err(unavailable)?;
        let actor = (&at.actor).into();
        self.record_card(
            db,
            &org.id,
            &method,
            actor,
            crate::audit::Event::PaymentMethodUpdated,
        )
        .await
    }

    /// Makes `method` the organization's card on file: its default at Stripe, and
    /// brand, last four, expiry and holder here. Recording the card already on file,
    /// unchanged, records nothing (a webhook after the browser's own call).
    pub(crate) async fn record_card(
        &self,
        db: &Db,
        org_id: &str,
        method: &api::PaymentMethod,
        actor: Actor<'_>,
        event: crate::audit::Event,
    ) -> Result<CardView> {
        let card = method
            .card
            .as_ref()
            .ok_or_else(|| invalid("setupIntent", "Only cards are accepted."))?;
        if let Some(customer) = customer_of(db, org_id).await? {
            self.api
                .set_default_payment_method(&customer, &method.id)
                .await
                .map_err(unavailable)?;
        }
        let view = CardView {
            brand: Brand::of_processor(&card.brand),
            last4: card.last4.clone(),
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            holder: method.billing_details.name.clone().unwrap_or_default(),
            updated_at: db::now_ms(),
        };
        super::store_card(db, org_id, &view, &method.id, actor, event).await?;
        Ok(view)
    }

    /// What Stripe.js needs for the card holder to authenticate a payment (3-D
    /// Secure): the PaymentIntent's client secret and the card it charges.
    pub async fn begin_authentication(
        &self,
        db: &Db,
        at: &Acting,
        payment_id: &str,
    ) -> Result<Authentication> {
        at.require(Action::CreditCardUpdate)?;
        let intent = self.intent_of(db, at, payment_id).await?;
        if intent.status != "requires_action" && intent.status != "requires_confirmation" {
            return Err(Error::Conflict(
                "This payment does not need authentication.".into(),
            ));
        }
        Ok(Authentication {
            client_secret: intent.client_secret.unwrap_or_default(),
            payment_method: intent.payment_method.unwrap_or_default(),
        })
    }

    /// After the card holder authenticated (or gave up): the payment as Stripe has it.
    pub async fn finish_authentication(
        &self,
        db: &Db,
        base_url: &str,
        at: &Acting,
        payment_id: &str,
    ) -> Result<()> {
        at.require(Action::CreditCardUpdate)?;
        let intent = self.intent_of(db, at, payment_id).await?;
        if let Some(outcome) = outcome_of(&intent) {
            super::settle(db, base_url, payment_id, &outcome, (&at.actor).into()).await?;
        }
        Ok(())
    }

    /// The PaymentIntent behind one of the organization's payments.
    async fn intent_of(&self, db: &Db, at: &Acting, payment_id: &str) -> Result<PaymentIntent> {
        let reference: Option<Option<String>> =
            sqlx::query_scalar("SELECT processor_ref FROM payments WHERE id = $1 AND org_id = $2")
                .bind(payment_id)
                .bind(&at.access.org.id)
                .fetch_optional(db)
                .await?;
        let Some(Some(reference)) = reference else {
            return Err(Error::NotFound(
                "No such payment in this organization.".into(),
            ));
        };
        self.api
            .payment_intent(&reference)
            .await
            .map_err(unavailable)
    }
}

/// What the browser needs to let the card holder authenticate.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Authentication {
    pub client_secret: String,
    pub payment_method: String,
}

/// A PaymentIntent's state as a payment's outcome; `None` while Stripe is still at it.
pub fn outcome_of(intent: &PaymentIntent) -> Option<ChargeOutcome> {
    let reference = Some(intent.id.clone());
    match intent.status.as_str() {
        "succeeded" => Some(ChargeOutcome::Succeeded { reference }),
        "requires_action" | "requires_confirmation" => Some(ChargeOutcome::RequiresAction {
            reference: intent.id.clone(),
        }),
        "requires_payment_method" => {
            intent
                .last_payment_error
                .as_ref()
                .map(|error| ChargeOutcome::Declined {
                    reference,
                    code: error.reason_code().map(str::to_owned),
                    message: error.message_or("The card was declined."),
                })
        }
        "canceled" => Some(ChargeOutcome::Declined {
            reference,
            code: Some("canceled".into()),
            message: "The payment was canceled.".into(),
        }),
        _ => None,
    }
}

#[async_trait::async_trait]
impl PaymentProcessor for Stripe {
    async fn store_card(&self, _card: &NewCard) -> std::result::Result<StoredCard, CardError> {
        Err(CardError::NotAccepted)
    }

    async fn charge(
        &self,
        request: &ChargeRequest<'_>,
    ) -> std::result::Result<ChargeOutcome, ChargeError> {
        let Some(customer) = request.customer else {
            return Ok(ChargeOutcome::Declined {
                reference: None,
                code: None,
                message: "the organization has no customer at Stripe".into(),
            });
        };
        // (Stripe's `description` is carried in the metadata: the Stripe-compatible
        // server the tests run refuses the field.)
        let form: Form = vec![
            field("amount", request.amount_cents.to_string()),
            field("currency", request.currency.to_ascii_lowercase()),
            field("customer", customer),
            field("payment_method", request.token),
            field("confirm", "true"),
            field("off_session", "true"),
            field("metadata[purser_payment]", request.payment_id),
            field("metadata[purser_org]", request.org_name),
            field("metadata[purser_org_id]", request.org_id),
            field("metadata[purser_period]", request.period),
            field("metadata[purser_description]", request.description),
        ];
        match self
            .api
            .create_payment_intent(&form, request.idempotency_key)
            .await
        {
            Ok(intent) => Ok(outcome_of(&intent).unwrap_or(ChargeOutcome::Pending {
                reference: intent.id,
            })),
            // Off-session and the bank wants the card holder: Stripe refuses with the
            // PaymentIntent, which they can confirm on-session.
            Err(ApiError::Refused { error, .. })
                if error.code.as_deref() == Some("authentication_required")
                    && error.payment_intent.is_some() =>
            {
                let intent = error.payment_intent.expect("checked just above");
                Ok(ChargeOutcome::RequiresAction {
                    reference: intent.id,
                })
            }
            Err(ApiError::Refused {
                status: 402 | 400 | 404,
                error,
            }) => Ok(ChargeOutcome::Declined {
                reference: error.payment_intent.as_ref().map(|i| i.id.clone()),
                code: error.reason_code().map(str::to_owned),
                message: error.message_or("The card was declined."),
            }),
            Err(e) => Err(ChargeError::Unavailable(e.to_string())),
        }
    }

    async fn follow(
        &self,
        reference: &str,
    ) -> std::result::Result<Option<ChargeOutcome>, ChargeError> {
        let intent = self
            .api
            .payment_intent(reference)
            .await
            .map_err(|e| ChargeError::Unavailable(e.to_string()))?;
        Ok(outcome_of(&intent))
    }
}

/// The organization a webhook's object belongs to, by its customer.
pub(crate) async fn org_for_customer(db: &Db, customer: Option<&str>) -> Result<Option<String>> {
    match customer {
        Some(c) => org_of_customer(db, c).await,
        None => Ok(None),
    }
}

/// A payment of ours, by its id, with its organization.
pub(crate) async fn payment_org(db: &Db, payment_id: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT org_id FROM payments WHERE id = $1")
        .bind(payment_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| r.try_get("org_id")).transpose()?)
}
