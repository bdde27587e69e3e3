//! The accept page an invitation link opens.

use crate::api::{preview_invite, AcceptInvite};
use crate::pages::home::VerifyBanner;
use crate::ui::{any_error, use_soft_navigate, ErrorText, SubmitButton};
use crate::MeResource;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use purser_core::navigation::home_for;
use purser_core::{ReturnPath, Role};

#[component]
pub fn AcceptInvitePage() -> impl IntoView {
    let params = use_params_map();
    let secret = move || params.read().get("secret").unwrap_or_default();
    let preview = Resource::new(secret, preview_invite);
    let me = expect_context::<MeResource>();
    view! {
        <section class="card narrow">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let preview = preview.await;
                    let me = me.await.ok().flatten();
                    match preview {
                        Ok(p) if p.valid => {
                            let role = match p.role {
                                Role::BillingManager => "a billing manager",
                                _ => "a member",
                            };
                            let heading = format!("Join {} as {role}", p.org_display_name);
                            // Back here after signing in or up; `core` checks the path
                            // and it is escaped as a query value.
                            let here = ReturnPath::or_home(Some(&format!("/invites/{}", secret())))
                                .to_query_value();
                            let body = match me {
                                Some(me) => view! { <AcceptForm secret=secret() email=me.email verified=me.email_verified/> }.into_any(),
                                None => view! {
                                    <p>"Sign in or create an account to accept. You will come back here."</p>
                                    <p>
                                        <a class="button" href=format!("/signin?next={here}")>"Sign in to accept"</a>
                                        " "
                                        <a href=format!("/signup?next={here}")>"Create an account"</a>
                                    </p>
                                }
                                .into_any(),
                            };
                            view! { <h1>{heading}</h1> {body} }.into_any()
                        }
                        _ => view! {
                            <h1 data-testid="invite-invalid">"This invitation is no longer valid"</h1>
                            <p>"It has been used or revoked. Ask an admin of the organization for a new one."</p>
                            <p><a href="/">"Back to Purser"</a></p>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AcceptForm(secret: String, email: String, verified: bool) -> impl IntoView {
    let action = ServerAction::<AcceptInvite>::new();
    let value = action.value();
    let go = use_soft_navigate();
    Effect::new(move |_| {
        if let Some(Ok((org, role))) = value.get() {
            go(&home_for(role).href(&org));
        }
    });
    view! {
        // Accepting needs a verified address; verified in another tab, this page's
        // button works as it is.
        {(!verified).then(|| view! { <VerifyBanner email=email.clone()/> })}
        <p class="muted">{format!("You are signed in as {email}.")}</p>
        <ActionForm action>
            <input type="hidden" name="secret" value=secret/>
            <ErrorText message=Signal::derive(any_error(value))/>
            <SubmitButton pending=action.pending() label="Accept invitation"/>
        </ActionForm>
    }
}
