//! `/api/v1/auth/…`: the same service calls as the pages, for API clients.
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{AppendHeaders, IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    keys, mfa,
    service::{self, LoginOutcome, Refreshed, SignedIn},
    session::{self, ClientInfo, CurrentUser},
    types::*,
};
use crate::server::{
    config::Config,
    error::{ApiJson, ApiQuery, ApiResult, AppError},
    state::AppState,
    tenant::Tenant,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(log_in))
        .routes(routes!(log_in_mfa))
        .routes(routes!(refresh))
        .routes(routes!(log_out))
        .routes(routes!(me, update_me, delete_me))
        .routes(routes!(upload_avatar, delete_avatar))
        .routes(routes!(change_password))
        .routes(routes!(request_password_reset))
        .routes(routes!(confirm_password_reset))
        .routes(routes!(verify_email))
        .routes(routes!(resend_verification))
        .routes(routes!(mfa_status))
        .routes(routes!(mfa_setup))
        .routes(routes!(mfa_enable))
        .routes(routes!(mfa_disable))
        .routes(routes!(mfa_backup_codes))
        .routes(routes!(list_sessions, revoke_other_sessions))
        .routes(routes!(revoke_session))
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(revoke_api_key))
        .routes(routes!(security_events))
}

fn with_cookies(config: &Config, signed_in: &SignedIn, status: StatusCode, body: impl IntoResponse) -> Response {
    let [access, refresh] = session::session_cookies(config, &signed_in.access_token, &signed_in.refresh_token);
    (status, AppendHeaders([(header::SET_COOKIE, access), (header::SET_COOKIE, refresh)]), body).into_response()
}

fn token_response(signed_in: &SignedIn, refresh_token: bool) -> TokenResponse {
    TokenResponse {
        user: signed_in.user.clone(),
        access_token: signed_in.access_token.clone(),
        expires_in: signed_in.expires_in,
        refresh_token: refresh_token.then(|| signed_in.refresh_token.clone()),
    }
}

/// A JSON body that may be empty (`{}` assumed).
fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &Bytes) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| AppError::bad_request(format!("Invalid JSON body: {e}")))
}

/// Create an account, email a verification link and sign it in (sets the session cookies).
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = SignUpForm,
    responses(
        (status = 201, description = "Account created and signed in", body = UserEnvelope),
        (status = 409, description = "An account with this email already exists"),
        (status = 422, description = "A field is invalid; `errors` names it"),
        (status = 429, description = "Too many attempts from this IP; see Retry-After"),
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

/// Sign in with email and password. Answers `{user, access_token, expires_in}` and sets the
/// session cookies, or `{mfa_required: true, challenge}` when the account has MFA on.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginForm,
    responses(
        (status = 200, description = "Signed in, or the MFA challenge", body = LoginResponse),
        (status = 401, description = "The email or password is incorrect"),
        (status = 422, description = "A field is missing"),
        (status = 429, description = "Rate limit, backoff after failures, or a 15-minute lock after 10; see Retry-After"),
    ))]
pub async fn log_in(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(form): ApiJson<LoginForm>,
) -> Result<Response, AppError> {
    match service::log_in(&state, form, &client).await? {
        LoginOutcome::SignedIn(signed_in) => {
            let body = ApiJson(LoginResponse::SignedIn(token_response(&signed_in, false)));
            Ok(with_cookies(&state.config, &signed_in, StatusCode::OK, body))
        }
        LoginOutcome::MfaRequired { challenge } => {
            Ok(ApiJson(LoginResponse::MfaRequired(MfaChallenge { mfa_required: true, challenge })).into_response())
        }
    }
}

/// Second sign-in step: the challenge from `/auth/login` and a TOTP code or a backup code.
#[utoipa::path(post, path = "/auth/login/mfa", tag = "auth", request_body = MfaLoginForm,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "The challenge is unknown, expired, used or out of attempts"),
        (status = 422, description = "The code is wrong (or a replayed TOTP code)"),
        (status = 429, description = "Rate limit or backoff; see Retry-After"),
    ))]
