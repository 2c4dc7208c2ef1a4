//! `/api/v1/crm/…`: contacts (with the timeline, bulk actions and CSV export), companies,
//! tags, custom fields and segments, over the same service as the pages. The workspace is the
//! one the request names (`X-Workspace-Id`), the API key's, or the caller's current one.
use std::collections::BTreeMap;

use axum::{
    extract::{DefaultBodyLimit, Multipart, Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    deals,
    import::{self, IMPORT_MAX_BYTES, ImportPreview, OnDuplicate},
    service,
    types::*,
};
use crate::modules::auth::types::Page;
use crate::server::{
    csv::csv_response,
    error::{ApiJson, ApiQuery, ApiResult, AppError},
    state::AppState,
    tenant::Tenant,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(export_contacts))
        .merge(OpenApiRouter::new().routes(routes!(import_contacts)).routes(routes!(import_preview)).layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES + 64 * 1024)))
        .routes(routes!(bulk_contacts))
        .routes(routes!(get_contact, update_contact, delete_contact))
        .routes(routes!(restore_contact))
        .routes(routes!(contact_timeline))
        .routes(routes!(add_note))
        .routes(routes!(delete_note))
        .routes(routes!(list_companies, create_company))
        .routes(routes!(get_company, update_company, delete_company))
        .routes(routes!(restore_company))
        .routes(routes!(list_tags))
        .routes(routes!(update_tag, delete_tag))
        .routes(routes!(list_fields, create_field))
        .routes(routes!(update_field, delete_field))
        .routes(routes!(list_segments, create_segment))
        .routes(routes!(get_segment, update_segment, delete_segment))
        .routes(routes!(list_pipelines, create_pipeline))
        .routes(routes!(get_pipeline, update_pipeline, delete_pipeline))
        .routes(routes!(pipeline_board))
        .routes(routes!(list_deals, create_deal))
        .routes(routes!(get_deal, update_deal, delete_deal))
        .routes(routes!(move_deal))
}

/// A malformed id names nothing: 404, like another workspace's.
fn uuid(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

fn created<T: serde::Serialize>(value: T) -> Response {
    (StatusCode::CREATED, ApiJson(value)).into_response()
}

// ---- contacts

/// Contacts matching the query, a page at a time: `{items, total, next_cursor}`. `total`
/// counts every match, not just this page.
#[utoipa::path(get, path = "/crm/contacts", tag = "crm", params(ContactQuery, ("X-Workspace-Id" = Option<String>, Header, description = "Workspace id or slug")),
    responses((status = 200, description = "Contacts", body = Page<ContactView>), (status = 422, description = "A bad filter, sort or cursor; `errors` says which")))]
pub async fn list_contacts(State(state): State<AppState>, t: Tenant, ApiQuery(q): ApiQuery<ContactQuery>) -> ApiResult<Page<ContactView>> {
    Ok(ApiJson(service::list_contacts(&state, &t, &q).await?))
}

/// Create a contact: `{first_name, last_name, email, phone?, company_id?, tags: [..], custom: {..}}`
/// plus the other fields of `ContactInput`. An email or a name is required.
#[utoipa::path(post, path = "/crm/contacts", tag = "crm", request_body = ContactInput,
    responses(
        (status = 201, description = "Created", body = ContactView),
        (status = 402, description = "The plan's contact limit is reached"),
        (status = 403, description = "Needs crm.write"),
        (status = 422, description = "A field is invalid or the email is taken; `errors` names it"),
    ))]
pub async fn create_contact(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<ContactInput>) -> Result<Response, AppError> {
    Ok(created(service::create_contact(&state, &t, input).await?))
}

/// Every contact the query matches (paging ignored) as CSV, one column per custom field.
/// Cells that would start a spreadsheet formula are prefixed with `'`.
#[utoipa::path(get, path = "/crm/contacts/export", tag = "crm", params(ContactQuery),
    responses((status = 200, description = "CSV", content_type = "text/csv")))]
pub async fn export_contacts(State(state): State<AppState>, t: Tenant, ApiQuery(q): ApiQuery<ContactQuery>) -> Result<Response, AppError> {
    Ok(csv_response(service::export_csv(&state, &t, &q).await?, "contacts.csv"))
}

