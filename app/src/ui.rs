//! Small pieces shared by the pages.

use leptos::prelude::*;
use purser_core::error::AppError;

/// A Unix-millisecond time as `YYYY-MM-DD` (UTC); the calendar lives in core.
pub use purser_core::usage::{format_date, format_date_time};

/// An amount in cents as money, e.g. `$45.00` (USD) or `45.00 EUR`.
pub fn format_money(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (units, rest) = (cents.abs() / 100, cents.abs() % 100);
    match currency {
        "USD" => format!("{sign}${units}.{rest:02}"),
        other => format!("{sign}{units}.{rest:02} {other}"),
    }
}

/// The message for one form field, from the last result of an action.
pub fn field_error<T, S>(
    value: S,
    field: &'static str,
) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static
where
    S: Get<Value = Option<Result<T, AppError>>> + Clone + Send + Sync + 'static,
{
    move || match value.get() {
        Some(Err(e)) if e.field() == Some(field) => Some(e.to_string()),
        _ => None,
    }
}

/// The message of an action's last error that no field claims.
pub fn form_error<T, S>(value: S) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static
where
    S: Get<Value = Option<Result<T, AppError>>> + Clone + Send + Sync + 'static,
{
    move || match value.get() {
        Some(Err(e)) if e.field().is_none() => Some(e.to_string()),
        _ => None,
    }
}

/// Any error of an action's last result: for a form with one field, or a dialog whose
/// only input is the button.
pub fn any_error<T, S>(value: S) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static
where
    S: Get<Value = Option<Result<T, AppError>>> + Clone + Send + Sync + 'static,
{
    move || match value.get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    }
}

/// An error in a form, announced to screen readers.
#[component]
pub fn ErrorText(
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(optional)] id: &'static str,
) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="error" role="alert" id=id>{move || message.get()}</p>
        </Show>
    }
}

/// A form's submit button. While its request runs it is disabled (a second click or
/// Enter sends nothing) and marked busy, which the style shows as a spinner and
/// assistive technology announces.
#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    label: &'static str,
    #[prop(optional)] class: &'static str,
    /// A fuller name for a button whose label leans on its row, e.g. "Revoke ci-token".
    #[prop(optional, into)]
    aria_label: Option<String>,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || pending.get()
            aria-busy=move || pending.get().then_some("true") aria-label=aria_label>
            {label}
        </button>
    }
}

/// How a page explains an error that stops it.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(
            http::StatusCode::from_u16(error.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    match error {
        AppError::Unauthenticated(_) => {
            // Back to this page after signing in (`core` checks the path).
            let location = leptos_router::hooks::use_location();
            let search = location.search.get_untracked();
            let here = match search.trim_start_matches('?') {
                "" => location.pathname.get_untracked(),
                query => format!("{}?{query}", location.pathname.get_untracked()),
            };
            let here = purser_core::ReturnPath::or_home(Some(&here)).to_query_value();
            view! {
                <section class="card notice">
                    <h1>"Sign in to continue"</h1>
                    <p>"You need to be signed in to see this page."</p>
                    <p><a class="button" href=format!("/signin?next={here}")>"Sign in"</a></p>
                </section>
            }
            .into_any()
        }
        AppError::Forbidden(message) => view! {
            <section class="card notice" data-testid="not-allowed">
                <h1>"Not allowed"</h1>
                <p>{message}</p>
                <p><a href="/">"Back to your organizations"</a></p>
            </section>
        }
        .into_any(),
        AppError::NotFound(message) => view! {
            <section class="card notice">
                <h1>"Not found"</h1>
                <p>{message}</p>
                <p><a href="/">"Back to your organizations"</a></p>
            </section>
        }
        .into_any(),
        other => view! {
            <section class="card notice">
                <h1>"Something went wrong"</h1>
                <p>{other.to_string()}</p>
            </section>
        }
        .into_any(),
    }
}

/// `path` with those of `params` that have a value, as a query: on a page with two
/// lists, the link to one list's next page keeps where the other stands.
pub fn href_with(path: &str, params: &[(&str, Option<String>)]) -> String {
    let query = params
        .iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref()?;
            Some(format!(
                "{name}={}",
                purser_core::navigation::encode_component(value)
            ))
        })
        .collect::<Vec<_>>()
        .join("&");
    match query.is_empty() {
        true => path.to_owned(),
        false => format!("{path}?{query}"),
    }
}

/// The link under a list to its next page (`?{param}=` the list's continuation), when
/// there is one.
#[component]
pub fn NextPage(
    /// The page's own path, e.g. `/acme/stacks`.
    path: String,
    #[prop(default = "after")] param: &'static str,
    next: Option<String>,
    what: &'static str,
) -> impl IntoView {
    // (A path may carry a query of its own already, such as a filter.)
    let join = if path.contains('?') { '&' } else { '?' };
    next.map(|next| {
        view! { <p><a href=format!("{path}{join}{param}={next}")>{format!("Next page of {what}")}</a></p> }
    })
}

/// Said under a list when it shows only its first page.
#[component]
pub fn MoreNote(more: bool, shown: usize, what: &'static str) -> impl IntoView {
    more.then(|| {
        view! {
            <p class="muted" data-testid="more">
                {format!("Showing the first {shown} {what}. The REST API pages through all of them.")}
            </p>
        }
    })
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="card notice">
            <h1>"Page not found"</h1>
            <p><a href="/">"Back to Purser"</a></p>
        </section>
    }
}

/// Where an organization opens for the caller: Members for those who may list them in
/// the UI, Billing & usage for billing managers.
pub fn org_home(org: &crate::model::OrgEntry) -> String {
    purser_core::navigation::home_for(org.role).href(&org.name)
}

/// Goes to `href` with the router (no page load) after what the header shows has
/// changed: signing in or up, creating or joining an organization. The signed-in
/// account and its organizations are fetched afresh for the header.
pub fn use_soft_navigate() -> impl Fn(&str) + Clone + 'static {
    let navigate = leptos_router::hooks::use_navigate();
    let me = use_context::<crate::MeResource>();
    move |href: &str| {
        if let Some(me) = me {
            me.refetch();
        }
        navigate(href, Default::default());
    }
}

/// Sends the browser to `href` with a full page load, so that everything on the
/// page (the header's account and organizations too) is fetched afresh.
pub fn hard_navigate(href: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(href);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = href;
}

#[cfg(test)]
mod tests {
    #[test]
    fn links_keep_the_other_lists_place() {
        use super::href_with;
        assert_eq!(
            href_with("/acme/policies", &[("after", None)]),
            "/acme/policies"
        );
        assert_eq!(
            href_with("/acme/policies", &[("after", Some("x1".into()))]),
            "/acme/policies?after=x1"
        );
        assert_eq!(
            href_with(
                "/acme/settings/audit",
                &[("event", Some("a b&c".into())), ("after", Some("t".into()))]
            ),
            "/acme/settings/audit?event=a%20b%26c&after=t"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(super::format_date(0), "1970-01-01");
        assert_eq!(super::format_date(951_782_400_000), "2000-02-29");
        assert_eq!(super::format_date(1_795_910_400_000), "2026-11-29");
        assert_eq!(super::format_date_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(
            super::format_date_time(1_795_910_400_000 + 13 * 3_600_000 + 7 * 60_000 + 59_999),
            "2026-11-29 13:07 UTC"
        );
        assert_eq!(super::format_date_time(-60_000), "1969-12-31 23:59 UTC");
        assert_eq!(super::format_money(4_500, "USD"), "$45.00");
        assert_eq!(super::format_money(5, "EUR"), "0.05 EUR");
    }
}
