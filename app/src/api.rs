//! Server functions: the UI's calls to the server. Each one finds the backend in
//! context, hands it the session cookie, and on failure sets the HTTP status that
//! matches the error (a 4xx for bad input, never a 500).

#[cfg(feature = "ssr")]
use crate::backend::OrgChange;
use crate::error::AppError;
use crate::model::ResourceKind;
use crate::model::{AuditPage, Listed, OrgResources, ResourceSection, TeamPage, UsageView};
use crate::model::{
    BillingPage, CreatedToken, IdentityPage, InvitePreview, Me, MembersPage, MyInvitation,
    TokenView,
};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use purser_core::billing::CardInput;
use purser_core::usage::Granularity;
use purser_core::{Edition, IdentityProvider, InvitedRole, Role};

#[cfg(feature = "ssr")]
mod ssr {
    use crate::backend::{OrgChange, SharedBackend};
    use crate::error::AppError;
    use crate::model::SESSION_COOKIE;
    use http::header::SET_COOKIE;
    use http::{HeaderValue, StatusCode};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    pub fn backend() -> Result<SharedBackend, AppError> {
        use_context::<SharedBackend>()
            .ok_or_else(|| AppError::Server("backend missing from context".into()))
    }

    /// The session cookie of the request being served.
    pub fn session() -> Option<String> {
        let parts = use_context::<http::request::Parts>()?;
        crate::backend::session_cookie(&parts.headers)
    }

    /// Makes one change to `org` as the signed-in caller.
    pub async fn change(org: String, change: OrgChange) -> Result<(), AppError> {
        answer(backend()?.change(session(), org, change).await)
    }

    /// Sets the response status from the error, so callers see a 4xx, and passes it on.
    /// (`Retry-After`, where the kind has one, is added by the server as the answer
    /// leaves, from the error in the body: `purser_server::http::answer`.)
    pub fn answer<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(e) = &result {
            if let Some(res) = use_context::<ResponseOptions>() {
                res.set_status(
                    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                );
            }
        }
        result
    }

    /// Sets (or, with `None`, clears) the session cookie.
    pub fn set_session_cookie(secret: Option<&str>, secure: bool) {
        let Some(res) = use_context::<ResponseOptions>() else {
            return;
        };
        let secure = if secure { "; Secure" } else { "" };
        // The browser keeps the cookie as long as the session may last at most.
        let max_age = backend().map_or(2_592_000, |b| b.session_cookie_max_age_secs());
        let cookie = match secret {
            Some(s) => format!(
                "{SESSION_COOKIE}={s}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
            ),
            None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
        };
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            res.append_header(SET_COOKIE, value);
        }
    }
}

#[server(prefix = "/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    ssr::answer(ssr::backend()?.me(ssr::session()).await)
}

/// `login` may be left out or empty: one is then made from the email address.
#[server(prefix = "/fn", endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    login: Option<String>,
) -> Result<(), AppError> {
    let backend = ssr::backend()?;
    let login = login.unwrap_or_default();
    let secret = ssr::answer(backend.sign_up(name, email, password, login).await)?;
    ssr::set_session_cookie(Some(&secret), backend.secure_cookies());
    Ok(())
}

#[server(prefix = "/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let backend = ssr::backend()?;
    let secret = ssr::answer(backend.sign_in(email, password).await)?;
    ssr::set_session_cookie(Some(&secret), backend.secure_cookies());
    Ok(())
}

#[server(prefix = "/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let backend = ssr::backend()?;
    ssr::answer(backend.sign_out(ssr::session()).await)?;
    ssr::set_session_cookie(None, backend.secure_cookies());
    Ok(())
}

#[server(prefix = "/fn", endpoint = "check_verification")]
pub async fn check_verification(token: String) -> Result<(), AppError> {
    ssr::answer(
        ssr::backend()?
            .check_verification(ssr::session(), token)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    ssr::answer(ssr::backend()?.verify_email(ssr::session(), token).await)
}

#[server(prefix = "/fn", endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    ssr::answer(ssr::backend()?.resend_verification(ssr::session()).await)
}

#[server(prefix = "/fn", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let backend = ssr::backend()?;
    ssr::answer(backend.sign_out_everywhere(ssr::session()).await)?;
    ssr::set_session_cookie(None, backend.secure_cookies());
    Ok(())
}

