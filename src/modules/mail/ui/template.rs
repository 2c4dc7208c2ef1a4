//! `/w/{slug}/mail/templates/{id}`: the block editor. Blocks (heading, text with bold, italic
//! and links, image, button, divider, two or three columns) are edited in place, moved and
//! removed; the preview beside them is the server's real rendering for a sample contact, at
//! phone or desktop width or as the plain-text part, refreshed as you type.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::{Access, DeleteButton, MailHeader, use_access};
use crate::modules::auth::ui::field_error;
use crate::modules::crm::ui::{CrmIcon, Debounce, form_alert, unshown_error};
use crate::modules::mail::server_fns::{delete_template, get_template, preview_blocks, save_template};
use crate::modules::mail::types::{Block, Preview, TemplateInput, TemplateView};
use crate::modules::workspaces::ui::{error_view, loading_view};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, Icon, TextField, ToastKind, loaded, use_toasts};

#[component]
pub fn TemplatePage() -> impl IntoView {
    let access = use_access();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|id| Uuid::parse_str(&id).ok()));
    view! {
        <Title text="Email template"/>
        {move || access.get().map(|a| view! { <TemplateBody a=a id=id/> })}
    }
}

#[component]
fn TemplateBody(a: Access, id: Memo<Option<Uuid>>) -> impl IntoView {
    let template = Resource::new({ let slug = a.slug.clone(); move || (slug.clone(), id.get()) }, |(slug, id)| async move {
        match id {
            Some(id) => get_template(slug, id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Transition fallback=loading_view>
            {move || {
                let a = a.clone();
                Suspend::new(async move {
                    match loaded(template).await {
                        Ok(t) => view! { <Editor a=a t=t/> }.into_any(),
                        Err(err) => view! {
                            <MailHeader slug=a.slug.clone() title="Template" text="This template could not be opened."/>
                            <section class="card">{error_view(&err)}</section>
                        }
                        .into_any(),
                    }
                })
            }}
        </Transition>
    }
}

// ---- where a block is, and the edits (pure, unit tested)

/// A list of blocks: the template's own, or one column of a columns block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ListAt {
    Top,
    Column { block: usize, column: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct At {
    list: ListAt,
    index: usize,
}

impl At {
    /// A prefix for the ids of this block's fields.
    fn id(self, field: &str) -> String {
        match self.list {
            ListAt::Top => format!("blk-{}-{field}", self.index),
            ListAt::Column { block, column } => format!("blk-{block}-{column}-{}-{field}", self.index),
        }
    }

    /// "Block 3" or "Block 2 of column 1 of block 3", as people count.
    fn name(self) -> String {
        match self.list {
            ListAt::Top => format!("block {}", self.index + 1),
            ListAt::Column { block, column } => format!("block {} of column {} of block {}", self.index + 1, column + 1, block + 1),
        }
    }
}

fn list(blocks: &[Block], at: ListAt) -> Option<&[Block]> {
    match at {
        ListAt::Top => Some(blocks),
        ListAt::Column { block, column } => match blocks.get(block) {
            Some(Block::Columns { columns }) => columns.get(column).map(Vec::as_slice),
            _ => None,
        },
    }
}

fn list_mut(blocks: &mut Vec<Block>, at: ListAt) -> Option<&mut Vec<Block>> {
    match at {
        ListAt::Top => Some(blocks),
        ListAt::Column { block, column } => match blocks.get_mut(block) {
            Some(Block::Columns { columns }) => columns.get_mut(column),
            _ => None,
        },
    }
}

fn block_mut(blocks: &mut Vec<Block>, at: At) -> Option<&mut Block> {
    list_mut(blocks, at.list)?.get_mut(at.index)
}

/// Moves a block one place up (`-1`) or down (`1`) within its list; false at an end.
fn move_block(blocks: &mut Vec<Block>, at: At, by: isize) -> bool {
    let Some(l) = list_mut(blocks, at.list) else { return false };
    let to = at.index as isize + by;
    if to < 0 || to as usize >= l.len() || at.index >= l.len() {
        return false;
    }
    l.swap(at.index, to as usize);
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Heading,
    Text,
    Image,
    Button,
    Divider,
    Columns,
}

impl Kind {
    const ALL: [Kind; 6] = [Kind::Heading, Kind::Text, Kind::Image, Kind::Button, Kind::Divider, Kind::Columns];

    fn of(b: &Block) -> Kind {
        match b {
            Block::Heading { .. } => Kind::Heading,
            Block::Text { .. } => Kind::Text,
            Block::Image { .. } => Kind::Image,
            Block::Button { .. } => Kind::Button,
            Block::Divider => Kind::Divider,
            Block::Columns { .. } => Kind::Columns,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Heading => "Heading",
            Kind::Text => "Text",
            Kind::Image => "Image",
            Kind::Button => "Button",
            Kind::Divider => "Divider",
            Kind::Columns => "Columns",
        }
    }

    /// A new block of this kind; an image or button needs its address filled in (the preview
    /// says so until it is).
    fn new_block(self) -> Block {
        match self {
            Kind::Heading => Block::Heading { text: "A heading".into(), level: Some(2) },
            Kind::Text => Block::Text { html: "Some text.".into() },
            Kind::Image => Block::Image { src: String::new(), alt: String::new(), href: None },
            Kind::Button => Block::Button { label: "Learn more".into(), href: String::new() },
            Kind::Divider => Block::Divider,
            Kind::Columns => Block::Columns { columns: vec![vec![Kind::Text.new_block()], vec![Kind::Text.new_block()]] },
        }
    }
}

/// The byte offset of a UTF-16 offset (a textarea's selection) in `text`.
fn byte_at(text: &str, utf16: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}

/// Wraps the selection `start..end` (UTF-16 offsets) in `open` … `close`; with nothing
/// selected, `placeholder` is inserted between them.
fn wrap(text: &str, start: u32, end: u32, open: &str, close: &str, placeholder: &str) -> String {
    let (a, b) = (byte_at(text, start.min(end)), byte_at(text, start.max(end)));
    let inner = if a == b { placeholder } else { &text[a..b] };
    format!("{}{open}{inner}{close}{}", &text[..a], &text[b..])
}

// ---- the editor

type Blocks = RwSignal<Vec<Block>>;

#[component]
fn Editor(a: Access, t: TemplateView) -> impl IntoView {
    let Access { slug, write, delete } = a;
    let toasts = use_toasts();
    let id = t.id;
    let name = RwSignal::new(t.name.clone());
    let subject = RwSignal::new(t.subject.clone());
    let blocks: Blocks = RwSignal::new(t.blocks.clone());
    let dirty = RwSignal::new(false);

    // The live preview: the server renders what is on screen once typing stops.
    let preview = RwSignal::new(None::<Preview>);
    let preview_error = RwSignal::new(None::<String>);
    let debounce = Debounce::new();
    Effect::new({
        let slug = slug.clone();
        move |first: Option<()>| {
            let (s, b) = (subject.get(), blocks.get());
            if first.is_some() {
                dirty.set(true);
            }
            let slug = slug.clone();
            debounce.run(if first.is_some() { 400 } else { 0 }, move || {
                spawn_local(async move {
                    match preview_blocks(slug, s, b).await {
                        Ok(p) => {
                            preview.try_set(Some(p));
                            preview_error.try_set(None);
                        }
                        Err(e) => {
                            preview_error.try_set(Some(e.field_message("blocks").or_else(|| e.field_message("subject")).map_or_else(|| e.to_string(), str::to_owned)));
                        }
                    }
                });
            });
        }
    });

    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &["name", "subject"]))));
    let submit = {
        let slug = slug.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if saving.get_untracked() {
                return;
            }
            saving.set(true);
            errors.set(None);
            let input = TemplateInput { name: Some(name.get_untracked()), subject: Some(subject.get_untracked()), blocks: Some(blocks.get_untracked()) };
            let slug = slug.clone();
            spawn_local(async move {
                let result = save_template(slug, Some(id), input).await;
                saving.set(false);
                match result {
                    Ok(_) => {
                        dirty.set(false);
                        toasts.show(ToastKind::Success, "Template saved.");
                    }
                    Err(err) => errors.set(Some(err)),
                }
            });
        }
    };
    let title = t.name.clone();
    view! {
        <MailHeader slug=slug.clone() title=title text="Build the email from blocks; the preview shows it for a sample contact."/>
        <div class="mail-template">
            <form class="stack mail-template-form" novalidate on:submit=submit>
                <fieldset class="stack" disabled=!write>
                    <section class="card stack">
                        <TextField label="Template name" name="name" autocomplete="off" value=name error=field_error(errors, "name")/>
                        <TextField label="Subject" name="subject" autocomplete="off" value=subject error=field_error(errors, "subject")
                            hint="Used when a campaign takes its subject from the template. Merge tags work: {{first_name|there}}."/>
                    </section>
                    <section class="card stack" aria-labelledby="blocks-title">
                        <h2 id="blocks-title" class="card-title">"Blocks"</h2>
                        <BlockList blocks=blocks list=ListAt::Top/>
                    </section>
                </fieldset>
                {form_alert(Signal::derive(move || other.get().or_else(|| field_error(errors, "blocks").get())))}
                {write.then(|| view! {
                    <div class="row mail-actions">
                        {delete.then(|| view! {
                            <DeleteButton slug=slug.clone() title="Delete template?" text="The template is removed. Campaigns that use it must be changed first."
                                confirm="Delete template" done="Template deleted." back="/mail/templates" delete=move |slug| delete_template(slug, id)/>
                        })}
                        <span class="grow"></span>
                        <span class="meta" role="status">{move || if dirty.get() { "Unsaved changes" } else { "" }}</span>
                        <Button button_type="submit" loading=saving>"Save template"</Button>
                    </div>
                })}
            </form>
            <PreviewPane preview=preview error=preview_error subject=subject/>
        </div>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Phone,
    Desktop,
    Text,
}

