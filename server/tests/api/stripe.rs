//! Stripe as the payment processor, against a real Stripe-compatible server: PyPI's
//! `localstripe`, started on loopback for each test (stateful: customers, SetupIntents,
//! PaymentMethods, PaymentIntents, signed webhooks). What the browser's Stripe.js does
//! (confirming a SetupIntent with the card, authenticating a payment) the tests do as
//! localstripe's Stripe.js does it, straight to localstripe: the card never passes
//! through Purser. On both databases.

use crate::helpers::{free_port, Database, Person, TestApp};
use purser_core::billing::Period;
use purser_services::billing::stripe::{signature, StripeConfig};
use purser_services::billing::{self, CycleReport};
use purser_services::state::PaymentSettings;
use serde_json::{json, Value};
use sqlx::Row;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

crate::on_both_kinds!(
    a_card_saved_in_stripes_fields_is_charged_once_per_period,
    a_declined_card_fails_the_payment_with_stripes_reason,
    a_card_that_requires_authentication_is_completed_by_the_card_holder,
    webhooks_are_verified_and_applied_once,
);

const ORG: &str = "globex";
const PERIOD: &str = "2026-11";
const WEBHOOK_SECRET: &str = "whsec_purser_tests";

/// A localstripe server of this test's own.
struct LocalStripe {
    base: String,
    child: Child,
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl LocalStripe {
    async fn start() -> LocalStripe {
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "localstripe",
                "--port",
                &port.to_string(),
                "--from-scratch",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("localstripe runs (scripts/setup.sh installs it)");
        let stripe = LocalStripe {
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = reqwest::get(format!("{}/js.stripe.com/v3/", stripe.base)).await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return stripe;
            }
            assert!(Instant::now() < deadline, "localstripe did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn config(&self) -> StripeConfig {
        StripeConfig {
            secret_key: "sk_test_purser".into(),
            publishable_key: "pk_test_purser".into(),
            webhook_secret: WEBHOOK_SECRET.into(),
            api_base: self.base.clone(),
            js_url: format!("{}/js.stripe.com/v3/", self.base),
        }
    }

    /// What Stripe.js's `confirmCardSetup` sends: the card, from the browser to Stripe.
    async fn confirm_setup(&self, client_secret: &str, number: &str) -> Value {
        let id = client_secret.split("_secret_").next().unwrap();
        self.browser_post(
            &format!("/v1/setup_intents/{id}/confirm"),
            json!({
                "key": "pk_test_purser",
                "use_stripe_sdk": true,
                "client_secret": client_secret,
                "payment_method_data": {
                    "type": "card",
                    "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
                    "billing_details": {"name": "Dana Ledger"},
                },
            }),
        )
        .await
    }

    async fn browser_post(&self, path: &str, body: Value) -> Value {
        reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A read with the secret key, as Stripe's dashboard would show it.
    async fn get(&self, path: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth("sk_test_purser")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The PaymentIntents made for `customer`.
    async fn payment_intents_of(&self, customer: &str) -> Vec<Value> {
        let list = self.get("/v1/payment_intents?limit=100").await;
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|pi| pi["customer"] == customer)
            .cloned()
            .collect()
    }
}

/// Purser with Stripe as its processor, an organization and its admin, and Stripe
/// sending its webhooks to Purser.
struct Setup {
    app: TestApp,
    stripe: LocalStripe,
    admin: Person,
}

impl Setup {
    async fn new(kind: Database) -> Setup {
        let stripe = LocalStripe::start().await;
        let config = stripe.config();
        let app = TestApp::with(kind, move |s| purser_server::startup::Settings {
            payments: PaymentSettings::Stripe(config),
            ..s
        })
        .await;
        let admin = app.sign_up("Admin", "admin@globex.example").await;
        app.verify(&admin).await;
        let (status, body) = app
            .call_as(
                &admin.client,
                "create_org",
                &[("name", ORG), ("display_name", ""), ("edition", "team")],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let hook = reqwest::Client::new()
            .post(format!("{}/_config/webhooks/purser", stripe.base))
            .form(&[
                ("url", app.url("/webhooks/stripe")),
                ("secret", WEBHOOK_SECRET.to_owned()),
            ])
            .send()
            .await
            .unwrap();
        assert!(hook.status().is_success());
        Setup { app, stripe, admin }
    }

    async fn call(&self, name: &str, form: &[(&str, &str)]) -> (u16, Value) {
        self.app.call_as(&self.admin.client, name, form).await
    }

    /// The admin enters `number` in Stripe's fields and saves it, as the dialog does.
    async fn save_card(&self, number: &str) -> Value {
        let (status, secret) = self.call("begin_card_setup", &[("org", ORG)]).await;
        assert_eq!(status, 200, "{secret}");
        let secret = secret.as_str().unwrap().to_owned();
        let mut intent = self.stripe.confirm_setup(&secret, number).await;
        if intent["status"] == "requires_action" {
            // The bank's challenge, passed (localstripe's Stripe.js confirms again).
            let id = intent["id"].as_str().unwrap().to_owned();
            intent = self
                .stripe
                .browser_post(
                    &format!("/v1/setup_intents/{id}/confirm"),
                    json!({"key": "pk_test_purser", "use_stripe_sdk": true, "client_secret": secret}),
                )
                .await;
        }
        assert_eq!(intent["status"], "succeeded", "{intent}");
        let (status, body) = self
            .call(
                "finish_card_setup",
                &[
                    ("org", ORG),
                    ("setup_intent", intent["id"].as_str().unwrap()),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        intent
    }

    async fn run_cycle(&self) -> CycleReport {
        let (processor, _) = billing::processor_for(&PaymentSettings::Stripe(self.stripe.config()));
        billing::run_cycle(
            &self.app.db,
            processor.as_ref(),
            &self.app.base,
            Period::parse(PERIOD).unwrap(),
        )
        .await
        .unwrap()
    }

    async fn customer(&self) -> String {
        sqlx::query_scalar("SELECT c.customer_id FROM stripe_customers c JOIN organizations o ON o.id = c.org_id WHERE o.name = $1")
            .bind(ORG)
            .fetch_one(&self.app.db)
            .await
            .unwrap()
    }

    /// The organization's payment for the period: status, failure, failure code, reference.
    async fn payment(&self) -> (String, Option<String>, Option<String>, Option<String>) {
        let row = sqlx::query(
            "SELECT p.status, p.failure, p.failure_code, p.processor_ref FROM payments p \
             JOIN organizations o ON o.id = p.org_id WHERE o.name = $1 AND p.period = $2",
        )
        .bind(ORG)
        .bind(PERIOD)
        .fetch_one(&self.app.db)
        .await
        .unwrap();
        (
            row.get("status"),
            row.get("failure"),
            row.get("failure_code"),
            row.get("processor_ref"),
        )
    }

    async fn audit_count(&self, event: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE event = $1")
            .bind(event)
            .fetch_one(&self.app.db)
            .await
            .unwrap()
    }

    /// A webhook signed as Stripe signs it (or with `secret`, to forge one).
    async fn deliver(&self, event: &Value, secret: &str, at: i64) -> (u16, Value) {
        let body = event.to_string();
        let res = reqwest::Client::new()
            .post(self.app.url("/webhooks/stripe"))
            .header("Content-Type", "application/json")
            .header(
                "Stripe-Signature",
                signature::sign(body.as_bytes(), secret, at),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn a_card_saved_in_stripes_fields_is_charged_once_per_period(kind: Database) {
    let s = Setup::new(kind).await;
    // Pages admit Stripe's script, frames and API (here, localstripe's origin).
    let page = reqwest::get(s.app.url("/signin")).await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for directive in ["script-src", "frame-src", "connect-src"] {
        let listed = csp
            .split(';')
            .find(|d| d.trim().starts_with(directive))
            .unwrap_or_default();
        assert!(listed.contains(&s.stripe.base), "{directive} in {csp}");
    }
    let intent = s.save_card("4242424242424242").await;

    // The card on file, as Stripe has it; the customer's default at Stripe.
    let (status, card) = s
        .app
        .api_get(
            &format!("/api/orgs/{ORG}/billing/payment-method"),
            Some(&s.app.token_for(&s.admin).await),
        )
        .await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["paymentMethod"]["last4"], "4242", "{card}");
    assert_eq!(card["paymentMethod"]["holder"], "Dana Ledger");
    let customer = s.customer().await;
    let at_stripe = s.stripe.get(&format!("/v1/customers/{customer}")).await;
    assert_eq!(
        at_stripe["invoice_settings"]["default_payment_method"],
        intent["payment_method"]
    );
    // What Purser keeps: Stripe's reference, never a number.
    let token: String = sqlx::query_scalar("SELECT processor_token FROM payment_methods")
        .fetch_one(&s.app.db)
        .await
        .unwrap();
    assert_eq!(Some(token.as_str()), intent["payment_method"].as_str());
    // A second card setup reuses the customer.
    s.save_card("4242424242424242").await;
    let customers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stripe_customers")
        .fetch_one(&s.app.db)
        .await
        .unwrap();
    assert_eq!(customers, 1);

    // Another organization's SetupIntent is not this one's to finish.
    let (status, body) = s
        .call(
            "finish_card_setup",
            &[("org", ORG), ("setup_intent", "seti_notours")],
        )
        .await;
    assert!(status == 422 || status == 404, "{status} {body}");

    // Two runs at once (two instances), then a third: one charge.
    let (a, b) = tokio::join!(s.run_cycle(), s.run_cycle());
    assert_eq!(a.succeeded + b.succeeded, 1, "{a:?} {b:?}");
    let again = s.run_cycle().await;
    assert_eq!(again.already_billed, 1);
    let charges = s.stripe.payment_intents_of(&customer).await;
    assert_eq!(charges.len(), 1, "{charges:?}");
    let charge = &charges[0];
    assert_eq!(charge["status"], "succeeded");
    assert_eq!(charge["currency"], "usd");
    assert_eq!(charge["metadata"]["purser_org"], ORG);
    assert_eq!(charge["metadata"]["purser_period"], PERIOD);
    let (status, _, _, reference) = s.payment().await;
    assert_eq!(status, "succeeded");
    assert_eq!(reference.as_deref(), charge["id"].as_str());

    // A run that died after Stripe charged and the reference was kept, before the
    // outcome was: the next run asks Stripe how it ended, and charges nothing more.
    sqlx::query("UPDATE payments SET status = 'processing', claimed_until = 1")
        .execute(&s.app.db)
        .await
        .unwrap();
    let resumed = s.run_cycle().await;
    assert_eq!(resumed.succeeded, 1, "{resumed:?}");
    assert_eq!(s.payment().await.0, "succeeded");
    assert_eq!(s.stripe.payment_intents_of(&customer).await.len(), 1);
    // A run that died after claiming, before charging: the next one charges, once.
    sqlx::query(
        "UPDATE payments SET status = 'processing', claimed_until = 1, processor_ref = NULL",
    )
    .execute(&s.app.db)
    .await
    .unwrap();
    let resumed = s.run_cycle().await;
    assert_eq!(resumed.succeeded, 1, "{resumed:?}");

    // localstripe's own webhook for the charge arrives, verified, recorded once.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let seen: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM stripe_events WHERE type = 'payment_intent.succeeded'",
        )
        .fetch_one(&s.app.db)
        .await
        .unwrap();
        if seen >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "Stripe's webhook never arrived");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(s.payment().await.0, "succeeded");
}

async fn a_declined_card_fails_the_payment_with_stripes_reason(kind: Database) {
    let s = Setup::new(kind).await;
    // Refused when it is saved: Stripe's message on the dialog, nothing recorded.
    let (status, secret) = s.call("begin_card_setup", &[("org", ORG)]).await;
    assert_eq!(status, 200);
    let refused = s
        .stripe
        .confirm_setup(secret.as_str().unwrap(), "4000000000000002")
        .await;
    assert_eq!(refused["error"]["code"], "card_declined", "{refused}");
    // Accepted when saved, declined when charged.
    s.save_card("4000000000000341").await;
    let report = s.run_cycle().await;
    assert_eq!(report.failed, 1, "{report:?}");
    let (status, failure, code, _) = s.payment().await;
    assert_eq!(status, "failed");
    assert_eq!(failure.as_deref(), Some("Your card was declined."));
    assert_eq!(code.as_deref(), Some("card_declined"));
    assert_eq!(s.audit_count("payment.failed").await, 1);
    // The payments list says why.
    let token = s.app.token_for(&s.admin).await;
    let (_, payments) = s
        .app
        .api_get(&format!("/api/orgs/{ORG}/billing/payments"), Some(&token))
        .await;
    assert!(
        payments.to_string().contains("Your card was declined."),
        "{payments}"
    );
}

async fn a_card_that_requires_authentication_is_completed_by_the_card_holder(kind: Database) {
    let s = Setup::new(kind).await;
    s.save_card("4000002760003184").await;
    let report = s.run_cycle().await;
    assert_eq!(report.requires_action, 1, "{report:?}");
    let (status, _, _, reference) = s.payment().await;
    assert_eq!(status, "requires_action");
    let reference = reference.expect("the PaymentIntent is kept");
    // The admins (and billing managers) are emailed a link to Billing & usage.
    let mail = s.app.last_link_to("admin@globex.example").await;
    assert!(
        mail.ends_with(&format!("/{ORG}/settings/billing#payments")),
        "{mail}"
    );
    assert_eq!(s.audit_count("payment.requires-action").await, 1);

    // The card holder authenticates with Stripe.js, then the page reports back.
    let payment_id: String = sqlx::query_scalar("SELECT id FROM payments")
        .fetch_one(&s.app.db)
        .await
        .unwrap();
    let (status, pair) = s
        .call(
            "begin_payment_authentication",
            &[("org", ORG), ("payment", &payment_id)],
        )
        .await;
    assert_eq!(status, 200, "{pair}");
    let secret = pair[0].as_str().unwrap();
    assert!(secret.starts_with(&reference));
    let authenticated = s
        .stripe
        .browser_post(
            &format!("/v1/payment_intents/{reference}/_authenticate?success=true"),
            json!({"key": "pk_test_purser", "client_secret": secret}),
        )
        .await;
    assert_eq!(authenticated["status"], "succeeded", "{authenticated}");
    let (status, body) = s
        .call(
            "finish_payment_authentication",
            &[("org", ORG), ("payment", &payment_id)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(s.payment().await.0, "succeeded");
    // Reported again (the page reloaded, Stripe's webhook): nothing more recorded.
    s.call(
        "finish_payment_authentication",
        &[("org", ORG), ("payment", &payment_id)],
    )
    .await;
    assert_eq!(s.audit_count("payment.succeeded").await, 1);
    // Nor may anyone else's payment be asked about.
    let (status, _) = s
        .call(
            "begin_payment_authentication",
            &[("org", ORG), ("payment", "not-a-payment")],
        )
        .await;
    assert_eq!(status, 404);
}

async fn webhooks_are_verified_and_applied_once(kind: Database) {
    let s = Setup::new(kind).await;
    let intent = s.save_card("4242424242424242").await;
    let method = intent["payment_method"].as_str().unwrap().to_owned();
    let customer = s.customer().await;
    // A payment the processor has not finished (as if Stripe were still at it).
    let org_id: String = sqlx::query_scalar("SELECT id FROM organizations WHERE name = $1")
        .bind(ORG)
        .fetch_one(&s.app.db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO payments (id, org_id, period, created_at, description, amount_cents, currency, status, processor_ref) \
         VALUES ('pay_1', $1, $2, 0, 'Purser Team', 4500, 'USD', 'processing', 'pi_1')",
    )
    .bind(&org_id)
    .bind(PERIOD)
    .execute(&s.app.db)
    .await
    .unwrap();
    let failed = json!({
        "id": "evt_failed_1",
        "type": "payment_intent.payment_failed",
        "created": now(),
        "data": {"object": {
            "id": "pi_1", "object": "payment_intent", "status": "requires_payment_method",
            "customer": customer, "payment_method": method,
            "metadata": {"purser_payment": "pay_1"},
            "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."},
        }},
    });

    // Forged, unsigned, stale, malformed: 400, nothing changed.
    let (status, body) = s.deliver(&failed, "whsec_forged", now()).await;
    assert_eq!(status, 400, "{body}");
    let unsigned = reqwest::Client::new()
        .post(s.app.url("/webhooks/stripe"))
        .body(failed.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 400);
    let (status, _) = s.deliver(&failed, WEBHOOK_SECRET, now() - 3600).await;
    assert_eq!(status, 400);
    let (status, _) = s
        .deliver(&json!({"not": "an event"}), WEBHOOK_SECRET, now())
        .await;
    assert_eq!(status, 400);
    assert_eq!(s.payment().await.0, "processing");

    // Signed: applied once, however often it arrives.
    let (status, body) = s.deliver(&failed, WEBHOOK_SECRET, now()).await;
    assert_eq!(
        (status, body["result"].as_str()),
        (200, Some("applied")),
        "{body}"
    );
    let (status, body) = s.deliver(&failed, WEBHOOK_SECRET, now()).await;
    assert_eq!(
        (status, body["result"].as_str()),
        (200, Some("duplicate")),
        "{body}"
    );
    let (status, failure, code, _) = s.payment().await;
    assert_eq!(status, "failed");
    assert_eq!(
        failure.as_deref(),
        Some("Your card has insufficient funds.")
    );
    assert_eq!(code.as_deref(), Some("insufficient_funds"));
    assert_eq!(s.audit_count("payment.failed").await, 1);

    // A later success wins; a failure reported after it changes nothing.
    let mut succeeded = failed.clone();
    succeeded["id"] = json!("evt_succeeded_1");
    succeeded["type"] = json!("payment_intent.succeeded");
    succeeded["data"]["object"]["status"] = json!("succeeded");
    assert_eq!(s.deliver(&succeeded, WEBHOOK_SECRET, now()).await.0, 200);
    let mut late = failed.clone();
    late["id"] = json!("evt_failed_late");
    assert_eq!(s.deliver(&late, WEBHOOK_SECRET, now()).await.0, 200);
    assert_eq!(s.payment().await.0, "succeeded");

    // The card network updated the card: new expiry on file, audited as such.
    let updated = json!({
        "id": "evt_card_1",
        "type": "payment_method.automatically_updated",
        "created": now(),
        "data": {"object": {
            "id": method, "object": "payment_method", "customer": customer,
            "card": {"brand": "visa", "last4": "4242", "exp_month": 3, "exp_year": 2036},
            "billing_details": {"name": "Dana Ledger"},
        }},
    });
    // (localstripe answers the default-card update for the customer it keeps.)
    let (status, body) = s.deliver(&updated, WEBHOOK_SECRET, now()).await;
    assert_eq!(status, 200, "{body}");
    let expiry: (i64, i64) = sqlx::query_as("SELECT exp_month, exp_year FROM payment_methods")
        .fetch_one(&s.app.db)
        .await
        .unwrap();
    assert_eq!(expiry, (3, 2036));
    assert_eq!(s.audit_count("payment-method.updated-by-network").await, 1);
    // Another customer's card is not this organization's to update.
    let mut stranger = updated.clone();
    stranger["id"] = json!("evt_card_2");
    stranger["data"]["object"]["customer"] = json!("cus_stranger");
    stranger["data"]["object"]["card"]["exp_year"] = json!(2040);
    let (_, body) = s.deliver(&stranger, WEBHOOK_SECRET, now()).await;
    assert_eq!(body["result"], "ignored");
}