pub async fn log_in_mfa(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(form): ApiJson<MfaLoginForm>,
) -> Result<Response, AppError> {
    let signed_in = service::log_in_mfa(&state, form, &client).await?;
    Ok(with_cookies(&state.config, &signed_in, StatusCode::OK, ApiJson(token_response(&signed_in, false))))
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
    let from_body = optional_json::<RefreshRequest>(&body)?.refresh_token;
    let token = from_body
        .as_deref()
        .or_else(|| session::refresh_cookie(&state.config, &headers))
        .ok_or(AppError::Unauthorized)?;
    let Refreshed::Rotated(signed_in) = service::refresh(&state, token, &client).await? else {
        return Err(AppError::Unauthorized);
    };
    let body = ApiJson(token_response(&signed_in, from_body.is_some()));
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

/// The signed-in user (sessions and API keys alike).
#[utoipa::path(get, path = "/auth/me", tag = "auth",
    responses(
        (status = 200, description = "The caller", body = UserEnvelope),
        (status = 401, description = "Not signed in, or the token expired or was revoked"),
    ))]
pub async fn me(State(state): State<AppState>, caller: CurrentUser) -> ApiResult<UserEnvelope> {
    Ok(ApiJson(UserEnvelope { user: service::me(&state, &caller).await? }))
}

/// Update name, time zone, language or email. A new email needs `password` (and `code` with
/// MFA on) unless the session was verified in the last 10 minutes; it takes effect when the link
/// sent to it is opened (`pending_email` until then), and the old address is told.
#[utoipa::path(patch, path = "/auth/me", tag = "auth", request_body = ProfileForm,
    responses(
        (status = 200, description = "Updated", body = UserEnvelope),
        (status = 403, description = "`step_up_required`: send the password (and code)"),
        (status = 422, description = "A field is invalid; `errors` names it"),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    caller: CurrentUser,
    client: ClientInfo,
    ApiJson(form): ApiJson<ProfileForm>,
) -> ApiResult<UserEnvelope> {
    caller.session()?;
    Ok(ApiJson(UserEnvelope { user: service::update_profile(&state, &caller, form, &client).await? }))
}

/// Delete the account: needs the password, and a code when MFA is on.
#[utoipa::path(delete, path = "/auth/me", tag = "auth", request_body = DeleteAccountForm,
    responses(
        (status = 204, description = "Deleted and signed out"),
        (status = 422, description = "Wrong or missing password or code"),
    ))]
pub async fn delete_me(
    State(state): State<AppState>,
    caller: CurrentUser,
    client: ClientInfo,
    ApiJson(form): ApiJson<DeleteAccountForm>,
) -> Result<Response, AppError> {
    service::delete_account(&state, &caller, form, &client).await?;
    let [access, refresh] = session::clearing_cookies(&state.config);
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(header::SET_COOKIE, access), (header::SET_COOKIE, refresh)]))
        .into_response())
}

/// Upload an avatar: the raw PNG, JPEG or WebP bytes as the body (at most 2 MB). It is cropped
/// square, resized to 256 px and re-encoded (metadata such as EXIF is dropped).
#[utoipa::path(put, path = "/auth/me/avatar", tag = "auth",
    request_body(content = Vec<u8>, content_type = "image/*"),
    responses(
        (status = 200, description = "Stored; `avatar_url` points at it", body = UserEnvelope),
        (status = 413, description = "Larger than 2 MB"),
        (status = 422, description = "Not a PNG, JPEG or WebP image"),
    ))]
pub async fn upload_avatar(State(state): State<AppState>, caller: CurrentUser, body: Bytes) -> ApiResult<UserEnvelope> {
    if body.len() > service::AVATAR_MAX_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    Ok(ApiJson(UserEnvelope { user: service::set_avatar(&state, &caller, body.to_vec()).await? }))
}

/// Remove the avatar.
#[utoipa::path(delete, path = "/auth/me/avatar", tag = "auth",
    responses((status = 200, description = "Removed", body = UserEnvelope)))]
pub async fn delete_avatar(State(state): State<AppState>, caller: CurrentUser) -> ApiResult<UserEnvelope> {
    Ok(ApiJson(UserEnvelope { user: service::remove_avatar(&state, &caller).await? }))
}

