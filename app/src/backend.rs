//! What the UI needs from the server, as a trait the server implements and provides
//! through context. It keeps this crate free of sqlx and of the server crate; every
//! method authenticates the session and goes through the same services as the REST API.

use crate::error::AppError;
use crate::model::{AuditPage, Listed, OrgResources, TeamPage, UsageView};
use crate::model::{
    BillingPage, CreatedToken, IdentityPage, InvitePreview, Me, MembersPage, MyInvitation,
    TokenView,
};
use crate::model::{ResourceKind, ResourceSection};
use purser_core::billing::CardInput;
use purser_core::usage::Granularity;
use purser_core::{Edition, IdentityProvider, InvitedRole, Role};
use std::sync::Arc;

/// `session` is the raw session cookie value, when the request carried one.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    async fn me(&self, session: Option<String>) -> Result<Option<Me>, AppError>;
    /// Creates the account and returns a new session secret.
    /// An empty `login` asks for one made from the email address.
    async fn sign_up(
        &self,
        name: String,
        email: String,
        password: String,
        login: String,
    ) -> Result<String, AppError>;
    /// Checks credentials and returns a new session secret.
    async fn sign_in(&self, email: String, password: String) -> Result<String, AppError>;
    async fn sign_out(&self, session: Option<String>) -> Result<(), AppError>;
    /// Whether the signed-in account may use a verification link (nothing changes);
    /// `Ok` when signed out, as there is nobody yet to check it for.
    async fn check_verification(
        &self,
        session: Option<String>,
        token: String,
    ) -> Result<(), AppError>;
    /// Uses a verification link for the signed-in account (the link's own).
    async fn verify_email(&self, session: Option<String>, token: String) -> Result<(), AppError>;
    async fn resend_verification(&self, session: Option<String>) -> Result<(), AppError>;
    /// Ends every session of the account, the caller's own too.
    async fn sign_out_everywhere(&self, session: Option<String>) -> Result<(), AppError>;
    /// Changes the password of the signed-in account; ends its other sessions.
    async fn change_password(
        &self,
        session: Option<String>,
        current_password: String,
        password: String,
    ) -> Result<(), AppError>;
    /// Emails a reset link if an account has the address; answers the same either way.
    async fn request_password_reset(&self, email: String) -> Result<(), AppError>;
    /// Whether a reset link can still be used (`NotFound` when not).
    async fn check_password_reset(&self, token: String) -> Result<(), AppError>;
    /// Uses a reset link: sets the password, ends every session, returns a new one.
    async fn reset_password(&self, token: String, password: String) -> Result<String, AppError>;
    /// Returns the new organization's URL name.
    async fn create_org(
        &self,
        session: Option<String>,
        name: String,
        display_name: String,
        edition: Edition,
    ) -> Result<String, AppError>;
    /// Settings → Members: a page of members from `after`, and of pending invitations
    /// from `invites_after`.
    async fn members(
        &self,
        session: Option<String>,
        org: String,
        after: Option<String>,
        invites_after: Option<String>,
    ) -> Result<MembersPage, AppError>;
    /// The account's tokens, a page from `after`.
    async fn tokens(
        &self,
        session: Option<String>,
        after: Option<String>,
    ) -> Result<Listed<TokenView>, AppError>;
    async fn create_token(
        &self,
        session: Option<String>,
        description: String,
    ) -> Result<CreatedToken, AppError>;
    async fn revoke_token(&self, session: Option<String>, id: String) -> Result<(), AppError>;
    async fn invite_preview(&self, secret: String) -> Result<InvitePreview, AppError>;
    /// Returns the organization's URL name and the role granted.
    async fn accept_invite(
        &self,
        session: Option<String>,
        secret: String,
    ) -> Result<(String, Role), AppError>;
    /// The email invitations waiting for the account's verified address, newest first.
    async fn my_invitations(&self, session: Option<String>) -> Result<Vec<MyInvitation>, AppError>;
    /// Accepts an email invitation addressed to the account, by its id (from
    /// `my_invitations`); returns the organization's URL name and the role granted.
    async fn accept_invitation(
        &self,
        session: Option<String>,
        org: String,
        id: String,
    ) -> Result<(String, Role), AppError>;
    /// Settings → Billing & usage: a page of billing managers from `after`, and of
    /// pending invitations from `invites_after`.
    async fn billing(
        &self,
        session: Option<String>,
        org: String,
        after: Option<String>,
        invites_after: Option<String>,
    ) -> Result<BillingPage, AppError>;
    /// Invites the addresses (separated by commas, spaces or lines); returns how many.
    async fn invite(
        &self,
        session: Option<String>,
        org: String,
        role: InvitedRole,
        emails: String,
    ) -> Result<usize, AppError>;
    /// Creates a link invitation and returns its URL.
    async fn invite_link(
        &self,
        session: Option<String>,
        org: String,
        role: InvitedRole,
    ) -> Result<String, AppError>;
    /// Settings → Identity provider, with a page of the directory (`after` is where the
    /// previous page ended).
    async fn identity(
        &self,
        session: Option<String>,
        org: String,
        after: Option<String>,
    ) -> Result<IdentityPage, AppError>;
    /// One change to an organization, by the signed-in caller; the service behind each
    /// kind checks the caller's role.
    async fn change(
        &self,
        session: Option<String>,
        org: String,
        change: OrgChange,
    ) -> Result<(), AppError>;
    /// The lists of one of the organization's resource pages: a page of each, from
    /// `after` (on the Policies page, its groups'; `packs_after`, its pack versions').
    async fn resources(
        &self,
        session: Option<String>,
        org: String,
        section: ResourceSection,
        after: Option<String>,
        packs_after: Option<String>,
    ) -> Result<OrgResources, AppError>;
    /// Creates a stack (`name` = project, `extra` = stack), team (`extra` = description),
    /// policy group or pack, or organization token; returns a token's value, shown once.
    async fn create_resource(
        &self,
        session: Option<String>,
        org: String,
        kind: ResourceKind,
        name: String,
        extra: String,
    ) -> Result<Option<String>, AppError>;
    /// One team, with a page of its members (`after` is where the previous page ended).
    async fn team(
        &self,
        session: Option<String>,
        org: String,
        team: String,
        after: Option<String>,
    ) -> Result<TeamPage, AppError>;
    /// Resources under management by day or month over the last `lookback_days`.
    async fn usage(
        &self,
        session: Option<String>,
        org: String,
        granularity: Granularity,
        lookback_days: i64,
    ) -> Result<UsageView, AppError>;
    async fn audit(
        &self,
        session: Option<String>,
        org: String,
        event: Option<String>,
        after: Option<String>,
    ) -> Result<AuditPage, AppError>;
    /// Whether cookies must carry `Secure` (the server is reached over https).
    fn secure_cookies(&self) -> bool;
    /// How long the browser keeps the session cookie: the sessions' absolute lifetime.
    fn session_cookie_max_age_secs(&self) -> u64;
}

/// What the UI's forms change in an organization: one variant per form, each with
/// the form's fields, already typed.
pub enum OrgChange {
    ResendInvite {
        id: String,
    },
    RevokeInvite {
        id: String,
    },
    RemoveBillingManager {
        user_id: String,
    },
    /// Admin ⇄ member; an organization always keeps an admin.
    ChangeMemberRole {
        user_id: String,
        role: Role,
    },
    RemoveMember {
        user_id: String,
    },
    SetIdentityProvider {
        provider: IdentityProvider,
    },
    AddDirectoryEmail {
        email: String,
    },
    RemoveDirectoryEmail {
        email: String,
    },
    UpdateCard {
        card: CardInput,
    },
    ChangeEdition {
        edition: Edition,
    },
    RevokeOrgToken {
        id: String,
    },
    /// Adds the organization's member with this email address to the team.
    AddTeamMember {
        team: String,
        email: String,
    },
    RemoveTeamMember {
        team: String,
        user_id: String,
    },
}

pub type SharedBackend = Arc<dyn Backend>;

/// The session cookie's value in a request's headers, if there is one.
pub fn session_cookie(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == crate::model::SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}
