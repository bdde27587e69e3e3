//! The roles a person can hold in an organization.

use serde::{Deserialize, Serialize};

/// A person's one role in one organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Every action on every resource.
    Admin,
    /// Works with stacks and policies; sees other members' names but not their emails.
    Member,
    /// Manages billing only; is not counted as a member.
    BillingManager,
}

// (`ALL` is in the order the permission matrix prints them.)
names! {
    Role { Admin => "admin", Member => "member", BillingManager => "billing-manager" }
    unknown: UnknownRole = |s: &str| UnknownRole(s.to_owned()),
    Display
}

impl Role {
    /// A label for people.
    pub const fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Member => "Member",
            Role::BillingManager => "Billing manager",
        }
    }

    /// Whether a holder of this role counts toward the organization's member count.
    /// Admins are members for every counting purpose; billing managers never count.
    pub const fn counts_as_member(self) -> bool {
        matches!(self, Role::Admin | Role::Member)
    }
}

/// The text was not the name of a role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose a role: admin, member or billing-manager.")]
pub struct UnknownRole(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn only_admins_and_members_count() {
        let table = [
            (Role::Admin, true),
            (Role::Member, true),
            (Role::BillingManager, false),
        ];
        for (role, counts) in table {
            assert_eq!(role.counts_as_member(), counts, "{role}");
        }
    }
}
