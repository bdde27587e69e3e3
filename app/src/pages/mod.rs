pub mod auth;
pub mod billing;
pub mod home;
pub mod identity;
pub mod invites;
pub mod orgs;
pub mod resources;
pub mod tokens;
