//! Wire types of the link-in-bio module and the parsers shared by the editor (instant
//! feedback) and the server (the boundary).
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::validate::double;
pub use crate::shared::validate::{parse_color, parse_link_url};

// ---- handles

/// Handles that would clash with the app's own paths or impersonate the platform.
pub const RESERVED_HANDLES: &[&str] = &[
    "about", "account", "admin", "administrator", "api", "app", "apps", "auth", "billing", "blog", "contact", "dashboard",
    "docs", "help", "home", "info", "invite", "legal", "login", "logout", "mail", "media", "mewayz", "moderator", "new",
    "official", "onboarding", "pkg", "pricing", "privacy", "root", "security", "settings", "signin", "signup", "staff",
    "static", "status", "support", "system", "terms", "test", "www",
];

/// 3–30 characters: lowercase letters, digits, `_` and `.` (what Instagram and TikTok allow,
/// so people can keep their handle), not starting or ending with `.`, not a reserved word.
pub fn parse_handle(raw: &str) -> Result<String, String> {
    let handle = raw.trim().trim_start_matches('@').to_lowercase();
    if handle.chars().count() < 3 || handle.chars().count() > 30 {
        return Err("Use 3 to 30 characters.".into());
    }
    if !handle.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.') {
        return Err("Use only letters, numbers, _ and .".into());
    }
    if handle.starts_with('.') || handle.ends_with('.') || handle.contains("..") {
        return Err("A handle cannot start or end with a dot, or have two in a row.".into());
    }
    if RESERVED_HANDLES.contains(&handle.as_str()) {
        return Err("This handle is reserved. Choose another.".into());
    }
    Ok(handle)
}

/// A required one-line text of at most `max` characters.
pub fn parse_text(raw: &str, max: usize, empty: &str) -> Result<String, String> {
    let text = raw.trim();
    match text.chars().count() {
        0 if !empty.is_empty() => Err(empty.to_owned()),
        n if n > max => Err(format!("Use at most {max} characters.")),
        _ => Ok(text.to_owned()),
    }
}

/// Age gates people can choose: 18, 21 or 25.
pub const AGE_GATES: &[u8] = &[18, 21, 25];

pub fn parse_age_gate(age: Option<u8>) -> Result<Option<u8>, String> {
    match age {
        None => Ok(None),
        Some(a) if AGE_GATES.contains(&a) => Ok(Some(a)),
        Some(_) => Err("Choose 18, 21 or 25.".into()),
    }
}

