//! Purser's services: what each operation does, whichever surface asked for it. The
//! REST API (`purser-server`'s `http::rest`) and the UI's server functions
//! (`purser-app`'s `api`, built with `ssr`) both call these functions, which ask
//! `purser_core` before they touch data; storage (`db`, `cursor`, `json_rows`) and email
//! live here with them.

pub mod access;
pub mod accounts;
pub mod answer;
pub mod audit;
pub mod backup;
pub mod billing;
pub mod caller;
pub mod demo;
pub mod directory;
pub mod email;
pub mod error;
pub mod invitations;
pub mod lockout;
pub mod org_tokens;
pub mod orgs;
pub mod policies;
pub mod scim;
pub mod secrets;
pub mod shutdown;
pub mod sso;
pub mod stacks;
pub mod state;
pub mod storage;
pub mod teams;
pub mod throttle;
pub mod tokens;
