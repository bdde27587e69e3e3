//! Personal access tokens for the REST API: create (shown once), list, revoke. And
//! the account's security: change password, sign out everywhere.

use crate::api::{list_tokens, ChangePassword, CreateToken, RevokeToken, SignOutEverywhere};
use crate::ui::{
    any_error, field_error, form_error, format_date, hard_navigate, ErrorPanel, ErrorText,
    NextPage, SubmitButton,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let query = use_query_map();
    let tokens = Resource::new(
        move || {
            (
                query.read().get("after"),
                create.version().get(),
                revoke.version().get(),
            )
        },
        |(after, ..)| list_tokens(after),
    );
    let created = create.value();
    view! {
        <div class="section-head">
            <h1>"Personal access tokens"</h1>
        </div>
        <p class="muted">
            "Tokens let scripts use the REST API as you: send "
            <code>"Authorization: token <value>"</code>
            ". A token is shown once, when you create it."
        </p>
        <section class="card">
            <h2>"Create a token"</h2>
            <ActionForm action=create attr:class="row">
                <label for="description" class="visually-hidden">"Description"</label>
                <input id="description" name="description" placeholder="What is this token for?"/>
                <SubmitButton pending=create.pending() label="Create token"/>
            </ActionForm>
            <ErrorText message=Signal::derive(any_error(created))/>
            {move || created.get().and_then(|r| r.ok()).map(|t| view! {
                <div class="banner" role="status">
                    <p>"Copy your new token now. You will not be able to see it again."</p>
                    <code class="secret" data-testid="new-token">{t.value}</code>
                </div>
            })}
        </section>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(list) if list.items.is_empty() && query.read_untracked().get("after").is_some() => view! {
                        <p class="muted">"No more tokens on this page. " <a href="/account/tokens">"Your newest tokens"</a></p>
                    }.into_any(),
                    Ok(list) if list.items.is_empty() => view! { <p class="muted">"You have no tokens."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table">
                            <thead><tr><th scope="col">"Description"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                            <tbody>
                                {list.items.iter().cloned().map(|t| {
                                    let name = if t.description.is_empty() { "(no description)".to_owned() } else { t.description.clone() };
                                    view! {
                                    <tr>
                                        <td>{name.clone()}</td>
                                        <td>{format_date(t.created_at)}</td>
                                        <td>{t.last_used_at.map(format_date).unwrap_or_else(|| "never".into())}</td>
                                        <td>
                                            <ActionForm action=revoke attr:class="inline">
                                                <input type="hidden" name="id" value=t.id.clone()/>
                                                <SubmitButton pending=revoke.pending() label="Revoke" class="danger link" aria_label=format!("Revoke the token {name}")/>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <NextPage path="/account/tokens".to_owned() next=list.next.clone() what="tokens"/>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
        <AccountSecurity/>
    }
}

/// Change password (the other sessions end, this one stays) and sign out everywhere
/// (every session ends, this one too; tokens stay).
#[component]
fn AccountSecurity() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = everywhere.value().get() {
            hard_navigate("/signin");
        }
    });
    let changed = change.value();
    view! {
        <h2>"Account security"</h2>
        <section class="card">
            <h3>"Change password"</h3>
            <ActionForm action=change>
                <label for="current_password">"Current password"</label>
                <input id="current_password" name="current_password" type="password" autocomplete="current-password" required=true/>
                <ErrorText message=Signal::derive(field_error(changed, "current_password"))/>
                <label for="new_password">"New password"</label>
                <input id="new_password" name="password" type="password" autocomplete="new-password" required=true minlength="10" aria-describedby="new-password-hint"/>
                <p class="hint" id="new-password-hint">"At least 10 characters. Your other sessions end; this one stays."</p>
                <ErrorText message=Signal::derive(field_error(changed, "password"))/>
                <ErrorText message=Signal::derive(form_error(changed))/>
                <SubmitButton pending=change.pending() label="Change password"/>
            </ActionForm>
            {move || matches!(changed.get(), Some(Ok(()))).then(|| view! {
                <div class="banner" role="status" data-testid="password-changed">
                    <p>"Your password was changed, and every other session of your account has ended."</p>
                </div>
            })}
        </section>
        <section class="card">
            <h3>"Sessions"</h3>
            <p class="muted">
                "Signed in somewhere you no longer use? Sign out everywhere ends every session of your account, this one too. "
                "Personal access tokens are not sessions: they keep working until you revoke them."
            </p>
            <ActionForm action=everywhere>
                <SubmitButton pending=everywhere.pending() label="Sign out everywhere" class="danger"/>
            </ActionForm>
            <ErrorText message=Signal::derive(any_error(everywhere.value()))/>
        </section>
    }
}
