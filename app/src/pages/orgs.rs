//! Creating an organization, and Settings → Members.

use crate::api::{
    org_members, ChangeMemberRole, CreateOrg, InviteByEmail, InviteLink, RemoveMember,
    ResendInvite, RevokeInvite,
};
use crate::components::dialog::{self, Dialog, DialogRef, RowMenu};
use crate::components::invitations::{CopyInviteLink, InvitationsTable, InviteDialog};
use crate::components::settings_nav::{SettingsNav, Tab};
use crate::model::MembersPage as Members;
use crate::ui::{
    any_error, field_error, form_error, format_date, href_with, use_soft_navigate, ErrorPanel,
    ErrorText, NextPage, SubmitButton,
};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_params_map, use_query_map};
use purser_core::navigation::OrgPage;
use purser_core::permissions::allows;
use purser_core::{Action, Edition, InvitedRole, Role, Surface};

#[component]
pub fn NewOrgPage() -> impl IntoView {
    let action = ServerAction::<CreateOrg>::new();
    let go = use_soft_navigate();
    Effect::new(move |_| {
        if let Some(Ok(name)) = action.value().get() {
            go(&format!("/{name}/settings/members"));
        }
    });
    let value = action.value();
    view! {
        <section class="card narrow">
            <h1>"Create an organization"</h1>
            <ActionForm action>
                <label for="name">"URL name"</label>
                <input id="name" name="name" required=true placeholder="acme" aria-describedby="name-hint"/>
                <p class="hint" id="name-hint">"Letters, digits and single hyphens. It appears in addresses: /acme/settings."</p>
                <ErrorText message=Signal::derive(field_error(value, "name"))/>
                <label for="display_name">"Display name"</label>
                <input id="display_name" name="display_name" placeholder="Acme Corp"/>
                <ErrorText message=Signal::derive(field_error(value, "displayName"))/>
                <label for="edition">"Edition"</label>
                <select id="edition" name="edition">
                    {Edition::ALL
                        .into_iter()
                        .map(|e| view! { <option value=e.as_str()>{e.label()}</option> })
                        .collect_view()}
                </select>
                <p class="hint">{Edition::ALL.map(|e| e.billing_manager_allowance()).join("; ") + "."}</p>
                <ErrorText message=Signal::derive(field_error(value, "edition"))/>
                <ErrorText message=Signal::derive(form_error(value))/>
                <SubmitButton pending=action.pending() label="Create organization"/>
            </ActionForm>
        </section>
    }
}

