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
    /// The setup-wizard goal that brings this module into the navigation; `None`: always shown.
    pub goal: Option<&'static str>,
}

const fn m(slug: &'static str, name: &'static str, summary: &'static str, icon: &'static str, tab: bool) -> ModuleInfo {
    ModuleInfo { slug, name, summary, icon, tab, goal: None }
}

const fn g(goal: &'static str, module: ModuleInfo) -> ModuleInfo {
    ModuleInfo { goal: Some(goal), ..module }
}

pub const MODULES: &[ModuleInfo] = &[
    g("bio", m("bio", "Link in bio", "One page for every link you share, with clicks and QR codes.", "link", true)),
    g("crm", m("crm", "Contacts", "Every customer, lead and conversation in one timeline.", "users", true)),
    g("crm", m("mail", "Email marketing", "Campaigns and sequences that reach the inbox.", "mail", false)),
    g("store", m("store", "Store", "Sell physical and digital products with checkout built in.", "bag", true)),
    g("courses", m("courses", "Courses & community", "Lessons, cohorts and a members-only space.", "book", false)),
    g("bookings", m("bookings", "Bookings", "Let clients book your time in their time zone.", "calendar", false)),
    m("finance", "Invoices & payments", "Quotes, invoices, payments and payouts.", "receipt", false),
    m("sites", "Website builder", "A fast website on your own domain.", "globe", false),
    g("social", m("social", "Social scheduling", "Plan and publish posts across your networks.", "share", false)),
    m("analytics", "Analytics", "Traffic, sales and growth in one dashboard.", "chart", false),
    m("templates", "Templates", "Start from pages, emails and courses others built.", "grid", false),
    m("ai", "AI assistant", "Draft copy and ideas from your own data.", "sparkles", false),
    m("automation", "Automation", "When this happens, do that — across every module.", "bolt", false),
    m("referrals", "Referrals", "Reward the customers who bring you customers.", "gift", false),
];

pub fn find(slug: &str) -> Option<&'static ModuleInfo> {
    MODULES.iter().find(|m| m.slug == slug)
}

/// The modules a workspace's navigation shows: those of its goals plus the ones every business
/// uses. A workspace without goals yet (wizard unfinished) shows everything.
pub fn for_goals(goals: &[String]) -> impl Iterator<Item = &'static ModuleInfo> + '_ {
    MODULES.iter().filter(move |m| goals.is_empty() || m.goal.is_none_or(|g| goals.iter().any(|x| x == g)))
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

    #[test]
    fn goals_choose_the_modules_in_the_navigation() {
        let slugs = |goals: &[&str]| for_goals(&goals.iter().map(|g| (*g).to_owned()).collect::<Vec<_>>()).map(|m| m.slug).collect::<Vec<_>>();
        let crm = slugs(&["crm"]);
        assert!(crm.contains(&"crm") && crm.contains(&"mail") && crm.contains(&"finance"));
        assert!(!crm.contains(&"bio") && !crm.contains(&"store") && !crm.contains(&"social"));
        assert_eq!(slugs(&[]).len(), MODULES.len());
        // Every goal of the wizard brings at least one module.
        for goal in crate::modules::workspaces::types::GOALS {
            assert!(MODULES.iter().any(|m| m.goal == Some(goal.code)), "{}", goal.code);
        }
    }
}
