//! The editor's state and its autosave. Every control writes its own signal and marks its field
//! as changed; a moment after the last change the changed fields are read, checked with the
//! same parsers the server uses, and sent as one PATCH. A refused field keeps what the user
//! typed and shows the server's message under it, while the other fields of that request are
//! sent again, so one bad value never holds back the rest.
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::modules::bio::server_fns::{
    create_bio_block, publish_bio_page, reorder_bio_blocks, unpublish_bio_page, update_bio_block, update_bio_page,
};
use crate::modules::bio::types::{
    AGE_GATES, BlockInput, BlockKind, BlockView, PageInput, PageView, SocialLink, Theme, check_theme, embed_src,
    network_label, parse_handle, parse_link_url, parse_text,
};
use crate::shared::error::AppError;
use crate::shared::ui::{ToastKind, Toasts};

/// How long after the last keystroke an edit is sent.
const DEBOUNCE: Duration = Duration::from_millis(600);
/// A new order waits this long, so a few quick moves make one request.
const ORDER_DELAY: Duration = Duration::from_millis(300);
/// How soon to try again when another structural change (add, delete, reorder) is under way.
const RETRY_SOON: Duration = Duration::from_millis(250);

// ---- patches

/// A PATCH body built from changed fields; newer values replace older ones.
pub trait Patch: Default {
    fn merge(&mut self, newer: Self);
    fn is_empty(&self) -> bool;
}

macro_rules! patch {
    ($ty:ty: $($f:ident),+) => {
        impl Patch for $ty {
            fn merge(&mut self, newer: Self) {
                $(if newer.$f.is_some() { self.$f = newer.$f; })+
            }
            fn is_empty(&self) -> bool {
                $(self.$f.is_none())&&+
            }
        }
    };
}

patch!(PageInput: handle, title, bio, avatar_url, seo_title, seo_description, og_image_url, age_gate, theme);
patch!(BlockInput: kind, title, url, enabled, starts_at, ends_at, age_gate, body, thumbnail_url, icon, image_url, socials, button_label, height, position);

/// `socials.2.url` → `socials`: the field a message belongs to.
fn root(field: &str) -> &str {
    field.split('.').next().unwrap_or(field)
}

/// A field that cannot be sent as it is: the message's key (`theme.bg_color`) and the message.
type Refusal = (String, String);

fn refuse(field: &str, message: impl Into<String>) -> Refusal {
    (field.to_owned(), message.into())
}

// ---- autosave of one page or block

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Idle,
    /// Changed; the countdown to sending runs.
    Waiting,
    Sending,
}

/// The save bookkeeping of one page or block: which fields changed, the countdown, what the
/// server refused, and whether a request is on its way (one at a time, so answers keep order).
#[derive(Clone, Copy)]
pub struct Saver {
    dirty: StoredValue<Vec<String>>,
    /// Fields whose last request failed, sent again by "Retry".
    failed: StoredValue<Vec<String>>,
    timer: StoredValue<Option<TimeoutHandle>>,
    pub phase: RwSignal<Phase>,
    /// Field messages, from the browser's checks and the server's answers.
    errors: RwSignal<Vec<(String, String)>>,
    /// A failure that is no field's fault (the network, the server).
    failure: RwSignal<Option<String>>,
}

impl Saver {
    fn new() -> Self {
        Self {
            dirty: StoredValue::new(Vec::new()),
            failed: StoredValue::new(Vec::new()),
            timer: StoredValue::new(None),
            phase: RwSignal::new(Phase::Idle),
            errors: RwSignal::new(Vec::new()),
            failure: RwSignal::new(None),
        }
    }

    /// Marks fields as changed: their messages go, and the countdown starts again.
    fn touch(self, fields: &[&str], flush: impl FnOnce() + 'static) {
        self.errors.update(|e| e.retain(|(f, _)| !fields.contains(&root(f))));
        self.dirty.update_value(|d| {
            for f in fields {
                if !d.iter().any(|x| x == f) {
                    d.push((*f).to_owned());
                }
            }
        });
        self.schedule(DEBOUNCE, flush);
    }

    fn schedule(self, after: Duration, flush: impl FnOnce() + 'static) {
        self.cancel();
        let timer = self.timer;
        let handle = set_timeout_with_handle(
            move || {
                timer.set_value(None);
                flush();
            },
            after,
        );
        self.timer.set_value(handle.ok());
        if self.phase.get_untracked() != Phase::Sending {
            self.phase.set(Phase::Waiting);
        }
    }

    fn cancel(self) {
        if let Some(handle) = self.timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    }

    /// The changed fields to send now, unless a request is on its way (its answer sends them).
    fn begin(self) -> Option<Vec<String>> {
        if self.phase.get_untracked() == Phase::Sending {
            return None;
        }
        self.cancel();
        let fields = self.take_dirty();
        if fields.is_empty() {
            self.phase.set(Phase::Idle);
            return None;
        }
        Some(fields)
    }

    fn take_dirty(self) -> Vec<String> {
        self.dirty.try_update_value(std::mem::take).unwrap_or_default()
    }

    /// Shows a message under a field at once (checks that need no server).
    pub fn note(self, field: &str, message: String) {
        self.show((field.to_owned(), message));
    }

    fn show(self, (field, message): Refusal) {
        self.errors.update(|e| {
            e.retain(|(f, _)| *f != field);
            e.push((field, message));
        });
    }

    /// Nothing was sent: back to waiting (if the countdown runs) or idle.
    fn settle(self) {
        let waiting = self.timer.with_value(Option::is_some);
        self.phase.set(if waiting { Phase::Waiting } else { Phase::Idle });
    }

