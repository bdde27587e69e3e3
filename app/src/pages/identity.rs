//! Settings → Identity provider: `open`, or a `directory` of allowed emails.

use crate::api::{load_identity, AddDirectoryEmail, RemoveDirectoryEmail, SetIdentityProvider};
use crate::components::settings_nav::{SettingsNav, Tab};
use crate::model::IdentityPage;
use crate::ui::{any_error, ErrorPanel, ErrorText, NextPage, SubmitButton};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use purser_core::navigation::OrgPage;
use purser_core::{Email, IdentityProvider};

#[component]
pub fn IdentityProviderPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let set = ServerAction::<SetIdentityProvider>::new();
    let add = ServerAction::<AddDirectoryEmail>::new();
    let remove = ServerAction::<RemoveDirectoryEmail>::new();
    let page = Resource::new(
        move || {
            (
                params.read().get("org").unwrap_or_default(),
                query.read().get("after"),
                set.version().get(),
                add.version().get(),
                remove.version().get(),
            )
        },
        |(org, after, ..)| load_identity(org, after),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <IdentityView page set add remove/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn IdentityView(
    page: IdentityPage,
    set: ServerAction<SetIdentityProvider>,
    add: ServerAction<AddDirectoryEmail>,
    remove: ServerAction<RemoveDirectoryEmail>,
) -> impl IntoView {
    let org = page.org.name.clone();
    let (org_for_provider, org_for_add) = (org.clone(), org.clone());
    let directory = page.provider == IdentityProvider::Directory;
    view! {
        <SettingsNav org=page.org.clone() current=Tab::Identity/>
        <h1>"Identity provider"</h1>
        <section class="card">
            <p>
                "With " <strong>"open"</strong> ", any verified Purser account can join through an invitation. With "
                <strong>"directory"</strong> ", only the emails listed below may join or keep access: removing an email ends that person's access at once."
            </p>
            <ActionForm action=set attr:class="row">
                <input type="hidden" name="org" value=org_for_provider/>
                <label for="provider">"Identity provider"</label>
                <select id="provider" name="provider">
                    <option value="open" selected=!directory>"Open"</option>
                    <option value="directory" selected=directory>"Directory"</option>
                </select>
                <SubmitButton pending=set.pending() label="Save"/>
            </ActionForm>
            <ErrorText message=Signal::derive(any_error(set.value()))/>
        </section>
        <section class="card">
            <h2>"Directory"</h2>
            <ActionForm action=add attr:class="row">
                <input type="hidden" name="org" value=org_for_add/>
                <label for="directory-email" class="visually-hidden">"Email to add"</label>
                <input id="directory-email" name="email" type="email" placeholder="person@example.com" required=true/>
                <SubmitButton pending=add.pending() label="Add email"/>
            </ActionForm>
            <ErrorText message=Signal::derive(any_error(add.value()))/>
            <ErrorText message=Signal::derive(any_error(remove.value()))/>
            <ul class="directory" data-testid="directory">
                {page.emails.items.into_iter().map(|email| {
                    let org = org.clone();
                    // `core`'s rule: while the directory decides access, not your own.
                    let removable = Email::parse(&email)
                        .is_ok_and(|e| page.provider.check_directory_removal(&e, &page.your_email).is_ok());
                    view! {
                        <li>
                            <span>{email.clone()}</span>
                            {if removable {
                                view! {
                                    <ActionForm action=remove attr:class="inline">
                                        <input type="hidden" name="org" value=org/>
                                        <input type="hidden" name="email" value=email.clone()/>
                                        <SubmitButton pending=remove.pending() label="Remove" class="link danger" aria_label=format!("Remove {email}")/>
                                    </ActionForm>
                                }.into_any()
                            } else {
                                view! { <span class="muted">"(you)"</span> }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <NextPage path=OrgPage::Identity.href(&page.org.name) next=page.emails.next.clone() what="addresses"/>
        </section>
    }
}
