//! Settings → Billing & usage: subscription, payment method, payments and billing managers.

use crate::api::{
    load_billing, ChangeEdition, InviteByEmail, InviteLink, LoadUsage, RemoveBillingManager,
    ResendInvite, RevokeInvite, UpdateCard,
};
use crate::components::dialog::{self, Dialog, DialogRef, RowMenu};
use crate::components::invitations::{CopyInviteLink, InvitationsTable, InviteDialog};
use crate::components::settings_nav::{SettingsNav, Tab};
use crate::components::stripe_card::{AuthenticatePayment, StripeCardForm};
use crate::components::usage_chart::UsageChart;
use crate::model::{BillingPage, CardEntry, Page, UsageView};
use crate::ui::{
    any_error, field_error, form_error, format_date, format_money, href_with, ErrorPanel,
    ErrorText, MoreNote, NextPage, SubmitButton,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use purser_core::billing::PaymentStatus;
use purser_core::navigation::OrgPage;
use purser_core::permissions::allows;
use purser_core::usage::{Granularity, LOOKBACK_CHOICES};
use purser_core::{Action, Edition, InvitedRole, Role, Surface};

/// The actions of the page, created once so the page data reloads after each.
#[derive(Clone, Copy)]
struct Actions {
    invite: ServerAction<InviteByEmail>,
    link: ServerAction<InviteLink>,
    resend: ServerAction<ResendInvite>,
    revoke: ServerAction<RevokeInvite>,
    remove: ServerAction<RemoveBillingManager>,
    card: ServerAction<UpdateCard>,
    edition: ServerAction<ChangeEdition>,
    /// With Stripe: counts what was recorded after a step in Stripe.js (a card
    /// confirmed in Stripe's fields, a payment authenticated), so the page reloads.
    stripe: RwSignal<u32>,
}

#[component]
pub fn BillingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let actions = Actions {
        invite: ServerAction::new(),
        link: ServerAction::new(),
        resend: ServerAction::new(),
        revoke: ServerAction::new(),
        remove: ServerAction::new(),
        card: ServerAction::new(),
        edition: ServerAction::new(),
        stripe: RwSignal::new(0),
    };
    let page = Resource::new(
        move || {
            (
                params.read().get("org").unwrap_or_default(),
                query.read().get("after"),
                query.read().get("invites_after"),
                actions.invite.version().get(),
                actions.link.version().get(),
                actions.resend.version().get(),
                actions.revoke.version().get(),
                actions.remove.version().get(),
                (
                    actions.card.version().get(),
                    actions.edition.version().get(),
                    actions.stripe.get(),
                ),
            )
        },
        |(org, after, invites_after, ..)| load_billing(org, after, invites_after),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <BillingView page actions/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn BillingView(page: BillingPage, actions: Actions) -> impl IntoView {
    let role = page.org.role;
    let org = page.org.name.clone();
    let details = allows(role, Action::BillingManagersViewDetails, Surface::Ui);
    // Each list's next-page link keeps where the other stands.
    let query = use_query_map();
    let here = OrgPage::Billing.href(&org);
    let managers_path = href_with(
        &here,
        &[("invites_after", query.read_untracked().get("invites_after"))],
    );
    let invitations_path = href_with(&here, &[("after", query.read_untracked().get("after"))]);
    view! {
        <SettingsNav org=page.org.clone() current=Tab::Billing/>
        <h1>"Billing & usage"</h1>
        <p class="muted" data-testid="member-count">
            {format!("{} {} · billing managers are not counted as members.", page.count.members, if page.count.members == 1 { "member" } else { "members" })}
        </p>
        {page.usage.clone().map(|u| view! { <UsageSection org=org.clone() usage=u members=page.count.members/> })}
        {page.subscription.clone().map(|s| view! { <SubscriptionSection org=org.clone() role subscription=s action=actions.edition/> })}
        {page.card.clone().map(|c| view! { <PaymentMethodSection org=org.clone() role section=c actions/> })}
        {page.payments.clone().map(|p| {
            let entry = page.card.as_ref().map(|c| c.entry.clone()).unwrap_or(CardEntry::Form);
            view! { <PaymentsSection org=org.clone() role entry payments=p changed=actions.stripe/> }
        })}
        <section class="card" aria-labelledby="billing-managers-title">
            <div class="section-head">
                <h2 id="billing-managers-title">"Billing managers"</h2>
                {allows(role, Action::BillingManagersInvite, Surface::Ui).then(|| {
                    let org = org.clone();
                    view! {
                        <div class="buttons">
                            <InviteDialog org=org.clone() role=InvitedRole::BillingManager action=actions.invite/>
                            <CopyInviteLink org role=InvitedRole::BillingManager action=actions.link/>
                        </div>
                    }
                })}
            </div>
            <p class="muted">
                "Billing managers manage the credit card, subscription and payments, and see usage, without access to stacks, policies, tokens, audit logs or settings. "
                {page.org.edition.billing_manager_limit().map(|n| format!("The {} edition allows {n} at a time.", page.org.edition.label()))}
            </p>
            <p class="count" data-testid="billing-manager-count">
                <strong>{page.count.billing_managers}</strong>
                {if page.count.billing_managers == 1 { " billing manager" } else { " billing managers" }}
            </p>
            {if details {
                view! { <ManagersTable page=page.clone() actions/> }.into_any()
            } else {
                view! { <NamesOnly page=page.clone()/> }.into_any()
            }}
            <NextPage path=managers_path next=page.billing_managers.next.clone() what="billing managers"/>
            {page.invitations.clone().map(|list| view! {
                <h3>"Pending invitations"</h3>
                <InvitationsTable org=org.clone() invitations=list resend=actions.resend revoke=actions.revoke testid="bm-invitations" path=invitations_path.clone()/>
            })}
        </section>
    }
}

/// What a billing manager sees: the other billing managers' names, nothing more.
#[component]
fn NamesOnly(page: BillingPage) -> impl IntoView {
    view! {
        <ul class="names" data-testid="billing-managers">
            {page.billing_managers.items.into_iter().map(|b| view! { <li>{b.name}</li> }).collect_view()}
        </ul>
    }
}

#[component]
fn ManagersTable(page: BillingPage, actions: Actions) -> impl IntoView {
    let confirm: DialogRef = NodeRef::new();
    let target = RwSignal::new((String::new(), String::new()));
    let org = page.org.name.clone();
    let removed = actions.remove.value();
    Effect::new(move |_| {
        if let Some(Ok(())) = removed.get() {
            dialog::close(confirm);
        }
    });
    let rows = page.billing_managers.items;
    view! {
        {if rows.is_empty() {
            view! { <p class="muted" data-testid="billing-managers">"No billing managers yet."</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="billing-managers">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Accepted"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|b| {
                            let name = b.name.clone();
                            let id = b.user_id.clone().unwrap_or_default();
                            view! {
                                <tr>
                                    <td>{b.name.clone()}</td>
                                    <td>{b.email.clone().unwrap_or_default()}</td>
                                    <td>{b.accepted_at.map(format_date).unwrap_or_default()}</td>
                                    <td class="actions">
                                        <RowMenu label=format!("Actions for {name}")>
                                                <button type="button" class="link danger" on:click=move |_| {
                                                    target.set((id.clone(), name.clone()));
                                                    dialog::open(confirm);
                                                }>"Remove Billing Manager"</button>
                                        </RowMenu>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <Dialog node_ref=confirm id="remove-billing-manager" title="Remove billing manager?">
            <p>{move || format!("{} will lose access to this organization's billing at once.", target.get().1)}</p>
            <ActionForm action=actions.remove>
                <input type="hidden" name="org" value=org/>
                <input type="hidden" name="user_id" prop:value=move || target.get().0/>
                <ErrorText message=Signal::derive(any_error(removed))/>
                <div class="dialog-actions">
                    <button type="button" class="secondary" on:click=move |_| dialog::close(confirm)>"Cancel"</button>
                    <SubmitButton pending=actions.remove.pending() label="Remove Billing Manager" class="danger"/>
                </div>
            </ActionForm>
        </Dialog>
    }
}

#[component]
fn SubscriptionSection(
    org: String,
    role: Role,
    subscription: crate::model::SubscriptionView,
    action: ServerAction<ChangeEdition>,
) -> impl IntoView {
    let s = subscription;
    let may_update = allows(role, Action::SubscriptionUpdate, Surface::Ui);
    let current = s.edition;
    view! {
        <section class="card" aria-labelledby="subscription-title" data-testid="subscription">
            <h2 id="subscription-title">"Subscription"</h2>
            <p>
                <strong>{format!("{} edition", s.edition.label())}</strong>
                {format!(" · {} · current period {} to {}", s.status, format_date(s.period_start), format_date(s.period_end))}
            </p>
            <p class="muted">
                {format!(
                    "{} per member per month × {} member(s) = {} per month. Billing managers are free.",
                    format_money(s.price_per_member_cents, &s.currency),
                    s.members,
                    format_money(s.monthly_amount_cents, &s.currency)
                )}
            </p>
            {may_update.then(|| view! {
                <ActionForm action attr:class="row">
                    <input type="hidden" name="org" value=org/>
                    <label for="edition">"Edition"</label>
                    <select id="edition" name="edition">
                        {Edition::ALL.into_iter().map(|e| view! { <option value=e.as_str() selected=e == current>{e.label()}</option> }).collect_view()}
                    </select>
                    <SubmitButton pending=action.pending() label="Change edition" class="secondary"/>
                </ActionForm>
                <ErrorText message=Signal::derive(any_error(action.value()))/>
            })}
        </section>
    }
}

#[component]
fn PaymentMethodSection(
    org: String,
    role: Role,
    section: crate::model::PaymentMethodSection,
    actions: Actions,
) -> impl IntoView {
    let (card, entry) = (section.card, section.entry);
    let action = actions.card;
    let node: DialogRef = NodeRef::new();
    let value = action.value();
    Effect::new(move |_| {
        if let Some(Ok(())) = value.get() {
            dialog::close(node);
        }
    });
    // Stripe's fields are mounted the first time the dialog opens.
    let opened = RwSignal::new(false);
    let may_update = allows(role, Action::CreditCardUpdate, Surface::Ui);
    view! {
        <section class="card" aria-labelledby="payment-method-title">
            <div class="section-head">
                <h2 id="payment-method-title">"Payment method"</h2>
                {may_update.then(|| view! { <button type="button" on:click=move |_| { opened.set(true); dialog::open(node) }>"Update credit card"</button> })}
            </div>
            <p data-testid="payment-method">
                {match card {
                    Some(c) => format!("{} ending in {} · expires {:02}/{} · {}", c.brand.label(), c.last4, c.exp_month, c.exp_year, c.holder),
                    None => "No credit card on file.".to_owned(),
                }}
            </p>
            {(entry == CardEntry::Form).then(|| view! {
                <p class="muted" data-testid="test-processor">
                    "Test processor: this Purser charges cards with its built-in test processor, which moves no money (the card 4000 0000 0000 0002 is always declined). Its operator can connect Stripe."
                </p>
            })}
            <Dialog node_ref=node id="update-card" title="Update credit card">
                {match entry {
                    CardEntry::Stripe { publishable_key, js_url } => view! {
                        <StripeCardForm org publishable_key js_url open=opened changed=actions.stripe close=Callback::new(move |_| dialog::close(node))/>
                    }.into_any(),
                    CardEntry::Form => view! {
                        <ActionForm action>
                            <input type="hidden" name="org" value=org/>
                            <label for="card-holder">"Cardholder name"</label>
                            <input id="card-holder" name="holder" autocomplete="cc-name" required=true/>
                            <ErrorText message=Signal::derive(field_error(value, "holder"))/>
                            <label for="card-number">"Card number"</label>
                            <input id="card-number" name="number" inputmode="numeric" autocomplete="cc-number" required=true/>
                            <ErrorText message=Signal::derive(field_error(value, "number"))/>
                            <div class="row-fields">
                                <div>
                                    <label for="card-expiry">"Expiry (MM/YY)"</label>
                                    <input id="card-expiry" name="expiry" autocomplete="cc-exp" placeholder="MM/YY" required=true/>
                                    <ErrorText message=Signal::derive(field_error(value, "expiry"))/>
                                </div>
                                <div>
                                    <label for="card-cvc">"CVC"</label>
                                    <input id="card-cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required=true/>
                                    <ErrorText message=Signal::derive(field_error(value, "cvc"))/>
                                </div>
                            </div>
                            <ErrorText message=Signal::derive(form_error(value))/>
                            <p class="hint">"The card number goes to the payment processor; Purser keeps only the brand, the last four digits, the expiry and the name."</p>
                            <div class="dialog-actions">
                                <button type="button" class="secondary" on:click=move |_| dialog::close(node)>"Cancel"</button>
                                <SubmitButton pending=action.pending() label="Save card"/>
                            </div>
                        </ActionForm>
                    }.into_any(),
                }}
            </Dialog>
        </section>
    }
}

#[component]
fn PaymentsSection(
    org: String,
    role: Role,
    entry: CardEntry,
    payments: Page<crate::model::PaymentView>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    // Who may complete a payment's authentication: whoever may update the card, and
    // only with Stripe (the built-in processor never asks).
    let stripe = match entry {
        CardEntry::Stripe {
            publishable_key,
            js_url,
        } if allows(role, Action::CreditCardUpdate, Surface::Ui) => Some((publishable_key, js_url)),
        _ => None,
    };
    let (more, shown) = (payments.more(), payments.items.len());
    let payments = payments.items;
    view! {
        <section class="card" id="payments" aria-labelledby="payments-title">
            <h2 id="payments-title">"Payments"</h2>
            {if payments.is_empty() {
                view! { <p class="muted" data-testid="payments">"No payments yet. Purser charges the card on file once a month."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="payments">
                        <thead><tr><th scope="col">"Date"</th><th scope="col">"Description"</th><th scope="col">"Amount"</th><th scope="col">"Status"</th></tr></thead>
                        <tbody>
                            {payments.into_iter().map(|p| {
                                let status = p.status.parse::<PaymentStatus>().ok();
                                let failed = status == Some(PaymentStatus::Failed);
                                let label = status.map_or(p.status.clone(), |s| s.label().to_owned());
                                let authenticate = (status == Some(PaymentStatus::RequiresAction)).then(|| stripe.clone()).flatten().map(|(publishable_key, js_url)| view! {
                                    <AuthenticatePayment org=org.clone() payment=p.id.clone() publishable_key js_url changed/>
                                });
                                view! {
                                <tr>
                                    <td>{format_date(p.created_at)}</td>
                                    <td>{p.description}</td>
                                    <td>{format_money(p.amount_cents, &p.currency)}</td>
                                    <td class:error-text=failed>
                                        {match p.failure { Some(f) => format!("{label}: {f}"), None => label }}
                                        {authenticate}
                                    </td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <MoreNote more shown what="payments"/>
        </section>
    }
    .into_any()
}

/// Usage: the resource and member counts, and resources under management over a
/// chosen lookback, by day or month. Changing either choice loads that summary.
#[component]
fn UsageSection(org: String, usage: UsageView, members: u64) -> impl IntoView {
    let shown = RwSignal::new(usage);
    let load = ServerAction::<LoadUsage>::new();
    Effect::new(move |_| {
        if let Some(Ok(v)) = load.value().get() {
            shown.set(v);
        }
    });
    let choose = move |granularity: Option<Granularity>, days: Option<i64>| {
        let now = shown.get_untracked();
        load.dispatch(LoadUsage {
            org: org.clone(),
            granularity: granularity.unwrap_or(now.granularity),
            lookback_days: days.unwrap_or(now.lookback_days),
        });
    };
    let choose_days = choose.clone();
    view! {
        <section class="card" aria-labelledby="usage-title">
            <h2 id="usage-title">"Usage"</h2>
            <div class="stats">
                <p><strong data-testid="resource-count">{move || shown.with(|u| u.current_resources)}</strong>" resources under management"</p>
                <p><strong>{members}</strong>" members"</p>
                <p><strong>{move || shown.with(|u| u.buckets.iter().map(|b| b.resource_hours).sum::<i64>().to_string())}</strong>
                    {move || format!(" resource-hours in {} days", shown.with(|u| u.lookback_days))}</p>
            </div>
            <div class="row chart-controls">
                <label for="usage-granularity">"Show by"</label>
                <select id="usage-granularity" on:change=move |ev| choose(event_target_value(&ev).parse().ok(), None)
                    prop:value=move || shown.with(|u| u.granularity.as_str())>
                    <option value="day">"Day"</option>
                    <option value="month">"Month"</option>
                </select>
                <label for="usage-lookback">"Period"</label>
                <select id="usage-lookback" on:change=move |ev| choose_days(None, event_target_value(&ev).parse().ok())
                    prop:value=move || shown.with(|u| u.lookback_days.to_string())>
                    {LOOKBACK_CHOICES.into_iter().map(|d| view! { <option value=d.to_string()>{format!("Last {d} days")}</option> }).collect_view()}
                </select>
                <span class="muted" aria-live="polite">{move || load.pending().get().then_some("Loading…")}</span>
            </div>
            <ErrorText message=Signal::derive(any_error(load.value()))/>
            {move || {
                let u = shown.get();
                view! { <UsageChart buckets=u.buckets granularity=u.granularity/> }
            }}
        </section>
    }
}
