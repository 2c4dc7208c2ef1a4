//! `/api/v1/bio/…`: pages, blocks, publishing, images, QR codes, stats and sign-ups, over the
//! same service as the editor. The workspace is the one the request names (`X-Workspace-Id`),
//! the API key's, or the caller's current one; a page of another workspace answers 404.
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{public, service, types::*};
use crate::modules::auth::types::Page;
use crate::server::{
    csv::csv_response,
    error::{ApiJson, ApiQuery, ApiResult, AppError},
    state::AppState,
    storage::IMAGE_MAX_BYTES,
    tenant::Tenant,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_pages, create_page))
        .routes(routes!(get_page, update_page, delete_page))
        .routes(routes!(restore_page))
        .routes(routes!(publish_page))
        .routes(routes!(unpublish_page))
        .routes(routes!(preview_page))
        .routes(routes!(upload_image))
        .routes(routes!(page_qr))
        .routes(routes!(page_stats))
        .routes(routes!(page_stats_csv))
        .routes(routes!(page_leads))
        .routes(routes!(page_leads_csv))
        .routes(routes!(list_blocks, create_block))
        .routes(routes!(reorder_blocks))
        .routes(routes!(get_block, update_block, delete_block))
}

/// A malformed id names nothing: 404, like another workspace's.
fn uuid(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Also list deleted pages that can still be restored.
    #[serde(default)]
    include_deleted: bool,
}

/// The workspace's bio pages, oldest first.
#[utoipa::path(get, path = "/bio/pages", tag = "bio", params(ListQuery, ("X-Workspace-Id" = Option<String>, Header, description = "Workspace id or slug")),
    responses((status = 200, description = "Pages", body = Page<PageView>)))]
pub async fn list_pages(State(state): State<AppState>, t: Tenant, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Page<PageView>> {
    let items = service::list_pages(&state, &t, q.include_deleted).await?;
    Ok(ApiJson(Page { total: items.len() as u64, items, next_cursor: None }))
}

/// Create a page: `{handle, title, bio?, theme?, seo_title?, seo_description?, age_gate?}`. It
/// starts as an unpublished draft.
#[utoipa::path(post, path = "/bio/pages", tag = "bio", request_body = PageInput,
    params(("X-Workspace-Id" = Option<String>, Header, description = "Workspace id or slug")),
    responses(
        (status = 201, description = "Created", body = PageView),
        (status = 402, description = "The plan's page limit is reached"),
        (status = 403, description = "The caller's role cannot edit bio pages"),
        (status = 422, description = "A field is invalid or the handle is taken; `errors` names it"),
    ))]
pub async fn create_page(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<PageInput>) -> Result<Response, AppError> {
    let page = service::create_page(&state, &t, input).await?;
    Ok((StatusCode::CREATED, ApiJson(page)).into_response())
}

/// One page with its draft blocks.
#[utoipa::path(get, path = "/bio/pages/{id}", tag = "bio", params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "The page", body = PageView), (status = 404, description = "Not found")))]
pub async fn get_page(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<PageView> {
    Ok(ApiJson(service::get_page(&state, &t, uuid(&id)?).await?))
}

/// Change the draft: only the fields sent change, `null` clears an optional one. The public
/// page changes on the next publish.
#[utoipa::path(patch, path = "/bio/pages/{id}", tag = "bio", request_body = PageInput, params(("id" = Uuid, Path, description = "Page id")),
    responses(
        (status = 200, description = "Updated", body = PageView),
        (status = 403, description = "The caller's role cannot edit bio pages"),
        (status = 404, description = "Not found"),
        (status = 422, description = "A field is invalid or the handle is taken"),
    ))]
pub async fn update_page(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<PageInput>) -> ApiResult<PageView> {
    Ok(ApiJson(service::update_page(&state, &t, uuid(&id)?, input).await?))
}

