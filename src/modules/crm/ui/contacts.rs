//! `/w/{slug}/crm`: the contact list. Search, tag, segment and sort live in the URL
//! (`?q=&tag=&segment=&sort=`), so a reload, a shared link or a segment's "View contacts" link
//! shows the same list, rendered by the server. Rows can be selected for bulk tagging and
//! deleting; deleted contacts are listed on request and can be restored.
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, components::A, hooks::{use_navigate, use_query_map}, params::ParamsMap};
use uuid::Uuid;

use super::{Access, CrmHeader, CrmIcon, Debounce, consent_badge, enc, form_alert, plural, split_list, tag_style, unshown_error, use_access};
use crate::modules::auth::types::Page;
use crate::modules::auth::ui::field_error;
use crate::modules::crm::server_fns::{bulk_contacts, create_contact, list_contacts, list_segments, list_tags, restore_contact};
use crate::modules::crm::types::{BulkAction, BulkInput, ContactInput, ContactQuery, ContactView, TagView};
use crate::modules::workspaces::ui::{SelectField, Time, error_view, loading_view, workspace_href};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Icon, TextField, ToastKind, loaded, use_toasts};

const DEFAULT_SORT: &str = "-created_at";
const SORTS: [(&str, &str); 5] =
    [("-created_at", "Newest"), ("created_at", "Oldest"), ("name", "Name A–Z"), ("-name", "Name Z–A"), ("-updated_at", "Recently updated")];
const PAGE_SIZE: u32 = 50;

/// The list's search, tag, segment and sort, as the URL holds them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Filters {
    q: String,
    tag: String,
    segment: String,
    sort: String,
}

impl Filters {
    fn from_query(query: &ParamsMap) -> Self {
        let get = |key: &str| query.get(key).map(|v| v.trim().to_owned()).unwrap_or_default();
        let sort = get("sort");
        let segment = get("segment");
        Filters {
            q: get("q"),
            tag: get("tag"),
            segment: if Uuid::parse_str(&segment).is_ok() { segment } else { String::new() },
            sort: if SORTS.iter().any(|(s, _)| *s == sort) { sort } else { DEFAULT_SORT.to_owned() },
        }
    }

    fn filtering(&self) -> bool {
        !self.q.is_empty() || !self.tag.is_empty() || !self.segment.is_empty()
    }

    fn pairs(&self, segment_key: &str, with_default_sort: bool) -> Vec<String> {
        let mut out = Vec::new();
        for (key, value) in [("q", &self.q), ("tag", &self.tag), (segment_key, &self.segment)] {
            if !value.is_empty() {
                out.push(format!("{key}={}", enc(value)));
            }
        }
        if with_default_sort || self.sort != DEFAULT_SORT {
            out.push(format!("sort={}", enc(&self.sort)));
        }
        out
    }

    /// This list's own address.
    fn href(&self, slug: &str) -> String {
        let pairs = self.pairs("segment", false);
        let base = workspace_href(slug, "/crm");
        if pairs.is_empty() { base } else { format!("{base}?{}", pairs.join("&")) }
    }

    /// The CSV of every contact this list matches (the REST API reads the workspace from `?workspace=`).
    fn export_href(&self, slug: &str) -> String {
        let mut pairs = vec![format!("workspace={}", enc(slug))];
        pairs.extend(self.pairs("segment_id", true));
        format!("/api/v1/crm/contacts/export?{}", pairs.join("&"))
    }

    fn contact_query(&self, deleted: bool, cursor: Option<String>) -> ContactQuery {
        let some = |v: &String| (!v.is_empty()).then(|| v.clone());
        ContactQuery {
            q: some(&self.q),
            tag: some(&self.tag),
            segment_id: Uuid::parse_str(&self.segment).ok(),
            sort: Some(self.sort.clone()),
            limit: Some(PAGE_SIZE),
            cursor,
            deleted,
            ..Default::default()
        }
    }
}

