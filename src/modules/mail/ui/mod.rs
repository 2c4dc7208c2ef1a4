//! The email pages: campaigns (`/w/{slug}/mail`) with the editor and, once sent, the report
//! (`/w/{slug}/mail/campaigns/{id}`); templates with the block editor and its phone/desktop
//! preview (`/w/{slug}/mail/templates/{id}`); sender identities with their SMTP server and a
//! test send (`/w/{slug}/mail/senders`); welcome sequences (`/w/{slug}/mail/sequences`). Controls a member may not use are not rendered.
mod campaign;
mod campaigns;
mod report;
mod senders;
mod sequences;
mod template;
mod templates;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{NavigateOptions, hooks::use_navigate};

pub use campaign::CampaignPage;
pub use campaigns::CampaignsPage;
pub use senders::SendersPage;
pub use sequences::{SequencePage, SequencesPage};
pub use template::TemplatePage;
pub use templates::TemplatesPage;

use crate::app::layout::{ModuleAccess, use_module_access};
use crate::modules::crm::ui::section_header;
use crate::modules::mail::types::CampaignStatus;
use crate::modules::workspaces::permissions::Permission;
use crate::modules::workspaces::ui::workspace_href;
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, ToastKind, use_toasts};

/// What the member may do with this module in the page's workspace.
type Access = ModuleAccess;

fn use_access() -> Memo<Option<Access>> {
    use_module_access(Permission::MailWrite, Permission::MailDelete)
}

fn status_badge(s: CampaignStatus) -> impl IntoView {
    let (class, label) = match s {
        CampaignStatus::Draft => ("badge", "Draft"),
        CampaignStatus::Scheduled => ("badge badge-warning", "Scheduled"),
        CampaignStatus::Sending => ("badge badge-warning", "Sending"),
        CampaignStatus::Sent => ("badge badge-success", "Sent"),
        CampaignStatus::Failed => ("badge badge-danger", "Failed"),
        CampaignStatus::Automated => ("badge badge-success", "Automated"),
    };
    view! { <span class=class>{label}</span> }
}

/// A share as "42.5%" (nothing of nothing is 0%).
fn percent(part: u64, of: u64) -> String {
    if of == 0 {
        return "0%".into();
    }
    let p = part as f64 * 100.0 / of as f64;
    if p >= 10.0 || p == 0.0 { format!("{p:.0}%") } else { format!("{p:.1}%") }
}

/// The title, a line about the page, the actions, and the email section's navigation.
#[component]
fn MailHeader(slug: String, #[prop(into)] title: String, text: &'static str, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    const LINKS: &[(&str, &str, &str)] = &[("/mail", "Campaigns", "mail"), ("/mail/templates", "Templates", "note"), ("/mail/sequences", "Sequences", "clock"), ("/mail/senders", "Senders", "users")];
    section_header(slug, title, text, ("Email", LINKS), children)
}

/// "Delete" with a confirmation; once deleted, a toast and back to the list at `back`.
#[component]
fn DeleteButton<F, Fut>(
    slug: String,
    title: &'static str,
    text: &'static str,
    confirm: &'static str,
    done: &'static str,
    back: &'static str,
    delete: F,
) -> impl IntoView
where
    F: Fn(String) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), AppError>> + 'static,
{
    let toasts = use_toasts();
    let navigate = use_navigate();
    let open = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let run = Callback::new(move |()| {
        busy.set(true);
        let (slug, navigate, delete) = (slug.clone(), navigate.clone(), delete.clone());
        spawn_local(async move {
            let result = delete(slug.clone()).await;
            busy.set(false);
            open.set(false);
            match result {
                Ok(()) => {
                    toasts.show(ToastKind::Success, done);
                    navigate(&workspace_href(&slug, back), NavigateOptions::default());
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    view! {
        <Button variant=ButtonVariant::Ghost on_click=Callback::new(move |()| open.set(true))>"Delete"</Button>
        <Dialog open=open title=title>
            <p class="muted">{text}</p>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button variant=ButtonVariant::Danger loading=busy on_click=run>{confirm}</Button>
            </div>
        </Dialog>
    }
}

/// The browser's local "YYYY-MM-DDTHH:MM" (a `datetime-local` value) as RFC 3339 UTC.
fn local_to_utc(local: &str) -> Option<String> {
    if local.trim().is_empty() {
        return None;
    }
    #[cfg(feature = "hydrate")]
    {
        let date = web_sys::js_sys::Date::new(&web_sys::wasm_bindgen::JsValue::from_str(local));
        if date.get_time().is_nan() {
            return Some(local.to_owned());
        }
        return Some(String::from(date.to_iso_string()));
    }
    #[allow(unreachable_code)]
    Some(format!("{local}:00Z"))
}

/// An RFC 3339 time as the browser's local `datetime-local` value.
fn utc_to_local(at: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = web_sys::js_sys::Date::new(&web_sys::wasm_bindgen::JsValue::from_str(at));
        if !d.get_time().is_nan() {
            return format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}",
                d.get_full_year(),
                d.get_month() + 1,
                d.get_date(),
                d.get_hours(),
                d.get_minutes()
            );
        }
    }
    at.get(..16).unwrap_or(at).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_read_well() {
        assert_eq!(percent(0, 0), "0%");
        assert_eq!(percent(1, 3), "33%");
        assert_eq!(percent(1, 200), "0.5%");
        assert_eq!(utc_to_local("2026-12-24T09:00:00Z"), "2026-12-24T09:00");
        assert_eq!(local_to_utc(" "), None);
    }
}
