//! Bio pages and their blocks: validation, drafts and publishing, images, QR codes, stats and
//! sign-ups. The pages' server functions and the REST handlers are thin calls into here.
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    render::{PageDoc, RenderCtx, render_page},
    repo::{self, BlockRow, LinkTarget, PageRow},
    types::*,
};
use crate::modules::workspaces::{permissions::Permission, repo as workspaces_repo, service::ensure_within};
use crate::server::{
    csv::csv_bytes,
    db::{is_unique_violation, rfc3339 as at},
    error::AppError,
    jobs::{self, JobContext, JobError, NewJob, Registry},
    state::AppState,
    storage,
    tenant::Tenant,
};
use crate::shared::validate::Checks;

pub const PURGE_JOB: &str = "bio.purge_page";
/// Deleted pages can be restored this long.
const RESTORE_DAYS: i64 = 30;
/// Longest side of uploaded images (avatars are cropped square instead).
const IMAGE_MAX_SIDE: u32 = 1200;

// ---- views

/// Kind-specific block fields, stored as JSON in `bio_blocks.data`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct BlockData {
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbnail_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    socials: Vec<SocialLink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    button_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u16>,
}

fn media_url(key: &Option<String>) -> Option<String> {
    key.as_ref().map(|k| format!("/media/{k}"))
}

fn theme_of(row: &PageRow) -> Theme {
    serde_json::from_str(&row.theme).unwrap_or_default()
}

pub fn block_view(row: BlockRow) -> BlockView {
    let data: BlockData = serde_json::from_str(&row.data).unwrap_or_default();
    let kind = BlockKind::parse(&row.kind).unwrap_or(BlockKind::Text);
    let provider = (kind == BlockKind::Embed).then(|| row.url.as_deref().and_then(|u| embed_src(u).ok()).map(|(p, _)| p)).flatten();
    BlockView {
        id: row.id,
        kind,
        title: row.title,
        url: row.url,
        enabled: row.enabled,
        starts_at: row.starts_at.map(at),
        ends_at: row.ends_at.map(at),
        age_gate: row.age_gate,
        position: row.position,
        body: data.body,
        thumbnail_url: data.thumbnail_url,
        icon: data.icon,
        image_url: data.image_url,
        socials: data.socials,
        provider,
        button_label: data.button_label,
        height: data.height,
    }
}

pub fn page_view(row: &PageRow, blocks: Option<Vec<BlockView>>) -> PageView {
    PageView {
        id: row.id,
        handle: row.handle.clone(),
        title: row.title.clone(),
        bio: row.bio.clone(),
        avatar_url: media_url(&row.avatar_key),
        seo_title: row.seo_title.clone(),
        seo_description: row.seo_description.clone(),
        og_image_url: media_url(&row.og_image_key),
        age_gate: row.age_gate,
        theme: theme_of(row),
        status: if row.published_at.is_some() { "published" } else { "draft" }.into(),
        published_at: row.published_at.map(at),
        has_unpublished_changes: row.published_at.is_none_or(|p| row.draft_updated_at > p),
        public_url: format!("/@{}", row.handle),
        block_count: row.block_count.max(0) as u32,
        blocks,
        deleted_at: row.deleted_at.map(at),
        created_at: at(row.created_at),
        updated_at: at(row.updated_at),
    }
}

// ---- parsing

/// The storage folder of a workspace's bio images. Image fields only accept files from it, so
/// a page can never show another workspace's upload or an outside tracker.
fn media_folder(t: &Tenant) -> String {
    format!("bio-{}", t.workspace_id())
}

fn parse_media(t: &Tenant, url: &str) -> Result<String, String> {
    let prefix = format!("/media/{}/", media_folder(t));
    match url.trim().strip_prefix(&prefix) {
        Some(file) if !file.is_empty() && file.len() <= 64 && file.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') && !file.starts_with('.') => {
            Ok(format!("{}/{file}", media_folder(t)))
        }
        _ => Err("Upload the image here first; only images uploaded to this workspace can be used.".into()),
    }
}

/// A PATCH image field: `null` or "" clears it, an upload of this workspace sets it (as the
/// storage key or the URL, by `store`), anything else is a field error.
fn set_media(t: &Tenant, checks: &mut Checks, field: &str, value: Option<Option<String>>, slot: &mut Option<String>, store: impl Fn(String) -> String) {
    match value {
        None => {}
        Some(None) => *slot = None,
        Some(Some(url)) if url.trim().is_empty() => *slot = None,
        Some(Some(url)) => {
            if let Some(key) = checks.check(field, parse_media(t, &url)) {
                *slot = Some(store(key));
            }
        }
    }
}

