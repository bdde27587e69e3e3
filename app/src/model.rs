//! What server functions return to pages: already redacted by `core` on the server.

use purser_core::{MemberCount, MemberView, Role};

pub use purser_core::page::Page;
pub use purser_core::views::{
    AuditEntry, CardView, InvitationView, OrgEntry, OrgTokenView, PaymentView, PolicyView,
    StackView, SubscriptionView, TeamDetail, TeamView, TokenView, UsageView,
};
use serde::{Deserialize, Serialize};

/// The signed-in account and the organizations it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub login: String,
    pub email: String,
    pub email_verified: bool,
    pub orgs: Vec<OrgEntry>,
}

/// Settings → Members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersPage {
    pub org: OrgEntry,
    pub count: MemberCount,
    /// A page of members (`count` has how many in all).
    pub members: Page<MemberView>,
    /// Pending member invitations; `None` for those who may not see them.
    pub invitations: Option<PendingInvitations>,
}

/// A page of pending invitations, newest first, so that a page of the UI costs the
/// same with ten pending invitations or ten thousand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitations {
    pub items: Vec<InvitationView>,
    /// How many are pending in all.
    pub total: u64,
    /// Where the next page starts, when more follow.
    pub next: Option<String>,
}

/// A token just created: its value is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: String,
    pub value: String,
}

/// Settings → Billing & usage, as the caller's role may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingPage {
    pub org: OrgEntry,
    pub count: MemberCount,
    /// A page of billing managers (`count` has how many in all).
    pub billing_managers: Page<purser_core::members::BillingManagerView>,
    /// Pending billing-manager invitations; `None` for those who may not see them.
    pub invitations: Option<PendingInvitations>,
    /// Each part is `None` for those who may not see it.
    pub subscription: Option<SubscriptionView>,
    /// (A struct, not `Option<Option<…>>`: JSON would turn "no card" into "may not see".)
    pub card: Option<PaymentMethodSection>,
    pub payments: Option<Page<PaymentView>>,
    pub usage: Option<UsageView>,
}

/// The payment-method section: the card on file, if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodSection {
    pub card: Option<CardView>,
    pub entry: CardEntry,
}

/// How a card is entered: in Purser's own form (the built-in test processor), or in
/// Stripe's fields, which Stripe.js mounts (the number never reaches Purser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardEntry {
    Form,
    Stripe {
        publishable_key: String,
        js_url: String,
    },
}

/// What the accept page shows about an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    pub org_name: String,
    pub org_display_name: String,
    pub role: Role,
    pub valid: bool,
}

/// An email invitation waiting for the signed-in account's address (Home lists them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyInvitation {
    pub id: String,
    pub org_name: String,
    pub org_display_name: String,
    pub role: Role,
    pub sent_at: i64,
    /// Who sent it; `None` once their account is gone.
    pub sent_by: Option<String>,
}

/// Settings → Identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityPage {
    pub org: OrgEntry,
    pub provider: purser_core::IdentityProvider,
    /// A page of the directory, by address.
    pub emails: Page<String>,
    /// The viewer's own verified address: no Remove button where `core` refuses it.
    pub your_email: String,
    /// Where the provider sends people back: to register at the provider.
    pub redirect_uri: String,
    /// The OpenID Connect connection, when one was saved.
    pub oidc: Option<OidcSettings>,
    /// What the last test sign-in received.
    pub last_test: Option<SsoTest>,
    /// Where the provider provisions people and teams (SCIM 2.0).
    pub scim_url: String,
    /// A page of the SCIM tokens (admins who configure the provider).
    pub scim_tokens: Option<Page<purser_core::views::ScimTokenView>>,
}

/// An organization's OpenID Connect connection as its settings page shows it (never
/// its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub join_as: purser_core::sso::JoinAs,
    pub groups_claim: String,
    /// `group = team` lines.
    pub teams_from_groups: String,
    pub lifetime_hours: i64,
    pub recovery_admin: String,
    /// Whether a test sign-in succeeded with this very connection.
    pub tested: bool,
}

/// A test sign-in's result: who ran it, when, and the claims received (as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoTest {
    pub tested_by: String,
    pub tested_at: i64,
    pub claims: String,
}

/// What the one-line create forms make (the `kind` of `create_resource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    /// `name` is the project, `extra` the stack.
    Stack,
    /// `extra` is the description.
    Team,
    PolicyGroup,
    PolicyPack,
    /// Its value is answered once.
    OrgToken,
}

impl ResourceKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Stack => "stack",
            ResourceKind::Team => "team",
            ResourceKind::PolicyGroup => "policy-group",
            ResourceKind::PolicyPack => "policy-pack",
            ResourceKind::OrgToken => "org-token",
        }
    }
}

/// The organization's other resources, each `None` when the caller's role may not list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgResources {
    pub org: OrgEntry,
    pub stacks: Option<Page<StackView>>,
    pub teams: Option<Page<TeamView>>,
    pub policy_groups: Option<Page<PolicyView>>,
    pub policy_packs: Option<Page<PolicyView>>,
    pub tokens: Option<Page<OrgTokenView>>,
}

/// Which page of [`OrgResources`] is shown: only its lists are read (the others stay
/// `None`, as for a role that may not list them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceSection {
    Stacks,
    Teams,
    Policies,
    Tokens,
}

/// Teams → a team: its members, and (for admins) adding and removing them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub org: OrgEntry,
    /// The team, with a page of its members, and where the next page starts.
    pub team: TeamDetail,
    pub next: Option<String>,
}

/// Settings → Audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub org: OrgEntry,
    /// A page of entries, newest first.
    pub entries: Page<AuditEntry>,
}
