//! `/app/admin`: the platform admin's view of every account and workspace, with search (as
//! you type, or on Enter), "Load more" pagination and plan changes. Anyone else sees a
//! not-found message, and the server answers them 404 anyway.
use std::time::Duration;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use uuid::Uuid;

use super::server_fns::{admin_set_plan, admin_users, admin_workspaces};
use crate::modules::auth::types::Page;
use super::types::{AdminUserView, AdminWorkspaceView};
use crate::app::layout::ShellResource;
use crate::modules::workspaces::server_fns::list_plans;
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, EmptyState, Spinner, Table, TextField, ToastKind, loaded, use_toasts};

/// How long typing pauses before the search runs.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Users,
    Workspaces,
}

fn loading_view() -> impl IntoView {
    view! { <div class="card-loading"><Spinner/></div> }
}

fn not_found_view() -> impl IntoView {
    view! {
        <EmptyState icon="shield" title="Page not found"
            text="This page does not exist, or your account cannot open it."/>
    }
}

fn error_view(err: AppError) -> AnyView {
    match err {
        AppError::NotFound => not_found_view().into_any(),
        err => view! { <p class="field-error" role="alert">{err.to_string()}</p> }.into_any(),
    }
}

/// The day of an RFC 3339 time (`2026-11-23`), with the full time as a tooltip.
fn day(at: String) -> impl IntoView {
    let date = at.get(..10).unwrap_or(&at).to_owned();
    let title = at.clone();
    view! { <time datetime=at title=title>{date}</time> }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let shell = use_context::<ShellResource>();
    view! {
        <Title text="Admin"/>
        <Transition fallback=loading_view>
            {move || Suspend::new(async move {
                let admin = match shell {
                    Some(shell) => loaded(shell).await.is_ok_and(|s| s.is_platform_admin),
                    None => false,
                };
                if admin { view! { <AdminArea/> }.into_any() } else { not_found_view().into_any() }
            })}
        </Transition>
    }
}