/// Change the password: the current one, the new one (policy applies; none of the last 5), and
/// a code when MFA is on and the session was verified over 10 minutes ago. Other sessions end.
#[utoipa::path(post, path = "/auth/password", tag = "auth", request_body = ChangePasswordForm,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "`step_up_required`: send `code`"),
        (status = 422, description = "Wrong current password, or the new one is refused"),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: CurrentUser,
    client: ClientInfo,
    ApiJson(form): ApiJson<ChangePasswordForm>,
) -> Result<StatusCode, AppError> {
    service::change_password(&state, &caller, form, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Email a password-reset link (30 minutes, single use). The answer is 202 whether or not an
/// account has this email.
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth", request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the account exists, the link is on its way"),
        (status = 422, description = "Not an email address"),
        (status = 429, description = "Rate limit"),
    ))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(form): ApiJson<PasswordResetRequest>,
) -> Result<StatusCode, AppError> {
    service::request_password_reset(&state, &form.email, &client).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Set a new password with the token from the reset link. Every session of the account ends.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "auth", request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "Password set; sign in with it"),
        (status = 422, description = "Invalid, used or expired token, or the password is refused"),
    ))]
pub async fn confirm_password_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(form): ApiJson<PasswordResetConfirm>,
) -> Result<StatusCode, AppError> {
    service::reset_password(&state, form, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Verify an email address (or complete an email change) with the token from the emailed link.
#[utoipa::path(post, path = "/auth/verify-email", tag = "auth", request_body = VerifyEmailForm,
    responses(
        (status = 200, description = "Verified", body = UserEnvelope),
        (status = 409, description = "The new address was taken meanwhile"),
        (status = 422, description = "Invalid, used or expired token"),
    ))]
pub async fn verify_email(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(form): ApiJson<VerifyEmailForm>,
) -> ApiResult<UserEnvelope> {
    Ok(ApiJson(UserEnvelope { user: service::verify_email(&state, &form.token, &client).await? }))
}

/// Send a new verification link to the caller's address.
#[utoipa::path(post, path = "/auth/verify-email/resend", tag = "auth",
    responses(
        (status = 202, description = "Sent"),
        (status = 409, description = "Already verified"),
    ))]
pub async fn resend_verification(State(state): State<AppState>, caller: CurrentUser, client: ClientInfo) -> Result<StatusCode, AppError> {
    caller.session()?;
    service::resend_verification(&state, &caller, &client).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Whether MFA is on and how many backup codes are left.
#[utoipa::path(get, path = "/auth/mfa", tag = "auth",
    responses((status = 200, description = "MFA status", body = MfaStatus)))]
pub async fn mfa_status(State(state): State<AppState>, caller: CurrentUser) -> ApiResult<MfaStatus> {
    Ok(ApiJson(mfa::status(&state, &caller).await?))
}

/// Start TOTP enrolment: a new secret with its `otpauth://` URL and QR code (SVG). MFA turns on
/// only after `/auth/mfa/enable` with a valid first code. Step-up applies.
#[utoipa::path(post, path = "/auth/mfa/setup", tag = "auth", request_body(content = StepUp, description = "Needed when the session was verified over 10 minutes ago"),
    responses(
        (status = 200, description = "Scan or type the secret", body = MfaSetup),
        (status = 403, description = "`step_up_required`"),
        (status = 409, description = "MFA is already on"),
    ))]
pub async fn mfa_setup(State(state): State<AppState>, caller: CurrentUser, client: ClientInfo, body: Bytes) -> ApiResult<MfaSetup> {
    Ok(ApiJson(mfa::setup(&state, &caller, optional_json(&body)?, &client).await?))
}

/// Turn MFA on with the first code; answers the 10 backup codes (shown only now).
#[utoipa::path(post, path = "/auth/mfa/enable", tag = "auth", request_body = MfaCode,
    responses(
        (status = 200, description = "MFA is on", body = BackupCodes),
        (status = 409, description = "No set-up started, or already on"),
        (status = 422, description = "The code does not match"),
    ))]
pub async fn mfa_enable(
    State(state): State<AppState>,
    caller: CurrentUser,
    client: ClientInfo,
    ApiJson(form): ApiJson<MfaCode>,
) -> ApiResult<BackupCodes> {
    Ok(ApiJson(mfa::enable(&state, &caller, &form.code, &client).await?))
}

/// Turn MFA off. Step-up applies (password and a code).
#[utoipa::path(post, path = "/auth/mfa/disable", tag = "auth", request_body = StepUp,
    responses(
        (status = 204, description = "MFA is off"),
        (status = 403, description = "`step_up_required`"),
        (status = 409, description = "Already off"),
    ))]
