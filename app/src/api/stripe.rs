//! Server functions of card entry and payment authentication with Stripe: the browser
//! confirms with Stripe.js what these begin, then reports back; the card itself goes
//! from Stripe's fields to Stripe.

use leptos::prelude::*;
use purser_core::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::ssr::{in_org, run},
    purser_core::Action,
    purser_services::access::Acting,
    purser_services::billing::stripe::Stripe,
    purser_services::error::Error,
    purser_services::state::AppState,
    std::sync::Arc,
};

/// Stripe, for a caller who may update the card (asked first, so that whether Stripe
/// is configured is told to no one else).
#[cfg(feature = "ssr")]
fn stripe(state: &AppState, at: &Acting) -> Result<Arc<Stripe>, Error> {
    at.require(Action::CreditCardUpdate)?;
    state
        .stripe
        .clone()
        .ok_or_else(|| Error::Conflict("Stripe is not this server's payment processor.".into()))
}

/// A SetupIntent for the organization's customer: its client secret.
#[server(prefix = "/fn", endpoint = "begin_card_setup")]
pub async fn begin_card_setup(org: String) -> Result<String, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        stripe(&state, &at)?.begin_card_setup(&state.db, &at).await
    })
    .await
}

/// The SetupIntent the browser confirmed: its card becomes the card on file.
#[server(prefix = "/fn", endpoint = "finish_card_setup")]
pub async fn finish_card_setup(org: String, setup_intent: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        stripe(&state, &at)?
            .finish_card_setup(&state.db, &at, &setup_intent)
            .await?;
        Ok(())
    })
    .await
}

/// What Stripe.js needs to let the card holder authenticate a payment: the
/// PaymentIntent's client secret and the card it charges.
#[server(prefix = "/fn", endpoint = "begin_payment_authentication")]
pub async fn begin_payment_authentication(
    org: String,
    payment: String,
) -> Result<(String, String), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        let auth = stripe(&state, &at)?
            .begin_authentication(&state.db, &at, &payment)
            .await?;
        Ok((auth.client_secret, auth.payment_method))
    })
    .await
}

/// After the card holder authenticated (or gave up): records the payment as Stripe
/// now has it.
#[server(prefix = "/fn", endpoint = "finish_payment_authentication")]
pub async fn finish_payment_authentication(org: String, payment: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        let base_url = state.settings.base_url.clone();
        stripe(&state, &at)?
            .finish_authentication(&state.db, &base_url, &at, &payment)
            .await
    })
    .await
}
