//! Invitations: their states, and the rules an acceptance must pass.
//!
//! The server gathers the facts inside its acceptance transaction and asks
//! [`check_acceptance`]; the answer is the same whichever database or surface asked.

use crate::edition::Edition;
use crate::identity::{Admission, IdentityProvider, Proof};
use crate::permissions::{allows, Action, Surface};
use crate::role::Role;
use crate::values::{Email, ValueError};
use serde::{Deserialize, Serialize};

/// At most this many addresses in one invitation request.
pub const MAX_BATCH: usize = 50;

/// The one rule on a request's size: at least one invitation, at most [`MAX_BATCH`].
/// The UI's list counts addresses once (repeats dropped); the REST batch counts every
/// entry it would send. The error names `field`.
pub fn check_batch_size(n: usize, field: &'static str) -> Result<(), ValueError> {
    let message = match n {
        0 => "Enter at least one email address.".to_owned(),
        n if n > MAX_BATCH => format!("Invite at most {MAX_BATCH} addresses at a time."),
        _ => return Ok(()),
    };
    Err(ValueError { field, message })
}

/// The addresses of one invitation request as typed: separated by commas, semicolons
/// or line breaks, each a valid address, repeats dropped (the first kept), at least one
/// and at most [`MAX_BATCH`]. Errors name the `emails` field.
pub fn parse_email_list<S: AsRef<str>>(inputs: &[S]) -> Result<Vec<Email>, ValueError> {
    let refuse = |message: String| ValueError {
        field: "emails",
        message,
    };
    let mut emails: Vec<Email> = Vec::new();
    for typed in inputs
        .iter()
        .flat_map(|i| i.as_ref().split([',', '\n', ';']))
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let email = Email::parse(typed).map_err(|v| refuse(v.message))?;
        if !emails.contains(&email) {
            emails.push(email);
        }
    }
    check_batch_size(emails.len(), "emails")?;
    Ok(emails)
}

/// The roles an invitation may grant: members and billing managers. Admins are made
/// by changing a member's role, never by an invitation, so no link or email can hand
/// out the keys to an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InvitedRole {
    Member,
    BillingManager,
}

/// The role cannot be granted by an invitation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("An invitation is for the role member or billing-manager.")]
pub struct NotInvitable(pub String);

// (The same names as the roles they grant: `role()`.)
names! {
    InvitedRole { Member => "member", BillingManager => "billing-manager" }
    unknown: NotInvitable = |s: &str| NotInvitable(s.to_owned()),
    Display
}

impl InvitedRole {
    /// The role the invitee gets on acceptance.
    pub const fn role(self) -> Role {
        match self {
            InvitedRole::Member => Role::Member,
            InvitedRole::BillingManager => Role::BillingManager,
        }
    }
}

impl From<InvitedRole> for Role {
    fn from(r: InvitedRole) -> Role {
        r.role()
    }
}

impl TryFrom<Role> for InvitedRole {
    type Error = NotInvitable;

    fn try_from(role: Role) -> Result<Self, Self::Error> {
        match role {
            Role::Member => Ok(InvitedRole::Member),
            Role::BillingManager => Ok(InvitedRole::BillingManager),
            Role::Admin => Err(NotInvitable(role.as_str().to_owned())),
        }
    }
}

/// How an invitation reaches its invitee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InvitationKind {
    /// Sent to an address; only the account with that verified email may accept.
    Email,
    /// A link the admin shares; any verified account the identity provider admits may accept.
    Link,
}

names! {
    InvitationKind { Email => "email", Link => "link" }
    unknown: String = |s: &str| format!("unknown invitation kind {s:?}")
}

/// Where an invitation is in its life. Invitations never expire; they are used once or revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
}

/// Something that happens to an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationEvent {
    Accept,
    FailAcceptance,
    Resend,
    Revoke,
}

/// The event cannot happen to an invitation in this state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this invitation is no longer valid: it has been {}", .0.as_str())]
pub struct NotPending(pub InvitationStatus);

names! {
    InvitationStatus { Pending => "pending", Accepted => "accepted", Revoked => "revoked" }
    unknown: String = |s: &str| format!("unknown invitation status {s:?}"),
    Display
}

