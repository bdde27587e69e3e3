//! `purser backup PATH`: a consistent copy of the SQLite database, made while the
//! server runs. `VACUUM INTO` reads one snapshot (in WAL mode writers carry on
//! meanwhile) and writes it compacted to a new file, which is a complete database:
//! restoring is putting it in the old one's place while the server is stopped.
//! PostgreSQL has its own tools for this (`pg_dump`), named in the error.

use crate::storage::db::{self, Kind};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("purser backup copies SQLite databases; back up PostgreSQL with pg_dump (see the README, Backups)")]
    Postgres,
    #[error(transparent)]
    Connect(#[from] db::ConnectError),
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{0} exists: a backup goes to a new file")]
    Exists(PathBuf),
    #[error("cannot create {path}: {source}")]
    Directory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the copy failed: {0}")]
    Copy(#[from] sqlx::Error),
    #[error("the copy at {0} does not pass SQLite's integrity check: {1}")]
    Damaged(PathBuf, String),
}

/// Copies the SQLite database at `database_url` to `to`, a file that must not exist
/// yet; returns its size in bytes.
pub async fn sqlite(database_url: &str, to: &Path) -> Result<u64, BackupError> {
    match Kind::of(database_url) {
        Some(Kind::Sqlite) => {}
        Some(Kind::Postgres) => return Err(BackupError::Postgres),
        None => return Err(db::ConnectError::UnknownScheme(database_url.to_owned()).into()),
    }
    let source = db::sqlite_path(database_url);
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| BackupError::Directory {
            path: dir.to_owned(),
            source,
        })?;
    }
    let pool = db::connect(database_url).await?;
    sqlx::query("VACUUM INTO $1")
        .bind(to.to_string_lossy().into_owned())
        .execute(&pool)
        .await?;
    pool.close().await;
    let copy = db::connect(&format!("sqlite://{}", to.display())).await?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&copy)
        .await?;
    copy.close().await;
    if verdict != "ok" {
        return Err(BackupError::Damaged(to.to_owned(), verdict));
    }
    Ok(std::fs::metadata(to).map(|m| m.len()).unwrap_or_default())
}
