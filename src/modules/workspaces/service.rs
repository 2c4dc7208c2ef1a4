//! Workspaces: create, read, settings, logo, goals, soft delete with restore and purge,
//! ownership transfer, leaving, the app frame's data, and the activity log they all write.
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::MySqlConnection;
use uuid::Uuid;

use super::{
    permissions::{Permission, PermissionSet, Role},
    repo::{self, WorkspaceRow},
    types::*,
};
use crate::modules::auth::{
    ClientInfo, CurrentUser,
    repo as auth_repo,
    service::begin_sensitive,
    types::{LANGUAGES, StepUp},
};
pub use crate::shared::validate::Checks;
use crate::shared::validate::parse_color;
use crate::server::{
    db::is_unique_violation,
    error::AppError,
    jobs::{self, JobContext, JobError, NewJob, Registry},
    state::AppState,
    storage,
    tenant::{MemberRole, Tenant, WorkspaceRef, row_permissions},
};

/// A deleted workspace can be restored for this long, then it is purged.
pub const RESTORE_DAYS: i64 = 30;
/// Workspaces one person may own at a time (deleted ones do not count).
const MAX_OWNED: i64 = 20;
pub const PURGE_JOB: &str = "workspaces.purge";
const DEFAULT_BRAND_COLOR: &str = "#6366f1";

pub use crate::server::db::rfc3339 as at;

pub fn media_url(key: Option<String>) -> Option<String> {
    key.map(|k| format!("/media/{k}"))
}

pub fn split_goals(goals: &str) -> Vec<String> {
    goals.split_whitespace().map(str::to_owned).collect()
}

pub fn view(row: WorkspaceRow, role: &MemberRole, permissions: PermissionSet) -> WorkspaceView {
    WorkspaceView {
        id: row.id,
        goals: split_goals(&row.goals),
        name: row.name,
        slug: row.slug,
        logo_url: media_url(row.logo_key),
        brand_color: row.brand_color,
        currency: row.currency,
        time_zone: row.time_zone,
        language: row.language,
        plan: row.plan_code,
        setup_completed: row.setup_completed_at.is_some(),
        owner_id: row.owner_id,
        deleted_at: row.deleted_at.map(at),
        purge_after: row.purge_after.map(at),
        created_at: at(row.created_at),
        role: role.code(),
        role_name: role.name(),
        permissions,
    }
}

// ---- validation

pub fn parse_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    match name.chars().count() {
        0 => Err("Name your workspace, like your business or brand.".into()),
        n if n > 100 => Err("Use at most 100 characters.".into()),
        _ => Ok(name.to_owned()),
    }
}

pub fn parse_slug(raw: &str) -> Result<String, String> {
    let slug = raw.trim().to_ascii_lowercase();
    if slug.len() < 3 || slug.len() > 40 {
        return Err("Use 3 to 40 characters.".into());
    }
    if !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || slug.starts_with('-')
        || slug.ends_with('-')
        || slug.contains("--")
    {
        return Err("Use lowercase letters, digits and single hyphens, like acme-studio.".into());
    }
    if RESERVED_SLUGS.contains(&slug.as_str()) {
        return Err("This address is reserved. Choose another.".into());
    }
    Ok(slug)
}

fn parse_currency(raw: &str) -> Result<String, String> {
    let c = raw.trim().to_ascii_uppercase();
    if CURRENCIES.contains(&c.as_str()) { Ok(c) } else { Err("Choose a currency from the list, like USD or EUR.".into()) }
}

fn parse_time_zone(raw: &str) -> Result<String, String> {
    let tz = raw.trim();
    tz.parse::<chrono_tz::Tz>().map(|_| tz.to_owned()).map_err(|_| "Choose a time zone from the list, like Europe/Paris.".into())
}

fn parse_language(raw: &str) -> Result<String, String> {
    let l = raw.trim();
    if LANGUAGES.iter().any(|(code, _)| *code == l) { Ok(l.to_owned()) } else { Err("Choose one of the offered languages.".into()) }
}

/// At least one known goal; stored in the wizard's order.
pub fn parse_goals(raw: &[String]) -> Result<String, String> {
    if let Some(bad) = raw.iter().find(|g| goal(g.trim()).is_none()) {
        return Err(format!("{bad:?} is not a goal. Pick from social, bio, courses, store, crm and bookings."));
    }
    let picked: Vec<&str> = GOALS.iter().map(|g| g.code).filter(|code| raw.iter().any(|g| g.trim() == *code)).collect();
    if picked.is_empty() {
        return Err("Pick at least one goal.".into());
    }
    Ok(picked.join(" "))
}

