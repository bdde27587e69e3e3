//! The permission matrix: which role may take which action, from which surface.
//!
//! The matrix is data ([`grants`]), so the CLI prints it, the tests walk it row by
//! row, and both the UI (to hide) and the server (to refuse) ask [`authorize`].

use crate::role::Role;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a request comes from. "API only" permissions are served by the REST API and
/// never shown in the web UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Surface {
    Ui,
    Api,
}

impl Surface {
    pub const ALL: [Surface; 2] = [Surface::Ui, Surface::Api];

    pub const fn as_str(self) -> &'static str {
        match self {
            Surface::Ui => "ui",
            Surface::Api => "api",
        }
    }
}

/// The set of surfaces a grant covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Surfaces {
    pub ui: bool,
    pub api: bool,
}

impl Surfaces {
    pub const NONE: Surfaces = Surfaces {
        ui: false,
        api: false,
    };
    pub const BOTH: Surfaces = Surfaces {
        ui: true,
        api: true,
    };
    pub const API_ONLY: Surfaces = Surfaces {
        ui: false,
        api: true,
    };

    pub const fn contains(self, surface: Surface) -> bool {
        match surface {
            Surface::Ui => self.ui,
            Surface::Api => self.api,
        }
    }

    pub const fn is_empty(self) -> bool {
        !self.ui && !self.api
    }

    /// The surfaces as a list, in a fixed order (`ui` before `api`).
    pub fn to_vec(self) -> Vec<Surface> {
        Surface::ALL
            .into_iter()
            .filter(|s| self.contains(*s))
            .collect()
    }
}

/// The things the matrix speaks of (SPEC §3 vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resource {
    Members,
    Teams,
    Tokens,
    PolicyGroups,
    PolicyPacks,
    Stacks,
    AuditLogs,
    CreditCard,
    Subscription,
    Payments,
    BillingManagers,
    ResourcesUnderManagement,
    Settings,
}

impl Resource {
    pub const ALL: [Resource; 13] = [
        Resource::Members,
        Resource::Teams,
        Resource::Tokens,
        Resource::PolicyGroups,
        Resource::PolicyPacks,
        Resource::Stacks,
        Resource::AuditLogs,
        Resource::CreditCard,
        Resource::Subscription,
        Resource::Payments,
        Resource::BillingManagers,
        Resource::ResourcesUnderManagement,
        Resource::Settings,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Resource::Members => "members",
            Resource::Teams => "teams",
            Resource::Tokens => "tokens",
            Resource::PolicyGroups => "policy-groups",
            Resource::PolicyPacks => "policy-packs",
            Resource::Stacks => "stacks",
            Resource::AuditLogs => "audit-logs",
            Resource::CreditCard => "credit-card",
            Resource::Subscription => "subscription",
            Resource::Payments => "payments",
            Resource::BillingManagers => "billing-managers",
            Resource::ResourcesUnderManagement => "resources-under-management",
            Resource::Settings => "settings",
        }
    }
}

/// Declares [`Action`] with its resource and verb in one table, so the list of
/// actions, their names and their resources cannot disagree.
macro_rules! actions {
    ($($variant:ident => $resource:ident, $verb:literal;)*) => {
        /// One action on one resource.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            /// Every action, grouped by resource in SPEC §3 order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The resource the action is taken on.
            pub const fn resource(self) -> Resource {
                match self {
                    $(Action::$variant => Resource::$resource,)*
                }
            }

            /// The verb, as SPEC §3 names it (`list`, `view-count`, …).
            pub const fn verb(self) -> &'static str {
                match self {
                    $(Action::$variant => $verb,)*
                }
            }
        }
    };
}

