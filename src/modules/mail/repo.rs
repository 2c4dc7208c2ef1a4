//! The SQL of email marketing. Every query binds the workspace id: the tenant's for the REST
//! surface, or for the public endpoints (`/u`, `/o`, `/c`) the one sealed inside the token.
use chrono::{DateTime, Utc};
use sqlx::{FromRow, MySql, MySqlConnection, MySqlExecutor, QueryBuilder};
use uuid::Uuid;

// ---- identities

#[derive(Debug, Clone, FromRow)]
pub struct IdentityRow {
    pub id: Uuid,
    pub from_name: String,
    pub from_email: String,
    pub reply_to: Option<String>,
    pub smtp_url_sealed: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const IDENTITY_COLUMNS: &str = "id, from_name, from_email, reply_to, smtp_url_sealed, created_at, updated_at";

pub async fn list_identities<'e>(db: impl MySqlExecutor<'e>, ws: Uuid) -> Result<Vec<IdentityRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {IDENTITY_COLUMNS} from mail_identities where workspace_id = ? order by from_email, id"))
        .bind(ws)
        .fetch_all(db)
        .await
}

pub async fn find_identity<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid) -> Result<Option<IdentityRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {IDENTITY_COLUMNS} from mail_identities where workspace_id = ? and id = ?"))
        .bind(ws)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Inserts or replaces the identity `row.id`.
pub async fn save_identity<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, row: &IdentityRow, insert: bool) -> Result<(), sqlx::Error> {
    let sql = if insert {
        "insert into mail_identities (from_name, from_email, reply_to, smtp_url_sealed, updated_at, workspace_id, id, created_at)
         values (?, ?, ?, ?, ?, ?, ?, ?)"
    } else {
        "update mail_identities set from_name = ?, from_email = ?, reply_to = ?, smtp_url_sealed = ?, updated_at = ?
         where workspace_id = ? and id = ? and created_at = ?"
    };
    sqlx::query(sql)
        .bind(&row.from_name)
        .bind(&row.from_email)
        .bind(&row.reply_to)
        .bind(&row.smtp_url_sealed)
        .bind(row.updated_at)
        .bind(ws)
        .bind(row.id)
        .bind(row.created_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_identity<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("delete from mail_identities where workspace_id = ? and id = ?").bind(ws).bind(id).execute(db).await?.rows_affected())
}

// ---- templates

#[derive(Debug, Clone, FromRow)]
pub struct TemplateRow {
    pub id: Uuid,
    pub name: String,
    pub subject: String,
    pub blocks: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const TEMPLATE_COLUMNS: &str = "id, name, subject, blocks, created_at, updated_at";

pub async fn list_templates<'e>(db: impl MySqlExecutor<'e>, ws: Uuid) -> Result<Vec<TemplateRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {TEMPLATE_COLUMNS} from mail_templates where workspace_id = ? order by name, id")).bind(ws).fetch_all(db).await
}

pub async fn find_template<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {TEMPLATE_COLUMNS} from mail_templates where workspace_id = ? and id = ?"))
        .bind(ws)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn save_template<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, row: &TemplateRow, insert: bool) -> Result<(), sqlx::Error> {
    let sql = if insert {
        "insert into mail_templates (name, subject, blocks, updated_at, workspace_id, id, created_at) values (?, ?, ?, ?, ?, ?, ?)"
    } else {
        "update mail_templates set name = ?, subject = ?, blocks = ?, updated_at = ? where workspace_id = ? and id = ? and created_at = ?"
    };
    sqlx::query(sql)
        .bind(&row.name)
        .bind(&row.subject)
        .bind(&row.blocks)
        .bind(row.updated_at)
        .bind(ws)
        .bind(row.id)
        .bind(row.created_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_template<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("delete from mail_templates where workspace_id = ? and id = ?").bind(ws).bind(id).execute(db).await?.rows_affected())
}

// ---- campaigns