fn slug_taken() -> AppError {
    AppError::field("slug", "This address is taken. Choose another.")
}

// ---- activity

/// Appends to the workspace's activity log (in the caller's transaction). `actor` is the id and
/// the name as it is now: the log keeps the name even after the account is gone.
pub async fn log(conn: &mut MySqlConnection, workspace_id: Uuid, actor: Option<(Uuid, &str)>, action: &str, summary: &str) -> Result<(), AppError> {
    let summary: String = summary.chars().take(500).collect();
    repo::insert_activity(&mut *conn, workspace_id, actor, action, &summary, Utc::now()).await?;
    Ok(())
}

/// A workspace's name, for other modules' messages ("Confirm your subscription to …"); empty
/// for an unknown id.
pub async fn workspace_name(conn: &mut MySqlConnection, id: Uuid) -> Result<String, AppError> {
    Ok(repo::find_workspace(&mut *conn, id).await?.map(|w| w.name).unwrap_or_default())
}

pub async fn user_name(conn: &mut MySqlConnection, id: Uuid) -> Result<String, AppError> {
    Ok(auth_repo::find_user_by_id(&mut *conn, id).await?.map(|u| u.name).unwrap_or_else(|| "Someone".into()))
}

// ---- workspaces

/// Creates a workspace owned by the caller and opens it. API keys cannot create workspaces.
#[tracing::instrument(skip_all)]
pub async fn create(state: &AppState, caller: &CurrentUser, form: NewWorkspaceForm) -> Result<WorkspaceView, AppError> {
    caller.session()?;
    let mut checks = Checks::default();
    let name = checks.check("name", parse_name(&form.name));
    let slug = match form.slug.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => checks.check("slug", parse_slug(s)),
        None => None,
    };
    let color = checks.check("brand_color", form.brand_color.as_deref().map_or(Ok(DEFAULT_BRAND_COLOR.into()), parse_color));
    let currency = checks.check("currency", form.currency.as_deref().map_or(Ok("USD".into()), parse_currency));
    let time_zone = form.time_zone.as_deref().map(|tz| checks.check("time_zone", parse_time_zone(tz)));
    let language = form.language.as_deref().map(|l| checks.check("language", parse_language(l)));
    let goals = form.goals.as_deref().map(|g| checks.check("goals", parse_goals(g)));
    checks.finish()?;
    let (name, color, currency) = (name.unwrap_or_default(), color.unwrap_or_default(), currency.unwrap_or_default());

    let mut tx = state.pool.begin().await?;
    let user = auth_repo::find_user_for_update(&mut tx, caller.user_id).await?.ok_or(AppError::Unauthorized)?;
    if repo::count_owned_live(&mut *tx, user.id).await? >= MAX_OWNED {
        return Err(AppError::conflict(format!("You own {MAX_OWNED} workspaces, the most one person can. Delete one you no longer use first.")));
    }
    let slug = match slug {
        Some(slug) if repo::slug_taken(&mut *tx, &slug, None).await? => return Err(slug_taken()),
        Some(slug) => slug,
        None => unused_slug(&mut tx, &slugify(&name)).await?,
    };
    let now = Utc::now();
    let row = WorkspaceRow {
        id: Uuid::now_v7(),
        name,
        slug,
        owner_id: user.id,
        logo_key: None,
        brand_color: color,
        currency,
        time_zone: time_zone.flatten().unwrap_or(user.time_zone),
        language: language.flatten().unwrap_or(user.language),
        plan_code: "free".into(),
        goals: goals.flatten().unwrap_or_default(),
        setup_completed_at: None,
        deleted_at: None,
        purge_after: None,
        created_at: now,
    };
    repo::insert_workspace(&mut *tx, &row).await.map_err(|e| if is_unique_violation(&e) { slug_taken() } else { e.into() })?;
    repo::insert_member(&mut *tx, row.id, user.id, Role::Owner.as_str(), None, None, now).await?;
    repo::set_current_workspace(&mut *tx, user.id, row.id).await?;
    log(&mut tx, row.id, Some((user.id, &user.name)), "workspace.created", &format!("{} created the workspace {}", user.name, row.name)).await?;
    tx.commit().await?;
    Ok(view(row, &MemberRole::BuiltIn(Role::Owner), Role::Owner.permissions()))
}

