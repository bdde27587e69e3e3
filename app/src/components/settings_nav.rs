//! An organization's navigation: its pages, then Settings, each shown only to roles
//! that may open it (`purser_core::navigation`, the same matrix the server enforces).

use crate::model::OrgEntry;
use leptos::prelude::*;
use purser_core::navigation::{pages_for, OrgPage, Section};

/// The page being shown; the navigation marks it with `aria-current="page"`.
pub type Tab = OrgPage;

#[component]
pub fn SettingsNav(org: OrgEntry, current: Tab) -> impl IntoView {
    let link = |page: OrgPage| {
        let here = page == current;
        view! {
            <a href=page.href(&org.name) class:current=here aria-current=here.then_some("page")>
                {page.label()}
            </a>
        }
    };
    let in_section = |section: Section| {
        pages_for(org.role)
            .filter(move |p| p.section() == section)
            .collect::<Vec<_>>()
    };
    let resources = in_section(Section::Organization);
    let settings = in_section(Section::Settings);
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">{org.display_name.clone()}</a>
        </nav>
        <nav class="tabs" aria-label="Organization">
            {resources.into_iter().map(link).collect_view()}
            {(!settings.is_empty()).then(|| view! {
                <span class="tabs-group" role="group" aria-label="Settings">
                    <span class="tabs-label" aria-hidden="true">"Settings"</span>
                    {settings.into_iter().map(link).collect_view()}
                </span>
            })}
        </nav>
    }
}
