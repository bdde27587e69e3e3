//! Identity providers: who may join or keep access to an organization.

use serde::{Deserialize, Serialize};

/// An admin tried to remove their own email from the directory that admits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("You cannot remove your own email: you would lose access to the organization.")]
pub struct SelfRemoval;

/// The one identity provider that backs an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityProvider {
    /// Any verified Purser account may join through an invitation.
    Open,
    /// Only verified emails listed in the organization's directory may join or keep access.
    Directory,
    /// An OpenID Connect provider of the organization's choice: a browser session acts
    /// in the organization only after signing in through it (see [`crate::sso`]).
    Oidc,
}

names! {
    IdentityProvider { Open => "open", Directory => "directory", Oidc => "oidc" }
    unknown: UnknownIdentityProvider = |s: &str| UnknownIdentityProvider(s.to_owned()),
    Display
}

impl IdentityProvider {
    /// Whether `actor_email` may take `email` off the directory: not their own while
    /// the directory decides access, or they would shut themselves out at once.
    pub fn check_directory_removal(
        self,
        email: &crate::Email,
        actor_email: &str,
    ) -> Result<(), SelfRemoval> {
        match self {
            IdentityProvider::Directory if email.as_str() == actor_email => Err(SelfRemoval),
            _ => Ok(()),
        }
    }

    /// Whether a person is admitted, given whether their verified email is listed in
    /// the organization's directory and how they proved who they are.
    pub const fn admission(self, listed_in_directory: bool, proof: Proof) -> Admission {
        match (self, proof) {
            (IdentityProvider::Open, _) => Admission::Admitted,
            (IdentityProvider::Directory, _) if listed_in_directory => Admission::Admitted,
            (IdentityProvider::Directory, _) => Admission::NotListed,
            // The provider's removals reach Purser through SCIM (they end the role, and
            // with it the token's access); until then a token acts for its owner.
            (IdentityProvider::Oidc, Proof::Token) => Admission::Admitted,
            (
                IdentityProvider::Oidc,
                Proof::Session {
                    sso_fresh: true, ..
                },
            ) => Admission::Admitted,
            (
                IdentityProvider::Oidc,
                Proof::Session {
                    recovery_admin: true,
                    ..
                },
            ) => Admission::AsRecoveryAdmin,
            (IdentityProvider::Oidc, Proof::Session { .. }) => Admission::SignInThroughSso,
        }
    }

    /// Whether someone who holds no role yet may join (accept an invitation): as
    /// [`Self::admission`], except that with SSO only a fresh sign-in through the
    /// provider vouches for a newcomer (a token or the recovery admin's password do not).
    pub const fn admits_newcomer(self, listed_in_directory: bool, proof: Proof) -> Admission {
        match (self, proof) {
            (
                IdentityProvider::Oidc,
                Proof::Session {
                    sso_fresh: true, ..
                },
            ) => Admission::Admitted,
            (IdentityProvider::Oidc, _) => Admission::SignInThroughSso,
            _ => self.admission(listed_in_directory, proof),
        }
    }

    /// Whether people sign in to the organization through its provider.
    pub const fn is_sso(self) -> bool {
        matches!(self, IdentityProvider::Oidc)
    }
}

/// How a caller proved who they are, as far as an organization's provider cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// A personal access token or an organization token.
    Token,
    /// A browser session: `sso_fresh` when it signed in through the organization's
    /// provider within the organization's SSO lifetime; `recovery_admin` when its
    /// account is the organization's recovery admin.
    Session {
        sso_fresh: bool,
        recovery_admin: bool,
    },
}

/// What an organization's identity provider says of a caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Admitted only as the way back in when SSO is broken: every such use is audited
    /// and announced to the other admins.
    AsRecoveryAdmin,
    /// The caller's email is not in the organization's directory.
    NotListed,
    /// The session must first sign in through the organization's provider.
    SignInThroughSso,
}

/// The text was not the name of an identity provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose an identity provider: open, directory or oidc.")]
pub struct UnknownIdentityProvider(pub String);

/// Whether an organization's identity provider speaks for an account: may sign it in
/// (single sign-on, linking it by its address) or give it a role (SCIM). It does for an
/// account it made itself, and for one that holds or has held a role in the
/// organization (its owner joined). An account of someone outside the organization is
/// not its to bring in: were it, any organization's admin could run a provider that
/// vouches for someone else's address and sign in as them everywhere.
pub const fn provider_speaks_for(made_by_provider: bool, joined_the_organization: bool) -> bool {
    made_by_provider || joined_the_organization
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Email;

    #[test]
    fn admins_keep_their_own_directory_email() {
        let me = "ada@example.com";
        let cases = [
            (IdentityProvider::Directory, "ada@example.com", false),
            (IdentityProvider::Directory, "ADA@example.com", false),
            (IdentityProvider::Directory, "grace@example.com", true),
            (IdentityProvider::Open, "ada@example.com", true),
            (IdentityProvider::Open, "grace@example.com", true),
        ];
        for (provider, email, allowed) in cases {
            let email = Email::parse(email).unwrap();
            assert_eq!(
                provider.check_directory_removal(&email, me).is_ok(),
                allowed,
                "{provider} {email}"
            );
        }
    }

    #[test]
    fn admission() {
        use Admission::*;
        use IdentityProvider::*;
        let session = |sso_fresh, recovery_admin| Proof::Session {
            sso_fresh,
            recovery_admin,
        };
        let table = [
            (Open, false, Proof::Token, Admitted),
            (Open, false, session(false, false), Admitted),
            (Directory, false, Proof::Token, NotListed),
            (Directory, false, session(true, true), NotListed),
            (Directory, true, session(false, false), Admitted),
            (Oidc, false, Proof::Token, Admitted),
            (Oidc, false, session(true, false), Admitted),
            (Oidc, false, session(true, true), Admitted),
            (Oidc, false, session(false, true), AsRecoveryAdmin),
            (Oidc, true, session(false, false), SignInThroughSso),
            (Oidc, false, session(false, false), SignInThroughSso),
        ];
        for (idp, listed, proof, expected) in table {
            assert_eq!(
                idp.admission(listed, proof),
                expected,
                "{idp} listed={listed} {proof:?}"
            );
        }
    }

    #[test]
    fn a_provider_speaks_for_accounts_it_made_or_that_joined_and_no_others() {
        let cases = [
            (true, false, true),
            (false, true, true),
            (true, true, true),
            (false, false, false),
        ];
        for (made, joined, want) in cases {
            assert_eq!(
                super::provider_speaks_for(made, joined),
                want,
                "{made} {joined}"
            );
        }
    }
}
