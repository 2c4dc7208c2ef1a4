//! Automations, first version: welcome sequences. A sequence starts for a contact when they
//! sign up through a public form or get a tag; each step waits its `wait_days`, then emails
//! them, through the job queue (`mail.sequence_step`, one job per contact and step).
//!
//! A step is a campaign row (`sequence_id`, status `automated`), so a step's email is sent by
//! the campaign send job with its tracking, unsubscribe link and report. A contact goes
//! through a sequence once (UNIQUE sequence, contact) and gets each step at most once
//! (UNIQUE campaign, contact on the recipients).
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use sqlx::{FromRow, MySqlConnection, MySqlExecutor};
use uuid::Uuid;

use super::{
    repo::{self, CampaignRow, NewRecipient},
    sender,
    service::{apply_campaign, new_campaign_row, text},
    types::*,
};
use crate::modules::crm::{service as crm, types::Consent};
use crate::modules::workspaces::permissions::Permission;
use crate::server::{
    db::rfc3339 as at,
    error::AppError,
    jobs::{self, JobContext, JobError, NewJob, Registry},
    state::AppState,
    tenant::Tenant,
};
use crate::shared::validate::Checks;

pub const STEP_JOB: &str = "mail.sequence_step";
const MAX_STEPS: usize = 20;

pub fn register(registry: Registry) -> Registry {
    registry.register(STEP_JOB, step)
}

// ---- SQL

#[derive(Debug, Clone, FromRow)]
struct SequenceRow {
    id: Uuid,
    name: String,
    trigger_kind: String,
    trigger_tag: Option<String>,
    active: bool,
    identity_id: Option<Uuid>,
    from_name: String,
    from_email: String,
    reply_to: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, trigger_kind, trigger_tag, active, identity_id, from_name, from_email, reply_to, created_at, updated_at";

async fn find<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, id: Uuid, lock: bool) -> Result<Option<SequenceRow>, sqlx::Error> {
    let lock = if lock { " for update" } else { "" };
    sqlx::query_as(&format!("select {COLUMNS} from mail_sequences where workspace_id = ? and id = ?{lock}")).bind(ws).bind(id).fetch_optional(db).await
}

async fn save<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, s: &SequenceRow, insert: bool) -> Result<(), sqlx::Error> {
    let sql = if insert {
        "insert into mail_sequences (name, trigger_kind, trigger_tag, active, identity_id, from_name, from_email, reply_to, updated_at, workspace_id, id, created_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    } else {
        "update mail_sequences set name = ?, trigger_kind = ?, trigger_tag = ?, active = ?, identity_id = ?, from_name = ?, from_email = ?,
             reply_to = ?, updated_at = ?
         where workspace_id = ? and id = ? and created_at = ?"
    };
    sqlx::query(sql)
        .bind(&s.name)
        .bind(&s.trigger_kind)
        .bind(&s.trigger_tag)
        .bind(s.active)
        .bind(s.identity_id)
        .bind(&s.from_name)
        .bind(&s.from_email)
        .bind(&s.reply_to)
        .bind(s.updated_at)
        .bind(ws)
        .bind(s.id)
        .bind(s.created_at)
        .execute(db)
        .await?;
    Ok(())
}

/// A sequence's steps (campaign rows), in order.
async fn steps<'e>(db: impl MySqlExecutor<'e>, ws: Uuid, sequence_id: Uuid) -> Result<Vec<CampaignRow>, sqlx::Error> {
    repo::sequence_steps(db, ws, sequence_id).await
}

#[derive(Debug, Clone, FromRow)]
struct EnrolmentRow {
    id: Uuid,
    sequence_id: Uuid,
    contact_id: Uuid,
    status: String,
    next_position: i32,
}

// ---- views

