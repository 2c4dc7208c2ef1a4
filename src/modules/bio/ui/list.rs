//! `/w/{slug}/bio`: the workspace's link-in-bio pages as cards (status, address, links to the
//! editor, stats and the live page), and the dialog that starts a new page. Controls a member
//! may not use are not rendered (the server checks again anyway).
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};

use crate::app::layout::use_workspace;
use crate::modules::auth::ui::{field_error, initials};
use crate::modules::bio::server_fns::{create_bio_page, delete_bio_page, list_bio_pages, restore_bio_page};
use crate::modules::bio::types::{PageInput, PageView, parse_handle};
use crate::modules::workspaces::permissions::Permission;
use crate::modules::workspaces::types::WorkspaceView;
use crate::modules::workspaces::ui::{Time, error_view, loading_view, workspace_href};
use crate::shared::error::{AppError, FieldError};
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Icon, ToastKind, loaded, use_toasts};

type PagesResource = Resource<Result<Vec<PageView>, AppError>>;

/// A handle suggested from a title ("Zoë's Café!" → "zoes_cafe"): lowercase, spaces to `_`,
/// accents dropped, anything else removed. Only a suggestion; `parse_handle` still decides.
fn suggest_handle(title: &str) -> String {
    let mut out = String::new();
    for c in title.trim().chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            // A dot may not lead, trail or double; the trims below handle the ends.
            '.' if !out.ends_with(['.', '_']) => out.push('.'),
            ' ' | '_' | '-' | '/' | '&' | '+' if !out.is_empty() && !out.ends_with(['_', '.']) => out.push('_'),
            _ => {}
        }
    }
    let mut out: String = out.chars().take(30).collect();
    while out.ends_with(['_', '.']) {
        out.pop();
    }
    out.trim_start_matches(['_', '.']).to_owned()
}

/// The common Latin accented letters, so "José" suggests "jose" rather than "jos".
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        other => other,
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[component]
pub fn BioPagesPage() -> impl IntoView {
    let workspace = use_workspace();
    view! {
        <Title text="Link in bio"/>
        {move || workspace.get().map(|w| view! { <PagesBody w=w/> })}
    }
}

#[component]
fn PagesBody(w: WorkspaceView) -> impl IntoView {
    let (write, delete) = (w.can(Permission::BioWrite), w.can(Permission::BioDelete));
    let slug = w.slug.clone();
    let pages: PagesResource = Resource::new(
        {
            let slug = slug.clone();
            move || slug.clone()
        },
        list_bio_pages,
    );
    let creating = RwSignal::new(false);
    let open_new = Callback::new(move |()| creating.set(true));
    let to_delete = RwSignal::new(None::<PageView>);
    let confirm = RwSignal::new(false);
    // The page deleted last, offered back until another one goes or it is restored.
    let deleted = RwSignal::new(None::<PageView>);
    let ask_delete = Callback::new(move |p: PageView| {
        to_delete.set(Some(p));
        confirm.set(true);
    });
    let (list_slug, new_slug, delete_slug, restore_slug) = (slug.clone(), slug.clone(), slug.clone(), slug);
    view! {
        <div class="page-head bio-head">
            <div class="stack-sm">
                <h1 class="page-title">"Link in bio"</h1>
                <p class="muted">"One page for all your links, at your own /@handle. Put it in your social profiles."</p>
            </div>
            {write.then(|| view! {
                <Button on_click=open_new><Icon name="plus"/>"New page"</Button>
            })}
        </div>
        {delete.then(|| view! { <RestoreCallout slug=restore_slug.clone() deleted=deleted pages=pages/> })}
        <Transition fallback=loading_view>
            {move || {
                let slug = list_slug.clone();
                Suspend::new(async move {
                    match loaded(pages).await {
                        Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <section class="card">
                                <EmptyState icon="link" title="No pages yet"
                                    text=if write {
                                        "Make a page with your links, socials and an email sign-up, then share its address everywhere."
                                    } else {
                                        "Nobody has made a link-in-bio page in this workspace yet. Ask an editor to start one."
                                    }>
                                    {write.then(|| view! {
                                        <Button on_click=open_new>"Create your first page"</Button>
                                    })}
                                </EmptyState>
                            </section>
                        }
                        .into_any(),
                        Ok(list) => view! {
                            <ul class="bio-grid" aria-label="Pages">
                                {list.into_iter().map(|p| page_card(&slug, p, delete.then_some(ask_delete))).collect_view()}
                            </ul>
                        }
                        .into_any(),
                    }
                })
            }}
        </Transition>
        {write.then(|| view! {
            <Dialog open=creating title="New page">
                <NewPageForm slug=new_slug.clone() open=creating/>
            </Dialog>
        })}
        {delete.then(|| view! {
            <Dialog open=confirm title="Delete page?">
                <DeleteConfirm slug=delete_slug.clone() target=to_delete open=confirm deleted=deleted pages=pages/>
            </Dialog>
        })}
    }
}

