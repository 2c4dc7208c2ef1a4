//! The Blocks tab: the palette that adds blocks, and the list of blocks, each a collapsible row
//! with a drag handle (pointer events, so touch works), an on/off switch, move up/down and
//! delete, and the fields of its kind when expanded.
use leptos::ev::{KeyboardEvent, PointerEvent};
use leptos::prelude::*;

use super::fields::{Choice, G, ImagePicker, ImageSlot, TextInput, kind_icon};
use super::state::{Drag, Ed, Row, drop_index, needs_input, row_offset};
use crate::modules::bio::types::{BlockKind, NETWORKS, network_label};
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState};

#[component]
pub fn BlocksTab(ed: Ed) -> impl IntoView {
    let confirm = RwSignal::new(None::<u64>);
    let dialog_open = RwSignal::new(false);
    // The dialog closes itself on Escape or the backdrop; the block to delete goes with it.
    Effect::new(move |_| {
        if !dialog_open.get() {
            confirm.set(None);
        }
    });
    let ask_delete = Callback::new(move |key: u64| {
        confirm.set(Some(key));
        dialog_open.set(true);
    });
    let delete = Callback::new(move |()| {
        if let Some(key) = confirm.get_untracked() {
            ed.delete_block(key, move || dialog_open.set(false));
        }
    });
    let doomed = move || confirm.get().and_then(|k| ed.row(k)).map(|r| r.name()).unwrap_or_default();
    let sorting = move || if ed.drag.with(Option::is_some) { "bio-blocks is-sorting" } else { "bio-blocks" };
    view! {
        {ed.can_write.then(|| view! { <Palette ed/> })}
        <Show when=move || ed.rows.with(Vec::is_empty)>
            {if ed.can_write {
                view! { <EmptyState icon="link" title="Add your first block"
                    text="Choose Link to add a button to your page. Headings, text, social icons, images, videos and a sign-up form are added the same way."/> }.into_any()
            } else {
                view! { <EmptyState icon="link" title="No blocks yet" text="This page has no blocks yet."/> }.into_any()
            }}
        </Show>
        <ul aria-label="Blocks" class=sorting node_ref=ed.list>
            <For each=move || ed.rows.get() key=|r| r.key let:row>
                <BlockRow ed row ask_delete/>
            </For>
        </ul>
        <p id="bio-drag-help" class="sr-only">"Use the arrow up and down keys to move the block."</p>
        <p class="sr-only" aria-live="polite">{move || ed.announce.get()}</p>
        <Dialog open=dialog_open title="Delete this block?">
            <p class="muted">"“"{doomed}"” will be removed from your page. Its click statistics are kept."</p>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| dialog_open.set(false))>"Cancel"</Button>
                <Button variant=ButtonVariant::Danger loading=ed.deleting on_click=delete>"Delete block"</Button>
            </div>
        </Dialog>
    }
}

