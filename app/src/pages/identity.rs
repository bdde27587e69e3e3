//! Settings → Identity provider: `open`, a `directory` of allowed emails, or single
//! sign-on through the organization's OpenID Connect provider (saved, tested in a new
//! tab, then turned on).

use crate::api::{
    load_identity, AddDirectoryEmail, CreateScimToken, RemoveDirectoryEmail, RevokeScimToken,
    SaveOidc, SetIdentityProvider,
};
use crate::components::invitations::copy_to_clipboard;
use crate::components::settings_nav::{SettingsNav, Tab};
use crate::model::{IdentityPage, OidcSettings, SsoTest};
use crate::ui::{
    any_error, format_date, format_date_time, ErrorPanel, ErrorText, NextPage, SubmitButton,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use purser_core::navigation::OrgPage;
use purser_core::sso::JoinAs;
use purser_core::{Email, IdentityProvider};

#[component]
pub fn IdentityProviderPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let set = ServerAction::<SetIdentityProvider>::new();
    let add = ServerAction::<AddDirectoryEmail>::new();
    let remove = ServerAction::<RemoveDirectoryEmail>::new();
    let save_oidc = ServerAction::<SaveOidc>::new();
    let scim = Scim {
        create: ServerAction::<CreateScimToken>::new(),
        revoke: ServerAction::<RevokeScimToken>::new(),
    };
    let page = Resource::new(
        move || {
            (
                params.read().get("org").unwrap_or_default(),
                query.read().get("after"),
                query.read().get("tokens_after"),
                set.version().get(),
                add.version().get(),
                remove.version().get(),
                save_oidc.version().get(),
                (scim.create.version().get(), scim.revoke.version().get()),
            )
        },
        |(org, after, tokens_after, ..)| load_identity(org, after, tokens_after),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <IdentityView page set add remove save_oidc scim/> }.into_any(),
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
    save_oidc: ServerAction<SaveOidc>,
    scim: Scim,
) -> impl IntoView {
    let org = page.org.name.clone();
    let (org_for_provider, org_for_add) = (org.clone(), org.clone());
    let directory = page.provider == IdentityProvider::Directory;
    let oidc = page.provider == IdentityProvider::Oidc;
    let tested = page.oidc.as_ref().is_some_and(|c| c.tested);
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
                    <option value="open" selected=!directory && !oidc>"Open"</option>
                    <option value="directory" selected=directory>"Directory"</option>
                    <option value="oidc" selected=oidc disabled=!tested && !oidc>
                        "Single sign-on (OpenID Connect)"
                    </option>
                </select>
                <SubmitButton pending=set.pending() label="Save"/>
            </ActionForm>
            <ErrorText message=Signal::derive(any_error(set.value()))/>
        </section>
        <SingleSignOn
            org=org.clone()
            redirect_uri=page.redirect_uri.clone()
            config=page.oidc.clone()
            last_test=page.last_test.clone()
            on=oidc
            save=save_oidc
            set
        />
        <Provisioning
            org=org.clone()
            url=page.scim_url.clone()
            takes_it=page.provider.takes_provisioning()
            tokens=page.scim_tokens.clone()
            scim
        />
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

/// The OpenID Connect connection: the redirect URI to register, the form, the test
/// sign-in (a new tab) and what it received, and the switch that turns SSO on.
#[component]
fn SingleSignOn(
    org: String,
    redirect_uri: String,
    config: Option<OidcSettings>,
    last_test: Option<SsoTest>,
    on: bool,
    save: ServerAction<SaveOidc>,
    set: ServerAction<SetIdentityProvider>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let uri_for_copy = redirect_uri.clone();
    let c = config.clone().unwrap_or(OidcSettings {
        issuer: String::new(),
        client_id: String::new(),
        join_as: JoinAs::None,
        groups_claim: String::new(),
        teams_from_groups: String::new(),
        lifetime_hours: purser_core::sso::DEFAULT_LIFETIME_SECS / 3600,
        recovery_admin: String::new(),
        tested: false,
    });
    let saved = config.is_some();
    let tested = c.tested;
    let join_member = c.join_as == JoinAs::Member;
    let value = save.value();
    let test_href = format!("/sso/{org}/test");
    let org_for_form = org.clone();
    // One line of status, one switch: few distinct views keep the bundle small.
    let status = match (saved, tested, on) {
        (_, _, true) => "Single sign-on is on: browser sessions act here only after signing in through the provider.",
        (true, true, false) => "The test sign-in succeeded: single sign-on can be turned on.",
        (true, false, false) => "Single sign-on can be turned on after a test sign-in succeeds.",
        (false, ..) => "",
    };
    let may_turn_on = saved && tested && !on;
    view! {
        <section class="card" data-testid="sso">
            <h2>"Single sign-on (OpenID Connect)"</h2>
            <p>
                "People sign in through your identity provider (Okta, Entra ID, Google, Keycloak, authentik, GitLab…). "
                "Register Purser at the provider as a web application with this redirect URI:"
            </p>
            <div class="row">
                <code data-testid="redirect-uri">{redirect_uri.clone()}</code>
                <button type="button" class="secondary" on:click=move |_| copy_to_clipboard(&uri_for_copy, copied)>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
            <ActionForm action=save attr:class="stack">
                <input type="hidden" name="org" value=org_for_form/>
                <label for="sso-issuer">"Issuer URL"</label>
                <input id="sso-issuer" name="issuer" type="url" required=true value=c.issuer
                    placeholder="https://login.example.com/realms/acme"/>
                <label for="sso-client-id">"Client ID"</label>
                <input id="sso-client-id" name="client_id" required=true value=c.client_id/>
                <label for="sso-client-secret">"Client secret"</label>
                <input id="sso-client-secret" name="client_secret" type="password" autocomplete="off"
                    required=!saved
                    placeholder=if saved { "Saved (leave empty to keep it)" } else { "" }/>
                <label for="sso-join-as">"People the provider vouches for who hold no role"</label>
                <select id="sso-join-as" name="join_as">
                    <option value="none" selected=!join_member>"Still need an invitation"</option>
                    <option value="member" selected=join_member>"Join as members at their first sign-in"</option>
                </select>
                <label for="sso-groups-claim">"Groups claim (optional)"</label>
                <input id="sso-groups-claim" name="groups_claim" value=c.groups_claim placeholder="groups"/>
                <label for="sso-teams">"Teams from groups (one “group = team” a line; optional)"</label>
                <textarea id="sso-teams" name="teams_from_groups" rows="3">{c.teams_from_groups}</textarea>
                <label for="sso-lifetime">"SSO lifetime (hours a sign-in lasts)"</label>
                <input id="sso-lifetime" name="lifetime_hours" type="number" min="1" max="720" required=true
                    value=c.lifetime_hours.to_string()/>
                <label for="sso-recovery">"Recovery admin (login; may still sign in with a password)"</label>
                <input id="sso-recovery" name="recovery_admin" value=c.recovery_admin
                    placeholder="you, by default"/>
                // Each message names what it is about (the issuer, the client ID, …).
                <ErrorText message=Signal::derive(any_error(value))/>
                <SubmitButton pending=save.pending() label="Save connection"/>
            </ActionForm>
            <p hidden=!saved>
                <a href=test_href target="_blank" rel="external noopener" class="button secondary" data-testid="sso-test">
                    "Test sign-in"
                </a>
                " Opens your provider in a new tab and shows what it sends back; nobody's access changes."
            </p>
            {last_test.map(|t| view! {
                <div class="banner" role="status" data-testid="sso-test-result">
                    <p>{format!("Test sign-in by {} at {} UTC received:", t.tested_by, format_date_time(t.tested_at))}</p>
                    <pre>{t.claims}</pre>
                </div>
            })}
            <p class="muted">{status}</p>
            <ActionForm action=set attr:class="row" attr:hidden=!may_turn_on>
                <input type="hidden" name="org" value=org/>
                <input type="hidden" name="provider" value="oidc"/>
                <SubmitButton pending=set.pending() label="Turn on single sign-on"/>
            </ActionForm>
        </section>
    }
}

/// The SCIM token actions of the page.
#[derive(Clone, Copy)]
struct Scim {
    create: ServerAction<CreateScimToken>,
    revoke: ServerAction<RevokeScimToken>,
}

/// Provisioning through SCIM 2.0: the endpoint to give the provider, its tokens (the
/// new one shown once), and revoking them.
#[component]
fn Provisioning(
    org: String,
    url: String,
    takes_it: bool,
    tokens: Option<purser_core::page::Page<purser_core::views::ScimTokenView>>,
    scim: Scim,
) -> impl IntoView {
    let tokens = tokens?;
    let copied = RwSignal::new(false);
    let url_for_copy = url.clone();
    let (org_for_create, path) = (org.clone(), OrgPage::Identity.href(&org));
    let created = scim.create.value();
    Some(view! {
        <section class="card" data-testid="scim">
            <h2>"Provisioning (SCIM)"</h2>
            <p>
                "Your identity provider adds, updates and removes people and teams here: give it this SCIM base URL and a token. "
                {(!takes_it).then_some("It takes effect once the identity provider above is a directory or single sign-on.")}
            </p>
            <div class="row">
                <code data-testid="scim-url">{url}</code>
                <button type="button" class="secondary" on:click=move |_| copy_to_clipboard(&url_for_copy, copied)>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
            <ActionForm action=scim.create attr:class="row">
                <input type="hidden" name="org" value=org_for_create/>
                <label for="scim-description">"Token for"</label>
                <input id="scim-description" name="description" required=true maxlength="200" placeholder="Okta"/>
                <SubmitButton pending=scim.create.pending() label="Create SCIM token"/>
            </ActionForm>
            <ErrorText message=Signal::derive(any_error(created))/>
            <ErrorText message=Signal::derive(any_error(scim.revoke.value()))/>
            {move || created.get().and_then(|r| r.ok()).map(|value| view! {
                <div class="banner" role="status"><p>"Copy the token now; it is not shown again."</p><code class="secret" data-testid="scim-token">{value}</code></div>
            })}
            <table class="table" data-testid="scim-tokens">
                <thead><tr><th scope="col">"Token for"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                <tbody>
                    {tokens.items.into_iter().map(|t| {
                        let org = org.clone();
                        view! {
                            <tr>
                                <td>{t.description.clone()}</td>
                                <td>{format_date(t.created_at)}</td>
                                <td>{t.last_used_at.map(format_date).unwrap_or_else(|| "Never".into())}</td>
                                <td>
                                    <ActionForm action=scim.revoke attr:class="inline">
                                        <input type="hidden" name="org" value=org/>
                                        <input type="hidden" name="id" value=t.id.clone()/>
                                        <SubmitButton pending=scim.revoke.pending() label="Revoke" class="link danger" aria_label=format!("Revoke the SCIM token for {}", t.description)/>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <NextPage path param="tokens_after" next=tokens.next what="SCIM tokens"/>
        </section>
    })
}
