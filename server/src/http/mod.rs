//! The HTTP layer: the REST API (`rest/`, with the caller's standing in the
//! organization of the path, `org_ctx.rs`), what every server function's answer
//! passes through (`server_fns.rs`; the functions themselves are `purser-app`'s), and
//! what both surfaces share: the cross-site request check (`csrf.rs`), the input guard
//! (`input.rs`), requests run again after a lost conflict (`retry.rs`), security
//! headers (`headers.rs`), per-address rate limits (`throttle.rs`), metrics
//! (`monitoring.rs`) and the bundle (`assets.rs`); and the browser's side of single
//! sign-on (`sso.rs`).
//! Who is calling, and how an error becomes an answer, are the services'
//! (`purser_services::caller`, `purser_services::answer`), the same for both surfaces.

pub mod assets;
pub mod csrf;
pub mod headers;
pub mod health;
pub mod input;
pub mod monitoring;
pub mod org_ctx;
pub mod rest;
pub mod retry;
pub mod scim;
pub mod server_fns;
pub mod sso;
pub mod stripe;
pub mod throttle;