#[server(prefix = "/fn", endpoint = "change_password")]
pub async fn change_password(current_password: String, password: String) -> Result<(), AppError> {
    ssr::answer(
        ssr::backend()?
            .change_password(ssr::session(), current_password, password)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    ssr::answer(ssr::backend()?.request_password_reset(email).await)
}

#[server(prefix = "/fn", endpoint = "check_password_reset")]
pub async fn check_password_reset(token: String) -> Result<(), AppError> {
    ssr::answer(ssr::backend()?.check_password_reset(token).await)
}

#[server(prefix = "/fn", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let backend = ssr::backend()?;
    let secret = ssr::answer(backend.reset_password(token, password).await)?;
    ssr::set_session_cookie(Some(&secret), backend.secure_cookies());
    Ok(())
}

#[server(prefix = "/fn", endpoint = "create_org")]
pub async fn create_org(
    name: String,
    display_name: String,
    edition: Edition,
) -> Result<String, AppError> {
    ssr::answer(
        ssr::backend()?
            .create_org(ssr::session(), name, display_name, edition)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "org_members")]
pub async fn org_members(
    org: String,
    after: Option<String>,
    invites_after: Option<String>,
) -> Result<MembersPage, AppError> {
    ssr::answer(
        ssr::backend()?
            .members(ssr::session(), org, after, invites_after)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "list_tokens")]
pub async fn list_tokens(after: Option<String>) -> Result<Listed<TokenView>, AppError> {
    ssr::answer(ssr::backend()?.tokens(ssr::session(), after).await)
}

