//! Browser-only work of the editor: image uploads, measuring and scrolling while a block is
//! dragged, moving focus, the page's origin, and local times for the schedule fields.
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::js_sys::{self, futures::JsFuture};

use crate::modules::auth::ui::problem_message;
use crate::modules::bio::types::UploadedImage;

const NETWORK: &str = "Could not reach Mewayz. Check your connection and try again.";

/// `POST /api/v1/bio/pages/{id}/images?kind=…` with the file as the raw body; the session
/// cookie goes along. Returns the image's URL, or a message to show under the field.
pub async fn upload_image(slug: &str, page: Uuid, kind: &str, file: &web_sys::File) -> Result<String, String> {
    let url = format!("/api/v1/bio/pages/{page}/images?kind={kind}&workspace={slug}");
    let window = web_sys::window().ok_or(NETWORK)?;
    let headers = web_sys::Headers::new().map_err(|_| NETWORK)?;
    let mime = file.type_();
    headers.set("Content-Type", if mime.is_empty() { "application/octet-stream" } else { &mime }).map_err(|_| NETWORK)?;
    headers.set("Accept", "application/json, application/problem+json").map_err(|_| NETWORK)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    init.set_headers(&headers);
    init.set_body(file);
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await.map_err(|_| NETWORK)?.dyn_into().map_err(|_| NETWORK)?;
    let body = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    if response.ok() {
        serde_json::from_str::<UploadedImage>(&body).map(|i| i.url).map_err(|_| "The image was sent, but the answer was not understood. Reload the page.".into())
    } else {
        Err(problem_message(response.status(), &body))
    }
}

/// The top and bottom of each row of a list, in viewport pixels.
pub fn row_rects(list: &web_sys::Element) -> Vec<(f64, f64)> {
    let rows = list.children();
    (0..rows.length())
        .filter_map(|i| rows.item(i))
        .map(|row| {
            let r = row.get_bounding_client_rect();
            (r.top(), r.bottom())
        })
        .collect()
}

/// Keeps the pointer's events coming to the handle wherever the finger goes.
pub fn capture(ev: &web_sys::PointerEvent) {
    if let Some(el) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
        let _ = el.set_pointer_capture(ev.pointer_id());
    }
}

pub fn scroll_y() -> f64 {
    web_sys::window().and_then(|w| w.scroll_y().ok()).unwrap_or_default()
}

/// Scrolls the page while a row is held near the top or bottom of the screen, so a row can
/// travel further than one screen.
pub fn edge_scroll(y: f64) {
    let Some(window) = web_sys::window() else { return };
    let height = window.inner_height().ok().and_then(|h| h.as_f64()).unwrap_or_default();
    let step = if y < 72.0 { -14.0 } else if y > height - 72.0 { 14.0 } else { return };
    window.scroll_by_with_x_and_y(0.0, step);
}

/// Focuses the element `selector` finds once the current update is on screen.
pub fn focus(selector: String) {
    leptos::prelude::request_animation_frame(move || {
        let found = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(&selector).ok().flatten());
        if let Some(el) = found.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
}

/// `https://host:port` of the app, from the document's URL.
pub fn origin() -> Option<String> {
    let url = web_sys::window()?.document()?.url().ok()?;
    let (scheme, rest) = url.split_once("://")?;
    Some(format!("{scheme}://{}", rest.split(['/', '?', '#']).next()?))
}

/// An RFC 3339 time as a `datetime-local` value (`2026-12-01T09:00`) in the browser's zone.
pub fn local_input(at: &str) -> Option<String> {
    let date = js_sys::Date::new(&JsValue::from_str(at));
    if date.get_time().is_nan() {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    ))
}
