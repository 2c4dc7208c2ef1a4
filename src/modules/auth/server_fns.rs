//! Server functions behind the account pages: parse, call the service, set or clear the session
//! cookies on the page's response. Each is a few lines over the same service as the REST API.
use leptos::prelude::*;
// Struct arguments travel as JSON: URL-encoding drops a struct whose fields are all empty.
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::types::{
    PasswordStrength, ApiKeyCreated, ApiKeyView, BackupCodes, ChangePasswordForm, DeleteAccountForm, MfaSetup, MfaStatus, NewApiKeyForm,
    Page, ProfileForm, SecurityEventView, SessionView, StepUp, UserView,
};
use crate::shared::error::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use axum::extract::FromRequestParts;
    use axum::http::{header, request::Parts};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    use crate::modules::auth::{service::SignedIn, session::{self, ClientInfo, CurrentUser}};
    use crate::server::{error::AppError, state::AppState};

    /// The app state and caller details of the current server-function request.
    pub fn request() -> Result<(AppState, ClientInfo), AppError> {
        let state = use_context::<AppState>().ok_or(AppError::Internal)?;
        let parts = use_context::<Parts>().ok_or(AppError::Internal)?;
        Ok((state, ClientInfo::from_parts(&parts)))
    }

    /// As `request`, for a signed-in caller (401 otherwise).
    pub async fn caller() -> Result<(AppState, CurrentUser, ClientInfo), AppError> {
        let state = use_context::<AppState>().ok_or(AppError::Internal)?;
        let mut parts = use_context::<Parts>().ok_or(AppError::Internal)?;
        let caller = CurrentUser::from_request_parts(&mut parts, &state).await?;
        Ok((state, caller, ClientInfo::from_parts(&parts)))
    }

    pub fn refresh_cookie() -> Option<String> {
        let state = use_context::<AppState>()?;
        let parts = use_context::<Parts>()?;
        session::refresh_cookie(&state.config, &parts.headers).map(str::to_owned)
    }

    pub fn set_session_cookies(state: &AppState, signed_in: &SignedIn) {
        if let Some(response) = use_context::<ResponseOptions>() {
            for value in session::session_cookies(&state.config, &signed_in.access_token, &signed_in.refresh_token) {
                response.append_header(header::SET_COOKIE, value);
            }
        }
    }

    pub fn clear_session_cookies(state: &AppState) {
        if let Some(response) = use_context::<ResponseOptions>() {
            for value in session::clearing_cookies(&state.config) {
                response.append_header(header::SET_COOKIE, value);
            }
        }
    }
}

/// Runs a server function body, answering errors with their real status.
#[cfg(feature = "ssr")]
pub(crate) async fn run<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    crate::server::error::respond(body.await)
}

/// What the sign-in form gets back: signed in, or the second step is due.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum SignInOutcome {
    SignedIn(UserView),
    MfaRequired { challenge: String },
}

/// Creates the account and signs the browser in.
#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(name: String, email: String, password: String) -> Result<UserView, AppError> {
    use super::{service, types::{NewUser, SignUpForm}};
    run(async move {
        let (state, client) = ssr::request()?;
        let new = NewUser::try_from(SignUpForm { name, email, password })?;
        let signed_in = service::sign_up(&state, new, &client).await?;
        ssr::set_session_cookies(&state, &signed_in);
        Ok(signed_in.user)
    })
    .await
}

/// Signs the browser in with email and password (first step when MFA is on).
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<SignInOutcome, AppError> {
    use super::{service::{self, LoginOutcome}, types::LoginForm};
    run(async move {
        let (state, client) = ssr::request()?;
        Ok(match service::log_in(&state, LoginForm { email, password }, &client).await? {
            LoginOutcome::SignedIn(signed_in) => {
                ssr::set_session_cookies(&state, &signed_in);
                SignInOutcome::SignedIn(signed_in.user)
            }
            LoginOutcome::MfaRequired { challenge } => SignInOutcome::MfaRequired { challenge },
        })
    })
    .await
}

/// The second sign-in step: a TOTP or backup code for the challenge.
#[server(endpoint = "auth/sign_in_mfa")]
pub async fn sign_in_mfa(challenge: String, code: String) -> Result<UserView, AppError> {
    use super::{service, types::MfaLoginForm};
    run(async move {
        let (state, client) = ssr::request()?;
        let signed_in = service::log_in_mfa(&state, MfaLoginForm { challenge, code }, &client).await?;
        ssr::set_session_cookies(&state, &signed_in);
        Ok(signed_in.user)
    })
    .await
}

/// Signs the browser out: revokes the session and clears the cookies.
#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::service;
    run(async move {
        let (state, client) = ssr::request()?;
        let caller = ssr::caller().await.ok().map(|(_, caller, _)| caller);
        service::log_out(&state, caller, ssr::refresh_cookie().as_deref(), &client).await?;
        ssr::clear_session_cookies(&state);
        Ok(())
    })
    .await
}

/// The signed-in user, or `None` (pages use it to decide between the app and the sign-in page).
#[server(endpoint = "auth/current_user")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    use super::service;
    run(async move {
        match ssr::caller().await {
            Ok((state, caller, _)) => Ok(Some(service::me(&state, &caller).await?)),
            Err(AppError::Unauthorized) => Ok(None),
            Err(other) => Err(other),
        }
    })
    .await
}

#[server(endpoint = "auth/update_profile", input = Json)]
pub async fn update_profile(form: ProfileForm) -> Result<UserView, AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::service::update_profile(&state, &caller, form, &client).await
    })
    .await
}

