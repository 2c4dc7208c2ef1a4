//! The business modules of Mewayz in navigation order. One table drives the sidebar, the tab
//! bar and the landing page, so adding a module is one row here plus its folder.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleInfo {
    /// URL segment under `/app/` and the folder name under `src/modules/`.
    pub slug: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    /// Name of the icon in `shared::ui::icon`.
    pub icon: &'static str,
    /// Shown in the phone tab bar (the rest sit behind "More").
    pub tab: bool,
}

const fn m(slug: &'static str, name: &'static str, summary: &'static str, icon: &'static str, tab: bool) -> ModuleInfo {
    ModuleInfo { slug, name, summary, icon, tab }
}

pub const MODULES: &[ModuleInfo] = &[
    m("bio", "Link in bio", "One page for every link you share, with clicks and QR codes.", "link", true),
    m("crm", "Contacts", "Every customer, lead and conversation in one timeline.", "users", true),
    m("mail", "Email marketing", "Campaigns and sequences that reach the inbox.", "mail", false),
    m("store", "Store", "Sell physical and digital products with checkout built in.", "bag", true),
    m("courses", "Courses & community", "Lessons, cohorts and a members-only space.", "book", false),
    m("bookings", "Bookings", "Let clients book your time in their time zone.", "calendar", false),
    m("finance", "Invoices & payments", "Quotes, invoices, payments and payouts.", "receipt", false),
    m("sites", "Website builder", "A fast website on your own domain.", "globe", false),
    m("social", "Social scheduling", "Plan and publish posts across your networks.", "share", false),
    m("analytics", "Analytics", "Traffic, sales and growth in one dashboard.", "chart", false),
    m("templates", "Templates", "Start from pages, emails and courses others built.", "grid", false),
    m("ai", "AI assistant", "Draft copy and ideas from your own data.", "sparkles", false),
    m("automation", "Automation", "When this happens, do that — across every module.", "bolt", false),
    m("referrals", "Referrals", "Reward the customers who bring you customers.", "gift", false),
    m("admin", "Admin", "Operate the platform: users, workspaces, health.", "shield", false),
];

pub fn find(slug: &str) -> Option<&'static ModuleInfo> {
    MODULES.iter().find(|m| m.slug == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_slugs_are_unique_url_segments() {
        for (i, a) in MODULES.iter().enumerate() {
            assert!(a.slug.chars().all(|c| c.is_ascii_lowercase()), "{}", a.slug);
            assert!(MODULES[i + 1..].iter().all(|b| b.slug != a.slug), "duplicate {}", a.slug);
        }
    }

    #[test]
    fn the_phone_tab_bar_has_room_for_its_tabs_plus_home_and_more() {
        assert!(MODULES.iter().filter(|m| m.tab).count() <= 3);
        assert_eq!(find("crm").map(|m| m.name), Some("Contacts"));
        assert!(find("nope").is_none());
    }
}
