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

/// Why a request failed in a way worth running it again: the server's retry layer
/// reads it from the answer's extensions (`Response::extensions`), where
/// [`Error::into_response`] puts it, or from a server function's answer, which carries
/// it as the [`RETRY_MARK`] header until the server moves it there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The transaction lost a conflict with another one.
    Conflict,
    /// The database could not be reached.
    Unavailable,
}

/// The header a server function's answer carries its [`Failure`] in, inside the
/// server only: `purser_server::http::server_fns` takes it off every answer.
pub const RETRY_MARK: &str = "x-purser-retry";

impl Failure {
    /// As the [`RETRY_MARK`] header says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Conflict => "conflict",
            Failure::Unavailable => "unavailable",
        }
    }

    pub fn parse(mark: &str) -> Option<Failure> {
        [Failure::Conflict, Failure::Unavailable]
            .into_iter()
            .find(|f| f.as_str() == mark)
    }

    /// When to try again, in seconds: at once after a lost conflict, after about what
    /// a database restart takes when it was unreachable.
    fn retry_after_secs(self) -> u64 {
        match self {
            Failure::Conflict => 1,
            Failure::Unavailable => 2,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let failure = self.failure();
        let mut response = rest(self.to_app_error());
        if let Some(failure) = failure {
            response.extensions_mut().insert(failure);
        }
        response
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
    /// Whether the request is worth running again, and why.
    pub fn failure(&self) -> Option<Failure> {
        match self {
            Error::Conflicted(_) => Some(Failure::Conflict),
            Error::Unavailable(_) => Some(Failure::Unavailable),
            _ => None,
        }
    }

    /// What the caller may see of this error, on either surface: the same kind and
    /// message, internals hidden. Every error answered passes here once, so this is
    /// where a failure on our side is logged.
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
            Error::Provider(m) => {
                tracing::warn!(error = %m, "an identity provider failed");
                AppError::Provider(m)
            }
            Error::TooManyRequests {
                message,
                retry_after_secs,
            } => AppError::TooManyRequests {
                message,
                retry_after_secs,
            },
            Error::Conflicted(_) | Error::Unavailable(_) => {
                tracing::warn!(error = %self.chain(), "the request may run again");
                let retry_after_secs = self.failure().map_or(1, Failure::retry_after_secs);
                AppError::Busy {
                    message,
                    retry_after_secs,
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
