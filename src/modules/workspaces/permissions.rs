//! Roles and permissions: one table, in code, of every `module.action` permission and the
//! lowest built-in role that has it. The service layer checks them with `tenant.require(…)`;
//! the pages use the same set to hide controls a member cannot use.
use serde::{Deserialize, Serialize};

/// Built-in roles, lowest first; each has every permission of the roles below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Editor => "Editor",
            Role::Viewer => "Viewer",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Role::Owner => "Everything, including deleting the workspace and transferring it.",
            Role::Admin => "Everything except deleting or transferring the workspace.",
            Role::Editor => "Create, change and delete content in every tool.",
            Role::Viewer => "Read-only access to every tool.",
        }
    }

    pub fn permissions(self) -> PermissionSet {
        Permission::ALL.iter().copied().filter(|p| p.min_role() <= self).collect()
    }
}

macro_rules! permissions {
    ($($variant:ident = $code:literal, $min:ident, $label:literal;)*) => {
        /// A `module.action` permission. Serialised as its code (`crm.write`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Permission {
            $(#[serde(rename = $code)] $variant,)*
        }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(Permission::$variant => $code,)* }
            }

            /// The lowest built-in role that has this permission.
            pub fn min_role(self) -> Role {
                match self { $(Permission::$variant => Role::$min,)* }
            }

            pub fn label(self) -> &'static str {
                match self { $(Permission::$variant => $label,)* }
            }
        }
    };
}

permissions! {
    WorkspaceManage = "workspace.manage", Admin, "Change the workspace's settings";
    WorkspaceDelete = "workspace.delete", Owner, "Delete the workspace";
    WorkspaceTransfer = "workspace.transfer", Owner, "Transfer ownership";
    MembersRead = "members.read", Viewer, "See members and roles";
    MembersManage = "members.manage", Admin, "Invite, change and remove members; manage roles";
    BillingManage = "billing.manage", Admin, "Change the plan and billing details";
    ActivityRead = "activity.read", Admin, "Read the activity log";
    BioRead = "bio.read", Viewer, "See link-in-bio pages";
    BioWrite = "bio.write", Editor, "Create and edit link-in-bio pages";
    BioDelete = "bio.delete", Editor, "Delete link-in-bio pages";
    CrmRead = "crm.read", Viewer, "See contacts, companies and deals";
    CrmWrite = "crm.write", Editor, "Create and edit contacts, companies and deals";
    CrmDelete = "crm.delete", Editor, "Delete contacts, companies and deals";
    MailRead = "mail.read", Viewer, "See campaigns and templates";
    MailWrite = "mail.write", Editor, "Write and send campaigns";
    MailDelete = "mail.delete", Editor, "Delete campaigns and templates";
    StoreRead = "store.read", Viewer, "See products and orders";
    StoreWrite = "store.write", Editor, "Manage products and orders";
    StoreDelete = "store.delete", Editor, "Delete products";
    CoursesRead = "courses.read", Viewer, "See courses and the community";
    CoursesWrite = "courses.write", Editor, "Create and edit courses";
    CoursesDelete = "courses.delete", Editor, "Delete courses";
    BookingsRead = "bookings.read", Viewer, "See bookings and calendars";
    BookingsWrite = "bookings.write", Editor, "Manage bookings and availability";
    BookingsDelete = "bookings.delete", Editor, "Delete bookings and event types";
    FinanceRead = "finance.read", Viewer, "See invoices and payments";
    FinanceWrite = "finance.write", Editor, "Create and send invoices";
    FinanceDelete = "finance.delete", Editor, "Delete invoices and quotes";
    SitesRead = "sites.read", Viewer, "See websites";
    SitesWrite = "sites.write", Editor, "Build and publish websites";
    SitesDelete = "sites.delete", Editor, "Delete websites";
    SocialRead = "social.read", Viewer, "See scheduled posts";
    SocialWrite = "social.write", Editor, "Schedule and publish posts";
    SocialDelete = "social.delete", Editor, "Delete posts";
    AnalyticsRead = "analytics.read", Viewer, "See analytics";
    TemplatesRead = "templates.read", Viewer, "Browse templates";
    TemplatesWrite = "templates.write", Editor, "Publish and install templates";
    AiRead = "ai.read", Viewer, "See AI drafts";
    AiWrite = "ai.write", Editor, "Use the AI assistant";
    AutomationRead = "automation.read", Viewer, "See automations";
    AutomationWrite = "automation.write", Editor, "Create and edit automations";
    AutomationDelete = "automation.delete", Editor, "Delete automations";
    ReferralsRead = "referrals.read", Viewer, "See referral programmes";
    ReferralsWrite = "referrals.write", Editor, "Manage referral programmes";
    ReferralsDelete = "referrals.delete", Editor, "Delete referral programmes";
}

