//! The Design tab: the preset themes as small previews drawn in their own colours, then every
//! part of the theme to customise. Any change but a preset makes the theme "custom".
use leptos::prelude::*;

use super::fields::{Choice, ImagePicker, ImageSlot, Segmented};
use super::state::Ed;
use crate::modules::bio::types::{BackgroundKind, ButtonShape, ButtonStyle, FONTS, THEMES, Theme, theme_preset};

/// CSS for a miniature of a theme's background and text.
fn backdrop(t: &Theme) -> String {
    let bg = match t.background {
        BackgroundKind::Gradient => format!("linear-gradient(160deg,{},{})", t.bg_color, t.bg_color2),
        _ => t.bg_color.clone(),
    };
    format!("background:{bg};color:{}", t.text_color)
}

/// CSS for a miniature of a theme's buttons.
fn button_css(t: &Theme) -> String {
    let radius = match t.button_shape {
        ButtonShape::Square => "2px",
        ButtonShape::Rounded => "6px",
        ButtonShape::Pill => "999px",
    };
    let paint = match t.button_style {
        ButtonStyle::Fill => format!("background:{}", t.button_color),
        ButtonStyle::Outline => format!("border:2px solid {}", t.button_color),
        ButtonStyle::Soft => format!("background:color-mix(in srgb,{} 35%,transparent)", t.button_color),
        ButtonStyle::Shadow => format!("background:{};box-shadow:2px 2px 0 {}", t.button_color, t.text_color),
    };
    format!("border-radius:{radius};{paint}")
}

fn background_code(b: BackgroundKind) -> &'static str {
    match b {
        BackgroundKind::Solid => "solid",
        BackgroundKind::Gradient => "gradient",
        BackgroundKind::Image => "image",
    }
}

fn shape_code(s: ButtonShape) -> &'static str {
    match s {
        ButtonShape::Square => "square",
        ButtonShape::Rounded => "rounded",
        ButtonShape::Pill => "pill",
    }
}

fn style_code(s: ButtonStyle) -> &'static str {
    match s {
        ButtonStyle::Fill => "fill",
        ButtonStyle::Outline => "outline",
        ButtonStyle::Soft => "soft",
        ButtonStyle::Shadow => "shadow",
    }
}