#[server(endpoint = "auth/remove_avatar")]
pub async fn remove_avatar() -> Result<UserView, AppError> {
    run(async move {
        let (state, caller, _) = ssr::caller().await?;
        super::service::remove_avatar(&state, &caller).await
    })
    .await
}

#[server(endpoint = "auth/change_password", input = Json)]
pub async fn change_password(form: ChangePasswordForm) -> Result<(), AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::service::change_password(&state, &caller, form, &client).await
    })
    .await
}

#[server(endpoint = "auth/delete_account", input = Json)]
pub async fn delete_account(form: DeleteAccountForm) -> Result<(), AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::service::delete_account(&state, &caller, form, &client).await?;
        ssr::clear_session_cookies(&state);
        Ok(())
    })
    .await
}

#[server(endpoint = "auth/request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    run(async move {
        let (state, client) = ssr::request()?;
        super::service::request_password_reset(&state, &email, &client).await
    })
    .await
}

#[server(endpoint = "auth/reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use super::types::PasswordResetConfirm;
    run(async move {
        let (state, client) = ssr::request()?;
        super::service::reset_password(&state, PasswordResetConfirm { token, password }, &client).await
    })
    .await
}

#[server(endpoint = "auth/verify_email")]
pub async fn verify_email(token: String) -> Result<UserView, AppError> {
    run(async move {
        let (state, client) = ssr::request()?;
        super::service::verify_email(&state, &token, &client).await
    })
    .await
}

#[server(endpoint = "auth/resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::service::resend_verification(&state, &caller, &client).await
    })
    .await
}

#[server(endpoint = "auth/get_mfa_status")]
pub async fn get_mfa_status() -> Result<MfaStatus, AppError> {
    run(async move {
        let (state, caller, _) = ssr::caller().await?;
        super::mfa::status(&state, &caller).await
    })
    .await
}

#[server(endpoint = "auth/start_mfa_setup", input = Json)]
pub async fn start_mfa_setup(proof: StepUp) -> Result<MfaSetup, AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::mfa::setup(&state, &caller, proof, &client).await
    })
    .await
}

#[server(endpoint = "auth/mfa_enable")]
pub async fn mfa_enable(code: String) -> Result<BackupCodes, AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::mfa::enable(&state, &caller, &code, &client).await
    })
    .await
}

#[server(endpoint = "auth/mfa_disable", input = Json)]
pub async fn mfa_disable(proof: StepUp) -> Result<(), AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::mfa::disable(&state, &caller, proof, &client).await
    })
    .await
}

#[server(endpoint = "auth/regenerate_backup_codes", input = Json)]
pub async fn regenerate_backup_codes(proof: StepUp) -> Result<BackupCodes, AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::mfa::regenerate_backup_codes(&state, &caller, proof, &client).await
    })
    .await
}

#[server(endpoint = "auth/list_sessions")]
pub async fn list_sessions() -> Result<Page<SessionView>, AppError> {
    run(async move {
        let (state, caller, _) = ssr::caller().await?;
        super::service::sessions(&state, &caller).await
    })
    .await
}

#[server(endpoint = "auth/revoke_session")]
pub async fn revoke_session(id: Uuid) -> Result<(), AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::service::revoke_session(&state, &caller, id, &client).await
    })
    .await
}

#[server(endpoint = "auth/revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<u64, AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::service::revoke_other_sessions(&state, &caller, &client).await
    })
    .await
}

#[server(endpoint = "auth/list_api_keys")]
pub async fn list_api_keys() -> Result<Page<ApiKeyView>, AppError> {
    run(async move {
        let (state, caller, _) = ssr::caller().await?;
        super::keys::list(&state, &caller).await
    })
    .await
}

#[server(endpoint = "auth/create_api_key", input = Json)]
pub async fn create_api_key(form: NewApiKeyForm) -> Result<ApiKeyCreated, AppError> {
    run(async move {
        use crate::server::tenant::{Tenant, WorkspaceRef};
        let (state, caller, client) = ssr::caller().await?;
        let tenant = Tenant::resolve(&state, &caller, WorkspaceRef::Current).await?;
        super::keys::create(&state, &tenant, form, &client).await
    })
    .await
}

#[server(endpoint = "auth/revoke_api_key")]
pub async fn revoke_api_key(id: Uuid) -> Result<(), AppError> {
    run(async move {
        let (state, caller, client) = ssr::caller().await?;
        super::keys::revoke(&state, &caller, id, &client).await
    })
    .await
}

#[server(endpoint = "auth/list_security_events")]
pub async fn list_security_events(cursor: Option<String>) -> Result<Page<SecurityEventView>, AppError> {
    run(async move {
        let (state, caller, _) = ssr::caller().await?;
        super::service::security_events(&state, &caller, cursor.as_deref(), Some(20)).await
    })
    .await
}

/// The strength meter's reading of a password as typed (zxcvbn runs on the server, which keeps
/// its 30,000-word dictionaries out of the browser bundle).
#[server(endpoint = "auth/check_password_strength")]
pub async fn check_password_strength(password: String) -> Result<PasswordStrength, AppError> {
    run(async move {
        if password.chars().count() > super::types::PASSWORD_MAX {
            return Ok(PasswordStrength { problem: super::types::Password::check_length(&password).err(), ..Default::default() });
        }
        Ok(PasswordStrength::of(&password))
    })
    .await
}
