//! Contacts, companies, tags, custom fields, segments and the timeline. The CRM's pages, its
//! REST handlers and every other module go through here; `record_activity` and
//! `capture_signup` are the calls other modules make.
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::MySqlConnection;
use uuid::Uuid;

use super::repo::{self, After, ContactData, ContactRow, ListSpec};
use super::types::*;
use crate::modules::auth::types::{Email, Page};
use crate::modules::workspaces::{permissions::Permission, repo as workspaces_repo, service::ensure_within};
use crate::server::{
    csv::csv_bytes,
    db::{is_unique_violation, rfc3339 as at},
    error::AppError,
    jobs::{self, JobContext, JobError, NewJob, Registry},
    state::AppState,
    tenant::Tenant,
};
use crate::shared::validate::{Checks, parse_color};

pub const PURGE_JOB: &str = "crm.purge_contacts";
/// Deleted contacts can be restored this long.
const RESTORE_DAYS: i64 = 30;
/// Most contacts a bulk action takes at once.
pub const BULK_MAX: usize = 1000;
const TAG_MAX: usize = 50;

pub fn register(registry: Registry, storage_dir: String) -> Registry {
    super::import::register(registry.register(PURGE_JOB, purge_job), storage_dir)
}

// ---- views

fn contact_view(row: ContactRow, tags: Vec<String>) -> ContactView {
    let d = ContactData::from_row(&row);
    ContactView {
        id: row.id,
        name: display_name(&row.first_name, &row.last_name, row.email.as_deref()),
        first_name: row.first_name,
        last_name: row.last_name,
        email: row.email,
        phone: row.phone,
        emails: d.emails,
        phones: d.phones,
        company_id: row.company_id,
        company_name: row.company_name,
        job_title: row.job_title,
        address_line: row.address_line,
        city: row.city,
        region: row.region,
        postal_code: row.postal_code,
        country: row.country,
        notes: row.notes,
        owner_id: row.owner_id,
        source: row.source,
        tags,
        custom: d.custom.into_iter().collect(),
        consent_status: d.consent_status,
        consent_at: row.consent_at.map(at),
        consent_source: row.consent_source,
        deleted_at: row.deleted_at.map(at),
        created_at: at(row.created_at),
        updated_at: at(row.updated_at),
    }
}

async fn views(conn: &mut MySqlConnection, workspace_id: Uuid, rows: Vec<ContactRow>) -> Result<Vec<ContactView>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut tags = repo::tags_of(&mut *conn, workspace_id, &ids).await?;
    Ok(rows.into_iter().map(|r| {
        let t = tags.remove(&r.id).unwrap_or_default();
        contact_view(r, t)
    }).collect())
}

fn field_view(row: repo::FieldRow) -> CustomFieldView {
    CustomFieldView {
        id: row.id,
        key: row.field_key,
        label: row.label,
        kind: FieldKind::parse(&row.kind).unwrap_or(FieldKind::Text),
        options: serde_json::from_str(&row.options).unwrap_or_default(),
        position: row.position,
    }
}

pub async fn custom_fields_of(conn: &mut MySqlConnection, workspace_id: Uuid) -> Result<Vec<CustomFieldView>, AppError> {
    Ok(repo::list_fields(conn, workspace_id).await?.into_iter().map(field_view).collect())
}

// ---- parsing

/// Trimmed, at most `max` characters.
fn text(field: &str, value: &str, max: usize) -> Result<String, String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(format!("Use at most {max} characters."));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') && field != "notes" {
        return Err("Remove the control characters.".into());
    }
    Ok(v.to_owned())
}

fn parse_email(raw: &str) -> Result<String, String> {
    Email::parse(raw).map(|e| e.as_str().to_owned()).map_err(|_| "Enter an email address like name@example.com.".into())
}

/// A phone number as people write it: digits with `+ ( ) - . /` and spaces, 4 to 20 digits.
pub fn parse_phone(raw: &str) -> Result<String, String> {
    let v = raw.trim();
    let digits = v.chars().filter(char::is_ascii_digit).count();
    if v.len() <= 40 && (4..=20).contains(&digits) && v.chars().all(|c| c.is_ascii_digit() || " +()-./".contains(c)) {
        Ok(v.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        Err("Enter a phone number like +44 20 7946 0958.".into())
    }
}

fn parse_country(raw: &str) -> Result<String, String> {
    let v = raw.trim().to_ascii_uppercase();
    if v.is_empty() || (v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase())) {
        Ok(v)
    } else {
        Err("Use the two-letter country code, like PT or US.".into())
    }
}

/// Tag names: trimmed, 1–50 characters, no commas (CSV lists them comma-separated), no repeats.
pub fn parse_tags(raw: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for tag in raw {
        let t = tag.trim();
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > 50 || t.contains(',') {
            return Err(format!("{t:?}: a tag has at most 50 characters and no commas."));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_owned());
        }
    }
    if out.len() > TAG_MAX {
        return Err(format!("A contact can have at most {TAG_MAX} tags."));
    }
    Ok(out)
}

/// A PATCH field that can be cleared: absent keeps it, `null` or "" clears it, a value is
/// parsed (an invalid one is a field error and leaves the slot as it was).
fn set_optional(checks: &mut Checks, field: &str, value: &Option<Option<String>>, slot: &mut Option<String>, parse: fn(&str) -> Result<String, String>) {
    match value {
        None => {}
        Some(None) => *slot = None,
        Some(Some(v)) if v.trim().is_empty() => *slot = None,
        Some(Some(v)) => {
            if let Some(v) = checks.check(field, parse(v)) {
                *slot = Some(v);
            }
        }
    }
}

