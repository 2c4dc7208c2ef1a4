//! Sign-in and sign-up forms. Field checks run in the browser for instant feedback; the
//! server functions of the identity module (`modules::auth`) do the real work and their
//! per-field messages (a common password, say) appear under the same fields.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};

use crate::modules::auth::server_fns::{sign_in, sign_up};
use crate::modules::auth::types::{Email, Password, PersonName};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, TextField, ThemeToggle, ToastKind, use_toasts};

/// Where a signed-in user lands.
const HOME: &str = "/app";

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
    let toasts = use_toasts();
    let navigate = use_navigate();
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
            let navigate = navigate.clone();
            let (email, password) = (email.get_untracked(), password.get_untracked());
            leptos::task::spawn_local(async move {
                let result = sign_in(email, password).await;
                loading.set(false);
                match result {
                    Ok(_) => navigate(HOME, NavigateOptions::default()),
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
            <form class="stack" novalidate on:submit=submit>
                <TextField label="Email" name="email" input_type="email" autocomplete="email" value=email
                    error=Signal::derive(move || errors.get().0)/>
                <TextField label="Password" name="password" input_type="password" autocomplete="current-password"
                    value=password error=Signal::derive(move || errors.get().1)/>
                <Button button_type="submit" loading=loading>"Sign in"</Button>
            </form>
            <p class="muted">"New to Mewayz? "<A href="/signup">"Create an account"</A></p>
        </AuthFrame>
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
            let navigate = navigate.clone();
            let (name, email, password) = (name.get_untracked(), email.get_untracked(), password.get_untracked());
            leptos::task::spawn_local(async move {
                let result = sign_up(name, email, password).await;
                loading.set(false);
                match result {
                    Ok(_) => navigate(HOME, NavigateOptions::default()),
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
                    hint="At least 12 characters." value=password error=Signal::derive(move || errors.get().2)/>
                <Button button_type="submit" loading=loading>"Create account"</Button>
            </form>
            <p class="muted">"Already have an account? "<A href="/signin">"Sign in"</A></p>
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
