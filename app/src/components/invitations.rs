//! Inviting people: the invite dialog, the copy-link button and the table of pending
//! invitations, shared by Settings → Members and Settings → Billing & usage.

use super::dialog::{self, Dialog, DialogRef, RowMenu};
use crate::api::{InviteByEmail, InviteLink, ResendInvite, RevokeInvite};
use crate::model::PendingInvitations;
use crate::ui::{any_error, format_date, ErrorText, NextPage, SubmitButton};
use leptos::prelude::*;
use purser_core::{InvitationKind, InvitedRole};

/// "Invite Billing Managers" / "Invite members": a button and its dialog.
#[component]
pub fn InviteDialog(
    org: String,
    role: InvitedRole,
    action: ServerAction<InviteByEmail>,
) -> impl IntoView {
    let node: DialogRef = NodeRef::new();
    let (button, title, id) = match role {
        InvitedRole::BillingManager => (
            "Invite Billing Managers",
            "Invite billing managers",
            "invite-billing-managers",
        ),
        InvitedRole::Member => ("Invite members", "Invite members", "invite-members"),
    };
    let value = action.value();
    Effect::new(move |_| {
        if let Some(Ok(_)) = value.get() {
            dialog::close(node);
        }
    });
    view! {
        <button type="button" on:click=move |_| dialog::open(node)>{button}</button>
        <Dialog node_ref=node id=id title=title>
            <ActionForm action>
                <input type="hidden" name="org" value=org/>
                <input type="hidden" name="role" value=role.as_str()/>
                <label for=format!("{id}-emails")>"Email addresses"</label>
                <textarea id=format!("{id}-emails") name="emails" rows="4" required=true
                    placeholder="ada@example.com, grace@example.com" aria-describedby=format!("{id}-hint")></textarea>
                <p class="hint" id=format!("{id}-hint")>
                    "Separate addresses with commas or new lines. Each person gets an email with a link that works once and never expires."
                </p>
                <ErrorText message=Signal::derive(any_error(value))/>
                <div class="dialog-actions">
                    <button type="button" class="secondary" on:click=move |_| dialog::close(node)>"Cancel"</button>
                    <SubmitButton pending=action.pending() label="Send invitations"/>
                </div>
            </ActionForm>
        </Dialog>
    }
}

/// "Copy … invite link": creates a new single-use link, copies it, and shows it too in
/// case the clipboard is unavailable.
#[component]
pub fn CopyInviteLink(
    org: String,
    role: InvitedRole,
    action: ServerAction<InviteLink>,
) -> impl IntoView {
    let label = match role {
        InvitedRole::BillingManager => "Copy Billing Manager invite link",
        InvitedRole::Member => "Copy member invite link",
    };
    let value = action.value();
    let copied = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(url)) = value.get() {
            copy_to_clipboard(&url, copied);
        }
    });
    let org_for_click = org.clone();
    view! {
        <button type="button" class="secondary" on:click=move |_| {
            copied.set(false);
            action.dispatch(InviteLink { org: org_for_click.clone(), role });
        }>{label}</button>
        <ErrorText message=Signal::derive(any_error(value))/>
        {move || value.get().and_then(|r| r.ok()).map(|url| view! {
            <div class="banner" role="status">
                <p>
                    {move || if copied.get() { "Copied to your clipboard. " } else { "Copy this link: " }}
                    "Anyone with it can accept once; it never expires."
                </p>
                <label for="invite-link" class="visually-hidden">"Invite link"</label>
                <input id="invite-link" class="secret" readonly=true value=url data-testid="invite-link"/>
            </div>
        })}
    }
}

pub(crate) fn copy_to_clipboard(text: &str, copied: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let promise = window.navigator().clipboard().write_text(text);
        leptos::task::spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                copied.set(true);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (text, copied);
}

/// The pending invitations, with the status of each and a ⋯ menu to resend or revoke.
#[component]
pub fn InvitationsTable(
    org: String,
    invitations: PendingInvitations,
    resend: ServerAction<ResendInvite>,
    revoke: ServerAction<RevokeInvite>,
    #[prop(into)] testid: String,
    /// The page's path, keeping where its other list stands; the link to the next page
    /// of invitations adds `invites_after`.
    path: String,
) -> impl IntoView {
    let PendingInvitations {
        items: invitations,
        total,
        next,
    } = invitations;
    if invitations.is_empty() {
        // A later page can empty (its invitations revoked or accepted) while older
        // pages still hold some.
        return match total {
            0 => view! { <p class="muted" data-testid=testid>"No pending invitations."</p> }
                .into_any(),
            n => view! {
                <p class="muted" data-testid=testid>
                    {format!("No more pending invitations on this page ({n} in all). ")}
                    <a href=path>"The newest invitations"</a>
                </p>
            }
            .into_any(),
        };
    }
    view! {
        <p class="muted" data-testid="pending-invitation-count">
            {match total {
                1 => "1 pending invitation".to_owned(),
                n => format!("{n} pending invitations, newest first"),
            }}
        </p>
        <table class="table" data-testid=testid>
            <thead>
                <tr>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Sent by"</th>
                    <th scope="col">"Sent"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {invitations
                    .into_iter()
                    .map(|i| {
                        let who = i.email.clone().unwrap_or_else(|| "Invite link".to_owned());
                        let is_email = i.kind == InvitationKind::Email;
                        let status = match (i.last_error, i.last_error_at) {
                            (Some(e), at) => format!(
                                "Pending · last attempt failed{}: {e}",
                                at.map(|t| format!(" on {}", format_date(t))).unwrap_or_default()
                            ),
                            (None, _) => "Pending".to_owned(),
                        };
                        let failed = i.last_error.is_some();
                        let org = org.clone();
                        let id = i.id.clone();
                        view! {
                            <tr>
                                <td>{who.clone()}</td>
                                <td>{i.invited_by.clone().unwrap_or_default()}</td>
                                <td>{format_date(i.sent_at)}</td>
                                <td class:error-text=failed data-testid="invitation-status">{status}</td>
                                <td class="actions">
                                    <RowMenu label=format!("Actions for the invitation to {who}")>
                                            {is_email.then(|| {
                                                let (org, id) = (org.clone(), id.clone());
                                                view! {
                                                    <ActionForm action=resend>
                                                        <input type="hidden" name="org" value=org/>
                                                        <input type="hidden" name="id" value=id/>
                                                        <SubmitButton pending=resend.pending() label="Resend" class="link"/>
                                                    </ActionForm>
                                                }
                                            })}
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="org" value=org/>
                                                <input type="hidden" name="id" value=id/>
                                                <SubmitButton pending=revoke.pending() label="Revoke" class="link danger"/>
                                            </ActionForm>
                                    </RowMenu>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <NextPage path param="invites_after" next what="pending invitations"/>
    }
    .into_any()
}
