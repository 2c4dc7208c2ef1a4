//! `/app/security`: two-factor authentication (set-up with a QR code, backup codes), signed-in
//! devices, personal API keys, and the account's security activity.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use uuid::Uuid;

use super::{StepUpDialog, StepUpPrompt, Timestamp, copy_text, download_text, note_mfa_change, provide_clock};
use crate::app::layout::CurrentUserResource;
use crate::modules::auth::server_fns::{
    create_api_key, list_api_keys, list_security_events, list_sessions, mfa_disable, mfa_enable, get_mfa_status, start_mfa_setup,
    regenerate_backup_codes, revoke_api_key, revoke_other_sessions, revoke_session,
};
use crate::modules::auth::types::{ApiKeyCreated, ApiKeyView, MfaSetup, NewApiKeyForm, SecurityEventView, SessionView, StepUp, device_name};
use crate::modules::catalog::MODULES;
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Spinner, Table, TextField, ToastKind, loaded, use_toasts};

/// Readable text for a security log entry's kind ("login_failed" → "Failed sign-in").
fn event_label(kind: &str) -> String {
    let known = match kind {
        "signup" => "Account created",
        "login_ok" => "Signed in",
        "login_failed" => "Failed sign-in",
        "lockout" => "Sign-in paused after failed attempts",
        "logout" => "Signed out",
        "password_changed" => "Password changed",
        "password_reset_requested" => "Password reset requested",
        "password_reset" => "Password reset",
        "email_verified" => "Email confirmed",
        "email_change_requested" => "Email change requested",
        "email_changed" => "Email changed",
        "mfa_enabled" => "Two-factor authentication turned on",
        "mfa_disabled" => "Two-factor authentication turned off",
        "backup_code_used" => "Backup code used",
        "backup_codes_regenerated" => "New backup codes created",
        "session_revoked" => "Device signed out",
        "sessions_revoked" => "Other devices signed out",
        "refresh_token_reuse" => "Stolen session blocked",
        "api_key_created" => "API key created",
        "api_key_revoked" => "API key revoked",
        "account_deleted" => "Account deleted",
        other => {
            let words = other.replace('_', " ");
            let mut chars = words.chars();
            return chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
        }
    };
    known.to_owned()
}

/// Entries worth a second look, shown in the danger colour.
fn is_warning(kind: &str) -> bool {
    matches!(kind, "login_failed" | "lockout" | "refresh_token_reuse")
}

