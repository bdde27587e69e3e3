//! The router, and serving: connect, migrate, start the background work, listen.
//! Settings and the application state live in `state`.

use crate::http::{assets, csrf, health, rest};
use axum::serve::ListenerExt;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use purser_services::email::{delivery, mailbox};
use purser_services::shutdown;
pub use purser_services::state::{AppState, Settings};
use purser_services::storage::db::{self, Db};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::trace::TraceLayer;

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
    let routes = routes();
    let options = state.leptos.clone();
    let outside = crate::http::headers::OutsideOrigins(
        match &state.settings.payments {
            purser_services::state::PaymentSettings::Stripe(config) => {
                purser_services::billing::stripe::origins(config).join(" ")
            }
            purser_services::state::PaymentSettings::BuiltIn => String::new(),
        }
        .into(),
    );
    let context = state.clone();
    let mut router = Router::new()
        .merge(rest::router())
        .merge(crate::http::sso::routes())
        .merge(crate::http::scim::routes())
        .merge(crate::http::stripe::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                // Server functions reach the services through the one state.
                leptos::prelude::provide_context(context.clone());
                crate::http::headers::provide_nonce();
            },
            move || purser_app::shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            crate::http::headers::provide_nonce, purser_app::shell
        ));
    if state.settings.dev_mailbox {
        router = router.merge(mailbox::routes());
    }
    let router = router
        .layer(axum::middleware::from_fn(crate::http::server_fns::status))
        .layer(crate::http::retry::RetryConflictsLayer)
        .layer(axum::middleware::from_fn(crate::http::input::guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::throttle::limit_by_address,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::refuse_cross_origin,
        ))
        // Small answers go out as they are: compressing them costs more than it saves;
        // the rest at the fastest level, which gets most of the saving for a fraction
        // of the time. zstd, which the browsers that offer it get first, is both
        // smaller and cheaper than gzip at that level (a quarter fewer bytes on a page
        // of 100 members).
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(
                    SizeAbove::new(1024)
                        .and(NotForContentType::GRPC)
                        .and(NotForContentType::IMAGES)
                        .and(NotForContentType::SSE),
                ),
        )
        .layer(axum::middleware::from_fn_with_state(
            outside.clone(),
            crate::http::headers::security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state.clone());
    // The bundle, the stylesheet and the health probes skip the request-handling
    // layers they have no use for (no body, session or rate to check, nothing to
    // compress): only the security headers.
    let assets = Arc::new(assets::Assets::load(&state.settings.site_root.join("pkg")));
    let app = Router::new()
        .route("/pkg/{*file}", axum::routing::get(assets::serve))
        .with_state(assets)
        .merge(health::routes(state.db.clone()))
        .layer(axum::middleware::from_fn_with_state(
            outside,
            crate::http::headers::security_headers,
        ))
        .merge(router);
    match state.settings.metrics_addr {
        Some(_) => app.layer(axum::middleware::from_fn(crate::http::monitoring::track)),
        None => app,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::ConnectError),
    #[error("cannot prepare the database: {}", .0.chain())]
    Migrate(purser_services::error::Error),
    #[error("cannot load the server's keys: {0}")]
    Keys(#[from] purser_services::error::Error),
    #[error(transparent)]
    Mailer(#[from] delivery::MailerError),
    #[error("cannot serve metrics on {addr}: {source}")]
    Metrics {
        addr: SocketAddr,
        source: std::io::Error,
    },
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
    /// Ends when the server has stopped (after SIGTERM, SIGINT or `stop.pull()`) and
    /// its outbox worker has handed back what it claimed.
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
    pub stop: shutdown::Trigger,
    /// Where the metrics are served, when they are.
    pub metrics_addr: Option<SocketAddr>,
}

/// Applies the migrations, then what SQL alone cannot do portably (logins made from
/// the email addresses of accounts older than logins).
pub async fn migrate(db: &Db) -> Result<(), purser_services::error::Error> {
    db::MIGRATOR.run(db).await?;
    purser_services::accounts::backfill_logins(db).await?;
    db::refresh_statistics(db).await?;
    Ok(())
}

/// Connects, migrates, starts email delivery and begins serving.
pub async fn start(settings: Settings) -> Result<Running, StartError> {
    let db = db::connect(&settings.database_url).await?;
    migrate(&db).await.map_err(StartError::Migrate)?;
    let (trigger, stop) = shutdown::channel();
    let delivery = match &settings.smtp_url {
        Some(url) => {
            let mailer = delivery::Mailer::new(url, &settings.smtp_from)?;
            // The development mailbox shows bodies, so it keeps them; otherwise a
            // delivered message's links are erased.
            let bodies = match settings.dev_mailbox {
                true => purser_services::email::outbox::Bodies::Keep,
                false => purser_services::email::outbox::Bodies::Erase,
            };
            Some(delivery::spawn(
                db.clone(),
                mailer,
                settings.mail_interval,
                bodies,
                stop.clone(),
            ))
        }
        None if settings.dev_mailbox => {
            tracing::info!("no SMTP server configured: emails are readable at /dev/mailbox");
            None
        }
        None => {
            tracing::warn!(
                "no SMTP server configured (PURSER_SMTP_URL) and no --dev-mailbox: emails stay queued in the outbox"
            );
            None
        }
    };
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
    let (processor, stripe) = purser_services::billing::processor_for(&settings.payments);
    purser_services::billing::spawn_scheduler(
        db.clone(),
        processor.clone(),
        settings.base_url.clone(),
    );
    purser_services::accounts::spawn_purge(db.clone(), settings.session_lifetimes());
    purser_services::secrets::bound_password_hashing(settings.limits.password_hashing_concurrency);
    let throttle = Arc::new(purser_services::throttle::Throttle::for_database(
        settings.limits.clone(),
        &db,
    ));
    purser_services::throttle::spawn_cleanup(throttle.clone());
    let state = AppState {
        throttle,
        cursors: Arc::new(purser_services::storage::cursor::CursorKey::load(&db).await?),
        sso: Arc::new(
            purser_services::sso::Sso::load(&db, settings.sso_allow_private_networks).await?,
        ),
        db: db.clone(),
        processor,
        stripe,
        leptos: leptos_options(&settings),
        settings: Arc::new(settings),
    };
    let metrics_addr = match state.settings.metrics_addr {
        Some(addr) => Some(
            crate::http::monitoring::serve(addr, db.clone())
                .await
                .map_err(|source| StartError::Metrics { addr, source })?,
        ),
        None => None,
    };
    let app = router(state);
    trigger.clone().on_signals();
    let handle = tokio::spawn(serve(listener, app, trigger.clone(), stop, delivery));
    Ok(Running {
        addr,
        db,
        handle,
        stop: trigger,
        metrics_addr,
    })
}

/// Serves until a stop is asked for; then lets the requests in flight finish within
/// `shutdown::GRACE` and waits for the outbox worker to hand back its claims.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    trigger: shutdown::Trigger,
    stop: shutdown::Stop,
    delivery: Option<tokio::task::JoinHandle<()>>,
) -> std::io::Result<()> {
    // Answers go out as they are written: without TCP_NODELAY, Nagle's algorithm
    // holds a response's second part back until the client's delayed ACK (tens of
    // milliseconds per request on a kept-alive connection).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    // The peer address is what rate limits count by (see `throttle`).
    let mut stopping = stop.clone();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { stopping.requested().await });
    let mut overdue = stop;
    let outcome = tokio::select! {
        outcome = server.into_future() => outcome,
        () = async {
            overdue.requested().await;
            tokio::time::sleep(shutdown::GRACE).await;
        } => {
            tracing::warn!("requests still in flight after {} s were cut off", shutdown::GRACE.as_secs());
            Ok(())
        }
    };
    // The server may also have ended on an error: the background work stops with it.
    trigger.pull();
    if let Some(delivery) = delivery {
        let _ = delivery.await;
    }
    tracing::info!("stopped");
    outcome
}

