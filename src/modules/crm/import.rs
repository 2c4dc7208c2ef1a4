//! CSV import of contacts: decode (UTF-8, UTF-16 or Windows-1252, as spreadsheets save),
//! detect the delimiter, suggest a column mapping, then import in a background job in one
//! transaction, so an import either lands whole or not at all. Every row is checked with the
//! same rules as the contact form; rows with errors are reported by line and skipped.
use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::repo::{self, ContactData, NewActivityRow};
use super::service::{apply_input, custom_fields_of};
use super::types::{Consent, ContactInput, CustomFieldView, TEXT_FIELDS};
use crate::modules::workspaces::{permissions::Permission, service::ensure_within};
use crate::server::{
    error::AppError,
    jobs::{self, JobContext, JobError, NewJob, Registry},
    state::AppState,
    storage,
    tenant::Tenant,
};
use crate::shared::validate::Checks;

pub const IMPORT_JOB: &str = "crm.import_contacts";
/// The largest CSV an import takes (about 200,000 ordinary contacts).
pub const IMPORT_MAX_BYTES: usize = 20 * 1024 * 1024;
pub const IMPORT_PATH: &str = "/api/v1/crm/contacts/import";
const MAX_ROWS: usize = 200_000;
/// Row errors kept in the job's result; the count covers all of them.
const MAX_REPORTED_ERRORS: usize = 500;
const BATCH: usize = 500;

pub fn register(registry: Registry, storage_dir: String) -> Registry {
    registry.register(IMPORT_JOB, move |ctx| import_job(storage_dir.clone(), ctx))
}

/// What to do with a row whose email already belongs to a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Leave the existing contact as it is.
    #[default]
    Skip,
    /// Write the row's non-empty values over the existing contact.
    Update,
    /// Add a separate contact; the address is kept as one of its additional emails.
    Create,
}

/// The first look at a file: how it was read, its columns and a suggested mapping.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportPreview {
    pub encoding: String,
    pub delimiter: String,
    pub headers: Vec<String>,
    /// The first five data rows.
    pub sample: Vec<Vec<String>>,
    pub row_count: usize,
    /// Column header → field (`email`, `first_name`, `name`, `tags`, `custom.{key}`…).
    pub mapping: BTreeMap<String, String>,
    /// Every field a column can fill: `[value, label]`.
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Payload {
    key: String,
    file_name: String,
    mapping: BTreeMap<String, String>,
    on_duplicate: OnDuplicate,
    tags: Vec<String>,
    /// The sender vouches that these people agreed to email: new contacts (and ones with no
    /// consent yet) become `subscribed`; an unsubscribe or bounce is never overridden.
    #[serde(default)]
    subscribed: bool,
    user_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RowError {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub field: String,
    pub message: String,
}

// ---- reading the file

/// The file as text and the name of the encoding it was in.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if bytes.is_empty() {
        return Err("The file is empty.".into());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest).map(|s| (s.to_owned(), "UTF-8")).map_err(|_| "The file says it is UTF-8 but is not.".into());
    }
    for (bom, enc) in [(&b"\xFF\xFE"[..], encoding_rs::UTF_16LE), (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE)] {
        if bytes.starts_with(bom) {
            let (text, _, bad) = enc.decode(bytes);
            return if bad { Err("The file is not valid UTF-16.".into()) } else { Ok((text.into_owned(), enc.name())) };
        }
    }
    if bytes.contains(&0) {
        return Err("This is not a CSV text file. Export the sheet as CSV and try again.".into());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_owned(), "UTF-8")),
        // Excel on Windows saves CSV in the ANSI code page.
        Err(_) => Ok((encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(), "windows-1252")),
    }
}

/// `,`, `;` or tab: whichever the header line has most of.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    [b',', b';', b'\t'].into_iter().max_by_key(|d| first.bytes().filter(|b| b == d).count()).unwrap_or(b',')
}

