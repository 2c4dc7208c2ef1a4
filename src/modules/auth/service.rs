//! Identity rules: password hashing, sign-up, sign-in, refresh-token rotation, sign-out and
//! the audit log. REST handlers and server functions are thin wrappers around these.
use std::sync::LazyLock;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::SaltString,
};
use chrono::{DateTime, Duration, Utc};
use sqlx::MySqlConnection;
use uuid::Uuid;

use super::{
    emails, mfa,
    repo::{self, NewSecurityEvent, NewSession, UserRow},
    session::{self, ACCESS_TTL_SECS, ClientInfo, CurrentUser, REFRESH_TTL_DAYS},
    types::{
        ChangePasswordForm, DeleteAccountForm, Email, LANGUAGES, LoginForm, MfaLoginForm, NewUser, Page, Password,
        PasswordResetConfirm, PersonName, ProfileForm, SecurityEventView, SessionView, StepUp, UserView, device_name,
    },
};
use crate::server::{db::{is_unique_violation, rfc3339}, error::AppError, mail, state::AppState, storage};

/// OWASP's argon2id parameters: 19 MiB, 2 passes, 1 lane.
pub const ARGON2_M_COST_KIB: u32 = 19_456;
pub const ARGON2_T_COST: u32 = 2;
pub const ARGON2_P_COST: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(ARGON2_M_COST_KIB, ARGON2_T_COST, ARGON2_P_COST, None).expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(argon2().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("argon2: {e}"))?.to_string())
}

/// Verified against when the email is unknown, so that answer takes as long as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking(&format!("{:x}", rand::random::<u128>())).expect("hashing a dummy password"));

/// Computes the dummy hash now (call from a blocking thread at start), so the first sign-in
/// with an unknown email is not slower than the others.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

/// Hashes off the async executor (argon2 takes tens of milliseconds of CPU by design).
pub async fn hash_password(password: &Password) -> Result<String, AppError> {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| anyhow::anyhow!("hashing task: {e}"))?
}

/// The outcome of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub ok: bool,
    /// The stored hash used other parameters than today's: store a fresh one.
    pub needs_rehash: bool,
}

/// Hashes a password that was already proven (rehash on login) without re-running the policy.
async fn hash_raw(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await.map_err(|e| anyhow::anyhow!("hashing task: {e}"))?
}

/// Checks `password` against `stored` (or the dummy hash when `None`), off the executor.
pub async fn verify_password(password: String, stored: Option<String>) -> Result<Verified, AppError> {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("a stored password hash is not a PHC string");
            return Verified { ok: false, needs_rehash: false };
        };
        let ok = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
        let current = Params::try_from(&parsed).ok();
        let needs_rehash = parsed.algorithm.as_str() != "argon2id"
            || current.is_none_or(|p| {
                (p.m_cost(), p.t_cost(), p.p_cost()) != (ARGON2_M_COST_KIB, ARGON2_T_COST, ARGON2_P_COST)
            });
        Verified { ok, needs_rehash }
    })
    .await
    .map_err(|e| AppError::from(anyhow::anyhow!("verifying task: {e}")))
}

/// What a successful sign-in, sign-up or refresh hands back to the client.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: UserView,
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

/// A password sign-in: done, or a second step is due.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    SignedIn(SignedIn),
    MfaRequired { challenge: String },
}

/// A refresh: rotated, or the token was rotated a moment ago by a concurrent request (two tabs).
#[derive(Debug, Clone)]
pub enum Refreshed {
    Rotated(SignedIn),
    Raced,
}

/// Failed sign-ins allowed for an email within `FAILURE_WINDOW` before it is locked.
pub const LOCK_AFTER: u32 = 10;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
/// Failures that cost nothing; each one after doubles the wait.
const FREE_FAILURES_PER_EMAIL: u32 = 3;
const FREE_FAILURES_PER_IP: u32 = 20;
/// Step-up asks for the password again after this long.
pub const STEP_UP_AFTER: Duration = Duration::minutes(10);
const VERIFY_EMAIL_TTL: Duration = Duration::hours(24);
const PASSWORD_RESET_TTL: Duration = Duration::minutes(30);
/// Earlier passwords that cannot be used again (besides the current one).
const PASSWORD_HISTORY: u32 = 4;

