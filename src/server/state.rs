//! What every handler and server function can reach.
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::MySqlPool;

use super::{config::Config, rate_limit::RateLimits};

#[derive(Clone)]
pub struct AppState {
    pub pool: MySqlPool,
    pub config: Arc<Config>,
    pub leptos: LeptosOptions,
    /// Hash of the built WASM/JS/CSS; versions the service worker cache.
    pub build_id: Arc<str>,
    pub limits: Arc<RateLimits>,
    /// The bio module's page cache and view/click buffer.
    pub bio: Arc<crate::modules::bio::tracking::BioRuntime>,
}

impl AppState {
    pub fn new(config: Config, pool: MySqlPool) -> Self {
        let leptos = LeptosOptions::builder()
            .output_name("mewayz")
            .site_root(config.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(config.addr)
            .build();
        let build_id = super::pwa::build_id(&config.site_root).into();
        let limits = Arc::new(RateLimits::from_config(&config));
        Self { pool, config: Arc::new(config), leptos, build_id, limits, bio: Default::default() }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