async fn view(conn: &mut MySqlConnection, ws: Uuid, row: SequenceRow) -> Result<SequenceView, AppError> {
    let n = |v: i64| v.max(0) as u64;
    let mut step_views = Vec::new();
    for step in steps(&mut *conn, ws, row.id).await? {
        let totals = repo::totals(&mut *conn, ws, step.id).await?;
        step_views.push(StepView {
            id: step.id,
            position: step.position.max(0) as u32,
            wait_days: step.wait_days.max(0) as u32,
            subject: step.subject,
            template_id: step.template_id,
            body_html: step.body_html,
            sent: n(totals.sent),
            opened: n(totals.opened),
            clicked: n(totals.clicked),
        });
    }
    let (enrolled, in_progress): (i64, i64) = sqlx::query_as(
        "select count(*), cast(coalesce(sum(status = 'active'), 0) as signed) from mail_enrolments where workspace_id = ? and sequence_id = ?",
    )
    .bind(ws)
    .bind(row.id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(SequenceView {
        id: row.id,
        name: row.name,
        trigger: if row.trigger_kind == "tag" { SequenceTrigger::Tag } else { SequenceTrigger::Signup },
        trigger_tag: row.trigger_tag,
        active: row.active,
        identity_id: row.identity_id,
        from_name: row.from_name,
        from_email: row.from_email,
        steps: step_views,
        enrolled: n(enrolled),
        in_progress: n(in_progress),
        created_at: at(row.created_at),
        updated_at: at(row.updated_at),
    })
}

pub async fn list(state: &AppState, t: &Tenant) -> Result<Vec<SequenceView>, AppError> {
    t.require(Permission::MailRead)?;
    let ws = t.workspace_id();
    let mut conn = state.pool.acquire().await?;
    let rows: Vec<SequenceRow> =
        sqlx::query_as(&format!("select {COLUMNS} from mail_sequences where workspace_id = ? order by created_at desc, id desc limit 200"))
            .bind(ws)
            .fetch_all(&mut *conn)
            .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(view(&mut conn, ws, row).await?);
    }
    Ok(out)
}

pub async fn get(state: &AppState, t: &Tenant, id: Uuid) -> Result<SequenceView, AppError> {
    t.require(Permission::MailRead)?;
    let mut conn = state.pool.acquire().await?;
    let row = find(&mut *conn, t.workspace_id(), id, false).await?.ok_or(AppError::NotFound)?;
    view(&mut conn, t.workspace_id(), row).await
}

// ---- changes

