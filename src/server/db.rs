//! MySQL pool and migrations.
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::Connection;

use super::config::Config;

/// A pooled connection idle this long is pinged before it is used again.
const IDLE_CHECK_AFTER: Duration = Duration::from_secs(30);

pub async fn connect(config: &Config) -> anyhow::Result<MySqlPool> {
    let options: MySqlConnectOptions = config
        .database_url
        .expose_secret()
        .parse()
        .with_context(|| format!("DATABASE_URL is not a valid MySQL URL ({})", config.database_url_redacted()))?;
    // UTC everywhere: DATETIME columns hold UTC and the session time zone must agree.
    let options = options.timezone(String::from("+00:00")).charset("utf8mb4");
    MySqlPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings every connection it hands out: a round trip before each query, a third of a
        // list request's trips. Only a connection idle long enough for the server, a proxy or a
        // restart to have dropped it is checked now; one that fails is replaced.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_CHECK_AFTER {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .with_context(|| {
            format!("cannot reach the database at DATABASE_URL={} — is MySQL/MariaDB running?", config.database_url_redacted())
        })
}

pub async fn migrate(pool: &MySqlPool) -> anyhow::Result<()> {
    sqlx::migrate!().run(pool).await.context("applying database migrations failed")
}

/// Times on the wire: RFC 3339 in UTC with microseconds (`2026-11-23T10:00:00.123456Z`).
pub fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A duplicate key (a taken slug or email lost to a concurrent insert).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|e| e.is_unique_violation())
}

/// InnoDB gave up on the transaction because another one held what it needed: a deadlock
/// (1213, the transaction was rolled back) or a lock wait timeout (1205). Trying again works.
pub fn is_lock_conflict(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
        .is_some_and(|e| matches!(e.number(), 1205 | 1213))
}