    /// Records the answer to a request that sent `sent`. On a refusal the refused fields keep
    /// their messages and the others are queued again (`requeue`). Returns whether changes wait
    /// to be sent now.
    fn finish(self, sent: Vec<String>, result: Result<(), AppError>, requeue: bool) -> bool {
        match result {
            Ok(()) => {
                self.errors.update(|e| e.retain(|(f, _)| !sent.iter().any(|s| s.as_str() == root(f))));
                self.failed.update_value(|f| f.retain(|x| !sent.contains(x)));
                self.failure.set(None);
            }
            Err(AppError::Validation { errors }) => {
                let named: Vec<String> = errors.iter().map(|e| root(&e.field).to_owned()).filter(|f| sent.contains(f)).collect();
                // A message about a field that was not sent refuses the whole request.
                let (refused, rest): (Vec<String>, Vec<String>) =
                    if named.is_empty() { (sent, Vec::new()) } else { sent.into_iter().partition(|f| named.contains(f)) };
                self.errors.update(|e| {
                    for fe in errors {
                        e.retain(|(f, _)| *f != fe.field);
                        e.push((fe.field, fe.message));
                    }
                });
                self.failed.update_value(|f| f.extend(refused.into_iter().filter(|r| !f.contains(r)).collect::<Vec<_>>()));
                self.failure.set(None);
                if requeue {
                    self.dirty.update_value(|d| d.extend(rest.into_iter().filter(|r| !d.contains(r)).collect::<Vec<_>>()));
                }
            }
            Err(err) => {
                self.failure.set(Some(err.to_string()));
                self.failed.update_value(|f| f.extend(sent.into_iter().filter(|s| !f.contains(s)).collect::<Vec<_>>()));
            }
        }
        self.settle();
        self.timer.with_value(Option::is_none) && self.dirty.with_value(|d| !d.is_empty())
    }

    /// Queues the failed fields again; whether there is anything to send.
    fn retry(self) -> bool {
        let failed = self.failed.try_update_value(std::mem::take).unwrap_or_default();
        self.failure.set(None);
        self.dirty.update_value(|d| d.extend(failed.into_iter().filter(|f| !d.contains(f)).collect::<Vec<_>>()));
        self.dirty.with_value(|d| !d.is_empty())
    }

    /// Forgets what waits (the page or block is going away).
    fn discard(self) {
        self.cancel();
        self.dirty.set_value(Vec::new());
    }

    pub fn busy(self) -> bool {
        self.phase.get() != Phase::Idle
    }

    /// What keeps this from being saved, if anything.
    pub fn problem(self) -> Option<String> {
        self.failure.get().or_else(|| self.errors.with(|e| e.first().map(|(_, m)| m.clone())))
    }

    /// The message under a field.
    pub fn error(self, field: impl Into<String>) -> Signal<Option<String>> {
        let field = field.into();
        let errors = self.errors;
        Signal::derive(move || errors.with(|e| e.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone())))
    }

    /// The first message of a field's parts that `exclude` does not claim (a list's own line).
    pub fn error_under(self, prefix: &'static str, exclude: &'static str) -> Signal<Option<String>> {
        let errors = self.errors;
        Signal::derive(move || {
            errors.with(|e| e.iter().find(|(f, _)| root(f) == prefix && !f.starts_with(exclude)).map(|(_, m)| m.clone()))
        })
    }
}

// ---- the page's fields

#[derive(Clone, Copy)]
pub struct PageFields {
    pub handle: RwSignal<String>,
    pub title: RwSignal<String>,
    pub bio: RwSignal<String>,
    pub avatar_url: RwSignal<Option<String>>,
    pub seo_title: RwSignal<String>,
    pub seo_description: RwSignal<String>,
    pub og_image_url: RwSignal<Option<String>>,
    /// `""` (none), `"18"`, `"21"` or `"25"`.
    pub age_gate: RwSignal<String>,
    pub theme: RwSignal<Theme>,
}

fn age_text(age: Option<u8>) -> String {
    age.map(|a| a.to_string()).unwrap_or_default()
}

fn parse_age(raw: &str) -> Result<Option<u8>, String> {
    match raw {
        "" => Ok(None),
        a => a.parse().ok().filter(|a| AGE_GATES.contains(a)).map(Some).ok_or_else(|| "Choose 18, 21 or 25.".to_owned()),
    }
}

/// An optional text of at most `max` characters; empty clears it.
fn optional(raw: &str, max: usize) -> Result<Option<String>, String> {
    parse_text(raw, max, "").map(|t| (!t.is_empty()).then_some(t))
}

// ---- blocks

/// One social icon of a social block.
#[derive(Clone, Copy)]
pub struct Social {
    pub key: u64,
    pub network: RwSignal<String>,
    pub url: RwSignal<String>,
}

/// One block in the editor. `id` is `None` until the server has it: links, embeds and images
/// are only created once their required fields are filled in (the server refuses them empty).
#[derive(Clone, Copy)]
pub struct Row {
    /// Stable for the editor's lifetime (the list's key), unlike `id`.
    pub key: u64,
    pub kind: BlockKind,
    pub id: RwSignal<Option<Uuid>>,
    pub title: RwSignal<String>,
    pub url: RwSignal<String>,
    pub enabled: RwSignal<bool>,
    /// `datetime-local` values, in the browser's time zone.
    pub starts_at: RwSignal<String>,
    pub ends_at: RwSignal<String>,
    pub age_gate: RwSignal<String>,
    pub body: RwSignal<String>,
    pub icon: RwSignal<String>,
    pub button_label: RwSignal<String>,
    pub thumbnail_url: RwSignal<Option<String>>,
    pub image_url: RwSignal<Option<String>>,
    pub socials: RwSignal<Vec<Social>>,
    pub height: RwSignal<u16>,
    pub save: Saver,
}

