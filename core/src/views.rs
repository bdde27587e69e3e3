//! What a caller reads, as plain data: the one set of read views.
//!
//! The server's services return these (already checked against the permission matrix
//! and redacted for the caller's role), server functions hand them to pages as they
//! are, and the REST layer converts them only where its wire format differs (camelCase
//! names, RFC 3339 times). Times are Unix milliseconds.
//!
//! With the `sqlx` feature (the server's), the views read straight from a database row
//! derive `sqlx::FromRow`, so a query's columns and a view's fields are matched once.

use crate::billing::Brand;
use crate::invitations::{AcceptError, InvitationKind, InvitationStatus};
use crate::usage::{Bucket, Granularity};
use crate::{Edition, Role};
use serde::{Deserialize, Serialize};

/// An organization and the caller's role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgEntry {
    pub name: String,
    pub display_name: String,
    pub role: Role,
    pub edition: Edition,
}

/// A personal access token, without its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct TokenView {
    pub id: String,
    pub description: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// `None`: never expires.
    pub expires_at: Option<i64>,
}

/// An invitation (pending ones in lists), as those who may invite to its role see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct InvitationView {
    pub id: String,
    pub role: Role,
    pub kind: InvitationKind,
    /// Email invitations only.
    pub email: Option<String>,
    pub status: InvitationStatus,
    /// The inviter's name and login; `None` once their account is gone.
    pub invited_by: Option<String>,
    pub invited_by_login: Option<String>,
    pub created_at: i64,
    /// Creation, or the last time it was sent again.
    pub sent_at: i64,
    /// Why the last attempt to accept it failed, and when.
    pub last_error: Option<AcceptError>,
    pub last_error_at: Option<i64>,
}

/// The subscription and what the current month costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub edition: Edition,
    pub status: String,
    pub period_start: i64,
    pub period_end: i64,
    pub price_per_member_cents: i64,
    /// Admins and members; billing managers are never counted.
    pub members: u64,
    pub monthly_amount_cents: i64,
    pub currency: String,
}

/// The card on file, as the processor left it: never the full number. Stored values
/// outside these types (an unknown brand, a month beyond `u32`) fail the read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct CardView {
    pub brand: Brand,
    pub last4: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "i64"))]
    pub exp_month: u32,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "i64"))]
    pub exp_year: i32,
    pub holder: String,
    pub updated_at: i64,
}

/// One charge of the subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PaymentView {
    pub id: String,
    /// `YYYY-MM`, the month paid for.
    pub period: String,
    pub created_at: i64,
    pub description: String,
    pub amount_cents: i64,
    pub currency: String,
    pub status: String,
    pub failure: Option<String>,
}

/// Resources under management: aggregates only, never a stack's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageView {
    pub current_resources: i64,
    pub granularity: Granularity,
    pub lookback_days: i64,
    /// Days or months, oldest first.
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct StackView {
    pub project: String,
    pub name: String,
    pub resource_count: i64,
    pub last_update: Option<i64>,
}

/// A team in the organization's list: its size, not who is on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct TeamView {
    pub name: String,
    pub description: String,
    pub member_count: i64,
}

/// A team with the people on it, for those who may see member names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDetail {
    pub name: String,
    pub description: String,
    /// How many are on the team (kept on the team's row).
    pub member_count: u64,
    /// A page of them, in the order they were added.
    pub members: Vec<TeamMemberView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct TeamMemberView {
    pub user_id: String,
    pub login: String,
    pub name: String,
}

/// A policy group, or one version of a policy pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PolicyView {
    pub name: String,
    /// Policy packs only.
    pub version: Option<i64>,
    pub created_at: i64,
}

/// A SCIM token (an identity provider's credential), without its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimTokenView {
    pub id: String,
    /// Which provider holds it, in the admin's words.
    pub description: String,
    /// The creator's login; `None` once their account is gone.
    pub created_by: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// An organization access token, without its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgTokenView {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Pulumi's `admin` flag, as it was set at creation.
    pub admin: bool,
    /// The creator's login; `None` once their account is gone.
    pub created_by: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// `None`: never expires.
    pub expires_at: Option<i64>,
}

/// An address in the organization's directory (identity provider).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct DirectoryEntry {
    pub email: String,
    pub added_at: i64,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: String,
    pub at: i64,
    /// The actor as recorded (an email address, or `purser billing`).
    pub actor: String,
    /// The acting account's name and login, while it exists.
    pub actor_name: Option<String>,
    pub actor_login: Option<String>,
    pub event: String,
    pub target: String,
    pub details: String,
}
