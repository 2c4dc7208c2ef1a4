//! `/app/account`: profile (name, time zone, language), photo, sign-in email, password, and
//! deleting the account. Every form keeps what was typed when the server refuses it and shows
//! the server's message under the field it is about.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, hooks::use_navigate};

use super::{StepUpDialog, StepUpPrompt, initials, publish_user};
use crate::app::auth_pages::StrengthMeter;
use crate::app::layout::CurrentUserResource;
use crate::modules::auth::server_fns::{change_password, delete_account, remove_avatar, resend_verification, update_profile};
use crate::modules::auth::types::{
    ChangePasswordForm, DeleteAccountForm, Email, LANGUAGES, Password, PersonName, ProfileForm, StepUp, UserView,
};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Card, Dialog, EmptyState, Spinner, TextField, ToastKind, Toasts, loaded, use_toasts};

/// Common IANA zones offered in the time-zone list (the user's own is added when missing; the
/// server accepts any zone chrono-tz knows).
const TIME_ZONES: &[&str] = &[
    "UTC",
    "Africa/Cairo",
    "Africa/Casablanca",
    "Africa/Johannesburg",
    "Africa/Lagos",
    "Africa/Nairobi",
    "America/Anchorage",
    "America/Argentina/Buenos_Aires",
    "America/Bogota",
    "America/Chicago",
    "America/Denver",
    "America/Halifax",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/New_York",
    "America/Phoenix",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Toronto",
    "Asia/Bangkok",
    "Asia/Dhaka",
    "Asia/Dubai",
    "Asia/Hong_Kong",
    "Asia/Jakarta",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Manila",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Sydney",
    "Europe/Amsterdam",
    "Europe/Athens",
    "Europe/Berlin",
    "Europe/Dublin",
    "Europe/Istanbul",
    "Europe/Kyiv",
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Moscow",
    "Europe/Paris",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Zurich",
    "Pacific/Auckland",
    "Pacific/Honolulu",
];

/// The zone list as (value, label) pairs, the user's current zone included.
fn time_zone_options(current: &str) -> Vec<(String, String)> {
    let mut zones: Vec<&str> = TIME_ZONES.to_vec();
    if !current.is_empty() && !zones.contains(&current) {
        zones.push(current);
        zones.sort_unstable_by_key(|z| (*z != "UTC", *z));
    }
    zones.into_iter().map(|z| (z.to_owned(), z.replace('_', " "))).collect()
}

