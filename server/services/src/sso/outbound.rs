//! Calls Purser makes to an organization's identity provider (discovery, keys, tokens,
//! user info). Any account can create an organization and name a provider, so every
//! call is kept out of the operator's network: https only, to hosts that resolve to
//! public addresses, checked on the address actually connected to (the resolver below
//! hands the connector only addresses it has checked, so a name that resolves again to
//! something else, DNS rebinding, gets nowhere), no redirects followed, no proxy from
//! the environment, and a limit on each answer's size and time. The operator may allow
//! private networks and plain http for a company's own provider
//! (`--sso-allow-private-networks`).

use purser_core::sso::{check_address, AddressRefused};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The most an answer may hold (a discovery document or a key set is a few KB).
const MAX_ANSWER_BYTES: usize = 512 * 1024;
/// How long one call may take, connection included.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a call to a provider failed, in words for the admin who configured it.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("Purser does not call {host}: {why} (it calls only public addresses unless the operator allows private networks with --sso-allow-private-networks)")]
    Refused { host: String, why: AddressRefused },
    #[error("{0} is not an https URL")]
    NotHttps(String),
    #[error("{url} answered with a redirect, which Purser does not follow")]
    Redirected { url: String },
    #[error("the answer from {url} is larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge { url: String },
    #[error("{url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
}

/// The HTTP client for providers' endpoints.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("allow_private", &self.allow_private)
            .finish()
    }
}

impl Outbound {
    pub fn new(allow_private: bool) -> Outbound {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .https_only(!allow_private)
            .timeout(CALL_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("Purser/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(PublicOnly { allow_private }))
            .build()
            .expect("the provider client's settings are valid");
        Outbound {
            client,
            allow_private,
        }
    }

    pub fn allows_private_networks(&self) -> bool {
        self.allow_private
    }

    /// Sends `request` and reads its answer, within the limits above.
    pub async fn call(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, CallError> {
        let url = request.uri().to_string();
        let unreachable = |e: &dyn std::fmt::Display| CallError::Unreachable {
            url: url.clone(),
            reason: e.to_string(),
        };
        if !self.allow_private && request.uri().scheme_str() != Some("https") {
            return Err(CallError::NotHttps(url));
        }
        // A host written as an address is never resolved, so it is checked here.
        if let Some(host) = request.uri().host() {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = bare.parse::<IpAddr>() {
                check_address(ip, self.allow_private).map_err(|why| CallError::Refused {
                    host: host.to_owned(),
                    why,
                })?;
            }
        }
        let request = reqwest::Request::try_from(request).map_err(|e| unreachable(&e))?;
        let mut answer = self.client.execute(request).await.map_err(|e| {
            // The resolver's refusal arrives wrapped; say it in its own words.
            match find_refusal(&e) {
                Some(refused) => CallError::Refused {
                    host: refused.host.clone(),
                    why: refused.why,
                },
                None => unreachable(&describe(&e)),
            }
        })?;
        if answer.status().is_redirection() {
            return Err(CallError::Redirected { url });
        }
        let mut response = http::Response::builder().status(answer.status());
        if let Some(headers) = response.headers_mut() {
            *headers = answer.headers().clone();
        }
        let mut body = Vec::new();
        while let Some(chunk) = answer
            .chunk()
            .await
            .map_err(|e| unreachable(&describe(&e)))?
        {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(CallError::TooLarge { url });
            }
            body.extend_from_slice(&chunk);
        }
        response.body(body).map_err(|e| unreachable(&e))
    }
}

/// reqwest's error with its causes, which say what actually went wrong.
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

fn find_refusal(e: &reqwest::Error) -> Option<&Refusal> {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(refusal) = cause.downcast_ref::<Refusal>() {
            return Some(refusal);
        }
        source = cause.source();
    }
    None
}

/// A name that resolved only to addresses Purser may not call.
#[derive(Debug, thiserror::Error)]
#[error("{host}: {why}")]
struct Refusal {
    host: String,
    why: AddressRefused,
}

/// Resolves with the system's resolver and keeps only addresses that may be called.
struct PublicOnly {
    allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match check_address(a.ip(), allow_private) {
                    Ok(()) => true,
                    Err(why) => {
                        refused = Some(why);
                        false
                    }
                })
                .collect();
            match (allowed.is_empty(), refused) {
                (true, Some(why)) => Err(Box::new(Refusal { host, why }) as _),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}
