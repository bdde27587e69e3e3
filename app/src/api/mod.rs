//! Server functions: the UI's calls to the server. Each one finds its caller the way the
//! REST API does (`ssr`), then calls the services (`purser_services`) — directly, or for
//! a page's read through `reads`, which gathers what one page shows.

use crate::model::ResourceKind;
use crate::model::{AuditPage, OrgResources, Page, ResourceSection, TeamPage, UsageView};
use crate::model::{
    BillingPage, CreatedToken, IdentityPage, InvitePreview, Me, MembersPage, MyInvitation,
    TokenView,
};
use leptos::prelude::*;
use purser_core::error::AppError;
use purser_core::usage::Granularity;
use purser_core::{Edition, IdentityProvider, InvitedRole, Role};
#[cfg(feature = "ssr")]
use {
    purser_services::{accounts, billing, directory, invitations, orgs, stacks, tokens},
    purser_services::{org_tokens, policies, scim, sso, teams},
    ssr::{calling, in_org, run, signed_in},
};

mod single_sign_on;
pub use single_sign_on::*;
mod stripe;
pub use stripe::*;

#[cfg(feature = "ssr")]
mod reads;
#[cfg(feature = "ssr")]
mod ssr;

#[server(prefix = "/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    run(async { reads::me(&ssr::state()?).await }).await
}