/// Applies an input to a contact's data (a new one starts from `ContactData::empty`); collects
/// every field error. Returns the tags to set, when the input names them.
pub(super) fn apply_input(d: &mut ContactData, input: &ContactInput, fields: &[CustomFieldView], checks: &mut Checks) -> Option<Vec<String>> {
    let set_text = |field: &str, value: &Option<String>, slot: &mut String, max: usize, checks: &mut Checks| {
        if let Some(v) = value {
            if let Some(v) = checks.check(field, text(field, v, max)) {
                *slot = v;
            }
        }
    };
    set_text("first_name", &input.first_name, &mut d.first_name, 100, checks);
    set_text("last_name", &input.last_name, &mut d.last_name, 100, checks);
    set_text("job_title", &input.job_title, &mut d.job_title, 120, checks);
    set_text("address_line", &input.address_line, &mut d.address_line, 200, checks);
    set_text("city", &input.city, &mut d.city, 100, checks);
    set_text("region", &input.region, &mut d.region, 100, checks);
    set_text("postal_code", &input.postal_code, &mut d.postal_code, 20, checks);
    set_text("notes", &input.notes, &mut d.notes, 10_000, checks);
    if let Some(c) = &input.country {
        if let Some(c) = checks.check("country", parse_country(c)) {
            d.country = c;
        }
    }
    set_optional(checks, "email", &input.email, &mut d.email, parse_email);
    set_optional(checks, "phone", &input.phone, &mut d.phone, parse_phone);
    if let Some(list) = &input.emails {
        let parsed: Result<Vec<String>, String> = list.iter().filter(|e| !e.trim().is_empty()).map(|e| parse_email(e)).collect();
        match parsed {
            Ok(v) if v.len() <= 10 => d.emails = v,
            Ok(_) => checks.fail("emails", "Add at most 10 more addresses."),
            Err(e) => checks.fail("emails", e),
        }
    }
    if let Some(list) = &input.phones {
        let parsed: Result<Vec<String>, String> = list.iter().filter(|p| !p.trim().is_empty()).map(|p| parse_phone(p)).collect();
        match parsed {
            Ok(v) if v.len() <= 10 => d.phones = v,
            Ok(_) => checks.fail("phones", "Add at most 10 more numbers."),
            Err(e) => checks.fail("phones", e),
        }
    }
    if let Some(company) = input.company_id {
        d.company_id = company;
    }
    if let Some(owner) = input.owner_id {
        d.owner_id = owner;
    }
    if let Some(custom) = &input.custom {
        for (key, value) in custom {
            let Some(field) = fields.iter().find(|f| &f.key == key) else {
                checks.fail(&format!("custom.{key}"), format!("There is no custom field {key:?}. Add it in the CRM settings first."));
                continue;
            };
            if value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty()) {
                d.custom.remove(key);
            } else if let Some(v) = checks.check(&format!("custom.{key}"), parse_custom_value(field, value)) {
                d.custom.insert(key.clone(), v);
            }
        }
    }
    if let Some(status) = input.consent_status {
        if status != d.consent_status {
            d.consent_status = status;
            d.consent_at = Some(Utc::now());
            d.consent_source = Some(input.consent_source.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("Changed by hand").chars().take(200).collect());
        }
    }
    input.tags.as_ref().and_then(|t| checks.check("tags", parse_tags(t)))
}

impl ContactData {
    pub(super) fn empty(source: &str) -> Self {
        Self {
            first_name: String::new(),
            last_name: String::new(),
            email: None,
            phone: None,
            emails: Vec::new(),
            phones: Vec::new(),
            company_id: None,
            job_title: String::new(),
            address_line: String::new(),
            city: String::new(),
            region: String::new(),
            postal_code: String::new(),
            country: String::new(),
            notes: String::new(),
            owner_id: None,
            source: source.to_owned(),
            custom: serde_json::Map::new(),
            consent_status: Consent::None,
            consent_at: None,
            consent_source: None,
        }
    }
}

/// Checks what lives outside the contact row: the company and owner belong to the workspace.
async fn check_refs(conn: &mut MySqlConnection, workspace_id: Uuid, d: &ContactData, checks: &mut Checks) -> Result<(), AppError> {
    if let Some(company) = d.company_id {
        if repo::find_company(&mut *conn, workspace_id, company).await?.is_none_or(|c| c.deleted_at.is_some()) {
            checks.fail("company_id", "There is no such company in this workspace.");
        }
    }
    if let Some(owner) = d.owner_id {
        if workspaces_repo::find_member(&mut *conn, workspace_id, owner).await?.is_none() {
            checks.fail("owner_id", "The owner must be a member of this workspace.");
        }
    }
    Ok(())
}

fn email_taken() -> AppError {
    AppError::field("email", "Another contact already has this email address (check the deleted contacts too).")
}

// ---- contacts

pub async fn get_contact(state: &AppState, t: &Tenant, id: Uuid) -> Result<ContactView, AppError> {
    t.require(Permission::CrmRead)?;
    let mut conn = state.pool.acquire().await?;
    let row = repo::find_contact(&mut *conn, t.workspace_id(), id).await?.ok_or(AppError::NotFound)?;
    Ok(views(&mut conn, t.workspace_id(), vec![row]).await?.remove(0))
}

pub async fn create_contact(state: &AppState, t: &Tenant, input: ContactInput) -> Result<ContactView, AppError> {
    t.require(Permission::CrmWrite)?;
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    let fields = custom_fields_of(&mut tx, ws).await?;
    let source = input.source.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or(if t.via_api_key() { "api" } else { "manual" });
    let mut checks = Checks::default();
    let source = checks.check("source", text("source", source, 60)).unwrap_or_default();
    let mut d = ContactData::empty(&source);
    let tags = apply_input(&mut d, &input, &fields, &mut checks);
    if d.first_name.is_empty() && d.last_name.is_empty() && d.email.is_none() && !checks.has_errors() {
        checks.fail("email", "Enter an email address or a name.");
    }
    check_refs(&mut tx, ws, &d, &mut checks).await?;
    checks.finish()?;
    let live = repo::count_live_contacts(&mut *tx, ws).await?;
    ensure_within(&mut tx, ws, "contacts", live).await?;
    let id = Uuid::now_v7();
    let now = Utc::now();
    repo::insert_contact(&mut *tx, ws, id, &d, now).await.map_err(|e| if is_unique_violation(&e) { email_taken() } else { e.into() })?;
    if let Some(tags) = tags {
        let tag_ids = repo::ensure_tags(&mut tx, ws, &tags, now).await?;
        repo::set_contact_tags(&mut tx, ws, id, &tag_ids, now).await?;
    }
    let summary = format!("Contact created ({})", d.source);
    insert_activity(&mut tx, ws, id, Some(t.user_id()), "created", &summary, "", json!({"source": d.source}), now).await?;
    let row = repo::find_contact(&mut *tx, ws, id).await?.ok_or(AppError::Internal)?;
    let view = views(&mut tx, ws, vec![row]).await?.remove(0);
    tx.commit().await?;
    Ok(view)
}

