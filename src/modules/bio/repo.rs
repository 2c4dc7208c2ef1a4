//! The SQL of the link-in-bio module. Every query on pages, blocks, leads and events binds the
//! tenant's workspace id; only the public lookups (a handle, a link's block id) start from
//! something else, and they read published data only.
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{FromRow, MySqlExecutor, QueryBuilder};
use uuid::Uuid;

use crate::server::tenant::Tenant;

/// A `bio_pages` row without the published snapshot.
#[derive(Debug, Clone, FromRow)]
pub struct PageRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub handle: String,
    pub title: String,
    pub bio: String,
    pub avatar_key: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub og_image_key: Option<String>,
    pub age_gate: Option<u8>,
    pub theme: String,
    pub published_at: Option<DateTime<Utc>>,
    pub draft_updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub purge_after: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub block_count: i64,
}

const PAGE_COLUMNS: &str = "p.workspace_id, p.id, p.handle, p.title, p.bio, p.avatar_key, p.seo_title, p.seo_description, \
     p.og_image_key, p.age_gate, p.theme, p.published_at, p.draft_updated_at, p.deleted_at, p.purge_after, p.created_at, \
     p.updated_at, (select count(*) from bio_blocks b where b.workspace_id = p.workspace_id and b.page_id = p.id) as block_count";

/// A `bio_blocks` row; kind-specific fields are JSON in `data`.
#[derive(Debug, Clone, FromRow)]
pub struct BlockRow {
    pub id: Uuid,
    pub page_id: Uuid,
    pub position: i32,
    pub kind: String,
    pub title: String,
    pub url: Option<String>,
    pub enabled: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub age_gate: Option<u8>,
    pub data: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const BLOCK_COLUMNS: &str =
    "id, page_id, position, kind, title, url, enabled, starts_at, ends_at, age_gate, data, created_at, updated_at";

pub async fn list_pages<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, include_deleted: bool) -> Result<Vec<PageRow>, sqlx::Error> {
    let deleted = if include_deleted { "" } else { "and p.deleted_at is null" };
    sqlx::query_as(&format!(
        "select {PAGE_COLUMNS} from bio_pages p where p.workspace_id = ? {deleted} order by p.created_at, p.id"
    ))
    .bind(t.workspace_id())
    .fetch_all(db)
    .await
}

/// A page of the tenant, live or deleted; `lock` takes it `for update` for the transaction.
pub async fn find_page<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, id: Uuid, lock: bool) -> Result<Option<PageRow>, sqlx::Error> {
    let lock = if lock { "for update" } else { "" };
    sqlx::query_as(&format!("select {PAGE_COLUMNS} from bio_pages p where p.workspace_id = ? and p.id = ? {lock}"))
        .bind(t.workspace_id())
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn count_live_pages<'e>(db: impl MySqlExecutor<'e>, t: &Tenant) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from bio_pages where workspace_id = ? and deleted_at is null")
        .bind(t.workspace_id())
        .fetch_one(db)
        .await
}