#[component]
pub fn ContactsPage() -> impl IntoView {
    let access = use_access();
    view! {
        <Title text="Contacts"/>
        {move || access.get().map(|a| view! { <ContactsBody a=a/> })}
    }
}

#[component]
fn ContactsBody(a: Access) -> impl IntoView {
    let Access { slug, write, delete } = a;
    let toasts = use_toasts();
    let query = use_query_map();
    let filters = Memo::new(move |_| query.with(Filters::from_query));
    let show_deleted = RwSignal::new(false);
    let reload = RwSignal::new(0u32);
    let selected = RwSignal::new(BTreeSet::<Uuid>::new());
    let contacts: Resource<Result<Page<ContactView>, AppError>> = Resource::new(
        {
            let slug = slug.clone();
            move || (slug.clone(), filters.get(), show_deleted.get(), reload.get())
        },
        |(slug, f, deleted, _)| list_contacts(slug, f.contact_query(deleted, None)),
    );
    let tags: Resource<Result<Vec<TagView>, AppError>> = Resource::new(
        {
            let slug = slug.clone();
            move || (slug.clone(), reload.get())
        },
        |(slug, _)| list_tags(slug),
    );
    let segments = Resource::new(
        {
            let slug = slug.clone();
            move || slug.clone()
        },
        list_segments,
    );

    // The controls write the URL; the URL decides the list.
    let navigate = use_navigate();
    let go = Callback::new({
        let slug = slug.clone();
        move |f: Filters| {
            if f != filters.get_untracked() {
                navigate(&f.href(&slug), NavigateOptions { replace: true, scroll: false, ..Default::default() });
            }
        }
    });
    let initial = filters.get_untracked();
    let search = RwSignal::new(initial.q.clone());
    let tag = RwSignal::new(initial.tag.clone());
    let segment = RwSignal::new(initial.segment.clone());
    let sort = RwSignal::new(initial.sort.clone());
    // The search last sent to the URL: a different one there came from outside (back button).
    let pushed_q = StoredValue::new(initial.q);
    let debounce = Debounce::new();
    let on_search = move |ev: leptos::ev::Event| {
        search.set(event_target_value(&ev));
        debounce.run(250, move || {
            let q = search.get_untracked().trim().to_owned();
            pushed_q.set_value(q.clone());
            go.run(Filters { q, ..filters.get_untracked() });
        });
    };
    Effect::new(move |_| {
        let f = filters.get();
        if f.q != pushed_q.get_value() {
            pushed_q.set_value(f.q.clone());
            search.set(f.q.clone());
        }
        for (signal, value) in [(tag, f.tag), (segment, f.segment), (sort, f.sort)] {
            if signal.get_untracked() != value {
                signal.set(value);
            }
        }
    });
    Effect::new(move |first: Option<()>| {
        let (t, s, o) = (tag.get(), segment.get(), sort.get());
        if first.is_some() {
            go.run(Filters { tag: t, segment: s, sort: o, ..filters.get_untracked() });
        }
    });
    // A new list starts with nothing selected.
    Effect::new(move |_| {
        let _ = (filters.get(), show_deleted.get(), reload.get());
        selected.set(BTreeSet::new());
    });

    let creating = RwSignal::new(false);
    let open_new = Callback::new(move |()| creating.set(true));
    let created = Callback::new(move |c: ContactView| {
        toasts.show(ToastKind::Success, format!("Added {}.", c.name));
        reload.update(|n| *n += 1);
    });
    let restoring = RwSignal::new(None::<Uuid>);
    let restore = Callback::new({
        let slug = slug.clone();
        move |c: ContactView| {
            if restoring.get_untracked().is_some() {
                return;
            }
            restoring.set(Some(c.id));
            let slug = slug.clone();
            spawn_local(async move {
                let result = restore_contact(slug, c.id).await;
                restoring.set(None);
                match result {
                    Ok(back) => {
                        toasts.show(ToastKind::Success, format!("Restored {}.", back.name));
                        reload.update(|n| *n += 1);
                    }
                    Err(err) => toasts.show(ToastKind::Error, err.field_message("email").map_or_else(|| err.to_string(), str::to_owned)),
                }
            });
        }
    });
    let clear = Callback::new(move |()| {
        search.set(String::new());
        pushed_q.set_value(String::new());
        go.run(Filters { sort: filters.get_untracked().sort, ..Default::default() });
    });

    let pending = RwSignal::new(false);
    let list_slug = slug.clone();
    let export_slug = slug.clone();
    let bulk_slug = slug.clone();
    let new_slug = slug;
    view! {
        <CrmHeader slug=list_slug.clone() title="Contacts" text="Everyone you do business with: their details, tags, consent and history.">
            {write.then(|| view! { <Button on_click=open_new><Icon name="plus"/>"New contact"</Button> })}
        </CrmHeader>
        <section class="card crm-toolbar" aria-label="Find contacts">
            <div class="field crm-search">
                <label class="field-label" for="crm-search">"Search contacts"</label>
                <div class="crm-search-box">
                    <CrmIcon name="search"/>
                    <input
                        id="crm-search"
                        type="search"
                        class="field-input"
                        autocomplete="off"
                        placeholder="Name, email, phone or company"
                        prop:value=move || search.get()
                        on:input=on_search
                    />
                </div>
            </div>
            <div class="crm-filters">
                <Transition fallback=|| view! { <div class="crm-filter-wait"></div> }>
                    {move || Suspend::new(async move {
                        let mut options = vec![(String::new(), "All tags".to_owned())];
                        if let Ok(list) = loaded(tags).await {
                            options.extend(list.into_iter().map(|t| (t.name.clone(), format!("{} ({})", t.name, t.contact_count))));
                        }
                        let current = tag.get_untracked();
                        if !current.is_empty() && !options.iter().any(|(v, _)| *v == current) {
                            options.push((current.clone(), current));
                        }
                        view! { <SelectField label="Tag" name="tag" value=tag options=options/> }
                    })}
                </Transition>
                <Transition fallback=|| view! { <div class="crm-filter-wait"></div> }>
                    {move || Suspend::new(async move {
                        let mut options = vec![(String::new(), "All contacts".to_owned())];
                        if let Ok(list) = loaded(segments).await {
                            options.extend(list.into_iter().map(|s| (s.id.to_string(), format!("{} ({})", s.name, s.count))));
                        }
                        let current = segment.get_untracked();
                        if !current.is_empty() && !options.iter().any(|(v, _)| *v == current) {
                            options.push((current, "A deleted segment".to_owned()));
                        }
                        view! { <SelectField label="Segment" name="segment" value=segment options=options/> }
                    })}
                </Transition>
                <SelectField label="Sort" name="sort" value=sort
                    options=SORTS.iter().map(|(v, t)| ((*v).to_owned(), (*t).to_owned())).collect()/>
            </div>
            <div class="crm-toolbar-row">
                <label class="check">
                    <input type="checkbox" prop:checked=move || show_deleted.get() on:change=move |ev| show_deleted.set(event_target_checked(&ev))/>
                    "Show deleted"
                </label>
                <a class="btn btn-secondary btn-sm" href=move || filters.with(|f| f.export_href(&export_slug)) download="contacts.csv" rel="external">
                    <CrmIcon name="download"/>"Export CSV"
                </a>
            </div>
        </section>
        {write.then(|| view! {
            <BulkBar slug=bulk_slug.clone() selected=selected reload=reload can_delete=delete hidden=show_deleted/>
        })}
        <div class="crm-list" aria-busy=move || pending.get().then_some("true")>
            <Transition fallback=loading_view set_pending=pending>
                {move || {
                    let slug = list_slug.clone();
                    Suspend::new(async move {
                        let deleted = show_deleted.get_untracked();
                        let f = filters.get_untracked();
                        let colors: HashMap<String, String> =
                            tags.await.map(|list| list.into_iter().map(|t| (t.name.to_lowercase(), t.color)).collect()).unwrap_or_default();
                        match loaded(contacts).await {
                            Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                            Ok(page) if page.total == 0 => empty_view(deleted, f.filtering(), write, open_new, clear).into_any(),
                            Ok(page) => {
                                let ctx = RowCtx {
                                    slug,
                                    colors: Arc::new(colors),
                                    selected,
                                    selectable: write && !deleted,
                                    deleted,
                                    restore: (write && deleted).then_some(restore),
                                    restoring,
                                };
                                let query = f.contact_query(deleted, None);
                                view! { <ContactTable ctx=ctx page=page query=query/> }.into_any()
                            }
                        }
                    })
                }}
            </Transition>
        </div>
        {write.then(|| view! {
            <Dialog open=creating title="New contact">
                <NewContactForm slug=new_slug.clone() open=creating created=created/>
            </Dialog>
        })}
    }
}

