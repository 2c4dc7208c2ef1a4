//! The SQL of the workspaces module. Every query on members, invitations, roles and activity
//! binds the workspace id; lookups by token or by the caller's own memberships are the only
//! ones that start from something else.
use chrono::{DateTime, Utc};
use sqlx::{FromRow, MySqlExecutor};
use uuid::Uuid;

use crate::modules::auth::repo as auth_repo;

/// A `workspaces` row.
#[derive(Debug, Clone, FromRow)]
pub struct WorkspaceRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub owner_id: Uuid,
    pub logo_key: Option<String>,
    pub brand_color: String,
    pub currency: String,
    pub time_zone: String,
    pub language: String,
    pub plan_code: String,
    pub goals: String,
    pub setup_completed_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub purge_after: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const WORKSPACE_COLUMNS: &str = "w.id, w.name, w.slug, w.owner_id, w.logo_key, w.brand_color, w.currency, w.time_zone, \
     w.language, w.plan_code, w.goals, w.setup_completed_at, w.deleted_at, w.purge_after, w.created_at";

/// A user's membership: the role and, for a custom role, its name and permissions.
#[derive(Debug, Clone, FromRow)]
pub struct MembershipRow {
    pub workspace_id: Uuid,
    pub user_id: Uuid,
    pub role: String,
    pub custom_role_id: Option<Uuid>,
    pub custom_role_name: Option<String>,
    pub custom_permissions: Option<String>,
    pub last_active_at: Option<DateTime<Utc>>,
}

const MEMBERSHIP_COLUMNS: &str = "m.workspace_id, m.user_id, m.role, m.custom_role_id, r.name as custom_role_name, \
     r.permissions as custom_permissions, m.last_active_at";
const MEMBERSHIP_JOIN: &str = "workspace_members m \
     join workspaces w on w.id = m.workspace_id \
     left join workspace_roles r on r.workspace_id = m.workspace_id and r.id = m.custom_role_id";

pub async fn insert_workspace<'e>(db: impl MySqlExecutor<'e>, w: &WorkspaceRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into workspaces (id, name, slug, owner_id, logo_key, brand_color, currency, time_zone, language,
                                 plan_code, goals, setup_completed_at, created_at, updated_at)
         values (?, ?, ?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(w.id)
    .bind(&w.name)
    .bind(&w.slug)
    .bind(w.owner_id)
    .bind(&w.brand_color)
    .bind(&w.currency)
    .bind(&w.time_zone)
    .bind(&w.language)
    .bind(&w.plan_code)
    .bind(&w.goals)
    .bind(w.setup_completed_at)
    .bind(w.created_at)
    .bind(w.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// A workspace in any state (live or deleted), locked for the transaction's update.
pub async fn find_workspace_for_update<'e>(db: impl MySqlExecutor<'e>, id: Uuid) -> Result<Option<WorkspaceRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {WORKSPACE_COLUMNS} from workspaces w where w.id = ? for update"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn find_workspace<'e>(db: impl MySqlExecutor<'e>, id: Uuid) -> Result<Option<WorkspaceRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {WORKSPACE_COLUMNS} from workspaces w where w.id = ?")).bind(id).fetch_optional(db).await
}

pub async fn slug_taken<'e>(db: impl MySqlExecutor<'e>, slug: &str, except: Option<Uuid>) -> Result<bool, sqlx::Error> {
    let found: Option<(Uuid,)> = sqlx::query_as("select id from workspaces where slug = ?").bind(slug).fetch_optional(db).await?;
    Ok(found.is_some_and(|(id,)| Some(id) != except))
}

/// Writes the settings a member can change.
pub async fn update_workspace<'e>(db: impl MySqlExecutor<'e>, w: &WorkspaceRow, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update workspaces set name = ?, slug = ?, brand_color = ?, currency = ?, time_zone = ?, language = ?,
                goals = ?, setup_completed_at = ?, updated_at = ? where id = ?",
    )
    .bind(&w.name)
    .bind(&w.slug)
    .bind(&w.brand_color)
    .bind(&w.currency)
    .bind(&w.time_zone)
    .bind(&w.language)
    .bind(&w.goals)
    .bind(w.setup_completed_at)
    .bind(now)
    .bind(w.id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_logo<'e>(db: impl MySqlExecutor<'e>, id: Uuid, key: Option<&str>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update workspaces set logo_key = ?, updated_at = ? where id = ?").bind(key).bind(now).bind(id).execute(db).await?;
    Ok(())
}

