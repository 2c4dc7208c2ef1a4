//! `/w/{slug}/mail/senders`: who campaigns come from. Each sender has a name, an address, an
//! optional reply-to and either its own SMTP server or the platform's; a test message shows
//! at once whether the server takes mail. The SMTP address is write-only.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use uuid::Uuid;

use super::{Access, MailHeader, use_access};
use crate::modules::auth::ui::field_error;
use crate::modules::crm::ui::{CrmIcon, form_alert, plural, unshown_error};
use crate::modules::mail::server_fns::{delete_identity, list_identities, load_mail_settings, save_identity, save_mail_settings, test_identity};
use crate::modules::mail::types::{IdentityInput, IdentityView, MailSettings, TestSendInput};
use crate::modules::workspaces::ui::{error_view, loading_view};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Icon, TextField, ToastKind, loaded, use_toasts};

#[component]
pub fn SendersPage() -> impl IntoView {
    let access = use_access();
    view! {
        <Title text="Email senders"/>
        {move || access.get().map(|a| view! { <SendersBody a=a/> })}
    }
}

#[component]
fn SendersBody(a: Access) -> impl IntoView {
    let Access { slug, write, delete } = a;
    let toasts = use_toasts();
    let reload = RwSignal::new(0u32);
    let senders = Resource::new({ let slug = slug.clone(); move || (slug.clone(), reload.get()) }, |(slug, _)| list_identities(slug));
    let editing = RwSignal::new(None::<Option<IdentityView>>);
    let edit_open = RwSignal::new(false);
    let open_form = Callback::new(move |target: Option<IdentityView>| {
        editing.set(Some(target));
        edit_open.set(true);
    });
    let testing = RwSignal::new(None::<IdentityView>);
    let test_open = RwSignal::new(false);
    let open_test = Callback::new(move |i: IdentityView| {
        testing.set(Some(i));
        test_open.set(true);
    });
    let to_delete = RwSignal::new(None::<IdentityView>);
    let confirm = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let remove = Callback::new({
        let slug = slug.clone();
        move |()| {
            let Some(i) = to_delete.get_untracked() else { return };
            busy.set(true);
            let slug = slug.clone();
            spawn_local(async move {
                let result = delete_identity(slug, i.id).await;
                busy.set(false);
                confirm.set(false);
                match result {
                    Ok(()) => {
                        toasts.show(ToastKind::Success, format!("Removed {}.", i.from_email));
                        reload.update(|n| *n += 1);
                    }
                    Err(err) => toasts.show(ToastKind::Error, err.to_string()),
                }
            });
        }
    });
    let saved = Callback::new(move |i: IdentityView| {
        toasts.show(ToastKind::Success, format!("Saved {}.", i.from_email));
        reload.update(|n| *n += 1);
    });
    let (form_slug, test_slug, settings_slug) = (slug.clone(), slug.clone(), slug.clone());
    view! {
        <MailHeader slug=slug title="Senders" text="The names and addresses campaigns come from, and the SMTP server that delivers them.">
            {write.then(|| view! { <Button on_click=Callback::new(move |()| open_form.run(None))><Icon name="plus"/>"New sender"</Button> })}
        </MailHeader>
        <Transition fallback=loading_view>
            {move || Suspend::new(async move {
                match loaded(senders).await {
                    Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <section class="card">
                            <EmptyState icon="mail" title="No senders yet"
                                text="Add the name and address your emails come from. Use your own SMTP server or the platform's.">
                                {write.then(|| view! { <Button on_click=Callback::new(move |()| open_form.run(None))><Icon name="plus"/>"Add a sender"</Button> })}
                            </EmptyState>
                        </section>
                    }
                    .into_any(),
                    Ok(list) => {
                        let n = list.len() as u64;
                        let items = list.into_iter().map(|i| sender_row(i, write, delete, open_form, open_test, to_delete, confirm)).collect_view();
                        view! {
                            <p class="crm-count" role="status">{plural(n, "sender", "senders")}</p>
                            <ul class="card list-plain" aria-label="Senders">{items}</ul>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
        <SignupSettings slug=settings_slug write=write/>
        {write.then(|| view! {
            <Dialog open=edit_open title="Sender">
                {
                    let slug = form_slug.clone();
                    move || editing.get().map(|target| view! { <SenderForm slug=slug.clone() target=target open=edit_open saved=saved/> })
                }
            </Dialog>
            <Dialog open=test_open title="Send a test">
                {
                    let slug = test_slug.clone();
                    move || testing.get().map(|i| view! { <TestForm slug=slug.clone() identity=i open=test_open/> })
                }
            </Dialog>
        })}
        {delete.then(|| view! {
            <Dialog open=confirm title="Remove sender?">
                <p class="muted break">{move || to_delete.get().map(|i| format!("{} <{}> is removed. Campaigns that use it must be changed first.", i.from_name, i.from_email))}</p>
                <div class="row dialog-actions">
                    <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm.set(false))>"Cancel"</Button>
                    <Button variant=ButtonVariant::Danger loading=busy on_click=remove>"Remove sender"</Button>
                </div>
            </Dialog>
        })}
    }
}

fn sender_row(
    i: IdentityView,
    write: bool,
    delete: bool,
    open_form: Callback<Option<IdentityView>>,
    open_test: Callback<IdentityView>,
    to_delete: RwSignal<Option<IdentityView>>,
    confirm: RwSignal<bool>,
) -> impl IntoView {
    let who = if i.from_name.is_empty() { i.from_email.clone() } else { format!("{} <{}>", i.from_name, i.from_email) };
    let via = if i.has_smtp { "Own SMTP server" } else { "Platform SMTP server" };
    let reply = i.reply_to.clone().map(|r| format!(" · replies to {r}")).unwrap_or_default();
    let (a, b, c) = (i.clone(), i.clone(), i.clone());
    let email = i.from_email.clone();
    let (edit_label, remove_label) = (format!("Edit {email}"), format!("Remove {email}"));
    view! {
        <li class="row-item">
            <div class="stack-sm grow">
                <span class="crm-name-text break">{who}</span>
                <span class="meta break">{via}{reply}</span>
            </div>
            <div class="table-actions">
                {write.then(|| view! {
                    <Button variant=ButtonVariant::Secondary attr:aria-label=format!("Send a test from {email}") on_click=Callback::new(move |()| open_test.run(a.clone()))>
                        <Icon name="mail"/><span class="crm-wide-only">"Test"</span>
                    </Button>
                    <Button variant=ButtonVariant::Ghost attr:aria-label=edit_label on_click=Callback::new(move |()| open_form.run(Some(b.clone())))>
                        <CrmIcon name="pencil"/>
                    </Button>
                })}
                {delete.then(|| view! {
                    <Button variant=ButtonVariant::Ghost attr:aria-label=remove_label on_click=Callback::new(move |()| {
                        to_delete.set(Some(c.clone()));
                        confirm.set(true);
                    })>
                        <Icon name="trash"/>
                    </Button>
                })}
            </div>
        </li>
    }
}

#[component]
fn SenderForm(slug: String, target: Option<IdentityView>, open: RwSignal<bool>, saved: Callback<IdentityView>) -> impl IntoView {
    let id: Option<Uuid> = target.as_ref().map(|i| i.id);
    let had_smtp = target.as_ref().is_some_and(|i| i.has_smtp);
    let from_name = RwSignal::new(target.as_ref().map(|i| i.from_name.clone()).unwrap_or_default());
    let from_email = RwSignal::new(target.as_ref().map(|i| i.from_email.clone()).unwrap_or_default());
    let reply_to = RwSignal::new(target.as_ref().and_then(|i| i.reply_to.clone()).unwrap_or_default());
    let own_smtp = RwSignal::new(had_smtp);
    let smtp_url = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &["from_name", "from_email", "reply_to", "smtp_url"]))));
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let url = smtp_url.get_untracked();
        let smtp = match (own_smtp.get_untracked(), url.trim().is_empty()) {
            // Kept as it is: the stored address is never sent back to the browser.
            (true, true) if had_smtp => None,
            (true, true) => {
                errors.set(Some(AppError::field("smtp_url", "Enter the SMTP server's address, or use the platform's.")));
                return;
            }
            (true, false) => Some(Some(url)),
            (false, _) => Some(None),
        };
        let input = IdentityInput {
            from_name: Some(from_name.get_untracked()),
            from_email: Some(from_email.get_untracked()),
            reply_to: Some(Some(reply_to.get_untracked())),
            smtp_url: smtp,
        };
        saving.set(true);
        errors.set(None);
        let slug = slug.clone();
        spawn_local(async move {
            let result = save_identity(slug, id, input).await;
            saving.set(false);
            match result {
                Ok(i) => {
                    open.set(false);
                    saved.run(i);
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    let smtp_hint = if had_smtp { "Saved and hidden. Leave empty to keep it, or enter a new one." } else { "Like smtp://user:password@smtp.example.com:587?tls=required, or smtps://… for port 465." };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <TextField label="From name" name="from_name" autocomplete="off" value=from_name error=field_error(errors, "from_name")/>
            <TextField label="From address" name="from_email" input_type="email" autocomplete="off" value=from_email error=field_error(errors, "from_email")/>
            <TextField label="Reply-to (optional)" name="reply_to" input_type="email" autocomplete="off" value=reply_to error=field_error(errors, "reply_to")/>
            <fieldset class="mail-choice">
                <legend class="field-label">"Delivered through"</legend>
                <label class="check">
                    <input type="radio" name="smtp-kind" prop:checked=move || !own_smtp.get() on:change=move |_| own_smtp.set(false)/>
                    "The platform's SMTP server"
                </label>
                <label class="check">
                    <input type="radio" name="smtp-kind" prop:checked=move || own_smtp.get() on:change=move |_| own_smtp.set(true)/>
                    "My own SMTP server"
                </label>
            </fieldset>
            <Show when=move || own_smtp.get()>
                <TextField label="SMTP server address" name="smtp_url" input_type="password" autocomplete="off" value=smtp_url
                    error=field_error(errors, "smtp_url") hint=smtp_hint/>
            </Show>
            {form_alert(other)}
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" loading=saving>{if id.is_some() { "Save sender" } else { "Add sender" }}</Button>
            </div>
        </form>
    }
}

/// Sends a short message now and says what the SMTP server answered.
#[component]
fn TestForm(slug: String, identity: IdentityView, open: RwSignal<bool>) -> impl IntoView {
    let to = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<AppError>);
    let sending = RwSignal::new(false);
    let result = RwSignal::new(None::<String>);
    let id = identity.id;
    // A refusal by the SMTP server comes as an `smtp_url` message: shown as it is.
    let other = Signal::derive(move || {
        errors.with(|e| e.as_ref().and_then(|e| e.field_message("smtp_url").map(str::to_owned).or_else(|| unshown_error(e, &["to", "smtp_url"]))))
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        sending.set(true);
        errors.set(None);
        result.set(None);
        let (slug, input) = (slug.clone(), TestSendInput { to: Some(to.get_untracked()) });
        spawn_local(async move {
            let r = test_identity(slug, id, input).await;
            sending.set(false);
            match r {
                Ok(r) => result.set(Some(format!("The SMTP server accepted the test message to {}.", r.to))),
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <p class="muted break">{format!("A short message from {} <{}>.", identity.from_name, identity.from_email)}</p>
            <TextField label="Send to" name="test-to" input_type="email" autocomplete="email" value=to error=field_error(errors, "to")/>
            {form_alert(other)}
            {move || result.get().map(|r| view! { <p class="callout callout-row" role="status"><Icon name="check"/>{r}</p> })}
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Close"</Button>
                <Button button_type="submit" loading=sending>"Send test"</Button>
            </div>
        </form>
    }
}

/// Double opt-in for the public sign-up forms, saved as soon as it is switched.
#[component]
fn SignupSettings(slug: String, write: bool) -> impl IntoView {
    let toasts = use_toasts();
    let settings = Resource::new({ let slug = slug.clone(); move || slug.clone() }, load_mail_settings);
    let saving = RwSignal::new(false);
    let toggle = move |on: bool| {
        saving.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = save_mail_settings(slug, MailSettings { double_opt_in: on }).await;
            saving.set(false);
            match result {
                Ok(s) => {
                    settings.set(Some(Ok(s)));
                    toasts.show(ToastKind::Success, if on { "New sign-ups will confirm their address first." } else { "New sign-ups are subscribed at once." });
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <section class="card stack-sm" aria-labelledby="signup-settings">
            <h2 id="signup-settings" class="card-title">"Sign-up forms"</h2>
            <Suspense fallback=loading_view>
                {move || {
                    let toggle = toggle.clone();
                    Suspend::new(async move {
                        let on = loaded(settings).await.map(|s| s.double_opt_in).unwrap_or(false);
                        view! {
                            <label class="import-choice">
                                <input type="checkbox" prop:checked=on disabled=move || !write || saving.get()
                                    on:change=move |ev| toggle(event_target_checked(&ev))/>
                                <span class="stack-sm import-choice-text">
                                    <span>"Ask people who sign up to confirm their address (double opt-in)"</span>
                                    <span class="meta">"They get an email with a link and join your list only once they confirm. Fewer fake and mistyped addresses, and proof of consent."</span>
                                </span>
                            </label>
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}