/// Kinds the server refuses without input: the editor keeps them local until they are filled.
pub fn needs_input(kind: BlockKind) -> bool {
    matches!(kind, BlockKind::Link | BlockKind::Embed | BlockKind::Image)
}

/// The fields a block of this kind is created with.
fn fields_of(kind: BlockKind) -> &'static [&'static str] {
    match kind {
        BlockKind::Link => &["title", "url", "icon", "thumbnail_url", "age_gate", "enabled", "starts_at", "ends_at"],
        BlockKind::Heading => &["title", "enabled", "starts_at", "ends_at"],
        BlockKind::Text => &["body", "enabled", "starts_at", "ends_at"],
        BlockKind::Social => &["socials", "enabled", "starts_at", "ends_at"],
        BlockKind::Image => &["image_url", "title", "url", "enabled", "starts_at", "ends_at"],
        BlockKind::Embed => &["url", "title", "enabled", "starts_at", "ends_at"],
        BlockKind::Email => &["title", "body", "button_label", "enabled", "starts_at", "ends_at"],
        BlockKind::Divider | BlockKind::Spacer => &["height", "enabled", "starts_at", "ends_at"],
    }
}

/// A schedule bound for the API: RFC 3339 UTC from the browser's local time, or clear.
fn schedule_value(local: &str) -> Result<Option<String>, String> {
    if local.trim().is_empty() {
        return Ok(None);
    }
    crate::modules::workspaces::ui::local_to_utc(local).map(Some).ok_or_else(|| "Enter a date and a time.".to_owned())
}

/// An RFC 3339 time from the API as a `datetime-local` value in the browser's time zone. The
/// server render (no time zone to use) keeps the UTC value: only whether it is empty shows.
fn schedule_input(at: Option<&str>) -> String {
    let Some(at) = at else { return String::new() };
    #[cfg(feature = "hydrate")]
    if let Some(local) = super::browser::local_input(at) {
        return local;
    }
    at.chars().take(16).collect()
}

impl Row {
    fn new(ed: Ed, kind: BlockKind) -> Self {
        let (title, body, height) = match kind {
            // What the server gives these kinds, so creating one at once shows what it saved.
            BlockKind::Heading => ("New section", "", 24),
            BlockKind::Email => ("Join my newsletter", "", 24),
            BlockKind::Text => ("", "Say something about yourself.", 24),
            _ => ("", "", 24),
        };
        Self::build(ed, kind, None, title, body, height)
    }

    fn from_view(ed: Ed, b: &BlockView) -> Self {
        let row = Self::build(ed, b.kind, Some(b.id), &b.title, b.body.as_deref().unwrap_or_default(), b.height.unwrap_or(24));
        row.url.set(b.url.clone().unwrap_or_default());
        row.enabled.set(b.enabled);
        row.starts_at.set(schedule_input(b.starts_at.as_deref()));
        row.ends_at.set(schedule_input(b.ends_at.as_deref()));
        row.age_gate.set(age_text(b.age_gate));
        row.icon.set(b.icon.clone().unwrap_or_default());
        row.button_label.set(b.button_label.clone().unwrap_or_default());
        row.thumbnail_url.set(b.thumbnail_url.clone());
        row.image_url.set(b.image_url.clone());
        row.socials.set(b.socials.iter().map(|s| ed.new_social(&s.network, &s.url)).collect());
        row
    }

    fn build(ed: Ed, kind: BlockKind, id: Option<Uuid>, title: &str, body: &str, height: u16) -> Self {
        Self {
            key: ed.next_key(),
            kind,
            id: RwSignal::new(id),
            title: RwSignal::new(title.to_owned()),
            url: RwSignal::new(String::new()),
            enabled: RwSignal::new(true),
            starts_at: RwSignal::new(String::new()),
            ends_at: RwSignal::new(String::new()),
            age_gate: RwSignal::new(String::new()),
            body: RwSignal::new(body.to_owned()),
            icon: RwSignal::new(String::new()),
            button_label: RwSignal::new(String::new()),
            thumbnail_url: RwSignal::new(None),
            image_url: RwSignal::new(None),
            socials: RwSignal::new(Vec::new()),
            height: RwSignal::new(height),
            save: Saver::new(),
        }
    }

    /// What names the block: its title, else its kind ("Drag to reorder …").
    pub fn name(self) -> String {
        let title = self.title.with(|t| t.trim().to_owned());
        if title.is_empty() { self.kind.label().to_owned() } else { title }
    }

    /// The second line of a collapsed row.
    pub fn summary(self) -> String {
        match self.kind {
            BlockKind::Link | BlockKind::Embed | BlockKind::Image => self.url.get(),
            BlockKind::Text => self.body.with(|b| b.chars().take(90).collect()),
            BlockKind::Social => match self.socials.with(Vec::len) {
                0 => "No icons yet".into(),
                1 => "1 icon".into(),
                n => format!("{n} icons"),
            },
            BlockKind::Spacer => format!("{} px", self.height.get()),
            BlockKind::Heading | BlockKind::Email | BlockKind::Divider => String::new(),
        }
    }

