//! `/w/{slug}/mail/sequences`: welcome sequences (automations), and
//! `/w/{slug}/mail/sequences/{id}` (or `new`): what starts one (a form sign-up or a tag), its
//! sender, and its emails in order, each after a wait in days, with how each did.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, components::A, hooks::{use_navigate, use_params_map}};
use uuid::Uuid;

use super::{Access, DeleteButton, MailHeader, use_access};
use crate::modules::auth::ui::field_error;
use crate::modules::crm::ui::{form_alert, plural, unshown_error};
use crate::modules::mail::server_fns::{delete_sequence, get_sequence, list_identities, list_sequences, list_templates, save_sequence};
use crate::modules::mail::types::{SequenceInput, SequenceTrigger, SequenceView, StepInput, StepView};
use crate::modules::workspaces::ui::{FieldShell, SelectField, error_view, loading_view, workspace_href};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, EmptyState, Icon, TextField, ToastKind, loaded, use_toasts};

#[component]
pub fn SequencesPage() -> impl IntoView {
    let access = use_access();
    view! {
        <Title text="Email sequences"/>
        {move || access.get().map(|a| view! { <SequencesBody a=a/> })}
    }
}

fn trigger_text(s: &SequenceView) -> String {
    match (s.trigger, &s.trigger_tag) {
        (SequenceTrigger::Tag, Some(tag)) => format!("When a contact gets the tag “{tag}”"),
        _ => "When someone signs up through a form".into(),
    }
}

fn new_button(slug: &str, write: bool) -> impl IntoView + use<> {
    let href = workspace_href(slug, "/mail/sequences/new");
    write.then(|| view! { <A href=href attr:class="btn btn-primary"><Icon name="plus"/>"New sequence"</A> })
}

#[component]
fn SequencesBody(a: Access) -> impl IntoView {
    let Access { slug, write, .. } = a;
    let sequences = Resource::new({ let slug = slug.clone(); move || slug.clone() }, list_sequences);
    let list_slug = slug.clone();
    view! {
        <MailHeader slug=slug.clone() title="Sequences" text="Emails that go out by themselves: a welcome series after a sign-up or a tag, one step every few days.">
            {new_button(&slug, write)}
        </MailHeader>
        <Transition fallback=loading_view>
            {move || {
                let slug = list_slug.clone();
                Suspend::new(async move {
                    match loaded(sequences).await {
                        Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <section class="card">
                                <EmptyState icon="mail" title="No sequences yet"
                                    text="Welcome new subscribers with a series of emails: the first right away, the next ones days later.">
                                    {new_button(&slug, write)}
                                </EmptyState>
                            </section>
                        }
                        .into_any(),
                        Ok(list) => {
                            let items = list
                                .into_iter()
                                .map(|s| {
                                    let href = workspace_href(&slug, &format!("/mail/sequences/{}", s.id));
                                    let badge = if s.active { view! { <span class="badge badge-success">"On"</span> } } else { view! { <span class="badge">"Off"</span> } };
                                    let counts = format!("{} · {} enrolled", plural(s.steps.len() as u64, "email", "emails"), s.enrolled);
                                    let trigger = trigger_text(&s);
                                    view! {
                                        <li class="row-item">
                                            <div class="stack-sm grow">
                                                <A href=href attr:class="crm-name-text break">{s.name.clone()}</A>
                                                <span class="meta break">{trigger}</span>
                                            </div>
                                            <span class="meta nowrap">{counts}</span>
                                            {badge}
                                        </li>
                                    }
                                })
                                .collect_view();
                            view! { <ul class="card list-plain" aria-label="Sequences">{items}</ul> }.into_any()
                        }
                    }
                })
            }}
        </Transition>
    }
}

#[component]
pub fn SequencePage() -> impl IntoView {
    let access = use_access();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")));
    view! {
        <Title text="Sequence"/>
        {move || access.get().map(|a| view! { <SequenceBody a=a id=id/> })}
    }
}

