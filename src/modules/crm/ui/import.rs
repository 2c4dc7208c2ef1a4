//! `/w/{slug}/crm/import`: the CSV import wizard. The file goes to
//! `POST /api/v1/crm/contacts/import/preview`, which reads it as the import will (encoding,
//! delimiter) and suggests which column fills which field; the member corrects the mapping
//! (custom fields and tags included), picks what happens to rows whose email is already a
//! contact, and starts the import (`POST /api/v1/crm/contacts/import`, the same file with the
//! mapping). The page then polls `GET /api/v1/jobs/{id}` for the progress and shows the counts
//! and every row that could not be imported. The requests are same-origin with the session
//! cookie, so the server's Origin check (CSRF) accepts them.
use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::Deserialize;

use super::{Access, CrmHeader, plural, use_access};
use crate::modules::workspaces::ui::workspace_href;
use crate::shared::ui::{Button, ButtonVariant, EmptyState, Icon, Spinner, TextField};

/// The server's first look at a file (`ImportPreview`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Preview {
    encoding: String,
    delimiter: String,
    headers: Vec<String>,
    sample: Vec<Vec<String>>,
    row_count: usize,
    mapping: BTreeMap<String, String>,
    fields: Vec<(String, String)>,
}

/// A row the import could not use.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct RowError {
    #[serde(default)]
    line: usize,
    #[serde(default)]
    field: String,
    #[serde(default)]
    message: String,
}