/// Whether a handle is used by any page (any workspace, restorable pages included) other than `except`.
pub async fn handle_taken<'e>(db: impl MySqlExecutor<'e>, handle: &str, except: Option<Uuid>) -> Result<bool, sqlx::Error> {
    let found: Option<Uuid> = sqlx::query_scalar("select id from bio_pages where handle = ? and (? is null or id <> ?)")
        .bind(handle)
        .bind(except)
        .bind(except)
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

pub async fn insert_page<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, p: &PageRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into bio_pages (workspace_id, id, handle, title, bio, avatar_key, seo_title, seo_description, og_image_key,
                                age_gate, theme, draft_updated_at, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(t.workspace_id())
    .bind(p.id)
    .bind(&p.handle)
    .bind(&p.title)
    .bind(&p.bio)
    .bind(&p.avatar_key)
    .bind(&p.seo_title)
    .bind(&p.seo_description)
    .bind(&p.og_image_key)
    .bind(p.age_gate)
    .bind(&p.theme)
    .bind(p.draft_updated_at)
    .bind(p.created_at)
    .bind(p.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Writes the editable columns of a page (and marks the draft changed).
pub async fn update_page<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, p: &PageRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update bio_pages set handle = ?, title = ?, bio = ?, avatar_key = ?, seo_title = ?, seo_description = ?,
                og_image_key = ?, age_gate = ?, theme = ?, draft_updated_at = ?, updated_at = ?
         where workspace_id = ? and id = ?",
    )
    .bind(&p.handle)
    .bind(&p.title)
    .bind(&p.bio)
    .bind(&p.avatar_key)
    .bind(&p.seo_title)
    .bind(&p.seo_description)
    .bind(&p.og_image_key)
    .bind(p.age_gate)
    .bind(&p.theme)
    .bind(p.draft_updated_at)
    .bind(p.updated_at)
    .bind(t.workspace_id())
    .bind(p.id)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks the draft changed after a block edit.
pub async fn touch_draft<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update bio_pages set draft_updated_at = ?, updated_at = ? where workspace_id = ? and id = ?")
        .bind(now)
        .bind(now)
        .bind(t.workspace_id())
        .bind(page_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Soft delete (`Some`) or restore (`None`). Deleting also unpublishes.
pub async fn set_deleted<'e>(
    db: impl MySqlExecutor<'e>,
    t: &Tenant,
    id: Uuid,
    deleted: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<(), sqlx::Error> {
    let (deleted_at, purge_after) = deleted.unzip();
    sqlx::query(
        "update bio_pages set deleted_at = ?, purge_after = ?,
                published_doc = if(? is null, published_doc, null), published_at = if(? is null, published_at, null)
         where workspace_id = ? and id = ?",
    )
    .bind(deleted_at)
    .bind(purge_after)
    .bind(deleted_at)
    .bind(deleted_at)
    .bind(t.workspace_id())
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Publishes `doc` (or unpublishes with `None`).
pub async fn set_published<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, id: Uuid, doc: Option<&str>, at: Option<DateTime<Utc>>) -> Result<(), sqlx::Error> {
    sqlx::query("update bio_pages set published_doc = ?, published_at = ? where workspace_id = ? and id = ?")
        .bind(doc)
        .bind(at)
        .bind(t.workspace_id())
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The published link targets of a page, replaced as a whole by "Publish".
pub struct LinkTarget {
    pub block_id: Uuid,
    pub url: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub age_gate: Option<u8>,
}

pub async fn replace_links(conn: &mut sqlx::MySqlConnection, t: &Tenant, page_id: Uuid, links: &[LinkTarget]) -> Result<(), sqlx::Error> {
    sqlx::query("delete from bio_links where workspace_id = ? and page_id = ?")
        .bind(t.workspace_id())
        .bind(page_id)
        .execute(&mut *conn)
        .await?;
    if links.is_empty() {
        return Ok(());
    }
    let mut q = QueryBuilder::new("insert into bio_links (block_id, workspace_id, page_id, url, starts_at, ends_at, age_gate) ");
    q.push_values(links, |mut row, l| {
        row.push_bind(l.block_id)
            .push_bind(t.workspace_id())
            .push_bind(page_id)
            .push_bind(&l.url)
            .push_bind(l.starts_at)
            .push_bind(l.ends_at)
            .push_bind(l.age_gate);
    });
    q.build().execute(&mut *conn).await?;
    Ok(())
}

/// Removes a page for good (its blocks, links, events and leads go by cascade).
pub async fn purge_page<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("delete from bio_pages where workspace_id = ? and id = ? and deleted_at is not null")
        .bind(workspace_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// A deleted page for the purge job: its purge time and the files it references.
pub async fn purge_candidate<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<Option<(Option<DateTime<Utc>>,)>, sqlx::Error> {
    sqlx::query_as("select purge_after from bio_pages where workspace_id = ? and id = ? and deleted_at is not null for update")
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

// ---- blocks

pub async fn list_blocks<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid) -> Result<Vec<BlockRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {BLOCK_COLUMNS} from bio_blocks where workspace_id = ? and page_id = ? order by position, created_at"
    ))
    .bind(t.workspace_id())
    .bind(page_id)
    .fetch_all(db)
    .await
}

pub async fn count_blocks<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from bio_blocks where workspace_id = ? and page_id = ?")
        .bind(t.workspace_id())
        .bind(page_id)
        .fetch_one(db)
        .await
}

pub async fn find_block<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid, id: Uuid) -> Result<Option<BlockRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {BLOCK_COLUMNS} from bio_blocks where workspace_id = ? and page_id = ? and id = ? for update"))
        .bind(t.workspace_id())
        .bind(page_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn insert_block<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, b: &BlockRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into bio_blocks (workspace_id, id, page_id, position, kind, title, url, enabled, starts_at, ends_at, age_gate,
                                 data, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(t.workspace_id())
    .bind(b.id)
    .bind(b.page_id)
    .bind(b.position)
    .bind(&b.kind)
    .bind(&b.title)
    .bind(&b.url)
    .bind(b.enabled)
    .bind(b.starts_at)
    .bind(b.ends_at)
    .bind(b.age_gate)
    .bind(&b.data)
    .bind(b.created_at)
    .bind(b.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_block<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, b: &BlockRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update bio_blocks set title = ?, url = ?, enabled = ?, starts_at = ?, ends_at = ?, age_gate = ?, data = ?, updated_at = ?
         where workspace_id = ? and page_id = ? and id = ?",
    )
    .bind(&b.title)
    .bind(&b.url)
    .bind(b.enabled)
    .bind(b.starts_at)
    .bind(b.ends_at)
    .bind(b.age_gate)
    .bind(&b.data)
    .bind(b.updated_at)
    .bind(t.workspace_id())
    .bind(b.page_id)
    .bind(b.id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_block<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from bio_blocks where workspace_id = ? and page_id = ? and id = ?")
        .bind(t.workspace_id())
        .bind(page_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves blocks at or after `from` one place down, to make room for an insert.
pub async fn shift_blocks<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid, from: i32) -> Result<(), sqlx::Error> {
    sqlx::query("update bio_blocks set position = position + 1 where workspace_id = ? and page_id = ? and position >= ?")
        .bind(t.workspace_id())
        .bind(page_id)
        .bind(from)
        .execute(db)
        .await?;
    Ok(())
}

/// Sets every block's position from its index in `ids` (one statement).
pub async fn set_positions<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid, ids: &[Uuid]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut q = QueryBuilder::new("update bio_blocks set position = case id ");
    for (i, id) in ids.iter().enumerate() {
        q.push("when ").push_bind(*id).push(" then ").push_bind(i as i32).push(" ");
    }
    q.push("else position end where workspace_id = ").push_bind(t.workspace_id()).push(" and page_id = ").push_bind(page_id);
    q.build().execute(db).await?;
    Ok(())
}

// ---- public reads

/// The published snapshot of a live page by handle.
pub async fn published_doc<'e>(db: impl MySqlExecutor<'e>, handle: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("select published_doc from bio_pages where handle = ? and deleted_at is null and published_doc is not null")
        .bind(handle)
        .fetch_optional(db)
        .await
}

/// A published link, by its block id.
#[derive(Debug, Clone, FromRow)]
pub struct LinkRow {
    pub block_id: Uuid,
    pub workspace_id: Uuid,
    pub page_id: Uuid,
    pub url: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub age_gate: Option<u8>,
}

pub async fn published_link<'e>(db: impl MySqlExecutor<'e>, block_id: Uuid) -> Result<Option<LinkRow>, sqlx::Error> {
    sqlx::query_as("select block_id, workspace_id, page_id, url, starts_at, ends_at, age_gate from bio_links where block_id = ?")
        .bind(block_id)
        .fetch_optional(db)
        .await
}