/// Stores a new refresh-token session (in `family_id`, or a new family) and mints its tokens.
async fn issue_session(
    state: &AppState,
    conn: &mut MySqlConnection,
    user: UserRow,
    family: Option<(Uuid, Option<DateTime<Utc>>)>,
    client: &ClientInfo,
) -> Result<(Uuid, SignedIn), AppError> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    // A new family is a fresh sign-in: verified now. A rotation keeps the family's time.
    let (family_id, verified_at) = family.unwrap_or_else(|| (Uuid::now_v7(), Some(now)));
    let (refresh_token, token_hash) = session::new_refresh_token();
    repo::insert_session(
        conn,
        NewSession {
            id,
            user_id: user.id,
            family_id,
            token_hash: &token_hash,
            expires_at: now + Duration::days(REFRESH_TTL_DAYS),
            ip: client.ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
            verified_at,
            now,
        },
    )
    .await?;
    let access_token = session::mint_access_token(session::jwt_secret(&state.config), user.id, family_id, now);
    Ok((id, SignedIn { user: user.into_view(), access_token, refresh_token, expires_in: ACCESS_TTL_SECS }))
}

pub(super) async fn record(
    conn: &mut MySqlConnection,
    user_id: Option<Uuid>,
    kind: &str,
    client: &ClientInfo,
    detail: Option<&str>,
) -> Result<(), AppError> {
    let event = NewSecurityEvent {
        user_id,
        kind,
        ip: client.ip.as_deref(),
        user_agent: client.user_agent.as_deref(),
        detail,
    };
    repo::insert_security_event(conn, event, Utc::now()).await?;
    Ok(())
}

pub(super) async fn user(conn: &mut MySqlConnection, id: Uuid) -> Result<UserRow, AppError> {
    repo::find_user_for_update(conn, id).await?.ok_or(AppError::Unauthorized)
}

/// A single-use emailed token: stores its hash, returns the token for the link.
async fn new_emailed_token(
    conn: &mut MySqlConnection,
    user_id: Uuid,
    purpose: &str,
    email: &str,
    ttl: Duration,
) -> Result<String, AppError> {
    let (token, hash) = session::new_refresh_token();
    let now = Utc::now();
    repo::insert_auth_token(&mut *conn, user_id, purpose, &hash, email, now + ttl, now).await?;
    Ok(token)
}

async fn send_verification(state: &AppState, conn: &mut MySqlConnection, user: &UserRow, email: &str, purpose: &str) -> Result<(), AppError> {
    let token = new_emailed_token(conn, user.id, purpose, email, VERIFY_EMAIL_TTL).await?;
    let link = format!("{}/verify-email?token={token}", state.config.public_url);
    mail::queue(conn, emails::verify_email(&user.name, email, &link)).await?;
    Ok(())
}

/// Creates the account, sends the verification link and signs it in. A taken email is a 409
/// (sign-up may say so; sign-in never does).
#[tracing::instrument(skip_all)]
pub async fn sign_up(state: &AppState, new: NewUser, client: &ClientInfo) -> Result<SignedIn, AppError> {
    state.limits.auth.check(client.ip_key())?;
    let password_hash = hash_password(&new.password).await?;
    let mut tx = state.pool.begin().await?;
    let user_id = Uuid::now_v7();
    repo::insert_user(&mut *tx, user_id, new.name.as_str(), new.email.as_str(), &password_hash, Utc::now())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                AppError::conflict("An account with this email already exists. Sign in instead.")
            } else {
                e.into()
            }
        })?;
    let user = user(&mut tx, user_id).await?;
    send_verification(state, &mut tx, &user, new.email.as_str(), "verify_email").await?;
    let (_, signed_in) = issue_session(state, &mut tx, user, None, client).await?;
    record(&mut tx, Some(user_id), "signup", client, None).await?;
    tx.commit().await?;
    Ok(signed_in)
}

/// Refuses a sign-in attempt (429) while the email or the IP is in backoff or locked. Unknown
/// emails are treated exactly like real ones.
async fn check_backoff(state: &AppState, conn: &mut MySqlConnection, email: &str, ip: &str) -> Result<(), AppError> {
    let now = Utc::now();
    let f = repo::login_failures(conn, email, ip, now - FAILURE_WINDOW).await?;
    let base = Duration::from_std(state.config.login_backoff_base).unwrap_or_default();
    let wait = |count: u32, free: u32| base * 2i32.saturating_pow(count.saturating_sub(free).min(20)).max(1);
    let mut until = None;
    if f.email_count >= LOCK_AFTER {
        until = f.email_latest.map(|t| t + FAILURE_WINDOW);
    } else if f.email_count >= FREE_FAILURES_PER_EMAIL {
        until = f.email_latest.map(|t| t + wait(f.email_count, FREE_FAILURES_PER_EMAIL).min(FAILURE_WINDOW));
    }
    if f.ip_count >= FREE_FAILURES_PER_IP {
        let ip_until = f.ip_latest.map(|t| t + wait(f.ip_count, FREE_FAILURES_PER_IP).min(FAILURE_WINDOW));
        until = until.max(ip_until);
    }
    match until {
        Some(until) if until > now => {
            let secs = ((until - now).num_milliseconds().max(1) as u64).div_ceil(1000);
            Err(AppError::TooManyRequests { retry_after_secs: secs })
        }
        _ => Ok(()),
    }
}

