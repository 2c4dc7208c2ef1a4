//! The service worker, served with the build's hash so each deploy gets a fresh cache.
use std::io::Read;

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use super::state::AppState;

const SW_TEMPLATE: &str = include_str!("sw.js");

/// Hash of the built bundle files; `dev` when the site has not been built (unit tests).
pub fn build_id(site_root: &str) -> String {
    let mut hasher = Sha256::new();
    let mut found = false;
    for name in ["mewayz.js", "mewayz.wasm", "mewayz.css"] {
        if let Ok(mut file) = std::fs::File::open(format!("{site_root}/pkg/{name}")) {
            let mut buf = Vec::new();
            if file.read_to_end(&mut buf).is_ok() {
                hasher.update(&buf);
                found = true;
            }
        }
    }
    if !found {
        return "dev".into();
    }
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

pub async fn service_worker(State(state): State<AppState>) -> Response {
    let body = SW_TEMPLATE.replace("__BUILD_ID__", &state.build_id);
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // The browser must always check for a new worker; the worker versions the assets.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
