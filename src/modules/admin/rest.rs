//! `/api/v1/admin/…`: the platform admin's lists and plan changes. Every route answers 404 to
//! a caller who is not a platform admin, so the area's existence does not leak; an admin's
//! API key gets 403 (the admin area needs a signed-in session).
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{service, types::*};
use crate::modules::auth::{CurrentUser, types::Page};
use crate::server::{
    error::{ApiJson, ApiQuery, ApiResult, AppError},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(list_workspaces))
        .routes(routes!(update_workspace))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct AdminListQuery {
    /// Search text: part of a name or email (users), or of a name, slug or owner's email
    /// (workspaces). Case-insensitive.
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 100, default 25.
    pub limit: Option<u32>,
}

/// Every account, newest first, with its workspace count. Platform admins only.
#[utoipa::path(get, path = "/admin/users", tag = "admin", operation_id = "admin_list_users", params(AdminListQuery),
    responses(
        (status = 200, description = "Accounts", body = Page<AdminUserView>),
        (status = 400, description = "A cursor the API did not give out, or a malformed parameter"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "API keys cannot use the admin area"),
        (status = 404, description = "The caller is not a platform admin"),
    ))]
pub async fn list_users(State(state): State<AppState>, caller: CurrentUser, ApiQuery(q): ApiQuery<AdminListQuery>) -> ApiResult<Page<AdminUserView>> {
    Ok(ApiJson(service::list_users(&state, &caller, q.q.as_deref(), q.cursor.as_deref(), q.limit).await?))
}

/// Every workspace (deleted ones included), newest first, with its owner and member count.
/// Platform admins only.
#[utoipa::path(get, path = "/admin/workspaces", tag = "admin", operation_id = "admin_list_workspaces", params(AdminListQuery),
    responses(
        (status = 200, description = "Workspaces", body = Page<AdminWorkspaceView>),
        (status = 400, description = "A cursor the API did not give out, or a malformed parameter"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "API keys cannot use the admin area"),
        (status = 404, description = "The caller is not a platform admin"),
    ))]
pub async fn list_workspaces(State(state): State<AppState>, caller: CurrentUser, ApiQuery(q): ApiQuery<AdminListQuery>) -> ApiResult<Page<AdminWorkspaceView>> {
    Ok(ApiJson(service::list_workspaces(&state, &caller, q.q.as_deref(), q.cursor.as_deref(), q.limit).await?))
}

/// Move a workspace to another plan (`free`, `pro`, `business`). The change is written to the
/// workspace's activity log. Platform admins only.
#[utoipa::path(patch, path = "/admin/workspaces/{id}", tag = "admin", operation_id = "admin_update_workspace", request_body = AdminWorkspacePatch,
    params(("id" = Uuid, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "Changed", body = AdminWorkspaceView),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "API keys cannot use the admin area"),
        (status = 404, description = "No such workspace, or the caller is not a platform admin"),
        (status = 422, description = "Unknown plan; `errors` names `plan`"),
    ))]
pub async fn update_workspace(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<AdminWorkspacePatch>,
) -> ApiResult<AdminWorkspaceView> {
    // Non-admins learn nothing, not even whether the id is well formed.
    service::require_admin(&state, &caller).await?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    Ok(ApiJson(service::set_plan(&state, &caller, id, patch).await?))
}
