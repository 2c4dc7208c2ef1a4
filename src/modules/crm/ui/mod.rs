//! The CRM pages: contacts (`/w/{slug}/crm`), one contact with its timeline
//! (`/w/{slug}/crm/contacts/{id}`), companies, saved segments with the rule builder, and the
//! settings (custom fields and tags), the deals board (`/w/{slug}/crm/deals`) and the CSV
//! import wizard (`/w/{slug}/crm/import`). Controls a member may not use are not rendered (the
//! server checks again anyway); a write that fails says why.
mod companies;
mod contact;
mod contacts;
mod deals;
mod import;
mod segments;
mod settings;

use leptos::prelude::*;
use leptos_router::components::A;

pub use companies::CompaniesPage;
pub use contact::ContactPage;
pub use contacts::ContactsPage;
pub use deals::DealsPage;
pub use import::ImportPage;
pub use segments::SegmentsPage;
pub use settings::CrmSettingsPage;

use crate::app::layout::{ModuleAccess, use_module_access};
use crate::modules::crm::types::Consent;
use crate::modules::workspaces::permissions::Permission;
use crate::modules::workspaces::ui::workspace_href;
use crate::shared::error::AppError;
use crate::shared::ui::Icon;

/// What the member may do with this module in the page's workspace.
type Access = ModuleAccess;

fn use_access() -> Memo<Option<Access>> {
    use_module_access(Permission::CrmWrite, Permission::CrmDelete)
}

pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "vip, new lead ,," → ["vip", "new lead"].
pub(crate) fn split_list(raw: &str) -> Vec<String> {
    raw.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

/// A tag colour as a CSS custom property, only for a checked `#rrggbb`.
fn tag_style(color: &str) -> Option<String> {
    let ok = color.len() == 7 && color.starts_with('#') && color[1..].bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| format!("--tag:{color}"))
}

/// Percent-encoding of a query-string value (RFC 3986 unreserved characters stay).
pub(crate) fn enc(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// "first_name" → "First name", "custom.plan" → "Plan": a field named in a server message.
fn field_label(field: &str) -> String {
    let field = field.strip_prefix("custom.").unwrap_or(field);
    let text = field.replace('_', " ");
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// What a failed save says that none of the form's fields shows: a message about another field
/// (named), or the error itself (no permission, plan limit…).
pub(crate) fn unshown_error(err: &AppError, shown: &[&str]) -> Option<String> {
    match err {
        AppError::Validation { errors } => {
            let rest: Vec<String> = errors
                .iter()
                .filter(|e| !shown.contains(&e.field.as_str()))
                .map(|e| format!("{}: {}", field_label(&e.field), e.message))
                .collect();
            (!rest.is_empty()).then(|| rest.join(" "))
        }
        other => Some(other.to_string()),
    }
}

/// One field's message from a server error, for fields named at run time (`custom.{key}`).
fn field_message(errors: RwSignal<Option<AppError>>, field: String) -> Signal<Option<String>> {
    Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| e.field_message(&field)).map(str::to_owned)))
}

/// A form's message that belongs to no field, as an alert.
pub(crate) fn form_alert(message: Signal<Option<String>>) -> impl IntoView {
    move || message.get().map(|m| view! { <p class="callout callout-warning break" role="alert">{m}</p> })
}

fn consent_badge(c: Consent) -> impl IntoView {
    let class = match c {
        Consent::Subscribed => "badge badge-success",
        Consent::Pending => "badge badge-warning",
        Consent::Unsubscribed | Consent::Bounced | Consent::Complained => "badge badge-danger",
        Consent::None => "badge",
    };
    view! { <span class=class>{c.label()}</span> }
}

/// The title, a line about the page, the actions, and the CRM's own navigation.
#[component]
fn CrmHeader(slug: String, title: &'static str, text: &'static str, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    const LINKS: &[(&str, &str, &str)] = &[
        ("/crm", "Contacts", "users"),
        ("/crm/companies", "Companies", "building"),
        ("/crm/deals", "Deals", "deals"),
        ("/crm/segments", "Segments", "filter"),
        ("/crm/import", "Import", "upload"),
        ("/crm/settings", "Settings", "settings"),
    ];
    section_header(slug, title.to_owned(), text, ("CRM", LINKS), children)
}