#[derive(Debug, Clone, FromRow)]
pub struct CampaignRow {
    pub id: Uuid,
    pub name: String,
    pub subject: String,
    pub from_name: String,
    pub from_email: String,
    pub reply_to: Option<String>,
    pub identity_id: Option<Uuid>,
    pub template_id: Option<Uuid>,
    pub body_html: String,
    pub audience: String,
    pub status: String,
    pub send_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub recipients: i32,
    pub subject_b: Option<String>,
    pub ab_test_percent: Option<i32>,
    pub ab_wait_hours: Option<i32>,
    pub ab_winner: Option<String>,
    pub sequence_id: Option<Uuid>,
    pub position: i32,
    pub wait_days: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const CAMPAIGN_COLUMNS: &str = "id, name, subject, from_name, from_email, reply_to, identity_id, template_id, body_html, audience, status, \
     send_at, started_at, finished_at, recipients, subject_b, ab_test_percent, ab_wait_hours, ab_winner, sequence_id, position, wait_days, \
     created_at, updated_at";

/// The campaigns (not the steps of sequences), newest first.
pub async fn list_campaigns<'e>(db: impl MySqlExecutor<'e>, ws: Uuid) -> Result<Vec<CampaignRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {CAMPAIGN_COLUMNS} from mail_campaigns where workspace_id = ? and sequence_id is null order by created_at desc, id desc limit 500"
    ))
        .bind(ws)
        .fetch_all(db)
        .await
}

pub async fn find_campaign<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid) -> Result<Option<CampaignRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {CAMPAIGN_COLUMNS} from mail_campaigns where workspace_id = ? and id = ?"))
        .bind(ws)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The steps of a sequence, in order.
pub async fn sequence_steps<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, sequence_id: Uuid) -> Result<Vec<CampaignRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {CAMPAIGN_COLUMNS} from mail_campaigns where workspace_id = ? and sequence_id = ? order by position, id"))
        .bind(ws)
        .bind(sequence_id)
        .fetch_all(db)
        .await
}

/// The campaign, locked until the transaction ends (sending and editing do not interleave).
pub async fn lock_campaign(conn: &mut MySqlConnection, ws: Uuid, id: Uuid) -> Result<Option<CampaignRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {CAMPAIGN_COLUMNS} from mail_campaigns where workspace_id = ? and id = ? for update"))
        .bind(ws)
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn save_campaign<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, c: &CampaignRow, insert: bool) -> Result<(), sqlx::Error> {
    let sql = if insert {
        "insert into mail_campaigns (name, subject, from_name, from_email, reply_to, identity_id, template_id, body_html, audience, status,
             send_at, subject_b, ab_test_percent, ab_wait_hours, sequence_id, position, wait_days, updated_at, workspace_id, id, created_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    } else {
        "update mail_campaigns set name = ?, subject = ?, from_name = ?, from_email = ?, reply_to = ?, identity_id = ?, template_id = ?,
             body_html = ?, audience = ?, status = ?, send_at = ?, subject_b = ?, ab_test_percent = ?, ab_wait_hours = ?, sequence_id = ?,
             position = ?, wait_days = ?, updated_at = ?
         where workspace_id = ? and id = ? and created_at = ?"
    };
    sqlx::query(sql)
        .bind(&c.name)
        .bind(&c.subject)
        .bind(&c.from_name)
        .bind(&c.from_email)
        .bind(&c.reply_to)
        .bind(c.identity_id)
        .bind(c.template_id)
        .bind(&c.body_html)
        .bind(&c.audience)
        .bind(&c.status)
        .bind(c.send_at)
        .bind(&c.subject_b)
        .bind(c.ab_test_percent)
        .bind(c.ab_wait_hours)
        .bind(c.sequence_id)
        .bind(c.position)
        .bind(c.wait_days)
        .bind(c.updated_at)
        .bind(ws)
        .bind(c.id)
        .bind(c.created_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_campaign<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("delete from mail_campaigns where workspace_id = ? and id = ? and status in ('draft', 'scheduled')")
        .bind(ws)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected())
}

pub async fn set_campaign_status<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid, status: &str, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "update mail_campaigns set status = ?,
                started_at = case when ? = 'sending' then coalesce(started_at, ?) else started_at end,
                finished_at = case when ? in ('sent', 'failed') then ? else finished_at end,
                recipients = (select count(*) from mail_recipients r where r.workspace_id = ? and r.campaign_id = ?),
                updated_at = ?
         where workspace_id = ? and id = ?",
    )
    .bind(status)
    .bind(status)
    .bind(now)
    .bind(status)
    .bind(now)
    .bind(ws)
    .bind(id)
    .bind(now)
    .bind(ws)
    .bind(id)
    .execute(db)
    .await?
    .rows_affected())
}

