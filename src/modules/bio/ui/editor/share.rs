//! The Share tab: the public address with a copy button, and the QR code to show or download.
use leptos::prelude::*;

use super::fields::G;
use super::state::Ed;
use crate::modules::auth::ui::copy_text;
use crate::modules::workspaces::ui::Panel;
use crate::shared::ui::{Button, ButtonVariant};

#[component]
pub fn ShareTab(ed: Ed) -> impl IntoView {
    // The host is only known in the browser; the server renders the path alone.
    let origin = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(o) = page_origin() {
            origin.set(o);
        }
    });
    let path = move || ed.page.with(|p| p.public_url.clone());
    let url = move || format!("{}{}", origin.get(), path());
    let published = move || ed.published();
    let slug = ed.slug.get_value();
    // The handle in the query makes a new handle load a new code.
    let qr = move |format: &'static str, download: bool| {
        let slug = slug.clone();
        move || {
            let handle = ed.page.with(|p| p.handle.clone());
            let download = if download { "&download=1" } else { "" };
            format!("/api/v1/bio/pages/{}/qr?format={format}{download}&h={handle}&workspace={slug}", ed.id)
        }
    };
    let copy = Callback::new(move |()| copy_text(ed.toasts, url(), "Link"));
    view! {
        <Panel id="bio-share" title="Your page's address">
            <Show when=move || !published()>
                <p class="callout callout-warning" role="note">"Your page is a draft. Publish it to make this address and the QR code work."</p>
            </Show>
            <div class="copy-row">
                <code class="token">{url}</code>
                <Button variant=ButtonVariant::Secondary on_click=copy><G name="copy"/>"Copy"</Button>
            </div>
            <Show when=published>
                <a class="inline-link" href=path target="_blank" rel="noopener">"Open your page"<G name="external"/></a>
            </Show>
        </Panel>
        <Panel id="bio-qr" title="QR code">
            <img class="qr bio-qr" src=qr("svg", false) alt="QR code of your page's address" width="208" height="208"/>
            <div class="row">
                <a class="btn btn-secondary" href=qr("svg", true) download="bio-qr.svg"><G name="download"/>"Download SVG"</a>
                <a class="btn btn-secondary" href=qr("png", true) download="bio-qr.png"><G name="download"/>"Download PNG"</a>
            </div>
            <p class="muted">"Put it on flyers, packaging or your shop counter. It opens your page once it is published."</p>
        </Panel>
    }
}

fn page_origin() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        super::browser::origin()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}
