//! Sign-in (with the MFA step), sign-up, password reset and email confirmation pages. Field checks run in the browser for instant feedback; the
//! server functions of the identity module (`modules::auth`) do the real work and their
//! per-field messages (a common password, say) appear under the same fields.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};

use crate::modules::auth::server_fns::{
    SignInOutcome, check_password_strength, request_password_reset, reset_password, sign_in, sign_in_mfa, sign_up, verify_email,
};
use crate::modules::auth::types::{Email, Password, PasswordStrength, PersonName};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Spinner, TextField, ThemeToggle, ToastKind, use_toasts};

/// Where a signed-in user lands.
const HOME: &str = "/app";

/// Where to go once signed in: the page's `?next=` when it is a path of this site (an
/// invitation link, say), else the app. Anything else (`//evil.example`, `https:…`) is ignored,
/// so the parameter cannot send people to another site.
fn destination() -> String {
    use_query_map()
        .get_untracked()
        .get("next")
        .filter(|next| next.starts_with('/') && !next.starts_with("//") && !next.contains('\\'))
        .unwrap_or_else(|| HOME.to_owned())
}

// The same parsers the server applies, so both sides give the same messages.
fn required_email_error(email: &str) -> Option<String> {
    Email::parse(email).err()
}

fn password_error(password: &str) -> Option<String> {
    Password::check_length(password).err()
}

#[component]
fn AuthFrame(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <Title text=title.clone()/>
        <header class="site-header">
            <A href="/" attr:class="brand" attr:aria-label="Mewayz home">
                <img src="/icons/icon.svg" alt="" width="28" height="28"/>
                <span>"Mewayz"</span>
            </A>
            <ThemeToggle/>
        </header>
        <main id="main" class="auth-page">
            <div class="card auth-card">
                <h1 class="page-title">{title}</h1>
                {children()}
            </div>
        </main>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new((None::<String>, None::<String>));
    let loading = RwSignal::new(false);
    let mfa_challenge = RwSignal::new(None::<String>);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let next = destination();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if loading.get_untracked() {
            return;
        }
        let found = (
            required_email_error(&email.get_untracked()),
            password.get_untracked().is_empty().then(|| "Enter your password.".to_owned()),
        );
        let valid = found.0.is_none() && found.1.is_none();
        errors.set(found);
        if valid {
            loading.set(true);
            let (navigate, next) = (navigate.clone(), next.clone());
            let (email, password) = (email.get_untracked(), password.get_untracked());
            leptos::task::spawn_local(async move {
                let result = sign_in(email, password).await;
                loading.set(false);
                match result {
                    Ok(SignInOutcome::SignedIn(_)) => navigate(&next, NavigateOptions::default()),
                    Ok(SignInOutcome::MfaRequired { challenge }) => mfa_challenge.set(Some(challenge)),
                    Err(err @ AppError::Validation { .. }) => errors.set((
                        err.field_message("email").map(str::to_owned),
                        err.field_message("password").map(str::to_owned),
                    )),
                    Err(err) => toasts.show(ToastKind::Error, err.to_string()),
                }
            });
        }
    };
    view! {
        <AuthFrame title="Sign in">
            <Show
                when=move || mfa_challenge.get().is_some()
                fallback=move || view! {
                    <form class="stack" novalidate on:submit=submit.clone()>
                        <TextField label="Email" name="email" input_type="email" autocomplete="email" value=email
                            error=Signal::derive(move || errors.get().0)/>
                        <TextField label="Password" name="password" input_type="password" autocomplete="current-password"
                            value=password error=Signal::derive(move || errors.get().1)/>
                        <Button button_type="submit" loading=loading>"Sign in"</Button>
                    </form>
                    <p class="muted"><A href="/forgot-password">"Forgot your password?"</A></p>
                    <p class="muted">"New to Mewayz? "<A href="/signup">"Create an account"</A></p>
                }
            >
                <MfaStep challenge=mfa_challenge/>
            </Show>
        </AuthFrame>
    }
}

