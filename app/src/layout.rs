//! The header on every page: who is signed in, the organization switcher, sign out.

use crate::api::SignOut;
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
            <a href="/account/tokens">"Access tokens"</a>
            <span class="who" data-testid="signed-in-as">{me.name.clone()}</span>
            <span class="login" data-testid="signed-in-login">{format!("@{}", me.login)}</span>
            <ActionForm action=sign_out attr:class="inline">
                <SubmitButton pending=sign_out.pending() label="Sign out" class="link"/>
            </ActionForm>
        </nav>
    }
}

/// A select that goes to the chosen organization's home page (by the router).
#[component]
fn OrgSwitcher(orgs: Vec<crate::model::OrgEntry>, current: Signal<String>) -> impl IntoView {
    if orgs.is_empty() {
        return view! { <a class="switcher-empty" href="/orgs/new">"Create an organization"</a> }
            .into_any();
    }
    let homes: Vec<(String, String)> = orgs
        .iter()
        .map(|o| (o.name.clone(), crate::ui::org_home(o)))
        .collect();
    let navigate = leptos_router::hooks::use_navigate();
    let on_change = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if value == "__new" {
            navigate("/orgs/new", Default::default());
        } else if let Some((_, home)) = homes.iter().find(|(name, _)| *name == value) {
            navigate(home, Default::default());
        }
    };
    view! {
        <label class="switcher">
            <span class="visually-hidden">"Organization"</span>
            <select aria-label="Switch organization" on:change=on_change prop:value=move || current.get()>
                <option value="" disabled=true selected=move || current.get().is_empty()>"Choose an organization"</option>
                {orgs
                    .into_iter()
                    .map(|o| {
                        let name = o.name.clone();
                        view! {
                            <option value=o.name.clone() selected=move || current.get() == name>
                                {o.display_name.clone()}
                            </option>
                        }
                    })
                    .collect_view()}
                <option value="__new">"+ New organization"</option>
            </select>
        </label>
    }
    .into_any()
}