    /// One field as a PATCH, checked as the server checks it.
    fn field(self, field: &str) -> Result<BlockInput, Refusal> {
        let kind = self.kind;
        let mut input = BlockInput::default();
        match field {
            "title" => {
                let required = matches!(kind, BlockKind::Link | BlockKind::Heading);
                let empty = if required { "Enter the text people see." } else { "" };
                input.title = Some(self.title.with_untracked(|t| parse_text(t, 200, empty)).map_err(|m| refuse(field, m))?);
            }
            "url" => {
                let url = self.url.get_untracked();
                let url = url.trim();
                input.url = Some(match kind {
                    BlockKind::Link => Some(parse_link_url(url).map_err(|m| refuse(field, m))?),
                    BlockKind::Embed => {
                        embed_src(url).map_err(|m| refuse(field, m))?;
                        Some(url.to_owned())
                    }
                    _ if url.is_empty() => None,
                    _ => Some(parse_link_url(url).map_err(|m| refuse(field, m))?),
                });
            }
            "body" => {
                let body = self.body.get_untracked();
                if kind == BlockKind::Text && body.trim().is_empty() {
                    return Err(refuse(field, "Write the text."));
                }
                input.body = Some(optional(&body, 2000).map_err(|m| refuse(field, m))?);
            }
            "button_label" => input.button_label = Some(self.button_label.with_untracked(|l| optional(l, 40)).map_err(|m| refuse(field, m))?),
            "enabled" => input.enabled = Some(self.enabled.get_untracked()),
            "starts_at" => input.starts_at = Some(self.starts_at.with_untracked(|s| schedule_value(s)).map_err(|m| refuse(field, m))?),
            "ends_at" => {
                let ends = self.ends_at.with_untracked(|s| schedule_value(s)).map_err(|m| refuse(field, m))?;
                let starts = self.starts_at.with_untracked(|s| schedule_value(s)).ok().flatten();
                // Both are `toISOString` values, so they compare as text.
                if let (Some(s), Some(e)) = (&starts, &ends)
                    && e <= s
                {
                    return Err(refuse(field, "The end must be after the start."));
                }
                input.ends_at = Some(ends);
            }
            "age_gate" => input.age_gate = Some(self.age_gate.with_untracked(|a| parse_age(a)).map_err(|m| refuse(field, m))?),
            "icon" => input.icon = Some(self.icon.with_untracked(|i| (!i.is_empty()).then(|| i.clone()))),
            "thumbnail_url" => input.thumbnail_url = Some(self.thumbnail_url.get_untracked()),
            "image_url" => {
                let url = self.image_url.get_untracked();
                if kind == BlockKind::Image && url.is_none() {
                    return Err(refuse(field, "Upload an image."));
                }
                input.image_url = Some(url);
            }
            "socials" => {
                let mut links = Vec::new();
                for s in self.socials.get_untracked() {
                    let (network, url) = (s.network.get_untracked(), s.url.get_untracked());
                    let url = url.trim();
                    if url.is_empty() {
                        continue;
                    }
                    // The server adds `mailto:` to a bare address for the email icon, and so do we.
                    let url = if network == "email" && !url.to_ascii_lowercase().starts_with("mailto:") { format!("mailto:{url}") } else { url.to_owned() };
                    let key = format!("socials.k{}", s.key);
                    if network_label(&network).is_none() {
                        return Err(refuse(&key, "Choose a network from the list."));
                    }
                    let url = parse_link_url(&url).map_err(|m| refuse(&key, m))?;
                    links.push(SocialLink { network, url });
                }
                input.socials = Some(links);
            }
            "height" if kind == BlockKind::Spacer => input.height = Some(Some(self.height.get_untracked().clamp(8, 160))),
            _ => {}
        }
        Ok(input)
    }
}

// ---- dragging

/// A row being dragged: where it started, where it would land, and how far it moved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Drag {
    pub key: u64,
    pub pointer: i32,
    pub from: usize,
    pub to: usize,
    /// How far the row follows the pointer, in pixels.
    pub dy: f64,
    /// How far the rows it passes move aside: its height and the gap under it.
    pub shift: f64,
    pub start_y: f64,
    pub start_scroll: f64,
    /// The rows are measured on the first move, once an expanded row being dragged has closed.
    pub measured: bool,
}

/// Where a dragged row lands for a pointer at `y` (in the coordinates of `rects`, the rows'
/// tops and bottoms when the drag started): the row under the pointer gives up its place;
/// above the first or below the last row means first or last; in a gap, nothing changes.
pub fn drop_index(rects: &[(f64, f64)], y: f64, current: usize) -> usize {
    let (Some(first), Some(last)) = (rects.first(), rects.last()) else { return current };
    if y < first.0 {
        return 0;
    }
    if y > last.1 {
        return rects.len() - 1;
    }
    rects.iter().position(|(top, bottom)| *top <= y && y <= *bottom).unwrap_or(current)
}

/// How far the row at `index` moves aside while `d` is dragged over it.
pub fn row_offset(d: &Drag, index: usize) -> f64 {
    if d.from < d.to && index > d.from && index <= d.to {
        -d.shift
    } else if d.to < d.from && index >= d.to && index < d.from {
        d.shift
    } else {
        0.0
    }
}

// ---- the editor

#[derive(Clone, Copy)]
pub struct OrderSave {
    /// The block ids in the order the server has them.
    saved: StoredValue<Vec<Uuid>>,
    timer: StoredValue<Option<TimeoutHandle>>,
    phase: RwSignal<Phase>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Saved,
    Saving,
    Failed(String),
}

