//! A small typed client for the part of Stripe's API that Purser uses: customers,
//! SetupIntents, PaymentMethods and PaymentIntents, form-encoded over `reqwest`.
//!
//! (Chosen over `async-stripe`, whose generated resources add minutes to a build for
//! the six calls made here; see docs/payments.md.)

use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The API version every request asks for, so that the shapes read here stay put when
/// the account's default version moves.
const API_VERSION: &str = "2024-06-20";

pub struct Client {
    http: reqwest::Client,
    /// `https://api.stripe.com`, or a Stripe-compatible server's; no trailing slash.
    base: String,
    secret_key: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Customer {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SetupIntent {
    pub id: String,
    pub client_secret: Option<String>,
    pub status: String,
    pub customer: Option<String>,
    pub payment_method: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentMethod {
    pub id: String,
    pub customer: Option<String>,
    pub card: Option<Card>,
    #[serde(default)]
    pub billing_details: BillingDetails,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Card {
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: i32,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BillingDetails {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub status: String,
    pub client_secret: Option<String>,
    pub customer: Option<String>,
    pub payment_method: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    pub last_payment_error: Option<ErrorBody>,
}

/// Stripe's `error` object (and a PaymentIntent's `last_payment_error`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    pub code: Option<String>,
    pub decline_code: Option<String>,
    pub message: Option<String>,
    /// On a failed confirmation, the PaymentIntent as it now is.
    pub payment_intent: Option<Box<PaymentIntent>>,
}

impl ErrorBody {
    /// The most specific reason code: the issuer's decline code, else Stripe's code.
    pub fn reason_code(&self) -> Option<&str> {
        self.decline_code.as_deref().or(self.code.as_deref())
    }

    pub fn message_or(&self, fallback: &str) -> String {
        self.message.clone().unwrap_or_else(|| fallback.to_owned())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Stripe answered, and refused (a 4xx with its `error` object).
    #[error("Stripe refused the request ({status}): {}", .error.message_or("no message"))]
    Refused { status: u16, error: ErrorBody },
    /// Stripe could not be reached, or failed (a 5xx), or answered something unreadable:
    /// worth trying again later.
    #[error("Stripe is unavailable: {0}")]
    Unavailable(String),
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

/// A form body in Stripe's encoding (`metadata[org]=acme`).
pub type Form = Vec<(String, String)>;

pub fn field(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

impl Client {
    pub fn new(base: &str, secret_key: &str) -> Client {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("a reqwest client with timeouts builds");
        Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            secret_key: secret_key.to_owned(),
        }
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ApiError> {
        let response = request
            .bearer_auth(&self.secret_key)
            .header("Stripe-Version", API_VERSION)
            .send()
            .await
            .map_err(|e| ApiError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| ApiError::Unavailable(e.without_url().to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| ApiError::Unavailable(format!("an unreadable answer: {e}")));
        }
        if status.is_client_error() {
            if let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(&body) {
                return Err(ApiError::Refused {
                    status: status.as_u16(),
                    error: envelope.error,
                });
            }
        }
        Err(ApiError::Unavailable(format!("HTTP {status}")))
    }

    async fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        form: &Form,
        idempotency_key: Option<&str>,
    ) -> Result<T, ApiError> {
        let mut request = self.http.post(format!("{}{path}", self.base)).form(form);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request).await
    }

    async fn get<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<T, ApiError> {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn create_customer(
        &self,
        form: &Form,
        idempotency_key: &str,
    ) -> Result<Customer, ApiError> {
        self.post("/v1/customers", form, Some(idempotency_key))
            .await
    }

    pub async fn set_default_payment_method(
        &self,
        customer: &str,
        payment_method: &str,
    ) -> Result<Customer, ApiError> {
        let form = vec![field(
            "invoice_settings[default_payment_method]",
            payment_method,
        )];
        self.post(&format!("/v1/customers/{}", segment(customer)), &form, None)
            .await
    }

    pub async fn create_setup_intent(&self, form: &Form) -> Result<SetupIntent, ApiError> {
        self.post("/v1/setup_intents", form, None).await
    }

    pub async fn setup_intent(&self, id: &str) -> Result<SetupIntent, ApiError> {
        self.get(&format!("/v1/setup_intents/{}", segment(id)))
            .await
    }

    pub async fn payment_method(&self, id: &str) -> Result<PaymentMethod, ApiError> {
        self.get(&format!("/v1/payment_methods/{}", segment(id)))
            .await
    }

    pub async fn create_payment_intent(
        &self,
        form: &Form,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, ApiError> {
        self.post("/v1/payment_intents", form, Some(idempotency_key))
            .await
    }

    pub async fn payment_intent(&self, id: &str) -> Result<PaymentIntent, ApiError> {
        self.get(&format!("/v1/payment_intents/{}", segment(id)))
            .await
    }
}

/// An id as one path segment: Stripe's ids are `[A-Za-z0-9_]`; anything else (an id
/// from a browser, say) must not reach another path.
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}
