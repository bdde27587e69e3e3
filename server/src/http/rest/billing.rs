//! Billing: the payment method, the subscription and the payments.

use super::wire::{ApiJson, ApiQuery, ListQuery};
use crate::http::org_ctx::OrgCtx;
use axum::extract::State;
use axum::Json;
use purser_core::billing::CardInput;
use purser_core::error::ErrorBody;
use purser_core::views::{CardView, PaymentView, SubscriptionView};
use purser_core::Edition;
use purser_services::billing;
use purser_services::error::{Error, Result};
use purser_services::state::AppState;
use purser_services::storage::db::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's routes, each documented by its handler's `#[utoipa::path]`.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_payment_method, put_payment_method))
        .routes(routes!(get_subscription, patch_subscription))
        .routes(routes!(list_payments))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethodView {
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: i32,
    pub holder: String,
    pub updated: String,
}

impl From<CardView> for PaymentMethodView {
    fn from(m: CardView) -> Self {
        PaymentMethodView {
            brand: m.brand.as_str().to_owned(),
            last4: m.last4,
            exp_month: m.exp_month,
            exp_year: m.exp_year,
            holder: m.holder,
            updated: rfc3339(m.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethodResponse {
    /// `null` until a card is on file.
    pub payment_method: Option<PaymentMethodView>,
}

/// The card on file: brand, last four digits, expiry and holder (admins, billing managers).
#[utoipa::path(get, path = "/api/orgs/{org}/billing/payment-method", tag = "billing",
    params(("org" = String, Path)),
    responses((status = 200, body = PaymentMethodResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn get_payment_method(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
) -> Result<Json<PaymentMethodResponse>> {
    let method = billing::payment_method(&state.db, &at).await?;
    Ok(Json(PaymentMethodResponse {
        payment_method: method.map(Into::into),
    }))
}

/// Replaces the card on file. The number and CVC go to the payment processor only.
#[utoipa::path(put, path = "/api/orgs/{org}/billing/payment-method", tag = "billing", request_body = CardInput,
    params(("org" = String, Path)),
    responses((status = 200, body = PaymentMethodResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "The payment processor refused the card."), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn put_payment_method(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(card): ApiJson<CardInput>,
) -> Result<Json<PaymentMethodResponse>> {
    let processor = state.processor.as_ref();
    let method = billing::update_payment_method(&state.db, processor, &at, &card).await?;
    Ok(Json(PaymentMethodResponse {
        payment_method: Some(method.into()),
    }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionResponse {
    #[schema(value_type = String)]
    pub edition: Edition,
    pub status: String,
    pub current_period_start: String,
    pub current_period_end: String,
    pub price_per_member_cents: i64,
    pub member_count: u64,
    pub monthly_amount_cents: i64,
    pub currency: String,
}

impl From<SubscriptionView> for SubscriptionResponse {
    fn from(s: SubscriptionView) -> Self {
        SubscriptionResponse {
            edition: s.edition,
            status: s.status,
            current_period_start: rfc3339(s.period_start),
            current_period_end: rfc3339(s.period_end),
            price_per_member_cents: s.price_per_member_cents,
            member_count: s.members,
            monthly_amount_cents: s.monthly_amount_cents,
            currency: s.currency,
        }
    }
}

/// The subscription: edition, status, current period and price (admins, billing managers).
#[utoipa::path(get, path = "/api/orgs/{org}/billing/subscription", tag = "billing",
    params(("org" = String, Path)),
    responses((status = 200, body = SubscriptionResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn get_subscription(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
) -> Result<Json<SubscriptionResponse>> {
    let subscription = billing::subscription(&state.db, &at).await?;
    Ok(Json(subscription.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionRequest {
    /// `team`, `enterprise` or `business-critical`.
    pub edition: String,
}

/// Changes the edition; to Team only with at most one billing manager (`409` says how many to remove).
#[utoipa::path(patch, path = "/api/orgs/{org}/billing/subscription", tag = "billing", request_body = SubscriptionRequest,
    params(("org" = String, Path)),
    responses((status = 200, body = SubscriptionResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn patch_subscription(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiJson(body): ApiJson<SubscriptionRequest>,
) -> Result<Json<SubscriptionResponse>> {
    let edition: Edition =
        body.edition
            .parse()
            .map_err(|e: purser_core::edition::UnknownEdition| {
                Error::Invalid(purser_core::ValueError {
                    field: "edition",
                    message: e.to_string(),
                })
            })?;
    billing::change_edition(&state.db, &at, edition).await?;
    // Read again: the answer shows the new edition.
    let mut at = at;
    at.access.org = purser_services::orgs::find(&state.db, &at.access.org.name)
        .await?
        .ok_or_else(|| Error::org_not_found(&at.access.org.name))?;
    let subscription = billing::subscription(&state.db, &at).await?;
    Ok(Json(subscription.into()))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentResponse {
    pub id: String,
    pub period: String,
    pub date: String,
    pub description: String,
    pub amount_cents: i64,
    pub currency: String,
    /// `processing`, `succeeded`, `failed`, or `requires_action` (the card holder must
    /// authenticate the payment: 3-D Secure, with Stripe).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentsResponse {
    pub payments: Vec<PaymentResponse>,
    /// Where the next (older) page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

impl From<PaymentView> for PaymentResponse {
    fn from(p: PaymentView) -> Self {
        PaymentResponse {
            id: p.id,
            period: p.period,
            date: rfc3339(p.created_at),
            description: p.description,
            amount_cents: p.amount_cents,
            currency: p.currency,
            status: p.status,
            failure: p.failure,
        }
    }
}

/// Payment history, newest first (admins, billing managers).
#[utoipa::path(get, path = "/api/orgs/{org}/billing/payments", tag = "billing",
    params(("org" = String, Path), ListQuery),
    responses((status = 200, body = PaymentsResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list_payments(
    State(state): State<AppState>,
    OrgCtx(at): OrgCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PaymentsResponse>> {
    let page = billing::payments(&state.db, &at, q.ask(&state.cursors)).await?;
    Ok(Json(PaymentsResponse {
        payments: page.items.into_iter().map(Into::into).collect(),
        continuation_token: page.next,
    }))
}