/// The parts of an import upload.
#[derive(Default)]
struct Upload {
    file_name: String,
    file: Option<Vec<u8>>,
    mapping: Option<String>,
    on_duplicate: Option<String>,
    tags: Option<String>,
    consent: Option<String>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, AppError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::bad_request(format!("The upload could not be read: {}", e.body_text()))
        }
    };
    let mut up = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "file" => {
                up.file_name = field.file_name().unwrap_or("contacts.csv").to_owned();
                up.file = Some(field.bytes().await.map_err(unreadable)?.to_vec());
            }
            "mapping" => up.mapping = Some(field.text().await.map_err(unreadable)?),
            "on_duplicate" => up.on_duplicate = Some(field.text().await.map_err(unreadable)?),
            "tags" => up.tags = Some(field.text().await.map_err(unreadable)?),
            "consent" => up.consent = Some(field.text().await.map_err(unreadable)?),
            _ => {}
        }
    }
    if up.file.as_ref().is_some_and(|f| f.len() > IMPORT_MAX_BYTES) {
        return Err(AppError::PayloadTooLarge);
    }
    Ok(up)
}

/// The upload of an import (`multipart/form-data`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// The CSV file, at most 20 MB (UTF-8, UTF-16 or Windows-1252; `,`, `;` or tab separated).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// JSON object: column header → field (`email`, `first_name`, `last_name`, `name`, `phone`,
    /// `company`, `tags`, `custom.{key}`…; "" skips a column). Default: the suggested mapping.
    mapping: Option<String>,
    /// `skip` (default), `update` or `create`, for rows whose email is already a contact.
    on_duplicate: Option<String>,
    /// Comma-separated tags for every imported contact.
    tags: Option<String>,
    /// `subscribed`: these people agreed to receive email (new contacts and ones without
    /// consent become subscribed; unsubscribed, bounced and complained stay). Default `none`.
    consent: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ImportStarted {
    /// Poll `GET /api/v1/jobs/{job_id}` for `{status, progress, errors}`; `result` then has
    /// `created`, `updated`, `skipped` and `failed` counts.
    pub job_id: Uuid,
}

/// Read a CSV and suggest which column fills which field. Nothing is stored.
#[utoipa::path(post, path = "/crm/contacts/import/preview", tag = "crm", request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Columns, a sample and the suggested mapping", body = ImportPreview),
        (status = 413, description = "Larger than 20 MB"),
        (status = 422, description = "Not a readable CSV; `errors` says why"),
    ))]
pub async fn import_preview(State(state): State<AppState>, t: Tenant, multipart: Multipart) -> ApiResult<ImportPreview> {
    let up = read_upload(multipart).await?;
    let file = up.file.ok_or_else(|| AppError::field("file", "Choose a CSV file."))?;
    Ok(ApiJson(import::preview(&state, &t, &file).await?))
}

/// Import contacts from a CSV in the background: answers `{job_id}` at once. The import is
/// all or nothing; rows with errors are skipped and reported by line.
#[utoipa::path(post, path = "/crm/contacts/import", tag = "crm", request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Queued", body = ImportStarted),
        (status = 403, description = "Needs crm.write"),
        (status = 413, description = "Larger than 20 MB"),
        (status = 422, description = "Not a readable CSV, a bad mapping, or no contacts in it"),
    ))]
pub async fn import_contacts(State(state): State<AppState>, t: Tenant, multipart: Multipart) -> Result<Response, AppError> {
    let up = read_upload(multipart).await?;
    let file = up.file.ok_or_else(|| AppError::field("file", "Choose a CSV file."))?;
    let mapping = match up.mapping.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => None,
        Some(raw) => Some(serde_json::from_str::<BTreeMap<String, String>>(raw).map_err(|_| AppError::field("mapping", "Send the mapping as a JSON object of column → field."))?),
    };
    let on_duplicate = match up.on_duplicate.as_deref().map(str::trim) {
        None | Some("") | Some("skip") => OnDuplicate::Skip,
        Some("update") => OnDuplicate::Update,
        Some("create") => OnDuplicate::Create,
        Some(_) => return Err(AppError::field("on_duplicate", "Use skip, update or create.")),
    };
    let subscribed = match up.consent.as_deref().map(str::trim) {
        None | Some("") | Some("none") => false,
        Some("subscribed") => true,
        Some(_) => return Err(AppError::field("consent", "Use subscribed or none.")),
    };
    let tags = up.tags.unwrap_or_default().split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
    let job_id = import::start(&state, &t, &up.file_name, file, mapping, on_duplicate, tags, subscribed).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(ImportStarted { job_id })).into_response())
}

