//! Sender identities, templates, campaigns and reports. The REST handlers call these; the
//! sending itself is the job in `sender`. Audiences come from the CRM's `mailable_contacts`
//! (subscribed contacts only); unsubscribes go back through `crm::service::set_consent`.
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use secrecy::ExposeSecret;
use serde_json::json;
use sqlx::MySqlConnection;
use uuid::Uuid;

use super::{
    render::{self, Personal},
    repo::{self, CampaignRow, IdentityRow, NewRecipient, TemplateRow},
    sender,
    types::*,
};
use crate::modules::auth::types::Email;
use crate::modules::crm::{service as crm, types::Consent};
use crate::modules::workspaces::permissions::Permission;
use crate::server::{
    crypto,
    db::rfc3339 as at,
    error::AppError,
    jobs::{self, NewJob},
    state::AppState,
    tenant::Tenant,
};
use crate::shared::validate::Checks;

const BODY_MAX: usize = 512 * 1024;

pub(super) fn text(field: &str, value: &str, max: usize, required: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() && !required.is_empty() {
        return Err(required.to_owned());
    }
    if value.chars().count() > max {
        return Err(format!("Use at most {max} characters ({field})."));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err("Use a single line without control characters.".into());
    }
    Ok(value.to_owned())
}

fn email(raw: &str) -> Result<String, String> {
    Email::parse(raw).map(|e| e.as_str().to_owned())
}

// ---- identities

fn identity_view(row: IdentityRow) -> IdentityView {
    IdentityView {
        id: row.id,
        from_name: row.from_name,
        from_email: row.from_email,
        reply_to: row.reply_to,
        has_smtp: row.smtp_url_sealed.is_some(),
        created_at: at(row.created_at),
        updated_at: at(row.updated_at),
    }
}

pub async fn list_identities(state: &AppState, t: &Tenant) -> Result<Vec<IdentityView>, AppError> {
    t.require(Permission::MailRead)?;
    Ok(repo::list_identities(&state.pool, t.workspace_id()).await?.into_iter().map(identity_view).collect())
}

pub async fn get_identity(state: &AppState, t: &Tenant, id: Uuid) -> Result<IdentityView, AppError> {
    t.require(Permission::MailRead)?;
    Ok(identity_view(repo::find_identity(&state.pool, t.workspace_id(), id).await?.ok_or(AppError::NotFound)?))
}

/// Checks an SMTP URL the way lettre will read it.
fn parse_smtp_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("smtp://") || lower.starts_with("smtps://")) {
        return Err("Use an address like smtp://user:password@host:587?tls=required or smtps://…".into());
    }
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).map_err(|e| format!("This SMTP address is not valid: {e}"))?;
    Ok(url.to_owned())
}

pub async fn save_identity(state: &AppState, t: &Tenant, id: Option<Uuid>, input: IdentityInput) -> Result<IdentityView, AppError> {
    t.require(Permission::MailWrite)?;
    let ws = t.workspace_id();
    let now = Utc::now();
    let existing = match id {
        Some(id) => Some(repo::find_identity(&state.pool, ws, id).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let mut row = existing.clone().unwrap_or(IdentityRow {
        id: Uuid::now_v7(),
        from_name: String::new(),
        from_email: String::new(),
        reply_to: None,
        smtp_url_sealed: None,
        created_at: now,
        updated_at: now,
    });
    let mut checks = Checks::default();
    if let Some(name) = &input.from_name {
        row.from_name = checks.check("from_name", text("from_name", name, 100, "")).unwrap_or_default();
    }
    match (&input.from_email, &existing) {
        (Some(raw), _) => row.from_email = checks.check("from_email", email(raw)).unwrap_or_default(),
        (None, None) => checks.fail("from_email", "Enter the address the emails come from."),
        (None, Some(_)) => {}
    }
    if let Some(reply_to) = &input.reply_to {
        row.reply_to = match reply_to.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => None,
            Some(raw) => checks.check("reply_to", email(raw)),
        };
    }
    if let Some(smtp) = &input.smtp_url {
        row.smtp_url_sealed = match smtp.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => checks.check("smtp_url", parse_smtp_url(raw)).map(|url| crypto::seal(&state.config.data_key, url.as_bytes())),
        };
    }
    checks.finish()?;
    row.updated_at = now;
    repo::save_identity(&state.pool, ws, &row, existing.is_none()).await?;
    Ok(identity_view(row))
}

pub async fn delete_identity(state: &AppState, t: &Tenant, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::MailDelete)?;
    match repo::delete_identity(&state.pool, t.workspace_id(), id).await {
        Ok(0) => Err(AppError::NotFound),
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(AppError::conflict("Campaigns or sequences use this sender; change them first.")),
        Err(e) => Err(e.into()),
    }
}

/// The SMTP URL an identity sends through: its own, else the platform's.
pub fn smtp_url_of(state_config: &crate::server::config::Config, identity: Option<&IdentityRow>) -> Result<Option<String>, AppError> {
    if let Some(sealed) = identity.and_then(|i| i.smtp_url_sealed.as_deref()) {
        let url = crypto::open(&state_config.data_key, sealed)?;
        return Ok(Some(String::from_utf8(url).map_err(|e| anyhow::anyhow!("sealed SMTP url: {e}"))?));
    }
    Ok(state_config.smtp_url.as_ref().map(|u| u.expose_secret().to_owned()))
}