fn empty_view(deleted: bool, filtering: bool, write: bool, open_new: Callback<()>, clear: Callback<()>) -> impl IntoView {
    let body = if deleted {
        view! { <EmptyState icon="trash" title="No deleted contacts" text="Contacts you delete are kept here, ready to restore."/> }.into_any()
    } else if filtering {
        view! {
            <EmptyState icon="users" title="No contacts match" text="Try other words, or another tag or segment.">
                <Button variant=ButtonVariant::Secondary on_click=clear>"Clear filters"</Button>
            </EmptyState>
        }
        .into_any()
    } else {
        let text = if write {
            "Add the people you work with, or import them as CSV through the API. Tag them, segment them and see their history in one place."
        } else {
            "Nobody has added a contact to this workspace yet. Ask an editor to add the first one."
        };
        view! {
            <EmptyState icon="users" title="No contacts yet" text=text>
                {write.then(|| view! { <Button on_click=open_new><Icon name="plus"/>"Add your first contact"</Button> })}
            </EmptyState>
        }
        .into_any()
    };
    view! { <section class="card">{body}</section> }
}

/// What every row needs besides its contact.
#[derive(Clone)]
struct RowCtx {
    slug: String,
    /// Tag colours by lower-cased name.
    colors: Arc<HashMap<String, String>>,
    selected: RwSignal<BTreeSet<Uuid>>,
    selectable: bool,
    deleted: bool,
    restore: Option<Callback<ContactView>>,
    restoring: RwSignal<Option<Uuid>>,
}

