//! Provisioning through SCIM 2.0 (RFC 7643/7644): the organization's identity provider
//! adds, updates and removes its people and teams. The rules that do not depend on the
//! wire format: who may be provisioned where, which address is the person, and what
//! `active` does to a role.

use crate::members::{check_role_change, RoleChange, RoleChangeError};
use crate::{Email, IdentityProvider, Role, ValueError};

/// The most resources one SCIM list answers (`count` above it is lowered to it, as
/// RFC 7644 §3.4.2.4 lets a server do).
pub const MAX_PAGE: u32 = 100;
/// The most addresses one provisioned person may carry in `emails`.
pub const MAX_EMAILS: usize = 10;
/// The most operations one PATCH may carry.
pub const MAX_PATCH_OPERATIONS: usize = 1000;

impl IdentityProvider {
    /// Whether the organization takes provisioning from its identity provider: when it
    /// keeps a list of people (`directory`) or signs in through a provider, not when any
    /// invited account may join (`open`: there is no provider to speak for anyone).
    pub const fn takes_provisioning(self) -> bool {
        !matches!(self, IdentityProvider::Open)
    }
}

/// One of the addresses a provider sends in a user's `emails`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentEmail<'a> {
    pub value: &'a str,
    pub kind: Option<&'a str>,
    pub primary: bool,
}

/// The address that is the person's Purser account: the primary of `emails`, else its
/// work address, else its first, else `userName` when that is an address (Okta and
/// Entra ID send the sign-in name there, usually the address; some send only that).
pub fn account_email(user_name: &str, emails: &[SentEmail<'_>]) -> Result<Email, ValueError> {
    let chosen = emails
        .iter()
        .find(|e| e.primary)
        .or_else(|| {
            emails
                .iter()
                .find(|e| e.kind.is_some_and(|k| k.eq_ignore_ascii_case("work")))
        })
        .or_else(|| emails.first());
    match chosen {
        Some(email) => Email::parse(email.value).map_err(|e| ValueError {
            field: "emails",
            message: e.message,
        }),
        None => Email::parse(user_name).map_err(|_| ValueError {
            field: "userName",
            message: "A user needs an email address: in emails, or as the userName.".into(),
        }),
    }
}

/// What a provisioning change does to the person's role in the organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Nothing changes.
    Keep,
    /// They become a member (provisioned, or reactivated: never more than a member).
    JoinAsMember,
    /// The role they hold ends, whatever it is (member, admin or billing manager).
    Remove(Role),
}

/// Refused: the organization would be left without an admin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "This is the organization's last admin: make someone else an admin before deprovisioning them."
)]
pub struct LastAdmin;

/// Decides what setting `active` does for someone who holds `role` (or none) in an
/// organization with `admins` admins; `provider_speaks_for` is
/// [`crate::identity::provider_speaks_for`] of their account (an outsider's account
/// gets no role from the provider: they join by invitation).
pub fn on_active(
    role: Option<Role>,
    active: bool,
    admins: u64,
    provider_speaks_for: bool,
) -> Result<Standing, LastAdmin> {
    match (role, active) {
        (None, true) if provider_speaks_for => Ok(Standing::JoinAsMember),
        (None, true) => Ok(Standing::Keep),
        (None, false) | (Some(_), true) => Ok(Standing::Keep),
        (Some(role), false) => match check_role_change(role, RoleChange::Remove, admins) {
            Ok(()) => Ok(Standing::Remove(role)),
            Err(RoleChangeError::LastAdmin) => Err(LastAdmin),
            // Removing is never "unchanged" nor a change to a role it cannot take.
            Err(_) => Ok(Standing::Remove(role)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent<'a>(value: &'a str, kind: Option<&'static str>, primary: bool) -> SentEmail<'a> {
        SentEmail {
            value,
            kind,
            primary,
        }
    }

    #[test]
    fn the_account_is_the_primary_then_work_then_first_address_then_the_user_name() {
        let cases: &[(&str, Vec<SentEmail<'_>>, Result<&str, &str>)] = &[
            (
                "ann",
                vec![
                    sent("home@x.example", Some("home"), false),
                    sent("Ann@Corp.example", Some("work"), true),
                ],
                Ok("ann@corp.example"),
            ),
            (
                "ann",
                vec![
                    sent("home@x.example", Some("home"), false),
                    sent("ann@corp.example", Some("Work"), false),
                ],
                Ok("ann@corp.example"),
            ),
            (
                "ann",
                vec![sent("first@x.example", None, false)],
                Ok("first@x.example"),
            ),
            ("ann@corp.example", vec![], Ok("ann@corp.example")),
            ("ann", vec![], Err("userName")),
            (
                "ann@corp.example",
                vec![sent("nope", None, true)],
                Err("emails"),
            ),
        ];
        for (user_name, emails, want) in cases {
            let got = account_email(user_name, emails);
            match want {
                Ok(email) => assert_eq!(got.unwrap().as_str(), *email, "{user_name}"),
                Err(field) => assert_eq!(got.unwrap_err().field, *field, "{user_name}"),
            }
        }
    }

    #[test]
    fn active_grants_a_membership_and_inactive_ends_any_role_but_the_last_admin() {
        use Role::*;
        let cases = [
            (None, true, 1, Ok(Standing::JoinAsMember)),
            (None, false, 1, Ok(Standing::Keep)),
            (Some(Member), true, 1, Ok(Standing::Keep)),
            (Some(Admin), true, 1, Ok(Standing::Keep)),
            (Some(BillingManager), true, 1, Ok(Standing::Keep)),
            (Some(Member), false, 1, Ok(Standing::Remove(Member))),
            (
                Some(BillingManager),
                false,
                1,
                Ok(Standing::Remove(BillingManager)),
            ),
            (Some(Admin), false, 2, Ok(Standing::Remove(Admin))),
            (Some(Admin), false, 1, Err(LastAdmin)),
        ];
        for (role, active, admins, want) in cases {
            assert_eq!(
                on_active(role, active, admins, true),
                want,
                "{role:?} {active}"
            );
        }
        // An outsider's account: the provider gives no role, nor takes one it cannot.
        assert_eq!(on_active(None, true, 1, false), Ok(Standing::Keep));
        assert_eq!(
            on_active(Some(Member), false, 1, false),
            Ok(Standing::Remove(Member))
        );
    }

    #[test]
    fn only_organizations_with_a_provider_or_a_list_take_provisioning() {
        assert!(!IdentityProvider::Open.takes_provisioning());
        assert!(IdentityProvider::Directory.takes_provisioning());
        assert!(IdentityProvider::Oidc.takes_provisioning());
    }
}
