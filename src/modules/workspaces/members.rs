//! Members, invitations (emailed and join links), custom roles and the activity log.
//!
//! No one can hand out more than they have: a role given (to a member, an invitation or a
//! custom role) must be within the caller's own permissions, and a member whose permissions
//! exceed the caller's cannot be changed or removed by them. The owner is never changed here
//! (ownership moves only by transfer).
use chrono::{DateTime, Duration, Utc};
use sqlx::MySqlConnection;
use uuid::Uuid;

use super::{
    emails,
    permissions::{Permission, PermissionSet, Role},
    repo::{self, InvitationRow, MemberRow, RoleRow},
    service::{Checks, at, ensure_within, log, media_url, user_name},
    types::*,
};
use crate::modules::auth::{CurrentUser, repo as auth_repo, session, types::{Email, Page}};
use crate::server::{
    error::AppError,
    mail,
    state::AppState,
    tenant::{MemberRole, Tenant, role_permissions, row_permissions},
};

/// Emailed invitations work this long.
pub const INVITATION_DAYS: i64 = 7;
const MAX_LINK_USES: u32 = 10_000;

fn member_view(row: MemberRow) -> MemberView {
    let (role, _) = row_permissions(&row.membership);
    MemberView {
        user_id: row.membership.user_id,
        name: row.name,
        email: row.email,
        avatar_url: media_url(row.avatar_key),
        role: role.code(),
        role_name: role.name(),
        joined_at: at(row.joined_at),
        last_active_at: row.membership.last_active_at.map(at),
    }
}

fn invitation_role(row: &InvitationRow) -> (MemberRole, PermissionSet) {
    role_permissions(&row.role, row.custom_role_id, row.custom_role_name.as_deref(), row.custom_permissions.as_deref())
}

fn status(row: &InvitationRow, now: DateTime<Utc>) -> &'static str {
    if row.revoked_at.is_some() {
        "revoked"
    } else if row.accepted_at.is_some() {
        "accepted"
    } else if row.expires_at.is_some_and(|e| e <= now) {
        "expired"
    } else if row.max_uses.is_some_and(|m| row.uses >= m) {
        "used_up"
    } else {
        "pending"
    }
}

fn invitation_view(row: InvitationRow, now: DateTime<Utc>) -> InvitationView {
    let (role, _) = invitation_role(&row);
    InvitationView {
        id: row.id,
        status: status(&row, now).into(),
        kind: row.kind,
        email: row.email,
        role: role.code(),
        role_name: role.name(),
        invited_by: row.inviter_name,
        expires_at: row.expires_at.map(at),
        max_uses: row.max_uses.map(|m| m.max(0) as u32),
        uses: row.uses.max(0) as u32,
        last_sent_at: row.last_sent_at.map(at),
        created_at: at(row.created_at),
    }
}

/// A role a member may be given: built in (not owner) or one of this workspace's custom roles.
struct GrantedRole {
    column: &'static str,
    custom_id: Option<Uuid>,
    name: String,
    permissions: PermissionSet,
}

async fn parse_role(conn: &mut MySqlConnection, workspace_id: Uuid, raw: &str) -> Result<GrantedRole, AppError> {
    let raw = raw.trim();
    if raw == "owner" {
        return Err(AppError::field("role", "A workspace has one owner. Use “Transfer ownership” to hand it over."));
    }
    if let Some(role) = Role::parse(raw) {
        return Ok(GrantedRole { column: role.as_str(), custom_id: None, name: role.label().into(), permissions: role.permissions() });
    }
    let custom = match Uuid::parse_str(raw) {
        Ok(id) => repo::find_role(&mut *conn, workspace_id, id).await?,
        Err(_) => None,
    };
    let Some(custom) = custom else {
        return Err(AppError::field("role", "Choose admin, editor, viewer or one of this workspace's custom roles."));
    };
    Ok(GrantedRole { column: "custom", custom_id: Some(custom.id), name: custom.name, permissions: PermissionSet::from_codes(&custom.permissions) })
}

/// The caller may only give (or take from) someone permissions they have themselves.
fn within(tenant: &Tenant, permissions: PermissionSet) -> Result<(), AppError> {
    if permissions.is_subset(tenant.permissions()) { Ok(()) } else { Err(AppError::Forbidden) }
}

// ---- members

