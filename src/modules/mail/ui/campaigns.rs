//! `/w/{slug}/mail`: every campaign with its status, audience size and when it went out; a new
//! one starts as a draft from a name and a sender, then opens in the editor.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};

use super::{Access, MailHeader, status_badge, use_access};
use crate::modules::auth::ui::field_error;
use crate::modules::crm::ui::{form_alert, plural, unshown_error};
use crate::modules::mail::server_fns::{create_campaign, list_campaigns, list_identities};
use crate::modules::mail::types::{CampaignInput, CampaignStatus, CampaignView, IdentityView};
use crate::modules::workspaces::ui::{SelectField, Time, error_view, loading_view, workspace_href};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Icon, TextField, loaded};

#[component]
pub fn CampaignsPage() -> impl IntoView {
    let access = use_access();
    view! {
        <Title text="Campaigns"/>
        {move || access.get().map(|a| view! { <CampaignsBody a=a/> })}
    }
}

#[component]
fn CampaignsBody(a: Access) -> impl IntoView {
    let Access { slug, write, .. } = a;
    let campaigns = Resource::new({ let slug = slug.clone(); move || slug.clone() }, list_campaigns);
    let creating = RwSignal::new(false);
    let open_new = Callback::new(move |()| creating.set(true));
    let list_slug = slug.clone();
    let new_slug = slug.clone();
    view! {
        <MailHeader slug=slug title="Campaigns" text="Emails to your contacts, sent in batches, with opens and clicks per campaign.">
            {write.then(|| view! { <Button on_click=open_new><Icon name="plus"/>"New campaign"</Button> })}
        </MailHeader>
        <Transition fallback=loading_view>
            {move || {
                let slug = list_slug.clone();
                Suspend::new(async move {
                    match loaded(campaigns).await {
                        Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <section class="card">
                                <EmptyState icon="mail" title="No campaigns yet"
                                    text="Write an email, choose who gets it by tag or segment, and send it now or at a set time.">
                                    {write.then(|| view! { <Button on_click=open_new><Icon name="plus"/>"Write your first campaign"</Button> })}
                                </EmptyState>
                            </section>
                        }
                        .into_any(),
                        Ok(list) => {
                            let n = list.len() as u64;
                            let rows = list.into_iter().map(|c| campaign_row(&slug, c)).collect_view();
                            view! {
                                <p class="crm-count" role="status">{plural(n, "campaign", "campaigns")}</p>
                                <div class="card crm-table-card">
                                    <div class="table-wrap">
                                        <table class="table crm-table mail-campaigns">
                                            <caption class="sr-only">"Campaigns"</caption>
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Campaign"</th>
                                                    <th scope="col">"Status"</th>
                                                    <th scope="col">"Recipients"</th>
                                                    <th scope="col">"When"</th>
                                                </tr>
                                            </thead>
                                            <tbody>{rows}</tbody>
                                        </table>
                                    </div>
                                </div>
                            }
                            .into_any()
                        }
                    }
                })
            }}
        </Transition>
        {write.then(|| view! {
            <Dialog open=creating title="New campaign">
                <NewCampaign slug=new_slug.clone() open=creating/>
            </Dialog>
        })}
    }
}

fn campaign_row(slug: &str, c: CampaignView) -> impl IntoView {
    let href = workspace_href(slug, &format!("/mail/campaigns/{}", c.id));
    let when = match c.status {
        CampaignStatus::Sent | CampaignStatus::Sending | CampaignStatus::Failed | CampaignStatus::Automated => c.started_at.clone(),
        CampaignStatus::Scheduled => c.send_at.clone(),
        CampaignStatus::Draft => None,
    };
    let when = match when {
        Some(at) => view! { <Time at=at/> }.into_any(),
        None => view! { <span class="meta">"Edited "<Time at=c.updated_at.clone() date_only=true/></span> }.into_any(),
    };
    let recipients = if c.recipients > 0 { c.recipients.to_string() } else { "—".into() };
    view! {
        <tr>
            <td class="crm-name">
                <A href=href attr:class="crm-name-text break">{c.name.clone()}</A>
                <span class="meta crm-clamp break">{c.subject.clone()}</span>
            </td>
            <td>{status_badge(c.status)}</td>
            <td class="nowrap">{recipients}</td>
            <td class="nowrap">{when}</td>
        </tr>
    }
}

/// A name and who it comes from (a saved sender, or an address); then the editor opens.
#[component]
fn NewCampaign(slug: String, open: RwSignal<bool>) -> impl IntoView {
    let identities = Resource::new({ let slug = slug.clone(); move || slug.clone() }, list_identities);
    let name = RwSignal::new(String::new());
    let sender = RwSignal::new(String::new());
    let from_email = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let navigate = use_navigate();
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &["name", "from_email", "identity_id"]))));
    let submit = {
        let slug = slug.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if saving.get_untracked() {
                return;
            }
            let identity = uuid::Uuid::parse_str(&sender.get_untracked()).ok();
            let input = CampaignInput {
                name: Some(name.get_untracked()),
                identity_id: identity.map(Some),
                from_email: identity.is_none().then(|| from_email.get_untracked()),
                ..Default::default()
            };
            saving.set(true);
            let (slug, navigate) = (slug.clone(), navigate.clone());
            spawn_local(async move {
                let result = create_campaign(slug.clone(), input).await;
                saving.set(false);
                match result {
                    Ok(c) => {
                        open.set(false);
                        navigate(&workspace_href(&slug, &format!("/mail/campaigns/{}", c.id)), NavigateOptions::default());
                    }
                    Err(err) => errors.set(Some(err)),
                }
            });
        }
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <TextField label="Name" name="campaign-name" autocomplete="off" value=name error=field_error(errors, "name")
                hint="For you: recipients see the subject, not this."/>
            <Suspense fallback=loading_view>
                {move || Suspend::new(async move {
                    let list: Vec<IdentityView> = loaded(identities).await.unwrap_or_default();
                    if let (Some(first), true) = (list.first(), sender.get_untracked().is_empty()) {
                        sender.set(first.id.to_string());
                    }
                    let mut options: Vec<(String, String)> =
                        list.iter().map(|i| (i.id.to_string(), format!("{} <{}>", i.from_name, i.from_email))).collect();
                    options.push((String::new(), "Another address…".into()));
                    view! {
                        <SelectField label="Sender" name="campaign-sender" value=sender options=options error=field_error(errors, "identity_id")/>
                    }
                })}
            </Suspense>
            <Show when=move || sender.with(String::is_empty)>
                <TextField label="From address" name="campaign-from" input_type="email" autocomplete="off" value=from_email
                    error=field_error(errors, "from_email") hint="Sent through the platform's SMTP server. Add a sender to use your own."/>
            </Show>
            {form_alert(other)}
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" loading=saving>"Create and edit"</Button>
            </div>
        </form>
    }
}
