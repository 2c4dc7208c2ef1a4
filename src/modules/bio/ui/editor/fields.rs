//! The editor's controls: a labelled text field, a select, a segmented choice, an image
//! upload, and the extra icons it needs. Each control writes its signal and tells the
//! autosave; none of them saves by itself.
use leptos::prelude::*;

use super::state::{Ed, Row};
use crate::modules::bio::types::{BackgroundKind, BlockKind};
use crate::modules::workspaces::ui::FieldShell;
use crate::shared::ui::{Icon, Spinner};

/// Path data of the icons the shared set does not have (24×24, stroke).
fn own_path(name: &str) -> Option<&'static str> {
    Some(match name {
        "arrow-left" => "M19 12H5M11 6l-6 6 6 6",
        "grip" => "M9 6h.01M15 6h.01M9 12h.01M15 12h.01M9 18h.01M15 18h.01",
        "up" => "m6 15 6-6 6 6",
        "down" => "m6 9 6 6 6-6",
        "heading" => "M6 4v16M18 4v16M6 12h12",
        "text" => "M4 6h16M4 12h16M4 18h10",
        "image" => "M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4M15.5 9.5h.01",
        "play" => "M4 5h16v14H4zM10 9l5 3-5 3V9Z",
        "divider" => "M4 12h16M8 7h8M8 17h8",
        "spacer" => "M12 4v16M8 8l4-4 4 4M8 16l4 4 4-4",
        "external" => "M14 4h6v6M20 4l-9 9M18 14v6H4V6h6",
        "download" => "M12 4v11M7 10l5 5 5-5M5 20h14",
        "palette" => "M12 3a9 9 0 1 0 0 18c1 0 1.5-.8 1.5-1.5 0-1-.8-1.3-.8-2.2 0-.8.6-1.3 1.4-1.3H16a5 5 0 0 0 5-5c0-4.4-4-8-9-8ZM7.5 12h.01M9.5 7.5h.01M14.5 7.5h.01",
        "eye" => "M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12Zm10 3a3 3 0 1 0 0-6 3 3 0 0 0 0 6Z",
        "pencil" => "M4 20h4L19 9l-4-4L4 16v4Z",
        _ => return None,
    })
}

/// An icon from the shared set, or one of the editor's own.
#[component]
pub fn G(name: &'static str) -> impl IntoView {
    match own_path(name) {
        Some(d) => view! {
            <svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width=if name == "grip" { "3" } else { "1.8" }
                stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                <path d=d/>
            </svg>
        }
        .into_any(),
        None => view! { <Icon name=name/> }.into_any(),
    }
}

pub fn kind_icon(kind: BlockKind) -> &'static str {
    match kind {
        BlockKind::Link => "link",
        BlockKind::Heading => "heading",
        BlockKind::Text => "text",
        BlockKind::Social => "share",
        BlockKind::Image => "image",
        BlockKind::Embed => "play",
        BlockKind::Email => "mail",
        BlockKind::Divider => "divider",
        BlockKind::Spacer => "spacer",
    }
}

/// A labelled text input or textarea. It keeps what the user typed; `touch` tells the
/// autosave. With `max`, a counter shows the characters used.
#[component]
pub fn TextInput(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    touch: Callback<()>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] max: Option<usize>,
    #[prop(optional)] multiline: bool,
    #[prop(optional)] input_type: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    /// Shown before the input (`/@` before a handle).
    #[prop(optional)]
    prefix: Option<&'static str>,
    /// Addresses and handles: no capitals, spelling or autocomplete.
    #[prop(optional)]
    plain: bool,
) -> impl IntoView {
    let described = format!("{id}-desc");
    let invalid = move || error.with(Option::is_some).then_some("true");
    let on_input = move |ev: leptos::ev::Event| {
        value.set(event_target_value(&ev));
        touch.run(());
    };
    let control = if multiline {
        view! {
            <textarea id=id.clone() class="field-input field-textarea" rows="4" maxlength=max aria-invalid=invalid
                aria-describedby=described.clone() placeholder=placeholder prop:value=move || value.get() on:input=on_input></textarea>
        }
        .into_any()
    } else {
        let input = view! {
            <input id=id.clone() class="field-input" type=input_type.unwrap_or("text") maxlength=max placeholder=placeholder
                autocomplete=plain.then_some("off") autocapitalize=plain.then_some("none") spellcheck=plain.then_some("false")
                aria-invalid=invalid aria-describedby=described.clone() prop:value=move || value.get() on:input=on_input/>
        };
        match prefix {
            Some(p) => view! { <div class="input-group"><span class="input-prefix" aria-hidden="true">{p}</span>{input}</div> }.into_any(),
            None => input.into_any(),
        }
    };
    view! {
        <FieldShell label=label id=id hint=hint.map(str::to_owned) error=error>
            {control}
            {max.map(|m| view! {
                <span class="bio-count" aria-hidden="true">{move || format!("{} / {m}", value.with(|v| v.chars().count()))}</span>
            })}
        </FieldShell>
    }
}

