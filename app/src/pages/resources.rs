//! Simple pages for the organization's other resources: stacks, teams, policies,
//! organization access tokens and the audit log. Each shows what the role may list
//! and offers creation to roles that may create.

use crate::api::{load_audit, load_resources, CreateResource, RevokeOrgToken};
use crate::components::settings_nav::{SettingsNav, Tab};
use crate::model::{OrgResources, ResourceKind, ResourceSection};
use crate::ui::{
    any_error, format_date, format_date_time, href_with, ErrorPanel, ErrorText, NextPage,
    SubmitButton,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use purser_core::error::AppError;
use purser_core::navigation::{team_href, OrgPage};
use purser_core::permissions::allows;
use purser_core::{Action, Surface};

/// Loads the resources and renders `body` with them, reloading after each action; a
/// role that may not list the page's resource (`listed` is false) gets "Not allowed".
/// The page's lists start where the query's `after` (and `packs_after`) say.
fn resources_page<V: IntoView + 'static>(
    create: ServerAction<CreateResource>,
    revoke: ServerAction<RevokeOrgToken>,
    section: ResourceSection,
    listed: fn(&OrgResources) -> bool,
    body: impl Fn(OrgResources) -> V + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let page = Resource::new(
        move || {
            let q = query.read();
            (
                params.read().get("org").unwrap_or_default(),
                (q.get("after"), q.get("packs_after")),
                create.version().get(),
                revoke.version().get(),
            )
        },
        move |(org, (after, packs_after), ..)| load_resources(org, section, after, packs_after),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(r) if listed(&r) => body(r).into_any(),
                    Ok(r) => {
                        let error = AppError::Forbidden(format!("Your role ({}) does not allow this page.", r.org.role.as_str()));
                        view! { <ErrorPanel error/> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A one-line create form for `kind`.
#[component]
fn CreateForm(
    org: String,
    kind: ResourceKind,
    name_label: &'static str,
    #[prop(optional)] extra_label: Option<&'static str>,
    button: &'static str,
    action: ServerAction<CreateResource>,
) -> impl IntoView {
    let id = format!("new-{}", kind.as_str());
    let extra_id = format!("new-{}-extra", kind.as_str());
    view! {
        <ActionForm action attr:class="row">
            <input type="hidden" name="org" value=org/>
            <input type="hidden" name="kind" value=kind.as_str()/>
            <label for=id.clone()>{name_label}</label>
            <input id=id name="name" required=true/>
            {match extra_label {
                Some(label) => view! {
                    <label for=extra_id.clone()>{label}</label>
                    <input id=extra_id name="extra"/>
                }.into_any(),
                None => view! { <input type="hidden" name="extra" value=""/> }.into_any(),
            }}
            <SubmitButton pending=action.pending() label=button/>
        </ActionForm>
        <ErrorText message=Signal::derive(any_error(action.value()))/>
    }
}

#[component]
pub fn StacksPage() -> impl IntoView {
    let create = ServerAction::<CreateResource>::new();
    let revoke = ServerAction::<RevokeOrgToken>::new();
    resources_page(
        create,
        revoke,
        ResourceSection::Stacks,
        |r| r.stacks.is_some(),
        move |r| {
            let may_create = allows(r.org.role, Action::StacksCreate, Surface::Ui);
            let org = r.org.name.clone();
            let stacks = r.stacks.unwrap_or_default();
            let path = OrgPage::Stacks.href(&org);
            view! {
                <SettingsNav org=r.org.clone() current=Tab::Stacks/>
                <h1>"Stacks"</h1>
                {may_create.then(|| view! { <CreateForm org kind=ResourceKind::Stack name_label="Project" extra_label="Stack" button="Create stack" action=create/> })}
                <table class="table" data-testid="stacks">
                    <thead><tr><th scope="col">"Project"</th><th scope="col">"Stack"</th><th scope="col">"Resources"</th><th scope="col">"Last update"</th></tr></thead>
                    <tbody>
                        {stacks.items.into_iter().map(|s| view! {
                            <tr><td>{s.project}</td><td>{s.name}</td><td>{s.resource_count}</td><td>{s.last_update.map(format_date).unwrap_or_else(|| "never".into())}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <NextPage path next=stacks.next what="stacks"/>
            }
        },
    )
}

#[component]
pub fn TeamsPage() -> impl IntoView {
    let create = ServerAction::<CreateResource>::new();
    let revoke = ServerAction::<RevokeOrgToken>::new();
    resources_page(
        create,
        revoke,
        ResourceSection::Teams,
        |r| r.teams.is_some(),
        move |r| {
            let may_create = allows(r.org.role, Action::TeamsCreate, Surface::Ui);
            let org = r.org.name.clone();
            let org_name = r.org.name.clone();
            let teams = r.teams.unwrap_or_default();
            let path = OrgPage::Teams.href(&org_name);
            view! {
                <SettingsNav org=r.org.clone() current=Tab::Teams/>
                <h1>"Teams"</h1>
                {may_create.then(|| view! { <CreateForm org kind=ResourceKind::Team name_label="Team name" extra_label="Description" button="Create team" action=create/> })}
                <table class="table" data-testid="teams">
                    <thead><tr><th scope="col">"Team"</th><th scope="col">"Description"</th><th scope="col">"Members"</th></tr></thead>
                    <tbody>
                        {teams.items.into_iter().map(|t| view! {
                            <tr>
                                <td><a href=team_href(&org_name, &t.name)>{t.name.clone()}</a></td>
                                <td>{t.description}</td>
                                <td>{t.member_count}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <NextPage path next=teams.next what="teams"/>
            }
        },
    )
}

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let create = ServerAction::<CreateResource>::new();
    let revoke = ServerAction::<RevokeOrgToken>::new();
    resources_page(
        create,
        revoke,
        ResourceSection::Policies,
        |r| r.policy_groups.is_some(),
        move |r| {
            let may_groups = allows(r.org.role, Action::PolicyGroupsManage, Surface::Ui);
            let may_packs = allows(r.org.role, Action::PolicyPacksManage, Surface::Ui);
            let (org_g, org_p) = (r.org.name.clone(), r.org.name.clone());
            let (groups, packs) = (
                r.policy_groups.unwrap_or_default(),
                r.policy_packs.unwrap_or_default(),
            );
            // Each list's next-page link keeps where the other stands.
            let here = OrgPage::Policies.href(&org_g);
            let query = use_query_map();
            let groups_path = href_with(
                &here,
                &[("packs_after", query.read_untracked().get("packs_after"))],
            );
            let packs_path = href_with(&here, &[("after", query.read_untracked().get("after"))]);
            view! {
                <SettingsNav org=r.org.clone() current=Tab::Policies/>
                <h1>"Policies"</h1>
                <section class="card">
                    <h2>"Policy groups"</h2>
                    {may_groups.then(|| view! { <CreateForm org=org_g kind=ResourceKind::PolicyGroup name_label="Group name" button="Create group" action=create/> })}
                    <ul data-testid="policy-groups">
                        {groups.items.into_iter().map(|p| view! { <li>{p.name}</li> }).collect_view()}
                    </ul>
                    <NextPage path=groups_path next=groups.next what="policy groups"/>
                </section>
                <section class="card">
                    <h2>"Policy packs"</h2>
                    {may_packs.then(|| view! { <CreateForm org=org_p kind=ResourceKind::PolicyPack name_label="Pack name" button="Publish version" action=create/> })}
                    <ul data-testid="policy-packs">
                        {packs.items.into_iter().map(|p| view! {
                            <li>{format!("{} v{} · {}", p.name, p.version.unwrap_or(1), format_date(p.created_at))}</li>
                        }).collect_view()}
                    </ul>
                    <NextPage path=packs_path param="packs_after" next=packs.next what="policy pack versions"/>
                </section>
            }
        },
    )
}

#[component]
pub fn OrgTokensPage() -> impl IntoView {
    let create = ServerAction::<CreateResource>::new();
    let revoke = ServerAction::<RevokeOrgToken>::new();
    resources_page(
        create,
        revoke,
        ResourceSection::Tokens,
        |r| r.tokens.is_some(),
        move |r| {
            let org = r.org.name.clone();
            let tokens = r.tokens.unwrap_or_default();
            let path = OrgPage::Tokens.href(&org);
            view! {
                <SettingsNav org=r.org.clone() current=Tab::Tokens/>
                <h1>"Organization access tokens"</h1>
                <p class="muted">"Tokens that act for the organization rather than a person. A token is shown once."</p>
                {allows(r.org.role, Action::TokensCreate, Surface::Ui).then(|| view! {
                    <CreateForm org=org.clone() kind=ResourceKind::OrgToken name_label="Token name" button="Create token" action=create/>
                })}
                {move || create.value().get().and_then(|r| r.ok()).flatten().map(|value| view! {
                    <div class="banner" role="status"><p>"Copy the token now; it is not shown again."</p><code class="secret">{value}</code></div>
                })}
                <table class="table" data-testid="org-tokens">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Created"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>
                        {tokens.items.into_iter().map(|t| {
                            let org = org.clone();
                            view! {
                                <tr>
                                    <td>{t.name.clone()}</td>
                                    <td>{format_date(t.created_at)}</td>
                                    <td>
                                        <ActionForm action=revoke attr:class="inline">
                                            <input type="hidden" name="org" value=org/>
                                            <input type="hidden" name="id" value=t.id.clone()/>
                                            <SubmitButton pending=revoke.pending() label="Revoke" class="link danger" aria_label=format!("Revoke {}", t.name)/>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <NextPage path next=tokens.next what="tokens"/>
            }
        },
    )
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let page = Resource::new(
        move || {
            let q = query.read();
            (
                params.read().get("org").unwrap_or_default(),
                q.get("event"),
                q.get("after"),
            )
        },
        |(org, event, after)| load_audit(org, event, after),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                    // The next page keeps the filter, and the field shows it.
                    let event = query.read_untracked().get("event").filter(|e| !e.is_empty());
                    let path = href_with(&OrgPage::Audit.href(&p.org.name), &[("event", event.clone())]);
                    view! {
                        <SettingsNav org=p.org.clone() current=Tab::Audit/>
                        <h1>"Audit log"</h1>
                        <form method="get" class="row">
                            <label for="event">"Event"</label>
                            <input id="event" name="event" placeholder="e.g. invitation.failed" value=event/>
                            <button type="submit" class="secondary">"Filter"</button>
                        </form>
                        <table class="table" data-testid="audit-log">
                            <thead><tr><th scope="col">"Time"</th><th scope="col">"Actor"</th><th scope="col">"Event"</th><th scope="col">"Target"</th><th scope="col">"Details"</th></tr></thead>
                            <tbody>
                                {p.entries.items.into_iter().map(|e| view! {
                                    <tr><td>{format_date_time(e.at)}</td><td>{e.actor}</td><td><code>{e.event}</code></td><td>{e.target}</td><td>{e.details}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <NextPage path next=p.entries.next what="entries"/>
                    }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
