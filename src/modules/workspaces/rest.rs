//! `/api/v1/workspaces/…`, `/api/v1/invitations/…` and `/api/v1/plans`: the same service calls
//! as the pages. `{id}` is a workspace's id or slug; a workspace the caller is not a member of
//! answers 404, whether or not it exists.
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{members, service, types::*};
use crate::modules::auth::{ClientInfo, CurrentUser, types::Page};
use crate::server::{
    error::{ApiJson, ApiQuery, ApiResult, AppError},
    state::AppState,
    storage::IMAGE_MAX_BYTES,
    tenant::{Tenant, WorkspaceRef},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workspaces, create_workspace))
        .routes(routes!(current_workspace))
        .routes(routes!(get_workspace, update_workspace, delete_workspace))
        .routes(routes!(upload_logo, delete_logo))
        .routes(routes!(restore_workspace))
        .routes(routes!(transfer_workspace))
        .routes(routes!(leave_workspace))
        .routes(routes!(list_members))
        .routes(routes!(update_member, remove_member))
        .routes(routes!(list_invitations, create_invitation))
        .routes(routes!(revoke_invitation))
        .routes(routes!(resend_invitation))
        .routes(routes!(preview_invitation))
        .routes(routes!(accept_invitation))
        .routes(routes!(list_roles, create_role))
        .routes(routes!(update_role, delete_role))
        .routes(routes!(list_activity))
        .routes(routes!(list_plans))
}

async fn tenant(state: &AppState, caller: &CurrentUser, id: &str) -> Result<Tenant, AppError> {
    Tenant::resolve(state, caller, WorkspaceRef::parse(id)).await
}

/// A malformed id names nothing: 404, like an id of another workspace.
fn uuid(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Also list deleted workspaces the caller owns that can still be restored.
    #[serde(default)]
    include_deleted: bool,
}

/// The caller's workspaces with their role and permissions in each. An API key sees only its own.
#[utoipa::path(get, path = "/workspaces", tag = "workspaces", params(ListQuery),
    responses((status = 200, description = "Workspaces", body = Page<WorkspaceView>)))]
pub async fn list_workspaces(State(state): State<AppState>, caller: CurrentUser, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Page<WorkspaceView>> {
    let items = service::list_mine(&state, &caller, q.include_deleted).await?;
    Ok(ApiJson(Page { total: items.len() as u64, items, next_cursor: None }))
}

/// Create a workspace owned by the caller (it becomes their current one). `slug` is made from
/// the name when left out; goals can be given now or in the setup wizard.
#[utoipa::path(post, path = "/workspaces", tag = "workspaces", request_body = NewWorkspaceForm,
    responses(
        (status = 201, description = "Created", body = WorkspaceView),
        (status = 403, description = "API keys cannot create workspaces"),
        (status = 409, description = "The caller already owns the most workspaces one person can"),
        (status = 422, description = "A field is invalid or the slug is taken; `errors` names it"),
    ))]
pub async fn create_workspace(State(state): State<AppState>, caller: CurrentUser, ApiJson(form): ApiJson<NewWorkspaceForm>) -> Result<Response, AppError> {
    let created = service::create(&state, &caller, form).await?;
    Ok((StatusCode::CREATED, ApiJson(created)).into_response())
}

/// The workspace a request acts in: named by `X-Workspace-Id` (id or slug), else the API key's
/// own, else the one the user last opened.
#[utoipa::path(get, path = "/workspaces/current", tag = "workspaces",
    params(("X-Workspace-Id" = Option<String>, Header, description = "Workspace id or slug")),
    responses(
        (status = 200, description = "The workspace", body = WorkspaceView),
        (status = 404, description = "Not a member of it, or no workspace yet"),
    ))]
pub async fn current_workspace(State(state): State<AppState>, tenant: Tenant) -> ApiResult<WorkspaceView> {
    Ok(ApiJson(service::get(&state, &tenant).await?))
}

/// One workspace, with the caller's role and permissions in it.
#[utoipa::path(get, path = "/workspaces/{id}", tag = "workspaces", params(("id" = String, Path, description = "Workspace id or slug")),
    responses(
        (status = 200, description = "The workspace", body = WorkspaceView),
        (status = 404, description = "No such workspace, or the caller is not a member"),
    ))]
pub async fn get_workspace(State(state): State<AppState>, caller: CurrentUser, Path(id): Path<String>) -> ApiResult<WorkspaceView> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(service::get(&state, &tenant).await?))
}

/// Change settings (name, slug, colour, currency, time zone, language), goals, or mark the
/// setup wizard finished. Needs `workspace.manage`.
#[utoipa::path(patch, path = "/workspaces/{id}", tag = "workspaces", request_body = WorkspacePatch,
    params(("id" = String, Path, description = "Workspace id or slug")),
    responses(
        (status = 200, description = "Updated", body = WorkspaceView),
        (status = 403, description = "The caller's role cannot change settings"),
        (status = 404, description = "Not found"),
        (status = 422, description = "A field is invalid; `errors` names it"),
    ))]
