//! `/w/{slug}/mail/campaigns/{id}`: a draft or scheduled campaign in the editor (sender,
//! subject, content from a template or own HTML, audience by tags or segment with how many it
//! reaches, an optional send time); once it is sending or sent, its report.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::{Access, DeleteButton, MailHeader, local_to_utc, report::ReportBody, status_badge, use_access, utc_to_local};
use crate::modules::auth::ui::field_error;
use crate::modules::crm::server_fns::{list_segments, list_tags};
use crate::modules::crm::ui::{Debounce, form_alert, plural, split_list, unshown_error};
use crate::modules::mail::server_fns::{
    audience_size, delete_campaign, get_campaign, list_identities, list_templates, send_campaign, update_campaign,
};
use crate::modules::mail::types::{AbTest, Audience, CampaignInput, CampaignStatus, CampaignView, SendInput};
use crate::modules::workspaces::ui::{FieldShell, SelectField, Time, error_view, loading_view};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, TextField, ToastKind, loaded, use_toasts};

#[component]
pub fn CampaignPage() -> impl IntoView {
    let access = use_access();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|id| Uuid::parse_str(&id).ok()));
    view! {
        <Title text="Campaign"/>
        {move || access.get().map(|a| view! { <CampaignBody a=a id=id/> })}
    }
}