// ---- recipients

/// A contact the campaign goes to, as resolved from the CRM.
#[derive(Debug, Clone)]
pub struct NewRecipient {
    pub contact_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// The A/B test half ("a" or "b"); `None` outside a test and for the held-back rest.
    pub variant: Option<&'static str>,
    /// `queued`, or `held` until an A/B test is decided.
    pub status: &'static str,
}

/// Adds recipients; a contact already on the campaign is skipped (UNIQUE campaign, contact).
/// Returns how many were added.
pub async fn insert_recipients(conn: &mut MySqlConnection, ws: Uuid, campaign_id: Uuid, rows: &[NewRecipient], now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut added = 0;
    for chunk in rows.chunks(500) {
        let mut qb = QueryBuilder::<MySql>::new(
            "insert ignore into mail_recipients (workspace_id, id, campaign_id, contact_id, email, first_name, last_name, variant, status, created_at, updated_at) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(ws)
                .push_bind(Uuid::now_v7())
                .push_bind(campaign_id)
                .push_bind(r.contact_id)
                .push_bind(r.email.clone())
                .push_bind(r.first_name.clone())
                .push_bind(r.last_name.clone())
                .push_bind(r.variant)
                .push_bind(r.status)
                .push_bind(now)
                .push_bind(now);
        });
        added += qb.build().execute(&mut *conn).await?.rows_affected();
    }
    Ok(added)
}

#[derive(Debug, Clone, FromRow)]
pub struct RecipientRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub contact_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub status: String,
    pub variant: Option<String>,
    pub opened_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

const RECIPIENT_COLUMNS: &str = "id, campaign_id, contact_id, email, first_name, last_name, status, variant, opened_at, unsubscribed_at";

pub async fn find_recipient<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid) -> Result<Option<RecipientRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {RECIPIENT_COLUMNS} from mail_recipients where workspace_id = ? and id = ?"))
        .bind(ws)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Rows a crashed run left `sending`: they may or may not have gone out, so they become
/// `unknown` and are never sent again (at most once). Rows claimed by another live run (a
/// `running` job whose lease token is the claim and has not expired: an A/B campaign's rest
/// or a sequence step can have two send runs at once) are left to it. Returns how many.
pub async fn abandon_sending<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, campaign_id: Uuid, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "update mail_recipients r set status = 'unknown', claim_token = null, error = 'the sending run stopped before recording the outcome', updated_at = ?
         where r.workspace_id = ? and r.campaign_id = ? and r.status = 'sending'
           and not exists (select 1 from jobs j where j.status = 'running' and j.available_at > utc_timestamp(6) and j.lease_token = r.claim_token)",
    )
    .bind(now)
    .bind(ws)
    .bind(campaign_id)
    .execute(db)
    .await?
    .rows_affected())
}

/// Claims up to `limit` queued rows for this run (`claim`) in one short transaction: they
/// become `sending`, so no other run sends them.
pub async fn claim_batch(conn: &mut MySqlConnection, ws: Uuid, campaign_id: Uuid, claim: Uuid, limit: u32, now: DateTime<Utc>) -> Result<Vec<RecipientRow>, sqlx::Error> {
    use sqlx::Acquire;
    let mut tx = conn.begin().await?;
    let ids: Vec<(Uuid,)> = sqlx::query_as(
        "select id from mail_recipients where workspace_id = ? and campaign_id = ? and status = 'queued' order by id limit ? for update skip locked",
    )
    .bind(ws)
    .bind(campaign_id)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    if ids.is_empty() {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<MySql>::new("update mail_recipients set status = 'sending', claim_token = ");
    qb.push_bind(claim).push(", updated_at = ").push_bind(now).push(" where workspace_id = ").push_bind(ws).push(" and id in (");
    let mut list = qb.separated(", ");
    for (id,) in &ids {
        list.push_bind(*id);
    }
    qb.push(")");
    qb.build().execute(&mut *tx).await?;
    let mut qb = QueryBuilder::<MySql>::new(format!("select {RECIPIENT_COLUMNS} from mail_recipients where workspace_id = "));
    qb.push_bind(ws).push(" and claim_token = ").push_bind(claim).push(" and status = 'sending' order by id");
    let rows = qb.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Records one row's outcome, only while this run still holds it.
#[expect(clippy::too_many_arguments, reason = "one row's whole outcome, bound in one statement")]
pub async fn finish_recipient<'e>(
    db: impl MySqlExecutor<'e>,
    ws: Uuid,
    id: Uuid,
    claim: Uuid,
    status: &str,
    message_id: Option<&str>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "update mail_recipients set status = ?, message_id = coalesce(?, message_id), error = ?, claim_token = null,
                sent_at = case when ? = 'sent' then ? else sent_at end, updated_at = ?
         where workspace_id = ? and id = ? and claim_token = ? and status = 'sending'",
    )
    .bind(status)
    .bind(message_id)
    .bind(error.map(|e| e.chars().take(1000).collect::<String>()))
    .bind(status)
    .bind(now)
    .bind(now)
    .bind(ws)
    .bind(id)
    .bind(claim)
    .execute(db)
    .await?
    .rows_affected())
}