impl InvitationStatus {
    /// The state after `event`. Only pending invitations change: a used or revoked
    /// invitation stays as it is forever, which is what makes links single use.
    pub const fn after(self, event: InvitationEvent) -> Result<InvitationStatus, NotPending> {
        match (self, event) {
            (InvitationStatus::Pending, InvitationEvent::Accept) => Ok(InvitationStatus::Accepted),
            (InvitationStatus::Pending, InvitationEvent::Revoke) => Ok(InvitationStatus::Revoked),
            // A failure is recorded on the invitation, which stays pending so that it
            // can succeed once the cause is fixed.
            (
                InvitationStatus::Pending,
                InvitationEvent::FailAcceptance | InvitationEvent::Resend,
            ) => Ok(InvitationStatus::Pending),
            (done, _) => Err(NotPending(done)),
        }
    }
}

/// Why an address was not invited: each refuses that address alone (409), and a batch
/// lists it among its failed invitations with this code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InviteRefusal {
    /// A billing-manager invitation while the edition's allowance is used up.
    BillingManagerLimitReached,
    /// The address belongs to someone who already holds a role.
    AlreadyInOrganization,
    /// The address already has a pending invitation (to resend, not to duplicate).
    AlreadyInvited,
}

// (Its name is the code a failed invitation carries on the wire.)
names! {
    InviteRefusal {
        BillingManagerLimitReached => "billing-manager-limit-reached",
        AlreadyInOrganization => "already-in-organization",
        AlreadyInvited => "already-invited",
    }
    unknown: String = |s: &str| format!("unknown invitation refusal {s:?}")
}

/// Why an acceptance failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "kebab-case")]
pub enum AcceptError {
    /// Used or revoked: nothing is recorded, the invitation is over.
    #[error("This invitation is no longer valid. Ask an admin of the organization for a new one.")]
    NoLongerValid,
    #[error("Your email address is not in this organization's identity provider. Ask an admin to add it, then try again.")]
    NotInIdentityProvider,
    /// The organization signs people in through its own provider, and this browser has
    /// not (recently): the invitation waits for them.
    #[error("This organization signs people in through its identity provider: sign in with SSO, then open this invitation again.")]
    SignInThroughSso,
    #[error("This organization has reached its edition's limit of billing managers.")]
    BillingManagerLimitReached,
    #[error("You already have a role in this organization.")]
    AlreadyInOrganization,
    #[error("This invitation was sent to a different email address.")]
    EmailMismatch,
    #[error("Verify your email address before accepting an invitation.")]
    EmailNotVerified,
}

// (Its `Display` is the message for a person; its name is the kind stored and sent.)
names! {
    AcceptError {
        NoLongerValid => "no-longer-valid",
        NotInIdentityProvider => "not-in-identity-provider",
        SignInThroughSso => "sign-in-through-sso",
        BillingManagerLimitReached => "billing-manager-limit-reached",
        AlreadyInOrganization => "already-in-organization",
        EmailMismatch => "email-mismatch",
        EmailNotVerified => "email-not-verified",
    }
    unknown: String = |s: &str| format!("unknown acceptance error {s:?}")
}

impl AcceptError {
    /// Whether the failure is written on the invitation for admins to see. A used or
    /// revoked invitation has nothing left to record on; a browser that has yet to sign
    /// in through the provider is not something an admin can fix.
    pub const fn is_recorded(self) -> bool {
        !matches!(
            self,
            AcceptError::NoLongerValid | AcceptError::SignInThroughSso
        )
    }
}

/// What the acceptance transaction knows when it decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptanceFacts<'a> {
    pub status: InvitationStatus,
    pub kind: InvitationKind,
    pub role: Role,
    /// The address an email invitation was sent to (normalised).
    pub invited_email: Option<&'a str>,
    /// The accepting account's email (normalised) and whether it is verified.
    pub account_email: &'a str,
    pub account_verified: bool,
    pub identity_provider: IdentityProvider,
    pub listed_in_directory: bool,
    /// The organization's provider deactivated this account through SCIM: it may not
    /// join another way until the provider reactivates it.
    pub deactivated_by_provider: bool,
    /// How the accepting browser or client proved who it is.
    pub proof: Proof,
    pub existing_role: Option<Role>,
    pub edition: Edition,
    pub billing_managers: u32,
}

