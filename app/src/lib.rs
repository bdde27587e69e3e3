//! Purser's web UI. Compiled twice: with `ssr` into the server (rendering pages and
//! running server functions), and with `hydrate` into the browser bundle.

// Leptos view types nest deeply; computing their layout needs more than the default.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
mod components;
pub mod error;
mod layout;
pub mod model;
mod pages;
mod routes;
mod ui;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

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
pub type MeResource = Resource<Result<Option<model::Me>, error::AppError>>;

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
                    <Route path=path!("/") ssr=SsrMode::Async view={Lazy::<routes::Home>::new()}/>
                    <Route path=path!("/signup") ssr=SsrMode::Async view={Lazy::<routes::SignUpPage>::new()}/>
                    <Route path=path!("/signin") ssr=SsrMode::Async view={Lazy::<routes::SignInPage>::new()}/>
                    <Route path=path!("/verify-email") ssr=SsrMode::Async view={Lazy::<routes::VerifyEmailPage>::new()}/>
                    <Route path=path!("/password/forgot") ssr=SsrMode::Async view={Lazy::<routes::ForgotPasswordPage>::new()}/>
                    <Route path=path!("/password/reset") ssr=SsrMode::Async view={Lazy::<routes::ResetPasswordPage>::new()}/>
                    <Route path=path!("/orgs/new") ssr=SsrMode::Async view={Lazy::<routes::NewOrgPage>::new()}/>
                    <Route path=path!("/account/tokens") ssr=SsrMode::Async view={Lazy::<routes::TokensPage>::new()}/>
                    <Route path=path!("/invites/:secret") ssr=SsrMode::Async view={Lazy::<routes::AcceptInvitePage>::new()}/>
                    <Route path=path!("/:org/settings/members") ssr=SsrMode::Async view={Lazy::<routes::MembersPage>::new()}/>
                    <Route path=path!("/:org/settings/billing") ssr=SsrMode::Async view={Lazy::<routes::BillingPage>::new()}/>
                    <Route path=path!("/:org/settings/identity") ssr=SsrMode::Async view={Lazy::<routes::IdentityProviderPage>::new()}/>
                    <Route path=path!("/:org/settings/tokens") ssr=SsrMode::Async view={Lazy::<routes::OrgTokensPage>::new()}/>
                    <Route path=path!("/:org/settings/audit") ssr=SsrMode::Async view={Lazy::<routes::AuditLogPage>::new()}/>
                    <Route path=path!("/:org/stacks") ssr=SsrMode::Async view={Lazy::<routes::StacksPage>::new()}/>
                    <Route path=path!("/:org/teams") ssr=SsrMode::Async view={Lazy::<routes::TeamsPage>::new()}/>
                    <Route path=path!("/:org/teams/:team") ssr=SsrMode::Async view={Lazy::<routes::TeamDetailPage>::new()}/>
                    <Route path=path!("/:org/policies") ssr=SsrMode::Async view={Lazy::<routes::PoliciesPage>::new()}/>
                    <Route path=path!("/:org") ssr=SsrMode::Async view={Lazy::<routes::OrgHome>::new()}/>
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
    // Hydration waits for the page's lazy route module (which the server preloads).
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a page has a body");
        leptos::mount::hydrate_from_async(body.clone(), App)
            .await
            .forget();
        // Lets end-to-end tests wait for interactivity instead of sleeping.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
