//! `/w/{slug}/crm/settings`: the workspace's custom contact fields (add, rename, change a select's
//! options, delete) and its tags (rename, colour, delete).
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use uuid::Uuid;

use super::{Access, CrmHeader, CrmIcon, form_alert, plural, split_list, tag_style, unshown_error, use_access};
use crate::modules::auth::ui::field_error;
use crate::modules::crm::server_fns::{delete_field, delete_tag, list_fields, list_tags, save_field, update_tag};
use crate::modules::crm::types::{CustomFieldInput, CustomFieldView, FieldKind, TagInput, TagView, key_from_label};
use crate::modules::workspaces::ui::{Panel, SelectField, error_view, loading_view};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Icon, TextField, ToastKind, loaded, use_toasts};

fn kind_label(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "Text",
        FieldKind::Number => "Number",
        FieldKind::Date => "Date",
        FieldKind::Select => "Choice list",
        FieldKind::Checkbox => "Checkbox",
    }
}

#[component]
pub fn CrmSettingsPage() -> impl IntoView {
    let access = use_access();
    view! {
        <Title text="CRM settings"/>
        {move || access.get().map(|a| view! { <SettingsBody a=a/> })}
    }
}

#[component]
fn SettingsBody(a: Access) -> impl IntoView {
    let Access { slug, write, .. } = a;
    view! {
        <CrmHeader slug=slug.clone() title="CRM settings" text="The extra fields every contact has, and the tags you sort them with."/>
        <div class="crm-settings">
            <FieldsPanel slug=slug.clone() write=write/>
            <TagsPanel slug=slug write=write/>
        </div>
    }
}

// ---- custom fields

