//! Sign up, sign in, the email verification link, and password reset.

use crate::api::{
    check_password_reset, check_verification, RequestPasswordReset, ResetPassword, VerifyEmail,
};
use crate::api::{SignIn, SignUp};
use crate::ui::{
    any_error, field_error, form_error, href_with, use_soft_navigate, ErrorText, SubmitButton,
};
use crate::MeResource;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use purser_core::error::AppError;
use purser_core::ReturnPath;

/// Where to go after signing in: only a path on this site, never another origin
/// (`core` decides what that is).
fn safe_next(next: Option<String>) -> ReturnPath {
    ReturnPath::or_home(next.as_deref())
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let query = use_query_map();
    let next = move || safe_next(query.read().get("next"));
    let go = use_soft_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            go(next().as_str());
        }
    });
    let value = action.value();
    view! {
        <section class="card narrow">
            <h1>"Create your Purser account"</h1>
            <ActionForm action>
                <label for="name">"Name"</label>
                <input id="name" name="name" autocomplete="name" required=true/>
                <ErrorText message=Signal::derive(field_error(value, "name"))/>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="email" required=true/>
                <ErrorText message=Signal::derive(field_error(value, "email"))/>
                <label for="login">"Login"</label>
                <input id="login" name="login" autocomplete="username" maxlength="39" aria-describedby="login-hint"/>
                <p class="hint" id="login-hint">"Your handle, as on GitHub: letters, digits and single hyphens. Leave it empty to use one made from your email address."</p>
                <ErrorText message=Signal::derive(field_error(value, "login"))/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="new-password" required=true minlength="10" aria-describedby="password-hint"/>
                <p class="hint" id="password-hint">"At least 10 characters."</p>
                <ErrorText message=Signal::derive(field_error(value, "password"))/>
                <ErrorText message=Signal::derive(form_error(value))/>
                <SubmitButton pending=action.pending() label="Sign up"/>
            </ActionForm>
            <p class="muted">"Already have an account? " <a href=move || format!("/signin?next={}", next().to_query_value())>"Sign in"</a></p>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || safe_next(query.read().get("next"));
    let go = use_soft_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            go(next().as_str());
        }
    });
    let value = action.value();
    view! {
        <section class="card narrow">
            <h1>"Sign in to Purser"</h1>
            <ActionForm action>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="email" required=true/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required=true/>
                <ErrorText message=Signal::derive(move || value.get().and_then(|r| r.err()).map(|e| e.to_string()))/>
                <SubmitButton pending=action.pending() label="Sign in"/>
            </ActionForm>
            <p class="muted"><a href="/password/forgot">"Forgot your password?"</a></p>
            // A plain form: the server sends the browser on to the organization's
            // identity provider (`/sso/{org}`), with or without the WASM.
            <form method="get" action="/sso" class="sso-sign-in">
                <h2>"Sign in with SSO"</h2>
                <label for="sso-org">"Your organization's URL name"</label>
                <input id="sso-org" name="org" required=true autocomplete="organization" placeholder="acme"/>
                <button type="submit" class="secondary">"Sign in with SSO"</button>
            </form>
            <p class="muted">"New to Purser? " <a href=move || format!("/signup?next={}", next().to_query_value())>"Create an account"</a></p>
        </section>
    }
}