/// Pages link to the content-hashed names the build lists in `pkg/hash.txt`, when
/// there is one (the release build); otherwise to the plain names.
fn leptos_options(settings: &Settings) -> LeptosOptions {
    // Leptos joins this to the executable's directory; an absolute path replaces it.
    let hashes = std::path::absolute(settings.site_root.join("pkg").join("hash.txt"))
        .unwrap_or_else(|_| settings.site_root.join("pkg").join("hash.txt"));
    LeptosOptions::builder()
        .output_name("purser")
        .site_root(settings.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(settings.addr)
        .hash_files(hashes.is_file())
        .hash_file(std::sync::Arc::from(hashes.to_string_lossy()))
        .build()
}

#[cfg(test)]
mod tests {
    use purser_core::values::OrgName;

    /// An organization's pages live at `/{org}`, after every other top-level path: an
    /// organization named like one of those could never open its home page. So the
    /// first segment of every page route must be a name no organization can take. (The
    /// server's own paths — `/api`, `/pkg`, `/fn`, the probes, the metrics and the dev
    /// mailbox — are cases of the same table in `core`.)
    #[tokio::test]
    async fn every_top_level_page_path_is_a_reserved_organization_name() {
        // (Listing the routes renders the app, which spawns its tasks on this runtime.)
        let _ = any_spawner::Executor::init_tokio();
        let routes = super::routes();
        assert!(routes.len() > 10, "the page routes were not listed");
        let mut checked = 0;
        for route in routes {
            let path = route.path();
            let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
            // The home page, and the organization's own pages.
            if first.is_empty() || first.starts_with([':', '{', '*']) {
                continue;
            }
            assert!(
                OrgName::parse(first).is_err(),
                "{path} is a page, yet an organization may be named {first:?}"
            );
            checked += 1;
        }
        assert!(checked > 0, "no page route with a fixed first segment");
    }
}