#[component]
fn SequenceBody(a: Access, id: Memo<Option<String>>) -> impl IntoView {
    let sequence = Resource::new({ let slug = a.slug.clone(); move || (slug.clone(), id.get()) }, |(slug, id)| async move {
        match id.as_deref() {
            Some("new") => Ok(None),
            Some(raw) => match Uuid::parse_str(raw) {
                Ok(id) => get_sequence(slug, id).await.map(Some),
                Err(_) => Err(AppError::NotFound),
            },
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Transition fallback=loading_view>
            {move || {
                let a = a.clone();
                Suspend::new(async move {
                    match loaded(sequence).await {
                        Err(err) => view! {
                            <MailHeader slug=a.slug.clone() title="Sequence" text="This sequence could not be opened."/>
                            <section class="card">{error_view(&err)}</section>
                        }
                        .into_any(),
                        Ok(s) => view! { <Editor a=a s=s/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// One email of the sequence as the form holds it; `key` tells steps apart while they move.
#[derive(Clone)]
struct Step {
    key: u32,
    id: Option<Uuid>,
    wait_days: RwSignal<String>,
    subject: RwSignal<String>,
    template: RwSignal<String>,
    body: RwSignal<String>,
    stats: Option<(u64, u64, u64)>,
}

impl Step {
    fn new(key: u32, v: Option<&StepView>) -> Self {
        Step {
            key,
            id: v.map(|v| v.id),
            wait_days: RwSignal::new(v.map_or(if key == 0 { 0 } else { 2 }, |v| v.wait_days).to_string()),
            subject: RwSignal::new(v.map(|v| v.subject.clone()).unwrap_or_default()),
            template: RwSignal::new(v.and_then(|v| v.template_id).map(|t| t.to_string()).unwrap_or_default()),
            body: RwSignal::new(v.map(|v| v.body_html.clone()).unwrap_or_default()),
            stats: v.map(|v| (v.sent, v.opened, v.clicked)),
        }
    }

    fn input(&self) -> StepInput {
        let template = Uuid::parse_str(&self.template.get_untracked()).ok();
        StepInput {
            id: self.id,
            // Not a number: sent as too many days, which the server explains.
            wait_days: self.wait_days.get_untracked().trim().parse().unwrap_or(u32::MAX),
            subject: self.subject.get_untracked(),
            template_id: template,
            body_html: template.is_none().then(|| self.body.get_untracked()),
        }
    }
}

#[component]
fn Editor(a: Access, s: Option<SequenceView>) -> impl IntoView {
    let Access { slug, write, delete, .. } = a;
    let toasts = use_toasts();
    let navigate = use_navigate();
    let id = s.as_ref().map(|s| s.id);
    let name = RwSignal::new(s.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let by_tag = RwSignal::new(s.as_ref().is_some_and(|s| s.trigger == SequenceTrigger::Tag));
    let tag = RwSignal::new(s.as_ref().and_then(|s| s.trigger_tag.clone()).unwrap_or_default());
    let active = RwSignal::new(s.as_ref().is_some_and(|s| s.active));
    let identity = RwSignal::new(s.as_ref().and_then(|s| s.identity_id).map(|i| i.to_string()).unwrap_or_default());
    let from_name = RwSignal::new(s.as_ref().map(|s| s.from_name.clone()).unwrap_or_default());
    let from_email = RwSignal::new(s.as_ref().map(|s| s.from_email.clone()).unwrap_or_default());
    let initial: Vec<Step> = match &s {
        Some(s) => s.steps.iter().enumerate().map(|(i, v)| Step::new(i as u32, Some(v))).collect(),
        None => vec![Step::new(0, None)],
    };
    let next_key = StoredValue::new(initial.len() as u32);
    let steps = RwSignal::new(initial);

    let key = { let slug = slug.clone(); move || slug.clone() };
    let identities = Resource::new(key.clone(), list_identities);
    let templates = Resource::new(key, list_templates);

    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let shown = ["name", "trigger", "trigger_tag", "identity_id", "from_email", "from_name", "active"];
    // Everything not shown under a field, including the steps' own fields (shown in each step).
    let other = Signal::derive(move || {
        errors.with(|e| match e {
            Some(AppError::Validation { errors }) => {
                let rest = errors.iter().filter(|x| !is_step_field(&x.field)).cloned().collect();
                unshown_error(&AppError::Validation { errors: rest }, &shown)
            }
            Some(other) => unshown_error(other, &shown),
            None => None,
        })
    });
    let submit = {
        let slug = slug.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if saving.get_untracked() {
                return;
            }
            saving.set(true);
            errors.set(None);
            let identity_id = Uuid::parse_str(&identity.get_untracked()).ok();
            let input = SequenceInput {
                name: Some(name.get_untracked()),
                trigger: Some(if by_tag.get_untracked() { SequenceTrigger::Tag } else { SequenceTrigger::Signup }),
                trigger_tag: Some(by_tag.get_untracked().then(|| tag.get_untracked())),
                active: Some(active.get_untracked()),
                identity_id: Some(identity_id),
                from_email: identity_id.is_none().then(|| from_email.get_untracked()),
                from_name: identity_id.is_none().then(|| from_name.get_untracked()),
                steps: Some(steps.with_untracked(|s| s.iter().map(Step::input).collect())),
            };
            let (slug, navigate) = (slug.clone(), navigate.clone());
            spawn_local(async move {
                let result = save_sequence(slug.clone(), id, input).await;
                saving.set(false);
                match result {
                    Ok(saved) => {
                        toasts.show(ToastKind::Success, "Saved.");
                        // Fresh ids for new steps (and the new sequence's own address).
                        navigate(&workspace_href(&slug, &format!("/mail/sequences/{}", saved.id)), NavigateOptions { replace: id.is_none(), ..Default::default() });
                        if id.is_some() {
                            steps.set(saved.steps.iter().enumerate().map(|(i, v)| Step::new(i as u32, Some(v))).collect());
                            next_key.set_value(saved.steps.len() as u32);
                        }
                    }
                    Err(err) => errors.set(Some(err)),
                }
            });
        }
    };
    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        steps.update(|s| s.push(Step::new(key.max(1), None)));
    };
    let summary = s.as_ref().map(|s| format!("{} enrolled · {} going through it now", s.enrolled, s.in_progress));
    let title = s.as_ref().map_or_else(|| "New sequence".to_owned(), |s| s.name.clone());
    let report_slug = slug.clone();

    view! {
        <MailHeader slug=slug.clone() title=title text="What starts it, who it comes from, and its emails in order.">
            {s.as_ref().map(|s| if s.active { view! { <span class="badge badge-success">"On"</span> } } else { view! { <span class="badge">"Off"</span> } })}
        </MailHeader>
        {summary.map(|t| view! { <p class="meta" role="status">{t}</p> })}
        <form class="mail-editor stack" novalidate on:submit=submit>
            <section class="card stack" aria-labelledby="sequence-start">
                <h2 id="sequence-start" class="card-title">"Start"</h2>
                <TextField label="Name" name="name" autocomplete="off" value=name error=field_error(errors, "name")/>
                <fieldset class="mail-choice">
                    <legend class="field-label">"Starts for a contact"</legend>
                    <label class="check">
                        <input type="radio" name="trigger" prop:checked=move || !by_tag.get() on:change=move |_| by_tag.set(false)/>
                        "When they sign up through a form (after confirming, with double opt-in)"
                    </label>
                    <label class="check">
                        <input type="radio" name="trigger" prop:checked=move || by_tag.get() on:change=move |_| by_tag.set(true)/>
                        "When they get a tag"
                    </label>
                </fieldset>
                <Show when=move || by_tag.get()>
                    <TextField label="Tag" name="trigger_tag" autocomplete="off" value=tag error=field_error(errors, "trigger_tag")/>
                </Show>
                <Suspense fallback=loading_view>
                    {move || Suspend::new(async move {
                        let list = loaded(identities).await.unwrap_or_default();
                        let opts = std::iter::once((String::new(), "Another address…".to_owned()))
                            .chain(list.iter().map(|i| (i.id.to_string(), format!("{} <{}>", i.from_name, i.from_email))))
                            .collect();
                        view! { <SelectField label="Sender" name="identity" value=identity options=opts error=field_error(errors, "identity_id")/> }
                    })}
                </Suspense>
                <Show when=move || identity.with(String::is_empty)>
                    <div class="grid-2">
                        <TextField label="From name" name="from_name" autocomplete="off" value=from_name error=field_error(errors, "from_name")/>
                        <TextField label="From address" name="from_email" input_type="email" autocomplete="off" value=from_email error=field_error(errors, "from_email")/>
                    </div>
                </Show>
                <label class="check">
                    <input type="checkbox" name="active" prop:checked=move || active.get() on:change=move |ev| active.set(event_target_checked(&ev))/>
                    "On: new contacts are enrolled and the emails go out"
                </label>
                <p class="field-error" role="alert">{move || field_error(errors, "active").get()}</p>
            </section>
            <section class="card stack" aria-labelledby="sequence-emails">
                <h2 id="sequence-emails" class="card-title">"Emails"</h2>
                // The templates load once for every step (a step card holds no data request).
                <Suspense fallback=loading_view>
                    {move || {
                        let slug = report_slug.clone();
                        Suspend::new(async move {
                            let list = loaded(templates).await.unwrap_or_default();
                            let options: Vec<(String, String)> = std::iter::once((String::new(), "None: write HTML below".to_owned()))
                                .chain(list.into_iter().map(|t| (t.id.to_string(), t.name)))
                                .collect();
                            let options = StoredValue::new(options);
                            view! {
                                <ol class="stack mail-steps">
                                    <For each=move || steps.get() key=|s| s.key let:step>
                                        <StepCard step=step steps=steps errors=errors options=options slug=slug.clone()/>
                                    </For>
                                </ol>
                            }
                        })
                    }}
                </Suspense>
                <div><Button variant=ButtonVariant::Secondary on_click=Callback::new(add)><Icon name="plus"/>"Add email"</Button></div>
            </section>
            {form_alert(other)}
            {write.then(|| view! {
                <div class="row mail-actions">
                    {(delete && id.is_some()).then(|| {
                        let id = id.unwrap_or_default();
                        view! {
                            <DeleteButton slug=slug.clone() title="Delete sequence?" text="Its emails, their reports and who is going through it are removed. This cannot be undone."
                                confirm="Delete sequence" done="Sequence deleted." back="/mail/sequences" delete=move |slug| delete_sequence(slug, id)/>
                        }
                    })}
                    <span class="grow"></span>
                    <Button button_type="submit" loading=saving>"Save"</Button>
                </div>
            })}
        </form>
    }
}

/// `steps[2].subject` and the other fields a step card shows.
fn is_step_field(field: &str) -> bool {
    field.starts_with("steps[") && [".subject", ".wait_days", ".template_id", ".body_html"].iter().any(|f| field.ends_with(f))
}

#[component]
fn StepCard(
    step: Step,
    steps: RwSignal<Vec<Step>>,
    errors: RwSignal<Option<AppError>>,
    options: StoredValue<Vec<(String, String)>>,
    slug: String,
) -> impl IntoView {
    let key = step.key;
    let index = Memo::new(move |_| steps.with(|s| s.iter().position(|x| x.key == key).unwrap_or(0)));
    let error = move |field: &'static str| Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| e.field_message(&format!("steps[{}].{field}", index.get())).map(str::to_owned))));
    let shift = move |by: isize| {
        steps.update(|s| {
            let i = index.get_untracked();
            let j = i as isize + by;
            if j >= 0 && (j as usize) < s.len() {
                s.swap(i, j as usize);
            }
        })
    };
    let remove = move |_| steps.update(|s| s.retain(|x| x.key != key));
    let template = step.template;
    let body = step.body;
    let stats = step.stats.zip(step.id).map(|((sent, opened, clicked), id)| {
        let href = workspace_href(&slug, &format!("/mail/campaigns/{id}"));
        view! { <p class="meta">{format!("{sent} sent · {opened} opened · {clicked} clicked · ")}<A href=href>"Report"</A></p> }
    });
    view! {
        <li class="card mail-step stack-sm">
            <div class="row">
                <h3 class="grow">{move || format!("Email {}", index.get() + 1)}</h3>
                <Button variant=ButtonVariant::Ghost on_click=Callback::new(move |()| shift(-1)) disabled=Signal::derive(move || index.get() == 0)>
                    <span aria-hidden="true">"↑"</span><span class="sr-only">"Move up"</span>
                </Button>
                <Button variant=ButtonVariant::Ghost on_click=Callback::new(move |()| shift(1)) disabled=Signal::derive(move || index.get() + 1 >= steps.with(Vec::len))>
                    <span aria-hidden="true">"↓"</span><span class="sr-only">"Move down"</span>
                </Button>
                <Button variant=ButtonVariant::Ghost on_click=Callback::new(remove)>"Remove"</Button>
            </div>
            <TextField label="Wait (days)" name=format!("step-{key}-wait") input_type="number" value=step.wait_days error=error("wait_days")
                hint="Before this email: after they join for the first, after the previous email for the others."/>
            <TextField label="Subject" name=format!("step-{key}-subject") autocomplete="off" value=step.subject error=error("subject")/>
            <FieldShell label="Template" id=format!("step-{key}-template") hint=None error=error("template_id")>
                <select id=format!("step-{key}-template") class="field-input" on:change=move |ev| template.set(event_target_value(&ev))>
                    {options.with_value(|o| o.iter().map(|(value, label)| {
                        let selected = template.get_untracked() == *value;
                        view! { <option value=value.clone() selected=selected>{label.clone()}</option> }
                    }).collect_view())}
                </select>
            </FieldShell>
            <Show when=move || template.with(String::is_empty)>
                <FieldShell label="Email body (HTML)" id=format!("step-{key}-body") hint=Some("Merge tags like {{first_name|there}} work.".into()) error=error("body_html")>
                    <textarea id=format!("step-{key}-body") class="field-input crm-textarea mail-code" rows="6" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                </FieldShell>
            </Show>
            {stats}
        </li>
    }
}
