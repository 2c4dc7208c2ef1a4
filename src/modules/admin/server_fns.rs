//! Server functions behind the admin page: the same service calls as the REST API.
use leptos::prelude::*;
use uuid::Uuid;

use super::types::{AdminUserView, AdminWorkspaceView};
use crate::modules::auth::types::Page;
use crate::shared::error::AppError;

#[cfg(feature = "ssr")]
use crate::modules::auth::server_fns::{run, ssr::caller};

/// A page of accounts matching `q`, after `cursor`. 404 for anyone but a platform admin.
#[server(endpoint = "admin/users")]
pub async fn admin_users(q: String, cursor: Option<String>) -> Result<Page<AdminUserView>, AppError> {
    run(async move {
        let (state, caller, _) = caller().await?;
        super::service::list_users(&state, &caller, Some(&q), cursor.as_deref(), None).await
    })
    .await
}

/// A page of workspaces matching `q`, after `cursor`. 404 for anyone but a platform admin.
#[server(endpoint = "admin/workspaces")]
pub async fn admin_workspaces(q: String, cursor: Option<String>) -> Result<Page<AdminWorkspaceView>, AppError> {
    run(async move {
        let (state, caller, _) = caller().await?;
        super::service::list_workspaces(&state, &caller, Some(&q), cursor.as_deref(), None).await
    })
    .await
}

/// Moves a workspace to another plan.
#[server(endpoint = "admin/set_plan")]
pub async fn admin_set_plan(id: Uuid, plan: String) -> Result<AdminWorkspaceView, AppError> {
    run(async move {
        let (state, caller, _) = caller().await?;
        super::service::set_plan(&state, &caller, id, super::types::AdminWorkspacePatch { plan }).await
    })
    .await
}
