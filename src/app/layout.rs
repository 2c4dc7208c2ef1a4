//! The signed-in app frame: sidebar on desktop, bottom tab bar on phones, top bar with the
//! workspace switcher and user menu. Module pages render inside it.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{A, Outlet, Redirect},
    NavigateOptions,
    hooks::{use_location, use_navigate, use_params_map},
};

use super::NotFound;
use crate::modules::auth::{server_fns::current_user, types::UserView};
use crate::modules::catalog::{self, ModuleInfo};
use crate::modules::workspaces::{
    permissions::Permission,
    server_fns::load_app_shell,
    types::{AppShell, WorkspaceView},
};
use crate::shared::error::AppError;
use crate::shared::ui::{
    Button, ButtonVariant, Card, Dialog, EmptyState, Icon, Spinner, Table, ThemeToggle, ToastKind, settle, use_toasts,
};

/// The signed-in user, loaded once per page load by `AppLayout` for every page inside it.
pub type CurrentUserResource = Resource<Result<Option<UserView>, AppError>>;
/// The app frame's workspace data (`AppShell`) for the slug in the URL, else the current one.
pub type ShellResource = Resource<Result<AppShell, AppError>>;

/// The workspace the page is in (from the URL, else the one last opened), reactively.
pub fn use_workspace() -> Signal<Option<WorkspaceView>> {
    let shell = use_context::<ShellResource>();
    Signal::derive(move || shell.and_then(|s| s.get()).and_then(Result::ok).and_then(|s| s.workspace))
}

/// The page's workspace slug and what the member may do in one module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleAccess {
    pub slug: String,
    pub write: bool,
    pub delete: bool,
}

/// `ModuleAccess` for the module of these permissions; changes only when one of them does, so
/// a page body is not rebuilt when something else in the app frame changes.
pub fn use_module_access(write: Permission, delete: Permission) -> Memo<Option<ModuleAccess>> {
    let workspace = use_workspace();
    Memo::new(move |prev: Option<&Option<ModuleAccess>>| {
        let now = workspace.with(|w| w.as_ref().map(|w| ModuleAccess { slug: w.slug.clone(), write: w.can(write), delete: w.can(delete) }));
        // Once known, a moment without workspace data keeps the page: rebuilding it would drop
        // its data requests mid-flight (on the server, such a dropped request's error was sent
        // with the page and broke hydration).
        now.or_else(|| prev.cloned().flatten())
    })
}