pub async fn list_members(state: &AppState, tenant: &Tenant) -> Result<Page<MemberView>, AppError> {
    tenant.require(Permission::MembersRead)?;
    let items: Vec<MemberView> = repo::list_members(&state.pool, tenant.workspace_id()).await?.into_iter().map(member_view).collect();
    Ok(Page { total: items.len() as u64, items, next_cursor: None })
}

/// A member's target row, with the checks every change of another member shares.
async fn other_member(conn: &mut MySqlConnection, tenant: &Tenant, user_id: Uuid, action: &str) -> Result<MemberRow, AppError> {
    tenant.require(Permission::MembersManage)?;
    let target = repo::find_member(&mut *conn, tenant.workspace_id(), user_id).await?.ok_or(AppError::NotFound)?;
    if user_id == tenant.user_id() {
        return Err(AppError::conflict(format!("You cannot {action} yourself. Ask another admin, or leave the workspace.")));
    }
    let (role, permissions) = row_permissions(&target.membership);
    if role.is_owner() {
        return Err(AppError::conflict(format!("You cannot {action} the owner. The owner can transfer ownership first.")));
    }
    within(tenant, permissions)?;
    Ok(target)
}

pub async fn update_member(state: &AppState, tenant: &Tenant, user_id: Uuid, patch: MemberPatch) -> Result<MemberView, AppError> {
    let mut tx = state.pool.begin().await?;
    let target = other_member(&mut tx, tenant, user_id, "change the role of").await?;
    let role = parse_role(&mut tx, tenant.workspace_id(), &patch.role).await?;
    within(tenant, role.permissions)?;
    repo::set_member_role(&mut *tx, tenant.workspace_id(), user_id, role.column, role.custom_id).await?;
    let (old, _) = row_permissions(&target.membership);
    if old.code() != role.custom_id.map_or(role.column.to_owned(), |id| id.to_string()) {
        let who = user_name(&mut tx, tenant.user_id()).await?;
        let summary = format!("{who} changed {}'s role from {} to {}", target.name, old.name(), role.name);
        log(&mut tx, tenant.workspace_id(), Some((tenant.user_id(), &who)), "member.role_changed", &summary).await?;
    }
    let row = repo::find_member(&mut *tx, tenant.workspace_id(), user_id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(member_view(row))
}

/// Removes a member. What they made stays: content belongs to the workspace.
pub async fn remove_member(state: &AppState, tenant: &Tenant, user_id: Uuid) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let target = other_member(&mut tx, tenant, user_id, "remove").await?;
    repo::delete_member(&mut *tx, tenant.workspace_id(), user_id).await?;
    let who = user_name(&mut tx, tenant.user_id()).await?;
    log(&mut tx, tenant.workspace_id(), Some((tenant.user_id(), &who)), "member.removed", &format!("{who} removed {}", target.name)).await?;
    tx.commit().await?;
    Ok(())
}

// ---- invitations

fn link(state: &AppState, token: &str) -> String {
    format!("{}/invite/{token}", state.config.public_url.trim_end_matches('/'))
}