// ---- themes

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BackgroundKind {
    #[default]
    Solid,
    Gradient,
    Image,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ButtonShape {
    Square,
    #[default]
    Rounded,
    Pill,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ButtonStyle {
    #[default]
    Fill,
    Outline,
    Soft,
    Shadow,
}

/// How a page looks. Every field has a value (presets fill them), so the renderer never guesses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Theme {
    /// The preset this theme started from (`THEMES`), or `custom`.
    pub preset: String,
    pub background: BackgroundKind,
    /// `#rrggbb`: the solid colour, or the gradient's start.
    pub bg_color: String,
    /// `#rrggbb`: the gradient's end.
    pub bg_color2: String,
    /// An uploaded image (`/media/bio/…`) when `background` is `image`.
    pub bg_image_url: Option<String>,
    pub text_color: String,
    pub button_color: String,
    pub button_text_color: String,
    /// One of `FONTS`.
    pub font: String,
    pub button_shape: ButtonShape,
    pub button_style: ButtonStyle,
}

impl Default for Theme {
    fn default() -> Self {
        theme_preset("midnight").expect("the default preset exists")
    }
}

/// A ready-made theme.
pub struct ThemePreset {
    pub code: &'static str,
    pub label: &'static str,
    background: BackgroundKind,
    colors: [&'static str; 5],
    font: &'static str,
    shape: ButtonShape,
    style: ButtonStyle,
}

/// Colours are background, background end, text, button, button text. Every pair a visitor
/// reads meets WCAG AA (4.5:1), checked by a test.
pub const THEMES: &[ThemePreset] = &[
    ThemePreset { code: "midnight", label: "Midnight", background: BackgroundKind::Solid, colors: ["#0b0d12", "#0b0d12", "#f5f7fb", "#4f46e5", "#ffffff"], font: "inter", shape: ButtonShape::Rounded, style: ButtonStyle::Fill },
    ThemePreset { code: "daylight", label: "Daylight", background: BackgroundKind::Solid, colors: ["#f7f7f5", "#f7f7f5", "#16181d", "#16181d", "#ffffff"], font: "inter", shape: ButtonShape::Pill, style: ButtonStyle::Fill },
    ThemePreset { code: "sunset", label: "Sunset", background: BackgroundKind::Gradient, colors: ["#c2410c", "#6a3093", "#ffffff", "#ffffff", "#5b2a7a"], font: "space-grotesk", shape: ButtonShape::Pill, style: ButtonStyle::Fill },
    ThemePreset { code: "ocean", label: "Ocean", background: BackgroundKind::Gradient, colors: ["#0f4c81", "#0e7490", "#ecfeff", "#ecfeff", "#0f4c81"], font: "inter", shape: ButtonShape::Rounded, style: ButtonStyle::Fill },
    ThemePreset { code: "forest", label: "Forest", background: BackgroundKind::Solid, colors: ["#1f3a2e", "#1f3a2e", "#eef5ea", "#d9ead3", "#1f3a2e"], font: "lora", shape: ButtonShape::Rounded, style: ButtonStyle::Shadow },
    ThemePreset { code: "candy", label: "Candy", background: BackgroundKind::Gradient, colors: ["#ffd1dc", "#c1e1ff", "#3b1d4a", "#db2777", "#ffffff"], font: "caveat", shape: ButtonShape::Pill, style: ButtonStyle::Shadow },
    ThemePreset { code: "mono", label: "Mono", background: BackgroundKind::Solid, colors: ["#ffffff", "#ffffff", "#111111", "#111111", "#111111"], font: "jetbrains-mono", shape: ButtonShape::Square, style: ButtonStyle::Outline },
    ThemePreset { code: "neon", label: "Neon", background: BackgroundKind::Solid, colors: ["#09090b", "#09090b", "#e4e4e7", "#22d3ee", "#09090b"], font: "space-grotesk", shape: ButtonShape::Square, style: ButtonStyle::Outline },
    ThemePreset { code: "paper", label: "Paper", background: BackgroundKind::Solid, colors: ["#f3ecdf", "#f3ecdf", "#3a2f23", "#3a2f23", "#f3ecdf"], font: "lora", shape: ButtonShape::Square, style: ButtonStyle::Fill },
];

pub fn theme_preset(code: &str) -> Option<Theme> {
    THEMES.iter().find(|p| p.code == code).map(|p| Theme {
        preset: p.code.to_owned(),
        background: p.background,
        bg_color: p.colors[0].to_owned(),
        bg_color2: p.colors[1].to_owned(),
        bg_image_url: None,
        text_color: p.colors[2].to_owned(),
        button_color: p.colors[3].to_owned(),
        button_text_color: p.colors[4].to_owned(),
        font: p.font.to_owned(),
        button_shape: p.shape,
        button_style: p.style,
    })
}

/// Self-hosted fonts (`public/fonts/`): code, label, CSS font stack. `system` downloads nothing.
pub const FONTS: &[(&str, &str, &str)] = &[
    ("system", "System", "system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"),
    ("inter", "Inter", "'Inter',system-ui,sans-serif"),
    ("space-grotesk", "Space Grotesk", "'Space Grotesk',system-ui,sans-serif"),
    ("lora", "Lora", "'Lora',Georgia,serif"),
    ("caveat", "Caveat", "'Caveat','Comic Sans MS',cursive"),
    ("jetbrains-mono", "JetBrains Mono", "'JetBrains Mono',ui-monospace,monospace"),
];

/// Checks a theme from a client; names the first bad field as `theme.{field}`.
pub fn check_theme(theme: &Theme) -> Result<(), (String, String)> {
    let err = |field: &str, message: &str| Err((format!("theme.{field}"), message.to_owned()));
    for (field, value) in [
        ("bg_color", &theme.bg_color),
        ("bg_color2", &theme.bg_color2),
        ("text_color", &theme.text_color),
        ("button_color", &theme.button_color),
        ("button_text_color", &theme.button_text_color),
    ] {
        if let Err(message) = parse_color(value) {
            return err(field, &message);
        }
    }
    if !FONTS.iter().any(|(code, _, _)| *code == theme.font) {
        return err("font", "Choose one of the offered fonts.");
    }
    if theme.preset != "custom" && !THEMES.iter().any(|p| p.code == theme.preset) {
        return err("preset", "Choose one of the offered themes, or custom.");
    }
    if theme.background == BackgroundKind::Image && theme.bg_image_url.is_none() {
        return err("bg_image_url", "Upload a background image, or choose a colour or gradient.");
    }
    Ok(())
}

// ---- blocks

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    Link,
    Heading,
    Text,
    Social,
    Image,
    Embed,
    Email,
    Divider,
    Spacer,
}

impl BlockKind {
    pub const ALL: [BlockKind; 9] = [
        Self::Link, Self::Heading, Self::Text, Self::Social, Self::Image, Self::Embed, Self::Email, Self::Divider, Self::Spacer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::Heading => "heading",
            Self::Text => "text",
            Self::Social => "social",
            Self::Image => "image",
            Self::Embed => "embed",
            Self::Email => "email",
            Self::Divider => "divider",
            Self::Spacer => "spacer",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Link => "Link",
            Self::Heading => "Heading",
            Self::Text => "Text",
            Self::Social => "Social icons",
            Self::Image => "Image",
            Self::Embed => "Video / music",
            Self::Email => "Email sign-up",
            Self::Divider => "Divider",
            Self::Spacer => "Spacer",
        }
    }

    /// Whether visitors can follow it (it gets a `/l/{id}` redirect and counts clicks).
    pub fn is_link(self) -> bool {
        self == Self::Link
    }
}