#[server(prefix = "/fn", endpoint = "create_token")]
pub async fn create_token(description: String) -> Result<CreatedToken, AppError> {
    ssr::answer(
        ssr::backend()?
            .create_token(ssr::session(), description)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    ssr::answer(ssr::backend()?.revoke_token(ssr::session(), id).await)
}

#[server(prefix = "/fn", endpoint = "preview_invite")]
pub async fn preview_invite(secret: String) -> Result<InvitePreview, AppError> {
    ssr::answer(ssr::backend()?.invite_preview(secret).await)
}

#[server(prefix = "/fn", endpoint = "accept_invite")]
pub async fn accept_invite(secret: String) -> Result<(String, Role), AppError> {
    ssr::answer(ssr::backend()?.accept_invite(ssr::session(), secret).await)
}

#[server(prefix = "/fn", endpoint = "my_invitations")]
pub async fn my_invitations() -> Result<Vec<MyInvitation>, AppError> {
    ssr::answer(ssr::backend()?.my_invitations(ssr::session()).await)
}

#[server(prefix = "/fn", endpoint = "accept_invitation")]
pub async fn accept_invitation(org: String, id: String) -> Result<(String, Role), AppError> {
    ssr::answer(
        ssr::backend()?
            .accept_invitation(ssr::session(), org, id)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "load_billing")]
pub async fn load_billing(
    org: String,
    after: Option<String>,
    invites_after: Option<String>,
) -> Result<BillingPage, AppError> {
    ssr::answer(
        ssr::backend()?
            .billing(ssr::session(), org, after, invites_after)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "invite_by_email")]
pub async fn invite_by_email(
    org: String,
    role: InvitedRole,
    emails: String,
) -> Result<usize, AppError> {
    ssr::answer(
        ssr::backend()?
            .invite(ssr::session(), org, role, emails)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "invite_link")]
pub async fn invite_link(org: String, role: InvitedRole) -> Result<String, AppError> {
    ssr::answer(ssr::backend()?.invite_link(ssr::session(), org, role).await)
}

#[server(prefix = "/fn", endpoint = "resend_invite")]
pub async fn resend_invite(org: String, id: String) -> Result<(), AppError> {
    ssr::change(org, OrgChange::ResendInvite { id }).await
}

#[server(prefix = "/fn", endpoint = "revoke_invite")]
pub async fn revoke_invite(org: String, id: String) -> Result<(), AppError> {
    ssr::change(org, OrgChange::RevokeInvite { id }).await
}

#[server(prefix = "/fn", endpoint = "remove_billing_manager")]
pub async fn remove_billing_manager(org: String, user_id: String) -> Result<(), AppError> {
    ssr::change(org, OrgChange::RemoveBillingManager { user_id }).await
}

#[server(prefix = "/fn", endpoint = "change_member_role")]
pub async fn change_member_role(org: String, user_id: String, role: Role) -> Result<(), AppError> {
    ssr::change(org, OrgChange::ChangeMemberRole { user_id, role }).await
}

#[server(prefix = "/fn", endpoint = "remove_member")]
pub async fn remove_member(org: String, user_id: String) -> Result<(), AppError> {
    ssr::change(org, OrgChange::RemoveMember { user_id }).await
}

#[server(prefix = "/fn", endpoint = "load_identity")]
pub async fn load_identity(org: String, after: Option<String>) -> Result<IdentityPage, AppError> {
    ssr::answer(ssr::backend()?.identity(ssr::session(), org, after).await)
}

#[server(prefix = "/fn", endpoint = "set_identity_provider")]
pub async fn set_identity_provider(
    org: String,
    provider: IdentityProvider,
) -> Result<(), AppError> {
    ssr::change(org, OrgChange::SetIdentityProvider { provider }).await
}

#[server(prefix = "/fn", endpoint = "add_directory_email")]
pub async fn add_directory_email(org: String, email: String) -> Result<(), AppError> {
    ssr::change(org, OrgChange::AddDirectoryEmail { email }).await
}

#[server(prefix = "/fn", endpoint = "remove_directory_email")]
pub async fn remove_directory_email(org: String, email: String) -> Result<(), AppError> {
    ssr::change(org, OrgChange::RemoveDirectoryEmail { email }).await
}

#[server(prefix = "/fn", endpoint = "update_card")]
pub async fn update_card(
    org: String,
    holder: String,
    number: String,
    expiry: String,
    cvc: String,
) -> Result<(), AppError> {
    let card = CardInput {
        holder,
        number,
        expiry,
        cvc,
    };
    ssr::change(org, OrgChange::UpdateCard { card }).await
}

#[server(prefix = "/fn", endpoint = "change_edition")]
pub async fn change_edition(org: String, edition: Edition) -> Result<(), AppError> {
    ssr::change(org, OrgChange::ChangeEdition { edition }).await
}

#[server(prefix = "/fn", endpoint = "load_resources")]
pub async fn load_resources(
    org: String,
    section: ResourceSection,
    after: Option<String>,
    packs_after: Option<String>,
) -> Result<OrgResources, AppError> {
    let backend = ssr::backend()?;
    ssr::answer(
        backend
            .resources(ssr::session(), org, section, after, packs_after)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "create_resource")]
pub async fn create_resource(
    org: String,
    kind: ResourceKind,
    name: String,
    extra: String,
) -> Result<Option<String>, AppError> {
    ssr::answer(
        ssr::backend()?
            .create_resource(ssr::session(), org, kind, name, extra)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "revoke_org_token")]
pub async fn revoke_org_token(org: String, id: String) -> Result<(), AppError> {
    ssr::change(org, OrgChange::RevokeOrgToken { id }).await
}

#[server(prefix = "/fn", endpoint = "load_team")]
pub async fn load_team(
    org: String,
    team: String,
    after: Option<String>,
) -> Result<TeamPage, AppError> {
    ssr::answer(ssr::backend()?.team(ssr::session(), org, team, after).await)
}

#[server(prefix = "/fn", endpoint = "add_team_member")]
pub async fn add_team_member(org: String, team: String, email: String) -> Result<(), AppError> {
    ssr::change(org, OrgChange::AddTeamMember { team, email }).await
}

#[server(prefix = "/fn", endpoint = "remove_team_member")]
pub async fn remove_team_member(
    org: String,
    team: String,
    user_id: String,
) -> Result<(), AppError> {
    ssr::change(org, OrgChange::RemoveTeamMember { team, user_id }).await
}

#[server(prefix = "/fn", endpoint = "load_usage")]
pub async fn load_usage(
    org: String,
    granularity: Granularity,
    lookback_days: i64,
) -> Result<UsageView, AppError> {
    ssr::answer(
        ssr::backend()?
            .usage(ssr::session(), org, granularity, lookback_days)
            .await,
    )
}

#[server(prefix = "/fn", endpoint = "load_audit")]
pub async fn load_audit(
    org: String,
    event: Option<String>,
    after: Option<String>,
) -> Result<AuditPage, AppError> {
    ssr::answer(
        ssr::backend()?
            .audit(ssr::session(), org, event, after)
            .await,
    )
}