pub fn mailbox(name: &str, address: &str) -> Result<Mailbox, AppError> {
    let address = address.parse().map_err(|e| AppError::field("from_email", format!("This address cannot be used: {e}")))?;
    Ok(Mailbox::new((!name.is_empty()).then(|| name.to_owned()), address))
}

/// Sends a short test message from the identity to `to`, now, and says whether the SMTP
/// server took it (a refusal is a 422 with the server's reason).
pub async fn test_identity(state: &AppState, t: &Tenant, id: Uuid, input: TestSendInput) -> Result<TestSendResult, AppError> {
    t.require(Permission::MailWrite)?;
    let identity = repo::find_identity(&state.pool, t.workspace_id(), id).await?.ok_or(AppError::NotFound)?;
    let to = email(input.to.as_deref().unwrap_or_default()).map_err(|e| AppError::field("to", e))?;
    let Some(url) = smtp_url_of(&state.config, Some(&identity))? else {
        return Err(AppError::field("smtp_url", "No SMTP server is set up: add one to this sender or set SMTP_URL for the platform."));
    };
    let transport = sender::transport(&url)?;
    let message = lettre::Message::builder()
        .from(mailbox(&identity.from_name, &identity.from_email)?)
        .to(to.parse().map_err(|_| AppError::field("to", "Enter an email address like name@example.com."))?)
        .subject("Test message from Mewayz")
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(format!("This is a test message from the sender {} <{}>. It works.", identity.from_name, identity.from_email))
        .map_err(|e| AppError::bad_request(format!("The message could not be built: {e}")))?;
    use lettre::AsyncTransport;
    transport.send(message).await.map_err(|e| AppError::field("smtp_url", format!("The SMTP server did not take the message: {e}")))?;
    Ok(TestSendResult { sent: true, to })
}

// ---- templates

fn template_view(row: TemplateRow) -> TemplateView {
    TemplateView {
        id: row.id,
        blocks: serde_json::from_str(&row.blocks).unwrap_or_default(),
        name: row.name,
        subject: row.subject,
        created_at: at(row.created_at),
        updated_at: at(row.updated_at),
    }
}

pub async fn list_templates(state: &AppState, t: &Tenant) -> Result<Vec<TemplateView>, AppError> {
    t.require(Permission::MailRead)?;
    Ok(repo::list_templates(&state.pool, t.workspace_id()).await?.into_iter().map(template_view).collect())
}

pub async fn get_template(state: &AppState, t: &Tenant, id: Uuid) -> Result<TemplateView, AppError> {
    t.require(Permission::MailRead)?;
    Ok(template_view(repo::find_template(&state.pool, t.workspace_id(), id).await?.ok_or(AppError::NotFound)?))
}

pub async fn save_template(state: &AppState, t: &Tenant, id: Option<Uuid>, input: TemplateInput) -> Result<TemplateView, AppError> {
    t.require(Permission::MailWrite)?;
    let ws = t.workspace_id();
    let now = Utc::now();
    let existing = match id {
        Some(id) => Some(repo::find_template(&state.pool, ws, id).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let mut row = existing.clone().unwrap_or(TemplateRow { id: Uuid::now_v7(), name: String::new(), subject: String::new(), blocks: "[]".into(), created_at: now, updated_at: now });
    let mut checks = Checks::default();
    match (&input.name, &existing) {
        (Some(name), _) => row.name = checks.check("name", text("name", name, 100, "Name the template.")).unwrap_or_default(),
        (None, None) => checks.fail("name", "Name the template."),
        (None, Some(_)) => {}
    }
    if let Some(subject) = &input.subject {
        row.subject = checks.check("subject", text("subject", subject, 255, "").and_then(|s| render::check_tags(&s).map(|()| s))).unwrap_or_default();
    }
    if let Some(blocks) = &input.blocks
        && checks.check("blocks", render::check_blocks(blocks)).is_some()
    {
        row.blocks = serde_json::to_string(blocks).map_err(|e| anyhow::anyhow!("template json: {e}"))?;
    }
    checks.finish()?;
    if row.blocks.len() > BODY_MAX {
        return Err(AppError::field("blocks", "The template is too large."));
    }
    row.updated_at = now;
    repo::save_template(&state.pool, ws, &row, existing.is_none()).await?;
    Ok(template_view(row))
}

pub async fn delete_template(state: &AppState, t: &Tenant, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::MailDelete)?;
    match repo::delete_template(&state.pool, t.workspace_id(), id).await {
        Ok(0) => Err(AppError::NotFound),
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(AppError::conflict("Campaigns use this template; change them first.")),
        Err(e) => Err(e.into()),
    }
}

/// The template rendered for a sample contact (Ada Lovelace), links untracked.
pub async fn preview_template(state: &AppState, t: &Tenant, id: Uuid) -> Result<Preview, AppError> {
    let view = get_template(state, t, id).await?;
    Ok(sample(&view.subject, &view.blocks))
}

/// Blocks not saved yet, rendered like `preview_template` (the editor's live preview). The
/// same checks as saving, so the preview never shows what could not be saved.
pub async fn preview_blocks(_state: &AppState, t: &Tenant, subject: String, blocks: Vec<Block>) -> Result<Preview, AppError> {
    t.require(Permission::MailRead)?;
    let mut checks = Checks::default();
    checks.check("subject", render::check_tags(&subject));
    checks.check("blocks", render::check_blocks(&blocks));
    checks.finish()?;
    Ok(sample(&subject, &blocks))
}

fn sample(subject: &str, blocks: &[Block]) -> Preview {
    let (html, text) = render::render_blocks(blocks);
    let prepared = render::prepare(subject, &html, &text, "Your workspace");
    let values = |n: &str| match n {
        "first_name" => Some("Ada".to_owned()),
        "last_name" => Some("Lovelace".to_owned()),
        "full_name" => Some("Ada Lovelace".to_owned()),
        "email" => Some("ada@example.com".to_owned()),
        _ => None,
    };
    let links = prepared.links.clone();
    let link = |i: usize| links[i].clone();
    let (_, html, text) = prepared.personalise(&Personal { values: &values, link: &link, unsubscribe_url: "#unsubscribe", open_url: "data:," });
    Preview { html, text }
}

// ---- campaigns

/// An RFC 3339 time, cut to the microseconds the database keeps (MySQL would round, MariaDB
/// cut: the scheduled job compares the stored time with the one it was queued for).
fn parse_time(field: &str, raw: &str) -> Result<DateTime<Utc>, AppError> {
    use chrono::SubsecRound;
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|d| d.with_timezone(&Utc).trunc_subsecs(6))
        .map_err(|_| AppError::field(field, "Use a date and time like 2026-12-24T09:00:00Z."))
}

