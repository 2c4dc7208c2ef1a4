//! The admin area's rules: who may use it (platform admins, read from the database on every
//! call), the searchable, keyset-paginated lists of accounts and workspaces, plan changes, and
//! granting or revoking the flag itself (the `mewayz admin` command).
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{MySqlConnection, MySqlPool};
use uuid::Uuid;

use super::{
    repo::{self, AdminUserRow, AdminWorkspaceRow, After},
    types::*,
};
use crate::modules::auth::{CurrentUser, repo as auth_repo, types::Page};
use crate::modules::workspaces::{repo as ws_repo, service as ws_service};
use crate::server::{error::AppError, state::AppState};

/// Longest search text used (longer input is cut, not refused).
const SEARCH_MAX: usize = 100;

/// Passes for a platform admin signed in with a session. Everyone else gets 404, as if the
/// area did not exist; an admin's own API key gets 403 (keys never reach the admin area).
pub async fn require_admin(state: &AppState, caller: &CurrentUser) -> Result<(), AppError> {
    let admin = auth_repo::find_user_by_id(&state.pool, caller.user_id).await?.is_some_and(|u| u.is_platform_admin);
    if !admin {
        return Err(AppError::NotFound);
    }
    caller.session()?;
    Ok(())
}

/// The LIKE pattern (escape character `!`) for a search text, or none for an empty one.
pub fn like_pattern(q: Option<&str>) -> Option<String> {
    let q = q.map(str::trim).filter(|q| !q.is_empty())?;
    let mut pattern = String::from("%");
    for c in q.chars().take(SEARCH_MAX) {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Some(pattern)
}

/// An opaque cursor for the position after the row created at `at` with id `id`.
pub fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    let raw = format!("{}|{id}", at.to_rfc3339_opts(SecondsFormat::Micros, true));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// The position a cursor stands for; 400 for anything the API did not give out.
pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<After>, AppError> {
    let Some(cursor) = cursor.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    let bad = || AppError::bad_request("The cursor is not one the API gave out. Start again from the first page.");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (at, id) = text.split_once('|').ok_or_else(bad)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&Utc);
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok(Some((at, id)))
}

