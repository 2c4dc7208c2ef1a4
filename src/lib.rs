//! Mewayz: one crate compiled twice — the axum server (`ssr`) and the browser WASM (`hydrate`).
#![recursion_limit = "256"]

pub mod app;
pub mod modules;
pub mod shared;

#[cfg(feature = "ssr")]
pub mod server;

/// Browser entry point: hydrates the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker for the browser tests (and anyone debugging): the WASM bundle is live.
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-hydrated", "");
    }
}