pub(super) fn campaign_view(row: CampaignRow) -> CampaignView {
    let ab_test = ab_test_of(&row);
    CampaignView {
        id: row.id,
        name: row.name,
        subject: row.subject,
        from_name: row.from_name,
        from_email: row.from_email,
        reply_to: row.reply_to,
        identity_id: row.identity_id,
        template_id: row.template_id,
        body_html: row.body_html,
        audience: serde_json::from_str(&row.audience).unwrap_or_default(),
        status: CampaignStatus::parse(&row.status).unwrap_or(CampaignStatus::Draft),
        send_at: row.send_at.map(at),
        started_at: row.started_at.map(at),
        finished_at: row.finished_at.map(at),
        recipients: row.recipients.max(0) as u64,
        ab_test,
        ab_winner: row.ab_winner,
        sequence_id: row.sequence_id,
        created_at: at(row.created_at),
        updated_at: at(row.updated_at),
    }
}

fn ab_test_of(row: &CampaignRow) -> Option<AbTest> {
    let n = |v: Option<i32>| v.unwrap_or_default().max(0) as u32;
    row.subject_b.as_ref().map(|b| AbTest { subject_b: b.clone(), test_percent: n(row.ab_test_percent), wait_hours: n(row.ab_wait_hours) })
}

pub async fn list_campaigns(state: &AppState, t: &Tenant) -> Result<Vec<CampaignView>, AppError> {
    t.require(Permission::MailRead)?;
    Ok(repo::list_campaigns(&state.pool, t.workspace_id()).await?.into_iter().map(campaign_view).collect())
}

pub async fn get_campaign(state: &AppState, t: &Tenant, id: Uuid) -> Result<CampaignView, AppError> {
    t.require(Permission::MailRead)?;
    Ok(campaign_view(repo::find_campaign(&state.pool, t.workspace_id(), id).await?.ok_or(AppError::NotFound)?))
}

fn check_audience(a: &Audience, checks: &mut Checks) -> Option<String> {
    let tags = a.tags.as_deref().unwrap_or_default();
    match (tags.is_empty(), a.segment_id) {
        (true, None) => {
            checks.fail("audience", "Choose who receives the campaign: tags or a segment.");
            None
        }
        (false, Some(_)) => {
            checks.fail("audience", "Choose tags or a segment, not both.");
            None
        }
        (false, None) => {
            let tags = checks.check("audience.tags", crm::parse_tags(tags))?;
            serde_json::to_string(&Audience { tags: Some(tags), segment_id: None }).ok()
        }
        (true, Some(id)) => serde_json::to_string(&Audience { tags: None, segment_id: Some(id) }).ok(),
    }
}