pub async fn update_workspace(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<WorkspacePatch>,
) -> ApiResult<WorkspaceView> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(service::update(&state, &tenant, patch).await?))
}

/// Delete the workspace (owner only): type its name in `confirm_name`; send `password` (and
/// `code` with MFA on) unless the session was verified in the last 10 minutes. It can be
/// restored for 30 days, then it is purged.
#[utoipa::path(delete, path = "/workspaces/{id}", tag = "workspaces", request_body = DeleteWorkspaceForm,
    params(("id" = String, Path, description = "Workspace id or slug")),
    responses(
        (status = 200, description = "Deleted; `purge_after` says until when it can be restored", body = WorkspaceView),
        (status = 403, description = "Not the owner, or `step_up_required`"),
        (status = 404, description = "Not found"),
        (status = 422, description = "The typed name does not match, or a wrong password or code"),
    ))]
pub async fn delete_workspace(
    State(state): State<AppState>,
    caller: CurrentUser,
    client: ClientInfo,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<DeleteWorkspaceForm>,
) -> ApiResult<WorkspaceView> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(service::delete(&state, &caller, &tenant, form, &client).await?))
}

/// Upload a logo: raw PNG, JPEG or WebP bytes (at most 2 MB), stored as a 256 px square WebP.
#[utoipa::path(put, path = "/workspaces/{id}/logo", tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id or slug")),
    request_body(content = Vec<u8>, content_type = "image/*"),
    responses(
        (status = 200, description = "Stored; `logo_url` points at it", body = WorkspaceView),
        (status = 413, description = "Larger than 2 MB"),
        (status = 422, description = "Not a PNG, JPEG or WebP image"),
    ))]
pub async fn upload_logo(State(state): State<AppState>, caller: CurrentUser, Path(id): Path<String>, body: Bytes) -> ApiResult<WorkspaceView> {
    let tenant = tenant(&state, &caller, &id).await?;
    if body.len() > IMAGE_MAX_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    Ok(ApiJson(service::set_logo(&state, &tenant, body.to_vec()).await?))
}

/// Remove the logo.
#[utoipa::path(delete, path = "/workspaces/{id}/logo", tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "Removed", body = WorkspaceView)))]
pub async fn delete_logo(State(state): State<AppState>, caller: CurrentUser, Path(id): Path<String>) -> ApiResult<WorkspaceView> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(service::remove_logo(&state, &tenant).await?))
}

/// Restore a deleted workspace (its owner, within 30 days).
#[utoipa::path(post, path = "/workspaces/{id}/restore", tag = "workspaces", params(("id" = Uuid, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "Restored", body = WorkspaceView),
        (status = 404, description = "No such workspace of the caller's"),
        (status = 409, description = "It is not deleted"),
        (status = 410, description = "Past the 30 days"),
    ))]
pub async fn restore_workspace(State(state): State<AppState>, caller: CurrentUser, Path(id): Path<String>) -> ApiResult<WorkspaceView> {
    Ok(ApiJson(service::restore(&state, &caller, uuid(&id)?).await?))
}

/// Make another member the owner; the caller becomes an admin. Step-up as for deletion.
#[utoipa::path(post, path = "/workspaces/{id}/transfer", tag = "workspaces", request_body = TransferForm,
    params(("id" = String, Path, description = "Workspace id or slug")),
    responses(
        (status = 200, description = "Transferred; the caller's new role is in the answer", body = WorkspaceView),
        (status = 403, description = "Not the owner, or `step_up_required`"),
        (status = 422, description = "`user_id` is not another member, or a wrong password or code"),
    ))]
pub async fn transfer_workspace(
    State(state): State<AppState>,
    caller: CurrentUser,
    client: ClientInfo,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<TransferForm>,
) -> ApiResult<WorkspaceView> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(service::transfer(&state, &caller, &tenant, form, &client).await?))
}

/// Leave the workspace. The owner must transfer it first.
#[utoipa::path(post, path = "/workspaces/{id}/leave", tag = "workspaces", params(("id" = String, Path, description = "Workspace id or slug")),
    responses(
        (status = 204, description = "Left"),
        (status = 409, description = "The caller is the owner"),
    ))]
pub async fn leave_workspace(State(state): State<AppState>, caller: CurrentUser, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    let tenant = tenant(&state, &caller, &id).await?;
    service::leave(&state, &tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Members with their role, when they joined and when they were last active.
#[utoipa::path(get, path = "/workspaces/{id}/members", tag = "workspaces", params(("id" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "Members", body = Page<MemberView>), (status = 404, description = "Not found")))]
pub async fn list_members(State(state): State<AppState>, caller: CurrentUser, Path(id): Path<String>) -> ApiResult<Page<MemberView>> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(members::list_members(&state, &tenant).await?))
}