actions! {
    MembersList => Members, "list";
    MembersViewCount => Members, "view-count";
    MembersViewNames => Members, "view-names";
    MembersViewEmails => Members, "view-emails";
    MembersInvite => Members, "invite";
    MembersRemove => Members, "remove";
    MembersChangeRole => Members, "change-role";
    TeamsList => Teams, "list";
    TeamsCreate => Teams, "create";
    TeamsManage => Teams, "manage";
    TokensList => Tokens, "list";
    TokensCreate => Tokens, "create";
    TokensRevoke => Tokens, "revoke";
    PolicyGroupsList => PolicyGroups, "list";
    PolicyGroupsManage => PolicyGroups, "manage";
    PolicyPacksList => PolicyPacks, "list";
    PolicyPacksManage => PolicyPacks, "manage";
    StacksList => Stacks, "list";
    StacksCreate => Stacks, "create";
    StacksUpdate => Stacks, "update";
    AuditLogsView => AuditLogs, "view";
    CreditCardView => CreditCard, "view";
    CreditCardUpdate => CreditCard, "update";
    SubscriptionView => Subscription, "view";
    SubscriptionUpdate => Subscription, "update";
    PaymentsView => Payments, "view";
    BillingManagersViewNames => BillingManagers, "view-names";
    BillingManagersViewDetails => BillingManagers, "view-details";
    BillingManagersInvite => BillingManagers, "invite";
    BillingManagersRemove => BillingManagers, "remove";
    RumViewSummary => ResourcesUnderManagement, "view-summary";
    RumViewByStack => ResourcesUnderManagement, "view-by-stack";
    SettingsView => Settings, "view";
    SettingsUpdate => Settings, "update";
    SettingsConfigureIdentityProvider => Settings, "configure-identity-provider";
}

impl Action {
    /// `resource:verb`, e.g. `members:view-count`.
    pub fn qualified_name(self) -> String {
        format!("{}:{}", self.resource().as_str(), self.verb())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource().as_str(), self.verb())
    }
}

/// The text was not `resource:verb` of a known action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action {0:?}")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.qualified_name() == s)
            .ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

/// What members hold, on every surface (SPEC §3).
const MEMBER_GRANTS: &[Action] = &[
    Action::MembersList,
    Action::MembersViewCount,
    Action::MembersViewNames,
    Action::TeamsList,
    Action::PolicyGroupsList,
    Action::PolicyPacksList,
    Action::StacksList,
    Action::StacksCreate,
    Action::StacksUpdate,
];

/// What billing managers hold: exactly the seed's table.
const BILLING_MANAGER_GRANTS: &[(Action, Surfaces)] = &[
    (Action::MembersList, Surfaces::API_ONLY),
    (Action::MembersViewCount, Surfaces::BOTH),
    (Action::TeamsList, Surfaces::API_ONLY),
    (Action::CreditCardView, Surfaces::BOTH),
    (Action::CreditCardUpdate, Surfaces::BOTH),
    (Action::SubscriptionView, Surfaces::BOTH),
    (Action::SubscriptionUpdate, Surfaces::BOTH),
    (Action::PaymentsView, Surfaces::BOTH),
    (Action::BillingManagersViewNames, Surfaces::BOTH),
    (Action::RumViewSummary, Surfaces::BOTH),
];

/// The surfaces from which `role` may take `action`: the whole matrix.
pub fn grants(role: Role, action: Action) -> Surfaces {
    match role {
        Role::Admin => Surfaces::BOTH,
        Role::Member if MEMBER_GRANTS.contains(&action) => Surfaces::BOTH,
        Role::Member => Surfaces::NONE,
        Role::BillingManager => BILLING_MANAGER_GRANTS
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(Surfaces::NONE, |(_, s)| *s),
    }
}

/// Whether `role` may take `action` from `surface`.
pub fn allows(role: Role, action: Action, surface: Surface) -> bool {
    grants(role, action).contains(surface)
}

/// The caller's role does not allow the action from this surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {} may not {} {} here", .role.as_str(), .action.verb(), .action.resource().as_str())]
pub struct Denied {
    pub role: Role,
    pub action: Action,
    pub surface: Surface,
}

/// [`allows`] as a `Result`, for `?` in request handlers.
pub fn authorize(role: Role, action: Action, surface: Surface) -> Result<(), Denied> {
    if allows(role, action, surface) {
        Ok(())
    } else {
        Err(Denied {
            role,
            action,
            surface,
        })
    }
}

/// One row of the printed matrix: a role holds an action on these surfaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub resource: Resource,
    pub action: &'static str,
    pub surfaces: Vec<Surface>,
}