/// Tag, untag, delete or restore up to 1,000 contacts: `{action, ids, tag?}`.
#[utoipa::path(post, path = "/crm/contacts/bulk", tag = "crm", request_body = BulkInput,
    responses((status = 200, description = "Done", body = BulkResult), (status = 403, description = "Needs crm.write (tags) or crm.delete"), (status = 422, description = "Too many ids or no tag")))]
pub async fn bulk_contacts(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<BulkInput>) -> ApiResult<BulkResult> {
    Ok(ApiJson(service::bulk(&state, &t, input).await?))
}

#[utoipa::path(get, path = "/crm/contacts/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Contact id")),
    responses((status = 200, description = "The contact", body = ContactView), (status = 404, description = "Not found")))]
pub async fn get_contact(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<ContactView> {
    Ok(ApiJson(service::get_contact(&state, &t, uuid(&id)?).await?))
}

/// Change a contact: only the fields sent change; `null` clears an optional one.
#[utoipa::path(patch, path = "/crm/contacts/{id}", tag = "crm", request_body = ContactInput, params(("id" = Uuid, Path, description = "Contact id")),
    responses((status = 200, description = "Updated", body = ContactView), (status = 404, description = "Not found"), (status = 422, description = "A field is invalid")))]
pub async fn update_contact(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<ContactInput>) -> ApiResult<ContactView> {
    Ok(ApiJson(service::update_contact(&state, &t, uuid(&id)?, input).await?))
}

/// Delete a contact; it can be restored for 30 days.
#[utoipa::path(delete, path = "/crm/contacts/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Contact id")),
    responses((status = 200, description = "Deleted", body = ContactView), (status = 403, description = "Needs crm.delete"), (status = 404, description = "Not found")))]
pub async fn delete_contact(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<ContactView> {
    Ok(ApiJson(service::delete_contact(&state, &t, uuid(&id)?).await?))
}

#[utoipa::path(post, path = "/crm/contacts/{id}/restore", tag = "crm", params(("id" = Uuid, Path, description = "Contact id")),
    responses((status = 200, description = "Restored", body = ContactView), (status = 402, description = "The plan's contact limit is reached"), (status = 404, description = "Not found or not deleted")))]
pub async fn restore_contact(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<ContactView> {
    Ok(ApiJson(service::restore_contact(&state, &t, uuid(&id)?).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct TimelineQuery {
    #[serde(default)]
    cursor: Option<String>,
    /// 1 to 200, default 50.
    #[serde(default)]
    limit: Option<u32>,
}

/// The contact's timeline, newest first: notes, emails, sign-ups and what other modules record.
#[utoipa::path(get, path = "/crm/contacts/{id}/timeline", tag = "crm", params(("id" = Uuid, Path, description = "Contact id"), TimelineQuery),
    responses((status = 200, description = "Timeline", body = Timeline), (status = 404, description = "Not found")))]
pub async fn contact_timeline(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiQuery(q): ApiQuery<TimelineQuery>) -> ApiResult<Timeline> {
    Ok(ApiJson(service::timeline(&state, &t, uuid(&id)?, q.cursor.as_deref(), q.limit).await?))
}

#[utoipa::path(post, path = "/crm/contacts/{id}/notes", tag = "crm", request_body = NoteInput, params(("id" = Uuid, Path, description = "Contact id")),
    responses((status = 201, description = "Added", body = ActivityView), (status = 404, description = "Not found"), (status = 422, description = "Empty or too long")))]
pub async fn add_note(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<NoteInput>) -> Result<Response, AppError> {
    Ok(created(service::add_note(&state, &t, uuid(&id)?, input).await?))
}

#[utoipa::path(delete, path = "/crm/contacts/{id}/notes/{note_id}", tag = "crm",
    params(("id" = Uuid, Path, description = "Contact id"), ("note_id" = Uuid, Path, description = "Note id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found (or not a note)")))]
