//! The pages' reads: each gathers, from the services, what one page shows, as the
//! caller's role may see it. A page reads a page of each list, never a whole list.

use crate::model::{
    AuditPage, BillingPage, CardEntry, IdentityPage, Me, MembersPage, MyInvitation, OidcSettings,
    OrgResources, Page, PaymentMethodSection, PendingInvitations, ResourceSection, SsoTest,
    TeamPage,
};
use purser_core::invitations::may_view_invitations;
use purser_core::tokens::TokenFilter;
use purser_core::usage::Granularity;
use purser_core::views::TokenView;
use purser_core::{Action, InvitedRole};
use purser_services::access::{Acting, OrgAccess};
use purser_services::accounts::User;
use purser_services::error::Error;
use purser_services::policies::{self, PolicyList};
use purser_services::state::AppState;
use purser_services::storage::cursor::{CursorKey, PageAsk};
use purser_services::{accounts, audit, billing, directory, invitations, orgs, stacks, tokens};
use purser_services::{org_tokens, scim, sso, teams};

/// How many rows a page of the UI lists (the REST API pages through the rest), and
/// how many payments Billing & usage shows (two years).
const UI_PAGE: u32 = 25;
/// The audit log's page in the UI: its entries are one line each.
const AUDIT_UI_PAGE: u32 = 100;
const UI_PAYMENTS: u32 = 24;

/// The page of a list a UI page asks for: from `after` (where the previous one ended),
/// `limit` rows.
fn ask<'a>(key: &'a CursorKey, after: Option<&'a str>, limit: Option<u32>) -> PageAsk<'a> {
    PageAsk { key, after, limit }
}