/// Second sign-in step: a code from the authenticator app, or a backup code.
#[component]
fn MfaStep(challenge: RwSignal<Option<String>>) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let next = destination();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(token) = challenge.get_untracked() else { return };
        if loading.get_untracked() {
            return;
        }
        if code.get_untracked().trim().is_empty() {
            error.set(Some("Enter the code from your authenticator app, or a backup code.".into()));
            return;
        }
        loading.set(true);
        let (navigate, next) = (navigate.clone(), next.clone());
        let value = code.get_untracked();
        leptos::task::spawn_local(async move {
            let result = sign_in_mfa(token, value).await;
            loading.set(false);
            match result {
                Ok(_) => navigate(&next, NavigateOptions::default()),
                Err(err @ AppError::Validation { .. }) => error.set(err.field_message("code").map(str::to_owned)),
                Err(AppError::Unauthorized) => {
                    challenge.set(None);
                    toasts.show(ToastKind::Error, "That sign-in attempt expired. Sign in again.");
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <p class="muted">"Open your authenticator app and enter the 6-digit code for Mewayz. Lost your phone? Enter one of your backup codes instead."</p>
            <TextField label="Authentication code" name="code" autocomplete="one-time-code" placeholder="123456"
                value=code error=Signal::derive(move || error.get())/>
            <Button button_type="submit" loading=loading>"Verify and sign in"</Button>
            <Button variant=ButtonVariant::Ghost on_click=Callback::new(move |()| challenge.set(None))>"Back"</Button>
        </form>
    }
}

/// Strength meter for a new password: the policy's verdict and zxcvbn's advice, fetched from
/// the server a moment after typing stops.
#[component]
pub fn StrengthMeter(password: RwSignal<String>) -> impl IntoView {
    let reading = RwSignal::new(None::<PasswordStrength>);
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        let value = password.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if value.is_empty() {
            reading.set(None);
            return;
        }
        // The page may be gone (navigated away) by the time the timer or the answer arrives:
        // every access below is a `try_` that does nothing on a disposed value.
        set_timeout(
            move || {
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                leptos::task::spawn_local(async move {
                    if let Ok(strength) = check_password_strength(value).await
                        && generation.try_get_value() == Some(mine)
                    {
                        reading.try_set(Some(strength));
                    }
                });
            },
            std::time::Duration::from_millis(250),
        );
    });
    view! {
        <div class="strength" aria-live="polite">
            {move || reading.get().map(|r| {
                let level = r.score.min(4);
                view! {
                    <div class="strength-bar" data-score=level.to_string() role="meter" aria-label="Password strength"
                        aria-valuemin="0" aria-valuemax="4" aria-valuenow=level.to_string()>
                        <span></span><span></span><span></span><span></span>
                    </div>
                    <p class="strength-label">
                        {r.label()}
                        {r.problem.clone().or(r.warning.clone()).map(|w| format!(" — {w}"))}
                    </p>
                    {r.suggestions.first().cloned().map(|s| view! { <p class="field-hint">{s}</p> })}
                }
            })}
        </div>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new((None::<String>, None::<String>, None::<String>));
    let loading = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let next = destination();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if loading.get_untracked() {
            return;
        }
        let found = (
            PersonName::parse(&name.get_untracked()).err(),
            required_email_error(&email.get_untracked()),
            password_error(&password.get_untracked()),
        );
        let valid = found.0.is_none() && found.1.is_none() && found.2.is_none();
        errors.set(found);
        if valid {
            loading.set(true);
            let (navigate, next) = (navigate.clone(), next.clone());
            let (name, email, password) = (name.get_untracked(), email.get_untracked(), password.get_untracked());
            leptos::task::spawn_local(async move {
                let result = sign_up(name, email, password).await;
                loading.set(false);
                match result {
                    Ok(_) => {
                        toasts.show(ToastKind::Success, "Welcome! We sent you a link to confirm your email.");
                        navigate(&next, NavigateOptions::default());
                    }
                    Err(err @ AppError::Validation { .. }) => errors.set((
                        err.field_message("name").map(str::to_owned),
                        err.field_message("email").map(str::to_owned),
                        err.field_message("password").map(str::to_owned),
                    )),
                    Err(err) => toasts.show(ToastKind::Error, err.to_string()),
                }
            });
        }
    };
    view! {
        <AuthFrame title="Create your account">
            <form class="stack" novalidate on:submit=submit>
                <TextField label="Name" name="name" autocomplete="name" value=name
                    error=Signal::derive(move || errors.get().0)/>
                <TextField label="Email" name="email" input_type="email" autocomplete="email" value=email
                    error=Signal::derive(move || errors.get().1)/>
                <TextField label="Password" name="password" input_type="password" autocomplete="new-password"
                    hint="At least 12 characters. A few unrelated words make a strong one." value=password
                    error=Signal::derive(move || errors.get().2)/>
                <StrengthMeter password=password/>
                <Button button_type="submit" loading=loading>"Create account"</Button>
            </form>
            <p class="muted">"Already have an account? "<A href="/signin">"Sign in"</A></p>
        </AuthFrame>
    }
}

