//! `/api/v1/auth/…`: the same service calls as the pages, for API clients.
use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{AppendHeaders, IntoResponse, Response},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    service::{self, SignedIn},
    session::{self, ClientInfo, CurrentUser},
    types::{LoginForm, NewUser, RefreshRequest, SecurityEventList, SignUpForm, TokenResponse, UserEnvelope},
};
use crate::server::{
    config::Config,
    error::{ApiJson, ApiResult, AppError},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(log_in))
        .routes(routes!(refresh))
        .routes(routes!(log_out))
        .routes(routes!(me))
        .routes(routes!(security_events))
}

fn with_cookies(config: &Config, signed_in: &SignedIn, status: StatusCode, body: impl IntoResponse) -> Response {
    let [access, refresh] = session::session_cookies(config, &signed_in.access_token, &signed_in.refresh_token);
    (status, AppendHeaders([(header::SET_COOKIE, access), (header::SET_COOKIE, refresh)]), body).into_response()
}

/// Create an account and sign it in (sets the session cookies).
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = SignUpForm,
    responses(
        (status = 201, description = "Account created and signed in", body = UserEnvelope),
        (status = 409, description = "An account with this email already exists"),
        (status = 422, description = "A field is invalid; `errors` names it"),
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(form): ApiJson<SignUpForm>,
) -> Result<Response, AppError> {
    let new = NewUser::try_from(form)?;
    let signed_in = service::sign_up(&state, new, &client).await?;
    let body = ApiJson(UserEnvelope { user: signed_in.user.clone() });
    Ok(with_cookies(&state.config, &signed_in, StatusCode::CREATED, body))
}

/// Sign in with email and password. Returns an access token and sets the session cookies.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginForm,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "The email or password is incorrect"),
        (status = 422, description = "A field is missing"),
    ))]
pub async fn log_in(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(form): ApiJson<LoginForm>,
) -> Result<Response, AppError> {
    let signed_in = service::log_in(&state, form, &client).await?;
    let body = ApiJson(TokenResponse {
        user: signed_in.user.clone(),
        access_token: signed_in.access_token.clone(),
        expires_in: signed_in.expires_in,
        refresh_token: None,
    });
    Ok(with_cookies(&state.config, &signed_in, StatusCode::OK, body))
}

/// Rotate the refresh token (from the cookie, or `{refresh_token}` in the body) and get a new
/// access token. A token that was already rotated revokes its whole session family.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body(content = RefreshRequest, description = "Optional: API clients send the token here; browsers send the cookie"),
    responses(
        (status = 200, description = "Rotated", body = TokenResponse),
        (status = 401, description = "Missing, expired, revoked or reused refresh token"),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let from_body = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let request: RefreshRequest =
            serde_json::from_slice(&body).map_err(|e| AppError::bad_request(format!("Invalid JSON body: {e}")))?;
        request.refresh_token
    };
    let token = from_body
        .as_deref()
        .or_else(|| session::refresh_cookie(&state.config, &headers))
        .ok_or(AppError::Unauthorized)?;
    let signed_in = service::refresh(&state, token, &client).await?;
    let body = ApiJson(TokenResponse {
        user: signed_in.user.clone(),
        access_token: signed_in.access_token.clone(),
        expires_in: signed_in.expires_in,
        refresh_token: from_body.is_some().then(|| signed_in.refresh_token.clone()),
    });
    Ok(with_cookies(&state.config, &signed_in, StatusCode::OK, body))
}

/// Sign out: revokes this session on the server and clears the cookies.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out")))]
pub async fn log_out(
    State(state): State<AppState>,
    client: ClientInfo,
    caller: Option<CurrentUser>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    service::log_out(&state, caller, session::refresh_cookie(&state.config, &headers), &client).await?;
    let [access, refresh] = session::clearing_cookies(&state.config);
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(header::SET_COOKIE, access), (header::SET_COOKIE, refresh)]))
        .into_response())
}

/// The signed-in user.
#[utoipa::path(get, path = "/auth/me", tag = "auth",
    responses(
        (status = 200, description = "The caller", body = UserEnvelope),
        (status = 401, description = "Not signed in, or the token expired or was revoked"),
    ))]
pub async fn me(State(state): State<AppState>, caller: CurrentUser) -> ApiResult<UserEnvelope> {
    Ok(ApiJson(UserEnvelope { user: service::me(&state, caller).await? }))
}

/// The caller's own security events, newest first (latest 50).
#[utoipa::path(get, path = "/auth/security-events", tag = "auth",
    responses(
        (status = 200, description = "Events", body = SecurityEventList),
        (status = 401, description = "Not signed in"),
    ))]
pub async fn security_events(State(state): State<AppState>, caller: CurrentUser) -> ApiResult<SecurityEventList> {
    Ok(ApiJson(SecurityEventList { items: service::security_events(&state, caller).await? }))
}
