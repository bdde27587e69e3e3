//! Settings, the application state, the router, and serving.

use crate::db::{self, Db};
use crate::email::{delivery, mailbox};
use crate::{api, csrf, web};
use axum::extract::FromRef;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use purser_app::backend::SharedBackend;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

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
    pub cursors: Arc<crate::cursor::CursorKey>,
    pub processor: Arc<dyn crate::billing::processor::PaymentProcessor>,
    pub throttle: Arc<crate::throttle::Throttle>,
    pub settings: Arc<Settings>,
    pub leptos: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

fn leptos_options(settings: &Settings) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("purser")
        .site_root(settings.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(settings.addr)
        .build()
}

/// The page routes, listed once per process. Listing them renders the app with resource
/// loading suppressed by a process-wide flag, so a page rendered meanwhile (by another
/// server in the same process, as in the integration tests) would wait forever on its
/// resources (leptos-rs/leptos#4773).
fn routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| generate_route_list(purser_app::App))
        .clone()
}

/// The whole application: REST API, server functions, pages and static files.
pub fn router(state: AppState) -> Router {
    let backend: SharedBackend = Arc::new(web::ServerBackend::new(state.clone()));
    let routes = routes();
    let options = state.leptos.clone();
    let mut router = Router::new()
        .nest("/api", api::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                leptos::prelude::provide_context(backend.clone());
                crate::headers::provide_nonce();
            },
            move || purser_app::shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(crate::headers::provide_nonce, purser_app::shell));
    if state.settings.dev_mailbox {
        router = router.merge(mailbox::routes());
    }
    router
        .layer(axum::middleware::from_fn(web::server_fn_status))
        .layer(axum::middleware::from_fn(crate::input::guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::throttle::limit_by_address,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::refuse_cross_origin,
        ))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(crate::headers::security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::ConnectError),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot load the server's keys: {0}")]
    Keys(#[from] crate::error::Error),
    #[error(transparent)]
    Mailer(#[from] delivery::MailerError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A server that is listening, and the address it got (useful with port 0).
pub struct Running {
    pub addr: SocketAddr,
    pub db: Db,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Connects, migrates, starts email delivery and begins serving.
pub async fn start(settings: Settings) -> Result<Running, StartError> {
    let db = db::connect(&settings.database_url).await?;
    db::MIGRATOR.run(&db).await?;
    match &settings.smtp_url {
        Some(url) => {
            let mailer = delivery::Mailer::new(url, &settings.smtp_from)?;
            // The development mailbox shows bodies, so it keeps them; otherwise a
            // delivered message's links are erased.
            let bodies = match settings.dev_mailbox {
                true => crate::email::outbox::Bodies::Keep,
                false => crate::email::outbox::Bodies::Erase,
            };
            delivery::spawn(db.clone(), mailer, settings.mail_interval, bodies);
        }
        None if settings.dev_mailbox => {
            tracing::info!("no SMTP server configured: emails are readable at /dev/mailbox")
        }
        None => tracing::warn!(
            "no SMTP server configured (PURSER_SMTP_URL) and no --dev-mailbox: emails stay queued in the outbox"
        ),
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: settings.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: settings.addr,
        source,
    })?;
    let mut settings = settings;
    settings.addr = addr;
    if settings.base_url.is_empty() {
        settings.base_url = format!("http://{addr}");
    }
    let processor: Arc<dyn crate::billing::processor::PaymentProcessor> =
        Arc::new(crate::billing::processor::BuiltInProcessor);
    crate::billing::spawn_scheduler(db.clone(), processor.clone());
    crate::accounts::spawn_purge(db.clone(), settings.session_lifetimes());
    crate::secrets::bound_password_hashing(settings.limits.password_hashing_concurrency);
    let throttle = Arc::new(crate::throttle::Throttle::new(settings.limits.clone()));
    crate::throttle::spawn_cleanup(throttle.clone());
    let state = AppState {
        throttle,
        cursors: Arc::new(crate::cursor::CursorKey::load(&db).await?),
        db: db.clone(),
        processor,
        leptos: leptos_options(&settings),
        settings: Arc::new(settings),
    };
    let app = router(state);
    let handle = tokio::spawn(async move {
        // The peer address is what rate limits count by (see `throttle`).
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    });
    Ok(Running { addr, db, handle })
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
