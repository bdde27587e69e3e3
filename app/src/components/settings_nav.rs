//! The tabs of an organization's settings, each shown only to roles that may open it.

use crate::model::OrgEntry;
use leptos::prelude::*;
use purser_core::permissions::allows;
use purser_core::{Action, Surface};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Stacks,
    Teams,
    Policies,
    Members,
    Billing,
    Identity,
    Tokens,
    Audit,
}

#[component]
pub fn SettingsNav(org: OrgEntry, current: Tab) -> impl IntoView {
    let role = org.role;
    let tabs = [
        (Tab::Members, "Members", "members", Action::MembersList),
        (
            Tab::Billing,
            "Billing & usage",
            "billing",
            Action::BillingManagersViewNames,
        ),
        (
            Tab::Identity,
            "Identity provider",
            "identity",
            Action::SettingsView,
        ),
    ];
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">{org.display_name.clone()}</a>
        </nav>
        <nav class="tabs" aria-label="Settings">
            {tabs
                .into_iter()
                .filter(|(_, _, _, action)| allows(role, *action, Surface::Ui))
                .map(|(tab, label, path, _)| {
                    let href = format!("/{}/{path}", org.name);
                    let here = tab == current;
                    view! {
                        <a href=href class:current=here aria-current=here.then_some("page")>{label}</a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
