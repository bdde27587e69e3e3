//! Teams → one team: who is on it, and for admins, adding members by email address and
//! removing them (with a confirmation).

use crate::api::{load_team, AddTeamMember, RemoveTeamMember};
use crate::components::dialog::{self, Dialog, DialogRef};
use crate::components::settings_nav::{SettingsNav, Tab};
use crate::model::TeamPage;
use crate::ui::{
    any_error, field_error, form_error, ErrorPanel, ErrorText, NextPage, SubmitButton,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use purser_core::navigation::{decode_segment, team_href, OrgPage};
use purser_core::permissions::allows;
use purser_core::{Action, Surface};

#[component]
pub fn TeamDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let add = ServerAction::<AddTeamMember>::new();
    let remove = ServerAction::<RemoveTeamMember>::new();
    let page = Resource::new(
        move || {
            let p = params.read();
            (
                p.get("org").unwrap_or_default(),
                decode_segment(&p.get("team").unwrap_or_default()),
                query.read().get("after"),
                add.version().get(),
                remove.version().get(),
            )
        },
        |(org, team, after, ..)| load_team(org, team, after),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(team) => view! { <TeamView team add remove/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TeamView(
    team: TeamPage,
    add: ServerAction<AddTeamMember>,
    remove: ServerAction<RemoveTeamMember>,
) -> impl IntoView {
    let may_manage = allows(team.org.role, Action::TeamsManage, Surface::Ui);
    let org = team.org.name.clone();
    let count = team.team.member_count;
    let (path, next) = (team_href(&org, &team.team.name), team.next.clone());
    view! {
        <SettingsNav org=team.org.clone() current=Tab::Teams/>
        <nav class="breadcrumbs" aria-label="Team">
            <a href=OrgPage::Teams.href(&org)>"Teams"</a>
        </nav>
        <h1>{team.team.name.clone()}</h1>
        {(!team.team.description.is_empty()).then(|| view! { <p class="muted">{team.team.description.clone()}</p> })}
        <p data-testid="team-member-count">{format!("{count} {}", if count == 1 { "member" } else { "members" })}</p>
        {may_manage.then(|| view! { <AddMemberForm org=org.clone() team=team.team.name.clone() action=add/> })}
        <MembersTable team may_manage remove/>
        <NextPage path next what="members"/>
    }
}

#[component]
fn AddMemberForm(org: String, team: String, action: ServerAction<AddTeamMember>) -> impl IntoView {
    let value = action.value();
    view! {
        <section class="card" aria-labelledby="add-team-member-title">
            <h2 id="add-team-member-title">"Add a member"</h2>
            <ActionForm action attr:class="row">
                <input type="hidden" name="org" value=org/>
                <input type="hidden" name="team" value=team/>
                <label for="team-member-email">"Email address of an organization member"</label>
                <input id="team-member-email" name="email" type="email" required=true autocomplete="off"
                    aria-describedby="team-member-email-error"/>
                <SubmitButton pending=action.pending() label="Add to team"/>
            </ActionForm>
            <ErrorText id="team-member-email-error" message=Signal::derive(field_error(value, "email"))/>
            <ErrorText message=Signal::derive(form_error(value))/>
        </section>
    }
}

#[component]
fn MembersTable(
    team: TeamPage,
    may_manage: bool,
    remove: ServerAction<RemoveTeamMember>,
) -> impl IntoView {
    let confirm: DialogRef = NodeRef::new();
    let target = RwSignal::new((String::new(), String::new()));
    let removed = remove.value();
    Effect::new(move |_| {
        if let Some(Ok(())) = removed.get() {
            dialog::close(confirm);
        }
    });
    let (org, name) = (team.org.name.clone(), team.team.name.clone());
    view! {
        {if team.team.members.is_empty() {
            view! { <p class="muted" data-testid="team-members">"No one is on this team yet."</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="team-members">
                    <thead><tr>
                        <th scope="col">"Name"</th>
                        {may_manage.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr></thead>
                    <tbody>
                        {team.team.members.into_iter().map(|m| {
                            let (id, person) = (m.user_id.clone(), m.name.clone());
                            view! {
                                <tr>
                                    <td>{m.name.clone()}</td>
                                    {may_manage.then(|| view! {
                                        <td class="actions">
                                            <button type="button" class="link danger" aria-label=format!("Remove {person} from the team")
                                                on:click=move |_| {
                                                    target.set((id.clone(), person.clone()));
                                                    dialog::open(confirm);
                                                }>"Remove"</button>
                                        </td>
                                    })}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <Dialog node_ref=confirm id="remove-team-member" title="Remove from team?">
            <p>{move || format!("{} leaves the team {name}. They stay a member of the organization.", target.get().1)}</p>
            <ActionForm action=remove>
                <input type="hidden" name="org" value=org/>
                <input type="hidden" name="team" value=team.team.name.clone()/>
                <input type="hidden" name="user_id" prop:value=move || target.get().0/>
                <ErrorText message=Signal::derive(any_error(removed))/>
                <div class="dialog-actions">
                    <button type="button" class="secondary" on:click=move |_| dialog::close(confirm)>"Cancel"</button>
                    <SubmitButton pending=remove.pending() label="Remove from team" class="danger"/>
                </div>
            </ActionForm>
        </Dialog>
    }
}
