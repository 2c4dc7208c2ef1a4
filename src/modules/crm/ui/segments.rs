//! `/w/{slug}/crm/segments`: saved segments (a filter with a name) with how many contacts each
//! matches now, and the builder: rules of field, condition and value, matched all or any, with
//! a live count of the contacts they match while you build.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::{Access, CrmHeader, CrmIcon, Debounce, plural, use_access};
use crate::modules::auth::ui::field_error;
use crate::modules::crm::server_fns::{delete_segment, list_contacts, list_fields, list_segments, list_tags, save_segment};
use crate::modules::crm::types::{
    Consent, ContactQuery, CustomFieldView, FieldKind, FieldType, Filter, Match, Op, Rule, SegmentInput, SegmentView, TEXT_FIELDS,
    check_rule, field_type,
};
use crate::modules::workspaces::ui::{Panel, SelectField, error_view, loading_view, workspace_href};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Icon, TextField, ToastKind, loaded, use_toasts};

/// Every field a rule can name, with its label, in the builder's order.
fn field_options(custom: &[CustomFieldView]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = TEXT_FIELDS.iter().map(|(f, l)| ((*f).to_owned(), (*l).to_owned())).collect();
    for (f, l) in [("consent_status", "Email consent"), ("tag", "Tag"), ("created_at", "Created"), ("updated_at", "Last updated")] {
        out.push((f.to_owned(), l.to_owned()));
    }
    out.extend(custom.iter().map(|f| (format!("custom.{}", f.key), f.label.clone())));
    out
}

fn field_name(field: &str, custom: &[CustomFieldView]) -> String {
    field_options(custom).into_iter().find(|(f, _)| f == field).map_or_else(|| field.to_owned(), |(_, l)| l)
}

/// A rule in words: "City is Lisbon", "Email consent is Subscribed", "Phone is empty".
fn describe_rule(rule: &Rule, custom: &[CustomFieldView]) -> String {
    let field = field_name(&rule.field, custom);
    if !rule.op.needs_value() {
        return format!("{field} {}", rule.op.label());
    }
    let value = match field_type(&rule.field, custom) {
        Ok(FieldType::Consent) => Consent::parse(&rule.value).map_or_else(|| rule.value.clone(), |c| c.label().to_owned()),
        Ok(FieldType::Custom(f)) if f.kind == FieldKind::Checkbox => (if rule.value == "true" { "yes" } else { "no" }).to_owned(),
        _ => format!("“{}”", rule.value),
    };
    let op = match (field_type(&rule.field, custom), rule.op) {
        (Ok(FieldType::Timestamp), Op::Gt) => "is after",
        (Ok(FieldType::Timestamp), Op::Lt) => "is before",
        (Ok(FieldType::Tag), Op::Is) => "includes",
        (Ok(FieldType::Tag), Op::IsNot) => "does not include",
        (_, op) => op.label(),
    };
    format!("{field} {op} {value}")
}

fn describe(filter: &Filter, custom: &[CustomFieldView]) -> String {
    let joiner = if filter.match_ == Match::Any { " or " } else { " and " };
    filter.rules.iter().map(|r| describe_rule(r, custom)).collect::<Vec<_>>().join(joiner)
}

/// A rule the builder would send, or why it cannot yet.
fn rule_problem(rule: &Rule, custom: &[CustomFieldView]) -> Option<String> {
    if rule.op.needs_value() && rule.value.trim().is_empty() {
        return Some("Enter a value.".into());
    }
    check_rule(rule, custom).err()
}