pub async fn update_contact(state: &AppState, t: &Tenant, id: Uuid, input: ContactInput) -> Result<ContactView, AppError> {
    t.require(Permission::CrmWrite)?;
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    let row = repo::find_contact(&mut *tx, ws, id).await?.filter(|r| r.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    let fields = custom_fields_of(&mut tx, ws).await?;
    let before = ContactData::from_row(&row);
    let mut d = before.clone();
    let mut checks = Checks::default();
    let tags = apply_input(&mut d, &input, &fields, &mut checks);
    if d.first_name.is_empty() && d.last_name.is_empty() && d.email.is_none() && !checks.has_errors() {
        checks.fail("email", "A contact needs an email address or a name.");
    }
    check_refs(&mut tx, ws, &d, &mut checks).await?;
    checks.finish()?;
    let now = Utc::now();
    repo::update_contact(&mut *tx, ws, id, &d, now).await.map_err(|e| if is_unique_violation(&e) { email_taken() } else { e.into() })?;
    if let Some(tags) = tags {
        let tag_ids = repo::ensure_tags(&mut tx, ws, &tags, now).await?;
        repo::set_contact_tags(&mut tx, ws, id, &tag_ids, now).await?;
    }
    if d.consent_status != before.consent_status {
        let summary = format!("Consent: {}", d.consent_status.label());
        let source = d.consent_source.clone().unwrap_or_default();
        insert_activity(&mut tx, ws, id, Some(t.user_id()), "consent", &summary, &source, json!({"status": d.consent_status.as_str()}), now).await?;
    }
    let row = repo::find_contact(&mut *tx, ws, id).await?.ok_or(AppError::Internal)?;
    let view = views(&mut tx, ws, vec![row]).await?.remove(0);
    tx.commit().await?;
    Ok(view)
}

pub async fn delete_contact(state: &AppState, t: &Tenant, id: Uuid) -> Result<ContactView, AppError> {
    if bulk(state, t, BulkInput { action: BulkAction::Delete, ids: vec![id], tag: None }).await?.affected == 0 {
        return Err(AppError::NotFound);
    }
    get_contact(state, t, id).await
}

pub async fn restore_contact(state: &AppState, t: &Tenant, id: Uuid) -> Result<ContactView, AppError> {
    if bulk(state, t, BulkInput { action: BulkAction::Restore, ids: vec![id], tag: None }).await?.affected == 0 {
        return Err(AppError::NotFound);
    }
    get_contact(state, t, id).await
}

/// Tag, untag, delete or restore many contacts in one transaction.
pub async fn bulk(state: &AppState, t: &Tenant, input: BulkInput) -> Result<BulkResult, AppError> {
    t.require(match input.action {
        BulkAction::Delete | BulkAction::Restore => Permission::CrmDelete,
        BulkAction::Tag | BulkAction::Untag => Permission::CrmWrite,
    })?;
    if input.ids.len() > BULK_MAX {
        return Err(AppError::field("ids", format!("Select at most {BULK_MAX} contacts at a time.")));
    }
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    let now = Utc::now();
    let affected = match input.action {
        BulkAction::Delete => {
            let n = repo::set_deleted(&mut *tx, ws, &input.ids, Some(now), Some(now + Duration::days(RESTORE_DAYS))).await?;
            if n > 0 {
                let job = NewJob::new(PURGE_JOB, json!({})).workspace(ws).run_at(now + Duration::days(RESTORE_DAYS) + Duration::minutes(1));
                jobs::enqueue(&mut *tx, job).await?;
            }
            n
        }
        BulkAction::Restore => {
            let live = repo::count_live_contacts(&mut *tx, ws).await?;
            ensure_within(&mut tx, ws, "contacts", live + input.ids.len() as i64 - 1).await?;
            repo::set_deleted(&mut *tx, ws, &input.ids, None, None).await?
        }
        BulkAction::Tag | BulkAction::Untag => {
            let tag = input.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| AppError::field("tag", "Name the tag."))?;
            let tag = parse_tags(&[tag.to_owned()]).map_err(|e| AppError::field("tag", e))?.remove(0);
            // Only this workspace's live contacts.
            let ids: Vec<Uuid> = repo::contacts_by_ids(&mut *tx, ws, &input.ids).await?.into_iter().filter(|r| r.deleted_at.is_none()).map(|r| r.id).collect();
            let tag_id = repo::ensure_tags(&mut tx, ws, &[tag], now).await?[0];
            if input.action == BulkAction::Tag {
                repo::tag_contacts(&mut tx, ws, &ids, &[tag_id], now).await?
            } else {
                repo::untag_contacts(&mut *tx, ws, &ids, tag_id).await?
            }
        }
    };
    tx.commit().await?;
    Ok(BulkResult { affected })
}

async fn purge_job(ctx: JobContext) -> Result<(), JobError> {
    let Some(ws) = ctx.workspace_id() else { return Ok(()) };
    let mut tx = ctx.pool().begin().await?;
    repo::purge_contacts(&mut tx, ws, Utc::now()).await.map_err(JobError::retry)?;
    tx.commit().await?;
    Ok(())
}

// ---- lists

/// Cursor text: `t{micros}.{id}` for time sorts, `n{hex}.{id}` for names.
fn encode_cursor(after: &After) -> String {
    match after {
        After::Time(at, id) => format!("t{}.{}", at.timestamp_micros(), id.simple()),
        After::Text(text, id) => format!("n{}.{}", text.bytes().map(|b| format!("{b:02x}")).collect::<String>(), id.simple()),
    }
}

fn decode_cursor(raw: &str) -> Option<After> {
    let (value, id) = raw.split_once('.')?;
    let id = Uuid::parse_str(id).ok()?;
    match value.split_at_checked(1)? {
        ("t", micros) => Some(After::Time(DateTime::from_timestamp_micros(micros.parse().ok()?)?, id)),
        ("n", hex) if hex.len() % 2 == 0 => {
            let bytes: Option<Vec<u8>> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect();
            Some(After::Text(String::from_utf8(bytes?).ok()?, id))
        }
        _ => None,
    }
}

/// A filter from JSON, with every rule checked against the workspace's fields.
pub fn parse_filter(raw: &str, fields: &[CustomFieldView]) -> Result<Filter, AppError> {
    let filter: Filter = serde_json::from_str(raw).map_err(|e| AppError::field("filter", format!("The filter is not valid JSON of rules: {e}")))?;
    check_filter(&filter, fields, "filter")?;
    Ok(filter)
}

fn check_filter(filter: &Filter, fields: &[CustomFieldView], name: &str) -> Result<(), AppError> {
    if filter.rules.len() > 30 {
        return Err(AppError::field(name, "Use at most 30 rules."));
    }
    let mut checks = Checks::default();
    for (i, rule) in filter.rules.iter().enumerate() {
        checks.check(&format!("{name}.rules[{i}]"), check_rule(rule, fields));
    }
    checks.finish()
}