/// Header and rows. Blank header cells become "Column N"; repeated ones get " (2)".
pub fn parse_csv(text: &str) -> Result<(u8, Vec<String>, Vec<(usize, Vec<String>)>), String> {
    let delim = delimiter(text);
    let mut reader = csv::ReaderBuilder::new().delimiter(delim).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let raw = reader.headers().map_err(|e| format!("The header line cannot be read: {e}"))?.clone();
    let mut headers: Vec<String> = Vec::new();
    for (i, h) in raw.iter().enumerate() {
        let base = if h.trim().is_empty() { format!("Column {}", i + 1) } else { h.trim().to_owned() };
        let mut name = base.clone();
        let mut n = 2;
        while headers.contains(&name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        headers.push(name);
    }
    if headers.iter().all(|h| h.starts_with("Column ")) {
        return Err("The first line must name the columns (email, first name…).".into());
    }
    let mut rows = Vec::new();
    let (mut line, mut counted) = (1usize, 0usize);
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(p) => format!("Line {} cannot be read: {e}. Check its quotes.", p.line()),
            None => format!("The file cannot be read: {e}"),
        })?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // The csv reader counts records, not lines; people look for the line in the file.
        let mut byte = record.position().map_or(0, |p| p.byte() as usize).min(text.len());
        // With CRLF endings the position can sit on the previous line's `\n`.
        while text.as_bytes().get(byte).is_some_and(|b| *b == b'\r' || *b == b'\n') {
            byte += 1;
        }
        line += text.as_bytes()[counted..byte].iter().filter(|b| **b == b'\n').count();
        counted = byte;
        rows.push((line, record.iter().map(|c| c.trim().to_owned()).collect()));
        if rows.len() > MAX_ROWS {
            return Err(format!("The file has more than {MAX_ROWS} contacts. Split it into smaller files."));
        }
    }
    Ok((delim, headers, rows))
}

