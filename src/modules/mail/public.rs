//! The public side of campaign emails, no sign-in: `GET /u/{token}` (preference page),
//! `POST /u/{token}` (one-click unsubscribe, RFC 8058), `GET /o/{token}` (open pixel) and
//! `GET /c/{token}` (tracked link, 302), and the double opt-in confirmation of a form sign-up
//! (`GET /confirm/{token}` asks, `POST` confirms: mail scanners that fetch links confirm nothing).
//!
//! A token is the workspace id, the recipient id and (for links) the URL, sealed with AES-GCM
//! under the data key (`server::crypto`): unguessable, tamper-proof, and the link target cannot
//! be changed into an open redirect. The workspace inside it scopes every query.
use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use base64::Engine as _;
use chrono::Utc;
use uuid::Uuid;

use super::{render::escape, repo, service};
use crate::server::{crypto, error::AppError, state::AppState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unsubscribe,
    Open,
    Click,
    /// A form sign-up's confirmation link; the id is the contact's.
    Confirm,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Kind::Unsubscribe => b'u',
            Kind::Open => b'o',
            Kind::Click => b'c',
            Kind::Confirm => b'f',
        }
    }
}

/// A sealed token for one recipient (and link URL for clicks).
pub fn token(key: &secrecy::SecretBox<[u8; 32]>, kind: Kind, ws: Uuid, recipient: Uuid, url: &str) -> String {
    let mut plain = Vec::with_capacity(33 + url.len());
    plain.push(kind.byte());
    plain.extend_from_slice(ws.as_bytes());
    plain.extend_from_slice(recipient.as_bytes());
    plain.extend_from_slice(url.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(crypto::seal(key, &plain))
}

/// (workspace, recipient, url) of a token of `kind`; `None` for anything forged or altered.
pub fn open_token(key: &secrecy::SecretBox<[u8; 32]>, kind: Kind, token: &str) -> Option<(Uuid, Uuid, String)> {
    if token.len() > 4096 {
        return None;
    }
    let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).ok()?;
    let plain = crypto::open(key, &sealed).ok()?;
    if plain.len() < 33 || plain[0] != kind.byte() {
        return None;
    }
    let ws = Uuid::from_slice(&plain[1..17]).ok()?;
    let recipient = Uuid::from_slice(&plain[17..33]).ok()?;
    Some((ws, recipient, String::from_utf8(plain[33..].to_vec()).ok()?))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/u/{token}", get(preferences).post(one_click))
        .route("/o/{token}", get(open_pixel))
        .route("/c/{token}", get(click))
        .route("/confirm/{token}", get(confirm_page).post(confirm))
}

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>{t}</title>
<style>body{{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111827;margin:0;padding:24px}}main{{max-width:28rem;margin:10vh auto;background:#fff;border-radius:12px;padding:24px}}button{{font:inherit;padding:10px 18px;border:0;border-radius:8px;background:#4f46e5;color:#fff;cursor:pointer}}</style></head>
<body><main><h1>{t}</h1>{body}</main></body></html>"#,
        t = escape(title)
    );
    let mut res = (status, Html(html)).into_response();
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn not_found() -> Response {
    page(StatusCode::NOT_FOUND, "Link not recognised", "<p>This link is not valid. Copy the whole address from the email and try again.</p>")
}

/// The preference page: who is subscribed, and a button that unsubscribes.
async fn preferences(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some((ws, rid, _)) = open_token(&state.config.data_key, Kind::Unsubscribe, &token) else { return not_found() };
    let r = match repo::find_recipient(&state.pool, ws, rid).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(),
        Err(e) => return AppError::from(e).into_response(),
    };
    if r.unsubscribed_at.is_some() {
        return page(StatusCode::OK, "You are unsubscribed", &format!("<p>{} will not receive these emails any more.</p>", escape(&r.email)));
    }
    let body = format!(
        r#"<p>You receive these emails at <strong>{}</strong>.</p><form method="post" action="/u/{}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>"#,
        escape(&r.email),
        escape(&token)
    );
    page(StatusCode::OK, "Email preferences", &body)
}

