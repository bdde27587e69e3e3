//! The UI's backend: server functions call these methods, which authenticate the
//! session and go through the same services as the REST API.

use crate::accounts::{self, SignUp, User};
use crate::error::Error;
use crate::orgs::OrgAccess;
use crate::state::AppState;
use crate::{directory, invitations};
use crate::{orgs, tokens};
use purser_app::backend::Backend;
use purser_app::backend::CardInput;
use purser_app::error::AppError;
use purser_app::model::PaymentMethodSection;
use purser_app::model::ResourceKind;
use purser_app::model::{
    AuditPage, AuditRow, BillingPage, CardView, CreatedToken, IdentityPage, InvitationRow,
    InvitePreview, Me, MembersPage, OrgEntry, OrgResources, OrgTokenRow, PaymentRow, PolicyRow,
    StackRow, SubscriptionView, TeamMemberRow, TeamPage, TeamRow, TokenRow, UsageView,
};
use purser_core::invitations::may_view_invitations;
use purser_core::permissions::allows;
use purser_core::usage::Granularity;
use purser_core::{Action, InvitationStatus, InvitedRole, Role, Surface};
use purser_core::{Edition, IdentityProvider};

const UI: Surface = Surface::Ui;

/// Gives server-function errors that never reached our code (a missing or malformed
/// argument) the status their kind calls for, instead of the framework's 500.
pub async fn server_fn_status(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_server_fn = req.uri().path().starts_with("/fn/");
    let res = next.run(req).await;
    if !is_server_fn || res.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = axum::http::StatusCode::from_u16(error.status()).unwrap_or(parts.status);
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
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
    async fn member(
        &self,
        session: Option<String>,
        org: &str,
    ) -> Result<(User, orgs::OrgAccess), Error> {
        let user = self.user(session).await?;
        let access = orgs::access(&self.state.db, &user, org).await?;
        Ok((user, access))
    }

    /// Pending invitations to `role`, for those who may see them.
    async fn invitation_rows(
        &self,
        access: &orgs::OrgAccess,
        role: InvitedRole,
    ) -> Result<Option<Vec<InvitationRow>>, Error> {
        if !may_view_invitations(access.role, role, UI) {
            return Ok(None);
        }
        let list = invitations::pending(&self.state.db, access, UI, Some(role)).await?;
        Ok(Some(
            list.into_iter()
                .map(|i| InvitationRow {
                    id: i.id,
                    role: i.role,
                    kind: i.kind,
                    email: i.email,
                    invited_by: i.invited_by,
                    sent_at: i.sent_at,
                    last_error: i.last_error,
                    last_error_at: i.last_error_at,
                })
                .collect(),
        ))
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

fn entry(access: &orgs::OrgAccess) -> OrgEntry {
    OrgEntry {
        name: access.org.name.clone(),
        display_name: access.org.display_name.clone(),
        role: access.role,
        edition: access.org.edition,
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
                email: user.email,
                email_verified: user.email_verified,
                orgs: orgs.iter().map(entry).collect(),
            }))
        }
        .await)
    }

    async fn sign_up(
        &self,
        name: String,
        email: String,
        password: String,
    ) -> Result<String, AppError> {
        ui(async {
            let form = SignUp::parse(&name, &email, &password)?;
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

    async fn verify_email(&self, token: String) -> Result<(), AppError> {
        ui(accounts::verify_email(&self.state.db, &token).await)
    }

    async fn resend_verification(&self, session: Option<String>) -> Result<(), AppError> {
        ui(async {
            let user = self.user(session).await?;
            self.state
                .throttle
                .check_account(crate::throttle::Kind::Email, &user.id)?;
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
            self.state.throttle.check_account(
                crate::throttle::Kind::Email,
                &format!("reset:{}", email.trim().to_lowercase()),
            )?;
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

    async fn members(
        &self,
        session: Option<String>,
        org: String,
        after: Option<String>,
    ) -> Result<MembersPage, AppError> {
        ui(async {
            let user = self.user(session).await?;
            let access = orgs::access(&self.state.db, &user, &org).await?;
            let count = orgs::member_count(&self.state.db, &access.org.id).await?;
            let page = orgs::members(
                &self.state.db,
                &access,
                Surface::Ui,
                &self.state.cursors,
                after.as_deref(),
                None,
            )
            .await?;
            let invitations = self.invitation_rows(&access, InvitedRole::Member).await?;
            Ok(MembersPage {
                org: entry(&access),
                count,
                members: page.items,
                next: page.continuation_token,
                invitations,
            })
        }
        .await)
    }

    async fn tokens(&self, session: Option<String>) -> Result<Vec<TokenRow>, AppError> {
        ui(async {
            let user = self.user(session).await?;
            Ok(tokens::list(&self.state.db, &user)
                .await?
                .into_iter()
                .map(|t| TokenRow {
                    id: t.id,
                    description: t.description,
                    created_at: t.created_at,
                    last_used_at: t.last_used_at,
                })
                .collect())
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
            let t = tokens::create(&self.state.db, &user, &description).await?;
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

    async fn accept_invite(
        &self,
        session: Option<String>,
        secret: String,
    ) -> Result<(String, Role), AppError> {
        ui(async {
            let user = self.user(session).await?;
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

    async fn billing(&self, session: Option<String>, org: String) -> Result<BillingPage, AppError> {
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            let billing_managers = orgs::billing_managers(&self.state.db, &access, UI).await?;
            let count = orgs::member_count(&self.state.db, &access.org.id).await?;
            let invitations = self
                .invitation_rows(&access, InvitedRole::BillingManager)
                .await?;
            let db = &self.state.db;
            let subscription = match allows(access.role, Action::SubscriptionView, UI) {
                true => Some(crate::billing::subscription(db, &access, UI).await?).map(|s| {
                    SubscriptionView {
                        edition: s.edition,
                        status: s.status,
                        period_start: s.period_start,
                        period_end: s.period_end,
                        price_per_member_cents: s.price_per_member_cents,
                        members: s.members,
                        monthly_amount_cents: s.monthly_amount_cents,
                        currency: crate::billing::CURRENCY.to_owned(),
                    }
                }),
                false => None,
            };
            let card = match allows(access.role, Action::CreditCardView, UI) {
                true => Some(PaymentMethodSection {
                    card: crate::billing::payment_method(db, &access, UI)
                        .await?
                        .map(|m| CardView {
                            brand: m.brand,
                            last4: m.last4,
                            exp_month: m.exp_month,
                            exp_year: m.exp_year,
                            holder: m.holder,
                        }),
                }),
                false => None,
            };
            let payments = match allows(access.role, Action::PaymentsView, UI) {
                true => Some(
                    crate::billing::payments(db, &access, UI)
                        .await?
                        .into_iter()
                        .map(|p| PaymentRow {
                            date: p.created_at,
                            description: p.description,
                            amount_cents: p.amount_cents,
                            currency: p.currency,
                            status: p.status,
                            failure: p.failure,
                        })
                        .collect(),
                ),
                false => None,
            };
            let usage = match allows(access.role, Action::RumViewSummary, UI) {
                true => Some(usage_view(db, &access, Granularity::Day, 30).await?),
                false => None,
            };
            Ok(BillingPage {
                usage,
                subscription,
                card,
                payments,
                org: entry(&access),
                count,
                billing_managers,
                invitations,
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
            self.state
                .throttle
                .check_account(crate::throttle::Kind::Invitation, &user.id)?;
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
                .check_account(crate::throttle::Kind::Invitation, &user.id)?;
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

    async fn resend_invite(
        &self,
        session: Option<String>,
        org: String,
        id: String,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            self.state
                .throttle
                .check_account(crate::throttle::Kind::Invitation, &user.id)?;
            invitations::resend(&self.state.db, &access, UI, &user, &id, self.base_url())
                .await
                .map(|_| ())
        }
        .await)
    }

    async fn revoke_invite(
        &self,
        session: Option<String>,
        org: String,
        id: String,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            invitations::revoke(&self.state.db, &access, UI, &user, &id).await
        }
        .await)
    }

    async fn remove_billing_manager(
        &self,
        session: Option<String>,
        org: String,
        user_id: String,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            orgs::remove_billing_manager(&self.state.db, &access, UI, &user, &user_id).await
        }
        .await)
    }

    async fn change_member_role(
        &self,
        session: Option<String>,
        org: String,
        user_id: String,
        role: Role,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            orgs::change_role(&self.state.db, &access, UI, &user, &user_id, role)
                .await
                .map(|_| ())
        }
        .await)
    }

    async fn remove_member(
        &self,
        session: Option<String>,
        org: String,
        user_id: String,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            orgs::remove_member(&self.state.db, &access, UI, &user, &user_id).await
        }
        .await)
    }

    async fn identity(
        &self,
        session: Option<String>,
        org: String,
    ) -> Result<IdentityPage, AppError> {
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            let emails = directory::list(&self.state.db, &access, UI)
                .await?
                .into_iter()
                .map(|e| e.email)
                .collect();
            Ok(IdentityPage {
                provider: access.org.identity_provider,
                org: entry(&access),
                emails,
            })
        }
        .await)
    }

    async fn set_identity_provider(
        &self,
        session: Option<String>,
        org: String,
        provider: IdentityProvider,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            directory::set_identity_provider(&self.state.db, &access, UI, &user, provider).await
        }
        .await)
    }

    async fn add_directory_email(
        &self,
        session: Option<String>,
        org: String,
        email: String,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            directory::add(&self.state.db, &access, UI, &user, &email).await
        }
        .await)
    }

    async fn remove_directory_email(
        &self,
        session: Option<String>,
        org: String,
        email: String,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            directory::remove(&self.state.db, &access, UI, &user, &email).await
        }
        .await)
    }

    async fn update_card(
        &self,
        session: Option<String>,
        org: String,
        card: CardInput,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            let form = crate::billing::CardForm {
                holder: &card.holder,
                number: &card.number,
                expiry: &card.expiry,
                cvc: &card.cvc,
            };
            crate::billing::update_payment_method(
                &self.state.db,
                self.state.processor.as_ref(),
                &access,
                UI,
                &user,
                form,
            )
            .await
            .map(|_| ())
        }
        .await)
    }

    async fn change_edition(
        &self,
        session: Option<String>,
        org: String,
        edition: Edition,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            crate::billing::change_edition(&self.state.db, &access, UI, &user, edition).await
        }
        .await)
    }

    async fn resources(
        &self,
        session: Option<String>,
        org: String,
    ) -> Result<OrgResources, AppError> {
        use crate::org_resources::{self as res, PolicyKind};
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            let db = &self.state.db;
            let may = |action: Action| allows(access.role, action, UI);
            let stacks = match may(Action::StacksList) {
                true => Some(
                    crate::stacks::list(db, &access, UI)
                        .await?
                        .into_iter()
                        .map(|s| StackRow {
                            project: s.project,
                            name: s.name,
                            resource_count: s.resource_count,
                            last_update: s.last_update,
                        })
                        .collect(),
                ),
                false => None,
            };
            let teams = match may(Action::TeamsList) {
                true => Some(
                    res::list_teams(db, &access, UI)
                        .await?
                        .into_iter()
                        .map(|t| TeamRow {
                            name: t.name,
                            description: t.description,
                            member_count: t.member_count,
                        })
                        .collect(),
                ),
                false => None,
            };
            let policies = |list: Vec<res::Policy>| -> Vec<PolicyRow> {
                list.into_iter()
                    .map(|p| PolicyRow {
                        name: p.name,
                        version: p.version,
                        created_at: p.created_at,
                    })
                    .collect()
            };
            let policy_groups = match may(Action::PolicyGroupsList) {
                true => Some(policies(
                    res::list_policies(db, &access, UI, PolicyKind::Groups).await?,
                )),
                false => None,
            };
            let policy_packs = match may(Action::PolicyPacksList) {
                true => Some(policies(
                    res::list_policies(db, &access, UI, PolicyKind::Packs).await?,
                )),
                false => None,
            };
            let tokens = match may(Action::TokensList) {
                true => Some(
                    res::list_tokens(db, &access, UI)
                        .await?
                        .into_iter()
                        .map(|t| OrgTokenRow {
                            id: t.id,
                            name: t.name,
                            created_at: t.created_at,
                        })
                        .collect(),
                ),
                false => None,
            };
            Ok(OrgResources {
                org: entry(&access),
                stacks,
                teams,
                policy_groups,
                policy_packs,
                tokens,
            })
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
        use crate::org_resources::{self as res, PolicyKind};
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            let db = &self.state.db;
            match kind {
                ResourceKind::Stack => crate::stacks::create(db, &access, UI, &name, &extra)
                    .await
                    .map(|_| None),
                ResourceKind::Team => res::create_team(db, &access, UI, &user, &name, &extra)
                    .await
                    .map(|_| None),
                ResourceKind::PolicyGroup => {
                    res::create_policy(db, &access, UI, &user, PolicyKind::Groups, &name)
                        .await
                        .map(|_| None)
                }
                ResourceKind::PolicyPack => {
                    res::create_policy(db, &access, UI, &user, PolicyKind::Packs, &name)
                        .await
                        .map(|_| None)
                }
                ResourceKind::OrgToken => res::create_token(db, &access, UI, &user, &name)
                    .await
                    .map(|(_, value)| Some(value)),
            }
        }
        .await)
    }

    async fn revoke_org_token(
        &self,
        session: Option<String>,
        org: String,
        id: String,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            crate::org_resources::revoke_token(&self.state.db, &access, UI, &user, &id).await
        }
        .await)
    }

    async fn team(
        &self,
        session: Option<String>,
        org: String,
        team: String,
    ) -> Result<TeamPage, AppError> {
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            let team = crate::org_resources::team(&self.state.db, &access, UI, &team).await?;
            Ok(TeamPage {
                org: entry(&access),
                name: team.name,
                description: team.description,
                members: team
                    .members
                    .into_iter()
                    .map(|m| TeamMemberRow {
                        user_id: m.user_id,
                        name: m.name,
                    })
                    .collect(),
            })
        }
        .await)
    }

    async fn add_team_member(
        &self,
        session: Option<String>,
        org: String,
        team: String,
        email: String,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            access.require(Action::TeamsManage, UI)?;
            let db = &self.state.db;
            let id = crate::org_resources::member_id_by_email(db, &access, &email).await?;
            crate::org_resources::manage_team(db, &access, UI, &user, &team, &id, true).await
        }
        .await)
    }

    async fn remove_team_member(
        &self,
        session: Option<String>,
        org: String,
        team: String,
        user_id: String,
    ) -> Result<(), AppError> {
        ui(async {
            let (user, access) = self.member(session, &org).await?;
            let db = &self.state.db;
            crate::org_resources::manage_team(db, &access, UI, &user, &team, &user_id, false).await
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
            usage_view(&self.state.db, &access, granularity, lookback_days).await
        }
        .await)
    }

    async fn audit(
        &self,
        session: Option<String>,
        org: String,
        event: Option<String>,
    ) -> Result<AuditPage, AppError> {
        ui(async {
            let (_, access) = self.member(session, &org).await?;
            let filter = crate::audit::Filter {
                event: event.as_deref().filter(|e| !e.is_empty()),
                ..Default::default()
            };
            let entries = crate::audit::list(&self.state.db, &access, UI, filter, 200).await?;
            Ok(AuditPage {
                org: entry(&access),
                entries: entries
                    .into_iter()
                    .map(|e| AuditRow {
                        time: e.time,
                        actor: e.actor,
                        event: e.event,
                        target: e.target,
                        details: e.details,
                    })
                    .collect(),
            })
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

async fn usage_view(
    db: &crate::db::Db,
    access: &OrgAccess,
    granularity: Granularity,
    lookback_days: i64,
) -> Result<UsageView, Error> {
    let summary = crate::stacks::summary(db, access, UI, granularity, lookback_days).await?;
    Ok(UsageView {
        current_resources: summary.current_resources,
        granularity,
        lookback_days,
        buckets: summary.buckets,
    })
}
