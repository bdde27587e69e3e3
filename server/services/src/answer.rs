//! How an `Error` becomes an answer: the kind the caller may see (`AppError`, core's one
//! vocabulary of both surfaces, with the one status table), then the REST API's
//! `{code, message}` body or a server function's `AppError`, with `Retry-After` where
//! the kind has one. Both surfaces end here: REST handlers and extractors through
//! `IntoResponse`, server functions through `From<Error> for AppError`.

use crate::error::Error;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use purser_core::error::{AppError, ErrorBody};
use std::cell::Cell;
use std::future::Future;

/// Why the attempt running in a task failed in a way worth another attempt
/// (the server's retry layer runs such a request again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The transaction lost a conflict with another one.
    Conflict,
    /// The database could not be reached.
    Unavailable,
}

tokio::task_local! {
    /// Set when the attempt running in this task failed on a conflict, or found the
    /// database unreachable.
    static FAILED: Cell<Option<Failure>>;
}

/// Runs `attempt`, and tells how it failed if it failed in a way worth running again.
pub async fn watch<F: Future>(attempt: F) -> (F::Output, Option<Failure>) {
    FAILED
        .scope(Cell::new(None), async move {
            let output = attempt.await;
            (output, FAILED.with(Cell::get))
        })
        .await
}

/// Notes how the request being answered failed (a no-op outside `watch`).
fn note(failure: Failure) {
    let _ = FAILED.try_with(|c| c.set(Some(failure)));
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        rest(self.to_app_error())
    }
}

/// The REST API's answer for an error the caller may see.
fn rest(error: AppError) -> Response {
    answer(&error, Json(ErrorBody::from(&error)))
}

/// `body` with the error's status and, where its kind has one, `Retry-After`: the one
/// place that header is written, for both surfaces.
pub fn answer(error: &AppError, body: impl IntoResponse) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, body).into_response();
    if let Some(secs) = error.retry_after() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

impl From<Error> for AppError {
    fn from(error: Error) -> AppError {
        error.to_app_error()
    }
}

impl Error {
    /// What the caller may see of this error, on either surface: the same kind and
    /// message, internals hidden. Every error answered passes here once, so this is
    /// where a failure on our side is logged, and where a request worth running again
    /// (a lost conflict; a read that found the database unreachable) is noted for
    /// the retry layer ([`watch`]).
    pub fn to_app_error(self) -> AppError {
        let message = self.public_message();
        match self {
            Error::Invalid(v) => AppError::Invalid {
                field: v.field.to_owned(),
                message: v.message,
            },
            Error::BadRequest(m) => AppError::BadRequest(m),
            Error::Unauthenticated(m) => AppError::Unauthenticated(m),
            Error::Forbidden(m) => AppError::Forbidden(m),
            Error::NotFound(m) => AppError::NotFound(m),
            Error::Conflict(m) => AppError::Conflict(m),
            Error::TooManyRequests {
                message,
                retry_after_secs,
            } => AppError::TooManyRequests {
                message,
                retry_after_secs,
            },
            Error::Conflicted(_) => {
                note(Failure::Conflict);
                tracing::warn!(error = %self.chain(), "transaction lost a conflict");
                AppError::Busy {
                    message,
                    retry_after_secs: 1,
                }
            }
            Error::Unavailable(_) => {
                note(Failure::Unavailable);
                tracing::warn!(error = %self.chain(), "the database is unavailable");
                AppError::Busy {
                    message,
                    // About what a database restart takes.
                    retry_after_secs: 2,
                }
            }
            Error::Internal { .. } | Error::Database(_) | Error::Migration(_) => {
                tracing::error!(error = %self.chain(), "internal error");
                AppError::Server(message)
            }
        }
    }

    /// The answer to a request refused before it reached a handler: the REST API's
    /// `{code, message}`, or for a server function (`/fn/…`) the error the UI decodes.
    pub fn response_for(self, path: &str) -> Response {
        let error = self.to_app_error();
        if path.starts_with("/fn/") {
            answer(&error, Json(&error))
        } else {
            rest(error)
        }
    }
}