fn normal(s: &str) -> String {
    s.to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Every field a column can fill, `[value, label]`.
pub fn target_fields(custom: &[CustomFieldView]) -> Vec<(String, String)> {
    let mut out = vec![("name".to_owned(), "Full name".to_owned())];
    out.extend(TEXT_FIELDS.iter().filter(|(f, _)| *f != "source").map(|(f, l)| ((*f).to_owned(), (*l).to_owned())));
    out.push(("address_line".into(), "Address".into()));
    out.push(("tags".into(), "Tags (comma-separated)".into()));
    out.push(("notes".into(), "Notes".into()));
    out.extend(custom.iter().map(|f| (format!("custom.{}", f.key), f.label.clone())));
    out
}

/// The field a column header most likely means.
pub fn suggest(header: &str, custom: &[CustomFieldView]) -> Option<String> {
    let h = normal(header);
    let known: &[(&str, &[&str])] = &[
        ("first_name", &["firstname", "first", "givenname", "forename"]),
        ("last_name", &["lastname", "last", "surname", "familyname"]),
        ("name", &["name", "fullname", "contactname", "contact"]),
        ("email", &["email", "emailaddress", "mail", "emailaddress1", "primaryemail"]),
        ("phone", &["phone", "phonenumber", "mobile", "mobilephone", "tel", "telephone", "cell"]),
        ("company", &["company", "companyname", "organization", "organisation", "org", "business"]),
        ("job_title", &["title", "jobtitle", "position", "role"]),
        ("address_line", &["address", "street", "streetaddress", "addressline1", "address1"]),
        ("city", &["city", "town"]),
        ("region", &["state", "region", "province", "county"]),
        ("postal_code", &["zip", "zipcode", "postcode", "postalcode"]),
        ("country", &["country", "countrycode"]),
        ("tags", &["tags", "tag", "labels", "lists"]),
        ("notes", &["notes", "note", "comments", "comment"]),
    ];
    if let Some((field, _)) = known.iter().find(|(_, names)| names.contains(&h.as_str())) {
        return Some((*field).to_owned());
    }
    custom.iter().find(|f| normal(&f.key) == h || normal(&f.label) == h).map(|f| format!("custom.{}", f.key))
}

fn check_mapping(mapping: &BTreeMap<String, String>, headers: &[String], custom: &[CustomFieldView]) -> Result<(), AppError> {
    let targets = target_fields(custom);
    let mut checks = Checks::default();
    let mut used: Vec<&str> = Vec::new();
    for (column, field) in mapping {
        if field.is_empty() {
            continue;
        }
        if !headers.contains(column) {
            checks.fail("mapping", format!("The file has no column {column:?}."));
        } else if !targets.iter().any(|(v, _)| v == field) {
            checks.fail("mapping", format!("{column:?} cannot fill {field:?}: there is no such field."));
        } else if used.contains(&field.as_str()) {
            checks.fail("mapping", format!("Two columns fill {field:?}; pick one."));
        }
        used.push(field);
    }
    if !used.iter().any(|f| matches!(*f, "email" | "first_name" | "last_name" | "name")) {
        checks.fail("mapping", "Map a column to email or to a name.");
    }
    checks.finish()
}

// ---- endpoints

/// Reads a file and suggests a mapping; nothing is stored.
pub async fn preview(state: &AppState, t: &Tenant, bytes: &[u8]) -> Result<ImportPreview, AppError> {
    t.require(Permission::CrmWrite)?;
    let (text, encoding) = decode(bytes).map_err(|e| AppError::field("file", e))?;
    let (delim, headers, rows) = parse_csv(&text).map_err(|e| AppError::field("file", e))?;
    let mut conn = state.pool.acquire().await?;
    let custom = custom_fields_of(&mut conn, t.workspace_id()).await?;
    let mut mapping = BTreeMap::new();
    let mut taken: Vec<String> = Vec::new();
    for h in &headers {
        if let Some(f) = suggest(h, &custom).filter(|f| !taken.contains(f)) {
            taken.push(f.clone());
            mapping.insert(h.clone(), f);
        }
    }
    Ok(ImportPreview {
        encoding: encoding.to_owned(),
        delimiter: match delim {
            b'\t' => "tab".into(),
            d => (d as char).to_string(),
        },
        sample: rows.iter().take(5).map(|(_, r)| r.clone()).collect(),
        row_count: rows.len(),
        headers,
        mapping,
        fields: target_fields(&custom),
    })
}

/// Checks the file and mapping, stores the file out of public reach and queues the import.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    state: &AppState,
    t: &Tenant,
    file_name: &str,
    bytes: Vec<u8>,
    mapping: Option<BTreeMap<String, String>>,
    on_duplicate: OnDuplicate,
    tags: Vec<String>,
    subscribed: bool,
) -> Result<Uuid, AppError> {
    t.require(Permission::CrmWrite)?;
    let ws = t.workspace_id();
    let (text, _) = decode(&bytes).map_err(|e| AppError::field("file", e))?;
    let (_, headers, rows) = parse_csv(&text).map_err(|e| AppError::field("file", e))?;
    if rows.is_empty() {
        return Err(AppError::field("file", "The file has a header but no contacts."));
    }
    let tags = super::service::parse_tags(&tags).map_err(|e| AppError::field("tags", e))?;
    let mut conn = state.pool.acquire().await?;
    let custom = custom_fields_of(&mut conn, ws).await?;
    let mapping = match mapping {
        Some(m) => m,
        None => headers.iter().filter_map(|h| suggest(h, &custom).map(|f| (h.clone(), f))).collect(),
    };
    check_mapping(&mapping, &headers, &custom)?;
    let job_id = Uuid::now_v7();
    let key = format!("{}/{job_id}.csv", storage::PRIVATE_FOLDER);
    storage::put(&state.config.storage_dir, &key, &bytes).await?;
    let payload = Payload { key, file_name: file_name.chars().take(200).collect(), mapping, on_duplicate, tags, subscribed, user_id: t.user_id() };
    let job = NewJob::new(IMPORT_JOB, serde_json::to_value(&payload).map_err(|e| anyhow::anyhow!("payload: {e}"))?).workspace(ws).max_attempts(3);
    jobs::enqueue(&mut *conn, job).await
}

// ---- the job

/// One row turned into contact data, or its errors.
struct Parsed {
    data: ContactData,
    tags: Vec<String>,
    company: Option<String>,
}

