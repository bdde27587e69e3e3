//! Settings → Billing & usage: the billing managers (issue-3 scope: who manages billing).

use crate::api::{
    load_billing, InviteByEmail, InviteLink, RemoveBillingManager, ResendInvite, RevokeInvite,
};
use crate::components::dialog::{self, Dialog, DialogRef};
use crate::components::invitations::{CopyInviteLink, InvitationsTable, InviteDialog};
use crate::components::settings_nav::{SettingsNav, Tab};
use crate::model::BillingPage;
use crate::ui::{format_date, ErrorPanel, ErrorText};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use purser_core::permissions::allows;
use purser_core::{Action, Role, Surface};

/// The actions of the page, created once so the page data reloads after each.
#[derive(Clone, Copy)]
struct Actions {
    invite: ServerAction<InviteByEmail>,
    link: ServerAction<InviteLink>,
    resend: ServerAction<ResendInvite>,
    revoke: ServerAction<RevokeInvite>,
    remove: ServerAction<RemoveBillingManager>,
}

#[component]
pub fn BillingPage() -> impl IntoView {
    let params = use_params_map();
    let actions = Actions {
        invite: ServerAction::new(),
        link: ServerAction::new(),
        resend: ServerAction::new(),
        revoke: ServerAction::new(),
        remove: ServerAction::new(),
    };
    let page = Resource::new(
        move || {
            (
                params.read().get("org").unwrap_or_default(),
                actions.invite.version().get(),
                actions.link.version().get(),
                actions.resend.version().get(),
                actions.revoke.version().get(),
                actions.remove.version().get(),
            )
        },
        |(org, ..)| load_billing(org),
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
    view! {
        <SettingsNav org=page.org.clone() current=Tab::Billing/>
        <h1>"Billing & usage"</h1>
        <p class="muted" data-testid="member-count">
            {format!("{} {} · billing managers are not counted as members.", page.count.members, if page.count.members == 1 { "member" } else { "members" })}
        </p>
        <section class="card" aria-labelledby="billing-managers-title">
            <div class="section-head">
                <h2 id="billing-managers-title">"Billing managers"</h2>
                {allows(role, Action::BillingManagersInvite, Surface::Ui).then(|| {
                    let org = org.clone();
                    view! {
                        <div class="buttons">
                            <InviteDialog org=org.clone() role=Role::BillingManager action=actions.invite/>
                            <CopyInviteLink org role=Role::BillingManager action=actions.link/>
                        </div>
                    }
                })}
            </div>
            <p class="muted">
                "Billing managers manage the credit card, subscription and payments, and see usage, without access to stacks, policies, tokens, audit logs or settings. "
                {page.org.edition.billing_manager_limit().map(|n| format!("The {} edition allows {n} at a time.", page.org.edition.label()))}
            </p>
            {if details {
                view! { <ManagersTable page=page.clone() actions/> }.into_any()
            } else {
                view! { <NamesOnly page=page.clone()/> }.into_any()
            }}
            {page.invitations.clone().map(|list| view! {
                <h3>"Pending invitations"</h3>
                <InvitationsTable org=org.clone() invitations=list resend=actions.resend revoke=actions.revoke testid="bm-invitations"/>
            })}
        </section>
    }
}

/// What a billing manager sees: the other billing managers' names, nothing more.
#[component]
fn NamesOnly(page: BillingPage) -> impl IntoView {
    view! {
        <ul class="names" data-testid="billing-managers">
            {page.billing_managers.into_iter().map(|b| view! { <li>{b.name}</li> }).collect_view()}
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
    let rows = page.billing_managers;
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
                                        <details class="menu">
                                            <summary aria-label=format!("Actions for {name}")>"⋯"</summary>
                                            <div class="menu-items">
                                                <button type="button" class="link danger" on:click=move |_| {
                                                    target.set((id.clone(), name.clone()));
                                                    dialog::open(confirm);
                                                }>"Remove Billing Manager"</button>
                                            </div>
                                        </details>
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
                <ErrorText message=Signal::derive(move || match removed.get() {
                    Some(Err(e)) => Some(e.to_string()),
                    _ => None,
                })/>
                <div class="dialog-actions">
                    <button type="button" class="secondary" on:click=move |_| dialog::close(confirm)>"Cancel"</button>
                    <button type="submit" class="danger">"Remove Billing Manager"</button>
                </div>
            </ActionForm>
        </Dialog>
    }
}