/// `login` may be left out or empty: one is then made from the email address.
#[server(prefix = "/fn", endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    login: Option<String>,
) -> Result<(), AppError> {
    run(async {
        let state = ssr::state()?;
        let login = login.unwrap_or_default();
        let form = accounts::SignUp::parse(&name, &email, &password, &login)?;
        let user = accounts::sign_up(&state.db, form, &state.settings.base_url).await?;
        let lifetimes = state.settings.session_lifetimes();
        let secret = accounts::create_session(&state.db, lifetimes, &user).await?;
        ssr::set_session_cookie(&state, Some(&secret));
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    run(async {
        let state = ssr::state()?;
        let (limits, lifetimes) = (&state.settings.limits, state.settings.session_lifetimes());
        let secret = accounts::sign_in(&state.db, limits, lifetimes, &email, &password).await?;
        ssr::set_session_cookie(&state, Some(&secret));
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    run(async {
        let state = ssr::state()?;
        if let Some(secret) = ssr::session_secret() {
            accounts::end_session(&state.db, &secret).await?;
        }
        ssr::set_session_cookie(&state, None);
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "check_verification")]
pub async fn check_verification(token: String) -> Result<(), AppError> {
    run(async { reads::check_verification(&ssr::state()?, &token).await }).await
}

#[server(prefix = "/fn", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    run(async {
        let (state, user) = signed_in().await?;
        accounts::verify_email(&state.db, &user, &token).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    run(async {
        let (state, user) = signed_in().await?;
        accounts::resend_verification(&state, &user).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    run(async {
        let (state, user) = signed_in().await?;
        accounts::end_all_sessions(&state.db, &user.id, None).await?;
        ssr::set_session_cookie(&state, None);
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "change_password")]
pub async fn change_password(current_password: String, password: String) -> Result<(), AppError> {
    run(async {
        let (state, user) = signed_in().await?;
        let session = ssr::session_secret().unwrap_or_default();
        let db = &state.db;
        accounts::change_password(db, &user, &session, &current_password, &password).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    run(async { accounts::request_password_reset(&ssr::state()?, &email).await }).await
}

#[server(prefix = "/fn", endpoint = "check_password_reset")]
pub async fn check_password_reset(token: String) -> Result<(), AppError> {
    run(async { accounts::check_password_reset(&ssr::state()?.db, &token).await }).await
}

#[server(prefix = "/fn", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    run(async {
        let state = ssr::state()?;
        let lifetimes = state.settings.session_lifetimes();
        let secret =
            accounts::reset_password_and_sign_in(&state.db, lifetimes, &token, &password).await?;
        ssr::set_session_cookie(&state, Some(&secret));
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "create_org")]
pub async fn create_org(
    name: String,
    display_name: String,
    edition: Edition,
) -> Result<String, AppError> {
    run(async {
        let (state, user) = signed_in().await?;
        let new = orgs::NewOrg::parse(&name, &display_name, edition)?;
        Ok(orgs::create(&state.db, &user, new).await?.name)
    })
    .await
}

#[server(prefix = "/fn", endpoint = "org_members")]
pub async fn org_members(
    org: String,
    after: Option<String>,
    invites_after: Option<String>,
) -> Result<MembersPage, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        reads::members(&state, &at, after, invites_after).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "list_tokens")]
pub async fn list_tokens(after: Option<String>) -> Result<Page<TokenView>, AppError> {
    run(async {
        let (state, user) = signed_in().await?;
        reads::tokens(&state, &user, after).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "create_token")]
pub async fn create_token(description: String) -> Result<CreatedToken, AppError> {
    run(async {
        let (state, user) = signed_in().await?;
        let with = accounts::SignedInWith::Session;
        let t = tokens::create(&state.db, &user, &with, &description, 0).await?;
        Ok(CreatedToken {
            id: t.id,
            value: t.value,
        })
    })
    .await
}

#[server(prefix = "/fn", endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    run(async {
        let (state, user) = signed_in().await?;
        tokens::revoke(&state.db, &user, &id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "preview_invite")]
pub async fn preview_invite(secret: String) -> Result<InvitePreview, AppError> {
    run(async {
        let p = invitations::preview(&ssr::state()?.db, &secret).await?;
        Ok(InvitePreview {
            org_name: p.org_name,
            org_display_name: p.org_display_name,
            role: p.role,
            valid: p.status == purser_core::InvitationStatus::Pending,
        })
    })
    .await
}

#[server(prefix = "/fn", endpoint = "accept_invite")]
pub async fn accept_invite(secret: String) -> Result<(String, Role), AppError> {
    run(async {
        let (state, caller) = calling().await?;
        let locator = invitations::Locator::Secret {
            org: None,
            secret: &secret,
        };
        let (org, role) = invitations::accept(&state, &caller, locator).await?;
        Ok((org.name, role))
    })
    .await
}

#[server(prefix = "/fn", endpoint = "my_invitations")]
pub async fn my_invitations() -> Result<Vec<MyInvitation>, AppError> {
    run(async {
        let (state, user) = signed_in().await?;
        reads::my_invitations(&state, &user).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "accept_invitation")]
pub async fn accept_invitation(org: String, id: String) -> Result<(String, Role), AppError> {
    run(async {
        let (state, caller) = calling().await?;
        let locator = invitations::Locator::Id { org: &org, id: &id };
        let (org, role) = invitations::accept(&state, &caller, locator).await?;
        Ok((org.name, role))
    })
    .await
}

#[server(prefix = "/fn", endpoint = "load_billing")]
pub async fn load_billing(
    org: String,
    after: Option<String>,
    invites_after: Option<String>,
) -> Result<BillingPage, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        reads::billing(&state, &at, after, invites_after).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "invite_by_email")]
pub async fn invite_by_email(
    org: String,
    role: InvitedRole,
    emails: String,
) -> Result<usize, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        let created = invitations::invite_by_email(&state, &at, role, &[emails]).await?;
        Ok(created.len())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "invite_link")]
pub async fn invite_link(org: String, role: InvitedRole) -> Result<String, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        let (_, url) = invitations::invite_by_link(&state, &at, role).await?;
        Ok(url)
    })
    .await
}

#[server(prefix = "/fn", endpoint = "resend_invite")]
pub async fn resend_invite(org: String, id: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        invitations::resend(&state, &at, &id).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "revoke_invite")]
pub async fn revoke_invite(org: String, id: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        invitations::revoke(&state.db, &at, &id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "remove_billing_manager")]
pub async fn remove_billing_manager(org: String, user_id: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        orgs::remove_billing_manager(&state.db, &at, &user_id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "change_member_role")]
pub async fn change_member_role(org: String, user_id: String, role: Role) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        orgs::change_role(&state.db, &at, orgs::Person::Id(&user_id), role).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "remove_member")]
pub async fn remove_member(org: String, user_id: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        orgs::remove_member(&state.db, &at, orgs::Person::Id(&user_id)).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "load_identity")]
pub async fn load_identity(
    org: String,
    after: Option<String>,
    tokens_after: Option<String>,
) -> Result<IdentityPage, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        reads::identity(&state, &at, after, tokens_after).await
    })
    .await
}

