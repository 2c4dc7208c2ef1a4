//! `/w/{slug}/mail/templates`: the workspace's email templates; a new one starts with a
//! greeting and a paragraph and opens in the block editor.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};

use super::{Access, MailHeader, use_access};
use crate::modules::auth::ui::field_error;
use crate::modules::crm::ui::{form_alert, plural, unshown_error};
use crate::modules::mail::server_fns::{list_templates, save_template};
use crate::modules::mail::types::{Block, TemplateInput};
use crate::modules::workspaces::ui::{Time, error_view, loading_view, workspace_href};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Icon, TextField, loaded};

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let access = use_access();
    view! {
        <Title text="Email templates"/>
        {move || access.get().map(|a| view! { <TemplatesBody a=a/> })}
    }
}

#[component]
fn TemplatesBody(a: Access) -> impl IntoView {
    let Access { slug, write, .. } = a;
    let templates = Resource::new({ let slug = slug.clone(); move || slug.clone() }, list_templates);
    let creating = RwSignal::new(false);
    let open_new = Callback::new(move |()| creating.set(true));
    let (list_slug, new_slug) = (slug.clone(), slug.clone());
    view! {
        <MailHeader slug=slug title="Templates" text="Emails built from blocks, responsive on phones, with a plain-text part.">
            {write.then(|| view! { <Button on_click=open_new><Icon name="plus"/>"New template"</Button> })}
        </MailHeader>
        <Transition fallback=loading_view>
            {move || {
                let slug = list_slug.clone();
                Suspend::new(async move {
                    match loaded(templates).await {
                        Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <section class="card">
                                <EmptyState icon="mail" title="No templates yet"
                                    text="Build an email from headings, text, images, buttons and columns, then use it in campaigns.">
                                    {write.then(|| view! { <Button on_click=open_new><Icon name="plus"/>"Build your first template"</Button> })}
                                </EmptyState>
                            </section>
                        }
                        .into_any(),
                        Ok(list) => {
                            let n = list.len() as u64;
                            let items = list
                                .into_iter()
                                .map(|t| {
                                    let href = workspace_href(&slug, &format!("/mail/templates/{}", t.id));
                                    let blocks = plural(t.blocks.len() as u64, "block", "blocks");
                                    view! {
                                        <li class="row-item">
                                            <div class="stack-sm grow">
                                                <A href=href attr:class="crm-name-text break">{t.name.clone()}</A>
                                                <span class="meta break">{if t.subject.is_empty() { "No subject".to_owned() } else { t.subject.clone() }}</span>
                                            </div>
                                            <span class="meta nowrap">{blocks}" · "<Time at=t.updated_at.clone() date_only=true/></span>
                                        </li>
                                    }
                                })
                                .collect_view();
                            view! {
                                <p class="crm-count" role="status">{plural(n, "template", "templates")}</p>
                                <ul class="card list-plain" aria-label="Templates">{items}</ul>
                            }
                            .into_any()
                        }
                    }
                })
            }}
        </Transition>
        {write.then(|| view! {
            <Dialog open=creating title="New template">
                <NewTemplate slug=new_slug.clone() open=creating/>
            </Dialog>
        })}
    }
}

/// What a new template starts with: a greeting, a paragraph and a button to change.
fn starter() -> Vec<Block> {
    vec![
        Block::Heading { text: "Hello {{first_name|there}}".into(), level: Some(1) },
        Block::Text { html: "Write your message here. Select words and use <b>B</b>, <i>I</i> or Link to format them.".into() },
        Block::Divider,
    ]
}

#[component]
fn NewTemplate(slug: String, open: RwSignal<bool>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let navigate = use_navigate();
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &["name"]))));
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        let input = TemplateInput { name: Some(name.get_untracked()), subject: Some(String::new()), blocks: Some(starter()) };
        let (slug, navigate) = (slug.clone(), navigate.clone());
        spawn_local(async move {
            let result = save_template(slug.clone(), None, input).await;
            saving.set(false);
            match result {
                Ok(t) => {
                    open.set(false);
                    navigate(&workspace_href(&slug, &format!("/mail/templates/{}", t.id)), NavigateOptions::default());
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <TextField label="Name" name="template-name" autocomplete="off" value=name error=field_error(errors, "name")/>
            {form_alert(other)}
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" loading=saving>"Create and edit"</Button>
            </div>
        </form>
    }
}
