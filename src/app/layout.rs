//! The signed-in app frame: sidebar on desktop, bottom tab bar on phones, top bar with the
//! workspace switcher and user menu. Module pages render inside it.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{A, Outlet},
    NavigateOptions,
    hooks::{use_location, use_navigate, use_params_map},
};

use super::NotFound;
use crate::modules::catalog::{MODULES, ModuleInfo, find};
use crate::shared::ui::{Button, ButtonVariant, Card, Dialog, EmptyState, Icon, Table, ThemeToggle, ToastKind, use_toasts};

#[component]
pub fn AppLayout() -> impl IntoView {
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

/// Sidebar entry; `aria-current` marks the open page (the router's `A` sets it).
#[component]
fn NavLink(href: String, icon: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <A href=href attr:class="nav-link">
            <Icon name=icon/>
            <span>{label}</span>
        </A>
    }
}

#[component]
fn TabLink(href: String, icon: &'static str, label: &'static str) -> impl IntoView {
    let short = label.split([' ', '&']).next().unwrap_or(label);
    view! {
        <A href=href attr:class="tab-link">
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
                        <Icon name="user"/>
                    </button>
                    <Show when=move || menu_open.get()>
                        <div class="menu menu-right" role="menu" aria-label="Account">
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