/// `/{org}` goes to the page the caller's role opens the organization on.
#[component]
pub fn OrgHome() -> impl IntoView {
    let params = use_params_map();
    let org = params.read_untracked().get("org").unwrap_or_default();
    let me = expect_context::<crate::MeResource>();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let org = org.clone();
                Suspend::new(async move {
                    let entry = me.await.ok().flatten().and_then(|me| me.orgs.into_iter().find(|o| o.name == org));
                    let path = match entry {
                        Some(o) => crate::ui::org_home(&o),
                        None => format!("/{org}/settings/members"),
                    };
                    view! { <Redirect path/> }
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let invite = ServerAction::<InviteByEmail>::new();
    let link = ServerAction::<InviteLink>::new();
    let resend = ServerAction::<ResendInvite>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let actions = MemberActions {
        change_role: ServerAction::<ChangeMemberRole>::new(),
        remove: ServerAction::<RemoveMember>::new(),
    };
    follow_own_changes(actions);
    let page = Resource::new(
        move || {
            (
                params.read().get("org").unwrap_or_default(),
                query.read().get("after"),
                query.read().get("invites_after"),
                (
                    invite.version().get(),
                    link.version().get(),
                    resend.version().get(),
                    revoke.version().get(),
                    actions.change_role.version().get(),
                    actions.remove.version().get(),
                ),
            )
        },
        |(org, after, invites_after, _)| org_members(org, after, invites_after),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(members) => view! { <MembersView members invite link resend revoke actions/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MembersView(
    members: Members,
    invite: ServerAction<InviteByEmail>,
    link: ServerAction<InviteLink>,
    resend: ServerAction<ResendInvite>,
    revoke: ServerAction<RevokeInvite>,
    actions: MemberActions,
) -> impl IntoView {
    let role = members.org.role;
    let manage = allows(role, Action::MembersChangeRole, Surface::Ui)
        || allows(role, Action::MembersRemove, Surface::Ui);
    let show_emails = allows(role, Action::MembersViewEmails, Surface::Ui);
    let org = members.org.name.clone();
    let may_invite = allows(role, Action::MembersInvite, Surface::Ui);
    let target = MemberTarget::new();
    // Each list's next-page link keeps where the other stands.
    let query = use_query_map();
    let here = OrgPage::Members.href(&org);
    let members_path = href_with(
        &here,
        &[("invites_after", query.read_untracked().get("invites_after"))],
    );
    let invitations_path = href_with(&here, &[("after", query.read_untracked().get("after"))]);
    view! {
        <MemberDialogs org=org.clone() actions target/>
        <SettingsNav org=members.org.clone() current=Tab::Members/>
        <div class="section-head">
            <h1>"Members"</h1>
            <p class="count" data-testid="member-count">
                <strong>{members.count.members}</strong>
                {if members.count.members == 1 { " member" } else { " members" }}
            </p>
        </div>
        <p class="muted">
            "Billing managers are not counted as members. "
            {format!("You are {} of {} ({} edition).", article(role.label()), members.org.display_name, members.org.edition.label())}
        </p>
        <table class="table" data-testid="members-table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    {show_emails.then(|| view! { <th scope="col">"Email"</th> })}
                    <th scope="col">"Role"</th>
                    <th scope="col">"Joined"</th>
                    {manage.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                </tr>
            </thead>
            <tbody>
                {members
                    .members
                    .items
                    .into_iter()
                    .map(|m| view! {
                        <tr>
                            <td>
                                {m.name.clone().unwrap_or_default()}
                                {m.login.clone().map(|login| view! { <span class="login">{format!("@{login}")}</span> })}
                            </td>
                            {show_emails.then(|| view! { <td>{m.email.clone().unwrap_or_default()}</td> })}
                            <td><span class="badge">{m.role.label()}</span></td>
                            <td>{format_date(m.joined_at)}</td>
                            {manage.then(|| view! { <td class="actions"><MemberMenu member=m.clone() target/></td> })}
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
        <NextPage path=members_path next=members.members.next what="members"/>
        {may_invite.then(|| {
            let org = org.clone();
            view! {
                <section class="card" aria-labelledby="member-invitations-title">
                    <div class="section-head">
                        <h2 id="member-invitations-title">"Invitations"</h2>
                        <div class="buttons">
                            <InviteDialog org=org.clone() role=InvitedRole::Member action=invite/>
                            <CopyInviteLink org=org.clone() role=InvitedRole::Member action=link/>
                        </div>
                    </div>
                    <InvitationsTable org invitations=members.invitations.clone().unwrap_or_default() resend revoke testid="member-invitations" path=invitations_path/>
                </section>
            }
        })}
    }
}

/// A role change or removal may be your own: the header's organizations and roles are
/// fetched again after each, and once you have removed yourself the page (which
/// no longer opens for you) gives way to Home. Set up by the page, which outlives the
/// view that a failed reload replaces.
fn follow_own_changes(actions: MemberActions) {
    let me = expect_context::<crate::MeResource>();
    let (changed, removed) = (actions.change_role.version(), actions.remove.version());
    Effect::new(move |before: Option<(usize, usize)>| {
        let now = (changed.get(), removed.get());
        if before.is_some_and(|b| b != now) {
            me.refetch();
        }
        now
    });
    let params = use_params_map();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        let org = params.read().get("org").unwrap_or_default();
        let left = matches!(actions.remove.value().get(), Some(Ok(())))
            && matches!(me.get(), Some(Ok(Some(me))) if !me.orgs.iter().any(|o| o.name == org));
        if left {
            navigate("/", Default::default());
        }
    });
}

/// The server actions of a member's ⋯ menu.
#[derive(Clone, Copy)]
struct MemberActions {
    change_role: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
}

/// Whom the open dialog is about, and the two dialogs.
#[derive(Clone, Copy)]
struct MemberTarget {
    /// (user id, name, current role)
    who: RwSignal<(String, String, Role)>,
    change_role: DialogRef,
    remove: DialogRef,
}

impl MemberTarget {
    fn new() -> Self {
        MemberTarget {
            who: RwSignal::new((String::new(), String::new(), Role::Member)),
            change_role: NodeRef::new(),
            remove: NodeRef::new(),
        }
    }
}

/// A member row's ⋯ menu: make admin / make member, and remove; each confirmed in a dialog.
#[component]
fn MemberMenu(member: purser_core::MemberView, target: MemberTarget) -> impl IntoView {
    let Some(id) = member.user_id.clone() else {
        return ().into_any();
    };
    let name = member.name.clone().unwrap_or_default();
    let role = member.role;
    let (id2, name2) = (id.clone(), name.clone());
    let other = if role == Role::Admin {
        "Make member"
    } else {
        "Make admin"
    };
    view! {
        <RowMenu label=format!("Actions for {name}")>
                <button type="button" class="link" on:click=move |_| {
                    target.who.set((id.clone(), name.clone(), role));
                    dialog::open(target.change_role);
                }>{other}</button>
                <button type="button" class="link danger" on:click=move |_| {
                    target.who.set((id2.clone(), name2.clone(), role));
                    dialog::open(target.remove);
                }>"Remove from organization"</button>
        </RowMenu>
    }
    .into_any()
}

#[component]
fn MemberDialogs(org: String, actions: MemberActions, target: MemberTarget) -> impl IntoView {
    let changed = actions.change_role.value();
    let removed = actions.remove.value();
    Effect::new(move |_| {
        if let Some(Ok(())) = changed.get() {
            dialog::close(target.change_role);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = removed.get() {
            dialog::close(target.remove);
        }
    });
    let org_for_role = org.clone();
    let new_role = move || match target.who.get().2 {
        Role::Admin => Role::Member,
        _ => Role::Admin,
    };
    view! {
        <Dialog node_ref=target.change_role id="change-member-role" title="Change role?">
            <p>{move || {
                let (_, name, _) = target.who.get();
                match new_role() {
                    Role::Admin => format!("{name} will be an admin: every setting, billing and member of this organization."),
                    _ => format!("{name} will be a member: no longer able to change settings, billing or members."),
                }
            }}</p>
            <ActionForm action=actions.change_role>
                <input type="hidden" name="org" value=org_for_role/>
                <input type="hidden" name="user_id" prop:value=move || target.who.get().0/>
                <input type="hidden" name="role" prop:value=move || new_role().as_str()/>
                <ErrorText message=Signal::derive(any_error(changed))/>
                <div class="dialog-actions">
                    <button type="button" class="secondary" on:click=move |_| dialog::close(target.change_role)>"Cancel"</button>
                    <button type="submit" disabled=move || actions.change_role.pending().get()
                        aria-busy=move || actions.change_role.pending().get().then_some("true")>
                        {move || match new_role() { Role::Admin => "Make admin", _ => "Make member" }}
                    </button>
                </div>
            </ActionForm>
        </Dialog>
        <Dialog node_ref=target.remove id="remove-member" title="Remove from organization?">
            <p>{move || format!("{} will lose access to this organization at once, and leave its teams.", target.who.get().1)}</p>
            <ActionForm action=actions.remove>
                <input type="hidden" name="org" value=org/>
                <input type="hidden" name="user_id" prop:value=move || target.who.get().0/>
                <ErrorText message=Signal::derive(any_error(removed))/>
                <div class="dialog-actions">
                    <button type="button" class="secondary" on:click=move |_| dialog::close(target.remove)>"Cancel"</button>
                    <SubmitButton pending=actions.remove.pending() label="Remove" class="danger"/>
                </div>
            </ActionForm>
        </Dialog>
    }
}

fn article(label: &str) -> String {
    let first = label.chars().next().unwrap_or('x').to_ascii_lowercase();
    let a = if "aeiou".contains(first) { "an" } else { "a" };
    format!("{a} {}", label.to_lowercase())
}
