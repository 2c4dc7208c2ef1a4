use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The 404 page. On the server it also sets the response status.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <main id="main" class="center-page">
            <p class="eyebrow">"404"</p>
            <h1 class="page-title">"We could not find that page"</h1>
            <p class="muted">"The link may be old, or the page may have moved."</p>
            <div class="row">
                <A href="/" attr:class="btn btn-primary">"Go to the home page"</A>
                <A href="/app" attr:class="btn btn-secondary">"Open the app"</A>
            </div>
        </main>
    }
}