// ---- leads

/// Adds a sign-up, or refreshes the one with the same address on that page.
pub async fn upsert_lead<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, page_id: Uuid, block_id: Option<Uuid>, email: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into bio_leads (workspace_id, id, page_id, block_id, email, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)
         on duplicate key update block_id = values(block_id), updated_at = values(updated_at)",
    )
    .bind(workspace_id)
    .bind(Uuid::now_v7())
    .bind(page_id)
    .bind(block_id)
    .bind(email)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct LeadRow {
    pub id: Uuid,
    pub email: String,
    pub block_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn list_leads<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid) -> Result<Vec<LeadRow>, sqlx::Error> {
    sqlx::query_as("select id, email, block_id, created_at, updated_at from bio_leads where workspace_id = ? and page_id = ? order by updated_at desc, id desc")
        .bind(t.workspace_id())
        .bind(page_id)
        .fetch_all(db)
        .await
}

// ---- events and stats

/// One view or click, ready to insert.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub workspace_id: Uuid,
    pub page_id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: &'static str,
    pub block_id: Option<Uuid>,
    pub visitor: [u8; 16],
    pub referrer: Option<String>,
    pub country: Option<String>,
    pub device: &'static str,
}

pub async fn insert_events<'e>(db: impl MySqlExecutor<'e>, events: &[EventRow]) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let mut q = QueryBuilder::new("insert into bio_events (workspace_id, page_id, at, id, kind, block_id, visitor, referrer, country, device) ");
    q.push_values(events, |mut row, e| {
        row.push_bind(e.workspace_id)
            .push_bind(e.page_id)
            .push_bind(e.at)
            .push_bind(Uuid::now_v7())
            .push_bind(e.kind)
            .push_bind(e.block_id)
            .push_bind(&e.visitor[..])
            .push_bind(&e.referrer)
            .push_bind(&e.country)
            .push_bind(e.device);
    });
    q.build().execute(db).await?;
    Ok(())
}

