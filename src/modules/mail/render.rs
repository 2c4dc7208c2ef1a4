//! The email renderer: template blocks (or a campaign's own HTML) → responsive email HTML plus
//! a plain-text part, with merge tags and tracked links.
//!
//! Work is split in two so a campaign to many people renders once: [`prepare`] builds the whole
//! document (sanitised with ammonia, links replaced by numbered placeholders, merge tags left
//! in); [`Prepared::personalise`] then fills in one recipient's merge tags, tracked links and
//! unsubscribe address with plain string replacement.
use std::collections::HashSet;
use std::fmt::Write as _;

use super::types::Block;
use crate::shared::validate::parse_link_url;

/// Merge tags a template may use.
pub const MERGE_TAGS: [&str; 4] = ["first_name", "last_name", "full_name", "email"];
const MAX_BLOCKS: usize = 100;
const MAX_COLUMNS: usize = 3;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&")
}

/// Sanitises a campaign's own HTML: formatting, links, images and tables stay; scripts, styles,
/// event handlers, forms and `javascript:` URLs go. Links get `rel="noopener noreferrer"`.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default().clean(html).to_string()
}

/// Sanitises the rich text of a text block: bold, italic, underline, links and line breaks only.
pub fn sanitize_inline(html: &str) -> String {
    let tags: HashSet<&str> = ["b", "strong", "i", "em", "u", "a", "br", "p"].into_iter().collect();
    ammonia::Builder::default().tags(tags).clean(html).to_string()
}

/// One merge tag found in a text: its name and fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag<'a> {
    pub name: &'a str,
    pub fallback: &'a str,
}

/// Replaces every `{{name|fallback}}` in `text` with `value(name)`, or the fallback when the
/// value is empty. Inside HTML (`html`), values and fallbacks are escaped.
pub fn merge(text: &str, html: bool, value: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        out.push_str(&rest[..start]);
        let inner = &rest[start + 2..start + 2 + len];
        let tag = parse_tag(inner);
        let filled = value(tag.name).filter(|v| !v.trim().is_empty()).unwrap_or_else(|| tag.fallback.to_owned());
        // A fallback typed inside HTML arrives escaped already (`&amp;`): normalise first.
        let filled = if html { escape(&unescape(&filled)) } else { filled };
        out.push_str(&filled);
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

fn parse_tag(inner: &str) -> Tag<'_> {
    let (name, fallback) = inner.split_once('|').unwrap_or((inner, ""));
    Tag { name: name.trim(), fallback: fallback.trim() }
}

/// The merge tags a text uses, so a template naming an unknown one is refused when saved.
pub fn tags_in(text: &str) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        out.push(parse_tag(&rest[start + 2..start + 2 + len]));
        rest = &rest[start + 2 + len + 2..];
    }
    out
}

/// An error message for the first unknown merge tag in `text`.
pub fn check_tags(text: &str) -> Result<(), String> {
    match tags_in(text).into_iter().find(|t| !MERGE_TAGS.contains(&t.name)) {
        None => Ok(()),
        Some(t) => Err(format!("{{{{{}}}}} is not a merge tag; use {}.", t.name, MERGE_TAGS.map(|t| format!("{{{{{t}}}}}")).join(", "))),
    }
}

/// Checks blocks before they are stored: sizes, URLs, nesting and merge tags.
pub fn check_blocks(blocks: &[Block]) -> Result<(), String> {
    if blocks.len() > MAX_BLOCKS {
        return Err(format!("Use at most {MAX_BLOCKS} blocks."));
    }
    for (i, block) in blocks.iter().enumerate() {
        check_block(block, true).map_err(|e| format!("Block {}: {e}", i + 1))?;
    }
    Ok(())
}

fn check_block(block: &Block, top: bool) -> Result<(), String> {
    let url = |u: &str| parse_link_url(u).map(|_| ());
    match block {
        Block::Heading { text, level } => {
            if text.trim().is_empty() {
                return Err("A heading needs text.".into());
            }
            if level.is_some_and(|l| !(1..=3).contains(&l)) {
                return Err("A heading level is 1, 2 or 3.".into());
            }
            check_tags(text)
        }
        Block::Text { html } => check_tags(html),
        Block::Image { src, href, .. } => {
            url(src)?;
            href.as_deref().map_or(Ok(()), url)
        }
        Block::Button { label, href } => {
            if label.trim().is_empty() {
                return Err("A button needs a label.".into());
            }
            check_tags(label)?;
            url(href)
        }
        Block::Divider => Ok(()),
        Block::Columns { columns } => {
            if !top {
                return Err("Columns cannot be nested.".into());
            }
            if columns.is_empty() || columns.len() > MAX_COLUMNS {
                return Err(format!("Use 1 to {MAX_COLUMNS} columns."));
            }
            columns.iter().flatten().try_for_each(|b| check_block(b, false))
        }
    }
}