/// The value a rule starts with when its field changes.
fn default_value(ty: &FieldType) -> String {
    match ty {
        FieldType::Consent => Consent::Subscribed.as_str().to_owned(),
        FieldType::Custom(f) if f.kind == FieldKind::Checkbox => "true".to_owned(),
        FieldType::Custom(f) if f.kind == FieldKind::Select => f.options.first().cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

/// "filter.rules[2]" → 2.
fn rule_index(field: &str) -> Option<usize> {
    field.strip_prefix("filter.rules[")?.strip_suffix(']')?.parse().ok()
}

#[derive(Clone, Copy)]
struct RuleRow {
    key: u64,
    field: RwSignal<String>,
    op: RwSignal<Op>,
    value: RwSignal<String>,
}

/// The segment being built or edited.
#[derive(Clone, Copy)]
struct Builder {
    editing: RwSignal<Option<(Uuid, String)>>,
    name: RwSignal<String>,
    match_: RwSignal<String>,
    rules: RwSignal<Vec<RuleRow>>,
    next: StoredValue<u64>,
    errors: RwSignal<Option<AppError>>,
    tried: RwSignal<bool>,
}

impl Builder {
    fn new() -> Self {
        let b = Builder {
            editing: RwSignal::new(None),
            name: RwSignal::new(String::new()),
            match_: RwSignal::new("all".into()),
            rules: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
            errors: RwSignal::new(None),
            tried: RwSignal::new(false),
        };
        b.add(TEXT_FIELDS[0].0, Op::Is, "");
        b
    }

    fn add(&self, field: &str, op: Op, value: &str) {
        let key = self.next.get_value();
        self.next.set_value(key + 1);
        let row = RuleRow { key, field: RwSignal::new(field.to_owned()), op: RwSignal::new(op), value: RwSignal::new(value.to_owned()) };
        self.rules.update(|r| r.push(row));
    }

    fn reset(&self) {
        self.editing.set(None);
        self.name.set(String::new());
        self.match_.set("all".into());
        self.rules.set(Vec::new());
        self.errors.set(None);
        self.tried.set(false);
        self.add(TEXT_FIELDS[0].0, Op::Is, "");
    }

    fn load(&self, s: &SegmentView) {
        self.editing.set(Some((s.id, s.name.clone())));
        self.name.set(s.name.clone());
        self.match_.set(if s.filter.match_ == Match::Any { "any" } else { "all" }.into());
        self.rules.set(Vec::new());
        self.errors.set(None);
        self.tried.set(false);
        for r in &s.filter.rules {
            self.add(&r.field, r.op, &r.value);
        }
    }

    /// The filter as the rows hold it now (tracked).
    fn filter(&self) -> Filter {
        let rules = self.rules.with(|rows| {
            rows.iter().map(|r| Rule { field: r.field.get(), op: r.op.get(), value: r.value.get().trim().to_owned() }).collect()
        });
        Filter { match_: if self.match_.get() == "any" { Match::Any } else { Match::All }, rules }
    }
}

#[derive(Clone, PartialEq)]
enum Preview {
    NoRules,
    Unfinished,
    Counting,
    Count(u64),
    Failed(String),
}

#[component]
pub fn SegmentsPage() -> impl IntoView {
    let access = use_access();
    view! {
        <Title text="Segments"/>
        {move || access.get().map(|a| view! { <SegmentsBody a=a/> })}
    }
}

#[component]
fn SegmentsBody(a: Access) -> impl IntoView {
    let Access { slug, write, .. } = a;
    let toasts = use_toasts();
    let reload = RwSignal::new(0u32);
    let segments = Resource::new(
        {
            let slug = slug.clone();
            move || (slug.clone(), reload.get())
        },
        |(slug, _)| list_segments(slug),
    );
    let fields = Resource::new(
        {
            let slug = slug.clone();
            move || slug.clone()
        },
        list_fields,
    );
    let tags = Resource::new(
        {
            let slug = slug.clone();
            move || slug.clone()
        },
        list_tags,
    );
    let builder = Builder::new();
    let edit = Callback::new(move |s: SegmentView| {
        builder.load(&s);
        scroll_to("segment-builder");
    });
    let to_delete = RwSignal::new(None::<SegmentView>);
    let confirm = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let ask_delete = Callback::new(move |s: SegmentView| {
        to_delete.set(Some(s));
        confirm.set(true);
    });
    let remove = Callback::new({
        let slug = slug.clone();
        move |()| {
            let Some(s) = to_delete.get_untracked() else { return };
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            let slug = slug.clone();
            spawn_local(async move {
                let result = delete_segment(slug, s.id).await;
                busy.set(false);
                confirm.set(false);
                match result {
                    Ok(()) => {
                        if builder.editing.get_untracked().is_some_and(|(id, _)| id == s.id) {
                            builder.reset();
                        }
                        toasts.show(ToastKind::Success, format!("Deleted the segment {}.", s.name));
                        reload.update(|n| *n += 1);
                    }
                    Err(err) => toasts.show(ToastKind::Error, err.to_string()),
                }
            });
        }
    });
    let (list_slug, builder_slug) = (slug.clone(), slug.clone());
    view! {
        <CrmHeader slug=slug title="Segments" text="Saved groups of contacts by their details, tags, consent and custom fields. They update as contacts change."/>
        {write.then(|| view! {
            <Panel id="segment-builder" title="Build a segment">
                <Transition fallback=loading_view>
                    {move || {
                        let slug = builder_slug.clone();
                        Suspend::new(async move {
                            match loaded(fields).await {
                                Ok(custom) => {
                                    let tag_names: Vec<String> = tags.await.map(|t| t.into_iter().map(|t| t.name).collect()).unwrap_or_default();
                                    view! { <SegmentBuilder slug=slug builder=builder custom=custom tags=tag_names reload=reload/> }.into_any()
                                }
                                Err(err) => error_view(&err).into_any(),
                            }
                        })
                    }}
                </Transition>
            </Panel>
        })}
        <section class="stack" aria-labelledby="segments-title">
            <h2 id="segments-title" class="subsection-title">"Saved segments"</h2>
            <Transition fallback=loading_view>
                {move || {
                    let slug = list_slug.clone();
                    Suspend::new(async move {
                        let custom = loaded(fields).await.unwrap_or_default();
                        match segments.await {
                            Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                            Ok(list) if list.is_empty() => view! {
                                <section class="card">
                                    <EmptyState icon="users" title="No segments yet"
                                        text=if write {
                                            "Build one above: for example everyone in Lisbon who subscribed to email. Use it to filter the contact list and to send campaigns."
                                        } else {
                                            "Nobody has saved a segment in this workspace yet."
                                        }/>
                                </section>
                            }
                            .into_any(),
                            Ok(list) => view! {
                                <ul class="crm-segments" aria-label="Segments">
                                    {list.into_iter().map(|s| segment_card(&slug, s, &custom, write, edit, ask_delete)).collect_view()}
                                </ul>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
        <Dialog open=confirm title="Delete segment?">
            <p class="muted break">{move || to_delete.get().map(|s| format!(
                "The segment {} is removed; its contacts stay. Campaigns that used it keep the contacts they were sent to.", s.name
            ))}</p>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm.set(false))>"Cancel"</Button>
                <Button variant=ButtonVariant::Danger loading=busy on_click=remove>"Delete segment"</Button>
            </div>
        </Dialog>
    }
}

fn segment_card(slug: &str, s: SegmentView, custom: &[CustomFieldView], write: bool, edit: Callback<SegmentView>, ask_delete: Callback<SegmentView>) -> impl IntoView {
    let view_href = workspace_href(slug, &format!("/crm?segment={}", s.id));
    let rules = describe(&s.filter, custom);
    let (edit_target, delete_target) = (s.clone(), s.clone());
    let (edit_name, delete_name, view_name) = (s.name.clone(), s.name.clone(), s.name.clone());
    view! {
        <li class="card crm-segment">
            <div class="crm-segment-head">
                <div class="list-main">
                    <h3 class="crm-segment-name break">{s.name.clone()}</h3>
                    <p class="meta break">{rules}</p>
                </div>
                <p class="crm-segment-count"><strong>{s.count}</strong>" "{if s.count == 1 { "contact" } else { "contacts" }}</p>
            </div>
            <div class="crm-segment-actions">
                <A href=view_href attr:class="btn btn-secondary btn-sm">
                    "View contacts"<span class="sr-only">" in "{view_name}</span>
                </A>
                {write.then(|| view! {
                    <Button variant=ButtonVariant::Ghost attr:aria-label=format!("Edit {edit_name}")
                        on_click=Callback::new(move |()| edit.run(edit_target.clone()))>
                        <CrmIcon name="pencil"/>"Edit"
                    </Button>
                    <Button variant=ButtonVariant::Ghost attr:aria-label=format!("Delete {delete_name}")
                        on_click=Callback::new(move |()| ask_delete.run(delete_target.clone()))>
                        <Icon name="trash"/>
                    </Button>
                })}
            </div>
        </li>
    }
}

#[component]
fn SegmentBuilder(slug: String, builder: Builder, custom: Vec<CustomFieldView>, tags: Vec<String>, reload: RwSignal<u32>) -> impl IntoView {
    let toasts = use_toasts();
    let custom = StoredValue::new(custom);
    let saving = RwSignal::new(false);
    let preview = RwSignal::new(Preview::NoRules);
    let debounce = Debounce::new();
    let turn = StoredValue::new(0u64);
    let errors = builder.errors;

    // The live count: once the rules are complete, a moment after the last change.
    let preview_slug = slug.clone();
    Effect::new(move |_| {
        let filter = builder.filter();
        if filter.rules.is_empty() {
            preview.set(Preview::NoRules);
            return;
        }
        if custom.with_value(|c| filter.rules.iter().any(|r| rule_problem(r, c).is_some())) {
            preview.set(Preview::Unfinished);
            return;
        }
        let Ok(json) = serde_json::to_string(&filter) else { return };
        if !matches!(preview.get_untracked(), Preview::Count(_)) {
            preview.set(Preview::Counting);
        }
        let slug = preview_slug.clone();
        debounce.run(300, move || {
            let mine = turn.get_value() + 1;
            turn.set_value(mine);
            spawn_local(async move {
                let query = ContactQuery { filter: Some(json), limit: Some(1), ..Default::default() };
                let result = list_contacts(slug, query).await;
                if turn.try_get_value() != Some(mine) {
                    return;
                }
                preview.set(match result {
                    Ok(page) => Preview::Count(page.total),
                    Err(err) => Preview::Failed(match &err {
                        AppError::Validation { errors } => errors.first().map_or_else(|| err.to_string(), |e| e.message.clone()),
                        other => other.to_string(),
                    }),
                });
            });
        });
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        builder.tried.set(true);
        let filter = untrack(|| builder.filter());
        let name = builder.name.get_untracked().trim().to_owned();
        let mut problems = Vec::new();
        if name.is_empty() {
            problems.push(crate::shared::error::FieldError { field: "name".into(), message: "Name the segment.".into() });
        }
        if filter.rules.is_empty() {
            problems.push(crate::shared::error::FieldError { field: "filter".into(), message: "Add at least one rule.".into() });
        }
        let unfinished = custom.with_value(|c| filter.rules.iter().any(|r| rule_problem(r, c).is_some()));
        if !problems.is_empty() || unfinished {
            errors.set((!problems.is_empty()).then_some(AppError::Validation { errors: problems }));
            return;
        }
        errors.set(None);
        saving.set(true);
        let id = builder.editing.get_untracked().map(|(id, _)| id);
        let slug = slug.clone();
        spawn_local(async move {
            let result = save_segment(slug, id, SegmentInput { name: Some(name), filter: Some(filter) }).await;
            saving.set(false);
            match result {
                Ok(s) => {
                    toasts.show(ToastKind::Success, format!("Saved the segment {}: {} now.", s.name, plural(s.count, "contact", "contacts")));
                    builder.reset();
                    reload.update(|n| *n += 1);
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    let filter_errors = move || {
        errors.with(|e| match e {
            Some(AppError::Validation { errors }) => errors
                .iter()
                .filter(|e| e.field != "name")
                .map(|e| match rule_index(&e.field) {
                    Some(i) => format!("Rule {}: {}", i + 1, e.message),
                    None => e.message.clone(),
                })
                .collect::<Vec<_>>(),
            Some(other) => vec![other.to_string()],
            None => Vec::new(),
        })
    };
    let options = custom.with_value(|c| field_options(c));
    let options = StoredValue::new(options);
    let preview_text = move || match preview.get() {
        Preview::NoRules => "Add a rule to see how many contacts match.".to_owned(),
        Preview::Unfinished => "Finish the rules to see how many contacts match.".to_owned(),
        Preview::Counting => "Counting…".to_owned(),
        Preview::Count(n) => format!("{} {}", plural(n, "contact", "contacts"), if n == 1 { "matches" } else { "match" }),
        Preview::Failed(why) => why,
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            {move || builder.editing.get().map(|(_, name)| view! {
                <p class="callout crm-editing" role="status">
                    <span class="break">{format!("Editing “{name}”.")}</span>
                    <Button variant=ButtonVariant::Ghost on_click=Callback::new(move |()| builder.reset())>"Cancel editing"</Button>
                </p>
            })}
            <div class="form-grid">
                <TextField label="Segment name" name="segment_name" autocomplete="off" value=builder.name error=field_error(errors, "name")
                    placeholder="Subscribers in Lisbon"/>
                <SelectField label="Match" name="match" value=builder.match_
                    options=vec![("all".to_owned(), "All of the rules".to_owned()), ("any".to_owned(), "Any of the rules".to_owned())]/>
            </div>
            <datalist id="crm-tag-names">
                {tags.into_iter().map(|t| view! { <option value=t></option> }).collect_view()}
            </datalist>
            <ol class="crm-rules" aria-label="Rules">
                <For each=move || builder.rules.get() key=|r| r.key let:row>
                    <RuleEditor row=row builder=builder custom=custom options=options/>
                </For>
            </ol>
            <div class="row">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| builder.add(TEXT_FIELDS[0].0, Op::Is, ""))>
                    <Icon name="plus"/>"Add rule"
                </Button>
            </div>
            {move || {
                let list = filter_errors();
                (!list.is_empty()).then(|| view! {
                    <ul class="callout callout-warning crm-problems" role="alert">
                        {list.into_iter().map(|m| view! { <li class="break">{m}</li> }).collect_view()}
                    </ul>
                })
            }}
            <div class="crm-preview-row">
                <p class="crm-preview" role="status" aria-live="polite" data-state=move || match preview.get() {
                    Preview::Count(_) => "count",
                    Preview::Failed(_) => "failed",
                    _ => "idle",
                }>
                    <CrmIcon name="filter"/>{preview_text}
                </p>
                <Button button_type="submit" loading=saving>
                    {move || if builder.editing.with(Option::is_some) { "Save changes" } else { "Save segment" }}
                </Button>
            </div>
        </form>
    }
}

#[component]
fn RuleEditor(row: RuleRow, builder: Builder, custom: StoredValue<Vec<CustomFieldView>>, options: StoredValue<Vec<(String, String)>>) -> impl IntoView {
    let key = row.key;
    let number = Memo::new(move |_| builder.rules.with(|r| r.iter().position(|x| x.key == key).map_or(0, |i| i + 1)));
    let ty = Memo::new(move |_| {
        let field = row.field.get();
        custom.with_value(|c| field_type(&field, c).ok())
    });
    let (field_id, op_id, value_id) = (format!("rule-{key}-field"), format!("rule-{key}-op"), format!("rule-{key}-value"));
    let problem_id = format!("rule-{key}-problem");
    let on_field = move |ev: leptos::ev::Event| {
        let field = event_target_value(&ev);
        let next = custom.with_value(|c| field_type(&field, c).ok());
        row.field.set(field);
        if let Some(next) = next {
            if !next.ops().contains(&row.op.get_untracked()) {
                row.op.set(next.ops()[0]);
            }
            let keep_text = matches!(next, FieldType::Text) && matches!(ty.get_untracked(), Some(FieldType::Text));
            if !keep_text {
                row.value.set(default_value(&next));
            }
        }
    };
    let problem = move || {
        let rule = Rule { field: row.field.get(), op: row.op.get(), value: row.value.get() };
        let show = builder.tried.get() || !rule.value.trim().is_empty();
        if !show {
            return None;
        }
        custom.with_value(|c| rule_problem(&rule, c))
    };
    let needs_value = move || row.op.get().needs_value();
    let value_input = {
        let value_id = value_id.clone();
        let problem_id = problem_id.clone();
        move || {
            let (id, described) = (value_id.clone(), problem_id.clone());
            let select = |choices: Vec<(String, String)>| {
                view! {
                    <select id=id.clone() class="field-input field-select" aria-describedby=described.clone()
                        prop:value=move || row.value.get() on:change=move |ev| row.value.set(event_target_value(&ev))>
                        {choices.into_iter().map(|(v, t)| {
                            let selected = { let v = v.clone(); move || row.value.with(|x| *x == v) };
                            view! { <option value=v selected=selected>{t}</option> }
                        }).collect_view()}
                    </select>
                }
                .into_any()
            };
            let input = |kind: &'static str, list: Option<&'static str>| {
                view! {
                    <input id=id.clone() type=kind class="field-input" autocomplete="off" list=list step=(kind == "number").then_some("any")
                        aria-describedby=described.clone()
                        prop:value=move || row.value.get() on:input=move |ev| row.value.set(event_target_value(&ev))/>
                }
                .into_any()
            };
            match ty.get() {
                Some(FieldType::Consent) => select(Consent::ALL.iter().map(|c| (c.as_str().to_owned(), c.label().to_owned())).collect()),
                Some(FieldType::Tag) => input("text", Some("crm-tag-names")),
                Some(FieldType::Timestamp) => input("date", None),
                Some(FieldType::Custom(f)) => match f.kind {
                    FieldKind::Checkbox => select(vec![("true".into(), "Yes".into()), ("false".into(), "No".into())]),
                    FieldKind::Select => select(f.options.iter().map(|o| (o.clone(), o.clone())).collect()),
                    FieldKind::Number => input("number", None),
                    FieldKind::Date => input("date", None),
                    FieldKind::Text => input("text", None),
                },
                _ => input("text", None),
            }
        }
    };
    let op_options = move || {
        let ops: Vec<Op> = ty.get().map(|t| t.ops().to_vec()).unwrap_or_default();
        let (timestamp, tag) = (matches!(ty.get(), Some(FieldType::Timestamp)), matches!(ty.get(), Some(FieldType::Tag)));
        ops.into_iter()
            .map(|op| {
                let label = match (timestamp, tag, op) {
                    (true, _, Op::Gt) => "is after",
                    (true, _, Op::Lt) => "is before",
                    (_, true, Op::Is) => "includes",
                    (_, true, Op::IsNot) => "does not include",
                    _ => op.label(),
                };
                view! { <option value=op.as_str() selected=move || row.op.get() == op>{label}</option> }
            })
            .collect_view()
    };
    let field_options = options.with_value(|o| {
        o.iter()
            .map(|(v, t)| {
                let selected = { let v = v.clone(); move || row.field.with(|f| *f == v) };
                view! { <option value=v.clone() selected=selected>{t.clone()}</option> }
            })
            .collect_view()
    });
    view! {
        <li class="crm-rule">
            <span class="crm-rule-join" aria-hidden="true">{move || {
                if number.get() <= 1 { "Where" } else if builder.match_.get() == "any" { "or" } else { "and" }
            }}</span>
            <div class="crm-rule-fields">
                <div class="field">
                    <label class="sr-only" for=field_id.clone()>{move || format!("Rule {} field", number.get())}</label>
                    <select id=field_id class="field-input field-select" prop:value=move || row.field.get() on:change=on_field>
                        {field_options}
                    </select>
                </div>
                <div class="field">
                    <label class="sr-only" for=op_id.clone()>{move || format!("Rule {} condition", number.get())}</label>
                    <select id=op_id class="field-input field-select"
                        prop:value=move || row.op.get().as_str()
                        on:change=move |ev| if let Some(op) = Op::parse(&event_target_value(&ev)) { row.op.set(op) }>
                        {op_options}
                    </select>
                </div>
                <Show when=needs_value>
                    <div class="field">
                        <label class="sr-only" for=value_id.clone()>{move || format!("Rule {} value", number.get())}</label>
                        {value_input.clone()}
                    </div>
                </Show>
            </div>
            <button type="button" class="icon-btn crm-rule-remove" aria-label=move || format!("Remove rule {}", number.get())
                on:click=move |_| builder.rules.update(|r| r.retain(|x| x.key != key))>
                <CrmIcon name="x"/>
            </button>
            {move || problem().map(|p| view! { <p id=problem_id.clone() class="field-error crm-rule-problem">{p}</p> })}
        </li>
    }
}

/// Brings an element into view (after "Edit" far down the list).
fn scroll_to(id: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
        el.scroll_into_view();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: FieldKind) -> CustomFieldView {
        CustomFieldView { id: Uuid::nil(), key: key.into(), label: "Plan".into(), kind, options: vec![], position: 0 }
    }

    #[test]
    fn rules_read_as_sentences() {
        let custom = [field("plan", FieldKind::Checkbox)];
        let rule = |f: &str, op: Op, v: &str| Rule { field: f.into(), op, value: v.into() };
        let filter = Filter { match_: Match::All, rules: vec![rule("city", Op::Is, "Lisbon"), rule("consent_status", Op::Is, "subscribed")] };
        assert_eq!(describe(&filter, &custom), "City is “Lisbon” and Email consent is Subscribed");
        assert_eq!(describe_rule(&rule("phone", Op::IsEmpty, ""), &custom), "Phone is empty");
        assert_eq!(describe_rule(&rule("custom.plan", Op::Is, "true"), &custom), "Plan is yes");
        assert_eq!(describe_rule(&rule("created_at", Op::Gt, "2026-01-01"), &custom), "Created is after “2026-01-01”");
        assert_eq!(describe_rule(&rule("tag", Op::Is, "vip"), &custom), "Tag includes “vip”");
    }

    #[test]
    fn unfinished_rules_are_caught_before_asking_the_server() {
        let rule = |f: &str, op: Op, v: &str| Rule { field: f.into(), op, value: v.into() };
        assert!(rule_problem(&rule("city", Op::Is, " "), &[]).is_some());
        assert!(rule_problem(&rule("city", Op::IsEmpty, ""), &[]).is_none());
        assert!(rule_problem(&rule("created_at", Op::Gt, "2026-02-30"), &[]).is_some());
        assert!(rule_problem(&rule("city", Op::Is, "Lisbon"), &[]).is_none());
        assert_eq!(rule_index("filter.rules[3]"), Some(3));
        assert_eq!(rule_index("name"), None);
        assert_eq!(field_options(&[field("plan", FieldKind::Text)]).last().map(|(f, _)| f.as_str()), Some("custom.plan"));
    }
}