/// The custom fields, from the cache while the list version is unchanged: lists read them on
/// every request to parse filters.
async fn cached_fields(conn: &mut MySqlConnection, version: i64, ws: Uuid) -> Result<Arc<Vec<CustomFieldView>>, AppError> {
    static FIELDS: LazyLock<repo::ByListVersion<Arc<Vec<CustomFieldView>>>> = LazyLock::new(repo::ByListVersion::new);
    FIELDS.get(conn, version, ws, String::new(), async |conn| Ok::<_, AppError>(Arc::new(custom_fields_of(conn, ws).await?))).await
}

pub async fn list_contacts(state: &AppState, t: &Tenant, q: &ContactQuery) -> Result<Page<ContactView>, AppError> {
    t.require(Permission::CrmRead)?;
    let ws = t.workspace_id();
    let mut conn = state.pool.acquire().await?;
    let version = repo::list_version(&mut conn, ws).await?;
    let fields = cached_fields(&mut conn, version, ws).await?;
    let (segment, adhoc) = query_filters(&mut conn, ws, q, &fields).await?;
    let spec = list_spec(q, &segment, &adhoc, &fields);
    let sort = parse_sort(q.sort.as_deref()).map_err(|e| AppError::field("sort", e))?;
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| AppError::field("cursor", "This cursor is not valid; start from the first page."))?),
    };
    let total = repo::cached_total(&mut conn, version, ws, &spec).await?;
    let mut rows = if total > 0 {
        repo::list_contacts(&mut *conn, ws, &spec, sort, after.as_ref(), limit + 1, repo::TagPlan::for_matches(total), true).await?
    } else {
        Vec::new()
    };
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = more.then(|| encode_cursor(&after_row(sort.0, rows.last().expect("a full page"))));
    let items = rows.into_iter().map(|l| contact_view(l.row, l.tags)).collect();
    Ok(Page { items, total: total.max(0) as u64, next_cursor })
}

/// Where the page after this contact starts.
fn after_row(key: SortKey, last: &repo::Listed) -> After {
    match key {
        SortKey::Created => After::Time(last.row.created_at, last.row.id),
        SortKey::Updated => After::Time(last.row.updated_at, last.row.id),
        SortKey::Name => After::Text(last.sort_name.clone(), last.row.id),
    }
}

/// The segment's filter and the ad-hoc one a list query names.
async fn query_filters(conn: &mut MySqlConnection, ws: Uuid, q: &ContactQuery, fields: &[CustomFieldView]) -> Result<(Option<Filter>, Option<Filter>), AppError> {
    let segment = match q.segment_id {
        None => None,
        Some(id) => {
            let row = repo::find_segment(&mut *conn, ws, id).await?.ok_or_else(|| AppError::field("segment_id", "There is no such segment in this workspace."))?;
            Some(serde_json::from_str::<Filter>(&row.filter).unwrap_or_default())
        }
    };
    let adhoc = match q.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        None => None,
        Some(raw) => Some(parse_filter(raw, fields)?),
    };
    Ok((segment, adhoc))
}

fn list_spec<'a>(q: &ContactQuery, segment: &'a Option<Filter>, adhoc: &'a Option<Filter>, fields: &'a [CustomFieldView]) -> ListSpec<'a> {
    let words = q.q.as_deref().unwrap_or_default().split_whitespace().take(8).map(|w| w.to_lowercase()).collect();
    ListSpec {
        words,
        tag: q.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned),
        filters: segment.iter().chain(adhoc.iter()).collect(),
        custom: fields,
        deleted: q.deleted,
    }
}

/// Every contact the query matches (no paging), as CSV with one column per custom field.
pub async fn export_csv(state: &AppState, t: &Tenant, q: &ContactQuery) -> Result<Vec<u8>, AppError> {
    t.require(Permission::CrmRead)?;
    let ws = t.workspace_id();
    let mut conn = state.pool.acquire().await?;
    let fields = custom_fields_of(&mut conn, ws).await?;
    let (segment, adhoc) = query_filters(&mut conn, ws, q, &fields).await?;
    let spec = list_spec(q, &segment, &adhoc, &fields);
    let sort = parse_sort(q.sort.as_deref()).map_err(|e| AppError::field("sort", e))?;
    let mut header: Vec<String> = [
        "id", "first_name", "last_name", "email", "phone", "company", "job_title", "address_line", "city", "region", "postal_code",
        "country", "tags", "consent_status", "source", "notes", "created_at", "updated_at",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    header.extend(fields.iter().map(|f| f.key.clone()));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut after: Option<After> = None;
    let plan = repo::TagPlan::for_matches(repo::current_total(&mut conn, ws, &spec).await?);
    loop {
        let page = repo::list_contacts(&mut *conn, ws, &spec, sort, after.as_ref(), 2000, plan, true).await?;
        let Some(last) = page.last() else { break };
        after = Some(after_row(sort.0, last));
        let done = page.len() < 2000;
        for c in page.into_iter().map(|l| contact_view(l.row, l.tags)) {
            let mut row = vec![
                c.id.to_string(), c.first_name, c.last_name, c.email.unwrap_or_default(), c.phone.unwrap_or_default(),
                c.company_name.unwrap_or_default(), c.job_title, c.address_line, c.city, c.region, c.postal_code, c.country,
                c.tags.join(", "), c.consent_status.as_str().to_owned(), c.source, c.notes, c.created_at, c.updated_at,
            ];
            row.extend(fields.iter().map(|f| match c.custom.get(&f.key) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            }));
            rows.push(row);
        }
        if done {
            break;
        }
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    csv_bytes(&header, rows)
}

// ---- timeline

/// What another module records on a contact's timeline.
pub struct NewActivity<'a> {
    pub kind: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub data: Value,
    /// The member who did it; `None` for the contact's own actions and the system's.
    pub actor_id: Option<Uuid>,
    pub occurred_at: Option<DateTime<Utc>>,
}

#[allow(clippy::too_many_arguments)]
async fn insert_activity(conn: &mut MySqlConnection, ws: Uuid, contact_id: Uuid, actor_id: Option<Uuid>, kind: &str, summary: &str, body: &str, data: Value, now: DateTime<Utc>) -> Result<Uuid, AppError> {
    let id = Uuid::now_v7();
    let row = repo::NewActivityRow { contact_id, kind, summary, body, data: &data, actor_id, occurred_at: now };
    repo::insert_activity(&mut *conn, ws, id, &row, now).await?;
    Ok(id)
}

