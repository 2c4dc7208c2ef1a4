//! Tokens, cookies and the request extractors: how a request says who is calling.
//!
//! - Access token: an HS256 JWT for 15 minutes, with the user (`sub`) and the session family
//!   (`fam`). It is checked against the family on every request, so logout or a detected
//!   refresh-token reuse ends it at once, not 15 minutes later.
//! - Refresh token: 32 random bytes (base64url), 30 days, stored as SHA-256, rotated on use.
//! - Browsers carry both in HttpOnly, SameSite=Lax cookies (`__Host-` and Secure under TLS);
//!   API clients send `Authorization: Bearer <access token>` or a personal API key (`mwz_…`).
use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, header, request::Parts},
    middleware::Next,
    response::Response,
};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::repo;
use crate::server::{config::Config, error::AppError, state::AppState};

pub const ACCESS_TTL_SECS: i64 = 15 * 60;
pub const REFRESH_TTL_DAYS: i64 = 30;
const ACCESS_COOKIE: &str = "mw_access";
const REFRESH_COOKIE: &str = "mw_refresh";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    /// Session family: revoking it ends this token.
    pub fam: Uuid,
    pub iat: i64,
    pub exp: i64,
}

/// Signs an access token issued at `issued_at`. Public so tests can mint an expired one.
pub fn mint_access_token(secret: &[u8], user_id: Uuid, family_id: Uuid, issued_at: DateTime<Utc>) -> String {
    let iat = issued_at.timestamp();
    let claims = Claims { sub: user_id, fam: family_id, iat, exp: iat + ACCESS_TTL_SECS };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret))
        .expect("HS256 signing with a byte key cannot fail")
}

/// Verifies signature, algorithm and expiry (no leeway: 15 minutes is already short).
pub fn decode_access_token(secret: &[u8], token: &str) -> Result<Claims, AppError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &validation)
        .map(|data| data.claims)
        .map_err(|_| AppError::Unauthorized)
}

pub fn jwt_secret(config: &Config) -> &[u8] {
    config.jwt_secret.expose_secret().as_bytes()
}

/// A new opaque refresh token and the hash that is stored.
pub fn new_refresh_token() -> (String, [u8; 32]) {
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn cookie_name(config: &Config, base: &str) -> String {
    if config.tls() { format!("__Host-{base}") } else { base.to_owned() }
}

fn cookie(config: &Config, base: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if config.tls() { "; Secure" } else { "" };
    let name = cookie_name(config, base);
    HeaderValue::from_str(&format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"))
        .expect("cookie values are base64url and JWT characters")
}

/// The two `Set-Cookie` values that sign a browser in.
pub fn session_cookies(config: &Config, access_token: &str, refresh_token: &str) -> [HeaderValue; 2] {
    [
        cookie(config, ACCESS_COOKIE, access_token, ACCESS_TTL_SECS),
        cookie(config, REFRESH_COOKIE, refresh_token, REFRESH_TTL_DAYS * 24 * 3600),
    ]
}

/// The two `Set-Cookie` values that sign a browser out.
pub fn clearing_cookies(config: &Config) -> [HeaderValue; 2] {
    [cookie(config, ACCESS_COOKIE, "", 0), cookie(config, REFRESH_COOKIE, "", 0)]
}

fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

pub fn refresh_cookie<'a>(config: &Config, headers: &'a HeaderMap) -> Option<&'a str> {
    read_cookie(headers, &cookie_name(config, REFRESH_COOKIE))
}

/// The bearer token of a request, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

fn access_cookie<'a>(config: &Config, headers: &'a HeaderMap) -> Option<&'a str> {
    read_cookie(headers, &cookie_name(config, ACCESS_COOKIE))
}

/// Personal API keys start with this, so the extractor can tell them from JWTs.
pub const API_KEY_PREFIX: &str = "mwz_";

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A sign-in (cookie or bearer access token) of this session family.
    Session { family_id: Uuid },
    /// A personal API key with its scopes.
    /// Bound to one workspace (`None` for keys made before workspaces existed).
    ApiKey { key_id: Uuid, scopes: Vec<String>, workspace_id: Option<Uuid> },
}

/// The signed-in caller. Taking it as a handler argument is the only way a handler learns who
/// is calling; a missing, invalid, expired or revoked token answers 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub credential: Credential,
}

impl CurrentUser {
    /// The session family, or 403 for API keys: keys cannot manage the account itself
    /// (password, MFA, sessions, keys), so a leaked key cannot take the account over.
    pub fn session(&self) -> Result<Uuid, AppError> {
        match &self.credential {
            Credential::Session { family_id } => Ok(*family_id),
            Credential::ApiKey { .. } => Err(AppError::Forbidden),
        }
    }

