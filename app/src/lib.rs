//! Purser's web UI. Compiled twice: with `ssr` into the server (rendering pages and
//! running server functions), and with `hydrate` into the browser bundle.

// Leptos view types nest deeply; computing their layout needs more than the default.
#![recursion_limit = "256"]

pub mod api;
mod components;
mod layout;
pub mod model;
mod pages;
mod ui;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HashedStylesheet options=options.clone() id="purser"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

// Pages render whole before they are sent (SsrMode::Async), so a page's HTTP status
// reflects its data: 403 for a role that may not see it, 404 for an unknown organization.

/// The signed-in account, loaded once per page and shared through context.
pub type MeResource = Resource<Result<Option<model::Me>, purser_core::error::AppError>>;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me: MeResource = Resource::new(|| (), |_| api::current_user());
    provide_context(me);

    view! {
        <Title text="Purser"/>
        <Router>
            <layout::Header/>
            <main class="page">
                <Routes fallback=|| view! { <ui::NotFound/> }>
                    <Route path=path!("/") ssr=SsrMode::Async view=pages::home::Home/>
                    <Route path=path!("/signup") ssr=SsrMode::Async view=pages::auth::SignUpPage/>
                    <Route path=path!("/signin") ssr=SsrMode::Async view=pages::auth::SignInPage/>
                    <Route path=path!("/verify-email") ssr=SsrMode::Async view=pages::auth::VerifyEmailPage/>
                    <Route path=path!("/password/forgot") ssr=SsrMode::Async view=pages::auth::ForgotPasswordPage/>
                    <Route path=path!("/password/reset") ssr=SsrMode::Async view=pages::auth::ResetPasswordPage/>
                    <Route path=path!("/orgs/new") ssr=SsrMode::Async view=pages::orgs::NewOrgPage/>
                    <Route path=path!("/account/tokens") ssr=SsrMode::Async view=pages::tokens::TokensPage/>
                    <Route path=path!("/invites/:secret") ssr=SsrMode::Async view=pages::invites::AcceptInvitePage/>
                    <Route path=path!("/:org/settings/members") ssr=SsrMode::Async view=pages::orgs::MembersPage/>
                    <Route path=path!("/:org/settings/billing") ssr=SsrMode::Async view=pages::billing::BillingPage/>
                    <Route path=path!("/:org/settings/identity") ssr=SsrMode::Async view=pages::identity::IdentityProviderPage/>
                    <Route path=path!("/:org/settings/tokens") ssr=SsrMode::Async view=pages::resources::OrgTokensPage/>
                    <Route path=path!("/:org/settings/audit") ssr=SsrMode::Async view=pages::resources::AuditLogPage/>
                    <Route path=path!("/:org/stacks") ssr=SsrMode::Async view=pages::resources::StacksPage/>
                    <Route path=path!("/:org/teams") ssr=SsrMode::Async view=pages::resources::TeamsPage/>
                    <Route path=path!("/:org/teams/:team") ssr=SsrMode::Async view=pages::team::TeamDetailPage/>
                    <Route path=path!("/:org/policies") ssr=SsrMode::Async view=pages::resources::PoliciesPage/>
                    <Route path=path!("/:org") ssr=SsrMode::Async view=pages::orgs::OrgHome/>
                </Routes>
            </main>
        </Router>
    }
}

/// The browser bundle's entry point.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // Lets end-to-end tests wait for interactivity instead of sleeping.
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
