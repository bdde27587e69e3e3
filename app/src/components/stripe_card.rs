//! Card entry and payment authentication with Stripe (when it is the processor): the
//! card fields are Stripe's own, mounted by Stripe.js; Purser's server only begins
//! each step and records what Stripe confirmed.

#[cfg(feature = "hydrate")]
use crate::api::{begin_card_setup, begin_payment_authentication};
use crate::api::{FinishCardSetup, FinishPaymentAuthentication};
use crate::ui::{any_error, ErrorText};
use leptos::prelude::*;

/// The Update credit card dialog's form with Stripe: the holder's name here, the card
/// in Stripe's fields (mounted in `#stripe-card` once `open` is first set).
#[component]
pub fn StripeCardForm(
    org: String,
    publishable_key: String,
    js_url: String,
    open: RwSignal<bool>,
    saved: ServerAction<FinishCardSetup>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let holder = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    let mounted = StoredValue::new_local(None::<std::rc::Rc<super::stripe_js::Mounted>>);
    #[cfg(feature = "hydrate")]
    {
        let (key, url) = (publishable_key.clone(), js_url.clone());
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) || !open.get() {
                return done.unwrap_or(false);
            }
            let (key, url) = (key.clone(), url.clone());
            leptos::task::spawn_local(async move {
                match super::stripe_js::mount(&key, &url, "#stripe-card").await {
                    Ok(m) => mounted.set_value(Some(std::rc::Rc::new(m))),
                    Err(message) => error.set(Some(message)),
                }
            });
            true
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (&publishable_key, &js_url, open);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = holder.get().map(|i| i.value()).unwrap_or_default();
        if name.trim().is_empty() {
            error.set(Some("Enter the cardholder's name.".into()));
            return;
        }
        error.set(None);
        busy.set(true);
        let org = org.clone();
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let confirmed = async {
                let Some(fields) = mounted.get_value() else {
                    return Err("The card fields are still loading.".to_owned());
                };
                let secret = begin_card_setup(org.clone())
                    .await
                    .map_err(|e| e.to_string())?;
                fields.confirm_setup(&secret, name.trim()).await
            }
            .await;
            match confirmed {
                Ok(setup_intent) => {
                    saved.dispatch(FinishCardSetup { org, setup_intent });
                }
                Err(message) => error.set(Some(message)),
            }
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (org, saved);
    };
    let pending = Signal::derive(move || busy.get() || saved.pending().get());
    view! {
        <form on:submit=submit data-testid="stripe-card-form">
            <label for="card-holder">"Cardholder name"</label>
            <input id="card-holder" node_ref=holder autocomplete="cc-name" required=true/>
            <label for="stripe-card">"Card"</label>
            <div id="stripe-card" class="stripe-card" data-testid="stripe-card"></div>
            <ErrorText message=Signal::derive(move || error.get())/>
            <ErrorText message=Signal::derive(any_error(saved.value()))/>
            <p class="hint">"The card is entered in Stripe's own fields and goes to Stripe only; Purser keeps the brand, the last four digits, the expiry and the name."</p>
            <div class="dialog-actions">
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                <button type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save card" }}
                </button>
            </div>
        </form>
    }
}

/// "Complete authentication" on a payment the bank wants the card holder to confirm
/// (3-D Secure): Stripe.js shows the bank's challenge, then the server records how the
/// payment ended.
#[component]
pub fn AuthenticatePayment(
    org: String,
    payment: String,
    publishable_key: String,
    js_url: String,
    done: ServerAction<FinishPaymentAuthentication>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let start = move |_| {
        error.set(None);
        busy.set(true);
        let (org, payment) = (org.clone(), payment.clone());
        #[cfg(feature = "hydrate")]
        {
            let (key, url) = (publishable_key.clone(), js_url.clone());
            leptos::task::spawn_local(async move {
                let outcome = async {
                    let stripe = super::stripe_js::stripe_only(&key, &url).await?;
                    let (secret, method) =
                        begin_payment_authentication(org.clone(), payment.clone())
                            .await
                            .map_err(|e| e.to_string())?;
                    super::stripe_js::authenticate(&stripe, &secret, &method).await
                }
                .await;
                if let Err(message) = outcome {
                    error.set(Some(message));
                }
                // Either way the server asks Stripe how the payment stands now.
                done.dispatch(FinishPaymentAuthentication { org, payment });
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (org, payment, &publishable_key, &js_url, done);
    };
    view! {
        <button type="button" class="secondary" on:click=start disabled=move || busy.get()>
            "Complete authentication"
        </button>
        <ErrorText message=Signal::derive(move || error.get())/>
    }
}
