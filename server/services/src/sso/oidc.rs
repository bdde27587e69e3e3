//! OpenID Connect, through the `openidconnect` crate (no hand-written JOSE): discovery,
//! the authorization URL with PKCE and a nonce, the code exchange, and the ID token's
//! verification. Every call goes through [`Outbound`].

use super::outbound::{CallError, Outbound};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenVerifier, CoreJsonWebKeySet,
    CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType,
};
use openidconnect::{
    AsyncHttpClient, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, ResponseTypes, Scope,
    TokenResponse,
};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How far a provider's clock may be from ours (`exp`, `iat`).
const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// How long a provider's discovery document and keys are kept before being read again
/// (an unknown key id reads the keys again at once, once).
const METADATA_TTL: Duration = Duration::from_secs(600);

/// Signature algorithms an ID token may use: asymmetric ones only. Never `none`, and
/// never an HMAC, whose key would be the client secret (or, misused, a public key).
const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 10] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EcdsaP521Sha512,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// Why talking to a provider failed, in words for the person who sees it.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be used as configured (discovery, its answers).
    #[error("{0}")]
    Provider(String),
    /// What came back does not prove who the person is.
    #[error("{0}")]
    Refused(String),
}

impl<'c> AsyncHttpClient<'c> for Outbound {
    type Error = CallError;
    type Future =
        Pin<Box<dyn Future<Output = Result<openidconnect::HttpResponse, CallError>> + Send + 'c>>;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(Outbound::call(self, request))
    }
}

/// Discovery documents (with their keys) by issuer, shared by the requests of one
/// instance.
#[derive(Default)]
pub struct Providers(Mutex<HashMap<String, (Instant, Arc<CoreProviderMetadata>)>>);

impl Providers {
    /// The issuer's discovery document and keys, read again when older than
    /// [`METADATA_TTL`] or when `fresh` asks for it.
    pub async fn get(
        &self,
        http: &Outbound,
        issuer: &str,
        fresh: bool,
    ) -> Result<Arc<CoreProviderMetadata>, OidcError> {
        if !fresh {
            let cached = self.0.lock().expect("provider cache").get(issuer).cloned();
            if let Some((at, metadata)) = cached {
                if at.elapsed() < METADATA_TTL {
                    return Ok(metadata);
                }
            }
        }
        let metadata = Arc::new(discover(http, issuer).await?);
        self.0
            .lock()
            .expect("provider cache")
            .insert(issuer.to_owned(), (Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// Reads the issuer's keys again (a token named a key id the cached set lacks).
    async fn refresh_keys(
        &self,
        http: &Outbound,
        metadata: &CoreProviderMetadata,
    ) -> Result<Arc<CoreProviderMetadata>, OidcError> {
        let keys = CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), http)
            .await
            .map_err(|e| {
                OidcError::Provider(format!(
                    "The provider's keys could not be read: {}",
                    chain(&e)
                ))
            })?;
        let metadata = Arc::new(metadata.clone().set_jwks(keys));
        self.0.lock().expect("provider cache").insert(
            metadata.issuer().to_string(),
            (Instant::now(), metadata.clone()),
        );
        Ok(metadata)
    }
}

/// Reads and checks an issuer's discovery document: it must name the same issuer and
/// offer the authorization code flow.
pub async fn discover(http: &Outbound, issuer: &str) -> Result<CoreProviderMetadata, OidcError> {
    let url = IssuerUrl::new(issuer.to_owned())
        .map_err(|e| OidcError::Provider(format!("The issuer is not a URL: {e}.")))?;
    let metadata = CoreProviderMetadata::discover_async(url, http)
        .await
        .map_err(|e| {
            use openidconnect::DiscoveryError as D;
            OidcError::Provider(match e {
                D::Request(call) => format!("The discovery document could not be read: {call}."),
                D::Response(status, _, _) => format!(
                    "The discovery document could not be read: the provider answered {status}."
                ),
                D::Parse(e) => format!("The discovery document is not valid: {e}."),
                D::Validation(why) => {
                    format!("The discovery document does not match the issuer: {why}.")
                }
                other => format!(
                    "The discovery document could not be used: {}.",
                    chain(&other)
                ),
            })
        })?;
    let code = ResponseTypes::new(vec![CoreResponseType::Code]);
    if !metadata.response_types_supported().contains(&code) {
        return Err(OidcError::Provider(
            "The provider does not offer the authorization code flow (response type `code`)."
                .into(),
        ));
    }
    if let Some(grants) = metadata.grant_types_supported() {
        if !grants.contains(&openidconnect::core::CoreGrantType::AuthorizationCode) {
            return Err(OidcError::Provider(
                "The provider does not offer the authorization_code grant.".into(),
            ));
        }
    }
    if metadata.token_endpoint().is_none() {
        return Err(OidcError::Provider(
            "The provider's discovery document names no token endpoint.".into(),
        ));
    }
    Ok(metadata)
}

/// A client registered at a provider.
pub struct Registration<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub redirect_uri: &'a str,
}

