//! The tenant of a request: a signed-in user acting in one workspace they belong to, with the
//! permissions of their role there (narrowed by an API key's scopes). Its fields are private
//! and its only constructor checks membership, so holding a `Tenant` proves the caller may be
//! in that workspace; repo functions take its workspace id for every query (DESIGN.md).
use axum::{extract::FromRequestParts, http::request::Parts};
use chrono::Utc;
use uuid::Uuid;

use super::{error::AppError, state::AppState};
use crate::modules::auth::{
    repo as auth_repo,
    session::{Credential, CurrentUser},
};
use crate::modules::workspaces::{
    permissions::{Permission, PermissionSet, Role},
    repo::{self, MembershipRow},
};

/// Header naming the workspace of a cookie- or token-authenticated API call (id or slug).
pub const WORKSPACE_HEADER: &str = "x-workspace-id";

/// How a request names its workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceRef {
    Id(Uuid),
    Slug(String),
    /// The API key's workspace, else the one the user last opened.
    Current,
}

impl WorkspaceRef {
    /// An id or a slug, as the header and `/w/{slug}` URLs carry it.
    pub fn parse(value: &str) -> Self {
        let value = value.trim();
        Uuid::parse_str(value).map_or_else(|_| Self::Slug(value.to_ascii_lowercase()), Self::Id)
    }
}

/// A member's role: built in, or a custom role's id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberRole {
    BuiltIn(Role),
    Custom { id: Uuid, name: String },
}

impl MemberRole {
    pub fn from_row(role: &str, custom_id: Option<Uuid>, custom_name: Option<&str>) -> Self {
        match (Role::parse(role), custom_id) {
            (Some(role), _) => Self::BuiltIn(role),
            (None, Some(id)) => Self::Custom { id, name: custom_name.unwrap_or("Custom role").to_owned() },
            // A row that lost its custom role reads as the least powerful role.
            (None, None) => Self::BuiltIn(Role::Viewer),
        }
    }

    /// The wire form: `owner`, `admin`, `editor`, `viewer` or the custom role's id.
    pub fn code(&self) -> String {
        match self {
            Self::BuiltIn(role) => role.as_str().to_owned(),
            Self::Custom { id, .. } => id.to_string(),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Self::BuiltIn(role) => role.label().to_owned(),
            Self::Custom { name, .. } => name.clone(),
        }
    }

    pub fn is_owner(&self) -> bool {
        *self == Self::BuiltIn(Role::Owner)
    }
}

/// The permissions a membership row grants.
pub fn row_permissions(row: &MembershipRow) -> (MemberRole, PermissionSet) {
    role_permissions(&row.role, row.custom_role_id, row.custom_role_name.as_deref(), row.custom_permissions.as_deref())
}

/// The role and permissions of a `role` column with its custom role (members, invitations).
pub fn role_permissions(role: &str, custom_id: Option<Uuid>, custom_name: Option<&str>, custom_permissions: Option<&str>) -> (MemberRole, PermissionSet) {
    let role = MemberRole::from_row(role, custom_id, custom_name);
    let permissions = match &role {
        MemberRole::BuiltIn(role) => role.permissions(),
        // Custom roles never carry owner-only permissions, whatever is stored.
        MemberRole::Custom { .. } => PermissionSet::from_codes(custom_permissions.unwrap_or_default()).iter().filter(|p| p.assignable()).collect(),
    };
    (role, permissions)
}

#[derive(Debug, Clone)]
pub struct Tenant {
    user_id: Uuid,
    workspace_id: Uuid,
    role: MemberRole,
    permissions: PermissionSet,
    api_key: bool,
}

/// `last_active_at` is kept to five minutes, so browsing does not write on every request.
const ACTIVE_GRANULARITY_SECS: i64 = 300;

impl Tenant {
    /// The caller in the named workspace, or 404 when they are not a member of it (so a
    /// workspace's existence does not leak). An API key only ever reaches its own workspace.
    pub async fn resolve(state: &AppState, caller: &CurrentUser, workspace: WorkspaceRef) -> Result<Self, AppError> {
        Self::resolve_checking(state, caller, workspace, None).await
    }

