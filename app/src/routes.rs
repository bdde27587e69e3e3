//! Every page is a lazy route: the browser downloads a page's code (its own module, and
//! the chunks it shares with other pages) when the page is first shown, not with the
//! main bundle. On the server they render like any page; the server adds preload links
//! for the modules of the page it sent, and hydration waits for them.
//!
//! `scripts/build.sh` cuts the bundle at these routes (`tools/split-wasm`).

use crate::pages;
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// A lazy route per page component (they take no props: their data comes from the
/// route's parameters and the server).
macro_rules! lazy_pages {
    ($($route:ident => $page:path,)*) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> AnyView {
                // (The route carries no data: the page loads its own.)
                let _ = this;
                #[cfg(feature = "ssr")]
                preload_page_modules();
                $page().into_any()
            }
        }
    )*};
}

/// Adds `<link rel=preload>`s for the modules of the page being rendered to the head.
///
/// leptos_axum does this for the lazy functions a page ran, but reads which ran before
/// a page that waits for its data (`SsrMode::Async`, every page here) has rendered, so
/// it finds none, and the browser would fetch the page's modules only once the main
/// module had started. Here the page's own lazy function has just recorded itself:
/// its modules are looked up in the build's manifest now, and taken out of the record
/// so that no link is written twice.
#[cfg(feature = "ssr")]
fn preload_page_modules() {
    use leptos::{PrefetchLazyFn, WasmSplitManifest};
    use leptos_meta::Link;

    let (Some(ran), Some(manifest)) = (
        use_context::<PrefetchLazyFn>(),
        use_context::<WasmSplitManifest>(),
    ) else {
        return;
    };
    let ran: Vec<&'static str> = ran
        .0
        .try_update_value(|ran| ran.drain().collect())
        .unwrap_or_default();
    if ran.is_empty() {
        return;
    }
    let nonce = leptos::nonce::use_nonce()
        .map(|n| n.to_string())
        .unwrap_or_default();
    manifest.0.with_value(|(pkg, modules, loader)| {
        for module in ran.iter().filter_map(|id| modules.get(*id)).flatten() {
            // (Rendered, a leptos_meta tag registers itself with the page's head.)
            let _ = view! {
                <Link rel="preload" href=format!("{pkg}/{module}.wasm") as_="fetch"
                    type_="application/wasm" crossorigin=nonce.clone()/>
            }
            .to_html();
        }
        let _ = view! {
            <Link rel="modulepreload" href=format!("{pkg}/{loader}") crossorigin=nonce.clone()/>
        }
        .to_html();
    });
}

lazy_pages! {
    Home => pages::home::Home,
    SignUpPage => pages::auth::SignUpPage,
    SignInPage => pages::auth::SignInPage,
    VerifyEmailPage => pages::auth::VerifyEmailPage,
    ForgotPasswordPage => pages::auth::ForgotPasswordPage,
    ResetPasswordPage => pages::auth::ResetPasswordPage,
    NewOrgPage => pages::orgs::NewOrgPage,
    TokensPage => pages::tokens::TokensPage,
    AcceptInvitePage => pages::invites::AcceptInvitePage,
    MembersPage => pages::orgs::MembersPage,
    BillingPage => pages::billing::BillingPage,
    IdentityProviderPage => pages::identity::IdentityProviderPage,
    OrgTokensPage => pages::resources::OrgTokensPage,
    AuditLogPage => pages::resources::AuditLogPage,
    StacksPage => pages::resources::StacksPage,
    TeamsPage => pages::resources::TeamsPage,
    TeamDetailPage => pages::team::TeamDetailPage,
    PoliciesPage => pages::resources::PoliciesPage,
    OrgHome => pages::orgs::OrgHome,
}
