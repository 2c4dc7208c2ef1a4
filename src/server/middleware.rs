//! Cross-cutting HTTP layers: request ids and panic safety, security headers with a per-request
//! CSP nonce, the CSRF origin check, metrics by route, cache headers for static files.
use std::{panic::AssertUnwindSafe, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use futures::FutureExt;
use leptos::nonce::Nonce;
use tracing::Instrument;

use super::{
    config::Config,
    error::{AppError, REQUEST_ID},
    state::AppState,
};

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The largest body a path takes: CSV imports get room for their file (plus the multipart
/// framing); everything else the configured limit.
pub fn body_limit_for(config: &Config, path: &str) -> usize {
    use crate::modules::crm::import::{IMPORT_MAX_BYTES, IMPORT_PATH};
    match path.strip_prefix(IMPORT_PATH) {
        Some("" | "/preview") => config.body_limit_bytes.max(IMPORT_MAX_BYTES + 64 * 1024),
        _ => config.body_limit_bytes,
    }
}

/// Cuts off a body that grows past its path's limit, also when it came without a length
/// (reading it then fails with 413).
pub async fn limit_body(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = body_limit_for(&state.config, req.uri().path());
    let (parts, body) = req.into_parts();
    next.run(Request::from_parts(parts, axum::body::Body::new(http_body_util::Limited::new(body, limit)))).await
}

/// Accept a caller's request id only when it is short and plain, so it is safe to log.
fn incoming_request_id(headers: &HeaderMap) -> Option<String> {
    let id = headers.get(&X_REQUEST_ID)?.to_str().ok()?;
    (!id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| id.to_owned())
}

/// Outermost layer: gives every request an id (echoed in `x-request-id` and in problem
/// bodies), a tracing span, an access log line, an early 413 for declared oversize bodies,
/// and turns a panic in any handler into a logged 500 while the server stays up.
pub async fn request_context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = incoming_request_id(req.headers()).unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let span = tracing::info_span!("request", id = %request_id, method = %req.method(), path = %req.uri().path());
    let started = Instant::now();
    let quiet = matches!(req.uri().path(), "/healthz" | "/readyz" | "/metrics");
    let declared_len = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());

    let work = async move {
        if declared_len.is_some_and(|len| len > body_limit_for(&state.config, req.uri().path())) {
            return AppError::PayloadTooLarge.into_response();
        }
        match AssertUnwindSafe(next.run(req)).catch_unwind().await {
            Ok(res) => res,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(panic = %message, "handler panicked");
                AppError::Internal.into_response()
            }
        }
    };
    let mut res = REQUEST_ID.scope(request_id.clone(), work.instrument(span.clone())).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    let _enter = span.enter();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if quiet {
        tracing::debug!(status = res.status().as_u16(), ms, "served");
    } else {
        tracing::info!(status = res.status().as_u16(), ms, "served");
    }
    res
}

/// Security headers on every response. The CSP nonce is made here and handed to Leptos
/// (through the request extensions) so inline hydration and theme scripts carry it.
pub async fn security_headers(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A handler may set a stricter or page-specific policy (the public bio pages do).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; font-src 'self'; \
             connect-src 'self'; media-src 'self' https:; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
        );
        if let Ok(value) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    if state.config.tls() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    res
}

/// CSRF defence for cookie sessions: a state-changing request (POST, PUT, PATCH, DELETE) that
/// carries a cookie and no `Authorization` header must come from our own origin, by its `Origin`
/// header (or, when a browser leaves it out, `Referer`), else 403. Bearer-token clients are not
/// affected: a browser never adds an `Authorization` header on another site's behalf.
/// SameSite=Lax cookies already stop most cross-site posts; this also covers same-site
/// subdomains and older browsers.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE);
    let headers = req.headers();
    if unsafe_method
        && headers.contains_key(header::COOKIE)
        && !headers.contains_key(header::AUTHORIZATION)
        && !same_origin(&state.config, headers)
    {
        tracing::warn!(
            origin = ?headers.get(header::ORIGIN),
            referer = ?headers.get(header::REFERER),
            "cross-origin cookie request refused"
        );
        return AppError::Forbidden.into_response();
    }
    next.run(req).await
}