/// Change a member's role (`admin`, `editor`, `viewer` or a custom role's id). The owner's
/// role cannot change (transfer instead), nor can a member's whose permissions exceed the caller's.
#[utoipa::path(patch, path = "/workspaces/{id}/members/{user_id}", tag = "workspaces", request_body = MemberPatch,
    params(("id" = String, Path, description = "Workspace id or slug"), ("user_id" = Uuid, Path, description = "Member's user id")),
    responses(
        (status = 200, description = "Changed", body = MemberView),
        (status = 403, description = "The caller lacks `members.manage` or the permissions involved"),
        (status = 404, description = "No such member"),
        (status = 409, description = "The owner, or the caller themselves"),
        (status = 422, description = "Unknown role"),
    ))]
pub async fn update_member(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path((id, user_id)): Path<(String, String)>,
    ApiJson(patch): ApiJson<MemberPatch>,
) -> ApiResult<MemberView> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(members::update_member(&state, &tenant, uuid(&user_id)?, patch).await?))
}

/// Remove a member; what they made stays in the workspace.
#[utoipa::path(delete, path = "/workspaces/{id}/members/{user_id}", tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id or slug"), ("user_id" = Uuid, Path, description = "Member's user id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not allowed"),
        (status = 404, description = "No such member"),
        (status = 409, description = "The owner (transfer first), or the caller (leave instead)"),
    ))]
pub async fn remove_member(State(state): State<AppState>, caller: CurrentUser, Path((id, user_id)): Path<(String, String)>) -> Result<StatusCode, AppError> {
    let tenant = tenant(&state, &caller, &id).await?;
    members::remove_member(&state, &tenant, uuid(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pending invitations and join links.
#[utoipa::path(get, path = "/workspaces/{id}/invitations", tag = "workspaces", params(("id" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "Invitations", body = Page<InvitationView>), (status = 403, description = "Needs `members.manage`")))]
pub async fn list_invitations(State(state): State<AppState>, caller: CurrentUser, Path(id): Path<String>) -> ApiResult<Page<InvitationView>> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(members::list_invitations(&state, &tenant).await?))
}

/// Invite: `{email, role}` emails a single-use link valid 7 days; `{role, expires_at?,
/// max_uses?}` (no email) makes a shareable join link. The link is in this answer only.
#[utoipa::path(post, path = "/workspaces/{id}/invitations", tag = "workspaces", request_body = InviteForm,
    params(("id" = String, Path, description = "Workspace id or slug")),
    responses(
        (status = 201, description = "Created", body = InvitationCreated),
        (status = 402, description = "`plan_limit`: the plan's member limit is reached"),
        (status = 403, description = "Needs `members.manage` and the role's permissions"),
        (status = 409, description = "Already a member, or already invited"),
        (status = 422, description = "Invalid email, role, expiry or uses"),
    ))]
pub async fn create_invitation(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<InviteForm>,
) -> Result<Response, AppError> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok((StatusCode::CREATED, ApiJson(members::invite(&state, &tenant, form).await?)).into_response())
}

/// Revoke an invitation or join link.
#[utoipa::path(delete, path = "/workspaces/{id}/invitations/{inv}", tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id or slug"), ("inv" = Uuid, Path, description = "Invitation id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such invitation"),
        (status = 409, description = "Already accepted or revoked"),
    ))]
pub async fn revoke_invitation(State(state): State<AppState>, caller: CurrentUser, Path((id, inv)): Path<(String, String)>) -> Result<StatusCode, AppError> {
    let tenant = tenant(&state, &caller, &id).await?;
    members::revoke(&state, &tenant, uuid(&inv)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Email an invitation again: a new link (the old one stops working), valid 7 more days.
#[utoipa::path(post, path = "/workspaces/{id}/invitations/{inv}/resend", tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id or slug"), ("inv" = Uuid, Path, description = "Invitation id")),
    responses(
        (status = 200, description = "Sent", body = InvitationCreated),
        (status = 404, description = "No such invitation"),
        (status = 409, description = "A join link, or already accepted or revoked"),
    ))]
pub async fn resend_invitation(State(state): State<AppState>, caller: CurrentUser, Path((id, inv)): Path<(String, String)>) -> ApiResult<InvitationCreated> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(members::resend(&state, &tenant, uuid(&inv)?).await?))
}

/// What an invitation link leads to (no sign-in needed: the link is the secret).
#[utoipa::path(get, path = "/invitations/{token}", tag = "workspaces", params(("token" = String, Path, description = "The link's token")),
    responses(
        (status = 200, description = "The workspace and role", body = InvitationPreview),
        (status = 404, description = "Unknown link"),
        (status = 410, description = "Expired, revoked, used, or the workspace is gone"),
    ))]