#[component]
pub fn DesignTab(ed: Ed) -> impl IntoView {
    let theme = ed.f.theme;
    let presets = THEMES
        .iter()
        .filter_map(|p| theme_preset(p.code).map(|t| (p.code, p.label, t)))
        .map(|(code, label, t)| {
            let (back, button) = (backdrop(&t), button_css(&t));
            view! {
                <button type="button" class="bio-theme" disabled=!ed.can_write
                    aria-pressed=move || theme.with(|t| t.preset == code).to_string()
                    on:click=move |_| ed.pick_preset(t.clone())>
                    <span class="bio-theme-art" style=back aria-hidden="true">
                        <span class="bio-theme-dot"></span>
                        <span class="bio-theme-bar" style=button.clone()></span>
                        <span class="bio-theme-bar" style=button.clone()></span>
                        <span class="bio-theme-bar" style=button></span>
                    </span>
                    <span>{label}</span>
                </button>
            }
        })
        .collect_view();
    let background = Signal::derive(move || background_code(theme.with(|t| t.background)).to_owned());
    let pick_background = Callback::new(move |code: String| {
        ed.edit_theme(|t| {
            t.background = match code.as_str() {
                "gradient" => BackgroundKind::Gradient,
                "image" => BackgroundKind::Image,
                _ => BackgroundKind::Solid,
            }
        });
    });
    let font = Signal::derive(move || theme.with(|t| t.font.clone()));
    let shape = Signal::derive(move || shape_code(theme.with(|t| t.button_shape)).to_owned());
    let style = Signal::derive(move || style_code(theme.with(|t| t.button_style)).to_owned());
    view! {
        <section class="card stack" aria-labelledby="bio-themes-title">
            <h2 id="bio-themes-title" class="card-title bio-card-title">"Themes"</h2>
            <div class="bio-themes" role="group" aria-labelledby="bio-themes-title">{presets}</div>
            <p class="field-hint">
                {move || if theme.with(|t| t.preset == "custom") { "Your own theme. Pick a preset to start over." } else { "Change anything below to make it your own." }}
            </p>
        </section>
        <section class="card stack" aria-labelledby="bio-custom-title">
            <h2 id="bio-custom-title" class="card-title bio-card-title">"Customise"</h2>
            <fieldset class="plain-fieldset stack" disabled=!ed.can_write>
                <legend class="sr-only">"Theme"</legend>
                <Segmented legend="Background" name="bio-background".into() value=background on_pick=pick_background
                    options=&[("solid", "Colour"), ("gradient", "Gradient"), ("image", "Image")]/>
                <Show when=move || theme.with(|t| t.background == BackgroundKind::Image)>
                    <ImagePicker ed target=ImageSlot::Background id="bio-bg-image" label="Background image"
                        hint="PNG, JPEG or WebP, up to 2 MB. Text stays readable on calm, darker pictures."/>
                </Show>
                <div class="bio-colors">
                    <ColorField ed label="Background colour" field="bg_color"/>
                    <Show when=move || theme.with(|t| t.background == BackgroundKind::Gradient)>
                        <ColorField ed label="Gradient end" field="bg_color2"/>
                    </Show>
                    <ColorField ed label="Text" field="text_color"/>
                    <ColorField ed label="Buttons" field="button_color"/>
                    <ColorField ed label="Button text" field="button_text_color"/>
                </div>
                <Choice id="bio-font" label="Font" value=font error=ed.page_save.error("theme.font")
                    options=FONTS.iter().map(|(code, label, _)| ((*code).to_owned(), (*label).to_owned())).collect()
                    on_pick=Callback::new(move |code: String| ed.edit_theme(|t| t.font = code))/>
                <Segmented legend="Button shape" name="bio-shape".into() value=shape
                    options=&[("square", "Square"), ("rounded", "Rounded"), ("pill", "Pill")]
                    on_pick=Callback::new(move |code: String| ed.edit_theme(|t| {
                        t.button_shape = match code.as_str() {
                            "square" => ButtonShape::Square,
                            "pill" => ButtonShape::Pill,
                            _ => ButtonShape::Rounded,
                        }
                    }))/>
                <Segmented legend="Button style" name="bio-style".into() value=style
                    options=&[("fill", "Fill"), ("outline", "Outline"), ("soft", "Soft"), ("shadow", "Shadow")]
                    on_pick=Callback::new(move |code: String| ed.edit_theme(|t| {
                        t.button_style = match code.as_str() {
                            "outline" => ButtonStyle::Outline,
                            "soft" => ButtonStyle::Soft,
                            "shadow" => ButtonStyle::Shadow,
                            _ => ButtonStyle::Fill,
                        }
                    }))/>
                <p class="field-error">{move || ed.page_save.error("theme.preset").get().or_else(|| ed.page_save.error("theme").get())}</p>
            </fieldset>
        </section>
    }
}

/// The colour of one part of the theme (`field` names it in `Theme` and in messages).
#[component]
fn ColorField(ed: Ed, label: &'static str, field: &'static str) -> impl IntoView {
    let theme = ed.f.theme;
    let id = format!("bio-{field}");
    let error = ed.page_save.error(format!("theme.{field}"));
    let value = move || {
        theme.with(|t| match field {
            "bg_color" => t.bg_color.clone(),
            "bg_color2" => t.bg_color2.clone(),
            "text_color" => t.text_color.clone(),
            "button_color" => t.button_color.clone(),
            _ => t.button_text_color.clone(),
        })
    };
    let set = move |color: String| {
        ed.edit_theme(|t| match field {
            "bg_color" => t.bg_color = color,
            "bg_color2" => t.bg_color2 = color,
            "text_color" => t.text_color = color,
            "button_color" => t.button_color = color,
            _ => t.button_text_color = color,
        });
    };
    view! {
        <div class="field">
            <label class="field-label" for=id.clone()>{label}</label>
            <div class="color-row">
                <input type="color" id=id.clone() class="color-input" aria-describedby=format!("{id}-desc")
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    prop:value=value on:input=move |ev| set(event_target_value(&ev))/>
                <code class="meta">{value}</code>
            </div>
            <p id=format!("{id}-desc") class="field-error bio-color-error">{move || error.get()}</p>
        </div>
    }
}