fn parse_row(line: usize, headers: &[String], row: &[String], p: &Payload, custom: &[CustomFieldView], source: &str) -> Result<Parsed, Vec<RowError>> {
    let mut input = ContactInput::default();
    let mut company = None;
    let mut tags: Vec<String> = p.tags.clone();
    let mut custom_values = BTreeMap::new();
    for (i, header) in headers.iter().enumerate() {
        let Some(field) = p.mapping.get(header).filter(|f| !f.is_empty()) else { continue };
        let value = row.get(i).map(String::as_str).unwrap_or_default().to_owned();
        if value.is_empty() {
            continue;
        }
        match field.as_str() {
            "name" => {
                let mut parts = value.rsplitn(2, ' ');
                let last = parts.next().unwrap_or_default().to_owned();
                match parts.next() {
                    Some(first) => (input.first_name, input.last_name) = (Some(first.to_owned()), Some(last)),
                    None => input.first_name = Some(last),
                }
            }
            "first_name" => input.first_name = Some(value),
            "last_name" => input.last_name = Some(value),
            "email" => input.email = Some(Some(value)),
            "phone" => input.phone = Some(Some(value)),
            "company" => company = Some(value.chars().take(200).collect()),
            "job_title" => input.job_title = Some(value),
            "address_line" => input.address_line = Some(value),
            "city" => input.city = Some(value),
            "region" => input.region = Some(value),
            "postal_code" => input.postal_code = Some(value),
            "country" => input.country = Some(value),
            "notes" => input.notes = Some(value),
            "tags" => tags.extend(value.split([',', ';']).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())),
            other => {
                if let Some(key) = other.strip_prefix("custom.") {
                    custom_values.insert(key.to_owned(), Value::String(value));
                }
            }
        }
    }
    if !custom_values.is_empty() {
        input.custom = Some(custom_values);
    }
    input.tags = Some(tags);
    let mut data = ContactData::empty(source);
    let mut checks = Checks::default();
    let tags = apply_input(&mut data, &input, custom, &mut checks).unwrap_or_default();
    if data.first_name.is_empty() && data.last_name.is_empty() && data.email.is_none() && !checks.has_errors() {
        checks.fail("email", "The row has no email and no name.");
    }
    let errors = checks.into_errors();
    if errors.is_empty() {
        Ok(Parsed { data, tags, company })
    } else {
        Err(errors.into_iter().map(|e| RowError { line, field: e.field, message: e.message }).collect())
    }
}

async fn import_job(dir: String, ctx: JobContext) -> Result<(), JobError> {
    let p: Payload = ctx.payload_as()?;
    let ws = ctx.workspace_id().ok_or_else(|| JobError::permanent("an import needs a workspace"))?;
    let bytes = match storage::get(&dir, &p.key).await {
        Ok(b) => b,
        // Already imported by an earlier run that finished but could not mark the job done.
        Err(AppError::NotFound) => return Ok(()),
        Err(e) => return Err(JobError::retry(e)),
    };
    let outcome = run_import(&ctx, ws, &p, &bytes).await;
    match outcome {
        Ok(result) => {
            ctx.set_result(&result).await?;
            let _ = storage::delete(&dir, &p.key).await;
            Ok(())
        }
        Err(ImportFailure::User(message)) => {
            ctx.set_result(&json!({"created": 0, "updated": 0, "skipped": 0, "failed": 0, "errors": [{"line": 0, "field": "file", "message": message}]})).await?;
            let _ = storage::delete(&dir, &p.key).await;
            Err(JobError::permanent(message))
        }
        Err(ImportFailure::Retry(e)) => Err(e),
    }
}

enum ImportFailure {
    /// The import cannot succeed as it is (plan limit, unreadable file): reported to the user.
    User(String),
    Retry(JobError),
}

impl From<sqlx::Error> for ImportFailure {
    fn from(e: sqlx::Error) -> Self {
        ImportFailure::Retry(JobError::retry(e))
    }
}

impl From<AppError> for ImportFailure {
    fn from(e: AppError) -> Self {
        match e {
            AppError::PlanLimit { message } => ImportFailure::User(message),
            other => ImportFailure::Retry(JobError::retry(other)),
        }
    }
}

