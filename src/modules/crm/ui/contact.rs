//! `/w/{slug}/crm/contacts/{id}`: one contact. Every field of the contact (and one input per
//! custom field) in a form that saves on "Save"; the timeline of what happened with them, newest
//! first, with notes that members add and remove. A deleted contact shows read-only with a
//! Restore button.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, components::A, hooks::{use_navigate, use_params_map}};
use serde_json::Value;
use uuid::Uuid;

use super::{Access, CrmIcon, consent_badge, field_message, form_alert, split_list, unshown_error, use_access};
use crate::modules::auth::ui::{field_error, initials};
use crate::modules::crm::server_fns::{
    add_note, contact_timeline, delete_contact, delete_note, get_contact, list_companies, list_fields, restore_contact, update_contact,
};
use crate::modules::crm::types::{
    ActivityView, CompanyView, Consent, ContactInput, ContactView, CustomFieldView, FieldKind, NoteInput, Timeline,
};
use crate::modules::workspaces::ui::{FieldShell, Panel, SelectField, Time, error_view, loading_view, problem_view, workspace_href};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, TextField, ToastKind, loaded, use_toasts};

type TimelineResource = Resource<Result<Timeline, AppError>>;

#[component]
pub fn ContactPage() -> impl IntoView {
    let access = use_access();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|id| Uuid::parse_str(&id).ok()));
    view! {
        <Title text="Contact"/>
        {move || access.get().map(|a| view! { <ContactBody a=a id=id/> })}
    }
}