pub async fn set_owner<'e>(db: impl MySqlExecutor<'e>, id: Uuid, owner: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update workspaces set owner_id = ?, updated_at = ? where id = ?").bind(owner).bind(now).bind(id).execute(db).await?;
    Ok(())
}

pub async fn set_plan<'e>(db: impl MySqlExecutor<'e>, id: Uuid, plan: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update workspaces set plan_code = ?, updated_at = ? where id = ?").bind(plan).bind(now).bind(id).execute(db).await?;
    Ok(())
}

/// Soft delete (`deleted` = the time and the purge time) or restore (`None`).
pub async fn set_deleted<'e>(
    db: impl MySqlExecutor<'e>,
    id: Uuid,
    deleted: Option<(DateTime<Utc>, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("update workspaces set deleted_at = ?, purge_after = ?, updated_at = ? where id = ?")
        .bind(deleted.map(|d| d.0))
        .bind(deleted.map(|d| d.1))
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes a workspace and (by cascade) everything it holds.
pub async fn purge_workspace<'e>(db: impl MySqlExecutor<'e>, id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("delete from workspaces where id = ?").bind(id).execute(db).await?.rows_affected() == 1)
}

/// A session family that must still be live for a membership to be read (`CurrentUser::from_token`):
/// checking it in the membership query saves a round trip on every workspace request.
pub type LiveSession = Option<(Uuid, DateTime<Utc>)>;

/// The condition `live` adds after `m.user_id = ?`; its binds follow `m.user_id`'s.
fn live_clause(live: LiveSession) -> String {
    live.map(|_| format!(" and {}", auth_repo::live_family_sql("m.user_id"))).unwrap_or_default()
}

/// The caller's membership of a live workspace named by id or slug.
pub async fn membership<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, live: LiveSession, id: Option<Uuid>, slug: Option<&str>) -> Result<Option<MembershipRow>, sqlx::Error> {
    let sql = format!(
        "select {MEMBERSHIP_COLUMNS} from {MEMBERSHIP_JOIN}
         where m.user_id = ?{} and w.deleted_at is null and (w.id = ? or w.slug = ?)",
        live_clause(live)
    );
    let mut query = sqlx::query_as(&sql).bind(user_id);
    if let Some((family_id, now)) = live {
        query = query.bind(family_id).bind(now);
    }
    query.bind(id).bind(slug).fetch_optional(db).await
}

/// The workspace a user last opened, else the one they joined first.
pub async fn current_membership<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, live: LiveSession) -> Result<Option<MembershipRow>, sqlx::Error> {
    let sql = format!(
        "select {MEMBERSHIP_COLUMNS} from {MEMBERSHIP_JOIN} join users u on u.id = m.user_id
         where m.user_id = ?{} and w.deleted_at is null
         order by (w.id <=> u.current_workspace_id) desc, m.joined_at, w.id limit 1",
        live_clause(live)
    );
    let mut query = sqlx::query_as(&sql).bind(user_id);
    if let Some((family_id, now)) = live {
        query = query.bind(family_id).bind(now);
    }
    query.fetch_optional(db).await
}

