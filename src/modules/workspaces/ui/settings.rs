//! `/w/{slug}/settings`: the workspace's name, address, brand colour, currency, time zone and
//! language; its goals; its logo; its plan; and the danger zone (transfer, delete, leave).
//! Members without `workspace.manage` see every value read-only, with no save buttons.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, hooks::use_navigate};
use uuid::Uuid;

use super::{
    FieldShell, GoalPicker, Panel, SelectField, SlugField, Time, error_view, field_error, loading_view, use_me,
    use_publish_workspace, workspace_href,
};
use crate::app::layout::use_workspace;
use crate::modules::auth::types::LANGUAGES;
use crate::modules::workspaces::permissions::{Permission, Role};
use crate::modules::workspaces::server_fns::{
    delete_workspace, deleted_workspaces, leave_workspace, list_members, list_plans, remove_workspace_logo, restore_workspace,
    transfer_workspace, update_workspace,
};
use crate::modules::workspaces::types::{CURRENCIES, DeleteWorkspaceForm, PlanView, TransferForm, WorkspacePatch, WorkspaceView};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, Icon, Spinner, Table, TextField, ToastKind, Toasts, loaded, use_toasts};

/// Zones offered in the time-zone field's suggestions; any zone the server knows is accepted.
const TIME_ZONES: &[&str] = &[
    "UTC",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Lagos",
    "Africa/Nairobi",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/New_York",
    "America/Sao_Paulo",
    "America/Toronto",
    "Asia/Dubai",
    "Asia/Hong_Kong",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Pacific/Auckland",
];

fn options(values: impl IntoIterator<Item = (&'static str, &'static str)>) -> Vec<(String, String)> {
    values.into_iter().map(|(v, t)| (v.to_owned(), t.to_owned())).collect()
}

