//! Liveness, readiness and metrics endpoints for load balancers and Prometheus.
use std::time::Duration;

use axum::{
    Json,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{error::AppError, state::AppState, telemetry};

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the body is sent.
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The process can serve traffic: the database answers within two seconds.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, body = Health),
    (status = 503, description = "Database unreachable", content_type = "application/problem+json"),
))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let ping = sqlx::query("SELECT 1").execute(&state.pool);
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(_)) => Json(Health { status: "ok" }).into_response(),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check: database error");
            AppError::Unavailable.into_response()
        }
        Err(_) => {
            tracing::warn!("readiness check: database timed out");
            AppError::Unavailable.into_response()
        }
    }
}

/// Prometheus text exposition.
pub async fn metrics() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], telemetry::metrics().render()).into_response()
}