pub async fn mfa_disable(State(state): State<AppState>, caller: CurrentUser, client: ClientInfo, body: Bytes) -> Result<StatusCode, AppError> {
    mfa::disable(&state, &caller, optional_json(&body)?, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the backup codes with 10 new ones (shown only now). Step-up applies.
#[utoipa::path(post, path = "/auth/mfa/backup-codes", tag = "auth", request_body = StepUp,
    responses(
        (status = 200, description = "New codes", body = BackupCodes),
        (status = 403, description = "`step_up_required`"),
        (status = 409, description = "MFA is off"),
    ))]
pub async fn mfa_backup_codes(State(state): State<AppState>, caller: CurrentUser, client: ClientInfo, body: Bytes) -> ApiResult<BackupCodes> {
    Ok(ApiJson(mfa::regenerate_backup_codes(&state, &caller, optional_json(&body)?, &client).await?))
}

/// The caller's signed-in devices (one per session family), most recently used first.
#[utoipa::path(get, path = "/auth/sessions", tag = "auth",
    responses((status = 200, description = "Sessions", body = Page<SessionView>)))]
pub async fn list_sessions(State(state): State<AppState>, caller: CurrentUser) -> ApiResult<Page<SessionView>> {
    Ok(ApiJson(service::sessions(&state, &caller).await?))
}

/// Sign out every other device.
#[utoipa::path(delete, path = "/auth/sessions", tag = "auth",
    responses((status = 204, description = "Other sessions revoked")))]
pub async fn revoke_other_sessions(State(state): State<AppState>, caller: CurrentUser, client: ClientInfo) -> Result<StatusCode, AppError> {
    service::revoke_other_sessions(&state, &caller, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign one device out.
#[utoipa::path(delete, path = "/auth/sessions/{id}", tag = "auth", params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such live session of yours"),
    ))]
pub async fn revoke_session(
    State(state): State<AppState>,
    caller: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, AppError> {
    service::revoke_session(&state, &caller, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's API keys (revoked ones included, marked).
#[utoipa::path(get, path = "/auth/api-keys", tag = "auth",
    responses((status = 200, description = "Keys", body = Page<ApiKeyView>)))]
pub async fn list_api_keys(State(state): State<AppState>, caller: CurrentUser) -> ApiResult<Page<ApiKeyView>> {
    Ok(ApiJson(keys::list(&state, &caller).await?))
}

/// Create a personal API key, bound to the workspace named by `X-Workspace-Id` (id or slug;
/// default: the one last opened). The key never does more there than the member's role
/// allows, and stops working if they leave. The token is in this answer only; send it as
/// `Authorization: Bearer <token>`.
#[utoipa::path(post, path = "/auth/api-keys", tag = "auth", request_body = NewApiKeyForm,
    params(("X-Workspace-Id" = Option<String>, Header, description = "Workspace id or slug")),
    responses(
        (status = 201, description = "Created", body = ApiKeyCreated),
        (status = 403, description = "API keys cannot create keys"),
        (status = 404, description = "Not a member of that workspace"),
        (status = 422, description = "Missing name or unknown scope"),
    ))]
pub async fn create_api_key(
    State(state): State<AppState>,
    tenant: Tenant,
    client: ClientInfo,
    ApiJson(form): ApiJson<NewApiKeyForm>,
) -> Result<Response, AppError> {
    let created = keys::create(&state, &tenant, form, &client).await?;
    Ok((StatusCode::CREATED, ApiJson(created)).into_response())
}

/// Revoke an API key: it stops working at once.
#[utoipa::path(delete, path = "/auth/api-keys/{id}", tag = "auth", params(("id" = Uuid, Path, description = "Key id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such live key of yours"),
    ))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    caller: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, AppError> {
    keys::revoke(&state, &caller, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 100, default 50.
    pub limit: Option<u32>,
}

/// The caller's own security events, newest first.
#[utoipa::path(get, path = "/auth/security-events", tag = "auth", params(PageQuery),
    responses(
        (status = 200, description = "Events", body = Page<SecurityEventView>),
        (status = 401, description = "Not signed in"),
    ))]
pub async fn security_events(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Page<SecurityEventView>> {
    Ok(ApiJson(service::security_events(&state, &caller, query.cursor.as_deref(), query.limit).await?))
}