pub async fn delete_note(State(state): State<AppState>, t: Tenant, Path((id, note_id)): Path<(String, String)>) -> Result<StatusCode, AppError> {
    service::delete_note(&state, &t, uuid(&id)?, uuid(&note_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- companies

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct CompanyQuery {
    /// Part of the name or domain.
    #[serde(default)]
    q: Option<String>,
    /// List the deleted companies instead.
    #[serde(default)]
    deleted: bool,
}

#[utoipa::path(get, path = "/crm/companies", tag = "crm", params(CompanyQuery),
    responses((status = 200, description = "Companies by name (at most 500)", body = Page<CompanyView>)))]
pub async fn list_companies(State(state): State<AppState>, t: Tenant, ApiQuery(q): ApiQuery<CompanyQuery>) -> ApiResult<Page<CompanyView>> {
    let items = service::list_companies(&state, &t, q.q.as_deref(), q.deleted).await?;
    Ok(ApiJson(Page { total: items.len() as u64, items, next_cursor: None }))
}

#[utoipa::path(post, path = "/crm/companies", tag = "crm", request_body = CompanyInput,
    responses((status = 201, description = "Created", body = CompanyView), (status = 422, description = "A field is invalid")))]
pub async fn create_company(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<CompanyInput>) -> Result<Response, AppError> {
    Ok(created(service::save_company(&state, &t, None, input).await?))
}

#[utoipa::path(get, path = "/crm/companies/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Company id")),
    responses((status = 200, description = "The company", body = CompanyView), (status = 404, description = "Not found")))]
pub async fn get_company(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<CompanyView> {
    Ok(ApiJson(service::get_company(&state, &t, uuid(&id)?).await?))
}

#[utoipa::path(patch, path = "/crm/companies/{id}", tag = "crm", request_body = CompanyInput, params(("id" = Uuid, Path, description = "Company id")),
    responses((status = 200, description = "Updated", body = CompanyView), (status = 404, description = "Not found"), (status = 422, description = "A field is invalid")))]
pub async fn update_company(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<CompanyInput>) -> ApiResult<CompanyView> {
    Ok(ApiJson(service::save_company(&state, &t, Some(uuid(&id)?), input).await?))
}

/// Delete a company: its contacts show no company until it is restored.
#[utoipa::path(delete, path = "/crm/companies/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Company id")),
    responses((status = 200, description = "Deleted", body = CompanyView), (status = 404, description = "Not found")))]
pub async fn delete_company(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<CompanyView> {
    Ok(ApiJson(service::set_company_deleted(&state, &t, uuid(&id)?, true).await?))
}

#[utoipa::path(post, path = "/crm/companies/{id}/restore", tag = "crm", params(("id" = Uuid, Path, description = "Company id")),
    responses((status = 200, description = "Restored", body = CompanyView), (status = 404, description = "Not found")))]
pub async fn restore_company(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<CompanyView> {
    Ok(ApiJson(service::set_company_deleted(&state, &t, uuid(&id)?, false).await?))
}

// ---- tags

/// The workspace's tags with how many live contacts carry each. Tags are created by naming
/// them on a contact or in a bulk action.
#[utoipa::path(get, path = "/crm/tags", tag = "crm", responses((status = 200, description = "Tags", body = Vec<TagView>)))]
pub async fn list_tags(State(state): State<AppState>, t: Tenant) -> ApiResult<Vec<TagView>> {
    Ok(ApiJson(service::list_tags(&state, &t).await?))
}

/// Rename or recolour a tag.
#[utoipa::path(patch, path = "/crm/tags/{id}", tag = "crm", request_body = TagInput, params(("id" = Uuid, Path, description = "Tag id")),
    responses((status = 200, description = "Updated", body = TagView), (status = 404, description = "Not found"), (status = 422, description = "Bad name or colour, or the name is taken")))]
pub async fn update_tag(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<TagInput>) -> ApiResult<TagView> {
    Ok(ApiJson(service::update_tag(&state, &t, uuid(&id)?, input).await?))
}

/// Delete a tag; it comes off every contact.
#[utoipa::path(delete, path = "/crm/tags/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Tag id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete_tag(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    service::delete_tag(&state, &t, uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- custom fields

