//! The signed-in pages of the identity module: `/app/account` (profile, photo, email, password,
//! deleting the account) and `/app/security` (two-factor authentication, devices, API keys,
//! activity). Browser-only work (the avatar upload, the clipboard, file downloads, the clock)
//! sits in `browser`, compiled for the `hydrate` build only.
mod account;
pub(crate) use account::field_error;
mod security;
mod step_up;

use leptos::prelude::*;

pub use account::AccountPage;
pub use security::SecurityPage;
pub use step_up::{StepUpDialog, StepUpPrompt};

use crate::app::layout::CurrentUserResource;
use crate::modules::auth::types::UserView;
use crate::shared::ui::Toasts;
#[cfg(feature = "hydrate")]
use crate::shared::ui::ToastKind;

/// Largest avatar the server accepts (`service::AVATAR_MAX_BYTES`), checked in the browser first.
pub const AVATAR_MAX_BYTES: u64 = 2 * 1024 * 1024;

/// Hands a changed user to the app frame, so the top bar (name, photo) shows it at once. The
/// fresh value comes from the server's answer, so no second round trip is needed.
fn publish_user(resource: CurrentUserResource, user: UserView) {
    resource.set(Some(Ok(Some(user))));
}

/// Records a change of the MFA flag without re-rendering the frame (the top bar does not show
/// it), so pages opened later, like the account page, see the new value.
fn note_mfa_change(resource: Option<CurrentUserResource>, enabled: bool) {
    if let Some(resource) = resource {
        resource.update_untracked(|value| {
            if let Some(Ok(Some(user))) = value {
                user.mfa_enabled = enabled;
            }
        });
    }
}

/// Up to two capital letters for a person without a photo: "Ada Lovelace" → "AL".
pub(crate) fn initials(name: &str) -> String {
    let letters: String = name.split_whitespace().filter_map(|w| w.chars().next()).take(2).flat_map(char::to_uppercase).collect();
    if letters.is_empty() { "?".into() } else { letters }
}

/// Whether a chosen file may be sent as an avatar or logo; the message says what to do otherwise.
#[cfg(any(feature = "hydrate", test))]
pub(crate) fn check_avatar(size: f64, mime: &str) -> Result<(), String> {
    if !matches!(mime, "image/png" | "image/jpeg" | "image/webp") {
        return Err("Choose a PNG, JPEG or WebP image.".into());
    }
    if size > AVATAR_MAX_BYTES as f64 {
        let mb = size / (1024.0 * 1024.0);
        return Err(format!("This image is {mb:.1} MB. Choose one of at most 2 MB."));
    }
    Ok(())
}

/// The message to show for a failed image upload answered with problem+json
/// (`{detail, errors: [{field, message}]}`), or a fallback by status. Shared by the avatar
/// and the bio editor's images.
#[cfg(any(feature = "hydrate", test))]
pub(crate) fn problem_message(status: u16, body: &str) -> String {
    let problem: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    if let Some(message) = problem["errors"].get(0).and_then(|e| e["message"].as_str()) {
        return message.to_owned();
    }
    if let Some(detail) = problem["detail"].as_str().filter(|d| !d.is_empty()) {
        return detail.to_owned();
    }
    match status {
        401 => "Your session has ended. Sign in again.".into(),
        413 => "This image is larger than 2 MB.".into(),
        415 | 422 => "Choose a PNG, JPEG or WebP image.".into(),
        429 => "Too many uploads. Wait a minute and try again.".into(),
        _ => format!("The upload failed (error {status}). Try again."),
    }
}

/// Copies text to the clipboard and says whether it worked.
pub(crate) fn copy_text(toasts: Toasts, text: String, what: &'static str) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        match browser::copy(&text).await {
            Ok(()) => toasts.show(ToastKind::Success, format!("{what} copied.")),
            Err(_) => toasts.show(ToastKind::Error, "Could not copy. Select the text and copy it yourself."),
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (toasts, text, what);
}

