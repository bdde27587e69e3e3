//! What server functions return to pages: already redacted by `core` on the server.

use purser_core::{Edition, MemberCount, MemberView, Role};
use serde::{Deserialize, Serialize};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "purser_session";

/// The signed-in account and the organizations it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub orgs: Vec<OrgEntry>,
}

/// An organization and the caller's role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgEntry {
    pub name: String,
    pub display_name: String,
    pub role: Role,
    pub edition: Edition,
}

/// Settings → Members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersPage {
    pub org: OrgEntry,
    pub count: MemberCount,
    pub members: Vec<MemberView>,
    pub next: Option<String>,
    /// Pending member invitations; `None` for those who may not see them.
    pub invitations: Option<Vec<InvitationRow>>,
}

/// A personal access token, without its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub description: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A token just created: its value is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: String,
    pub value: String,
}

/// A pending invitation, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: String,
    pub role: Role,
    pub kind: purser_core::InvitationKind,
    pub email: Option<String>,
    pub invited_by: Option<String>,
    pub sent_at: i64,
    pub last_error: Option<purser_core::AcceptError>,
    pub last_error_at: Option<i64>,
}

/// Settings → Billing & usage, as the caller's role may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingPage {
    pub org: OrgEntry,
    pub count: MemberCount,
    pub billing_managers: Vec<purser_core::members::BillingManagerView>,
    /// Pending billing-manager invitations; `None` for those who may not see them.
    pub invitations: Option<Vec<InvitationRow>>,
    /// Each part is `None` for those who may not see it.
    pub subscription: Option<SubscriptionView>,
    /// (A struct, not `Option<Option<…>>`: JSON would turn "no card" into "may not see".)
    pub card: Option<PaymentMethodSection>,
    pub payments: Option<Vec<PaymentRow>>,
    pub usage: Option<UsageView>,
}

/// Resources under management: aggregates only, never stack names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageView {
    pub current_resources: i64,
    pub granularity: purser_core::usage::Granularity,
    pub lookback_days: i64,
    /// Days or months, oldest first.
    pub buckets: Vec<purser_core::usage::Bucket>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub edition: purser_core::Edition,
    pub status: String,
    pub period_start: i64,
    pub period_end: i64,
    pub price_per_member_cents: i64,
    pub members: u64,
    pub monthly_amount_cents: i64,
    pub currency: String,
}

/// The payment-method section: the card on file, if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodSection {
    pub card: Option<CardView>,
}

/// The card on file, as the processor left it: never the full number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardView {
    pub brand: purser_core::billing::Brand,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: i32,
    pub holder: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRow {
    pub date: i64,
    pub description: String,
    pub amount_cents: i64,
    pub currency: String,
    pub status: String,
    pub failure: Option<String>,
}

/// What the accept page shows about an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    pub org_name: String,
    pub org_display_name: String,
    pub role: Role,
    pub valid: bool,
}

/// Settings → Identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityPage {
    pub org: OrgEntry,
    pub provider: purser_core::IdentityProvider,
    pub emails: Vec<String>,
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
    pub stacks: Option<Vec<StackRow>>,
    pub teams: Option<Vec<TeamRow>>,
    pub policy_groups: Option<Vec<PolicyRow>>,
    pub policy_packs: Option<Vec<PolicyRow>>,
    pub tokens: Option<Vec<OrgTokenRow>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackRow {
    pub project: String,
    pub name: String,
    pub resource_count: i64,
    pub last_update: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRow {
    pub name: String,
    pub description: String,
    pub member_count: i64,
}

/// Teams → a team: its members, and (for admins) adding and removing them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub org: OrgEntry,
    pub name: String,
    pub description: String,
    pub members: Vec<TeamMemberRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMemberRow {
    pub user_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRow {
    pub name: String,
    pub version: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgTokenRow {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

/// Settings → Audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub org: OrgEntry,
    pub entries: Vec<AuditRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub time: String,
    pub actor: String,
    pub event: String,
    pub target: String,
    pub details: String,
}