/// `Some(read)` when the caller's role may see it from the UI, `None` when not.
async fn when_allowed<T>(
    at: &Acting,
    action: Action,
    read: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<Option<T>, Error> {
    match at.allows(action) {
        true => read.await.map(Some),
        false => Ok(None),
    }
}

/// The signed-in account and its organizations; `None` when nobody is signed in.
pub async fn me(state: &AppState) -> Result<Option<Me>, Error> {
    let Some(caller) = super::ssr::caller(state).await? else {
        return Ok(None);
    };
    let user = caller.user;
    let orgs = orgs::list_for_user(&state.db, &user).await?;
    Ok(Some(Me {
        name: user.name,
        login: user.login,
        email: user.email,
        email_verified: user.email_verified,
        orgs: orgs.iter().map(OrgAccess::entry).collect(),
    }))
}

/// The account's tokens, a page from `after`.
pub async fn tokens(
    state: &AppState,
    user: &User,
    after: Option<String>,
) -> Result<Page<TokenView>, Error> {
    let page = ask(&state.cursors, after.as_deref(), Some(UI_PAGE));
    tokens::list(&state.db, user, TokenFilter::All, page).await
}

/// The email invitations waiting for the account's address.
pub async fn my_invitations(state: &AppState, user: &User) -> Result<Vec<MyInvitation>, Error> {
    let list = invitations::pending_for_user(&state.db, user).await?;
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

/// A page of pending invitations to `role` from `after`, for those who may see them.
async fn pending_invitations(
    state: &AppState,
    at: &Acting,
    role: InvitedRole,
    after: Option<&str>,
) -> Result<Option<PendingInvitations>, Error> {
    if !may_view_invitations(at.access.role, role, at.surface) {
        return Ok(None);
    }
    let (db, key) = (&state.db, &state.cursors);
    let page = invitations::pending(db, at, Some(role), ask(key, after, Some(UI_PAGE))).await?;
    Ok(Some(PendingInvitations {
        total: invitations::pending_count(db, &at.access.org.id, role).await?,
        items: page.items,
        next: page.next,
    }))
}

/// Settings → Members: a page of members from `after`, and of pending invitations
/// from `invites_after`.
pub async fn members(
    state: &AppState,
    at: &Acting,
    after: Option<String>,
    invites_after: Option<String>,
) -> Result<MembersPage, Error> {
    let (db, key) = (&state.db, &state.cursors);
    let page = orgs::members(db, at, ask(key, after.as_deref(), Some(UI_PAGE))).await?;
    Ok(MembersPage {
        org: at.access.entry(),
        count: orgs::member_count(db, at).await?,
        members: page,
        invitations: pending_invitations(state, at, InvitedRole::Member, invites_after.as_deref())
            .await?,
    })
}

/// Settings → Billing & usage: each part as the caller's role may see it.
pub async fn billing(
    state: &AppState,
    at: &Acting,
    after: Option<String>,
    invites_after: Option<String>,
) -> Result<BillingPage, Error> {
    let (db, key) = (&state.db, &state.cursors);
    let managers =
        orgs::billing_managers(db, at, ask(key, after.as_deref(), Some(UI_PAGE))).await?;
    let invites_after = invites_after.as_deref();
    Ok(BillingPage {
        org: at.access.entry(),
        count: orgs::member_count(db, at).await?,
        billing_managers: managers,
        invitations: pending_invitations(state, at, InvitedRole::BillingManager, invites_after)
            .await?,
        subscription: when_allowed(at, Action::SubscriptionView, billing::subscription(db, at))
            .await?,
        card: when_allowed(at, Action::CreditCardView, async {
            let card = billing::payment_method(db, at).await?;
            let entry = match &state.stripe {
                Some(stripe) => CardEntry::Stripe {
                    publishable_key: stripe.config.publishable_key.clone(),
                    js_url: stripe.config.js_url.clone(),
                },
                None => CardEntry::Form,
            };
            Ok(PaymentMethodSection { card, entry })
        })
        .await?,
        payments: when_allowed(at, Action::PaymentsView, async {
            let page = billing::payments(db, at, ask(key, None, Some(UI_PAYMENTS))).await?;
            Ok(page)
        })
        .await?,
        usage: when_allowed(
            at,
            Action::RumViewSummary,
            stacks::summary(db, at, Granularity::Day, 30),
        )
        .await?,
    })
}

/// Settings → Identity provider: the provider and a page of the directory.
pub async fn identity(
    state: &AppState,
    at: &Acting,
    after: Option<String>,
    tokens_after: Option<String>,
) -> Result<IdentityPage, Error> {
    let (db, key) = (&state.db, &state.cursors);
    let page = directory::list(db, at, ask(key, after.as_deref(), Some(UI_PAGE))).await?;
    let base_url = &state.settings.base_url;
    let oidc = sso::config(db, at, base_url).await?.map(|c| OidcSettings {
        issuer: c.issuer,
        client_id: c.client_id,
        join_as: c.join_as,
        groups_claim: c.groups_claim.unwrap_or_default(),
        teams_from_groups: purser_core::sso::format_group_teams(&c.teams_from_groups),
        lifetime_hours: c.lifetime_secs / 3600,
        recovery_admin: c.recovery_admin.unwrap_or_default(),
        tested: c.tested_at.is_some(),
    });
    let last_test = sso::flow::last_test(db, at).await?.map(|t| SsoTest {
        claims: t.claims_json(),
        tested_by: t.tested_by,
        tested_at: t.tested_at,
    });
    let scim_tokens = when_allowed(
        at,
        Action::SettingsConfigureIdentityProvider,
        scim::tokens::list(db, at, ask(key, tokens_after.as_deref(), Some(UI_PAGE))),
    )
    .await?;
    Ok(IdentityPage {
        scim_url: scim::base_url(base_url, &at.access.org.name),
        scim_tokens,
        provider: at.access.org.identity_provider,
        org: at.access.entry(),
        emails: page.map(|e| e.email),
        your_email: at.actor.email.clone(),
        redirect_uri: sso::redirect_uri(base_url, &at.access.org.name),
        oidc,
        last_test,
    })
}

/// One of the organization's other pages: only its lists are read, a page of each.
pub async fn resources(
    state: &AppState,
    at: &Acting,
    section: ResourceSection,
    after: Option<String>,
    packs_after: Option<String>,
) -> Result<OrgResources, Error> {
    let (db, key) = (&state.db, &state.cursors);
    let shows = |s: ResourceSection, action: Action| s == section && at.allows(action);
    let (after, packs_after) = (after.as_deref(), packs_after.as_deref());
    let size = Some(UI_PAGE);
    let mut page = OrgResources {
        org: at.access.entry(),
        stacks: None,
        teams: None,
        policy_groups: None,
        policy_packs: None,
        tokens: None,
    };
    if shows(ResourceSection::Stacks, Action::StacksList) {
        let stacks = stacks::list(db, at, ask(key, after, size)).await?;
        page.stacks = Some(stacks);
    }
    if shows(ResourceSection::Teams, Action::TeamsList) {
        let teams = teams::list(db, at, ask(key, after, size)).await?;
        page.teams = Some(teams);
    }
    if shows(ResourceSection::Policies, Action::PolicyGroupsList) {
        let groups = PolicyList::Groups;
        let groups = policies::list(db, at, groups, ask(key, after, size));
        page.policy_groups = Some(groups.await?);
    }
    if shows(ResourceSection::Policies, Action::PolicyPacksList) {
        let packs = PolicyList::Packs;
        let packs = policies::list(db, at, packs, ask(key, packs_after, size));
        page.policy_packs = Some(packs.await?);
    }
    if shows(ResourceSection::Tokens, Action::TokensList) {
        let all = TokenFilter::All;
        let tokens = org_tokens::list(db, at, all, ask(key, after, size));
        page.tokens = Some(tokens.await?);
    }
    Ok(page)
}

/// Teams → a team: a page of its members.
pub async fn team(
    state: &AppState,
    at: &Acting,
    team: String,
    after: Option<String>,
) -> Result<TeamPage, Error> {
    let (db, key) = (&state.db, &state.cursors);
    let (team, next) = teams::get(db, at, &team, ask(key, after.as_deref(), Some(UI_PAGE))).await?;
    Ok(TeamPage {
        team,
        next,
        org: at.access.entry(),
    })
}

/// Settings → Audit log: a page of entries, optionally of one event.
pub async fn audit(
    state: &AppState,
    at: &Acting,
    event: Option<String>,
    after: Option<String>,
) -> Result<AuditPage, Error> {
    let (db, key) = (&state.db, &state.cursors);
    let filter = audit::Filter {
        event: event.as_deref().filter(|e| !e.is_empty()),
        ..Default::default()
    };
    let page = audit::list(
        db,
        at,
        filter,
        ask(key, after.as_deref(), Some(AUDIT_UI_PAGE)),
    );
    let page = page.await?;
    Ok(AuditPage {
        entries: page,
        org: at.access.entry(),
    })
}

/// Whether the signed-in account may use a verification link (nothing changes);
/// `Ok` when signed out, as there is nobody yet to check it for.
pub async fn check_verification(state: &AppState, token: &str) -> Result<(), Error> {
    match super::ssr::caller(state).await? {
        Some(caller) => accounts::check_verification(&state.db, &caller.user, token).await,
        None => Ok(()),
    }
}