#[component]
fn AdminArea() -> impl IntoView {
    let tab = RwSignal::new(Tab::Users);
    // What is typed, and what the lists show (set after a pause in typing, or on Enter).
    let typed = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let apply = move || {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let q = typed.get_untracked().trim().to_owned();
        if query.get_untracked() != q {
            query.set(q);
        }
    };
    // Debounced search as you type (effects only run in the browser).
    Effect::new(move |_| {
        typed.track();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        pending.set_value(set_timeout_with_handle(apply, SEARCH_DEBOUNCE).ok());
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        apply();
    };
    let tab_button = move |which: Tab, label: &'static str, panel: &'static str| {
        let tab_id = format!("{panel}-tab");
        view! {
            <button
                type="button"
                role="tab"
                id=tab_id
                aria-controls=panel
                aria-selected=move || if tab.get() == which { "true" } else { "false" }
                class=move || if tab.get() == which { "btn btn-secondary" } else { "btn btn-ghost" }
                on:click=move |_| tab.set(which)
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="page-head">
            <h1 class="page-title">"Admin"</h1>
            <p class="muted">"Every account and workspace on the platform. Only platform admins see this page."</p>
        </div>
        <section class="card stack">
            <div class="card-head">
                <div class="row" role="tablist" aria-label="What to list">
                    {tab_button(Tab::Users, "Users", "admin-users")}
                    {tab_button(Tab::Workspaces, "Workspaces", "admin-workspaces")}
                </div>
            </div>
            <form role="search" class="row" on:submit=on_submit>
                <div style="flex: 1 1 16rem">
                    <TextField label="Search" name="admin-search" input_type="search" autocomplete="off"
                        placeholder="Name, email or workspace address" value=typed/>
                </div>
                <Button button_type="submit" variant=ButtonVariant::Secondary>"Search"</Button>
            </form>
            {move || match tab.get() {
                Tab::Users => view! {
                    <div role="tabpanel" id="admin-users" aria-labelledby="admin-users-tab" class="stack">
                        <UsersList query=query/>
                    </div>
                }
                .into_any(),
                Tab::Workspaces => view! {
                    <div role="tabpanel" id="admin-workspaces" aria-labelledby="admin-workspaces-tab" class="stack">
                        <WorkspacesList query=query/>
                    </div>
                }
                .into_any(),
            }}
        </section>
    }
}

/// "Load more" with the total, while there is a next page.
fn more_button(next: Option<String>, total: u64, what: &'static str, loading: RwSignal<bool>, load: Callback<String>) -> impl IntoView {
    view! {
        <div class="row">
            {next.map(|cursor| view! {
                <Button variant=ButtonVariant::Secondary loading=loading on_click=Callback::new(move |()| load.run(cursor.clone()))>
                    "Load more"
                </Button>
            })}
            <span class="meta">{format!("{total} {what} in all")}</span>
        </div>
    }
}

/// The pages after the first of a searchable list: their items, the cursor after them once one
/// has loaded, and the callback that loads the page at a cursor. A new search starts over, and
/// a page that arrives for an older search is dropped.
struct MorePages<T: Send + Sync + 'static> {
    more: RwSignal<Vec<T>>,
    next: RwSignal<Option<Option<String>>>,
    loading: RwSignal<bool>,
    load: Callback<String>,
}

fn use_more_pages<T, F, Fut>(query: RwSignal<String>, fetch: F) -> MorePages<T>
where
    T: Send + Sync + 'static,
    F: Fn(String, Option<String>) -> Fut + Copy + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Page<T>, AppError>> + 'static,
{
    let more = RwSignal::new(Vec::<T>::new());
    let next = RwSignal::new(None::<Option<String>>);
    let loading = RwSignal::new(false);
    let toasts = use_toasts();
    Effect::new(move |_| {
        query.track();
        more.set(Vec::new());
        next.set(None);
    });
    let load = Callback::new(move |cursor: String| {
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        let q = query.get_untracked();
        spawn_local(async move {
            let result = fetch(q.clone(), Some(cursor)).await;
            loading.set(false);
            if query.get_untracked() != q {
                return;
            }
            match result {
                Ok(page) => {
                    more.update(|items| items.extend(page.items));
                    next.set(Some(page.next_cursor));
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    MorePages { more, next, loading, load }
}

#[component]
fn UsersList(query: RwSignal<String>) -> impl IntoView {
    let first = Resource::new(move || query.get(), |q| admin_users(q, None));
    let MorePages { more, next, loading: loading_more, load: load_more } = use_more_pages(query, admin_users);
    view! {
        <Transition fallback=loading_view>
            {move || Suspend::new(async move {
                match loaded(first).await {
                    Err(err) => error_view(err),
                    Ok(page) if page.items.is_empty() => {
                        let text = if query.get_untracked().is_empty() {
                            "Accounts appear here once people sign up.".to_owned()
                        } else {
                            format!("No account's name or email contains “{}”.", query.get_untracked())
                        };
                        view! { <EmptyState icon="users" title="No users found" text=text/> }.into_any()
                    }
                    Ok(page) => {
                        let (first_cursor, total) = (page.next_cursor, page.total);
                        view! {
                            <Table caption="Users" headers=vec!["User", "Status", "Workspaces", "Joined"]>
                                {page.items.into_iter().map(user_row).collect_view()}
                                {move || more.get().into_iter().map(user_row).collect_view()}
                            </Table>
                            {move || more_button(next.get().unwrap_or_else(|| first_cursor.clone()), total, "users", loading_more, load_more)}
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn user_row(user: AdminUserView) -> impl IntoView {
    view! {
        <tr>
            <td>
                <div class="stack-sm" style="gap: 0.1rem">
                    <span class="list-title break">{user.name}</span>
                    <span class="meta break">{user.email}</span>
                </div>
            </td>
            <td>
                <div class="row" style="gap: 0.35rem">
                    {user.is_platform_admin.then(|| view! { <span class="badge badge-warning">"Platform admin"</span> })}
                    {if user.email_verified {
                        view! { <span class="badge badge-success">"Verified"</span> }.into_any()
                    } else {
                        view! { <span class="badge">"Unverified"</span> }.into_any()
                    }}
                    {user.mfa_enabled.then(|| view! { <span class="badge badge-success">"2FA"</span> })}
                </div>
            </td>
            <td>{user.workspaces}</td>
            <td class="meta">{day(user.created_at)}</td>
        </tr>
    }
}

#[component]
fn WorkspacesList(query: RwSignal<String>) -> impl IntoView {
    let first = Resource::new(move || query.get(), |q| admin_workspaces(q, None));
    let plans = Resource::new(|| (), |()| list_plans());
    let MorePages { more, next, loading: loading_more, load: load_more } = use_more_pages(query, admin_workspaces);
    view! {
        <Transition fallback=loading_view>
            {move || Suspend::new(async move {
                let page = loaded(first).await;
                // Without the plan list the plan is shown as text, not a picker.
                let plans: Vec<(String, String)> =
                    plans.await.map(|p| p.into_iter().map(|p| (p.code, p.name)).collect()).unwrap_or_default();
                match page {
                    Err(err) => error_view(err),
                    Ok(page) if page.items.is_empty() => {
                        let text = if query.get_untracked().is_empty() {
                            "Workspaces appear here once people create them.".to_owned()
                        } else {
                            format!("No workspace's name, address or owner's email contains “{}”.", query.get_untracked())
                        };
                        view! { <EmptyState icon="grid" title="No workspaces found" text=text/> }.into_any()
                    }
                    Ok(page) => {
                        let (first_cursor, total) = (page.next_cursor, page.total);
                        let row_plans = plans.clone();
                        view! {
                            <Table caption="Workspaces" headers=vec!["Workspace", "Owner", "Plan", "Members", "Created"]>
                                {page.items.into_iter().map(|w| workspace_row(w, plans.clone())).collect_view()}
                                {move || more.get().into_iter().map(|w| workspace_row(w, row_plans.clone())).collect_view()}
                            </Table>
                            {move || more_button(next.get().unwrap_or_else(|| first_cursor.clone()), total, "workspaces", loading_more, load_more)}
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn workspace_row(workspace: AdminWorkspaceView, plans: Vec<(String, String)>) -> impl IntoView {
    let deleted = workspace.deleted_at.is_some();
    view! {
        <tr>
            <td>
                <div class="stack-sm" style="gap: 0.1rem">
                    <span class="list-title break">{workspace.name}</span>
                    <span class="meta break">{format!("/w/{}", workspace.slug)}</span>
                    {deleted.then(|| view! { <span><span class="badge badge-warning">"Deleted"</span></span> })}
                </div>
            </td>
            <td class="meta break">{workspace.owner_email.unwrap_or_else(|| "—".into())}</td>
            <td><PlanPicker id=workspace.id plan=workspace.plan plans=plans/></td>
            <td>{workspace.members}</td>
            <td class="meta">{day(workspace.created_at)}</td>
        </tr>
    }
}

/// The workspace's plan; changing it saves at once (and goes back if the change fails).
#[component]
fn PlanPicker(id: Uuid, plan: String, plans: Vec<(String, String)>) -> impl IntoView {
    let current = RwSignal::new(plan);
    let saving = RwSignal::new(false);
    let toasts = use_toasts();
    if plans.is_empty() {
        return view! { <span class="badge">{move || current.get()}</span> }.into_any();
    }
    let on_change = move |ev: leptos::ev::Event| {
        let chosen = event_target_value(&ev);
        let before = current.get_untracked();
        if chosen == before {
            return;
        }
        current.set(chosen.clone());
        saving.set(true);
        spawn_local(async move {
            let result = admin_set_plan(id, chosen).await;
            saving.set(false);
            match result {
                Ok(updated) => {
                    current.set(updated.plan);
                    toasts.show(ToastKind::Success, format!("{} is now on the {} plan.", updated.name, current.get_untracked()));
                }
                Err(err) => {
                    current.set(before);
                    let message = err.field_message("plan").map(str::to_owned).unwrap_or_else(|| err.to_string());
                    toasts.show(ToastKind::Error, message);
                }
            }
        });
    };
    view! {
        <select
            class="field-input field-select"
            aria-label="Plan"
            disabled=move || saving.get()
            aria-busy=move || saving.get().then_some("true")
            prop:value=move || current.get()
            on:change=on_change
        >
            {plans
                .into_iter()
                .map(|(code, name)| {
                    let selected = code.clone();
                    view! { <option value=code selected=move || current.get() == selected>{name}</option> }
                })
                .collect_view()}
        </select>
    }
    .into_any()
}