pub async fn count_status<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, campaign_id: Uuid, status: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from mail_recipients where workspace_id = ? and campaign_id = ? and status = ?")
        .bind(ws)
        .bind(campaign_id)
        .bind(status)
        .fetch_one(db)
        .await
}

/// Counts an open; the first one sets `opened_at`.
pub async fn record_open<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update mail_recipients set open_count = open_count + 1, opened_at = coalesce(opened_at, ?) where workspace_id = ? and id = ?")
        .bind(now)
        .bind(ws)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn record_click(conn: &mut MySqlConnection, ws: Uuid, r: &RecipientRow, url: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    // A click implies the message was opened (images are often blocked).
    sqlx::query(
        "update mail_recipients set click_count = click_count + 1, clicked_at = coalesce(clicked_at, ?), opened_at = coalesce(opened_at, ?)
         where workspace_id = ? and id = ?",
    )
    .bind(now)
    .bind(now)
    .bind(ws)
    .bind(r.id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("insert into mail_clicks (workspace_id, id, campaign_id, recipient_id, url, clicked_at) values (?, ?, ?, ?, ?, ?)")
        .bind(ws)
        .bind(Uuid::now_v7())
        .bind(r.campaign_id)
        .bind(r.id)
        .bind(url)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn mark_unsubscribed<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("update mail_recipients set unsubscribed_at = ? where workspace_id = ? and id = ? and unsubscribed_at is null")
        .bind(now)
        .bind(ws)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected())
}

/// A hard bounce: the address does not exist (a permanent refusal of the recipient at send
/// time, or a bounce reported later). Returns 1 the first time.
pub async fn mark_bounced<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("update mail_recipients set bounced_at = ?, updated_at = ? where workspace_id = ? and id = ? and bounced_at is null")
        .bind(now)
        .bind(now)
        .bind(ws)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected())
}

// ---- A/B test

/// Records the winning subject, once; returns whether this call decided it.
pub async fn set_ab_winner<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid, winner: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("update mail_campaigns set ab_winner = ?, ab_decided_at = ?, updated_at = ? where workspace_id = ? and id = ? and ab_winner is null")
        .bind(winner)
        .bind(now)
        .bind(now)
        .bind(ws)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// The held-back rest of an A/B campaign joins the queue (it gets the winner's subject).
pub async fn release_held<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, campaign_id: Uuid, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("update mail_recipients set status = 'queued', updated_at = ? where workspace_id = ? and campaign_id = ? and status = 'held'")
        .bind(now)
        .bind(ws)
        .bind(campaign_id)
        .execute(db)
        .await?
        .rows_affected())
}

#[derive(Debug, Default, FromRow)]
pub struct VariantTotals {
    pub variant: String,
    pub recipients: i64,
    pub sent: i64,
    pub opened: i64,
    pub clicked: i64,
}

/// The two halves of an A/B test, "a" first.
pub async fn variant_totals<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, campaign_id: Uuid) -> Result<Vec<VariantTotals>, sqlx::Error> {
    sqlx::query_as(
        "select variant, count(*) as recipients,
                cast(coalesce(sum(status = 'sent'), 0) as signed) as sent,
                cast(coalesce(sum(opened_at is not null), 0) as signed) as opened,
                cast(coalesce(sum(clicked_at is not null), 0) as signed) as clicked
         from mail_recipients where workspace_id = ? and campaign_id = ? and variant is not null
         group by variant order by variant",
    )
    .bind(ws)
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

/// When the campaign's A/B test was decided.
pub async fn ab_decided_at<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    Ok(sqlx::query_scalar("select ab_decided_at from mail_campaigns where workspace_id = ? and id = ?").bind(ws).bind(id).fetch_optional(db).await?.flatten())
}