/// Everything the editor's parts share. Created once per opened page; every signal belongs to
/// the editor, so switching tabs loses nothing and saves carry on in the background.
#[derive(Clone, Copy)]
pub struct Ed {
    pub slug: StoredValue<String>,
    pub id: Uuid,
    pub can_write: bool,
    pub can_delete: bool,
    /// The server's last word on the page (status, handle, public address).
    pub page: RwSignal<PageView>,
    pub f: PageFields,
    pub page_save: Saver,
    pub rows: RwSignal<Vec<Row>>,
    /// The one expanded block.
    pub open: RwSignal<Option<u64>>,
    order: OrderSave,
    /// Blocks being created or deleted: positions are only right one change at a time.
    ops: RwSignal<u32>,
    /// Bumped after each save so the preview frame reloads.
    pub preview: RwSignal<u32>,
    pub publish_wanted: RwSignal<bool>,
    pub publishing: RwSignal<bool>,
    pub deleting: RwSignal<bool>,
    /// Read out by screen readers after a move.
    pub announce: RwSignal<String>,
    pub drag: RwSignal<Option<Drag>>,
    pub rects: StoredValue<Vec<(f64, f64)>>,
    pub list: NodeRef<leptos::html::Ul>,
    next_key: StoredValue<u64>,
    owner: StoredValue<Owner>,
    pub toasts: Toasts,
}

impl Ed {
    pub fn new(mut page: PageView, slug: String, can_write: bool, can_delete: bool, toasts: Toasts) -> Self {
        let blocks = page.blocks.take().unwrap_or_default();
        let f = PageFields {
            handle: RwSignal::new(page.handle.clone()),
            title: RwSignal::new(page.title.clone()),
            bio: RwSignal::new(page.bio.clone()),
            avatar_url: RwSignal::new(page.avatar_url.clone()),
            seo_title: RwSignal::new(page.seo_title.clone().unwrap_or_default()),
            seo_description: RwSignal::new(page.seo_description.clone().unwrap_or_default()),
            og_image_url: RwSignal::new(page.og_image_url.clone()),
            age_gate: RwSignal::new(age_text(page.age_gate)),
            theme: RwSignal::new(page.theme.clone()),
        };
        let ed = Self {
            slug: StoredValue::new(slug),
            id: page.id,
            can_write,
            can_delete,
            page: RwSignal::new(page),
            f,
            page_save: Saver::new(),
            rows: RwSignal::new(Vec::new()),
            open: RwSignal::new(None),
            order: OrderSave {
                saved: StoredValue::new(blocks.iter().map(|b| b.id).collect()),
                timer: StoredValue::new(None),
                phase: RwSignal::new(Phase::Idle),
            },
            ops: RwSignal::new(0),
            preview: RwSignal::new(0),
            publish_wanted: RwSignal::new(false),
            publishing: RwSignal::new(false),
            deleting: RwSignal::new(false),
            announce: RwSignal::new(String::new()),
            drag: RwSignal::new(None),
            rects: StoredValue::new(Vec::new()),
            list: NodeRef::new(),
            next_key: StoredValue::new(1),
            owner: StoredValue::new(Owner::current().expect("the editor is built inside a component")),
            toasts,
        };
        ed.rows.set(blocks.iter().map(|b| Row::from_view(ed, b)).collect());
        ed
    }

    /// Whether the editor was closed (an answer arriving later must not touch its signals).
    pub fn gone(self) -> bool {
        self.rows.is_disposed()
    }

    fn next_key(self) -> u64 {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        key
    }

    /// Signals made in event handlers belong to the editor, like the ones made at load.
    fn owned<T>(self, make: impl FnOnce() -> T) -> T {
        self.owner.get_value().with(make)
    }

    pub fn new_social(self, network: &str, url: &str) -> Social {
        let (network, url) = (network.to_owned(), url.to_owned());
        self.owned(|| Social { key: self.next_key(), network: RwSignal::new(network), url: RwSignal::new(url) })
    }

    pub fn row(self, key: u64) -> Option<Row> {
        self.rows.with_untracked(|rows| rows.iter().find(|r| r.key == key).copied())
    }

    pub fn index_of(self, key: u64) -> Option<usize> {
        self.rows.with(|rows| rows.iter().position(|r| r.key == key))
    }

    pub fn published(self) -> bool {
        self.page.with(|p| p.status == "published")
    }

    // ---- edits

    pub fn touch_page(self, field: &'static str) {
        self.page_save.touch(&[field], move || flush_page(self));
    }

    pub fn touch_block(self, row: Row, fields: &[&str]) {
        row.save.touch(fields, move || flush_block(self, row));
    }

    /// Changes the theme; any change but picking a preset makes it a custom theme.
    pub fn edit_theme(self, change: impl FnOnce(&mut Theme)) {
        self.f.theme.update(|t| {
            change(t);
            t.preset = "custom".into();
        });
        self.touch_page("theme");
    }

    pub fn pick_preset(self, theme: Theme) {
        self.f.theme.set(theme);
        self.touch_page("theme");
    }

    /// One page field as a PATCH, checked as the server checks it.
    fn page_field(self, field: &str) -> Result<PageInput, Refusal> {
        let f = self.f;
        let mut input = PageInput::default();
        let err = |m: String| refuse(field, m);
        match field {
            "handle" => input.handle = Some(f.handle.with_untracked(|h| parse_handle(h)).map_err(err)?),
            "title" => {
                input.title = Some(f.title.with_untracked(|t| parse_text(t, 100, "Give the page a title, like your name or brand.")).map_err(err)?);
            }
            "bio" => input.bio = Some(f.bio.with_untracked(|b| parse_text(b, 500, "")).map_err(err)?),
            "seo_title" => input.seo_title = Some(f.seo_title.with_untracked(|t| optional(t, 70)).map_err(err)?),
            "seo_description" => input.seo_description = Some(f.seo_description.with_untracked(|t| optional(t, 200)).map_err(err)?),
            "avatar_url" => input.avatar_url = Some(f.avatar_url.get_untracked()),
            "og_image_url" => input.og_image_url = Some(f.og_image_url.get_untracked()),
            "age_gate" => input.age_gate = Some(f.age_gate.with_untracked(|a| parse_age(a)).map_err(err)?),
            "theme" => {
                let theme = f.theme.get_untracked();
                check_theme(&theme)?;
                input.theme = Some(theme);
            }
            _ => {}
        }
        Ok(input)
    }