/// Records a failed attempt; the one that reaches the limit locks the account, logs it and
/// emails the owner (only when the account exists — nothing of it shows in the answer).
async fn record_failure(
    state: &AppState,
    conn: &mut MySqlConnection,
    email: &str,
    user: Option<&UserRow>,
    client: &ClientInfo,
    detail: &str,
) -> Result<(), AppError> {
    let now = Utc::now();
    repo::insert_login_failure(&mut *conn, email, client.ip_key(), now).await?;
    record(conn, user.map(|u| u.id), "login_failed", client, Some(detail)).await?;
    let f = repo::login_failures(conn, email, client.ip_key(), now - FAILURE_WINDOW).await?;
    if f.email_count == LOCK_AFTER
        && let Some(user) = user
    {
        record(conn, Some(user.id), "lockout", client, Some("10 failed sign-ins in 15 minutes")).await?;
        let link = format!("{}/forgot-password", state.config.public_url);
        mail::queue(conn, emails::locked_out(&user.name, &user.email, client, &link)).await?;
    }
    Ok(())
}

/// Signs in with email and password. Wrong password and unknown email give the same error
/// after the same amount of hashing work. With MFA on, answers a challenge instead.
#[tracing::instrument(skip_all)]
pub async fn log_in(state: &AppState, form: LoginForm, client: &ClientInfo) -> Result<LoginOutcome, AppError> {
    state.limits.auth.check(client.ip_key())?;
    form.check()?;
    let email = form.email.trim().to_lowercase();
    check_backoff(state, &mut *state.pool.acquire().await?, &email, client.ip_key()).await?;
    let user = repo::find_user_by_email(&state.pool, &email).await?;
    let verified = verify_password(form.password.clone(), user.as_ref().map(|u| u.password_hash.clone())).await?;
    let mut tx = state.pool.begin().await?;
    let user = match user {
        Some(user) if verified.ok => user,
        user => {
            let detail = if user.is_some() { "wrong password" } else { "unknown email" };
            record_failure(state, &mut tx, &email, user.as_ref(), client, detail).await?;
            tx.commit().await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    if verified.needs_rehash {
        // The password was just proven; `Password::parse` is not re-run (old policies stay valid).
        let fresh = hash_raw(form.password.clone()).await?;
        repo::update_password_hash(&mut *tx, user.id, &fresh, Utc::now()).await?;
    }
    if user.mfa_enabled() {
        let challenge = mfa::new_challenge(&mut tx, user.id).await?;
        tx.commit().await?;
        return Ok(LoginOutcome::MfaRequired { challenge });
    }
    repo::clear_login_failures(&mut *tx, &email).await?;
    let user_id = user.id;
    let (_, signed_in) = issue_session(state, &mut tx, user, None, client).await?;
    record(&mut tx, Some(user_id), "login_ok", client, None).await?;
    tx.commit().await?;
    Ok(LoginOutcome::SignedIn(signed_in))
}

/// The second step of a sign-in with MFA: a TOTP code (once per time step) or a backup code.
#[tracing::instrument(skip_all)]
pub async fn log_in_mfa(state: &AppState, form: MfaLoginForm, client: &ClientInfo) -> Result<SignedIn, AppError> {
    state.limits.auth.check(client.ip_key())?;
    if form.code.trim().is_empty() {
        return Err(AppError::field("code", "Enter the code from your authenticator app, or a backup code."));
    }
    let now = Utc::now();
    let mut tx = state.pool.begin().await?;
    let challenge = mfa::open_challenge(&mut tx, &form.challenge).await?;
    let user = user(&mut tx, challenge.user_id).await?;
    check_backoff(state, &mut tx, &user.email, client.ip_key()).await?;
    match mfa::check_code(state, &mut tx, &user, &form.code).await? {
        Some(method) => {
            repo::update_mfa_challenge(&mut *tx, challenge.id, challenge.attempts + 1, Some(now), now).await?;
            repo::clear_login_failures(&mut *tx, &user.email).await?;
            if method == mfa::Method::BackupCode {
                record(&mut tx, Some(user.id), "backup_code_used", client, None).await?;
            }
            let user_id = user.id;
            let (_, signed_in) = issue_session(state, &mut tx, user, None, client).await?;
            record(&mut tx, Some(user_id), "login_ok", client, Some(method.as_str())).await?;
            tx.commit().await?;
            Ok(signed_in)
        }
        None => {
            repo::update_mfa_challenge(&mut *tx, challenge.id, challenge.attempts + 1, None, now).await?;
            let email = user.email.clone();
            record_failure(state, &mut tx, &email, Some(&user), client, "wrong MFA code").await?;
            tx.commit().await?;
            Err(AppError::field("code", "That code is not valid. Use the current code from your app, or an unused backup code."))
        }
    }
}

/// Rotates a refresh token. Presenting a token that was already rotated means it was copied:
/// the whole family is revoked (the thief's and the owner's sessions) and the event logged —
/// unless the rotation happened within the grace window, which is two tabs racing.
#[tracing::instrument(skip_all)]
pub async fn refresh(state: &AppState, token: &str, client: &ClientInfo) -> Result<Refreshed, AppError> {
    let now = Utc::now();
    let mut tx = state.pool.begin().await?;
    let Some(current) = repo::find_session_by_hash_for_update(&mut tx, &session::hash_refresh_token(token)).await?
    else {
        return Err(AppError::Unauthorized);
    };
    if let Some(revoked_at) = current.revoked_at {
        if current.replaced_by.is_some() {
            let grace = Duration::from_std(state.config.refresh_reuse_grace).unwrap_or_default();
            if now - revoked_at <= grace && repo::family_is_live(&mut *tx, current.user_id, current.family_id, now).await? {
                return Ok(Refreshed::Raced);
            }
            repo::revoke_family(&mut *tx, current.user_id, current.family_id, now).await?;
            record(&mut tx, Some(current.user_id), "refresh_token_reuse", client, Some("session family revoked")).await?;
            tx.commit().await?;
            tracing::warn!(user_id = %current.user_id, family_id = %current.family_id, "refresh token reused; family revoked");
        }
        return Err(AppError::Unauthorized);
    }
    if current.expires_at <= now {
        return Err(AppError::Unauthorized);
    }
    let user = repo::find_user_by_id(&mut *tx, current.user_id).await?.ok_or(AppError::Unauthorized)?;
    let (new_id, signed_in) =
        issue_session(state, &mut tx, user, Some((current.family_id, current.verified_at)), client).await?;
    repo::mark_rotated(&mut tx, current.id, new_id, now).await?;
    tx.commit().await?;
    Ok(Refreshed::Rotated(signed_in))
}

/// Revokes the caller's session family, found from the refresh token or the access token.
#[tracing::instrument(skip_all)]
pub async fn log_out(
    state: &AppState,
    caller: Option<CurrentUser>,
    refresh_token: Option<&str>,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let mut target = caller.and_then(|c| c.session().ok().map(|family| (c.user_id, family)));
    if let Some(token) = refresh_token
        && let Some(row) = repo::find_session_by_hash_for_update(&mut tx, &session::hash_refresh_token(token)).await?
    {
        target = Some((row.user_id, row.family_id));
    }
    if let Some((user_id, family_id)) = target
        && repo::revoke_family(&mut *tx, user_id, family_id, Utc::now()).await? > 0
    {
        record(&mut tx, Some(user_id), "logout", client, None).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn me(state: &AppState, caller: &CurrentUser) -> Result<UserView, AppError> {
    let user = repo::find_user_by_id(&state.pool, caller.user_id).await?.ok_or(AppError::Unauthorized)?;
    Ok(user.into_view())
}

/// Step-up: passes when the caller's session proved itself in the last 10 minutes; otherwise
/// checks the password (and a TOTP or backup code when MFA is on) from `proof` and renews the
/// session's verification time. Wrong passwords count toward the account's lockout.
pub(super) async fn step_up(
    state: &AppState,
    conn: &mut MySqlConnection,
    caller: &CurrentUser,
    user: &UserRow,
    proof: &StepUp,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let family = caller.session()?;
    let now = Utc::now();
    if repo::family_verified_at(&mut *conn, family).await?.is_some_and(|at| now - at < STEP_UP_AFTER) {
        return Ok(());
    }
    let password = proof.password.as_deref().unwrap_or_default();
    let code = proof.code.as_deref().unwrap_or_default().trim();
    if password.is_empty() || user.mfa_enabled() && code.is_empty() {
        return Err(AppError::step_up(user.mfa_enabled()));
    }
    confirm_password(state, conn, user, password, "password", client).await?;
    if user.mfa_enabled() && mfa::check_code(state, conn, user, code).await?.is_none() {
        let email = user.email.clone();
        record_failure(state, conn, &email, Some(user), client, "wrong MFA code (step-up)").await?;
        return Err(AppError::field("code", "That code is not valid. Use the current code from your app, or an unused backup code."));
    }
    repo::mark_family_verified(&mut *conn, family, now).await?;
    Ok(())
}

/// Opens the transaction of a sensitive change: the caller's user row, locked, with step-up
/// passed. A refused step-up still commits what it recorded and comes back as the error.
pub(crate) async fn begin_sensitive(
    state: &AppState,
    caller: &CurrentUser,
    proof: &StepUp,
    client: &ClientInfo,
) -> Result<(sqlx::Transaction<'static, sqlx::MySql>, UserRow), AppError> {
    let mut tx = state.pool.begin().await?;
    let user = user(&mut tx, caller.user_id).await?;
    match step_up(state, &mut tx, caller, &user, proof, client).await {
        Ok(()) => Ok((tx, user)),
        Err(err) => commit_on_error(tx, Err(err)).await,
    }
}

/// Checks a signed-in user's password (backoff applies); a wrong one is an error on `field`.
async fn confirm_password(
    state: &AppState,
    conn: &mut MySqlConnection,
    user: &UserRow,
    password: &str,
    field: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    state.limits.auth.check(client.ip_key())?;
    check_backoff(state, conn, &user.email, client.ip_key()).await?;
    if !verify_password(password.to_owned(), Some(user.password_hash.clone())).await?.ok {
        let email = user.email.clone();
        record_failure(state, conn, &email, Some(user), client, "wrong password (confirmation)").await?;
        return Err(AppError::field(field, "The password is incorrect."));
    }
    Ok(())
}

/// A refused confirmation still commits what it recorded (the failure, the audit entry) —
/// nothing else has been written yet when it is called.
async fn commit_on_error<T>(tx: sqlx::Transaction<'_, sqlx::MySql>, err: Result<T, AppError>) -> Result<T, AppError> {
    tx.commit().await?;
    err
}

/// Sets a new password after checking the policy and the history, keeps the old hash in the
/// history. Shared by change and reset.
async fn set_password(conn: &mut MySqlConnection, user: &UserRow, raw: &str, field: &str) -> Result<(), AppError> {
    let password = Password::parse(raw).map_err(|message| AppError::field(field, message))?;
    let mut earlier = repo::recent_password_hashes(&mut *conn, user.id, PASSWORD_HISTORY).await?;
    earlier.push(user.password_hash.clone());
    for hash in earlier {
        if verify_password(raw.to_owned(), Some(hash)).await?.ok {
            return Err(AppError::field(field, "You used this password recently. Choose one you have not used before."));
        }
    }
    let hash = hash_password(&password).await?;
    let now = Utc::now();
    repo::push_password_history(&mut *conn, user.id, &user.password_hash, now).await?;
    repo::update_password_hash(&mut *conn, user.id, &hash, now).await?;
    Ok(())
}

/// Changes the password: needs the current one (and a code when MFA is on and the session is
/// not freshly verified); other sessions are signed out and the owner is told by email.
#[tracing::instrument(skip_all)]
pub async fn change_password(state: &AppState, caller: &CurrentUser, form: ChangePasswordForm, client: &ClientInfo) -> Result<(), AppError> {
    let family = caller.session()?;
    if form.current_password.is_empty() {
        return Err(AppError::field("current_password", "Enter your current password."));
    }
    let mut tx = state.pool.begin().await?;
    let user = user(&mut tx, caller.user_id).await?;
    let checked = async {
        confirm_password(state, &mut tx, &user, &form.current_password, "current_password", client).await?;
        let proof = StepUp { password: Some(form.current_password.clone()), code: form.code.clone() };
        step_up(state, &mut tx, caller, &user, &proof, client).await
    }
    .await;
    if let Err(err) = checked {
        return commit_on_error(tx, Err(err)).await;
    }
    set_password(&mut tx, &user, &form.new_password, "new_password").await?;
    let now = Utc::now();
    repo::revoke_all_sessions(&mut *tx, user.id, Some(family), now).await?;
    record(&mut tx, Some(user.id), "password_changed", client, None).await?;
    mail::queue(&mut tx, emails::password_changed(&user.name, &user.email)).await?;
    tx.commit().await?;
    Ok(())
}

/// Emails a reset link (30 minutes, single use) when the account exists. The answer is the same
/// either way.
#[tracing::instrument(skip_all)]
pub async fn request_password_reset(state: &AppState, email: &str, client: &ClientInfo) -> Result<(), AppError> {
    state.limits.auth.check(client.ip_key())?;
    let email = Email::parse(email).map_err(|m| AppError::field("email", m))?;
    let mut tx = state.pool.begin().await?;
    if let Some(user) = repo::find_user_by_email(&mut *tx, email.as_str()).await? {
        let token = new_emailed_token(&mut tx, user.id, "password_reset", &user.email, PASSWORD_RESET_TTL).await?;
        let link = format!("{}/reset-password?token={token}", state.config.public_url);
        mail::queue(&mut tx, emails::password_reset(&user.name, &user.email, &link)).await?;
        record(&mut tx, Some(user.id), "password_reset_requested", client, None).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A valid, unused, unexpired emailed token of `purposes`, locked, else a 400 saying so.
async fn take_token(conn: &mut MySqlConnection, token: &str, purposes: &[&str]) -> Result<repo::AuthTokenRow, AppError> {
    let invalid = || AppError::field("token", "This link is invalid or has already been used. Ask for a new one.");
    if token.trim().is_empty() {
        return Err(invalid());
    }
    let row = repo::find_auth_token_for_update(conn, &session::hash_refresh_token(token.trim())).await?.ok_or_else(invalid)?;
    if row.used_at.is_some() || !purposes.contains(&row.purpose.as_str()) {
        return Err(invalid());
    }
    if row.expires_at <= Utc::now() {
        return Err(AppError::field("token", "This link has expired. Ask for a new one."));
    }
    Ok(row)
}

/// Sets a new password from a reset link; every session of the account is revoked.
#[tracing::instrument(skip_all)]
pub async fn reset_password(state: &AppState, form: PasswordResetConfirm, client: &ClientInfo) -> Result<(), AppError> {
    state.limits.auth.check(client.ip_key())?;
    let mut tx = state.pool.begin().await?;
    let token = take_token(&mut tx, &form.token, &["password_reset"]).await?;
    let user = user(&mut tx, token.user_id).await?;
    set_password(&mut tx, &user, &form.password, "password").await?;
    let now = Utc::now();
    repo::use_auth_tokens(&mut *tx, user.id, "password_reset", now).await?;
    repo::revoke_all_sessions(&mut *tx, user.id, None, now).await?;
    repo::clear_login_failures(&mut *tx, &user.email).await?;
    record(&mut tx, Some(user.id), "password_reset", client, Some("all sessions revoked")).await?;
    mail::queue(&mut tx, emails::password_changed(&user.name, &user.email)).await?;
    tx.commit().await?;
    Ok(())
}

/// Follows an emailed link: verifies the address, or completes an email change.
#[tracing::instrument(skip_all)]
pub async fn verify_email(state: &AppState, token: &str, client: &ClientInfo) -> Result<UserView, AppError> {
    state.limits.auth.check(client.ip_key())?;
    let mut tx = state.pool.begin().await?;
    let token = take_token(&mut tx, token, &["verify_email", "change_email"]).await?;
    let user = user(&mut tx, token.user_id).await?;
    let now = Utc::now();
    if token.purpose == "change_email" {
        repo::set_email_verified(&mut *tx, user.id, &token.email, now).await.map_err(|e| {
            if is_unique_violation(&e) { AppError::conflict("Another account uses this email now.") } else { e.into() }
        })?;
        record(&mut tx, Some(user.id), "email_changed", client, Some(&format!("from {}", user.email))).await?;
    } else if token.email == user.email {
        repo::set_email_verified(&mut *tx, user.id, &token.email, now).await?;
        record(&mut tx, Some(user.id), "email_verified", client, None).await?;
    } else {
        return Err(AppError::field("token", "This link is for an address the account no longer uses."));
    }
    repo::use_auth_tokens(&mut *tx, user.id, &token.purpose, now).await?;
    let user = repo::find_user_by_id(&mut *tx, user.id).await?.ok_or(AppError::Unauthorized)?;
    tx.commit().await?;
    Ok(user.into_view())
}

/// Sends a fresh verification link to the caller's address.
pub async fn resend_verification(state: &AppState, caller: &CurrentUser, client: &ClientInfo) -> Result<(), AppError> {
    state.limits.auth.check(client.ip_key())?;
    let mut tx = state.pool.begin().await?;
    let user = user(&mut tx, caller.user_id).await?;
    if user.email_verified_at.is_some() {
        return Err(AppError::conflict("Your email address is already verified."));
    }
    let email = user.email.clone();
    send_verification(state, &mut tx, &user, &email, "verify_email").await?;
    tx.commit().await?;
    Ok(())
}

/// Updates name, time zone, language; a new email needs step-up and a confirmation link sent
/// to it (the old address is told).
#[tracing::instrument(skip_all)]
pub async fn update_profile(state: &AppState, caller: &CurrentUser, form: ProfileForm, client: &ClientInfo) -> Result<UserView, AppError> {
    let mut errors = Vec::new();
    let mut check = |field: &str, result: Result<(), String>| {
        if let Err(message) = result {
            errors.push(crate::shared::error::FieldError { field: field.into(), message });
        }
    };
    let name = form.name.as_deref().map(PersonName::parse).transpose();
    check("name", name.as_ref().map(|_| ()).map_err(Clone::clone));
    let tz = form.time_zone.as_deref().map(str::trim).filter(|tz| !tz.is_empty());
    check("time_zone", match tz {
        Some(tz) if tz.parse::<chrono_tz::Tz>().is_err() => Err("Choose a time zone from the list, like Europe/Paris.".into()),
        _ => Ok(()),
    });
    let language = form.language.as_deref().map(str::trim);
    check("language", match language {
        Some(l) if !LANGUAGES.iter().any(|(code, _)| *code == l) => Err("Choose one of the offered languages.".into()),
        _ => Ok(()),
    });
    let new_email = form.email.as_deref().filter(|e| !e.trim().is_empty()).map(Email::parse).transpose();
    check("email", new_email.as_ref().map(|_| ()).map_err(Clone::clone));
    if !errors.is_empty() {
        return Err(AppError::Validation { errors });
    }
    let (name, new_email) = (name.ok().flatten(), new_email.ok().flatten());
    let mut tx = state.pool.begin().await?;
    let user = user(&mut tx, caller.user_id).await?;
    let new_email = new_email.filter(|e| e.as_str() != user.email);
    if new_email.is_some() {
        // Checked before anything changes, so a refused email change changes nothing else.
        let proof = StepUp { password: form.password.clone(), code: form.code.clone() };
        if let Err(err) = step_up(state, &mut tx, caller, &user, &proof, client).await {
            return commit_on_error(tx, Err(err)).await;
        }
    }
    let now = Utc::now();
    repo::update_profile(
        &mut *tx,
        user.id,
        name.as_ref().map_or(user.name.as_str(), PersonName::as_str),
        tz.unwrap_or(&user.time_zone),
        language.unwrap_or(&user.language),
        now,
    )
    .await?;
    if let Some(email) = new_email {
        if repo::find_user_by_email(&mut *tx, email.as_str()).await?.is_some() {
            return Err(AppError::field("email", "Another account already uses this email."));
        }
        repo::set_pending_email(&mut *tx, user.id, Some(email.as_str()), now).await?;
        send_verification(state, &mut tx, &user, email.as_str(), "change_email").await?;
        mail::queue(&mut tx, emails::email_change_requested(&user.name, &user.email, email.as_str())).await?;
        record(&mut tx, Some(user.id), "email_change_requested", client, Some(email.as_str())).await?;
    }
    let view = repo::find_user_by_id(&mut *tx, user.id).await?.ok_or(AppError::Unauthorized)?.into_view();
    tx.commit().await?;
    Ok(view)
}

/// Largest avatar upload accepted.
pub use crate::server::storage::IMAGE_MAX_BYTES as AVATAR_MAX_BYTES;
/// Avatars are stored as this many pixels square.

/// Stores a new avatar (replacing the old file) and returns the updated user.
pub async fn set_avatar(state: &AppState, caller: &CurrentUser, bytes: Vec<u8>) -> Result<UserView, AppError> {
    caller.session()?;
    let key = storage::put_square_image(&state.config.storage_dir, "avatars", bytes, "avatar").await?;
    let mut tx = state.pool.begin().await?;
    let user = user(&mut tx, caller.user_id).await?;
    repo::set_avatar(&mut *tx, user.id, Some(&key), Utc::now()).await?;
    let view = repo::find_user_by_id(&mut *tx, user.id).await?.ok_or(AppError::Unauthorized)?.into_view();
    tx.commit().await?;
    if let Some(old) = user.avatar_key {
        storage::delete(&state.config.storage_dir, &old).await?;
    }
    Ok(view)
}

pub async fn remove_avatar(state: &AppState, caller: &CurrentUser) -> Result<UserView, AppError> {
    caller.session()?;
    let mut tx = state.pool.begin().await?;
    let user = user(&mut tx, caller.user_id).await?;
    repo::set_avatar(&mut *tx, user.id, None, Utc::now()).await?;
    let view = repo::find_user_by_id(&mut *tx, user.id).await?.ok_or(AppError::Unauthorized)?.into_view();
    tx.commit().await?;
    if let Some(old) = user.avatar_key {
        storage::delete(&state.config.storage_dir, &old).await?;
    }
    Ok(view)
}

/// Deletes the account and everything personal in it. Needs the password, and a code when MFA
/// is on, whatever the session's age. Refused while the user owns a workspace with other
/// members; workspaces only they belong to are deleted with the account.
#[tracing::instrument(skip_all)]
pub async fn delete_account(state: &AppState, caller: &CurrentUser, form: DeleteAccountForm, client: &ClientInfo) -> Result<(), AppError> {
    caller.session()?;
    if form.password.is_empty() {
        return Err(AppError::field("password", "Enter your password to delete your account."));
    }
    let mut tx = state.pool.begin().await?;
    let user = user(&mut tx, caller.user_id).await?;
    let checked = async {
        confirm_password(state, &mut tx, &user, &form.password, "password", client).await?;
        if user.mfa_enabled() {
            let code = form.code.as_deref().unwrap_or_default();
            if code.trim().is_empty() {
                return Err(AppError::field("code", "Enter a code from your authenticator app, or a backup code."));
            }
            if mfa::check_code(state, &mut tx, &user, code).await?.is_none() {
                return Err(AppError::field("code", "That code is not valid."));
            }
        }
        Ok(())
    }
    .await;
    if let Err(err) = checked {
        return commit_on_error(tx, Err(err)).await;
    }
    let logos = match crate::modules::workspaces::service::before_account_deletion(&mut tx, user.id).await {
        Ok(logos) => logos,
        Err(err) => return commit_on_error(tx, Err(err)).await,
    };
    record(&mut tx, Some(user.id), "account_deleted", client, None).await?;
    mail::queue(&mut tx, emails::account_deleted(&user.name, &user.email)).await?;
    repo::delete_user(&mut *tx, user.id).await?;
    tx.commit().await?;
    for key in user.avatar_key.into_iter().chain(logos) {
        storage::delete(&state.config.storage_dir, &key).await?;
    }
    Ok(())
}

/// The caller's live sessions (one per signed-in device), most recently used first.
pub async fn sessions(state: &AppState, caller: &CurrentUser) -> Result<Page<SessionView>, AppError> {
    let current = caller.session()?;
    let rows = repo::list_live_sessions(&state.pool, caller.user_id, Utc::now()).await?;
    let items: Vec<SessionView> = rows
        .into_iter()
        .map(|r| SessionView {
            id: r.family_id,
            current: r.family_id == current,
            device: device_name(r.user_agent.as_deref()),
            ip: r.ip,
            user_agent: r.user_agent,
            created_at: rfc3339(r.started_at),
            last_seen_at: rfc3339(r.last_seen_at),
        })
        .collect();
    Ok(Page { total: items.len() as u64, items, next_cursor: None })
}

/// Signs one of the caller's devices out; another user's or an unknown session is a 404.
pub async fn revoke_session(state: &AppState, caller: &CurrentUser, family_id: Uuid, client: &ClientInfo) -> Result<(), AppError> {
    caller.session()?;
    let mut tx = state.pool.begin().await?;
    if repo::revoke_family(&mut *tx, caller.user_id, family_id, Utc::now()).await? == 0 {
        return Err(AppError::NotFound);
    }
    record(&mut tx, Some(caller.user_id), "session_revoked", client, Some(&family_id.to_string())).await?;
    tx.commit().await?;
    Ok(())
}

/// Signs every other device out; returns how many sessions ended.
pub async fn revoke_other_sessions(state: &AppState, caller: &CurrentUser, client: &ClientInfo) -> Result<u64, AppError> {
    let current = caller.session()?;
    let mut tx = state.pool.begin().await?;
    let n = repo::revoke_all_sessions(&mut *tx, caller.user_id, Some(current), Utc::now()).await?;
    record(&mut tx, Some(caller.user_id), "sessions_revoked", client, Some(&format!("{n} other sessions"))).await?;
    tx.commit().await?;
    Ok(n)
}

/// A page of the caller's own security events, newest first. `cursor` is the last id seen.
pub async fn security_events(
    state: &AppState,
    caller: &CurrentUser,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<SecurityEventView>, AppError> {
    caller.session()?;
    let before = cursor
        .filter(|c| !c.is_empty())
        .map(|c| c.parse::<Uuid>().map_err(|_| AppError::field("cursor", "This cursor is not one the API gave out.")))
        .transpose()?;
    let limit = limit.unwrap_or(50).clamp(1, 100);
    let (rows, total) = repo::page_security_events(&mut *state.pool.acquire().await?, caller.user_id, before, limit + 1).await?;
    let more = rows.len() > limit as usize;
    let items: Vec<SecurityEventView> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| SecurityEventView {
            id: r.id,
            kind: r.kind,
            ip: r.ip,
            user_agent: r.user_agent,
            detail: r.detail,
            created_at: rfc3339(r.created_at),
        })
        .collect();
    let next_cursor = more.then(|| items.last().map(|e| e.id.to_string())).flatten();
    Ok(Page { items, total, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let password = Password::parse("Velvet-Otter-Quarry-91").unwrap();
        let hash = hash_password(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        let ok = verify_password("Velvet-Otter-Quarry-91".into(), Some(hash.clone())).await.unwrap();
        assert_eq!(ok, Verified { ok: true, needs_rehash: false });
        assert!(!verify_password("Velvet-Otter-Quarry-92".into(), Some(hash)).await.unwrap().ok);
    }

    #[tokio::test]
    async fn hashes_made_with_other_parameters_are_flagged_for_rehash() {
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8, 1, 1, None).unwrap());
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let hash = weak.hash_password(b"Velvet-Otter-Quarry-91", &salt).unwrap().to_string();
        let verified = verify_password("Velvet-Otter-Quarry-91".into(), Some(hash)).await.unwrap();
        assert_eq!(verified, Verified { ok: true, needs_rehash: true });
    }

    #[tokio::test]
    async fn unknown_accounts_are_checked_against_a_dummy_hash_and_fail() {
        assert!(!verify_password("anything at all".into(), None).await.unwrap().ok);
    }
}