/// A TOTP secret in groups of four, easier to type: "JBSW Y3DP EHPK 3PXP".
fn group_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
    chars.chunks(4).map(|chunk| chunk.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// Adds or removes a scope; write includes read, so checking write checks read and unchecking
/// read unchecks write.
fn toggle_scope(scopes: &mut Vec<String>, scope: &str, on: bool) {
    let (module, access) = scope.split_once(':').unwrap_or((scope, ""));
    let (read, write) = (format!("{module}:read"), format!("{module}:write"));
    if on {
        scopes.push(scope.to_owned());
        if access == "write" {
            scopes.push(read);
        }
    } else {
        scopes.retain(|s| s != scope && !(access == "read" && *s == write));
    }
    scopes.sort();
    scopes.dedup();
}

fn loading_view() -> impl IntoView {
    view! { <div class="card-loading"><Spinner/></div> }
}

fn error_view(err: &AppError) -> impl IntoView {
    view! { <p class="field-error" role="alert">{err.to_string()}</p> }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    provide_clock();
    let prompt = StepUpPrompt::new();
    // Bumped after every change, so the activity list shows it.
    let changed = RwSignal::new(0u32);
    view! {
        <Title text="Security"/>
        <div class="page-head">
            <h1 class="page-title">"Security"</h1>
            <p class="muted">"Two-factor authentication, the devices you are signed in on, API keys and recent activity. Your password and email are under "
                <a href="/app/account">"Account"</a>"."</p>
        </div>
        <div class="settings">
            <TwoFactorCard prompt=prompt changed=changed/>
            <SessionsCard changed=changed/>
            <ApiKeysCard changed=changed/>
            <ActivityCard changed=changed/>
        </div>
        <StepUpDialog prompt=prompt/>
    }
}

#[component]
fn TwoFactorCard(prompt: StepUpPrompt, changed: RwSignal<u32>) -> impl IntoView {
    let status = Resource::new(|| (), |()| get_mfa_status());
    let setup = RwSignal::new(None::<MfaSetup>);
    let codes = RwSignal::new(None::<Vec<String>>);
    let starting = RwSignal::new(false);
    let regenerating = RwSignal::new(false);
    let disabling = RwSignal::new(false);
    let confirm_off = RwSignal::new(false);
    let toasts = use_toasts();
    let user = use_context::<CurrentUserResource>();
    let bump = move || changed.update(|n| *n += 1);

    let start = Callback::new(move |proof: StepUp| {
        starting.set(true);
        spawn_local(async move {
            let result = start_mfa_setup(proof).await;
            starting.set(false);
            match result {
                Ok(new_setup) => {
                    prompt.finish();
                    setup.set(Some(new_setup));
                }
                Err(err) => {
                    if let Some(err) = prompt.handle(err) {
                        toasts.show(ToastKind::Error, err.to_string());
                        status.refetch();
                    }
                }
            }
        });
    });
    let regenerate = Callback::new(move |proof: StepUp| {
        regenerating.set(true);
        spawn_local(async move {
            let result = regenerate_backup_codes(proof).await;
            regenerating.set(false);
            match result {
                Ok(fresh) => {
                    prompt.finish();
                    codes.set(Some(fresh.backup_codes));
                    toasts.show(ToastKind::Success, "New backup codes created. The old ones no longer work.");
                    status.refetch();
                    bump();
                }
                Err(err) => {
                    if let Some(err) = prompt.handle(err) {
                        toasts.show(ToastKind::Error, err.to_string());
                    }
                }
            }
        });
    });
    let disable = Callback::new(move |proof: StepUp| {
        disabling.set(true);
        spawn_local(async move {
            let result = mfa_disable(proof).await;
            disabling.set(false);
            match result {
                Ok(()) => {
                    prompt.finish();
                    toasts.show(ToastKind::Success, "Two-factor authentication is off.");
                    note_mfa_change(user, false);
                    status.refetch();
                    bump();
                }
                Err(err) => {
                    if let Some(err) = prompt.handle(err) {
                        toasts.show(ToastKind::Error, err.to_string());
                        status.refetch();
                    }
                }
            }
        });
    });
    let turn_on = Callback::new(move |()| {
        prompt.arm(start);
        start.run(StepUp::default());
    });
    let regenerate_now = Callback::new(move |()| {
        prompt.arm(regenerate);
        regenerate.run(StepUp::default());
    });
    let turn_off = Callback::new(move |()| {
        confirm_off.set(false);
        prompt.arm(disable);
        disable.run(StepUp::default());
    });
    let enabled = Callback::new(move |backup_codes: Vec<String>| {
        setup.set(None);
        codes.set(Some(backup_codes));
        toasts.show(ToastKind::Success, "Two-factor authentication is on.");
        note_mfa_change(user, true);
        status.refetch();
        bump();
    });

    let status_view = move || {
        view! {
            <Transition fallback=loading_view>
                {move || Suspend::new(async move {
                    match loaded(status).await {
                        Err(err) => error_view(&err).into_any(),
                        Ok(s) if s.enabled => {
                            let left = s.backup_codes_remaining;
                            let low = left <= 3;
                            view! {
                                <p class="row">
                                    <span class="badge badge-success">"On"</span>
                                    <span>"Signing in asks for a code from your authenticator app."</span>
                                </p>
                                <p class=if low { "callout callout-warning" } else { "muted" }>
                                    {format!("{left} backup code{} left.", if left == 1 { "" } else { "s" })}
                                    {low.then_some(" Create new ones so you are not locked out if you lose your phone.")}
                                </p>
                                <div class="row">
                                    <Button variant=ButtonVariant::Secondary loading=regenerating on_click=regenerate_now>
                                        "Regenerate backup codes"
                                    </Button>
                                    <Button variant=ButtonVariant::Danger loading=disabling
                                        on_click=Callback::new(move |()| confirm_off.set(true))>
                                        "Turn off two-factor authentication"
                                    </Button>
                                </div>
                            }
                            .into_any()
                        }
                        Ok(_) => view! {
                            <p class="row"><span class="badge badge-muted">"Off"</span></p>
                            <p class="muted">"Add a second step to signing in: a 6-digit code from an authenticator app on your phone. Someone who learns your password still cannot get in."</p>
                            <div>
                                <Button loading=starting on_click=turn_on>"Turn on two-factor authentication"</Button>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        }
    };

    view! {
        <section class="card stack" aria-labelledby="mfa-title">
            <h2 id="mfa-title" class="card-title">"Two-factor authentication"</h2>
            {move || {
                if let Some(list) = codes.get() {
                    view! { <BackupCodesPanel codes=list on_done=Callback::new(move |()| codes.set(None))/> }.into_any()
                } else if let Some(current) = setup.get() {
                    view! { <SetupPanel setup=current on_enabled=enabled on_cancel=Callback::new(move |()| setup.set(None))/> }.into_any()
                } else {
                    status_view().into_any()
                }
            }}
            <Dialog open=confirm_off title="Turn off two-factor authentication?">
                <p class="muted">"Signing in will need only your password, and your backup codes stop working."</p>
                <div class="row dialog-actions">
                    <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm_off.set(false))>"Cancel"</Button>
                    <Button variant=ButtonVariant::Danger on_click=turn_off>"Turn off"</Button>
                </div>
            </Dialog>
        </section>
    }
}

/// Scan the QR code (or type the key), then prove it works with a first code.
#[component]
fn SetupPanel(setup: MfaSetup, on_enabled: Callback<Vec<String>>, on_cancel: Callback<()>) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let enabling = RwSignal::new(false);
    let toasts = use_toasts();
    let secret = setup.secret.clone();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if enabling.get_untracked() {
            return;
        }
        let typed: String = code.get_untracked().chars().filter(|c| !c.is_whitespace()).collect();
        if typed.is_empty() {
            error.set(Some("Enter the 6-digit code your app shows.".into()));
            return;
        }
        error.set(None);
        enabling.set(true);
        spawn_local(async move {
            let result = mfa_enable(typed).await;
            enabling.set(false);
            match result {
                Ok(fresh) => on_enabled.run(fresh.backup_codes),
                Err(err @ AppError::Validation { .. }) => {
                    error.set(Some(err.field_message("code").map_or_else(|| err.to_string(), str::to_owned)));
                }
                Err(err @ AppError::Conflict { .. }) => {
                    toasts.show(ToastKind::Error, err.to_string());
                    on_cancel.run(());
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <div class="stack">
            <p>"1. Scan this QR code with an authenticator app, such as Google Authenticator, Microsoft Authenticator, 1Password or Authy."</p>
            <div class="qr" role="img" aria-label="QR code for adding Mewayz to your authenticator app" inner_html=setup.qr_svg></div>
            <div class="stack-sm">
                <p class="muted">"Can't scan it? Enter this setup key in the app instead:"</p>
                <div class="row">
                    <code class="secret">{group_secret(&setup.secret)}</code>
                    <Button variant=ButtonVariant::Secondary
                        on_click=Callback::new(move |()| copy_text(toasts, secret.clone(), "Setup key"))>
                        "Copy setup key"
                    </Button>
                </div>
                <p class="muted">"On this phone? "<a href=setup.otpauth_url>"Open it in your authenticator app"</a>"."</p>
            </div>
            <form class="stack" novalidate on:submit=submit>
                <p>"2. Enter the 6-digit code the app shows for Mewayz."</p>
                <TextField label="Authentication code" name="mfa_enable_code" autocomplete="one-time-code" placeholder="123456"
                    value=code error=Signal::derive(move || error.get())/>
                <div class="row">
                    <Button button_type="submit" loading=enabling>"Verify and turn on"</Button>
                    <Button variant=ButtonVariant::Ghost on_click=on_cancel>"Cancel"</Button>
                </div>
            </form>
        </div>
    }
}

/// The ten single-use codes, shown once, with ways to keep them.
#[component]
fn BackupCodesPanel(codes: Vec<String>, on_done: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let plain = codes.join("\n");
    let file = format!("Mewayz backup codes\nEach code works once, when you cannot use your authenticator app.\n\n{plain}\n");
    view! {
        <div class="stack">
            <div class="callout callout-warning" role="alert">
                <strong>"Save these backup codes now."</strong>
                " Each works once to sign in if you lose your phone. They will not be shown again."
            </div>
            <ol class="code-list" aria-label="Backup codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ol>
            <div class="row">
                <Button variant=ButtonVariant::Secondary
                    on_click=Callback::new(move |()| copy_text(toasts, plain.clone(), "Backup codes"))>
                    "Copy codes"
                </Button>
                <Button variant=ButtonVariant::Secondary
                    on_click=Callback::new(move |()| download_text(toasts, "mewayz-backup-codes.txt", file.clone()))>
                    "Download .txt"
                </Button>
                <Button on_click=on_done>"I saved them"</Button>
            </div>
        </div>
    }
}

#[component]
fn SessionsCard(changed: RwSignal<u32>) -> impl IntoView {
    let sessions = Resource::new(|| (), |()| list_sessions());
    let revoking = RwSignal::new(None::<Uuid>);
    let revoking_all = RwSignal::new(false);
    let toasts = use_toasts();
    let revoke = Callback::new(move |id: Uuid| {
        if revoking.get_untracked().is_some() {
            return;
        }
        revoking.set(Some(id));
        spawn_local(async move {
            let result = revoke_session(id).await;
            revoking.set(None);
            match result {
                Ok(()) => toasts.show(ToastKind::Success, "That device was signed out."),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
            sessions.refetch();
            changed.update(|n| *n += 1);
        });
    });
    let revoke_all = Callback::new(move |()| {
        revoking_all.set(true);
        spawn_local(async move {
            let result = revoke_other_sessions().await;
            revoking_all.set(false);
            match result {
                Ok(0) => toasts.show(ToastKind::Info, "No other devices were signed in."),
                Ok(n) => toasts.show(ToastKind::Success, format!("Signed out {n} other device{}.", if n == 1 { "" } else { "s" })),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
            sessions.refetch();
            changed.update(|n| *n += 1);
        });
    });
    view! {
        <section class="card stack" aria-labelledby="sessions-title">
            <h2 id="sessions-title" class="card-title">"Sessions and devices"</h2>
            <Transition fallback=loading_view>
                {move || Suspend::new(async move {
                    match loaded(sessions).await {
                        Err(err) => error_view(&err).into_any(),
                        Ok(page) => {
                            let others = page.items.iter().filter(|s| !s.current).count();
                            view! {
                                <ul class="list" aria-label="Signed-in devices">
                                    {page.items.into_iter().map(|s| session_row(s, revoking, revoke)).collect_view()}
                                </ul>
                                {if others > 0 {
                                    view! {
                                        <div>
                                            <Button variant=ButtonVariant::Secondary loading=revoking_all on_click=revoke_all>
                                                "Sign out all other devices"
                                            </Button>
                                        </div>
                                    }
                                    .into_any()
                                } else {
                                    view! { <p class="muted">"You are signed in on this device only."</p> }.into_any()
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

fn session_row(session: SessionView, revoking: RwSignal<Option<Uuid>>, revoke: Callback<Uuid>) -> impl IntoView {
    let id = session.id;
    let label = format!("Sign out {}", session.device);
    view! {
        <li class="row-item">
            <div class="list-main">
                <span class="list-title">
                    {session.device}
                    {session.current.then(|| view! { <span class="badge badge-success">"This device"</span> })}
                </span>
                <span class="meta">
                    {session.ip.unwrap_or_else(|| "Unknown IP address".into())}
                    " · Last active "<Timestamp at=session.last_seen_at/>
                </span>
                <span class="meta">"Signed in "<Timestamp at=session.created_at/></span>
            </div>
            {(!session.current).then(|| view! {
                <Button variant=ButtonVariant::Ghost attr:aria-label=label
                    loading=Signal::derive(move || revoking.get() == Some(id))
                    on_click=Callback::new(move |()| revoke.run(id))>
                    "Sign out"
                </Button>
            })}
        </li>
    }
}

#[component]
fn ApiKeysCard(changed: RwSignal<u32>) -> impl IntoView {
    let keys = Resource::new(|| (), |()| list_api_keys());
    let dialog_open = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(Vec::<String>::new());
    let errors = RwSignal::new(None::<AppError>);
    let creating = RwSignal::new(false);
    let created = RwSignal::new(None::<ApiKeyCreated>);
    let confirm_revoke = RwSignal::new(false);
    let to_revoke = RwSignal::new(None::<(Uuid, String)>);
    let revoking = RwSignal::new(false);
    let toasts = use_toasts();

    let open_new = Callback::new(move |()| {
        name.set(String::new());
        scopes.set(Vec::new());
        errors.set(None);
        created.set(None);
        dialog_open.set(true);
    });
    let create = move |ev: SubmitEvent| {
        ev.prevent_default();
        if creating.get_untracked() {
            return;
        }
        let form = NewApiKeyForm { name: name.get_untracked().trim().to_owned(), scopes: scopes.get_untracked() };
        let mut found = Vec::new();
        if form.name.is_empty() {
            found.push(crate::shared::error::FieldError { field: "name".into(), message: "Name the key after what will use it.".into() });
        }
        if form.scopes.is_empty() {
            found.push(crate::shared::error::FieldError { field: "scopes".into(), message: "Choose at least one scope.".into() });
        }
        if !found.is_empty() {
            errors.set(Some(AppError::Validation { errors: found }));
            return;
        }
        errors.set(None);
        creating.set(true);
        spawn_local(async move {
            let result = create_api_key(form).await;
            creating.set(false);
            match result {
                Ok(new_key) => {
                    created.set(Some(new_key));
                    keys.refetch();
                    changed.update(|n| *n += 1);
                }
                Err(err @ AppError::Validation { .. }) => errors.set(Some(err)),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    let revoke = Callback::new(move |()| {
        let Some((id, _)) = to_revoke.get_untracked() else { return };
        revoking.set(true);
        spawn_local(async move {
            let result = revoke_api_key(id).await;
            revoking.set(false);
            confirm_revoke.set(false);
            match result {
                Ok(()) => toasts.show(ToastKind::Success, "The key was revoked."),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
            keys.refetch();
            changed.update(|n| *n += 1);
        });
    });
    let ask_revoke = Callback::new(move |target: (Uuid, String)| {
        to_revoke.set(Some(target));
        confirm_revoke.set(true);
    });
    let name_error = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| e.field_message("name")).map(str::to_owned)));
    let scopes_error = move || errors.with(|e| e.as_ref().and_then(|e| e.field_message("scopes")).map(str::to_owned));

    view! {
        <section class="card stack" aria-labelledby="api-keys-title">
            <div class="card-head">
                <h2 id="api-keys-title" class="card-title">"API keys"</h2>
                <Button variant=ButtonVariant::Secondary on_click=open_new>"New key"</Button>
            </div>
            <p class="muted">"Keys let your own scripts and other apps use the Mewayz API as you, limited to the scopes you choose. Send one as "<code>"Authorization: Bearer …"</code>"."</p>
            <Transition fallback=loading_view>
                {move || Suspend::new(async move {
                    match loaded(keys).await {
                        Err(err) => error_view(&err).into_any(),
                        Ok(page) if page.items.is_empty() => view! {
                            <EmptyState icon="bolt" title="No API keys yet" text="Create a key to connect a script or another app."/>
                        }
                        .into_any(),
                        Ok(page) => view! {
                            <Table caption="API keys" headers=vec!["Name", "Key", "Scopes", "Last used", "Created", "Status"]>
                                {page.items.into_iter().map(|k| key_row(k, ask_revoke)).collect_view()}
                            </Table>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            <Dialog open=dialog_open title="New API key">
                {move || match created.get() {
                    Some(new_key) => {
                        let token = new_key.token.clone();
                        view! {
                            <div class="stack">
                                <div class="callout callout-warning" role="alert">
                                    <strong>"Copy this key now."</strong>
                                    " For your security it is shown only once. Anyone with it can act as you within its scopes."
                                </div>
                                <code class="token">{new_key.token}</code>
                                <div class="row dialog-actions">
                                    <Button variant=ButtonVariant::Secondary
                                        on_click=Callback::new(move |()| copy_text(toasts, token.clone(), "API key"))>
                                        "Copy key"
                                    </Button>
                                    <Button on_click=Callback::new(move |()| {
                                        dialog_open.set(false);
                                        created.set(None);
                                    })>"Done"</Button>
                                </div>
                            </div>
                        }
                        .into_any()
                    }
                    None => view! {
                        <form class="stack" novalidate on:submit=create>
                            <TextField label="Key name" name="api_key_name" placeholder="Zapier, my backup script…"
                                hint="Name it after what will use it." value=name error=name_error/>
                            <fieldset class="scope-fieldset" aria-describedby="api-key-scopes-desc">
                                <legend class="field-label">"Scopes"</legend>
                                <div class="scope-grid">
                                    {MODULES
                                        .iter()
                                        .filter(|m| m.slug != "admin")
                                        .map(|m| view! {
                                            <div class="scope-row">
                                                <span class="scope-name" aria-hidden="true">{m.name}</span>
                                                <ScopeCheck module=m.name scope=format!("{}:read", m.slug) label="Read" scopes=scopes/>
                                                <ScopeCheck module=m.name scope=format!("{}:write", m.slug) label="Write" scopes=scopes/>
                                            </div>
                                        })
                                        .collect_view()}
                                </div>
                                <p id="api-key-scopes-desc" class=move || if scopes_error().is_some() { "field-error" } else { "field-hint" }>
                                    {move || scopes_error().unwrap_or_else(|| "Write includes read.".into())}
                                </p>
                            </fieldset>
                            <div class="row dialog-actions">
                                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| dialog_open.set(false))>"Cancel"</Button>
                                <Button button_type="submit" loading=creating>"Create key"</Button>
                            </div>
                        </form>
                    }
                    .into_any(),
                }}
            </Dialog>
            <Dialog open=confirm_revoke title="Revoke this API key?">
                <p class="muted">
                    {move || to_revoke.get().map(|(_, name)| format!("Anything using “{name}” stops working at once. This cannot be undone."))}
                </p>
                <div class="row dialog-actions">
                    <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm_revoke.set(false))>"Cancel"</Button>
                    <Button variant=ButtonVariant::Danger loading=revoking on_click=revoke>"Revoke key"</Button>
                </div>
            </Dialog>
        </section>
    }
}

/// One scope checkbox; its accessible name says the module ("Contacts Read").
#[component]
fn ScopeCheck(module: &'static str, scope: String, label: &'static str, scopes: RwSignal<Vec<String>>) -> impl IntoView {
    let checked = {
        let scope = scope.clone();
        move || scopes.with(|s| s.contains(&scope))
    };
    view! {
        <label class="check">
            <input
                type="checkbox"
                value=scope.clone()
                prop:checked=checked
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    scopes.update(|s| toggle_scope(s, &scope, on));
                }
            />
            <span><span class="sr-only">{module}" "</span>{label}</span>
        </label>
    }
}

fn key_row(key: ApiKeyView, ask_revoke: Callback<(Uuid, String)>) -> impl IntoView {
    let (id, name) = (key.id, key.name.clone());
    let revoke_label = format!("Revoke {}", key.name);
    view! {
        <tr>
            <td>{key.name}</td>
            <td><code>{format!("{}…", key.prefix)}</code></td>
            <td class="scopes">{key.scopes.join(", ")}</td>
            <td>{match key.last_used_at {
                Some(at) => view! { <Timestamp at=at/> }.into_any(),
                None => view! { <span class="muted">"Never"</span> }.into_any(),
            }}</td>
            <td><Timestamp at=key.created_at/></td>
            <td>{match key.revoked_at {
                Some(at) => view! { <span class="badge badge-muted" title=at>"Revoked"</span> }.into_any(),
                None => view! {
                    <span class="row">
                        <span class="badge badge-success">"Active"</span>
                        <Button variant=ButtonVariant::Ghost attr:aria-label=revoke_label
                            on_click=Callback::new(move |()| ask_revoke.run((id, name.clone())))>
                            "Revoke"
                        </Button>
                    </span>
                }
                .into_any(),
            }}</td>
        </tr>
    }
}

#[component]
fn ActivityCard(changed: RwSignal<u32>) -> impl IntoView {
    let first = Resource::new(move || changed.get(), |_| list_security_events(None));
    // Pages after the first: their entries, and the cursor after them once one has loaded.
    let more = RwSignal::new(Vec::<SecurityEventView>::new());
    let next = RwSignal::new(None::<Option<String>>);
    let loading_more = RwSignal::new(false);
    let toasts = use_toasts();
    // A refreshed first page starts the list over.
    Effect::new(move |_| {
        changed.track();
        more.set(Vec::new());
        next.set(None);
    });
    let load_more = Callback::new(move |cursor: String| {
        if loading_more.get_untracked() {
            return;
        }
        loading_more.set(true);
        spawn_local(async move {
            let result = list_security_events(Some(cursor)).await;
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
        <section class="card stack" aria-labelledby="activity-title">
            <h2 id="activity-title" class="card-title">"Security activity"</h2>
            <Transition fallback=loading_view>
                {move || Suspend::new(async move {
                    match loaded(first).await {
                        Err(err) => error_view(&err).into_any(),
                        Ok(page) if page.items.is_empty() => view! {
                            <EmptyState icon="shield" title="No activity yet" text="Sign-ins, password changes and other security events appear here."/>
                        }
                        .into_any(),
                        Ok(page) => {
                            let first_cursor = page.next_cursor;
                            let total = page.total;
                            view! {
                                <ul class="list" aria-label="Security activity">
                                    {page.items.into_iter().map(event_row).collect_view()}
                                    {move || more.get().into_iter().map(event_row).collect_view()}
                                </ul>
                                {move || {
                                    let cursor = next.get().unwrap_or_else(|| first_cursor.clone())?;
                                    Some(view! {
                                        <div class="row">
                                            <Button variant=ButtonVariant::Secondary loading=loading_more
                                                on_click=Callback::new(move |()| load_more.run(cursor.clone()))>
                                                "Load more"
                                            </Button>
                                            <span class="meta">{format!("{total} events in all")}</span>
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

fn event_row(event: SecurityEventView) -> impl IntoView {
    let device = device_name(event.user_agent.as_deref());
    let place = event.ip.unwrap_or_else(|| "Unknown IP address".into());
    view! {
        <li class="row-item">
            <div class="list-main">
                <span class=if is_warning(&event.kind) { "list-title list-title-warn" } else { "list-title" }>
                    {event_label(&event.kind)}
                </span>
                <span class="meta"><Timestamp at=event.created_at/>" · "{device}" · "{place}</span>
                {event.detail.map(|d| view! { <span class="meta break">{d}</span> })}
            </div>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_read_as_sentences() {
        assert_eq!(event_label("login_failed"), "Failed sign-in");
        assert_eq!(event_label("mfa_enabled"), "Two-factor authentication turned on");
        assert_eq!(event_label("avatar_changed"), "Avatar changed");
        assert_eq!(event_label(""), "");
    }

    #[test]
    fn secrets_are_shown_in_groups_of_four() {
        assert_eq!(group_secret("JBSWY3DPEHPK3PXPAB"), "JBSW Y3DP EHPK 3PXP AB");
        assert_eq!(group_secret(""), "");
    }

    #[test]
    fn write_scopes_bring_read_and_dropping_read_drops_write() {
        let mut scopes = Vec::new();
        toggle_scope(&mut scopes, "crm:write", true);
        assert_eq!(scopes, ["crm:read", "crm:write"]);
        toggle_scope(&mut scopes, "store:read", true);
        toggle_scope(&mut scopes, "crm:read", false);
        assert_eq!(scopes, ["store:read"]);
        toggle_scope(&mut scopes, "store:read", false);
        assert!(scopes.is_empty());
    }
}