/// Decides an acceptance. The order matters: a finished invitation is reported as
/// such before anything about the account, so nothing leaks through a used link.
pub fn check_acceptance(f: &AcceptanceFacts<'_>) -> Result<(), AcceptError> {
    // An invitation to a role no invitation may grant (one written before that rule,
    // or by hand) is void, whatever else is true.
    if f.status.after(InvitationEvent::Accept).is_err() || InvitedRole::try_from(f.role).is_err() {
        return Err(AcceptError::NoLongerValid);
    }
    if !f.account_verified {
        return Err(AcceptError::EmailNotVerified);
    }
    if f.kind == InvitationKind::Email && f.invited_email != Some(f.account_email) {
        return Err(AcceptError::EmailMismatch);
    }
    match f
        .identity_provider
        .admits_newcomer(f.listed_in_directory, f.proof)
    {
        Admission::Admitted | Admission::AsRecoveryAdmin => {}
        Admission::NotListed => return Err(AcceptError::NotInIdentityProvider),
        Admission::SignInThroughSso => return Err(AcceptError::SignInThroughSso),
    }
    if f.deactivated_by_provider {
        return Err(AcceptError::NotInIdentityProvider);
    }
    if f.existing_role.is_some() {
        return Err(AcceptError::AlreadyInOrganization);
    }
    if f.role == Role::BillingManager && !f.edition.has_room_for_billing_manager(f.billing_managers)
    {
        return Err(AcceptError::BillingManagerLimitReached);
    }
    Ok(())
}

/// The action an admin needs to invite someone to `role`.
pub const fn invite_action(role: InvitedRole) -> Action {
    match role {
        InvitedRole::BillingManager => Action::BillingManagersInvite,
        InvitedRole::Member => Action::MembersInvite,
    }
}