/// "Members", "Storage gb" → readable names for a plan's limits.
fn resource_label(resource: &str) -> String {
    let words = resource.replace('_', " ");
    let mut chars = words.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A paid plan's price; `None` for a free one (its name says so).
fn price(plan: &PlanView) -> Option<String> {
    match plan.monthly_price_minor {
        0 => None,
        minor => Some(format!("{}.{:02} {} a month", minor / 100, minor % 100, plan.currency)),
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let workspace = use_workspace();
    view! {
        <Title text="Workspace settings"/>
        <div class="page-head">
            <h1 class="page-title">"Settings"</h1>
            <p class="muted">"Your workspace's name, address, look, goals and plan."</p>
        </div>
        {move || workspace.get().map(|w| view! { <SettingsBody w=w/> })}
    }
}

#[component]
fn SettingsBody(w: WorkspaceView) -> impl IntoView {
    let manage = w.can(Permission::WorkspaceManage);
    view! {
        <div class="settings">
            {(!manage).then(|| view! {
                <p class="callout" role="note">"You can see these settings; only the owner and admins can change them."</p>
            })}
            <GeneralCard w=w.clone() manage=manage/>
            <GoalsCard w=w.clone() manage=manage/>
            <LogoCard w=w.clone() manage=manage/>
            <PlanCard plan=w.plan.clone()/>
            <DangerZone w=w/>
            <DeletedWorkspaces/>
        </div>
    }
}

#[component]
fn GeneralCard(w: WorkspaceView, manage: bool) -> impl IntoView {
    let old_slug = w.slug.clone();
    let name = RwSignal::new(w.name);
    let slug = RwSignal::new(w.slug);
    let color = RwSignal::new(w.brand_color);
    let currency = RwSignal::new(w.currency);
    let time_zone = RwSignal::new(w.time_zone);
    let language = RwSignal::new(w.language);
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let publish = use_publish_workspace();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() || !manage {
            return;
        }
        if name.get_untracked().trim().is_empty() {
            errors.set(Some(AppError::field("name", "Name your workspace, like your business or brand.")));
            return;
        }
        errors.set(None);
        saving.set(true);
        let patch = WorkspacePatch {
            name: Some(name.get_untracked().trim().to_owned()),
            slug: Some(slug.get_untracked().trim().to_ascii_lowercase()),
            brand_color: Some(color.get_untracked()),
            currency: Some(currency.get_untracked()),
            time_zone: Some(time_zone.get_untracked().trim().to_owned()),
            language: Some(language.get_untracked()),
            ..Default::default()
        };
        let (old_slug, navigate) = (old_slug.clone(), navigate.clone());
        spawn_local(async move {
            let result = update_workspace(old_slug.clone(), patch).await;
            saving.set(false);
            match result {
                Ok(w) => {
                    toasts.show(ToastKind::Success, "Settings saved.");
                    // A new address is a new URL: this page moves there.
                    let moved = (w.slug != old_slug).then(|| workspace_href(&w.slug, "/settings"));
                    publish(w);
                    if let Some(path) = moved {
                        navigate(&path, NavigateOptions { replace: true, ..Default::default() });
                    }
                }
                Err(err @ AppError::Validation { .. }) => errors.set(Some(err)),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    let invalid = move |field: &'static str| move || errors.with(|e| e.as_ref().and_then(|e| e.field_message(field)).is_some()).then_some("true");
    view! {
        <Panel id="general" title="General">
            <form class="stack" novalidate on:submit=submit>
                // A disabled fieldset disables every control in it: the read-only view.
                <fieldset class="plain-fieldset stack" disabled=!manage>
                    <legend class="sr-only">"General settings"</legend>
                    <TextField label="Name" name="name" autocomplete="organization" value=name error=field_error(errors, "name")/>
                    <SlugField value=slug on_input=Callback::new(move |v: String| slug.set(v)) error=field_error(errors, "slug")/>
                    <div class="form-grid">
                        <FieldShell label="Brand colour" id="field-brand_color".into() error=field_error(errors, "brand_color")
                            hint=Some("Behind your logo's initial, and on your public pages.".into())>
                            <div class="color-row">
                                <input
                                    type="color"
                                    id="field-brand_color"
                                    name="brand_color"
                                    class="color-input"
                                    aria-describedby="field-brand_color-desc"
                                    aria-invalid=invalid("brand_color")
                                    prop:value=move || color.get()
                                    on:input=move |ev| color.set(event_target_value(&ev))
                                />
                                <code class="meta">{move || color.get()}</code>
                            </div>
                        </FieldShell>
                        <SelectField label="Currency" name="currency" value=currency
                            options=CURRENCIES.iter().map(|c| ((*c).to_owned(), (*c).to_owned())).collect()
                            hint="Prices, invoices and reports use it." error=field_error(errors, "currency")/>
                    </div>
                    <div class="form-grid">
                        <FieldShell label="Time zone" id="field-time_zone".into() error=field_error(errors, "time_zone")
                            hint=Some("Dates, bookings and reports use this zone.".into())>
                            <input
                                id="field-time_zone"
                                name="time_zone"
                                class="field-input"
                                list="time-zone-list"
                                autocomplete="off"
                                spellcheck="false"
                                aria-describedby="field-time_zone-desc"
                                aria-invalid=invalid("time_zone")
                                prop:value=move || time_zone.get()
                                on:input=move |ev| time_zone.set(event_target_value(&ev))
                            />
                            <datalist id="time-zone-list">
                                {TIME_ZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}
                            </datalist>
                        </FieldShell>
                        <SelectField label="Language" name="language" value=language options=options(LANGUAGES.iter().copied())
                            hint="For emails to your customers." error=field_error(errors, "language")/>
                    </div>
                </fieldset>
                {manage.then(|| view! { <div><Button button_type="submit" loading=saving>"Save"</Button></div> })}
            </form>
        </Panel>
    }
}

#[component]
fn GoalsCard(w: WorkspaceView, manage: bool) -> impl IntoView {
    let slug = w.slug;
    let picked = RwSignal::new(w.goals);
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let toasts = use_toasts();
    let publish = use_publish_workspace();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() || !manage {
            return;
        }
        let goals = picked.get_untracked();
        if goals.is_empty() {
            error.set(Some("Pick at least one goal.".into()));
            return;
        }
        error.set(None);
        saving.set(true);
        let patch = WorkspacePatch { goals: Some(goals), ..Default::default() };
        let slug = slug.clone();
        spawn_local(async move {
            let result = update_workspace(slug, patch).await;
            saving.set(false);
            match result {
                Ok(w) => {
                    toasts.show(ToastKind::Success, "Goals saved. Your menu shows the tools for them.");
                    publish(w);
                }
                Err(err @ AppError::Validation { .. }) => {
                    error.set(Some(err.field_message("goals").map_or_else(|| err.to_string(), str::to_owned)));
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <Panel id="goals" title="Goals">
            <form class="stack" novalidate on:submit=submit>
                <p class="muted">"The tools in your menu follow these goals."</p>
                <GoalPicker picked=picked disabled=!manage error=Signal::derive(move || error.get())/>
                {manage.then(|| view! { <div><Button button_type="submit" loading=saving>"Save goals"</Button></div> })}
            </form>
        </Panel>
    }
}

#[component]
fn LogoCard(w: WorkspaceView, manage: bool) -> impl IntoView {
    let logo = RwSignal::new(w.logo_url);
    let initial = w.name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_else(|| "M".into());
    let alt = format!("{} logo", w.name);
    let color = w.brand_color;
    let uploading = RwSignal::new(false);
    let removing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let toasts = use_toasts();
    let publish = use_publish_workspace();
    let slug = w.slug;
    let changed = Callback::new(move |(w, message): (WorkspaceView, &'static str)| {
        logo.set(w.logo_url.clone());
        toasts.show(ToastKind::Success, message);
        publish(w);
    });
    let remove = {
        let slug = slug.clone();
        Callback::new(move |()| {
            if removing.get_untracked() {
                return;
            }
            removing.set(true);
            error.set(None);
            let slug = slug.clone();
            spawn_local(async move {
                let result = remove_workspace_logo(slug).await;
                removing.set(false);
                match result {
                    Ok(w) => changed.run((w, "Logo removed.")),
                    Err(err) => error.set(Some(err.to_string())),
                }
            });
        })
    };
    let picture = move || match logo.get() {
        Some(url) => view! { <img class="logo-lg" src=url alt=alt.clone() width="80" height="80"/> }.into_any(),
        None => view! { <span class="logo-lg" style=format!("background:{color}") aria-hidden="true">{initial.clone()}</span> }.into_any(),
    };
    let controls = if manage {
        view! {
            <div class="stack-sm">
                <div class="row">
                    <input
                        id="logo-file"
                        class="sr-only file-input"
                        type="file"
                        accept="image/png,image/jpeg,image/webp"
                        aria-describedby="logo-hint"
                        disabled=move || uploading.get()
                        on:change=move |ev| upload_chosen(ev, slug.clone(), uploading, error, changed)
                    />
                    <label for="logo-file" class="btn btn-secondary">
                        {move || if logo.with(Option::is_some) { "Change logo" } else { "Upload logo" }}
                    </label>
                    <Show when=move || logo.with(Option::is_some)>
                        <Button variant=ButtonVariant::Ghost loading=removing on_click=remove>"Remove logo"</Button>
                    </Show>
                </div>
                <p id="logo-hint" class="field-hint">"PNG, JPEG or WebP, up to 2 MB. We crop it to a square."</p>
                <Show when=move || uploading.get()>
                    <p class="row" role="status"><Spinner small=true/>"Uploading your logo…"</p>
                </Show>
                {move || error.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
            </div>
        }
        .into_any()
    } else {
        view! { <p class="muted">"Only the owner and admins can change the logo."</p> }.into_any()
    };
    view! {
        <Panel id="logo" title="Logo">
            <div class="avatar-row">
                {picture}
                {controls}
            </div>
        </Panel>
    }
}

/// Checks the chosen file, then sends it with `fetch` (`PUT /api/v1/workspaces/{slug}/logo`).
#[cfg(feature = "hydrate")]
fn upload_chosen(
    ev: leptos::ev::Event,
    slug: String,
    uploading: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    done: Callback<(WorkspaceView, &'static str)>,
) {
    let input: web_sys::HtmlInputElement = event_target(&ev);
    let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
    // Cleared so that choosing the same file again fires `change` again.
    input.set_value("");
    if let Err(message) = super::check_logo(file.size(), &file.type_()) {
        error.set(Some(message));
        return;
    }
    error.set(None);
    uploading.set(true);
    spawn_local(async move {
        let result = super::browser::put_logo(&slug, &file).await;
        uploading.set(false);
        match result {
            Ok(w) => done.run((w, "Logo updated.")),
            Err(message) => error.set(Some(message)),
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn upload_chosen(_: leptos::ev::Event, _: String, _: RwSignal<bool>, _: RwSignal<Option<String>>, _: Callback<(WorkspaceView, &'static str)>) {}

#[component]
fn PlanCard(plan: String) -> impl IntoView {
    let plans = Resource::new(|| (), |()| list_plans());
    view! {
        <Panel id="plan" title="Plan">
            <Transition fallback=loading_view>
                {move || {
                    let code = plan.clone();
                    Suspend::new(async move {
                        match loaded(plans).await {
                            Err(err) => error_view(&err).into_any(),
                            Ok(list) => match list.into_iter().find(|p| p.code == code) {
                                None => view! { <p class="muted">"Plan: "{code}</p> }.into_any(),
                                Some(p) => view! {
                                    <p class="row">
                                        <strong>{p.name.clone()}</strong>
                                        <span class="badge badge-success">"Current plan"</span>
                                        {price(&p).map(|price| view! { <span class="muted">{price}</span> })}
                                    </p>
                                    <Table caption="Limits of your plan" headers=vec!["What", "Limit"]>
                                        {p.limits
                                            .into_iter()
                                            .map(|l| view! {
                                                <tr>
                                                    <td>{resource_label(&l.resource)}</td>
                                                    <td>{l.max.map_or_else(|| "Unlimited".to_owned(), |m| m.to_string())}</td>
                                                </tr>
                                            })
                                            .collect_view()}
                                    </Table>
                                }
                                .into_any(),
                            },
                        }
                    })
                }}
            </Transition>
        </Panel>
    }
}

/// Transfer and delete for the owner; leave for everyone else (the owner cannot leave).
#[component]
fn DangerZone(w: WorkspaceView) -> impl IntoView {
    let owner = w.built_in_role() == Some(Role::Owner);
    let transfer = w.can(Permission::WorkspaceTransfer);
    let delete = w.can(Permission::WorkspaceDelete);
    view! {
        <Panel id="danger-zone" title="Danger zone" danger=true>
            {transfer.then(|| view! { <TransferSection w=w.clone()/> })}
            {delete.then(|| view! { <DeleteSection name=w.name.clone() slug=w.slug.clone()/> })}
            {(!owner).then(|| view! { <LeaveSection name=w.name.clone() slug=w.slug.clone()/> })}
        </Panel>
    }
}

/// The step-up proof typed into a danger-zone form: the password, and a code with two-factor
/// authentication on (shown from the start when the account has it, or when the server asks).
#[derive(Clone, Copy)]
struct Proof {
    password: RwSignal<String>,
    code: RwSignal<String>,
    needs_code: RwSignal<bool>,
}

impl Proof {
    fn new() -> Self {
        let mfa = use_me().is_some_and(|u| u.mfa_enabled);
        Self { password: RwSignal::new(String::new()), code: RwSignal::new(String::new()), needs_code: RwSignal::new(mfa) }
    }

    /// What the forms send; empty fields are left out (a session that proved who it is in the
    /// last 10 minutes needs neither).
    fn take(&self) -> (Option<String>, Option<String>) {
        let password = self.password.get_untracked();
        let code = self.code.get_untracked().trim().to_owned();
        ((!password.is_empty()).then_some(password), (!code.is_empty()).then_some(code))
    }

    /// Step-up answers become messages under the proof fields.
    fn explain(&self, err: AppError) -> AppError {
        match err {
            AppError::StepUpRequired { message, mfa } => {
                self.needs_code.set(mfa);
                let field = if mfa && !self.password.get_untracked().is_empty() { "code" } else { "password" };
                AppError::field(field, message)
            }
            AppError::InvalidCredentials => AppError::field("password", "That password is not right."),
            other => other,
        }
    }
}

#[component]
fn ProofFields(proof: Proof, prefix: &'static str, errors: RwSignal<Option<AppError>>) -> impl IntoView {
    view! {
        <TextField label="Your password" name=format!("{prefix}_password") input_type="password" autocomplete="current-password"
            hint="Needed unless you confirmed it's you in the last 10 minutes."
            value=proof.password error=field_error(errors, "password")/>
        <Show when=move || proof.needs_code.get()>
            <TextField label="Authentication code" name=format!("{prefix}_code") autocomplete="one-time-code" placeholder="123456"
                hint="From your authenticator app, or a backup code." value=proof.code error=field_error(errors, "code")/>
        </Show>
    }
}

#[component]
fn TransferSection(w: WorkspaceView) -> impl IntoView {
    let owner = w.owner_id;
    let slug = w.slug;
    let members = Resource::new({
        let slug = slug.clone();
        move || slug.clone()
    }, list_members);
    view! {
        <div class="stack">
            <h3 class="subsection-title">"Transfer ownership"</h3>
            <p class="muted">"The new owner gets full control, including deleting the workspace. You stay on as an admin."</p>
            <Transition fallback=loading_view>
                {move || {
                    let slug = slug.clone();
                    Suspend::new(async move {
                        match loaded(members).await {
                            Err(err) => error_view(&err).into_any(),
                            Ok(page) => {
                                let choices: Vec<(String, String)> = page
                                    .items
                                    .into_iter()
                                    .filter(|m| m.user_id != owner)
                                    .map(|m| (m.user_id.to_string(), format!("{} · {}", m.name, m.email)))
                                    .collect();
                                if choices.is_empty() {
                                    view! { <p class="muted">"Invite someone first: only a member can become the owner."</p> }.into_any()
                                } else {
                                    view! { <TransferOwnership slug=slug choices=choices/> }.into_any()
                                }
                            }
                        }
                    })
                }}
            </Transition>
        </div>
    }
}

#[component]
fn TransferOwnership(slug: String, choices: Vec<(String, String)>) -> impl IntoView {
    let target = RwSignal::new(String::new());
    let proof = Proof::new();
    let errors = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let publish = use_publish_workspace();
    let options: Vec<(String, String)> = std::iter::once((String::new(), "Choose a member".to_owned())).chain(choices).collect();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Ok(user_id) = Uuid::parse_str(&target.get_untracked()) else {
            errors.set(Some(AppError::field("user_id", "Choose the member who becomes the owner.")));
            return;
        };
        errors.set(None);
        busy.set(true);
        let (password, code) = proof.take();
        let form = TransferForm { user_id, password, code };
        let slug = slug.clone();
        spawn_local(async move {
            let result = transfer_workspace(slug, form).await;
            busy.set(false);
            match result {
                Ok(w) => {
                    toasts.show(ToastKind::Success, "Ownership transferred. You are an admin now.");
                    publish(w);
                }
                Err(err) => show_error(err, proof, errors, toasts),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <SelectField label="New owner" name="user_id" value=target options=options error=field_error(errors, "user_id")/>
            <ProofFields proof=proof prefix="transfer" errors=errors/>
            <div><Button button_type="submit" variant=ButtonVariant::Danger loading=busy>"Transfer"</Button></div>
        </form>
    }
}

/// Shows a refused danger-zone request where it belongs: under a field, or as a toast.
fn show_error(err: AppError, proof: Proof, errors: RwSignal<Option<AppError>>, toasts: Toasts) {
    match proof.explain(err) {
        err @ AppError::Validation { .. } => errors.set(Some(err)),
        err => {
            errors.set(None);
            toasts.show(ToastKind::Error, err.to_string());
        }
    }
}

#[component]
fn DeleteSection(name: String, slug: String) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div class="stack">
            <h3 class="subsection-title">"Delete workspace"</h3>
            <p class="muted">"Everyone loses access at once. You can restore it from Settings for 30 days; after that it is erased for good."</p>
            <div>
                <Button variant=ButtonVariant::Danger on_click=Callback::new(move |()| open.set(true))>
                    <Icon name="trash"/>"Delete workspace"
                </Button>
            </div>
            <Dialog open=open title="Delete workspace?">
                <DeleteConfirm name=name.clone() slug=slug.clone() open=open/>
            </Dialog>
        </div>
    }
}

#[component]
fn DeleteConfirm(name: String, slug: String, open: RwSignal<bool>) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let proof = Proof::new();
    let errors = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let shown_name = name.clone();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let confirm_name = typed.get_untracked().trim().to_owned();
        if confirm_name != name {
            errors.set(Some(AppError::field("confirm_name", format!("Type the workspace's name exactly as shown: {name}"))));
            return;
        }
        errors.set(None);
        busy.set(true);
        let (password, code) = proof.take();
        let form = DeleteWorkspaceForm { confirm_name, password, code };
        let (slug, name, navigate) = (slug.clone(), name.clone(), navigate.clone());
        spawn_local(async move {
            let result = delete_workspace(slug, form).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    open.set(false);
                    toasts.show(ToastKind::Success, format!("{name} was deleted. You can restore it from Settings for 30 days."));
                    navigate("/app", NavigateOptions::default());
                }
                Err(err) => show_error(err, proof, errors, toasts),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <p class="muted">"Type the workspace's name, "<strong class="break">{shown_name}</strong>", to confirm."</p>
            <TextField label="Workspace name" name="confirm_name" autocomplete="off" value=typed error=field_error(errors, "confirm_name")/>
            <ProofFields proof=proof prefix="delete" errors=errors/>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" variant=ButtonVariant::Danger loading=busy>"Delete workspace"</Button>
            </div>
        </form>
    }
}

#[component]
fn LeaveSection(name: String, slug: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let text = format!("You lose access to {name} until someone invites you again. What you made stays in the workspace.");
    let leave = Callback::new(move |()| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (slug, name, navigate) = (slug.clone(), name.clone(), navigate.clone());
        spawn_local(async move {
            let result = leave_workspace(slug).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    open.set(false);
                    toasts.show(ToastKind::Success, format!("You left {name}."));
                    navigate("/app", NavigateOptions::default());
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    view! {
        <div class="stack">
            <h3 class="subsection-title">"Leave workspace"</h3>
            <p class="muted">{text.clone()}</p>
            <div>
                <Button variant=ButtonVariant::Danger on_click=Callback::new(move |()| open.set(true))>"Leave workspace"</Button>
            </div>
            <Dialog open=open title="Leave this workspace?">
                <p class="muted">{text.clone()}</p>
                <div class="row dialog-actions">
                    <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                    <Button variant=ButtonVariant::Danger loading=busy on_click=leave>"Leave workspace"</Button>
                </div>
            </Dialog>
        </div>
    }
}

/// Workspaces the user deleted and can still restore; nothing at all when there are none.
#[component]
fn DeletedWorkspaces() -> impl IntoView {
    let deleted = Resource::new(|| (), |()| deleted_workspaces());
    let restoring = RwSignal::new(None::<Uuid>);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let restore = Callback::new(move |id: Uuid| {
        if restoring.get_untracked().is_some() {
            return;
        }
        restoring.set(Some(id));
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = restore_workspace(id).await;
            restoring.set(None);
            match result {
                Ok(w) => {
                    toasts.show(ToastKind::Success, format!("{} was restored.", w.name));
                    navigate(&workspace_href(&w.slug, ""), NavigateOptions::default());
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let list = loaded(deleted).await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <Panel id="deleted" title="Deleted workspaces">
                        <p class="muted">"Workspaces you deleted can be restored for 30 days."</p>
                        <ul class="list">
                            {list.into_iter().map(|w| deleted_row(w, restoring, restore)).collect_view()}
                        </ul>
                    </Panel>
                })
            })}
        </Transition>
    }
}

fn deleted_row(w: WorkspaceView, restoring: RwSignal<Option<Uuid>>, restore: Callback<Uuid>) -> impl IntoView {
    let id = w.id;
    view! {
        <li class="row-item">
            <div class="list-main">
                <span class="list-title">{w.name.clone()}</span>
                <span class="meta">
                    {w.deleted_at.map(|at| view! { "Deleted "<Time at=at date_only=true/> })}
                    {w.purge_after.map(|at| view! { " · erased after "<Time at=at date_only=true/> })}
                </span>
            </div>
            <Button variant=ButtonVariant::Secondary attr:aria-label=format!("Restore {}", w.name)
                loading=Signal::derive(move || restoring.get() == Some(id))
                on_click=Callback::new(move |()| restore.run(id))>
                "Restore"
            </Button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_limits_and_prices_read_well() {
        assert_eq!(resource_label("storage_gb"), "Storage gb");
        let plan = PlanView { code: "pro".into(), name: "Pro".into(), monthly_price_minor: 1900, currency: "USD".into(), limits: vec![] };
        assert_eq!(price(&plan).as_deref(), Some("19.00 USD a month"));
        assert_eq!(price(&PlanView { monthly_price_minor: 0, ..plan }), None);
    }
}
