//! Wire types of the workspaces module, shared by the pages (WASM) and the server.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::permissions::{PermissionSet, Role};

/// What a business sets out to do in the setup wizard; goals decide which tools the
/// navigation shows.
pub const GOALS: &[Goal] = &[
    Goal { code: "social", label: "Social media", hint: "Instagram & co.", icon: "share" },
    Goal { code: "bio", label: "Link in bio", hint: "One page for all your links", icon: "link" },
    Goal { code: "courses", label: "Courses & community", hint: "Teach and gather members", icon: "book" },
    Goal { code: "store", label: "Online store", hint: "Sell products", icon: "bag" },
    Goal { code: "crm", label: "CRM & email marketing", hint: "Customers and campaigns", icon: "users" },
    Goal { code: "bookings", label: "Bookings", hint: "Let clients book your time", icon: "calendar" },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goal {
    pub code: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub icon: &'static str,
}

pub fn goal(code: &str) -> Option<&'static Goal> {
    GOALS.iter().find(|g| g.code == code)
}

/// The goal the wizard suggests next: the one not yet picked that best complements the picked
/// ones (each goal lists what its users most often add, strongest first). `None` when every
/// goal is picked or none is.
pub fn suggest_goal(picked: &[String]) -> Option<&'static Goal> {
    const AFFINITY: &[(&str, [&str; 3])] = &[
        ("social", ["bio", "store", "crm"]),
        ("bio", ["social", "store", "crm"]),
        ("courses", ["crm", "bookings", "bio"]),
        ("store", ["crm", "social", "bio"]),
        ("crm", ["bookings", "store", "courses"]),
        ("bookings", ["crm", "courses", "bio"]),
    ];
    let mut best: Option<(&'static Goal, u32)> = None;
    for candidate in GOALS.iter().filter(|g| !picked.iter().any(|p| p == g.code)) {
        let score: u32 = AFFINITY
            .iter()
            .filter(|(from, _)| picked.iter().any(|p| p == from))
            .filter_map(|(_, adds)| adds.iter().position(|a| *a == candidate.code))
            .map(|rank| 3 - rank as u32)
            .sum();
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(g, _)| g)
}

/// Addresses that would clash with the app's own paths or mislead.
pub const RESERVED_SLUGS: &[&str] = &[
    "admin", "api", "app", "apps", "auth", "billing", "blog", "dashboard", "docs", "help", "invite", "login", "logout",
    "mail", "media", "mewayz", "new", "onboarding", "pkg", "pricing", "root", "settings", "signin", "signup", "static",
    "status", "support", "system", "vendor", "www",
];

/// The address made from a name (also the wizard's preview): `Café Olé!` → `cafe-ole`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let mut slug: String = slug.chars().take(32).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.len() < 3 || RESERVED_SLUGS.contains(&slug.as_str()) {
        slug = if slug.is_empty() { "workspace".into() } else { format!("{slug}-team") };
    }
    slug
}

/// Currencies a workspace can price in (ISO 4217).
pub const CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "JPY", "INR", "BRL", "MXN", "ZAR", "NGN", "KES", "SGD", "AED"];

/// A workspace as its members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkspaceView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    /// `/media/logos/….webp`, or none.
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    pub brand_color: String,
    pub currency: String,
    pub time_zone: String,
    pub language: String,
    /// `free`, `pro` or `business`.
    pub plan: String,
    /// Goals from the setup wizard (`social`, `bio`, `courses`, `store`, `crm`, `bookings`).
    pub goals: Vec<String>,
    pub setup_completed: bool,
    pub owner_id: Uuid,
    /// Set while the workspace is deleted and can still be restored.
    pub deleted_at: Option<String>,
    /// When a deleted workspace is purged for good.
    pub purge_after: Option<String>,
    pub created_at: String,
    /// The caller's role: `owner`, `admin`, `editor`, `viewer` or a custom role's id.
    pub role: String,
    /// The role's display name.
    pub role_name: String,
    /// What the caller may do here (`module.action` codes).
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<String>))]
    pub permissions: PermissionSet,
}

/// `POST /workspaces`. `slug` is made from the name when left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewWorkspaceForm {
    pub name: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub brand_color: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub goals: Option<Vec<String>>,
}

/// `PATCH /workspaces/{id}`: only the fields sent change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkspacePatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub brand_color: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// At least one goal.
    #[serde(default)]
    pub goals: Option<Vec<String>>,
    /// `true` marks the setup wizard finished.
    #[serde(default)]
    pub setup_completed: Option<bool>,
}

/// `DELETE /workspaces/{id}`: the workspace's name typed again, and the step-up proof
/// (password, plus a code with MFA on) unless the session was verified in the last 10 minutes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeleteWorkspaceForm {
    pub confirm_name: String,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

