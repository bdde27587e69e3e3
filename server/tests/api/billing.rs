use crate::helpers::{api, TestApp};
use crate::on_both_databases;
use purser_core::billing::Period;
use purser_services::billing::{self, processor::BuiltInProcessor};
use reqwest::Method;
use serde_json::json;
use sqlx::Row;

on_both_databases!(
    admins_and_billing_managers_update_the_card_members_cannot,
    bad_cards_get_field_errors,
    the_edition_changes_but_not_to_team_with_two_billing_managers,
    one_payment_per_organization_per_period_even_when_run_concurrently,
    declined_and_missing_cards_are_recorded_as_failed_payments,
);

fn card(number: &str) -> serde_json::Value {
    json!({"holder": "Dana Ledger", "number": number, "expiry": "12/39", "cvc": "123"})
}

async fn admins_and_billing_managers_update_the_card_members_cannot(app: TestApp) {
    let t = crate::helpers::demo_tokens(&app).await;
    let path = "/api/orgs/acme/billing/payment-method";
    let (status, body) = api(&app, Method::GET, path, &t.billing_manager, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            &body["paymentMethod"]["last4"],
            &body["paymentMethod"]["holder"]
        ),
        (&json!("4242"), &json!("Dana Ledger")),
        "the demo has the test card on file: {body}"
    );

    let (status, body) = api(
        &app,
        Method::PUT,
        path,
        &t.billing_manager,
        Some(card("4000 0566 5566 5556")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["paymentMethod"]["brand"], "visa");
    assert_eq!(body["paymentMethod"]["last4"], "5556");
    assert_eq!(body["paymentMethod"]["holder"], "Dana Ledger");
    assert_eq!(body["paymentMethod"]["expMonth"], 12);
    assert!(
        !body.to_string().contains("4000056655665556"),
        "the number is never echoed"
    );

    let (status, body) = api(
        &app,
        Method::PUT,
        path,
        &t.admin,
        Some(card("5555555555554444")),
    )
    .await;
    assert_eq!(
        (status, body["paymentMethod"]["brand"].as_str()),
        (200, Some("mastercard"))
    );
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(card("4242424242424242"))),
    ] {
        let (status, _) = api(&app, method.clone(), path, &t.member, body).await;
        assert_eq!(status, 403, "members have no billing access ({method})");
    }
    let (_, log) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/auditlogs?event=payment-method.updated",
        &t.admin,
        None,
    )
    .await;
    assert_eq!(
        log["auditLogEvents"].as_array().unwrap().len(),
        3,
        "the demo's card, then two updates"
    );
    let stored: String = sqlx::query("SELECT processor_token FROM payment_methods")
        .fetch_one(&app.db)
        .await
        .unwrap()
        .get("processor_token");
    assert!(!stored.contains("5555555555554444"));
}

async fn bad_cards_get_field_errors(app: TestApp) {
    let t = crate::helpers::demo_tokens(&app).await;
    let path = "/api/orgs/acme/billing/payment-method";
    let cases = [
        (
            json!({"holder": "Dana", "number": "4242424242424241", "expiry": "12/39", "cvc": "123"}),
            "not valid",
        ),
        (
            json!({"holder": "Dana", "number": "4242424242424242", "expiry": "01/20", "cvc": "123"}),
            "expired",
        ),
        (
            json!({"holder": "Dana", "number": "4242424242424242", "expiry": "12/39", "cvc": "12"}),
            "security code",
        ),
        (
            json!({"holder": "", "number": "4242424242424242", "expiry": "12/39", "cvc": "123"}),
            "name",
        ),
        (
            json!({"holder": "Dana", "number": "378282246310005", "expiry": "12/39", "cvc": "123"}),
            "4 digits",
        ),
    ];
    for (body, message) in cases {
        let (status, answer) = api(&app, Method::PUT, path, &t.admin, Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(message),
            "{answer}"
        );
    }
    let (status, _) = api(
        &app,
        Method::PUT,
        path,
        &t.admin,
        Some(json!({"number": "4242424242424242"})),
    )
    .await;
    assert_eq!(status, 400);
}

