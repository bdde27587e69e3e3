//! Editions and the billing-manager limit each one sets.

use serde::{Deserialize, Serialize};

/// The subscription edition of an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edition {
    Team,
    Enterprise,
    BusinessCritical,
}

/// Changing to an edition would leave more billing managers than it allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {target} edition allows {limit} billing manager(s); remove {must_remove} billing manager(s) first")]
pub struct EditionChangeError {
    pub target: Edition,
    pub limit: u32,
    pub must_remove: u32,
}

names! {
    Edition { Team => "team", Enterprise => "enterprise", BusinessCritical => "business-critical" }
    unknown: UnknownEdition = |s: &str| UnknownEdition(s.to_owned()),
    Display
}

impl Edition {
    pub const fn label(self) -> &'static str {
        match self {
            Edition::Team => "Team",
            Edition::Enterprise => "Enterprise",
            Edition::BusinessCritical => "Business Critical",
        }
    }

    /// The billing-manager limit in words, e.g. "Team allows 1 billing manager at a time".
    pub fn billing_manager_allowance(self) -> String {
        match self.billing_manager_limit() {
            Some(1) => format!("{} allows 1 billing manager at a time", self.label()),
            Some(n) => format!("{} allows {n} billing managers at a time", self.label()),
            None => format!("{} allows any number of billing managers", self.label()),
        }
    }

    /// How many accepted billing managers the edition allows at a time; `None` is unlimited.
    pub const fn billing_manager_limit(self) -> Option<u32> {
        match self {
            Edition::Team => Some(1),
            Edition::Enterprise | Edition::BusinessCritical => None,
        }
    }

    /// Whether one more billing manager fits beside `current` accepted ones.
    pub const fn has_room_for_billing_manager(self, current: u32) -> bool {
        match self.billing_manager_limit() {
            Some(limit) => current < limit,
            None => true,
        }
    }

    /// Whether an organization with `billing_managers` accepted billing managers may
    /// move to this edition; the error says how many must be removed first.
    pub fn accepts_change_with(self, billing_managers: u32) -> Result<(), EditionChangeError> {
        match self.billing_manager_limit() {
            Some(limit) if billing_managers > limit => Err(EditionChangeError {
                target: self,
                limit,
                must_remove: billing_managers - limit,
            }),
            _ => Ok(()),
        }
    }
}

/// The text was not the name of an edition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose an edition: team, enterprise or business-critical.")]
pub struct UnknownEdition(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowances_read_as_the_limits() {
        let table = [
            (Edition::Team, "Team allows 1 billing manager at a time"),
            (
                Edition::Enterprise,
                "Enterprise allows any number of billing managers",
            ),
            (
                Edition::BusinessCritical,
                "Business Critical allows any number of billing managers",
            ),
        ];
        for (edition, words) in table {
            assert_eq!(edition.billing_manager_allowance(), words);
        }
    }

    #[test]
    fn limits() {
        let table = [
            (Edition::Team, 0, true),
            (Edition::Team, 1, false),
            (Edition::Team, 5, false),
            (Edition::Enterprise, 0, true),
            (Edition::Enterprise, 1000, true),
            (Edition::BusinessCritical, 1, true),
            (Edition::BusinessCritical, 1000, true),
        ];
        for (edition, current, room) in table {
            assert_eq!(
                edition.has_room_for_billing_manager(current),
                room,
                "{edition} with {current}"
            );
        }
    }

    #[test]
    fn change_to_team_says_how_many_to_remove() {
        assert_eq!(Edition::Team.accepts_change_with(1), Ok(()));
        let err = Edition::Team.accepts_change_with(4).unwrap_err();
        assert_eq!(err.must_remove, 3);
        assert!(err.to_string().contains("remove 3"));
        assert_eq!(Edition::Enterprise.accepts_change_with(40), Ok(()));
    }

    #[test]
    fn names_round_trip() {
        for e in Edition::ALL {
            assert_eq!(e.as_str().parse::<Edition>(), Ok(e));
        }
        assert!("free".parse::<Edition>().is_err());
    }
}