pub async fn touch_member<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, user_id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update workspace_members set last_active_at = ? where workspace_id = ? and user_id = ?")
        .bind(now)
        .bind(workspace_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_current_workspace<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, workspace_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("update users set current_workspace_id = ? where id = ? and not (current_workspace_id <=> ?)")
        .bind(workspace_id)
        .bind(user_id)
        .bind(workspace_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A workspace with the caller's membership in it.
#[derive(Debug, Clone, FromRow)]
pub struct MyWorkspaceRow {
    #[sqlx(flatten)]
    pub workspace: WorkspaceRow,
    #[sqlx(flatten)]
    pub membership: MembershipRow,
}

/// The user's workspaces, live ones by name; with `deleted`, also those deleted (restorable).
pub async fn my_workspaces<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid, deleted: bool) -> Result<Vec<MyWorkspaceRow>, sqlx::Error> {
    let filter = if deleted { "" } else { "and w.deleted_at is null" };
    sqlx::query_as(&format!(
        "select {WORKSPACE_COLUMNS}, {MEMBERSHIP_COLUMNS} from {MEMBERSHIP_JOIN}
         where m.user_id = ? {filter} order by w.deleted_at is not null, w.name, w.id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

pub async fn count_owned_live<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("select count(*) from workspaces where owner_id = ? and deleted_at is null")
        .bind(user_id)
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// Workspaces the user owns: `(id, name, other members)`, for account deletion.
pub async fn owned_with_member_counts<'e>(db: impl MySqlExecutor<'e>, user_id: Uuid) -> Result<Vec<(Uuid, String, i64, bool)>, sqlx::Error> {
    sqlx::query_as(
        "select w.id, w.name, (select count(*) from workspace_members m where m.workspace_id = w.id and m.user_id <> w.owner_id),
                w.deleted_at is not null
         from workspaces w where w.owner_id = ?",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

// ---- members

pub async fn insert_member<'e>(
    db: impl MySqlExecutor<'e>,
    workspace_id: Uuid,
    user_id: Uuid,
    role: &str,
    custom_role_id: Option<Uuid>,
    invited_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into workspace_members (workspace_id, user_id, role, custom_role_id, invited_by, joined_at, last_active_at)
         values (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(workspace_id)
    .bind(user_id)
    .bind(role)
    .bind(custom_role_id)
    .bind(invited_by)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    #[sqlx(flatten)]
    pub membership: MembershipRow,
    pub name: String,
    pub email: String,
    pub avatar_key: Option<String>,
    pub joined_at: DateTime<Utc>,
}

const MEMBER_QUERY: &str = "select m.workspace_id, m.user_id, m.role, m.custom_role_id, r.name as custom_role_name,
            r.permissions as custom_permissions, m.last_active_at, u.name, u.email, u.avatar_key, m.joined_at
     from workspace_members m join users u on u.id = m.user_id
     left join workspace_roles r on r.workspace_id = m.workspace_id and r.id = m.custom_role_id";

pub async fn list_members<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<Vec<MemberRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{MEMBER_QUERY} where m.workspace_id = ?
         order by field(m.role, 'owner', 'admin', 'editor', 'custom', 'viewer'), u.name, u.id"
    ))
    .bind(workspace_id)
    .fetch_all(db)
    .await
}

/// One member, locked for the transaction's update.
pub async fn find_member<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, user_id: Uuid) -> Result<Option<MemberRow>, sqlx::Error> {
    sqlx::query_as(&format!("{MEMBER_QUERY} where m.workspace_id = ? and m.user_id = ? for update"))
        .bind(workspace_id)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

pub async fn find_member_by_email<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, email: &str) -> Result<Option<MemberRow>, sqlx::Error> {
    sqlx::query_as(&format!("{MEMBER_QUERY} where m.workspace_id = ? and u.email = ?"))
        .bind(workspace_id)
        .bind(email)
        .fetch_optional(db)
        .await
}

pub async fn set_member_role<'e>(
    db: impl MySqlExecutor<'e>,
    workspace_id: Uuid,
    user_id: Uuid,
    role: &str,
    custom_role_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query("update workspace_members set role = ?, custom_role_id = ? where workspace_id = ? and user_id = ?")
        .bind(role)
        .bind(custom_role_id)
        .bind(workspace_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_member<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from workspace_members where workspace_id = ? and user_id = ?")
        .bind(workspace_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn count_members<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) =
        sqlx::query_as("select count(*) from workspace_members where workspace_id = ?").bind(workspace_id).fetch_one(db).await?;
    Ok(n)
}

// ---- invitations

#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub email: Option<String>,
    pub role: String,
    pub custom_role_id: Option<Uuid>,
    pub custom_role_name: Option<String>,
    pub custom_permissions: Option<String>,
    pub invited_by: Option<Uuid>,
    pub inviter_name: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const INVITATION_QUERY: &str = "select i.workspace_id, i.id, i.kind, i.email, i.role, i.custom_role_id,
            r.name as custom_role_name, r.permissions as custom_permissions, i.invited_by, u.name as inviter_name,
            i.expires_at, i.max_uses, i.uses, i.accepted_at, i.revoked_at, i.last_sent_at, i.created_at
     from workspace_invitations i
     left join workspace_roles r on r.workspace_id = i.workspace_id and r.id = i.custom_role_id
     left join users u on u.id = i.invited_by";

pub struct NewInvitation<'a> {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub kind: &'a str,
    pub email: Option<&'a str>,
    pub role: &'a str,
    pub custom_role_id: Option<Uuid>,
    pub token_hash: [u8; 32],
    pub invited_by: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_uses: Option<u32>,
}

