//! How an `Error` becomes an answer: the REST API's `{code, message}` body, or the
//! UI's `AppError`, with the status (and `Retry-After`) its kind calls for.

use crate::error::Error;
use axum::http::header::RETRY_AFTER;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use purser_app::error::AppError;
use serde::Serialize;

/// The JSON error body of the REST API, as Pulumi Cloud's: `{code, message}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The HTTP status code.
    pub code: u16,
    pub message: String,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after();
        let body = ErrorBody {
            code: status.as_u16(),
            message: self.public_message(),
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl Error {
    fn retry_after(&self) -> Option<u64> {
        match self {
            Error::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            Error::Conflicted(_) => Some(1),
            // About what a database restart takes.
            Error::Unavailable(_) => Some(2),
            _ => None,
        }
    }

    /// The UI's view of this error: the same kind and message, internals hidden.
    pub fn to_app_error(self) -> AppError {
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
            busy @ (Error::Conflicted(_) | Error::Unavailable(_)) => {
                AppError::Busy(busy.public_message())
            }
            internal @ (Error::Internal(_) | Error::Database(_) | Error::Migration(_)) => {
                AppError::Server(internal.public_message())
            }
        }
    }

    /// The answer to a request refused before it reached a handler: the REST API's
    /// `{code, message}`, or for a server function (`/fn/…`) the error the UI decodes.
    pub fn response_for(self, path: &str) -> Response {
        if !path.starts_with("/fn/") {
            return self.into_response();
        }
        let status = self.status();
        let retry_after = self.retry_after();
        let mut response = (status, Json(self.to_app_error())).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