#[component]
fn CampaignBody(a: Access, id: Memo<Option<Uuid>>) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let campaign = Resource::new(
        { let slug = a.slug.clone(); move || (slug.clone(), id.get(), reload.get()) },
        |(slug, id, _)| async move {
            match id {
                Some(id) => get_campaign(slug, id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=loading_view>
            {move || {
                let a = a.clone();
                Suspend::new(async move {
                    match loaded(campaign).await {
                        Err(err) => view! {
                            <MailHeader slug=a.slug.clone() title="Campaign" text="This campaign could not be opened."/>
                            <section class="card">{error_view(&err)}</section>
                        }
                        .into_any(),
                        Ok(c) if c.status.editable() && a.write => view! { <Editor a=a c=c reload=reload/> }.into_any(),
                        Ok(c) => view! { <ReportBody slug=a.slug.clone() c=c reload=reload/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// `name=…` pairs of a select: a saved thing's id and its label.
fn options<T>(list: &[T], first: (&str, &str), f: impl Fn(&T) -> (String, String)) -> Vec<(String, String)> {
    std::iter::once((first.0.to_owned(), first.1.to_owned())).chain(list.iter().map(f)).collect()
}

#[component]
fn Editor(a: Access, c: CampaignView, reload: RwSignal<u32>) -> impl IntoView {
    let Access { slug, delete, .. } = a;
    let toasts = use_toasts();
    let id = c.id;
    let status = c.status;
    let name = RwSignal::new(c.name.clone());
    let subject = RwSignal::new(c.subject.clone());
    let identity = RwSignal::new(c.identity_id.map(|i| i.to_string()).unwrap_or_default());
    let from_name = RwSignal::new(c.from_name.clone());
    let from_email = RwSignal::new(c.from_email.clone());
    let reply_to = RwSignal::new(c.reply_to.clone().unwrap_or_default());
    let template = RwSignal::new(c.template_id.map(|i| i.to_string()).unwrap_or_default());
    let body = RwSignal::new(c.body_html.clone());
    let by_segment = RwSignal::new(c.audience.segment_id.is_some());
    let tags = RwSignal::new(c.audience.tags.clone().unwrap_or_default().join(", "));
    let segment = RwSignal::new(c.audience.segment_id.map(|i| i.to_string()).unwrap_or_default());
    let ab = c.ab_test.clone();
    let ab_on = RwSignal::new(ab.is_some());
    let subject_b = RwSignal::new(ab.as_ref().map(|t| t.subject_b.clone()).unwrap_or_default());
    let test_percent = RwSignal::new(ab.as_ref().map_or(20, |t| t.test_percent).to_string());
    let wait_hours = RwSignal::new(ab.as_ref().map_or(4, |t| t.wait_hours).to_string());
    let send_at = RwSignal::new(String::new());
    // The browser's time zone is only known in the browser.
    let stored_send_at = c.send_at.clone();
    Effect::new(move |_| send_at.set(stored_send_at.as_deref().map(utc_to_local).unwrap_or_default()));

    let key = { let slug = slug.clone(); move || slug.clone() };
    let identities = Resource::new(key.clone(), list_identities);
    let templates = Resource::new(key.clone(), list_templates);
    let tag_list = Resource::new(key.clone(), list_tags);
    let segments = Resource::new(key.clone(), list_segments);

    let audience = move || tags.with(|t| segment.with(|s| audience_of(by_segment.get(), t, s)));
    // How many the audience reaches, refreshed once typing stops.
    let reach = RwSignal::new(None::<Result<u64, String>>);
    let debounce = Debounce::new();
    Effect::new({
        let slug = slug.clone();
        move |_| {
            let a = audience();
            let slug = slug.clone();
            debounce.run(300, move || {
                if a.tags.is_none() && a.segment_id.is_none() {
                    reach.set(None);
                    return;
                }
                spawn_local(async move {
                    let n = audience_size(slug, a).await.map_err(|e| e.field_message("audience.segment_id").map_or_else(|| e.to_string(), str::to_owned));
                    reach.try_set(Some(n));
                });
            });
        }
    });

    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let shown = ["name", "subject", "identity_id", "from_email", "from_name", "reply_to", "body_html", "template_id", "audience", "audience.tags", "send_at",
        "ab_test.subject_b", "ab_test.test_percent", "ab_test.wait_hours"];
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &shown))));
    let input = move || {
        let identity = Uuid::parse_str(&identity.get_untracked()).ok();
        let template = Uuid::parse_str(&template.get_untracked()).ok();
        CampaignInput {
            name: Some(name.get_untracked()),
            subject: Some(subject.get_untracked()),
            identity_id: Some(identity),
            from_name: identity.is_none().then(|| from_name.get_untracked()),
            from_email: identity.is_none().then(|| from_email.get_untracked()),
            reply_to: identity.is_none().then(|| Some(reply_to.get_untracked())),
            template_id: Some(template),
            body_html: Some(if template.is_some() { String::new() } else { body.get_untracked() }),
            audience: Some(tags.with_untracked(|t| segment.with_untracked(|s| audience_of(by_segment.get_untracked(), t, s)))),
            send_at: Some(local_to_utc(&send_at.get_untracked())),
            // A number that does not parse is sent as 0, which the server explains.
            ab_test: Some(ab_on.get_untracked().then(|| AbTest {
                subject_b: subject_b.get_untracked(),
                test_percent: test_percent.get_untracked().trim().parse().unwrap_or(0),
                wait_hours: wait_hours.get_untracked().trim().parse().unwrap_or(0),
            })),
        }
    };
    // Save, then (when asked) send or schedule; one 422 shows under its fields.
    let save = Callback::new({
        let slug = slug.clone();
        move |send: bool| {
            if saving.get_untracked() {
                return;
            }
            saving.set(true);
            errors.set(None);
            let (slug, input) = (slug.clone(), input());
            spawn_local(async move {
                let mut result = update_campaign(slug.clone(), id, input).await;
                if send && let Ok(c) = &result {
                    result = send_campaign(slug, c.id, SendInput::default()).await;
                }
                saving.set(false);
                match result {
                    Ok(c) => {
                        let what = match (send, c.status) {
                            (false, _) => "Saved.".to_owned(),
                            (true, CampaignStatus::Scheduled) => "Scheduled.".to_owned(),
                            (true, _) => format!("Sending to {}.", plural(c.recipients, "contact", "contacts")),
                        };
                        toasts.show(ToastKind::Success, what);
                        reload.update(|n| *n += 1);
                    }
                    Err(err) => errors.set(Some(err)),
                }
            });
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        save.run(false);
    };
    let send_label = move || if send_at.with(|s| s.trim().is_empty()) { "Send now" } else { "Schedule" };
    let scheduled = (status == CampaignStatus::Scheduled).then(|| {
        let at = c.send_at.clone().unwrap_or_default();
        view! { <p class="callout" role="status">"Scheduled for "<Time at=at/>". Clear the send time and save to keep it as a draft."</p> }
    });
    let title = c.name.clone();

    view! {
        <MailHeader slug=slug.clone() title=title text="Write the email, choose who gets it, then send it now or at a set time.">
            {status_badge(status)}
        </MailHeader>
        {scheduled}
        <form class="mail-editor stack" novalidate on:submit=submit>
            <section class="card stack" aria-labelledby="campaign-message">
                <h2 id="campaign-message" class="card-title">"Message"</h2>
                <TextField label="Campaign name" name="name" autocomplete="off" value=name error=field_error(errors, "name")/>
                <TextField label="Subject" name="subject" autocomplete="off" value=subject error=field_error(errors, "subject")
                    hint="Merge tags work here: {{first_name|there}}."/>
                <label class="check">
                    <input type="checkbox" name="ab" prop:checked=move || ab_on.get() on:change=move |ev| ab_on.set(event_target_checked(&ev))/>
                    "A/B test the subject"
                </label>
                <Show when=move || ab_on.get()>
                    <div class="mail-ab stack">
                        <TextField label="Subject B" name="subject_b" autocomplete="off" value=subject_b error=field_error(errors, "ab_test.subject_b")/>
                        <div class="grid-2">
                            <TextField label="Test share (%)" name="test_percent" input_type="number" value=test_percent error=field_error(errors, "ab_test.test_percent")
                                hint="10 to 50: half get each subject."/>
                            <TextField label="Pick the winner after (hours)" name="wait_hours" input_type="number" value=wait_hours error=field_error(errors, "ab_test.wait_hours")
                                hint="Then everyone else gets the subject opened more."/>
                        </div>
                    </div>
                </Show>
                <Suspense fallback=loading_view>
                    {move || Suspend::new(async move {
                        let list = loaded(identities).await.unwrap_or_default();
                        let opts = options(&list, ("", "Another address…"), |i| (i.id.to_string(), format!("{} <{}>", i.from_name, i.from_email)));
                        view! { <SelectField label="Sender" name="identity" value=identity options=opts error=field_error(errors, "identity_id")/> }
                    })}
                </Suspense>
                <Show when=move || identity.with(String::is_empty)>
                    <div class="grid-2">
                        <TextField label="From name" name="from_name" autocomplete="off" value=from_name error=field_error(errors, "from_name")/>
                        <TextField label="From address" name="from_email" input_type="email" autocomplete="off" value=from_email error=field_error(errors, "from_email")/>
                    </div>
                    <TextField label="Reply-to (optional)" name="reply_to" input_type="email" autocomplete="off" value=reply_to error=field_error(errors, "reply_to")/>
                </Show>
                <Suspense fallback=loading_view>
                    {move || Suspend::new(async move {
                        let list = loaded(templates).await.unwrap_or_default();
                        let opts = options(&list, ("", "None: write HTML below"), |t| (t.id.to_string(), t.name.clone()));
                        view! { <SelectField label="Template" name="template" value=template options=opts error=field_error(errors, "template_id")/> }
                    })}
                </Suspense>
                <Show when=move || template.with(String::is_empty)>
                    <FieldShell label="Email body (HTML)" id="field-body_html".into() hint=Some("Merge tags like {{first_name|there}} work; scripts and styles are removed.".into()) error=field_error(errors, "body_html")>
                        <textarea id="field-body_html" name="body_html" class="field-input crm-textarea mail-code" rows="10" aria-describedby="field-body_html-desc"
                            prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                    </FieldShell>
                </Show>
            </section>
            <section class="card stack" aria-labelledby="campaign-audience">
                <h2 id="campaign-audience" class="card-title">"Audience"</h2>
                <fieldset class="mail-choice">
                    <legend class="field-label">"Send to"</legend>
                    <label class="check">
                        <input type="radio" name="audience-kind" prop:checked=move || !by_segment.get() on:change=move |_| by_segment.set(false)/>
                        "Contacts with any of these tags"
                    </label>
                    <label class="check">
                        <input type="radio" name="audience-kind" prop:checked=move || by_segment.get() on:change=move |_| by_segment.set(true)/>
                        "A saved segment"
                    </label>
                </fieldset>
                <Show when=move || !by_segment.get()>
                    <FieldShell label="Tags" id="field-audience-tags".into() hint=Some("Separate tags with commas.".into())
                        error=Signal::derive(move || field_error(errors, "audience").get().or_else(|| field_error(errors, "audience.tags").get()))>
                        <input id="field-audience-tags" class="field-input" list="mail-tag-list" autocomplete="off" aria-describedby="field-audience-tags-desc"
                            prop:value=move || tags.get() on:input=move |ev| tags.set(event_target_value(&ev))/>
                    </FieldShell>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let list = loaded(tag_list).await.unwrap_or_default();
                            view! { <datalist id="mail-tag-list">{list.into_iter().map(|t| view! { <option value=t.name/> }).collect_view()}</datalist> }
                        })}
                    </Suspense>
                </Show>
                <Show when=move || by_segment.get()>
                    <Suspense fallback=loading_view>
                        {move || Suspend::new(async move {
                            let list = loaded(segments).await.unwrap_or_default();
                            let opts = options(&list, ("", "Choose a segment"), |s| (s.id.to_string(), format!("{} ({})", s.name, s.count)));
                            view! { <SelectField label="Segment" name="segment" value=segment options=opts error=field_error(errors, "audience")/> }
                        })}
                    </Suspense>
                </Show>
                <p class="mail-reach" role="status" aria-live="polite">
                    {move || match reach.get() {
                        None => "Choose tags or a segment to see how many this reaches.".to_owned(),
                        Some(Ok(n)) => format!("Reaches {} (subscribed, with an email address).", plural(n, "contact", "contacts")),
                        Some(Err(e)) => e,
                    }}
                </p>
            </section>
            <section class="card stack" aria-labelledby="campaign-when">
                <h2 id="campaign-when" class="card-title">"When"</h2>
                <FieldShell label="Send at (optional)" id="field-send_at".into() hint=Some("Your local time. Leave empty to send when you press Send now.".into()) error=field_error(errors, "send_at")>
                    <input id="field-send_at" type="datetime-local" class="field-input" aria-describedby="field-send_at-desc"
                        prop:value=move || send_at.get() on:input=move |ev| send_at.set(event_target_value(&ev))/>
                </FieldShell>
            </section>
            {form_alert(other)}
            <div class="row mail-actions">
                {delete.then(|| view! {
                    <DeleteButton slug=slug.clone() title="Delete campaign?" text="The draft and its settings are removed. This cannot be undone."
                        confirm="Delete campaign" done="Campaign deleted." back="/mail" delete=move |slug| delete_campaign(slug, id)/>
                })}
                <span class="grow"></span>
                <Button variant=ButtonVariant::Secondary button_type="submit" loading=saving>"Save draft"</Button>
                <Button loading=saving on_click=Callback::new(move |()| save.run(true))>{send_label}</Button>
            </div>
        </form>
    }
}

/// The audience the form describes: a segment, or the tags typed (none: nothing chosen).
fn audience_of(by_segment: bool, tags: &str, segment: &str) -> Audience {
    if by_segment {
        Audience { tags: None, segment_id: Uuid::parse_str(segment).ok() }
    } else {
        let t = split_list(tags);
        Audience { tags: (!t.is_empty()).then_some(t), segment_id: None }
    }
}
