//! Root component: the HTML shell, the router and the page tree. Each business module
//! mounts its own pages under `/app/{module}` (see `layout`).
pub(crate) mod auth_pages;
mod landing;
pub(crate) mod layout;
mod not_found;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

pub use not_found::NotFound;

use crate::shared::ui::{THEME_BOOT_SCRIPT, ToastHost, provide_toasts};

/// The document around every server-rendered page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme="dark">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="description" content="Mewayz: link in bio, CRM, email, store, courses, bookings and invoices for creators and small businesses, in one app."/>
                <meta name="theme-color" content="#0b0d12"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="icon" href="/favicon.ico" sizes="32x32"/>
                <link rel="icon" href="/icons/icon.svg" type="image/svg+xml"/>
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png"/>
                <link rel="stylesheet" href="/pkg/mewayz.css"/>
                <script nonce=leptos::nonce::use_nonce() inner_html=THEME_BOOT_SCRIPT></script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Mewayz".to_owned() } else { format!("{page} · Mewayz") }/>
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=landing::LandingPage/>
                <Route path=path!("/signin") view=auth_pages::SignInPage/>
                <Route path=path!("/signup") view=auth_pages::SignUpPage/>
                <Route path=path!("/forgot-password") view=auth_pages::ForgotPasswordPage/>
                <Route path=path!("/reset-password") view=auth_pages::ResetPasswordPage/>
                <Route path=path!("/verify-email") view=auth_pages::VerifyEmailPage/>
                <Route path=path!("/onboarding") view=crate::modules::workspaces::ui::OnboardingPage ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=crate::modules::workspaces::ui::AcceptInvitePage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/app") view=layout::AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=layout::AppHome/>
                    <Route path=path!("account") view=crate::modules::auth::ui::AccountPage/>
                    <Route path=path!("security") view=crate::modules::auth::ui::SecurityPage/>
                    <Route path=path!("admin") view=crate::modules::admin::ui::AdminPage/>
                    <Route path=path!(":module") view=layout::ModuleRedirect/>
                </ParentRoute>
                <ParentRoute path=path!("/w/:slug") view=layout::AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=layout::HomePage/>
                    <Route path=path!("setup") view=crate::modules::workspaces::ui::SetupPage/>
                    <Route path=path!("settings") view=crate::modules::workspaces::ui::SettingsPage/>
                    <Route path=path!("members") view=crate::modules::workspaces::ui::MembersPage/>
                    <Route path=path!("activity") view=crate::modules::workspaces::ui::ActivityPage/>
                    <Route path=path!("bio") view=crate::modules::bio::ui::BioPagesPage/>
                    <Route path=path!("bio/:page") view=crate::modules::bio::ui::BioEditorPage/>
                    <Route path=path!("bio/:page/stats") view=crate::modules::bio::ui::BioStatsPage/>
                    <Route path=path!("crm") view=crate::modules::crm::ui::ContactsPage/>
                    <Route path=path!("crm/contacts/:id") view=crate::modules::crm::ui::ContactPage/>
                    <Route path=path!("crm/companies") view=crate::modules::crm::ui::CompaniesPage/>
                    <Route path=path!("crm/deals") view=crate::modules::crm::ui::DealsPage/>
                    <Route path=path!("crm/import") view=crate::modules::crm::ui::ImportPage/>
                    <Route path=path!("crm/segments") view=crate::modules::crm::ui::SegmentsPage/>
                    <Route path=path!("crm/settings") view=crate::modules::crm::ui::CrmSettingsPage/>
                    <Route path=path!("mail") view=crate::modules::mail::ui::CampaignsPage/>
                    <Route path=path!("mail/campaigns/:id") view=crate::modules::mail::ui::CampaignPage/>
                    <Route path=path!("mail/templates") view=crate::modules::mail::ui::TemplatesPage/>
                    <Route path=path!("mail/templates/:id") view=crate::modules::mail::ui::TemplatePage/>
                    <Route path=path!("mail/senders") view=crate::modules::mail::ui::SendersPage/>
                    <Route path=path!("mail/sequences") view=crate::modules::mail::ui::SequencesPage/>
                    <Route path=path!("mail/sequences/:id") view=crate::modules::mail::ui::SequencePage/>
                    <Route path=path!(":module") view=layout::ModulePage/>
                </ParentRoute>
            </Routes>
        </Router>
        <ToastHost/>
    }
}