/// Networks of the social icons block (and link icons): code, label.
pub const NETWORKS: &[(&str, &str)] = &[
    ("instagram", "Instagram"),
    ("tiktok", "TikTok"),
    ("youtube", "YouTube"),
    ("x", "X"),
    ("facebook", "Facebook"),
    ("threads", "Threads"),
    ("linkedin", "LinkedIn"),
    ("pinterest", "Pinterest"),
    ("snapchat", "Snapchat"),
    ("twitch", "Twitch"),
    ("discord", "Discord"),
    ("spotify", "Spotify"),
    ("soundcloud", "SoundCloud"),
    ("github", "GitHub"),
    ("whatsapp", "WhatsApp"),
    ("telegram", "Telegram"),
    ("patreon", "Patreon"),
    ("bluesky", "Bluesky"),
    ("mastodon", "Mastodon"),
    ("email", "Email"),
    ("website", "Website"),
];

pub fn network_label(code: &str) -> Option<&'static str> {
    NETWORKS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SocialLink {
    /// One of the networks (`instagram`, `tiktok`, `youtube`, `x`…, `email`, `website`).
    pub network: String,
    pub url: String,
}

/// Where an embed comes from; it is shown as a click-to-load facade until the visitor asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EmbedProvider {
    Youtube,
    Spotify,
    Soundcloud,
}

impl EmbedProvider {
    pub fn label(self) -> &'static str {
        match self {
            Self::Youtube => "YouTube",
            Self::Spotify => "Spotify",
            Self::Soundcloud => "SoundCloud",
        }
    }
}

/// The embeddable player for a YouTube, Spotify or SoundCloud URL, or an error saying which
/// URLs work. Only these three hosts are ever framed.
pub fn embed_src(url: &str) -> Result<(EmbedProvider, String), String> {
    let url = parse_link_url(url)?;
    let lower = url.to_ascii_lowercase();
    let rest = lower.split_once("://").map_or("", |(_, r)| r);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.trim_start_matches("www.").trim_start_matches("m.");
    let original_path = &url[url.len() - path.len()..];
    let id_ok = |id: &str| !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let youtube = |id: &str| {
        if id_ok(id) { Ok((EmbedProvider::Youtube, format!("https://www.youtube-nocookie.com/embed/{id}?autoplay=1"))) } else { Err(()) }
    };
    let found = match host {
        "youtu.be" => youtube(original_path.split(['?', '/', '#']).next().unwrap_or_default()),
        "youtube.com" | "music.youtube.com" => {
            if let Some(query) = original_path.strip_prefix("watch?") {
                youtube(query.split('&').find_map(|kv| kv.strip_prefix("v=")).unwrap_or_default())
            } else if let Some(id) = original_path.strip_prefix("shorts/").or_else(|| original_path.strip_prefix("embed/")).or_else(|| original_path.strip_prefix("live/")) {
                youtube(id.split(['?', '/', '#']).next().unwrap_or_default())
            } else {
                Err(())
            }
        }
        "open.spotify.com" => {
            let mut parts = original_path.split(['?', '#']).next().unwrap_or_default().split('/').filter(|p| !p.is_empty() && !p.starts_with("intl-"));
            match (parts.next(), parts.next()) {
                (Some(kind @ ("track" | "album" | "playlist" | "episode" | "show" | "artist")), Some(id)) if id_ok(id) => {
                    Ok((EmbedProvider::Spotify, format!("https://open.spotify.com/embed/{kind}/{id}")))
                }
                _ => Err(()),
            }
        }
        "soundcloud.com" if original_path.split('/').filter(|p| !p.is_empty()).count() >= 2 => {
            let clean = format!("https://soundcloud.com/{}", original_path.split(['?', '#']).next().unwrap_or_default());
            Ok((EmbedProvider::Soundcloud, format!("https://w.soundcloud.com/player/?url={}&auto_play=true", percent_encode(&clean))))
        }
        _ => Err(()),
    };
    found.map_err(|()| "Paste a YouTube video, Spotify or SoundCloud link.".to_owned())
}

