//! The connection pool and migrations, for SQLite and PostgreSQL alike.
//!
//! One storage layer serves both databases through sqlx's `Any` driver: the schema
//! keeps to types both share (text ids, BIGINT Unix-millisecond times, checked text
//! enums) and the SQL to what both speak (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`). Invariants are held by constraints and conditional writes, never by
//! locks in memory, so they hold across several server instances.

use sqlx::any::AnyPoolOptions;
use sqlx::Executor;
use std::time::Duration;

pub type Db = sqlx::AnyPool;
pub type Conn = sqlx::AnyConnection;

/// The portable migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    pub fn of(url: &str) -> Option<Kind> {
        if url.starts_with("sqlite:") {
            Some(Kind::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Kind::Postgres)
        } else {
            None
        }
    }
}

/// Which database a pool is connected to (a pool opened by [`connect`] is one or the
/// other).
pub fn kind(db: &Db) -> Kind {
    match Kind::of(db.connect_options().database_url.as_str()) {
        Some(Kind::Postgres) => Kind::Postgres,
        _ => Kind::Sqlite,
    }
}

/// Brings the query planner's statistics up to date where the data has changed much
/// since they were taken. The planner picks among a table's indexes by them (which of
/// the audit log's indexes serves a filter, say), and a database never analyzed plans
/// as if every table were small. SQLite: `PRAGMA optimize`, reading at most a thousand
/// rows of each index it looks at (`analysis_limit`), so it stays quick on any size;
/// PostgreSQL's autovacuum does this itself.
pub async fn refresh_statistics(db: &Db) -> Result<(), sqlx::Error> {
    if kind(db) == Kind::Sqlite {
        let mut conn = db.acquire().await?;
        sqlx::query("PRAGMA analysis_limit = 1000")
            .execute(&mut *conn)
            .await?;
        // 0x10002: analyze what needs it, looking at every table.
        sqlx::query("PRAGMA optimize = 0x10002")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL must start with sqlite:// or postgres://, got {0:?}")]
    UnknownScheme(String),
    #[error("cannot create the directory for the SQLite file {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] sqlx::Error),
}

/// Opens a pool on `url`, creating the SQLite file (and its directory) if needed.
pub async fn connect(url: &str) -> Result<Db, ConnectError> {
    sqlx::any::install_default_drivers();
    let kind = Kind::of(url).ok_or_else(|| ConnectError::UnknownScheme(url.to_owned()))?;
    let url = match kind {
        Kind::Sqlite => prepare_sqlite_url(url)?,
        Kind::Postgres => url.to_owned(),
    };
    let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
    let pool = match kind {
        Kind::Sqlite => {
            options
                .max_connections(8)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // Writers wait for each other instead of failing at once.
                        conn.execute("PRAGMA busy_timeout = 15000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        // Reads from memory rather than a system call per page: a
                        // large organization's indexes stay in the page cache (up to
                        // 64 MB a connection) and the file is mapped (up to 1 GB).
                        conn.execute("PRAGMA cache_size = -65536").await?;
                        conn.execute("PRAGMA mmap_size = 1073741824").await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await?
        }
        Kind::Postgres => {
            options
                .max_connections(16)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // Plan each statement once per connection and keep the plan.
                        // By default PostgreSQL plans a prepared statement afresh on
                        // each execution while its generic plan looks costlier than
                        // the custom ones, and a keyset page's always does once an
                        // organization is large (`LIMIT $n` unknown, the planner
                        // guesses a tenth of the table's rows): every page of a
                        // 10,000-member organization paid 0.4–1.5 ms of planning that
                        // a small one, whose tables make both plans look alike,
                        // escaped. Every statement here is an index lookup or a walk
                        // along an index, which is what the generic plan does.
                        conn.execute("SET plan_cache_mode = force_generic_plan")
                            .await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await?
        }
    };
    if kind == Kind::Sqlite {
        // WAL lets readers proceed while one connection writes.
        pool.execute("PRAGMA journal_mode = WAL").await?;
    }
    Ok(pool)
}

/// A transaction that will write; every service begins its transactions here.
///
/// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a deferred
/// transaction that reads first cannot become a writer once another connection has
/// committed in between (`database is locked`, which no busy timeout cures), while an
/// immediate one waits its turn under `busy_timeout`. On PostgreSQL a plain `BEGIN`:
/// row locks (each service writes the row it depends on first) queue the writers.
#[allow(clippy::disallowed_methods)] // the one place that begins a transaction
pub async fn begin_write(db: &Db) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match kind(db) {
        Kind::Sqlite => db.begin_with("BEGIN IMMEDIATE").await,
        Kind::Postgres => db.begin().await,
    }
}

/// Adds `mode=rwc` (create if missing) and makes the file's directory.
fn prepare_sqlite_url(url: &str) -> Result<String, ConnectError> {
    let path = sqlite_path(url);
    if !path.as_os_str().is_empty() && path.as_os_str() != ":memory:" {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| ConnectError::Directory {
                path: path.display().to_string(),
                source,
            })?;
        }
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// The file a `sqlite:` URL names (`:memory:` for none).
pub fn sqlite_path(url: &str) -> std::path::PathBuf {
    url.trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default()
        .into()
}

/// Whether the error is a unique-constraint violation (a duplicate).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

/// Whether PostgreSQL aborted the transaction to end a deadlock (40P01) or a
/// serialization conflict (40001): it rolled back whole and may simply run again
/// (`http::retry`). SQLite's `database is locked` is not one: writers already waited
/// `busy_timeout` for each other.
pub fn is_conflict(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "40P01" || code == "40001")
}

/// Whether the database could not be reached, not that the request was wrong: the
/// connection was closed under the query (a restart ends every session with 57P01,
/// a crash with 57P02), a new one was refused or not made in time (57P03 while
/// starting, class 08, an I/O error, the pool's timeout), or the server is out of
/// connection slots (53300). Worth answering 503 and trying again shortly.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(e) => e.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// Now, as Unix milliseconds: the one clock of the storage layer.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A Unix-millisecond time as RFC 3339, for the API.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A fresh random id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
