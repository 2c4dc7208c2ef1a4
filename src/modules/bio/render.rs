//! The public bio page as HTML: one renderer for the live page (`/@{handle}`) and the editor's
//! preview, so the preview is exactly what visitors get. Plain server-rendered HTML with its
//! CSS inline and a few lines of script (embed facades, the age gate): no WASM, no framework.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::types::{BlockView, Theme};

/// Everything the public page shows, frozen by "Publish" (stored as `bio_pages.published_doc`)
/// or built from the draft for the preview. Only enabled blocks are in it; schedules are
/// applied when it is rendered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageDoc {
    pub page_id: Uuid,
    pub workspace_id: Uuid,
    pub handle: String,
    pub title: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub og_image_url: Option<String>,
    pub age_gate: Option<u8>,
    pub theme: Theme,
    pub blocks: Vec<BlockView>,
}

/// What varies per request.
pub struct RenderCtx<'a> {
    /// `https://host` without a trailing slash, for canonical and Open Graph URLs.
    pub origin: &'a str,
    pub now: DateTime<Utc>,
    /// Opened inside Instagram's, TikTok's or Facebook's in-app browser: show "Open in your browser".
    pub in_app_browser: bool,
    /// The editor's preview: links open their target directly, nothing is counted, noindex.
    pub preview: bool,
    /// A line to show at the top, e.g. after an email sign-up.
    pub notice: Option<&'a str>,
}

/// Whether a block is shown at `now`: from `starts_at` (inclusive) until `ends_at` (exclusive).
pub fn visible(block: &BlockView, now: DateTime<Utc>) -> bool {
    let at = |t: &Option<String>| t.as_deref().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc));
    block.enabled && at(&block.starts_at).is_none_or(|s| now >= s) && at(&block.ends_at).is_none_or(|e| now < e)
}

use std::fmt::Write as _;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::icons;
use super::types::{BackgroundKind, BlockKind, ButtonShape, ButtonStyle, EmbedProvider, FONTS, SocialLink, embed_src, network_label, parse_color, parse_link_url};

/// The self-hosted font files in `public/fonts/` (served at `/fonts/…`): the Latin subset of
/// each family's variable font, one file for every weight. Code (of `FONTS`), file, weights,
/// size adjustment (Caveat's letters are small for their size). Sources and licences:
/// `public/fonts/LICENSE.md`.
pub const FONT_FILES: &[(&str, &str, &str, &str)] = &[
    ("inter", "inter-latin.woff2", "100 900", ""),
    ("space-grotesk", "space-grotesk-latin.woff2", "300 700", ""),
    ("lora", "lora-latin.woff2", "400 700", ""),
    ("caveat", "caveat-latin.woff2", "400 700", ";size-adjust:120%"),
    ("jetbrains-mono", "jetbrains-mono-latin.woff2", "100 800", ""),
];

/// Styles every bio page shares; [`theme_css`] follows them, so its rules win.
const BASE_CSS: &str = concat!(
    "*{box-sizing:border-box}",
    "html{background:var(--bg);color:var(--tx);-webkit-text-size-adjust:100%}",
    "body{margin:0;min-height:100vh;font-size:16px;line-height:1.5}",
    "main{max-width:580px;margin:0 auto;padding:40px 16px 8px;text-align:center}",
    "a{color:inherit}",
    ":focus-visible{outline:3px solid var(--tx);outline-offset:2px}",
    ".av{display:block;width:96px;height:96px;margin:0 auto 14px;border-radius:50%;object-fit:cover}",
    "div.av{display:flex;align-items:center;justify-content:center;background:var(--bt);color:var(--btx);font-size:40px;font-weight:700}",
    "h1{font-size:1.4rem;line-height:1.25;margin:0 0 6px}",
    "h2{font-size:1.1rem;line-height:1.3;margin:26px 0 12px}",
    "h1,h2,.tx,.btn{overflow-wrap:anywhere}",
    ".bio,.tx{white-space:pre-line;margin:0 0 14px}",
    ".bio{margin-bottom:28px}",
    ".btn{position:relative;display:flex;align-items:center;justify-content:center;width:100%;min-height:56px;margin:0 0 14px;",
    "padding:12px 20px;border:2px solid transparent;border-radius:var(--r);font:inherit;font-weight:600;line-height:1.3;",
    "text-align:center;text-decoration:none;cursor:pointer;transition:transform .15s}",
    ".btn:hover{transform:scale(1.02)}",
    ".btn.t{padding:8px 58px}",
    ".btn small{display:block;font-weight:400}",
    ".th{position:absolute;left:7px;top:50%;width:40px;height:40px;margin-top:-20px;border-radius:var(--r3);object-fit:cover;",
    "display:flex;align-items:center;justify-content:center}",
    ".btn.alt,.btn.alt:hover{background:transparent;color:var(--tx);border-color:currentColor;box-shadow:none}",
    ".so{display:flex;flex-wrap:wrap;justify-content:center;gap:4px 8px;margin:0 0 14px}",
    ".so a{display:flex;align-items:center;justify-content:center;width:48px;height:48px;border-radius:50%}",
    "hr{border:0;border-top:1px solid;opacity:.4;margin:22px 0}",
    ".iml{display:block}",
    ".im{display:block;width:100%;height:auto;aspect-ratio:16/9;object-fit:cover;margin:0 0 14px;border-radius:var(--r2)}",
    ".yt{position:relative;display:block;aspect-ratio:16/9;margin:0 0 14px;border-radius:var(--r2);overflow:hidden;",
    "background:#000;color:#fff;text-decoration:none}",
    ".yt img{position:absolute;inset:0;width:100%;height:100%;object-fit:cover}",
    ".yt .pl{position:absolute;left:50%;top:50%;display:flex;align-items:center;justify-content:center;width:64px;height:64px;",
    "margin:-32px 0 0 -32px;border-radius:50%;background:rgba(0,0,0,.75)}",
    ".yt .cap{position:absolute;left:0;right:0;bottom:0;padding:8px 12px;background:rgba(0,0,0,.75);font-weight:600;text-align:left}",
    ".fr{display:block;width:100%;border:0;margin:0 0 14px;border-radius:var(--r2)}",
    ".fr.youtube{height:auto;aspect-ratio:16/9}.fr.spotify{height:152px}.fr.soundcloud{height:166px}",
    ".sub{margin:26px 0 14px}.sub h2{margin-top:0}",
    "fieldset{min-width:0;margin:0;padding:0;border:0}",
    ".sub label{display:block;margin:0 0 6px;font-weight:600;text-align:left}",
    ".sub input{display:block;width:100%;min-height:48px;margin:0 0 10px;padding:10px 14px;border:2px solid var(--bt);",
    "border-radius:var(--r2);background:#fff;color:#111;font:inherit}",
    ".hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}",
    ".pv{font-size:.875rem}",
    ".iab,.note{margin:0;padding:8px 16px;background:rgba(0,0,0,.85);color:#fff;text-align:center;font-size:.9rem}",
    ".iab a{display:inline-flex;align-items:center;min-height:48px;padding:0 10px;font-weight:700}",
    ".iab small{display:block}",
    ".gate{position:fixed;inset:0;z-index:9;display:flex;align-items:center;justify-content:center;padding:24px;",
    "background:var(--bg);text-align:center}",
    ".gate>div{width:100%;max-width:420px}.gate p{font-size:1.2rem;font-weight:700}",
    "dialog{width:calc(100% - 32px);max-width:420px;padding:24px;border:0;border-radius:var(--r2);background:var(--bg);color:var(--tx);",
    "text-align:center;box-shadow:0 10px 40px rgba(0,0,0,.45)}",
    "dialog::backdrop{background:rgba(0,0,0,.6)}",
    "footer{padding:20px 0 8px;font-size:.8rem}",
    "footer a{display:inline-flex;align-items:center;min-height:48px;padding:0 12px;text-decoration:none;font-weight:600}",
    "@media (prefers-reduced-motion:reduce){.btn{transition:none}.btn:hover{transform:none}}",
);

