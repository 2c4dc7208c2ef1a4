//! Step-up: "confirm it's you" before a sensitive change (new email, two-factor set-up or
//! removal, new backup codes) when the session last proved who it is over 10 minutes ago.
//!
//! The flow: `prompt.arm(action)`, then `action.run(StepUp::default())`. The action calls its
//! server function and passes any error to `prompt.handle(err)`: a `StepUpRequired` answer
//! opens the dialog, which runs the same action again with the password (and code); a wrong
//! password or code shows inside the dialog; anything else comes back to the caller. On
//! success the action calls `prompt.finish()`.
use leptos::prelude::*;

use crate::modules::auth::types::StepUp;
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, TextField};

/// The state of one page's step-up dialog.
#[derive(Clone, Copy)]
pub struct StepUpPrompt {
    open: RwSignal<bool>,
    /// A code is needed as well as the password.
    mfa: RwSignal<bool>,
    message: RwSignal<String>,
    /// The last retry's error: field errors for `password`/`code`, or a general one.
    error: RwSignal<Option<AppError>>,
    busy: RwSignal<bool>,
    action: StoredValue<Option<Callback<StepUp>>>,
}

impl Default for StepUpPrompt {
    fn default() -> Self {
        Self::new()
    }
}

impl StepUpPrompt {
    pub fn new() -> Self {
        Self {
            open: RwSignal::new(false),
            mfa: RwSignal::new(false),
            message: RwSignal::new(String::new()),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
            action: StoredValue::new(None),
        }
    }

    /// Sets the action the dialog retries with the proof; call before its first attempt.
    pub fn arm(&self, action: Callback<StepUp>) {
        self.action.set_value(Some(action));
        self.error.set(None);
    }

    /// Takes the errors that belong to the dialog and gives back the others (closing the
    /// dialog for them, so the caller can show them where they belong).
    pub fn handle(&self, err: AppError) -> Option<AppError> {
        self.busy.set(false);
        let open = self.open.get_untracked();
        match err {
            AppError::StepUpRequired { ref message, mfa } => {
                self.mfa.set(mfa);
                self.message.set(message.clone());
                // Already open: the proof was incomplete (say, a code is now needed too).
                self.error.set(open.then_some(err));
                self.open.set(true);
                None
            }
            AppError::Validation { .. } if open && (err.field_message("password").is_some() || err.field_message("code").is_some()) => {
                self.error.set(Some(err));
                None
            }
            AppError::TooManyRequests { .. } | AppError::InvalidCredentials if open => {
                self.error.set(Some(err));
                None
            }
            other => {
                self.open.set(false);
                Some(other)
            }
        }
    }

    /// The guarded change went through: close the dialog.
    pub fn finish(&self) {
        self.busy.set(false);
        self.open.set(false);
        self.error.set(None);
    }

    fn cancel(&self) {
        self.busy.set(false);
        self.open.set(false);
    }

    fn submit(&self, proof: StepUp) {
        match self.action.get_value() {
            Some(action) => {
                self.busy.set(true);
                action.run(proof);
            }
            None => self.cancel(),
        }
    }

    fn field_error(&self, field: &'static str) -> Option<String> {
        self.error.with(|e| e.as_ref().and_then(|e| e.field_message(field)).map(str::to_owned))
    }
}

/// The dialog: the password, and an authenticator or backup code when two-factor
/// authentication is on. Submitting retries the armed action with `StepUp { password, code }`.
#[component]
pub fn StepUpDialog(prompt: StepUpPrompt) -> impl IntoView {
    view! {
        <Dialog open=prompt.open title="Confirm it's you">
            <StepUpForm prompt=prompt/>
        </Dialog>
    }
}

#[component]
fn StepUpForm(prompt: StepUpPrompt) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // Checked in the browser before sending: (password, code).
    let missing = RwSignal::new((None::<String>, None::<String>));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if prompt.busy.get_untracked() {
            return;
        }
        let mfa = prompt.mfa.get_untracked();
        let (secret, typed_code) = (password.get_untracked(), code.get_untracked().trim().to_owned());
        let found = (
            secret.is_empty().then(|| "Enter your password.".to_owned()),
            (mfa && typed_code.is_empty()).then(|| "Enter the code from your authenticator app, or a backup code.".to_owned()),
        );
        let complete = found.0.is_none() && found.1.is_none();
        missing.set(found);
        prompt.error.set(None);
        if complete {
            prompt.submit(StepUp { password: Some(secret), code: mfa.then_some(typed_code) });
        }
    };
    let password_error = Signal::derive(move || missing.get().0.or_else(|| prompt.field_error("password")));
    let code_error = Signal::derive(move || missing.get().1.or_else(|| prompt.field_error("code")));
    let alert = move || {
        prompt.error.with(|e| match e {
            Some(e @ (AppError::StepUpRequired { .. } | AppError::TooManyRequests { .. } | AppError::InvalidCredentials)) => {
                Some(e.to_string())
            }
            _ => None,
        })
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <p class="muted">{move || prompt.message.get()}</p>
            {move || alert().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
            <TextField label="Password" name="step_up_password" input_type="password" autocomplete="current-password"
                value=password error=password_error/>
            <Show when=move || prompt.mfa.get()>
                <TextField label="Authentication code" name="step_up_code" autocomplete="one-time-code" placeholder="123456"
                    hint="From your authenticator app, or one of your backup codes." value=code error=code_error/>
            </Show>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| prompt.cancel())>"Cancel"</Button>
                <Button button_type="submit" loading=prompt.busy>"Confirm"</Button>
            </div>
        </form>
    }
}
