//! The UI's backend: server functions call these methods, which authenticate the
//! session and go through the same services as the REST API.

use crate::access::OrgAccess;
use crate::accounts::{self, SignUp, SignedInWith, User};
use crate::error::Error;
use crate::org_resources::{self as resources, PolicyKind, PolicyList};
use crate::state::AppState;
use crate::throttle::Kind as Limit;
use crate::{audit, billing, directory, invitations, orgs, stacks, tokens};
use purser_app::backend::{Backend, OrgChange};
use purser_app::error::AppError;
use purser_app::model::{
    AuditPage, BillingPage, CreatedToken, IdentityPage, InvitePreview, Listed, Me, MembersPage,
    MyInvitation, OrgResources, PaymentMethodSection, PendingInvitations, ResourceKind,
    ResourceSection, TeamPage,
};
use purser_core::invitations::may_view_invitations;
use purser_core::permissions::allows;
use purser_core::tokens::TokenFilter;
use purser_core::usage::Granularity;
use purser_core::views::{TokenView, UsageView};
use purser_core::{Action, Edition, InvitationStatus, InvitedRole, Role, Surface};

const UI: Surface = Surface::Ui;

/// How many rows a page of the UI lists (the REST API pages through the rest), and
/// how many payments Billing & usage shows (two years).
const UI_PAGE: u32 = 25;
/// The audit log's page in the UI: its entries are one line each.
const AUDIT_UI_PAGE: u32 = 100;
const UI_PAYMENTS: u32 = 24;

/// The first page of a list as the UI shows it.
fn listed<T>(page: crate::cursor::Page<T>) -> Listed<T> {
    Listed {
        next: page.continuation_token,
        items: page.items,
    }
}