/// Creates (`id` None) or changes a sequence and, when `steps` is given, its whole list of
/// steps, in one transaction; every problem comes back in one 422 (step fields as
/// `steps[i].subject`).
pub async fn save_sequence(state: &AppState, t: &Tenant, id: Option<Uuid>, input: SequenceInput) -> Result<SequenceView, AppError> {
    t.require(Permission::MailWrite)?;
    let ws = t.workspace_id();
    let now = Utc::now();
    let mut tx = state.pool.begin().await?;
    let existing = match id {
        Some(id) => Some(find(&mut *tx, ws, id, true).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let creating = existing.is_none();
    let mut row = existing.clone().unwrap_or(SequenceRow {
        id: Uuid::now_v7(),
        name: String::new(),
        trigger_kind: String::new(),
        trigger_tag: None,
        active: false,
        identity_id: None,
        from_name: String::new(),
        from_email: String::new(),
        reply_to: None,
        created_at: now,
        updated_at: now,
    });
    let mut checks = Checks::default();
    match (&input.name, creating) {
        (Some(name), _) => row.name = checks.check("name", text("name", name, 100, "Name the sequence.")).unwrap_or_default(),
        (None, true) => checks.fail("name", "Name the sequence."),
        _ => {}
    }
    match (input.trigger, creating) {
        (Some(trigger), _) => row.trigger_kind = trigger.as_str().into(),
        (None, true) => checks.fail("trigger", "Choose what starts the sequence: a sign-up or a tag."),
        _ => {}
    }
    if let Some(tag) = &input.trigger_tag {
        row.trigger_tag = match tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(raw) => checks.check("trigger_tag", crm::parse_tags(&[raw.to_owned()])).and_then(|mut t| t.pop()),
        };
    }
    match row.trigger_kind.as_str() {
        "tag" if row.trigger_tag.is_none() => checks.fail("trigger_tag", "Enter the tag that starts the sequence."),
        "signup" => row.trigger_tag = None,
        _ => {}
    }
    // The sender goes through the campaign checks, on a scratch row holding the current one.
    let mut sender = new_campaign_row(now);
    (sender.identity_id, sender.from_name, sender.from_email, sender.reply_to) = (row.identity_id, row.from_name.clone(), row.from_email.clone(), row.reply_to.clone());
    let sender_input = CampaignInput { identity_id: input.identity_id, from_email: input.from_email.clone(), from_name: input.from_name.clone(), ..Default::default() };
    match apply_campaign(&mut tx, ws, &mut sender, &sender_input, false).await {
        Ok(()) => (row.identity_id, row.from_name, row.from_email, row.reply_to) = (sender.identity_id, sender.from_name, sender.from_email, sender.reply_to),
        Err(AppError::Validation { errors }) => errors.into_iter().for_each(|e| checks.fail(&e.field, e.message)),
        Err(e) => return Err(e),
    }
    if let Some(active) = input.active {
        row.active = active;
    }
    let mut current = match existing {
        Some(_) => steps(&mut *tx, ws, row.id).await?,
        None => Vec::new(),
    };
    let mut new_steps = Vec::new();
    if let Some(list) = &input.steps {
        if list.len() > MAX_STEPS {
            checks.fail("steps", format!("A sequence has at most {MAX_STEPS} emails."));
        }
        for (i, step) in list.iter().enumerate() {
            let field = |f: &str| format!("steps[{i}].{f}");
            let mut step_row = match step.id {
                None => new_campaign_row(now),
                Some(id) => match current.iter().position(|c| c.id == id) {
                    Some(at) => current.remove(at),
                    None => {
                        checks.fail(&field("id"), "This step is not part of this sequence.");
                        continue;
                    }
                },
            };
            let step_input = CampaignInput {
                name: Some(format!("{} · email {}", row.name, i + 1).chars().take(100).collect()),
                subject: Some(step.subject.clone()),
                body_html: Some(step.body_html.clone().unwrap_or_default()),
                template_id: Some(step.template_id),
                ..Default::default()
            };
            (step_row.from_name, step_row.from_email) = (row.from_name.clone(), row.from_email.clone());
            match apply_campaign(&mut tx, ws, &mut step_row, &step_input, true).await {
                Ok(()) => {}
                // (The sender is the sequence's, checked above.)
                Err(AppError::Validation { errors }) => {
                    errors.into_iter().filter(|e| !e.field.starts_with("from_")).for_each(|e| checks.fail(&field(&e.field), e.message))
                }
                Err(e) => return Err(e),
            }
            if step_row.body_html.trim().is_empty() && step_row.template_id.is_none() {
                checks.fail(&field("body_html"), "Write the email or choose a template.");
            }
            if step.wait_days > 365 {
                checks.fail(&field("wait_days"), "Wait at most 365 days.");
            }
            step_row.wait_days = step.wait_days.min(365) as i32;
            step_row.position = i as i32;
            new_steps.push(step_row);
        }
    } else {
        new_steps = std::mem::take(&mut current);
    }
    if row.active && new_steps.is_empty() && !checks.has_errors() {
        checks.fail("active", "Add at least one email before switching the sequence on.");
    }
    checks.finish()?;

    row.updated_at = now;
    save(&mut *tx, ws, &row, creating).await?;
    // Steps left out of the list go, with their recipients and reports.
    for gone in &current {
        sqlx::query("delete from mail_campaigns where workspace_id = ? and id = ? and sequence_id = ?").bind(ws).bind(gone.id).bind(row.id).execute(&mut *tx).await?;
    }
    for step in &mut new_steps {
        let insert = step.sequence_id.is_none();
        (step.sequence_id, step.status, step.audience) = (Some(row.id), CampaignStatus::Automated.as_str().into(), "{}".into());
        (step.identity_id, step.from_name, step.from_email, step.reply_to) = (row.identity_id, row.from_name.clone(), row.from_email.clone(), row.reply_to.clone());
        step.updated_at = now;
        repo::save_campaign(&mut *tx, ws, step, insert).await?;
    }
    if row.active && !existing.as_ref().is_some_and(|e| e.active) && !creating {
        resume(&mut tx, ws, row.id, now).await?;
    }
    tx.commit().await?;
    get(state, t, row.id).await
}

pub async fn delete(state: &AppState, t: &Tenant, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::MailDelete)?;
    let deleted = sqlx::query("delete from mail_sequences where workspace_id = ? and id = ?").bind(t.workspace_id()).bind(id).execute(&state.pool).await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A sequence switched back on: the steps that fell due while it was off are queued now.
async fn resume(conn: &mut MySqlConnection, ws: Uuid, sequence_id: Uuid, now: DateTime<Utc>) -> Result<(), AppError> {
    let due: Vec<(Uuid, i32, DateTime<Utc>)> =
        sqlx::query_as("select id, next_position, next_at from mail_enrolments where workspace_id = ? and sequence_id = ? and status = 'active'")
            .bind(ws)
            .bind(sequence_id)
            .fetch_all(&mut *conn)
            .await?;
    for (id, position, next_at) in due {
        queue_step(&mut *conn, ws, id, position, next_at.max(now)).await?;
    }
    Ok(())
}

async fn queue_step(conn: &mut MySqlConnection, ws: Uuid, enrolment_id: Uuid, position: i32, run_at: DateTime<Utc>) -> Result<(), AppError> {
    let payload = json!({"workspace_id": ws, "enrolment_id": enrolment_id, "position": position});
    jobs::enqueue(&mut *conn, NewJob::new(STEP_JOB, payload).workspace(ws).run_at(run_at)).await?;
    Ok(())
}

// ---- enrolment (called where contacts sign up or get tags)

/// Starts a sequence for these contacts (each at most once), in the caller's transaction.
async fn enrol(conn: &mut MySqlConnection, ws: Uuid, sequence_id: Uuid, contact_ids: &[Uuid], now: DateTime<Utc>) -> Result<(), AppError> {
    let first: Option<i32> = sqlx::query_scalar("select wait_days from mail_campaigns where workspace_id = ? and sequence_id = ? order by position limit 1")
        .bind(ws)
        .bind(sequence_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(wait) = first else { return Ok(()) };
    let next_at = now + chrono::Duration::days(i64::from(wait));
    for contact in contact_ids {
        let id = Uuid::now_v7();
        let added = sqlx::query(
            "insert ignore into mail_enrolments (workspace_id, id, sequence_id, contact_id, status, next_position, next_at, created_at, updated_at)
             values (?, ?, ?, ?, 'active', 0, ?, ?, ?)",
        )
        .bind(ws)
        .bind(id)
        .bind(sequence_id)
        .bind(contact)
        .bind(next_at)
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if added == 1 {
            queue_step(&mut *conn, ws, id, 0, next_at).await?;
        }
    }
    Ok(())
}

/// A contact signed up through a public form (and confirmed, with double opt-in).
pub async fn on_signup(conn: &mut MySqlConnection, ws: Uuid, contact_id: Uuid) -> Result<(), AppError> {
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from mail_sequences where workspace_id = ? and active = 1 and trigger_kind = 'signup'")
        .bind(ws)
        .fetch_all(&mut *conn)
        .await?;
    let now = Utc::now();
    for id in ids {
        enrol(conn, ws, id, &[contact_id], now).await?;
    }
    Ok(())
}

/// The tags of active tag sequences: (sequence, tag id). Empty for most workspaces, which
/// lets the CRM skip the rest.
pub async fn tag_triggers(conn: &mut MySqlConnection, ws: Uuid) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    sqlx::query_as(
        "select s.id, t.id from mail_sequences s join crm_tags t on t.workspace_id = s.workspace_id and t.name = s.trigger_tag
         where s.workspace_id = ? and s.active = 1 and s.trigger_kind = 'tag'",
    )
    .bind(ws)
    .fetch_all(conn)
    .await
}

/// Contacts just got tags (`(contact, tag)` pairs that are new): the sequences those tags
/// start enrol them.
pub async fn on_tagged(conn: &mut MySqlConnection, ws: Uuid, triggers: &[(Uuid, Uuid)], added: &[(Uuid, Uuid)]) -> Result<(), AppError> {
    let now = Utc::now();
    for (sequence, tag) in triggers {
        let contacts: Vec<Uuid> = added.iter().filter(|(_, t)| t == tag).map(|(c, _)| *c).collect();
        if !contacts.is_empty() {
            enrol(conn, ws, *sequence, &contacts, now).await?;
        }
    }
    Ok(())
}

// ---- the step job

#[derive(Deserialize)]
struct Payload {
    workspace_id: Uuid,
    enrolment_id: Uuid,
    position: i32,
}

/// A contact's step is due: email them (if they can be emailed now) and queue the next step,
/// or finish. Stale jobs (the enrolment moved on, or the sequence was switched off and will
/// queue its due steps again when switched on) do nothing.
async fn step(ctx: JobContext) -> Result<(), JobError> {
    let p: Payload = ctx.payload_as()?;
    let ws = p.workspace_id;
    let mut tx = ctx.pool().begin().await?;
    let enrolment: Option<EnrolmentRow> =
        sqlx::query_as("select id, sequence_id, contact_id, status, next_position from mail_enrolments where workspace_id = ? and id = ? for update")
            .bind(ws)
            .bind(p.enrolment_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(e) = enrolment.filter(|e| e.status == "active" && e.next_position == p.position) else { return Ok(()) };
    if !find(&mut *tx, ws, e.sequence_id, false).await?.is_some_and(|s| s.active) {
        return Ok(());
    }
    let steps = steps(&mut *tx, ws, e.sequence_id).await?;
    let now = Utc::now();
    let set = |status: &'static str, position: i32, next_at: Option<DateTime<Utc>>| {
        sqlx::query("update mail_enrolments set status = ?, next_position = ?, next_at = ?, updated_at = ? where workspace_id = ? and id = ?")
            .bind(status)
            .bind(position)
            .bind(next_at)
            .bind(now)
            .bind(ws)
            .bind(e.id)
    };
    let Some(current) = steps.get(p.position.max(0) as usize) else {
        set("done", p.position, None).execute(&mut *tx).await?;
        tx.commit().await?;
        return Ok(());
    };
    match crm::mailable_contact(&mut tx, ws, e.contact_id).await.map_err(|e| JobError::retry(format!("{e:?}")))? {
        None => return Ok(()),
        Some((Consent::Unsubscribed | Consent::Bounced | Consent::Complained, _)) => {
            set("stopped", p.position, None).execute(&mut *tx).await?;
            tx.commit().await?;
            return Ok(());
        }
        // Subscribed: this step goes out. (Pending or no consent: this step is skipped.)
        Some((_, Some(c))) => {
            let r = NewRecipient { contact_id: c.id, email: c.email, first_name: c.first_name, last_name: c.last_name, variant: None, status: "queued" };
            let added = repo::insert_recipients(&mut tx, ws, current.id, &[r], now).await?;
            if added > 0 {
                sqlx::query("update mail_campaigns set recipients = recipients + ?, started_at = coalesce(started_at, ?) where workspace_id = ? and id = ?")
                    .bind(added)
                    .bind(now)
                    .bind(ws)
                    .bind(current.id)
                    .execute(&mut *tx)
                    .await?;
                let payload = json!({"workspace_id": ws, "campaign_id": current.id});
                jobs::enqueue(&mut *tx, NewJob::new(sender::SEND_JOB, payload).workspace(ws).max_attempts(10)).await.map_err(|e| JobError::retry(format!("{e:?}")))?;
            }
        }
        Some((_, None)) => {}
    }
    match steps.get(p.position.max(0) as usize + 1) {
        Some(next) => {
            let next_at = now + chrono::Duration::days(i64::from(next.wait_days));
            set("active", p.position + 1, Some(next_at)).execute(&mut *tx).await?;
            queue_step(&mut tx, ws, e.id, p.position + 1, next_at).await.map_err(|e| JobError::retry(format!("{e:?}")))?;
        }
        None => {
            set("done", p.position + 1, None).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
