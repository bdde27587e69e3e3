//! An organization's pages and who may open them: the one navigation the UI draws,
//! decided by the same matrix that decides what the server allows.

use crate::permissions::{allows, Action, Surface};
use crate::role::Role;

/// The pages of an organization, in the order the navigation shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrgPage {
    Stacks,
    Teams,
    Policies,
    Members,
    Billing,
    Identity,
    Tokens,
    Audit,
}

/// Where a page sits in the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// The organization's own resources.
    Organization,
    /// Under "Settings".
    Settings,
}

impl OrgPage {
    pub const ALL: [OrgPage; 8] = [
        OrgPage::Stacks,
        OrgPage::Teams,
        OrgPage::Policies,
        OrgPage::Members,
        OrgPage::Billing,
        OrgPage::Identity,
        OrgPage::Tokens,
        OrgPage::Audit,
    ];

    pub const fn label(self) -> &'static str {
        match self {
            OrgPage::Stacks => "Stacks",
            OrgPage::Teams => "Teams",
            OrgPage::Policies => "Policies",
            OrgPage::Members => "Members",
            OrgPage::Billing => "Billing & usage",
            OrgPage::Identity => "Identity provider",
            OrgPage::Tokens => "Access tokens",
            OrgPage::Audit => "Audit log",
        }
    }

    /// The path under `/<org>/`.
    pub const fn path(self) -> &'static str {
        match self {
            OrgPage::Stacks => "stacks",
            OrgPage::Teams => "teams",
            OrgPage::Policies => "policies",
            OrgPage::Members => "settings/members",
            OrgPage::Billing => "settings/billing",
            OrgPage::Identity => "settings/identity",
            OrgPage::Tokens => "settings/tokens",
            OrgPage::Audit => "settings/audit",
        }
    }

    pub const fn section(self) -> Section {
        match self {
            OrgPage::Stacks | OrgPage::Teams | OrgPage::Policies => Section::Organization,
            _ => Section::Settings,
        }
    }

    /// The action a role needs, in the UI, to open the page.
    pub const fn gate(self) -> Action {
        match self {
            OrgPage::Stacks => Action::StacksList,
            OrgPage::Teams => Action::TeamsList,
            OrgPage::Policies => Action::PolicyGroupsList,
            OrgPage::Members => Action::MembersList,
            OrgPage::Billing => Action::BillingManagersViewNames,
            OrgPage::Identity => Action::SettingsView,
            OrgPage::Tokens => Action::TokensList,
            OrgPage::Audit => Action::AuditLogsView,
        }
    }

    /// Whether `role` may open the page (and so sees a link to it).
    pub fn opens_for(self, role: Role) -> bool {
        allows(role, self.gate(), Surface::Ui)
    }

    /// `/<org>/<path>`.
    pub fn href(self, org: &str) -> String {
        format!("/{org}/{}", self.path())
    }
}

/// The pages `role` may open, in navigation order.
pub fn pages_for(role: Role) -> impl Iterator<Item = OrgPage> {
    OrgPage::ALL.into_iter().filter(move |p| p.opens_for(role))
}

/// Where a person lands in an organization: its members, or for a role that may not
/// list them (billing managers), Billing & usage.
pub fn home_for(role: Role) -> OrgPage {
    [OrgPage::Members, OrgPage::Billing]
        .into_iter()
        .find(|p| p.opens_for(role))
        .unwrap_or(OrgPage::Billing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrgPage::*;

    #[test]
    fn each_role_sees_the_pages_it_may_open() {
        let table: [(Role, &[OrgPage]); 3] = [
            (
                Role::Admin,
                &[
                    Stacks, Teams, Policies, Members, Billing, Identity, Tokens, Audit,
                ],
            ),
            (Role::Member, &[Stacks, Teams, Policies, Members]),
            // The seed: billing, payments and usage only; teams and members are API-only.
            (Role::BillingManager, &[Billing]),
        ];
        for (role, expected) in table {
            assert_eq!(pages_for(role).collect::<Vec<_>>(), expected, "{role}");
        }
    }

    #[test]
    fn homes_and_paths() {
        assert_eq!(home_for(Role::Admin), Members);
        assert_eq!(home_for(Role::Member), Members);
        assert_eq!(home_for(Role::BillingManager), Billing);
        assert_eq!(Members.href("acme"), "/acme/settings/members");
        assert_eq!(Stacks.href("acme"), "/acme/stacks");
        let settings: Vec<_> = OrgPage::ALL
            .into_iter()
            .filter(|p| p.section() == Section::Settings)
            .collect();
        assert_eq!(settings, [Members, Billing, Identity, Tokens, Audit]);
        for p in OrgPage::ALL {
            assert_eq!(
                p.section() == Section::Settings,
                p.path().starts_with("settings/")
            );
        }
    }
}
