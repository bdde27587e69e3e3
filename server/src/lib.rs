//! Purser's server: the axum application, its REST API, storage, email and CLI.
//!
//! Every request path (REST handler or server function) goes through the service
//! modules (`accounts`, `orgs`, `tokens`), which ask `purser_core` before they touch data.

// Leptos view types nest deeply; computing their layout needs more than the default.
#![recursion_limit = "256"]

pub mod access;
pub mod accounts;
pub mod audit;
pub mod backup;
pub mod billing;
pub mod cli;
pub mod cursor;
pub mod db;
pub mod demo;
pub mod directory;
pub mod email;
pub mod error;
pub mod http;
pub mod invitations;
pub mod json_rows;
pub mod lockout;
pub mod monitoring;
pub mod org_resources;
pub mod orgs;
pub mod secrets;
pub mod shutdown;
pub mod stacks;
pub mod startup;
pub mod state;
pub mod throttle;
pub mod tokens;
