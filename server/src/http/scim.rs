//! The SCIM 2.0 endpoint of each organization, `/scim/v2/{org}` (Pulumi's shape): the
//! identity provider's token, paths and headers (`If-Match`, ETags, SCIM's media
//! type) here; the protocol and the rules in `purser_services::scim`.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::header::{AUTHORIZATION, ETAG, IF_MATCH, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use purser_services::error::Error;
use purser_services::scim::error::ScimJson;
use purser_services::scim::list::Query as ListQuery;
use purser_services::scim::{
    self, authenticate, discovery, groups, users, Provisioner, ScimError, ScimResult,
};
use purser_services::state::AppState;
use serde::Deserialize;
use serde_json::Value;
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/scim/v2/{org}/ServiceProviderConfig",
            get(service_provider_config),
        )
        .route("/scim/v2/{org}/ResourceTypes", get(resource_types))
        .route("/scim/v2/{org}/ResourceTypes/{id}", get(resource_type))
        .route("/scim/v2/{org}/Schemas", get(schemas))
        .route("/scim/v2/{org}/Schemas/{id}", get(schema))
        .route("/scim/v2/{org}/Users", get(list_users).post(create_user))
        .route("/scim/v2/{org}/Users/.search", post(search_users))
        .route(
            "/scim/v2/{org}/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .route("/scim/v2/{org}/Groups", get(list_groups).post(create_group))
        .route("/scim/v2/{org}/Groups/.search", post(search_groups))
        .route(
            "/scim/v2/{org}/Groups/{id}",
            get(get_group)
                .put(replace_group)
                .patch(patch_group)
                .delete(delete_group),
        )
        .route("/scim/v2/{org}/.search", post(search_everything))
        .route("/scim/v2/{org}/{*rest}", axum::routing::any(not_here))
}

/// The provider calling, by its token, with the organization's SCIM base URL.
struct Call {
    provisioner: Provisioner,
    base: String,
}

/// Authenticates the bearer token for the organization in the path. Failures count
/// against the client's address as the REST API's failed tokens do, and past the
/// budget every token from that address is refused before any lookup.
async fn call(
    state: &AppState,
    org: &str,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> ScimResult<Call> {
    let addr = state.throttle.client_address(headers, peer);
    if let Some(addr) = addr {
        state.throttle.check_token_allowed(addr).await?;
    }
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let v = v.trim();
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
                .or_else(|| v.strip_prefix("token "))
        })
        .map(str::trim);
    match authenticate(&state.db, org, bearer).await {
        Ok(provisioner) => Ok(Call {
            base: scim::base_url(&state.settings.base_url, &provisioner.org_name),
            provisioner,
        }),
        Err(e @ Error::Unauthenticated(_)) => {
            if let Some(addr) = addr {
                state.throttle.token_failed(addr).await?;
            }
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The client's address as the connection gives it (the throttle reads a trusted
/// proxy's header over it).
struct Peer(Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

fn peer(p: Peer) -> Option<SocketAddr> {
    p.0
}

fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(IF_MATCH).and_then(|v| v.to_str().ok())
}

/// A request body as JSON, or SCIM's 400 `invalidSyntax`.
fn body(bytes: &Bytes) -> ScimResult<Value> {
    serde_json::from_slice(bytes)
        .map_err(|e| ScimError::bad("invalidSyntax", format!("The body is not JSON: {e}")))
}

/// A resource with its ETag (and, when created, its location).
fn resource(status: StatusCode, resource: Value) -> Response {
    let mut response = (status, ScimJson(resource.clone())).into_response();
    let meta = &resource["meta"];
    if let Some(version) = meta["version"]
        .as_str()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        response.headers_mut().insert(ETAG, version);
    }
    if status == StatusCode::CREATED {
        if let Some(location) = meta["location"]
            .as_str()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            response.headers_mut().insert(LOCATION, location);
        }
    }
    response
}

fn answer(result: ScimResult<Response>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The query of a list, as providers send it (`startIndex`, `count`, …).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

fn number(name: &str, value: Option<&str>) -> ScimResult<Option<i64>> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| ScimError::invalid_value(format!("{name} is a whole number.")))
        })
        .transpose()
}

impl ListParams {
    fn query(self) -> ScimResult<ListQuery> {
        Ok(ListQuery {
            start_index: number("startIndex", self.start_index.as_deref())?,
            count: number("count", self.count.as_deref())?,
            filter: self.filter,
            attributes: self.attributes,
            excluded_attributes: self.excluded_attributes,
        })
    }
}

/// A `/.search` body (RFC 7644 §3.4.3): the list's parameters as JSON.
fn search_query(bytes: &Bytes) -> ScimResult<ListQuery> {
    let value = body(bytes)?;
    let text = |key: &str| -> Option<String> {
        let v = value.as_object().and_then(|o| scim::json::get(o, key))?;
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    ListParams {
        filter: text("filter"),
        start_index: text("startIndex"),
        count: text("count"),
        attributes: text("attributes"),
        excluded_attributes: text("excludedAttributes"),
    }
    .query()
}

async fn service_provider_config(
    State(state): State<AppState>,
    Path(org): Path<String>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            Ok(ScimJson(discovery::service_provider_config(&c.base)).into_response())
        }
        .await,
    )
}

async fn resource_types(
    State(state): State<AppState>,
    Path(org): Path<String>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            Ok(ScimJson(discovery::resource_type_list(&c.base)).into_response())
        }
        .await,
    )
}