/// Applies a create/update input to `row` (checked; every problem in one 422).
pub(super) async fn apply_campaign(conn: &mut MySqlConnection, ws: Uuid, row: &mut CampaignRow, input: &CampaignInput, creating: bool) -> Result<(), AppError> {
    let mut checks = Checks::default();
    match (&input.name, creating) {
        (Some(name), _) => row.name = checks.check("name", text("name", name, 100, "Name the campaign.")).unwrap_or_default(),
        (None, true) => checks.fail("name", "Name the campaign."),
        _ => {}
    }
    if let Some(subject) = &input.subject {
        row.subject = checks.check("subject", text("subject", subject, 255, "Write a subject.").and_then(|s| render::check_tags(&s).map(|()| s))).unwrap_or_default();
    }
    if let Some(identity) = input.identity_id {
        row.identity_id = identity;
        if let Some(id) = identity {
            match repo::find_identity(&mut *conn, ws, id).await? {
                None => checks.fail("identity_id", "There is no such sender in this workspace."),
                Some(i) => {
                    row.from_name = i.from_name;
                    row.from_email = i.from_email;
                    row.reply_to = i.reply_to;
                }
            }
        }
    }
    if let Some(raw) = &input.from_email {
        row.from_email = checks.check("from_email", email(raw)).unwrap_or_default();
    }
    if let Some(name) = &input.from_name {
        row.from_name = checks.check("from_name", text("from_name", name, 100, "")).unwrap_or_default();
    }
    if let Some(reply_to) = &input.reply_to {
        row.reply_to = match reply_to.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => None,
            Some(raw) => checks.check("reply_to", email(raw)),
        };
    }
    if row.from_email.is_empty() && !checks.has_errors() {
        checks.fail("from_email", "Enter the address the campaign comes from, or choose a sender.");
    }
    if let Some(body) = &input.body_html {
        if body.len() > BODY_MAX {
            checks.fail("body_html", "The body is larger than 512 KB.");
        } else if let Some(clean) = checks.check("body_html", render::check_tags(body).map(|()| render::sanitize(body))) {
            row.body_html = clean;
        }
    }
    if let Some(template) = input.template_id {
        row.template_id = template;
        if let Some(id) = template
            && repo::find_template(&mut *conn, ws, id).await?.is_none()
        {
            checks.fail("template_id", "There is no such template in this workspace.");
        }
    }
    if input.body_html.as_deref().is_some_and(|b| !b.trim().is_empty()) && row.template_id.is_some() {
        checks.fail("body_html", "Use either your own HTML or a template, not both.");
    }
    if let Some(audience) = &input.audience
        && let Some(stored) = check_audience(audience, &mut checks)
    {
        row.audience = stored;
    }
    match &input.ab_test {
        Some(None) => (row.subject_b, row.ab_test_percent, row.ab_wait_hours) = (None, None, None),
        Some(Some(ab)) => {
            let subject_b = checks.check("ab_test.subject_b", text("subject_b", &ab.subject_b, 255, "Write the second subject to test.").and_then(|s| render::check_tags(&s).map(|()| s)));
            if !(10..=50).contains(&ab.test_percent) {
                checks.fail("ab_test.test_percent", "Test on 10 to 50 percent of the audience.");
            }
            if !(1..=168).contains(&ab.wait_hours) {
                checks.fail("ab_test.wait_hours", "Pick the winner after 1 to 168 hours.");
            }
            row.subject_b = subject_b;
            (row.ab_test_percent, row.ab_wait_hours) = (Some(ab.test_percent as i32), Some(ab.wait_hours as i32));
        }
        None => {}
    }
    if let Some(send_at) = &input.send_at {
        row.send_at = match send_at.as_deref().filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(raw) => match parse_time("send_at", raw) {
                Ok(t) => Some(t),
                Err(_) => {
                    checks.fail("send_at", "Use a date and time like 2026-12-24T09:00:00Z.");
                    None
                }
            },
        };
    }
    checks.finish()
}

/// A new, empty draft.
pub(super) fn new_campaign_row(now: DateTime<Utc>) -> CampaignRow {
    CampaignRow {
        id: Uuid::now_v7(),
        name: String::new(),
        subject: String::new(),
        from_name: String::new(),
        from_email: String::new(),
        reply_to: None,
        identity_id: None,
        template_id: None,
        body_html: String::new(),
        audience: "{}".into(),
        status: CampaignStatus::Draft.as_str().into(),
        send_at: None,
        started_at: None,
        finished_at: None,
        recipients: 0,
        subject_b: None,
        ab_test_percent: None,
        ab_wait_hours: None,
        ab_winner: None,
        sequence_id: None,
        position: 0,
        wait_days: 0,
        created_at: now,
        updated_at: now,
    }
}

pub async fn create_campaign(state: &AppState, t: &Tenant, input: CampaignInput) -> Result<CampaignView, AppError> {
    t.require(Permission::MailWrite)?;
    let ws = t.workspace_id();
    let mut row = new_campaign_row(Utc::now());
    let mut tx = state.pool.begin().await?;
    apply_campaign(&mut tx, ws, &mut row, &input, true).await?;
    repo::save_campaign(&mut *tx, ws, &row, true).await?;
    tx.commit().await?;
    Ok(campaign_view(row))
}