/// Makes a SCIM token for the organization's identity provider; answers its value,
/// shown this once.
#[server(prefix = "/fn", endpoint = "create_scim_token")]
pub async fn create_scim_token(org: String, description: String) -> Result<String, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        let (_, value) = scim::tokens::create(&state.db, &at, &description).await?;
        Ok(value)
    })
    .await
}

#[server(prefix = "/fn", endpoint = "revoke_scim_token")]
pub async fn revoke_scim_token(org: String, id: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        scim::tokens::revoke(&state.db, &at, &id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "set_identity_provider")]
pub async fn set_identity_provider(
    org: String,
    provider: IdentityProvider,
) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        // Single sign-on turns on only with a configuration a test sign-in proved.
        match provider {
            IdentityProvider::Oidc => sso::turn_on(&state.db, &at).await,
            other => directory::set_identity_provider(&state.db, &at, other).await,
        }
    })
    .await
}

#[server(prefix = "/fn", endpoint = "add_directory_email")]
pub async fn add_directory_email(org: String, email: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        directory::add(&state.db, &at, &email).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "remove_directory_email")]
pub async fn remove_directory_email(org: String, email: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        directory::remove(&state.db, &at, &email).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "update_card")]
pub async fn update_card(
    org: String,
    holder: String,
    number: String,
    expiry: String,
    cvc: String,
) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        let card = purser_core::billing::CardInput {
            holder,
            number,
            expiry,
            cvc,
        };
        let (db, processor) = (&state.db, state.processor.as_ref());
        billing::update_payment_method(db, processor, &at, &card).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "change_edition")]
pub async fn change_edition(org: String, edition: Edition) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        billing::change_edition(&state.db, &at, edition).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "load_resources")]
pub async fn load_resources(
    org: String,
    section: ResourceSection,
    after: Option<String>,
    packs_after: Option<String>,
) -> Result<OrgResources, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        reads::resources(&state, &at, section, after, packs_after).await
    })
    .await
}

/// Makes one of the one-line create forms' resources; an organization token's value
/// is answered this once.
#[server(prefix = "/fn", endpoint = "create_resource")]
pub async fn create_resource(
    org: String,
    kind: ResourceKind,
    name: String,
    extra: String,
) -> Result<Option<String>, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        let db = &state.db;
        match kind {
            ResourceKind::Stack => {
                stacks::create(db, &at, &name, &extra).await?;
            }
            ResourceKind::Team => {
                teams::create(db, &at, &name, &extra).await?;
            }
            ResourceKind::PolicyGroup => {
                let kind = policies::PolicyKind::Groups;
                policies::create(db, &at, kind, &name).await?;
            }
            ResourceKind::PolicyPack => {
                let kind = policies::PolicyKind::Packs;
                policies::create(db, &at, kind, &name).await?;
            }
            ResourceKind::OrgToken => {
                let new = org_tokens::NewOrgToken {
                    name: &name,
                    description: "",
                    admin: false,
                    expires_secs: 0,
                };
                let (_, value) = org_tokens::create(db, &at, new).await?;
                return Ok(Some(value));
            }
        };
        Ok(None)
    })
    .await
}

#[server(prefix = "/fn", endpoint = "revoke_org_token")]
pub async fn revoke_org_token(org: String, id: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        org_tokens::revoke(&state.db, &at, &id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "load_team")]
pub async fn load_team(
    org: String,
    team: String,
    after: Option<String>,
) -> Result<TeamPage, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        reads::team(&state, &at, team, after).await
    })
    .await
}

/// Adds the organization's member with this email address to the team.
#[server(prefix = "/fn", endpoint = "add_team_member")]
pub async fn add_team_member(org: String, team: String, email: String) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        teams::add_by_email(&state.db, &at, &team, &email).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "remove_team_member")]
pub async fn remove_team_member(
    org: String,
    team: String,
    user_id: String,
) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        let db = &state.db;
        teams::manage(db, &at, &team, &user_id, false).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "load_usage")]
pub async fn load_usage(
    org: String,
    granularity: Granularity,
    lookback_days: i64,
) -> Result<UsageView, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        stacks::summary(&state.db, &at, granularity, lookback_days).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "load_audit")]
pub async fn load_audit(
    org: String,
    event: Option<String>,
    after: Option<String>,
) -> Result<AuditPage, AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        reads::audit(&state, &at, event, after).await
    })
    .await
}
