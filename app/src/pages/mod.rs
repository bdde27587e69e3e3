pub mod auth;
pub mod home;
pub mod orgs;
pub mod tokens;