/// Percent-encodes everything but unreserved characters (for a URL inside a query).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One block of a page, as the editor and the API show it. `type` says which fields matter:
/// link (`title`, `url`, `thumbnail_url`?, `icon`?), heading (`title`), text (`body`), social
/// (`socials`), image (`image_url`, `title` as alt text, `url`? to open), embed (`url`,
/// `provider`), email (`title`, `body`?, `button_label`?), divider, spacer (`height`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BlockView {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: BlockKind,
    pub title: String,
    pub url: Option<String>,
    /// Switched off blocks are kept but not shown.
    pub enabled: bool,
    /// RFC 3339; before it, the block is not shown.
    pub starts_at: Option<String>,
    /// RFC 3339; from it on, the block is not shown.
    pub ends_at: Option<String>,
    /// 18, 21 or 25: visitors confirm their age before the link opens.
    pub age_gate: Option<u8>,
    pub position: i32,
    pub body: Option<String>,
    pub thumbnail_url: Option<String>,
    /// A network code (see `socials`) shown as the link's icon.
    pub icon: Option<String>,
    pub image_url: Option<String>,
    pub socials: Vec<SocialLink>,
    /// For embeds: which player the URL opens in.
    pub provider: Option<EmbedProvider>,
    pub button_label: Option<String>,
    /// Spacer height in pixels (8–160).
    pub height: Option<u16>,
}

/// `POST …/blocks` (`type` required) and `PATCH …/blocks/{id}` (only the fields sent change;
/// `null` clears an optional one; `type` cannot change).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BlockInput {
    #[serde(default, rename = "type")]
    pub kind: Option<BlockKind>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub url: Option<Option<String>>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub starts_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub ends_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<u8>))]
    pub age_gate: Option<Option<u8>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub body: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub thumbnail_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub icon: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub image_url: Option<Option<String>>,
    #[serde(default)]
    pub socials: Option<Vec<SocialLink>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub button_label: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<u16>))]
    pub height: Option<Option<u16>>,
    /// Where to insert a new block (0 = first); the end when left out.
    #[serde(default)]
    pub position: Option<i32>,
}

/// `PUT …/blocks/order`: every block id of the page, in the new order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BlockOrder {
    pub ids: Vec<Uuid>,
}

// ---- pages