async fn the_edition_changes_but_not_to_team_with_two_billing_managers(app: TestApp) {
    let t = crate::helpers::demo_tokens(&app).await;
    let path = "/api/orgs/acme/billing/subscription";
    let (status, sub) = api(&app, Method::GET, path, &t.billing_manager, None).await;
    assert_eq!(status, 200);
    assert_eq!(sub["edition"], "team");
    assert_eq!(sub["memberCount"], 3);
    assert_eq!(sub["monthlyAmountCents"], 4500);
    assert!(
        sub["currentPeriodStart"].as_str().unwrap() < sub["currentPeriodEnd"].as_str().unwrap()
    );

    let (status, sub) = api(
        &app,
        Method::PATCH,
        path,
        &t.billing_manager,
        Some(json!({"edition": "enterprise"})),
    )
    .await;
    assert_eq!(
        (status, sub["edition"].as_str()),
        (200, Some("enterprise")),
        "{sub}"
    );
    // Enterprise has room: a second billing manager joins.
    let (_, link) = api(
        &app,
        Method::POST,
        "/api/orgs/acme/invites/link",
        &t.admin,
        Some(json!({"role": "billing-manager"})),
    )
    .await;
    let secret = crate::helpers::secret_of(link["acceptInviteUrl"].as_str().unwrap());
    let extra = crate::helpers::verified_users(&app, "extra", 1).await;
    let (status, _) = api(
        &app,
        Method::PATCH,
        &format!("/api/orgs/acme/invites/{secret}"),
        &extra[0].1,
        None,
    )
    .await;
    assert_eq!(status, 204);

    let (status, body) = api(
        &app,
        Method::PATCH,
        path,
        &t.admin,
        Some(json!({"edition": "team"})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("remove 1 billing manager"),
        "{body}"
    );
    let (status, _) = api(
        &app,
        Method::PATCH,
        path,
        &t.member,
        Some(json!({"edition": "team"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = api(
        &app,
        Method::PATCH,
        path,
        &t.admin,
        Some(json!({"edition": "gold"})),
    )
    .await;
    assert_eq!(status, 422);
    let (_, log) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/auditlogs?event=subscription.edition-changed",
        &t.admin,
        None,
    )
    .await;
    assert_eq!(log["auditLogEvents"][0]["target"], "enterprise");
}

async fn one_payment_per_organization_per_period_even_when_run_concurrently(app: TestApp) {
    // The demo has the test card on file and paid months before this one.
    let t = crate::helpers::demo_tokens(&app).await;
    let period = Period::parse("2031-01").unwrap();
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let db = app.db.clone();
            tokio::spawn(async move {
                billing::run_cycle(&db, &BuiltInProcessor, "http://localhost", period)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut succeeded = 0;
    for run in runs {
        succeeded += run.await.unwrap().succeeded;
    }
    assert_eq!(succeeded, 1, "eight concurrent runs charge acme once");
    let again = billing::run_cycle(&app.db, &BuiltInProcessor, "http://localhost", period)
        .await
        .unwrap();
    assert_eq!(
        (again.succeeded, again.failed, again.already_billed),
        (0, 0, 1)
    );

    let (status, body) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/billing/payments",
        &t.billing_manager,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let payments: Vec<_> = body["payments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["period"] == "2031-01")
        .collect();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["status"], "succeeded");
    assert_eq!(payments[0]["amountCents"], 4500);
    assert_eq!(payments[0]["currency"], "USD");
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/orgs/acme/billing/payments",
        &t.member,
        None,
    )
    .await;
    assert_eq!(status, 403);
}

async fn declined_and_missing_cards_are_recorded_as_failed_payments(app: TestApp) {
    // A new organization has no card on file (the demo's has the test card).
    let admin = crate::helpers::org_with_admin(&app, "globex", "team").await;
    let period = Period::parse("2031-09").unwrap();
    let report = billing::run_cycle(&app.db, &BuiltInProcessor, "http://localhost", period)
        .await
        .unwrap();
    assert_eq!(report.failed, 1, "no card on file: {report:?}");
    api(
        &app,
        Method::PUT,
        "/api/orgs/globex/billing/payment-method",
        &admin,
        Some(card("4000 0000 0000 0002")),
    )
    .await;
    billing::run_cycle(
        &app.db,
        &BuiltInProcessor,
        "http://localhost",
        period.next(),
    )
    .await
    .unwrap();
    let (_, body) = api(
        &app,
        Method::GET,
        "/api/orgs/globex/billing/payments",
        &admin,
        None,
    )
    .await;
    let payments = body["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 2);
    assert!(payments.iter().all(|p| p["status"] == "failed"), "{body}");
    assert!(payments[0]["failure"]
        .as_str()
        .unwrap()
        .contains("declined"));
    assert!(payments[1]["failure"]
        .as_str()
        .unwrap()
        .contains("no payment method"));
    let (_, log) = api(
        &app,
        Method::GET,
        "/api/orgs/globex/auditlogs?event=payment.failed",
        &admin,
        None,
    )
    .await;
    assert_eq!(log["auditLogEvents"].as_array().unwrap().len(), 2);
}
