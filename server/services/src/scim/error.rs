//! SCIM's one error type: the service layer's errors, and the protocol's own refusals
//! with the `scimType` RFC 7644 §3.12 names, answered in its error schema.

use crate::answer::answer;
use crate::error::Error;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use purser_core::error::AppError;

const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    /// What the service layer refused or failed at (its kinds and statuses, but a
    /// value's rule is SCIM's 400 `invalidValue`, not the REST API's 422).
    #[error(transparent)]
    Service(#[from] Error),
    /// A refusal of the protocol's own: status, `scimType` and what to say.
    #[error("{detail}")]
    Protocol {
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: String,
    },
}

pub type ScimResult<T> = Result<T, ScimError>;

impl ScimError {
    fn protocol(status: StatusCode, scim_type: Option<&'static str>, detail: String) -> Self {
        ScimError::Protocol {
            status,
            scim_type,
            detail,
        }
    }

    /// 400 with `scimType`: the request cannot be carried out as written.
    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::protocol(StatusCode::BAD_REQUEST, Some(scim_type), detail.into())
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad("invalidValue", detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::protocol(
            StatusCode::NOT_FOUND,
            None,
            format!("No {what} with that id here."),
        )
    }

    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::protocol(StatusCode::CONFLICT, Some("uniqueness"), detail.into())
    }

    pub fn stale() -> Self {
        Self::protocol(
            StatusCode::PRECONDITION_FAILED,
            None,
            "The resource changed since that version (If-Match): read it again.".into(),
        )
    }
}

/// A SCIM error document.
fn body(status: StatusCode, scim_type: Option<&str>, detail: &str) -> serde_json::Value {
    let mut doc = serde_json::json!({
        "schemas": [ERROR_SCHEMA],
        "status": status.as_u16().to_string(),
        "detail": detail,
    });
    if let Some(t) = scim_type {
        doc["scimType"] = t.into();
    }
    doc
}

/// A JSON answer with SCIM's media type.
pub struct ScimJson(pub serde_json::Value);

impl IntoResponse for ScimJson {
    fn into_response(self) -> Response {
        let mut response = axum::Json(self.0).into_response();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(super::MEDIA_TYPE));
        response
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        match self {
            ScimError::Protocol {
                status,
                scim_type,
                detail,
            } => (status, ScimJson(body(status, scim_type, &detail))).into_response(),
            ScimError::Service(error) => {
                let failure = error.failure();
                let app = error.to_app_error();
                let (status, scim_type) = match &app {
                    AppError::Invalid { .. } => (StatusCode::BAD_REQUEST, Some("invalidValue")),
                    AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, Some("invalidSyntax")),
                    AppError::Conflict(_) => (StatusCode::CONFLICT, None),
                    other => (
                        StatusCode::from_u16(other.status())
                            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                        None,
                    ),
                };
                let detail = match &app {
                    AppError::Invalid { field, message } => format!("{field}: {message}"),
                    other => other.to_string(),
                };
                let mut response = answer(&app, ScimJson(body(status, scim_type, &detail)));
                *response.status_mut() = status;
                if let Some(failure) = failure {
                    response.extensions_mut().insert(failure);
                }
                response
            }
        }
    }
}