/// Asks for a reset link. The answer is the same whether or not the email has an account.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let sent = RwSignal::new(false);
    let toasts = use_toasts();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if loading.get_untracked() {
            return;
        }
        error.set(required_email_error(&email.get_untracked()));
        if error.get_untracked().is_some() {
            return;
        }
        loading.set(true);
        let value = email.get_untracked();
        leptos::task::spawn_local(async move {
            let result = request_password_reset(value).await;
            loading.set(false);
            match result {
                Ok(()) => sent.set(true),
                Err(err @ AppError::Validation { .. }) => error.set(err.field_message("email").map(str::to_owned)),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <AuthFrame title="Reset your password">
            <Show
                when=move || sent.get()
                fallback=move || view! {
                    <form class="stack" novalidate on:submit=submit>
                        <p class="muted">"Enter the email of your account and we will send you a link to choose a new password."</p>
                        <TextField label="Email" name="email" input_type="email" autocomplete="email" value=email
                            error=Signal::derive(move || error.get())/>
                        <Button button_type="submit" loading=loading>"Send reset link"</Button>
                    </form>
                }
            >
                <p role="status">"If an account uses "<strong>{move || email.get()}</strong>", a reset link is on its way. It works once, for 30 minutes."</p>
            </Show>
            <p class="muted"><A href="/signin">"Back to sign in"</A></p>
        </AuthFrame>
    }
}

fn token_from_query() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get("token").unwrap_or_default()))
}

/// Chooses a new password with the token from the reset link.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = token_from_query();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if loading.get_untracked() {
            return;
        }
        error.set(password_error(&password.get_untracked()));
        if error.get_untracked().is_some() {
            return;
        }
        loading.set(true);
        let navigate = navigate.clone();
        let (token, value) = (token.get_untracked(), password.get_untracked());
        leptos::task::spawn_local(async move {
            let result = reset_password(token, value).await;
            loading.set(false);
            match result {
                Ok(()) => {
                    toasts.show(ToastKind::Success, "Your password was changed. Sign in with it.");
                    navigate("/signin", NavigateOptions::default());
                }
                Err(err @ AppError::Validation { .. }) => match err.field_message("token") {
                    Some(message) => toasts.show(ToastKind::Error, message),
                    None => error.set(err.field_message("password").map(str::to_owned)),
                },
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <AuthFrame title="Choose a new password">
            <form class="stack" novalidate on:submit=submit>
                <p class="muted">"Setting a new password signs you out on every device."</p>
                <TextField label="New password" name="password" input_type="password" autocomplete="new-password"
                    hint="At least 12 characters." value=password error=Signal::derive(move || error.get())/>
                <StrengthMeter password=password/>
                <Button button_type="submit" loading=loading>"Set password"</Button>
            </form>
            <p class="muted"><A href="/forgot-password">"Need a new link?"</A></p>
        </AuthFrame>
    }
}

/// Follows an emailed verification (or email-change) link.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = token_from_query();
    // Runs in the browser after hydration: a link preview or prefetch that only fetches the
    // HTML does not use up the token.
    let outcome = RwSignal::new(None::<Result<String, String>>);
    Effect::new(move |_| {
        let token = token.get();
        leptos::task::spawn_local(async move {
            outcome.set(Some(match verify_email(token).await {
                Ok(user) => Ok(user.email),
                Err(err) => Err(err.field_message("token").map(str::to_owned).unwrap_or_else(|| err.to_string())),
            }));
        });
    });
    view! {
        <AuthFrame title="Confirm your email">
            {move || match outcome.get() {
                None => view! { <p class="row" role="status"><Spinner small=true/>"Confirming…"</p> }.into_any(),
                Some(Ok(email)) => view! {
                    <p role="status">"Thank you — "<strong>{email}</strong>" is confirmed."</p>
                    <A href=HOME attr:class="btn btn-primary">"Continue to Mewayz"</A>
                }.into_any(),
                Some(Err(message)) => view! {
                    <p role="alert" class="field-error">{message}</p>
                    <p class="muted">"Signed in? Ask for a new link on your account page."</p>
                    <A href="/app/account" attr:class="btn btn-secondary">"Go to my account"</A>
                }.into_any(),
            }}
        </AuthFrame>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_checks_explain_what_is_wrong() {
        assert_eq!(required_email_error(""), Some("Enter your email address.".into()));
        assert!(required_email_error("no-at-sign").is_some());
        assert!(required_email_error("a@b").is_some());
        assert_eq!(required_email_error("ada@example.com"), None);
    }

    #[test]
    fn passwords_need_12_to_128_characters_counted_as_characters() {
        assert!(password_error("short").unwrap().contains("5 so far"));
        assert_eq!(password_error("ünïcödé-pass"), None);
        assert!(password_error(&"x".repeat(129)).is_some());
    }
}
