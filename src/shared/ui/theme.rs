use leptos::prelude::*;

use super::Icon;

/// Runs in `<head>` before first paint so a stored light theme never flashes dark, and
/// registers the service worker even if the WASM bundle fails to load.
pub const THEME_BOOT_SCRIPT: &str = "(function(){var d=document.documentElement,t='dark';\
try{t=localStorage.getItem('theme')==='light'?'light':'dark'}catch(e){}d.dataset.theme=t;\
if('serviceWorker'in navigator){addEventListener('load',function(){navigator.serviceWorker\
.register('/sw.js').catch(function(){})})}})();";

/// Flips between dark and light and remembers the choice. It reads the theme from the
/// document (set by the boot script) instead of holding state, so server and browser
/// render the same markup; CSS picks the sun or moon icon.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    view! {
        <button
            type="button"
            class="icon-btn theme-toggle"
            aria-label="Toggle dark and light theme"
            title="Toggle theme"
            on:click=move |_| toggle_theme()
        >
            <span class="theme-icon-dark"><Icon name="moon"/></span>
            <span class="theme-icon-light"><Icon name="sun"/></span>
        </button>
    }
}

#[cfg(feature = "hydrate")]
fn toggle_theme() {
    let Some(window) = web_sys::window() else { return };
    let Some(root) = window.document().and_then(|d| d.document_element()) else { return };
    let next = if root.get_attribute("data-theme").as_deref() == Some("light") { "dark" } else { "light" };
    let _ = root.set_attribute("data-theme", next);
    if let Ok(Some(storage)) = window.local_storage() {
        let _ = storage.set_item("theme", next);
    }
}

#[cfg(not(feature = "hydrate"))]
fn toggle_theme() {}