/// A page head (title, a line about the page, actions) over a section's own navigation:
/// `nav` is its name and `(path, label, icon)` per link. The email pages use it too.
pub(crate) fn section_header(
    slug: String,
    title: String,
    text: &'static str,
    nav: (&'static str, &'static [(&'static str, &'static str, &'static str)]),
    children: Option<Children>,
) -> impl IntoView {
    let links = nav
        .1
        .iter()
        .map(|(path, label, icon)| {
            let href = workspace_href(&slug, path);
            view! { <A href=href exact=true attr:class="crm-nav-link"><CrmIcon name=icon/><span>{*label}</span></A> }
        })
        .collect_view();
    view! {
        <div class="page-head crm-head">
            <div class="stack-sm">
                <h1 class="page-title break">{title}</h1>
                <p class="muted">{text}</p>
            </div>
            {children.map(|c| view! { <div class="crm-head-actions">{c()}</div> })}
        </div>
        <nav class="crm-nav" aria-label=nav.0>{links}</nav>
    }
}

/// Path data of the icons the shared set does not have (24×24, stroke).
fn own_path(name: &str) -> Option<&'static str> {
    Some(match name {
        "building" => "M4 21V4h10v17M14 9h6v12M8 8h2M8 12h2M8 16h2M17 13h.01M17 17h.01M2 21h20",
        "filter" => "M3 5h18l-7 8v6l-4 2v-8L3 5Z",
        "search" => "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14ZM20 20l-4-4",
        "download" => "M12 4v11M7 10l5 5 5-5M5 20h14",
        "upload" => "M12 16V5M7 10l5-5 5 5M5 20h14",
        "deals" => "M4 4h4v16H4zM10 4h4v10h-4zM16 4h4v6h-4z",
        "grip" => "M9 6h.01M15 6h.01M9 12h.01M15 12h.01M9 18h.01M15 18h.01",
        "up" => "m6 15 6-6 6 6",
        "down" => "m6 9 6 6 6-6",
        "left" => "m15 6-6 6 6 6",
        "right" => "m9 6 6 6-6 6",
        "note" => "M5 3h10l4 4v14H5V3Zm9 0v5h5M8 12h8M8 16h6",
        "tag" => "M3 12V4h8l10 10-8 8L3 12Zm5-4h.01",
        "pencil" => "M4 20h4L19 9l-4-4L4 16v4Z",
        "eye" => "M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12Zm10 3a3 3 0 1 0 0-6 3 3 0 0 0 0 6Z",
        "undo" => "M9 14 4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3",
        "x" => "M6 6l12 12M18 6 6 18",
        _ => return None,
    })
}

/// An icon from the shared set, or one of the CRM's own.
#[component]
pub(crate) fn CrmIcon(name: &'static str) -> impl IntoView {
    match own_path(name) {
        Some(d) => view! {
            <svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8"
                stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                <path d=d/>
            </svg>
        }
        .into_any(),
        None => view! { <Icon name=name/> }.into_any(),
    }
}

/// Calls `f` once the input has been quiet for `ms` milliseconds.
#[derive(Clone, Copy)]
pub(crate) struct Debounce(StoredValue<u64>);

impl Debounce {
    pub(crate) fn new() -> Self {
        Debounce(StoredValue::new(0))
    }

    pub(crate) fn run(self, ms: u64, f: impl FnOnce() + 'static) {
        let turn = self.0.get_value() + 1;
        self.0.set_value(turn);
        set_timeout(
            move || {
                if self.0.try_get_value() == Some(turn) {
                    f();
                }
            },
            std::time::Duration::from_millis(ms),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_commas_and_values_are_encoded() {
        assert_eq!(split_list(" vip, new lead ,,"), vec!["vip".to_owned(), "new lead".to_owned()]);
        assert_eq!(enc("a b&c=é"), "a%20b%26c%3D%C3%A9");
        assert_eq!(tag_style("#12abEF").as_deref(), Some("--tag:#12abEF"));
        assert_eq!(tag_style("red;x:y"), None);
        assert_eq!(field_label("custom.plan_tier"), "Plan tier");
    }

    #[test]
    fn errors_no_field_shows_are_named() {
        let err = AppError::Validation {
            errors: vec![
                crate::shared::error::FieldError { field: "email".into(), message: "Taken.".into() },
                crate::shared::error::FieldError { field: "job_title".into(), message: "Too long.".into() },
            ],
        };
        assert_eq!(unshown_error(&err, &["email"]).as_deref(), Some("Job title: Too long."));
        assert_eq!(unshown_error(&err, &["email", "job_title"]), None);
        assert_eq!(unshown_error(&AppError::Forbidden, &[]).as_deref(), Some("You do not have permission to do that."));
    }
}
