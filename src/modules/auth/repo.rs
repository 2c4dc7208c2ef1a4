//! The SQL of the identity module. Users are platform-level (not tenant data), so these
//! functions take no `Tenant`; every query on sessions and events is bound to a user id.
use chrono::{DateTime, Utc};
use sqlx::{FromRow, MySqlConnection, MySqlExecutor};
use uuid::Uuid;

use super::types::UserView;

/// A `users` row. Not `Serialize`: it carries the password hash.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub pending_email: Option<String>,
    pub name: String,
    pub avatar_key: Option<String>,
    pub time_zone: String,
    pub language: String,
    pub password_hash: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub is_platform_admin: bool,
    /// Sealed (AES-GCM) TOTP secret, set once MFA is enabled.
    pub totp_secret: Option<Vec<u8>>,
    pub totp_pending_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
}

impl UserRow {
    pub fn mfa_enabled(&self) -> bool {
        self.totp_secret.is_some()
    }

    pub fn into_view(self) -> UserView {
        UserView {
            id: self.id,
            mfa_enabled: self.mfa_enabled(),
            name: self.name,
            email: self.email,
            email_verified: self.email_verified_at.is_some(),
            pending_email: self.pending_email,
            avatar_url: self.avatar_key.map(|key| format!("/media/{key}")),
            time_zone: self.time_zone,
            language: self.language,
        }
    }
}

const USER_COLUMNS: &str = "id, email, pending_email, name, avatar_key, time_zone, language, password_hash, \
                            email_verified_at, is_platform_admin, totp_secret, totp_pending_secret, totp_last_step";

pub async fn insert_user<'e>(
    db: impl MySqlExecutor<'e>,
    id: Uuid,
    name: &str,
    email: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into users (id, email, name, password_hash, email_verified_at, is_platform_admin, created_at, updated_at)
         values (?, ?, ?, ?, null, false, ?, ?)",
    )
    .bind(id)
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find_user_by_email<'e>(db: impl MySqlExecutor<'e>, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {USER_COLUMNS} from users where email = ?")).bind(email).fetch_optional(db).await
}

pub async fn find_user_by_id<'e>(db: impl MySqlExecutor<'e>, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {USER_COLUMNS} from users where id = ?")).bind(id).fetch_optional(db).await
}

/// The user, locked until the transaction ends (for changes that read then write).
pub async fn find_user_for_update(db: &mut MySqlConnection, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {USER_COLUMNS} from users where id = ? for update")).bind(id).fetch_optional(db).await
}

pub async fn update_password_hash<'e>(
    db: impl MySqlExecutor<'e>,
    user_id: Uuid,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("update users set password_hash = ?, updated_at = ? where id = ?")
        .bind(password_hash)
        .bind(now)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A refresh-token session about to be stored.
pub struct NewSession<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub token_hash: &'a [u8; 32],
    pub expires_at: DateTime<Utc>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub verified_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

pub async fn insert_session(db: &mut MySqlConnection, s: NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into auth_sessions (id, user_id, family_id, token_hash, expires_at, revoked_at, replaced_by,
                                    ip, user_agent, last_seen_at, verified_at, created_at, updated_at)
         values (?, ?, ?, ?, ?, null, null, ?, ?, ?, ?, ?, ?)",
    )
    .bind(s.id)
    .bind(s.user_id)
    .bind(s.family_id)
    .bind(&s.token_hash[..])
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(s.now)
    .bind(s.verified_at)
    .bind(s.now)
    .bind(s.now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub replaced_by: Option<Uuid>,
    pub verified_at: Option<DateTime<Utc>>,
}

/// The session holding this token hash, locked until the transaction ends so two concurrent
/// refreshes with one token cannot both rotate it.
pub async fn find_session_by_hash_for_update(
    db: &mut MySqlConnection,
    token_hash: &[u8; 32],
) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "select id, user_id, family_id, expires_at, revoked_at, replaced_by, verified_at
         from auth_sessions where token_hash = ? for update",
    )
    .bind(&token_hash[..])
    .fetch_optional(db)
    .await
}