pub async fn insert_invitation<'e>(db: impl MySqlExecutor<'e>, i: &NewInvitation<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sent = (i.kind == "email").then_some(now);
    sqlx::query(
        "insert into workspace_invitations (workspace_id, id, kind, email, role, custom_role_id, token_hash, invited_by,
                                            expires_at, max_uses, uses, last_sent_at, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
    )
    .bind(i.workspace_id)
    .bind(i.id)
    .bind(i.kind)
    .bind(i.email)
    .bind(i.role)
    .bind(i.custom_role_id)
    .bind(&i.token_hash[..])
    .bind(i.invited_by)
    .bind(i.expires_at)
    .bind(i.max_uses)
    .bind(sent)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Newest first; revoked and accepted ones are left out unless `all`.
pub async fn list_invitations<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, all: bool) -> Result<Vec<InvitationRow>, sqlx::Error> {
    let filter = if all { "" } else { "and i.revoked_at is null and i.accepted_at is null" };
    sqlx::query_as(&format!("{INVITATION_QUERY} where i.workspace_id = ? {filter} order by i.created_at desc, i.id desc"))
        .bind(workspace_id)
        .fetch_all(db)
        .await
}

pub async fn find_invitation<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<Option<InvitationRow>, sqlx::Error> {
    sqlx::query_as(&format!("{INVITATION_QUERY} where i.workspace_id = ? and i.id = ? for update"))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// By the link's token (its hash), locked: accepting counts a use.
pub async fn find_invitation_by_token<'e>(db: impl MySqlExecutor<'e>, token_hash: &[u8; 32], lock: bool) -> Result<Option<InvitationRow>, sqlx::Error> {
    let lock = if lock { "for update" } else { "" };
    sqlx::query_as(&format!("{INVITATION_QUERY} where i.token_hash = ? {lock}"))
        .bind(&token_hash[..])
        .fetch_optional(db)
        .await
}

pub async fn pending_email_invitation<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, email: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let found: Option<(Uuid,)> = sqlx::query_as(
        "select id from workspace_invitations where workspace_id = ? and kind = 'email' and email = ?
         and revoked_at is null and accepted_at is null and expires_at > ? limit 1",
    )
    .bind(workspace_id)
    .bind(email)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

pub async fn count_pending_email_invitations<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "select count(*) from workspace_invitations where workspace_id = ? and kind = 'email'
         and revoked_at is null and accepted_at is null and expires_at > ?",
    )
    .bind(workspace_id)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// A resend: new token, new expiry, sent now.
pub async fn renew_invitation<'e>(
    db: impl MySqlExecutor<'e>,
    workspace_id: Uuid,
    id: Uuid,
    token_hash: &[u8; 32],
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update workspace_invitations set token_hash = ?, expires_at = ?, last_sent_at = ?, updated_at = ?
         where workspace_id = ? and id = ?",
    )
    .bind(&token_hash[..])
    .bind(expires_at)
    .bind(now)
    .bind(now)
    .bind(workspace_id)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn revoke_invitation<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update workspace_invitations set revoked_at = ?, updated_at = ?
         where workspace_id = ? and id = ? and revoked_at is null and accepted_at is null",
    )
    .bind(now)
    .bind(now)
    .bind(workspace_id)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts a use; an emailed invitation is then accepted (single use).
pub async fn use_invitation<'e>(db: impl MySqlExecutor<'e>, inv: &InvitationRow, user_id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let accepted = (inv.kind == "email").then_some(now);
    sqlx::query(
        "update workspace_invitations set uses = uses + 1, accepted_at = ?, accepted_by = ?, updated_at = ?
         where workspace_id = ? and id = ?",
    )
    .bind(accepted)
    .bind(user_id)
    .bind(now)
    .bind(inv.workspace_id)
    .bind(inv.id)
    .execute(db)
    .await?;
    Ok(())
}

// ---- custom roles

#[derive(Debug, Clone, FromRow)]
pub struct RoleRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub permissions: String,
    pub members: i64,
    pub created_at: DateTime<Utc>,
}

const ROLE_QUERY: &str = "select r.id, r.name, r.description, r.permissions,
            (select count(*) from workspace_members m where m.workspace_id = r.workspace_id and m.custom_role_id = r.id) as members,
            r.created_at
     from workspace_roles r";