#[component]
fn ContactBody(a: Access, id: Memo<Option<Uuid>>) -> impl IntoView {
    let slug = a.slug.clone();
    let reload_timeline = RwSignal::new(0u32);
    let keyed = {
        let slug = slug.clone();
        move || (slug.clone(), id.get())
    };
    let contact = Resource::new(keyed.clone(), |(slug, id)| async move {
        match id {
            Some(id) => get_contact(slug, id).await,
            None => Err(AppError::NotFound),
        }
    });
    let fields = Resource::new(keyed.clone(), |(slug, _)| list_fields(slug));
    let companies = Resource::new(keyed.clone(), |(slug, _)| list_companies(slug, None, false));
    let timeline: TimelineResource = Resource::new(
        move || (keyed(), reload_timeline.get()),
        |((slug, id), _)| async move {
            match id {
                Some(id) => contact_timeline(slug, id, None).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=loading_view>
            {move || {
                let a = a.clone();
                Suspend::new(async move {
                    let (c, f, co) = (contact.await, fields.await, loaded(companies).await);
                    match (c, f) {
                        (Ok(c), Ok(f)) => {
                            // A failed company list only empties the company choice.
                            let co = co.unwrap_or_default();
                            view! { <ContactEditor a=a contact=c fields=f companies=co timeline=timeline reload_timeline=reload_timeline/> }.into_any()
                        }
                        (Err(AppError::NotFound), _) => not_found(&a.slug).into_any(),
                        (Err(err), _) | (_, Err(err)) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

fn not_found(slug: &str) -> impl IntoView {
    let back = workspace_href(slug, "/crm");
    view! {
        <section class="card">
            {problem_view("users", "We could not find this contact", "It may have been deleted for good, or the link you followed is wrong.".into())}
            <p class="crm-center"><A href=back attr:class="btn btn-secondary">"Back to contacts"</A></p>
        </section>
    }
}

/// A custom field value as its input holds it: text, a number, `YYYY-MM-DD`, `true`/`false`.
fn custom_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// What the form sends for a custom field: booleans for checkboxes, `null` to clear.
fn custom_value(kind: FieldKind, text: &str) -> Value {
    let text = text.trim();
    match kind {
        FieldKind::Checkbox => Value::Bool(text == "true"),
        _ if text.is_empty() => Value::Null,
        _ => Value::String(text.to_owned()),
    }
}

/// The form's fields, one signal each, filled from a contact.
#[derive(Clone, Copy)]
struct Form {
    first_name: RwSignal<String>,
    last_name: RwSignal<String>,
    email: RwSignal<String>,
    phone: RwSignal<String>,
    job_title: RwSignal<String>,
    company: RwSignal<String>,
    address_line: RwSignal<String>,
    city: RwSignal<String>,
    region: RwSignal<String>,
    postal_code: RwSignal<String>,
    country: RwSignal<String>,
    notes: RwSignal<String>,
    consent: RwSignal<String>,
    consent_source: RwSignal<String>,
    tags: RwSignal<String>,
}

impl Form {
    fn new(c: &ContactView) -> Self {
        let s = |v: &str| RwSignal::new(v.to_owned());
        Form {
            first_name: s(&c.first_name),
            last_name: s(&c.last_name),
            email: s(c.email.as_deref().unwrap_or_default()),
            phone: s(c.phone.as_deref().unwrap_or_default()),
            job_title: s(&c.job_title),
            company: RwSignal::new(c.company_id.map(|id| id.to_string()).unwrap_or_default()),
            address_line: s(&c.address_line),
            city: s(&c.city),
            region: s(&c.region),
            postal_code: s(&c.postal_code),
            country: s(&c.country),
            notes: s(&c.notes),
            consent: s(c.consent_status.as_str()),
            consent_source: s(""),
            tags: s(&c.tags.join(", ")),
        }
    }

    /// Back to what the server has now (it trims, upper-cases countries, dedups tags).
    fn fill(&self, c: &ContactView) {
        let fresh = Form::new(c);
        for (mine, theirs) in [
            (self.first_name, fresh.first_name),
            (self.last_name, fresh.last_name),
            (self.email, fresh.email),
            (self.phone, fresh.phone),
            (self.job_title, fresh.job_title),
            (self.company, fresh.company),
            (self.address_line, fresh.address_line),
            (self.city, fresh.city),
            (self.region, fresh.region),
            (self.postal_code, fresh.postal_code),
            (self.country, fresh.country),
            (self.notes, fresh.notes),
            (self.consent, fresh.consent),
            (self.consent_source, fresh.consent_source),
            (self.tags, fresh.tags),
        ] {
            mine.set(theirs.get_untracked());
        }
    }

    fn input(&self, custom: &[(CustomFieldView, RwSignal<String>)]) -> ContactInput {
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let clearable = |s: RwSignal<String>| {
            let v = text(s);
            Some((!v.is_empty()).then_some(v))
        };
        let source = text(self.consent_source);
        ContactInput {
            first_name: Some(text(self.first_name)),
            last_name: Some(text(self.last_name)),
            email: clearable(self.email),
            phone: clearable(self.phone),
            company_id: Some(Uuid::parse_str(&self.company.get_untracked()).ok()),
            job_title: Some(text(self.job_title)),
            address_line: Some(text(self.address_line)),
            city: Some(text(self.city)),
            region: Some(text(self.region)),
            postal_code: Some(text(self.postal_code)),
            country: Some(text(self.country)),
            notes: Some(self.notes.get_untracked()),
            tags: Some(split_list(&self.tags.get_untracked())),
            custom: Some(custom.iter().map(|(f, v)| (f.key.clone(), custom_value(f.kind, &v.get_untracked()))).collect()),
            consent_status: Consent::parse(&self.consent.get_untracked()),
            consent_source: (!source.is_empty()).then_some(source),
            ..Default::default()
        }
    }
}

const SHOWN: [&str; 15] = [
    "first_name", "last_name", "email", "phone", "job_title", "company_id", "address_line", "city", "region", "postal_code", "country",
    "notes", "consent_status", "consent_source", "tags",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum SaveState {
    Clean,
    Dirty,
    Saved,
}

#[component]
fn ContactEditor(
    a: Access,
    contact: ContactView,
    fields: Vec<CustomFieldView>,
    companies: Vec<CompanyView>,
    timeline: TimelineResource,
    reload_timeline: RwSignal<u32>,
) -> impl IntoView {
    let Access { slug, write, delete } = a;
    let toasts = use_toasts();
    let navigate = use_navigate();
    let id = contact.id;
    let current = RwSignal::new(contact.clone());
    let form = Form::new(&contact);
    let custom: Vec<(CustomFieldView, RwSignal<String>)> =
        fields.into_iter().map(|f| { let v = custom_text(contact.custom.get(&f.key)); (f, RwSignal::new(v)) }).collect();
    let custom = StoredValue::new(custom);
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let state = RwSignal::new(SaveState::Clean);
    let is_deleted = Memo::new(move |_| current.with(|c| c.deleted_at.is_some()));
    let editable = move || write && !is_deleted.get();

    let other = Signal::derive(move || {
        errors.with(|e| {
            let e = e.as_ref()?;
            let keys: Vec<String> = custom.with_value(|c| c.iter().map(|(f, _)| format!("custom.{}", f.key)).collect());
            let mut shown: Vec<&str> = SHOWN.to_vec();
            shown.extend(keys.iter().map(String::as_str));
            unshown_error(e, &shown)
        })
    });
    let save_slug = slug.clone();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() || !editable() {
            return;
        }
        let input = custom.with_value(|c| form.input(c));
        errors.set(None);
        saving.set(true);
        let slug = save_slug.clone();
        spawn_local(async move {
            let result = update_contact(slug, id, input).await;
            saving.set(false);
            match result {
                Ok(c) => {
                    form.fill(&c);
                    custom.with_value(|list| {
                        for (f, v) in list {
                            v.set(custom_text(c.custom.get(&f.key)));
                        }
                    });
                    current.set(c);
                    state.set(SaveState::Saved);
                    reload_timeline.update(|n| *n += 1);
                }
                Err(err) => {
                    state.set(SaveState::Dirty);
                    errors.set(Some(err));
                }
            }
        });
    };

    // Delete, and Restore for a deleted contact.
    let confirm = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let (delete_slug, restore_slug) = (slug.clone(), slug.clone());
    let remove = Callback::new(move |()| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (slug, navigate) = (delete_slug.clone(), navigate.clone());
        spawn_local(async move {
            let result = delete_contact(slug.clone(), id).await;
            busy.set(false);
            confirm.set(false);
            match result {
                Ok(c) => {
                    toasts.show(ToastKind::Success, format!("Deleted {}. Tick “Show deleted” in the list to restore it.", c.name));
                    navigate(&workspace_href(&slug, "/crm"), NavigateOptions::default());
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    let restore = Callback::new(move |()| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let slug = restore_slug.clone();
        spawn_local(async move {
            let result = restore_contact(slug, id).await;
            busy.set(false);
            match result {
                Ok(c) => {
                    toasts.show(ToastKind::Success, format!("Restored {}.", c.name));
                    current.set(c);
                    reload_timeline.update(|n| *n += 1);
                }
                Err(err) => toasts.show(ToastKind::Error, err.field_message("email").map_or_else(|| err.to_string(), str::to_owned)),
            }
        });
    });

    let mut company_options = vec![(String::new(), "No company".to_owned())];
    company_options.extend(companies.iter().map(|c| (c.id.to_string(), c.name.clone())));
    // A company deleted since stays listed, so the select shows what the contact has.
    if let (Some(cid), Some(name)) = (contact.company_id, contact.company_name.clone())
        && !companies.iter().any(|c| c.id == cid)
    {
        company_options.push((cid.to_string(), name));
    }
    let consent_options: Vec<(String, String)> = Consent::ALL.iter().map(|c| (c.as_str().to_owned(), c.label().to_owned())).collect();
    let consent_line = move || {
        current.with(|c| {
            let since = c.consent_at.clone().map(|at| view! { " since "<Time at=at date_only=true/> });
            let via = c.consent_source.clone().map(|s| format!(" · {s}"));
            view! { <p class="meta crm-consent-line">"Now: "{consent_badge(c.consent_status)}{since}{via}</p> }
        })
    };
    let custom_inputs = custom.with_value(|list| list.iter().map(|(f, v)| custom_input(f.clone(), *v, errors)).collect_view());
    let has_custom = custom.with_value(|c| !c.is_empty());
    let back = workspace_href(&slug, "/crm");
    let title = move || current.with(|c| c.name.clone());
    let subtitle = move || {
        current.with(|c| {
            let mut parts: Vec<String> = Vec::new();
            if !c.job_title.is_empty() {
                parts.push(c.job_title.clone());
            }
            if let Some(company) = &c.company_name {
                parts.push(company.clone());
            }
            if let Some(email) = &c.email {
                parts.push(email.clone());
            }
            parts.join(" · ")
        })
    };
    let created = contact.created_at.clone();
    let source = contact.source.clone();
    let note_slug = slug.clone();

    view! {
        <Title text=title/>
        <div class="page-head crm-contact-head">
            <p><A href=back attr:class="inline-link"><span aria-hidden="true">"‹"</span>"Back to contacts"</A></p>
            <div class="crm-contact-title">
                <span class="crm-avatar avatar-initials" aria-hidden="true">{move || initials(&title())}</span>
                <div class="list-main">
                    <h1 class="page-title break">{title}</h1>
                    <p class="muted break">{subtitle}</p>
                    <p class="meta">"Added "<Time at=created date_only=true/>" · "{source}</p>
                </div>
                {(delete).then(|| view! {
                    <Show when=move || !is_deleted.get()>
                        <Button variant=ButtonVariant::Ghost on_click=Callback::new(move |()| confirm.set(true))>
                            <CrmIcon name="trash"/>"Delete"
                        </Button>
                    </Show>
                })}
            </div>
        </div>
        <Show when=move || is_deleted.get()>
            <div class="callout callout-warning crm-restore" role="status">
                <span>"This contact is deleted. Restore it to change it or to mail it again."</span>
                {write.then(|| view! { <Button variant=ButtonVariant::Secondary loading=busy on_click=restore>"Restore"</Button> })}
            </div>
        </Show>
        {(!write).then(|| view! { <p class="callout" role="note">"You can look at this contact; editors and admins of the workspace can change it."</p> })}
        <div class="crm-contact-layout">
            <Panel id="contact-details" title="Details">
                <form class="stack" novalidate on:submit=submit on:input=move |_| state.set(SaveState::Dirty) on:change=move |_| state.set(SaveState::Dirty)>
                    <fieldset class="plain-fieldset stack" disabled=move || !editable()>
                        <legend class="sr-only">"Contact details"</legend>
                        <div class="form-grid">
                            <TextField label="First name" name="first_name" autocomplete="off" value=form.first_name error=field_error(errors, "first_name")/>
                            <TextField label="Last name" name="last_name" autocomplete="off" value=form.last_name error=field_error(errors, "last_name")/>
                            <TextField label="Email" name="email" input_type="email" autocomplete="off" value=form.email error=field_error(errors, "email")/>
                            <TextField label="Phone" name="phone" input_type="tel" autocomplete="off" value=form.phone error=field_error(errors, "phone")/>
                            <TextField label="Job title" name="job_title" autocomplete="off" value=form.job_title error=field_error(errors, "job_title")/>
                            <SelectField label="Company" name="company_id" value=form.company options=company_options error=field_error(errors, "company_id")/>
                        </div>
                        <TextField label="Tags" name="tags" autocomplete="off" value=form.tags error=field_error(errors, "tags")
                            hint="Separated by commas. New names become new tags."/>
                        <h3 class="subsection-title">"Address"</h3>
                        <TextField label="Street address" name="address_line" autocomplete="off" value=form.address_line error=field_error(errors, "address_line")/>
                        <div class="form-grid form-grid-3">
                            <TextField label="City" name="city" autocomplete="off" value=form.city error=field_error(errors, "city")/>
                            <TextField label="Region" name="region" autocomplete="off" value=form.region error=field_error(errors, "region")/>
                            <TextField label="Postal code" name="postal_code" autocomplete="off" value=form.postal_code error=field_error(errors, "postal_code")/>
                        </div>
                        <TextField label="Country" name="country" autocomplete="off" value=form.country error=field_error(errors, "country")
                            hint="The two-letter code, like PT or US."/>
                        <h3 class="subsection-title">"Email consent"</h3>
                        {consent_line}
                        <div class="form-grid">
                            <SelectField label="Consent" name="consent_status" value=form.consent options=consent_options error=field_error(errors, "consent_status")/>
                            <TextField label="Consent source" name="consent_source" autocomplete="off" value=form.consent_source error=field_error(errors, "consent_source")
                                hint="How they agreed, like “paper form”. Recorded when the consent changes."/>
                        </div>
                        {has_custom.then(|| view! {
                            <h3 class="subsection-title">"Custom fields"</h3>
                            <div class="form-grid">{custom_inputs}</div>
                        })}
                        <FieldShell label="Notes" id="field-notes".into() hint=Some("Background that stays on top; dated notes go on the timeline.".into()) error=field_error(errors, "notes")>
                            <textarea id="field-notes" name="notes" class="field-input crm-textarea" rows="4" aria-describedby="field-notes-desc"
                                prop:value=move || form.notes.get() on:input=move |ev| form.notes.set(event_target_value(&ev))></textarea>
                        </FieldShell>
                    </fieldset>
                    {form_alert(other)}
                    <Show when=editable>
                        <div class="row crm-save-row">
                            <Button button_type="submit" loading=saving>"Save"</Button>
                            <p class="meta crm-save-state" role="status" data-state=move || match state.get() { SaveState::Saved => "saved", SaveState::Dirty => "dirty", SaveState::Clean => "clean" }>
                                {move || match state.get() {
                                    SaveState::Saved => "Saved",
                                    SaveState::Dirty => "Unsaved changes",
                                    SaveState::Clean => "",
                                }}
                            </p>
                        </div>
                    </Show>
                </form>
            </Panel>
            <Panel id="contact-timeline" title="Timeline">
                <Show when=editable>
                    <NoteForm slug=note_slug.clone() id=id reload=reload_timeline/>
                </Show>
                <TimelineView slug=slug.clone() id=id timeline=timeline reload=reload_timeline can_write=Signal::derive(editable)/>
            </Panel>
        </div>
        <Dialog open=confirm title="Delete contact?">
            <p class="muted break">{move || format!(
                "{} leaves the contact list, segments and campaigns. You can restore the contact from the deleted contacts.",
                title()
            )}</p>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm.set(false))>"Cancel"</Button>
                <Button variant=ButtonVariant::Danger loading=busy on_click=remove>"Delete contact"</Button>
            </div>
        </Dialog>
    }
}

/// The input of one custom field, by its kind.
fn custom_input(f: CustomFieldView, value: RwSignal<String>, errors: RwSignal<Option<AppError>>) -> impl IntoView {
    let id = format!("crm-custom-{}", f.key);
    let described = format!("{id}-desc");
    let error = field_message(errors, format!("custom.{}", f.key));
    let invalid = move || error.with(Option::is_some).then_some("true");
    let control = match f.kind {
        FieldKind::Checkbox => {
            let label_id = format!("{id}-label");
            return view! {
                <div class="field">
                    <span class="field-label" id=label_id.clone()>{f.label.clone()}</span>
                    <label class="check">
                        <input type="checkbox" id=id name=format!("custom.{}", f.key) aria-labelledby=label_id aria-describedby=described.clone()
                            prop:checked=move || value.with(|v| v == "true")
                            on:change=move |ev| value.set(event_target_checked(&ev).to_string())/>
                        "Yes"
                    </label>
                    <p id=described class=move || if error.with(Option::is_some) { "field-error" } else { "field-hint" }>{move || error.get().unwrap_or_default()}</p>
                </div>
            }
            .into_any();
        }
        FieldKind::Select => {
            let mut options = vec![String::new()];
            options.extend(f.options.iter().cloned());
            let current = value.get_untracked();
            if !current.is_empty() && !options.contains(&current) {
                options.push(current);
            }
            view! {
                <select id=id.clone() class="field-input field-select" aria-invalid=invalid aria-describedby=described.clone()
                    prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                    {options.into_iter().map(|o| {
                        let text = if o.is_empty() { "—".to_owned() } else { o.clone() };
                        let selected = { let o = o.clone(); move || value.with(|v| *v == o) };
                        view! { <option value=o selected=selected>{text}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        kind => {
            let (input_type, mode) = match kind {
                FieldKind::Number => ("number", Some("decimal")),
                FieldKind::Date => ("date", None),
                _ => ("text", None),
            };
            view! {
                <input id=id.clone() type=input_type class="field-input" autocomplete="off" step=(kind == FieldKind::Number).then_some("any")
                    inputmode=mode aria-invalid=invalid aria-describedby=described.clone()
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            }
            .into_any()
        }
    };
    view! {
        <div class="field">
            <label class="field-label" for=id>{f.label.clone()}</label>
            {control}
            <p id=described class=move || if error.with(Option::is_some) { "field-error" } else { "field-hint" }>{move || error.get().unwrap_or_default()}</p>
        </div>
    }
    .into_any()
}

/// "Add a note": the note goes on top of the timeline.
#[component]
fn NoteForm(slug: String, id: Uuid, reload: RwSignal<u32>) -> impl IntoView {
    let body = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let error = field_error(errors, "body");
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &["body"]))));
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let text = body.get_untracked();
        if text.trim().is_empty() {
            errors.set(Some(AppError::field("body", "Write the note first.")));
            return;
        }
        errors.set(None);
        saving.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = add_note(slug, id, NoteInput { body: text }).await;
            saving.set(false);
            match result {
                Ok(_) => {
                    body.set(String::new());
                    reload.update(|n| *n += 1);
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    view! {
        <form class="stack-sm crm-note-form" novalidate on:submit=submit>
            <FieldShell label="Add a note" id="crm-note".into() hint=None error=error>
                <textarea id="crm-note" name="body" class="field-input crm-textarea" rows="3" maxlength="10000"
                    placeholder="A call, a meeting, what they asked for…"
                    aria-invalid=move || error.with(Option::is_some).then_some("true") aria-describedby="crm-note-desc"
                    prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            </FieldShell>
            {form_alert(other)}
            <div class="row crm-note-actions">
                <Button button_type="submit" variant=ButtonVariant::Secondary loading=saving><CrmIcon name="note"/>"Add note"</Button>
            </div>
        </form>
    }
}

fn kind_icon(kind: &str) -> &'static str {
    match kind {
        "note" => "note",
        "created" => "plus",
        "consent" => "shield",
        "form_signup" => "sparkles",
        "email_sent" => "mail",
        "email_opened" => "eye",
        "email_clicked" => "link",
        "import" => "download",
        "order" => "bag",
        "booking" => "calendar",
        "invoice" => "receipt",
        "course" => "book",
        _ => "clock",
    }
}

#[component]
fn TimelineView(slug: String, id: Uuid, timeline: TimelineResource, reload: RwSignal<u32>, can_write: Signal<bool>) -> impl IntoView {
    let to_delete = RwSignal::new(None::<ActivityView>);
    let confirm = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let ask = Callback::new(move |a: ActivityView| {
        to_delete.set(Some(a));
        confirm.set(true);
    });
    let delete_slug = slug.clone();
    let remove = Callback::new(move |()| {
        let Some(note) = to_delete.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let slug = delete_slug.clone();
        spawn_local(async move {
            let result = delete_note(slug, id, note.id).await;
            busy.set(false);
            confirm.set(false);
            match result {
                Ok(()) => {
                    toasts.show(ToastKind::Success, "Note deleted.");
                    reload.update(|n| *n += 1);
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    view! {
        <Transition fallback=loading_view>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match loaded(timeline).await {
                        Ok(t) => view! { <TimelineList slug=slug id=id first=t can_write=can_write ask=ask/> }.into_any(),
                        Err(err) => error_view(&err).into_any(),
                    }
                })
            }}
        </Transition>
        <Dialog open=confirm title="Delete note?">
            <p class="muted">"The note is removed from the timeline for everyone. This cannot be undone."</p>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm.set(false))>"Cancel"</Button>
                <Button variant=ButtonVariant::Danger loading=busy on_click=remove>"Delete note"</Button>
            </div>
        </Dialog>
    }
}

#[component]
fn TimelineList(slug: String, id: Uuid, first: Timeline, can_write: Signal<bool>, ask: Callback<ActivityView>) -> impl IntoView {
    let toasts = use_toasts();
    let older = RwSignal::new(Vec::<ActivityView>::new());
    let cursor = RwSignal::new(first.next_cursor.clone());
    let loading = RwSignal::new(false);
    let load_older = Callback::new(move |()| {
        let Some(next) = cursor.get_untracked() else { return };
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = contact_timeline(slug, id, Some(next)).await;
            loading.set(false);
            match result {
                Ok(t) => {
                    older.update(|o| o.extend(t.items));
                    cursor.set(t.next_cursor);
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    if first.items.is_empty() {
        return view! { <p class="muted">"Nothing has happened with this contact yet."</p> }.into_any();
    }
    let first_items = first.items.into_iter().map(|a| event(a, can_write, ask)).collect_view();
    view! {
        <ol class="crm-timeline" aria-label="Timeline entries">
            {first_items}
            <For each=move || older.get() key=|a| a.id let:a>
                {event(a, can_write, ask)}
            </For>
        </ol>
        <Show when=move || cursor.with(Option::is_some)>
            <div class="crm-more">
                <Button variant=ButtonVariant::Secondary loading=loading on_click=load_older>"Load older"</Button>
            </div>
        </Show>
    }
    .into_any()
}

fn event(a: ActivityView, can_write: Signal<bool>, ask: Callback<ActivityView>) -> impl IntoView {
    let is_note = a.kind == "note";
    let actor = a.actor_name.clone().map(|n| format!("{n} · "));
    // A note's summary is its first line: the note shows whole under "Note" instead.
    let title = if is_note { "Note".to_owned() } else { a.summary.clone() };
    let body = (!a.body.trim().is_empty() && (is_note || a.body.trim() != a.summary.trim()))
        .then(|| view! { <p class="crm-event-body break">{a.body.clone()}</p> });
    let target = a.clone();
    let remove = is_note.then(|| {
        view! {
            <Show when=move || can_write.get()>
                <button type="button" class="icon-btn crm-event-delete" aria-label="Delete note" title="Delete note"
                    on:click={
                        let target = target.clone();
                        move |_| ask.run(target.clone())
                    }>
                    <CrmIcon name="trash"/>
                </button>
            </Show>
        }
    });
    view! {
        <li class="crm-event" data-kind=a.kind.clone()>
            <span class="crm-event-icon"><CrmIcon name=kind_icon(&a.kind)/></span>
            <div class="crm-event-main">
                <div class="crm-event-head">
                    <p class="crm-event-summary break">{title}</p>
                    {remove}
                </div>
                {body}
                <p class="meta">{actor}<Time at=a.occurred_at.clone()/></p>
            </div>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_values_go_to_the_inputs_and_back() {
        assert_eq!(custom_text(Some(&serde_json::json!(7))), "7");
        assert_eq!(custom_text(Some(&serde_json::json!(true))), "true");
        assert_eq!(custom_text(None), "");
        assert_eq!(custom_value(FieldKind::Checkbox, "false"), Value::Bool(false));
        assert_eq!(custom_value(FieldKind::Number, " "), Value::Null);
        assert_eq!(custom_value(FieldKind::Date, "2026-01-02"), Value::String("2026-01-02".into()));
    }
}
