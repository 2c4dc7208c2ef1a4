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
    pub name: String,
    pub password_hash: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub is_platform_admin: bool,
}

impl UserRow {
    pub fn into_view(self) -> UserView {
        UserView { id: self.id, name: self.name, email: self.email, email_verified: self.email_verified_at.is_some() }
    }
}

const USER_COLUMNS: &str = "id, email, name, password_hash, email_verified_at, is_platform_admin";

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
    pub now: DateTime<Utc>,
}

pub async fn insert_session(db: &mut MySqlConnection, s: NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into auth_sessions (id, user_id, family_id, token_hash, expires_at, revoked_at, replaced_by,
                                    ip, user_agent, last_seen_at, created_at, updated_at)
         values (?, ?, ?, ?, ?, null, null, ?, ?, ?, ?, ?)",
    )
    .bind(s.id)
    .bind(s.user_id)
    .bind(s.family_id)
    .bind(&s.token_hash[..])
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(s.now)
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
}

/// The session holding this token hash, locked until the transaction ends so two concurrent
/// refreshes with one token cannot both rotate it.
pub async fn find_session_by_hash_for_update(
    db: &mut MySqlConnection,
    token_hash: &[u8; 32],
) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "select id, user_id, family_id, expires_at, revoked_at, replaced_by
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

/// Whether a family still has a live, unexpired session: what keeps its access tokens valid.
pub async fn family_is_live<'e>(
    db: impl MySqlExecutor<'e>,
    user_id: Uuid,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let row: Option<(i32,)> = sqlx::query_as(
        "select 1 from auth_sessions
         where family_id = ? and user_id = ? and revoked_at is null and expires_at > ? limit 1",
    )
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

/// A user's own events, newest first.
pub async fn list_security_events<'e>(
    db: impl MySqlExecutor<'e>,
    user_id: Uuid,
    limit: u32,
) -> Result<Vec<SecurityEventRow>, sqlx::Error> {
    sqlx::query_as(
        "select id, kind, ip, user_agent, detail, created_at from security_events
         where user_id = ? order by created_at desc, id desc limit ?",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