/// Adds an entry to a contact's timeline. For every module: call it inside the transaction of
/// the change it records. The workspace is the caller's tenant, or for a visitor's action the
/// workspace of the published page, store or form they used. A contact of another workspace
/// is `NotFound`.
pub async fn record_activity(conn: &mut MySqlConnection, workspace_id: Uuid, contact_id: Uuid, a: NewActivity<'_>) -> Result<Uuid, AppError> {
    if repo::find_contact(&mut *conn, workspace_id, contact_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let summary: String = a.summary.chars().take(300).collect();
    let now = Utc::now();
    let id = Uuid::now_v7();
    let row = repo::NewActivityRow { contact_id, kind: a.kind, summary: &summary, body: a.body, data: &a.data, actor_id: a.actor_id, occurred_at: a.occurred_at.unwrap_or(now) };
    repo::insert_activity(&mut *conn, workspace_id, id, &row, now).await?;
    Ok(id)
}

/// Someone signed up with their email on a public form (bio page, website, checkout): finds
/// or creates their contact, tags it, records consent when they opted in, and notes the sign-up
/// on the timeline. Returns the contact, or `None` when the workspace's plan has no room for
/// another contact (the form's own record still keeps the address).
pub async fn capture_signup(conn: &mut MySqlConnection, workspace_id: Uuid, email: &str, source: &str, tags: &[String], consent: bool) -> Result<Option<Uuid>, AppError> {
    let email = parse_email(email).map_err(|e| AppError::field("email", e))?;
    let now = Utc::now();
    let existing = repo::find_by_email(&mut *conn, workspace_id, &email).await?;
    let id = match existing {
        Some(row) => {
            let mut d = ContactData::from_row(&row);
            // A sign-up is a fresh opt-in, but never overrides a bounce or a complaint.
            if consent && matches!(d.consent_status, Consent::None | Consent::Pending | Consent::Unsubscribed) {
                d.consent_status = Consent::Subscribed;
                d.consent_at = Some(now);
                d.consent_source = Some(source.chars().take(200).collect());
                repo::update_contact(&mut *conn, workspace_id, row.id, &d, now).await?;
            }
            if row.deleted_at.is_some() {
                repo::set_deleted(&mut *conn, workspace_id, &[row.id], None, None).await?;
            }
            row.id
        }
        None => {
            let live = repo::count_live_contacts(&mut *conn, workspace_id).await?;
            if let Err(AppError::PlanLimit { .. }) = ensure_within(conn, workspace_id, "contacts", live).await {
                tracing::warn!(%workspace_id, "sign-up not added to the CRM: contact limit reached");
                return Ok(None);
            }
            let mut d = ContactData::empty(source);
            d.email = Some(email.clone());
            if consent {
                d.consent_status = Consent::Subscribed;
                d.consent_at = Some(now);
                d.consent_source = Some(source.chars().take(200).collect());
            }
            let id = Uuid::now_v7();
            repo::insert_contact(&mut *conn, workspace_id, id, &d, now).await?;
            id
        }
    };
    if !tags.is_empty() {
        let tags = parse_tags(tags).map_err(|e| AppError::field("tags", e))?;
        let tag_ids = repo::ensure_tags(conn, workspace_id, &tags, now).await?;
        repo::tag_contacts(conn, workspace_id, &[id], &tag_ids, now).await?;
    }
    let summary = format!("Signed up via {source}");
    insert_activity(conn, workspace_id, id, None, "form_signup", &summary, "", json!({"source": source, "email": email}), now).await?;
    Ok(Some(id))
}

fn activity_view(row: repo::ActivityRow) -> ActivityView {
    ActivityView {
        id: row.id,
        contact_id: row.contact_id,
        kind: row.kind,
        summary: row.summary,
        body: row.body,
        data: serde_json::from_str(&row.data).unwrap_or(Value::Null),
        actor_id: row.actor_id,
        actor_name: row.actor_name,
        occurred_at: at(row.occurred_at),
    }
}

pub async fn timeline(state: &AppState, t: &Tenant, contact_id: Uuid, cursor: Option<&str>, limit: Option<u32>) -> Result<Timeline, AppError> {
    t.require(Permission::CrmRead)?;
    let ws = t.workspace_id();
    repo::find_contact(&state.pool, ws, contact_id).await?.ok_or(AppError::NotFound)?;
    let before = match cursor.filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => match decode_cursor(c) {
            Some(After::Time(at, id)) => Some((at, id)),
            _ => return Err(AppError::field("cursor", "This cursor is not valid; start from the first page.")),
        },
    };
    let limit = limit.unwrap_or(50).clamp(1, 200);
    let rows = repo::list_activities(&state.pool, ws, contact_id, before, limit + 1).await?;
    let more = rows.len() > limit as usize;
    let items: Vec<ActivityView> = rows.into_iter().take(limit as usize).map(activity_view).collect();
    let next_cursor = more.then(|| items.last().map(|a| encode_cursor(&After::Time(DateTime::parse_from_rfc3339(&a.occurred_at).map(|t| t.to_utc()).unwrap_or_default(), a.id)))).flatten();
    Ok(Timeline { items, next_cursor })
}