pub async fn update_campaign(state: &AppState, t: &Tenant, id: Uuid, input: CampaignInput) -> Result<CampaignView, AppError> {
    t.require(Permission::MailWrite)?;
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    let mut row = repo::lock_campaign(&mut tx, ws, id).await?.ok_or(AppError::NotFound)?;
    editable(&row)?;
    let before = row.send_at;
    apply_campaign(&mut tx, ws, &mut row, &input, false).await?;
    row.updated_at = Utc::now();
    if row.status == CampaignStatus::Scheduled.as_str() && row.send_at != before {
        match row.send_at {
            // A new time: a new start job; the old one sees the change and does nothing.
            Some(send_at) => schedule(&mut tx, ws, id, send_at).await?,
            None => row.status = CampaignStatus::Draft.as_str().into(),
        }
    }
    repo::save_campaign(&mut *tx, ws, &row, false).await?;
    tx.commit().await?;
    Ok(campaign_view(row))
}

/// Only drafts and scheduled campaigns change; a sequence's steps change with their sequence.
fn editable(row: &CampaignRow) -> Result<(), AppError> {
    if row.sequence_id.is_some() {
        return Err(AppError::conflict("This email is a step of a sequence: change it in the sequence."));
    }
    if !CampaignStatus::parse(&row.status).is_some_and(CampaignStatus::editable) {
        return Err(AppError::conflict("This campaign has been sent; it can no longer be changed or sent again."));
    }
    Ok(())
}

pub async fn delete_campaign(state: &AppState, t: &Tenant, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::MailDelete)?;
    let ws = t.workspace_id();
    let row = repo::find_campaign(&state.pool, ws, id).await?.ok_or(AppError::NotFound)?;
    if repo::delete_campaign(&state.pool, ws, id).await? == 0 {
        return Err(AppError::conflict(format!("This campaign is {}; only drafts and scheduled campaigns can be deleted.", row.status)));
    }
    Ok(())
}

async fn schedule(conn: &mut MySqlConnection, ws: Uuid, id: Uuid, send_at: DateTime<Utc>) -> Result<(), AppError> {
    let payload = json!({"workspace_id": ws, "campaign_id": id, "send_at": at(send_at)});
    jobs::enqueue(&mut *conn, NewJob::new(sender::START_JOB, payload).workspace(ws).run_at(send_at)).await?;
    Ok(())
}

/// What is missing before a campaign can go out, as one 422.
fn check_ready(row: &CampaignRow, config: &crate::server::config::Config, identity: Option<&IdentityRow>) -> Result<(), AppError> {
    let mut checks = Checks::default();
    if row.subject.trim().is_empty() {
        checks.fail("subject", "Write a subject.");
    }
    if row.body_html.trim().is_empty() && row.template_id.is_none() {
        checks.fail("body_html", "Write the email (body_html) or choose a template.");
    }
    if row.audience == "{}" {
        checks.fail("audience", "Choose who receives the campaign: tags or a segment.");
    }
    if smtp_url_of(config, identity)?.is_none() {
        checks.fail("identity_id", "No SMTP server is set up: add one to the sender identity or set SMTP_URL for the platform.");
    }
    checks.finish()
}

/// The campaign's recipients from the CRM. An empty audience is a 422 that says why.
pub(super) async fn resolve_audience(conn: &mut MySqlConnection, ws: Uuid, row: &CampaignRow) -> Result<Vec<NewRecipient>, AppError> {
    let audience: Audience = serde_json::from_str(&row.audience).unwrap_or_default();
    let contacts = crm::mailable_contacts(conn, ws, audience.tags.as_deref().unwrap_or_default(), audience.segment_id).await?;
    if contacts.is_empty() {
        return Err(AppError::field(
            "audience",
            "Nobody in this audience can be emailed: it has no contacts with an address whose consent is subscribed \
             (unsubscribed, bounced and complained contacts are always left out).",
        ));
    }
    Ok(contacts
        .into_iter()
        .map(|c| NewRecipient { contact_id: c.id, email: c.email, first_name: c.first_name, last_name: c.last_name, variant: None, status: "queued" })
        .collect())
}

/// How many contacts an audience would reach now (subscribed, with an address): the number
/// the campaign page shows before sending.
pub async fn audience_size(state: &AppState, t: &Tenant, audience: Audience) -> Result<u64, AppError> {
    t.require(Permission::MailRead)?;
    let mut checks = Checks::default();
    check_audience(&audience, &mut checks);
    checks.finish()?;
    let mut conn = state.pool.acquire().await?;
    let tags = audience.tags.as_deref().unwrap_or_default();
    Ok(crm::mailable_contacts(&mut conn, t.workspace_id(), tags, audience.segment_id).await?.len() as u64)
}

/// Adds the recipients and the send job; the campaign becomes `sending`. In the caller's
/// transaction.
pub(super) async fn start_sending(conn: &mut MySqlConnection, ws: Uuid, row: &CampaignRow) -> Result<(), AppError> {
    let mut recipients = resolve_audience(conn, ws, row).await?;
    let now = Utc::now();
    let payload = json!({"workspace_id": ws, "campaign_id": row.id});
    if let Some(ab) = ab_test_of(row) {
        split_for_ab_test(&mut recipients, ab.test_percent);
        let decide_at = now + chrono::Duration::hours(i64::from(ab.wait_hours));
        jobs::enqueue(&mut *conn, NewJob::new(sender::AB_WINNER_JOB, payload.clone()).workspace(ws).run_at(decide_at)).await?;
    }
    repo::insert_recipients(conn, ws, row.id, &recipients, now).await?;
    repo::set_campaign_status(&mut *conn, ws, row.id, CampaignStatus::Sending.as_str(), now).await?;
    jobs::enqueue(&mut *conn, NewJob::new(sender::SEND_JOB, payload).workspace(ws).max_attempts(10)).await?;
    Ok(())
}

