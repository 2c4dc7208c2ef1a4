//! Typed configuration, read once from the environment (and `.env` when present).
//! Every variable, its default and meaning is listed in README.md.
use std::{net::SocketAddr, str::FromStr, sync::Arc, time::Duration};

use secrecy::{ExposeSecret, SecretBox, SecretString};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub addr: SocketAddr,
    /// Folder with the built site (`pkg/`, icons, manifest), made by cargo-leptos.
    pub site_root: String,
    /// Public origin, e.g. `https://mewayz.example`; `https` switches on HSTS.
    pub public_url: String,
    pub log_format: LogFormat,
    pub log_level: String,
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    pub job_workers: usize,
    pub job_poll_interval: Duration,
    pub job_visibility_timeout: Duration,
    /// HS256 key for access tokens (`JWT_SECRET`). When unset a random one is made at start.
    pub jwt_secret: SecretString,
    /// True when `jwt_secret` was generated at start: sessions then end with the process.
    pub jwt_secret_generated: bool,
    /// AES-256-GCM key for secrets at rest, e.g. TOTP secrets (`DATA_ENCRYPTION_KEY`, 32 bytes
    /// base64). When unset it is derived from `jwt_secret`, so both rotate together.
    pub data_key: Arc<SecretBox<[u8; 32]>>,
    /// `smtp://user:pass@host:587?tls=required`, `smtps://…`; unset: mail stays in the outbox.
    pub smtp_url: Option<SecretString>,
    /// `From:` of platform mail.
    pub mail_from: String,
    /// Credential endpoints (sign-in, sign-up, MFA, resets) per IP and minute; 0 turns it off.
    pub auth_rate_per_minute: u32,
    /// The rest of the API per user or API key and minute; 0 turns it off.
    pub api_rate_per_minute: u32,
    /// First wait after repeated failed sign-ins; it doubles with each further failure.
    pub login_backoff_base: Duration,
    /// A rotated refresh token presented again within this window is a race between two tabs
    /// (answered 401, nothing revoked); later it is theft and revokes the family.
    pub refresh_reuse_grace: Duration,
    /// Where uploaded files (avatars) are kept.
    pub storage_dir: String,
    /// Campaign emails per second and workspace, per instance (`MAIL_RATE_PER_SECOND`); 0 is
    /// no limit.
    pub mail_rate_per_second: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("{name} is invalid: {reason}")]
pub struct ConfigError {
    name: &'static str,
    reason: String,
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|e: T::Err| ConfigError { name, reason: format!("{raw:?} ({e})") }),
    }
}

pub const DEFAULT_DATABASE_URL: &str = "mysql://mewayz:mewayz@127.0.0.1:3306/mewayz";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        let addr: SocketAddr = parse("LEPTOS_SITE_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)))?;
        let log_format = match var("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError { name: "LOG_FORMAT", reason: format!("{other:?} (use text or json)") });
            }
        };
        let (jwt_secret, jwt_secret_generated) = match var("JWT_SECRET") {
            Some(secret) if secret.len() < 32 => {
                return Err(ConfigError { name: "JWT_SECRET", reason: "use at least 32 characters".into() });
            }
            Some(secret) => (secret, false),
            None => (random_secret(), true),
        };
        let data_key = match var("DATA_ENCRYPTION_KEY") {
            Some(raw) => decode_key(&raw).ok_or(ConfigError {
                name: "DATA_ENCRYPTION_KEY",
                reason: "use 32 random bytes, base64-encoded (openssl rand -base64 32)".into(),
            })?,
            None => derive_key(&jwt_secret),
        };
        Ok(Self {
            database_url: SecretString::from(var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into())),
            database_max_connections: parse("DATABASE_MAX_CONNECTIONS", default_pool_size())?,
            addr,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            public_url: var("PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}")),
            log_format,
            log_level: var("LOG_LEVEL").unwrap_or_else(|| "info".into()),
            request_timeout: Duration::from_secs(parse("REQUEST_TIMEOUT_SECS", 30)?),
            body_limit_bytes: parse("BODY_LIMIT_BYTES", 2 * 1024 * 1024)?,
            job_workers: parse("JOB_WORKERS", 2)?,
            job_poll_interval: Duration::from_millis(parse("JOB_POLL_INTERVAL_MS", 500)?),
            job_visibility_timeout: Duration::from_secs(parse("JOB_VISIBILITY_TIMEOUT_SECS", 300)?),
            jwt_secret: SecretString::from(jwt_secret),
            jwt_secret_generated,
            data_key: Arc::new(SecretBox::new(Box::new(data_key))),
            smtp_url: var("SMTP_URL").map(SecretString::from),
            mail_from: var("MAIL_FROM").unwrap_or_else(|| "Mewayz <no-reply@localhost>".into()),
            auth_rate_per_minute: parse("AUTH_RATE_LIMIT_PER_MINUTE", 10)?,
            api_rate_per_minute: parse("API_RATE_LIMIT_PER_MINUTE", 600)?,
            login_backoff_base: Duration::from_millis(parse("LOGIN_BACKOFF_BASE_MS", 1000)?),
            refresh_reuse_grace: Duration::from_secs(parse("REFRESH_REUSE_GRACE_SECS", 10)?),
            storage_dir: var("STORAGE_DIR").unwrap_or_else(|| "data/uploads".into()),
            mail_rate_per_second: parse("MAIL_RATE_PER_SECOND", 50)?,
        })
    }

    pub fn tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The database URL with its password hidden, for error messages and logs.
    pub fn database_url_redacted(&self) -> String {
        redact_url(self.database_url.expose_secret())
    }
}

/// 32 random bytes, base64url: a signing key for this process only.
fn random_secret() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn decode_key(raw: &str) -> Option<[u8; 32]> {
    use base64::Engine as _;
    let raw = raw.trim();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw))
        .ok()?;
    bytes.try_into().ok()
}

/// A data key bound to the JWT key (domain-separated, so neither reveals the other).
fn derive_key(jwt_secret: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::new().chain_update(b"mewayz data-encryption key v1\0").chain_update(jwt_secret.as_bytes()).finalize().into()
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Two connections per core, plus one: more queries in flight than the database has cores to
/// run them only adds waiting inside the database. On 2 cores with 16 concurrent CRM list
/// requests, the worst p99 was 51–54 ms with 10 connections (3 runs) and 35–48 ms with 3 to 5
/// (4 runs) (`scripts/bench-crm`).
fn default_pool_size() -> u32 {
    std::thread::available_parallelism().map_or(4, |n| n.get() as u32) * 2 + 1
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn data_keys_are_32_bytes_of_base64() {
        assert!(super::decode_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").is_some());
        assert!(super::decode_key("dG9vIHNob3J0").is_none());
        assert_ne!(super::derive_key("a"), super::derive_key("b"));
    }

    #[test]
    fn database_passwords_never_reach_messages() {
        assert_eq!(redact_url("mysql://u:secret@h:3306/db"), "mysql://u:***@h:3306/db");
        assert_eq!(redact_url("mysql://h/db"), "mysql://h/db");
    }
}
