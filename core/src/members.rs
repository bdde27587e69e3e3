//! The member-count rule and what each viewer may see of a person in an organization.
//!
//! Redaction is a function from the full record to the view a role is allowed, so
//! the server hands out views and never has to remember to blank a field.

use crate::permissions::{allows, Action, Surface};
use crate::role::Role;
use serde::{Deserialize, Serialize};

/// How many people an organization has, by the rule of SPEC §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemberCount {
    /// Admins and members: the organization's member count.
    pub members: u64,
    /// Billing managers, who are never part of the member count.
    pub billing_managers: u64,
}

impl MemberCount {
    /// Sums per-role counts (as a `GROUP BY role` yields them) by the counting rule.
    pub fn from_role_counts(counts: impl IntoIterator<Item = (Role, u64)>) -> Self {
        counts
            .into_iter()
            .fold(MemberCount::default(), |mut total, (role, n)| {
                if role.counts_as_member() {
                    total.members += n;
                } else {
                    total.billing_managers += n;
                }
                total
            })
    }
}

/// Everything stored about a person's place in an organization.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct MemberRecord {
    pub user_id: String,
    pub login: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// When they joined, as Unix milliseconds.
    pub joined_at: i64,
}

/// What a viewer is allowed to see of a [`MemberRecord`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// Present only to viewers who may see names: an id or a login is as identifying
    /// as a name.
    pub user_id: Option<String>,
    pub login: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    pub joined_at: i64,
}

impl MemberRecord {
    /// The view of this record that `viewer` may see from `surface`; `None` when the
    /// viewer may not list members there at all.
    pub fn view_for(&self, viewer: Role, surface: Surface) -> Option<MemberView> {
        if !allows(viewer, Action::MembersList, surface) {
            return None;
        }
        let names = allows(viewer, Action::MembersViewNames, surface);
        let emails = allows(viewer, Action::MembersViewEmails, surface);
        Some(MemberView {
            user_id: names.then(|| self.user_id.clone()),
            login: names.then(|| self.login.clone()),
            name: names.then(|| self.name.clone()),
            email: emails.then(|| self.email.clone()),
            role: self.role,
            joined_at: self.joined_at,
        })
    }
}

/// Everything stored about a billing manager.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct BillingManagerRecord {
    pub user_id: String,
    pub login: String,
    pub name: String,
    pub email: String,
    /// When they accepted the invitation, as Unix milliseconds.
    pub accepted_at: i64,
}

/// What a viewer may see of a billing manager: admins see details, billing managers names only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingManagerView {
    pub user_id: Option<String>,
    pub login: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub accepted_at: Option<i64>,
}

impl BillingManagerRecord {
    /// The view `viewer` may see from `surface`; `None` when billing managers are hidden from them.
    pub fn view_for(&self, viewer: Role, surface: Surface) -> Option<BillingManagerView> {
        if !allows(viewer, Action::BillingManagersViewNames, surface) {
            return None;
        }
        let details = allows(viewer, Action::BillingManagersViewDetails, surface);
        Some(BillingManagerView {
            user_id: details.then(|| self.user_id.clone()),
            login: details.then(|| self.login.clone()),
            name: self.name.clone(),
            email: details.then(|| self.email.clone()),
            accepted_at: details.then_some(self.accepted_at),
        })
    }
}

/// A change to a person's place in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    /// Admin ⇄ member.
    To(Role),
    /// Their role ends (a member, an admin or a billing manager removed).
    Remove,
}

/// Why a role change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RoleChangeError {
    #[error("An organization needs at least one admin: make someone else an admin first.")]
    LastAdmin,
    #[error("Only admins and members change roles (admin ⇄ member); billing managers are invited as such.")]
    NotAdminOrMember,
    #[error("They already have that role.")]
    Unchanged,
}

