//! The setup wizard: `/onboarding` creates a workspace (step 1, its name and address) and picks
//! its goals (step 2); `/w/{slug}/setup` resumes at step 2 for an existing workspace. The
//! workspace is usable from step 1 on, so step 2 can be skipped.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    components::{A, Redirect},
    hooks::use_navigate,
};

use super::{
    GoalPicker, SlugField, StandaloneFrame, field_error, loading_view, problem_view, use_publish_workspace, workspace_href,
};
use crate::app::layout::use_workspace;
use crate::modules::auth::server_fns::current_user;
use crate::modules::workspaces::permissions::Permission;
use crate::modules::workspaces::server_fns::{create_workspace, update_workspace};
use crate::modules::workspaces::types::{NewWorkspaceForm, WorkspacePatch, WorkspaceView, slugify};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, Icon, TextField, ToastKind, loaded, use_toasts};

/// `/onboarding`: full screen, outside the app frame. Signed-out visitors go to sign in.
#[component]
pub fn OnboardingPage() -> impl IntoView {
    let user = Resource::new(|| (), |()| current_user());
    view! {
        <Title text="Set up your workspace"/>
        <StandaloneFrame wide=true>
            <Suspense fallback=loading_view>
                {move || Suspend::new(async move {
                    match loaded(user).await {
                        Ok(Some(_)) => view! { <Wizard/> }.into_any(),
                        Ok(None) | Err(AppError::Unauthorized) => view! { <Redirect path="/signin"/> }.into_any(),
                        Err(err) => problem_view("shield", "We could not load your account", err.to_string()).into_any(),
                    }
                })}
            </Suspense>
        </StandaloneFrame>
    }
}

#[component]
fn Wizard() -> impl IntoView {
    let created = RwSignal::new(None::<WorkspaceView>);
    move || match created.get() {
        None => view! {
            <StepHead step=1 title="Name your business"
                text="A workspace holds your business's tools, customers and team. You can create more later."/>
            <NameStep on_created=Callback::new(move |w| created.set(Some(w)))/>
        }
        .into_any(),
        Some(w) => view! {
            <StepHead step=2 title="What do you want to do?"
                text="Pick everything that applies. Your menu shows the tools for these goals; you can change them any time."/>
            <p class="callout callout-row" role="status">
                <Icon name="check"/>
                <span>{w.name.clone()}" is ready at "<strong class="break">{workspace_href(&w.slug, "")}</strong>"."</span>
            </p>
            <GoalsStep workspace=w/>
        }
        .into_any(),
    }
}

/// "Step n of 2", a two-part progress bar, and the step's heading (the page's `h1`).
#[component]
fn StepHead(step: u8, title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <div class="stack-sm">
            <p class="eyebrow">{format!("Step {step} of 2")}</p>
            <div class="wizard-steps" data-step=step.to_string() aria-hidden="true"><span></span><span></span></div>
            <h1 class="page-title">{title}</h1>
            <p class="muted">{text}</p>
        </div>
    }
}

#[component]
fn NameStep(on_created: Callback<WorkspaceView>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    // The address follows the name until edited; empty again means "make it from the name".
    let custom_slug = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let shown_slug = Signal::derive(move || {
        let custom = custom_slug.get();
        if custom.is_empty() { slugify(&name.get()) } else { custom }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let typed = name.get_untracked().trim().to_owned();
        if typed.is_empty() {
            errors.set(Some(AppError::field("name", "Name your workspace, like your business or brand.")));
            return;
        }
        errors.set(None);
        saving.set(true);
        let slug = custom_slug.get_untracked().trim().to_ascii_lowercase();
        let form = NewWorkspaceForm { name: typed, slug: (!slug.is_empty()).then_some(slug), ..Default::default() };
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = create_workspace(form).await;
            saving.set(false);
            match result {
                Ok(w) => on_created.run(w),
                Err(AppError::Unauthorized) => navigate("/signin", NavigateOptions::default()),
                Err(err @ AppError::Validation { .. }) => errors.set(Some(err)),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <TextField label="Business name" name="name" autocomplete="organization" placeholder="Acme Studio"
                value=name error=field_error(errors, "name")/>
            <SlugField value=shown_slug on_input=Callback::new(move |v: String| custom_slug.set(v))
                error=field_error(errors, "slug")/>
            <Button button_type="submit" loading=saving>"Continue"</Button>
        </form>
    }
}

/// Step 2 for a workspace: its goals, then the workspace's home. Used by both wizard pages.
#[component]
fn GoalsStep(workspace: WorkspaceView) -> impl IntoView {
    let home = workspace_href(&workspace.slug, "");
    let slug = workspace.slug;
    let picked = RwSignal::new(workspace.goals);
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let publish = use_publish_workspace();
    let finish = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let goals = picked.get_untracked();
        if goals.is_empty() {
            error.set(Some("Pick at least one goal.".into()));
            return;
        }
        error.set(None);
        saving.set(true);
        let patch = WorkspacePatch { goals: Some(goals), setup_completed: Some(true), ..Default::default() };
        let (slug, navigate) = (slug.clone(), navigate.clone());
        spawn_local(async move {
            let result = update_workspace(slug, patch).await;
            saving.set(false);
            match result {
                Ok(w) => {
                    let home = workspace_href(&w.slug, "");
                    toasts.show(ToastKind::Success, format!("{} is set up.", w.name));
                    publish(w);
                    navigate(&home, NavigateOptions::default());
                }
                Err(err @ AppError::Validation { .. }) => {
                    error.set(Some(err.field_message("goals").map_or_else(|| err.to_string(), str::to_owned)));
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=finish>
            <GoalPicker picked=picked error=Signal::derive(move || error.get())/>
            <div class="row wizard-actions">
                <Button button_type="submit" loading=saving>"Finish"</Button>
                <A href=home attr:class="btn btn-ghost">"Skip for now"</A>
            </div>
        </form>
    }
}

/// `/w/{slug}/setup`: step 2 of the wizard inside the app, pre-filled with the current goals.
#[component]
pub fn SetupPage() -> impl IntoView {
    let workspace = use_workspace();
    view! {
        <Title text="Set up"/>
        {move || workspace.get().map(|w| {
            let manage = w.can(Permission::WorkspaceManage);
            let home = workspace_href(&w.slug, "");
            view! {
                <div class="settings">
                    <StepHead step=2 title="What do you want to do?"
                        text="Pick everything that applies. Your menu shows the tools for these goals; you can change them any time in Settings."/>
                    {if manage {
                        view! { <div class="card"><GoalsStep workspace=w/></div> }.into_any()
                    } else {
                        view! {
                            <div class="callout" role="note">
                                <p>"Only the owner and admins can change the workspace's goals."</p>
                            </div>
                            <div><A href=home attr:class="btn btn-secondary">"Back to home"</A></div>
                        }
                        .into_any()
                    }}
                </div>
            }
        })}
    }
}