/// The page's only script (allowed by its hash in the CSP, `cache::SCRIPT_HASH`), no cookies, no localStorage:
/// - link clicks: a link's `href` is its real URL (for crawlers and no-JS visitors); on the first
///   pointer press or Enter it becomes its `data-l` (`/l/{id}`), which counts the click and redirects;
/// - age-gated links (`data-age`): ask in the `#ad` dialog, then go to `data-go`;
/// - embeds (`data-src`): swap the facade for the player's iframe on click;
/// - the page age gate (`#ag`): hide it once confirmed, remembered for the tab in sessionStorage.
pub const SCRIPT: &str = concat!(
    "(function(){var d=document,s,g=d.getElementById('ag'),m=d.querySelector('main'),D=d.getElementById('ad');",
    "try{s=sessionStorage}catch(e){}",
    "if(g){var n=+g.dataset.age;if(s&&+s.getItem('age')>=n)g.remove();else{m.inert=true;var b=d.getElementById('ag-ok');b.focus();",
    "b.onclick=function(){try{s.setItem('age',n)}catch(e){}g.remove();m.inert=false}}}",
    "function c(e,q){return e.target.closest&&e.target.closest(q)}",
    "function t(e){var a=c(e,'a[data-l]');if(a){a.href=a.dataset.l;a.removeAttribute('data-l')}}",
    "d.addEventListener('pointerdown',t);d.addEventListener('keydown',function(e){if(e.key=='Enter')t(e)});",
    "d.addEventListener('click',function(e){var a=c(e,'a[data-src],a[data-age]');if(!a)return;var v=a.dataset;",
    "if(v.src){e.preventDefault();var f=d.createElement('iframe');f.src=v.src;f.title=v.t;f.className='fr '+v.p;",
    "f.allow='autoplay; encrypted-media';f.allowFullscreen=true;f.loading='lazy';a.replaceWith(f);return}",
    "if(!D||!D.showModal)return;e.preventDefault();",
    "d.getElementById('ad-t').textContent='This link is for people '+v.age+' or older. Are you '+v.age+' or older?';",
    "var o=d.getElementById('ad-ok');o.href=v.go;o.target=a.target;D.showModal()});",
    "if(D){d.getElementById('ad-no').onclick=d.getElementById('ad-ok').onclick=function(){D.close()}}})()",
);

/// Without JavaScript the page age gate cannot be dismissed: show it as a warning above the page.
const NOSCRIPT_CSS: &str = ".gate{position:static}#ag-ok{display:none}";

/// A colour of the theme, or the default theme's when it is not `#rrggbb` (it goes into CSS).
fn color(value: &str, fallback: &str) -> String {
    parse_color(value).unwrap_or_else(|_| fallback.to_owned())
}