/// `scheme://host[:port]` of a URL, lowercased.
fn origin_of(url: &str) -> Option<String> {
    let scheme_end = url.find("://")?;
    let rest = &url[scheme_end + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (end > 0).then(|| format!("{}://{}", &url[..scheme_end], &rest[..end]).to_ascii_lowercase())
}

/// Whether the request's Origin (or Referer) is `PUBLIC_URL`'s origin or the requested host.
fn same_origin(config: &Config, headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let source = match text(header::ORIGIN) {
        Some(origin) => origin_of(origin),
        None => text(header::REFERER).and_then(origin_of),
    };
    let Some(source) = source else { return false };
    if origin_of(&config.public_url).is_some_and(|public| public == source) {
        return true;
    }
    let scheme = if config.tls() { "https" } else { "http" };
    text(header::HOST).is_some_and(|host| source == format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// The route template a request matched, passed from the inner route layer to `metrics`
/// through the response (the outer layer runs before routing and cannot see `MatchedPath`).
#[derive(Clone)]
struct RouteLabel(String);

pub async fn mark_route(path: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if let Some(path) = path {
        res.extensions_mut().insert(RouteLabel(path.as_str().to_owned()));
    }
    res
}

/// Request counts and latency histograms by method, route template and status. Unmatched
/// paths (static files, 404s) share one label so scanners cannot blow up the series count.
pub async fn metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let is_static = req.uri().path().starts_with("/pkg/") || method == Method::GET && req.uri().path().contains('.');
    let res = next.run(req).await;
    let route = match res.extensions().get::<RouteLabel>() {
        Some(RouteLabel(route)) => route.clone(),
        None if is_static => "static".to_owned(),
        None => "unmatched".to_owned(),
    };
    let labels = [("method", method.to_string()), ("route", route), ("status", res.status().as_u16().to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2]).record(started.elapsed().as_secs_f64());
    res
}

/// Static files are not fingerprinted, so browsers revalidate them (cheap 304s); the service
/// worker keeps its own versioned copy for offline use. Fonts are the exception: a font file
/// never changes under its name (a new version gets a new one), and the public bio pages
/// should not wait on a revalidation for them.
pub async fn static_cache_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let policy = if path.starts_with("/fonts/") {
        Some("public, max-age=31536000, immutable")
    } else if path.starts_with("/pkg/") || path.starts_with("/icons/") {
        Some("no-cache")
    } else {
        None
    };
    let mut res = next.run(req).await;
    if let Some(policy) = policy
        && res.status().is_success()
        && !res.headers().contains_key(header::CACHE_CONTROL)
    {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fonts_are_cached_for_a_year_and_the_app_bundle_is_revalidated() {
        use tower::ServiceExt as _;
        let app = axum::Router::new()
            .route("/fonts/inter-latin.woff2", axum::routing::get(|| async { "font" }))
            .route("/pkg/mewayz.wasm", axum::routing::get(|| async { "wasm" }))
            .route("/about", axum::routing::get(|| async { "page" }))
            .layer(axum::middleware::from_fn(static_cache_headers));
        for (path, expected) in [("/fonts/inter-latin.woff2", Some("public, max-age=31536000, immutable")), ("/pkg/mewayz.wasm", Some("no-cache")), ("/about", None)] {
            let res = app.clone().oneshot(Request::builder().uri(path).body(axum::body::Body::empty()).unwrap()).await.unwrap();
            assert_eq!(res.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()), expected, "{path}");
        }
    }

    #[test]
    fn only_plain_short_request_ids_are_trusted() {
        let mut h = HeaderMap::new();
        h.insert(&X_REQUEST_ID, HeaderValue::from_static("abc-123_X"));
        assert_eq!(incoming_request_id(&h).as_deref(), Some("abc-123_X"));
        h.insert(&X_REQUEST_ID, HeaderValue::from_static("evil\"id; drop"));
        assert_eq!(incoming_request_id(&h), None);
        h.insert(&X_REQUEST_ID, HeaderValue::from_str(&"a".repeat(65)).unwrap());
        assert_eq!(incoming_request_id(&h), None);
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(origin_of("https://Mewayz.example/app?x=1").as_deref(), Some("https://mewayz.example"));
        assert_eq!(origin_of("http://127.0.0.1:3000").as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(origin_of("null"), None);
    }
}
