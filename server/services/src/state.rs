//! What the server is configured with (`Settings`) and what every request handler
//! shares (`AppState`). Its own module so that the surfaces (`api`, `web`, `csrf`, …)
//! depend on it without depending on `startup`, which depends on them.

use crate::storage::db::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Everything the server is configured with (flags or environment, see `cli`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub addr: SocketAddr,
    /// How people reach this server, used in links sent by email; no trailing slash.
    pub base_url: String,
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    /// Serve `/dev/mailbox`, which shows every queued email (and so its secrets).
    pub dev_mailbox: bool,
    /// Where cargo-leptos put the browser bundle and styles (`pkg/`).
    pub site_root: PathBuf,
    /// How often the outbox is delivered.
    pub mail_interval: Duration,
    /// Rate limits, the sign-in lockout and the password-hashing bound.
    pub limits: crate::throttle::Limits,
    /// A session ends after this long without use (`--session-idle-hours`).
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not (`--session-max-days`).
    pub session_max: Duration,
    /// Where Prometheus metrics are served (`--metrics-addr`); none when `None`.
    pub metrics_addr: Option<SocketAddr>,
    /// Let organizations' identity providers be on private or loopback addresses and
    /// plain http (`--sso-allow-private-networks`): for a company's own provider, and
    /// the tests. Off, every call to a provider goes to public https hosts only.
    pub sso_allow_private_networks: bool,
    /// Which processor takes the payments (`--payment-processor`).
    pub payments: PaymentSettings,
}

/// The payment processor chosen, with what it needs.
#[derive(Debug, Clone, Default)]
pub enum PaymentSettings {
    /// The built-in test processor: approves every card but the declining test number.
    #[default]
    BuiltIn,
    Stripe(crate::billing::stripe::StripeConfig),
}

impl Settings {
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    pub fn session_lifetimes(&self) -> crate::accounts::SessionLifetimes {
        crate::accounts::SessionLifetimes {
            idle: self.session_idle,
            max: self.session_max,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Seals continuation tokens (shared by every instance through the database).
    pub cursors: Arc<crate::storage::cursor::CursorKey>,
    pub processor: Arc<dyn crate::billing::processor::PaymentProcessor>,
    /// Stripe, when it is the processor (`processor` is then the same).
    pub stripe: Option<Arc<crate::billing::stripe::Stripe>>,
    pub throttle: Arc<crate::throttle::Throttle>,
    pub settings: Arc<Settings>,
    pub leptos: LeptosOptions,
    /// Single sign-on: the client for providers, the key sealing client secrets.
    pub sso: Arc<crate::sso::Sso>,
}

/// The database, for handlers that need nothing else of the state.
impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

/// The rate limiter, for middleware that needs nothing else of the state.
impl FromRef<AppState> for Arc<crate::throttle::Throttle> {
    fn from_ref(state: &AppState) -> Self {
        state.throttle.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