pub async fn mark_rotated(
    db: &mut MySqlConnection,
    id: Uuid,
    replaced_by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("update auth_sessions set revoked_at = ?, replaced_by = ?, last_seen_at = ?, updated_at = ? where id = ?")
        .bind(now)
        .bind(replaced_by)
        .bind(now)
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Revokes every live session of a family; returns how many were live.
pub async fn revoke_family<'e>(
    db: impl MySqlExecutor<'e>,
    user_id: Uuid,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "update auth_sessions set revoked_at = ?, updated_at = ?
         where family_id = ? and user_id = ? and revoked_at is null",
    )
    .bind(now)
    .bind(now)
    .bind(family_id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// A condition, true while the session family bound first has a live, unexpired session of
/// `user` (a column, or `?` bound second); the time now is bound third. `Tenant` checks it
/// within its membership query.
pub fn live_family_sql(user: &str) -> String {
    format!("exists (select 1 from auth_sessions s where s.family_id = ? and s.user_id = {user} and s.revoked_at is null and s.expires_at > ?)")
}

/// Whether a family still has a live, unexpired session: what keeps its access tokens valid.
pub async fn family_is_live<'e>(
    db: impl MySqlExecutor<'e>,
    user_id: Uuid,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let row: Option<(i32,)> = sqlx::query_as(&format!("select 1 from dual where {}", live_family_sql("?")))
        .bind(family_id)
        .bind(user_id)
        .bind(now)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

/// An audit entry about to be stored.
pub struct NewSecurityEvent<'a> {
    pub user_id: Option<Uuid>,
    pub kind: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub detail: Option<&'a str>,
}

pub async fn insert_security_event<'e>(
    db: impl MySqlExecutor<'e>,
    e: NewSecurityEvent<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into security_events (id, user_id, kind, ip, user_agent, detail, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(Uuid::now_v7())
    .bind(e.user_id)
    .bind(e.kind)
    .bind(e.ip)
    .bind(e.user_agent)
    .bind(e.detail)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct SecurityEventRow {
    pub id: Uuid,
    pub kind: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The page of a user's events older than `before` (a UUIDv7, so ids sort by time), newest
/// first, and the total count.
pub async fn page_security_events(
    db: &mut MySqlConnection,
    user_id: Uuid,
    before: Option<Uuid>,
    limit: u32,
) -> Result<(Vec<SecurityEventRow>, u64), sqlx::Error> {
    let rows = sqlx::query_as(
        "select id, kind, ip, user_agent, detail, created_at from security_events
         where user_id = ? and (? is null or id < ?) order by id desc limit ?",
    )
    .bind(user_id)
    .bind(before)
    .bind(before)
    .bind(limit)
    .fetch_all(&mut *db)
    .await?;
    let total: i64 = sqlx::query_scalar("select count(*) from security_events where user_id = ?")
        .bind(user_id)
        .fetch_one(&mut *db)
        .await?;
    Ok((rows, total as u64))
}

/// The family's last verification time (password/MFA), if any.
pub async fn family_verified_at<'e>(
    db: impl MySqlExecutor<'e>,
    family_id: Uuid,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar("select max(verified_at) from auth_sessions where family_id = ?").bind(family_id).fetch_one(db).await
}

/// Marks the family's live session as just verified.
pub async fn mark_family_verified<'e>(db: impl MySqlExecutor<'e>, family_id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update auth_sessions set verified_at = ?, updated_at = ? where family_id = ? and revoked_at is null")
        .bind(now)
        .bind(now)
        .bind(family_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A live session family as the devices page lists it: its current token row plus its start.
#[derive(Debug, Clone, FromRow)]
pub struct LiveSessionRow {
    pub family_id: Uuid,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub async fn list_live_sessions<'e>(
    db: impl MySqlExecutor<'e>,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<LiveSessionRow>, sqlx::Error> {
    sqlx::query_as(
        "select s.family_id, s.ip, s.user_agent, s.last_seen_at,
                (select min(f.created_at) from auth_sessions f where f.family_id = s.family_id) as started_at
         from auth_sessions s
         where s.user_id = ? and s.revoked_at is null and s.expires_at > ?
         order by s.last_seen_at desc",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(db)
    .await
}

/// Revokes every live session of the user except `keep` (a family); returns how many.
pub async fn revoke_all_sessions<'e>(
    db: impl MySqlExecutor<'e>,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "update auth_sessions set revoked_at = ?, updated_at = ?
         where user_id = ? and revoked_at is null and (? is null or family_id <> ?)",
    )
    .bind(now)
    .bind(now)
    .bind(user_id)
    .bind(keep)
    .bind(keep)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

// --- profile, password, email -------------------------------------------------------------

pub async fn update_profile<'e>(
    db: impl MySqlExecutor<'e>,
    user_id: Uuid,
    name: &str,
    time_zone: &str,
    language: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("update users set name = ?, time_zone = ?, language = ?, updated_at = ? where id = ?")
        .bind(name)
        .bind(time_zone)
        .bind(language)
        .bind(now)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_avatar<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, key: Option<&str>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update users set avatar_key = ?, updated_at = ? where id = ?").bind(key).bind(now).bind(user_id).execute(db).await?;
    Ok(())
}

pub async fn set_pending_email<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, email: Option<&str>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update users set pending_email = ?, updated_at = ? where id = ?").bind(email).bind(now).bind(user_id).execute(db).await?;
    Ok(())
}

