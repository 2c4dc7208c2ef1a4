use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::modules::catalog::MODULES;
use crate::shared::ui::{Icon, ThemeToggle};

/// Public home page: what Mewayz is, what is in it, where to start.
#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <Title text="Run your whole business from one app"/>
        <header class="site-header">
            <A href="/" attr:class="brand" attr:aria-label="Mewayz home">
                <img src="/icons/icon.svg" alt="" width="28" height="28"/>
                <span>"Mewayz"</span>
            </A>
            <nav class="site-nav" aria-label="Site">
                <A href="/signin" attr:class="btn btn-ghost">"Sign in"</A>
                <ThemeToggle/>
            </nav>
        </header>
        <main id="main">
            <section class="hero">
                <p class="eyebrow">"For creators and small businesses"</p>
                <h1 class="hero-title">"Run your whole business from one app"</h1>
                <p class="hero-text">
                    "Link in bio, contacts and email, a store, courses and community, bookings and invoices — "
                    "on one shared set of customers and numbers, fast on your phone and your own server."
                </p>
                <div class="row hero-actions">
                    <A href="/signup" attr:class="btn btn-primary btn-lg">"Start free"</A>
                    <A href="/app" attr:class="btn btn-secondary btn-lg">"Open the app"</A>
                </div>
            </section>
            <section class="features" aria-labelledby="features-title">
                <h2 id="features-title" class="section-title">"Everything in one place"</h2>
                <ul class="feature-grid">
                    {MODULES
                        .iter()
                        .filter(|m| m.slug != "admin")
                        .map(|m| {
                            view! {
                                <li class="feature">
                                    <span class="feature-icon"><Icon name=m.icon/></span>
                                    <h3 class="feature-title">{m.name}</h3>
                                    <p class="feature-text">{m.summary}</p>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        </main>
        <footer class="site-footer">
            <p>"Mewayz — self-hostable, open source. "<a href="/api/docs">"API reference"</a></p>
        </footer>
    }
}