/// A bio page as its workspace sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PageView {
    pub id: Uuid,
    pub handle: String,
    pub title: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// The social preview image (Open Graph), `/media/bio/…`.
    pub og_image_url: Option<String>,
    pub age_gate: Option<u8>,
    pub theme: Theme,
    /// `draft` (never published or unpublished) or `published`.
    pub status: String,
    pub published_at: Option<String>,
    /// The draft differs from what is live.
    pub has_unpublished_changes: bool,
    /// `/@{handle}`.
    pub public_url: String,
    pub block_count: u32,
    /// The draft blocks, in order (on single-page reads, not in lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<BlockView>>,
    pub deleted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /bio/pages` and `PATCH /bio/pages/{id}` (only the fields sent change; `null` clears).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PageInput {
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub avatar_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub seo_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub seo_description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub og_image_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<u8>))]
    pub age_gate: Option<Option<u8>>,
    /// A whole theme, or `{"preset": "sunset"}` alone to take a preset as it is.
    #[serde(default)]
    pub theme: Option<Theme>,
}

/// An uploaded image: its URL to put in a page, block or theme field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UploadedImage {
    pub url: String,
}

// ---- stats

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayStats {
    /// `YYYY-MM-DD` in the workspace's time zone.
    pub date: String,
    pub views: u64,
    pub unique_visitors: u64,
    pub clicks: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinkStats {
    pub block_id: Uuid,
    /// The link's current title, or "Deleted link".
    pub title: String,
    pub url: Option<String>,
    pub clicks: u64,
    /// Clicks per view, 0–1.
    pub ctr: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CountRow {
    pub label: String,
    pub count: u64,
}

/// `GET /bio/pages/{id}/stats?days=7|30|90`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatsView {
    pub days: u32,
    pub views: u64,
    /// Sum of each day's unique visitors (visitor hashes change daily, by design).
    pub unique_visitors: u64,
    pub clicks: u64,
    /// Clicks per view, 0–1.
    pub ctr: f64,
    /// Every day of the range, oldest first, zeros included.
    pub by_day: Vec<DayStats>,
    pub by_link: Vec<LinkStats>,
    /// Referring sites by views (`direct` when none).
    pub referrers: Vec<CountRow>,
    /// `mobile`, `tablet`, `desktop`, `bot` by views.
    pub devices: Vec<CountRow>,
    /// ISO country codes by views, when the proxy sends one.
    pub countries: Vec<CountRow>,
}

pub const STATS_RANGES: &[u32] = &[7, 30, 90];

/// An email sign-up from a page's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeadView {
    pub id: Uuid,
    pub email: String,
    pub block_id: Option<Uuid>,
    pub created_at: String,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2 contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let luminance = |hex: &str| {
            let channel = |i: usize| {
                let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
                if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        };
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn every_preset_is_readable() {
        for p in THEMES {
            let [bg, bg2, text, button, button_text] = p.colors;
            // Text sits on both ends of a gradient; a button's label on the button, or for an
            // outline button (its colour is the label's) on the page.
            let mut pairs = vec![(text, bg), (text, bg2)];
            match p.style {
                ButtonStyle::Outline => pairs.extend([(button, bg), (button, bg2)]),
                ButtonStyle::Soft => {}
                ButtonStyle::Fill | ButtonStyle::Shadow => pairs.push((button_text, button)),
            }
            for (fg, back) in pairs {
                let ratio = contrast(fg, back);
                assert!(ratio >= 4.5, "{}: {fg} on {back} is {ratio:.2}:1, below 4.5:1", p.code);
            }
        }
    }

    #[test]
    fn handles_are_checked_and_lowercased() {
        assert_eq!(parse_handle(" @Jane.Doe_1 "), Ok("jane.doe_1".into()));
        for bad in ["ab", ".jane", "jane.", "ja..ne", "jane doe", "jane-doe", "admin", "API", &"a".repeat(31), "zoë"] {
            assert!(parse_handle(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_preset_is_a_valid_theme_and_there_are_at_least_eight() {
        assert!(THEMES.len() >= 8);
        for preset in THEMES {
            let theme = theme_preset(preset.code).unwrap();
            assert_eq!(check_theme(&theme), Ok(()), "{}", preset.code);
        }
        let mut bad = Theme::default();
        bad.button_color = "blue".into();
        assert_eq!(check_theme(&bad).unwrap_err().0, "theme.button_color");
        bad = Theme { font: "comic".into(), ..Theme::default() };
        assert_eq!(check_theme(&bad).unwrap_err().0, "theme.font");
    }

    #[test]
    fn a_partial_theme_fills_in_from_the_default() {
        let theme: Theme = serde_json::from_str(r##"{"text_color":"#123456"}"##).unwrap();
        assert_eq!(theme.text_color, "#123456");
        assert_eq!(theme.font, Theme::default().font);
    }

    #[test]
    fn there_are_at_least_fifteen_social_networks() {
        assert!(NETWORKS.len() >= 15);
    }

    #[test]
    fn embeds_accept_youtube_spotify_and_soundcloud_only() {
        let (p, src) = embed_src("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1").unwrap();
        assert_eq!((p, src.as_str()), (EmbedProvider::Youtube, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"));
        assert_eq!(embed_src("youtu.be/dQw4w9WgXcQ").unwrap().1, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1");
        assert_eq!(embed_src("https://youtube.com/shorts/abc_DEF-1").unwrap().0, EmbedProvider::Youtube);
        assert_eq!(
            embed_src("https://open.spotify.com/intl-de/track/4uLU6hMCjMI75M1A2tKUQC?si=x").unwrap().1,
            "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC"
        );
        let (p, src) = embed_src("https://soundcloud.com/artist/song").unwrap();
        assert_eq!(p, EmbedProvider::Soundcloud);
        assert!(src.starts_with("https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fartist%2Fsong"));
        for bad in ["https://vimeo.com/1", "https://youtube.com/watch?v=<script>", "javascript:alert(1)", "https://open.spotify.com/user/x"] {
            assert!(embed_src(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn patch_bodies_tell_absent_from_null() {
        let input: BlockInput = serde_json::from_str(r#"{"url": null, "title": "Hi"}"#).unwrap();
        assert_eq!(input.url, Some(None));
        assert_eq!(input.starts_at, None);
        assert_eq!(input.title.as_deref(), Some("Hi"));
    }
}