    pub fn set_page(self, mut view: PageView) {
        view.blocks = None;
        self.page.set(view);
        self.preview.update(|v| *v += 1);
    }

    fn block_changed(self) {
        self.page.update(|p| p.has_unpublished_changes = true);
        self.preview.update(|v| *v += 1);
    }

    // ---- blocks

    /// Appends a block and opens it. Kinds that need input wait for it; the others are created now.
    pub fn add_block(self, kind: BlockKind) -> u64 {
        let row = self.owned(|| Row::new(self, kind));
        self.rows.update(|rows| rows.push(row));
        self.open.set(Some(row.key));
        if !needs_input(kind) {
            create_block(self, row, false);
        }
        row.key
    }

    /// Moves a block to `to`; the new order is saved a moment later.
    pub fn move_row(self, key: u64, to: usize) -> bool {
        let mut moved = None;
        self.rows.update(|rows| {
            let Some(from) = rows.iter().position(|r| r.key == key) else { return };
            let to = to.min(rows.len() - 1);
            if from != to {
                let row = rows.remove(from);
                rows.insert(to, row);
                moved = Some((to, rows.len()));
            }
        });
        let Some((to, len)) = moved else { return false };
        if let Some(row) = self.row(key) {
            self.announce.set(format!("{} moved to position {} of {len}.", row.name(), to + 1));
        }
        schedule_order(self, ORDER_DELAY);
        true
    }

    fn saved_ids(self) -> Vec<Uuid> {
        self.rows.with_untracked(|rows| rows.iter().filter_map(|r| r.id.get_untracked()).collect())
    }

    /// Puts the rows back in the order the server has (pending new blocks stay last).
    fn revert_order(self) {
        let saved = self.order.saved.get_value();
        self.rows.update(|rows| {
            rows.sort_by_key(|r| r.id.get_untracked().and_then(|id| saved.iter().position(|s| *s == id)).unwrap_or(usize::MAX));
        });
    }

    fn remove_row(self, key: u64) {
        self.rows.update(|rows| rows.retain(|r| r.key != key));
        if self.open.get_untracked() == Some(key) {
            self.open.set(None);
        }
    }

    /// Deletes a block; `done` runs when it is gone.
    pub fn delete_block(self, key: u64, done: impl FnOnce() + 'static) {
        let Some(row) = self.row(key) else { return done() };
        match row.id.get_untracked() {
            // Never created (and not being created right now): nothing to tell the server.
            None if row.save.phase.get_untracked() != Phase::Sending => {
                row.save.discard();
                self.remove_row(key);
                done();
            }
            None => self.toasts.show(ToastKind::Info, "This block is being saved. Try again in a moment."),
            Some(id) => {
                row.save.discard();
                self.ops.update(|n| *n += 1);
                self.deleting.set(true);
                let slug = self.slug.get_value();
                spawn_local(async move {
                    let result = crate::modules::bio::server_fns::delete_bio_block(slug, self.id, id).await;
                    if self.gone() {
                        return;
                    }
                    self.ops.update(|n| *n -= 1);
                    self.deleting.set(false);
                    match result {
                        // Already gone (deleted in another tab) is what was asked for.
                        Ok(()) | Err(AppError::NotFound) => {
                            self.remove_row(key);
                            self.order.saved.update_value(|ids| ids.retain(|i| *i != id));
                            self.block_changed();
                            self.toasts.show(ToastKind::Success, "Block deleted.");
                            done();
                        }
                        Err(err) => self.toasts.show(ToastKind::Error, err.to_string()),
                    }
                });
            }
        }
    }

    // ---- status, publishing

    /// Saved, saving, or what keeps the page from being saved (tracked).
    pub fn status(self) -> Status {
        let mut busy = self.page_save.busy() || self.order.phase.get() != Phase::Idle || self.ops.get() > 0;
        let mut problem = self.page_save.problem();
        self.rows.with(|rows| {
            for r in rows {
                busy |= r.save.busy();
                if problem.is_none() {
                    problem = r.save.problem();
                }
            }
        });
        match (busy, problem) {
            (true, _) => Status::Saving,
            (false, Some(p)) => Status::Failed(p),
            (false, None) => Status::Saved,
        }
    }

    /// Sends everything that waits for its countdown now.
    fn flush_all(self) {
        if self.page_save.phase.get_untracked() == Phase::Waiting {
            flush_page(self);
        }
        for row in self.rows.get_untracked() {
            if row.save.phase.get_untracked() == Phase::Waiting {
                flush_block(self, row);
            }
        }
        if self.order.phase.get_untracked() == Phase::Waiting {
            flush_order(self);
        }
    }

    /// Sends again whatever failed.
    pub fn retry(self) {
        if self.page_save.retry() {
            flush_page(self);
        }
        for row in self.rows.get_untracked() {
            if row.save.retry() {
                flush_block(self, row);
            }
        }
    }

    /// Publishes once everything is saved (an effect of the editor watches `publish_wanted`).
    pub fn publish(self) {
        self.flush_all();
        self.publish_wanted.set(true);
    }

