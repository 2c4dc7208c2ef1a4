//! Builds the router with its layers, binds the listener, runs the job workers and serves
//! until SIGTERM/Ctrl-C, then drains in-flight requests and jobs.
use std::future::Future;

use anyhow::Context;
use axum::{
    Router,
    extract::{DefaultBodyLimit, Request, State},
    http::{StatusCode, Uri, request::Parts},
    middleware::{from_fn, from_fn_with_state},
    response::IntoResponse,
    routing::get,
    serve::ListenerExt,
};
use leptos::prelude::*;
use leptos::nonce::Nonce;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sqlx::MySqlPool;
use tokio::net::TcpListener;
use tower_http::{compression::CompressionLayer, timeout::TimeoutLayer};

use super::{api, config::Config, db, health, jobs, middleware, pwa, state::AppState, storage, telemetry};
use crate::app::{App, shell};

/// Connect, migrate, serve. Called by `main`.
pub async fn run(config: Config) -> anyhow::Result<()> {
    if config.jwt_secret_generated {
        tracing::warn!("JWT_SECRET is not set: using a random key, so sessions will not survive a restart");
    }
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let app = Application::build(config, pool).await?;
    tracing::info!(addr = %app.addr(), "listening");
    app.serve(shutdown_signal()).await
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    router: Router,
}

impl Application {
    pub async fn build(config: Config, pool: MySqlPool) -> anyhow::Result<Self> {
        Self::build_with(config, pool, Router::new()).await
    }

    /// `extra` routes get the full middleware stack; tests use it to reach edge cases
    /// (panics, JSON rejections) through the real layers.
    pub async fn build_with(config: Config, pool: MySqlPool, extra: Router<AppState>) -> anyhow::Result<Self> {
        let addr = config.addr;
        let listener =
            TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} (LEPTOS_SITE_ADDR)"))?;
        // Install the metrics recorder before the first request is counted.
        telemetry::metrics();
        // The first unknown-email sign-in must not take longer than the others.
        tokio::task::spawn_blocking(crate::modules::auth::service::warm_up);
        let state = AppState::new(config, pool);
        let router = with_layers(routes(&state).merge(extra), state.clone());
        Ok(Self { listener, state, router })
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Self { listener, state, router } = self;
        // Histograms keep raw samples until upkeep folds them, even if nobody scrapes.
        let limits = state.limits.clone();
        let upkeep = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                telemetry::metrics().run_upkeep();
                limits.shrink();
            }
        });
        let bio_events = tokio::spawn(state.bio.clone().run(state.pool.clone()));
        let registry = jobs::registry(&state.config)?;
        let workers = jobs::WorkerPool::start(state.pool.clone(), registry, jobs::WorkerOptions::from_config(&state.config));
        // Without TCP_NODELAY, streamed SSR chunks stall on Nagle + delayed ACK (~40 ms).
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        // Peer addresses reach handlers as `ConnectInfo` (the audit log records them).
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service).with_graceful_shutdown(shutdown).await.context("server error")?;
        upkeep.abort();
        bio_events.abort();
        state.bio.flush(&state.pool).await;
        tracing::info!("draining background jobs");
        workers.shutdown().await;
        // A handler stuck past the grace period must not keep the process alive.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), state.pool.close()).await;
        Ok(())
    }
}

/// Per-request Leptos context: the app state (for server functions) and the CSP nonce made by
/// `middleware::security_headers`.
fn leptos_context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(state.clone());
        if let Some(nonce) = use_context::<Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned()) {
            provide_context(nonce);
        }
    }
}

pub fn routes(state: &AppState) -> Router<AppState> {
    let leptos_options = state.leptos.clone();
    let pages = generate_route_list(App);
    let page_fallback = leptos_axum::file_and_error_handler_with_context(leptos_context(state.clone()), shell);
    Router::new()
        .leptos_routes_with_context(state, pages, leptos_context(state.clone()), move || shell(leptos_options.clone()))
        .merge(api::router())
        .merge(crate::modules::bio::public::router())
        .merge(crate::modules::mail::public::router())
        .route("/metrics", get(health::metrics))
        .route("/sw.js", get(pwa::service_worker))
        .route("/media/{*key}", get(storage::serve))
        .route_layer(from_fn(middleware::mark_route))
        .fallback(move |uri: Uri, state: State<AppState>, req: Request| {
            let page_fallback = page_fallback.clone();
            async move {
                if uri.path().starts_with("/api/") {
                    return api::not_found().await.into_response();
                }
                // Public bio pages: `/@{handle}` (a router parameter cannot share a segment with `@`).
                if let Some(rest) = uri.path().strip_prefix("/@") {
                    let State(state) = state;
                    return crate::modules::bio::public::serve(state, rest, req).await.unwrap_or_else(|| StatusCode::NOT_FOUND.into_response());
                }
                page_fallback(uri, state, req).await
            }
        })
}

pub fn with_layers(router: Router<AppState>, state: AppState) -> Router {
    let limit = state.config.body_limit_bytes;
    router
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn_with_state(state.clone(), middleware::limit_body))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.config.request_timeout))
        .layer(from_fn_with_state(state.clone(), crate::modules::auth::session::silent_refresh))
        .layer(from_fn_with_state(state.clone(), middleware::csrf))
        .layer(from_fn(middleware::static_cache_headers))
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(from_fn(middleware::metrics))
        .layer(from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(from_fn_with_state(state.clone(), middleware::request_context))
        .with_state(state)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