/// Opened from the verification email. Opening it changes nothing (mail scanners open
/// links): the account it was sent to, signed in, verifies with a button.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let me = expect_context::<MeResource>();
    // Whether the signed-in account may use the link: its own, unused.
    let check = Resource::new(token, check_verification);
    view! {
        <section class="card narrow">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match me.await.ok().flatten() {
                        Some(me) => match (me.email_verified, check.await) {
                            (_, Err(e @ AppError::Forbidden(_))) | (false, Err(e)) => view! {
                                <h1>"This link cannot be used"</h1>
                                <p>{e.to_string()}</p>
                                <p><a href="/">"Back to Purser"</a></p>
                            }
                            .into_any(),
                            (true, _) => view! { <Verified/> }.into_any(),
                            (false, Ok(())) => view! { <VerifyForm token=token() email=me.email/> }.into_any(),
                        },
                        None => {
                            // Back here after signing in; `core` checks the path.
                            let here = href_with("/verify-email", &[("token", Some(token()))]);
                            let here = ReturnPath::or_home(Some(&here)).to_query_value();
                            view! {
                                <h1>"Verify your email address"</h1>
                                <p>"Sign in to the account this address was given to, and you will come back here to verify it."</p>
                                <p><a class="button" href=format!("/signin?next={here}")>"Sign in to verify"</a></p>
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn VerifyForm(token: String, email: String) -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let value = action.value();
    let me = expect_context::<MeResource>();
    // The page, the header and its banner follow the account, now verified.
    Effect::new(move |_| {
        if let Some(Ok(())) = value.get() {
            me.refetch();
        }
    });
    view! {
        <h1>"Verify your email address"</h1>
        <p>{format!("Confirm that {email} is your address.")}</p>
        <ActionForm action>
            <input type="hidden" name="token" value=token/>
            <ErrorText message=Signal::derive(any_error(value))/>
            <SubmitButton pending=action.pending() label="Verify email address"/>
        </ActionForm>
    }
}

#[component]
fn Verified() -> impl IntoView {
    view! {
        <h1 data-testid="verified">"Your email address is verified"</h1>
        <p>"You can now create organizations and accept invitations."</p>
        <p><a class="button" href="/">"Continue"</a></p>
    }
}

/// Asks for a password-reset link. The answer is the same whether or not an account
/// has the address, so the page tells nobody who has an account.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let value = action.value();
    let sent = move || matches!(value.get(), Some(Ok(())));
    view! {
        <section class="card narrow">
            <h1>"Reset your password"</h1>
            <Show
                when=sent
                fallback=move || view! {
                    <p class="muted">"Enter the email address of your account and we will send you a link to choose a new password."</p>
                    <ActionForm action>
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="email" required=true/>
                        <ErrorText message=Signal::derive(field_error(value, "email"))/>
                        <ErrorText message=Signal::derive(form_error(value))/>
                        <SubmitButton pending=action.pending() label="Send reset link"/>
                    </ActionForm>
                }
            >
                <p role="status" data-testid="reset-sent">
                    "If an account exists for that address, we sent a link to it. The link works once, for an hour."
                </p>
            </Show>
            <p class="muted"><a href="/signin">"Back to sign in"</a></p>
        </section>
    }
}

/// Opened from the reset email: a new password, then signed in with a fresh session.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let link = Resource::new(token, check_password_reset);
    let action = ServerAction::<ResetPassword>::new();
    let go = use_soft_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            go("/");
        }
    });
    let value = action.value();
    view! {
        <section class="card narrow">
            <Suspense fallback=|| view! { <p>"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(()) => view! {
                            <h1>"Choose a new password"</h1>
                            <ActionForm action>
                                <input type="hidden" name="token" value=token()/>
                                <label for="password">"New password"</label>
                                <input id="password" name="password" type="password" autocomplete="new-password" required=true minlength="10" aria-describedby="password-hint"/>
                                <p class="hint" id="password-hint">"At least 10 characters. Every session of your account ends, and you are signed in here."</p>
                                <ErrorText message=Signal::derive(field_error(value, "password"))/>
                                <ErrorText message=Signal::derive(form_error(value))/>
                                <SubmitButton pending=action.pending() label="Set new password"/>
                            </ActionForm>
                        }
                        .into_any(),
                        Err(e) => view! {
                            <h1 data-testid="reset-invalid">"This link cannot be used"</h1>
                            <p>{e.to_string()}</p>
                            <p><a href="/password/forgot">"Ask for a new link"</a></p>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        use super::safe_next;
        let next = |s: Option<&str>| safe_next(s.map(str::to_owned)).to_string();
        assert_eq!(next(Some("/invites/x")), "/invites/x");
        assert_eq!(next(Some("//evil.example")), "/");
        assert_eq!(next(Some("https://evil.example")), "/");
        assert_eq!(next(Some("/\\evil.example")), "/");
        // `?next=/%09/evil.example` and `%0a`, as the query map decodes them.
        assert_eq!(next(Some("/\t/evil.example")), "/");
        assert_eq!(next(Some("/\n/evil.example")), "/");
        assert_eq!(next(None), "/");
    }
}