#[component]
fn FieldsPanel(slug: String, write: bool) -> impl IntoView {
    let toasts = use_toasts();
    let reload = RwSignal::new(0u32);
    let fields = Resource::new(
        {
            let slug = slug.clone();
            move || (slug.clone(), reload.get())
        },
        |(slug, _)| list_fields(slug),
    );
    let to_delete = RwSignal::new(None::<CustomFieldView>);
    let confirm = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let ask = Callback::new(move |f: CustomFieldView| {
        to_delete.set(Some(f));
        confirm.set(true);
    });
    let changed = Callback::new(move |()| reload.update(|n| *n += 1));
    let remove = Callback::new({
        let slug = slug.clone();
        move |()| {
            let Some(f) = to_delete.get_untracked() else { return };
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            let slug = slug.clone();
            spawn_local(async move {
                let result = delete_field(slug, f.id).await;
                busy.set(false);
                confirm.set(false);
                match result {
                    Ok(()) => {
                        toasts.show(ToastKind::Success, format!("Deleted the field {}.", f.label));
                        reload.update(|n| *n += 1);
                    }
                    Err(err) => toasts.show(ToastKind::Error, err.to_string()),
                }
            });
        }
    });
    let (list_slug, add_slug) = (slug.clone(), slug);
    view! {
        <Panel id="crm-fields" title="Custom fields">
            <p class="muted">"Fields of your own on every contact, like a plan, a birthday or a customer number. Segments can filter by them."</p>
            <Transition fallback=loading_view>
                {move || {
                    let slug = list_slug.clone();
                    Suspend::new(async move {
                        match loaded(fields).await {
                            Err(err) => error_view(&err).into_any(),
                            Ok(list) if list.is_empty() => view! { <p class="meta">"No custom fields yet."</p> }.into_any(),
                            Ok(list) => view! {
                                <ul class="list crm-field-list" aria-label="Custom fields">
                                    {list.into_iter().map(|f| view! { <FieldRow slug=slug.clone() f=f write=write changed=changed ask=ask/> }).collect_view()}
                                </ul>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Transition>
            {write.then(|| view! {
                <hr class="divider"/>
                <NewFieldForm slug=add_slug.clone() changed=changed/>
            })}
        </Panel>
        <Dialog open=confirm title="Delete custom field?">
            <p class="muted break">{move || to_delete.get().map(|f| format!(
                "{} and its value on every contact are removed. Segments that use it stop matching on it. This cannot be undone.", f.label
            ))}</p>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm.set(false))>"Cancel"</Button>
                <Button variant=ButtonVariant::Danger loading=busy on_click=remove>"Delete field"</Button>
            </div>
        </Dialog>
    }
}

#[component]
fn FieldRow(slug: String, f: CustomFieldView, write: bool, changed: Callback<()>, ask: Callback<CustomFieldView>) -> impl IntoView {
    let toasts = use_toasts();
    let editing = RwSignal::new(false);
    let label = RwSignal::new(f.label.clone());
    let options = RwSignal::new(f.options.join(", "));
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let id = f.id;
    let is_select = f.kind == FieldKind::Select;
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &["label", "options"]))));
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let input = CustomFieldInput {
            label: Some(label.get_untracked().trim().to_owned()),
            options: is_select.then(|| split_list(&options.get_untracked())),
            ..Default::default()
        };
        errors.set(None);
        saving.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = save_field(slug, Some(id), input).await;
            saving.set(false);
            match result {
                Ok(saved) => {
                    editing.set(false);
                    toasts.show(ToastKind::Success, format!("Saved the field {}.", saved.label));
                    changed.run(());
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    let (label_id, options_id) = (format!("field-label-{id}"), format!("field-options-{id}"));
    let name = f.label.clone();
    let (shown_label, shown_key) = (f.label.clone(), format!("custom.{}", f.key));
    let shown_options = (!f.options.is_empty()).then(|| format!(" · {}", f.options.join(", ")));
    let kind = f.kind;
    let summary = move || {
        view! {
            <div class="list-main">
                <span class="list-title break">{shown_label.clone()}<span class="badge">{kind_label(kind)}</span></span>
                <span class="meta break"><code>{shown_key.clone()}</code>{shown_options.clone()}</span>
            </div>
        }
    };
    let target = f.clone();
    let (edit_name, delete_name) = (name.clone(), name.clone());
    view! {
        <li class="crm-row crm-field-row">
            <Show when=move || !editing.get() fallback={
                let (label_id, options_id) = (label_id.clone(), options_id.clone());
                let name = name.clone();
                let save = save.clone();
                move || {
                    let (label_desc, options_desc) = (format!("{label_id}-desc"), format!("{options_id}-desc"));
                    let label_error = field_error(errors, "label");
                    let options_error = field_error(errors, "options");
                    view! {
                        <form class="stack-sm crm-field-edit" novalidate on:submit=save.clone()>
                            <div class="field">
                                <label class="field-label" for=label_id.clone()>{format!("Label of {name}")}</label>
                                <input id=label_id.clone() class="field-input" autocomplete="off" maxlength="80" aria-describedby=label_desc.clone()
                                    aria-invalid=move || label_error.with(Option::is_some).then_some("true")
                                    prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev))/>
                                <p id=label_desc class="field-error">{move || label_error.get().unwrap_or_default()}</p>
                            </div>
                            {is_select.then(|| view! {
                                <div class="field">
                                    <label class="field-label" for=options_id.clone()>{format!("Options of {name}")}</label>
                                    <input id=options_id.clone() class="field-input" autocomplete="off" aria-describedby=options_desc.clone()
                                        aria-invalid=move || options_error.with(Option::is_some).then_some("true")
                                        prop:value=move || options.get() on:input=move |ev| options.set(event_target_value(&ev))/>
                                    <p id=options_desc.clone() class=move || if options_error.with(Option::is_some) { "field-error" } else { "field-hint" }>
                                        {move || options_error.get().unwrap_or_else(|| "Separated by commas.".into())}
                                    </p>
                                </div>
                            })}
                            {form_alert(other)}
                            <div class="row">
                                <Button button_type="submit" loading=saving>"Save field"</Button>
                                <Button variant=ButtonVariant::Ghost on_click=Callback::new(move |()| editing.set(false))>"Cancel"</Button>
                            </div>
                        </form>
                    }
                }
            }>
                {summary()}
                {write.then(|| {
                    let target = target.clone();
                    let (edit_name, delete_name) = (edit_name.clone(), delete_name.clone());
                    view! {
                        <div class="table-actions">
                            <Button variant=ButtonVariant::Ghost attr:aria-label=format!("Edit {edit_name}") on_click=Callback::new(move |()| editing.set(true))>
                                <CrmIcon name="pencil"/>
                            </Button>
                            <Button variant=ButtonVariant::Ghost attr:aria-label=format!("Delete {delete_name}")
                                on_click=Callback::new(move |()| ask.run(target.clone()))>
                                <Icon name="trash"/>
                            </Button>
                        </div>
                    }
                })}
            </Show>
        </li>
    }
}

#[component]
fn NewFieldForm(slug: String, changed: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let label = RwSignal::new(String::new());
    let kind = RwSignal::new(FieldKind::Text.as_str().to_owned());
    let options = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let is_select = move || kind.with(|k| k == FieldKind::Select.as_str());
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &["label", "kind", "options", "key"]))));
    let key_hint = Signal::derive(move || {
        let l = label.get();
        (!l.trim().is_empty()).then(|| format!("Saved as custom.{} in the API and exports.", key_from_label(&l)))
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let l = label.get_untracked().trim().to_owned();
        if l.is_empty() {
            errors.set(Some(AppError::field("label", "Name the field.")));
            return;
        }
        let k = FieldKind::parse(&kind.get_untracked()).unwrap_or(FieldKind::Text);
        let input = CustomFieldInput {
            label: Some(l.clone()),
            kind: Some(k),
            options: (k == FieldKind::Select).then(|| split_list(&options.get_untracked())),
            ..Default::default()
        };
        errors.set(None);
        saving.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = save_field(slug, None, input).await;
            saving.set(false);
            match result {
                Ok(f) => {
                    // Unless the next field is already being typed.
                    if label.get_untracked().trim() == l {
                        label.set(String::new());
                        options.set(String::new());
                    }
                    toasts.show(ToastKind::Success, format!("Added the field {}.", f.label));
                    changed.run(());
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    let label_error = Signal::derive(move || field_error(errors, "label").get().or_else(|| field_error(errors, "key").get()));
    view! {
        <form class="stack" novalidate on:submit=submit aria-labelledby="new-field-title">
            <h3 id="new-field-title" class="subsection-title">"Add a field"</h3>
            <div class="form-grid">
                <TextField label="Label" name="field_label" autocomplete="off" value=label error=label_error/>
                <SelectField label="Type" name="field_kind" value=kind error=field_error(errors, "kind")
                    options=FieldKind::ALL.iter().map(|k| (k.as_str().to_owned(), kind_label(*k).to_owned())).collect()/>
            </div>
            <p class="meta">{move || key_hint.get()}</p>
            <Show when=is_select>
                <TextField label="Options" name="field_options" autocomplete="off" value=options error=field_error(errors, "options")
                    hint="The choices, separated by commas: Gold, Silver, Bronze."/>
            </Show>
            {form_alert(other)}
            <div class="row">
                <Button button_type="submit" loading=saving><Icon name="plus"/>"Add field"</Button>
            </div>
        </form>
    }
}

// ---- tags

#[component]
fn TagsPanel(slug: String, write: bool) -> impl IntoView {
    let toasts = use_toasts();
    let reload = RwSignal::new(0u32);
    let tags = Resource::new(
        {
            let slug = slug.clone();
            move || (slug.clone(), reload.get())
        },
        |(slug, _)| list_tags(slug),
    );
    let to_delete = RwSignal::new(None::<TagView>);
    let confirm = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let ask = Callback::new(move |t: TagView| {
        to_delete.set(Some(t));
        confirm.set(true);
    });
    let changed = Callback::new(move |()| reload.update(|n| *n += 1));
    let remove = Callback::new({
        let slug = slug.clone();
        move |()| {
            let Some(t) = to_delete.get_untracked() else { return };
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            let slug = slug.clone();
            spawn_local(async move {
                let result = delete_tag(slug, t.id).await;
                busy.set(false);
                confirm.set(false);
                match result {
                    Ok(()) => {
                        toasts.show(ToastKind::Success, format!("Deleted the tag {}.", t.name));
                        reload.update(|n| *n += 1);
                    }
                    Err(err) => toasts.show(ToastKind::Error, err.to_string()),
                }
            });
        }
    });
    view! {
        <Panel id="crm-tags" title="Tags">
            <p class="muted">"Tags are made when you tag a contact. Rename them, give them a colour, or delete them from every contact."</p>
            <Transition fallback=loading_view>
                {move || {
                    let slug = slug.clone();
                    Suspend::new(async move {
                        match loaded(tags).await {
                            Err(err) => error_view(&err).into_any(),
                            Ok(list) if list.is_empty() => view! {
                                <EmptyState icon="users" title="No tags yet" text="Tag contacts in the list or on a contact's page, and the tags show up here."/>
                            }
                            .into_any(),
                            Ok(list) => view! {
                                <ul class="list crm-tag-list" aria-label="Tags">
                                    {list.into_iter().map(|t| view! { <TagRow slug=slug.clone() t=t write=write changed=changed ask=ask/> }).collect_view()}
                                </ul>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Transition>
        </Panel>
        <Dialog open=confirm title="Delete tag?">
            <p class="muted break">{move || to_delete.get().map(|t| format!(
                "“{}” is taken off {}. The contacts stay.", t.name, plural(t.contact_count, "contact", "contacts")
            ))}</p>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm.set(false))>"Cancel"</Button>
                <Button variant=ButtonVariant::Danger loading=busy on_click=remove>"Delete tag"</Button>
            </div>
        </Dialog>
    }
}

#[component]
fn TagRow(slug: String, t: TagView, write: bool, changed: Callback<()>, ask: Callback<TagView>) -> impl IntoView {
    let toasts = use_toasts();
    let id: Uuid = t.id;
    let original = StoredValue::new((t.name.clone(), t.color.clone()));
    let name = RwSignal::new(t.name.clone());
    let color = RwSignal::new(t.color.clone());
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let dirty = move || original.with_value(|(n, c)| name.with(|x| x.trim() != n) || color.with(|x| x != c));
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() || !untrack(dirty) {
            return;
        }
        let input = TagInput { name: Some(name.get_untracked().trim().to_owned()), color: Some(color.get_untracked()) };
        errors.set(None);
        saving.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = update_tag(slug, id, input).await;
            saving.set(false);
            match result {
                Ok(saved) => {
                    toasts.show(ToastKind::Success, format!("Saved the tag {}.", saved.name));
                    changed.run(());
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    let message = Signal::derive(move || {
        errors.with(|e| e.as_ref().map(|e| e.field_message("name").or(e.field_message("color")).map_or_else(|| e.to_string(), str::to_owned)))
    });
    let count = plural(t.contact_count, "contact", "contacts");
    if !write {
        return view! {
            <li class="crm-row">
                <span class="chip" style=tag_style(&t.color)>{t.name.clone()}</span>
                <span class="meta">{count}</span>
            </li>
        }
        .into_any();
    }
    let (name_id, color_id, desc_id) = (format!("tag-name-{id}"), format!("tag-color-{id}"), format!("tag-{id}-desc"));
    let target = t.clone();
    let (save_label, delete_label) = (format!(" tag {}", t.name), format!("Delete tag {}", t.name));
    view! {
        <li class="crm-row crm-tag-row">
            <form class="crm-tag-form" novalidate on:submit=save>
                <label class="sr-only" for=color_id.clone()>{format!("Colour of {}", t.name)}</label>
                <input id=color_id type="color" class="color-input" prop:value=move || color.get() on:input=move |ev| color.set(event_target_value(&ev))/>
                <label class="sr-only" for=name_id.clone()>{format!("Name of {}", t.name)}</label>
                <input id=name_id class="field-input crm-tag-name" autocomplete="off" maxlength="50" aria-describedby=desc_id.clone()
                    aria-invalid=move || message.with(Option::is_some).then_some("true")
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <span class="meta nowrap">{count}</span>
                <div class="table-actions">
                    <Button button_type="submit" variant=ButtonVariant::Secondary loading=saving disabled=Signal::derive(move || !dirty())>
                        "Save"<span class="sr-only">{save_label}</span>
                    </Button>
                    <Button variant=ButtonVariant::Ghost attr:aria-label=delete_label
                        on_click=Callback::new(move |()| ask.run(target.clone()))>
                        <Icon name="trash"/>
                    </Button>
                </div>
                <p id=desc_id class="field-error crm-tag-problem" role=move || message.with(Option::is_some).then_some("alert")>
                    {move || message.get().unwrap_or_default()}
                </p>
            </form>
        </li>
    }
    .into_any()
}
