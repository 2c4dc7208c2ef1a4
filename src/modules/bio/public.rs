//! The public side: `GET /@{handle}` (the published page), `GET /l/{block_id}` (a link click,
//! counted, then 302) and `POST /@{handle}/subscribe` (the email sign-up form). Nothing here
//! needs a session; only published data is ever read.
use std::sync::LazyLock;

use axum::{
    Form, Router,
    extract::{ConnectInfo, FromRequest, Path, Query, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    cache::SCRIPT_HASH,
    render::{self, RenderCtx},
    repo,
    tracking::Visit,
    types::{BlockKind, Theme},
};
use crate::modules::{auth::types::Email, mail::service::SignupOutcome};
use crate::server::{error::AppError, state::AppState};

/// `/l/{block_id}`; `/@…` is served from the router's fallback (see `serve`), because the
/// router cannot match a parameter that shares its segment with `@`.
pub fn router() -> Router<AppState> {
    Router::new().route("/l/{block_id}", get(click))
}

/// Hosts the page's embeds may frame (click-to-load players).
const FRAME_HOSTS: &str = "https://www.youtube-nocookie.com https://open.spotify.com https://w.soundcloud.com";

/// The public page's CSP, and the preview's (which our own pages may frame); built once.
static CSP: LazyLock<[HeaderValue; 2]> = LazyLock::new(|| {
    ["'none'", "'self'"].map(|ancestors| {
        let csp = format!(
            "default-src 'self'; script-src {}; style-src 'unsafe-inline'; img-src 'self' data: https://i.ytimg.com; \
             font-src 'self'; frame-src {FRAME_HOSTS}; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; \
             frame-ancestors {ancestors}",
            *SCRIPT_HASH
        );
        HeaderValue::from_str(&csp).expect("the CSP is plain ASCII")
    })
});

/// The headers of an HTML page with its own CSP: the inline script runs by its hash (so the
/// same bytes can be cached and sent to everyone), the three player hosts may be framed, and
/// (for the editor's preview) our own pages may frame it.
pub fn html_response(mut res: Response, preview: bool) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CONTENT_SECURITY_POLICY, CSP[usize::from(preview)].clone());
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static(if preview { "SAMEORIGIN" } else { "DENY" }));
    // Views are counted on the server, so shared caches must not answer for us.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    res
}

fn not_found_page() -> Response {
    let html = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
        <meta name=\"robots\" content=\"noindex\"><title>Page not found</title>\
        <body style=\"font:16px system-ui,sans-serif;background:#0b0d12;color:#f5f7fb;display:grid;place-items:center;min-height:100vh;margin:0;text-align:center\">\
        <main><h1>This page does not exist</h1><p>It may have moved or been taken offline.</p><p><a style=\"color:#a5b4fc\" href=\"/\">Mewayz home</a></p></main>";
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], html).into_response()
}

fn host(headers: &HeaderMap) -> &str {
    headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

fn peer_ip(req: &Request) -> Option<String> {
    req.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|ConnectInfo(a)| a.ip().to_string())
}