    /// Whether the caller may read (or write) `module`: sessions may; keys need the scope
    /// (`module:write` implies read).
    pub fn allows(&self, module: &str, write: bool) -> bool {
        match &self.credential {
            Credential::Session { .. } => true,
            Credential::ApiKey { scopes, .. } => scopes.iter().any(|scope| {
                scope.split_once(':').is_some_and(|(m, access)| m == module && (access == "write" || !write))
            }),
        }
    }

    async fn from_headers(state: &AppState, headers: &HeaderMap) -> Result<Option<Self>, AppError> {
        let Some((caller, unchecked)) = Self::from_token(state, headers).await? else { return Ok(None) };
        if let Some(family_id) = unchecked {
            if !repo::family_is_live(&state.pool, caller.user_id, family_id, Utc::now()).await? {
                return Err(AppError::Unauthorized);
            }
        }
        Ok(Some(caller))
    }

    /// The caller a request's token names, with a session token's family when whether that
    /// session is still live (not signed out, revoked or expired) is left to check. API keys
    /// are checked here. The signature and expiry of a session token are always checked, so
    /// the user id is genuine; `Tenant` checks the family in its membership query, one round
    /// trip fewer per request. Anything else must use `CurrentUser` itself.
    pub(crate) async fn from_token(state: &AppState, headers: &HeaderMap) -> Result<Option<(Self, Option<Uuid>)>, AppError> {
        let from_bearer = bearer(headers);
        let Some(token) = from_bearer.or_else(|| access_cookie(&state.config, headers)) else { return Ok(None) };
        let now = Utc::now();
        let (caller, unchecked) = if from_bearer.is_some() && token.starts_with(API_KEY_PREFIX) {
            let key = repo::find_api_key_by_hash(&state.pool, &hash_refresh_token(token)).await?;
            let Some(key) = key.filter(|k| k.revoked_at.is_none()) else { return Err(AppError::Unauthorized) };
            // Last use is kept to the minute, so a busy key does not write on every call.
            if key.last_used_at.is_none_or(|at| now - at >= chrono::Duration::minutes(1)) {
                repo::touch_api_key(&state.pool, key.id, now).await?;
            }
            let scopes = key.scopes.split_whitespace().map(str::to_owned).collect();
            (Self { user_id: key.user_id, credential: Credential::ApiKey { key_id: key.id, scopes, workspace_id: key.workspace_id } }, None)
        } else {
            let claims = decode_access_token(jwt_secret(&state.config), token)?;
            (Self { user_id: claims.sub, credential: Credential::Session { family_id: claims.fam } }, Some(claims.fam))
        };
        let key = match &caller.credential {
            Credential::Session { .. } => format!("u:{}", caller.user_id),
            Credential::ApiKey { key_id, .. } => format!("k:{key_id}"),
        };
        state.limits.api.check(&key)?;
        Ok(Some((caller, unchecked)))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Self::from_headers(state, &parts.headers).await?.ok_or(AppError::Unauthorized)
    }
}

/// `Option<CurrentUser>`: `None` when no token was sent or it is no longer valid.
impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, AppError> {
        match Self::from_headers(state, &parts.headers).await {
            Ok(user) => Ok(user),
            Err(AppError::Unauthorized) => Ok(None),
            Err(other) => Err(other),
        }
    }
}

/// Silent refresh for browsers: a request whose access cookie is missing, expired or about to
/// expire but that carries a refresh cookie gets its session rotated here, before any handler
/// runs. The handler sees the new access token (the request's `Cookie` header is rewritten) and
/// the response sets both new cookies. So someone working for hours is never bounced, whether
/// they load pages, call server functions or the cookie-authenticated API.
pub async fn silent_refresh(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let skip = path.starts_with("/pkg/")
        || path.starts_with("/vendor/")
        || path.starts_with("/icons/")
        || path.starts_with("/media/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics" | "/sw.js" | "/api/v1/auth/refresh" | "/api/v1/auth/logout")
        || path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    let headers = req.headers();
    if skip || headers.contains_key(header::AUTHORIZATION) {
        return next.run(req).await;
    }
    let Some(refresh_token) = refresh_cookie(&state.config, headers).map(str::to_owned) else {
        return next.run(req).await;
    };
    let fresh = access_cookie(&state.config, headers)
        .and_then(|t| decode_access_token(jwt_secret(&state.config), t).ok())
        .is_some_and(|claims| claims.exp - Utc::now().timestamp() > 60);
    if fresh {
        return next.run(req).await;
    }
    let client = ClientInfo::from_request(req.headers(), req.extensions());
    match super::service::refresh(&state, &refresh_token, &client).await {
        Ok(super::service::Refreshed::Rotated(signed_in)) => {
            let cookies = [
                (cookie_name(&state.config, ACCESS_COOKIE), signed_in.access_token.as_str()),
                (cookie_name(&state.config, REFRESH_COOKIE), signed_in.refresh_token.as_str()),
            ];
            replace_request_cookies(req.headers_mut(), &cookies);
            let mut res = next.run(req).await;
            for value in session_cookies(&state.config, &signed_in.access_token, &signed_in.refresh_token) {
                res.headers_mut().append(header::SET_COOKIE, value);
            }
            res
        }
        // Another tab rotated the same token a moment ago: its new cookies are on their way.
        Ok(super::service::Refreshed::Raced) => next.run(req).await,
        Err(AppError::Unauthorized) => {
            // A dead refresh token (expired, revoked, signed out elsewhere): drop both cookies.
            let mut res = next.run(req).await;
            for value in clearing_cookies(&state.config) {
                res.headers_mut().append(header::SET_COOKIE, value);
            }
            res
        }
        Err(err) => {
            tracing::warn!(error = %err, "silent refresh failed");
            next.run(req).await
        }
    }
}