/// Every grant of the matrix (rows with no surface are left out), role by role.
pub fn matrix() -> Vec<Grant> {
    Role::ALL
        .into_iter()
        .flat_map(|role| {
            Action::ALL.iter().filter_map(move |&action| {
                let surfaces = grants(role, action);
                (!surfaces.is_empty()).then(|| Grant {
                    role,
                    resource: action.resource(),
                    action: action.verb(),
                    surfaces: surfaces.to_vec(),
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const U: Surfaces = Surfaces {
        ui: true,
        api: false,
    };
    const A: Surfaces = Surfaces::API_ONLY;
    const B: Surfaces = Surfaces::BOTH;
    const N: Surfaces = Surfaces::NONE;

    /// The expected matrix, written out in full: action, admin, member, billing manager.
    /// The billing-manager column is the seed's table.
    const EXPECTED: &[(&str, Surfaces, Surfaces, Surfaces)] = &[
        ("members:list", B, B, A),
        ("members:view-count", B, B, B),
        ("members:view-names", B, B, N),
        ("members:view-emails", B, N, N),
        ("members:invite", B, N, N),
        ("members:remove", B, N, N),
        ("members:change-role", B, N, N),
        ("teams:list", B, B, A),
        ("teams:create", B, N, N),
        ("teams:manage", B, N, N),
        ("tokens:list", B, N, N),
        ("tokens:create", B, N, N),
        ("tokens:revoke", B, N, N),
        ("policy-groups:list", B, B, N),
        ("policy-groups:manage", B, N, N),
        ("policy-packs:list", B, B, N),
        ("policy-packs:manage", B, N, N),
        ("stacks:list", B, B, N),
        ("stacks:create", B, B, N),
        ("stacks:update", B, B, N),
        ("audit-logs:view", B, N, N),
        ("credit-card:view", B, N, B),
        ("credit-card:update", B, N, B),
        ("subscription:view", B, N, B),
        ("subscription:update", B, N, B),
        ("payments:view", B, N, B),
        ("billing-managers:view-names", B, N, B),
        ("billing-managers:view-details", B, N, N),
        ("billing-managers:invite", B, N, N),
        ("billing-managers:remove", B, N, N),
        ("resources-under-management:view-summary", B, N, B),
        ("resources-under-management:view-by-stack", B, N, N),
        ("settings:view", B, N, N),
        ("settings:update", B, N, N),
        ("settings:configure-identity-provider", B, N, N),
    ];

    #[test]
    fn every_role_action_and_surface_matches_the_table() {
        assert_eq!(
            EXPECTED.len(),
            Action::ALL.len(),
            "the table must cover every action"
        );
        for &(name, admin, member, billing_manager) in EXPECTED {
            let action: Action = name.parse().unwrap();
            for (role, expected) in [
                (Role::Admin, admin),
                (Role::Member, member),
                (Role::BillingManager, billing_manager),
            ] {
                for surface in Surface::ALL {
                    assert_eq!(
                        allows(role, action, surface),
                        expected.contains(surface),
                        "{role} {name} on {}",
                        surface.as_str()
                    );
                }
            }
        }
    }

    #[test]
    fn ui_only_grants_do_not_exist() {
        for role in Role::ALL {
            for &action in Action::ALL {
                assert_ne!(grants(role, action), U, "{role} {action}");
            }
        }
    }

    #[test]
    fn billing_manager_holds_exactly_the_seed_permissions() {
        let held: BTreeMap<String, Vec<Surface>> = matrix()
            .into_iter()
            .filter(|g| g.role == Role::BillingManager)
            .map(|g| (format!("{}:{}", g.resource.as_str(), g.action), g.surfaces))
            .collect();
        let api = vec![Surface::Api];
        let both = vec![Surface::Ui, Surface::Api];
        let seed: BTreeMap<String, Vec<Surface>> = [
            ("members:list", &api),
            ("members:view-count", &both),
            ("teams:list", &api),
            ("credit-card:view", &both),
            ("credit-card:update", &both),
            ("subscription:view", &both),
            ("subscription:update", &both),
            ("payments:view", &both),
            ("billing-managers:view-names", &both),
            ("resources-under-management:view-summary", &both),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect();
        assert_eq!(held, seed);
    }

    #[test]
    fn denial_names_the_action() {
        let err = authorize(Role::BillingManager, Action::StacksList, Surface::Api).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a billing-manager may not list stacks here"
        );
        assert!(authorize(Role::BillingManager, Action::MembersList, Surface::Ui).is_err());
        assert!(authorize(Role::BillingManager, Action::MembersList, Surface::Api).is_ok());
    }

    #[test]
    fn action_names_are_unique_and_parse() {
        let mut seen = std::collections::HashSet::new();
        for &action in Action::ALL {
            assert!(seen.insert(action.qualified_name()));
            assert_eq!(action.qualified_name().parse::<Action>(), Ok(action));
        }
        assert!("stacks:delete-everything".parse::<Action>().is_err());
    }

    #[test]
    fn every_resource_has_an_action() {
        for resource in Resource::ALL {
            assert!(
                Action::ALL.iter().any(|a| a.resource() == resource),
                "{resource:?}"
            );
        }
    }
}