async fn resource_type(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            Ok(ScimJson(discovery::resource_type(&c.base, &id)?).into_response())
        }
        .await,
    )
}

async fn schemas(
    State(state): State<AppState>,
    Path(org): Path<String>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            Ok(ScimJson(discovery::schema_list(&c.base)).into_response())
        }
        .await,
    )
}

async fn schema(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            Ok(ScimJson(discovery::schema(&c.base, &id)?).into_response())
        }
        .await,
    )
}

async fn list_users(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Query(params): Query<ListParams>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let list = users::list(&state.db, &c.provisioner, &c.base, &params.query()?).await?;
            Ok(ScimJson(list).into_response())
        }
        .await,
    )
}

async fn search_users(
    State(state): State<AppState>,
    Path(org): Path<String>,
    p: Peer,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let list =
                users::list(&state.db, &c.provisioner, &c.base, &search_query(&bytes)?).await?;
            Ok(ScimJson(list).into_response())
        }
        .await,
    )
}

/// One resource's attributes chosen by `attributes` / `excludedAttributes`.
fn projected(value: Value, params: ListParams) -> ScimResult<Value> {
    Ok(scim::list::project(value, &params.query()?))
}

async fn get_user(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    Query(params): Query<ListParams>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let user = users::get(&state.db, &c.provisioner, &c.base, &id).await?;
            Ok(resource(StatusCode::OK, projected(user, params)?))
        }
        .await,
    )
}

async fn create_user(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Query(params): Query<ListParams>,
    p: Peer,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let user = users::create(&state.db, &c.provisioner, &c.base, body(&bytes)?).await?;
            Ok(resource(StatusCode::CREATED, projected(user, params)?))
        }
        .await,
    )
}

async fn replace_user(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    Query(params): Query<ListParams>,
    p: Peer,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let at = (id.as_str(), if_match(&headers));
            let user =
                users::replace(&state.db, &c.provisioner, &c.base, at, body(&bytes)?).await?;
            Ok(resource(StatusCode::OK, projected(user, params)?))
        }
        .await,
    )
}

async fn patch_user(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    Query(params): Query<ListParams>,
    p: Peer,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let at = (id.as_str(), if_match(&headers));
            let user = users::patch(&state.db, &c.provisioner, &c.base, at, body(&bytes)?).await?;
            Ok(resource(StatusCode::OK, projected(user, params)?))
        }
        .await,
    )
}

async fn delete_user(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            users::delete(&state.db, &c.provisioner, &id, if_match(&headers)).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        .await,
    )
}

async fn list_groups(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Query(params): Query<ListParams>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let list = groups::list(&state.db, &c.provisioner, &c.base, &params.query()?).await?;
            Ok(ScimJson(list).into_response())
        }
        .await,
    )
}

async fn search_groups(
    State(state): State<AppState>,
    Path(org): Path<String>,
    p: Peer,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let list =
                groups::list(&state.db, &c.provisioner, &c.base, &search_query(&bytes)?).await?;
            Ok(ScimJson(list).into_response())
        }
        .await,
    )
}

async fn get_group(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    Query(params): Query<ListParams>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let group = groups::get(&state.db, &c.provisioner, &c.base, &id).await?;
            Ok(resource(StatusCode::OK, projected(group, params)?))
        }
        .await,
    )
}

async fn create_group(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Query(params): Query<ListParams>,
    p: Peer,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let group = groups::create(&state.db, &c.provisioner, &c.base, body(&bytes)?).await?;
            Ok(resource(StatusCode::CREATED, projected(group, params)?))
        }
        .await,
    )
}

async fn replace_group(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    Query(params): Query<ListParams>,
    p: Peer,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let at = (id.as_str(), if_match(&headers));
            let group =
                groups::replace(&state.db, &c.provisioner, &c.base, at, body(&bytes)?).await?;
            Ok(resource(StatusCode::OK, projected(group, params)?))
        }
        .await,
    )
}

async fn patch_group(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    Query(params): Query<ListParams>,
    p: Peer,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let at = (id.as_str(), if_match(&headers));
            let group =
                groups::patch(&state.db, &c.provisioner, &c.base, at, body(&bytes)?).await?;
            Ok(resource(StatusCode::OK, projected(group, params)?))
        }
        .await,
    )
}

async fn delete_group(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            groups::delete(&state.db, &c.provisioner, &id, if_match(&headers)).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        .await,
    )
}

/// Searching every resource type at once (RFC 7644 §3.4.3): users, then groups.
async fn search_everything(
    State(state): State<AppState>,
    Path(org): Path<String>,
    p: Peer,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let c = call(&state, &org, &headers, peer(p)).await?;
            let list = scim::search_all(&state.db, &c.provisioner, &c.base, &search_query(&bytes)?)
                .await?;
            Ok(ScimJson(list).into_response())
        }
        .await,
    )
}

async fn not_here(
    State(state): State<AppState>,
    Path((org, _)): Path<(String, String)>,
    p: Peer,
    headers: HeaderMap,
) -> Response {
    answer(async {
        call(&state, &org, &headers, peer(p)).await?;
        Err(ScimError::Protocol {
            status: StatusCode::NOT_FOUND,
            scim_type: None,
            detail: "No such SCIM endpoint: see /ServiceProviderConfig, /ResourceTypes, /Schemas, /Users and /Groups.".into(),
        })
    }
    .await)
}