/// Replaces (or adds) the named cookies in a request's `Cookie` header.
fn replace_request_cookies(headers: &mut HeaderMap, cookies: &[(String, &str)]) {
    let mut pairs: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && !cookies.iter().any(|(name, _)| pair.split('=').next() == Some(name.as_str())))
        .map(str::to_owned)
        .collect();
    pairs.extend(cookies.iter().map(|(name, value)| format!("{name}={value}")));
    headers.remove(header::COOKIE);
    if let Ok(value) = HeaderValue::from_str(&pairs.join("; ")) {
        headers.insert(header::COOKIE, value);
    }
}

/// Where a request came from, for the audit log and the session list. The IP is the TCP peer
/// (no proxy header is trusted yet).
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn from_parts(parts: &Parts) -> Self {
        Self::from_request(&parts.headers, &parts.extensions)
    }

    pub fn from_request(headers: &HeaderMap, extensions: &axum::http::Extensions) -> Self {
        let ip = extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string());
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(255).collect());
        Self { ip, user_agent }
    }

    /// The key for per-IP limits.
    pub fn ip_key(&self) -> &str {
        self.ip.as_deref().unwrap_or("unknown")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn access_tokens_round_trip_and_expire() {
        let (user, fam) = (Uuid::now_v7(), Uuid::now_v7());
        let claims = decode_access_token(SECRET, &mint_access_token(SECRET, user, fam, Utc::now())).unwrap();
        assert_eq!((claims.sub, claims.fam), (user, fam));
        let old = mint_access_token(SECRET, user, fam, Utc::now() - chrono::Duration::minutes(16));
        assert_eq!(decode_access_token(SECRET, &old).unwrap_err(), AppError::Unauthorized);
    }

    #[test]
    fn access_tokens_signed_with_another_key_are_rejected() {
        let token = mint_access_token(b"another key another key another k", Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        assert!(decode_access_token(SECRET, &token).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_only_as_their_hash() {
        let (a, hash_a) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_refresh_token(&a), hash_a);
    }

    #[test]
    fn under_tls_cookies_are_secure_and_host_prefixed() {
        let mut config = Config::from_env().unwrap();
        config.public_url = "https://mewayz.example".into();
        let [access, refresh] = session_cookies(&config, "a.b.c", "r");
        let (access, refresh) = (access.to_str().unwrap(), refresh.to_str().unwrap());
        assert!(access.starts_with("__Host-mw_access=a.b.c; Path=/;"), "{access}");
        assert!(refresh.starts_with("__Host-mw_refresh=r; Path=/;"), "{refresh}");
        for cookie in [access, refresh] {
            assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
        }
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("mw_refresh=plain; __Host-mw_refresh=prefixed"));
        assert_eq!(refresh_cookie(&config, &h), Some("prefixed"));
    }

    #[test]
    fn request_cookies_are_replaced_by_name_and_others_kept() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("theme=dark; mw_access=old; mw_refresh=old-r"));
        replace_request_cookies(&mut h, &[("mw_access".into(), "new"), ("mw_refresh".into(), "new-r")]);
        assert_eq!(h.get(header::COOKIE).unwrap(), "theme=dark; mw_access=new; mw_refresh=new-r");
    }

    #[test]
    fn api_keys_need_the_module_scope_and_write_implies_read() {
        let key = CurrentUser {
            user_id: Uuid::now_v7(),
            credential: Credential::ApiKey { key_id: Uuid::now_v7(), scopes: vec!["crm:write".into(), "bio:read".into()], workspace_id: None },
        };
        assert!(key.allows("crm", false) && key.allows("crm", true) && key.allows("bio", false));
        assert!(!key.allows("bio", true) && !key.allows("store", false));
        assert_eq!(key.session(), Err(AppError::Forbidden));
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("xmw_refresh=no; mw_refresh=yes; other=1"));
        assert_eq!(read_cookie(&h, "mw_refresh"), Some("yes"));
        assert_eq!(read_cookie(&h, "mw_access"), None);
    }
}