/// One button per kind of block; the new block opens with its first field focused.
#[component]
fn Palette(ed: Ed) -> impl IntoView {
    let add = move |kind: BlockKind| {
        let key = ed.add_block(kind);
        let field = match kind {
            BlockKind::Link | BlockKind::Heading | BlockKind::Email => "title",
            BlockKind::Embed => "url",
            BlockKind::Text => "body",
            BlockKind::Image => "picture",
            BlockKind::Social | BlockKind::Divider | BlockKind::Spacer => "toggle",
        };
        focus(format!("#b{key}-{field}"));
    };
    view! {
        <div class="bio-palette" role="group" aria-label="Add a block">
            {BlockKind::ALL
                .into_iter()
                .map(|kind| view! {
                    <button type="button" class="bio-add" on:click=move |_| add(kind)>
                        <G name=kind_icon(kind)/>
                        <span><span class="sr-only">"Add "</span>{kind.label()}</span>
                    </button>
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn BlockRow(ed: Ed, row: Row, ask_delete: Callback<u64>) -> impl IntoView {
    let key = row.key;
    let body_id = format!("b{key}-panel");
    let is_open = move || ed.open.get() == Some(key);
    let index = move || ed.index_of(key).unwrap_or_default();
    let last = move || ed.rows.with(Vec::len).saturating_sub(1);
    let class = move || {
        let mut class = String::from("bio-block");
        if is_open() {
            class.push_str(" is-open");
        }
        if !row.enabled.get() {
            class.push_str(" is-off");
        }
        if ed.drag.with(|d| d.is_some_and(|d| d.key == key)) {
            class.push_str(" is-dragged");
        }
        class
    };
    let style = move || {
        ed.drag.with(|d| {
            let d = (*d)?;
            let dy = if d.key == key { d.dy } else { row_offset(&d, index()) };
            (dy != 0.0).then(|| format!("transform:translateY({dy:.1}px)"))
        })
    };
    let step = move |delta: isize, from: &'static str| {
        let to = index().saturating_add_signed(delta);
        if ed.move_row(key, to) {
            // The row's element moved in the list: put focus back where the user was.
            let at_end = (delta < 0 && to == 0) || (delta > 0 && to >= last());
            let target = if from == "handle" || at_end { "bio-handle".to_owned() } else { format!("bio-move-{from}") };
            focus(format!("[data-block-key=\"{key}\"] .{target}"));
        }
    };
    let handle = ed.can_write.then(|| view! {
        <span class="bio-handle" role="button" tabindex="0" aria-describedby="bio-drag-help"
            aria-label=move || format!("Drag to reorder {}", row.name())
            on:pointerdown=move |ev| drag_start(ed, key, ev)
            on:pointermove=move |ev| drag_move(ed, ev)
            on:pointerup=move |ev| drag_end(ed, ev, true)
            on:pointercancel=move |ev| drag_end(ed, ev, false)
            on:keydown=move |ev: KeyboardEvent| {
                let delta = match ev.key().as_str() {
                    "ArrowUp" => -1,
                    "ArrowDown" => 1,
                    _ => return,
                };
                ev.prevent_default();
                step(delta, "handle");
            }>
            <G name="grip"/>
        </span>
    });
    let tools = ed.can_write.then(|| view! {
        <div class="bio-tools">
            <button type="button" class="bio-tool bio-move-up" aria-label=move || format!("Move {} up", row.name())
                disabled=move || index() == 0 on:click=move |_| step(-1, "up")><G name="up"/></button>
            <button type="button" class="bio-tool bio-move-down" aria-label=move || format!("Move {} down", row.name())
                disabled=move || { index() >= last() } on:click=move |_| step(1, "down")><G name="down"/></button>
            <button type="button" class="bio-tool bio-tool-danger" aria-label=move || format!("Delete {}", row.name())
                on:click=move |_| ask_delete.run(key)><G name="trash"/></button>
        </div>
    });
    let scheduled = move || row.starts_at.with(|s| !s.is_empty()) || row.ends_at.with(|e| !e.is_empty());
    view! {
        <li class=class style=style data-block-key=key
            data-block-id=move || row.id.get().map(|id| id.to_string()).unwrap_or_default()>
            <div class="bio-block-head">
                {handle}
                <button type="button" id=format!("b{key}-toggle") class="bio-block-toggle" aria-expanded=move || is_open().to_string()
                    aria-controls=body_id.clone() on:click=move |_| ed.open.set(if is_open() { None } else { Some(key) })>
                    <span class="bio-kind"><G name=kind_icon(row.kind)/></span>
                    <span class="bio-block-text">
                        <span class="bio-block-name">{move || row.name()}</span>
                        {move || if row.id.with(Option::is_none) {
                            view! { <span class="bio-block-sub is-pending">"Not on your page yet"</span> }.into_any()
                        } else {
                            view! { <span class="bio-block-sub">{move || row.summary()}</span> }.into_any()
                        }}
                    </span>
                    <Show when=scheduled>
                        <span class="bio-badge-icon" title="Scheduled"><G name="clock"/><span class="sr-only">"Scheduled"</span></span>
                    </Show>
                    <span class="bio-chevron"><G name="chevron-down"/></span>
                </button>
                <label class="bio-switch" title="Show on the page">
                    <input type="checkbox" role="switch" disabled=!ed.can_write
                        aria-label=move || format!("Show {} on the page", row.name())
                        prop:checked=move || row.enabled.get()
                        on:change=move |ev| {
                            row.enabled.set(event_target_checked(&ev));
                            ed.touch_block(row, &["enabled"]);
                        }/>
                    <span class="bio-switch-track" aria-hidden="true"></span>
                </label>
                {tools}
            </div>
            <Show when=is_open>
                <div id=body_id.clone() class="bio-block-body">
                    <fieldset class="plain-fieldset bio-fields" disabled=!ed.can_write>
                        <legend class="sr-only">{move || format!("{} settings", row.name())}</legend>
                        {pending_note(row)}
                        {kind_fields(ed, row)}
                        <Schedule ed row/>
                    </fieldset>
                </div>
            </Show>
        </li>
    }
}

/// Says why a new link, video or image is not on the page yet.
fn pending_note(row: Row) -> impl IntoView {
    let text = match row.kind {
        BlockKind::Link => "Fill in the title and URL to add this link to your page.",
        BlockKind::Embed => "Paste a video or music link to add this player to your page.",
        BlockKind::Image => "Upload an image to add it to your page.",
        _ => return None,
    };
    needs_input(row.kind).then(|| view! { <Show when=move || row.id.with(Option::is_none)><p class="callout bio-note">{text}</p></Show> })
}

fn touch(ed: Ed, row: Row, field: &'static str) -> Callback<()> {
    Callback::new(move |()| ed.touch_block(row, &[field]))
}

/// The fields of one kind of block.
fn kind_fields(ed: Ed, row: Row) -> AnyView {
    let key = row.key;
    let id = move |field: &str| format!("b{key}-{field}");
    let err = move |field: &str| row.save.error(field);
    match row.kind {
        BlockKind::Link => view! {
            <TextInput id=id("title") label="Title" value=row.title touch=touch(ed, row, "title") error=err("title") max=200/>
            <TextInput id=id("url") label="URL" value=row.url touch=touch(ed, row, "url") error=err("url") input_type="url"
                placeholder="https://" plain=true/>
            <div class="form-grid">
                <Choice id=id("icon") label="Icon" options=icon_options() value=row.icon error=err("icon")
                    on_pick=Callback::new(move |v: String| {
                        row.icon.set(v);
                        ed.touch_block(row, &["icon"]);
                    })/>
                <Choice id=id("age") label="Age gate" options=age_options("Everyone") value=row.age_gate error=err("age_gate")
                    hint="Visitors confirm their age before the link opens."
                    on_pick=Callback::new(move |v: String| {
                        row.age_gate.set(v);
                        ed.touch_block(row, &["age_gate"]);
                    })/>
            </div>
            <ImagePicker ed target=ImageSlot::Thumbnail(row) id=id("thumb") label="Thumbnail"
                hint="A small picture beside the title. PNG, JPEG or WebP, up to 2 MB."/>
        }
        .into_any(),
        BlockKind::Heading => view! {
            <TextInput id=id("title") label="Title" value=row.title touch=touch(ed, row, "title") error=err("title") max=200/>
        }
        .into_any(),
        BlockKind::Text => view! {
            <TextInput id=id("body") label="Text" value=row.body touch=touch(ed, row, "body") error=err("body") multiline=true max=2000/>
        }
        .into_any(),
        BlockKind::Social => view! { <SocialList ed row/> }.into_any(),
        BlockKind::Image => view! {
            <ImagePicker ed target=ImageSlot::Picture(row) id=id("picture") label="Image"
                hint="PNG, JPEG or WebP, up to 2 MB. Large images are scaled down."/>
            <TextInput id=id("title") label="Alt text" value=row.title touch=touch(ed, row, "title") error=err("title") max=200
                hint="Describes the image for people who cannot see it."/>
            <TextInput id=id("url") label="Opens (optional)" value=row.url touch=touch(ed, row, "url") error=err("url")
                input_type="url" placeholder="https://" plain=true hint="Where a tap on the image goes."/>
        }
        .into_any(),
        BlockKind::Embed => view! {
            <TextInput id=id("url") label="URL" value=row.url touch=touch(ed, row, "url") error=err("url") input_type="url"
                placeholder="https://www.youtube.com/watch?v=…" plain=true hint="A YouTube video, or a Spotify or SoundCloud track, album or playlist."/>
            <TextInput id=id("title") label="Title (optional)" value=row.title touch=touch(ed, row, "title") error=err("title") max=200/>
        }
        .into_any(),
        BlockKind::Email => view! {
            <TextInput id=id("title") label="Title" value=row.title touch=touch(ed, row, "title") error=err("title") max=200/>
            <TextInput id=id("body") label="Description (optional)" value=row.body touch=touch(ed, row, "body") error=err("body")
                multiline=true max=2000/>
            <TextInput id=id("label") label="Button label" value=row.button_label touch=touch(ed, row, "button_label")
                error=err("button_label") max=40 placeholder="Subscribe" hint="Sign-ups are listed with the page's stats."/>
        }
        .into_any(),
        BlockKind::Spacer => view! { <HeightField ed row/> }.into_any(),
        BlockKind::Divider => view! { <p class="muted">"A thin line between blocks. There is nothing to set."</p> }.into_any(),
    }
}

fn icon_options() -> Vec<(String, String)> {
    std::iter::once((String::new(), "No icon".to_owned())).chain(NETWORKS.iter().map(|(c, l)| ((*c).to_owned(), (*l).to_owned()))).collect()
}

pub fn age_options(none: &str) -> Vec<(String, String)> {
    [("", none), ("18", "18+"), ("21", "21+"), ("25", "25+")].into_iter().map(|(v, t)| (v.to_owned(), t.to_owned())).collect()
}

#[component]
fn HeightField(ed: Ed, row: Row) -> impl IntoView {
    let id = format!("b{}-height", row.key);
    view! {
        <div class="field">
            <label class="field-label" for=id.clone()>"Height"</label>
            <div class="bio-range-row">
                <input type="range" id=id.clone() class="bio-range" min="8" max="160" step="4"
                    prop:value=move || row.height.get().to_string()
                    on:input=move |ev| {
                        if let Ok(h) = event_target_value(&ev).parse::<u16>() {
                            row.height.set(h);
                            ed.touch_block(row, &["height"]);
                        }
                    }/>
                <output for=id>{move || format!("{} px", row.height.get())}</output>
            </div>
        </div>
    }
}

/// Show from / until; values are in the browser's time zone and sent as UTC.
#[component]
fn Schedule(ed: Ed, row: Row) -> impl IntoView {
    let key = row.key;
    let both = Callback::new(move |()| ed.touch_block(row, &["starts_at", "ends_at"]));
    let set = row.starts_at.with_untracked(|s| !s.is_empty()) || row.ends_at.with_untracked(|e| !e.is_empty());
    view! {
        <details class="bio-more" open=set>
            <summary>"Schedule"</summary>
            <div class="form-grid">
                <TextInput id=format!("b{key}-starts") label="Show from" value=row.starts_at touch=both error=row.save.error("starts_at")
                    input_type="datetime-local"/>
                <TextInput id=format!("b{key}-ends") label="Show until" value=row.ends_at touch=both error=row.save.error("ends_at")
                    input_type="datetime-local"/>
            </div>
            <p class="field-hint">"Times are in your device's time zone. Leave both empty to show the block all the time."</p>
        </details>
    }
}

#[component]
fn SocialList(ed: Ed, row: Row) -> impl IntoView {
    let full = move || row.socials.with(|s| s.len() >= NETWORKS.len());
    let add = move |_| {
        let next = row.socials.with_untracked(|list| {
            let used: Vec<String> = list.iter().map(|s| s.network.get_untracked()).collect();
            NETWORKS.iter().map(|(c, _)| *c).find(|c| !used.iter().any(|u| u == c)).unwrap_or("website")
        });
        let social = ed.new_social(next, "");
        row.socials.update(|list| list.push(social));
        focus(format!("#s{}-url", social.key));
    };
    view! {
        <fieldset class="plain-fieldset stack-sm">
            <legend class="field-label">"Social icons"</legend>
            <ul class="bio-socials">
                <For each=move || row.socials.get() key=|s| s.key let:social>
                    <SocialItem ed row social/>
                </For>
            </ul>
            <p class="field-error">{move || row.save.error_under("socials", "socials.k").get()}</p>
            {ed.can_write.then(|| view! {
                <div>
                    <button type="button" class="btn btn-secondary btn-sm" disabled=full on:click=add><G name="plus"/>"Add icon"</button>
                </div>
            })}
        </fieldset>
    }
}

#[component]
fn SocialItem(ed: Ed, row: Row, social: super::state::Social) -> impl IntoView {
    let key = social.key;
    let network = move || network_label(&social.network.get()).unwrap_or("Link");
    let error = row.save.error(format!("socials.k{key}"));
    let changed = move || ed.touch_block(row, &["socials"]);
    let placeholder = move || match social.network.get().as_str() {
        "email" => "you@example.com",
        "whatsapp" => "https://wa.me/15551234567",
        _ => "https://",
    };
    view! {
        <li class="bio-social">
            <select id=format!("s{key}-network") class="field-input field-select" aria-label="Network"
                prop:value=move || social.network.get()
                on:change=move |ev| {
                    social.network.set(event_target_value(&ev));
                    changed();
                }>
                {NETWORKS
                    .iter()
                    .map(|(code, label)| view! { <option value=*code selected=move || social.network.with(|n| n == code)>{*label}</option> })
                    .collect_view()}
            </select>
            <input id=format!("s{key}-url") class="field-input" type="text" inputmode="url" autocomplete="off" autocapitalize="none"
                spellcheck="false" placeholder=placeholder aria-label=move || format!("{} address", network())
                aria-invalid=move || error.with(Option::is_some).then_some("true") aria-describedby=format!("s{key}-desc")
                prop:value=move || social.url.get()
                on:input=move |ev| {
                    social.url.set(event_target_value(&ev));
                    changed();
                }/>
            {ed.can_write.then(|| view! {
                <button type="button" class="bio-tool bio-tool-danger" aria-label=move || format!("Remove {}", network())
                    on:click=move |_| {
                        row.socials.update(|list| list.retain(|s| s.key != key));
                        changed();
                    }><G name="trash"/></button>
            })}
            <p id=format!("s{key}-desc") class="field-error">{move || error.get()}</p>
        </li>
    }
}

// ---- dragging with pointer events (mouse, pen and touch alike)

fn drag_start(ed: Ed, key: u64, ev: PointerEvent) {
    if !ev.is_primary() || ev.button() != 0 || ed.drag.with_untracked(Option::is_some) {
        return;
    }
    #[cfg(feature = "hydrate")]
    {
        super::browser::capture(&ev);
        // A mouse would select text; touch needs no default to stop (`touch-action: none`).
        if ev.pointer_type() == "mouse" {
            ev.prevent_default();
        }
        // An expanded row is closed to be carried: its handle stays under the finger (it is at
        // the top) and the list stays short enough to see where it goes.
        if ed.open.get_untracked() == Some(key) {
            ed.open.set(None);
        }
        ed.drag.set(Some(Drag {
            key,
            pointer: ev.pointer_id(),
            from: 0,
            to: 0,
            dy: 0.0,
            shift: 0.0,
            start_y: f64::from(ev.client_y()),
            start_scroll: super::browser::scroll_y(),
            measured: false,
        }));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

fn drag_move(ed: Ed, ev: PointerEvent) {
    let Some(d) = ed.drag.get_untracked() else { return };
    if ev.pointer_id() != d.pointer {
        return;
    }
    let y = f64::from(ev.client_y());
    #[cfg(feature = "hydrate")]
    let (d, scrolled) = {
        let Some(d) = measure(ed, d) else { return ed.drag.set(None) };
        super::browser::edge_scroll(y);
        (d, super::browser::scroll_y() - d.start_scroll)
    };
    #[cfg(not(feature = "hydrate"))]
    let scrolled = 0.0;
    // The pointer in the coordinates of the rows when the drag began.
    let at = y + scrolled;
    let to = ed.rects.with_value(|rects| drop_index(rects, at, d.to));
    ed.drag.set(Some(Drag { dy: at - d.start_y, to, ..d }));
}

/// Measures the rows on the first move (an expanded row being dragged has closed by then),
/// in the coordinates of the start of the drag.
#[cfg(feature = "hydrate")]
fn measure(ed: Ed, d: Drag) -> Option<Drag> {
    if d.measured {
        return Some(d);
    }
    let list = ed.list.get_untracked()?;
    let rects = super::browser::row_rects(&list);
    let from = ed.index_of(d.key).filter(|_| rects.len() == ed.rows.with_untracked(Vec::len))?;
    let gap = if rects.len() > 1 { (rects[1].0 - rects[0].1).max(0.0) } else { 0.0 };
    let since = super::browser::scroll_y() - d.start_scroll;
    let shift = rects[from].1 - rects[from].0 + gap;
    ed.rects.set_value(rects.into_iter().map(|(top, bottom)| (top + since, bottom + since)).collect());
    Some(Drag { from, to: from, shift, measured: true, ..d })
}

fn drag_end(ed: Ed, ev: PointerEvent, commit: bool) {
    let Some(d) = ed.drag.get_untracked() else { return };
    if ev.pointer_id() != d.pointer {
        return;
    }
    ed.drag.set(None);
    if commit && d.measured && d.to != d.from {
        ed.move_row(d.key, d.to);
    }
}

fn focus(selector: String) {
    #[cfg(feature = "hydrate")]
    super::browser::focus(selector);
    #[cfg(not(feature = "hydrate"))]
    let _ = selector;
}