/// Where to send the browser, with what must be kept until it comes back.
pub struct Authorization {
    pub url: String,
    pub pkce_verifier: String,
    pub nonce: String,
}

/// The provider's authorization URL for the code flow with PKCE (S256), `state` and a
/// fresh nonce, asking for the email and profile.
pub fn authorize(
    metadata: &CoreProviderMetadata,
    client: &Registration<'_>,
    state: &str,
    groups_claim: Option<&str>,
) -> Result<Authorization, OidcError> {
    let oidc = core_client(metadata, client)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = state.to_owned();
    let mut request = oidc
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            move || CsrfToken::new(state),
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    // Many providers send groups only to a client that asks for a scope of that name.
    if let (Some(claim), Some(offered)) = (groups_claim, metadata.scopes_supported()) {
        if offered.iter().any(|s| s.as_str() == claim) {
            request = request.add_scope(Scope::new(claim.to_owned()));
        }
    }
    let (url, _, nonce) = request.url();
    Ok(Authorization {
        url: url.to_string(),
        pkce_verifier: verifier.secret().clone(),
        nonce: nonce.secret().clone(),
    })
}

fn core_client(
    metadata: &CoreProviderMetadata,
    client: &Registration<'_>,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    OidcError,
> {
    let redirect = RedirectUrl::new(client.redirect_uri.to_owned())
        .map_err(|e| OidcError::Provider(format!("The redirect URI is not a URL: {e}.")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(client.client_id.to_owned()),
        Some(ClientSecret::new(client.client_secret.to_owned())),
    )
    .set_redirect_uri(redirect))
}

/// Who the provider says signed in: verified claims only.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// The groups claim, when the organization names one and the provider sent it.
    pub groups: Vec<String>,
    /// Every claim received (ID token, then user info for what it lacked), to show an
    /// admin testing the connection.
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// What came back from the provider, with what the flow kept for it.
pub struct Returned<'a> {
    pub code: &'a str,
    pub pkce_verifier: &'a str,
    pub nonce: &'a str,
}

