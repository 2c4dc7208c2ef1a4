//! The workspace pages: the setup wizard (`/onboarding`, `/w/{slug}/setup`), settings, members
//! with invitations and roles, the activity log, and the page that accepts an invitation.
//! Controls a member may not use are not rendered at all (the server checks again anyway).
//! Browser-only work (logo upload, clipboard, local time → UTC) sits in `browser`, compiled
//! for the `hydrate` build only.
mod activity;
mod invite;
mod members;
mod onboarding;
mod settings;

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

pub use activity::ActivityPage;
pub use invite::AcceptInvitePage;
pub use members::MembersPage;
pub use onboarding::{OnboardingPage, SetupPage};
pub use settings::SettingsPage;

use crate::app::layout::{CurrentUserResource, ShellResource};
use crate::modules::auth::types::UserView;
#[cfg(feature = "hydrate")]
use crate::modules::auth::ui::check_avatar as check_logo;
use crate::modules::auth::ui::{copy_text, field_error, initials};
use crate::modules::workspaces::types::{GOALS, WorkspaceView, suggest_goal};
use crate::shared::error::AppError;
use crate::shared::ui::{EmptyState, Icon, Spinner, ThemeToggle};

/// The slug of the page's workspace (`/w/{slug}/…`).
pub(crate) fn use_slug() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default()))
}

/// `/w/{slug}{path}`: a page of a workspace.
pub(crate) fn workspace_href(slug: &str, path: &str) -> String {
    format!("/w/{slug}{path}")
}

/// The signed-in user from the app frame (already loaded there), if any.
fn use_me() -> Option<UserView> {
    use_context::<CurrentUserResource>().and_then(|u| u.get_untracked()).and_then(Result::ok).flatten()
}

/// Hands a changed workspace to the app frame so the top bar, switcher and menu show it at once
/// (without a second round trip: the server's answer is the fresh value). The context is looked up now, because after an `await` the component's owner is gone.
fn use_publish_workspace() -> impl Fn(WorkspaceView) + Copy + 'static {
    let shell = use_context::<ShellResource>();
    move |w: WorkspaceView| {
        let Some(shell) = shell else { return };
        shell.update(|value| {
            if let Some(Ok(data)) = value {
                if let Some(s) = data.workspaces.iter_mut().find(|s| s.id == w.id) {
                    s.name.clone_from(&w.name);
                    s.slug.clone_from(&w.slug);
                    s.logo_url.clone_from(&w.logo_url);
                    s.brand_color.clone_from(&w.brand_color);
                    s.role_name.clone_from(&w.role_name);
                }
                data.workspace = Some(w);
            }
        });
    }
}

pub(crate) fn loading_view() -> impl IntoView {
    view! { <div class="card-loading"><Spinner/></div> }
}

/// A list that could not load; a missing permission reads as such rather than as a failure.
pub(crate) fn error_view(err: &AppError) -> impl IntoView {
    let message = match err {
        AppError::Forbidden => "You do not have access to this. Ask an admin of the workspace.".to_owned(),
        other => other.to_string(),
    };
    view! { <p class="field-error" role="alert">{message}</p> }
}

/// "23 Nov 2026, 15:04 UTC" (or just the date) from an RFC 3339 UTC time; the input unchanged
/// if it is not one.
pub(crate) fn when(at: &str, with_time: bool) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let part = |from: usize, to: usize| at.get(from..to).and_then(|p| p.parse::<usize>().ok());
    let (Some(year), Some(month), Some(day)) = (part(0, 4), part(5, 7), part(8, 10)) else { return at.to_owned() };
    let Some(month) = month.checked_sub(1).and_then(|m| MONTHS.get(m)) else { return at.to_owned() };
    match at.get(11..16).filter(|_| with_time) {
        Some(time) => format!("{day} {month} {year}, {time} UTC"),
        None => format!("{day} {month} {year}"),
    }
}

/// A point in time from the API, readable, with the machine value for assistive tech.
#[component]
pub(crate) fn Time(#[prop(into)] at: String, #[prop(optional)] date_only: bool) -> impl IntoView {
    let text = when(&at, !date_only);
    view! { <time datetime=at>{text}</time> }
}