/// A table on wide screens and a list of cards on phones (CSS), with "Load more" under it.
#[component]
fn ContactTable(ctx: RowCtx, page: Page<ContactView>, query: ContactQuery) -> impl IntoView {
    let toasts = use_toasts();
    let first_ids: Vec<Uuid> = page.items.iter().map(|c| c.id).collect();
    let more = RwSignal::new(Vec::<ContactView>::new());
    let cursor = RwSignal::new(page.next_cursor.clone());
    let loading = RwSignal::new(false);
    let selected = ctx.selected;
    let visible = Memo::new(move |_| {
        let mut ids = first_ids.clone();
        more.with(|m| ids.extend(m.iter().map(|c| c.id)));
        ids
    });
    let all_checked = move || {
        let ids = visible.get();
        !ids.is_empty() && selected.with(|s| ids.iter().all(|id| s.contains(id)))
    };
    let toggle_all = move |on: bool| {
        let ids = visible.get_untracked();
        selected.update(|s| {
            for id in ids {
                if on {
                    s.insert(id);
                } else {
                    s.remove(&id);
                }
            }
        });
    };
    let slug = ctx.slug.clone();
    let load_more = Callback::new(move |()| {
        let Some(next) = cursor.get_untracked() else { return };
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        let (slug, q) = (slug.clone(), ContactQuery { cursor: Some(next), ..query.clone() });
        spawn_local(async move {
            let result = list_contacts(slug, q).await;
            loading.set(false);
            match result {
                Ok(p) => {
                    more.update(|m| m.extend(p.items));
                    cursor.set(p.next_cursor);
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    let (first_len, total) = (page.items.len(), page.total);
    let shown = move || first_len + more.with(Vec::len);
    let what = if ctx.deleted { ("deleted contact", "deleted contacts") } else { ("contact", "contacts") };
    let (head_ctx, more_ctx) = (ctx.clone(), ctx.clone());
    let first_rows = page.items.into_iter().map(|c| row(ctx.clone(), c)).collect_view();
    view! {
        <div class="crm-count-row">
            <p class="crm-count" role="status">{plural(total, what.0, what.1)}</p>
            <p class="meta">{move || (shown() < total as usize).then(|| format!("Showing {}", shown()))}</p>
        </div>
        <div class="card crm-table-card">
            <div class="table-wrap">
                <table class="table crm-table">
                    <caption class="sr-only">"Contacts"</caption>
                    <thead>
                        <tr>
                            {head_ctx.selectable.then(|| view! {
                                <th scope="col" class="crm-check">
                                    <input type="checkbox" aria-label="Select all on this page"
                                        prop:checked=all_checked on:change=move |ev| toggle_all(event_target_checked(&ev))/>
                                </th>
                            })}
                            <th scope="col">"Name"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Company"</th>
                            <th scope="col">"Tags"</th>
                            <th scope="col">{if head_ctx.deleted { "Deleted" } else { "Consent" }}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {first_rows}
                        <For each=move || more.get() key=|c| c.id let:c>
                            {row(more_ctx.clone(), c)}
                        </For>
                    </tbody>
                </table>
            </div>
        </div>
        <Show when=move || cursor.with(Option::is_some)>
            <div class="crm-more">
                <Button variant=ButtonVariant::Secondary loading=loading on_click=load_more>"Load more"</Button>
            </div>
        </Show>
    }
}

fn row(ctx: RowCtx, c: ContactView) -> impl IntoView {
    let id = c.id;
    let selected = ctx.selected;
    let href = workspace_href(&ctx.slug, &format!("/crm/contacts/{id}"));
    let check = ctx.selectable.then(|| {
        let label = format!("Select {}", c.name);
        view! {
            <td class="crm-check">
                <input type="checkbox" aria-label=label
                    prop:checked=move || selected.with(|s| s.contains(&id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| {
                            if on { s.insert(id); } else { s.remove(&id); }
                        });
                    }/>
            </td>
        }
    });
    let chips = c
        .tags
        .iter()
        .map(|t| {
            let style = ctx.colors.get(&t.to_lowercase()).and_then(|color| tag_style(color));
            view! { <li class="chip" style=style>{t.clone()}</li> }
        })
        .collect_view();
    let last = if ctx.deleted {
        let restore = ctx.restore.map(|cb| {
            let (target, restoring, name) = (c.clone(), ctx.restoring, c.name.clone());
            view! {
                <Button variant=ButtonVariant::Secondary loading=Signal::derive(move || restoring.get() == Some(id))
                    on_click=Callback::new(move |()| cb.run(target.clone()))>
                    <CrmIcon name="undo"/>"Restore"<span class="sr-only">" "{name}</span>
                </Button>
            }
        });
        view! {
            <td class="crm-last">
                <div class="crm-deleted">
                    {c.deleted_at.clone().map(|at| view! { <span class="meta"><Time at=at date_only=true/></span> })}
                    {restore}
                </div>
            </td>
        }
        .into_any()
    } else {
        view! { <td class="crm-last">{consent_badge(c.consent_status)}</td> }.into_any()
    };
    let sub = (!c.job_title.is_empty()).then(|| view! { <span class="meta break">{c.job_title.clone()}</span> });
    view! {
        <tr class=move || if selected.with(|s| s.contains(&id)) { "is-selected" } else { "" }>
            {check}
            <td class="crm-name">
                <A href=href attr:class="crm-name-link break">{c.name.clone()}</A>
                {sub}
            </td>
            <td class="crm-email break">{c.email.clone()}</td>
            <td class="crm-company break">{c.company_name.clone()}</td>
            <td class="crm-tags"><ul class="chips" aria-label="Tags">{chips}</ul></td>
            {last}
        </tr>
    }
}

/// Shown while contacts are selected: add or remove a tag, or delete them.
#[component]
fn BulkBar(slug: String, selected: RwSignal<BTreeSet<Uuid>>, reload: RwSignal<u32>, can_delete: bool, hidden: RwSignal<bool>) -> impl IntoView {
    let toasts = use_toasts();
    let tag = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(false);
    let run = Callback::new(move |action: BulkAction| {
        if busy.get_untracked() {
            return;
        }
        let ids: Vec<Uuid> = selected.get_untracked().into_iter().collect();
        let name = tag.get_untracked().trim().to_owned();
        let needs_tag = matches!(action, BulkAction::Tag | BulkAction::Untag);
        if needs_tag && name.is_empty() {
            problem.set(Some("Type the tag's name first.".into()));
            return;
        }
        problem.set(None);
        busy.set(true);
        let slug = slug.clone();
        let input = BulkInput { action, ids, tag: needs_tag.then(|| name.clone()) };
        spawn_local(async move {
            let result = bulk_contacts(slug, input).await;
            busy.set(false);
            match result {
                Ok(r) => {
                    let n = plural(r.affected, "contact", "contacts");
                    let message = match action {
                        BulkAction::Tag => format!("Tagged {n} “{name}”."),
                        BulkAction::Untag => format!("Removed “{name}” from {n}."),
                        BulkAction::Delete => format!("Deleted {n}. Tick “Show deleted” to restore them."),
                        BulkAction::Restore => format!("Restored {n}."),
                    };
                    confirm.set(false);
                    if action != BulkAction::Delete {
                        tag.set(String::new());
                    }
                    toasts.show(ToastKind::Success, message);
                    reload.update(|n| *n += 1);
                }
                Err(err) => {
                    confirm.set(false);
                    problem.set(Some(err.field_message("tag").map_or_else(|| err.to_string(), str::to_owned)));
                }
            }
        });
    });
    let count = move || selected.with(BTreeSet::len);
    let shown = move || count() != 0 && !hidden.get();
    view! {
        <Show when=shown>
            <section class="crm-bulk" aria-label="Selected contacts">
                <p class="crm-bulk-count" role="status">{move || format!("{} selected", count())}</p>
                <div class="crm-bulk-tag">
                    <label class="sr-only" for="crm-bulk-tag">"Tag for the selected contacts"</label>
                    <input id="crm-bulk-tag" class="field-input" placeholder="Tag name" autocomplete="off" maxlength="50"
                        aria-describedby="crm-bulk-problem"
                        prop:value=move || tag.get() on:input=move |ev| tag.set(event_target_value(&ev))/>
                    <Button variant=ButtonVariant::Secondary disabled=busy on_click=Callback::new(move |()| run.run(BulkAction::Tag))>
                        <CrmIcon name="tag"/>"Add tag"
                    </Button>
                    <Button variant=ButtonVariant::Ghost disabled=busy on_click=Callback::new(move |()| run.run(BulkAction::Untag))>
                        "Remove tag"
                    </Button>
                </div>
                <div class="crm-bulk-actions">
                    {can_delete.then(|| view! {
                        <Button variant=ButtonVariant::Danger disabled=busy on_click=Callback::new(move |()| confirm.set(true))>
                            <Icon name="trash"/>"Delete"
                        </Button>
                    })}
                    <Button variant=ButtonVariant::Ghost on_click=Callback::new(move |()| selected.set(BTreeSet::new()))>
                        "Clear selection"
                    </Button>
                </div>
                <p id="crm-bulk-problem" class="field-error crm-bulk-problem" role=move || problem.with(Option::is_some).then_some("alert")>
                    {move || problem.get().unwrap_or_default()}
                </p>
            </section>
        </Show>
        <Dialog open=confirm title="Delete contacts?">
            <p class="muted">{move || format!(
                "{} will be deleted. They stay restorable: tick “Show deleted” in the list.",
                plural(count() as u64, "contact", "contacts")
            )}</p>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm.set(false))>"Cancel"</Button>
                <Button variant=ButtonVariant::Danger loading=busy on_click=Callback::new(move |()| run.run(BulkAction::Delete))>
                    "Delete contacts"
                </Button>
            </div>
        </Dialog>
    }
}

/// First and last name, email, phone and tags of a new contact. What was typed stays when the
/// server refuses it, with its message next to the field.
#[component]
fn NewContactForm(slug: String, open: RwSignal<bool>, created: Callback<ContactView>) -> impl IntoView {
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    const SHOWN: [&str; 5] = ["first_name", "last_name", "email", "phone", "tags"];
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &SHOWN))));
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let optional = |s: String| (!s.is_empty()).then_some(Some(s));
        let (f, l, e) = (text(first), text(last), text(email));
        if f.is_empty() && l.is_empty() && e.is_empty() {
            errors.set(Some(AppError::field("email", "Enter an email address or a name.")));
            return;
        }
        let tag_list = split_list(&tags.get_untracked());
        let input = ContactInput {
            first_name: Some(f),
            last_name: Some(l),
            email: optional(e),
            phone: optional(text(phone)),
            tags: (!tag_list.is_empty()).then_some(tag_list),
            ..Default::default()
        };
        errors.set(None);
        saving.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = create_contact(slug, input).await;
            saving.set(false);
            match result {
                Ok(c) => {
                    open.set(false);
                    created.run(c);
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <div class="form-grid">
                <TextField label="First name" name="first_name" autocomplete="off" value=first error=field_error(errors, "first_name")/>
                <TextField label="Last name" name="last_name" autocomplete="off" value=last error=field_error(errors, "last_name")/>
            </div>
            <TextField label="Email" name="email" input_type="email" autocomplete="off" value=email error=field_error(errors, "email")/>
            <TextField label="Phone" name="phone" input_type="tel" autocomplete="off" value=phone error=field_error(errors, "phone")
                hint="With the country code, like +351 912 345 678."/>
            <TextField label="Tags" name="tags" autocomplete="off" value=tags error=field_error(errors, "tags")
                hint="Separated by commas, like “vip, newsletter”."/>
            {form_alert(other)}
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" loading=saving>"Create contact"</Button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (k, v) in pairs {
            map.insert(k.to_string(), (*v).to_owned());
        }
        map
    }

    #[test]
    fn filters_round_trip_through_the_url() {
        let id = Uuid::nil().to_string();
        let f = Filters::from_query(&query(&[("q", " ada "), ("tag", "vip"), ("segment", &id), ("sort", "name")]));
        assert_eq!(f, Filters { q: "ada".into(), tag: "vip".into(), segment: id.clone(), sort: "name".into() });
        assert_eq!(f.href("acme"), format!("/w/acme/crm?q=ada&tag=vip&segment={id}&sort=name"));
        assert_eq!(
            f.export_href("acme"),
            format!("/api/v1/crm/contacts/export?workspace=acme&q=ada&tag=vip&segment_id={id}&sort=name")
        );
        let plain = Filters::from_query(&query(&[("segment", "nope"), ("sort", "email")]));
        assert_eq!(plain.sort, DEFAULT_SORT);
        assert!(!plain.filtering());
        assert_eq!(plain.href("acme"), "/w/acme/crm");
        let q = f.contact_query(false, None);
        assert_eq!((q.q.as_deref(), q.tag.as_deref(), q.segment_id, q.limit), (Some("ada"), Some("vip"), Some(Uuid::nil()), Some(PAGE_SIZE)));
    }
}