pub async fn add_note(state: &AppState, t: &Tenant, contact_id: Uuid, input: NoteInput) -> Result<ActivityView, AppError> {
    t.require(Permission::CrmWrite)?;
    let body = input.body.trim();
    if body.is_empty() {
        return Err(AppError::field("body", "Write the note first."));
    }
    if body.chars().count() > 10_000 {
        return Err(AppError::field("body", "Use at most 10,000 characters."));
    }
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    repo::find_contact(&mut *tx, ws, contact_id).await?.filter(|r| r.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    let summary: String = body.lines().next().unwrap_or_default().chars().take(120).collect();
    let id = insert_activity(&mut tx, ws, contact_id, Some(t.user_id()), "note", &summary, body, json!({}), Utc::now()).await?;
    let row = repo::list_activities(&mut *tx, ws, contact_id, None, 50).await?.into_iter().find(|a| a.id == id).ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(activity_view(row))
}

/// Only notes can be deleted; the rest of the timeline is a record of what happened.
pub async fn delete_note(state: &AppState, t: &Tenant, contact_id: Uuid, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::CrmWrite)?;
    if repo::delete_activity(&state.pool, t.workspace_id(), contact_id, id, "note").await? == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

// ---- companies

fn company_view(row: repo::CompanyRow) -> CompanyView {
    CompanyView {
        id: row.id,
        name: row.name,
        domain: row.domain,
        phone: row.phone,
        notes: row.notes,
        contact_count: row.contact_count.max(0) as u64,
        deleted_at: row.deleted_at.map(at),
        created_at: at(row.created_at),
        updated_at: at(row.updated_at),
    }
}

fn parse_domain(raw: &str) -> Result<String, String> {
    let v = raw.trim().to_lowercase();
    let v = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://")).unwrap_or(&v);
    let v = v.strip_prefix("www.").unwrap_or(v).trim_end_matches('/');
    let ok = v.len() <= 253 && v.contains('.') && !v.starts_with(['.', '-']) && !v.ends_with(['.', '-']) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok { Ok(v.to_owned()) } else { Err("Enter a domain like example.com.".into()) }
}

pub async fn list_companies(state: &AppState, t: &Tenant, q: Option<&str>, deleted: bool) -> Result<Vec<CompanyView>, AppError> {
    t.require(Permission::CrmRead)?;
    Ok(repo::list_companies(&state.pool, t.workspace_id(), q.map(str::trim), deleted).await?.into_iter().map(company_view).collect())
}

pub async fn get_company(state: &AppState, t: &Tenant, id: Uuid) -> Result<CompanyView, AppError> {
    t.require(Permission::CrmRead)?;
    repo::find_company(&state.pool, t.workspace_id(), id).await?.map(company_view).ok_or(AppError::NotFound)
}

pub async fn save_company(state: &AppState, t: &Tenant, id: Option<Uuid>, input: CompanyInput) -> Result<CompanyView, AppError> {
    t.require(Permission::CrmWrite)?;
    let ws = t.workspace_id();
    let existing = match id {
        Some(id) => Some(repo::find_company(&state.pool, ws, id).await?.filter(|c| c.deleted_at.is_none()).ok_or(AppError::NotFound)?),
        None => None,
    };
    let mut checks = Checks::default();
    let mut name = existing.as_ref().map(|c| c.name.clone()).unwrap_or_default();
    let mut domain = existing.as_ref().and_then(|c| c.domain.clone());
    let mut phone = existing.as_ref().and_then(|c| c.phone.clone());
    let mut notes = existing.as_ref().map(|c| c.notes.clone()).unwrap_or_default();
    if let Some(n) = &input.name {
        name = checks.check("name", text("name", n, 200)).unwrap_or_default();
    }
    if name.is_empty() {
        checks.fail("name", "Enter the company's name.");
    }
    set_optional(&mut checks, "domain", &input.domain, &mut domain, parse_domain);
    set_optional(&mut checks, "phone", &input.phone, &mut phone, parse_phone);
    if let Some(n) = &input.notes {
        notes = checks.check("notes", text("notes", n, 10_000)).unwrap_or_default();
    }
    checks.finish()?;
    let now = Utc::now();
    let id = match id {
        Some(id) => {
            let mut tx = state.pool.begin().await?;
            repo::update_company(&mut tx, ws, id, &name, domain.as_deref(), phone.as_deref(), &notes, now).await?;
            tx.commit().await?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            repo::insert_company(&state.pool, ws, id, &name, domain.as_deref(), phone.as_deref(), &notes, now).await?;
            id
        }
    };
    get_company(state, t, id).await
}

/// Deletes (or restores) a company; its contacts keep pointing at it and show no company
/// while it is deleted.
pub async fn set_company_deleted(state: &AppState, t: &Tenant, id: Uuid, deleted: bool) -> Result<CompanyView, AppError> {
    t.require(Permission::CrmDelete)?;
    let ws = t.workspace_id();
    let row = repo::find_company(&state.pool, ws, id).await?.ok_or(AppError::NotFound)?;
    if row.deleted_at.is_some() != deleted {
        let mut tx = state.pool.begin().await?;
        repo::set_company_deleted(&mut tx, ws, id, deleted.then(Utc::now)).await?;
        tx.commit().await?;
    }
    get_company(state, t, id).await
}

// ---- tags

pub async fn list_tags(state: &AppState, t: &Tenant) -> Result<Vec<TagView>, AppError> {
    t.require(Permission::CrmRead)?;
    Ok(repo::list_tags(&mut *state.pool.acquire().await?, t.workspace_id())
        .await?
        .into_iter()
        .map(|r| TagView { id: r.id, name: r.name, color: r.color, contact_count: r.contact_count.max(0) as u64 })
        .collect())
}

pub async fn update_tag(state: &AppState, t: &Tenant, id: Uuid, input: TagInput) -> Result<TagView, AppError> {
    t.require(Permission::CrmWrite)?;
    let ws = t.workspace_id();
    let row = repo::find_tag(&state.pool, ws, id).await?.ok_or(AppError::NotFound)?;
    let mut checks = Checks::default();
    let name = match &input.name {
        Some(n) => checks.check("name", parse_tags(std::slice::from_ref(n)).and_then(|mut v| v.pop().ok_or_else(|| "Enter the tag's name.".to_owned()))),
        None => Some(row.name.clone()),
    };
    let color = match &input.color {
        Some(c) => checks.check("color", parse_color(c)),
        None => Some(row.color.clone()),
    };
    checks.finish()?;
    let (name, color) = (name.unwrap_or_default(), color.unwrap_or_default());
    let mut tx = state.pool.begin().await?;
    repo::update_tag(&mut tx, ws, id, &name, &color).await.map_err(|e| {
        if is_unique_violation(&e) { AppError::field("name", "Another tag has this name.") } else { e.into() }
    })?;
    tx.commit().await?;
    list_tags(state, t).await?.into_iter().find(|tag| tag.id == id).ok_or(AppError::NotFound)
}

pub async fn delete_tag(state: &AppState, t: &Tenant, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::CrmDelete)?;
    let mut tx = state.pool.begin().await?;
    if repo::delete_tag(&mut tx, t.workspace_id(), id).await? == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

// ---- custom fields

pub async fn list_fields(state: &AppState, t: &Tenant) -> Result<Vec<CustomFieldView>, AppError> {
    t.require(Permission::CrmRead)?;
    let mut conn = state.pool.acquire().await?;
    custom_fields_of(&mut conn, t.workspace_id()).await
}

fn parse_options(kind: FieldKind, options: &[String]) -> Result<Vec<String>, String> {
    if kind != FieldKind::Select {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for o in options.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
        if o.chars().count() > 80 {
            return Err("Each choice has at most 80 characters.".into());
        }
        if !out.iter().any(|x| x.eq_ignore_ascii_case(o)) {
            out.push(o.to_owned());
        }
    }
    match out.len() {
        0 => Err("Add at least one choice.".into()),
        1..=100 => Ok(out),
        _ => Err("Use at most 100 choices.".into()),
    }
}

pub async fn save_field(state: &AppState, t: &Tenant, id: Option<Uuid>, input: CustomFieldInput) -> Result<CustomFieldView, AppError> {
    t.require(Permission::CrmWrite)?;
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    let fields = custom_fields_of(&mut tx, ws).await?;
    let existing = match id {
        Some(id) => Some(fields.iter().find(|f| f.id == id).cloned().ok_or(AppError::NotFound)?),
        None => None,
    };
    let mut checks = Checks::default();
    let label = match (&input.label, &existing) {
        (Some(l), _) => checks.check("label", text("label", l, 80)).unwrap_or_default(),
        (None, Some(f)) => f.label.clone(),
        (None, None) => String::new(),
    };
    if label.is_empty() {
        checks.fail("label", "Enter the field's name.");
    }
    let kind = existing.as_ref().map(|f| f.kind).or(input.kind).unwrap_or(FieldKind::Text);
    let key = match &existing {
        Some(f) => f.key.clone(),
        None => {
            let key = input.key.clone().filter(|k| !k.trim().is_empty()).unwrap_or_else(|| key_from_label(&label));
            let key = checks.check("key", parse_field_key(&key)).unwrap_or_default();
            if fields.iter().any(|f| f.key == key) {
                checks.fail("key", "Another field uses this key.");
            }
            key
        }
    };
    let options = match (&input.options, &existing) {
        (Some(o), _) => checks.check("options", parse_options(kind, o)).unwrap_or_default(),
        (None, Some(f)) => f.options.clone(),
        (None, None) => checks.check("options", parse_options(kind, &[])).unwrap_or_default(),
    };
    if existing.is_none() && fields.len() >= 100 {
        checks.fail("key", "A workspace can have at most 100 custom fields.");
    }
    checks.finish()?;
    let position = input.position.or(existing.as_ref().map(|f| f.position)).unwrap_or(fields.len() as i32);
    let field = CustomFieldView { id: id.unwrap_or_else(Uuid::now_v7), key, label, kind, options, position };
    let now = Utc::now();
    if existing.is_some() {
        repo::update_field(&mut tx, ws, &field, now).await?;
    } else {
        repo::insert_field(&mut tx, ws, &field, now).await.map_err(|e| {
            if is_unique_violation(&e) { AppError::field("key", "Another field uses this key.") } else { e.into() }
        })?;
    }
    tx.commit().await?;
    Ok(field)
}

/// Deletes a field and its values on every contact.
pub async fn delete_field(state: &AppState, t: &Tenant, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::CrmDelete)?;
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    let field = custom_fields_of(&mut tx, ws).await?.into_iter().find(|f| f.id == id).ok_or(AppError::NotFound)?;
    repo::delete_field(&mut *tx, ws, id).await?;
    repo::remove_custom_key(&mut *tx, ws, &field.key).await?;
    tx.commit().await?;
    Ok(())
}