/// Makes `email` the account's (verified) address and clears the pending one.
pub async fn set_email_verified<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, email: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update users set email = ?, email_verified_at = ?, pending_email = case when pending_email = ? then null else pending_email end,
                updated_at = ? where id = ?",
    )
    .bind(email)
    .bind(now)
    .bind(email)
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_user<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("delete from users where id = ?").bind(user_id).execute(db).await?;
    Ok(())
}

pub async fn push_password_history<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, hash: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("insert into password_history (id, user_id, password_hash, created_at, updated_at) values (?, ?, ?, ?, ?)")
        .bind(Uuid::now_v7())
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// The `n` most recent earlier password hashes.
pub async fn recent_password_hashes<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, n: u32) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("select password_hash from password_history where user_id = ? order by created_at desc, id desc limit ?")
        .bind(user_id)
        .bind(n)
        .fetch_all(db)
        .await
}

// --- emailed single-use tokens ------------------------------------------------------------

pub async fn insert_auth_token<'e>(
    db: impl MySqlExecutor<'e>,
    user_id: Uuid,
    purpose: &str,
    token_hash: &[u8; 32],
    email: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into auth_tokens (id, user_id, purpose, token_hash, email, expires_at, used_at, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, null, ?, ?)",
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(purpose)
    .bind(&token_hash[..])
    .bind(email)
    .bind(expires_at)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct AuthTokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub purpose: String,
    pub email: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub async fn find_auth_token_for_update(db: &mut MySqlConnection, token_hash: &[u8; 32]) -> Result<Option<AuthTokenRow>, sqlx::Error> {
    sqlx::query_as("select id, user_id, purpose, email, expires_at, used_at from auth_tokens where token_hash = ? for update")
        .bind(&token_hash[..])
        .fetch_optional(db)
        .await
}

/// Uses up a token and every other unused token of the same user and purpose.
pub async fn use_auth_tokens<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, purpose: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update auth_tokens set used_at = ?, updated_at = ? where user_id = ? and purpose = ? and used_at is null")
        .bind(now)
        .bind(now)
        .bind(user_id)
        .bind(purpose)
        .execute(db)
        .await?;
    Ok(())
}