/// Delete a page: it goes offline at once and can be restored for 30 days.
#[utoipa::path(delete, path = "/bio/pages/{id}", tag = "bio", params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "Deleted", body = PageView), (status = 403, description = "Needs bio.delete"), (status = 404, description = "Not found")))]
pub async fn delete_page(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<PageView> {
    Ok(ApiJson(service::delete_page(&state, &t, uuid(&id)?).await?))
}

/// Restore a deleted page as a draft.
#[utoipa::path(post, path = "/bio/pages/{id}/restore", tag = "bio", params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "Restored", body = PageView), (status = 402, description = "The plan's page limit is reached"), (status = 404, description = "Not found")))]
pub async fn restore_page(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<PageView> {
    Ok(ApiJson(service::restore_page(&state, &t, uuid(&id)?).await?))
}

/// Make the current draft the public page at `/@{handle}`.
#[utoipa::path(post, path = "/bio/pages/{id}/publish", tag = "bio", params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "Published", body = PageView), (status = 403, description = "Needs bio.write"), (status = 404, description = "Not found")))]
pub async fn publish_page(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<PageView> {
    Ok(ApiJson(service::publish(&state, &t, uuid(&id)?).await?))
}

/// Take the page offline (the draft stays).
#[utoipa::path(post, path = "/bio/pages/{id}/unpublish", tag = "bio", params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "Unpublished", body = PageView), (status = 403, description = "Needs bio.write"), (status = 404, description = "Not found")))]
pub async fn unpublish_page(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<PageView> {
    Ok(ApiJson(service::unpublish(&state, &t, uuid(&id)?).await?))
}

/// The draft rendered exactly as the public page renders it (HTML, for the editor's preview frame).
#[utoipa::path(get, path = "/bio/pages/{id}/preview", tag = "bio", params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "HTML", content_type = "text/html"), (status = 404, description = "Not found")))]
pub async fn preview_page(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<Response, AppError> {
    let html = service::preview(&state, &t, uuid(&id)?).await?;
    Ok(public::html_response(html.into_response(), true))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ImageQuery {
    /// `avatar` crops a 256 px square; anything else is scaled to fit 1200 px.
    #[serde(default)]
    kind: Option<String>,
}

/// Upload an image for a page (avatar, social preview, background, image block or link
/// thumbnail): raw PNG, JPEG or WebP bytes, at most 2 MB. Returns its URL for the page,
/// block or theme field.
#[utoipa::path(post, path = "/bio/pages/{id}/images", tag = "bio", params(("id" = Uuid, Path, description = "Page id"), ImageQuery),
    request_body(content = Vec<u8>, content_type = "image/*"),
    responses(
        (status = 201, description = "Stored", body = UploadedImage),
        (status = 413, description = "Larger than 2 MB"),
        (status = 422, description = "Not a PNG, JPEG or WebP image"),
    ))]
pub async fn upload_image(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiQuery(q): ApiQuery<ImageQuery>, body: Bytes) -> Result<Response, AppError> {
    if body.len() > IMAGE_MAX_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    let square = q.kind.as_deref() == Some("avatar");
    let image = service::upload_image(&state, &t, uuid(&id)?, body.to_vec(), square).await?;
    Ok((StatusCode::CREATED, ApiJson(image)).into_response())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct QrQuery {
    /// `svg` (default) or `png`.
    #[serde(default)]
    format: Option<String>,
    /// PNG width in pixels, 128–2048 (default 512).
    #[serde(default)]
    size: Option<u32>,
    /// `1` adds `Content-Disposition: attachment`.
    #[serde(default)]
    download: Option<u8>,
}

/// The page's public address as a QR code (SVG or PNG).
#[utoipa::path(get, path = "/bio/pages/{id}/qr", tag = "bio", params(("id" = Uuid, Path, description = "Page id"), QrQuery),
    responses((status = 200, description = "The QR code", content_type = "image/svg+xml"), (status = 404, description = "Not found"), (status = 422, description = "Unknown format")))]
pub async fn page_qr(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiQuery(q): ApiQuery<QrQuery>) -> Result<Response, AppError> {
    let format = q.format.unwrap_or_else(|| "svg".into());
    let (bytes, content_type) = service::qr_code(&state, &t, uuid(&id)?, &format, q.size.unwrap_or(512)).await?;
    let mut res = ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "private, no-cache")], bytes).into_response();
    if q.download == Some(1) {
        let value = format!("attachment; filename=\"bio-qr.{format}\"");
        res.headers_mut().insert(header::CONTENT_DISPOSITION, value.parse().expect("a plain header value"));
    }
    Ok(res)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct StatsQuery {
    /// 7, 30 (default) or 90.
    #[serde(default)]
    days: Option<u32>,
}

/// Views, unique visitors (cookie-free, counted per day), clicks per link, CTR, referrers,
/// devices and countries, by day in the workspace's time zone.
#[utoipa::path(get, path = "/bio/pages/{id}/stats", tag = "bio", params(("id" = Uuid, Path, description = "Page id"), StatsQuery),
    responses((status = 200, description = "Stats", body = StatsView), (status = 404, description = "Not found"), (status = 422, description = "`days` is not 7, 30 or 90")))]
pub async fn page_stats(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiQuery(q): ApiQuery<StatsQuery>) -> ApiResult<StatsView> {
    Ok(ApiJson(service::stats(&state, &t, uuid(&id)?, q.days).await?))
}

/// The stats as CSV: one row per day, then one per link.
#[utoipa::path(get, path = "/bio/pages/{id}/stats.csv", tag = "bio", params(("id" = Uuid, Path, description = "Page id"), StatsQuery),
    responses((status = 200, description = "CSV", content_type = "text/csv"), (status = 404, description = "Not found")))]
pub async fn page_stats_csv(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiQuery(q): ApiQuery<StatsQuery>) -> Result<Response, AppError> {
    let bytes = service::stats_csv(&state, &t, uuid(&id)?, q.days).await?;
    Ok(csv_response(bytes, "bio-stats.csv"))
}