/// Shuffles the audience and gives `percent` of it (at least one each) to subjects A and B,
/// alternately; the rest is held back for the winner.
fn split_for_ab_test(recipients: &mut [NewRecipient], percent: u32) {
    use rand::seq::SliceRandom;
    recipients.shuffle(&mut rand::rng());
    let test = (recipients.len() * percent as usize).div_ceil(100).max(2).min(recipients.len());
    for (i, r) in recipients.iter_mut().enumerate() {
        (r.variant, r.status) = if i >= test { (None, "held") } else if i % 2 == 0 { (Some("a"), "queued") } else { (Some("b"), "queued") };
    }
}

/// Sends the campaign now, or schedules it for `send_at` (the input's, else the stored one)
/// when that is in the future. The audience is checked now either way (an empty one is 422)
/// and resolved again when a scheduled campaign starts.
pub async fn send_campaign(state: &AppState, t: &Tenant, id: Uuid, input: SendInput) -> Result<CampaignView, AppError> {
    t.require(Permission::MailWrite)?;
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    let mut row = repo::lock_campaign(&mut tx, ws, id).await?.ok_or(AppError::NotFound)?;
    editable(&row)?;
    let identity = match row.identity_id {
        Some(i) => repo::find_identity(&mut *tx, ws, i).await?,
        None => None,
    };
    check_ready(&row, &state.config, identity.as_ref())?;
    if let Some(raw) = input.send_at.as_deref().filter(|s| !s.trim().is_empty()) {
        row.send_at = Some(parse_time("send_at", raw)?);
    }
    let now = Utc::now();
    match row.send_at.filter(|t| *t > now) {
        Some(send_at) => {
            resolve_audience(&mut tx, ws, &row).await?;
            row.status = CampaignStatus::Scheduled.as_str().into();
            row.updated_at = now;
            repo::save_campaign(&mut *tx, ws, &row, false).await?;
            schedule(&mut tx, ws, id, send_at).await?;
        }
        None => {
            repo::save_campaign(&mut *tx, ws, &row, false).await?;
            start_sending(&mut tx, ws, &row).await?;
        }
    }
    let row = repo::find_campaign(&mut *tx, ws, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(campaign_view(row))
}

pub async fn report(state: &AppState, t: &Tenant, id: Uuid) -> Result<Report, AppError> {
    t.require(Permission::MailRead)?;
    let ws = t.workspace_id();
    let mut conn = state.pool.acquire().await?;
    let n = |v: i64| v.max(0) as u64;
    let campaign = repo::find_campaign(&mut *conn, ws, id).await?.ok_or(AppError::NotFound)?;
    let totals = repo::totals(&mut *conn, ws, id).await?;
    let by_hour = repo::by_hour(&mut *conn, ws, id)
        .await?
        .into_iter()
        .map(|(hour, sent, opened, clicked)| HourPoint { hour, sent: n(sent), opened: n(opened), clicked: n(clicked) })
        .collect();
    let links = repo::link_clicks(&mut *conn, ws, id)
        .await?
        .into_iter()
        .map(|(url, clicks, unique)| LinkClicks { url, clicks: n(clicks), unique_clicks: n(unique) })
        .collect();
    Ok(Report {
        recipients: n(totals.recipients),
        queued: n(totals.queued),
        sent: n(totals.sent),
        delivered: n(totals.delivered),
        failed: n(totals.failed),
        unknown: n(totals.unknown),
        opened: n(totals.opened),
        clicked: n(totals.clicked),
        unsubscribed: n(totals.unsubscribed),
        bounced: n(totals.bounced),
        total_opens: n(totals.total_opens),
        total_clicks: n(totals.total_clicks),
        by_hour,
        links,
        ab: ab_report(&mut conn, ws, &campaign).await?,
    })
}

async fn ab_report(conn: &mut MySqlConnection, ws: Uuid, campaign: &CampaignRow) -> Result<Option<AbReport>, AppError> {
    let Some(ab) = ab_test_of(campaign) else { return Ok(None) };
    let n = |v: i64| v.max(0) as u64;
    let variants = repo::variant_totals(&mut *conn, ws, campaign.id)
        .await?
        .into_iter()
        .map(|v| VariantReport {
            subject: if v.variant == "b" { ab.subject_b.clone() } else { campaign.subject.clone() },
            variant: v.variant,
            recipients: n(v.recipients),
            sent: n(v.sent),
            opened: n(v.opened),
            clicked: n(v.clicked),
        })
        .collect();
    let decides_at = match repo::ab_decided_at(&mut *conn, ws, campaign.id).await? {
        Some(decided) => Some(decided),
        None => campaign.started_at.map(|s| s + chrono::Duration::hours(i64::from(ab.wait_hours))),
    };
    Ok(Some(AbReport {
        test_percent: ab.test_percent,
        wait_hours: ab.wait_hours,
        decides_at: decides_at.map(at),
        winner: campaign.ab_winner.clone(),
        held: n(repo::count_status(&mut *conn, ws, campaign.id, "held").await?),
        variants,
    }))
}

// ---- settings and form sign-ups

pub async fn settings(state: &AppState, t: &Tenant) -> Result<MailSettings, AppError> {
    t.require(Permission::MailRead)?;
    Ok(MailSettings { double_opt_in: repo::double_opt_in(&state.pool, t.workspace_id()).await? })
}

pub async fn save_settings(state: &AppState, t: &Tenant, input: MailSettings) -> Result<MailSettings, AppError> {
    t.require(Permission::MailWrite)?;
    repo::save_double_opt_in(&state.pool, t.workspace_id(), input.double_opt_in, Utc::now()).await?;
    Ok(input)
}

/// What a public sign-up form tells the visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupOutcome {
    /// On the list now.
    Subscribed,
    /// Asked to confirm from an email first (double opt-in).
    Confirm,
}