async fn run_import(ctx: &JobContext, ws: Uuid, p: &Payload, bytes: &[u8]) -> Result<Value, ImportFailure> {
    let (text, _) = decode(bytes).map_err(ImportFailure::User)?;
    let (_, headers, rows) = parse_csv(&text).map_err(ImportFailure::User)?;
    let total = rows.len();
    let mut tx = ctx.pool().begin().await?;
    let custom = custom_fields_of(&mut tx, ws).await?;
    let source = format!("import:{}", p.file_name).chars().take(60).collect::<String>();

    let mut errors: Vec<RowError> = Vec::new();
    let mut failed = 0usize;
    let mut parsed: Vec<Parsed> = Vec::with_capacity(total);
    for (line, row) in &rows {
        match parse_row(*line, &headers, row, p, &custom, &source) {
            Ok(r) => parsed.push(r),
            Err(errs) => {
                failed += 1;
                errors.extend(errs);
            }
        }
    }
    let _ = ctx.set_progress(10).await;

    let mut by_email: HashMap<String, Uuid> = repo::email_index(&mut *tx, ws).await?.into_iter().map(|(e, id)| (e.to_lowercase(), id)).collect();
    let mut companies: HashMap<String, Uuid> = repo::company_index(&mut *tx, ws).await?.into_iter().map(|(n, id)| (n.to_lowercase(), id)).collect();
    let now = Utc::now();
    let (mut created, mut updated, mut skipped) = (0usize, 0usize, 0usize);
    let mut new_rows: Vec<(Uuid, ContactData)> = Vec::new();
    let mut tag_pairs: Vec<(Uuid, Vec<String>)> = Vec::new();
    for mut r in parsed {
        if let Some(name) = r.company.take() {
            let id = match companies.get(&name.to_lowercase()) {
                Some(id) => *id,
                None => {
                    let id = Uuid::now_v7();
                    repo::insert_company(&mut *tx, ws, id, &name, None, None, "", now).await?;
                    companies.insert(name.to_lowercase(), id);
                    id
                }
            };
            r.data.company_id = Some(id);
        }
        let existing = r.data.email.as_ref().and_then(|e| by_email.get(&e.to_lowercase()).copied());
        match (existing, p.on_duplicate) {
            (Some(_), OnDuplicate::Skip) => skipped += 1,
            (Some(id), OnDuplicate::Update) => {
                if let Some(row) = repo::find_contact(&mut *tx, ws, id).await? {
                    let mut d = ContactData::from_row(&row);
                    merge(&mut d, &r.data);
                    if p.subscribed {
                        opt_in(&mut d, &source, now);
                    }
                    repo::update_contact(&mut *tx, ws, id, &d, now).await?;
                } else {
                    // Added earlier in this same file: update the pending row instead.
                    if let Some((_, d)) = new_rows.iter_mut().find(|(nid, _)| *nid == id) {
                        merge(d, &r.data);
                    }
                }
                tag_pairs.push((id, r.tags));
                updated += 1;
            }
            (dup, _) => {
                if dup.is_some() {
                    // OnDuplicate::Create: a separate contact keeps the address as an extra one.
                    let email = r.data.email.take().expect("a duplicate has an email");
                    r.data.emails.insert(0, email);
                }
                let id = Uuid::now_v7();
                if let Some(e) = &r.data.email {
                    by_email.insert(e.to_lowercase(), id);
                }
                if p.subscribed {
                    opt_in(&mut r.data, &source, now);
                }
                tag_pairs.push((id, r.tags));
                new_rows.push((id, r.data));
                created += 1;
            }
        }
    }
    let live = repo::count_live_contacts(&mut *tx, ws).await?;
    if created > 0 {
        ensure_within(&mut tx, ws, "contacts", live + created as i64 - 1).await?;
    }
    for (i, chunk) in new_rows.chunks(BATCH).enumerate() {
        let refs: Vec<(Uuid, &ContactData)> = chunk.iter().map(|(id, d)| (*id, d)).collect();
        repo::insert_contacts(&mut *tx, ws, &refs, now).await?;
        let summary = format!("Imported from {}", p.file_name);
        let data = json!({"file": p.file_name});
        let acts: Vec<NewActivityRow> = chunk
            .iter()
            .map(|(id, _)| NewActivityRow { contact_id: *id, kind: "import", summary: &summary, body: "", data: &data, actor_id: Some(p.user_id), occurred_at: now })
            .collect();
        let ids: Vec<Uuid> = acts.iter().map(|_| Uuid::now_v7()).collect();
        let pairs: Vec<(Uuid, &NewActivityRow)> = ids.into_iter().zip(acts.iter()).collect();
        repo::insert_activities(&mut *tx, ws, &pairs, now).await?;
        let done = (i + 1) * BATCH;
        let _ = ctx.set_progress(10 + (80 * done.min(new_rows.len()) / new_rows.len().max(1)) as u32).await;
    }
    // Tags: create the names once, then attach in batches.
    let mut names: Vec<String> = tag_pairs.iter().flat_map(|(_, t)| t.iter().cloned()).collect();
    names.sort_by_key(|n| n.to_lowercase());
    names.dedup_by_key(|n| n.to_lowercase());
    let ids = repo::ensure_tags(&mut tx, ws, &names, now).await?;
    let tag_id: HashMap<String, Uuid> = names.iter().map(|n| n.to_lowercase()).zip(ids).collect();
    let pairs: Vec<(Uuid, Uuid)> = tag_pairs.iter().flat_map(|(c, tags)| tags.iter().filter_map(|t| tag_id.get(&t.to_lowercase()).map(|tid| (*c, *tid)))).collect();
    for chunk in pairs.chunks(BATCH * 2) {
        repo::tag_pairs(&mut tx, ws, chunk, now).await?;
    }
    tx.commit().await?;
    errors.truncate(MAX_REPORTED_ERRORS);
    Ok(json!({"total_rows": total, "created": created, "updated": updated, "skipped": skipped, "failed": failed, "errors": errors}))
}