pub async fn preview_invitation(State(state): State<AppState>, Path(token): Path<String>) -> ApiResult<InvitationPreview> {
    Ok(ApiJson(members::preview(&state, &token).await?))
}

/// Accept an invitation or join link as the signed-in user (new people sign up first).
#[utoipa::path(post, path = "/invitations/{token}/accept", tag = "workspaces", params(("token" = String, Path, description = "The link's token")),
    responses(
        (status = 200, description = "Joined", body = Joined),
        (status = 401, description = "Sign in (or sign up) first"),
        (status = 402, description = "`plan_limit`: the workspace is full"),
        (status = 404, description = "Unknown link"),
        (status = 409, description = "Already a member, or the invitation is for another email address"),
        (status = 410, description = "Expired, revoked, used, or the workspace is gone"),
    ))]
pub async fn accept_invitation(State(state): State<AppState>, caller: CurrentUser, Path(token): Path<String>) -> ApiResult<Joined> {
    Ok(ApiJson(Joined { workspace: members::accept(&state, &caller, &token).await? }))
}

/// The built-in roles with their permissions, and the workspace's custom roles.
#[utoipa::path(get, path = "/workspaces/{id}/roles", tag = "workspaces", params(("id" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "Roles", body = RolesView)))]
pub async fn list_roles(State(state): State<AppState>, caller: CurrentUser, Path(id): Path<String>) -> ApiResult<RolesView> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(members::list_roles(&state, &tenant).await?))
}

/// Create a custom role: a name and `module.action` permissions (within the caller's own).
#[utoipa::path(post, path = "/workspaces/{id}/roles", tag = "workspaces", request_body = RoleForm,
    params(("id" = String, Path, description = "Workspace id or slug")),
    responses(
        (status = 201, description = "Created", body = RoleView),
        (status = 402, description = "`plan_limit`: the plan's custom-role limit is reached"),
        (status = 403, description = "Needs `members.manage` and the permissions given"),
        (status = 422, description = "Missing name, taken name or unknown permission"),
    ))]
pub async fn create_role(State(state): State<AppState>, caller: CurrentUser, Path(id): Path<String>, ApiJson(form): ApiJson<RoleForm>) -> Result<Response, AppError> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok((StatusCode::CREATED, ApiJson(members::create_role(&state, &tenant, form).await?)).into_response())
}

/// Change a custom role's name, description or permissions (members with it get them at once).
#[utoipa::path(patch, path = "/workspaces/{id}/roles/{role_id}", tag = "workspaces", request_body = RoleForm,
    params(("id" = String, Path, description = "Workspace id or slug"), ("role_id" = Uuid, Path, description = "Custom role id")),
    responses(
        (status = 200, description = "Changed", body = RoleView),
        (status = 404, description = "No such role"),
        (status = 422, description = "A field is invalid"),
    ))]
pub async fn update_role(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path((id, role_id)): Path<(String, String)>,
    ApiJson(form): ApiJson<RoleForm>,
) -> ApiResult<RoleView> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(members::update_role(&state, &tenant, uuid(&role_id)?, form).await?))
}

/// Delete a custom role that no member has.
#[utoipa::path(delete, path = "/workspaces/{id}/roles/{role_id}", tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id or slug"), ("role_id" = Uuid, Path, description = "Custom role id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such role"),
        (status = 409, description = "Members still have it"),
    ))]
pub async fn delete_role(State(state): State<AppState>, caller: CurrentUser, Path((id, role_id)): Path<(String, String)>) -> Result<StatusCode, AppError> {
    let tenant = tenant(&state, &caller, &id).await?;
    members::delete_role(&state, &tenant, uuid(&role_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ActivityQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1 to 100 (default 50).
    limit: Option<u32>,
}

/// The activity log, newest first: invitations, joins, role changes, removals, transfers, settings.
#[utoipa::path(get, path = "/workspaces/{id}/activity", tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id or slug"), ActivityQuery),
    responses(
        (status = 200, description = "Entries", body = Page<ActivityView>),
        (status = 403, description = "Needs `activity.read`"),
    ))]
pub async fn list_activity(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ActivityQuery>,
) -> ApiResult<Page<ActivityView>> {
    let tenant = tenant(&state, &caller, &id).await?;
    Ok(ApiJson(members::activity(&state, &tenant, q.cursor.as_deref(), q.limit).await?))
}

/// Plans and their limits (`max: null` is unlimited).
#[utoipa::path(get, path = "/plans", tag = "workspaces", responses((status = 200, description = "Plans", body = Vec<PlanView>)))]
pub async fn list_plans(State(state): State<AppState>) -> ApiResult<Vec<PlanView>> {
    Ok(ApiJson(service::plans(&state).await?))
}
