//! The public page as bytes ready to send: rendered once per cache period (and per in-app
//! browser flag), compressed once with brotli and gzip, then handed to every visitor as a
//! shared buffer. Nothing in the page varies per request: the one inline script runs under a
//! CSP hash, not a nonce, so the cached bytes are valid for everyone.
use std::io::Write as _;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::{Duration, Instant};

use axum::{
    body::Bytes,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::render::{self, PageDoc, RenderCtx};

/// `'sha256-…'` of the page's inline script, for `script-src`.
pub static SCRIPT_HASH: LazyLock<String> =
    LazyLock::new(|| format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(render::SCRIPT.as_bytes()))));

/// A published page and its renderings, valid until `expires`.
pub struct CachedPage {
    pub doc: Arc<PageDoc>,
    pub expires: Instant,
    /// The page for ordinary browsers and for in-app browsers (which get an "open in your browser" bar).
    variants: [OnceLock<Encoded>; 2],
}

impl CachedPage {
    /// Cached for `ttl`, or less when a block's schedule starts or ends sooner: until then,
    /// which blocks are shown cannot change.
    pub fn new(doc: Arc<PageDoc>, ttl: Duration) -> Self {
        let now = Utc::now();
        let until_change = next_schedule_change(&doc, now).and_then(|at| (at - now).to_std().ok()).unwrap_or(ttl);
        Self { doc, expires: Instant::now() + ttl.min(until_change), variants: Default::default() }
    }

    pub fn fresh(&self) -> bool {
        Instant::now() < self.expires
    }

    /// The rendered page; the first caller per variant renders and compresses it.
    pub fn rendered(&self, in_app_browser: bool, origin: &str) -> &Encoded {
        self.variants[usize::from(in_app_browser)].get_or_init(|| {
            let ctx = RenderCtx { origin, now: Utc::now(), in_app_browser, preview: false, notice: None };
            Encoded::new(render::render_page(&self.doc, &ctx).into_bytes())
        })
    }
}

/// The earliest `starts_at`/`ends_at` of any block that is still ahead.
fn next_schedule_change(doc: &PageDoc, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    doc.blocks
        .iter()
        .flat_map(|b| [&b.starts_at, &b.ends_at])
        .filter_map(|t| t.as_deref().and_then(|s| DateTime::parse_from_rfc3339(s).ok()))
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| *t > now)
        .min()
}

/// One HTML document in the three encodings we serve.
pub struct Encoded {
    identity: Bytes,
    gzip: Bytes,
    br: Bytes,
}

impl Encoded {
    pub fn new(html: Vec<u8>) -> Self {
        let mut br = Vec::with_capacity(html.len() / 4);
        // Quality 9: within a few percent of 11 at a fraction of the time (once per cache period).
        let params = brotli::enc::BrotliEncoderParams { quality: 9, lgwin: 22, ..Default::default() };
        let br = match brotli::BrotliCompress(&mut html.as_slice(), &mut br, &params) {
            Ok(_) => br,
            Err(_) => Vec::new(),
        };
        let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(html.len() / 3), flate2::Compression::best());
        let gzip = gz.write_all(&html).and_then(|()| gz.finish()).unwrap_or_default();
        Self { identity: html.into(), gzip: gzip.into(), br: br.into() }
    }

    /// The body and `content-encoding` for a request's `Accept-Encoding` (an empty compressed
    /// form — compression failed — falls back to the plain one).
    pub fn for_accept(&self, accept: Option<&HeaderValue>) -> (Bytes, Option<&'static str>) {
        let accept = accept.and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !self.br.is_empty() && accepts(accept, "br") {
            (self.br.clone(), Some("br"))
        } else if !self.gzip.is_empty() && accepts(accept, "gzip") {
            (self.gzip.clone(), Some("gzip"))
        } else {
            (self.identity.clone(), None)
        }
    }

    /// A 200 with the page; the compression layer leaves an encoded body alone.
    pub fn response(&self, accept: Option<&HeaderValue>) -> Response {
        let (body, coding) = self.for_accept(accept);
        let mut res = body.into_response();
        let h = res.headers_mut();
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Some(coding) = coding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        res
    }
}

/// Whether an `Accept-Encoding` list takes `coding` (by name or `*`) with a non-zero weight.
fn accepts(accept: &str, coding: &str) -> bool {
    let mut named = None;
    let mut star = None;
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let q = parts.find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            named = Some(q > 0.0);
        } else if name == "*" {
            star = Some(q > 0.0);
        }
    }
    named.or(star).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    #[test]
    fn accept_encoding_is_read_with_weights() {
        assert!(accepts("gzip, deflate, br", "br"));
        assert!(accepts("br;q=0.5", "br"));
        assert!(!accepts("br;q=0, gzip", "br"));
        assert!(accepts("*", "gzip"));
        assert!(!accepts("*, gzip;q=0", "gzip"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("identity", "br"));
    }

    #[test]
    fn the_encodings_decode_to_the_same_page() {
        let html = "<!doctype html><p>hello</p>".repeat(50).into_bytes();
        let e = Encoded::new(html.clone());
        let (br, coding) = e.for_accept(Some(&HeaderValue::from_static("gzip, br")));
        assert_eq!(coding, Some("br"));
        let mut out = Vec::new();
        brotli::Decompressor::new(br.as_ref(), 4096).read_to_end(&mut out).unwrap();
        assert_eq!(out, html);
        let (gz, coding) = e.for_accept(Some(&HeaderValue::from_static("gzip")));
        assert_eq!(coding, Some("gzip"));
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz.as_ref()).read_to_end(&mut out).unwrap();
        assert_eq!(out, html);
        assert_eq!(e.for_accept(None), (Bytes::from(html), None));
    }

    #[test]
    fn the_script_hash_is_of_the_script_the_page_carries() {
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(render::SCRIPT.as_bytes()));
        assert_eq!(*SCRIPT_HASH, format!("'sha256-{expected}'"));
    }
}