/// An update from a row: its non-empty values replace the stored ones; nothing is cleared.
/// Subscribed through this import, unless the person already decided (or their address failed).
fn opt_in(d: &mut ContactData, source: &str, now: chrono::DateTime<Utc>) {
    if matches!(d.consent_status, Consent::None | Consent::Pending) && d.email.is_some() {
        d.consent_status = Consent::Subscribed;
        d.consent_at = Some(now);
        d.consent_source = Some(source.to_owned());
    }
}

fn merge(d: &mut ContactData, row: &ContactData) {
    let take = |slot: &mut String, v: &String| {
        if !v.is_empty() {
            slot.clone_from(v);
        }
    };
    take(&mut d.first_name, &row.first_name);
    take(&mut d.last_name, &row.last_name);
    take(&mut d.job_title, &row.job_title);
    take(&mut d.address_line, &row.address_line);
    take(&mut d.city, &row.city);
    take(&mut d.region, &row.region);
    take(&mut d.postal_code, &row.postal_code);
    take(&mut d.country, &row.country);
    take(&mut d.notes, &row.notes);
    if row.phone.is_some() {
        d.phone.clone_from(&row.phone);
    }
    if row.company_id.is_some() {
        d.company_id = row.company_id;
    }
    for (k, v) in &row.custom {
        d.custom.insert(k.clone(), v.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_decoded_from_what_spreadsheets_save() {
        assert_eq!(decode(b"\xEF\xBB\xBFemail\na@b.co").unwrap(), ("email\na@b.co".to_owned(), "UTF-8"));
        let latin = b"name\nJos\xe9";
        assert_eq!(decode(latin).unwrap(), ("name\nJos\u{e9}".to_owned(), "windows-1252"));
        let utf16: Vec<u8> = b"\xFF\xFE".iter().copied().chain("n\nA".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16).unwrap().0, "n\nA");
        assert!(decode(b"").is_err() && decode(b"PK\x03\x04\x00\x00").is_err());
    }

    #[test]
    fn delimiters_headers_and_quotes() {
        let (d, h, rows) = parse_csv("Email;Name;;Name\r\n\"a@b.co\";\"Smith;\r\nJo\";x;y\r\n\r\n;;;\r\nc@d.co;E\r\n").unwrap();
        assert_eq!(d, b';');
        assert_eq!(h, ["Email", "Name", "Column 3", "Name (2)"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].1[1], "Smith;\r\nJo");
        assert_eq!((rows[0].0, rows[1].0), (2, 6), "the line numbers in the file");
        assert!(parse_csv("a,b\n\"unterminated,1\n").is_ok() || parse_csv("a,b\n\"x\"y,1\n").is_ok());
        assert!(parse_csv(",,\n1,2,3\n").is_err());
    }

    #[test]
    fn headers_suggest_fields() {
        let custom = vec![CustomFieldView { id: Uuid::nil(), key: "plan_tier".into(), label: "Plan tier".into(), kind: super::super::types::FieldKind::Text, options: vec![], position: 0 }];
        for (h, f) in [("E-mail Address", "email"), ("First Name", "first_name"), ("Surname", "last_name"), ("ZIP", "postal_code"), ("Organisation", "company"), ("Plan Tier", "custom.plan_tier"), ("Full name", "name")] {
            assert_eq!(suggest(h, &custom).as_deref(), Some(f), "{h}");
        }
        assert_eq!(suggest("Favourite colour", &custom), None);
    }
}