/// Gives a server function's error the status its kind calls for, and `Retry-After`
/// where it has one, from the error in its body: leptos answers 500 for errors that
/// never reached our code (a missing or malformed argument), and knows no
/// `Retry-After`.
pub async fn server_fn_status(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_server_fn = req.uri().path().starts_with("/fn/");
    let res = next.run(req).await;
    if !is_server_fn || res.status().as_u16() < 400 {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let error = serde_json::from_slice::<AppError>(&bytes).ok();
    let res = axum::response::Response::from_parts(parts, axum::body::Body::from(bytes));
    match error {
        Some(error) => crate::http::answer::answer(&error, res),
        None => res,
    }
}

pub struct ServerBackend {
    state: AppState,
}

impl ServerBackend {
    pub fn new(state: AppState) -> Self {
        ServerBackend { state }
    }

    async fn user(&self, session: Option<String>) -> Result<User, Error> {
        let Some(secret) = session else {
            return Err(not_signed_in());
        };
        accounts::user_for_session(&self.state.db, self.lifetimes(), &secret)
            .await?
            .ok_or_else(not_signed_in)
    }

    /// The signed-in caller and their standing in `org`.
    async fn member(&self, session: Option<String>, org: &str) -> Result<(User, OrgAccess), Error> {
        let user = self.user(session).await?;
        let access = orgs::access(&self.state.db, &user, org).await?;
        Ok((user, access))
    }

    /// A page of pending invitations to `role` from `after`, for those who may see them.
    async fn invitations(
        &self,
        access: &OrgAccess,
        role: InvitedRole,
        after: Option<&str>,
    ) -> Result<Option<PendingInvitations>, Error> {
        if !may_view_invitations(access.role, role, UI) {
            return Ok(None);
        }
        let (db, key) = (&self.state.db, &self.state.cursors);
        let page =
            invitations::pending(db, access, UI, Some(role), key, after, Some(UI_PAGE)).await?;
        Ok(Some(PendingInvitations {
            total: invitations::pending_count(db, &access.org.id, role).await?,
            items: page.items,
            next: page.continuation_token,
        }))
    }

    /// The caller may invite (or send again) so many times a minute.
    async fn check_invitation_rate(&self, user: &User) -> Result<(), Error> {
        self.state
            .throttle
            .check_account(Limit::Invitation, &user.id)
            .await
    }

    /// Carries out one `OrgChange` as `user`.
    async fn apply(&self, user: &User, access: &OrgAccess, change: OrgChange) -> Result<(), Error> {
        let db = &self.state.db;
        match change {
            OrgChange::ResendInvite { id } => {
                self.check_invitation_rate(user).await?;
                invitations::resend(db, access, UI, user, &id, self.base_url()).await?;
            }
            OrgChange::RevokeInvite { id } => {
                invitations::revoke(db, access, UI, user, &id).await?;
            }
            OrgChange::RemoveBillingManager { user_id } => {
                orgs::remove_billing_manager(db, access, UI, user, &user_id).await?;
            }
            OrgChange::ChangeMemberRole { user_id, role } => {
                orgs::change_role(db, access, UI, user, &user_id, role).await?;
            }
            OrgChange::RemoveMember { user_id } => {
                orgs::remove_member(db, access, UI, user, &user_id).await?;
            }
            OrgChange::SetIdentityProvider { provider } => {
                directory::set_identity_provider(db, access, UI, user, provider).await?;
            }
            OrgChange::AddDirectoryEmail { email } => {
                directory::add(db, access, UI, user, &email).await?;
            }
            OrgChange::RemoveDirectoryEmail { email } => {
                directory::remove(db, access, UI, user, &email).await?;
            }
            OrgChange::UpdateCard { card } => {
                let processor = self.state.processor.as_ref();
                billing::update_payment_method(db, processor, access, UI, user, &card).await?;
            }
            OrgChange::ChangeEdition { edition } => {
                billing::change_edition(db, access, UI, user, edition).await?;
            }
            OrgChange::RevokeOrgToken { id } => {
                resources::revoke_token(db, access, UI, user, &id).await?;
            }
            OrgChange::AddTeamMember { team, email } => {
                access.require(Action::TeamsManage, UI)?;
                let id = resources::member_id_by_email(db, access, &email).await?;
                resources::manage_team(db, access, UI, user, &team, &id, true).await?;
            }
            OrgChange::RemoveTeamMember { team, user_id } => {
                resources::manage_team(db, access, UI, user, &team, &user_id, false).await?;
            }
        }
        Ok(())
    }

    fn base_url(&self) -> &str {
        &self.state.settings.base_url
    }

    fn lifetimes(&self) -> accounts::SessionLifetimes {
        self.state.settings.session_lifetimes()
    }
}

fn not_signed_in() -> Error {
    Error::Unauthenticated("Sign in to continue.".into())
}

fn ui<T>(result: Result<T, Error>) -> Result<T, AppError> {
    result.map_err(Error::to_app_error)
}

/// `Some(read)` when the caller's role may see it from the UI, `None` when not.
async fn when_allowed<T>(
    access: &OrgAccess,
    action: Action,
    read: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<Option<T>, Error> {
    match allows(access.role, action, UI) {
        true => read.await.map(Some),
        false => Ok(None),
    }
}

#[async_trait::async_trait]
impl Backend for ServerBackend {
    async fn me(&self, session: Option<String>) -> Result<Option<Me>, AppError> {
        ui(async {
            let Some(secret) = session else {
                return Ok(None);
            };
            let Some(user) =
                accounts::user_for_session(&self.state.db, self.lifetimes(), &secret).await?
            else {
                return Ok(None);
            };
            let orgs = orgs::list_for_user(&self.state.db, &user).await?;
            Ok(Some(Me {
                name: user.name,
                login: user.login,
                email: user.email,
                email_verified: user.email_verified,
                orgs: orgs.iter().map(OrgAccess::entry).collect(),
            }))
        }
        .await)
    }

    async fn sign_up(
        &self,
        name: String,
        email: String,
        password: String,
        login: String,
    ) -> Result<String, AppError> {
        ui(async {
            let form = SignUp::parse(&name, &email, &password, &login)?;
            let user =
                accounts::sign_up(&self.state.db, form, &self.state.settings.base_url).await?;
            accounts::create_session(&self.state.db, self.lifetimes(), &user).await
        }
        .await)
    }

    async fn sign_in(&self, email: String, password: String) -> Result<String, AppError> {
        ui(async {
            let db = &self.state.db;
            // Locked accounts are refused before the password is even checked.
            crate::lockout::ensure_unlocked(db, &email).await?;
            let user = match accounts::check_credentials(db, &email, &password).await {
                Ok(user) => user,
                Err(e @ Error::Unauthenticated(_)) => {
                    crate::lockout::record_failure(db, &email, &self.state.settings.limits).await?;
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            crate::lockout::clear(db, &email).await?;
            accounts::create_session(db, self.lifetimes(), &user).await
        }
        .await)
    }

    async fn sign_out(&self, session: Option<String>) -> Result<(), AppError> {
        ui(async {
            if let Some(secret) = session {
                accounts::end_session(&self.state.db, &secret).await?;
            }
            Ok(())
        }
        .await)
    }

    async fn check_verification(
        &self,
        session: Option<String>,
        token: String,
    ) -> Result<(), AppError> {
        ui(async {
            // Signed out there is nobody to check the link for: the page asks to sign in.
            let user = match self.user(session).await {
                Ok(user) => user,
                Err(Error::Unauthenticated(_)) => return Ok(()),
                Err(e) => return Err(e),
            };
            accounts::check_verification(&self.state.db, &user, &token).await
        }
        .await)
    }

    async fn verify_email(&self, session: Option<String>, token: String) -> Result<(), AppError> {
        ui(async {
            let user = self.user(session).await?;
            accounts::verify_email(&self.state.db, &user, &token).await
        }
        .await)
    }

    async fn resend_verification(&self, session: Option<String>) -> Result<(), AppError> {
        ui(async {
            let user = self.user(session).await?;
            self.state
                .throttle
                .check_account(Limit::Email, &user.id)
                .await?;
            accounts::resend_verification(&self.state.db, &user, &self.state.settings.base_url)
                .await
        }
        .await)
    }

    async fn sign_out_everywhere(&self, session: Option<String>) -> Result<(), AppError> {
        ui(async {
            let user = self.user(session).await?;
            accounts::end_all_sessions(&self.state.db, &user.id, None)
                .await
                .map(|_| ())
        }
        .await)
    }

    async fn change_password(
        &self,
        session: Option<String>,
        current_password: String,
        password: String,
    ) -> Result<(), AppError> {
        ui(async {
            let user = self.user(session.clone()).await?;
            let session = session.unwrap_or_default();
            accounts::change_password(
                &self.state.db,
                &user,
                &session,
                &current_password,
                &password,
            )
            .await
        }
        .await)
    }

    async fn request_password_reset(&self, email: String) -> Result<(), AppError> {
        ui(async {
            // Per address typed (existing account or not, so it reveals nothing): one
            // inbox cannot be flooded with reset emails from many client addresses.
            self.state
                .throttle
                .check_account(
                    Limit::Email,
                    &format!("reset:{}", email.trim().to_lowercase()),
                )
                .await?;
            accounts::request_password_reset(&self.state.db, &email, self.base_url()).await
        }
        .await)
    }

    async fn check_password_reset(&self, token: String) -> Result<(), AppError> {
        ui(accounts::check_password_reset(&self.state.db, &token).await)
    }

    async fn reset_password(&self, token: String, password: String) -> Result<String, AppError> {
        ui(async {
            let (user, session) =
                accounts::reset_password(&self.state.db, self.lifetimes(), &token, &password)
                    .await?;
            // Whoever reads the mailbox chose this password: a sign-in lockout from
            // earlier failures (perhaps someone else's guesses) ends with it.
            crate::lockout::clear(&self.state.db, &user.email).await?;
            Ok(session)
        }
        .await)
    }

    async fn create_org(
        &self,
        session: Option<String>,
        name: String,
        display_name: String,
        edition: Edition,
    ) -> Result<String, AppError> {
        ui(async {
            let user = self.user(session).await?;
            let new = orgs::NewOrg::parse(&name, &display_name, edition)?;
            Ok(orgs::create(&self.state.db, &user, new).await?.name)
        }
        .await)
    }

    async fn tokens(
        &self,
        session: Option<String>,
        after: Option<String>,
    ) -> Result<Listed<TokenView>, AppError> {
        ui(async {
            let user = self.user(session).await?;
            let (db, key) = (&self.state.db, &self.state.cursors);
            let (filter, after) = (TokenFilter::All, after.as_deref());
            let page = tokens::list(db, &user, filter, key, after, Some(UI_PAGE)).await?;
            Ok(listed(page))
        }
        .await)
    }

    async fn members(
        &self,
        session: Option<String>,
        org: String,
        after: Option<String>,
        invites_after: Option<String>,
    ) -> Result<MembersPage, AppError> {
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            let db = &self.state.db;
            let page = orgs::members(
                db,
                &access,
                UI,
                &self.state.cursors,
                after.as_deref(),
                Some(UI_PAGE),
            )
            .await?;
            Ok(MembersPage {
                org: access.entry(),
                count: orgs::member_count(db, &access.org.id).await?,
                members: page.items,
                next: page.continuation_token,
                invitations: self
                    .invitations(&access, InvitedRole::Member, invites_after.as_deref())
                    .await?,
            })
        }
        .await)
    }

    async fn create_token(
        &self,
        session: Option<String>,
        description: String,
    ) -> Result<CreatedToken, AppError> {
        ui(async {
            let user = self.user(session).await?;
            let t = tokens::create(
                &self.state.db,
                &user,
                &SignedInWith::Session,
                &description,
                0,
            )
            .await?;
            Ok(CreatedToken {
                id: t.id,
                value: t.value,
            })
        }
        .await)
    }

    async fn revoke_token(&self, session: Option<String>, id: String) -> Result<(), AppError> {
        ui(async {
            let user = self.user(session).await?;
            tokens::revoke(&self.state.db, &user, &id).await
        }
        .await)
    }

    async fn invite_preview(&self, secret: String) -> Result<InvitePreview, AppError> {
        ui(async {
            let p = invitations::preview(&self.state.db, &secret).await?;
            Ok(InvitePreview {
                org_name: p.org_name,
                org_display_name: p.org_display_name,
                role: p.role,
                valid: p.status == InvitationStatus::Pending,
            })
        }
        .await)
    }

    async fn my_invitations(&self, session: Option<String>) -> Result<Vec<MyInvitation>, AppError> {
        ui(async {
            let user = self.user(session).await?;
            let list = invitations::pending_for_user(&self.state.db, &user).await?;
            Ok(list
                .into_iter()
                .map(|i| MyInvitation {
                    id: i.id,
                    org_name: i.org_name,
                    org_display_name: i.org_display_name,
                    role: i.role,
                    sent_at: i.sent_at,
                    sent_by: i.sent_by_name,
                })
                .collect())
        }
        .await)
    }

    async fn accept_invitation(
        &self,
        session: Option<String>,
        org: String,
        id: String,
    ) -> Result<(String, Role), AppError> {
        ui(async {
            let user = self.user(session).await?;
            self.state
                .throttle
                .check_account(Limit::Acceptance, &user.id)
                .await?;
            let locator = invitations::Locator::Id { org: &org, id: &id };
            let (org, role) = invitations::accept(&self.state.db, &user, locator).await?;
            Ok((org.name, role))
        }
        .await)
    }

    async fn accept_invite(
        &self,
        session: Option<String>,
        secret: String,
    ) -> Result<(String, Role), AppError> {
        ui(async {
            let user = self.user(session).await?;
            self.state
                .throttle
                .check_account(Limit::Acceptance, &user.id)
                .await?;
            let (org, role) = invitations::accept(
                &self.state.db,
                &user,
                invitations::Locator::Secret {
                    org: None,
                    secret: &secret,
                },
            )
            .await?;
            Ok((org.name, role))
        }
        .await)
    }

    async fn billing(
        &self,
        session: Option<String>,
        org: String,
        after: Option<String>,
        invites_after: Option<String>,
    ) -> Result<BillingPage, AppError> {
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            let (db, key) = (&self.state.db, &self.state.cursors);
            let access = &access;
            let managers =
                orgs::billing_managers(db, access, UI, key, after.as_deref(), Some(UI_PAGE))
                    .await?;
            Ok(BillingPage {
                org: access.entry(),
                count: orgs::member_count(db, &access.org.id).await?,
                billing_managers: managers.items,
                billing_managers_next: managers.continuation_token,
                invitations: self
                    .invitations(
                        access,
                        InvitedRole::BillingManager,
                        invites_after.as_deref(),
                    )
                    .await?,
                subscription: when_allowed(
                    access,
                    Action::SubscriptionView,
                    billing::subscription(db, access, UI),
                )
                .await?,
                card: when_allowed(access, Action::CreditCardView, async {
                    let card = billing::payment_method(db, access, UI).await?;
                    Ok(PaymentMethodSection { card })
                })
                .await?,
                payments: when_allowed(access, Action::PaymentsView, async {
                    let page =
                        billing::payments(db, access, UI, key, None, Some(UI_PAYMENTS)).await?;
                    Ok(listed(page))
                })
                .await?,
                usage: when_allowed(
                    access,
                    Action::RumViewSummary,
                    stacks::summary(db, access, UI, Granularity::Day, 30),
                )
                .await?,
            })
        }
        .await)
    }

    async fn identity(
        &self,
        session: Option<String>,
        org: String,
        after: Option<String>,
    ) -> Result<IdentityPage, AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            let (db, key) = (&self.state.db, &self.state.cursors);
            let page =
                directory::list(db, &access, UI, key, after.as_deref(), Some(UI_PAGE)).await?;
            Ok(IdentityPage {
                provider: access.org.identity_provider,
                org: access.entry(),
                emails: page.items.into_iter().map(|e| e.email).collect(),
                next: page.continuation_token,
                your_email: user.email,
            })
        }
        .await)
    }

    async fn change(
        &self,
        session: Option<String>,
        org: String,
        change: OrgChange,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            self.apply(&user, &access, change).await
        }
        .await)
    }

    async fn resources(
        &self,
        session: Option<String>,
        org: String,
        section: ResourceSection,
        after: Option<String>,
        packs_after: Option<String>,
    ) -> Result<OrgResources, AppError> {
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            let (db, key, access) = (&self.state.db, &self.state.cursors, &access);
            // Only the shown page's lists, a page of each.
            let shows = |s: ResourceSection, action: Action| {
                s == section && allows(access.role, action, UI)
            };
            let (after, packs_after) = (after.as_deref(), packs_after.as_deref());
            let size = Some(UI_PAGE);
            let mut page = OrgResources {
                org: access.entry(),
                stacks: None,
                teams: None,
                policy_groups: None,
                policy_packs: None,
                tokens: None,
            };
            if shows(ResourceSection::Stacks, Action::StacksList) {
                let stacks = stacks::list(db, access, UI, key, after, size).await?;
                page.stacks = Some(listed(stacks));
            }
            if shows(ResourceSection::Teams, Action::TeamsList) {
                let teams = resources::list_teams(db, access, UI, key, after, size).await?;
                page.teams = Some(listed(teams));
            }
            if shows(ResourceSection::Policies, Action::PolicyGroupsList) {
                let groups = PolicyList::Groups;
                let groups = resources::list_policies(db, access, UI, groups, key, after, size);
                page.policy_groups = Some(listed(groups.await?));
            }
            if shows(ResourceSection::Policies, Action::PolicyPacksList) {
                let packs = PolicyList::Packs;
                let packs = resources::list_policies(db, access, UI, packs, key, packs_after, size);
                page.policy_packs = Some(listed(packs.await?));
            }
            if shows(ResourceSection::Tokens, Action::TokensList) {
                let all = TokenFilter::All;
                let tokens = resources::list_tokens(db, access, UI, all, key, after, size);
                page.tokens = Some(listed(tokens.await?));
            }
            Ok(page)
        }
        .await)
    }

    async fn team(
        &self,
        session: Option<String>,
        org: String,
        team: String,
        after: Option<String>,
    ) -> Result<TeamPage, AppError> {
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            let (db, key) = (&self.state.db, &self.state.cursors);
            let (team, next) =
                resources::team(db, &access, UI, &team, key, after.as_deref(), Some(UI_PAGE))
                    .await?;
            Ok(TeamPage {
                team,
                next,
                org: access.entry(),
            })
        }
        .await)
    }

    async fn usage(
        &self,
        session: Option<String>,
        org: String,
        granularity: Granularity,
        lookback_days: i64,
    ) -> Result<UsageView, AppError> {
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            stacks::summary(&self.state.db, &access, UI, granularity, lookback_days).await
        }
        .await)
    }

    async fn audit(
        &self,
        session: Option<String>,
        org: String,
        event: Option<String>,
        after: Option<String>,
    ) -> Result<AuditPage, AppError> {
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            let (db, key) = (&self.state.db, &self.state.cursors);
            let filter = audit::Filter {
                event: event.as_deref().filter(|e| !e.is_empty()),
                ..Default::default()
            };
            let page = audit::list(
                db,
                &access,
                UI,
                filter,
                key,
                after.as_deref(),
                Some(AUDIT_UI_PAGE),
            )
            .await?;
            Ok(AuditPage {
                entries: page.items,
                next: page.continuation_token,
                org: access.entry(),
            })
        }
        .await)
    }

    async fn invite(
        &self,
        session: Option<String>,
        org: String,
        role: InvitedRole,
        emails: String,
    ) -> Result<usize, AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            // A refused role takes nothing of the budget; then each address is an
            // email sent: the budget counts them, not requests.
            access.require(purser_core::invitations::invite_action(role), UI)?;
            let addresses =
                purser_core::invitations::parse_email_list(std::slice::from_ref(&emails))?;
            self.state
                .throttle
                .check_account_n(Limit::Invitation, &user.id, addresses.len())
                .await?;
            let created = invitations::invite_by_email(
                &self.state.db,
                &access,
                UI,
                &user,
                role,
                &[emails],
                self.base_url(),
            )
            .await?;
            Ok(created.len())
        }
        .await)
    }

    async fn invite_link(
        &self,
        session: Option<String>,
        org: String,
        role: InvitedRole,
    ) -> Result<String, AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            self.state
                .throttle
                .check_account(Limit::Invitation, &user.id)
                .await?;
            let (_, url) = invitations::invite_by_link(
                &self.state.db,
                &access,
                UI,
                &user,
                role,
                self.base_url(),
            )
            .await?;
            Ok(url)
        }
        .await)
    }

    async fn create_resource(
        &self,
        session: Option<String>,
        org: String,
        kind: ResourceKind,
        name: String,
        extra: String,
    ) -> Result<Option<String>, AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            let db = &self.state.db;
            match kind {
                ResourceKind::Stack => crate::stacks::create(db, &access, UI, &name, &extra)
                    .await
                    .map(|_| None),
                ResourceKind::Team => resources::create_team(db, &access, UI, &user, &name, &extra)
                    .await
                    .map(|_| None),
                ResourceKind::PolicyGroup => {
                    resources::create_policy(db, &access, UI, &user, PolicyKind::Groups, &name)
                        .await
                        .map(|_| None)
                }
                ResourceKind::PolicyPack => {
                    resources::create_policy(db, &access, UI, &user, PolicyKind::Packs, &name)
                        .await
                        .map(|_| None)
                }
                ResourceKind::OrgToken => {
                    let new = resources::NewOrgToken {
                        name: &name,
                        description: "",
                        admin: false,
                        expires_secs: 0,
                    };
                    resources::create_token(db, &access, UI, &user, new)
                        .await
                        .map(|(_, value)| Some(value))
                }
            }
        }
        .await)
    }

    fn secure_cookies(&self) -> bool {
        self.state.settings.secure_cookies()
    }

    fn session_cookie_max_age_secs(&self) -> u64 {
        self.state.settings.session_max.as_secs()
    }
}