/// Invites by email (`email` set) or creates a join link (no `email`).
#[tracing::instrument(skip_all)]
pub async fn invite(state: &AppState, tenant: &Tenant, form: InviteForm) -> Result<InvitationCreated, AppError> {
    tenant.require(Permission::MembersManage)?;
    let ws = tenant.workspace_id();
    let now = Utc::now();
    let mut checks = Checks::default();
    let email = form.email.as_deref().filter(|e| !e.trim().is_empty()).map(|e| checks.check("email", Email::parse(e)));
    let (expires_at, max_uses) = match email {
        Some(_) => {
            if form.expires_at.is_some() || form.max_uses.is_some() {
                checks.check::<()>("expires_at", Err("Emailed invitations always last 7 days; expiry and uses are for join links.".into()));
            }
            (Some(now + Duration::days(INVITATION_DAYS)), None)
        }
        None => {
            let expires = form.expires_at.as_deref().filter(|e| !e.trim().is_empty()).and_then(|raw| {
                checks.check("expires_at", match DateTime::parse_from_rfc3339(raw.trim()) {
                    Ok(t) if t.with_timezone(&Utc) > now => Ok(t.with_timezone(&Utc)),
                    Ok(_) => Err("Choose a time in the future.".into()),
                    Err(_) => Err("Use a date and time like 2026-12-31T23:59:00Z.".into()),
                })
            });
            let uses = form.max_uses.and_then(|m| {
                checks.check("max_uses", if (1..=MAX_LINK_USES).contains(&m) { Ok(m) } else { Err(format!("Use a number from 1 to {MAX_LINK_USES}.")) })
            });
            (expires, uses)
        }
    };
    let mut tx = state.pool.begin().await?;
    let role = match parse_role(&mut tx, ws, &form.role).await {
        Ok(role) => Some(role),
        Err(AppError::Validation { errors }) => {
            checks.check::<()>("role", Err(errors[0].message.clone()));
            None
        }
        Err(other) => return Err(other),
    };
    checks.finish()?;
    let role = role.ok_or(AppError::Internal)?;
    within(tenant, role.permissions)?;
    let email = email.flatten();
    if let Some(email) = &email {
        if repo::find_member_by_email(&mut *tx, ws, email.as_str()).await?.is_some() {
            return Err(AppError::conflict(format!("{} is already a member of this workspace.", email.as_str())));
        }
        if repo::pending_email_invitation(&mut *tx, ws, email.as_str(), now).await? {
            return Err(AppError::conflict(format!("{} already has a pending invitation. Resend it instead.", email.as_str())));
        }
        let taken = repo::count_members(&mut *tx, ws).await? + repo::count_pending_email_invitations(&mut *tx, ws, now).await?;
        ensure_within(&mut tx, ws, "members", taken).await?;
    }
    let (token, token_hash) = session::new_refresh_token();
    let id = Uuid::now_v7();
    let kind = if email.is_some() { "email" } else { "link" };
    let new = repo::NewInvitation {
        workspace_id: ws,
        id,
        kind,
        email: email.as_ref().map(Email::as_str),
        role: role.column,
        custom_role_id: role.custom_id,
        token_hash,
        invited_by: tenant.user_id(),
        expires_at,
        max_uses,
    };
    repo::insert_invitation(&mut *tx, &new, now).await?;
    let who = user_name(&mut tx, tenant.user_id()).await?;
    let url = link(state, &token);
    match &email {
        Some(email) => {
            let workspace = repo::find_workspace(&mut *tx, ws).await?.ok_or(AppError::NotFound)?;
            mail::queue(&mut tx, emails::invitation(&who, &workspace.name, &role.name, email.as_str(), &url)).await?;
            let summary = format!("{who} invited {} as {}", email.as_str(), role.name);
            log(&mut tx, ws, Some((tenant.user_id(), &who)), "member.invited", &summary).await?;
        }
        None => {
            log(&mut tx, ws, Some((tenant.user_id(), &who)), "join_link.created", &format!("{who} created a join link for {}", role.name)).await?;
        }
    }
    let row = repo::find_invitation(&mut *tx, ws, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(InvitationCreated { invitation: invitation_view(row, now), url, token })
}

/// Pending invitations and join links (accepted and revoked ones are left out).
pub async fn list_invitations(state: &AppState, tenant: &Tenant) -> Result<Page<InvitationView>, AppError> {
    tenant.require(Permission::MembersManage)?;
    let now = Utc::now();
    let items: Vec<InvitationView> =
        repo::list_invitations(&state.pool, tenant.workspace_id(), false).await?.into_iter().map(|r| invitation_view(r, now)).collect();
    Ok(Page { total: items.len() as u64, items, next_cursor: None })
}

/// Sends an emailed invitation again with a new link (the old one stops working) and 7 more days.
pub async fn resend(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<InvitationCreated, AppError> {
    tenant.require(Permission::MembersManage)?;
    let ws = tenant.workspace_id();
    let mut tx = state.pool.begin().await?;
    let row = repo::find_invitation(&mut *tx, ws, id).await?.ok_or(AppError::NotFound)?;
    let now = Utc::now();
    if row.kind != "email" {
        return Err(AppError::conflict("Join links are not emailed. Copy the link instead."));
    }
    if row.accepted_at.is_some() || row.revoked_at.is_some() {
        return Err(AppError::conflict("This invitation was already accepted or revoked. Send a new one."));
    }
    let (_, permissions) = invitation_role(&row);
    within(tenant, permissions)?;
    let (token, token_hash) = session::new_refresh_token();
    repo::renew_invitation(&mut *tx, ws, id, &token_hash, now + Duration::days(INVITATION_DAYS), now).await?;
    let who = user_name(&mut tx, tenant.user_id()).await?;
    let url = link(state, &token);
    let email = row.email.clone().unwrap_or_default();
    let workspace = repo::find_workspace(&mut *tx, ws).await?.ok_or(AppError::NotFound)?;
    let (role, _) = invitation_role(&row);
    mail::queue(&mut tx, emails::invitation(&who, &workspace.name, &role.name(), &email, &url)).await?;
    log(&mut tx, ws, Some((tenant.user_id(), &who)), "invitation.resent", &format!("{who} resent the invitation to {email}")).await?;
    let row = repo::find_invitation(&mut *tx, ws, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(InvitationCreated { invitation: invitation_view(row, now), url, token })
}

/// Revokes an invitation or join link: its link stops working at once.
pub async fn revoke(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<(), AppError> {
    tenant.require(Permission::MembersManage)?;
    let ws = tenant.workspace_id();
    let mut tx = state.pool.begin().await?;
    let row = repo::find_invitation(&mut *tx, ws, id).await?.ok_or(AppError::NotFound)?;
    if !repo::revoke_invitation(&mut *tx, ws, id, Utc::now()).await? {
        return Err(AppError::conflict("This invitation was already accepted or revoked."));
    }
    let who = user_name(&mut tx, tenant.user_id()).await?;
    let what = row.email.map_or_else(|| "a join link".to_owned(), |e| format!("the invitation to {e}"));
    log(&mut tx, ws, Some((tenant.user_id(), &who)), "invitation.revoked", &format!("{who} revoked {what}")).await?;
    tx.commit().await?;
    Ok(())
}

/// Why a link cannot be used, in words for the person holding it.
fn unusable(row: &InvitationRow, now: DateTime<Utc>) -> Option<AppError> {
    match status(row, now) {
        "revoked" => Some(AppError::gone("This invitation was revoked. Ask for a new one.")),
        "accepted" => Some(AppError::gone("This invitation has already been used.")),
        "expired" => Some(AppError::gone("This invitation has expired. Ask for a new one.")),
        "used_up" => Some(AppError::gone("This join link has been used as many times as it allows. Ask for a new one.")),
        _ => None,
    }
}

async fn live_invitation(conn: &mut MySqlConnection, token: &str, lock: bool) -> Result<(InvitationRow, repo::WorkspaceRow), AppError> {
    let row = repo::find_invitation_by_token(&mut *conn, &session::hash_refresh_token(token.trim()), lock).await?.ok_or(AppError::NotFound)?;
    if let Some(err) = unusable(&row, Utc::now()) {
        return Err(err);
    }
    let workspace = repo::find_workspace(&mut *conn, row.workspace_id).await?.filter(|w| w.deleted_at.is_none());
    let workspace = workspace.ok_or_else(|| AppError::gone("This workspace no longer exists."))?;
    Ok((row, workspace))
}

/// What an invitation link leads to, for the page that accepts it. Anyone holding the link
/// may see this; it shows nothing the email did not already say.
pub async fn preview(state: &AppState, token: &str) -> Result<InvitationPreview, AppError> {
    let mut conn = state.pool.acquire().await?;
    let (row, workspace) = live_invitation(&mut conn, token, false).await?;
    let (role, _) = invitation_role(&row);
    Ok(InvitationPreview {
        workspace_name: workspace.name,
        workspace_slug: workspace.slug,
        logo_url: media_url(workspace.logo_key),
        role_name: role.name(),
        invited_by: row.inviter_name,
        email: row.email,
        kind: row.kind,
    })
}

/// Joins the workspace with the invitation's role. An emailed invitation must be accepted by
/// the account with that address; a join link by anyone signed in, until it runs out.
#[tracing::instrument(skip_all)]
pub async fn accept(state: &AppState, caller: &CurrentUser, token: &str) -> Result<WorkspaceView, AppError> {
    caller.session()?;
    let mut tx = state.pool.begin().await?;
    let (row, workspace) = live_invitation(&mut tx, token, true).await?;
    let user = auth_repo::find_user_for_update(&mut tx, caller.user_id).await?.ok_or(AppError::Unauthorized)?;
    if let Some(email) = row.email.as_deref().filter(|e| !e.eq_ignore_ascii_case(&user.email)) {
        return Err(AppError::conflict(format!(
            "This invitation was sent to {email}. Sign in with that address to accept it, or ask for an invitation to {}.",
            user.email
        )));
    }
    let ws = workspace.id;
    if repo::find_member(&mut *tx, ws, user.id).await?.is_some() {
        return Err(AppError::conflict(format!("You are already a member of {}.", workspace.name)));
    }
    // A join link must leave room for the seats that pending emailed invitations hold.
    let now = Utc::now();
    let mut taken = repo::count_members(&mut *tx, ws).await?;
    if row.kind == "link" {
        taken += repo::count_pending_email_invitations(&mut *tx, ws, now).await?;
    }
    ensure_within(&mut tx, ws, "members", taken).await?;
    let (role, permissions) = invitation_role(&row);
    repo::insert_member(&mut *tx, ws, user.id, &row.role, row.custom_role_id, row.invited_by, now).await?;
    repo::use_invitation(&mut *tx, &row, user.id, now).await?;
    repo::set_current_workspace(&mut *tx, user.id, ws).await?;
    let via = match &row.inviter_name {
        Some(name) if row.kind == "email" => format!("invited by {name}"),
        _ => "with a join link".into(),
    };
    log(&mut tx, ws, Some((user.id, &user.name)), "member.joined", &format!("{} joined as {} ({via})", user.name, role.name())).await?;
    tx.commit().await?;
    Ok(super::service::view(workspace, &role, permissions))
}

// ---- custom roles

fn role_view(row: RoleRow) -> RoleView {
    RoleView {
        id: row.id,
        name: row.name,
        description: row.description,
        permissions: PermissionSet::from_codes(&row.permissions),
        members: row.members.max(0) as u32,
        created_at: at(row.created_at),
    }
}

pub async fn list_roles(state: &AppState, tenant: &Tenant) -> Result<RolesView, AppError> {
    tenant.require(Permission::MembersRead)?;
    let built_in = Role::ALL
        .into_iter()
        .map(|r| BuiltInRoleView { role: r.as_str().into(), name: r.label().into(), description: r.description().into(), permissions: r.permissions() })
        .collect();
    let custom = repo::list_roles(&state.pool, tenant.workspace_id()).await?.into_iter().map(role_view).collect();
    Ok(RolesView { built_in, custom })
}

/// Validated name, description and permissions of a role form (`None` where not sent).
fn parse_role_form(form: &RoleForm, creating: bool) -> Result<(Option<String>, Option<String>, Option<PermissionSet>), AppError> {
    let mut checks = Checks::default();
    let name = match form.name.as_deref().map(str::trim) {
        None if creating => checks.check("name", Err::<String, _>("Name the role, like Support or Accountant.".into())),
        None => None,
        Some(n) if n.is_empty() => checks.check("name", Err::<String, _>("Name the role, like Support or Accountant.".into())),
        Some(n) if n.chars().count() > 50 => checks.check("name", Err::<String, _>("Use at most 50 characters.".into())),
        Some(n) if Role::parse(&n.to_lowercase()).is_some() => {
            checks.check("name", Err::<String, _>("That is a built-in role's name. Choose another.".into()))
        }
        Some(n) => Some(n.to_owned()),
    };
    let description = form.description.as_deref().map(str::trim).and_then(|d| {
        checks.check("description", if d.chars().count() <= 255 { Ok(d.to_owned()) } else { Err("Use at most 255 characters.".into()) })
    });
    let permissions = match &form.permissions {
        None if creating => checks.check("permissions", Err::<PermissionSet, _>("Choose at least one permission.".into())),
        None => None,
        Some(codes) => checks.check("permissions", (|| {
            let mut set = PermissionSet::default();
            for code in codes {
                let p = Permission::parse(code.trim()).ok_or_else(|| format!("{code:?} is not a permission."))?;
                if !p.assignable() {
                    return Err(format!("{code} belongs to the owner alone."));
                }
                set.insert(p);
            }
            if set == PermissionSet::default() { Err("Choose at least one permission.".into()) } else { Ok(set) }
        })()),
    };
    checks.finish()?;
    Ok((name, description, permissions))
}

pub async fn create_role(state: &AppState, tenant: &Tenant, form: RoleForm) -> Result<RoleView, AppError> {
    tenant.require(Permission::MembersManage)?;
    let (name, description, permissions) = parse_role_form(&form, true)?;
    let (name, permissions) = (name.unwrap_or_default(), permissions.unwrap_or_default());
    within(tenant, permissions)?;
    let ws = tenant.workspace_id();
    let mut tx = state.pool.begin().await?;
    if repo::role_name_taken(&mut *tx, ws, &name, None).await? {
        return Err(AppError::field("name", "This workspace already has a role with that name."));
    }
    let count = repo::count_roles(&mut *tx, ws).await?;
    ensure_within(&mut tx, ws, "custom_roles", count).await?;
    let id = Uuid::now_v7();
    repo::upsert_role(&mut *tx, ws, id, &name, description.as_deref().unwrap_or_default(), &permissions.to_codes(), Utc::now()).await?;
    let who = user_name(&mut tx, tenant.user_id()).await?;
    log(&mut tx, ws, Some((tenant.user_id(), &who)), "role.created", &format!("{who} created the role {name}")).await?;
    let row = repo::find_role(&mut *tx, ws, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(role_view(row))
}

pub async fn update_role(state: &AppState, tenant: &Tenant, id: Uuid, form: RoleForm) -> Result<RoleView, AppError> {
    tenant.require(Permission::MembersManage)?;
    let (name, description, permissions) = parse_role_form(&form, false)?;
    let ws = tenant.workspace_id();
    let mut tx = state.pool.begin().await?;
    let row = repo::find_role(&mut *tx, ws, id).await?.ok_or(AppError::NotFound)?;
    let old = PermissionSet::from_codes(&row.permissions);
    within(tenant, old)?;
    let permissions = permissions.unwrap_or(old);
    within(tenant, permissions)?;
    let name = name.unwrap_or(row.name);
    if repo::role_name_taken(&mut *tx, ws, &name, Some(id)).await? {
        return Err(AppError::field("name", "This workspace already has a role with that name."));
    }
    repo::upsert_role(&mut *tx, ws, id, &name, &description.unwrap_or(row.description), &permissions.to_codes(), Utc::now()).await?;
    let who = user_name(&mut tx, tenant.user_id()).await?;
    log(&mut tx, ws, Some((tenant.user_id(), &who)), "role.updated", &format!("{who} changed the role {name}")).await?;
    let row = repo::find_role(&mut *tx, ws, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(role_view(row))
}

/// Deletes a custom role nobody has (its pending invitations go with it).
pub async fn delete_role(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<(), AppError> {
    tenant.require(Permission::MembersManage)?;
    let ws = tenant.workspace_id();
    let mut tx = state.pool.begin().await?;
    let row = repo::find_role(&mut *tx, ws, id).await?.ok_or(AppError::NotFound)?;
    within(tenant, PermissionSet::from_codes(&row.permissions))?;
    if row.members > 0 {
        return Err(AppError::conflict(format!("{} member(s) have this role. Give them another role first.", row.members)));
    }
    repo::delete_role(&mut *tx, ws, id).await?;
    let who = user_name(&mut tx, tenant.user_id()).await?;
    log(&mut tx, ws, Some((tenant.user_id(), &who)), "role.deleted", &format!("{who} deleted the role {}", row.name)).await?;
    tx.commit().await?;
    Ok(())
}

// ---- activity

pub const ACTIVITY_PAGE: u32 = 50;

/// Newest first, `limit` (1–100) at a time; `cursor` is the `next_cursor` of the page before.
pub async fn activity(state: &AppState, tenant: &Tenant, cursor: Option<&str>, limit: Option<u32>) -> Result<Page<ActivityView>, AppError> {
    tenant.require(Permission::ActivityRead)?;
    let before = cursor
        .filter(|c| !c.is_empty())
        .map(|c| Uuid::parse_str(c).map_err(|_| AppError::bad_request("The cursor is not valid; use next_cursor from the previous page.")))
        .transpose()?;
    let limit = limit.unwrap_or(ACTIVITY_PAGE).clamp(1, 100);
    let ws = tenant.workspace_id();
    let mut rows = repo::list_activity(&state.pool, ws, before, limit + 1).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = more.then(|| rows.last().map(|r| r.id.to_string())).flatten();
    let total = repo::count_activity(&state.pool, ws).await?.max(0) as u64;
    let items = rows
        .into_iter()
        .map(|r| ActivityView { id: r.id, actor_id: r.actor_id, actor_name: r.actor_name, action: r.action, summary: r.summary, created_at: at(r.created_at) })
        .collect();
    Ok(Page { items, total, next_cursor })
}