/// `GET /api/v1/jobs/{id}`, the parts the page shows.
#[cfg(any(feature = "hydrate", test))]
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Job {
    status: String,
    #[serde(default)]
    progress: u32,
    #[serde(default)]
    result: Option<serde_json::Value>,
    #[serde(default)]
    errors: Vec<RowError>,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Summary {
    failed_job: bool,
    total: u64,
    created: u64,
    updated: u64,
    skipped: u64,
    failed: u64,
    errors: Vec<RowError>,
}

#[cfg(any(feature = "hydrate", test))]
impl Summary {
    fn of(job: Job) -> Summary {
        let count = |k: &str| job.result.as_ref().and_then(|r| r.get(k)).and_then(serde_json::Value::as_u64).unwrap_or_default();
        Summary {
            failed_job: job.status == "dead",
            total: count("total_rows"),
            created: count("created"),
            updated: count("updated"),
            skipped: count("skipped"),
            failed: count("failed"),
            errors: job.errors,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), expect(dead_code, reason = "the steps after the first are reached in the browser"))]
enum Step {
    Choose,
    Map(Preview),
    Running,
    Done(Summary),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Duplicates {
    Skip,
    Update,
    Create,
}

impl Duplicates {
    fn as_str(self) -> &'static str {
        match self {
            Duplicates::Skip => "skip",
            Duplicates::Update => "update",
            Duplicates::Create => "create",
        }
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let access = use_access();
    view! {
        <Title text="Import contacts"/>
        {move || access.get().map(|a| view! { <ImportBody a=a/> })}
    }
}

#[component]
fn ImportBody(a: Access) -> impl IntoView {
    let Access { slug, write, .. } = a;
    let header_slug = slug.clone();
    if !write {
        return view! {
            <CrmHeader slug=header_slug title="Import contacts" text="Bring contacts in from a CSV file."/>
            <section class="card">
                <EmptyState icon="users" title="Importing needs edit rights" text="Ask an admin of the workspace to import the file, or to let you edit the CRM."/>
            </section>
        }
        .into_any();
    }
    let slug = StoredValue::new(slug);
    let step = RwSignal::new(Step::Choose);
    // The chosen file, kept in the browser between the preview and the import.
    let file = StoredValue::new(None::<(String, Vec<u8>)>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let mapping = RwSignal::new(BTreeMap::<String, String>::new());
    let duplicates = RwSignal::new(Duplicates::Skip);
    let tags = RwSignal::new(String::new());
    let subscribed = RwSignal::new(false);
    let progress = RwSignal::new(0u32);

    let on_file = move |ev: leptos::ev::Event| {
        problem.set(None);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(chosen) = input.files().and_then(|f| f.get(0)) else { return };
            if chosen.size() > 20.0 * 1024.0 * 1024.0 {
                problem.set(Some("This file is larger than 20 MB. Split it into smaller files.".into()));
                return;
            }
            busy.set(true);
            let slug = slug.get_value();
            leptos::task::spawn_local(async move {
                let name = chosen.name();
                let result = async {
                    let bytes = browser::read(&chosen).await?;
                    let body = multipart(&[("file", Some(name.as_str()), bytes.as_slice())]);
                    let text = browser::send("POST", &format!("/api/v1/crm/contacts/import/preview?workspace={slug}"), Some(body)).await?;
                    let preview: Preview = serde_json::from_str(&text).map_err(|_| "The file was read, but the answer was not understood. Reload the page.".to_owned())?;
                    Ok::<_, String>((bytes, preview))
                }
                .await;
                let _ = busy.try_set(false);
                match result {
                    Ok((bytes, preview)) => {
                        file.set_value(Some((name, bytes)));
                        mapping.set(preview.mapping.clone());
                        step.set(Step::Map(preview));
                    }
                    Err(message) => problem.set(Some(message)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    let start = move |()| {
        if busy.get_untracked() {
            return;
        }
        problem.set(None);
        #[cfg(feature = "hydrate")]
        {
            let Some((name, bytes)) = file.get_value() else {
                step.set(Step::Choose);
                return;
            };
            let map = serde_json::to_string(&mapping.get_untracked()).unwrap_or_default();
            let mode = duplicates.get_untracked().as_str();
            let tag_list = tags.get_untracked();
            let consent = if subscribed.get_untracked() { "subscribed" } else { "none" };
            busy.set(true);
            let slug = slug.get_value();
            leptos::task::spawn_local(async move {
                let body = multipart(&[
                    ("file", Some(name.as_str()), bytes.as_slice()),
                    ("mapping", None, map.as_bytes()),
                    ("on_duplicate", None, mode.as_bytes()),
                    ("tags", None, tag_list.as_bytes()),
                    ("consent", None, consent.as_bytes()),
                ]);
                let started = browser::send("POST", &format!("/api/v1/crm/contacts/import?workspace={slug}"), Some(body)).await.and_then(|text| {
                    serde_json::from_str::<serde_json::Value>(&text)
                        .ok()
                        .and_then(|v| v["job_id"].as_str().map(str::to_owned))
                        .ok_or_else(|| "The import was sent, but the answer was not understood. Reload the page.".to_owned())
                });
                let _ = busy.try_set(false);
                let job = match started {
                    Ok(job) => job,
                    Err(message) => {
                        problem.set(Some(message));
                        return;
                    }
                };
                progress.set(0);
                step.set(Step::Running);
                let mut misses = 0;
                loop {
                    browser::sleep(500).await;
                    if step.try_get_untracked().is_none() {
                        return; // the page was left
                    }
                    match browser::send("GET", &format!("/api/v1/jobs/{job}?workspace={slug}"), None).await.and_then(|t| serde_json::from_str::<Job>(&t).map_err(|e| e.to_string())) {
                        Ok(j) if j.status == "done" || j.status == "dead" => {
                            progress.set(100);
                            step.set(Step::Done(Summary::of(j)));
                            return;
                        }
                        Ok(j) => {
                            misses = 0;
                            progress.set(j.progress);
                        }
                        Err(message) => {
                            misses += 1;
                            if misses >= 5 {
                                problem.set(Some(format!("The progress could not be read: {message}. The import goes on; check the contacts list in a moment.")));
                                return;
                            }
                        }
                    }
                }
            });
        }
    };
    let restart = move |()| {
        file.set_value(None);
        problem.set(None);
        tags.set(String::new());
        duplicates.set(Duplicates::Skip);
        step.set(Step::Choose);
    };
    let contacts_href = workspace_href(&slug.get_value(), "/crm");

    let body = move || match step.get() {
        Step::Choose => view! {
            <section class="card stack" aria-labelledby="import-choose">
                <h2 id="import-choose" class="card-title">"1. Choose a CSV file"</h2>
                <p class="muted">"Export your contacts from a spreadsheet or another CRM as CSV (separated by commas, semicolons or tabs). The first line names the columns. At most 20 MB."</p>
                <div class="field">
                    <label class="field-label" for="import-file">"CSV file"</label>
                    <input id="import-file" type="file" accept=".csv,.tsv,.txt,text/csv,text/plain" class="field-input import-file"
                        disabled=move || busy.get() on:change=on_file/>
                </div>
                <Show when=move || busy.get()>
                    <p class="import-wait" role="status"><Spinner small=true/>"Reading the file…"</p>
                </Show>
            </section>
        }
        .into_any(),
        Step::Map(preview) => {
            let name = file.with_value(|f| f.as_ref().map(|(n, _)| n.clone()).unwrap_or_default());
            let about = format!(
                "{name}: {}, {}, separated by {}.",
                plural(preview.row_count as u64, "contact", "contacts"),
                preview.encoding,
                match preview.delimiter.as_str() {
                    "," => "commas",
                    ";" => "semicolons",
                    "tab" => "tabs",
                    other => other,
                }
            );
            let fields = StoredValue::new(preview.fields.clone());
            let rows = preview
                .headers
                .iter()
                .enumerate()
                .map(|(i, header)| {
                    let examples: Vec<String> = preview.sample.iter().take(3).filter_map(|r| r.get(i)).filter(|v| !v.is_empty()).cloned().collect();
                    let column = header.clone();
                    let current = preview.mapping.get(header).cloned().unwrap_or_default();
                    let label = format!("Field for the column {header}");
                    view! {
                        <tr>
                            <td class="import-col break">{header.clone()}</td>
                            <td class="import-examples meta break">{examples.join(" · ")}</td>
                            <td class="import-field">
                                <select class="field-input field-select" aria-label=label
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        mapping.update(|m| { m.insert(column.clone(), v); });
                                    }>
                                    <option value="" selected=current.is_empty()>"Don't import"</option>
                                    {fields.with_value(|f| f.iter().map(|(value, text)| {
                                        let selected = *value == current;
                                        view! { <option value=value.clone() selected=selected>{text.clone()}</option> }
                                    }).collect_view())}
                                </select>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            let radio = move |mode: Duplicates, text: &'static str, hint: &'static str| view! {
                <label class="import-choice">
                    <input type="radio" name="on-duplicate" value=mode.as_str() prop:checked=move || duplicates.get() == mode
                        on:change=move |_| duplicates.set(mode)/>
                    <span class="stack-sm import-choice-text"><span>{text}</span><span class="meta">{hint}</span></span>
                </label>
            };
            view! {
                <section class="card stack" aria-labelledby="import-map">
                    <h2 id="import-map" class="card-title">"2. Match the columns"</h2>
                    <p class="muted break">{about}</p>
                    <div class="table-wrap">
                        <table class="table import-table">
                            <caption class="sr-only">"Columns of the file and the contact fields they fill"</caption>
                            <thead><tr><th scope="col">"Column"</th><th scope="col">"Examples"</th><th scope="col">"Contact field"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                    <fieldset class="plain-fieldset stack-sm">
                        <legend class="field-label">"When a row's email is already a contact"</legend>
                        {radio(Duplicates::Skip, "Skip the row", "The contact stays as it is.")}
                        {radio(Duplicates::Update, "Update the contact", "The row's filled-in values replace the contact's.")}
                        {radio(Duplicates::Create, "Create another contact", "Both are kept; the new one has the address as an extra email.")}
                    </fieldset>
                    <TextField label="Tags for every imported contact" name="import-tags" autocomplete="off" value=tags
                        hint="Optional, comma-separated, like newsletter, fair 2026."/>
                    <label class="import-choice">
                        <input type="checkbox" prop:checked=move || subscribed.get() on:change=move |ev| subscribed.set(event_target_checked(&ev))/>
                        <span class="stack-sm import-choice-text">
                            <span>"These people agreed to get email from me"</span>
                            <span class="meta">"They are marked subscribed, so campaigns can reach them. Anyone who unsubscribed or bounced stays that way."</span>
                        </span>
                    </label>
                    <div class="row import-actions">
                        <Button variant=ButtonVariant::Secondary on_click=Callback::new(restart)>"Choose another file"</Button>
                        <Button loading=busy on_click=Callback::new(start)><Icon name="arrow-right"/>"Start import"</Button>
                    </div>
                </section>
            }
            .into_any()
        }
        Step::Running => view! {
            <section class="card stack" aria-labelledby="import-running">
                <h2 id="import-running" class="card-title">"3. Importing…"</h2>
                <div class="import-progress" role="progressbar" aria-label="Import progress" aria-valuemin="0" aria-valuemax="100"
                    aria-valuenow=move || progress.get().to_string()>
                    <span style=move || format!("width:{}%", progress.get().min(100))></span>
                </div>
                <p class="meta" role="status">{move || format!("{}% done. You can leave this page; the import goes on.", progress.get())}</p>
            </section>
        }
        .into_any(),
        Step::Done(s) => {
            let errors = s.errors.clone();
            let title = if s.failed_job { "The import failed" } else { "Import finished" };
            let stat = |n: u64, label: &'static str| view! { <li class="import-stat"><strong>{n}</strong><span class="meta">{label}</span></li> };
            view! {
                <section class="card stack" aria-labelledby="import-done">
                    <h2 id="import-done" class="card-title">{title}</h2>
                    {(!s.failed_job).then(|| view! {
                        <ul class="import-stats" aria-label="Import results">
                            {stat(s.created, "created")}
                            {stat(s.updated, "updated")}
                            {stat(s.skipped, "skipped as duplicates")}
                            {stat(s.failed, "rows with errors")}
                        </ul>
                        <p class="muted">{format!("{} in the file.", plural(s.total, "row", "rows"))}</p>
                    })}
                    {(!errors.is_empty()).then(|| view! {
                        <h3 class="subsection-title">"Rows that were not imported"</h3>
                        <div class="table-wrap">
                            <table class="table import-errors">
                                <caption class="sr-only">"Rows with errors"</caption>
                                <thead><tr><th scope="col">"Line"</th><th scope="col">"Field"</th><th scope="col">"Problem"</th></tr></thead>
                                <tbody>
                                    {errors.into_iter().map(|e| view! {
                                        <tr>
                                            <td class="nowrap">{if e.line == 0 { "File".to_owned() } else { format!("Line {}", e.line) }}</td>
                                            <td>{super::field_label(&e.field)}</td>
                                            <td class="break">{e.message}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    })}
                    <div class="row">
                        <A href=contacts_href.clone() attr:class="btn btn-primary">"View contacts"</A>
                        <Button variant=ButtonVariant::Secondary on_click=Callback::new(restart)>"Import another file"</Button>
                    </div>
                </section>
            }
            .into_any()
        }
    };

    view! {
        <CrmHeader slug=header_slug title="Import contacts" text="Bring contacts in from a CSV file: match its columns, then import."/>
        <div class="import-wizard stack">
            {body}
            {move || problem.get().map(|m| view! { <p class="callout callout-warning break" role="alert">{m}</p> })}
        </div>
    }
    .into_any()
}

/// A `multipart/form-data` body of named parts (a file part has a file name) and its
/// content type, built by hand: no `FormData` binding is needed for it.
#[cfg(any(feature = "hydrate", test))]
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let clean = |s: &str| s.replace(['"', '\r', '\n'], "_");
    // A boundary the content cannot contain by chance: long and made of its own bytes.
    let mut boundary = String::from("----mewayz-form-boundary-7MA4YWxkTrZu0gW");
    while parts.iter().any(|(_, _, data)| data.windows(boundary.len()).any(|w| w == boundary.as_bytes())) {
        boundary.push('x');
    }
    let mut body = Vec::new();
    for (name, file, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: text/csv\r\n\r\n", clean(name), clean(f)).as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", clean(name)).as_bytes()),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::js_sys::{self, futures::JsFuture};

    const NETWORK: &str = "Could not reach Mewayz. Check your connection and try again.";

    pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, String> {
        let buffer = JsFuture::from(file.array_buffer()).await.map_err(|_| "The file could not be read. Choose it again.".to_owned())?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }

    /// A same-origin request with the session cookie; the answer's text, or the problem's
    /// message.
    pub async fn send(method: &str, url: &str, body: Option<(String, Vec<u8>)>) -> Result<String, String> {
        let window = web_sys::window().ok_or(NETWORK)?;
        let headers = web_sys::Headers::new().map_err(|_| NETWORK)?;
        headers.set("Accept", "application/json, application/problem+json").map_err(|_| NETWORK)?;
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        init.set_credentials(web_sys::RequestCredentials::SameOrigin);
        if let Some((content_type, bytes)) = body {
            headers.set("Content-Type", &content_type).map_err(|_| NETWORK)?;
            init.set_body(&js_sys::Uint8Array::from(bytes.as_slice()));
        }
        init.set_headers(&headers);
        let response: web_sys::Response =
            JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|_| NETWORK)?.dyn_into().map_err(|_| NETWORK)?;
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
            Err(_) => String::new(),
        };
        if response.ok() { Ok(text) } else { Err(problem(response.status(), &text)) }
    }

    fn problem(status: u16, body: &str) -> String {
        let problem: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        if let Some(message) = problem["errors"].get(0).and_then(|e| e["message"].as_str()) {
            return message.to_owned();
        }
        if let Some(detail) = problem["detail"].as_str().filter(|d| !d.is_empty()) {
            return detail.to_owned();
        }
        match status {
            401 => "Your session has ended. Sign in again.".into(),
            403 => "You do not have permission to import contacts.".into(),
            413 => "This file is larger than 20 MB. Split it into smaller files.".into(),
            429 => "Too many requests. Wait a minute and try again.".into(),
            _ => format!("The request failed (error {status}). Try again."),
        }
    }

    pub async fn sleep(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            } else {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        let _ = JsFuture::from(promise).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_name_their_parts() {
        let (ty, body) = multipart(&[("file", Some("a\"b.csv"), &b"email\nx@y.co\n"[..]), ("on_duplicate", None, &b"update"[..])]);
        let boundary = ty.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8(body).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a_b.csv\"\r\n")));
        assert!(text.contains("\r\n\r\nemail\nx@y.co\n\r\n"));
        assert!(text.contains("name=\"on_duplicate\"\r\n\r\nupdate\r\n"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }

    #[test]
    fn job_answers_become_a_summary() {
        let job: Job = serde_json::from_str(
            r#"{"status":"done","progress":100,"result":{"total_rows":3,"created":2,"updated":0,"skipped":0,"failed":1},"errors":[{"line":3,"field":"email","message":"Bad."}]}"#,
        )
        .unwrap();
        let s = Summary::of(job);
        assert_eq!((s.total, s.created, s.failed, s.failed_job), (3, 2, 1, false));
        assert_eq!(s.errors, vec![RowError { line: 3, field: "email".into(), message: "Bad.".into() }]);
    }
}