/// The rendered email in a sandboxed frame (no scripts, its own styles) at phone or desktop
/// width, or its plain-text part.
#[component]
fn PreviewPane(preview: RwSignal<Option<Preview>>, error: RwSignal<Option<String>>, subject: RwSignal<String>) -> impl IntoView {
    let frame = RwSignal::new(Frame::Desktop);
    let tab = move |f: Frame, label: &'static str| {
        view! {
            <button type="button" class="segment" aria-pressed=move || (frame.get() == f).to_string() on:click=move |_| frame.set(f)>{label}</button>
        }
    };
    view! {
        <section class="card stack mail-preview" aria-labelledby="preview-title">
            <div class="row">
                <h2 id="preview-title" class="card-title grow">"Preview"</h2>
                <div class="segmented" role="group" aria-label="Preview as">
                    {tab(Frame::Phone, "Phone")}{tab(Frame::Desktop, "Desktop")}{tab(Frame::Text, "Plain text")}
                </div>
            </div>
            <p class="meta break">"Subject: "{move || subject.get()}</p>
            {move || error.get().map(|e| view! { <p class="callout callout-warning break" role="alert">{e}</p> })}
            {move || match (preview.get(), frame.get()) {
                (None, _) => view! { <div class="card-loading"><crate::shared::ui::Spinner/></div> }.into_any(),
                (Some(p), Frame::Text) => view! { <pre class="mail-text break" aria-label="Plain-text part">{p.text}</pre> }.into_any(),
                (Some(p), f) => view! {
                    <div class=if f == Frame::Phone { "mail-frame-wrap is-phone" } else { "mail-frame-wrap" }>
                        <iframe class="mail-frame" title="Email preview" sandbox="" srcdoc=p.html></iframe>
                    </div>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn BlockList(blocks: Blocks, list: ListAt) -> AnyView {
    let len = Memo::new(move |_| blocks.with(|b| self::list(b, list).map_or(0, <[Block]>::len)));
    let nested = list != ListAt::Top;
    let choice = RwSignal::new(String::new());
    let add_id = match list {
        ListAt::Top => "blk-add".to_owned(),
        ListAt::Column { block, column } => format!("blk-add-{block}-{column}"),
    };
    let add_label = match list {
        ListAt::Top => "Add a block".to_owned(),
        ListAt::Column { column, .. } => format!("Add to column {}", column + 1),
    };
    let on_add = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if let Some(kind) = Kind::ALL.into_iter().find(|k| k.label() == value) {
            blocks.update(|b| {
                if let Some(l) = list_mut(b, list) {
                    l.push(kind.new_block());
                }
            });
        }
        choice.set(String::new());
    };
    let kinds = Kind::ALL.into_iter().filter(move |k| !(nested && *k == Kind::Columns));
    view! {
        <ol class="mail-blocks" class:is-nested=nested>
            <For each=move || 0..len.get() key=|i| *i let:index>
                <BlockRow blocks=blocks at=At { list, index } len=len/>
            </For>
        </ol>
        <div class="field mail-add">
            <label class="field-label" for=add_id.clone()>{add_label}</label>
            <select id=add_id class="field-input field-select" prop:value=move || choice.get() on:change=on_add>
                <option value="">"Choose a block…"</option>
                {kinds.map(|k| view! { <option value=k.label()>{k.label()}</option> }).collect_view()}
            </select>
        </div>
    }
    .into_any()
}

#[component]
fn BlockRow(blocks: Blocks, at: At, len: Memo<usize>) -> impl IntoView {
    let kind = Memo::new(move |_| blocks.with(|b| self::list(b, at.list).and_then(|l| l.get(at.index)).map(Kind::of)));
    let name = at.name();
    let shift = move |by: isize| {
        blocks.update(|b| {
            move_block(b, at, by);
        })
    };
    let remove = move |_| {
        blocks.update(|b| {
            if let Some(l) = list_mut(b, at.list)
                && at.index < l.len()
            {
                l.remove(at.index);
            }
        })
    };
    view! {
        <li class="mail-block">
            <div class="mail-block-head">
                <span class="mail-block-kind">{move || kind.get().map(Kind::label)}</span>
                <span class="grow"></span>
                <button type="button" class="btn btn-ghost icon-btn" aria-label=format!("Move {name} up")
                    aria-disabled=move || (at.index == 0).to_string() on:click=move |_| shift(-1)><CrmIcon name="up"/></button>
                <button type="button" class="btn btn-ghost icon-btn" aria-label=format!("Move {name} down")
                    aria-disabled=move || (at.index + 1 >= len.get()).to_string() on:click=move |_| shift(1)><CrmIcon name="down"/></button>
                <button type="button" class="btn btn-ghost icon-btn" aria-label=format!("Remove {name}") on:click=remove><Icon name="trash"/></button>
            </div>
            {move || kind.get().map(|k| block_fields(blocks, at, k))}
        </li>
    }
}

/// A text input bound to one field of the block at `at`.
fn input(blocks: Blocks, at: At, field: &'static str, label: &'static str, kind: &'static str, get: fn(&Block) -> String, set: fn(&mut Block, String)) -> impl IntoView {
    let id = at.id(field);
    view! {
        <div class="field">
            <label class="field-label" for=id.clone()>{label}</label>
            <input id=id class="field-input" type=kind autocomplete="off"
                prop:value=move || blocks.with(|b| self::list(b, at.list).and_then(|l| l.get(at.index)).map(get).unwrap_or_default())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    blocks.update(|b| if let Some(block) = block_mut(b, at) { set(block, v) });
                }/>
        </div>
    }
}

fn block_fields(blocks: Blocks, at: At, kind: Kind) -> AnyView {
    match kind {
        Kind::Heading => view! {
            <div class="grid-2 mail-heading-fields">
                {input(blocks, at, "text", "Heading", "text",
                    |b| if let Block::Heading { text, .. } = b { text.clone() } else { String::new() },
                    |b, v| if let Block::Heading { text, .. } = b { *text = v })}
                <div class="field">
                    <label class="field-label" for=at.id("level")>"Size"</label>
                    <select id=at.id("level") class="field-input field-select"
                        prop:value=move || blocks.with(|b| match self::list(b, at.list).and_then(|l| l.get(at.index)) {
                            Some(Block::Heading { level, .. }) => level.unwrap_or(1).to_string(),
                            _ => "1".into(),
                        })
                        on:change=move |ev| {
                            let v = event_target_value(&ev).parse().ok();
                            blocks.update(|b| if let Some(Block::Heading { level, .. }) = block_mut(b, at) { *level = v });
                        }>
                        <option value="1">"Large"</option>
                        <option value="2">"Medium"</option>
                        <option value="3">"Small"</option>
                    </select>
                </div>
            </div>
        }
        .into_any(),
        Kind::Text => view! { <TextBlock blocks=blocks at=at/> }.into_any(),
        Kind::Image => view! {
            <div class="stack-sm">
                {input(blocks, at, "src", "Image address (https://…)", "url",
                    |b| if let Block::Image { src, .. } = b { src.clone() } else { String::new() },
                    |b, v| if let Block::Image { src, .. } = b { *src = v })}
                <div class="grid-2">
                    {input(blocks, at, "alt", "Description (for screen readers)", "text",
                        |b| if let Block::Image { alt, .. } = b { alt.clone() } else { String::new() },
                        |b, v| if let Block::Image { alt, .. } = b { *alt = v })}
                    {input(blocks, at, "href", "Link (optional)", "url",
                        |b| if let Block::Image { href, .. } = b { href.clone().unwrap_or_default() } else { String::new() },
                        |b, v| if let Block::Image { href, .. } = b { *href = (!v.trim().is_empty()).then_some(v) })}
                </div>
            </div>
        }
        .into_any(),
        Kind::Button => view! {
            <div class="grid-2">
                {input(blocks, at, "label", "Button text", "text",
                    |b| if let Block::Button { label, .. } = b { label.clone() } else { String::new() },
                    |b, v| if let Block::Button { label, .. } = b { *label = v })}
                {input(blocks, at, "href", "Link (https://…)", "url",
                    |b| if let Block::Button { href, .. } = b { href.clone() } else { String::new() },
                    |b, v| if let Block::Button { href, .. } = b { *href = v })}
            </div>
        }
        .into_any(),
        Kind::Divider => view! { <p class="meta">"A line across the email."</p> }.into_any(),
        Kind::Columns => {
            let count = Memo::new(move |_| blocks.with(|b| match self::list(b, at.list).and_then(|l| l.get(at.index)) {
                Some(Block::Columns { columns }) => columns.len(),
                _ => 0,
            }));
            let set_count = move |ev: leptos::ev::Event| {
                let n: usize = event_target_value(&ev).parse().unwrap_or(2);
                blocks.update(|b| {
                    if let Some(Block::Columns { columns }) = block_mut(b, at) {
                        columns.resize_with(n.clamp(2, 3), || vec![Kind::Text.new_block()]);
                    }
                });
            };
            view! {
                <div class="field mail-cols-count">
                    <label class="field-label" for=at.id("count")>"Columns"</label>
                    <select id=at.id("count") class="field-input field-select" prop:value=move || count.get().to_string() on:change=set_count>
                        <option value="2">"2 columns"</option>
                        <option value="3">"3 columns (the last is dropped when going back to 2)"</option>
                    </select>
                </div>
                <div class="mail-cols">
                    <For each=move || 0..count.get() key=|c| *c let:column>
                        <div class="mail-col stack-sm">
                            <p class="meta">{format!("Column {}", column + 1)}</p>
                            <BlockList blocks=blocks list=ListAt::Column { block: at.index, column }/>
                        </div>
                    </For>
                </div>
            }
            .into_any()
        }
    }
}

/// Rich text as HTML with a toolbar that wraps the selection in `<b>`, `<i>` or a link (the
/// server keeps only those tags).
#[component]
fn TextBlock(blocks: Blocks, at: At) -> impl IntoView {
    let area = NodeRef::<leptos::html::Textarea>::new();
    let id = at.id("html");
    let value = move || blocks.with(|b| match self::list(b, at.list).and_then(|l| l.get(at.index)) {
        Some(Block::Text { html }) => html.clone(),
        _ => String::new(),
    });
    let set = move |v: String| blocks.update(|b| if let Some(Block::Text { html }) = block_mut(b, at) { *html = v });
    let apply = move |open: String, close: &'static str, placeholder: &'static str| {
        let Some(el) = area.get_untracked() else { return };
        let (start, end) = (el.selection_start().ok().flatten().unwrap_or(0), el.selection_end().ok().flatten().unwrap_or(0));
        set(wrap(&value(), start, end, &open, close, placeholder));
        let _ = el.focus();
    };
    let link = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let url = web_sys::window().and_then(|w| w.prompt_with_message_and_default("Link address", "https://").ok().flatten());
            if let Some(url) = url.filter(|u| !u.trim().is_empty()) {
                apply(format!("<a href=\"{}\">", url.trim().replace('"', "%22")), "</a>", "link text");
            }
        }
    };
    view! {
        <div class="field">
            <div class="row mail-toolbar" role="toolbar" aria-label=format!("Format {}", at.name())>
                <label class="field-label grow" for=id.clone()>"Text"</label>
                <button type="button" class="btn btn-ghost icon-btn" aria-label="Bold" on:click=move |_| apply("<b>".into(), "</b>", "bold text")><b>"B"</b></button>
                <button type="button" class="btn btn-ghost icon-btn" aria-label="Italic" on:click=move |_| apply("<i>".into(), "</i>", "italic text")><i>"I"</i></button>
                <button type="button" class="btn btn-ghost" on:click=link><Icon name="link"/>"Link"</button>
            </div>
            <textarea id=id node_ref=area class="field-input crm-textarea" rows="4"
                prop:value=value on:input=move |ev| set(event_target_value(&ev))></textarea>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_are_wrapped_by_utf16_offsets() {
        assert_eq!(wrap("Hello world", 6, 11, "<b>", "</b>", "x"), "Hello <b>world</b>");
        assert_eq!(wrap("Hi", 2, 2, "<i>", "</i>", "text"), "Hi<i>text</i>");
        // "é" is one UTF-16 unit but two bytes; "😀" is two units and four bytes.
        assert_eq!(wrap("é😀ab", 3, 4, "<b>", "</b>", ""), "é😀<b>a</b>b");
    }

    #[test]
    fn blocks_move_within_their_own_list_only() {
        let mut blocks = vec![Kind::Heading.new_block(), Kind::Columns.new_block(), Block::Divider];
        assert!(move_block(&mut blocks, At { list: ListAt::Top, index: 0 }, 1));
        assert_eq!(Kind::of(&blocks[0]), Kind::Columns);
        assert!(!move_block(&mut blocks, At { list: ListAt::Top, index: 2 }, 1), "the last cannot go down");
        let col = ListAt::Column { block: 0, column: 1 };
        list_mut(&mut blocks, col).unwrap().push(Block::Divider);
        assert!(move_block(&mut blocks, At { list: col, index: 1 }, -1));
        assert_eq!(list(&blocks, col).unwrap()[0], Block::Divider);
        assert_eq!(list(&blocks, ListAt::Column { block: 1, column: 0 }), None, "block 1 is not columns");
    }
}
