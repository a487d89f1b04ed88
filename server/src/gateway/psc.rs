//! Pro Santé Connect: OpenID Connect authorization code flow with PKCE, state and nonce,
//! ID token checks (signature, issuer, audience, nonce, acr, at_hash), refresh and logout.

use crate::config::PscConfig;
use crate::error::Error;
use crate::clock::unix_now;
use crate::identity::{Identity, PendingLogin, SignedInUser, Tokens};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreJsonWebKeySet};
use openidconnect::{
    AccessTokenHash, AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, LogoutRequest, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, RefreshToken, Scope, TokenResponse,
};

type PscClient = CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// A sign-in must come back from PSC within this many seconds.
const LOGIN_MAX_AGE: i64 = 600;

struct Provider {
    client: PscClient,
    end_session: Option<EndSessionUrl>,
}

pub struct Psc {
    config: PscConfig,
    redirect: RedirectUrl,
    after_logout: String,
    http: reqwest::Client,
    provider: tokio::sync::OnceCell<Provider>,
}

fn refused(e: impl std::fmt::Display) -> Error {
    Error::PscRefused(e.to_string())
}

impl Psc {
    pub fn new(config: PscConfig, public_url: &str) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none()) // no SSRF through redirects
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| Error::PscUnreachable(e.to_string()))?;
        Ok(Self {
            redirect: RedirectUrl::new(format!("{public_url}/auth/callback")).map_err(refused)?,
            after_logout: format!("{public_url}/"),
            config,
            http,
            provider: tokio::sync::OnceCell::new(),
        })
    }

    /// Discovery (at PSC's own path) and JWKS, fetched once and kept; retried while PSC is down.
    async fn provider(&self) -> Result<&Provider, Error> {
        self.provider.get_or_try_init(|| self.discover()).await
    }

    async fn discover(&self) -> Result<Provider, Error> {
        let unreachable = |e: reqwest::Error| Error::PscUnreachable(e.to_string());
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(refused)?;
        let url = format!("{}/{}", self.config.issuer.trim_end_matches('/'), self.config.discovery_path);
        let metadata: ProviderMetadataWithLogout =
            self.http.get(&url).send().await.and_then(|r| r.error_for_status()).map_err(unreachable)?
                .json().await.map_err(unreachable)?;
        if metadata.issuer() != &issuer {
            return Err(refused(format!("discovery announces issuer {}", metadata.issuer().as_str())));
        }
        let jwks: CoreJsonWebKeySet = self.http.get(metadata.jwks_uri().url().as_str()).send().await
            .and_then(|r| r.error_for_status()).map_err(unreachable)?
            .json().await.map_err(unreachable)?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let metadata = metadata.set_jwks(jwks);
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect.clone());
        Ok(Provider { client, end_session })
    }

    /// Where to send the browser, and what its answer must match.
    pub async fn begin(&self) -> Result<(String, PendingLogin), Error> {
        let provider = self.provider().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = provider
            .client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge)
            .add_auth_context_value(AuthenticationContextClass::new(self.config.acr.clone()));
        for scope in &self.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            started_at: unix_now(),
        };
        Ok((url.to_string(), pending))
    }

    /// Check PSC's answer against the pending sign-in, exchange the code and check the ID token.
    pub async fn finish(&self, pending: Option<PendingLogin>, code: &str, state: &str) -> Result<SignedInUser, Error> {
        let pending = pending.ok_or(Error::StateMismatch)?;
        if pending.state != state || unix_now() - pending.started_at > LOGIN_MAX_AGE {
            return Err(Error::StateMismatch);
        }
        let provider = self.provider().await?;
        let response = provider
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(refused)?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(refused)?;
        let id_token = response.id_token().ok_or_else(|| refused("no ID token"))?;
        let verifier = provider.client.id_token_verifier();
        let claims = id_token.claims(&verifier, &Nonce::new(pending.nonce)).map_err(refused)?;
        let acr = claims.auth_context_ref().map(|a| a.as_str());
        if acr != Some(self.config.acr.as_str()) {
            return Err(refused(format!("acr {acr:?}, expected {}", self.config.acr)));
        }
        if let Some(expected) = claims.access_token_hash() {
            let signing_alg = id_token.signing_alg().map_err(refused)?;
            let signing_key = id_token.signing_key(&verifier).map_err(refused)?;
            let actual = AccessTokenHash::from_token(response.access_token(), signing_alg, signing_key).map_err(refused)?;
            if &actual != expected {
                return Err(refused("at_hash does not match the access token"));
            }
        }
        let name = |c: Option<String>| c.unwrap_or_default();
        let subject_name_id = claims
            .preferred_username()
            .map(|u| u.as_str().to_string())
            .unwrap_or_else(|| claims.subject().as_str().to_string());
        Ok(SignedInUser {
            identity: Identity {
                subject: claims.subject().as_str().to_string(),
                subject_name_id,
                given_name: name(claims.given_name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string())),
                family_name: name(claims.family_name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string())),
                mailbox: claims.email().map(|e| e.as_str().to_lowercase()).ok_or(Error::NoMailbox)?,
            },
            tokens: Tokens {
                refresh_token: response.refresh_token().map(|t| t.secret().clone()),
                id_token: id_token.to_string(),
                ..access(response.access_token(), response.expires_in())
            },
        })
    }

    /// New tokens from the refresh token, or `TokenExpired` when there is none or PSC refuses.
    pub async fn refresh(&self, tokens: &Tokens) -> Result<Tokens, Error> {
        let refresh = tokens.refresh_token.as_ref().ok_or(Error::TokenExpired)?;
        let provider = self.provider().await?;
        let response = provider
            .client
            .exchange_refresh_token(&RefreshToken::new(refresh.clone()))
            .map_err(refused)?
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::info!("PSC refresh refused: {e}");
                Error::TokenExpired
            })?;
        Ok(Tokens {
            refresh_token: response.refresh_token().map(|t| t.secret().clone()).or_else(|| tokens.refresh_token.clone()),
            id_token: response.id_token().map(|t| t.to_string()).unwrap_or_else(|| tokens.id_token.clone()),
            ..access(response.access_token(), response.expires_in())
        })
    }

    /// PSC's end-session URL for this ID token (RP-initiated logout), if PSC is reachable.
    pub async fn logout_url(&self, id_token: &str) -> Option<String> {
        let provider = self.provider().await.ok()?;
        let id_token: CoreIdToken = id_token.parse().ok()?;
        let redirect = PostLogoutRedirectUrl::new(self.after_logout.clone()).ok()?;
        let request = LogoutRequest::from(provider.end_session.clone()?)
            .set_id_token_hint(&id_token)
            .set_post_logout_redirect_uri(redirect);
        Some(request.http_get_url().to_string())
    }
}

/// The access token's part of [`Tokens`] (the rest is filled in by the caller).
fn access(token: &openidconnect::AccessToken, expires_in: Option<std::time::Duration>) -> Tokens {
    let now = unix_now();
    let lifetime = expires_in.map(|d| d.as_secs() as i64).unwrap_or(60);
    Tokens {
        access_token: token.secret().clone(),
        access_expires_at: now + lifetime,
        renew_after: now + lifetime - (lifetime / 5).min(30),
        refresh_token: None,
        id_token: String::new(),
    }
}