/// One field's message from a server error, as a signal for `TextField`.
pub(crate) fn field_error(errors: RwSignal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| e.field_message(field)).map(str::to_owned)))
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let user = use_context::<CurrentUserResource>();
    view! {
        <Title text="Account"/>
        <div class="page-head">
            <h1 class="page-title">"Account"</h1>
            <p class="muted">"Your profile, sign-in email and password. Two-factor authentication, devices and API keys are under "
                <a href="/app/security">"Security"</a>"."</p>
        </div>
        <Transition fallback=|| view! { <div class="card-loading"><Spinner/></div> }>
            {move || Suspend::new(async move {
                let Some(user) = user else {
                    return view! { <EmptyState icon="user" title="We could not load your account" text="Reload the page to try again."/> }.into_any();
                };
                match loaded(user).await {
                    Ok(Some(me)) => view! { <AccountSettings me=me resource=user/> }.into_any(),
                    Ok(None) => view! { <EmptyState icon="user" title="You are signed out" text="Sign in to see your account."/> }.into_any(),
                    Err(err) => view! { <EmptyState icon="user" title="We could not load your account" text=err.to_string()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccountSettings(me: UserView, resource: CurrentUserResource) -> impl IntoView {
    let mfa = me.mfa_enabled;
    view! {
        <div class="settings">
            <ProfileCard me=me.clone() resource=resource/>
            <AvatarCard me=me.clone() resource=resource/>
            <EmailCard me=me resource=resource/>
            <PasswordCard mfa=mfa/>
            <DangerZone mfa=mfa/>
        </div>
    }
}

#[component]
fn ProfileCard(me: UserView, resource: CurrentUserResource) -> impl IntoView {
    let zones = time_zone_options(&me.time_zone);
    let languages: Vec<(String, String)> = LANGUAGES.iter().map(|(code, label)| ((*code).to_owned(), (*label).to_owned())).collect();
    let name = RwSignal::new(me.name);
    let time_zone = RwSignal::new(me.time_zone);
    let language = RwSignal::new(me.language);
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let toasts = use_toasts();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        if let Err(message) = PersonName::parse(&name.get_untracked()) {
            errors.set(Some(AppError::field("name", message)));
            return;
        }
        errors.set(None);
        saving.set(true);
        let form = ProfileForm {
            name: Some(name.get_untracked()),
            time_zone: Some(time_zone.get_untracked()),
            language: Some(language.get_untracked()),
            ..Default::default()
        };
        spawn_local(async move {
            let result = update_profile(form).await;
            saving.set(false);
            match result {
                Ok(user) => {
                    toasts.show(ToastKind::Success, "Profile saved.");
                    publish_user(resource, user);
                }
                Err(err @ AppError::Validation { .. }) => errors.set(Some(err)),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <Card title="Profile">
            <form class="stack" novalidate on:submit=submit>
                <TextField label="Name" name="name" autocomplete="name" value=name error=field_error(errors, "name")/>
                <SelectField label="Time zone" name="time_zone" value=time_zone options=zones
                    hint="Dates and reminders use this zone." error=field_error(errors, "time_zone")/>
                <SelectField label="Language" name="language" value=language options=languages
                    error=field_error(errors, "language")/>
                <div><Button button_type="submit" loading=saving>"Save profile"</Button></div>
            </form>
        </Card>
    }
}

/// A labelled `<select>` styled like `TextField`, with hint and error text.
#[component]
fn SelectField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    options: Vec<(String, String)>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let described = format!("{id}-desc");
    let has_error = move || error.get().is_some();
    view! {
        <div class="field">
            <label class="field-label" for=id.clone()>{label}</label>
            <select
                id=id
                name=name
                class="field-input field-select"
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=described.clone()
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(option, text)| {
                        let selected = {
                            let option = option.clone();
                            move || value.with(|v| *v == option)
                        };
                        view! { <option value=option selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
            <p id=described class=move || if has_error() { "field-error" } else { "field-hint" }>
                {move || error.get().or_else(|| hint.map(str::to_owned)).unwrap_or_default()}
            </p>
        </div>
    }
}

#[component]
fn AvatarCard(me: UserView, resource: CurrentUserResource) -> impl IntoView {
    let uploading = RwSignal::new(false);
    let removing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let toasts = use_toasts();
    let has_photo = me.avatar_url.is_some();
    let picture = match me.avatar_url {
        Some(url) => view! { <img class="avatar-lg" src=url alt="Your photo" width="80" height="80"/> }.into_any(),
        None => view! { <span class="avatar-lg avatar-initials" aria-hidden="true">{initials(&me.name)}</span> }.into_any(),
    };
    let remove = Callback::new(move |()| {
        if removing.get_untracked() {
            return;
        }
        removing.set(true);
        error.set(None);
        spawn_local(async move {
            let result = remove_avatar().await;
            removing.set(false);
            match result {
                Ok(user) => {
                    toasts.show(ToastKind::Success, "Photo removed.");
                    publish_user(resource, user);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    });
    view! {
        <Card title="Photo">
            <div class="avatar-row">
                {picture}
                <div class="stack-sm">
                    <div class="row">
                        <input
                            id="avatar-file"
                            class="sr-only file-input"
                            type="file"
                            accept="image/png,image/jpeg,image/webp"
                            aria-describedby="avatar-hint"
                            disabled=move || uploading.get()
                            on:change=move |ev| upload_chosen(ev, uploading, error, resource, toasts)
                        />
                        <label for="avatar-file" class="btn btn-secondary">
                            {if has_photo { "Change photo" } else { "Upload photo" }}
                        </label>
                        {has_photo.then(|| view! {
                            <Button variant=ButtonVariant::Ghost loading=removing on_click=remove>"Remove photo"</Button>
                        })}
                    </div>
                    <p id="avatar-hint" class="field-hint">"PNG, JPEG or WebP, up to 2 MB. We crop it to a square."</p>
                    <Show when=move || uploading.get()>
                        <p class="row" role="status"><Spinner small=true/>"Uploading your photo…"</p>
                    </Show>
                    {move || error.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
                </div>
            </div>
        </Card>
    }
}

/// Checks the chosen file, then sends it with `fetch` (`PUT /api/v1/auth/me/avatar`).
#[cfg(feature = "hydrate")]
fn upload_chosen(
    ev: leptos::ev::Event,
    uploading: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    resource: CurrentUserResource,
    toasts: Toasts,
) {
    let input: web_sys::HtmlInputElement = event_target(&ev);
    let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
    // Cleared so that choosing the same file again fires `change` again.
    input.set_value("");
    if let Err(message) = super::check_avatar(file.size(), &file.type_()) {
        error.set(Some(message));
        return;
    }
    error.set(None);
    uploading.set(true);
    spawn_local(async move {
        let result = super::browser::put_avatar(&file).await;
        uploading.set(false);
        match result {
            Ok(user) => {
                toasts.show(ToastKind::Success, "Photo updated.");
                publish_user(resource, user);
            }
            Err(message) => error.set(Some(message)),
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn upload_chosen(_: leptos::ev::Event, _: RwSignal<bool>, _: RwSignal<Option<String>>, _: CurrentUserResource, _: Toasts) {}

#[component]
fn EmailCard(me: UserView, resource: CurrentUserResource) -> impl IntoView {
    let new_email = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<String>);
    let changing = RwSignal::new(false);
    let resending = RwSignal::new(false);
    let toasts = use_toasts();
    let prompt = StepUpPrompt::new();
    let current = me.email.clone();
    // Runs with no proof first (a freshly verified session needs none), then again from the
    // step-up dialog with the password and code.
    let change = Callback::new(move |proof: StepUp| {
        changing.set(true);
        let form = ProfileForm {
            email: Some(new_email.get_untracked().trim().to_owned()),
            password: proof.password,
            code: proof.code,
            ..Default::default()
        };
        spawn_local(async move {
            let result = update_profile(form).await;
            changing.set(false);
            match result {
                Ok(user) => {
                    prompt.finish();
                    new_email.set(String::new());
                    let to = user.pending_email.clone().unwrap_or_else(|| user.email.clone());
                    toasts.show(ToastKind::Success, format!("We sent a confirmation link to {to}. The change takes effect when you follow it."));
                    publish_user(resource, user);
                }
                Err(err) => match prompt.handle(err) {
                    None => {}
                    Some(err @ AppError::Validation { .. }) => {
                        email_error.set(Some(err.field_message("email").map_or_else(|| err.to_string(), str::to_owned)));
                    }
                    Some(err) => toasts.show(ToastKind::Error, err.to_string()),
                },
            }
        });
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if changing.get_untracked() {
            return;
        }
        let typed = new_email.get_untracked();
        let problem = match Email::parse(&typed) {
            Err(message) => Some(message),
            Ok(email) if email.as_str() == current => Some("This is already your email address.".to_owned()),
            Ok(_) => None,
        };
        email_error.set(problem.clone());
        if problem.is_none() {
            prompt.arm(change);
            change.run(StepUp::default());
        }
    };
    let resend = Callback::new(move |()| {
        resending.set(true);
        spawn_local(async move {
            let result = resend_verification().await;
            resending.set(false);
            match result {
                Ok(()) => toasts.show(ToastKind::Success, "We sent a new confirmation link. It works for 24 hours."),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    view! {
        <Card title="Email">
            <div class="stack">
                <p class="row">
                    <strong class="break">{me.email}</strong>
                    {if me.email_verified {
                        view! { <span class="badge badge-success">"Verified"</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-warning">"Not verified"</span> }.into_any()
                    }}
                </p>
                {(!me.email_verified).then(|| view! {
                    <div class="row">
                        <span class="muted">"Confirm your address so you can reset your password and get receipts."</span>
                        <Button variant=ButtonVariant::Secondary loading=resending on_click=resend>"Resend confirmation link"</Button>
                    </div>
                })}
                {me.pending_email.map(|pending| view! {
                    <p class="callout" role="status">
                        "Waiting for confirmation: "<strong class="break">{pending}</strong>
                        ". Follow the link we sent to that address to finish the change."
                    </p>
                })}
                <form class="stack" novalidate on:submit=submit>
                    <TextField label="New email address" name="new_email" input_type="email" autocomplete="email"
                        hint="We send a link to the new address; your email changes when you follow it."
                        value=new_email error=Signal::derive(move || email_error.get())/>
                    <div><Button button_type="submit" variant=ButtonVariant::Secondary loading=changing>"Change email"</Button></div>
                </form>
            </div>
        </Card>
        <StepUpDialog prompt=prompt/>
    }
}

#[component]
fn PasswordCard(mfa: bool) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // (current_password, new_password, code)
    let errors = RwSignal::new((None::<String>, None::<String>, None::<String>));
    // The code field also appears when the server asks for one (the flag may be stale).
    let needs_code = RwSignal::new(mfa);
    let saving = RwSignal::new(false);
    let toasts = use_toasts();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let (old, new, typed_code) = (current.get_untracked(), new_password.get_untracked(), code.get_untracked().trim().to_owned());
        let found = (
            old.is_empty().then(|| "Enter your current password.".to_owned()),
            Password::check_length(&new)
                .err()
                .or_else(|| (!old.is_empty() && old == new).then(|| "Choose a password different from your current one.".to_owned())),
            None,
        );
        let valid = found.0.is_none() && found.1.is_none();
        errors.set(found);
        if !valid {
            return;
        }
        saving.set(true);
        let form = ChangePasswordForm { current_password: old, new_password: new, code: (!typed_code.is_empty()).then_some(typed_code) };
        spawn_local(async move {
            let result = change_password(form).await;
            saving.set(false);
            match result {
                Ok(()) => {
                    current.set(String::new());
                    new_password.set(String::new());
                    code.set(String::new());
                    toasts.show(ToastKind::Success, "Password changed. Your other devices were signed out.");
                }
                Err(err @ AppError::Validation { .. }) => errors.set((
                    err.field_message("current_password").map(str::to_owned),
                    err.field_message("new_password").map(str::to_owned),
                    err.field_message("code").map(str::to_owned),
                )),
                Err(AppError::StepUpRequired { mfa: true, .. }) => {
                    needs_code.set(true);
                    errors.set((None, None, Some("Enter the code from your authenticator app, or a backup code.".into())));
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <Card title="Password">
            <form class="stack" novalidate on:submit=submit>
                <TextField label="Current password" name="current_password" input_type="password" autocomplete="current-password"
                    value=current error=Signal::derive(move || errors.get().0)/>
                <TextField label="New password" name="new_password" input_type="password" autocomplete="new-password"
                    hint="At least 12 characters. A few unrelated words make a strong one."
                    value=new_password error=Signal::derive(move || errors.get().1)/>
                <StrengthMeter password=new_password/>
                <Show when=move || needs_code.get()>
                    <TextField label="Authentication code" name="password_code" autocomplete="one-time-code" placeholder="123456"
                        hint="From your authenticator app, or a backup code. Needed unless you confirmed it's you in the last 10 minutes."
                        value=code error=Signal::derive(move || errors.get().2)/>
                </Show>
                <p class="muted">"Changing your password signs you out on your other devices."</p>
                <div><Button button_type="submit" loading=saving>"Change password"</Button></div>
            </form>
        </Card>
    }
}

#[component]
fn DangerZone(mfa: bool) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <section class="card danger-zone stack" aria-labelledby="danger-zone-title">
            <h2 id="danger-zone-title" class="card-title">"Delete account"</h2>
            <p class="muted">"Deleting your account removes your profile, photo, sessions and API keys and signs you out everywhere. It cannot be undone."</p>
            <div>
                <Button variant=ButtonVariant::Danger on_click=Callback::new(move |()| open.set(true))>"Delete account"</Button>
            </div>
            <Dialog open=open title="Delete your account?">
                <DeleteAccountForm mfa=mfa open=open/>
            </Dialog>
        </section>
    }
}

#[component]
fn DeleteAccountForm(mfa: bool, open: RwSignal<bool>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new((None::<String>, None::<String>));
    let needs_code = RwSignal::new(mfa);
    let deleting = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if deleting.get_untracked() {
            return;
        }
        let (secret, typed_code) = (password.get_untracked(), code.get_untracked().trim().to_owned());
        let found = (
            secret.is_empty().then(|| "Enter your password to delete your account.".to_owned()),
            (needs_code.get_untracked() && typed_code.is_empty())
                .then(|| "Enter a code from your authenticator app, or a backup code.".to_owned()),
        );
        let valid = found.0.is_none() && found.1.is_none();
        errors.set(found);
        if !valid {
            return;
        }
        deleting.set(true);
        let navigate = navigate.clone();
        let form = DeleteAccountForm { password: secret, code: (!typed_code.is_empty()).then_some(typed_code) };
        spawn_local(async move {
            let result = delete_account(form).await;
            deleting.set(false);
            match result {
                Ok(()) => {
                    open.set(false);
                    toasts.show(ToastKind::Success, "Your account was deleted. Goodbye!");
                    navigate("/", NavigateOptions::default());
                }
                Err(err @ AppError::Validation { .. }) => {
                    let code_error = err.field_message("code").map(str::to_owned);
                    if code_error.is_some() {
                        needs_code.set(true);
                    }
                    errors.set((err.field_message("password").map(str::to_owned), code_error));
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <p class="muted">"Your account, photo, sessions and API keys are removed for good. Enter your password to confirm."</p>
            <TextField label="Password" name="delete_password" input_type="password" autocomplete="current-password"
                value=password error=Signal::derive(move || errors.get().0)/>
            <Show when=move || needs_code.get()>
                <TextField label="Authentication code" name="delete_code" autocomplete="one-time-code" placeholder="123456"
                    hint="From your authenticator app, or a backup code." value=code error=Signal::derive(move || errors.get().1)/>
            </Show>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" variant=ButtonVariant::Danger loading=deleting>"Delete my account"</Button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_zone_list_includes_the_users_own_zone_once() {
        let listed = time_zone_options("Europe/Paris");
        assert_eq!(listed.iter().filter(|(z, _)| z == "Europe/Paris").count(), 1);
        let unusual = time_zone_options("Asia/Kathmandu");
        assert!(unusual.iter().any(|(z, _)| z == "Asia/Kathmandu"));
        assert_eq!(unusual[0].0, "UTC");
        assert!(unusual.iter().any(|(z, label)| z == "America/New_York" && label == "America/New York"));
    }
}