/// A confirmation is not sent again to an address that got one this recently.
const CONFIRM_RESEND: chrono::Duration = chrono::Duration::minutes(10);

/// A sign-up through a public form (the bio page's), in the caller's transaction. With double
/// opt-in on, the contact is `pending` and gets an email whose link confirms the address;
/// a bounced or complained address gets nothing (and the visitor is not told why).
pub async fn form_signup(conn: &mut MySqlConnection, config: &crate::server::config::Config, ws: Uuid, email: &str, source: &str, tags: &[String]) -> Result<SignupOutcome, AppError> {
    let double = repo::double_opt_in(&mut *conn, ws).await?;
    let id = crm::capture_signup(conn, ws, email, source, tags, !double).await?;
    let Some(id) = id else { return Ok(SignupOutcome::Subscribed) };
    let now = Utc::now();
    match crm::consent_of(conn, ws, id).await? {
        (Consent::Subscribed, _) => {
            super::sequences::on_signup(conn, ws, id).await?;
            return Ok(SignupOutcome::Subscribed);
        }
        _ if !double => return Ok(SignupOutcome::Subscribed),
        (Consent::Bounced | Consent::Complained, _) => return Ok(SignupOutcome::Confirm),
        (Consent::Pending, Some(at)) if now - at < CONFIRM_RESEND => return Ok(SignupOutcome::Confirm),
        _ => {}
    }
    crm::set_consent(conn, ws, id, Consent::Pending, &format!("{source}, waiting for the email confirmation")).await?;
    let name = crate::modules::workspaces::service::workspace_name(conn, ws).await?;
    let url = format!("{}/confirm/{}", config.public_url.trim_end_matches('/'), super::public::token(&config.data_key, super::public::Kind::Confirm, ws, id, ""));
    let subject = format!("Confirm your subscription to {name}");
    let body_text = format!(
        "Hello,\n\nSomeone, hopefully you, signed up for email from {name} with this address.\n\n\
         Confirm your subscription here:\n{url}\n\n\
         If it was not you, ignore this email: you will not receive anything else from {name}.\n"
    );
    crate::server::mail::queue(conn, crate::server::mail::Email { kind: "mail_confirm", to: email.trim(), subject: &subject, body_text }).await?;
    Ok(SignupOutcome::Confirm)
}

