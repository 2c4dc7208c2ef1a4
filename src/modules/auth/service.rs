//! Identity rules: password hashing, sign-up, sign-in, refresh-token rotation, sign-out and
//! the audit log. REST handlers and server functions are thin wrappers around these.
use std::sync::LazyLock;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::SaltString,
};
use chrono::{Duration, Utc};
use sqlx::MySqlConnection;
use uuid::Uuid;

use super::{
    repo::{self, NewSecurityEvent, NewSession},
    session::{self, ACCESS_TTL_SECS, ClientInfo, CurrentUser, REFRESH_TTL_DAYS},
    types::{LoginForm, NewUser, Password, SecurityEventView, UserView},
};
use crate::server::{error::AppError, state::AppState};

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

/// Stores a new refresh-token session (in `family_id`, or a new family) and mints its tokens.
async fn issue_session(
    state: &AppState,
    conn: &mut MySqlConnection,
    user_id: Uuid,
    family_id: Option<Uuid>,
    client: &ClientInfo,
) -> Result<(Uuid, String, String), AppError> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let family_id = family_id.unwrap_or_else(Uuid::now_v7);
    let (refresh_token, token_hash) = session::new_refresh_token();
    repo::insert_session(
        conn,
        NewSession {
            id,
            user_id,
            family_id,
            token_hash: &token_hash,
            expires_at: now + Duration::days(REFRESH_TTL_DAYS),
            ip: client.ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
            now,
        },
    )
    .await?;
    let access_token = session::mint_access_token(session::jwt_secret(&state.config), user_id, family_id, now);
    Ok((id, access_token, refresh_token))
}

async fn record(
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

fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|e| e.is_unique_violation())
}

/// Creates the account and signs it in. A taken email is a 409 (sign-up may say so; sign-in
/// never does).
#[tracing::instrument(skip_all)]
pub async fn sign_up(state: &AppState, new: NewUser, client: &ClientInfo) -> Result<SignedIn, AppError> {
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
    let (_, access_token, refresh_token) = issue_session(state, &mut tx, user_id, None, client).await?;
    record(&mut tx, Some(user_id), "signup", client, None).await?;
    let user = repo::find_user_by_id(&mut *tx, user_id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(SignedIn { user: user.into_view(), access_token, refresh_token, expires_in: ACCESS_TTL_SECS })
}

/// Signs in with email and password. Wrong password and unknown email give the same error
/// after the same amount of hashing work.
#[tracing::instrument(skip_all)]
pub async fn log_in(state: &AppState, form: LoginForm, client: &ClientInfo) -> Result<SignedIn, AppError> {
    form.check()?;
    let email = form.email.trim().to_lowercase();
    let user = repo::find_user_by_email(&state.pool, &email).await?;
    let verified = verify_password(form.password.clone(), user.as_ref().map(|u| u.password_hash.clone())).await?;
    let mut tx = state.pool.begin().await?;
    let user = match user {
        Some(user) if verified.ok => user,
        user => {
            let detail = if user.is_some() { "wrong password" } else { "unknown email" };
            record(&mut tx, user.map(|u| u.id), "login_failed", client, Some(detail)).await?;
            tx.commit().await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    if verified.needs_rehash {
        // The password was just proven; `Password::parse` is not re-run (old policies stay valid).
        let fresh = {
            let password = form.password.clone();
            tokio::task::spawn_blocking(move || hash_blocking(&password))
                .await
                .map_err(|e| anyhow::anyhow!("hashing task: {e}"))??
        };
        repo::update_password_hash(&mut *tx, user.id, &fresh, Utc::now()).await?;
    }
    let (_, access_token, refresh_token) = issue_session(state, &mut tx, user.id, None, client).await?;
    record(&mut tx, Some(user.id), "login_ok", client, None).await?;
    tx.commit().await?;
    Ok(SignedIn { user: user.into_view(), access_token, refresh_token, expires_in: ACCESS_TTL_SECS })
}

/// Rotates a refresh token. Presenting a token that was already rotated means it was copied:
/// the whole family is revoked (the thief's and the owner's sessions) and the event logged.
#[tracing::instrument(skip_all)]
pub async fn refresh(state: &AppState, token: &str, client: &ClientInfo) -> Result<SignedIn, AppError> {
    let now = Utc::now();
    let mut tx = state.pool.begin().await?;
    let Some(current) = repo::find_session_by_hash_for_update(&mut tx, &session::hash_refresh_token(token)).await?
    else {
        return Err(AppError::Unauthorized);
    };
    if current.revoked_at.is_some() {
        if current.replaced_by.is_some() {
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
    let (new_id, access_token, refresh_token) =
        issue_session(state, &mut tx, user.id, Some(current.family_id), client).await?;
    repo::mark_rotated(&mut tx, current.id, new_id, now).await?;
    tx.commit().await?;
    Ok(SignedIn { user: user.into_view(), access_token, refresh_token, expires_in: ACCESS_TTL_SECS })
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
    let mut target = caller.map(|c| (c.user_id, c.family_id));
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

pub async fn me(state: &AppState, caller: CurrentUser) -> Result<UserView, AppError> {
    let user = repo::find_user_by_id(&state.pool, caller.user_id).await?.ok_or(AppError::Unauthorized)?;
    Ok(user.into_view())
}

/// The caller's own security events, newest first (at most 50).
pub async fn security_events(state: &AppState, caller: CurrentUser) -> Result<Vec<SecurityEventView>, AppError> {
    let rows = repo::list_security_events(&state.pool, caller.user_id, 50).await?;
    Ok(rows
        .into_iter()
        .map(|r| SecurityEventView {
            id: r.id,
            kind: r.kind,
            ip: r.ip,
            user_agent: r.user_agent,
            detail: r.detail,
            created_at: r.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        })
        .collect())
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