/// Today's visitor salt, made on first use; salts older than yesterday are deleted.
pub async fn visitor_salt(pool: &sqlx::MySqlPool, day: NaiveDate, fresh: [u8; 32]) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query("insert ignore into visitor_salts (day, salt) values (?, ?)").bind(day).bind(&fresh[..]).execute(pool).await?;
    sqlx::query("delete from visitor_salts where day < ?").bind(day.pred_opt().unwrap_or(day)).execute(pool).await?;
    sqlx::query_scalar("select salt from visitor_salts where day = ?").bind(day).fetch_one(pool).await
}

/// Per-day counts in a time zone given as a UTC offset (`+02:00`).
#[derive(Debug, Clone, FromRow)]
pub struct DayRow {
    pub day: NaiveDate,
    pub views: i64,
    pub visitors: i64,
    pub clicks: i64,
}

pub async fn stats_by_day<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid, since: DateTime<Utc>, offset: &str) -> Result<Vec<DayRow>, sqlx::Error> {
    sqlx::query_as(
        "select date(convert_tz(at, '+00:00', ?)) as day,
                cast(sum(kind = 'view') as signed) as views,
                count(distinct case when kind = 'view' then visitor end) as visitors,
                cast(sum(kind = 'click') as signed) as clicks
         from bio_events where workspace_id = ? and page_id = ? and at >= ?
         group by day order by day",
    )
    .bind(offset)
    .bind(t.workspace_id())
    .bind(page_id)
    .bind(since)
    .fetch_all(db)
    .await
}

pub async fn clicks_by_link<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid, since: DateTime<Utc>) -> Result<Vec<(Uuid, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select block_id, count(*) as clicks from bio_events
         where workspace_id = ? and page_id = ? and at >= ? and kind = 'click' and block_id is not null
         group by block_id order by clicks desc",
    )
    .bind(t.workspace_id())
    .bind(page_id)
    .bind(since)
    .fetch_all(db)
    .await
}

/// Views grouped by `column` (`referrer`, `device` or `country`), most first.
pub async fn views_by<'e>(db: impl MySqlExecutor<'e>, t: &Tenant, page_id: Uuid, since: DateTime<Utc>, column: &'static str) -> Result<Vec<(Option<String>, i64)>, sqlx::Error> {
    debug_assert!(matches!(column, "referrer" | "device" | "country"));
    sqlx::query_as(&format!(
        "select {column}, count(*) as n from bio_events
         where workspace_id = ? and page_id = ? and at >= ? and kind = 'view'
         group by {column} order by n desc limit 20"
    ))
    .bind(t.workspace_id())
    .bind(page_id)
    .bind(since)
    .fetch_all(db)
    .await
}