/// The link of a confirmation email was followed and confirmed: `pending` becomes
/// `subscribed` (already subscribed stays so). Anyone who unsubscribed, bounced or complained
/// since is not re-subscribed by an old link: a 409.
pub async fn confirm_signup(state: &AppState, ws: Uuid, contact_id: Uuid) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    match crm::consent_of(&mut tx, ws, contact_id).await? {
        (Consent::Subscribed, _) => return Ok(()),
        (Consent::Pending, _) => {}
        _ => return Err(AppError::conflict("This address has been unsubscribed since; sign up again to receive the emails.")),
    }
    crm::set_consent(&mut tx, ws, contact_id, Consent::Subscribed, "confirmed by email (double opt-in)").await?;
    super::sequences::on_signup(&mut tx, ws, contact_id).await?;
    let summary = "Confirmed the email subscription (double opt-in)";
    crm::record_activity(
        &mut tx,
        ws,
        contact_id,
        crm::NewActivity { kind: "email_confirmed", summary, body: "", data: json!({}), actor_id: None, occurred_at: None },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- the public side (tokens from the emails)

/// A recipient unsubscribes (one click, or the button of the preference page): the CRM
/// consent becomes `unsubscribed` with when and how, the contact's timeline says so, and the
/// campaign's report counts it. Repeating it changes nothing.
pub async fn unsubscribe(state: &AppState, ws: Uuid, recipient_id: Uuid, how: &str) -> Result<repo::RecipientRow, AppError> {
    let mut tx = state.pool.begin().await?;
    let r = repo::find_recipient(&mut *tx, ws, recipient_id).await?.ok_or(AppError::NotFound)?;
    if repo::mark_unsubscribed(&mut *tx, ws, r.id, Utc::now()).await? == 1 {
        let summary = |campaign: &str| format!("Unsubscribed from email via {how} (campaign “{campaign}”)");
        suppress(&mut tx, ws, &r, Consent::Unsubscribed, "email_unsubscribed", how, &summary).await?;
    } else {
        // Repeated: the consent is set again (it may have been changed by hand since), quietly.
        let campaign = repo::find_campaign(&mut *tx, ws, r.campaign_id).await?.ok_or(AppError::NotFound)?;
        match crm::set_consent(&mut tx, ws, r.contact_id, Consent::Unsubscribed, &format!("{how} ({})", campaign.name)).await {
            Ok(_) | Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    tx.commit().await?;
    Ok(r)
}

/// A recipient's address bounced for good (the SMTP server refused it): the report counts
/// it, the CRM consent becomes `bounced` so the address is never mailed again, and the
/// contact's timeline says why. Repeating it changes nothing.
pub async fn record_bounce(pool: &sqlx::MySqlPool, ws: Uuid, r: &repo::RecipientRow, reason: &str) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    if repo::mark_bounced(&mut *tx, ws, r.id, Utc::now()).await? == 1 {
        let summary = |campaign: &str| format!("The email of campaign “{campaign}” bounced: {reason}");
        suppress(&mut tx, ws, r, Consent::Bounced, "email_bounced", "bounce", &summary).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A bounce or complaint reported after sending: the contact is never mailed again (consent
/// `bounced` or `complained`, on the timeline); with the `message_id` of one of our messages,
/// a bounce also counts in that campaign's report. 404 when no contact has the address.
pub async fn record_event(state: &AppState, t: &Tenant, input: DeliveryEvent) -> Result<DeliveryEventResult, AppError> {
    t.require(Permission::MailWrite)?;
    let ws = t.workspace_id();
    let address = email(&input.email).map_err(|e| AppError::field("email", e))?;
    let (consent, kind, how) = match input.kind {
        DeliveryEventKind::Bounce => (Consent::Bounced, "email_bounced", "bounce report"),
        DeliveryEventKind::Complaint => (Consent::Complained, "email_complained", "spam complaint"),
    };
    // `<recipient-id@domain>`, as `sender::build` writes it.
    let recipient_id = input.message_id.as_deref().and_then(|m| m.trim().trim_start_matches('<').split('@').next().and_then(|id| Uuid::parse_str(id).ok()));
    let mut tx = state.pool.begin().await?;
    let recipient = match recipient_id {
        Some(id) => repo::find_recipient(&mut *tx, ws, id).await?.filter(|r| r.email.eq_ignore_ascii_case(&address)),
        None => None,
    };
    let contact_id = match &recipient {
        Some(r) => {
            if input.kind == DeliveryEventKind::Bounce {
                repo::mark_bounced(&mut *tx, ws, r.id, Utc::now()).await?;
            }
            let summary = |campaign: &str| match input.kind {
                DeliveryEventKind::Bounce => format!("The email of campaign “{campaign}” bounced (reported later)"),
                DeliveryEventKind::Complaint => format!("Marked the email of campaign “{campaign}” as spam"),
            };
            suppress(&mut tx, ws, r, consent, kind, how, &summary).await?;
            r.contact_id
        }
        None => {
            let id = crm::contact_id_by_email(&mut tx, ws, &address).await?.ok_or_else(|| AppError::field("email", "No contact in this workspace has this address."))?;
            crm::set_consent(&mut tx, ws, id, consent, how).await?;
            let summary = match input.kind {
                DeliveryEventKind::Bounce => "An email to this address bounced (reported later)",
                DeliveryEventKind::Complaint => "Marked an email as spam",
            };
            crm::record_activity(&mut tx, ws, id, crm::NewActivity { kind, summary, body: "", data: json!({"how": how}), actor_id: None, occurred_at: None }).await?;
            id
        }
    };
    let (now, _) = crm::consent_of(&mut tx, ws, contact_id).await?;
    tx.commit().await?;
    Ok(DeliveryEventResult { contact_id, consent_status: now.as_str().into(), campaign_id: recipient.map(|r| r.campaign_id) })
}

/// Sets the consent of a recipient's contact with when and how, and records it on the
/// timeline. A contact deleted since is skipped: the recipient row still records it.
async fn suppress(tx: &mut MySqlConnection, ws: Uuid, r: &repo::RecipientRow, consent: Consent, kind: &str, how: &str, summary: &(dyn Fn(&str) -> String + Sync)) -> Result<(), AppError> {
    let campaign = repo::find_campaign(&mut *tx, ws, r.campaign_id).await?.ok_or(AppError::NotFound)?;
    match crm::set_consent(tx, ws, r.contact_id, consent, &format!("{how} ({})", campaign.name)).await {
        Ok(_) => {}
        Err(AppError::NotFound) => return Ok(()),
        Err(e) => return Err(e),
    }
    let data = json!({"campaign_id": campaign.id, "how": how});
    let summary = summary(&campaign.name);
    crm::record_activity(tx, ws, r.contact_id, crm::NewActivity { kind, summary: &summary, body: "", data, actor_id: None, occurred_at: Some(Utc::now()) }).await?;
    Ok(())
}