/// Email sign-ups from the page's forms, newest first.
#[utoipa::path(get, path = "/bio/pages/{id}/leads", tag = "bio", params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "Sign-ups", body = Page<LeadView>), (status = 404, description = "Not found")))]
pub async fn page_leads(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<Page<LeadView>> {
    let items = service::leads(&state, &t, uuid(&id)?).await?;
    Ok(ApiJson(Page { total: items.len() as u64, items, next_cursor: None }))
}

/// The sign-ups as CSV.
#[utoipa::path(get, path = "/bio/pages/{id}/leads.csv", tag = "bio", params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "CSV", content_type = "text/csv"), (status = 404, description = "Not found")))]
pub async fn page_leads_csv(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(csv_response(service::leads_csv(&state, &t, uuid(&id)?).await?, "bio-signups.csv"))
}

/// The page's draft blocks in order.
#[utoipa::path(get, path = "/bio/pages/{id}/blocks", tag = "bio", params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "Blocks", body = Vec<BlockView>), (status = 404, description = "Not found")))]
pub async fn list_blocks(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<Vec<BlockView>> {
    Ok(ApiJson(service::list_blocks(&state, &t, uuid(&id)?).await?))
}

/// Add a block: `{type: "link"|"heading"|"text"|"social"|"image"|"embed"|"email"|"divider"|"spacer", title, url?, …, position?}`.
#[utoipa::path(post, path = "/bio/pages/{id}/blocks", tag = "bio", request_body = BlockInput, params(("id" = Uuid, Path, description = "Page id")),
    responses(
        (status = 201, description = "Created", body = BlockView),
        (status = 402, description = "The plan's block limit for a page is reached"),
        (status = 403, description = "Needs bio.write"),
        (status = 404, description = "Not found"),
        (status = 422, description = "A field is invalid (a URL that is not http, https, mailto or tel, say)"),
    ))]
pub async fn create_block(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<BlockInput>) -> Result<Response, AppError> {
    let block = service::create_block(&state, &t, uuid(&id)?, input).await?;
    Ok((StatusCode::CREATED, ApiJson(block)).into_response())
}

/// Reorder: `{ids: [...]}` with every block id of the page exactly once.
#[utoipa::path(put, path = "/bio/pages/{id}/blocks/order", tag = "bio", request_body = BlockOrder, params(("id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "The blocks in their new order", body = Vec<BlockView>), (status = 404, description = "Not found"), (status = 422, description = "The ids are not exactly the page's blocks")))]
pub async fn reorder_blocks(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(order): ApiJson<BlockOrder>) -> ApiResult<Vec<BlockView>> {
    Ok(ApiJson(service::reorder_blocks(&state, &t, uuid(&id)?, order).await?))
}

/// One block.
#[utoipa::path(get, path = "/bio/pages/{id}/blocks/{block_id}", tag = "bio",
    params(("id" = Uuid, Path, description = "Page id"), ("block_id" = Uuid, Path, description = "Block id")),
    responses((status = 200, description = "The block", body = BlockView), (status = 404, description = "Not found")))]
pub async fn get_block(State(state): State<AppState>, t: Tenant, Path((id, block_id)): Path<(String, String)>) -> ApiResult<BlockView> {
    Ok(ApiJson(service::get_block(&state, &t, uuid(&id)?, uuid(&block_id)?).await?))
}

/// Change a block: only the fields sent change; `null` clears an optional one.
#[utoipa::path(patch, path = "/bio/pages/{id}/blocks/{block_id}", tag = "bio", request_body = BlockInput,
    params(("id" = Uuid, Path, description = "Page id"), ("block_id" = Uuid, Path, description = "Block id")),
    responses((status = 200, description = "Updated", body = BlockView), (status = 403, description = "Needs bio.write"), (status = 404, description = "Not found"), (status = 422, description = "A field is invalid")))]
pub async fn update_block(State(state): State<AppState>, t: Tenant, Path((id, block_id)): Path<(String, String)>, ApiJson(input): ApiJson<BlockInput>) -> ApiResult<BlockView> {
    Ok(ApiJson(service::update_block(&state, &t, uuid(&id)?, uuid(&block_id)?, input).await?))
}

/// Remove a block from the draft.
#[utoipa::path(delete, path = "/bio/pages/{id}/blocks/{block_id}", tag = "bio",
    params(("id" = Uuid, Path, description = "Page id"), ("block_id" = Uuid, Path, description = "Block id")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Needs bio.write"), (status = 404, description = "Not found")))]
pub async fn delete_block(State(state): State<AppState>, t: Tenant, Path((id, block_id)): Path<(String, String)>) -> Result<StatusCode, AppError> {
    service::delete_block(&state, &t, uuid(&id)?, uuid(&block_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