/// `base`, or `base-2`, `base-3`… whichever is free.
async fn unused_slug(conn: &mut MySqlConnection, base: &str) -> Result<String, AppError> {
    for n in 1..50 {
        let candidate = if n == 1 { base.to_owned() } else { format!("{base}-{n}") };
        if !repo::slug_taken(&mut *conn, &candidate, None).await? {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", &Uuid::now_v7().simple().to_string()[24..]))
}

/// The caller's workspaces; with `deleted`, also deleted ones that can still be restored.
pub async fn list_mine(state: &AppState, caller: &CurrentUser, deleted: bool) -> Result<Vec<WorkspaceView>, AppError> {
    // An API key only sees its own workspace.
    let bound = match &caller.credential {
        crate::modules::auth::session::Credential::ApiKey { workspace_id, .. } => Some(*workspace_id),
        _ => None,
    };
    let rows = repo::my_workspaces(&state.pool, caller.user_id, deleted && bound.is_none()).await?;
    Ok(rows
        .into_iter()
        .filter(|r| bound.is_none_or(|b| b == Some(r.workspace.id)))
        .map(|r| {
            let (role, permissions) = row_permissions(&r.membership);
            view(r.workspace, &role, permissions)
        })
        .collect())
}

pub async fn get(state: &AppState, tenant: &Tenant) -> Result<WorkspaceView, AppError> {
    let row = repo::find_workspace(&state.pool, tenant.workspace_id()).await?.ok_or(AppError::NotFound)?;
    Ok(view(row, tenant.role(), tenant.permissions()))
}

/// Settings, goals and the wizard's "finished" mark. Only fields sent change.
#[tracing::instrument(skip_all)]
pub async fn update(state: &AppState, tenant: &Tenant, patch: WorkspacePatch) -> Result<WorkspaceView, AppError> {
    tenant.require(Permission::WorkspaceManage)?;
    let mut checks = Checks::default();
    let name = patch.name.as_deref().map(|v| checks.check("name", parse_name(v)));
    let slug = patch.slug.as_deref().map(|v| checks.check("slug", parse_slug(v)));
    let color = patch.brand_color.as_deref().map(|v| checks.check("brand_color", parse_color(v)));
    let currency = patch.currency.as_deref().map(|v| checks.check("currency", parse_currency(v)));
    let time_zone = patch.time_zone.as_deref().map(|v| checks.check("time_zone", parse_time_zone(v)));
    let language = patch.language.as_deref().map(|v| checks.check("language", parse_language(v)));
    let goals = patch.goals.as_deref().map(|v| checks.check("goals", parse_goals(v)));
    checks.finish()?;

    let mut tx = state.pool.begin().await?;
    let mut row = repo::find_workspace_for_update(&mut *tx, tenant.workspace_id()).await?.ok_or(AppError::NotFound)?;
    let mut changed = Vec::new();
    let mut set = |label: &'static str, field: &mut String, value: Option<Option<String>>| {
        if let Some(Some(value)) = value {
            if *field != value {
                *field = value;
                changed.push(label);
            }
        }
    };
    set("name", &mut row.name, name);
    set("address", &mut row.slug, slug);
    set("brand colour", &mut row.brand_color, color);
    set("currency", &mut row.currency, currency);
    set("time zone", &mut row.time_zone, time_zone);
    set("language", &mut row.language, language);
    set("goals", &mut row.goals, goals);
    if changed.contains(&"address") && repo::slug_taken(&mut *tx, &row.slug, Some(row.id)).await? {
        return Err(slug_taken());
    }
    let now = Utc::now();
    match patch.setup_completed {
        Some(true) if row.setup_completed_at.is_none() => {
            row.setup_completed_at = Some(now);
            changed.push("setup");
        }
        Some(false) if row.setup_completed_at.is_some() => {
            row.setup_completed_at = None;
            changed.push("setup");
        }
        _ => {}
    }
    if !changed.is_empty() {
        repo::update_workspace(&mut *tx, &row, now).await.map_err(|e| if is_unique_violation(&e) { slug_taken() } else { e.into() })?;
        let who = user_name(&mut tx, tenant.user_id()).await?;
        log(&mut tx, row.id, Some((tenant.user_id(), &who)), "workspace.updated", &format!("{who} changed the {}", changed.join(", "))).await?;
    }
    tx.commit().await?;
    Ok(view(row, tenant.role(), tenant.permissions()))
}

/// Stores a new logo (a PNG, JPEG or WebP, re-encoded 256 px square WebP).
pub async fn set_logo(state: &AppState, tenant: &Tenant, bytes: Vec<u8>) -> Result<WorkspaceView, AppError> {
    tenant.require(Permission::WorkspaceManage)?;
    let key = storage::put_square_image(&state.config.storage_dir, "logos", bytes, "logo").await?;
    replace_logo(state, tenant, Some(key)).await
}

pub async fn remove_logo(state: &AppState, tenant: &Tenant) -> Result<WorkspaceView, AppError> {
    tenant.require(Permission::WorkspaceManage)?;
    replace_logo(state, tenant, None).await
}

async fn replace_logo(state: &AppState, tenant: &Tenant, key: Option<String>) -> Result<WorkspaceView, AppError> {
    let mut tx = state.pool.begin().await?;
    let mut row = repo::find_workspace_for_update(&mut *tx, tenant.workspace_id()).await?.ok_or(AppError::NotFound)?;
    repo::set_logo(&mut *tx, row.id, key.as_deref(), Utc::now()).await?;
    let who = user_name(&mut tx, tenant.user_id()).await?;
    let what = if key.is_some() { "uploaded a new logo" } else { "removed the logo" };
    log(&mut tx, row.id, Some((tenant.user_id(), &who)), "workspace.updated", &format!("{who} {what}")).await?;
    tx.commit().await?;
    let old = std::mem::replace(&mut row.logo_key, key);
    if let Some(old) = old {
        storage::delete(&state.config.storage_dir, &old).await?;
    }
    Ok(view(row, tenant.role(), tenant.permissions()))
}

/// Soft delete by the owner: the name typed again and a step-up check. Members lose access at
/// once; the owner can restore it for `RESTORE_DAYS` days, then the purge job removes it.
#[tracing::instrument(skip_all)]
pub async fn delete(state: &AppState, caller: &CurrentUser, tenant: &Tenant, form: DeleteWorkspaceForm, client: &ClientInfo) -> Result<WorkspaceView, AppError> {
    tenant.require(Permission::WorkspaceDelete)?;
    let current = repo::find_workspace(&state.pool, tenant.workspace_id()).await?.ok_or(AppError::NotFound)?;
    if form.confirm_name.trim() != current.name {
        return Err(AppError::field("confirm_name", format!("Type the workspace's name exactly as shown: {}", current.name)));
    }
    let proof = StepUp { password: form.password, code: form.code };
    let (mut tx, user) = begin_sensitive(state, caller, &proof, client).await?;
    let mut row = repo::find_workspace_for_update(&mut *tx, tenant.workspace_id()).await?.ok_or(AppError::NotFound)?;
    let now = Utc::now();
    let purge_after = now + Duration::days(RESTORE_DAYS);
    repo::set_deleted(&mut *tx, row.id, Some((now, purge_after)), now).await?;
    log(&mut tx, row.id, Some((user.id, &user.name)), "workspace.deleted", &format!("{} deleted the workspace (restorable until {})", user.name, purge_after.format("%Y-%m-%d"))).await?;
    jobs::enqueue(&mut *tx, NewJob::new(PURGE_JOB, serde_json::json!(PurgeJob { workspace_id: row.id })).workspace(row.id).run_at(purge_after)).await?;
    tx.commit().await?;
    row.deleted_at = Some(now);
    row.purge_after = Some(purge_after);
    Ok(view(row, tenant.role(), tenant.permissions()))
}

/// Brings back a deleted workspace; only its owner, before the purge.
#[tracing::instrument(skip_all)]
pub async fn restore(state: &AppState, caller: &CurrentUser, id: Uuid) -> Result<WorkspaceView, AppError> {
    caller.session()?;
    let mut tx = state.pool.begin().await?;
    let mut row = repo::find_workspace_for_update(&mut *tx, id).await?.filter(|w| w.owner_id == caller.user_id).ok_or(AppError::NotFound)?;
    let now = Utc::now();
    match row.purge_after {
        None => return Err(AppError::conflict("This workspace is not deleted.")),
        Some(purge) if purge <= now => return Err(AppError::gone("This workspace was deleted more than 30 days ago and cannot be restored.")),
        Some(_) => {}
    }
    repo::set_deleted(&mut *tx, row.id, None, now).await?;
    let who = user_name(&mut tx, caller.user_id).await?;
    log(&mut tx, row.id, Some((caller.user_id, &who)), "workspace.restored", &format!("{who} restored the workspace")).await?;
    tx.commit().await?;
    row.deleted_at = None;
    row.purge_after = None;
    Ok(view(row, &MemberRole::BuiltIn(Role::Owner), Role::Owner.permissions()))
}

#[derive(Debug, Serialize, Deserialize)]
struct PurgeJob {
    workspace_id: Uuid,
}

/// The `workspaces.purge` job: removes a workspace whose restore window has passed. A
/// restored workspace (or one deleted again later, with a later purge time) is left alone.
async fn purge(state_dir: String, ctx: JobContext) -> Result<(), JobError> {
    let job: PurgeJob = ctx.payload_as()?;
    let mut tx = ctx.pool().begin().await.map_err(JobError::retry)?;
    let Some(row) = repo::find_workspace_for_update(&mut *tx, job.workspace_id).await.map_err(JobError::retry)? else {
        return Ok(());
    };
    if row.purge_after.is_none_or(|at| at > Utc::now()) {
        return Ok(());
    }
    repo::purge_workspace(&mut *tx, row.id).await.map_err(JobError::retry)?;
    tx.commit().await.map_err(JobError::retry)?;
    if let Some(key) = row.logo_key {
        let _ = storage::delete(&state_dir, &key).await;
    }
    tracing::info!(workspace_id = %row.id, "workspace purged");
    Ok(())
}

pub fn register(registry: Registry, storage_dir: String) -> Registry {
    registry.register(PURGE_JOB, move |ctx| purge(storage_dir.clone(), ctx))
}

/// Makes another member the owner; the old owner becomes an admin. Step-up checked.
#[tracing::instrument(skip_all)]
pub async fn transfer(state: &AppState, caller: &CurrentUser, tenant: &Tenant, form: TransferForm, client: &ClientInfo) -> Result<WorkspaceView, AppError> {
    tenant.require(Permission::WorkspaceTransfer)?;
    if form.user_id == tenant.user_id() {
        return Err(AppError::field("user_id", "You already own this workspace. Choose another member."));
    }
    let proof = StepUp { password: form.password, code: form.code };
    let (mut tx, user) = begin_sensitive(state, caller, &proof, client).await?;
    let ws = tenant.workspace_id();
    let mut row = repo::find_workspace_for_update(&mut *tx, ws).await?.ok_or(AppError::NotFound)?;
    let Some(target) = repo::find_member(&mut *tx, ws, form.user_id).await? else {
        return Err(AppError::field("user_id", "Choose a member of this workspace."));
    };
    repo::set_member_role(&mut *tx, ws, user.id, Role::Admin.as_str(), None).await?;
    repo::set_member_role(&mut *tx, ws, target.membership.user_id, Role::Owner.as_str(), None).await?;
    let now = Utc::now();
    repo::set_owner(&mut *tx, ws, target.membership.user_id, now).await?;
    log(&mut tx, ws, Some((user.id, &user.name)), "ownership.transferred", &format!("{} made {} the owner", user.name, target.name)).await?;
    tx.commit().await?;
    row.owner_id = target.membership.user_id;
    Ok(view(row, &MemberRole::BuiltIn(Role::Admin), Role::Admin.permissions()))
}

/// Leaves the workspace. The owner must transfer it (or delete it) first.
pub async fn leave(state: &AppState, tenant: &Tenant) -> Result<(), AppError> {
    if tenant.role().is_owner() {
        return Err(AppError::conflict("You own this workspace. Transfer it to another member before leaving, or delete it."));
    }
    let mut tx = state.pool.begin().await?;
    let who = user_name(&mut tx, tenant.user_id()).await?;
    if !repo::delete_member(&mut *tx, tenant.workspace_id(), tenant.user_id()).await? {
        return Err(AppError::NotFound);
    }
    log(&mut tx, tenant.workspace_id(), Some((tenant.user_id(), &who)), "member.left", &format!("{who} left the workspace")).await?;
    tx.commit().await?;
    Ok(())
}

/// Everything the app frame needs, for the workspace in the URL (`slug`) or the one last
/// opened. Opening a workspace by URL makes it the one `/app` returns to.
pub async fn shell(state: &AppState, caller: &CurrentUser, slug: Option<&str>) -> Result<AppShell, AppError> {
    let named = slug.map_or(WorkspaceRef::Current, |s| WorkspaceRef::Slug(s.to_ascii_lowercase()));
    let workspace = match Tenant::resolve(state, caller, named).await {
        Ok(tenant) => {
            if slug.is_some() {
                repo::set_current_workspace(&state.pool, caller.user_id, tenant.workspace_id()).await?;
            }
            Some(get(state, &tenant).await?)
        }
        // No workspace yet: the wizard makes the first one.
        Err(AppError::NotFound) if slug.is_none() => None,
        Err(err) => return Err(err),
    };
    let workspaces = list_mine(state, caller, false)
        .await?
        .into_iter()
        .map(|w| WorkspaceSummary { id: w.id, name: w.name, slug: w.slug, logo_url: w.logo_url, brand_color: w.brand_color, role_name: w.role_name })
        .collect();
    let is_platform_admin = auth_repo::find_user_by_id(&state.pool, caller.user_id).await?.is_some_and(|u| u.is_platform_admin);
    Ok(AppShell { workspace, workspaces, is_platform_admin })
}

/// Called by account deletion in its transaction: refuses while the user owns a workspace
/// that has other members, and removes the workspaces only they belong to.
pub async fn before_account_deletion(conn: &mut MySqlConnection, user_id: Uuid) -> Result<Vec<String>, AppError> {
    let owned = repo::owned_with_member_counts(&mut *conn, user_id).await?;
    if let Some((_, name, _, _)) = owned.iter().find(|(_, _, others, deleted)| *others > 0 && !deleted) {
        return Err(AppError::conflict(format!(
            "You own the workspace {name}, which has other members. Transfer it to one of them or delete it first."
        )));
    }
    let mut logos = Vec::new();
    for (id, ..) in owned {
        if let Some(row) = repo::find_workspace(&mut *conn, id).await? {
            logos.extend(row.logo_key);
        }
        repo::purge_workspace(&mut *conn, id).await?;
    }
    Ok(logos)
}

/// Plans with their limits, for the pricing table and settings.
pub async fn plans(state: &AppState) -> Result<Vec<PlanView>, AppError> {
    let limits = repo::list_plan_limits(&state.pool).await?;
    Ok(repo::list_plans(&state.pool)
        .await?
        .into_iter()
        .map(|p| PlanView {
            limits: limits.iter().filter(|(code, ..)| *code == p.code).map(|(_, resource, max)| PlanLimitView { resource: resource.clone(), max: *max }).collect(),
            code: p.code,
            name: p.name,
            monthly_price_minor: p.monthly_price_minor,
            currency: p.currency,
        })
        .collect())
}

/// The one check every module calls before adding something a plan limits: `current` is how
/// many the workspace has now. 402 `plan_limit` when one more would exceed the plan.
pub async fn ensure_within(conn: &mut MySqlConnection, workspace_id: Uuid, resource: &str, current: i64) -> Result<(), AppError> {
    let Some(Some(max)) = repo::plan_limit(&mut *conn, workspace_id, resource).await? else { return Ok(()) };
    if current < max {
        return Ok(());
    }
    let plan = repo::find_workspace(&mut *conn, workspace_id).await?.map(|w| w.plan_code).unwrap_or_default();
    let what = resource.replace('_', " ");
    // Resource names are plural nouns ("bio_pages", "members"): "allows 1 bio page".
    let what = if max == 1 { what.strip_suffix('s').unwrap_or(&what).to_owned() } else { what };
    Err(AppError::PlanLimit { message: format!("The {plan} plan allows {max} {what}. Upgrade the plan to add more.") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked_and_made_from_names() {
        assert_eq!(parse_slug(" Acme-Studio "), Ok("acme-studio".into()));
        for bad in ["ab", "-acme", "acme-", "ac--me", "acme_studio", "admin", "a".repeat(41).as_str()] {
            assert!(parse_slug(bad).is_err(), "{bad}");
        }
        assert_eq!(slugify("Café Olé! Studio"), "cafe-ole-studio");
        assert_eq!(slugify("!!"), "workspace");
        assert_eq!(slugify("Admin"), "admin-team");
        assert!(parse_slug(&slugify(&"Long name ".repeat(10))).is_ok());
    }

    #[test]
    fn settings_fields_are_validated() {
        assert_eq!(parse_currency("eur"), Ok("EUR".into()));
        assert!(parse_currency("XYZ").is_err());
        assert!(parse_time_zone("Europe/Paris").is_ok() && parse_time_zone("Mars/Base").is_err());
        assert_eq!(parse_goals(&["crm".into(), "bio".into(), "crm".into()]), Ok("bio crm".into()));
        assert!(parse_goals(&[]).is_err());
        assert!(parse_goals(&["crypto".into()]).unwrap_err().contains("crypto"));
    }
}