/// Label, control, and the hint or error under it, wired for screen readers: the control
/// passed as children must use `id` and `aria-describedby="{id}-desc"`.
#[component]
pub(crate) fn FieldShell(label: &'static str, id: String, hint: Option<String>, error: Signal<Option<String>>, children: Children) -> impl IntoView {
    let described = format!("{id}-desc");
    view! {
        <div class="field">
            <label class="field-label" for=id>{label}</label>
            {children()}
            <p id=described class=move || if error.with(Option::is_some) { "field-error" } else { "field-hint" }>
                {move || error.get().or_else(|| hint.clone()).unwrap_or_default()}
            </p>
        </div>
    }
}

/// A labelled `<select>` styled like `TextField`. Disabled through an enclosing
/// `<fieldset disabled>`, like every field of a read-only form.
#[component]
pub(crate) fn SelectField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    options: Vec<(String, String)>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let described = format!("{id}-desc");
    view! {
        <FieldShell label=label id=id.clone() hint=hint.map(str::to_owned) error=error>
            <select
                id=id
                name=name
                class="field-input field-select"
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(option, text)| {
                        let selected = {
                            let option = option.clone();
                            move || value.with(|v| *v == option)
                        };
                        view! { <option value=option selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </FieldShell>
    }
}

/// A workspace's address: `{host}/w/` and the editable slug. The host is filled in once the
/// page runs in the browser, so server and hydration render the same text.
#[component]
fn SlugField(#[prop(into)] value: Signal<String>, on_input: Callback<String>, #[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    let host = RwSignal::new("mewayz…".to_owned());
    Effect::new(move |_| {
        if let Some(h) = page_host() {
            host.set(h);
        }
    });
    view! {
        <FieldShell label="Address" id="field-slug".into() error=error
            hint=Some("3 to 40 lowercase letters, digits and hyphens.".into())>
            <div class="input-group">
                <span class="input-prefix" aria-hidden="true"><span class="input-prefix-host">{move || host.get()}</span>"/w/"</span>
                <input
                    id="field-slug"
                    name="slug"
                    class="field-input"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    aria-describedby="field-slug-desc"
                    prop:value=move || value.get()
                    on:input=move |ev| on_input.run(event_target_value(&ev))
                />
            </div>
        </FieldShell>
    }
}

/// The six goals as toggle cards, and the goal that best complements the picked ones. Shared
/// by the wizard (onboarding and `/setup`) and the settings page.
#[component]
fn GoalPicker(
    picked: RwSignal<Vec<String>>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional, into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let toggle = move |code: &'static str, on: bool| {
        picked.update(|p| {
            p.retain(|c| c != code);
            if on {
                p.push(code.to_owned());
            }
            // The wizard's order, which is how the server stores them.
            p.sort_by_key(|c| GOALS.iter().position(|g| g.code == c));
        });
    };
    let suggestion = move || {
        if disabled.get() {
            return None;
        }
        let goal = picked.with(|p| suggest_goal(p))?;
        let code = goal.code;
        Some(view! {
            <div class="callout goal-suggest">
                <Icon name="sparkles"/>
                <p class="goal-suggest-text">"Suggested for you: "<strong>{goal.label}</strong>
                    <span class="muted">" · "{goal.hint}</span></p>
                <button type="button" class="btn btn-secondary" on:click=move |_| toggle(code, true)>
                    <Icon name="plus"/>"Add"
                </button>
            </div>
        })
    };
    view! {
        <fieldset class="plain-fieldset stack-sm" aria-describedby="goals-desc">
            <legend class="sr-only">"Goals"</legend>
            <div class="goal-grid">
                {GOALS
                    .iter()
                    .map(|g| {
                        let code = g.code;
                        let id = format!("goal-{code}");
                        let (label_id, hint_id) = (format!("{id}-label"), format!("{id}-hint"));
                        let label_for = id.clone();
                        view! {
                            <label class="goal-card" for=label_for>
                                <input
                                    type="checkbox"
                                    id=id
                                    class="goal-check"
                                    name="goals"
                                    value=code
                                    aria-labelledby=label_id.clone()
                                    aria-describedby=hint_id.clone()
                                    disabled=move || disabled.get()
                                    prop:checked=move || picked.with(|p| p.iter().any(|c| c == code))
                                    on:change=move |ev| toggle(code, event_target_checked(&ev))
                                />
                                <span class="goal-icon"><Icon name=g.icon/></span>
                                <span class="goal-text">
                                    <span id=label_id class="goal-label">{g.label}</span>
                                    <span id=hint_id class="goal-hint">{g.hint}</span>
                                </span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <p id="goals-desc" class="field-error goal-error" role=move || error.with(Option::is_some).then_some("alert")>
                {move || error.get().unwrap_or_default()}
            </p>
            {suggestion}
        </fieldset>
    }
}

/// A titled card that is a landmark region named by its title, so each card's controls can be
/// told apart ("Save" in General vs in Goals).
#[component]
pub(crate) fn Panel(id: &'static str, #[prop(into)] title: String, #[prop(optional)] danger: bool, children: Children) -> impl IntoView {
    let (heading, labelled_by) = (format!("{id}-title"), format!("{id}-title"));
    view! {
        <section id=id class=if danger { "card stack panel danger-zone" } else { "card stack panel" } aria-labelledby=labelled_by>
            <h2 id=heading class="card-title">{title}</h2>
            {children()}
        </section>
    }
}

/// The frame of the full-screen pages outside the app (wizard, invitation), like sign-in.
#[component]
fn StandaloneFrame(#[prop(optional)] wide: bool, children: Children) -> impl IntoView {
    view! {
        <header class="site-header">
            <A href="/" attr:class="brand" attr:aria-label="Mewayz home">
                <img src="/icons/icon.svg" alt="" width="28" height="28"/>
                <span>"Mewayz"</span>
            </A>
            <ThemeToggle/>
        </header>
        <main id="main" class="auth-page">
            <div class=if wide { "card auth-card wizard" } else { "card auth-card" }>{children()}</div>
        </main>
    }
}

/// A full-card message for a page that cannot show its content.
pub(crate) fn problem_view(icon: &'static str, title: &'static str, text: String) -> impl IntoView {
    view! { <EmptyState icon=icon title=title text=text/> }
}

/// The page's host (`app.example.com`), in the browser only.
fn page_host() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        browser::host()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// A `datetime-local` value, read in the browser's time zone, as an RFC 3339 UTC time.
pub(crate) fn local_to_utc(local: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        browser::local_to_utc(local)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = local;
        None
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsValue;
    use web_sys::js_sys;

    use crate::modules::workspaces::types::WorkspaceView;

    /// From the document's URL (the `Location` binding is not compiled in).
    pub fn host() -> Option<String> {
        let url = web_sys::window()?.document()?.url().ok()?;
        let rest = url.split_once("://")?.1;
        Some(rest.split(['/', '?', '#']).next()?.to_owned())
    }

    pub fn local_to_utc(local: &str) -> Option<String> {
        let date = js_sys::Date::new(&JsValue::from_str(local));
        // `toISOString` throws on an invalid date.
        if date.get_time().is_nan() {
            return None;
        }
        date.to_iso_string().as_string()
    }

    /// `PUT /api/v1/workspaces/{slug}/logo` with the file as the raw body.
    pub async fn put_logo(slug: &str, file: &web_sys::File) -> Result<WorkspaceView, String> {
        crate::modules::auth::ui::browser::put_file(&format!("/api/v1/workspaces/{slug}/logo"), file, "logo").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_dates() {
        assert_eq!(when("2026-11-03T09:05:00.5Z", true), "3 Nov 2026, 09:05 UTC");
        assert_eq!(when("2026-11-03T09:05:00Z", false), "3 Nov 2026");
        assert_eq!(when("soon", true), "soon");
        assert_eq!(when("2026-13-03T09:05:00Z", true), "2026-13-03T09:05:00Z");
    }
}