/// A labelled select whose choice goes to `on_pick`.
#[component]
pub fn Choice(
    #[prop(into)] id: String,
    label: &'static str,
    options: Vec<(String, String)>,
    #[prop(into)] value: Signal<String>,
    on_pick: Callback<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let described = format!("{id}-desc");
    view! {
        <FieldShell label=label id=id.clone() hint=hint.map(str::to_owned) error=error>
            <select id=id class="field-input field-select" aria-describedby=described
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                prop:value=move || value.get() on:change=move |ev| on_pick.run(event_target_value(&ev))>
                {options
                    .into_iter()
                    .map(|(option, text)| {
                        let selected = {
                            let option = option.clone();
                            move || value.with(|v| *v == option)
                        };
                        view! { <option value=option selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </FieldShell>
    }
}

/// A few mutually exclusive options as one row of buttons (radio buttons underneath).
#[component]
pub fn Segmented(
    legend: &'static str,
    name: String,
    options: &'static [(&'static str, &'static str)],
    #[prop(into)] value: Signal<String>,
    on_pick: Callback<String>,
) -> impl IntoView {
    view! {
        <fieldset class="plain-fieldset field">
            <legend class="field-label">{legend}</legend>
            <div class="bio-seg">
                {options
                    .iter()
                    .map(|(code, text)| {
                        let code = *code;
                        view! {
                            <label class="bio-seg-item">
                                <input type="radio" class="sr-only" name=name.clone() value=code
                                    prop:checked=move || value.with(|v| v == code)
                                    on:change=move |_| on_pick.run(code.to_owned())/>
                                <span>{*text}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

/// Where an uploaded image goes.
#[derive(Clone, Copy)]
pub enum ImageSlot {
    Avatar,
    OgImage,
    Background,
    Thumbnail(Row),
    Picture(Row),
}

impl ImageSlot {
    fn value(self, ed: Ed) -> Option<String> {
        match self {
            Self::Avatar => ed.f.avatar_url.get(),
            Self::OgImage => ed.f.og_image_url.get(),
            Self::Background => ed.f.theme.with(|t| t.bg_image_url.clone()),
            Self::Thumbnail(row) => row.thumbnail_url.get(),
            Self::Picture(row) => row.image_url.get(),
        }
    }

    /// Stores the new URL (or none) in its field and lets the autosave send it.
    fn set(self, ed: Ed, url: Option<String>) {
        match self {
            Self::Avatar => {
                ed.f.avatar_url.set(url);
                ed.touch_page("avatar_url");
            }
            Self::OgImage => {
                ed.f.og_image_url.set(url);
                ed.touch_page("og_image_url");
            }
            Self::Background => ed.edit_theme(|t| {
                t.background = match (&url, t.background) {
                    (Some(_), _) => BackgroundKind::Image,
                    (None, BackgroundKind::Image) => BackgroundKind::Solid,
                    (None, other) => other,
                };
                t.bg_image_url = url;
            }),
            Self::Thumbnail(row) => {
                row.thumbnail_url.set(url);
                ed.touch_block(row, &["thumbnail_url"]);
            }
            Self::Picture(row) => {
                row.image_url.set(url);
                ed.touch_block(row, &["image_url"]);
            }
        }
    }

    fn error(self, ed: Ed) -> Signal<Option<String>> {
        match self {
            Self::Avatar => ed.page_save.error("avatar_url"),
            Self::OgImage => ed.page_save.error("og_image_url"),
            Self::Background => ed.page_save.error("theme.bg_image_url"),
            Self::Thumbnail(row) => row.save.error("thumbnail_url"),
            Self::Picture(row) => row.save.error("image_url"),
        }
    }

    /// `avatar` is cropped to a square by the server; the rest is scaled to fit.
    #[cfg(feature = "hydrate")]
    fn kind(self) -> &'static str {
        if matches!(self, Self::Avatar) { "avatar" } else { "image" }
    }
}

/// An image field: the current picture, upload or change, and remove.
#[component]
pub fn ImagePicker(
    ed: Ed,
    target: ImageSlot,
    #[prop(into)] id: String,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] round: bool,
) -> impl IntoView {
    let slot = target;
    let uploading = RwSignal::new(false);
    let local_error = RwSignal::new(None::<String>);
    let saved_error = slot.error(ed);
    let error = Signal::derive(move || local_error.get().or_else(|| saved_error.get()));
    let has = move || slot.value(ed).is_some();
    let described = format!("{id}-desc");
    let hint = hint.unwrap_or("PNG, JPEG or WebP, up to 2 MB.");
    let picture = move || match slot.value(ed) {
        Some(url) => view! { <img class=if round { "bio-thumb is-round" } else { "bio-thumb" } src=url alt="" width="64" height="64"/> }.into_any(),
        None => view! { <span class=if round { "bio-thumb bio-thumb-empty is-round" } else { "bio-thumb bio-thumb-empty" }><G name="image"/></span> }.into_any(),
    };
    let controls = ed.can_write.then(|| {
        let id = id.clone();
        view! {
            <input type="file" id=id.clone() class="sr-only file-input" accept="image/png,image/jpeg,image/webp"
                aria-describedby=described.clone() disabled=move || uploading.get()
                on:change=move |ev| upload(ed, slot, ev, uploading, local_error)/>
            <label for=id class="btn btn-secondary btn-sm">
                {move || if has() { "Change" } else { "Upload" }}<span class="sr-only">" "{label.to_lowercase()}</span>
            </label>
            <Show when=has>
                <button type="button" class="btn btn-ghost btn-sm" on:click=move |_| {
                    local_error.set(None);
                    slot.set(ed, None);
                }>"Remove"<span class="sr-only">" "{label.to_lowercase()}</span></button>
            </Show>
        }
    });
    view! {
        <div class="field">
            <span class="field-label">{label}</span>
            <div class="bio-image-row">
                {picture}
                {controls}
                <Show when=move || uploading.get()>
                    <span class="row meta"><Spinner small=true/>"Uploading…"</span>
                </Show>
            </div>
            <p id=described class=move || if error.with(Option::is_some) { "field-error" } else { "field-hint" }>
                {move || error.get().unwrap_or_else(|| hint.to_owned())}
            </p>
        </div>
    }
}

/// Checks the chosen file, sends it, and puts its URL in the slot's field.
#[cfg(feature = "hydrate")]
fn upload(ed: Ed, slot: ImageSlot, ev: leptos::ev::Event, uploading: RwSignal<bool>, error: RwSignal<Option<String>>) {
    let input: web_sys::HtmlInputElement = event_target(&ev);
    let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
    // Cleared so that choosing the same file again fires `change` again.
    input.set_value("");
    if let Err(message) = crate::modules::auth::ui::check_avatar(file.size(), &file.type_()) {
        error.set(Some(message));
        return;
    }
    error.set(None);
    uploading.set(true);
    let slug = ed.slug.get_value();
    leptos::task::spawn_local(async move {
        let result = super::browser::upload_image(&slug, ed.id, slot.kind(), &file).await;
        // The picker may be gone (another tab): setting its signals is harmless then.
        uploading.set(false);
        if ed.gone() {
            return;
        }
        match result {
            Ok(url) => slot.set(ed, Some(url)),
            Err(message) => error.set(Some(message)),
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn upload(_: Ed, _: ImageSlot, _: leptos::ev::Event, _: RwSignal<bool>, _: RwSignal<Option<String>>) {}
