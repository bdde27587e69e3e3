//! Stripe.js in the browser: loaded when a dialog needs it (not on every page), the
//! card fields mounted in a given element, and the two confirmations Purser asks of it
//! (a card's setup, a payment's authentication). Server side, nothing: these run only
//! after hydration.

#[cfg(feature = "hydrate")]
mod browser {
    /// What Stripe.js answered: the confirmed object's id, or the message to show.
    pub type Confirmed = Result<String, String>;

    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::js_sys::{Object, Promise, Reflect};
    use wasm_bindgen_futures::JsFuture;

    #[wasm_bindgen]
    extern "C" {
        /// Stripe.js's `Stripe` object.
        pub type StripeJs;
        #[wasm_bindgen(js_name = Stripe, catch)]
        fn new_stripe(publishable_key: &str) -> Result<StripeJs, JsValue>;
        #[wasm_bindgen(method)]
        fn elements(this: &StripeJs) -> Elements;
        #[wasm_bindgen(method, js_name = confirmCardSetup)]
        fn confirm_card_setup(this: &StripeJs, secret: &str, data: &JsValue) -> Promise;
        #[wasm_bindgen(method, js_name = confirmCardPayment)]
        fn confirm_card_payment(this: &StripeJs, secret: &str, data: &JsValue) -> Promise;

        type Elements;
        #[wasm_bindgen(method)]
        fn create(this: &Elements, kind: &str) -> CardElement;

        /// The card fields (number, expiry, CVC), in Stripe's frame.
        pub type CardElement;
        #[wasm_bindgen(method, catch)]
        fn mount(this: &CardElement, selector: &str) -> Result<(), JsValue>;
    }

    /// Stripe.js with the card fields mounted in `selector`.
    pub struct Mounted {
        stripe: StripeJs,
        card: CardElement,
    }

    fn set(target: &Object, key: &str, value: &JsValue) {
        let _ = Reflect::set(target, &JsValue::from_str(key), value);
    }

    fn get(target: &JsValue, key: &str) -> JsValue {
        Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    /// Adds Stripe.js's script to the page once and waits for it.
    async fn load(js_url: &str) -> Result<(), String> {
        let window = web_sys::window().ok_or("no window")?;
        if get(&window, "Stripe").is_function() {
            return Ok(());
        }
        let document = window.document().ok_or("no document")?;
        let script = document
            .create_element("script")
            .map_err(|_| "cannot add a script")?;
        script
            .set_attribute("src", js_url)
            .map_err(|_| "cannot add a script")?;
        let loaded = Promise::new(&mut |resolve, reject| {
            let _ = script.add_event_listener_with_callback("load", &resolve);
            let _ = script.add_event_listener_with_callback("error", &reject);
        });
        // In the head: the body's children are the app's, which Leptos renders and
        // replaces by position as pages change.
        document
            .head()
            .ok_or("no head")?
            .append_child(&script)
            .map_err(|_| "cannot add a script")?;
        JsFuture::from(loaded).await.map(|_| ()).map_err(|_| {
            "Stripe could not be reached; check the connection and try again.".to_owned()
        })
    }

    /// Lets the page outside the modal dialog holding `#id` be used again (the dialog
    /// stays open, as a plain one): the bank's 3-D Secure challenge, which Stripe.js
    /// shows over the page, would otherwise sit under the modal's inert backdrop.
    pub fn unblock_around(id: &str) {
        let dialog = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.closest("dialog").ok().flatten())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDialogElement>().ok());
        if let Some(dialog) = dialog.filter(|d| d.open()) {
            dialog.close();
            dialog.show();
        }
    }

    pub async fn mount(
        publishable_key: &str,
        js_url: &str,
        selector: &str,
    ) -> Result<Mounted, String> {
        load(js_url).await?;
        let stripe = new_stripe(publishable_key).map_err(|_| "Stripe.js did not start.")?;
        let card = stripe.elements().create("card");
        card.mount(selector)
            .map_err(|_| "The card fields could not be shown.")?;
        Ok(Mounted { stripe, card })
    }

    pub async fn stripe_only(publishable_key: &str, js_url: &str) -> Result<StripeJs, String> {
        load(js_url).await?;
        new_stripe(publishable_key).map_err(|_| "Stripe.js did not start.".to_owned())
    }

    /// Stripe's answer: `{error: {message}}`, or the object under `key`.
    async fn answer(promise: Promise, key: &str) -> Confirmed {
        let result = JsFuture::from(promise)
            .await
            .map_err(|_| "Stripe did not answer; try again.".to_owned())?;
        let error = get(&result, "error");
        if error.is_object() {
            return Err(get(&error, "message")
                .as_string()
                .unwrap_or_else(|| "Stripe refused the card.".to_owned()));
        }
        get(&get(&result, key), "id")
            .as_string()
            .ok_or_else(|| "Stripe answered without a result.".to_owned())
    }

    impl Mounted {
        /// Confirms the SetupIntent with the card in the fields and the holder's name.
        pub async fn confirm_setup(&self, client_secret: &str, holder: &str) -> Confirmed {
            let details = Object::new();
            set(&details, "name", &JsValue::from_str(holder));
            let method = Object::new();
            set(&method, "card", self.card.unchecked_ref());
            set(&method, "billing_details", &details);
            let data = Object::new();
            set(&data, "payment_method", &method);
            answer(
                self.stripe.confirm_card_setup(client_secret, &data),
                "setupIntent",
            )
            .await
        }
    }

    /// Lets the card holder authenticate a payment (Stripe shows its challenge).
    pub async fn authenticate(
        stripe: &StripeJs,
        client_secret: &str,
        payment_method: &str,
    ) -> Confirmed {
        let data = Object::new();
        set(&data, "payment_method", &JsValue::from_str(payment_method));
        answer(
            stripe.confirm_card_payment(client_secret, &data),
            "paymentIntent",
        )
        .await
    }
}

#[cfg(feature = "hydrate")]
pub use browser::*;
