//! `/w/{slug}/crm/companies`: the organisations contacts work for, with how many contacts each
//! has; search, create and edit in a dialog, delete and restore.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::{Access, CrmHeader, CrmIcon, Debounce, enc, form_alert, plural, unshown_error, use_access};
use crate::modules::auth::ui::field_error;
use crate::modules::crm::server_fns::{list_companies, save_company, set_company_deleted};
use crate::modules::crm::types::{CompanyInput, CompanyView};
use crate::modules::workspaces::ui::{FieldShell, Time, error_view, loading_view, workspace_href};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Icon, TextField, ToastKind, loaded, use_toasts};

#[component]
pub fn CompaniesPage() -> impl IntoView {
    let access = use_access();
    view! {
        <Title text="Companies"/>
        {move || access.get().map(|a| view! { <CompaniesBody a=a/> })}
    }
}

#[component]
fn CompaniesBody(a: Access) -> impl IntoView {
    let Access { slug, write, delete } = a;
    let toasts = use_toasts();
    let search = RwSignal::new(String::new());
    let q = RwSignal::new(String::new());
    let show_deleted = RwSignal::new(false);
    let reload = RwSignal::new(0u32);
    let companies = Resource::new(
        {
            let slug = slug.clone();
            move || (slug.clone(), q.get(), show_deleted.get(), reload.get())
        },
        |(slug, q, deleted, _)| list_companies(slug, (!q.is_empty()).then_some(q), deleted),
    );
    let debounce = Debounce::new();
    let on_search = move |ev: leptos::ev::Event| {
        search.set(event_target_value(&ev));
        debounce.run(250, move || q.set(search.get_untracked().trim().to_owned()));
    };

    let creating = RwSignal::new(false);
    let editing = RwSignal::new(None::<CompanyView>);
    let edit_open = RwSignal::new(false);
    let saved = Callback::new(move |c: CompanyView| {
        toasts.show(ToastKind::Success, format!("Saved {}.", c.name));
        reload.update(|n| *n += 1);
    });
    let edit = Callback::new(move |c: CompanyView| {
        editing.set(Some(c));
        edit_open.set(true);
    });
    let to_delete = RwSignal::new(None::<CompanyView>);
    let confirm = RwSignal::new(false);
    let busy = RwSignal::new(None::<Uuid>);
    let set_deleted = Callback::new({
        let slug = slug.clone();
        move |(c, deleted): (CompanyView, bool)| {
            if busy.get_untracked().is_some() {
                return;
            }
            busy.set(Some(c.id));
            let slug = slug.clone();
            spawn_local(async move {
                let result = set_company_deleted(slug, c.id, deleted).await;
                busy.set(None);
                confirm.set(false);
                match result {
                    Ok(c) => {
                        let what = if deleted { "Deleted" } else { "Restored" };
                        toasts.show(ToastKind::Success, format!("{what} {}.", c.name));
                        reload.update(|n| *n += 1);
                    }
                    Err(err) => toasts.show(ToastKind::Error, err.field_message("name").map_or_else(|| err.to_string(), str::to_owned)),
                }
            });
        }
    });
    let ask_delete = Callback::new(move |c: CompanyView| {
        to_delete.set(Some(c));
        confirm.set(true);
    });
    let open_new = Callback::new(move |()| creating.set(true));
    let pending = RwSignal::new(false);
    let list_slug = slug.clone();
    let (new_slug, edit_slug) = (slug.clone(), slug.clone());
    view! {
        <CrmHeader slug=slug title="Companies" text="The organisations your contacts work for.">
            {write.then(|| view! { <Button on_click=open_new><Icon name="plus"/>"New company"</Button> })}
        </CrmHeader>
        <section class="card crm-toolbar" aria-label="Find companies">
            <div class="field crm-search">
                <label class="field-label" for="crm-company-search">"Search companies"</label>
                <div class="crm-search-box">
                    <CrmIcon name="search"/>
                    <input id="crm-company-search" type="search" class="field-input" autocomplete="off" placeholder="Name or domain"
                        prop:value=move || search.get() on:input=on_search/>
                </div>
            </div>
            <div class="crm-toolbar-row">
                <label class="check">
                    <input type="checkbox" prop:checked=move || show_deleted.get() on:change=move |ev| show_deleted.set(event_target_checked(&ev))/>
                    "Show deleted"
                </label>
            </div>
        </section>
        <div class="crm-list" aria-busy=move || pending.get().then_some("true")>
            <Transition fallback=loading_view set_pending=pending>
                {move || {
                    let slug = list_slug.clone();
                    Suspend::new(async move {
                        let deleted = show_deleted.get_untracked();
                        match loaded(companies).await {
                            Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                            Ok(list) if list.is_empty() => {
                                let (title, text) = if deleted {
                                    ("No deleted companies", "Companies you delete are kept here, ready to restore.")
                                } else if !q.get_untracked().is_empty() {
                                    ("No companies match", "Try another name or domain.")
                                } else if write {
                                    ("No companies yet", "Add the organisations your contacts work for, then pick one on a contact's page.")
                                } else {
                                    ("No companies yet", "Nobody has added a company to this workspace yet.")
                                };
                                view! {
                                    <section class="card">
                                        <EmptyState icon="users" title=title text=text>
                                            {(write && !deleted && q.get_untracked().is_empty()).then(|| view! {
                                                <Button on_click=open_new><Icon name="plus"/>"Add your first company"</Button>
                                            })}
                                        </EmptyState>
                                    </section>
                                }
                                .into_any()
                            }
                            Ok(list) => {
                                let n = list.len() as u64;
                                let rows = list
                                    .into_iter()
                                    .map(|c| company_row(&slug, c, write, delete, deleted, edit, ask_delete, set_deleted, busy))
                                    .collect_view();
                                view! {
                                    <p class="crm-count" role="status">{plural(n, if deleted { "deleted company" } else { "company" }, if deleted { "deleted companies" } else { "companies" })}</p>
                                    <div class="card crm-table-card">
                                        <div class="table-wrap">
                                            <table class="table crm-table crm-companies">
                                                <caption class="sr-only">"Companies"</caption>
                                                <thead>
                                                    <tr>
                                                        <th scope="col">"Name"</th>
                                                        <th scope="col">"Domain"</th>
                                                        <th scope="col">"Phone"</th>
                                                        <th scope="col">"Contacts"</th>
                                                        <th scope="col"><span class="sr-only">"Actions"</span></th>
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
        </div>
        {write.then(|| view! {
            <Dialog open=creating title="New company">
                <CompanyForm slug=new_slug.clone() target=None open=creating saved=saved/>
            </Dialog>
            <Dialog open=edit_open title="Edit company">
                {
                    let slug = edit_slug.clone();
                    move || editing.get().map(|c| view! { <CompanyForm slug=slug.clone() target=Some(c) open=edit_open saved=saved/> })
                }
            </Dialog>
        })}
        {delete.then(|| view! {
            <Dialog open=confirm title="Delete company?">
                <p class="muted break">{move || to_delete.get().map(|c| format!(
                    "{} leaves the company list; its contacts stay. You can restore it from the deleted companies.", c.name
                ))}</p>
                <div class="row dialog-actions">
                    <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm.set(false))>"Cancel"</Button>
                    <Button variant=ButtonVariant::Danger loading=Signal::derive(move || busy.get().is_some())
                        on_click=Callback::new(move |()| if let Some(c) = to_delete.get_untracked() { set_deleted.run((c, true)) })>
                        "Delete company"
                    </Button>
                </div>
            </Dialog>
        })}
    }
}

#[allow(clippy::too_many_arguments)]
fn company_row(
    slug: &str,
    c: CompanyView,
    write: bool,
    delete: bool,
    deleted: bool,
    edit: Callback<CompanyView>,
    ask_delete: Callback<CompanyView>,
    set_deleted: Callback<(CompanyView, bool)>,
    busy: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let id = c.id;
    let contacts = workspace_href(slug, &format!("/crm?q={}", enc(&c.name)));
    let domain = c.domain.clone().map(|d| {
        let href = format!("https://{d}");
        view! { <a href=href target="_blank" rel="noopener noreferrer" class="break">{d}</a> }
    });
    let name = c.name.clone();
    let actions = if deleted {
        let target = c.clone();
        write.then(|| {
            view! {
                <Button variant=ButtonVariant::Secondary loading=Signal::derive(move || busy.get() == Some(id))
                    on_click=Callback::new(move |()| set_deleted.run((target.clone(), false)))>
                    <CrmIcon name="undo"/>"Restore"<span class="sr-only">" "{name.clone()}</span>
                </Button>
            }
        })
        .into_any()
    } else {
        let (edit_target, delete_target) = (c.clone(), c.clone());
        let (edit_name, delete_name) = (c.name.clone(), c.name.clone());
        view! {
            {write.then(|| view! {
                <Button variant=ButtonVariant::Ghost attr:aria-label=format!("Edit {edit_name}")
                    on_click=Callback::new(move |()| edit.run(edit_target.clone()))>
                    <CrmIcon name="pencil"/><span class="crm-wide-only">"Edit"</span>
                </Button>
            })}
            {delete.then(|| view! {
                <Button variant=ButtonVariant::Ghost attr:aria-label=format!("Delete {delete_name}")
                    on_click=Callback::new(move |()| ask_delete.run(delete_target.clone()))>
                    <Icon name="trash"/>
                </Button>
            })}
        }
        .into_any()
    };
    let notes = (!c.notes.trim().is_empty()).then(|| view! { <span class="meta crm-clamp break">{c.notes.clone()}</span> });
    let deleted_at = c.deleted_at.clone().map(|at| view! { <span class="meta">"Deleted "<Time at=at date_only=true/></span> });
    view! {
        <tr>
            <td class="crm-name">
                <span class="crm-name-text break">{c.name.clone()}</span>
                {notes}
                {deleted_at}
            </td>
            <td class="crm-domain">{domain}</td>
            <td class="crm-phone nowrap">{c.phone.clone().unwrap_or_default()}</td>
            <td class="crm-count-cell">
                {if c.contact_count > 0 && !deleted {
                    view! { <A href=contacts>{plural(c.contact_count, "contact", "contacts")}</A> }.into_any()
                } else {
                    view! { <span class="meta">{plural(c.contact_count, "contact", "contacts")}</span> }.into_any()
                }}
            </td>
            <td class="crm-actions"><div class="table-actions">{actions}</div></td>
        </tr>
    }
}

/// Name, domain, phone and notes of a new company or one being edited.
#[component]
fn CompanyForm(slug: String, target: Option<CompanyView>, open: RwSignal<bool>, saved: Callback<CompanyView>) -> impl IntoView {
    let id = target.as_ref().map(|c| c.id);
    let name = RwSignal::new(target.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let domain = RwSignal::new(target.as_ref().and_then(|c| c.domain.clone()).unwrap_or_default());
    let phone = RwSignal::new(target.as_ref().and_then(|c| c.phone.clone()).unwrap_or_default());
    let notes = RwSignal::new(target.as_ref().map(|c| c.notes.clone()).unwrap_or_default());
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &["name", "domain", "phone", "notes"]))));
    let notes_error = field_error(errors, "notes");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let n = text(name);
        if n.is_empty() {
            errors.set(Some(AppError::field("name", "Name the company.")));
            return;
        }
        let clearable = |v: String| Some((!v.is_empty()).then_some(v));
        let input = CompanyInput { name: Some(n), domain: clearable(text(domain)), phone: clearable(text(phone)), notes: Some(notes.get_untracked()) };
        errors.set(None);
        saving.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = save_company(slug, id, input).await;
            saving.set(false);
            match result {
                Ok(c) => {
                    open.set(false);
                    saved.run(c);
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <TextField label="Name" name="name" autocomplete="off" value=name error=field_error(errors, "name")/>
            <TextField label="Domain" name="domain" autocomplete="off" value=domain error=field_error(errors, "domain")
                hint="Like example.com, without https://."/>
            <TextField label="Phone" name="phone" input_type="tel" autocomplete="off" value=phone error=field_error(errors, "phone")/>
            <FieldShell label="Notes" id="field-company-notes".into() hint=None error=notes_error>
                <textarea id="field-company-notes" name="notes" class="field-input crm-textarea" rows="3" aria-describedby="field-company-notes-desc"
                    prop:value=move || notes.get() on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
            </FieldShell>
            {form_alert(other)}
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" loading=saving>{if id.is_some() { "Save company" } else { "Create company" }}</Button>
            </div>
        </form>
    }
}
