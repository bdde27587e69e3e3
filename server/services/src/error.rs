//! The service layer's one error type; `http::answer` turns it into an HTTP answer.
//!
//! Every request path (REST handler or server function) ends in this type. Client
//! mistakes carry a message written for the person; internal causes are logged and
//! never echoed.

use purser_core::{Denied, ValueError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value in the request failed its rule (422), naming the field.
    #[error("{0}")]
    Invalid(#[from] ValueError),
    /// The request itself is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// No valid session or token (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but the role does not allow it (403).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// It would duplicate or contradict what exists (409).
    #[error("{0}")]
    Conflict(String),
    /// An organization's identity provider could not be used (502): unreachable, or
    /// its answers were not what OpenID Connect promises. Said in the admin's terms.
    #[error("{0}")]
    Provider(String),
    /// A rate limit or lockout (429): the caller may try again after `retry_after_secs`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// Something on our side failed: what we were doing, and the cause when another
    /// error is it; logged, never returned (500).
    #[error("internal error: {context}")]
    Internal {
        context: &'static str,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// PostgreSQL aborted the transaction to end a deadlock or a serialization
    /// conflict (`db::is_conflict`): `http::retry` runs the request again; after the
    /// last attempt, 503 with `Retry-After`.
    #[error("transaction lost a conflict")]
    Conflicted(#[source] sqlx::Error),
    /// The database could not be reached (`db::is_unavailable`: restarting, a
    /// connection closed under the query): 503 with `Retry-After`; `http::retry` runs
    /// a read once more first.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// The database failed (500); the source is kept for the log, never returned.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// Migrating the schema failed (500, or the server does not start).
    #[error("migration error")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The message safe to show the caller: a client's mistake in its own words, a
    /// failure on our side in general ones (its cause is logged where it becomes an
    /// answer, `http::answer`).
    pub fn public_message(&self) -> String {
        match self {
            Error::Conflicted(_) => {
                "The request met another one changing the same data. Please try again.".to_owned()
            }
            Error::Unavailable(_) => {
                "The service is briefly unavailable. Please try again in a few seconds.".to_owned()
            }
            Error::Internal { .. } | Error::Database(_) | Error::Migration(_) => {
                "Something went wrong on our side. Please try again.".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// A failure on our side caused by `source`, while doing `context`.
    pub fn internal(
        context: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Internal {
            context,
            source: Some(source.into()),
        }
    }

    /// A failure on our side with no other error behind it: a state that should not be.
    pub fn bug(context: &'static str) -> Error {
        Error::Internal {
            context,
            source: None,
        }
    }

    /// A 429 telling the caller when to come back (at least one second).
    pub fn too_many(message: &str, wait: std::time::Duration) -> Error {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let secs = secs.max(1);
        Error::TooManyRequests {
            message: format!("{message} Try again in {secs} second(s)."),
            retry_after_secs: secs,
        }
    }

    pub fn sign_in() -> Error {
        Error::Unauthenticated("Sign in, or send a valid token in the Authorization header.".into())
    }

    /// A write's error: a unique-constraint violation is the caller's duplicate (409,
    /// with `message`); anything else is ours.
    pub fn on_duplicate(err: sqlx::Error, message: impl FnOnce() -> String) -> Error {
        if crate::storage::db::is_unique_violation(&err) {
            Error::Conflict(message())
        } else {
            err.into()
        }
    }

    pub fn org_not_found(name: &str) -> Error {
        Error::NotFound(format!("Organization {name:?} was not found."))
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        if crate::storage::db::is_conflict(&err) {
            Error::Conflicted(err)
        } else if crate::storage::db::is_unavailable(&err) {
            Error::Unavailable(err)
        } else {
            Error::Database(err)
        }
    }
}

impl Error {
    /// The error and each of its sources, for the log: "database error: …: …".
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            out.push_str(": ");
            out.push_str(&cause.to_string());
            source = cause.source();
        }
        out
    }
}

impl From<Denied> for Error {
    fn from(denied: Denied) -> Self {
        Error::Forbidden(format!(
            "Your role ({}) does not allow this: {}.",
            denied.role.as_str(),
            denied.action
        ))
    }
}
