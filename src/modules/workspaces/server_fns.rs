//! Server functions behind the workspace pages. A workspace is always named by the slug in the
//! page's URL and resolved through the membership check (`Tenant`), never by an id the browser
//! sends. Each is a few lines over the same service as the REST API.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use super::types::{
    ActivityView, AppShell, DeleteWorkspaceForm, InvitationCreated, InvitationPreview, InvitationView, InviteForm, MemberView,
    NewWorkspaceForm, PlanView, RoleForm, RoleView, RolesView, TransferForm, WorkspacePatch, WorkspaceView,
};
use crate::modules::auth::types::Page;
use crate::shared::error::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::modules::auth::{ClientInfo, CurrentUser, server_fns::ssr::caller};
    use crate::server::{error::AppError, state::AppState, tenant::{Tenant, WorkspaceRef}};

    /// The caller acting in the workspace of the page's URL.
    pub async fn tenant(slug: &str) -> Result<(AppState, CurrentUser, ClientInfo, Tenant), AppError> {
        let (state, caller, client) = caller().await?;
        let tenant = Tenant::resolve(&state, &caller, WorkspaceRef::Slug(slug.trim().to_ascii_lowercase())).await?;
        Ok((state, caller, client, tenant))
    }
}

#[cfg(feature = "ssr")]
use crate::modules::auth::server_fns::run;

/// The app frame's data: the workspace of `slug` (else the one last opened) and the others.
#[server(endpoint = "workspaces/shell")]
pub async fn load_app_shell(slug: Option<String>) -> Result<AppShell, AppError> {
    run(async move {
        let (state, caller, _) = crate::modules::auth::server_fns::ssr::caller().await?;
        super::service::shell(&state, &caller, slug.as_deref().filter(|s| !s.is_empty())).await
    })
    .await
}

#[server(endpoint = "workspaces/create", input = Json)]
pub async fn create_workspace(form: NewWorkspaceForm) -> Result<WorkspaceView, AppError> {
    run(async move {
        let (state, caller, _) = crate::modules::auth::server_fns::ssr::caller().await?;
        super::service::create(&state, &caller, form).await
    })
    .await
}

#[server(endpoint = "workspaces/update", input = Json)]
pub async fn update_workspace(slug: String, patch: WorkspacePatch) -> Result<WorkspaceView, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::service::update(&state, &tenant, patch).await
    })
    .await
}

#[server(endpoint = "workspaces/remove_logo")]
pub async fn remove_workspace_logo(slug: String) -> Result<WorkspaceView, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::service::remove_logo(&state, &tenant).await
    })
    .await
}

#[server(endpoint = "workspaces/delete", input = Json)]
pub async fn delete_workspace(slug: String, form: DeleteWorkspaceForm) -> Result<WorkspaceView, AppError> {
    run(async move {
        let (state, caller, client, tenant) = ssr::tenant(&slug).await?;
        super::service::delete(&state, &caller, &tenant, form, &client).await
    })
    .await
}

/// Deleted workspaces the caller owns (still restorable).
#[server(endpoint = "workspaces/deleted")]
pub async fn deleted_workspaces() -> Result<Vec<WorkspaceView>, AppError> {
    run(async move {
        let (state, caller, _) = crate::modules::auth::server_fns::ssr::caller().await?;
        let all = super::service::list_mine(&state, &caller, true).await?;
        Ok(all.into_iter().filter(|w| w.deleted_at.is_some() && w.owner_id == caller.user_id).collect())
    })
    .await
}

#[server(endpoint = "workspaces/restore")]
pub async fn restore_workspace(id: Uuid) -> Result<WorkspaceView, AppError> {
    run(async move {
        let (state, caller, _) = crate::modules::auth::server_fns::ssr::caller().await?;
        super::service::restore(&state, &caller, id).await
    })
    .await
}

#[server(endpoint = "workspaces/transfer", input = Json)]
pub async fn transfer_workspace(slug: String, form: TransferForm) -> Result<WorkspaceView, AppError> {
    run(async move {
        let (state, caller, client, tenant) = ssr::tenant(&slug).await?;
        super::service::transfer(&state, &caller, &tenant, form, &client).await
    })
    .await
}

