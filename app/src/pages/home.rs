//! The start page: your organizations, or an introduction when signed out.

use crate::api::{my_invitations, AcceptInvitation, ResendVerification};
use crate::model::{Me, MyInvitation};
use crate::ui::{any_error, format_date, use_soft_navigate, ErrorPanel, ErrorText, SubmitButton};
use crate::MeResource;
use leptos::prelude::*;
use purser_core::navigation::home_for;
use purser_core::Role;

#[component]
pub fn Home() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => view! { <Dashboard me/> }.into_any(),
                    Ok(None) => view! { <Welcome/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Purser"</h1>
            <p class="lead">
                "Your organization's console: members, billing, and billing managers who can pay the bills "
                "without ever seeing your stacks, policies or tokens."
            </p>
            <p>
                <a class="button" href="/signup">"Create an account"</a>
                " "
                <a href="/signin">"Sign in"</a>
            </p>
        </section>
    }
}

#[component]
fn Dashboard(me: Me) -> impl IntoView {
    let verified = me.email_verified;
    view! {
        {(!verified).then(|| view! { <VerifyBanner email=me.email.clone()/> })}
        {verified.then(|| view! { <MyInvitations/> })}
        <section>
            <div class="section-head">
                <h1>"Your organizations"</h1>
                <a class="button" href="/orgs/new">"New organization"</a>
            </div>
            {if me.orgs.is_empty() {
                view! { <p class="muted">"You do not belong to any organization yet. Create one, or accept an invitation."</p> }.into_any()
            } else {
                view! {
                    <ul class="org-list">
                        {me.orgs
                            .into_iter()
                            .map(|o| view! {
                                <li class="card">
                                    <a href=crate::ui::org_home(&o)>{o.display_name.clone()}</a>
                                    <span class="muted">" /" {o.name.clone()}</span>
                                    <span class="badge">{o.role.label()}</span>
                                    <span class="badge subtle">{o.edition.label()}</span>
                                </li>
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

/// The email invitations waiting for the account's address, each accepted with a
/// button: whoever lost the email (or was invited before signing up) finds them here.
#[component]
fn MyInvitations() -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let list = Resource::new(move || accept.version().get(), |_| my_invitations());
    let go = use_soft_navigate();
    Effect::new(move |_| {
        if let Some(Ok((org, role))) = accept.value().get() {
            go(&home_for(role).href(&org));
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let invitations = list.await.unwrap_or_default();
                (!invitations.is_empty()).then(|| view! {
                    <section class="card" aria-labelledby="my-invitations-title" data-testid="my-invitations">
                        <h2 id="my-invitations-title">"Invitations"</h2>
                        <ul class="invitation-list">
                            {invitations.into_iter().map(|i| view! { <InvitationItem invitation=i accept/> }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Transition>
        // Outside the list: a refusal stays readable when the list comes back empty.
        <ErrorText message=Signal::derive(any_error(accept.value()))/>
    }
}

#[component]
fn InvitationItem(
    invitation: MyInvitation,
    accept: ServerAction<AcceptInvitation>,
) -> impl IntoView {
    let role = match invitation.role {
        Role::BillingManager => "a billing manager",
        _ => "a member",
    };
    let sent = match &invitation.sent_by {
        Some(name) => format!("Sent by {name} on {}", format_date(invitation.sent_at)),
        None => format!("Sent on {}", format_date(invitation.sent_at)),
    };
    view! {
        <li>
            <p>
                <strong>{invitation.org_display_name.clone()}</strong>
                {format!(" invites you to join as {role}. ")}
                <span class="muted">{sent}</span>
            </p>
            <ActionForm action=accept attr:class="inline">
                <input type="hidden" name="org" value=invitation.org_name/>
                <input type="hidden" name="id" value=invitation.id/>
                <SubmitButton pending=accept.pending() label="Accept"
                    aria_label=format!("Accept the invitation to join {}", invitation.org_display_name)/>
            </ActionForm>
        </li>
    }
}

/// Asks an account to verify its address, with a button that sends the link again.
#[component]
pub fn VerifyBanner(email: String) -> impl IntoView {
    let resend = ServerAction::<ResendVerification>::new();
    let sent = move || matches!(resend.value().get(), Some(Ok(())));
    view! {
        <div class="banner" role="status" data-testid="verify-banner">
            <p>
                "We sent a verification link to " <strong>{email}</strong>
                ". Open it to verify your email address before you create or join an organization."
            </p>
            <ActionForm action=resend attr:class="inline">
                <button type="submit" class="link" disabled=sent>
                    {move || if sent() { "Sent again" } else { "Send the link again" }}
                </button>
            </ActionForm>
            <ErrorText message=Signal::derive(any_error(resend.value()))/>
        </div>
    }
}