/// Saves text as a file in the browser's downloads (a Blob behind an object URL).
fn download_text(toasts: Toasts, filename: &'static str, text: String) {
    #[cfg(feature = "hydrate")]
    if browser::download(filename, &text).is_err() {
        toasts.show(ToastKind::Error, "Could not start the download. Copy the text instead.");
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (toasts, filename, text);
}

/// Milliseconds since the epoch, in the browser; `None` while rendering on the server.
fn now_ms() -> Option<f64> {
    #[cfg(feature = "hydrate")]
    {
        Some(web_sys::js_sys::Date::now())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// The browser's clock for relative times ("5 minutes ago"). It stays `None` on the server and
/// during hydration, so both render the same absolute time; it starts after mount and ticks
/// every minute.
#[derive(Clone, Copy)]
struct Clock(RwSignal<Option<f64>>);

fn provide_clock() {
    let now = RwSignal::new(None::<f64>);
    Effect::new(move |_| {
        now.set(now_ms());
        if let Ok(handle) = set_interval_with_handle(move || now.set(now_ms()), std::time::Duration::from_secs(60)) {
            on_cleanup(move || handle.clear());
        }
    });
    provide_context(Clock(now));
}

/// A point in time from the API (RFC 3339, UTC): relative once the page runs in the browser,
/// with the exact time in the tooltip.
#[component]
fn Timestamp(#[prop(into)] at: String) -> impl IntoView {
    let clock = use_context::<Clock>();
    let absolute = format_when(&at);
    let seconds = parse_rfc3339(&at);
    let label = {
        let absolute = absolute.clone();
        move || match (clock.and_then(|c| c.0.get()), seconds) {
            (Some(now), Some(then)) => relative_when((now / 1000.0) as i64 - then).unwrap_or_else(|| absolute.clone()),
            _ => absolute.clone(),
        }
    };
    view! { <time datetime=at title=absolute>{label}</time> }
}

/// Seconds since the epoch of an RFC 3339 time (`2026-11-23T15:04:05.123456Z`, or with an
/// offset such as `+02:00`).
fn parse_rfc3339(s: &str) -> Option<i64> {
    let bytes = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = s.get(from..to)?;
        if part.bytes().all(|b| b.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':' || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours: i64 = rest[1..3].parse().ok()?;
            let minutes: i64 = rest[4..6].parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
        _ => return None,
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// "23 Nov 2026, 15:04 UTC" from an RFC 3339 UTC time; the input unchanged if it is not one.
fn format_when(s: &str) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    if parse_rfc3339(s).is_none() {
        return s.to_owned();
    }
    let month = s[5..7].parse::<usize>().ok().and_then(|m| MONTHS.get(m.wrapping_sub(1)));
    let utc = if s.ends_with(['Z', 'z']) { " UTC" } else { "" };
    match month {
        Some(month) => format!("{} {month} {}, {}{utc}", s[8..10].trim_start_matches('0'), &s[0..4], &s[11..16]),
        None => s.to_owned(),
    }
}

/// "just now", "5 minutes ago", "yesterday"… for a time `seconds_ago` in the past; `None` past
/// a week (the absolute date reads better then).
fn relative_when(seconds_ago: i64) -> Option<String> {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    Some(match seconds_ago {
        s if s < 45 => "just now".into(),
        s if s < 3600 => plural((s / 60).max(1), "minute"),
        s if s < 86_400 => plural(s / 3600, "hour"),
        s if s < 2 * 86_400 => "yesterday".into(),
        s if s < 7 * 86_400 => plural(s / 86_400, "day"),
        _ => return None,
    })
}

#[cfg(feature = "hydrate")]
pub(crate) mod browser {
    use std::time::Duration;

    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::js_sys::{self, futures::JsFuture};

    use crate::modules::auth::types::{UserEnvelope, UserView};

    const NETWORK: &str = "Could not reach Mewayz. Check your connection and try again.";

    pub async fn copy(text: &str) -> Result<(), JsValue> {
        let window = web_sys::window().ok_or(JsValue::NULL)?;
        // `navigator.clipboard` only exists on secure origins (HTTPS, localhost).
        if !window.is_secure_context() {
            return Err(JsValue::NULL);
        }
        JsFuture::from(window.navigator().clipboard().write_text(text)).await.map(|_| ())
    }

    pub fn download(filename: &str, text: &str) -> Result<(), JsValue> {
        let document = web_sys::window().and_then(|w| w.document()).ok_or(JsValue::NULL)?;
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/plain;charset=utf-8");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&js_sys::Array::of1(&JsValue::from_str(text)), &options)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)?;
        let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
        link.set_href(&url);
        link.set_download(filename);
        document.body().ok_or(JsValue::NULL)?.append_child(&link)?;
        link.click();
        link.remove();
        // Revoked once the browser has taken the file.
        leptos::prelude::set_timeout(
            move || {
                let _ = web_sys::Url::revoke_object_url(&url);
            },
            Duration::from_secs(30),
        );
        Ok(())
    }

    /// `PUT /api/v1/auth/me/avatar` with the file as the raw body; the session cookie goes along.
    pub async fn put_avatar(file: &web_sys::File) -> Result<UserView, String> {
        let envelope: UserEnvelope = put_file("/api/v1/auth/me/avatar", file, "photo").await?;
        Ok(envelope.user)
    }

    /// `PUT`s a chosen file as the raw body (with its type) to `url` and reads the JSON answer;
    /// the session cookie goes along. Errors are the problem+json message, or one by status.
    pub async fn put_file<T: serde::de::DeserializeOwned>(url: &str, file: &web_sys::File, what: &str) -> Result<T, String> {
        let window = web_sys::window().ok_or(NETWORK)?;
        let headers = web_sys::Headers::new().map_err(|_| NETWORK)?;
        let mime = file.type_();
        headers.set("Content-Type", if mime.is_empty() { "application/octet-stream" } else { &mime }).map_err(|_| NETWORK)?;
        headers.set("Accept", "application/json, application/problem+json").map_err(|_| NETWORK)?;
        let init = web_sys::RequestInit::new();
        init.set_method("PUT");
        init.set_credentials(web_sys::RequestCredentials::SameOrigin);
        init.set_headers(&headers);
        init.set_body(file);
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .map_err(|_| NETWORK)?
            .dyn_into()
            .map_err(|_| NETWORK)?;
        let body = match response.text() {
            Ok(promise) => JsFuture::from(promise).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
            Err(_) => String::new(),
        };
        if response.ok() {
            serde_json::from_str(&body).map_err(|_| format!("The {what} was sent, but the answer was not understood. Reload the page."))
        } else {
            Err(super::problem_message(response.status(), &body))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        assert_eq!(initials("ada lovelace byron"), "AL");
        assert_eq!(initials("  Émile "), "É");
        assert_eq!(initials(""), "?");
    }

    #[test]
    fn avatars_must_be_small_png_jpeg_or_webp_images() {
        assert!(check_avatar(1000.0, "image/png").is_ok());
        assert!(check_avatar(2.0 * 1024.0 * 1024.0, "image/webp").is_ok());
        assert!(check_avatar(3.5 * 1024.0 * 1024.0, "image/jpeg").unwrap_err().contains("3.5 MB"));
        assert!(check_avatar(1000.0, "image/gif").unwrap_err().contains("PNG"));
    }

    #[test]
    fn problem_messages_prefer_the_field_message_then_the_detail() {
        let body = r#"{"detail":"Some fields need your attention.","errors":[{"field":"avatar","message":"Not an image."}]}"#;
        assert_eq!(problem_message(422, body), "Not an image.");
        assert_eq!(problem_message(413, r#"{"detail":"Too big."}"#), "Too big.");
        assert!(problem_message(413, "").contains("2 MB"));
    }

    #[test]
    fn rfc3339_times_parse_to_epoch_seconds() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00.000000Z"), Some(951_868_800));
        assert_eq!(parse_rfc3339("2026-11-23T15:04:05.123456Z"), Some(1_795_446_245));
        assert_eq!(parse_rfc3339("2026-11-23T17:04:05+02:00"), Some(1_795_446_245));
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-23T15:04:05", "2026-11-23T15:04:05+0200"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_read_as_dates_and_as_relative_phrases() {
        assert_eq!(format_when("2026-11-03T09:05:00.5Z"), "3 Nov 2026, 09:05 UTC");
        assert_eq!(format_when("not a time"), "not a time");
        assert_eq!(relative_when(10).as_deref(), Some("just now"));
        assert_eq!(relative_when(61).as_deref(), Some("1 minute ago"));
        assert_eq!(relative_when(7200).as_deref(), Some("2 hours ago"));
        assert_eq!(relative_when(90_000).as_deref(), Some("yesterday"));
        assert_eq!(relative_when(3 * 86_400).as_deref(), Some("3 days ago"));
        assert_eq!(relative_when(30 * 86_400), None);
    }
}