/// A moment as RFC 3339 (`2026-12-01T09:00:00Z`, any offset), or a local date and time
/// (`2026-12-01T09:00`, what a `datetime-local` input sends) in the workspace's time zone.
pub fn parse_when(raw: &str, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M"))
        .map_err(|_| "Use a date and time like 2026-12-01T09:00.".to_owned())?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| "This time does not exist in the workspace's time zone (a clock change). Pick another.".to_owned())
}

fn optional_text(value: Option<String>, max: usize) -> Result<Option<String>, String> {
    match value {
        None => Ok(None),
        Some(v) => parse_text(&v, max, "").map(|v| (!v.is_empty()).then_some(v)),
    }
}

/// Refuses handles with slurs, sexual or hateful words, wherever they hide in the handle.
fn offensive(handle: &str) -> bool {
    use rustrict::{Censor, Type};
    let spaced = handle.replace(['.', '_'], " ");
    [handle, spaced.as_str()]
        .iter()
        .any(|h| Censor::from_str(h).analyze().is((Type::OFFENSIVE | Type::SEXUAL | Type::MEAN | Type::PROFANE) & Type::MODERATE_OR_HIGHER))
}

fn check_handle(raw: &str) -> Result<String, String> {
    let handle = parse_handle(raw)?;
    if offensive(&handle) {
        return Err("This handle is not allowed. Choose another.".into());
    }
    Ok(handle)
}

fn handle_taken() -> AppError {
    AppError::field("handle", "This handle is taken. Choose another.")
}

async fn workspace_tz(state: &AppState, t: &Tenant) -> Result<chrono_tz::Tz, AppError> {
    let ws = workspaces_repo::find_workspace(&state.pool, t.workspace_id()).await?.ok_or(AppError::NotFound)?;
    Ok(ws.time_zone.parse().unwrap_or(chrono_tz::UTC))
}

/// Applies a page form to `row`; collects every field error.
fn apply_page(t: &Tenant, row: &mut PageRow, input: PageInput, checks: &mut Checks) {
    if let Some(handle) = input.handle {
        if let Some(h) = checks.check("handle", check_handle(&handle)) {
            row.handle = h;
        }
    }
    if let Some(title) = input.title {
        if let Some(v) = checks.check("title", parse_text(&title, 100, "Give the page a title, like your name or brand.")) {
            row.title = v;
        }
    }
    if let Some(bio) = input.bio {
        if let Some(v) = checks.check("bio", parse_text(&bio, 500, "")) {
            row.bio = v;
        }
    }
    set_media(t, checks, "avatar_url", input.avatar_url, &mut row.avatar_key, |key| key);
    set_media(t, checks, "og_image_url", input.og_image_url, &mut row.og_image_key, |key| key);
    if let Some(v) = input.seo_title {
        if let Some(v) = checks.check("seo_title", optional_text(v, 70)) {
            row.seo_title = v;
        }
    }
    if let Some(v) = input.seo_description {
        if let Some(v) = checks.check("seo_description", optional_text(v, 200)) {
            row.seo_description = v;
        }
    }
    if let Some(age) = input.age_gate {
        if let Some(v) = checks.check("age_gate", parse_age_gate(age)) {
            row.age_gate = v;
        }
    }
    if let Some(mut theme) = input.theme {
        // `{"preset": "sunset"}` alone takes the preset as it is.
        if let (Some(preset), true) = (theme_preset(&theme.preset), theme_is_preset_only(&theme)) {
            theme = preset;
        }
        if let Some(url) = theme.bg_image_url.clone() {
            theme.bg_image_url = checks.check("theme.bg_image_url", parse_media(t, &url)).map(|key| format!("/media/{key}"));
        }
        for c in [&mut theme.bg_color, &mut theme.bg_color2, &mut theme.text_color, &mut theme.button_color, &mut theme.button_text_color] {
            if let Ok(parsed) = parse_color(c) {
                *c = parsed;
            }
        }
        match check_theme(&theme) {
            Ok(()) => row.theme = serde_json::to_string(&theme).expect("a theme serialises"),
            Err((field, message)) => checks.fail(&field, message),
        }
    }
}

/// A theme sent with nothing but its preset: every other field still has the default's value.
fn theme_is_preset_only(theme: &Theme) -> bool {
    Theme { preset: Theme::default().preset, ..theme.clone() } == Theme::default()
}

// ---- pages

pub async fn list_pages(state: &AppState, t: &Tenant, include_deleted: bool) -> Result<Vec<PageView>, AppError> {
    t.require(Permission::BioRead)?;
    let rows = repo::list_pages(&state.pool, t, include_deleted).await?;
    Ok(rows.iter().map(|r| page_view(r, None)).collect())
}

/// A live page of the tenant with its draft blocks.
pub async fn get_page(state: &AppState, t: &Tenant, id: Uuid) -> Result<PageView, AppError> {
    t.require(Permission::BioRead)?;
    let row = live_page(state, t, id).await?;
    let blocks = repo::list_blocks(&state.pool, t, id).await?.into_iter().map(block_view).collect();
    Ok(page_view(&row, Some(blocks)))
}

