//! The Settings tab: the handle, title, bio and avatar; what search engines and link previews
//! show; the page's age gate; and deleting the page.
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{NavigateOptions, hooks::use_navigate};

use super::blocks::age_options;
use super::fields::{Choice, ImagePicker, ImageSlot, TextInput};
use super::state::Ed;
use crate::modules::bio::server_fns::delete_bio_page;
use crate::modules::bio::types::parse_handle;
use crate::modules::workspaces::ui::{Panel, workspace_href};
use crate::shared::ui::{Button, ButtonVariant, Dialog, Icon, ToastKind};

#[component]
pub fn SettingsTab(ed: Ed) -> impl IntoView {
    let f = ed.f;
    let touch = move |field: &'static str| Callback::new(move |()| ed.touch_page(field));
    let err = move |field: &'static str| ed.page_save.error(field);
    // The handle is checked as it is typed: it is the page's address, so say at once what works.
    let touch_handle = Callback::new(move |()| {
        ed.touch_page("handle");
        if let Err(message) = f.handle.with_untracked(|h| parse_handle(h)) {
            ed.page_save.note("handle", message);
        }
    });
    view! {
        <fieldset class="plain-fieldset stack" disabled=!ed.can_write>
            <legend class="sr-only">"Page settings"</legend>
            <Panel id="bio-profile" title="Profile">
                <TextInput id="bio-handle" label="Handle" value=f.handle touch=touch_handle error=err("handle") prefix="/@" plain=true
                    max=30 hint="Your page's address. 3 to 30 letters, numbers, _ and . Visitors' old links keep working until you publish."/>
                <TextInput id="bio-title" label="Title" value=f.title touch=touch("title") error=err("title") max=100
                    hint="Your name or brand, at the top of the page."/>
                <TextInput id="bio-bio" label="Bio" value=f.bio touch=touch("bio") error=err("bio") multiline=true max=500
                    hint="A line or two about you."/>
                <ImagePicker ed target=ImageSlot::Avatar id="bio-avatar" label="Avatar" round=true
                    hint="A square photo or logo. PNG, JPEG or WebP, up to 2 MB."/>
            </Panel>
            <Panel id="bio-seo" title="Search and link previews">
                <TextInput id="bio-seo-title" label="SEO title" value=f.seo_title touch=touch("seo_title") error=err("seo_title") max=70
                    hint="The title search engines and shared links show. Your page's title when empty."/>
                <TextInput id="bio-seo-description" label="SEO description" value=f.seo_description touch=touch("seo_description")
                    error=err("seo_description") multiline=true max=200 hint="A sentence shown under the title. Your bio when empty."/>
                <ImagePicker ed target=ImageSlot::OgImage id="bio-og-image" label="Social preview image"
                    hint="Shown when your link is shared in chats and posts. 1200 × 630 works best."/>
            </Panel>
            <Panel id="bio-age" title="Age gate">
                <Choice id="bio-age-gate" label="Who can open the page" options=age_options("Everyone") value=f.age_gate error=err("age_gate")
                    hint="Visitors confirm their age before the page opens."
                    on_pick=Callback::new(move |v: String| {
                        f.age_gate.set(v);
                        ed.touch_page("age_gate");
                    })/>
            </Panel>
        </fieldset>
        {ed.can_delete.then(|| view! { <DeletePage ed/> })}
    }
}

#[component]
fn DeletePage(ed: Ed) -> impl IntoView {
    let open = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let delete = Callback::new(move |()| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (slug, navigate) = (ed.slug.get_value(), navigate.clone());
        spawn_local(async move {
            let result = delete_bio_page(slug.clone(), ed.id).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    open.set(false);
                    // Nothing left to save on a deleted page.
                    if !ed.gone() {
                        ed.discard_all();
                    }
                    ed.toasts.show(ToastKind::Success, "Page deleted. You can restore it from your bio pages for 30 days.");
                    navigate(&workspace_href(&slug, "/bio"), NavigateOptions::default());
                }
                Err(err) => ed.toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    view! {
        <Panel id="bio-danger" title="Danger zone" danger=true>
            <p class="muted">"Deleting takes the page offline at once. You can restore it for 30 days."</p>
            <div>
                <Button variant=ButtonVariant::Danger on_click=Callback::new(move |()| open.set(true))>
                    <Icon name="trash"/>"Delete page"
                </Button>
            </div>
            <Dialog open=open title="Delete this page?">
                <p class="muted">"Visitors will see “page not found” at once. You can restore it from your bio pages for 30 days."</p>
                <div class="row dialog-actions">
                    <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                    <Button variant=ButtonVariant::Danger loading=busy on_click=delete>"Delete page"</Button>
                </div>
            </Dialog>
        </Panel>
    }
}