    pub fn publish_now(self) {
        self.publishing.set(true);
        let slug = self.slug.get_value();
        let waiting = self.rows.with_untracked(|rows| rows.iter().filter(|r| r.id.get_untracked().is_none()).count());
        spawn_local(async move {
            let result = publish_bio_page(slug, self.id).await;
            if self.gone() {
                return;
            }
            self.publishing.set(false);
            match result {
                Ok(view) => {
                    let at = view.public_url.clone();
                    self.set_page(view);
                    let note = match waiting {
                        0 => String::new(),
                        1 => " One new block is not on it yet: fill in its fields.".into(),
                        n => format!(" {n} new blocks are not on it yet: fill in their fields."),
                    };
                    self.toasts.show(ToastKind::Success, format!("Published. Your page is live at {at}.{note}"));
                }
                Err(err) => self.toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    }

    pub fn unpublish(self) {
        self.publishing.set(true);
        let slug = self.slug.get_value();
        spawn_local(async move {
            let result = unpublish_bio_page(slug, self.id).await;
            if self.gone() {
                return;
            }
            self.publishing.set(false);
            match result {
                Ok(view) => {
                    self.set_page(view);
                    self.toasts.show(ToastKind::Success, "Your page is offline now. Your draft is kept.");
                }
                Err(err) => self.toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    }

    /// Whether closing the tab now would lose something.
    #[cfg(feature = "hydrate")]
    pub fn unsaved(self) -> bool {
        self.page_save.phase.get_untracked() != Phase::Idle
            || self.order.phase.get_untracked() != Phase::Idle
            || self.ops.get_untracked() > 0
            || self.rows.with_untracked(|rows| rows.iter().any(|r| r.save.phase.get_untracked() != Phase::Idle))
    }

    /// Forgets everything that waits (the page was deleted).
    pub fn discard_all(self) {
        self.page_save.discard();
        self.rows.with_untracked(|rows| rows.iter().for_each(|r| r.save.discard()));
        if let Some(h) = self.order.timer.try_update_value(Option::take).flatten() {
            h.clear();
        }
    }

    /// When the editor closes (another page of the app opens), sends what still waits without
    /// touching the editor again: its signals are gone by the time the answers arrive.
    pub fn send_waiting(self) {
        let slug = self.slug.get_value();
        let page_id = self.id;
        let mut input = PageInput::default();
        for field in self.page_save.take_dirty() {
            if let Ok(p) = self.page_field(&field) {
                input.merge(p);
            }
        }
        self.page_save.cancel();
        if !input.is_empty() {
            let slug = slug.clone();
            spawn_local(async move {
                let _ = update_bio_page(slug, page_id, input).await;
            });
        }
        for row in self.rows.get_untracked() {
            row.save.cancel();
            let dirty = row.save.take_dirty();
            let Some(id) = row.id.get_untracked() else { continue };
            let mut input = BlockInput::default();
            for field in dirty {
                if let Ok(p) = row.field(&field) {
                    input.merge(p);
                }
            }
            if !input.is_empty() {
                let slug = slug.clone();
                spawn_local(async move {
                    let _ = update_bio_block(slug, page_id, id, input).await;
                });
            }
        }
        if let Some(h) = self.order.timer.try_update_value(Option::take).flatten() {
            h.clear();
        }
        let ids = self.saved_ids();
        if self.ops.get_untracked() == 0 && ids != self.order.saved.get_value() {
            spawn_local(async move {
                let _ = reorder_bio_blocks(slug, page_id, ids).await;
            });
        }
    }
}

// ---- sending

pub fn flush_page(ed: Ed) {
    let Some(fields) = ed.page_save.begin() else { return };
    let mut input = PageInput::default();
    let mut sent = Vec::new();
    for field in fields {
        match ed.page_field(&field) {
            Ok(p) => {
                input.merge(p);
                sent.push(field);
            }
            Err(refusal) => ed.page_save.show(refusal),
        }
    }
    if sent.is_empty() {
        return ed.page_save.settle();
    }
    ed.page_save.phase.set(Phase::Sending);
    let slug = ed.slug.get_value();
    spawn_local(async move {
        let result = update_bio_page(slug, ed.id, input).await;
        if ed.gone() {
            return;
        }
        if ed.page_save.finish(sent, result.map(|view| ed.set_page(view)), true) {
            flush_page(ed);
        }
    });
}

pub fn flush_block(ed: Ed, row: Row) {
    let Some(id) = row.id.get_untracked() else { return create_block(ed, row, true) };
    let Some(fields) = row.save.begin() else { return };
    let mut input = BlockInput::default();
    let mut sent = Vec::new();
    for field in fields {
        match row.field(&field) {
            Ok(p) => {
                input.merge(p);
                sent.push(field);
            }
            Err(refusal) => row.save.show(refusal),
        }
    }
    if sent.is_empty() {
        return row.save.settle();
    }
    row.save.phase.set(Phase::Sending);
    let slug = ed.slug.get_value();
    spawn_local(async move {
        let result = update_bio_block(slug, ed.id, id, input).await;
        if ed.gone() {
            return;
        }
        if row.save.finish(sent, result.map(|_| ed.block_changed()), true) {
            flush_block(ed, row);
        }
    });
}

/// Creates a block the server does not have yet, with all its fields, at its place among the
/// saved blocks. Until every required field passes, nothing is sent; messages only show for
/// fields the user changed (`after_edit`), not for the ones not filled in yet.
fn create_block(ed: Ed, row: Row, after_edit: bool) {
    if row.save.phase.get_untracked() == Phase::Sending {
        return;
    }
    // One structural change at a time, so the position sent is the one the server sees.
    if ed.ops.get_untracked() > 0 || ed.order.phase.get_untracked() == Phase::Sending {
        return row.save.schedule(RETRY_SOON, move || flush_block(ed, row));
    }
    row.save.cancel();
    let changed = row.save.take_dirty();
    let position = ed.rows.with_untracked(|rows| rows.iter().take_while(|r| r.key != row.key).filter(|r| r.id.get_untracked().is_some()).count());
    let mut input = BlockInput { kind: Some(row.kind), position: Some(position as i32), ..Default::default() };
    let mut sent = Vec::new();
    let mut ready = true;
    for field in fields_of(row.kind) {
        match row.field(field) {
            Ok(p) => {
                input.merge(p);
                sent.push((*field).to_owned());
            }
            Err(refusal) => {
                ready = false;
                if after_edit && changed.iter().any(|c| c == field) {
                    row.save.show(refusal);
                }
            }
        }
    }
    if !ready {
        return row.save.settle();
    }
    row.save.phase.set(Phase::Sending);
    ed.ops.update(|n| *n += 1);
    let slug = ed.slug.get_value();
    spawn_local(async move {
        let result = create_bio_block(slug, ed.id, input).await;
        if ed.gone() {
            return;
        }
        ed.ops.update(|n| *n -= 1);
        let result = result.map(|view| {
            row.id.set(Some(view.id));
            ed.order.saved.update_value(|ids| ids.insert(position.min(ids.len()), view.id));
            ed.block_changed();
        });
        // A refused creation is not sent again by itself: the next edit tries again.
        if row.save.finish(sent, result, false) {
            flush_block(ed, row);
        }
    });
}

fn schedule_order(ed: Ed, after: Duration) {
    let order = ed.order;
    if let Some(h) = order.timer.try_update_value(Option::take).flatten() {
        h.clear();
    }
    let handle = set_timeout_with_handle(
        move || {
            order.timer.set_value(None);
            flush_order(ed);
        },
        after,
    );
    order.timer.set_value(handle.ok());
    if order.phase.get_untracked() != Phase::Sending {
        order.phase.set(Phase::Waiting);
    }
}

/// Sends the order of the saved blocks, if it changed. A refusal puts the rows back.
fn flush_order(ed: Ed) {
    let order = ed.order;
    if order.phase.get_untracked() == Phase::Sending {
        return;
    }
    if ed.ops.get_untracked() > 0 {
        return schedule_order(ed, RETRY_SOON);
    }
    if let Some(h) = order.timer.try_update_value(Option::take).flatten() {
        h.clear();
    }
    let ids = ed.saved_ids();
    if order.saved.with_value(|saved| *saved == ids) {
        return order.phase.set(Phase::Idle);
    }
    order.phase.set(Phase::Sending);
    let slug = ed.slug.get_value();
    spawn_local(async move {
        let result = reorder_bio_blocks(slug, ed.id, ids.clone()).await;
        if ed.gone() {
            return;
        }
        let ok = result.is_ok();
        match result {
            Ok(_) => {
                order.saved.set_value(ids);
                ed.block_changed();
            }
            Err(err) => {
                ed.revert_order();
                ed.toasts.show(ToastKind::Error, format!("The new order could not be kept: {err}"));
            }
        }
        let waiting = order.timer.with_value(Option::is_some);
        order.phase.set(if waiting { Phase::Waiting } else { Phase::Idle });
        if ok && !waiting && order.saved.with_value(|saved| *saved != ed.saved_ids()) {
            flush_order(ed);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_patch_fields_replace_older_ones_and_absent_ones_keep_them() {
        let mut p = BlockInput { title: Some("Old".into()), url: Some(Some("https://a.example".into())), ..Default::default() };
        p.merge(BlockInput { title: Some("New".into()), icon: Some(None), ..Default::default() });
        assert_eq!(p.title.as_deref(), Some("New"));
        assert_eq!(p.url, Some(Some("https://a.example".into())));
        assert_eq!(p.icon, Some(None));
        assert!(!p.is_empty());
        assert!(PageInput::default().is_empty());
    }

    #[test]
    fn messages_belong_to_the_field_before_the_first_dot() {
        assert_eq!(root("socials.2.url"), "socials");
        assert_eq!(root("theme.button_color"), "theme");
        assert_eq!(root("title"), "title");
    }

    #[test]
    fn a_dragged_row_takes_the_place_of_the_row_under_the_pointer() {
        let rects = [(0.0, 50.0), (58.0, 108.0), (116.0, 500.0)];
        assert_eq!(drop_index(&rects, 20.0, 2), 0);
        assert_eq!(drop_index(&rects, 80.0, 0), 1);
        assert_eq!(drop_index(&rects, 54.0, 1), 1, "a gap keeps the current place");
        assert_eq!(drop_index(&rects, -30.0, 1), 0);
        assert_eq!(drop_index(&rects, 900.0, 0), 2);
        assert_eq!(drop_index(&[], 10.0, 0), 0);
    }

    #[test]
    fn rows_between_the_old_and_new_place_move_aside() {
        let d = Drag { key: 1, pointer: 1, from: 0, to: 2, dy: 120.0, shift: 58.0, start_y: 0.0, start_scroll: 0.0, measured: true };
        assert_eq!([0, 1, 2, 3].map(|i| row_offset(&d, i)), [0.0, -58.0, -58.0, 0.0]);
        let up = Drag { from: 3, to: 1, ..d };
        assert_eq!([0, 1, 2, 3].map(|i| row_offset(&up, i)), [0.0, 58.0, 58.0, 0.0]);
    }

    #[test]
    fn age_gates_read_and_write_as_text() {
        assert_eq!(parse_age(""), Ok(None));
        assert_eq!(parse_age("21"), Ok(Some(21)));
        assert!(parse_age("16").is_err());
        assert_eq!(age_text(Some(18)), "18");
    }
}
