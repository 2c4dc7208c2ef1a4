//! `/w/{slug}/bio/{page}`: the editor of one bio page. Blocks, design, settings and sharing
//! sit in tabs on the left; the draft, rendered by the server exactly as the public page, sits
//! in a phone frame on the right (behind a Preview toggle on phones). Every edit saves itself
//! a moment after the last keystroke (`state`), and the top bar says whether all of it reached
//! the server. Members without `bio.write` see the same screens read-only.
mod blocks;
#[cfg(feature = "hydrate")]
mod browser;
mod design;
mod fields;
mod settings;
mod share;
mod state;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use uuid::Uuid;

use self::fields::G;
use self::state::{Ed, Status};
use crate::app::layout::use_workspace;
use crate::modules::bio::server_fns::get_bio_page;
use crate::modules::bio::types::PageView;
use crate::modules::workspaces::permissions::Permission;
use crate::modules::workspaces::ui::{error_view, loading_view, use_slug, workspace_href};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, EmptyState, ToastKind, loaded, use_toasts};

#[component]
pub fn BioEditorPage() -> impl IntoView {
    let slug = use_slug();
    let params = use_params_map();
    let page_id = Memo::new(move |_| params.with(|p| p.get("page")).and_then(|id| Uuid::parse_str(&id).ok()));
    let page = Resource::new(
        move || (slug.get(), page_id.get()),
        |(slug, id)| async move {
            match id {
                Some(id) => get_bio_page(slug, id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Bio page"/>
        <Transition fallback=loading_view>
            {move || Suspend::new(async move {
                match loaded(page).await {
                    Ok(p) if p.deleted_at.is_none() => view! { <Editor page=p/> }.into_any(),
                    Ok(_) | Err(AppError::NotFound) => not_found(&slug.get_untracked()).into_any(),
                    Err(err) => view! { <div class="card">{error_view(&err)}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn not_found(slug: &str) -> impl IntoView {
    let back = workspace_href(slug, "/bio");
    view! {
        <div class="card">
            <EmptyState icon="link" title="This page does not exist" text="It may have been deleted, or the link you followed is wrong.">
                <A href=back attr:class="btn btn-secondary">"Back to bio pages"</A>
            </EmptyState>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Blocks,
    Design,
    Settings,
    Share,
}

const TABS: [(Tab, &str, &str, &str); 4] = [
    (Tab::Blocks, "blocks", "Blocks", "grid"),
    (Tab::Design, "design", "Design", "palette"),
    (Tab::Settings, "settings", "Settings", "settings"),
    (Tab::Share, "share", "Share", "share"),
];

#[component]
fn Editor(page: PageView) -> impl IntoView {
    let workspace = use_workspace().get_untracked();
    let can = |p: Permission| workspace.as_ref().is_some_and(|w| w.can(p));
    let ed = Ed::new(page, use_slug().get_untracked(), can(Permission::BioWrite), can(Permission::BioDelete), use_toasts());
    let tab = RwSignal::new(Tab::Blocks);
    let show_preview = RwSignal::new(false);

    // Publishing waits for every save to land; a save that fails cancels it.
    Effect::new(move |_| {
        if !ed.publish_wanted.get() {
            return;
        }
        match ed.status() {
            Status::Saving => {}
            Status::Failed(problem) => {
                ed.publish_wanted.set(false);
                ed.toasts.show(ToastKind::Error, format!("Not published: {problem}"));
            }
            Status::Saved => {
                ed.publish_wanted.set(false);
                ed.publish_now();
            }
        }
    });
    // Leaving for another page of the app sends what still waits.
    on_cleanup(move || ed.send_waiting());
    #[cfg(feature = "hydrate")]
    {
        // Closing or reloading the tab while something is unsaved asks first.
        let guard = window_event_listener(leptos::ev::beforeunload, move |ev| {
            if !ed.gone() && ed.unsaved() {
                ev.prevent_default();
                ev.set_return_value("");
            }
        });
        on_cleanup(move || guard.remove());
    }

    let panel = move || match tab.get() {
        Tab::Blocks => view! { <blocks::BlocksTab ed/> }.into_any(),
        Tab::Design => view! { <design::DesignTab ed/> }.into_any(),
        Tab::Settings => view! { <settings::SettingsTab ed/> }.into_any(),
        Tab::Share => view! { <share::ShareTab ed/> }.into_any(),
    };
    let code = move || TABS.iter().find(|t| t.0 == tab.get()).map_or("blocks", |t| t.1);
    view! {
        <Title text=move || format!("Edit {}", page_title(ed))/>
        <div class="bio-editor" data-view=move || if show_preview.get() { "preview" } else { "edit" }>
            <TopBar ed show_preview/>
            {(!ed.can_write).then(|| view! {
                <p class="callout" role="note">"You can look at this page; editors and admins of the workspace can change it."</p>
            })}
            <div class="bio-layout">
                <div class="bio-main">
                    <Tabs tab/>
                    <div class="bio-panel" role="tabpanel" id=move || format!("bio-panel-{}", code())
                        aria-labelledby=move || format!("bio-tab-{}", code())>
                        {panel}
                    </div>
                </div>
                <Preview ed/>
            </div>
        </div>
    }
}

fn page_title(ed: Ed) -> String {
    let title = ed.f.title.with(|t| t.trim().to_owned());
    if title.is_empty() { "Untitled page".into() } else { title }
}

#[component]
fn TopBar(ed: Ed, show_preview: RwSignal<bool>) -> impl IntoView {
    let slug = ed.slug.get_value();
    let stats = workspace_href(&slug, &format!("/bio/{}/stats", ed.id));
    let published = move || ed.published();
    let actions = ed.can_write.then(|| {
        view! {
            <Show when=published>
                <Button variant=ButtonVariant::Ghost disabled=ed.publishing on_click=Callback::new(move |()| ed.unpublish())>"Unpublish"</Button>
            </Show>
            <Button loading=Signal::derive(move || ed.publishing.get() || ed.publish_wanted.get()) on_click=Callback::new(move |()| ed.publish())>
                "Publish"
            </Button>
        }
    });
    view! {
        <header class="bio-bar">
            <div class="bio-bar-head">
                <A href=workspace_href(&slug, "/bio") attr:class="icon-btn" attr:aria-label="Back to your pages"><G name="arrow-left"/></A>
                <div class="bio-bar-title">
                    <h1 class="bio-title">{move || page_title(ed)}</h1>
                    <div class="bio-bar-meta">
                        <StatusChip ed/>
                        {if ed.can_write { view! { <SaveState ed/> }.into_any() } else { view! { <span class="meta">"View only"</span> }.into_any() }}
                    </div>
                </div>
            </div>
            <div class="bio-bar-actions">
                <button type="button" class="btn btn-secondary btn-sm bio-narrow-only" aria-pressed=move || show_preview.get().to_string()
                    on:click=move |_| show_preview.update(|s| *s = !*s)>
                    {move || view! { <G name=if show_preview.get() { "pencil" } else { "eye" }/> }}
                    {move || if show_preview.get() { "Edit" } else { "Preview" }}
                </button>
                <A href=stats attr:class="btn btn-ghost btn-sm" attr:aria-label="Stats"><G name="chart"/><span class="bio-wide-only">"Stats"</span></A>
                <Show when=published>
                    <a class="btn btn-ghost btn-sm" href=move || ed.page.with(|p| p.public_url.clone()) target="_blank" rel="noopener"
                        aria-label="View page"><G name="external"/><span class="bio-wide-only">"View page"</span></a>
                </Show>
                {actions}
            </div>
        </header>
    }
}

/// Draft, Published, or Published with changes that are not live yet.
#[component]
fn StatusChip(ed: Ed) -> impl IntoView {
    let chip = move || {
        ed.page.with(|p| match (p.status == "published", p.has_unpublished_changes) {
            (true, true) => ("badge badge-warning", "Unpublished changes"),
            (true, false) => ("badge badge-success", "Published"),
            (false, _) => ("badge", "Draft"),
        })
    };
    view! { <span class=move || chip().0>{move || chip().1}</span> }
}

/// "Saving…", "Saved", or why not, with a retry.
#[component]
fn SaveState(ed: Ed) -> impl IntoView {
    let status = Memo::new(move |_| ed.status());
    let state = move || match status.get() {
        Status::Saved => "saved",
        Status::Saving => "saving",
        Status::Failed(_) => "failed",
    };
    let text = move || match status.get() {
        Status::Saved => "Saved".to_owned(),
        Status::Saving => "Saving…".to_owned(),
        Status::Failed(problem) => format!("Not saved — {problem}"),
    };
    view! {
        <p class="bio-save" role="status" data-state=state title=text>{text}</p>
        <Show when=move || matches!(status.get(), Status::Failed(_))>
            <button type="button" class="bio-retry" on:click=move |_| ed.retry()>"Retry"</button>
        </Show>
    }
}

#[component]
fn Tabs(tab: RwSignal<Tab>) -> impl IntoView {
    // Arrow keys move between tabs, as in any tab list.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let i = TABS.iter().position(|t| t.0 == tab.get_untracked()).unwrap_or_default();
        let next = match ev.key().as_str() {
            "ArrowRight" => (i + 1) % TABS.len(),
            "ArrowLeft" => (i + TABS.len() - 1) % TABS.len(),
            "Home" => 0,
            "End" => TABS.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        tab.set(TABS[next].0);
        focus_tab(TABS[next].1);
    };
    view! {
        <div class="bio-tabs" role="tablist" aria-label="Editor sections" on:keydown=on_key>
            {TABS
                .iter()
                .map(|&(t, code, label, icon)| {
                    let selected = move || tab.get() == t;
                    view! {
                        <button type="button" role="tab" class="bio-tab" id=format!("bio-tab-{code}")
                            aria-controls=format!("bio-panel-{code}") aria-selected=move || selected().to_string()
                            tabindex=move || if selected() { "0" } else { "-1" } on:click=move |_| tab.set(t)>
                            <G name=icon/>{label}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

fn focus_tab(code: &str) {
    #[cfg(feature = "hydrate")]
    browser::focus(format!("#bio-tab-{code}"));
    #[cfg(not(feature = "hydrate"))]
    let _ = code;
}

/// The draft in a phone frame, reloaded after every save.
#[component]
fn Preview(ed: Ed) -> impl IntoView {
    let slug = ed.slug.get_value();
    let src = move || format!("/api/v1/bio/pages/{}/preview?v={}&workspace={slug}", ed.id, ed.preview.get());
    view! {
        <aside class="bio-preview" aria-label="Preview">
            <div class="bio-phone">
                <iframe title="Preview of your page" src=src></iframe>
            </div>
            <p class="meta bio-preview-note">"Your draft, as visitors will see it once you publish."</p>
        </aside>
    }
}
