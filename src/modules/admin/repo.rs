//! The SQL of the admin area. These queries deliberately cross tenants (every account, every
//! workspace): only `service`, after its platform-admin check, calls them.
use chrono::{DateTime, Utc};
use sqlx::{FromRow, MySqlExecutor};
use uuid::Uuid;

/// The newest-first position a page starts after: `(created_at, id)` of the last row seen.
pub type After = (DateTime<Utc>, Uuid);

#[derive(Debug, Clone, FromRow)]
pub struct AdminUserRow {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub email_verified: i64,
    pub is_platform_admin: bool,
    pub mfa_enabled: i64,
    pub workspaces: i64,
    pub created_at: DateTime<Utc>,
}

const USER_FILTER: &str = "(? is null or u.name like ? escape '!' or u.email like ? escape '!')";

/// A page of users matching `pattern` (a LIKE pattern with `!` as its escape character, or
/// none for all), newest first, after `after`.
pub async fn list_users<'e>(
    db: impl MySqlExecutor<'e>,
    pattern: Option<&str>,
    after: Option<After>,
    limit: u32,
) -> Result<Vec<AdminUserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select u.id, u.name, u.email, (u.email_verified_at is not null) as email_verified, u.is_platform_admin,
                (u.totp_secret is not null) as mfa_enabled,
                (select count(*) from workspace_members m where m.user_id = u.id) as workspaces, u.created_at
         from users u
         where {USER_FILTER}
           and (? is null or u.created_at < ? or (u.created_at = ? and u.id < ?))
         order by u.created_at desc, u.id desc limit ?"
    ))
    .bind(pattern)
    .bind(pattern)
    .bind(pattern)
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.1))
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn count_users<'e>(db: impl MySqlExecutor<'e>, pattern: Option<&str>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!("select count(*) from users u where {USER_FILTER}"))
        .bind(pattern)
        .bind(pattern)
        .bind(pattern)
        .fetch_one(db)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct AdminWorkspaceRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub plan_code: String,
    pub owner_email: Option<String>,
    pub members: i64,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const WORKSPACE_FROM: &str = "from workspaces w left join users o on o.id = w.owner_id
     where (? is null or w.name like ? escape '!' or w.slug like ? escape '!' or o.email like ? escape '!')";

const WORKSPACE_SELECT: &str = "select w.id, w.name, w.slug, w.plan_code, o.email as owner_email,
            (select count(*) from workspace_members m where m.workspace_id = w.id) as members, w.deleted_at, w.created_at";

/// A page of workspaces (deleted ones included) whose name, slug or owner's email matches
/// `pattern`, newest first, after `after`.
pub async fn list_workspaces<'e>(
    db: impl MySqlExecutor<'e>,
    pattern: Option<&str>,
    after: Option<After>,
    limit: u32,
) -> Result<Vec<AdminWorkspaceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{WORKSPACE_SELECT} {WORKSPACE_FROM}
           and (? is null or w.created_at < ? or (w.created_at = ? and w.id < ?))
         order by w.created_at desc, w.id desc limit ?"
    ))
    .bind(pattern)
    .bind(pattern)
    .bind(pattern)
    .bind(pattern)
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.1))
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn count_workspaces<'e>(db: impl MySqlExecutor<'e>, pattern: Option<&str>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!("select count(*) {WORKSPACE_FROM}"))
        .bind(pattern)
        .bind(pattern)
        .bind(pattern)
        .bind(pattern)
        .fetch_one(db)
        .await
}

pub async fn find_workspace<'e>(db: impl MySqlExecutor<'e>, id: Uuid) -> Result<Option<AdminWorkspaceRow>, sqlx::Error> {
    sqlx::query_as(&format!("{WORKSPACE_SELECT} from workspaces w left join users o on o.id = w.owner_id where w.id = ?"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Whether a plan with this code exists.
pub async fn plan_exists<'e>(db: impl MySqlExecutor<'e>, code: &str) -> Result<bool, sqlx::Error> {
    let found: Option<(String,)> = sqlx::query_as("select code from plans where code = ?").bind(code).fetch_optional(db).await?;
    Ok(found.is_some())
}

/// Sets the platform-admin flag; false when no user has this id.
pub async fn set_platform_admin<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, on: bool, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("update users set is_platform_admin = ?, updated_at = ? where id = ?")
        .bind(on)
        .bind(now)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