// --- failed logins ------------------------------------------------------------------------

pub async fn insert_login_failure<'e>(db: impl MySqlExecutor<'e>, email: &str, ip: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("insert into login_failures (id, email, ip, created_at, updated_at) values (?, ?, ?, ?, ?)")
        .bind(Uuid::now_v7())
        .bind(email)
        .bind(ip)
        .bind(now)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Failures since `since`: how many and the latest, for the email and for the IP.
#[derive(Debug, Clone, Default)]
pub struct FailureCounts {
    pub email_count: u32,
    pub email_latest: Option<DateTime<Utc>>,
    pub ip_count: u32,
    pub ip_latest: Option<DateTime<Utc>>,
}

pub async fn login_failures(
    db: &mut MySqlConnection,
    email: &str,
    ip: &str,
    since: DateTime<Utc>,
) -> Result<FailureCounts, sqlx::Error> {
    let (email_count, email_latest): (i64, Option<DateTime<Utc>>) =
        sqlx::query_as("select count(*), max(created_at) from login_failures where email = ? and created_at > ?")
            .bind(email)
            .bind(since)
            .fetch_one(&mut *db)
            .await?;
    let (ip_count, ip_latest): (i64, Option<DateTime<Utc>>) =
        sqlx::query_as("select count(*), max(created_at) from login_failures where ip = ? and created_at > ?")
            .bind(ip)
            .bind(since)
            .fetch_one(&mut *db)
            .await?;
    Ok(FailureCounts { email_count: email_count as u32, email_latest, ip_count: ip_count as u32, ip_latest })
}

pub async fn clear_login_failures<'e>(db: impl MySqlExecutor<'e>, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from login_failures where email = ?").bind(email).execute(db).await?;
    Ok(())
}

// --- MFA ----------------------------------------------------------------------------------

pub async fn set_pending_totp<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, sealed: &[u8], now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update users set totp_pending_secret = ?, updated_at = ? where id = ?").bind(sealed).bind(now).bind(user_id).execute(db).await?;
    Ok(())
}

/// Moves the pending secret to the active one and records the step its first code used.
pub async fn enable_totp<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, step: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update users set totp_secret = totp_pending_secret, totp_pending_secret = null, totp_enabled_at = ?,
                totp_last_step = ?, updated_at = ? where id = ? and totp_pending_secret is not null",
    )
    .bind(now)
    .bind(step)
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn disable_totp<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update users set totp_secret = null, totp_pending_secret = null, totp_enabled_at = null, totp_last_step = null,
                updated_at = ? where id = ?",
    )
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Records `step` as used if it is later than the last used one; false means a replay.
pub async fn claim_totp_step<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, step: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("update users set totp_last_step = ? where id = ? and (totp_last_step is null or totp_last_step < ?)")
        .bind(step)
        .bind(user_id)
        .bind(step)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn replace_backup_codes(db: &mut MySqlConnection, user_id: Uuid, hashes: &[[u8; 32]], now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("delete from mfa_backup_codes where user_id = ?").bind(user_id).execute(&mut *db).await?;
    // One multi-row insert rather than a query per code.
    let mut insert = sqlx::QueryBuilder::new("insert into mfa_backup_codes (id, user_id, code_hash, used_at, created_at, updated_at) ");
    insert.push_values(hashes, |mut row, hash| {
        row.push_bind(Uuid::now_v7()).push_bind(user_id).push_bind(&hash[..]).push("null").push_bind(now).push_bind(now);
    });
    insert.build().execute(&mut *db).await?;
    Ok(())
}

