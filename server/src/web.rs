//! The UI's backend: server functions call these methods, which authenticate the
//! session and go through the same services as the REST API.

use crate::accounts::{self, SignUp, User};
use crate::error::Error;
use crate::startup::AppState;
use crate::{orgs, tokens};
use purser_app::backend::Backend;
use purser_app::error::AppError;
use purser_app::model::{CreatedToken, Me, MembersPage, OrgEntry, TokenRow};
use purser_core::{Action, Surface};

/// Gives server-function errors that never reached our code (a missing or malformed
/// argument) the status their kind calls for, instead of the framework's 500.
pub async fn server_fn_status(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_server_fn = req.uri().path().starts_with("/fn/");
    let res = next.run(req).await;
    if !is_server_fn || res.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = axum::http::StatusCode::from_u16(error.status()).unwrap_or(parts.status);
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

pub struct ServerBackend {
    state: AppState,
}

impl ServerBackend {
    pub fn new(state: AppState) -> Self {
        ServerBackend { state }
    }

    async fn user(&self, session: Option<String>) -> Result<User, Error> {
        let Some(secret) = session else {
            return Err(not_signed_in());
        };
        accounts::user_for_session(&self.state.db, &secret)
            .await?
            .ok_or_else(not_signed_in)
    }
}

fn not_signed_in() -> Error {
    Error::Unauthenticated("Sign in to continue.".into())
}

/// The UI's view of a service error: the same kind and message, internals hidden.
fn to_app_error(e: Error) -> AppError {
    match e {
        Error::Invalid(v) => AppError::Invalid {
            field: v.field.to_owned(),
            message: v.message,
        },
        Error::BadRequest(m) => AppError::BadRequest(m),
        Error::Unauthenticated(m) => AppError::Unauthenticated(m),
        Error::Forbidden(m) => AppError::Forbidden(m),
        Error::NotFound(m) => AppError::NotFound(m),
        Error::Conflict(m) => AppError::Conflict(m),
        internal @ Error::Internal(_) => AppError::Server(internal.public_message()),
    }
}

fn ui<T>(result: Result<T, Error>) -> Result<T, AppError> {
    result.map_err(to_app_error)
}

fn entry(access: &orgs::OrgAccess) -> OrgEntry {
    OrgEntry {
        name: access.org.name.clone(),
        display_name: access.org.display_name.clone(),
        role: access.role,
        edition: access.org.edition,
    }
}

#[async_trait::async_trait]
impl Backend for ServerBackend {
    async fn me(&self, session: Option<String>) -> Result<Option<Me>, AppError> {
        ui(async {
            let Some(secret) = session else {
                return Ok(None);
            };
            let Some(user) = accounts::user_for_session(&self.state.db, &secret).await? else {
                return Ok(None);
            };
            let orgs = orgs::list_for_user(&self.state.db, &user).await?;
            Ok(Some(Me {
                name: user.name,
                email: user.email,
                email_verified: user.email_verified,
                orgs: orgs.iter().map(entry).collect(),
            }))
        }
        .await)
    }

    async fn sign_up(
        &self,
        name: String,
        email: String,
        password: String,
    ) -> Result<String, AppError> {
        ui(async {
            let form = SignUp::parse(&name, &email, &password)?;
            let user =
                accounts::sign_up(&self.state.db, form, &self.state.settings.base_url).await?;
            accounts::create_session(&self.state.db, &user).await
        }
        .await)
    }

    async fn sign_in(&self, email: String, password: String) -> Result<String, AppError> {
        ui(async {
            let user = accounts::check_credentials(&self.state.db, &email, &password).await?;
            accounts::create_session(&self.state.db, &user).await
        }
        .await)
    }

    async fn sign_out(&self, session: Option<String>) -> Result<(), AppError> {
        ui(async {
            if let Some(secret) = session {
                accounts::end_session(&self.state.db, &secret).await?;
            }
            Ok(())
        }
        .await)
    }

    async fn verify_email(&self, token: String) -> Result<(), AppError> {
        ui(accounts::verify_email(&self.state.db, &token).await)
    }

    async fn resend_verification(&self, session: Option<String>) -> Result<(), AppError> {
        ui(async {
            let user = self.user(session).await?;
            accounts::resend_verification(&self.state.db, &user, &self.state.settings.base_url)
                .await
        }
        .await)
    }

    async fn create_org(
        &self,
        session: Option<String>,
        name: String,
        display_name: String,
        edition: String,
    ) -> Result<String, AppError> {
        ui(async {
            let user = self.user(session).await?;
            let new = orgs::NewOrg::parse(&name, &display_name, &edition)?;
            Ok(orgs::create(&self.state.db, &user, new).await?.name)
        }
        .await)
    }

    async fn members(
        &self,
        session: Option<String>,
        org: String,
        after: Option<String>,
    ) -> Result<MembersPage, AppError> {
        ui(async {
            let user = self.user(session).await?;
            let access = orgs::access(&self.state.db, &user, &org).await?;
            access.require(Action::MembersList, Surface::Ui)?;
            let count = orgs::member_count(&self.state.db, &access.org.id).await?;
            let page =
                orgs::members(&self.state.db, &access, Surface::Ui, after.as_deref(), None).await?;
            Ok(MembersPage {
                org: entry(&access),
                count,
                members: page.items,
                next: page.continuation_token,
            })
        }
        .await)
    }

    async fn tokens(&self, session: Option<String>) -> Result<Vec<TokenRow>, AppError> {
        ui(async {
            let user = self.user(session).await?;
            Ok(tokens::list(&self.state.db, &user)
                .await?
                .into_iter()
                .map(|t| TokenRow {
                    id: t.id,
                    description: t.description,
                    created_at: t.created_at,
                    last_used_at: t.last_used_at,
                })
                .collect())
        }
        .await)
    }

    async fn create_token(
        &self,
        session: Option<String>,
        description: String,
    ) -> Result<CreatedToken, AppError> {
        ui(async {
            let user = self.user(session).await?;
            let t = tokens::create(&self.state.db, &user, &description).await?;
            Ok(CreatedToken {
                id: t.id,
                value: t.value,
            })
        }
        .await)
    }

    async fn revoke_token(&self, session: Option<String>, id: String) -> Result<(), AppError> {
        ui(async {
            let user = self.user(session).await?;
            tokens::revoke(&self.state.db, &user, &id).await
        }
        .await)
    }

    fn secure_cookies(&self) -> bool {
        self.state.settings.secure_cookies()
    }
}