/// The page's avatar, or its initials in the page's own button colours.
fn avatar(p: &PageView) -> AnyView {
    match &p.avatar_url {
        Some(url) => view! { <img class="bio-avatar" src=url.clone() alt="" width="48" height="48"/> }.into_any(),
        None => {
            // Theme colours are checked `#rrggbb` values (types::check_theme), safe in a style.
            let style = format!("background:{};color:{}", p.theme.button_color, p.theme.button_text_color);
            view! { <span class="bio-avatar avatar-initials" style=style aria-hidden="true">{initials(&p.title)}</span> }.into_any()
        }
    }
}

fn status_badge(p: &PageView) -> AnyView {
    match (p.status.as_str(), p.has_unpublished_changes) {
        ("published", true) => view! { <span class="badge badge-warning">"Unpublished changes"</span> }.into_any(),
        ("published", false) => view! { <span class="badge badge-success">"Published"</span> }.into_any(),
        _ => view! { <span class="badge">"Draft"</span> }.into_any(),
    }
}

fn page_card(slug: &str, p: PageView, ask_delete: Option<Callback<PageView>>) -> impl IntoView {
    let edit = workspace_href(slug, &format!("/bio/{}", p.id));
    let stats = workspace_href(slug, &format!("/bio/{}/stats", p.id));
    let live = (p.status == "published").then(|| p.public_url.clone());
    let title = p.title.clone();
    let delete = ask_delete.map(|ask| {
        let target = p.clone();
        view! {
            <Button variant=ButtonVariant::Ghost attr:aria-label=format!("Delete {title}")
                on_click=Callback::new(move |()| ask.run(target.clone()))>
                <Icon name="trash"/>
            </Button>
        }
    });
    let (edit_title, stats_title, view_title) = (p.title.clone(), p.title.clone(), p.title.clone());
    view! {
        <li class="card bio-page-card">
            <div class="bio-page-card-head">
                {avatar(&p)}
                <div class="list-main">
                    <h2 class="bio-page-card-title break">{p.title.clone()}</h2>
                    <span class="meta break">{format!("/@{}", p.handle)}</span>
                </div>
                {delete}
            </div>
            <div class="row bio-page-card-meta">
                {status_badge(&p)}
                <span class="meta">{plural(p.block_count, "block", "blocks")}</span>
                <span class="meta">"Updated "<Time at=p.updated_at.clone() date_only=true/></span>
            </div>
            <div class="bio-page-card-actions">
                <A href=edit attr:class="btn btn-secondary">"Edit"<span class="sr-only">" "{edit_title}</span></A>
                <A href=stats attr:class="btn btn-ghost"><Icon name="chart"/>"Stats"<span class="sr-only">" of "{stats_title}</span></A>
                {live.map(|href| view! {
                    <a href=href class="btn btn-ghost" target="_blank" rel="noopener">
                        <Icon name="globe"/>"View"<span class="sr-only">" "{view_title}" (opens in a new tab)"</span>
                    </a>
                })}
            </div>
        </li>
    }
}

