//! Creating an organization, and Settings → Members.

use crate::api::{org_members, CreateOrg, InviteByEmail, InviteLink, ResendInvite, RevokeInvite};
use crate::components::invitations::{CopyInviteLink, InvitationsTable, InviteDialog};
use crate::components::settings_nav::{SettingsNav, Tab};
use crate::model::MembersPage as Members;
use crate::ui::{field_error, form_error, format_date, hard_navigate, ErrorPanel, ErrorText};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_params_map, use_query_map};
use purser_core::permissions::allows;
use purser_core::{Action, Edition, InvitedRole, Surface};

#[component]
pub fn NewOrgPage() -> impl IntoView {
    let action = ServerAction::<CreateOrg>::new();
    Effect::new(move |_| {
        if let Some(Ok(name)) = action.value().get() {
            hard_navigate(&format!("/{name}/settings/members"));
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
                <p class="hint">"Team allows one billing manager; Enterprise and Business Critical allow any number."</p>
                <ErrorText message=Signal::derive(field_error(value, "edition"))/>
                <ErrorText message=Signal::derive(form_error(value))/>
                <button type="submit" disabled=move || action.pending().get()>"Create organization"</button>
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
    let page = Resource::new(
        move || {
            (
                params.read().get("org").unwrap_or_default(),
                query.read().get("after"),
                (
                    invite.version().get(),
                    link.version().get(),
                    resend.version().get(),
                    revoke.version().get(),
                ),
            )
        },
        |(org, after, _)| org_members(org, after),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(members) => view! { <MembersView members invite link resend revoke/> }.into_any(),
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
) -> impl IntoView {
    let role = members.org.role;
    let show_emails = allows(role, Action::MembersViewEmails, Surface::Ui);
    let org = members.org.name.clone();
    let may_invite = allows(role, Action::MembersInvite, Surface::Ui);
    view! {
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
                </tr>
            </thead>
            <tbody>
                {members
                    .members
                    .into_iter()
                    .map(|m| view! {
                        <tr>
                            <td>{m.name.clone().unwrap_or_default()}</td>
                            {show_emails.then(|| view! { <td>{m.email.clone().unwrap_or_default()}</td> })}
                            <td><span class="badge">{m.role.label()}</span></td>
                            <td>{format_date(m.joined_at)}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
        {members.next.map(|next| {
            let org = org.clone();
            view! { <p><a href=format!("/{org}/settings/members?after={next}")>"Next page"</a></p> }
        })}
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
                    <InvitationsTable org invitations=members.invitations.clone().unwrap_or_default() resend revoke testid="member-invitations"/>
                </section>
            }
        })}
    }
}

fn article(label: &str) -> String {
    let first = label.chars().next().unwrap_or('x').to_ascii_lowercase();
    let a = if "aeiou".contains(first) { "an" } else { "a" };
    format!("{a} {}", label.to_lowercase())
}
