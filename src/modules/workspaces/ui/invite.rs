//! `/invite/{token}`: what an invitation or join link offers (workspace, role, who invited),
//! and joining. Signed-out visitors create an account or sign in first.
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_params_map},
};

use super::{StandaloneFrame, loading_view, problem_view, workspace_href};
use crate::app::layout::WorkspaceBadge;
use crate::modules::auth::server_fns::current_user;
use crate::modules::auth::types::UserView;
use crate::modules::workspaces::server_fns::{accept_invitation, preview_invitation};
use crate::modules::workspaces::types::InvitationPreview;
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ToastKind, loaded, use_toasts};

/// The badge colour of a workspace whose own colour the preview does not carry.
const BADGE_COLOR: &str = "#7c3aed";

#[component]
pub fn AcceptInvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.with(|p| p.get("token").unwrap_or_default()));
    let preview = Resource::new(move || token.get(), preview_invitation);
    let user = Resource::new(|| (), |()| current_user());
    view! {
        <Title text="Invitation"/>
        <StandaloneFrame>
            <Suspense fallback=loading_view>
                {move || Suspend::new(async move {
                    let (preview, user) = (loaded(preview).await, user.await);
                    match preview {
                        Ok(preview) => {
                            let me = user.ok().flatten();
                            view! { <InviteDetails preview=preview token=token.get_untracked() me=me/> }.into_any()
                        }
                        Err(err) => view! {
                            <h1 class="sr-only">"Invitation"</h1>
                            {invite_problem(err)}
                            <A href="/app" attr:class="btn btn-secondary">"Go to Mewayz"</A>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </StandaloneFrame>
    }
}

fn invite_problem(err: AppError) -> impl IntoView {
    match err {
        AppError::Gone { message } => problem_view(
            "clock",
            "This invitation can no longer be used",
            format!("{message} Ask the person who invited you for a new one."),
        ),
        AppError::NotFound => problem_view(
            "mail",
            "We could not find this invitation",
            "The link may be incomplete, or the invitation was withdrawn. Ask for a new one.".into(),
        ),
        other => problem_view("mail", "We could not load this invitation", other.to_string()),
    }
}

#[component]
fn InviteDetails(preview: InvitationPreview, token: String, me: Option<UserView>) -> impl IntoView {
    let here = format!("/invite/{token}");
    let intro = match &preview.invited_by {
        Some(by) => format!("{by} invited you to join as {}.", preview.role_name),
        None => format!("You are invited to join as {}.", preview.role_name),
    };
    // An emailed invitation only works for the account with that address.
    let other_account = match (&me, &preview.email) {
        (Some(me), Some(to)) if !me.email.eq_ignore_ascii_case(to) => Some((me.email.clone(), to.clone())),
        _ => None,
    };
    let actions = match me {
        Some(me) => view! { <AcceptButton token=token slug=preview.workspace_slug.clone() me=me/> }.into_any(),
        None => view! {
            <div class="stack-sm">
                <A href=format!("/signup?next={here}") attr:class="btn btn-primary">"Create an account"</A>
                <A href=format!("/signin?next={here}") attr:class="btn btn-secondary">"Sign in"</A>
            </div>
        }
        .into_any(),
    };
    view! {
        <div class="invite-head">
            <WorkspaceBadge name=preview.workspace_name.clone() logo=preview.logo_url.clone() color=BADGE_COLOR.to_owned()/>
            <div class="list-main">
                <p class="eyebrow">"Invitation"</p>
                <h1 class="page-title break">"Join "{preview.workspace_name.clone()}</h1>
            </div>
        </div>
        <p>{intro}</p>
        {preview.email.clone().map(|to| view! { <p class="muted">"This invitation is for "<strong class="break">{to}</strong>"."</p> })}
        {other_account.map(|(mine, to)| view! {
            <p class="callout callout-warning" role="note">
                "You are signed in as "<strong class="break">{mine}</strong>". Sign in as "<strong class="break">{to}</strong>
                " to accept it."
            </p>
        })}
        {actions}
    }
}

#[component]
fn AcceptButton(token: String, slug: String, me: UserView) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let already_member = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let accept = Callback::new(move |()| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            error.set(None);
            let (token, navigate) = (token.clone(), navigate.clone());
            spawn_local(async move {
                let result = accept_invitation(token.clone()).await;
                busy.set(false);
                match result {
                    Ok(w) => {
                        toasts.show(ToastKind::Success, format!("Welcome to {}!", w.name));
                        navigate(&workspace_href(&w.slug, ""), NavigateOptions::default());
                    }
                    Err(AppError::Unauthorized) => navigate(&format!("/signin?next=/invite/{token}"), NavigateOptions::default()),
                    Err(AppError::Conflict { message }) => {
                        already_member.set(message.starts_with("You are already a member"));
                        error.set(Some(message));
                    }
                    Err(err) => error.set(Some(err.to_string())),
                }
            });
    });
    let home = workspace_href(&slug, "");
    view! {
        <p class="meta">"Signed in as "<span class="break">{me.email}</span></p>
        {move || error.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
        <Show
            when=move || already_member.get()
            fallback=move || view! { <Button loading=busy on_click=accept>"Accept invitation"</Button> }
        >
            <A href=home.clone() attr:class="btn btn-primary">"Open the workspace"</A>
        </Show>
        <A href="/app" attr:class="btn btn-ghost">"Not now"</A>
    }
}