/// Title and handle of a new page; on success the editor opens. The handle follows the title
/// until the user types one of their own.
#[component]
fn NewPageForm(slug: String, open: RwSignal<bool>) -> impl IntoView {
    let title = RwSignal::new(String::new());
    let handle = RwSignal::new(String::new());
    let last_suggested = StoredValue::new(String::new());
    let errors = RwSignal::new(None::<AppError>);
    let form_error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let title_error = field_error(errors, "title");
    Effect::new(move |_| {
        let suggested = suggest_handle(&title.get());
        let current = handle.get_untracked();
        if current.is_empty() || current == last_suggested.get_value() {
            handle.set(suggested.clone());
        }
        last_suggested.set_value(suggested);
    });
    // Typed handles are checked as they change; the server's answer (taken) wins once it comes.
    let handle_error = Signal::derive(move || {
        if let Some(server) = errors.with(|e| e.as_ref().and_then(|e| e.field_message("handle")).map(str::to_owned)) {
            return Some(server);
        }
        let h = handle.get();
        if h.trim().is_empty() { None } else { parse_handle(&h).err() }
    });
    // A new handle clears the server's verdict on the old one.
    Effect::new(move |prev: Option<String>| {
        let h = handle.get();
        if prev.is_some_and(|p| p != h) && errors.with_untracked(|e| e.as_ref().is_some_and(|e| e.field_message("handle").is_some())) {
            errors.set(None);
        }
        h
    });
    let preview = move || match parse_handle(&handle.get()) {
        Ok(h) => format!("Your page's address: /@{h}"),
        Err(_) => "3 to 30 characters: letters, numbers, _ and dots.".into(),
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let typed_title = title.get_untracked().trim().to_owned();
        let parsed = parse_handle(&handle.get_untracked());
        let mut problems = Vec::new();
        if typed_title.is_empty() {
            problems.push(FieldError { field: "title".into(), message: "Give the page a title, like your name or brand.".into() });
        }
        if let Err(message) = &parsed {
            problems.push(FieldError { field: "handle".into(), message: message.clone() });
        }
        form_error.set(None);
        let h = match parsed {
            Ok(h) if problems.is_empty() => h,
            _ => {
                errors.set(Some(AppError::Validation { errors: problems }));
                return;
            }
        };
        errors.set(None);
        saving.set(true);
        let input = PageInput { title: Some(typed_title), handle: Some(h), ..Default::default() };
        let (slug, navigate) = (slug.clone(), navigate.clone());
        spawn_local(async move {
            let result = create_bio_page(slug.clone(), input).await;
            saving.set(false);
            match result {
                Ok(page) => {
                    open.set(false);
                    toasts.show(ToastKind::Success, format!("Created /@{}. Add your links.", page.handle));
                    navigate(&workspace_href(&slug, &format!("/bio/{}", page.id)), NavigateOptions::default());
                }
                Err(err @ AppError::Validation { .. }) => {
                    // A message for a field this form does not have still needs to show.
                    let shown = err.field_message("title").is_some() || err.field_message("handle").is_some();
                    if !shown && let AppError::Validation { errors } = &err {
                        form_error.set(errors.first().map(|e| e.message.clone()));
                    }
                    errors.set(Some(err));
                }
                // The plan's limit message says what to do (upgrade, or delete a page).
                Err(err) => form_error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <div class="field">
                <label class="field-label" for="field-bio-title">"Title"</label>
                <input
                    id="field-bio-title"
                    name="title"
                    class="field-input"
                    autocomplete="off"
                    maxlength="100"
                    aria-invalid=move || title_error.get().is_some().then_some("true")
                    aria-describedby="field-bio-title-desc"
                    prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev))
                />
                <p id="field-bio-title-desc" class=move || if title_error.get().is_some() { "field-error" } else { "field-hint" }>
                    {move || title_error.get().unwrap_or_else(|| "Your name or brand, shown at the top of the page.".into())}
                </p>
            </div>
            <div class="field">
                <label class="field-label" for="field-bio-handle">"Handle"</label>
                <div class="input-group">
                    <span class="input-prefix" aria-hidden="true">"/@"</span>
                    <input
                        id="field-bio-handle"
                        name="handle"
                        class="field-input"
                        autocomplete="off"
                        autocapitalize="none"
                        spellcheck="false"
                        maxlength="31"
                        aria-invalid=move || handle_error.get().is_some().then_some("true")
                        aria-describedby="field-bio-handle-desc"
                        prop:value=move || handle.get()
                        on:input=move |ev| handle.set(event_target_value(&ev))
                    />
                </div>
                <p id="field-bio-handle-desc" class=move || if handle_error.get().is_some() { "field-error" } else { "field-hint" } aria-live="polite">
                    {move || handle_error.get().unwrap_or_else(preview)}
                </p>
            </div>
            {move || form_error.get().map(|message| view! { <p class="callout callout-warning break" role="alert">{message}</p> })}
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" loading=saving>"Create page"</Button>
            </div>
        </form>
    }
}

#[component]
fn DeleteConfirm(
    slug: String,
    target: RwSignal<Option<PageView>>,
    open: RwSignal<bool>,
    deleted: RwSignal<Option<PageView>>,
    pages: PagesResource,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let remove = Callback::new(move |()| {
        let Some(p) = target.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = delete_bio_page(slug, p.id).await;
            busy.set(false);
            match result {
                Ok(gone) => {
                    open.set(false);
                    deleted.set(Some(gone));
                    pages.refetch();
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    let text = move || {
        target.get().map(|p| {
            format!("/@{} goes offline right away. You can undo this from the list straight after.", p.handle)
        })
    };
    view! {
        <p class="muted break">{text}</p>
        <div class="row dialog-actions">
            <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
            <Button variant=ButtonVariant::Danger loading=busy on_click=remove>"Delete page"</Button>
        </div>
    }
}

/// "Deleted …  Restore": the undo for the last deleted page. It comes back as a draft.
#[component]
fn RestoreCallout(slug: String, deleted: RwSignal<Option<PageView>>, pages: PagesResource) -> impl IntoView {
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let restore = Callback::new(move |()| {
        let Some(p) = deleted.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = restore_bio_page(slug, p.id).await;
            busy.set(false);
            match result {
                Ok(back) => {
                    deleted.set(None);
                    toasts.show(ToastKind::Success, format!("Restored /@{} as a draft. Publish it to put it online.", back.handle));
                    pages.refetch();
                }
                // Taken handle, plan limit…: the server's message says which.
                Err(err) => toasts.show(ToastKind::Error, err.field_message("handle").map_or_else(|| err.to_string(), str::to_owned)),
            }
        });
    });
    view! {
        {move || deleted.get().map(|p| view! {
            <div class="callout bio-restore" role="status">
                <span class="break">{format!("Deleted “{}”.", p.title)}</span>
                <Button variant=ButtonVariant::Secondary loading=busy on_click=restore>"Restore"</Button>
            </div>
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_suggested_from_titles_are_valid_handles() {
        assert_eq!(suggest_handle("Ada on the web"), "ada_on_the_web");
        assert_eq!(suggest_handle("  Zoë's Café! "), "zoes_cafe");
        assert_eq!(suggest_handle("Rock & Roll -- Live"), "rock_roll_live");
        assert_eq!(suggest_handle("jane.doe"), "jane.doe");
        assert_eq!(suggest_handle("...Dots... everywhere.."), "dots.everywhere");
        assert_eq!(suggest_handle("🙂"), "");
        let long = suggest_handle(&"word ".repeat(20));
        assert!(long.len() <= 30 && !long.ends_with('_'), "{long}");
        for title in ["Ada on the web", "Zoë's Café!", "Studio 54", "jane.doe", "Rock & Roll -- Live"] {
            assert!(parse_handle(&suggest_handle(title)).is_ok(), "{title}");
        }
    }
}