    /// `resolve` for a caller whose session family `unchecked` is still to be checked
    /// (`CurrentUser::from_token`): 401 when it is no longer live.
    async fn resolve_checking(state: &AppState, caller: &CurrentUser, workspace: WorkspaceRef, unchecked: Option<Uuid>) -> Result<Self, AppError> {
        let workspace = match &caller.credential {
            Credential::Session { .. } => workspace,
            Credential::ApiKey { workspace_id: None, .. } => {
                return Err(AppError::bad_request(
                    "This API key is not bound to a workspace. Create a new key from the workspace it should reach.",
                ));
            }
            Credential::ApiKey { workspace_id: Some(bound), .. } => match workspace {
                WorkspaceRef::Current => WorkspaceRef::Id(*bound),
                other => other,
            },
        };
        let now = Utc::now();
        let live = unchecked.map(|family_id| (family_id, now));
        let row = match &workspace {
            WorkspaceRef::Id(id) => repo::membership(&state.pool, caller.user_id, live, Some(*id), None).await?,
            WorkspaceRef::Slug(slug) => repo::membership(&state.pool, caller.user_id, live, None, Some(slug)).await?,
            WorkspaceRef::Current => repo::current_membership(&state.pool, caller.user_id, live).await?,
        };
        let row = match (row, unchecked) {
            (Some(row), _) => row,
            // No row: not a member (404), unless the session itself is over (401).
            (None, Some(family_id)) if !auth_repo::family_is_live(&state.pool, caller.user_id, family_id, now).await? => {
                return Err(AppError::Unauthorized);
            }
            (None, _) => return Err(AppError::NotFound),
        };
        if let Credential::ApiKey { workspace_id: Some(bound), .. } = &caller.credential {
            if *bound != row.workspace_id {
                return Err(AppError::NotFound);
            }
        }
        let (role, mut permissions) = row_permissions(&row);
        let api_key = matches!(caller.credential, Credential::ApiKey { .. });
        if api_key {
            permissions = permissions.iter().filter(|p| caller.allows(p.module(), p.writes())).collect();
        }
        if row.last_active_at.is_none_or(|at| (now - at).num_seconds() >= ACTIVE_GRANULARITY_SECS) {
            repo::touch_member(&state.pool, row.workspace_id, caller.user_id, now).await?;
        }
        Ok(Self { user_id: caller.user_id, workspace_id: row.workspace_id, role, permissions, api_key })
    }

    pub fn user_id(&self) -> Uuid {
        self.user_id
    }

    pub fn workspace_id(&self) -> Uuid {
        self.workspace_id
    }

    pub fn role(&self) -> &MemberRole {
        &self.role
    }

    pub fn permissions(&self) -> PermissionSet {
        self.permissions
    }

    /// Whether the caller authenticated with an API key (not a browser or app session).
    pub fn via_api_key(&self) -> bool {
        self.api_key
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }

    /// 403 unless the caller's role (and API key scope) grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.can(permission) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// For module REST handlers: the workspace named by the `X-Workspace-Id` header (id or slug),
/// else by a `workspace` query parameter, else the API key's or the user's current one.
impl FromRequestParts<AppState> for Tenant {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (caller, unchecked) = CurrentUser::from_token(state, &parts.headers).await?.ok_or(AppError::Unauthorized)?;
        // Links and frames (downloads, previews) cannot send a header: `?workspace=` names it there.
        let from_query = parts.uri.query().and_then(|q| {
            q.split('&').find_map(|kv| kv.strip_prefix("workspace=")).filter(|v| v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        });
        let named = parts
            .headers
            .get(WORKSPACE_HEADER)
            .map(|v| v.to_str().map_err(|_| AppError::bad_request("X-Workspace-Id must be a workspace id or slug.")))
            .transpose()?
            .or(from_query)
            .filter(|v| !v.trim().is_empty())
            .map_or(WorkspaceRef::Current, WorkspaceRef::parse);
        Tenant::resolve_checking(state, &caller, named, unchecked).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_refs_are_ids_or_lowercased_slugs() {
        let id = Uuid::now_v7();
        assert_eq!(WorkspaceRef::parse(&id.to_string()), WorkspaceRef::Id(id));
        assert_eq!(WorkspaceRef::parse(" Acme-Co "), WorkspaceRef::Slug("acme-co".into()));
    }

    #[test]
    fn custom_roles_never_get_owner_permissions() {
        let row = MembershipRow {
            workspace_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            role: "custom".into(),
            custom_role_id: Some(Uuid::now_v7()),
            custom_role_name: Some("Support".into()),
            custom_permissions: Some("crm.read workspace.delete workspace.transfer".into()),
            last_active_at: None,
        };
        let (role, permissions) = row_permissions(&row);
        assert_eq!(role.name(), "Support");
        assert_eq!(permissions.iter().collect::<Vec<_>>(), vec![Permission::CrmRead]);
    }
}
