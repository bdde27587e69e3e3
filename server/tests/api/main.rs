//! Black-box tests: the real server on a real database, over HTTP. Each test runs on
//! SQLite and on PostgreSQL.

mod accounts;
mod billing;
mod cli;
mod conflicts;
mod email;
mod hardening;
mod headers;
mod health;
mod helpers;
mod invitations;
mod lifecycle;
mod metrics;
mod org_resources;
mod orgs;
mod pages;
mod permissions;
mod proof;
mod pulumi_wire;
mod races;
mod scale_out;
mod scim;
mod server_fns;
mod sessions;
mod sso;
mod stripe;
mod tokens;
mod usage;
mod validation;
