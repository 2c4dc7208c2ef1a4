//! Tokens, cookies and the request extractors: how a request says who is calling.
//!
//! - Access token: an HS256 JWT for 15 minutes, with the user (`sub`) and the session family
//!   (`fam`). It is checked against the family on every request, so logout or a detected
//!   refresh-token reuse ends it at once, not 15 minutes later.
//! - Refresh token: 32 random bytes (base64url), 30 days, stored as SHA-256, rotated on use.
//! - Browsers carry both in HttpOnly, SameSite=Lax cookies (`__Host-` and Secure under TLS);
//!   API clients send `Authorization: Bearer <access token>`.
use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts},
    http::{HeaderMap, HeaderValue, header, request::Parts},
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

/// The access token of a request: `Authorization: Bearer` first, then the cookie.
fn access_token<'a>(config: &Config, headers: &'a HeaderMap) -> Option<&'a str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    bearer.or_else(|| read_cookie(headers, &cookie_name(config, ACCESS_COOKIE)))
}

/// The signed-in caller. Taking it as a handler argument is the only way a handler learns who
/// is calling; a missing, invalid, expired or revoked token answers 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentUser {
    pub user_id: Uuid,
    /// The session family of this sign-in (what logout revokes).
    pub family_id: Uuid,
}

impl CurrentUser {
    async fn from_headers(state: &AppState, headers: &HeaderMap) -> Result<Option<Self>, AppError> {
        let Some(token) = access_token(&state.config, headers) else { return Ok(None) };
        let claims = decode_access_token(jwt_secret(&state.config), token)?;
        if !repo::family_is_live(&state.pool, claims.sub, claims.fam, Utc::now()).await? {
            return Err(AppError::Unauthorized);
        }
        Ok(Some(Self { user_id: claims.sub, family_id: claims.fam }))
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

/// Where a request came from, for the audit log and the session list. The IP is the TCP peer
/// (no proxy header is trusted yet).
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn from_parts(parts: &Parts) -> Self {
        let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(255).collect());
        Self { ip, user_agent }
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
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("xmw_refresh=no; mw_refresh=yes; other=1"));
        assert_eq!(read_cookie(&h, "mw_refresh"), Some("yes"));
        assert_eq!(read_cookie(&h, "mw_access"), None);
    }
}