/// Uses the unused backup code with this hash; false when there is none.
pub async fn use_backup_code<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, hash: &[u8; 32], now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update mfa_backup_codes set used_at = ?, updated_at = ? where user_id = ? and code_hash = ? and used_at is null limit 1",
    )
    .bind(now)
    .bind(now)
    .bind(user_id)
    .bind(&hash[..])
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn backup_codes_remaining<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid) -> Result<u32, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("select count(*) from mfa_backup_codes where user_id = ? and used_at is null")
        .bind(user_id)
        .fetch_one(db)
        .await?;
    Ok(n as u32)
}

pub async fn delete_backup_codes<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("delete from mfa_backup_codes where user_id = ?").bind(user_id).execute(db).await?;
    Ok(())
}

pub async fn insert_mfa_challenge<'e>(
    db: impl MySqlExecutor<'e>,
    user_id: Uuid,
    token_hash: &[u8; 32],
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into mfa_challenges (id, user_id, token_hash, attempts, expires_at, consumed_at, created_at, updated_at)
         values (?, ?, ?, 0, ?, null, ?, ?)",
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(&token_hash[..])
    .bind(expires_at)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct MfaChallengeRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub attempts: i32,
    pub expires_at: DateTime<Utc>,
    pub consumed_at: Option<DateTime<Utc>>,
}

pub async fn find_mfa_challenge_for_update(db: &mut MySqlConnection, token_hash: &[u8; 32]) -> Result<Option<MfaChallengeRow>, sqlx::Error> {
    sqlx::query_as("select id, user_id, attempts, expires_at, consumed_at from mfa_challenges where token_hash = ? for update")
        .bind(&token_hash[..])
        .fetch_optional(db)
        .await
}

pub async fn update_mfa_challenge<'e>(
    db: impl MySqlExecutor<'e>,
    id: Uuid,
    attempts: i32,
    consumed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("update mfa_challenges set attempts = ?, consumed_at = ?, updated_at = ? where id = ?")
        .bind(attempts)
        .bind(consumed_at)
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

// --- API keys -----------------------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub workspace_id: Option<Uuid>,
    pub workspace_name: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const KEY_COLUMNS: &str = "id, user_id, name, prefix, scopes, workspace_id, \
     (select w.name from workspaces w where w.id = api_keys.workspace_id) as workspace_name, last_used_at, revoked_at, created_at";

pub async fn insert_api_key<'e>(
    db: impl MySqlExecutor<'e>,
    id: Uuid,
    user_id: Uuid,
    name: &str,
    prefix: &str,
    token_hash: &[u8; 32],
    scopes: &str,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into api_keys (id, user_id, name, prefix, token_hash, scopes, workspace_id, last_used_at, revoked_at, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, null, null, ?, ?)",
    )
    .bind(id)
    .bind(user_id)
    .bind(name)
    .bind(prefix)
    .bind(&token_hash[..])
    .bind(scopes)
    .bind(workspace_id)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find_api_key_by_id<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, id: Uuid) -> Result<Option<ApiKeyRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {KEY_COLUMNS} from api_keys where id = ? and user_id = ?"))
        .bind(id)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

pub async fn find_api_key_by_hash<'e>(db: impl MySqlExecutor<'e>, token_hash: &[u8; 32]) -> Result<Option<ApiKeyRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {KEY_COLUMNS} from api_keys where token_hash = ?")).bind(&token_hash[..]).fetch_optional(db).await
}

pub async fn list_api_keys<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid) -> Result<Vec<ApiKeyRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {KEY_COLUMNS} from api_keys where user_id = ? order by created_at desc, id desc"))
        .bind(user_id)
        .fetch_all(db)
        .await
}

/// Revokes the user's key; false when it is not theirs or already revoked.
pub async fn revoke_api_key<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("update api_keys set revoked_at = ?, updated_at = ? where id = ? and user_id = ? and revoked_at is null")
        .bind(now)
        .bind(now)
        .bind(id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn touch_api_key<'e>(db: impl MySqlExecutor<'e>, id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update api_keys set last_used_at = ? where id = ?").bind(now).bind(id).execute(db).await?;
    Ok(())
}
