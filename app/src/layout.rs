//! The header on every page: who is signed in, the organization switcher, sign out.

use crate::api::SignOut;
use crate::components::dialog::Menu;
use crate::ui::{hard_navigate, SubmitButton};
use crate::MeResource;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn Header() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Purser"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(me)) => view! { <SignedIn me/> }.into_any(),
                        _ => view! {
                            <nav class="account">
                                <a href="/signin">"Sign in"</a>
                                <a class="button" href="/signup">"Sign up"</a>
                            </nav>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}

#[component]
fn SignedIn(me: crate::model::Me) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            hard_navigate("/");
        }
    });
    // The header sits outside the routes, so it reads the organization from the path:
    // the first segment, when it names one of the caller's organizations.
    let location = use_location();
    let names: Vec<String> = me.orgs.iter().map(|o| o.name.clone()).collect();
    let current = move || {
        let path = location.pathname.get();
        let first = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        if names.contains(&first) {
            first
        } else {
            String::new()
        }
    };
    let orgs = me.orgs.clone();
    view! {
        <OrgSwitcher orgs current=Signal::derive(current)/>
        <nav class="account">
            <a href="/account/tokens">"Personal access tokens"</a>
            <span class="who" data-testid="signed-in-as">{me.name.clone()}</span>
            <span class="login" data-testid="signed-in-login">{format!("@{}", me.login)}</span>
            <ActionForm action=sign_out attr:class="inline">
                <SubmitButton pending=sign_out.pending() label="Sign out" class="link"/>
            </ActionForm>
        </nav>
    }
}

/// The organization switcher: a disclosure menu of links, as GitHub's context switcher.
///
/// Not a `<select>` that navigates on change: a keyboard user moving through its
/// options with the arrow keys would leave the page at the first key (WCAG 3.2.2). A
/// link is followed only when chosen, and works before the page has hydrated.
#[component]
fn OrgSwitcher(orgs: Vec<crate::model::OrgEntry>, current: Signal<String>) -> impl IntoView {
    if orgs.is_empty() {
        return view! { <a class="switcher-empty" href="/orgs/new">"Create an organization"</a> }
            .into_any();
    }
    let names: Vec<(String, String)> = orgs
        .iter()
        .map(|o| (o.name.clone(), o.display_name.clone()))
        .collect();
    // What the menu's button shows: the organization of the page, by its display name.
    let shown = Memo::new(move |_| {
        let current = current.get();
        names
            .iter()
            .find(|(name, _)| *name == current)
            .map(|(_, display)| display.clone())
            .unwrap_or_else(|| "Choose an organization".to_owned())
    });
    view! {
        // The name starts with the visible text, then says what the button does (WCAG 2.5.3).
        <Menu class="menu switcher" text=shown
            label=Signal::derive(move || format!("{}: switch organization", shown.get()))>
            <ul>
                {orgs
                    .into_iter()
                    .map(|o| {
                        let name = o.name.clone();
                        view! {
                            <li>
                                <a href=crate::ui::org_home(&o) data-org=o.name.clone()
                                    aria-current=move || (current.get() == name).then_some("true")>
                                    <span>{o.display_name.clone()}</span>
                                    <span class="muted">{o.name.clone()}</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
                <li><a href="/orgs/new">"+ New organization"</a></li>
            </ul>
        </Menu>
    }
    .into_any()
}