const FONT: &str = "font-family:Helvetica,Arial,sans-serif;color:#1f2937";

fn render_block(block: &Block, html: &mut String, text: &mut String) {
    match block {
        Block::Heading { text: t, level } => {
            let (tag, size) = match level.unwrap_or(1) {
                1 => ("h1", 26),
                2 => ("h2", 21),
                _ => ("h3", 18),
            };
            let _ = write!(html, r#"<{tag} style="margin:0 0 16px;{FONT};font-size:{size}px;line-height:1.3">{}</{tag}>"#, escape(t.trim()));
            text.push_str(t.trim());
            text.push_str("\n\n");
        }
        Block::Text { html: rich } => {
            let clean = sanitize_inline(rich);
            let _ = write!(html, r#"<div style="margin:0 0 16px;{FONT};font-size:16px;line-height:1.6">{clean}</div>"#);
            text.push_str(html_to_text(&clean).trim());
            text.push_str("\n\n");
        }
        Block::Image { src, alt, href } => {
            let src = parse_link_url(src).unwrap_or_default();
            let img = format!(
                r#"<img src="{}" alt="{}" width="560" style="display:block;max-width:100%;height:auto;border:0;margin:0 0 16px">"#,
                escape(&src),
                escape(alt)
            );
            match href.as_deref().and_then(|h| parse_link_url(h).ok()) {
                Some(link) => {
                    let _ = write!(html, r#"<a href="{}">{img}</a>"#, escape(&link));
                    let _ = write!(text, "{} ({link})\n\n", if alt.is_empty() { "Image" } else { alt });
                }
                None => {
                    html.push_str(&img);
                    if !alt.is_empty() {
                        let _ = write!(text, "{alt}\n\n");
                    }
                }
            }
        }
        Block::Button { label, href } => {
            let link = parse_link_url(href).unwrap_or_default();
            let _ = write!(
                html,
                r#"<table role="presentation" cellspacing="0" cellpadding="0" border="0" style="margin:0 0 16px"><tr><td style="border-radius:6px;background:#4f46e5"><a href="{}" style="display:inline-block;padding:12px 24px;{FONT};font-size:16px;color:#ffffff;text-decoration:none;font-weight:bold">{}</a></td></tr></table>"#,
                escape(&link),
                escape(label.trim())
            );
            let _ = write!(text, "{}: {link}\n\n", label.trim());
        }
        Block::Divider => {
            html.push_str(r#"<hr style="border:0;border-top:1px solid #e5e7eb;margin:24px 0">"#);
            text.push_str("----------\n\n");
        }
        Block::Columns { columns } => {
            let width = 100 / columns.len().max(1);
            html.push_str(r#"<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0"><tr>"#);
            for column in columns {
                let _ = write!(html, r#"<td class="col" width="{width}%" valign="top" style="padding:0 8px">"#);
                for b in column {
                    render_block(b, html, text);
                }
                html.push_str("</td>");
            }
            html.push_str("</tr></table>");
        }
    }
}

/// Blocks → (HTML fragment, plain text). Merge tags are left in for `Prepared::personalise`.
pub fn render_blocks(blocks: &[Block]) -> (String, String) {
    let (mut html, mut text) = (String::new(), String::new());
    for block in blocks {
        render_block(block, &mut html, &mut text);
    }
    (html, text.trim_end().to_owned())
}

/// Plain text of sanitised HTML: block ends become line breaks, links keep their address.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut href: Vec<Option<String>> = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&unescape(&rest[..lt]));
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        let closing = tag.starts_with('/');
        match (name.as_str(), closing) {
            ("br", _) => out.push('\n'),
            ("p" | "div" | "h1" | "h2" | "h3" | "h4" | "tr" | "li" | "table", true) => out.push('\n'),
            ("a", false) => href.push(attr(tag, "href")),
            ("a", true) => {
                if let Some(Some(link)) = href.pop()
                    && !out.ends_with(&link)
                {
                    let _ = write!(out, " ({link})");
                }
            }
            _ => {}
        }
    }
    out.push_str(&unescape(rest));
    // Collapse runs of blank lines.
    let mut text = String::new();
    for line in out.lines().map(str::trim_end) {
        if line.is_empty() && (text.is_empty() || text.ends_with("\n\n")) {
            continue;
        }
        text.push_str(line);
        text.push('\n');
    }
    text.trim().to_owned()
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

const LINK: &str = "%%MWZ_LINK_";
const UNSUBSCRIBE: &str = "%%MWZ_UNSUBSCRIBE%%";
const OPEN: &str = "%%MWZ_OPEN%%";

/// A campaign's email, rendered once and personalised per recipient.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub subject: String,
    html: String,
    text: String,
    /// The tracked links, by placeholder number.
    pub links: Vec<String>,
}

/// What one recipient's copy needs besides their merge values.
pub struct Personal<'a> {
    pub values: &'a dyn Fn(&str) -> Option<String>,
    /// The tracked address of link `i` (`/c/{token}`).
    pub link: &'a dyn Fn(usize) -> String,
    pub unsubscribe_url: &'a str,
    pub open_url: &'a str,
}

/// Builds the full document around `body` (already safe HTML): responsive layout, footer with
/// the sender and an unsubscribe link, open pixel; http(s) links become placeholders.
pub fn prepare(subject: &str, body_html: &str, body_text: &str, sender: &str) -> Prepared {
    let mut links = Vec::new();
    let body = placeholder_links(body_html, &mut links);
    let html = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title><style>@media (max-width:620px){{.col{{display:block!important;width:100%!important;padding:0!important}}.wrap{{padding:16px!important}}}}</style></head><body style="margin:0;padding:0;background:#f3f4f6"><table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 8px"><table role="presentation" width="600" cellspacing="0" cellpadding="0" border="0" style="width:100%;max-width:600px;background:#ffffff;border-radius:8px"><tr><td class="wrap" style="padding:32px;{FONT};font-size:16px;line-height:1.6">{body}</td></tr></table><p style="{FONT};font-size:12px;color:#6b7280;margin:16px 0">Sent by {sender}. <a href="{UNSUBSCRIBE}" style="color:#6b7280">Unsubscribe or change your preferences</a>.</p></td></tr></table><img src="{OPEN}" width="1" height="1" alt="" style="display:block;border:0"></body></html>"#,
        title = escape(subject),
        sender = escape(sender),
    );
    let text = format!("{}\n\n--\nSent by {sender}. Unsubscribe: {UNSUBSCRIBE}\n", body_text.trim_end());
    Prepared { subject: subject.to_owned(), html, text, links }
}

/// Replaces the `href` of every http(s) link with a numbered placeholder, collecting the URLs.
fn placeholder_links(html: &str, links: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    const KEY: &str = "href=\"";
    while let Some(at) = rest.find(KEY) {
        let start = at + KEY.len();
        let Some(len) = rest[start..].find('"') else { break };
        let raw = &rest[start..start + len];
        let url = unescape(raw);
        out.push_str(&rest[..start]);
        let lower = url.to_ascii_lowercase();
        if (lower.starts_with("http://") || lower.starts_with("https://")) && !url.contains("{{") {
            let _ = write!(out, "{LINK}{}%%", links.len());
            links.push(url);
        } else {
            out.push_str(raw);
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

impl Prepared {
    /// (subject, html, text) for one recipient.
    pub fn personalise(&self, p: &Personal<'_>) -> (String, String, String) {
        let subject = merge(&self.subject, false, p.values);
        let mut html = merge(&self.html, true, p.values).replace(UNSUBSCRIBE, &escape(p.unsubscribe_url)).replace(OPEN, &escape(p.open_url));
        let text = merge(&self.text, false, p.values).replace(UNSUBSCRIBE, p.unsubscribe_url);
        // Highest number first, so `…_1%%` never eats the start of `…_10%%`.
        for i in (0..self.links.len()).rev() {
            html = html.replace(&format!("{LINK}{i}%%"), &escape(&(p.link)(i)));
        }
        (subject, html, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada(name: &str) -> Option<String> {
        match name {
            "first_name" => Some("Ada".into()),
            "email" => Some("ada@example.com".into()),
            "last_name" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn merge_tags_take_the_value_or_the_fallback_after_the_bar() {
        assert_eq!(merge("Hi {{first_name|there}}!", false, &ada), "Hi Ada!");
        assert_eq!(merge("Hi {{ last_name | friend }}!", false, &ada), "Hi friend!");
        assert_eq!(merge("Hi {{full_name}}.", false, &ada), "Hi .");
        assert_eq!(merge("no tags {{ unclosed", false, &ada), "no tags {{ unclosed");
    }

    #[test]
    fn merge_values_are_escaped_inside_html_but_not_in_text() {
        let evil = |_: &str| Some("<script>&".to_owned());
        assert_eq!(merge("<p>{{first_name}}</p>", true, &evil), "<p>&lt;script&gt;&amp;</p>");
        assert_eq!(merge("{{first_name}}", false, &evil), "<script>&");
        assert_eq!(merge("{{last_name|Tom &amp; Jerry}}", true, &|_| None), "Tom &amp; Jerry");
    }

    #[test]
    fn unknown_merge_tags_are_refused_with_the_list_of_known_ones() {
        assert!(check_tags("Hi {{first_name|there}} {{email}}").is_ok());
        let err = check_tags("Hi {{nickname}}").unwrap_err();
        assert!(err.contains("{{nickname}} is not a merge tag") && err.contains("{{first_name}}"), "{err}");
    }

    #[test]
    fn the_sanitiser_removes_scripts_handlers_and_javascript_links() {
        let dirty = r#"<p onclick="x()">Hi <b>there</b><script>alert(1)</script><a href="javascript:alert(1)">x</a><a href="https://ok.example/">ok</a><img src="https://i.example/a.png"></p>"#;
        let clean = sanitize(dirty);
        assert!(!clean.contains("script") && !clean.contains("onclick") && !clean.contains("javascript"), "{clean}");
        assert!(clean.contains("<b>there</b>") && clean.contains(r#"href="https://ok.example/""#) && clean.contains("<img"), "{clean}");
        let inline = sanitize_inline(r#"<h1>Big</h1><i>it</i><img src="https://i.example/a.png"><a href="https://x.example">l</a>"#);
        assert!(!inline.contains("<h1>") && !inline.contains("<img") && inline.contains("<i>it</i>") && inline.contains("<a href"), "{inline}");
    }

    #[test]
    fn blocks_render_to_html_and_text_with_columns_and_escaped_content() {
        let blocks = vec![
            Block::Heading { text: "Hello {{first_name|there}} <3".into(), level: Some(2) },
            Block::Text { html: r#"Read <b>this</b> <a href="https://a.example/x?y=1&amp;z=2">now</a><script>bad()</script>"#.into() },
            Block::Divider,
            Block::Columns { columns: vec![vec![Block::Image { src: "https://i.example/a.png".into(), alt: "Cat".into(), href: None }], vec![Block::Button { label: "Buy".into(), href: "https://shop.example".into() }]] },
        ];
        assert!(check_blocks(&blocks).is_ok());
        let (html, text) = render_blocks(&blocks);
        assert!(html.contains("<h2") && html.contains("Hello {{first_name|there}} &lt;3"), "{html}");
        assert!(html.contains("<b>this</b>") && !html.contains("script"), "{html}");
        assert!(html.contains(r#"class="col" width="50%""#) && html.contains(r#"href="https://shop.example""#), "{html}");
        assert!(text.contains("Hello {{first_name|there}} <3") && text.contains("Read this now (https://a.example/x?y=1&z=2)") && text.contains("Buy: https://shop.example"), "{text}");
    }

    #[test]
    fn bad_blocks_are_refused_with_their_position() {
        let nested = Block::Columns { columns: vec![vec![Block::Columns { columns: vec![] }]] };
        assert!(check_blocks(&[nested]).unwrap_err().contains("nested"));
        let bad = Block::Button { label: "Go".into(), href: "javascript:alert(1)".into() };
        assert!(check_blocks(&[Block::Divider, bad]).unwrap_err().starts_with("Block 2:"));
        assert!(check_blocks(&[Block::Heading { text: " ".into(), level: None }]).is_err());
    }

    #[test]
    fn a_prepared_email_is_personalised_with_tracked_links_and_the_unsubscribe_address() {
        let body = r#"<p>Hi {{first_name|there}}, see <a href="https://a.example/1">one</a> and <a href="mailto:x@example.com">mail</a></p>"#;
        let prepared = prepare("News for {{first_name|you}}", body, "Hi {{first_name|there}}", "Jane <jane@example.com>");
        assert_eq!(prepared.links, ["https://a.example/1"]);
        let values = |n: &str| (n == "first_name").then(|| "Ada & Co".to_owned());
        let link = |i: usize| format!("https://t.example/c/{i}?a=1&b=2");
        let (subject, html, text) =
            prepared.personalise(&Personal { values: &values, link: &link, unsubscribe_url: "https://t.example/u/tok", open_url: "https://t.example/o/tok" });
        assert_eq!(subject, "News for Ada & Co");
        assert!(html.contains("Hi Ada &amp; Co") && html.contains(r#"href="https://t.example/c/0?a=1&amp;b=2""#), "{html}");
        assert!(html.contains(r#"href="mailto:x@example.com""#) && html.contains("https://t.example/u/tok") && html.contains(r#"src="https://t.example/o/tok""#));
        assert!(html.contains("Jane &lt;jane@example.com&gt;") && !html.contains("%%MWZ"));
        assert!(text.starts_with("Hi Ada & Co") && text.contains("Unsubscribe: https://t.example/u/tok"), "{text}");
    }

    #[test]
    fn html_becomes_readable_text() {
        let text = html_to_text("<h1>Title</h1><p>One &amp; two<br>three</p><p><a href=\"https://x.example/\">site</a></p>");
        assert_eq!(text, "Title\nOne & two\nthree\nsite (https://x.example/)");
    }
}