pub async fn list_roles<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<Vec<RoleRow>, sqlx::Error> {
    sqlx::query_as(&format!("{ROLE_QUERY} where r.workspace_id = ? order by r.name, r.id")).bind(workspace_id).fetch_all(db).await
}

pub async fn find_role<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<Option<RoleRow>, sqlx::Error> {
    sqlx::query_as(&format!("{ROLE_QUERY} where r.workspace_id = ? and r.id = ?")).bind(workspace_id).bind(id).fetch_optional(db).await
}

pub async fn role_name_taken<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, name: &str, except: Option<Uuid>) -> Result<bool, sqlx::Error> {
    let found: Option<(Uuid,)> = sqlx::query_as("select id from workspace_roles where workspace_id = ? and name = ?")
        .bind(workspace_id)
        .bind(name)
        .fetch_optional(db)
        .await?;
    Ok(found.is_some_and(|(id,)| Some(id) != except))
}

pub async fn count_roles<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("select count(*) from workspace_roles where workspace_id = ?").bind(workspace_id).fetch_one(db).await?;
    Ok(n)
}

pub async fn upsert_role<'e>(
    db: impl MySqlExecutor<'e>,
    workspace_id: Uuid,
    id: Uuid,
    name: &str,
    description: &str,
    permissions: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into workspace_roles (workspace_id, id, name, description, permissions, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?)
         on duplicate key update name = values(name), description = values(description),
                                 permissions = values(permissions), updated_at = values(updated_at)",
    )
    .bind(workspace_id)
    .bind(id)
    .bind(name)
    .bind(description)
    .bind(permissions)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_role<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from workspace_roles where workspace_id = ? and id = ?").bind(workspace_id).bind(id).execute(db).await?;
    Ok(done.rows_affected() == 1)
}

// ---- activity

#[derive(Debug, Clone, FromRow)]
pub struct ActivityRow {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: String,
    pub summary: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_activity<'e>(
    db: impl MySqlExecutor<'e>,
    workspace_id: Uuid,
    actor: Option<(Uuid, &str)>,
    action: &str,
    summary: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into workspace_activity (workspace_id, id, actor_id, actor_name, action, summary, created_at)
         values (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(workspace_id)
    .bind(Uuid::now_v7())
    .bind(actor.map(|a| a.0))
    .bind(actor.map(|a| a.1))
    .bind(action)
    .bind(summary)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Newest first, `limit` entries older than the `before` id (UUIDv7 ids sort by time).
pub async fn list_activity<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, before: Option<Uuid>, limit: u32) -> Result<Vec<ActivityRow>, sqlx::Error> {
    sqlx::query_as(
        "select id, actor_id, actor_name, action, summary, created_at from workspace_activity
         where workspace_id = ? and (? is null or id < ?) order by id desc limit ?",
    )
    .bind(workspace_id)
    .bind(before)
    .bind(before)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn count_activity<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) =
        sqlx::query_as("select count(*) from workspace_activity where workspace_id = ?").bind(workspace_id).fetch_one(db).await?;
    Ok(n)
}

// ---- plans

/// The workspace plan's limit on `resource`: `Some(None)` is unlimited, `None` no such row
/// (treated as unlimited by the caller, so a new resource never locks anyone out).
pub async fn plan_limit<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, resource: &str) -> Result<Option<Option<i64>>, sqlx::Error> {
    let row: Option<(Option<i64>,)> = sqlx::query_as(
        "select l.max_value from workspaces w join plan_limits l on l.plan_code = w.plan_code
         where w.id = ? and l.resource = ?",
    )
    .bind(workspace_id)
    .bind(resource)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(max,)| max))
}

#[derive(Debug, Clone, FromRow)]
pub struct PlanRow {
    pub code: String,
    pub name: String,
    pub monthly_price_minor: i64,
    pub currency: String,
}

pub async fn list_plans<'e>(db: impl MySqlExecutor<'e>) -> Result<Vec<PlanRow>, sqlx::Error> {
    sqlx::query_as("select code, name, monthly_price_minor, currency from plans order by sort_order").fetch_all(db).await
}

pub async fn list_plan_limits<'e>(db: impl MySqlExecutor<'e>) -> Result<Vec<(String, String, Option<i64>)>, sqlx::Error> {
    sqlx::query_as("select plan_code, resource, max_value from plan_limits order by plan_code, resource").fetch_all(db).await
}