/// Exchanges the code and verifies the ID token: signature against the provider's keys
/// (read again once when the token names a key they lack) with an allow-list of
/// algorithms; `iss`, `aud` (no other audience), `azp`, `exp` and `iat` within a minute
/// of skew; `nonce`. Email, name and groups come from the ID token or, where it lacks
/// them, from the user info endpoint.
pub async fn redeem(
    (http, providers): (&Outbound, &Providers),
    metadata: Arc<CoreProviderMetadata>,
    client: &Registration<'_>,
    returned: Returned<'_>,
    groups_claim: Option<&str>,
) -> Result<Identity, OidcError> {
    let Returned {
        code,
        pkce_verifier,
        nonce,
    } = returned;
    let oidc = core_client(&metadata, client)?;
    let tokens = oidc
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| OidcError::Provider(format!("The provider has no token endpoint: {e}.")))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
        .request_async(http)
        .await
        .map_err(|e| {
            use openidconnect::RequestTokenError as R;
            match e {
                R::ServerResponse(answer) => OidcError::Refused(format!(
                    "The provider refused the sign-in code ({}{}). It may have been used already or have expired: sign in again.",
                    answer.error(),
                    answer
                        .error_description()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                )),
                other => OidcError::Provider(format!(
                    "The provider's token endpoint could not be used: {}.",
                    chain(&other)
                )),
            }
        })?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| OidcError::Refused("The provider answered without an ID token.".into()))?;
    let expected = Nonce::new(nonce.to_owned());
    let verified = match id_token.claims(&verifier(&metadata, client), &expected) {
        Err(openidconnect::ClaimsVerificationError::SignatureVerification(
            openidconnect::SignatureVerificationError::NoMatchingKey,
        )) => {
            // A key rotated since the keys were read: read them once more.
            let metadata = providers.refresh_keys(http, &metadata).await?;
            id_token
                .claims(&verifier(&metadata, client), &expected)
                .cloned()
        }
        other => other.cloned(),
    }
    .map_err(|e| OidcError::Refused(format!("The ID token was refused: {}.", chain(&e))))?;
    // openidconnect leaves `azp` to the client: when present it must name us.
    if let Some(azp) = verified.authorized_party() {
        if azp.as_str() != client.client_id {
            return Err(OidcError::Refused(
                "The ID token was issued to another client (azp).".into(),
            ));
        }
    }
    // (An ID token serializes as its compact JWT.)
    let jwt = serde_json::to_value(id_token)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut claims = payload(&jwt);
    let needs_userinfo =
        verified.email().is_none() || groups_claim.is_some_and(|g| !claims.contains_key(g));
    if needs_userinfo {
        if let Some(endpoint) = metadata.userinfo_endpoint() {
            let extra = userinfo(
                http,
                endpoint.as_str(),
                tokens.access_token().secret(),
                verified.subject().as_str(),
            )
            .await?;
            for (name, value) in extra {
                claims.entry(name).or_insert(value);
            }
        }
    }
    let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let email_verified = match claims.get("email_verified") {
        Some(serde_json::Value::Bool(b)) => *b,
        // Some providers send it as a string.
        Some(serde_json::Value::String(s)) => s == "true",
        _ => false,
    };
    let groups = groups_claim
        .and_then(|g| claims.get(g))
        .map(|v| match v {
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            serde_json::Value::String(one) => vec![one.clone()],
            _ => Vec::new(),
        })
        .unwrap_or_default();
    Ok(Identity {
        issuer: verified.issuer().to_string(),
        subject: verified.subject().to_string(),
        email: text("email"),
        email_verified,
        name: text("name"),
        groups,
        claims,
    })
}

fn verifier(
    metadata: &CoreProviderMetadata,
    client: &Registration<'_>,
) -> CoreIdTokenVerifier<'static> {
    // Public keys only (no client secret, so no HMAC), from the provider's key set.
    CoreIdTokenVerifier::new_public_client(
        ClientId::new(client.client_id.to_owned()),
        metadata.issuer().clone(),
        metadata.jwks().clone(),
    )
    .set_allowed_algs(ALLOWED_ALGS)
    // `exp` may have passed by at most the skew by our clock…
    .set_time_fn(|| chrono::Utc::now() - CLOCK_SKEW)
    // …and `iat` may be at most the skew ahead of it.
    .set_issue_time_verifier_fn(|iat| {
        if iat > chrono::Utc::now() + CLOCK_SKEW {
            Err(format!("issued in the future ({iat})"))
        } else {
            Ok(())
        }
    })
}

/// The claims of a JWT whose signature has been verified, as JSON.
fn payload(jwt: &str) -> serde_json::Map<String, serde_json::Value> {
    use base64::Engine;
    jwt.split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// The user info endpoint's claims (JSON answers only), which must be about `subject`.
async fn userinfo(
    http: &Outbound,
    endpoint: &str,
    access_token: &str,
    subject: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, OidcError> {
    let request = http::Request::get(endpoint)
        .header(
            http::header::AUTHORIZATION,
            format!("Bearer {access_token}"),
        )
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| OidcError::Provider(format!("The user info endpoint is not usable: {e}.")))?;
    let answer = http
        .call(request)
        .await
        .map_err(|e| OidcError::Provider(format!("The user info endpoint failed: {e}.")))?;
    if !answer.status().is_success() {
        return Err(OidcError::Provider(format!(
            "The user info endpoint answered {}.",
            answer.status()
        )));
    }
    let claims: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(answer.body())
        .map_err(|_| {
            OidcError::Provider("The user info endpoint did not answer with JSON claims.".into())
        })?;
    if claims.get("sub").and_then(|s| s.as_str()) != Some(subject) {
        return Err(OidcError::Refused(
            "The user info is about someone other than the ID token's subject.".into(),
        ));
    }
    Ok(claims)
}

/// An error with its causes, which say what actually went wrong.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}