async fn live_page(state: &AppState, t: &Tenant, id: Uuid) -> Result<PageRow, AppError> {
    repo::find_page(&state.pool, t, id, false).await?.filter(|p| p.deleted_at.is_none()).ok_or(AppError::NotFound)
}

#[tracing::instrument(skip_all)]
pub async fn create_page(state: &AppState, t: &Tenant, input: PageInput) -> Result<PageView, AppError> {
    t.require(Permission::BioWrite)?;
    let mut checks = Checks::default();
    if input.handle.as_deref().is_none_or(|h| h.trim().is_empty()) {
        checks.fail("handle", "Choose the page's handle: its address will be /@handle.");
    }
    if input.title.is_none() {
        checks.fail("title", "Give the page a title, like your name or brand.");
    }
    let now = Utc::now();
    let mut row = PageRow {
        workspace_id: t.workspace_id(),
        id: Uuid::now_v7(),
        handle: String::new(),
        title: String::new(),
        bio: String::new(),
        avatar_key: None,
        seo_title: None,
        seo_description: None,
        og_image_key: None,
        age_gate: None,
        theme: serde_json::to_string(&Theme::default()).expect("a theme serialises"),
        published_at: None,
        draft_updated_at: now,
        deleted_at: None,
        purge_after: None,
        created_at: now,
        updated_at: now,
        block_count: 0,
    };
    apply_page(t, &mut row, input, &mut checks);
    checks.finish()?;
    let mut tx = state.pool.begin().await?;
    // Lock the workspace row so two creates cannot both pass the plan check.
    workspaces_repo::find_workspace_for_update(&mut *tx, t.workspace_id()).await?;
    let count = repo::count_live_pages(&mut *tx, t).await?;
    ensure_within(&mut tx, t.workspace_id(), "bio_pages", count).await?;
    if repo::handle_taken(&mut *tx, &row.handle, None).await? {
        return Err(handle_taken());
    }
    repo::insert_page(&mut *tx, t, &row).await.map_err(|e| if is_unique_violation(&e) { handle_taken() } else { e.into() })?;
    tx.commit().await?;
    Ok(page_view(&row, Some(Vec::new())))
}