/// One-click unsubscribe (the mail client's POST, or the page's button).
async fn one_click(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some((ws, rid, _)) = open_token(&state.config.data_key, Kind::Unsubscribe, &token) else { return not_found() };
    match service::unsubscribe(&state, ws, rid, "unsubscribe link").await {
        Ok(r) => page(StatusCode::OK, "You are unsubscribed", &format!("<p>{} will not receive these emails any more.</p>", escape(&r.email))),
        Err(AppError::NotFound) => not_found(),
        Err(e) => e.into_response(),
    }
}

/// The confirmation link of a form sign-up: a button, so only a person confirms.
async fn confirm_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if open_token(&state.config.data_key, Kind::Confirm, &token).is_none() {
        return not_found();
    }
    let body = format!(r#"<p>One click and you are on the list.</p><form method="post" action="/confirm/{}"><button type="submit">Confirm my subscription</button></form>"#, escape(&token));
    page(StatusCode::OK, "Confirm your subscription", &body)
}

async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some((ws, contact, _)) = open_token(&state.config.data_key, Kind::Confirm, &token) else { return not_found() };
    match service::confirm_signup(&state, ws, contact).await {
        Ok(()) => page(StatusCode::OK, "You are subscribed", "<p>Thank you: your address is confirmed.</p>"),
        Err(AppError::NotFound) => not_found(),
        Err(AppError::Conflict { message }) => page(StatusCode::CONFLICT, "Not subscribed", &format!("<p>{}</p>", escape(&message))),
        Err(e) => e.into_response(),
    }
}

/// The smallest transparent GIF.
const PIXEL: [u8; 43] = [
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// The open pixel: always the GIF (a bad token reveals nothing), the open counted when valid.
async fn open_pixel(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if let Some((ws, rid, _)) = open_token(&state.config.data_key, Kind::Open, token.trim_end_matches(".gif"))
        && let Err(e) = repo::record_open(&state.pool, ws, rid, Utc::now()).await
    {
        tracing::warn!(error = %e, "cannot record an email open");
    }
    let mut res = (StatusCode::OK, PIXEL.to_vec()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/gif"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, private"));
    res
}

/// A tracked link: counts the click for the recipient and the URL, then redirects there.
async fn click(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some((ws, rid, url)) = open_token(&state.config.data_key, Kind::Click, &token) else { return not_found() };
    let recorded = async {
        let mut conn = state.pool.begin().await?;
        if let Some(r) = repo::find_recipient(&mut *conn, ws, rid).await? {
            repo::record_click(&mut conn, ws, &r, &url, Utc::now()).await?;
        }
        conn.commit().await
    };
    if let Err(e) = recorded.await {
        // The reader still gets where they were going.
        tracing::warn!(error = %e, "cannot record an email click");
    }
    let location: String = url
        .bytes()
        .map(|b| if b.is_ascii_graphic() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_open_only_for_their_kind_and_only_unaltered() {
        let key = secrecy::SecretBox::new(Box::new([3u8; 32]));
        let (ws, r) = (Uuid::now_v7(), Uuid::now_v7());
        let t = token(&key, Kind::Click, ws, r, "https://a.example/x?y=1");
        assert_eq!(open_token(&key, Kind::Click, &t), Some((ws, r, "https://a.example/x?y=1".into())));
        assert_eq!(open_token(&key, Kind::Unsubscribe, &t), None);
        let other = secrecy::SecretBox::new(Box::new([4u8; 32]));
        assert_eq!(open_token(&other, Kind::Click, &t), None);
        let mut altered = t.clone().into_bytes();
        altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
        assert_eq!(open_token(&key, Kind::Click, &String::from_utf8(altered).unwrap()), None);
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
}
