//! The rules of Purser, and nothing else: no I/O, no async runtime.
//!
//! This crate is compiled into both the server and the browser bundle, so a rule
//! decided here is decided once: the UI asks it what to show, the server asks it
//! what to allow, and the two cannot drift apart.

#[macro_use]
mod names;

pub mod billing;
pub mod edition;
pub mod error;
pub mod identity;
pub mod invitations;
pub mod members;
pub mod navigation;
pub mod page;
pub mod permissions;
pub mod redirect;
pub mod role;
pub mod scim;
pub mod sso;
pub mod tokens;
pub mod usage;
pub mod values;
pub mod verification;
pub mod views;

pub use edition::{Edition, EditionChangeError};
pub use identity::{Admission, IdentityProvider, Proof};
pub use invitations::{
    AcceptError, AcceptanceFacts, InvitationKind, InvitationStatus, InvitedRole,
};
pub use members::{MemberCount, MemberRecord, MemberView};
pub use permissions::{authorize, Action, Denied, Resource, Surface, Surfaces};
pub use redirect::ReturnPath;
pub use role::Role;
pub use values::{DisplayName, Email, Login, OrgName, Password, ValueError};

/// Names stored in text columns, read back as the types that wrote them (the `sqlx`
/// feature): a name we never write fails the read, loudly, instead of becoming a
/// default. Writes bind `as_str()`.
macro_rules! stored_as_name {
    ($($t:ty),* $(,)?) => {$(
        #[cfg(feature = "sqlx")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $t
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $t
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let name = <String as sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(name.parse::<$t>()?)
            }
        }
    )*};
}

stored_as_name!(
    Role,
    Edition,
    IdentityProvider,
    InvitationKind,
    InvitationStatus,
    AcceptError,
    billing::Brand,
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The server reads list pages as JSON built by the database from the stored names
    /// (`server::json_rows`), so each name stored in a row read that way must be the
    /// name serde reads: a variant renamed on one side only would fail every such page.
    #[test]
    fn stored_names_are_serde_names() {
        fn check<T: serde::Serialize>(value: T, stored: &str) {
            assert_eq!(serde_json::to_value(value).unwrap(), stored, "{stored}");
        }
        for role in Role::ALL {
            check(role, role.as_str());
        }
        // Each list is followed by an exhaustive match: a new variant stops this test
        // compiling until it is listed.
        use InvitationKind::*;
        for kind in [Email, Link] {
            match kind {
                Email | Link => check(kind, kind.as_str()),
            }
        }
        use InvitationStatus::*;
        for status in [Pending, Accepted, Revoked] {
            match status {
                Pending | Accepted | Revoked => check(status, status.as_str()),
            }
        }
        use AcceptError::*;
        for error in [
            NoLongerValid,
            NotInIdentityProvider,
            SignInThroughSso,
            BillingManagerLimitReached,
            AlreadyInOrganization,
            EmailMismatch,
            EmailNotVerified,
        ] {
            match error {
                NoLongerValid
                | NotInIdentityProvider
                | SignInThroughSso
                | BillingManagerLimitReached
                | AlreadyInOrganization
                | EmailMismatch
                | EmailNotVerified => check(error, error.as_str()),
            }
        }
    }
}
