//! What an account may do only once its email address is verified. Until then the
//! address proves nothing: someone else may have signed up with it.

/// Each thing that waits for a verified address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedsVerifiedEmail {
    /// Its founder becomes the first admin, and invitations and billing mail name the
    /// founder's address.
    CreateOrganization,
    /// A personal access token is a key the address's owner could not see being used;
    /// a session ends when the owner takes the account back by a password reset.
    CreateToken,
}

impl NeedsVerifiedEmail {
    fn doing(self) -> &'static str {
        match self {
            NeedsVerifiedEmail::CreateOrganization => "creating an organization",
            NeedsVerifiedEmail::CreateToken => "creating an access token",
        }
    }
}

/// The refusal of `what` to an account whose address is not verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Verify your email address before {}.", .0.doing())]
pub struct Unverified(pub NeedsVerifiedEmail);

/// Whether an account whose address is verified (or not) may do `what`.
pub fn check_verified(email_verified: bool, what: NeedsVerifiedEmail) -> Result<(), Unverified> {
    if email_verified {
        Ok(())
    } else {
        Err(Unverified(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NeedsVerifiedEmail::*;

    #[test]
    fn only_verified_accounts_found_organizations_and_create_tokens() {
        for what in [CreateOrganization, CreateToken] {
            // (A new kind stops this test compiling until it is listed.)
            match what {
                CreateOrganization | CreateToken => {}
            }
            for (verified, allowed) in [(true, true), (false, false)] {
                assert_eq!(
                    check_verified(verified, what).is_ok(),
                    allowed,
                    "{what:?} verified={verified}"
                );
            }
        }
        let refusals = [CreateOrganization, CreateToken].map(|w| Unverified(w).to_string());
        assert_eq!(
            refusals,
            [
                "Verify your email address before creating an organization.",
                "Verify your email address before creating an access token."
            ]
        );
    }
}