/// `/@{rest}` from the fallback: `GET /@{handle}` or `POST /@{handle}/subscribe`; `None` for
/// anything else (the caller answers 404).
pub async fn serve(state: AppState, rest: &str, req: Request) -> Option<Response> {
    let (handle, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let handle = handle.to_ascii_lowercase();
    let valid = !handle.is_empty() && handle.len() <= 30 && handle.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    if !valid {
        return Some(not_found_page());
    }
    match (req.method().clone(), tail) {
        (Method::GET | Method::HEAD, "") => Some(page(state, &handle, req).await.unwrap_or_else(IntoResponse::into_response)),
        (Method::POST, "subscribe") => Some(subscribe(state, &handle, req).await.unwrap_or_else(IntoResponse::into_response)),
        _ => None,
    }
}

async fn page(state: AppState, handle: &str, req: Request) -> Result<Response, AppError> {
    let Some(page) = state.bio.page(&state.pool, handle).await? else { return Ok(not_found_page()) };
    let doc = &page.doc;
    let visit = Visit::from_request(req.headers(), peer_ip(&req), host(req.headers()));
    if req.method() == Method::GET {
        if let Some(event) = visit.event("view", doc.workspace_id, doc.page_id, None) {
            state.bio.record(event);
        }
    }
    let notice = match req.uri().query().unwrap_or_default() {
        q if q.contains("signup=ok") => Some("Thanks! You are on the list."),
        q if q.contains("signup=confirm") => Some("Almost there: check your inbox and confirm your address."),
        q if q.contains("signup=invalid") => Some("That email address does not look right. Try again."),
        _ => None,
    };
    let origin = state.config.public_url.trim_end_matches('/');
    let accept = req.headers().get(header::ACCEPT_ENCODING);
    // Almost every visit is the plain page: sent from the cache. A sign-up notice is rare.
    let res = match notice {
        None => page.rendered(visit.in_app_browser, origin).response(accept),
        Some(_) => {
            let ctx = RenderCtx { origin, now: Utc::now(), in_app_browser: visit.in_app_browser, preview: false, notice };
            render::render_page(doc, &ctx).into_response()
        }
    };
    Ok(html_response(res, false))
}

#[derive(Debug, Deserialize)]
pub struct ClickQuery {
    #[serde(default)]
    age_ok: Option<u8>,
}

/// A link click: counted once, then 302 to the link's published URL. An age-gated link asks
/// first (without JavaScript too). Links switched off by their schedule answer 404.
async fn click(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<ClickQuery>, req: Request) -> Result<Response, AppError> {
    let Ok(id) = Uuid::parse_str(&id) else { return Ok(not_found_page()) };
    let Some(link) = state.bio.link(&state.pool, id).await? else { return Ok(not_found_page()) };
    let now = Utc::now();
    if link.starts_at.is_some_and(|s| now < s) || link.ends_at.is_some_and(|e| now >= e) {
        return Ok(not_found_page());
    }
    if let (Some(age), None) = (link.age_gate, q.age_ok) {
        let html = render::age_gate_interstitial("", age, &format!("/l/{id}?age_ok=1"), &Theme::default());
        return Ok(html_response(html.into_response(), false));
    }
    let visit = Visit::from_request(req.headers(), peer_ip(&req), host(req.headers()));
    if let Some(event) = visit.event("click", link.workspace_id, link.page_id, Some(link.block_id)) {
        state.bio.record(event);
    }
    let mut res = (StatusCode::FOUND, [(header::CACHE_CONTROL, "no-store")]).into_response();
    let location = HeaderValue::from_str(&link.url).map_err(|_| AppError::NotFound)?;
    res.headers_mut().insert(header::LOCATION, location);
    Ok(res)
}

#[derive(Debug, Deserialize)]
struct SubscribeForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    block_id: Option<String>,
    /// A field people never see: bots fill it, and are thanked without being stored.
    #[serde(default)]
    website: String,
}

/// The sign-up form: stores the address as a lead of the page (once per address), then goes
/// back to the page with a thank-you (or a note about the address) — no JavaScript needed.
async fn subscribe(state: AppState, handle: &str, req: Request) -> Result<Response, AppError> {
    let ip = peer_ip(&req).unwrap_or_default();
    state.limits.auth.check(&format!("bio-subscribe:{ip}"))?;
    let Some(page) = state.bio.page(&state.pool, handle).await? else { return Ok(not_found_page()) };
    let doc = &page.doc;
    let Form(form) = Form::<SubscribeForm>::from_request(req, &state).await.map_err(|_| AppError::bad_request("Send the form's email field."))?;
    let back = |outcome: &str| Redirect::to(&format!("/@{handle}?signup={outcome}")).into_response();
    if !form.website.is_empty() {
        return Ok(back("ok"));
    }
    let now = Utc::now();
    let block = form.block_id.as_deref().and_then(|b| Uuid::parse_str(b).ok()).and_then(|id| {
        doc.blocks.iter().find(|b| b.id == id && b.kind == BlockKind::Email && render::visible(b, now))
    });
    let Some(block) = block else { return Ok(not_found_page()) };
    let Ok(email) = Email::parse(&form.email) else { return Ok(back("invalid")) };
    // The lead and the CRM contact (tagged with the page's handle, consent recorded) land together.
    let mut tx = state.pool.begin().await?;
    repo::upsert_lead(&mut *tx, doc.workspace_id, doc.page_id, Some(block.id), email.as_str(), now).await?;
    let source = format!("bio:@{handle}");
    let outcome = crate::modules::mail::service::form_signup(&mut tx, &state.config, doc.workspace_id, email.as_str(), &source, &[format!("bio-{handle}")]).await?;
    tx.commit().await?;
    Ok(back(match outcome {
        SignupOutcome::Subscribed => "ok",
        SignupOutcome::Confirm => "confirm",
    }))
}