/// Whether a URL may be an image source or a CSS `url("…")`: a path on this site or an
/// http(s) URL, with none of the characters that could end the attribute or the CSS string.
fn safe_src(url: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~/:?&=%+#,;@!$*".contains(c);
    ((url.starts_with('/') && !url.starts_with("//")) || url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2048
        && url.chars().all(allowed)
}

/// An absolute URL for Open Graph: site paths get the origin.
fn absolute(origin: &str, url: &str) -> Option<String> {
    if !safe_src(url) {
        None
    } else if url.starts_with('/') {
        Some(format!("{origin}{url}"))
    } else {
        Some(url.to_owned())
    }
}

fn font_of(code: &str) -> (&'static str, &'static str, &'static str) {
    *FONTS.iter().find(|f| f.0 == code).unwrap_or(&FONTS[0])
}

/// The theme as CSS: custom properties (`--bg`, `--bg2`, `--tx`, `--bt`, `--btx`, radii), the
/// background, the font (with an `@font-face` rule for that font only) and the button style.
/// Values that are not what the theme check allows fall back to the default theme.
pub fn theme_css(theme: &Theme) -> String {
    let d = Theme::default();
    let bg = color(&theme.bg_color, &d.bg_color);
    let bg2 = color(&theme.bg_color2, &d.bg_color2);
    let tx = color(&theme.text_color, &d.text_color);
    let bt = color(&theme.button_color, &d.button_color);
    let btx = color(&theme.button_text_color, &d.button_text_color);
    let (r, r2, r3) = match theme.button_shape {
        ButtonShape::Square => ("4px", "4px", "2px"),
        ButtonShape::Rounded => ("14px", "14px", "10px"),
        ButtonShape::Pill => ("999px", "20px", "50%"),
    };
    let (code, family, stack) = font_of(&theme.font);
    let mut css = String::with_capacity(700);
    if let Some((_, file, weights, adjust)) = FONT_FILES.iter().find(|f| f.0 == code) {
        let _ = write!(css, "@font-face{{font-family:'{family}';src:url(/fonts/{file}) format('woff2');font-weight:{weights};font-style:normal;font-display:swap{adjust}}}");
    }
    let _ = write!(css, ":root{{--bg:{bg};--bg2:{bg2};--tx:{tx};--bt:{bt};--btx:{btx};--r:{r};--r2:{r2};--r3:{r3}}}body{{font-family:{stack}}}");
    let layer = "body::before{content:\"\";position:fixed;inset:0;z-index:-1;";
    match (theme.background, theme.bg_image_url.as_deref().filter(|u| safe_src(u))) {
        (BackgroundKind::Gradient, _) => {
            let _ = write!(css, "{layer}background:linear-gradient(160deg,var(--bg),var(--bg2))}}");
        }
        // A fixed layer rather than `background-attachment:fixed`, which iOS ignores.
        (BackgroundKind::Image, Some(url)) => {
            let _ = write!(css, "{layer}background:var(--bg) url(\"{url}\") center/cover no-repeat}}");
        }
        _ => {}
    }
    css.push_str(match theme.button_style {
        ButtonStyle::Fill => ".btn{background:var(--bt);color:var(--btx);border-color:var(--bt)}",
        ButtonStyle::Outline => ".btn{background:transparent;color:var(--bt);border-color:var(--bt)}",
        ButtonStyle::Soft => "",
        ButtonStyle::Shadow => ".btn{background:var(--bt);color:var(--btx);border-color:var(--bt);box-shadow:4px 4px 0 var(--tx)}",
    });
    if theme.button_style == ButtonStyle::Soft {
        let hex = |i: usize| u8::from_str_radix(&bt[i..i + 2], 16).unwrap_or(0);
        let _ = write!(css, ".btn{{background:rgba({},{},{},.2);color:var(--tx)}}", hex(1), hex(3), hex(5));
    }
    css
}

/// Collapses white space and cuts at `max` characters (with an ellipsis), for meta descriptions.
fn summary(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        text
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The whole public page (or the editor's preview of it) as an HTML document.
pub fn render_page(doc: &PageDoc, ctx: &RenderCtx) -> String {
    let origin = ctx.origin.trim_end_matches('/');
    let name = match doc.title.trim() {
        "" => format!("@{}", doc.handle),
        t => t.to_owned(),
    };
    let title = non_empty(&doc.seo_title).unwrap_or(&name);
    let description = match non_empty(&doc.seo_description).or(Some(doc.bio.trim()).filter(|b| !b.is_empty())) {
        Some(d) => summary(d, 160),
        None => format!("Links from {}", summary(&name, 100)),
    };
    let canonical = format!("{origin}/@{}", doc.handle);
    let og_image = doc.og_image_url.as_deref().or(doc.avatar_url.as_deref()).and_then(|u| absolute(origin, u));
    let og_large = doc.og_image_url.as_deref().is_some_and(safe_src);
    let avatar = doc.avatar_url.as_deref().filter(|u| safe_src(u));
    let font_file = FONT_FILES.iter().find(|f| f.0 == doc.theme.font).map(|f| f.1);
    let blocks: Vec<&BlockView> = doc.blocks.iter().filter(|b| visible(b, ctx.now)).collect();
    let age_links = blocks.iter().any(|b| b.kind == BlockKind::Link && b.age_gate.is_some());
    let target = ctx.preview.then_some("_blank");
    let css = BASE_CSS.to_owned() + &theme_css(&doc.theme);

    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) }
                meta name="description" content=(description);
                @if ctx.preview { meta name="robots" content="noindex"; }
                link rel="canonical" href=(canonical);
                meta property="og:type" content="profile";
                meta property="og:title" content=(title);
                meta property="og:description" content=(description);
                meta property="og:url" content=(canonical);
                @if let Some(image) = &og_image { meta property="og:image" content=(image); }
                // A large card for a real social image; the square avatar suits the small one.
                meta name="twitter:card" content=(if og_large { "summary_large_image" } else { "summary" });
                meta name="twitter:title" content=(title);
                meta name="twitter:description" content=(description);
                @if let Some(image) = &og_image { meta name="twitter:image" content=(image); }
                meta name="theme-color" content=(color(&doc.theme.bg_color, &Theme::default().bg_color));
                @if let Some(file) = font_file {
                    link rel="preload" href=(format!("/fonts/{file}")) as="font" type="font/woff2" crossorigin;
                }
                style { (PreEscaped(css)) }
                @if doc.age_gate.is_some() { noscript { style { (PreEscaped(NOSCRIPT_CSS)) } } }
            }
            body {
                @if ctx.in_app_browser {
                    // Instagram's, TikTok's and Facebook's in-app webviews usually hand a
                    // target=_blank link to the system browser (or offer to), which is the
                    // best we can do without a platform-specific intent URL.
                    div.iab {
                        "Open in your browser for the best experience."
                        a href=(canonical) target="_blank" rel="noopener" { "Open" }
                        small { "Tip: tap ⋯ then “Open in browser”." }
                    }
                }
                @if let Some(notice) = ctx.notice { p.note role="status" { (notice) } }
                @if let Some(age) = doc.age_gate {
                    div.gate #ag role="dialog" aria-modal="true" aria-labelledby="ag-t" data-age=(age) {
                        div {
                            p #ag-t { "This page is for people " (age) " or older." }
                            noscript { p { "Continue below only if you are " (age) " or older." } }
                            button.btn #ag-ok type="button" { "I am " (age) " or older" }
                            a.btn.alt href="https://www.google.com" rel="noopener" { "Leave" }
                        }
                    }
                }
                main {
                    @if let Some(src) = avatar {
                        img.av src=(src) alt=(name) width="96" height="96" fetchpriority="high";
                    } @else {
                        div.av aria-hidden="true" { (name.trim_start_matches('@').chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()) }
                    }
                    h1 { (name) }
                    @if !doc.bio.trim().is_empty() { p.bio { (doc.bio.trim()) } }
                    @for block in &blocks { (render_block(block, doc, ctx, target)) }
                    footer { a href="/" target=[target] { "Made with Mewayz" } }
                }
                @if age_links {
                    dialog #ad aria-labelledby="ad-t" {
                        p #ad-t { "This link is for people of a minimum age." }
                        a.btn #ad-ok href="#" rel="noopener" { "Continue" }
                        button.btn.alt #ad-no type="button" { "Go back" }
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
    .into_string()
}

/// One visible block; nothing for a block whose URL (or image, or embed) is not usable.
fn render_block(b: &BlockView, doc: &PageDoc, ctx: &RenderCtx, target: Option<&str>) -> Markup {
    let title = b.title.trim();
    match b.kind {
        BlockKind::Link => {
            let Some(url) = b.url.as_deref().and_then(|u| parse_link_url(u).ok()) else { return html! {} };
            let track = format!("/l/{}", b.id);
            // The real URL in `href` (crawlers, no JS); the script swaps in `/l/{id}` to count the
            // click. Age-gated links always go through `/l/{id}`, which asks without JS too.
            let (href, data_l, data_go) = match (ctx.preview, b.age_gate) {
                (true, age) => (url.clone(), None, age.map(|_| url.clone())),
                (false, None) => (url, Some(track), None),
                (false, Some(_)) => (track.clone(), None, Some(format!("{track}?age_ok=1"))),
            };
            let thumb = b.thumbnail_url.as_deref().filter(|u| safe_src(u));
            let icon = b.icon.as_deref().and_then(|code| icons::icon(code, 24));
            let label = if title.is_empty() { href.as_str() } else { title };
            html! {
                a.btn.t[thumb.is_some() || icon.is_some()] href=(href) data-l=[data_l] data-age=[b.age_gate] data-go=[data_go] rel="noopener" target=[target] {
                    @if let Some(src) = thumb {
                        img.th src=(src) alt="" width="40" height="40" loading="lazy" decoding="async";
                    } @else if let Some(icon) = icon {
                        span.th { (icon) }
                    }
                    span { (label) }
                }
            }
        }
        BlockKind::Heading if !title.is_empty() => html! { h2 { (title) } },
        BlockKind::Text => match non_empty(&b.body).or(Some(title).filter(|t| !t.is_empty())) {
            Some(body) => html! { p.tx { (body) } },
            None => html! {},
        },
        BlockKind::Divider => html! { hr; },
        BlockKind::Spacer => html! { div aria-hidden="true" style=(format!("height:{}px", b.height.unwrap_or(24).clamp(8, 160))) {} },
        BlockKind::Social => {
            let links: Vec<(String, &str, Markup)> = b.socials.iter().filter_map(social_link).collect();
            if links.is_empty() {
                return html! {};
            }
            html! {
                div.so {
                    // rel=me: Mastodon (and others) verify a profile that links back.
                    @for (href, label, icon) in links {
                        a href=(href) aria-label=(label) title=(label) rel="me noopener" target=[target] { (icon) }
                    }
                }
            }
        }
        BlockKind::Image => {
            let Some(src) = b.image_url.as_deref().filter(|u| safe_src(u)) else { return html! {} };
            let link = b.url.as_deref().and_then(|u| parse_link_url(u).ok());
            // Width and height reserve a 16:9 box (the CSS crops to it), so nothing shifts.
            let alt = if title.is_empty() && link.is_some() { "Open link" } else { title };
            let img = html! { img.im src=(src) alt=(alt) width="580" height="326" loading="lazy" decoding="async"; };
            match link {
                Some(href) => html! { a.iml href=(href) rel="noopener" target=[target] { (img) } },
                None => img,
            }
        }
        BlockKind::Embed => {
            // Only YouTube (www.youtube-nocookie.com), Spotify (open.spotify.com) and SoundCloud
            // (w.soundcloud.com) are ever framed, and only after a click; the page's CSP must allow
            // them in frame-src (and i.ytimg.com in img-src for the YouTube thumbnail).
            let Some(url) = b.url.as_deref() else { return html! {} };
            let Ok((provider, src)) = embed_src(url) else { return html! {} };
            let href = parse_link_url(url).unwrap_or_else(|_| src.clone());
            let label = provider.label();
            let name = if title.is_empty() { label.to_owned() } else { format!("{label}: {title}") };
            let play = icons::icon("play", 32);
            match provider {
                EmbedProvider::Youtube => {
                    let id = src.split("/embed/").nth(1).and_then(|rest| rest.split('?').next()).unwrap_or_default();
                    html! {
                        a.yt href=(href) data-src=(src) data-p="youtube" data-t=(name) rel="noopener" target=[target] {
                            img src=(format!("https://i.ytimg.com/vi/{id}/hqdefault.jpg")) alt="" width="480" height="360" loading="lazy" decoding="async";
                            span.pl { (play.unwrap_or_default()) }
                            span.cap { "Play on YouTube" @if !title.is_empty() { " · " (title) } }
                        }
                    }
                }
                EmbedProvider::Spotify | EmbedProvider::Soundcloud => html! {
                    a.btn.t href=(href) data-src=(src) data-p=(if provider == EmbedProvider::Spotify { "spotify" } else { "soundcloud" }) data-t=(name) rel="noopener" target=[target] {
                        span.th { (icons::icon("play", 24).unwrap_or_default()) }
                        span {
                            @if title.is_empty() { "Play on " (label) } @else { (title) small { "Play on " (label) } }
                        }
                    }
                },
            }
        }
        BlockKind::Email => {
            let field = format!("e-{}", b.id.simple());
            let button = non_empty(&b.button_label).unwrap_or("Subscribe");
            html! {
                form.sub method="post" action=(format!("/@{}/subscribe", doc.handle)) {
                    @if !title.is_empty() { h2 { (title) } }
                    @if let Some(body) = non_empty(&b.body) { p.tx { (body) } }
                    fieldset disabled[ctx.preview] {
                        label for=(field) { "Email address" }
                        input id=(field) type="email" name="email" required autocomplete="email" placeholder="you@example.com";
                        input type="hidden" name="block_id" value=(b.id);
                        // A honeypot: people never see it, bots fill it in.
                        div.hp aria-hidden="true" {
                            label { "Website " input type="text" name="website" tabindex="-1" autocomplete="off"; }
                        }
                        button.btn type="submit" { (button) }
                    }
                    @if ctx.preview { p.pv { "Sign-ups work on the published page." } }
                }
            }
        }
        BlockKind::Heading => html! {},
    }
}

/// A social icon link: its URL (email addresses become `mailto:`), label and icon.
fn social_link(s: &SocialLink) -> Option<(String, &'static str, Markup)> {
    let label = network_label(&s.network)?;
    let url = s.url.trim();
    let href = if s.network == "email" {
        let address = url.strip_prefix("mailto:").unwrap_or(url);
        parse_link_url(&format!("mailto:{address}")).ok()?
    } else {
        parse_link_url(url).ok()?
    };
    Some((href, label, icons::icon(&s.network, 28)?))
}

/// The page `/l/{id}` answers for an age-gated link when the visitor has not confirmed yet
/// (the page's script asks first, so this is for visitors without JavaScript). No script.
pub fn age_gate_interstitial(doc_title: &str, age: u8, continue_href: &str, theme: &Theme) -> String {
    let page_title = match doc_title.trim() {
        "" => "Age check".to_owned(),
        t => format!("{t} · age check"),
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                meta name="robots" content="noindex";
                title { (page_title) }
                style { (PreEscaped(BASE_CSS.to_owned() + &theme_css(theme))) }
            }
            body {
                main {
                    h1 { "This link is for people " (age) " or older." }
                    p.bio { "Please confirm your age to continue." }
                    a.btn href=(continue_href) rel="nofollow noopener" { "I am " (age) " or older — continue" }
                    a.btn.alt href="/" { "Go back" }
                }
            }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::bio::types::{SocialLink, theme_preset};
    use chrono::{Duration, TimeZone};

    const ORIGIN: &str = "https://mewayz.test";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    fn block(n: u128, kind: BlockKind, title: &str, url: Option<&str>) -> BlockView {
        BlockView {
            id: Uuid::from_u128(n),
            kind,
            title: title.into(),
            url: url.map(Into::into),
            enabled: true,
            starts_at: None,
            ends_at: None,
            age_gate: None,
            position: n as i32,
            body: None,
            thumbnail_url: None,
            icon: None,
            image_url: None,
            socials: vec![],
            provider: None,
            button_label: None,
            height: None,
        }
    }

    fn doc(blocks: Vec<BlockView>) -> PageDoc {
        PageDoc {
            page_id: Uuid::from_u128(1),
            workspace_id: Uuid::from_u128(2),
            handle: "jane".into(),
            title: "Jane Doe".into(),
            bio: "Designer.\nMaker.".into(),
            avatar_url: None,
            seo_title: None,
            seo_description: None,
            og_image_url: None,
            age_gate: None,
            theme: Theme::default(),
            blocks,
        }
    }

    fn ctx() -> RenderCtx<'static> {
        RenderCtx { origin: ORIGIN, now: now(), in_app_browser: false, preview: false, notice: None }
    }

    fn typical() -> PageDoc {
        let mut d = doc(vec![
            BlockView { icon: Some("youtube".into()), ..block(10, BlockKind::Link, "My new video", Some("https://youtube.com/@jane")) },
            block(11, BlockKind::Link, "Shop my favourites", Some("https://shop.example.com/jane?ref=bio")),
            block(12, BlockKind::Link, "Book a call", Some("https://cal.example.com/jane")),
            BlockView { thumbnail_url: Some("/media/bio/thumb.webp".into()), ..block(13, BlockKind::Link, "Newsletter archive", Some("https://news.example.com")) },
            block(14, BlockKind::Heading, "Listen", None),
            block(15, BlockKind::Embed, "Latest single", Some("https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC")),
            block(16, BlockKind::Embed, "Studio tour", Some("https://www.youtube.com/watch?v=dQw4w9WgXcQ")),
            BlockView {
                socials: ["instagram", "tiktok", "youtube", "x"]
                    .iter()
                    .map(|n| SocialLink { network: (*n).into(), url: format!("https://{n}.com/jane") })
                    .collect(),
                ..block(17, BlockKind::Social, "", None)
            },
            BlockView { body: Some("One email a month.".into()), ..block(18, BlockKind::Email, "Stay in touch", None) },
        ]);
        d.avatar_url = Some("/media/bio/avatar.webp".into());
        d
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        let evil = r#"Jane "<script>alert(1)</script>"#;
        let mut d = doc(vec![
            block(10, BlockKind::Link, evil, Some(r#"https://example.com/?q="><script>alert(2)</script>"#)),
            block(11, BlockKind::Heading, evil, None),
            BlockView { body: Some(evil.into()), ..block(12, BlockKind::Text, "", None) },
            BlockView { image_url: Some(r#"/media/x.png" onerror="alert(3)"#.into()), ..block(13, BlockKind::Image, evil, None) },
        ]);
        d.title = evil.into();
        d.bio = evil.into();
        d.seo_description = Some(evil.into());
        d.avatar_url = Some("/media/bio/a.png".into());
        let html = render_page(&d, &ctx());
        assert_eq!(html.matches("<script").count(), 1, "only the page's own script: {html}");
        assert!(!html.contains("alert(1)</script>") && !html.contains("onerror"), "{html}");
        assert!(html.contains("<h1>Jane &quot;&lt;script&gt;alert(1)&lt;/script&gt;</h1>"), "{html}");
        assert!(html.contains(r#"alt="Jane &quot;&lt;script&gt;alert(1)&lt;/script&gt;""#), "{html}");
        assert!(html.contains(r#"href="https://example.com/?q=&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;""#), "{html}");
        assert!(html.contains(r#"<meta name="description" content="Jane &quot;&lt;script&gt;"#), "{html}");
    }

    #[test]
    fn theme_values_cannot_break_out_of_the_style() {
        let mut d = doc(vec![]);
        d.theme.bg_color = "#000;}</style><script>alert(1)</script>".into();
        d.theme.background = BackgroundKind::Image;
        d.theme.bg_image_url = Some(r#"/x.png")}</style><script>alert(2)</script>"#.into());
        d.theme.font = "'evil'".into();
        let html = render_page(&d, &ctx());
        assert!(!html.contains("alert("), "{html}");
        assert!(html.contains(&format!("--bg:{}", Theme::default().bg_color)));
        assert!(!html.contains("@font-face"), "an unknown font is the system stack");
    }

    #[test]
    fn links_point_at_the_real_url_and_count_through_the_redirect() {
        let id = Uuid::from_u128(10);
        let d = doc(vec![
            block(10, BlockKind::Link, "Shop", Some("https://shop.example.com/a?b=1")),
            block(11, BlockKind::Link, "Bad", Some("javascript:alert(1)")),
            BlockView { age_gate: Some(21), ..block(12, BlockKind::Link, "Wine", Some("https://wine.example.com")) },
        ]);
        let html = render_page(&d, &ctx());
        assert!(html.contains(&format!(r#"href="https://shop.example.com/a?b=1" data-l="/l/{id}" rel="noopener""#)), "{html}");
        assert!(!html.contains("javascript:") && !html.contains(">Bad<"), "{html}");
        let gated = Uuid::from_u128(12);
        assert!(html.contains(&format!(r#"href="/l/{gated}" data-age="21" data-go="/l/{gated}?age_ok=1""#)), "{html}");
        assert!(!html.contains("wine.example.com"), "a gated link's URL is only behind the redirect");
        assert!(html.contains(r#"<dialog id="ad""#));
        assert!(!html.contains("target=\"_blank\""));
    }

    #[test]
    fn schedules_and_switched_off_blocks_decide_what_is_in_the_html() {
        let at = |t: DateTime<Utc>| Some(t.to_rfc3339());
        let d = doc(vec![
            BlockView { ends_at: at(now() - Duration::seconds(1)), ..block(10, BlockKind::Link, "Ended", Some("https://a.example.com")) },
            BlockView { ends_at: at(now()), ..block(11, BlockKind::Link, "EndsNow", Some("https://b.example.com")) },
            BlockView { enabled: false, ..block(12, BlockKind::Link, "Disabled", Some("https://c.example.com")) },
            BlockView { starts_at: at(now()), ..block(13, BlockKind::Link, "StartsNow", Some("https://d.example.com")) },
            BlockView { starts_at: at(now() + Duration::seconds(1)), ..block(14, BlockKind::Link, "Later", Some("https://e.example.com")) },
            BlockView {
                starts_at: at(now() - Duration::hours(1)),
                ends_at: at(now() + Duration::hours(1)),
                ..block(15, BlockKind::Heading, "Running", None)
            },
        ]);
        let html = render_page(&d, &ctx());
        for gone in ["Ended", "EndsNow", "Disabled", "Later", "a.example.com", "b.example.com", "c.example.com", "e.example.com"] {
            assert!(!html.contains(gone), "{gone} should not be in the page");
        }
        assert!(html.contains(">StartsNow<") && html.contains("<h2>Running</h2>"), "{html}");
    }

    #[test]
    fn canonical_open_graph_and_twitter_use_absolute_urls() {
        let mut d = doc(vec![]);
        d.avatar_url = Some("/media/bio/a.png".into());
        let html = render_page(&d, &RenderCtx { origin: "https://mewayz.test/", ..ctx() });
        assert!(html.contains(r#"<link rel="canonical" href="https://mewayz.test/@jane">"#), "{html}");
        assert!(html.contains(r#"<meta property="og:url" content="https://mewayz.test/@jane">"#));
        assert!(html.contains(r#"<meta property="og:type" content="profile">"#));
        assert!(html.contains(r#"<meta property="og:title" content="Jane Doe">"#));
        assert!(html.contains(r#"<meta property="og:image" content="https://mewayz.test/media/bio/a.png">"#), "{html}");
        assert!(html.contains(r#"<meta name="twitter:card" content="summary">"#));
        assert!(html.contains("<title>Jane Doe</title>") && html.contains(r#"<meta name="description" content="Designer. Maker.">"#));
        assert!(html.contains(r#"<html lang="en">"#) && html.contains(r#"name="viewport""#));
        assert!(!html.contains("noindex"));

        d.og_image_url = Some("https://cdn.example.com/og.png".into());
        d.seo_title = Some("Jane's links".into());
        d.seo_description = Some("x".repeat(300));
        let html = render_page(&d, &ctx());
        assert!(html.contains(r#"<meta property="og:image" content="https://cdn.example.com/og.png">"#));
        assert!(html.contains(r#"<meta name="twitter:card" content="summary_large_image">"#));
        assert!(html.contains("<title>Jane&#39;s links</title>") || html.contains("<title>Jane's links</title>"), "{html}");
        assert!(html.contains(&format!(r#"<meta name="description" content="{}…">"#, "x".repeat(159))));
    }

    #[test]
    fn the_in_app_browser_bar_shows_only_when_flagged() {
        let d = doc(vec![]);
        assert!(!render_page(&d, &ctx()).contains("Open in your browser"));
        let html = render_page(&d, &RenderCtx { in_app_browser: true, ..ctx() });
        assert!(html.contains("Open in your browser for the best experience."));
        assert!(html.contains(r#"<a href="https://mewayz.test/@jane" target="_blank" rel="noopener">"#), "{html}");
    }

    #[test]
    fn the_preview_is_noindex_opens_links_in_new_tabs_and_counts_nothing() {
        let d = typical();
        let mut d2 = d.clone();
        d2.blocks.push(BlockView { age_gate: Some(18), ..block(40, BlockKind::Link, "Gated", Some("https://gated.example.com")) });
        let html = render_page(&d2, &RenderCtx { preview: true, ..ctx() });
        assert!(html.contains(r#"<meta name="robots" content="noindex">"#));
        assert!(!html.contains("/l/") && !html.contains("data-l="), "{html}");
        assert!(html.contains(r#"href="https://shop.example.com/jane?ref=bio" rel="noopener" target="_blank""#), "{html}");
        assert!(html.contains(r#"href="https://gated.example.com" data-age="18" data-go="https://gated.example.com""#), "{html}");
        assert!(html.contains("<fieldset disabled>") && html.contains("Sign-ups work on the published page."));
        let live = render_page(&d, &ctx());
        assert!(!live.contains("<fieldset disabled>") && live.contains(r#"action="/@jane/subscribe""#));
        assert!(live.contains(r#"name="website" tabindex="-1" autocomplete="off""#) && live.contains(r#"type="email" name="email" required"#));
    }

    #[test]
    fn embeds_are_facades_until_clicked() {
        let d = doc(vec![
            block(10, BlockKind::Embed, "Clip", Some("https://youtu.be/dQw4w9WgXcQ")),
            block(11, BlockKind::Embed, "", Some("https://soundcloud.com/artist/song")),
            block(12, BlockKind::Embed, "Nope", Some("https://vimeo.com/1")),
        ]);
        let html = render_page(&d, &ctx());
        assert!(!html.contains("<iframe"), "{html}");
        assert!(html.contains(r#"data-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1""#), "{html}");
        assert!(html.contains(r#"src="https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg""#));
        assert!(html.contains(r#"data-p="soundcloud""#) && html.contains("Play on SoundCloud"));
        assert!(!html.contains("Nope") && !html.contains("vimeo"));
    }

    #[test]
    fn the_one_script_is_exactly_the_hashed_one() {
        let html = render_page(&typical(), &ctx());
        assert_eq!(html.matches("<script").count(), 1);
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")), "the CSP hash covers these exact bytes");
        assert!(SCRIPT.len() <= 1536, "the script is {} bytes", SCRIPT.len());
        assert!(!SCRIPT.contains("cookie") && !SCRIPT.contains("localStorage"));
    }

    #[test]
    fn only_the_used_font_is_declared_and_every_font_file_exists() {
        let mut d = doc(vec![]);
        d.theme = theme_preset("forest").unwrap();
        let html = render_page(&d, &ctx());
        assert_eq!(html.matches("@font-face").count(), 1);
        assert!(html.contains("src:url(/fonts/lora-latin.woff2)") && html.contains("font-display:swap"));
        assert!(html.contains(r#"<link rel="preload" href="/fonts/lora-latin.woff2" as="font" type="font/woff2" crossorigin>"#), "{html}");
        assert!(!html.contains("inter-latin") && !html.contains("caveat-latin"));
        d.theme.font = "system".into();
        let html = render_page(&d, &ctx());
        assert!(!html.contains("@font-face") && !html.contains("/fonts/"));
        for (code, _, _) in FONTS.iter().filter(|f| f.0 != "system") {
            let (_, file, _, _) = FONT_FILES.iter().find(|f| f.0 == *code).unwrap_or_else(|| panic!("no file for {code}"));
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("public/fonts").join(file);
            assert!(path.metadata().is_ok_and(|m| m.len() > 10_000), "{} is missing", path.display());
        }
    }

    #[test]
    fn every_theme_and_button_style_renders() {
        for preset in crate::modules::bio::types::THEMES {
            let mut d = typical();
            d.theme = theme_preset(preset.code).unwrap();
            let html = render_page(&d, &ctx());
            assert!(html.contains("--r:") && html.contains(".btn{"), "{}", preset.code);
        }
        let soft = theme_css(&Theme { button_style: crate::modules::bio::types::ButtonStyle::Soft, ..theme_preset("sunset").unwrap() });
        assert!(soft.contains(".btn{background:rgba(255,255,255,.2);color:var(--tx)}"), "{soft}");
        assert!(soft.contains("linear-gradient(160deg,var(--bg),var(--bg2))"));
        assert!(theme_css(&theme_preset("candy").unwrap()).contains("box-shadow:4px 4px 0 var(--tx)"));
        // The theme's button rules come after the shared ones (same specificity), or the
        // outline style would lose its border to the shared transparent one.
        let mut d = doc(vec![]);
        d.theme = theme_preset("mono").unwrap();
        let html = render_page(&d, &ctx());
        let shared = html.find(".btn{position:relative").unwrap();
        assert!(html.find(".btn{background:transparent;color:var(--bt);border-color:var(--bt)}").is_some_and(|i| i > shared));
    }

    #[test]
    fn the_page_age_gate_needs_a_click_and_degrades_without_script() {
        let mut d = doc(vec![]);
        d.age_gate = Some(18);
        let html = render_page(&d, &ctx());
        assert!(html.contains(r#"<div class="gate" id="ag" role="dialog" aria-modal="true" aria-labelledby="ag-t" data-age="18">"#), "{html}");
        assert!(html.contains("I am 18 or older") && html.contains(r#"href="https://www.google.com""#));
        assert!(html.contains("<noscript><style>.gate{position:static}"));
        assert!(!render_page(&doc(vec![]), &ctx()).contains(r#"id="ag""#));
    }

    #[test]
    fn the_interstitial_links_on_and_back() {
        let html = age_gate_interstitial("", 21, "/l/abc?age_ok=1", &Theme::default());
        assert!(html.contains(r#"<meta name="robots" content="noindex">"#));
        assert!(html.contains(r#"href="/l/abc?age_ok=1""#) && html.contains("I am 21 or older — continue"));
        assert!(html.contains(r#"href="/""#) && !html.contains("<script"));
    }

    #[test]
    fn social_icons_have_labels_and_email_becomes_mailto() {
        let d = doc(vec![BlockView {
            socials: vec![
                SocialLink { network: "instagram".into(), url: "https://instagram.com/jane".into() },
                SocialLink { network: "email".into(), url: "jane@example.com".into() },
                SocialLink { network: "myspace".into(), url: "https://myspace.com/jane".into() },
                SocialLink { network: "x".into(), url: "javascript:alert(1)".into() },
            ],
            ..block(10, BlockKind::Social, "", None)
        }]);
        let html = render_page(&d, &ctx());
        assert!(html.contains(r#"<a href="https://instagram.com/jane" aria-label="Instagram""#), "{html}");
        assert!(html.contains(r#"<a href="mailto:jane@example.com" aria-label="Email""#), "{html}");
        assert!(!html.contains("myspace") && !html.contains("javascript:"));
    }

    #[test]
    fn twenty_links_stay_small() {
        let blocks = (0..20).map(|i| block(100 + i, BlockKind::Link, &format!("Link number {i}"), Some(&format!("https://example.com/page/{i}")))).collect();
        let html = render_page(&doc(blocks), &ctx());
        assert!(html.len() < 20_000, "{} bytes", html.len());
    }

    /// `cargo test --features ssr --lib bio::render::tests::write_typical_page -- --ignored --nocapture`
    /// writes a typical page to the temp dir, to measure (`brotli -q 11`) or open in a browser.
    #[test]
    #[ignore]
    fn write_typical_page() {
        let dir = std::env::temp_dir();
        let pages = [
            ("bio-typical.html", false, "midnight", false),
            ("bio-typical-sunset.html", false, "sunset", false),
            ("bio-preview.html", true, "candy", false),
            ("bio-gated.html", false, "paper", true),
        ];
        for (name, preview, theme, gated) in pages {
            let mut d = typical();
            d.theme = theme_preset(theme).unwrap();
            if gated {
                d.age_gate = Some(21);
                d.blocks.insert(1, BlockView { age_gate: Some(18), ..block(41, BlockKind::Link, "Gated", Some("https://gated.example.com")) });
            }
            let notice = (!gated).then_some("Thanks! You are on the list.");
            let html = render_page(&d, &RenderCtx { preview, notice, in_app_browser: gated, ..ctx() });
            std::fs::write(dir.join(name), &html).unwrap();
            println!("{name}: {} bytes", html.len());
        }
        let html = age_gate_interstitial("Jane", 18, "/l/x?age_ok=1", &theme_preset("neon").unwrap());
        std::fs::write(dir.join("bio-interstitial.html"), html).unwrap();
    }
}