// ---- segments

/// A segment with its count at the list `version`.
async fn segment_view(conn: &mut MySqlConnection, version: i64, ws: Uuid, row: repo::SegmentRow, fields: &[CustomFieldView]) -> Result<SegmentView, AppError> {
    let filter: Filter = serde_json::from_str(&row.filter).unwrap_or_default();
    let spec = ListSpec { words: Vec::new(), tag: None, filters: vec![&filter], custom: fields, deleted: false };
    let count = repo::cached_total(conn, version, ws, &spec).await?;
    Ok(SegmentView { id: row.id, name: row.name, count: count.max(0) as u64, filter, created_at: at(row.created_at), updated_at: at(row.updated_at) })
}

pub async fn list_segments(state: &AppState, t: &Tenant) -> Result<Vec<SegmentView>, AppError> {
    t.require(Permission::CrmRead)?;
    let ws = t.workspace_id();
    let mut conn = state.pool.acquire().await?;
    let fields = custom_fields_of(&mut conn, ws).await?;
    let version = repo::list_version(&mut conn, ws).await?;
    let mut out = Vec::new();
    for row in repo::list_segments(&mut *conn, ws).await? {
        out.push(segment_view(&mut conn, version, ws, row, &fields).await?);
    }
    Ok(out)
}

pub async fn get_segment(state: &AppState, t: &Tenant, id: Uuid) -> Result<SegmentView, AppError> {
    t.require(Permission::CrmRead)?;
    let ws = t.workspace_id();
    let mut conn = state.pool.acquire().await?;
    let fields = custom_fields_of(&mut conn, ws).await?;
    let row = repo::find_segment(&mut *conn, ws, id).await?.ok_or(AppError::NotFound)?;
    let version = repo::list_version(&mut conn, ws).await?;
    segment_view(&mut conn, version, ws, row, &fields).await
}

