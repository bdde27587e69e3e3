//! Card entry and payment authentication with Stripe (when it is the processor): the
//! card fields are Stripe's own, mounted by Stripe.js; Purser's server only begins
//! each step and records what Stripe confirmed. (Plain calls rather than actions: the
//! page reloads on `changed`, and the bundle carries no action per step.)

#[cfg(feature = "hydrate")]
use crate::api::{
    begin_card_setup, begin_payment_authentication, finish_card_setup,
    finish_payment_authentication,
};
use crate::ui::ErrorText;
use leptos::prelude::*;

/// The Update credit card dialog's form with Stripe: the holder's name here, the card
/// in Stripe's fields (mounted in `#stripe-card` once `open` is first set). A saved
/// card bumps `changed` and calls `close`.
#[component]
pub fn StripeCardForm(
    org: String,
    publishable_key: String,
    js_url: String,
    open: RwSignal<bool>,
    changed: RwSignal<u32>,
    close: Callback<()>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let holder = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    let mounted = StoredValue::new_local(None::<std::rc::Rc<super::stripe_js::Mounted>>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !open.get() {
            return done.unwrap_or(false);
        }
        let (key, url) = (publishable_key.clone(), js_url.clone());
        leptos::task::spawn_local(async move {
            match super::stripe_js::mount(&key, &url, "#stripe-card").await {
                Ok(m) => mounted.set_value(Some(std::rc::Rc::new(m))),
                Err(message) => error.set(Some(message)),
            }
        });
        true
    });
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
            let saved = async {
                let Some(fields) = mounted.get_value() else {
                    return Err("The card fields are still loading.".to_owned());
                };
                let secret = begin_card_setup(org.clone())
                    .await
                    .map_err(|e| e.to_string())?;
                super::stripe_js::unblock_around("stripe-card");
                let setup_intent = fields.confirm_setup(&secret, name.trim()).await?;
                finish_card_setup(org, setup_intent)
                    .await
                    .map_err(|e| e.to_string())
            }
            .await;
            busy.set(false);
            match saved {
                Ok(()) => {
                    changed.update(|n| *n += 1);
                    close.run(());
                }
                Err(message) => error.set(Some(message)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (org, changed);
    };
    view! {
        <form on:submit=submit data-testid="stripe-card-form">
            <label for="card-holder">"Cardholder name"</label>
            <input id="card-holder" node_ref=holder autocomplete="cc-name" required=true/>
            <label for="stripe-card">"Card"</label>
            <div id="stripe-card" class="stripe-card" data-testid="stripe-card"></div>
            <ErrorText message=Signal::derive(move || error.get())/>
            <p class="hint">"The card is entered in Stripe's own fields and goes to Stripe only; Purser keeps the brand, the last four digits, the expiry and the name."</p>
            <div class="dialog-actions">
                <button type="button" class="secondary" on:click=move |_| close.run(())>"Cancel"</button>
                <button type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save card" }}
                </button>
            </div>
        </form>
    }
}

/// "Complete authentication" on a payment the bank wants the card holder to confirm
/// (3-D Secure): Stripe.js shows the bank's challenge, then the server records how the
/// payment ended and `changed` reloads the page.
#[component]
pub fn AuthenticatePayment(
    org: String,
    payment: String,
    publishable_key: String,
    js_url: String,
    changed: RwSignal<u32>,
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
                // Either way the server asks Stripe how the payment stands now.
                let recorded = finish_payment_authentication(org, payment).await;
                busy.set(false);
                match (outcome, recorded) {
                    (Err(message), _) => error.set(Some(message)),
                    (_, Err(e)) => error.set(Some(e.to_string())),
                    _ => {}
                }
                changed.update(|n| *n += 1);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (org, payment, &publishable_key, &js_url, changed);
    };
    view! {
        <button type="button" class="secondary" on:click=start disabled=move || busy.get()>
            "Complete authentication"
        </button>
        <ErrorText message=Signal::derive(move || error.get())/>
    }
}
