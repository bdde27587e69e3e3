//! The rules of Purser, and nothing else: no I/O, no async runtime.
//!
//! This crate is compiled into both the server and the browser bundle, so a rule
//! decided here is decided once: the UI asks it what to show, the server asks it
//! what to allow, and the two cannot drift apart.

pub mod billing;
pub mod edition;
pub mod identity;
pub mod invitations;
pub mod members;
pub mod navigation;
pub mod permissions;
pub mod redirect;
pub mod role;
pub mod tokens;
pub mod usage;
pub mod values;
pub mod views;

pub use edition::{Edition, EditionChangeError};
pub use identity::IdentityProvider;
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
