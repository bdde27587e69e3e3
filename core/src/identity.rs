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
}

names! {
    IdentityProvider { Open => "open", Directory => "directory" }
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
    /// the organization's directory.
    pub const fn admits(self, listed_in_directory: bool) -> bool {
        match self {
            IdentityProvider::Open => true,
            IdentityProvider::Directory => listed_in_directory,
        }
    }
}

/// The text was not the name of an identity provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose an identity provider: open or directory.")]
pub struct UnknownIdentityProvider(pub String);

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
        let table = [
            (IdentityProvider::Open, false, true),
            (IdentityProvider::Open, true, true),
            (IdentityProvider::Directory, false, false),
            (IdentityProvider::Directory, true, true),
        ];
        for (idp, listed, admitted) in table {
            assert_eq!(idp.admits(listed), admitted, "{idp} listed={listed}");
        }
    }
}
