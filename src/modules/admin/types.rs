//! The admin area's wire shapes, for both targets.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Page size of the admin lists when `limit` is left out.
pub const DEFAULT_LIMIT: u32 = 25;
/// Largest page the admin lists answer.
pub const MAX_LIMIT: u32 = 100;

/// An account as a platform admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminUserView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub is_platform_admin: bool,
    pub mfa_enabled: bool,
    /// Workspaces the user is a member of (deleted ones included).
    pub workspaces: u32,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// A workspace as a platform admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminWorkspaceView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    /// Plan code: `free`, `pro` or `business`.
    pub plan: String,
    /// The owner's email (none only if the owner's account is gone).
    pub owner_email: Option<String>,
    /// Member count, owner included.
    pub members: u32,
    /// Set while the workspace is deleted and can still be restored.
    pub deleted_at: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// `PATCH /admin/workspaces/{id}`: the new plan's code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminWorkspacePatch {
    #[serde(default)]
    pub plan: String,
}
