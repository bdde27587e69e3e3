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
pub mod usage;
pub mod values;

pub use edition::{Edition, EditionChangeError};
pub use identity::IdentityProvider;
pub use invitations::{
    AcceptError, AcceptanceFacts, InvitationKind, InvitationStatus, InvitedRole,
};
pub use members::{MemberCount, MemberRecord, MemberView};
pub use permissions::{authorize, Action, Denied, Resource, Surface, Surfaces};
pub use redirect::ReturnPath;
pub use role::Role;
pub use values::{DisplayName, Email, OrgName, Password, ValueError};