// ---- report

#[derive(Debug, Default, FromRow)]
pub struct Totals {
    pub recipients: i64,
    pub queued: i64,
    pub sent: i64,
    pub delivered: i64,
    pub failed: i64,
    pub unknown: i64,
    pub opened: i64,
    pub clicked: i64,
    pub unsubscribed: i64,
    pub bounced: i64,
    pub total_opens: i64,
    pub total_clicks: i64,
}

pub async fn totals<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, campaign_id: Uuid) -> Result<Totals, sqlx::Error> {
    sqlx::query_as(
        "select count(*) as recipients,
                cast(coalesce(sum(status in ('queued', 'sending')), 0) as signed) as queued,
                cast(coalesce(sum(status = 'sent'), 0) as signed) as sent,
                cast(coalesce(sum(status = 'sent' and bounced_at is null), 0) as signed) as delivered,
                cast(coalesce(sum(status = 'failed'), 0) as signed) as failed,
                cast(coalesce(sum(status = 'unknown'), 0) as signed) as unknown,
                cast(coalesce(sum(opened_at is not null), 0) as signed) as opened,
                cast(coalesce(sum(clicked_at is not null), 0) as signed) as clicked,
                cast(coalesce(sum(unsubscribed_at is not null), 0) as signed) as unsubscribed,
                cast(coalesce(sum(bounced_at is not null), 0) as signed) as bounced,
                cast(coalesce(sum(open_count), 0) as signed) as total_opens,
                cast(coalesce(sum(click_count), 0) as signed) as total_clicks
         from mail_recipients where workspace_id = ? and campaign_id = ?",
    )
    .bind(ws)
    .bind(campaign_id)
    .fetch_one(db)
    .await
}

/// (hour, sent, opened, clicked): first sends and first opens by hour, and every click.
pub async fn by_hour<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, campaign_id: Uuid) -> Result<Vec<(String, i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select hour, cast(sum(sent) as signed), cast(sum(opened) as signed), cast(sum(clicked) as signed) from (
             select date_format(sent_at, '%Y-%m-%dT%H:00:00Z') as hour, 1 as sent, 0 as opened, 0 as clicked
               from mail_recipients where workspace_id = ? and campaign_id = ? and sent_at is not null
             union all
             select date_format(opened_at, '%Y-%m-%dT%H:00:00Z'), 0, 1, 0
               from mail_recipients where workspace_id = ? and campaign_id = ? and opened_at is not null
             union all
             select date_format(clicked_at, '%Y-%m-%dT%H:00:00Z'), 0, 0, 1
               from mail_clicks where workspace_id = ? and campaign_id = ?
         ) t group by hour order by hour",
    )
    .bind(ws)
    .bind(campaign_id)
    .bind(ws)
    .bind(campaign_id)
    .bind(ws)
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

/// (url, clicks, unique clickers), most clicked first.
pub async fn link_clicks<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, campaign_id: Uuid) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select url, count(*), count(distinct recipient_id) from mail_clicks where workspace_id = ? and campaign_id = ?
         group by url order by count(*) desc, url limit 200",
    )
    .bind(ws)
    .bind(campaign_id)
    .fetch_all(db)
    .await
}

// ---- settings

/// Whether form sign-ups must confirm by email (false without a settings row).
pub async fn double_opt_in<'e>(db: impl MySqlExecutor<'e>, ws: Uuid) -> Result<bool, sqlx::Error> {
    let on: Option<bool> = sqlx::query_scalar("select double_opt_in from mail_settings where workspace_id = ?").bind(ws).fetch_optional(db).await?;
    Ok(on.unwrap_or(false))
}

pub async fn save_double_opt_in<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, on: bool, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into mail_settings (workspace_id, double_opt_in, updated_at) values (?, ?, ?)
         on duplicate key update double_opt_in = values(double_opt_in), updated_at = values(updated_at)",
    )
    .bind(ws)
    .bind(on)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
