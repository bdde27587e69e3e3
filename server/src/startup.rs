//! Settings, the application state, the router, and serving.

use crate::db::{self, Db};
use crate::email::{delivery, mailbox};
use crate::{api, csrf, web};
use axum::extract::FromRef;
use axum::routing::get;
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
}

impl Settings {
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub processor: Arc<dyn crate::billing::processor::PaymentProcessor>,
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

/// The whole application: REST API, server functions, pages and static files.
pub fn router(state: AppState) -> Router {
    let backend: SharedBackend = Arc::new(web::ServerBackend::new(state.clone()));
    let routes = generate_route_list(purser_app::App);
    let options = state.leptos.clone();
    let mut router = Router::new()
        .nest("/api", api::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || leptos::prelude::provide_context(backend.clone()),
            move || purser_app::shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            purser_app::shell,
        ));
    if state.settings.dev_mailbox {
        router = router
            .route("/dev/mailbox", get(mailbox::page))
            .route("/dev/mailbox.json", get(mailbox::json));
    }
    router
        .layer(axum::middleware::from_fn(web::server_fn_status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::refuse_cross_origin,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::ConnectError),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
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
            delivery::spawn(db.clone(), mailer, settings.mail_interval);
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
    let state = AppState {
        db: db.clone(),
        processor,
        leptos: leptos_options(&settings),
        settings: Arc::new(settings),
    };
    let app = router(state);
    let handle = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    Ok(Running { addr, db, handle })
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
