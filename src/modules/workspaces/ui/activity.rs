//! `/w/{slug}/activity`: who changed what in the workspace (members, roles, settings), newest
//! first, a page at a time. Only members with `activity.read` may read it.
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;

use super::{Time, error_view, initials, loading_view, problem_view, use_slug, workspace_href};
use crate::modules::workspaces::server_fns::workspace_activity;
use crate::modules::workspaces::types::ActivityView;
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, EmptyState, ToastKind, loaded, use_toasts};

#[component]
pub fn ActivityPage() -> impl IntoView {
    let slug = use_slug();
    let first = Resource::new(move || slug.get(), |slug| workspace_activity(slug, None));
    // Pages after the first: their entries, and the cursor after them once one has loaded.
    let more = RwSignal::new(Vec::<ActivityView>::new());
    let next = RwSignal::new(None::<Option<String>>);
    let loading_more = RwSignal::new(false);
    let toasts = use_toasts();
    // Another workspace's log starts over.
    Effect::new(move |_| {
        slug.track();
        more.set(Vec::new());
        next.set(None);
    });
    let load_more = Callback::new(move |cursor: String| {
        if loading_more.get_untracked() {
            return;
        }
        loading_more.set(true);
        let slug = slug.get_untracked();
        spawn_local(async move {
            let result = workspace_activity(slug, Some(cursor)).await;
            loading_more.set(false);
            match result {
                Ok(page) => {
                    more.update(|items| items.extend(page.items));
                    next.set(Some(page.next_cursor));
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    view! {
        <Title text="Activity"/>
        <div class="page-head">
            <h1 class="page-title">"Activity"</h1>
            <p class="muted">"Who changed what in this workspace: members, invitations, roles and settings."</p>
            <p><A href=move || workspace_href(&slug.get(), "/members") attr:class="inline-link">"Members and roles"</A></p>
        </div>
        <section class="card stack settings" aria-labelledby="activity-title">
            <h2 id="activity-title" class="sr-only">"Activity log"</h2>
            <Transition fallback=loading_view>
                {move || Suspend::new(async move {
                    match loaded(first).await {
                        Err(AppError::Forbidden) => problem_view(
                            "shield",
                            "Only admins can see the activity log",
                            "Ask the owner or an admin of this workspace if you need to know who changed what.".into(),
                        )
                        .into_any(),
                        Err(err) => error_view(&err).into_any(),
                        Ok(page) if page.items.is_empty() => view! {
                            <EmptyState icon="clock" title="No activity yet"
                                text="Invitations, role changes and new settings show here as they happen."/>
                        }
                        .into_any(),
                        Ok(page) => {
                            let first_cursor = page.next_cursor;
                            view! {
                                <ul class="list" aria-label="Activity log">
                                    {page.items.into_iter().map(entry).collect_view()}
                                    {move || more.get().into_iter().map(entry).collect_view()}
                                </ul>
                                {move || {
                                    let cursor = next.get().unwrap_or_else(|| first_cursor.clone())?;
                                    Some(view! {
                                        <div>
                                            <Button variant=ButtonVariant::Secondary loading=loading_more
                                                on_click=Callback::new(move |()| load_more.run(cursor.clone()))>
                                                "Load more"
                                            </Button>
                                        </div>
                                    })
                                }}
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// One entry. The summary names the actor already ("Ada invited…"); the initials mark who
/// it was at a glance.
fn entry(item: ActivityView) -> impl IntoView {
    let actor = item.actor_name.unwrap_or_else(|| "Mewayz".into());
    view! {
        <li class="row-item activity-item">
            <span class="avatar-sm avatar-initials" title=actor.clone() aria-hidden="true">{initials(&actor)}</span>
            <div class="list-main">
                <span class="list-title break">{item.summary}</span>
                <span class="meta"><Time at=item.created_at/></span>
            </div>
        </li>
    }
}