#[server(endpoint = "workspaces/leave")]
pub async fn leave_workspace(slug: String) -> Result<(), AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::service::leave(&state, &tenant).await
    })
    .await
}

#[server(endpoint = "workspaces/members")]
pub async fn list_members(slug: String) -> Result<Page<MemberView>, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::list_members(&state, &tenant).await
    })
    .await
}

#[server(endpoint = "workspaces/member_role")]
pub async fn change_member_role(slug: String, user_id: Uuid, role: String) -> Result<MemberView, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::update_member(&state, &tenant, user_id, super::types::MemberPatch { role }).await
    })
    .await
}

#[server(endpoint = "workspaces/remove_member")]
pub async fn remove_member(slug: String, user_id: Uuid) -> Result<(), AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::remove_member(&state, &tenant, user_id).await
    })
    .await
}

#[server(endpoint = "workspaces/invitations")]
pub async fn list_invitations(slug: String) -> Result<Page<InvitationView>, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::list_invitations(&state, &tenant).await
    })
    .await
}

/// `form.email` set: an emailed invitation; empty: a join link.
#[server(endpoint = "workspaces/invite", input = Json)]
pub async fn invite_member(slug: String, form: InviteForm) -> Result<InvitationCreated, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::invite(&state, &tenant, form).await
    })
    .await
}

#[server(endpoint = "workspaces/resend_invitation")]
pub async fn resend_invitation(slug: String, id: Uuid) -> Result<InvitationCreated, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::resend(&state, &tenant, id).await
    })
    .await
}

#[server(endpoint = "workspaces/revoke_invitation")]
pub async fn revoke_invitation(slug: String, id: Uuid) -> Result<(), AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::revoke(&state, &tenant, id).await
    })
    .await
}

/// The accept page's preview; needs no sign-in (the link is the secret).
#[server(endpoint = "workspaces/preview_invitation")]
pub async fn preview_invitation(token: String) -> Result<InvitationPreview, AppError> {
    run(async move {
        let (state, _) = crate::modules::auth::server_fns::ssr::request()?;
        super::members::preview(&state, &token).await
    })
    .await
}

#[server(endpoint = "workspaces/accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<WorkspaceView, AppError> {
    run(async move {
        let (state, caller, _) = crate::modules::auth::server_fns::ssr::caller().await?;
        super::members::accept(&state, &caller, &token).await
    })
    .await
}

#[server(endpoint = "workspaces/roles")]
pub async fn list_roles(slug: String) -> Result<RolesView, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::list_roles(&state, &tenant).await
    })
    .await
}

#[server(endpoint = "workspaces/create_role", input = Json)]
pub async fn create_role(slug: String, form: RoleForm) -> Result<RoleView, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::create_role(&state, &tenant, form).await
    })
    .await
}

#[server(endpoint = "workspaces/update_role", input = Json)]
pub async fn update_role(slug: String, id: Uuid, form: RoleForm) -> Result<RoleView, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::update_role(&state, &tenant, id, form).await
    })
    .await
}

#[server(endpoint = "workspaces/delete_role")]
pub async fn delete_role(slug: String, id: Uuid) -> Result<(), AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::delete_role(&state, &tenant, id).await
    })
    .await
}

#[server(endpoint = "workspaces/activity")]
pub async fn workspace_activity(slug: String, cursor: Option<String>) -> Result<Page<ActivityView>, AppError> {
    run(async move {
        let (state, _, _, tenant) = ssr::tenant(&slug).await?;
        super::members::activity(&state, &tenant, cursor.as_deref(), None).await
    })
    .await
}

#[server(endpoint = "workspaces/plans")]
pub async fn list_plans() -> Result<Vec<PlanView>, AppError> {
    run(async move {
        let (state, _) = crate::modules::auth::server_fns::ssr::request()?;
        super::service::plans(&state).await
    })
    .await
}
