//! Purser's server: the axum application (its REST API, the pages and server functions
//! of `purser-app`, static files, middleware) and the command line. What each operation
//! does is `purser-services`, which both surfaces call.

// Leptos view types nest deeply; computing their layout needs more than the default.
#![recursion_limit = "256"]

pub mod cli;
pub mod http;
pub mod startup;