#[utoipa::path(get, path = "/crm/fields", tag = "crm", responses((status = 200, description = "Custom fields in order", body = Vec<CustomFieldView>)))]
pub async fn list_fields(State(state): State<AppState>, t: Tenant) -> ApiResult<Vec<CustomFieldView>> {
    Ok(ApiJson(service::list_fields(&state, &t).await?))
}

/// Define a custom field: `{label, kind: text|number|date|select|checkbox, key?, options?}`.
#[utoipa::path(post, path = "/crm/fields", tag = "crm", request_body = CustomFieldInput,
    responses((status = 201, description = "Created", body = CustomFieldView), (status = 422, description = "A field is invalid or the key is taken")))]
pub async fn create_field(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<CustomFieldInput>) -> Result<Response, AppError> {
    Ok(created(service::save_field(&state, &t, None, input).await?))
}

/// Change a field's label, choices or position (its key and kind stay).
#[utoipa::path(patch, path = "/crm/fields/{id}", tag = "crm", request_body = CustomFieldInput, params(("id" = Uuid, Path, description = "Field id")),
    responses((status = 200, description = "Updated", body = CustomFieldView), (status = 404, description = "Not found"), (status = 422, description = "A field is invalid")))]
pub async fn update_field(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<CustomFieldInput>) -> ApiResult<CustomFieldView> {
    Ok(ApiJson(service::save_field(&state, &t, Some(uuid(&id)?), input).await?))
}

/// Delete a field and its value on every contact.
#[utoipa::path(delete, path = "/crm/fields/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Field id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete_field(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    service::delete_field(&state, &t, uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- segments

#[utoipa::path(get, path = "/crm/segments", tag = "crm", responses((status = 200, description = "Segments with their current counts", body = Vec<SegmentView>)))]
pub async fn list_segments(State(state): State<AppState>, t: Tenant) -> ApiResult<Vec<SegmentView>> {
    Ok(ApiJson(service::list_segments(&state, &t).await?))
}

/// Save a segment: `{name, filter: {match: all|any, rules: [{field, op, value}]}}`.
#[utoipa::path(post, path = "/crm/segments", tag = "crm", request_body = SegmentInput,
    responses((status = 201, description = "Created", body = SegmentView), (status = 422, description = "No rules, a bad rule, or the name is taken")))]
pub async fn create_segment(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<SegmentInput>) -> Result<Response, AppError> {
    Ok(created(service::save_segment(&state, &t, None, input).await?))
}

#[utoipa::path(get, path = "/crm/segments/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Segment id")),
    responses((status = 200, description = "The segment", body = SegmentView), (status = 404, description = "Not found")))]
pub async fn get_segment(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<SegmentView> {
    Ok(ApiJson(service::get_segment(&state, &t, uuid(&id)?).await?))
}

#[utoipa::path(patch, path = "/crm/segments/{id}", tag = "crm", request_body = SegmentInput, params(("id" = Uuid, Path, description = "Segment id")),
    responses((status = 200, description = "Updated", body = SegmentView), (status = 404, description = "Not found"), (status = 422, description = "A bad rule or name")))]
pub async fn update_segment(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<SegmentInput>) -> ApiResult<SegmentView> {
    Ok(ApiJson(service::save_segment(&state, &t, Some(uuid(&id)?), input).await?))
}

#[utoipa::path(delete, path = "/crm/segments/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Segment id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete_segment(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    service::delete_segment(&state, &t, uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- pipelines and deals

#[utoipa::path(get, path = "/crm/pipelines", tag = "crm", responses((status = 200, description = "Pipelines with their stages", body = Vec<PipelineView>)))]
pub async fn list_pipelines(State(state): State<AppState>, t: Tenant) -> ApiResult<Vec<PipelineView>> {
    Ok(ApiJson(deals::list_pipelines(&state, &t).await?))
}

/// Create a pipeline: `{name, stages: [{name, probability}]}` in board order.
#[utoipa::path(post, path = "/crm/pipelines", tag = "crm", request_body = PipelineInput,
    responses((status = 201, description = "Created", body = PipelineView), (status = 422, description = "No name or stages, or the name is taken")))]
pub async fn create_pipeline(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<PipelineInput>) -> Result<Response, AppError> {
    Ok(created(deals::save_pipeline(&state, &t, None, input).await?))
}

#[utoipa::path(get, path = "/crm/pipelines/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Pipeline id")),
    responses((status = 200, description = "The pipeline", body = PipelineView), (status = 404, description = "Not found")))]
