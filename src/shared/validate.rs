//! Field parsers shared by the pages (instant feedback) and the server (the boundary), and
//! `Checks`, which collects every field's error into one 422.
use serde::{Deserialize, Deserializer};

use super::error::{AppError, FieldError};

/// `Option<Option<T>>` for PATCH bodies (`#[serde(default, deserialize_with = "double")]`):
/// absent = keep, `null` = clear, a value = set.
pub fn double<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Collects field errors; `finish` answers 422 with all of them at once.
#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.0.push(FieldError { field: field.into(), message })).ok()
    }

    /// Records an error found outside a parser.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }

    /// Whether an error is already recorded (so a summary error is not piled on).
    pub fn has_errors(&self) -> bool {
        !self.0.is_empty()
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.0
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() { Ok(()) } else { Err(AppError::Validation { errors: self.0 }) }
    }
}

/// `#rrggbb`, lowercased.
pub fn parse_color(raw: &str) -> Result<String, String> {
    let c = raw.trim().to_ascii_lowercase();
    if c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(c)
    } else {
        Err("Use a colour like #6366f1.".into())
    }
}

/// A link people can follow: `http(s)://host…`, `mailto:` or `tel:`. Anything else
/// (`javascript:`, `data:`, relative paths) is refused, so a stored link can never run code.
/// A bare `example.com/x` gets `https://`.
pub fn parse_link_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    if url.is_empty() {
        return Err("Enter the address the link opens.".into());
    }
    if url.len() > 2048 {
        return Err("Use an address of at most 2,048 characters.".into());
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("An address cannot contain spaces or line breaks.".into());
    }
    let lower = url.to_ascii_lowercase();
    let refused = || Err("Use a web address (https://…), an email (mailto:…) or a phone number (tel:…).".to_owned());
    if let Some(rest) = lower.strip_prefix("mailto:") {
        return if rest.contains('@') && rest.len() > 2 { Ok(url.to_owned()) } else { refused() };
    }
    if let Some(rest) = lower.strip_prefix("tel:") {
        return if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b"+-().".contains(&b)) { Ok(url.to_owned()) } else { refused() };
    }
    let (with_scheme, rest) = match lower.split_once("://") {
        Some(("http" | "https", rest)) => (url.to_owned(), rest.to_owned()),
        Some(_) => return refused(),
        // A scheme without `//` (`javascript:alert(1)`) is refused; a bare host gets https.
        None if lower.split(['/', '?', '#']).next().is_some_and(|first| first.contains(':') && !first.contains('.')) => return refused(),
        None => (format!("https://{url}"), lower.clone()),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    let plausible = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b >= 0x80);
    if !plausible && host != "localhost" {
        return Err("This does not look like a web address. Check the part after https://.".into());
    }
    Ok(with_scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_hex_triplets() {
        assert_eq!(parse_color("#AABBCC"), Ok("#aabbcc".into()));
        assert!(parse_color("red").is_err() && parse_color("#abcd").is_err());
    }

    #[test]
    fn link_urls_allow_web_mail_and_phone_only() {
        assert_eq!(parse_link_url(" https://example.com/a?b=1 "), Ok("https://example.com/a?b=1".into()));
        assert_eq!(parse_link_url("example.com/shop"), Ok("https://example.com/shop".into()));
        assert_eq!(parse_link_url("mailto:me@example.com"), Ok("mailto:me@example.com".into()));
        assert_eq!(parse_link_url("tel:+1(555)010-999"), Ok("tel:+1(555)010-999".into()));
        for bad in [
            "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>", "vbscript:x", "ftp://example.com",
            "https://", "https://nodot", "http://exa mple.com", "", "mailto:nobody", "tel:call-me", "//example.com",
            "java\nscript:alert(1)",
        ] {
            assert!(parse_link_url(bad).is_err(), "{bad:?}");
        }
    }
}