fn page_size(limit: Option<u32>) -> u32 {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// Keeps `limit` rows of the `limit + 1` fetched; the cursor is set when there was one more.
fn paginate<R, T>(mut rows: Vec<R>, limit: u32, key: impl Fn(&R) -> After, view: impl Fn(R) -> T) -> (Vec<T>, Option<String>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = more.then(|| rows.last().map(&key)).flatten().map(|(at, id)| encode_cursor(at, id));
    (rows.into_iter().map(view).collect(), next_cursor)
}

fn user_view(r: AdminUserRow) -> AdminUserView {
    AdminUserView {
        id: r.id,
        name: r.name,
        email: r.email,
        email_verified: r.email_verified != 0,
        is_platform_admin: r.is_platform_admin,
        mfa_enabled: r.mfa_enabled != 0,
        workspaces: u32::try_from(r.workspaces).unwrap_or(u32::MAX),
        created_at: ws_service::at(r.created_at),
    }
}

fn workspace_view(r: AdminWorkspaceRow) -> AdminWorkspaceView {
    AdminWorkspaceView {
        id: r.id,
        name: r.name,
        slug: r.slug,
        plan: r.plan_code,
        owner_email: r.owner_email,
        members: u32::try_from(r.members).unwrap_or(u32::MAX),
        deleted_at: r.deleted_at.map(ws_service::at),
        created_at: ws_service::at(r.created_at),
    }
}

/// Every account whose name or email contains `q`, newest first.
#[tracing::instrument(skip_all)]
pub async fn list_users(
    state: &AppState,
    caller: &CurrentUser,
    q: Option<&str>,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<AdminUserView>, AppError> {
    require_admin(state, caller).await?;
    let after = decode_cursor(cursor)?;
    let limit = page_size(limit);
    let pattern = like_pattern(q);
    let rows = repo::list_users(&state.pool, pattern.as_deref(), after, limit + 1).await?;
    let total = repo::count_users(&state.pool, pattern.as_deref()).await?;
    let (items, next_cursor) = paginate(rows, limit, |r| (r.created_at, r.id), user_view);
    Ok(Page { items, total: total as u64, next_cursor })
}

/// Every workspace (deleted ones included) whose name, slug or owner's email contains `q`,
/// newest first.
#[tracing::instrument(skip_all)]
pub async fn list_workspaces(
    state: &AppState,
    caller: &CurrentUser,
    q: Option<&str>,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<AdminWorkspaceView>, AppError> {
    require_admin(state, caller).await?;
    let after = decode_cursor(cursor)?;
    let limit = page_size(limit);
    let pattern = like_pattern(q);
    let rows = repo::list_workspaces(&state.pool, pattern.as_deref(), after, limit + 1).await?;
    let total = repo::count_workspaces(&state.pool, pattern.as_deref()).await?;
    let (items, next_cursor) = paginate(rows, limit, |r| (r.created_at, r.id), workspace_view);
    Ok(Page { items, total: total as u64, next_cursor })
}

/// Moves a workspace to another plan (422 on `plan` for an unknown code), noted in the
/// workspace's activity log so its members can see who changed it.
#[tracing::instrument(skip_all, fields(workspace_id = %workspace_id))]
pub async fn set_plan(state: &AppState, caller: &CurrentUser, workspace_id: Uuid, patch: AdminWorkspacePatch) -> Result<AdminWorkspaceView, AppError> {
    require_admin(state, caller).await?;
    let code = patch.plan.trim().to_ascii_lowercase();
    let mut tx = state.pool.begin().await?;
    let workspace = ws_repo::find_workspace_for_update(&mut *tx, workspace_id).await?.ok_or(AppError::NotFound)?;
    let plans = ws_repo::list_plans(&mut *tx).await?;
    let name_of = |code: &str| plans.iter().find(|p| p.code == code).map(|p| p.name.clone());
    let Some(new_name) = name_of(&code) else {
        let codes = plans.iter().map(|p| p.code.as_str()).collect::<Vec<_>>().join(", ");
        let message = if code.is_empty() { "Choose a plan.".to_owned() } else { format!("There is no plan {code:?}. Use one of {codes}.") };
        return Err(AppError::field("plan", message));
    };
    if workspace.plan_code != code {
        let old_name = name_of(&workspace.plan_code).unwrap_or_else(|| workspace.plan_code.clone());
        ws_repo::set_plan(&mut *tx, workspace_id, &code, Utc::now()).await?;
        let summary = format!("Plan changed from {old_name} to {new_name} by the platform's support team");
        let who = ws_service::user_name(&mut tx, caller.user_id).await?;
        ws_service::log(&mut tx, workspace_id, Some((caller.user_id, &who)), "plan.changed", &summary).await?;
    }
    let row = repo::find_workspace(&mut *tx, workspace_id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(workspace_view(row))
}

/// Records a change of the platform-admin flag in the user's security log (no IP: it is made
/// on the server, by the operator).
pub async fn record_admin_change(conn: &mut MySqlConnection, user_id: Uuid, granted: bool) -> Result<(), AppError> {
    let (kind, detail) = if granted {
        ("platform_admin_granted", "Platform admin access granted by the operator")
    } else {
        ("platform_admin_revoked", "Platform admin access revoked by the operator")
    };
    let event = auth_repo::NewSecurityEvent { user_id: Some(user_id), kind, ip: None, user_agent: None, detail: Some(detail) };
    auth_repo::insert_security_event(conn, event, Utc::now()).await?;
    Ok(())
}

/// `mewayz admin grant|revoke <email>`: sets or clears the account's platform-admin flag (the
/// email is trimmed and lowercased). 404 when no account has this email; 422 for an empty one.
/// Setting the flag it already has changes nothing and records nothing.
pub async fn set_platform_admin(pool: &MySqlPool, email: &str, on: bool) -> Result<(), AppError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::field("email", "Enter the account's email address."));
    }
    let mut tx = pool.begin().await?;
    let user = auth_repo::find_user_by_email(&mut *tx, &email).await?.ok_or(AppError::NotFound)?;
    let user = auth_repo::find_user_for_update(&mut tx, user.id).await?.ok_or(AppError::NotFound)?;
    if user.is_platform_admin != on {
        repo::set_platform_admin(&mut *tx, user.id, on, Utc::now()).await?;
        record_admin_change(&mut tx, user.id, on).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_escaped_for_like() {
        assert_eq!(like_pattern(None), None);
        assert_eq!(like_pattern(Some("   ")), None);
        assert_eq!(like_pattern(Some(" ada ")).as_deref(), Some("%ada%"));
        assert_eq!(like_pattern(Some("50%_off!")).as_deref(), Some("%50!%!_off!!%"));
        assert_eq!(like_pattern(Some(&"x".repeat(500))).unwrap().len(), SEARCH_MAX + 2);
    }

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let at = DateTime::parse_from_rfc3339("2026-11-23T15:04:05.123456Z").unwrap().with_timezone(&Utc);
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(Some(&encode_cursor(at, id))).unwrap(), Some((at, id)));
        assert_eq!(decode_cursor(None).unwrap(), None);
        assert_eq!(decode_cursor(Some("")).unwrap(), None);
        for junk in ["nope", "!!!", &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("2026-01-01|x")] {
            assert_eq!(decode_cursor(Some(junk)).unwrap_err().status(), 400, "{junk}");
        }
    }

    #[test]
    fn page_sizes_are_clamped() {
        assert_eq!(page_size(None), DEFAULT_LIMIT);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(page_size(Some(1000)), MAX_LIMIT);
    }
}
