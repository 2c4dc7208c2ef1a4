//! Server functions behind the sign-in and sign-up pages: parse, call the service, set the
//! session cookies on the page's response.
use leptos::prelude::*;

use super::types::UserView;
use crate::shared::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    use axum::http::{header, request::Parts};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    use crate::modules::auth::{service::SignedIn, session::{self, ClientInfo}};
    use crate::server::{error::AppError, state::AppState};

    /// The app state and caller details of the current server-function request.
    pub fn request() -> Result<(AppState, Parts), AppError> {
        let state = use_context::<AppState>().ok_or(AppError::Internal)?;
        let parts = use_context::<Parts>().ok_or(AppError::Internal)?;
        Ok((state, parts))
    }

    pub fn client(parts: &Parts) -> ClientInfo {
        ClientInfo::from_parts(parts)
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

/// Creates the account and signs the browser in.
#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(name: String, email: String, password: String) -> Result<UserView, AppError> {
    use super::{service, types::{NewUser, SignUpForm}};
    crate::server::error::respond(async move {
        let (state, parts) = ssr::request()?;
        let new = NewUser::try_from(SignUpForm { name, email, password })?;
        let signed_in = service::sign_up(&state, new, &ssr::client(&parts)).await?;
        ssr::set_session_cookies(&state, &signed_in);
        Ok(signed_in.user)
    }.await)
}

/// Signs the browser in with email and password.
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<UserView, AppError> {
    use super::{service, types::LoginForm};
    crate::server::error::respond(async move {
        let (state, parts) = ssr::request()?;
        let signed_in = service::log_in(&state, LoginForm { email, password }, &ssr::client(&parts)).await?;
        ssr::set_session_cookies(&state, &signed_in);
        Ok(signed_in.user)
    }.await)
}

/// Signs the browser out: revokes the session and clears the cookies.
#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use axum::extract::OptionalFromRequestParts;

    use super::{service, session::{self, CurrentUser}};
    crate::server::error::respond(async move {
        let (state, mut parts) = ssr::request()?;
        let caller = <CurrentUser as OptionalFromRequestParts<_>>::from_request_parts(&mut parts, &state).await?;
        let refresh = session::refresh_cookie(&state.config, &parts.headers).map(str::to_owned);
        service::log_out(&state, caller, refresh.as_deref(), &ssr::client(&parts)).await?;
        ssr::clear_session_cookies(&state);
        Ok(())
    }.await)
}
