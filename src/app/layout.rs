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
use crate::modules::catalog::{MODULES, ModuleInfo, find};
use crate::shared::error::AppError;
use crate::shared::ui::{
    Button, ButtonVariant, Card, Dialog, EmptyState, Icon, Spinner, Table, ThemeToggle, ToastKind, use_toasts,
};

/// The signed-in user, loaded once per page load by `AppLayout` for every page inside it.
pub type CurrentUserResource = Resource<Result<Option<UserView>, AppError>>;

/// Everything under `/app` needs a session: without one the server answers a redirect to the
/// sign-in page (the resource is blocking, so the status is decided before streaming starts).
#[component]
pub fn AppLayout() -> impl IntoView {
    let user: CurrentUserResource = Resource::new_blocking(|| (), |()| current_user());
    provide_context(user);
    view! {
        <Suspense fallback=|| view! { <div class="app-loading" role="status"><Spinner/></div> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(_)) => view! { <AppFrame/> }.into_any(),
                    Ok(None) | Err(AppError::Unauthorized) => view! { <Redirect path="/signin"/> }.into_any(),
                    Err(err) => view! {
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
    view! {
        <div class="app-shell">
            <aside class="sidebar">
                <A href="/app" attr:class="brand sidebar-brand" attr:aria-label="Mewayz home">
                    <img src="/icons/icon.svg" alt="" width="28" height="28"/>
                    <span>"Mewayz"</span>
                </A>
                <nav aria-label="Sidebar" class="sidebar-nav">
                    <NavLink href="/app".into() icon="home" label="Home"/>
                    {MODULES
                        .iter()
                        .map(|m| view! { <NavLink href=format!("/app/{}", m.slug) icon=m.icon label=m.name/> })
                        .collect_view()}
                </nav>
            </aside>
            <div class="app-main">
                <TopBar/>
                <main id="main" class="app-content">
                    <Outlet/>
                </main>
            </div>
            <nav aria-label="Tab bar" class="tabbar">
                <TabLink href="/app".into() icon="home" label="Home"/>
                {MODULES
                    .iter()
                    .filter(|m| m.tab)
                    .map(|m| view! { <TabLink href=format!("/app/{}", m.slug) icon=m.icon label=m.name/> })
                    .collect_view()}
                <TabLink href="/app#all-modules".into() icon="more" label="More"/>
            </nav>
        </div>
    }
}

/// Sidebar entry; `aria-current` marks the open page (the router's `A` sets it). Home (`/app`)
/// matches exactly, or it would be marked on every page under it.
#[component]
fn NavLink(href: String, icon: &'static str, label: &'static str) -> impl IntoView {
    let exact = href == "/app";
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
    let exact = href == "/app";
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
                    <span class="workspace-avatar" aria-hidden="true">"M"</span>
                    <span class="workspace-name">"My workspace"</span>
                    <Icon name="chevron-down"/>
                </button>
                <Show when=move || workspace_open.get()>
                    <div class="menu" role="menu" aria-label="Workspaces">
                        <p class="menu-note">"Workspaces you belong to appear here."</p>
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

/// The app's home: every module at a glance.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Home"/>
        <div class="page-head">
            <h1 class="page-title">"Welcome to Mewayz"</h1>
            <p class="muted">"Pick a tool to start. Everything shares the same customers and numbers."</p>
        </div>
        <ul class="module-grid" id="all-modules">
            {MODULES.iter().map(|m| view! { <li><ModuleCard module=*m/></li> }).collect_view()}
        </ul>
        <Card title="What each tool does">
            <Table caption="Modules" headers=vec!["Tool", "What it is for"]>
                {MODULES
                    .iter()
                    .map(|m| {
                        view! {
                            <tr>
                                <td><A href=format!("/app/{}", m.slug)>{m.name}</A></td>
                                <td class="muted">{m.summary}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </Table>
        </Card>
    }
}

#[component]
fn ModuleCard(module: ModuleInfo) -> impl IntoView {
    view! {
        <A href=format!("/app/{}", module.slug) attr:class="module-card">
            <span class="feature-icon"><Icon name=module.icon/></span>
            <span class="module-card-name">{module.name}</span>
            <span class="module-card-text">{module.summary}</span>
        </A>
    }
}

/// A module's landing page inside the app; unknown module names are a 404.
#[component]
pub fn ModulePage() -> impl IntoView {
    let params = use_params_map();
    move || match params.with(|p| p.get("module").and_then(|slug| find(&slug))) {
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
