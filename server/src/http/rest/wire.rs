//! What the REST modules share of the wire: the JSON body and query extractors whose
//! rejections are API errors, the queries that page a list, and the shapes of an account
//! and its tokens (Pulumi's `UserInfo`, `AccessToken`).

use crate::http::input;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use purser_core::tokens::TokenFilter;
use purser_core::views::{OrgTokenView, TokenView};
use purser_services::error::{Error, Result};
use purser_services::storage::db::rfc3339;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The surface every REST handler acts from, for `core`'s permission rules.
pub(crate) const API: purser_core::Surface = purser_core::Surface::Api;

/// A JSON body whose rejection is an API error (`{code, message}`) that names where the
/// problem is and what was expected, never the value sent.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| Error::BadRequest("The request body could not be read.".into()))?;
        input::parse_json(&headers, &bytes).map(ApiJson)
    }
}

/// Query parameters whose rejection is an API error, naming the parameter, not its value.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        input::parse_query(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

/// An integer, also when written with a zero fraction (`12.0`), as JSON Schema counts it.
pub(super) fn whole_number<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> std::result::Result<i64, D::Error> {
    use serde::de::Error as _;
    let n = serde_json::Number::deserialize(de)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => Ok(f as i64),
        _ => Err(D::Error::custom("expected a whole number")),
    }
}

/// An optional [`whole_number`]: absent or `null` is `None`.
pub(super) fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> std::result::Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i64);
    Ok(Option::<Whole>::deserialize(de)?.map(|Whole(n)| n))
}

/// A person as Pulumi's API shows one (`UserInfo`). What the caller may not see is
/// present and empty, never the value: Pulumi's clients require the fields.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    pub name: String,
    /// The person's login.
    pub github_login: String,
    /// Always empty: Purser keeps no pictures.
    pub avatar_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl UserInfo {
    pub fn new(name: Option<String>, login: Option<String>, email: Option<String>) -> Self {
        UserInfo {
            name: name.unwrap_or_default(),
            github_login: login.unwrap_or_default(),
            avatar_url: String::new(),
            email,
        }
    }
}

/// An access token as Pulumi's API lists one (`AccessToken`): times of use and expiry
/// in Unix seconds, `0` for never.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub id: String,
    pub name: String,
    pub description: String,
    /// RFC 3339.
    pub created: String,
    /// The login of whoever created it.
    pub created_by: String,
    pub expires: i64,
    pub last_used: i64,
    pub admin: bool,
    /// `personal` or `organization`.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// Unix milliseconds as Pulumi's Unix seconds, `0` for none.
fn epoch_secs(ms: Option<i64>) -> i64 {
    ms.map_or(0, |ms| ms.div_euclid(1000))
}

impl AccessToken {
    pub(super) fn personal(t: TokenView, owner_login: &str) -> Self {
        AccessToken {
            id: t.id,
            name: String::new(),
            description: t.description,
            created: rfc3339(t.created_at),
            created_by: owner_login.to_owned(),
            expires: epoch_secs(t.expires_at),
            last_used: epoch_secs(t.last_used_at),
            admin: false,
            kind: "personal",
        }
    }

    pub(super) fn organization(t: OrgTokenView) -> Self {
        AccessToken {
            id: t.id,
            name: t.name,
            description: t.description,
            created: rfc3339(t.created_at),
            created_by: t.created_by.unwrap_or_default(),
            expires: epoch_secs(t.expires_at),
            last_used: epoch_secs(t.last_used_at),
            admin: t.admin,
            kind: "organization",
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokensResponse {
    pub tokens: Vec<AccessToken>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenResponse {
    pub id: String,
    /// Shown once: only its hash is stored.
    pub token_value: String,
}

/// Which tokens a list shows.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TokensQuery {
    /// `active` (the default), `expired` or `all`.
    pub filter: Option<String>,
    /// Tokens per page, 1–500 (default 100).
    pub max_results: Option<i64>,
    /// From the previous page's response.
    pub continuation_token: Option<String>,
}

impl TokensQuery {
    pub(super) fn filter(&self) -> Result<TokenFilter> {
        TokenFilter::parse(self.filter.as_deref()).map_err(|e| Error::BadRequest(e.message))
    }

    /// `maxResults` as a page size (Pulumi's name for `limit`).
    pub(super) fn limit(&self) -> Result<Option<u32>> {
        self.max_results
            .map(|n| {
                u32::try_from(n)
                    .ok()
                    .filter(|n| (1..=purser_services::storage::cursor::MAX_PAGE).contains(n))
                    .ok_or_else(|| {
                        Error::BadRequest(format!(
                            "maxResults must be between 1 and {}.",
                            purser_services::storage::cursor::MAX_PAGE
                        ))
                    })
            })
            .transpose()
    }
}

/// Which page of a list: Pulumi's `continuationToken`, and a page size.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// From the previous page's response.
    pub continuation_token: Option<String>,
    /// Entries per page, 1–500 (default 100).
    pub limit: Option<u32>,
}

/// Which page of a list Pulumi's clients read whole (teams, a team's members, policy
/// groups): without a token or `limit`, every entry up to 1,000, as Pulumi answers.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct WholeListQuery {
    /// From the previous page's response.
    pub continuation_token: Option<String>,
    /// Entries per page, 1–1,000. Without it (and without a token), up to 1,000 entries
    /// in one answer, with a token only if there are more; with a token, 100.
    pub limit: Option<u32>,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Pulumi's `frontend`/`backend` view of the list; both are the same here.
    #[serde(rename = "type")]
    #[allow(
        dead_code,
        reason = "read from the query and documented; its value changes nothing"
    )]
    pub kind: Option<String>,
    /// From the previous page's response.
    pub continuation_token: Option<String>,
    /// Entries per page, 1–500 (default 100).
    pub limit: Option<u32>,
}

/// `ask`, the page a list's query asks for, for each query that pages a list.
macro_rules! asks_for_a_page {
    ($($query:ty),*) => {$(
        impl $query {
            /// The page this query asks for.
            pub fn ask<'a>(
                &'a self,
                key: &'a purser_services::storage::cursor::CursorKey,
            ) -> purser_services::storage::cursor::PageAsk<'a> {
                purser_services::storage::cursor::PageAsk {
                    key,
                    after: self.continuation_token.as_deref(),
                    limit: self.limit,
                }
            }
        }
    )*};
}

pub(super) use asks_for_a_page;

asks_for_a_page!(ListQuery, PageQuery, WholeListQuery);