pub async fn get_pipeline(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<PipelineView> {
    Ok(ApiJson(deals::get_pipeline(&state, &t, uuid(&id)?).await?))
}

/// Rename a pipeline or replace its stage list (stages keep their deals by `id`; a stage left
/// out that still has deals is refused).
#[utoipa::path(patch, path = "/crm/pipelines/{id}", tag = "crm", request_body = PipelineInput, params(("id" = Uuid, Path, description = "Pipeline id")),
    responses((status = 200, description = "Updated", body = PipelineView), (status = 404, description = "Not found"), (status = 422, description = "A bad stage list")))]
pub async fn update_pipeline(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<PipelineInput>) -> ApiResult<PipelineView> {
    Ok(ApiJson(deals::save_pipeline(&state, &t, Some(uuid(&id)?), input).await?))
}

/// Delete a pipeline with its stages and deals.
#[utoipa::path(delete, path = "/crm/pipelines/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Pipeline id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete_pipeline(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    deals::delete_pipeline(&state, &t, uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The Kanban board: open deals per stage in order, with value totals per currency.
#[utoipa::path(get, path = "/crm/pipelines/{id}/board", tag = "crm", params(("id" = Uuid, Path, description = "Pipeline id")),
    responses((status = 200, description = "The board", body = BoardView), (status = 404, description = "Not found")))]
pub async fn pipeline_board(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<BoardView> {
    Ok(ApiJson(deals::board(&state, &t, uuid(&id)?).await?))
}

#[utoipa::path(get, path = "/crm/deals", tag = "crm", params(DealQuery), responses((status = 200, description = "Deals (at most 5,000)", body = Vec<DealView>), (status = 422, description = "A bad status")))]
pub async fn list_deals(State(state): State<AppState>, t: Tenant, ApiQuery(q): ApiQuery<DealQuery>) -> ApiResult<Vec<DealView>> {
    Ok(ApiJson(deals::list_deals(&state, &t, &q).await?))
}

/// Create a deal: `{title, value_minor, currency, pipeline_id, stage_id?, contact_id?, company_id?, owner_id?, expected_close?}`.
#[utoipa::path(post, path = "/crm/deals", tag = "crm", request_body = DealInput,
    responses((status = 201, description = "Created", body = DealView), (status = 422, description = "A field is invalid; `errors` names it")))]
pub async fn create_deal(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<DealInput>) -> Result<Response, AppError> {
    Ok(created(deals::save_deal(&state, &t, None, input).await?))
}

#[utoipa::path(get, path = "/crm/deals/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Deal id")),
    responses((status = 200, description = "The deal", body = DealView), (status = 404, description = "Not found")))]
pub async fn get_deal(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<DealView> {
    Ok(ApiJson(deals::get_deal(&state, &t, uuid(&id)?).await?))
}

/// Change a deal; `{status: "won"}` or `{status: "lost", lost_reason}` closes it.
#[utoipa::path(patch, path = "/crm/deals/{id}", tag = "crm", request_body = DealInput, params(("id" = Uuid, Path, description = "Deal id")),
    responses((status = 200, description = "Updated", body = DealView), (status = 404, description = "Not found"), (status = 422, description = "A field is invalid")))]
pub async fn update_deal(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<DealInput>) -> ApiResult<DealView> {
    Ok(ApiJson(deals::save_deal(&state, &t, Some(uuid(&id)?), input).await?))
}

#[utoipa::path(delete, path = "/crm/deals/{id}", tag = "crm", params(("id" = Uuid, Path, description = "Deal id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete_deal(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    deals::delete_deal(&state, &t, uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Drag and drop on the board: `{stage_id, position}`.
#[utoipa::path(post, path = "/crm/deals/{id}/move", tag = "crm", request_body = DealMove, params(("id" = Uuid, Path, description = "Deal id")),
    responses((status = 200, description = "Moved", body = DealView), (status = 404, description = "Not found"), (status = 422, description = "The stage is not in the deal's pipeline")))]
pub async fn move_deal(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(to): ApiJson<DealMove>) -> ApiResult<DealView> {
    Ok(ApiJson(deals::move_deal(&state, &t, uuid(&id)?, to).await?))
}