#[tracing::instrument(skip_all)]
pub async fn update_page(state: &AppState, t: &Tenant, id: Uuid, input: PageInput) -> Result<PageView, AppError> {
    t.require(Permission::BioWrite)?;
    let mut tx = state.pool.begin().await?;
    let mut row = repo::find_page(&mut *tx, t, id, true).await?.filter(|p| p.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    let old_handle = row.handle.clone();
    let mut checks = Checks::default();
    apply_page(t, &mut row, input, &mut checks);
    checks.finish()?;
    if row.handle != old_handle && repo::handle_taken(&mut *tx, &row.handle, Some(id)).await? {
        return Err(handle_taken());
    }
    let now = Utc::now();
    row.draft_updated_at = now;
    row.updated_at = now;
    repo::update_page(&mut *tx, t, &row).await.map_err(|e| if is_unique_violation(&e) { handle_taken() } else { e.into() })?;
    tx.commit().await?;
    if row.handle != old_handle {
        // The live page moves to the new handle only on the next publish; the old address
        // keeps serving the published snapshot until then.
        state.bio.invalidate(&old_handle);
    }
    get_page(state, t, id).await
}

/// Soft delete: the page goes offline at once and can be restored for 30 days.
pub async fn delete_page(state: &AppState, t: &Tenant, id: Uuid) -> Result<PageView, AppError> {
    t.require(Permission::BioDelete)?;
    let mut tx = state.pool.begin().await?;
    let row = repo::find_page(&mut *tx, t, id, true).await?.filter(|p| p.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    let now = Utc::now();
    let purge_after = now + Duration::days(RESTORE_DAYS);
    repo::set_deleted(&mut *tx, t, id, Some((now, purge_after))).await?;
    repo::replace_links(&mut tx, t, id, &[]).await?;
    let job = NewJob::new(PURGE_JOB, serde_json::json!({ "workspace_id": t.workspace_id(), "page_id": id }));
    jobs::enqueue(&mut *tx, job.workspace(t.workspace_id()).run_at(purge_after)).await?;
    tx.commit().await?;
    state.bio.invalidate(&row.handle);
    let row = repo::find_page(&state.pool, t, id, false).await?.ok_or(AppError::NotFound)?;
    Ok(page_view(&row, None))
}

/// Brings a deleted page back as a draft (publish it again to put it online).
pub async fn restore_page(state: &AppState, t: &Tenant, id: Uuid) -> Result<PageView, AppError> {
    t.require(Permission::BioDelete)?;
    let mut tx = state.pool.begin().await?;
    workspaces_repo::find_workspace_for_update(&mut *tx, t.workspace_id()).await?;
    repo::find_page(&mut *tx, t, id, true).await?.filter(|p| p.deleted_at.is_some()).ok_or(AppError::NotFound)?;
    let count = repo::count_live_pages(&mut *tx, t).await?;
    ensure_within(&mut tx, t.workspace_id(), "bio_pages", count).await?;
    repo::set_deleted(&mut *tx, t, id, None).await?;
    tx.commit().await?;
    get_page(state, t, id).await
}

#[derive(Deserialize)]
struct PurgeJob {
    workspace_id: Uuid,
    page_id: Uuid,
}

/// `bio.purge_page`: removes a deleted page whose restore window has passed. Its uploaded
/// images stay in the workspace's folder (other pages may use them) until the workspace goes.
async fn purge(ctx: JobContext) -> Result<(), JobError> {
    let job: PurgeJob = ctx.payload_as()?;
    let mut tx = ctx.pool().begin().await.map_err(JobError::retry)?;
    let Some((purge_after,)) = repo::purge_candidate(&mut *tx, job.workspace_id, job.page_id).await.map_err(JobError::retry)? else {
        return Ok(());
    };
    if purge_after.is_none_or(|at| at > Utc::now()) {
        return Ok(());
    }
    repo::purge_page(&mut *tx, job.workspace_id, job.page_id).await.map_err(JobError::retry)?;
    tx.commit().await.map_err(JobError::retry)?;
    tracing::info!(page_id = %job.page_id, "bio page purged");
    Ok(())
}

pub fn register(registry: Registry) -> Registry {
    registry.register(PURGE_JOB, purge)
}

// ---- publishing

fn doc_of(row: &PageRow, blocks: Vec<BlockView>) -> PageDoc {
    PageDoc {
        page_id: row.id,
        workspace_id: row.workspace_id,
        handle: row.handle.clone(),
        title: row.title.clone(),
        bio: row.bio.clone(),
        avatar_url: media_url(&row.avatar_key),
        seo_title: row.seo_title.clone(),
        seo_description: row.seo_description.clone(),
        og_image_url: media_url(&row.og_image_key),
        age_gate: row.age_gate,
        theme: theme_of(row),
        blocks: blocks.into_iter().filter(|b| b.enabled).collect(),
    }
}

/// Makes the current draft the public page (and its links the ones `/l/{id}` follows).
#[tracing::instrument(skip_all)]
pub async fn publish(state: &AppState, t: &Tenant, id: Uuid) -> Result<PageView, AppError> {
    t.require(Permission::BioWrite)?;
    let mut tx = state.pool.begin().await?;
    let row = repo::find_page(&mut *tx, t, id, true).await?.filter(|p| p.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    let blocks: Vec<BlockRow> = repo::list_blocks(&mut *tx, t, id).await?;
    let links: Vec<LinkTarget> = blocks
        .iter()
        .filter(|b| b.enabled && b.kind == BlockKind::Link.as_str())
        .filter_map(|b| Some(LinkTarget { block_id: b.id, url: b.url.clone()?, starts_at: b.starts_at, ends_at: b.ends_at, age_gate: b.age_gate }))
        .collect();
    let doc = doc_of(&row, blocks.into_iter().map(block_view).collect());
    let now = Utc::now();
    repo::set_published(&mut *tx, t, id, Some(&serde_json::to_string(&doc).expect("a page serialises")), Some(now)).await?;
    repo::replace_links(&mut tx, t, id, &links).await?;
    tx.commit().await?;
    state.bio.invalidate(&row.handle);
    get_page(state, t, id).await
}

/// Takes the page offline; the draft stays.
pub async fn unpublish(state: &AppState, t: &Tenant, id: Uuid) -> Result<PageView, AppError> {
    t.require(Permission::BioWrite)?;
    let mut tx = state.pool.begin().await?;
    let row = repo::find_page(&mut *tx, t, id, true).await?.filter(|p| p.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    repo::set_published(&mut *tx, t, id, None, None).await?;
    repo::replace_links(&mut tx, t, id, &[]).await?;
    tx.commit().await?;
    state.bio.invalidate(&row.handle);
    get_page(state, t, id).await
}

/// The draft rendered exactly as the public page would render it, for the editor's preview.
pub async fn preview(state: &AppState, t: &Tenant, id: Uuid) -> Result<String, AppError> {
    t.require(Permission::BioRead)?;
    let row = live_page(state, t, id).await?;
    let blocks = repo::list_blocks(&state.pool, t, id).await?.into_iter().map(block_view).collect();
    let doc = doc_of(&row, blocks);
    let ctx = RenderCtx { origin: &state.config.public_url, now: Utc::now(), in_app_browser: false, preview: true, notice: None };
    Ok(render_page(&doc, &ctx))
}

// ---- blocks

async fn page_for_blocks(tx: &mut sqlx::MySqlConnection, t: &Tenant, page_id: Uuid) -> Result<PageRow, AppError> {
    repo::find_page(&mut *tx, t, page_id, true).await?.filter(|p| p.deleted_at.is_none()).ok_or(AppError::NotFound)
}

pub async fn list_blocks(state: &AppState, t: &Tenant, page_id: Uuid) -> Result<Vec<BlockView>, AppError> {
    t.require(Permission::BioRead)?;
    live_page(state, t, page_id).await?;
    Ok(repo::list_blocks(&state.pool, t, page_id).await?.into_iter().map(block_view).collect())
}

pub async fn get_block(state: &AppState, t: &Tenant, page_id: Uuid, id: Uuid) -> Result<BlockView, AppError> {
    t.require(Permission::BioRead)?;
    live_page(state, t, page_id).await?;
    Ok(block_view(repo::find_block(&state.pool, t, page_id, id).await?.ok_or(AppError::NotFound)?))
}

/// Applies a block form to `row` (a new block when `row.created_at == row.updated_at`).
fn apply_block(t: &Tenant, tz: chrono_tz::Tz, kind: BlockKind, row: &mut BlockRow, input: BlockInput, checks: &mut Checks) {
    let mut data: BlockData = serde_json::from_str(&row.data).unwrap_or_default();
    if let Some(title) = input.title {
        if let Some(v) = checks.check("title", parse_text(&title, 200, "")) {
            row.title = v;
        }
    }
    if let Some(url) = input.url {
        row.url = match url.filter(|u| !u.trim().is_empty()) {
            None => None,
            Some(u) if kind == BlockKind::Embed => checks.check("url", embed_src(&u).map(|_| parse_link_url(&u).unwrap_or(u.clone()))),
            Some(u) => checks.check("url", parse_link_url(&u)),
        };
    }
    if let Some(enabled) = input.enabled {
        row.enabled = enabled;
    }
    let mut when = |field: &str, value: Option<Option<String>>, slot: &mut Option<DateTime<Utc>>| match value {
        Some(None) => *slot = None,
        Some(Some(v)) if v.trim().is_empty() => *slot = None,
        Some(Some(v)) => {
            if let Some(t) = checks.check(field, parse_when(&v, tz)) {
                *slot = Some(t);
            }
        }
        None => {}
    };
    when("starts_at", input.starts_at, &mut row.starts_at);
    when("ends_at", input.ends_at, &mut row.ends_at);
    if let (Some(s), Some(e)) = (row.starts_at, row.ends_at) {
        if e <= s {
            checks.fail("ends_at", "The end must be after the start.");
        }
    }
    if let Some(age) = input.age_gate {
        if let Some(v) = checks.check("age_gate", parse_age_gate(age)) {
            row.age_gate = v;
        }
    }
    if let Some(body) = input.body {
        if let Some(v) = checks.check("body", optional_text(body, 2000)) {
            data.body = v;
        }
    }
    let url = |key: String| format!("/media/{key}");
    set_media(t, checks, "thumbnail_url", input.thumbnail_url, &mut data.thumbnail_url, url);
    set_media(t, checks, "image_url", input.image_url, &mut data.image_url, url);
    if let Some(icon) = input.icon {
        data.icon = match icon.filter(|i| !i.is_empty()) {
            None => None,
            Some(i) if network_label(&i).is_some() => Some(i),
            Some(_) => {
                checks.fail("icon", "Choose an icon from the list.");
                None
            }
        };
    }
    if let Some(socials) = input.socials {
        let mut clean = Vec::new();
        if socials.len() > NETWORKS.len() {
            checks.fail("socials", format!("Add at most {} icons.", NETWORKS.len()));
        }
        for (i, s) in socials.into_iter().enumerate() {
            let field = format!("socials.{i}.url");
            if network_label(&s.network).is_none() {
                checks.fail(&format!("socials.{i}.network"), "Choose a network from the list.");
                continue;
            }
            let url = if s.network == "email" && !s.url.trim().to_ascii_lowercase().starts_with("mailto:") {
                format!("mailto:{}", s.url.trim())
            } else {
                s.url
            };
            if let Some(url) = checks.check(&field, parse_link_url(&url)) {
                clean.push(SocialLink { network: s.network, url });
            }
        }
        data.socials = clean;
    }
    if let Some(label) = input.button_label {
        if let Some(v) = checks.check("button_label", optional_text(label, 40)) {
            data.button_label = v;
        }
    }
    if let Some(height) = input.height {
        data.height = match height {
            Some(h) if !(8..=160).contains(&h) => {
                checks.fail("height", "Use 8 to 160 pixels.");
                data.height
            }
            other => other,
        };
    }
    // What each kind cannot do without.
    match kind {
        BlockKind::Link if row.url.is_none() => checks.fail("url", "Enter the address the link opens."),
        BlockKind::Link | BlockKind::Heading if row.title.is_empty() => checks.fail("title", "Enter the text people see."),
        BlockKind::Embed if row.url.is_none() => checks.fail("url", "Paste a YouTube video, Spotify or SoundCloud link."),
        BlockKind::Image if data.image_url.is_none() => checks.fail("image_url", "Upload an image."),
        BlockKind::Text if data.body.is_none() => checks.fail("body", "Write the text."),
        _ => {}
    }
    row.data = serde_json::to_string(&data).expect("block data serialises");
}

/// Defaults a new block starts with, so one click on the palette makes something visible.
fn new_block_defaults(kind: BlockKind, input: &mut BlockInput) {
    if input.title.is_none() {
        input.title = Some(
            match kind {
                BlockKind::Heading => "New section",
                BlockKind::Email => "Join my newsletter",
                _ => "",
            }
            .into(),
        );
    }
    if kind == BlockKind::Text && input.body.is_none() {
        input.body = Some(Some("Say something about yourself.".into()));
    }
    if kind == BlockKind::Spacer && input.height.is_none() {
        input.height = Some(Some(24));
    }
}

#[tracing::instrument(skip_all)]
pub async fn create_block(state: &AppState, t: &Tenant, page_id: Uuid, mut input: BlockInput) -> Result<BlockView, AppError> {
    t.require(Permission::BioWrite)?;
    let kind = input.kind.ok_or_else(|| AppError::field("type", "Choose the block type: link, heading, text, social, image, embed, email, divider or spacer."))?;
    new_block_defaults(kind, &mut input);
    let tz = workspace_tz(state, t).await?;
    let now = Utc::now();
    let position = input.position;
    let mut row = BlockRow {
        id: Uuid::now_v7(),
        page_id,
        position: 0,
        kind: kind.as_str().into(),
        title: String::new(),
        url: None,
        enabled: true,
        starts_at: None,
        ends_at: None,
        age_gate: None,
        data: "{}".into(),
        created_at: now,
        updated_at: now,
    };
    let mut checks = Checks::default();
    apply_block(t, tz, kind, &mut row, input, &mut checks);
    checks.finish()?;
    let mut tx = state.pool.begin().await?;
    page_for_blocks(&mut tx, t, page_id).await?;
    let count = repo::count_blocks(&mut *tx, t, page_id).await?;
    ensure_within(&mut tx, t.workspace_id(), "bio_blocks", count).await?;
    row.position = position.map_or(count as i32, |p| p.clamp(0, count as i32));
    repo::shift_blocks(&mut *tx, t, page_id, row.position).await?;
    repo::insert_block(&mut *tx, t, &row).await?;
    repo::touch_draft(&mut *tx, t, page_id, now).await?;
    tx.commit().await?;
    Ok(block_view(row))
}

#[tracing::instrument(skip_all)]
pub async fn update_block(state: &AppState, t: &Tenant, page_id: Uuid, id: Uuid, input: BlockInput) -> Result<BlockView, AppError> {
    t.require(Permission::BioWrite)?;
    let tz = workspace_tz(state, t).await?;
    let mut tx = state.pool.begin().await?;
    page_for_blocks(&mut tx, t, page_id).await?;
    let mut row = repo::find_block(&mut *tx, t, page_id, id).await?.ok_or(AppError::NotFound)?;
    let kind = BlockKind::parse(&row.kind).unwrap_or(BlockKind::Text);
    if input.kind.is_some_and(|k| k != kind) {
        return Err(AppError::field("type", "A block's type cannot change. Add a new block instead."));
    }
    let mut checks = Checks::default();
    apply_block(t, tz, kind, &mut row, input, &mut checks);
    checks.finish()?;
    let now = Utc::now();
    row.updated_at = now;
    repo::update_block(&mut *tx, t, &row).await?;
    repo::touch_draft(&mut *tx, t, page_id, now).await?;
    tx.commit().await?;
    Ok(block_view(row))
}

pub async fn delete_block(state: &AppState, t: &Tenant, page_id: Uuid, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::BioWrite)?;
    let mut tx = state.pool.begin().await?;
    page_for_blocks(&mut tx, t, page_id).await?;
    if !repo::delete_block(&mut *tx, t, page_id, id).await? {
        return Err(AppError::NotFound);
    }
    let ids: Vec<Uuid> = repo::list_blocks(&mut *tx, t, page_id).await?.into_iter().map(|b| b.id).collect();
    repo::set_positions(&mut *tx, t, page_id, &ids).await?;
    repo::touch_draft(&mut *tx, t, page_id, Utc::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Reorders the page's blocks: `ids` must name each of its blocks exactly once.
pub async fn reorder_blocks(state: &AppState, t: &Tenant, page_id: Uuid, order: BlockOrder) -> Result<Vec<BlockView>, AppError> {
    t.require(Permission::BioWrite)?;
    let mut tx = state.pool.begin().await?;
    page_for_blocks(&mut tx, t, page_id).await?;
    let mut current: Vec<Uuid> = repo::list_blocks(&mut *tx, t, page_id).await?.into_iter().map(|b| b.id).collect();
    let mut wanted = order.ids.clone();
    current.sort();
    wanted.sort();
    if current != wanted {
        return Err(AppError::field("ids", "List every block of the page exactly once. Reload the page: it may have changed elsewhere."));
    }
    repo::set_positions(&mut *tx, t, page_id, &order.ids).await?;
    repo::touch_draft(&mut *tx, t, page_id, Utc::now()).await?;
    tx.commit().await?;
    Ok(repo::list_blocks(&state.pool, t, page_id).await?.into_iter().map(block_view).collect())
}

// ---- images and QR codes

/// Stores an uploaded image for this workspace's pages: square 256 px for `avatar`, else
/// scaled to fit 1200 px. Returns the URL to put in a page, block or theme field.
pub async fn upload_image(state: &AppState, t: &Tenant, page_id: Uuid, bytes: Vec<u8>, square: bool) -> Result<UploadedImage, AppError> {
    t.require(Permission::BioWrite)?;
    live_page(state, t, page_id).await?;
    let dir = &state.config.storage_dir;
    let key = if square {
        storage::put_square_image(dir, &media_folder(t), bytes, "image").await?
    } else {
        storage::put_fitted_image(dir, &media_folder(t), bytes, "image", IMAGE_MAX_SIDE).await?
    };
    Ok(UploadedImage { url: format!("/media/{key}") })
}

/// The page's public address as a QR code: `svg`, or `png` (`size` px, 128–2048).
pub async fn qr_code(state: &AppState, t: &Tenant, page_id: Uuid, format: &str, size: u32) -> Result<(Vec<u8>, &'static str), AppError> {
    t.require(Permission::BioRead)?;
    let row = live_page(state, t, page_id).await?;
    let url = format!("{}/@{}", state.config.public_url.trim_end_matches('/'), row.handle);
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).map_err(|e| anyhow::anyhow!("qr: {e}"))?;
    match format {
        "svg" => {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(256, 256).quiet_zone(true).build();
            Ok((svg.into_bytes(), "image/svg+xml"))
        }
        "png" => {
            let size = size.clamp(128, 2048);
            let image = code.render::<image::Luma<u8>>().min_dimensions(size, size).quiet_zone(true).build();
            let mut out = std::io::Cursor::new(Vec::new());
            image.write_to(&mut out, image::ImageFormat::Png).map_err(|e| anyhow::anyhow!("qr png: {e}"))?;
            Ok((out.into_inner(), "image/png"))
        }
        _ => Err(AppError::field("format", "Choose svg or png.")),
    }
}

// ---- stats

/// `+02:00`-style offset of the workspace's time zone now (day boundaries for the charts).
fn offset_now(tz: chrono_tz::Tz, now: DateTime<Utc>) -> FixedOffset {
    tz.offset_from_utc_datetime(&now.naive_utc()).fix()
}

fn offset_sql(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    format!("{sign}{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

pub fn parse_days(days: Option<u32>) -> Result<u32, AppError> {
    let days = days.unwrap_or(30);
    if STATS_RANGES.contains(&days) { Ok(days) } else { Err(AppError::field("days", "Choose 7, 30 or 90 days.")) }
}

pub async fn stats(state: &AppState, t: &Tenant, page_id: Uuid, days: Option<u32>) -> Result<StatsView, AppError> {
    t.require(Permission::BioRead)?;
    let days = parse_days(days)?;
    live_page(state, t, page_id).await?;
    let tz = workspace_tz(state, t).await?;
    let now = Utc::now();
    let offset = offset_now(tz, now);
    let today: NaiveDate = now.with_timezone(&offset).date_naive();
    let first = today - Duration::days(i64::from(days) - 1);
    let since = offset
        .from_local_datetime(&first.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc);
    let rows = repo::stats_by_day(&state.pool, t, page_id, since, &offset_sql(offset)).await?;
    let by_day: Vec<DayStats> = first
        .iter_days()
        .take(days as usize)
        .map(|d| {
            let row = rows.iter().find(|r| r.day == d);
            DayStats {
                date: d.to_string(),
                views: row.map_or(0, |r| r.views.max(0) as u64),
                unique_visitors: row.map_or(0, |r| r.visitors.max(0) as u64),
                clicks: row.map_or(0, |r| r.clicks.max(0) as u64),
            }
        })
        .collect();
    let views: u64 = by_day.iter().map(|d| d.views).sum();
    let clicks: u64 = by_day.iter().map(|d| d.clicks).sum();
    let ratio = |n: u64| if views == 0 { 0.0 } else { n as f64 / views as f64 };
    let blocks = repo::list_blocks(&state.pool, t, page_id).await?;
    let by_link = repo::clicks_by_link(&state.pool, t, page_id, since)
        .await?
        .into_iter()
        .map(|(block_id, n)| {
            let block = blocks.iter().find(|b| b.id == block_id);
            LinkStats {
                block_id,
                title: block.map_or_else(|| "Deleted link".to_owned(), |b| b.title.clone()),
                url: block.and_then(|b| b.url.clone()),
                clicks: n.max(0) as u64,
                ctr: ratio(n.max(0) as u64),
            }
        })
        .collect();
    let counts = |rows: Vec<(Option<String>, i64)>, none: &str| {
        rows.into_iter().map(|(label, n)| CountRow { label: label.unwrap_or_else(|| none.to_owned()), count: n.max(0) as u64 }).collect()
    };
    Ok(StatsView {
        days,
        views,
        unique_visitors: by_day.iter().map(|d| d.unique_visitors).sum(),
        clicks,
        ctr: ratio(clicks),
        by_day,
        by_link,
        referrers: counts(repo::views_by(&state.pool, t, page_id, since, "referrer").await?, "direct"),
        devices: counts(repo::views_by(&state.pool, t, page_id, since, "device").await?, "unknown"),
        countries: counts(repo::views_by(&state.pool, t, page_id, since, "country").await?, "unknown"),
    })
}

/// The stats by day, then per link, as CSV.
pub async fn stats_csv(state: &AppState, t: &Tenant, page_id: Uuid, days: Option<u32>) -> Result<Vec<u8>, AppError> {
    let s = stats(state, t, page_id, days).await?;
    let mut rows: Vec<Vec<String>> = s
        .by_day
        .iter()
        .map(|d| vec![d.date.clone(), d.views.to_string(), d.unique_visitors.to_string(), d.clicks.to_string(), String::new(), String::new()])
        .collect();
    rows.extend(s.by_link.iter().map(|l| {
        vec![String::new(), String::new(), String::new(), l.clicks.to_string(), l.title.clone(), l.url.clone().unwrap_or_default()]
    }));
    csv_bytes(&["date", "views", "unique_visitors", "clicks", "link_title", "link_url"], rows)
}

pub async fn leads(state: &AppState, t: &Tenant, page_id: Uuid) -> Result<Vec<LeadView>, AppError> {
    t.require(Permission::BioRead)?;
    live_page(state, t, page_id).await?;
    Ok(repo::list_leads(&state.pool, t, page_id)
        .await?
        .into_iter()
        .map(|l| LeadView { id: l.id, email: l.email, block_id: l.block_id, created_at: at(l.created_at), updated_at: at(l.updated_at) })
        .collect())
}

pub async fn leads_csv(state: &AppState, t: &Tenant, page_id: Uuid) -> Result<Vec<u8>, AppError> {
    let leads = leads(state, t, page_id).await?;
    csv_bytes(&["email", "signed_up_at", "updated_at"], leads.into_iter().map(|l| vec![l.email, l.created_at, l.updated_at]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_workspace_zone_and_rfc3339_as_given() {
        let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(at(parse_when("2026-12-01T09:00", paris).unwrap()), "2026-12-01T08:00:00.000000Z");
        assert_eq!(at(parse_when("2026-12-01T09:00:00Z", paris).unwrap()), "2026-12-01T09:00:00.000000Z");
        assert!(parse_when("tomorrow", paris).is_err());
        // 02:30 on the spring-forward night does not exist in Paris.
        assert!(parse_when("2026-03-29T02:30", paris).is_err());
    }

    #[test]
    fn offensive_handles_are_refused_and_ordinary_ones_pass() {
        for bad in ["fuckyou", "fuck.you", "nigger_1", "bitch"] {
            assert!(check_handle(bad).is_err(), "{bad}");
        }
        for ok in ["jane.doe", "scunthorpe_fc", "cocktail.bar", "assessment", "classic_cars"] {
            assert_eq!(check_handle(ok), Ok(ok.to_owned()), "{ok}");
        }
    }

    #[test]
    fn offsets_are_written_for_convert_tz() {
        assert_eq!(offset_sql(FixedOffset::east_opt(2 * 3600).unwrap()), "+02:00");
        assert_eq!(offset_sql(FixedOffset::west_opt(3 * 3600 + 1800).unwrap()), "-03:30");
    }
}
