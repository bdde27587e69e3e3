//! The kinds of error a client may see, on both surfaces: every server function returns
//! one (typed, so pages can react to the kind: send a signed-out visitor to sign in,
//! show "not allowed", mark a form field), and the REST API answers with its status and
//! message. Their one status table is [`AppError::status`].

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// A field of a form failed its rule.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts: try again after `retry_after_secs` seconds.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// The server cannot answer now (the request met others changing the same data and
    /// lost each time, or the database is briefly unreachable): try again shortly.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after_secs: u64,
    },
    /// The organization's identity provider failed (unreachable, or an answer not as
    /// OpenID Connect promises): 502.
    #[error("{0}")]
    Provider(String),
    /// The request did not reach or leave the server function cleanly.
    #[error("{0}")]
    Server(String),
}

impl AppError {
    /// The HTTP status the server answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid { .. } => 422,
            AppError::BadRequest(_) => 400,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests { .. } => 429,
            AppError::Busy { .. } => 503,
            AppError::Provider(_) => 502,
            AppError::Server(_) => 500,
        }
    }

    /// When to try again, in seconds (`Retry-After`), for the kinds that say so.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests {
                retry_after_secs, ..
            }
            | AppError::Busy {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The form field this error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// The JSON error body of the REST API, as Pulumi Cloud's: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The HTTP status code.
    pub code: u16,
    pub message: String,
}

impl From<&AppError> for ErrorBody {
    fn from(error: &AppError) -> Self {
        ErrorBody {
            code: error.status(),
            message: error.to_string(),
        }
    }
}

/// Server functions answer with an `AppError` (the browser decodes it whole), and one
/// that never reached our code (a missing or malformed argument) becomes one too.
#[cfg(feature = "server-fn")]
mod server_fn_error {
    use super::AppError;
    use server_fn::codec::JsonEncoding;
    use server_fn::error::{FromServerFnError, ServerFnErrorErr};

    impl FromServerFnError for AppError {
        type Encoder = JsonEncoding;

        fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
            match value {
                ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => {
                    AppError::BadRequest(m)
                }
                other => AppError::Server(other.to_string()),
            }
        }
    }
}