/// Whether `viewer` may see pending invitations to `role` (only admins, in practice).
pub fn may_view_invitations(viewer: Role, role: InvitedRole, surface: Surface) -> bool {
    allows(viewer, invite_action(role), surface)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_lists_are_split_checked_and_deduplicated() {
        let ok: &[(&[&str], &[&str])] = &[
            (&["ada@example.com"], &["ada@example.com"]),
            (
                &["ada@example.com, grace@example.com"],
                &["ada@example.com", "grace@example.com"],
            ),
            (
                &["ada@example.com;\ngrace@example.com\n"],
                &["ada@example.com", "grace@example.com"],
            ),
            (
                &["Ada@Example.com", "ada@example.com"],
                &["ada@example.com"],
            ),
            (&[" , ada@example.com ,, "], &["ada@example.com"]),
        ];
        for (input, expected) in ok {
            let got: Vec<String> = parse_email_list(input)
                .unwrap()
                .iter()
                .map(|e| e.as_str().to_owned())
                .collect();
            assert_eq!(got, *expected, "{input:?}");
        }
        let fifty_one: Vec<String> = (0..=MAX_BATCH)
            .map(|i| format!("p{i}@example.com"))
            .collect();
        let refused: &[(Vec<String>, &str)] = &[
            (vec![], "at least one"),
            (vec![" , ;".into()], "at least one"),
            (vec!["ada@example.com, not-an-address".into()], "@"),
            (fifty_one, "at most 50"),
        ];
        for (input, message) in refused {
            let e = parse_email_list(input).unwrap_err();
            assert_eq!(e.field, "emails");
            assert!(e.message.contains(message), "{input:?}: {}", e.message);
        }
    }

    fn facts() -> AcceptanceFacts<'static> {
        AcceptanceFacts {
            status: InvitationStatus::Pending,
            kind: InvitationKind::Email,
            role: Role::BillingManager,
            invited_email: Some("bm@example.com"),
            account_email: "bm@example.com",
            account_verified: true,
            identity_provider: IdentityProvider::Open,
            listed_in_directory: false,
            deactivated_by_provider: false,
            proof: Proof::Session {
                sso_fresh: false,
                recovery_admin: false,
            },
            existing_role: None,
            edition: Edition::Team,
            billing_managers: 0,
        }
    }

    #[test]
    fn acceptance_table() {
        type Case = (
            &'static str,
            fn(&mut AcceptanceFacts<'static>),
            Result<(), AcceptError>,
        );
        let table: &[Case] = &[
            ("pending email invitation", |_| {}, Ok(())),
            (
                "used",
                |f| f.status = InvitationStatus::Accepted,
                Err(AcceptError::NoLongerValid),
            ),
            (
                "revoked",
                |f| f.status = InvitationStatus::Revoked,
                Err(AcceptError::NoLongerValid),
            ),
            (
                "unverified",
                |f| f.account_verified = false,
                Err(AcceptError::EmailNotVerified),
            ),
            (
                "other email",
                |f| f.account_email = "x@example.com",
                Err(AcceptError::EmailMismatch),
            ),
            (
                "link ignores email",
                |f| {
                    f.kind = InvitationKind::Link;
                    f.invited_email = None;
                    f.account_email = "x@example.com";
                },
                Ok(()),
            ),
            (
                "directory, not listed",
                |f| f.identity_provider = IdentityProvider::Directory,
                Err(AcceptError::NotInIdentityProvider),
            ),
            (
                "directory, listed",
                |f| {
                    f.identity_provider = IdentityProvider::Directory;
                    f.listed_in_directory = true;
                },
                Ok(()),
            ),
            (
                "directory, listed, but deactivated by the provider",
                |f| {
                    f.identity_provider = IdentityProvider::Directory;
                    f.listed_in_directory = true;
                    f.deactivated_by_provider = true;
                },
                Err(AcceptError::NotInIdentityProvider),
            ),
            (
                "oidc, password session",
                |f| f.identity_provider = IdentityProvider::Oidc,
                Err(AcceptError::SignInThroughSso),
            ),
            (
                "oidc, signed in through it",
                |f| {
                    f.identity_provider = IdentityProvider::Oidc;
                    f.proof = Proof::Session {
                        sso_fresh: true,
                        recovery_admin: false,
                    };
                },
                Ok(()),
            ),
            (
                "oidc, a token: joining needs the provider",
                |f| {
                    f.identity_provider = IdentityProvider::Oidc;
                    f.proof = Proof::Token;
                },
                Err(AcceptError::SignInThroughSso),
            ),
            (
                "already a member",
                |f| f.existing_role = Some(Role::Member),
                Err(AcceptError::AlreadyInOrganization),
            ),
            (
                "team at limit",
                |f| f.billing_managers = 1,
                Err(AcceptError::BillingManagerLimitReached),
            ),
            (
                "enterprise has no limit",
                |f| {
                    f.edition = Edition::Enterprise;
                    f.billing_managers = 9;
                },
                Ok(()),
            ),
            (
                "an admin invitation is void",
                |f| f.role = Role::Admin,
                Err(AcceptError::NoLongerValid),
            ),
            (
                "members are not limited",
                |f| {
                    f.role = Role::Member;
                    f.billing_managers = 1;
                },
                Ok(()),
            ),
        ];
        for (name, change, expected) in table {
            let mut f = facts();
            change(&mut f);
            assert_eq!(check_acceptance(&f), *expected, "{name}");
        }
    }

    #[test]
    fn only_pending_invitations_move() {
        use InvitationEvent::*;
        use InvitationStatus::*;
        let table = [
            (Pending, Accept, Ok(Accepted)),
            (Pending, Revoke, Ok(Revoked)),
            (Pending, FailAcceptance, Ok(Pending)),
            (Pending, Resend, Ok(Pending)),
            (Accepted, Accept, Err(NotPending(Accepted))),
            (Accepted, Revoke, Err(NotPending(Accepted))),
            (Revoked, Accept, Err(NotPending(Revoked))),
            (Revoked, Resend, Err(NotPending(Revoked))),
        ];
        for (from, event, to) in table {
            assert_eq!(from.after(event), to, "{from} {event:?}");
        }
    }

    #[test]
    fn error_kinds_round_trip_and_no_longer_valid_is_not_recorded() {
        for e in [
            AcceptError::NoLongerValid,
            AcceptError::NotInIdentityProvider,
            AcceptError::BillingManagerLimitReached,
            AcceptError::AlreadyInOrganization,
            AcceptError::EmailMismatch,
            AcceptError::EmailNotVerified,
        ] {
            assert_eq!(e.as_str().parse::<AcceptError>(), Ok(e));
            assert_eq!(e.is_recorded(), e != AcceptError::NoLongerValid);
        }
    }

    #[test]
    fn invitations_grant_members_and_billing_managers_only() {
        let table = [
            (Role::Admin, None),
            (Role::Member, Some(InvitedRole::Member)),
            (Role::BillingManager, Some(InvitedRole::BillingManager)),
        ];
        for (role, invited) in table {
            assert_eq!(InvitedRole::try_from(role).ok(), invited, "{role}");
            assert_eq!(role.as_str().parse::<InvitedRole>().ok(), invited, "{role}");
            if let Some(invited) = invited {
                assert_eq!(Role::from(invited), role);
            }
        }
        for text in ["owner", "Admin", "", " member", "billing_manager"] {
            assert!(text.parse::<InvitedRole>().is_err(), "{text:?}");
        }
        let json: Result<InvitedRole, _> = serde_json::from_str("\"admin\"");
        assert!(json.is_err(), "an admin role does not deserialize");
    }

    #[test]
    fn only_admins_see_invitations() {
        for role in InvitedRole::ALL {
            for surface in Surface::ALL {
                assert!(may_view_invitations(Role::Admin, role, surface));
                assert!(!may_view_invitations(Role::Member, role, surface));
                assert!(!may_view_invitations(Role::BillingManager, role, surface));
            }
        }
    }
}
