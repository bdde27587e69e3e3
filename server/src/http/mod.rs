//! The two surfaces, REST (`rest/`) and the web UI's server functions (`web.rs`),
//! and what they share: who is calling and their standing in the organization of the
//! path (`caller.rs`), the cross-site request check (`csrf.rs`), the input guard
//! (`input.rs`), security headers (`headers.rs`) and how an error becomes an answer
//! (`answer.rs`). The services below them know nothing of HTTP.

pub mod answer;
pub mod assets;
pub mod caller;
pub mod csrf;
pub mod headers;
pub mod health;
pub mod input;
pub mod rest;
pub mod retry;
pub mod web;