pub async fn save_segment(state: &AppState, t: &Tenant, id: Option<Uuid>, input: SegmentInput) -> Result<SegmentView, AppError> {
    t.require(Permission::CrmWrite)?;
    let ws = t.workspace_id();
    let mut conn = state.pool.acquire().await?;
    let fields = custom_fields_of(&mut conn, ws).await?;
    let existing = match id {
        Some(id) => Some(repo::find_segment(&mut *conn, ws, id).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let name = match (&input.name, &existing) {
        (Some(n), _) => text("name", n, 100).map_err(|e| AppError::field("name", e))?,
        (None, Some(s)) => s.name.clone(),
        (None, None) => String::new(),
    };
    if name.is_empty() {
        return Err(AppError::field("name", "Name the segment."));
    }
    let filter = match (&input.filter, &existing) {
        (Some(f), _) => f.clone(),
        (None, Some(s)) => serde_json::from_str(&s.filter).unwrap_or_default(),
        (None, None) => return Err(AppError::field("filter", "Add at least one rule.")),
    };
    if filter.rules.is_empty() {
        return Err(AppError::field("filter", "Add at least one rule."));
    }
    check_filter(&filter, &fields, "filter")?;
    let stored = serde_json::to_string(&filter).map_err(|e| anyhow::anyhow!("segment json: {e}"))?;
    let now = Utc::now();
    let taken = |e: sqlx::Error| if is_unique_violation(&e) { AppError::field("name", "Another segment has this name.") } else { e.into() };
    let id = match id {
        Some(id) => {
            repo::update_segment(&mut *conn, ws, id, &name, &stored, now).await.map_err(taken)?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            repo::insert_segment(&mut *conn, ws, id, &name, &stored, now).await.map_err(taken)?;
            id
        }
    };
    let row = repo::find_segment(&mut *conn, ws, id).await?.ok_or(AppError::Internal)?;
    let version = repo::list_version(&mut conn, ws).await?;
    segment_view(&mut conn, version, ws, row, &fields).await
}

pub async fn delete_segment(state: &AppState, t: &Tenant, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::CrmDelete)?;
    if repo::delete_segment(&state.pool, t.workspace_id(), id).await? == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let id = Uuid::now_v7();
        let t = After::Time(DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(), id);
        assert_eq!(decode_cursor(&encode_cursor(&t)), Some(t));
        let n = After::Text("lovelace ada ü".into(), id);
        assert_eq!(decode_cursor(&encode_cursor(&n)), Some(n));
        for bad in ["", "x", "t12.nope", "nzz.0190", "q1.00000000000000000000000000000000"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn phones_domains_and_tags_are_checked() {
        assert_eq!(parse_phone(" +44  20 7946 0958 "), Ok("+44 20 7946 0958".into()));
        assert!(parse_phone("call me").is_err() && parse_phone("12").is_err());
        assert_eq!(parse_domain("https://www.Example.com/"), Ok("example.com".into()));
        assert!(parse_domain("not a domain").is_err());
        assert_eq!(parse_tags(&[" VIP ".into(), "vip".into(), "".into(), "Lead".into()]), Ok(vec!["VIP".into(), "Lead".into()]));
        assert!(parse_tags(&["a,b".into()]).is_err());
    }
}

// ---- email marketing (called by `modules::mail`)

/// A contact a campaign may email.
#[derive(Debug, Clone)]
pub struct Mailable {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

/// The live contacts with an email address and consent `subscribed` that carry any of `tags`
/// or match the saved segment `segment_id` (one of the two). Unsubscribed, bounced and
/// complained contacts are never included. An unknown segment is a 422 on
/// `audience.segment_id`.
pub async fn mailable_contacts(conn: &mut MySqlConnection, workspace_id: Uuid, tags: &[String], segment_id: Option<Uuid>) -> Result<Vec<Mailable>, AppError> {
    let fields = custom_fields_of(conn, workspace_id).await?;
    let segment = match segment_id {
        None => None,
        Some(id) => {
            let row = repo::find_segment(&mut *conn, workspace_id, id)
                .await?
                .ok_or_else(|| AppError::field("audience.segment_id", "There is no such segment in this workspace."))?;
            Some(serde_json::from_str::<Filter>(&row.filter).unwrap_or_default())
        }
    };
    let by_tags = (!tags.is_empty())
        .then(|| Filter { match_: Match::Any, rules: tags.iter().map(|t| Rule { field: "tag".into(), op: Op::Is, value: t.clone() }).collect() });
    let consent = Filter { match_: Match::All, rules: vec![Rule { field: "consent_status".into(), op: Op::Is, value: Consent::Subscribed.as_str().into() }] };
    let filters: Vec<&Filter> = segment.iter().chain(by_tags.iter()).chain(std::iter::once(&consent)).collect();
    let spec = ListSpec { words: Vec::new(), tag: None, filters, custom: &fields, deleted: false };
    let mut out = Vec::new();
    let mut after: Option<After> = None;
    let plan = repo::TagPlan::for_matches(repo::current_total(&mut *conn, workspace_id, &spec).await?);
    loop {
        let page = repo::list_contacts(&mut *conn, workspace_id, &spec, (SortKey::Created, false), after.as_ref(), 1000, plan, false).await?;
        let Some(last) = page.last() else { break };
        after = Some(after_row(SortKey::Created, last));
        let full = page.len() == 1000;
        out.extend(page.into_iter().map(|l| l.row).filter_map(|row| {
            let email = row.email?;
            Some(Mailable { id: row.id, email, first_name: row.first_name, last_name: row.last_name })
        }));
        if !full {
            break;
        }
    }
    Ok(out)
}

/// The id of the contact whose primary email is `email` (any case), if any.
pub async fn contact_id_by_email(conn: &mut MySqlConnection, workspace_id: Uuid, email: &str) -> Result<Option<Uuid>, AppError> {
    Ok(repo::find_by_email(&mut *conn, workspace_id, email).await?.map(|c| c.id))
}

/// One contact's consent, and the contact as a `Mailable` when it may be emailed now (not
/// deleted, with an address, subscribed). `None` when there is no such contact.
pub async fn mailable_contact(conn: &mut MySqlConnection, workspace_id: Uuid, id: Uuid) -> Result<Option<(Consent, Option<Mailable>)>, AppError> {
    let Some(row) = repo::find_contact(&mut *conn, workspace_id, id).await? else { return Ok(None) };
    let consent = ContactData::from_row(&row).consent_status;
    let mailable = match (&row.email, row.deleted_at, consent) {
        (Some(email), None, Consent::Subscribed) => Some(Mailable { id, email: email.clone(), first_name: row.first_name, last_name: row.last_name }),
        _ => None,
    };
    Ok(Some((consent, mailable)))
}

/// A contact's consent and when it last changed (for modules that act on it, like the
/// double opt-in of email sign-ups).
pub async fn consent_of(conn: &mut MySqlConnection, workspace_id: Uuid, contact_id: Uuid) -> Result<(Consent, Option<DateTime<Utc>>), AppError> {
    let row = repo::find_contact(&mut *conn, workspace_id, contact_id).await?.ok_or(AppError::NotFound)?;
    let d = ContactData::from_row(&row);
    Ok((d.consent_status, d.consent_at))
}

/// Changes a contact's email consent, recording when and how (`source`, e.g. "unsubscribe
/// link"), for a contact of `workspace_id`; `NotFound` otherwise. Returns the previous state.
/// Call inside the transaction that records why (and add a timeline entry with
/// `record_activity`).
pub async fn set_consent(conn: &mut MySqlConnection, workspace_id: Uuid, contact_id: Uuid, consent: Consent, source: &str) -> Result<Consent, AppError> {
    let row = repo::find_contact(&mut *conn, workspace_id, contact_id).await?.ok_or(AppError::NotFound)?;
    let mut d = ContactData::from_row(&row);
    let before = d.consent_status;
    if before != consent {
        let now = Utc::now();
        d.consent_status = consent;
        d.consent_at = Some(now);
        d.consent_source = Some(source.chars().take(200).collect());
        repo::update_contact(&mut *conn, workspace_id, contact_id, &d, now).await?;
    }
    Ok(before)
}