impl Permission {
    pub fn parse(code: &str) -> Option<Permission> {
        Permission::ALL.iter().copied().find(|p| p.code() == code)
    }

    fn bit(self) -> u64 {
        1 << (self as u32)
    }

    /// The part before the dot (`crm`), which is also the API-key scope's module.
    pub fn module(self) -> &'static str {
        self.code().split_once('.').map_or(self.code(), |(m, _)| m)
    }

    /// Anything but reading changes data (API keys need `module:write` for it).
    pub fn writes(self) -> bool {
        !self.code().ends_with(".read")
    }

    /// Custom roles may have any permission below the owner's.
    pub fn assignable(self) -> bool {
        self.min_role() < Role::Owner
    }
}

/// A set of permissions as a bit set (there are fewer than 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PermissionSet(u64);

const _: () = assert!(Permission::ALL.len() <= 64);

impl PermissionSet {
    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn insert(&mut self, p: Permission) {
        self.0 |= p.bit();
    }

    /// Every permission of `self` is in `other`.
    pub fn is_subset(self, other: PermissionSet) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.iter().copied().filter(move |p| self.contains(*p))
    }

    /// Space-separated codes, as stored in `workspace_roles.permissions`.
    pub fn to_codes(self) -> String {
        self.iter().map(Permission::code).collect::<Vec<_>>().join(" ")
    }

    /// Parses stored codes, skipping ones that no longer exist.
    pub fn from_codes(codes: &str) -> PermissionSet {
        codes.split_whitespace().filter_map(Permission::parse).collect()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = PermissionSet::default();
        for p in iter {
            set.insert(p);
        }
        set
    }
}

impl Serialize for PermissionSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for PermissionSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Permission>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest_and_only_the_owner_can_delete_or_transfer() {
        let [owner, admin, editor, viewer] = Role::ALL.map(Role::permissions);
        assert!(viewer.is_subset(editor) && editor.is_subset(admin) && admin.is_subset(owner));
        assert_eq!(owner.iter().count(), Permission::ALL.len());
        for p in [Permission::WorkspaceDelete, Permission::WorkspaceTransfer] {
            assert!(owner.contains(p) && !admin.contains(p) && !p.assignable());
        }
        assert!(admin.contains(Permission::MembersManage) && !editor.contains(Permission::MembersManage));
        assert!(editor.contains(Permission::CrmDelete) && !viewer.contains(Permission::CrmWrite));
        assert!(viewer.contains(Permission::CrmRead) && viewer.contains(Permission::MembersRead));
    }

    #[test]
    fn codes_are_unique_module_dot_action_and_round_trip() {
        for (i, p) in Permission::ALL.iter().enumerate() {
            assert!(Permission::ALL[i + 1..].iter().all(|q| q.code() != p.code()), "{}", p.code());
            let (module, action) = p.code().split_once('.').unwrap();
            assert!(matches!(action, "read" | "write" | "delete" | "manage" | "transfer"), "{}", p.code());
            assert_eq!(p.module(), module);
            assert_eq!(Permission::parse(p.code()), Some(*p));
        }
        let set: PermissionSet = [Permission::CrmRead, Permission::BioWrite].into_iter().collect();
        assert_eq!(PermissionSet::from_codes(&set.to_codes()), set);
        assert_eq!(PermissionSet::from_codes("crm.read gone.away"), [Permission::CrmRead].into_iter().collect());
        assert_eq!(serde_json::to_string(&set).unwrap(), r#"["bio.write","crm.read"]"#);
    }
}