/// `POST /workspaces/{id}/transfer`: the member who becomes owner, and the step-up proof.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TransferForm {
    pub user_id: Uuid,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

/// One member of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberView {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub avatar_url: Option<String>,
    /// `owner`, `admin`, `editor`, `viewer` or a custom role's id.
    pub role: String,
    pub role_name: String,
    pub joined_at: String,
    pub last_active_at: Option<String>,
}

/// `PATCH /workspaces/{id}/members/{user_id}`: a built-in role name or a custom role's id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberPatch {
    pub role: String,
}

/// `POST /workspaces/{id}/invitations`: with `email`, an emailed single-use invitation valid
/// for 7 days; without it, a shareable join link with optional expiry and maximum uses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InviteForm {
    #[serde(default)]
    pub email: Option<String>,
    pub role: String,
    /// Join links only: RFC 3339 time after which the link stops working.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Join links only: how many people may join with it.
    #[serde(default)]
    pub max_uses: Option<u32>,
}

/// An invitation or join link as the workspace's managers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvitationView {
    pub id: Uuid,
    /// `email` or `link`.
    pub kind: String,
    pub email: Option<String>,
    pub role: String,
    pub role_name: String,
    pub invited_by: Option<String>,
    pub expires_at: Option<String>,
    pub max_uses: Option<u32>,
    pub uses: u32,
    /// `pending`, `accepted`, `expired`, `used_up` or `revoked`.
    pub status: String,
    pub last_sent_at: Option<String>,
    pub created_at: String,
}

/// A new invitation or join link with its URL, shown once (only a hash is kept).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvitationCreated {
    pub invitation: InvitationView,
    /// `{PUBLIC_URL}/invite/{token}`.
    pub url: String,
    pub token: String,
}

/// `GET /invitations/{token}`: what the accept page shows before joining.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvitationPreview {
    pub workspace_name: String,
    pub workspace_slug: String,
    pub logo_url: Option<String>,
    pub role_name: String,
    pub invited_by: Option<String>,
    /// Emailed invitations: the address it was sent to (the account must use it).
    pub email: Option<String>,
    pub kind: String,
}

/// `POST /invitations/{token}/accept` → the workspace joined.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Joined {
    pub workspace: WorkspaceView,
}

/// A custom role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleView {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<String>))]
    pub permissions: PermissionSet,
    /// Members who have it.
    pub members: u32,
    pub created_at: String,
}

/// `POST /workspaces/{id}/roles` and (all fields optional there) `PATCH …/roles/{role_id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleForm {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `module.action` codes.
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
}

/// `GET /workspaces/{id}/roles`: the built-in roles (with their permissions) and the custom ones.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RolesView {
    pub built_in: Vec<BuiltInRoleView>,
    pub custom: Vec<RoleView>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BuiltInRoleView {
    pub role: String,
    pub name: String,
    pub description: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<String>))]
    pub permissions: PermissionSet,
}

/// One entry of the workspace activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityView {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    /// `member.invited`, `member.role_changed`, `ownership.transferred`…
    pub action: String,
    pub summary: String,
    pub created_at: String,
}

/// A plan and its limits (`null` is unlimited).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanView {
    pub code: String,
    pub name: String,
    pub monthly_price_minor: i64,
    pub currency: String,
    pub limits: Vec<PlanLimitView>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanLimitView {
    pub resource: String,
    pub max: Option<i64>,
}

/// A workspace in the switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub logo_url: Option<String>,
    pub brand_color: String,
    pub role_name: String,
}

/// Everything the app frame needs: the open workspace (by URL slug, else the one last used),
/// the others for the switcher, and whether the platform's admin area is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppShell {
    pub workspace: Option<WorkspaceView>,
    pub workspaces: Vec<WorkspaceSummary>,
    pub is_platform_admin: bool,
}

impl WorkspaceView {
    pub fn can(&self, p: super::permissions::Permission) -> bool {
        self.permissions.contains(p)
    }

    /// A built-in role, or `None` for a custom one.
    pub fn built_in_role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picked(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn the_wizard_suggests_the_best_unpicked_complement() {
        assert_eq!(suggest_goal(&picked(&["social"])).map(|g| g.code), Some("bio"));
        // bio: social 3; store: social 2 + bio... (bio is picked) → store from social(2)+bio(2)=4.
        assert_eq!(suggest_goal(&picked(&["social", "bio"])).map(|g| g.code), Some("store"));
        assert_eq!(suggest_goal(&picked(&["social", "bio", "courses", "store", "crm"])).map(|g| g.code), Some("bookings"));
        assert_eq!(suggest_goal(&picked(&["social", "bio", "courses", "store", "crm", "bookings"])), None);
        assert_eq!(suggest_goal(&[]), None);
    }
}