/// Decides a role change from the facts: the person's current role, the change, and
/// how many admins the organization has now. An organization always keeps an admin,
/// and roles change only between admin and member.
pub fn check_role_change(
    current: Role,
    change: RoleChange,
    admins: u64,
) -> Result<(), RoleChangeError> {
    let leaves_admins = match change {
        RoleChange::To(to) if to == current => return Err(RoleChangeError::Unchanged),
        RoleChange::To(to) => {
            if !(current.counts_as_member() && to.counts_as_member()) {
                return Err(RoleChangeError::NotAdminOrMember);
            }
            to != Role::Admin
        }
        RoleChange::Remove => true,
    };
    if current == Role::Admin && leaves_admins && admins <= 1 {
        return Err(RoleChangeError::LastAdmin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> MemberRecord {
        MemberRecord {
            user_id: "u1".into(),
            login: "ada".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            role: Role::Member,
            joined_at: 42,
        }
    }

    #[test]
    fn member_count_excludes_billing_managers() {
        let count = MemberCount::from_role_counts([
            (Role::Admin, 1),
            (Role::Member, 2),
            (Role::BillingManager, 1),
        ]);
        assert_eq!(
            count,
            MemberCount {
                members: 3,
                billing_managers: 1
            }
        );
        assert_eq!(MemberCount::from_role_counts([]), MemberCount::default());
    }

    #[test]
    fn member_redaction_table() {
        // viewer, surface, sees a row, name, email
        let table = [
            (Role::Admin, Surface::Ui, true, true, true),
            (Role::Admin, Surface::Api, true, true, true),
            (Role::Member, Surface::Ui, true, true, false),
            (Role::Member, Surface::Api, true, true, false),
            (Role::BillingManager, Surface::Ui, false, false, false),
            (Role::BillingManager, Surface::Api, true, false, false),
        ];
        for (viewer, surface, row, name, email) in table {
            let view = record().view_for(viewer, surface);
            assert_eq!(view.is_some(), row, "{viewer} {surface:?}");
            if let Some(v) = view {
                assert_eq!(v.name.is_some(), name, "{viewer} {surface:?} name");
                assert_eq!(v.user_id.is_some(), name, "{viewer} {surface:?} id");
                assert_eq!(v.login.is_some(), name, "{viewer} {surface:?} login");
                assert_eq!(v.email.is_some(), email, "{viewer} {surface:?} email");
                assert_eq!(v.role, Role::Member);
                assert_eq!(v.joined_at, 42);
            }
        }
    }

    #[test]
    fn billing_manager_redaction_table() {
        let bm = BillingManagerRecord {
            user_id: "u2".into(),
            login: "bob".into(),
            name: "Bob".into(),
            email: "bob@example.com".into(),
            accepted_at: 7,
        };
        // viewer, sees, details
        let table = [
            (Role::Admin, true, true),
            (Role::BillingManager, true, false),
            (Role::Member, false, false),
        ];
        for (viewer, sees, details) in table {
            for surface in Surface::ALL {
                let view = bm.view_for(viewer, surface);
                assert_eq!(view.is_some(), sees, "{viewer}");
                if let Some(v) = view {
                    assert_eq!(v.name, "Bob");
                    assert_eq!(v.email.is_some(), details, "{viewer}");
                    assert_eq!(v.accepted_at.is_some(), details, "{viewer}");
                    assert_eq!(v.user_id.is_some(), details, "{viewer}");
                    assert_eq!(v.login.is_some(), details, "{viewer}");
                }
            }
        }
    }

    #[test]
    fn role_changes_keep_an_admin_and_stay_between_admin_and_member() {
        use RoleChange::{Remove, To};
        use RoleChangeError::*;
        let table = [
            (Role::Admin, To(Role::Member), 2, Ok(())),
            (Role::Admin, To(Role::Member), 1, Err(LastAdmin)),
            (Role::Admin, Remove, 1, Err(LastAdmin)),
            (Role::Admin, Remove, 3, Ok(())),
            (Role::Member, To(Role::Admin), 1, Ok(())),
            (Role::Member, Remove, 1, Ok(())),
            (Role::BillingManager, Remove, 1, Ok(())),
            (Role::Member, To(Role::Member), 1, Err(Unchanged)),
            (
                Role::Member,
                To(Role::BillingManager),
                1,
                Err(NotAdminOrMember),
            ),
            (
                Role::BillingManager,
                To(Role::Admin),
                1,
                Err(NotAdminOrMember),
            ),
            (
                Role::BillingManager,
                To(Role::Member),
                1,
                Err(NotAdminOrMember),
            ),
        ];
        for (current, change, admins, expected) in table {
            assert_eq!(
                check_role_change(current, change, admins),
                expected,
                "{current} {change:?} with {admins} admin(s)"
            );
        }
    }
}
