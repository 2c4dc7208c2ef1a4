use leptos::prelude::*;

/// A labelled input with optional hint and error text, wired for screen readers
/// (`aria-invalid`, `aria-describedby`). The value stays as typed when an error shows.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(optional, into)] input_type: Option<&'static str>,
    #[prop(optional, into)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] value: Option<RwSignal<String>>,
    #[prop(optional, into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let described = format!("{id}-desc");
    let value = value.unwrap_or_else(|| RwSignal::new(String::new()));
    let has_error = move || error.get().is_some();
    view! {
        <div class="field">
            <label class="field-label" for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                class="field-input"
                type=input_type.unwrap_or("text")
                autocomplete=autocomplete
                placeholder=placeholder
                required=required
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=described.clone()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <p id=described class=move || if has_error() { "field-error" } else { "field-hint" }>
                {move || error.get().or_else(|| hint.clone()).unwrap_or_default()}
            </p>
        </div>
    }
}