/// Everything under `/app` and `/w/{slug}` needs a session: without one the server answers a
/// redirect to the sign-in page (the resources are blocking, so the status is decided before
/// streaming starts). A slug the user is not a member of is a 404.
#[component]
pub fn AppLayout() -> impl IntoView {
    let params = use_params_map();
    let user: CurrentUserResource = Resource::new_blocking(|| (), |()| current_user());
    let shell: ShellResource = Resource::new_blocking(move || params.with(|p| p.get("slug")), load_app_shell);
    provide_context(user);
    provide_context(shell);
    view! {
        <Suspense fallback=|| view! { <div class="app-loading" role="status"><Spinner/></div> }>
            {move || Suspend::new(async move {
                // The redirect and the 404 are decided in the look-ahead passes too (they set
                // the response status); only the frame with the page waits for the real render.
                match (user.await, shell.await) {
                    (Ok(Some(_)), Ok(_)) => {
                        settle().await;
                        view! { <AppFrame/> }.into_any()
                    }
                    (Ok(None) | Err(AppError::Unauthorized), _) | (_, Err(AppError::Unauthorized)) => {
                        view! { <Redirect path="/signin"/> }.into_any()
                    }
                    (_, Err(AppError::NotFound)) => NotFound().into_any(),
                    (Err(err), _) | (_, Err(err)) => view! {
                        <main id="main" class="auth-page">
                            <div class="card auth-card">
                                <EmptyState icon="shield" title="We could not load your account" text=err.to_string()/>
                            </div>
                        </main>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AppFrame() -> impl IntoView {
    let workspace = use_workspace();
    let shell = use_context::<ShellResource>();
    let is_admin = move || shell.and_then(|s| s.get()).and_then(Result::ok).is_some_and(|s| s.is_platform_admin);
    let base = move || workspace.get().map(|w| format!("/w/{}", w.slug)).unwrap_or_else(|| "/app".into());
    let modules = move || workspace.get().map(|w| catalog::for_goals(&w.goals).collect::<Vec<_>>()).unwrap_or_default();
    view! {
        <div class="app-shell">
            <aside class="sidebar">
                <A href=base attr:class="brand sidebar-brand" attr:aria-label="Mewayz home">
                    <img src="/icons/icon.svg" alt="" width="28" height="28"/>
                    <span>"Mewayz"</span>
                </A>
                <nav aria-label="Sidebar" class="sidebar-nav">
                    {move || {
                        let base = base();
                        let modules = modules();
                        view! {
                            <NavLink href=base.clone() icon="home" label="Home"/>
                            {modules
                                .into_iter()
                                .map(|m| view! { <NavLink href=format!("{base}/{}", m.slug) icon=m.icon label=m.name/> })
                                .collect_view()}
                            <Show when=move || workspace.get().is_some()>
                                <p class="nav-section">"Workspace"</p>
                                <NavLink href=format!("{base}/members") icon="users" label="Members"/>
                                <NavLink href=format!("{base}/settings") icon="settings" label="Settings"/>
                            </Show>
                        }
                    }}
                    <Show when=is_admin>
                        <NavLink href="/app/admin".into() icon="shield" label="Admin"/>
                    </Show>
                </nav>
            </aside>
            <div class="app-main">
                <TopBar/>
                <main id="main" class="app-content">
                    <Outlet/>
                </main>
            </div>
            <nav aria-label="Tab bar" class="tabbar">
                {move || {
                    let base = base();
                    let tabs: Vec<_> = modules().into_iter().filter(|m| m.tab).take(3).collect();
                    view! {
                        <TabLink href=base.clone() icon="home" label="Home"/>
                        {tabs
                            .into_iter()
                            .map(|m| view! { <TabLink href=format!("{base}/{}", m.slug) icon=m.icon label=m.name/> })
                            .collect_view()}
                        <TabLink href=format!("{base}#all-modules") icon="more" label="More"/>
                    }
                }}
            </nav>
        </div>
    }
}

/// Sidebar entry; `aria-current` marks the open page (the router's `A` sets it). Home (`/app`)
/// matches exactly, or it would be marked on every page under it.
#[component]
fn NavLink(href: String, icon: &'static str, label: &'static str) -> impl IntoView {
    let exact = href == "/app" || (href.starts_with("/w/") && href.matches('/').count() == 2);
    view! {
        <A href=href exact=exact attr:class="nav-link">
            <Icon name=icon/>
            <span>{label}</span>
        </A>
    }
}

#[component]
fn TabLink(href: String, icon: &'static str, label: &'static str) -> impl IntoView {
    let short = label.split([' ', '&']).next().unwrap_or(label);
    let exact = href == "/app" || (href.starts_with("/w/") && href.matches('/').count() == 2);
    view! {
        <A href=href exact=exact attr:class="tab-link">
            <Icon name=icon/>
            <span>{short}</span>
        </A>
    }
}

#[component]
fn TopBar() -> impl IntoView {
    let menu_open = RwSignal::new(false);
    let workspace_open = RwSignal::new(false);
    let confirm_sign_out = RwSignal::new(false);
    let signing_out = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let user = use_context::<CurrentUserResource>();
    let signed_in = move || user.and_then(|u| u.get()).and_then(Result::ok).flatten();
    let shell = use_context::<ShellResource>();
    let workspace = use_workspace();
    let current_name = move || workspace.get().map(|w| w.name).unwrap_or_else(|| "No workspace".into());
    let current_logo = move || workspace.get().and_then(|w| w.logo_url);
    let current_color = move || workspace.get().map(|w| w.brand_color).unwrap_or_else(|| "#6366f1".into());
    // Revoke the session on the server, then leave the app.
    let sign_out = Callback::new(move |()| {
        signing_out.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = crate::modules::auth::server_fns::sign_out().await;
            signing_out.set(false);
            match result {
                Ok(()) => {
                    confirm_sign_out.set(false);
                    navigate("/signin", NavigateOptions::default());
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    // Close menus after navigating.
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
        workspace_open.set(false);
    });
    view! {
        <header class="topbar">
            <div class="menu-anchor">
                <button
                    type="button"
                    class="workspace-switcher"
                    aria-haspopup="menu"
                    aria-expanded=move || workspace_open.get().to_string()
                    on:click=move |_| workspace_open.update(|o| *o = !*o)
                >
                    {move || view! { <WorkspaceBadge name=current_name() logo=current_logo() color=current_color()/> }}
                    <span class="workspace-name">{current_name}</span>
                    <Icon name="chevron-down"/>
                </button>
                <Show when=move || workspace_open.get()>
                    <div class="menu" role="menu" aria-label="Workspaces">
                        {move || {
                            let list = shell.and_then(|s| s.get()).and_then(Result::ok).map(|s| s.workspaces).unwrap_or_default();
                            let current = workspace.get().map(|w| w.id);
                            list.into_iter()
                                .map(|w| {
                                    let here = Some(w.id) == current;
                                    view! {
                                        <a href=format!("/w/{}", w.slug) class="menu-item" role="menuitem" aria-current=here.then_some("true")>
                                            <WorkspaceBadge name=w.name.clone() logo=w.logo_url.clone() color=w.brand_color.clone()/>
                                            <span class="menu-item-text">{w.name}<small class="muted">{w.role_name}</small></span>
                                        </a>
                                    }
                                })
                                .collect_view()
                        }}
                        <a href="/onboarding" class="menu-item" role="menuitem">
                            <Icon name="grid"/>
                            "New workspace"
                        </a>
                    </div>
                </Show>
            </div>
            <div class="topbar-actions">
                <ThemeToggle/>
                <div class="menu-anchor">
                    <button
                        type="button"
                        class="icon-btn avatar-btn"
                        aria-label="Account menu"
                        aria-haspopup="menu"
                        aria-expanded=move || menu_open.get().to_string()
                        on:click=move |_| menu_open.update(|o| *o = !*o)
                    >
                        {move || match signed_in().and_then(|u| u.avatar_url) {
                            Some(url) => view! { <img class="avatar-img" src=url alt="" width="32" height="32"/> }.into_any(),
                            None => view! { <Icon name="user"/> }.into_any(),
                        }}
                    </button>
                    <Show when=move || menu_open.get()>
                        <div class="menu menu-right" role="menu" aria-label="Account">
                            {move || signed_in().map(|u| view! {
                                <p class="menu-note"><strong>{u.name}</strong><br/>{u.email}</p>
                            })}
                            <A href="/app/account" attr:class="menu-item" attr:role="menuitem">
                                <Icon name="user"/>
                                "Account"
                            </A>
                            <A href="/app/security" attr:class="menu-item" attr:role="menuitem">
                                <Icon name="shield"/>
                                "Security"
                            </A>
                            <button
                                type="button"
                                class="menu-item"
                                role="menuitem"
                                on:click=move |_| {
                                    menu_open.set(false);
                                    confirm_sign_out.set(true);
                                }
                            >
                                <Icon name="logout"/>
                                "Sign out"
                            </button>
                        </div>
                    </Show>
                </div>
            </div>
            <Dialog open=confirm_sign_out title="Sign out?">
                <p class="muted">"You will need your email and password to sign in again."</p>
                <div class="row dialog-actions">
                    <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm_sign_out.set(false))>
                        "Cancel"
                    </Button>
                    <Button variant=ButtonVariant::Danger loading=signing_out on_click=sign_out>
                        "Sign out"
                    </Button>
                </div>
            </Dialog>
        </header>
    }
}

/// A workspace's logo, or its initial on its brand colour.
#[component]
pub fn WorkspaceBadge(name: String, logo: Option<String>, color: String) -> impl IntoView {
    match logo {
        Some(url) => view! { <img class="workspace-avatar" src=url alt="" width="28" height="28"/> }.into_any(),
        None => {
            let initial = name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_else(|| "M".into());
            view! { <span class="workspace-avatar" style=format!("background:{color}") aria-hidden="true">{initial}</span> }.into_any()
        }
    }
}

/// `/app`: to the workspace last opened, or to the setup wizard when there is none yet.
#[component]
pub fn AppHome() -> impl IntoView {
    let workspace = use_workspace();
    move || match workspace.get() {
        Some(w) => view! { <Redirect path=format!("/w/{}", w.slug)/> }.into_any(),
        None => view! { <Redirect path="/onboarding"/> }.into_any(),
    }
}

/// `/app/{module}`: the module in the current workspace.
#[component]
pub fn ModuleRedirect() -> impl IntoView {
    let params = use_params_map();
    let workspace = use_workspace();
    move || {
        let module = params.with(|p| p.get("module")).unwrap_or_default();
        match workspace.get() {
            Some(w) => view! { <Redirect path=format!("/w/{}/{module}", w.slug)/> }.into_any(),
            None => view! { <Redirect path="/onboarding"/> }.into_any(),
        }
    }
}

/// A workspace's home: its tools at a glance, and the setup wizard's reminder until finished.
#[component]
pub fn HomePage() -> impl IntoView {
    let workspace = use_workspace();
    move || {
        let Some(w) = workspace.get() else { return ().into_any() };
        let base = format!("/w/{}", w.slug);
        let modules: Vec<_> = catalog::for_goals(&w.goals).collect();
        let setup = (!w.setup_completed && w.can(Permission::WorkspaceManage)).then(|| {
            view! {
                <div class="callout" role="note">
                    <Icon name="sparkles"/>
                    <div>
                        <strong>"Finish setting up " {w.name.clone()}</strong>
                        <p class="muted">"Pick your goals so the menu shows the tools you need."</p>
                    </div>
                    <A href=format!("{base}/setup") attr:class="btn btn-primary">"Continue setup"</A>
                </div>
            }
        });
        view! {
            <Title text=w.name.clone()/>
            <div class="page-head">
                <h1 class="page-title">{w.name.clone()}</h1>
                <p class="muted">"Pick a tool to start. Everything shares the same customers and numbers."</p>
            </div>
            {setup}
            <ul class="module-grid" id="all-modules">
                {modules.clone().into_iter().map(|m| view! { <li><ModuleCard module=*m base=base.clone()/></li> }).collect_view()}
            </ul>
            <Card title="What each tool does">
                <Table caption="Modules" headers=vec!["Tool", "What it is for"]>
                    {modules
                        .into_iter()
                        .map(move |m| {
                            let href = format!("{base}/{}", m.slug);
                            view! {
                                <tr>
                                    <td><A href=href>{m.name}</A></td>
                                    <td class="muted">{m.summary}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </Table>
            </Card>
        }
        .into_any()
    }
}

#[component]
fn ModuleCard(module: ModuleInfo, base: String) -> impl IntoView {
    view! {
        <A href=format!("{base}/{}", module.slug) attr:class="module-card">
            <span class="feature-icon"><Icon name=module.icon/></span>
            <span class="module-card-name">{module.name}</span>
            <span class="module-card-text">{module.summary}</span>
        </A>
    }
}

/// A module's landing page inside a workspace; unknown module names are a 404.
#[component]
pub fn ModulePage() -> impl IntoView {
    let params = use_params_map();
    move || match params.with(|p| p.get("module").and_then(|slug| catalog::find(&slug))) {
        None => NotFound().into_any(),
        Some(m) => view! {
            <Title text=m.name/>
            <div class="page-head">
                <h1 class="page-title">{m.name}</h1>
                <p class="muted">{m.summary}</p>
            </div>
            <Card>
                <EmptyState icon=m.icon title=format!("Nothing in {} yet", m.name) text=m.summary/>
            </Card>
        }
        .into_any(),
    }
}
