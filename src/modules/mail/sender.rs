//! Sending a campaign, on the job queue.
//!
//! `mail.campaign_start` (scheduled campaigns) resolves the audience at `send_at` and hands
//! over to `mail.campaign_send`, the one send job of a campaign. A run of it:
//! 1. turns rows a previous, crashed run left `sending` into `unknown` (see below);
//! 2. claims a batch of `queued` rows (one short transaction: `sending` + this run's
//!    `claim_token`), sends each over SMTP (a few at a time, within the workspace's rate),
//!    and records each outcome as soon as the server answers (`sent`, `failed`, or back to
//!    `queued` for a temporary refusal, which makes the job retry with backoff);
//! 3. when nothing is left, marks the campaign `sent`.
//!
//! Exactly once, as far as SMTP allows: UNIQUE (campaign, contact) keeps a contact from being
//! added twice, and a row is only sent by the run that claimed it. The one window left is a
//! crash after the SMTP server accepted a message and before its row was marked `sent`: the
//! next run cannot know whether it went out, so it marks the row `unknown` and does not send
//! it again — at most once for that narrow window, never twice. Every message carries a
//! Message-ID made from the recipient row (`<row-id@sender-domain>`), so a duplicate would also
//! be recognisable downstream.
use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::Utc;
use futures::StreamExt;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        MultiPart,
        header::{HeaderName, HeaderValue},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    public::{Kind, token},
    render::{self, Personal, Prepared},
    repo::{self, CampaignRow, RecipientRow},
    service,
    types::{Block, CampaignStatus},
};
use crate::server::{
    config::Config,
    error::AppError,
    jobs::{JobContext, JobError, Registry},
};

pub const START_JOB: &str = "mail.campaign_start";
pub const SEND_JOB: &str = "mail.campaign_send";
/// Picks the subject of an A/B campaign and releases the held-back rest.
pub const AB_WINNER_JOB: &str = "mail.campaign_ab_winner";
/// Rows claimed at once.
const BATCH: u32 = 100;
/// Messages in flight at once per run, each on its own pooled SMTP connection. lettre 0.11.23
/// leaves Nagle's algorithm on, so every message waits for the server's delayed ACK (40 ms on
/// Linux) before its final `.` goes out, so throughput grows with connections: 8 carried 163
/// messages/s in `scripts/bench-mail`, 16 carry 275 (lettre's fix, PR 1159, is not released).
const CONCURRENCY: usize = 16;

pub fn transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, AppError> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| AppError::field("smtp_url", format!("This SMTP address is not valid: {e}")))?
        .timeout(Some(std::time::Duration::from_secs(20)))
        .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(CONCURRENCY as u32))
        .build())
}

/// What the send jobs share: the configuration and the per-workspace rate limiter.
struct Runtime {
    config: Arc<Config>,
    limiter: Option<DefaultKeyedRateLimiter<Uuid>>,
}

pub fn register(registry: Registry, config: &Config) -> Registry {
    let runtime = Arc::new(Runtime {
        config: Arc::new(config.clone()),
        limiter: NonZeroU32::new(config.mail_rate_per_second).map(|n| RateLimiter::keyed(Quota::per_second(n))),
    });
    registry.register(START_JOB, start).register(AB_WINNER_JOB, ab_winner).register(SEND_JOB, move |ctx: JobContext| send(runtime.clone(), ctx))
}

#[derive(Deserialize)]
struct Payload {
    workspace_id: Uuid,
    campaign_id: Uuid,
    #[serde(default)]
    send_at: Option<String>,
}

fn app_error(e: AppError) -> JobError {
    JobError::retry(format!("{e:?}"))
}

/// A scheduled campaign's time has come: resolve the audience and start sending, unless the
/// campaign was changed (another time, back to draft, deleted) since this job was queued.
async fn start(ctx: JobContext) -> Result<(), JobError> {
    let p: Payload = ctx.payload_as()?;
    let mut tx = ctx.pool().begin().await?;
    let Some(row) = repo::lock_campaign(&mut tx, p.workspace_id, p.campaign_id).await? else { return Ok(()) };
    let due = row.send_at.map(crate::server::db::rfc3339);
    if row.status != CampaignStatus::Scheduled.as_str() || due != p.send_at {
        return Ok(());
    }
    match service::start_sending(&mut tx, p.workspace_id, &row).await {
        Ok(()) => {}
        Err(AppError::Validation { errors }) => {
            // The audience emptied out since scheduling: nothing to send.
            tracing::warn!(campaign = %row.id, ?errors, "scheduled campaign not sent");
            repo::set_campaign_status(&mut *tx, p.workspace_id, row.id, CampaignStatus::Failed.as_str(), Utc::now()).await?;
        }
        Err(e) => return Err(app_error(e)),
    }
    tx.commit().await?;
    Ok(())
}

/// The subject whose test half opened more (by rate; a tie keeps A).
pub fn pick_winner(variants: &[repo::VariantTotals]) -> &'static str {
    let rate = |name: &str| {
        variants.iter().find(|v| v.variant == name).map_or(0.0, |v| if v.sent > 0 { v.opened as f64 / v.sent as f64 } else { 0.0 })
    };
    if rate("b") > rate("a") { "b" } else { "a" }
}

/// The test time of an A/B campaign is over: the subject with the better open rate wins and
/// the held-back rest is queued for it. Runs once (the winner is only set while unset).
async fn ab_winner(ctx: JobContext) -> Result<(), JobError> {
    let p: Payload = ctx.payload_as()?;
    let (ws, id) = (p.workspace_id, p.campaign_id);
    let mut tx = ctx.pool().begin().await?;
    let Some(row) = repo::lock_campaign(&mut tx, ws, id).await? else { return Ok(()) };
    if row.ab_winner.is_some() || row.subject_b.is_none() {
        return Ok(());
    }
    let now = Utc::now();
    let winner = pick_winner(&repo::variant_totals(&mut *tx, ws, id).await?);
    repo::set_ab_winner(&mut *tx, ws, id, winner, now).await?;
    if repo::release_held(&mut *tx, ws, id, now).await? > 0 {
        let payload = serde_json::json!({"workspace_id": ws, "campaign_id": id});
        crate::server::jobs::enqueue(&mut *tx, crate::server::jobs::NewJob::new(SEND_JOB, payload).workspace(ws).max_attempts(10)).await.map_err(app_error)?;
    }
    tx.commit().await?;
    tracing::info!(campaign = %id, winner, "A/B subject test decided");
    Ok(())
}

/// Everything one run needs to build a recipient's message.
struct Campaign {
    ws: Uuid,
    row: CampaignRow,
    prepared: Prepared,
    /// The B subject of an A/B test (the body is the same).
    prepared_b: Option<Prepared>,
    from: lettre::message::Mailbox,
    reply_to: Option<lettre::message::Mailbox>,
    domain: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

async fn load(rt: &Runtime, pool: &sqlx::MySqlPool, ws: Uuid, id: Uuid) -> Result<Option<Campaign>, JobError> {
    let Some(row) = repo::find_campaign(pool, ws, id).await? else { return Ok(None) };
    let identity = match row.identity_id {
        Some(i) => repo::find_identity(pool, ws, i).await?,
        None => None,
    };
    let url = service::smtp_url_of(&rt.config, identity.as_ref())
        .map_err(app_error)?
        .ok_or_else(|| JobError::permanent("no SMTP server is configured for this campaign"))?;
    let transport = transport(&url).map_err(|e| JobError::permanent(format!("{e:?}")))?;
    let (body_html, body_text) = match row.template_id {
        Some(t) => {
            let template = repo::find_template(pool, ws, t).await?.ok_or_else(|| JobError::permanent("the campaign's template is gone"))?;
            let blocks: Vec<Block> = serde_json::from_str(&template.blocks).unwrap_or_default();
            render::render_blocks(&blocks)
        }
        None => {
            let html = render::sanitize(&row.body_html);
            let text = render::html_to_text(&html);
            (html, text)
        }
    };
    let sender = if row.from_name.is_empty() { row.from_email.clone() } else { format!("{} <{}>", row.from_name, row.from_email) };
    let prepared = render::prepare(&row.subject, &body_html, &body_text, &sender);
    let prepared_b = row.subject_b.as_ref().map(|b| render::prepare(b, &body_html, &body_text, &sender));
    let from = service::mailbox(&row.from_name, &row.from_email).map_err(|e| JobError::permanent(format!("{e:?}")))?;
    let reply_to = row.reply_to.as_deref().and_then(|r| r.parse().ok());
    let domain = row.from_email.rsplit('@').next().unwrap_or("localhost").to_owned();
    Ok(Some(Campaign { ws, row, prepared, prepared_b, from, reply_to, domain, transport }))
}

fn build(rt: &Runtime, c: &Campaign, r: &RecipientRow) -> Result<(Message, String), String> {
    let base = rt.config.public_url.trim_end_matches('/');
    let key = &rt.config.data_key;
    let unsubscribe_url = format!("{base}/u/{}", token(key, Kind::Unsubscribe, c.ws, r.id, ""));
    let open_url = format!("{base}/o/{}", token(key, Kind::Open, c.ws, r.id, ""));
    let full_name = format!("{} {}", r.first_name, r.last_name).trim().to_owned();
    let values = |name: &str| match name {
        "first_name" => Some(r.first_name.clone()),
        "last_name" => Some(r.last_name.clone()),
        "full_name" => Some(full_name.clone()),
        "email" => Some(r.email.clone()),
        _ => None,
    };
    // The test half's own subject, else (the held-back rest) the winner's.
    let prepared = match (r.variant.as_deref().or(c.row.ab_winner.as_deref()), &c.prepared_b) {
        (Some("b"), Some(b)) => b,
        _ => &c.prepared,
    };
    let link = |i: usize| format!("{base}/c/{}", token(key, Kind::Click, c.ws, r.id, &prepared.links[i]));
    let (subject, html, text) = prepared.personalise(&Personal { values: &values, link: &link, unsubscribe_url: &unsubscribe_url, open_url: &open_url });
    let to = lettre::message::Mailbox::new((!full_name.is_empty()).then(|| full_name.clone()), r.email.parse().map_err(|e| format!("recipient {}: {e}", r.email))?);
    let message_id = format!("<{}@{}>", r.id, c.domain);
    let mut builder = Message::builder().from(c.from.clone()).to(to).subject(subject).message_id(Some(message_id.clone()));
    if let Some(reply_to) = &c.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    let mut message = builder.multipart(MultiPart::alternative_plain_html(text, html)).map_err(|e| format!("building the message: {e}"))?;
    let mailto = format!("mailto:{}?subject=unsubscribe", c.row.from_email);
    let headers = message.headers_mut();
    headers.insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{unsubscribe_url}>, <{mailto}>")));
    headers.insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click".into()));
    Ok((message, message_id))
}

enum Outcome {
    Sent(String),
    Failed(String),
    /// The server refused the address itself for good (550/551/553): a hard bounce.
    Bounced(String),
    Retry(String),
}

/// Sends one claimed row and records its outcome at once (the window in which a crash leaves
/// a sent row `sending` is one statement long). `Some(error)` when the server refused for now
/// and the row went back to `queued`.
async fn send_one(rt: &Runtime, c: &Campaign, pool: &sqlx::MySqlPool, claim: Uuid, last_attempt: bool, r: RecipientRow) -> Result<Option<String>, sqlx::Error> {
    let outcome = send_row(rt, c, &r).await;
    let (status, message_id, error) = match &outcome {
        Outcome::Sent(m) => ("sent", Some(m.as_str()), None),
        Outcome::Failed(e) | Outcome::Bounced(e) => ("failed", None, Some(e.as_str())),
        // On the last attempt a temporary refusal is final.
        Outcome::Retry(e) if last_attempt => ("failed", None, Some(e.as_str())),
        Outcome::Retry(e) => ("queued", None, Some(e.as_str())),
    };
    let now = Utc::now();
    if repo::finish_recipient(pool, c.ws, r.id, claim, status, message_id, error, now).await? == 1
        && let Outcome::Bounced(e) = &outcome
        && let Err(e) = service::record_bounce(pool, c.ws, &r, e).await
    {
        tracing::warn!(recipient = %r.id, error = ?e, "recording a bounce failed");
    }
    Ok(match outcome {
        Outcome::Retry(e) if !last_attempt => Some(e),
        _ => None,
    })
}

async fn send_row(rt: &Runtime, c: &Campaign, r: &RecipientRow) -> Outcome {
    let (message, message_id) = match build(rt, c, r) {
        Ok(m) => m,
        Err(e) => return Outcome::Failed(e),
    };
    if let Some(limiter) = &rt.limiter {
        limiter.until_key_ready(&c.ws).await;
    }
    match c.transport.send(message).await {
        Ok(_) => Outcome::Sent(message_id),
        Err(e) if e.is_permanent() && e.status().is_some_and(|code| is_hard_bounce(&code.to_string(), &e.to_string())) => {
            Outcome::Bounced(format!("SMTP: {e}"))
        }
        Err(e) if e.is_permanent() => Outcome::Failed(format!("SMTP: {e}")),
        Err(e) => Outcome::Retry(format!("SMTP: {e}")),
    }
}

/// Whether a permanent SMTP refusal says the recipient's address does not exist (a hard
/// bounce, which suppresses the address), rather than refusing the sender or the message: a
/// 550/551/553 with an enhanced code 5.1.1/2/3/6/10, or, without one, words about the mailbox.
fn is_hard_bounce(code: &str, message: &str) -> bool {
    let text = message.to_ascii_lowercase();
    if !matches!(code, "550" | "551" | "553") || text.contains("sender") {
        return false;
    }
    let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'));
    let enhanced: Vec<&str> = words.clone().filter(|w| w.starts_with("5.") && w.matches('.').count() == 2).collect();
    if !enhanced.is_empty() {
        return enhanced.iter().any(|c| matches!(*c, "5.1.1" | "5.1.2" | "5.1.3" | "5.1.6" | "5.1.10"));
    }
    ["mailbox", "user unknown", "no such user", "recipient", "does not exist"].iter().any(|w| text.contains(w))
}

/// One run of a campaign's send job (see the module docs).
async fn send(rt: Arc<Runtime>, ctx: JobContext) -> Result<(), JobError> {
    let p: Payload = ctx.payload_as()?;
    let pool = ctx.pool().clone();
    let (ws, id) = (p.workspace_id, p.campaign_id);
    let abandoned = repo::abandon_sending(&pool, ws, id, Utc::now()).await?;
    if abandoned > 0 {
        tracing::warn!(campaign = %id, rows = abandoned, "rows of an interrupted run marked unknown, not re-sent");
    }
    let Some(campaign) = load(&rt, &pool, ws, id).await? else { return Ok(()) };
    let automated = campaign.row.status == CampaignStatus::Automated.as_str();
    if campaign.row.status != CampaignStatus::Sending.as_str() && !automated {
        return Ok(());
    }
    // Rows are claimed with this run's lease, so a concurrent run can tell them from a dead run's.
    let claim = ctx.lease_token();
    let mut conn = pool.acquire().await?;
    let mut retry: Option<String> = None;
    while retry.is_none() {
        let rows = repo::claim_batch(&mut conn, ws, id, claim, BATCH, Utc::now()).await?;
        if rows.is_empty() {
            break;
        }
        let last = ctx.is_last_attempt();
        let results: Vec<Result<Option<String>, sqlx::Error>> =
            futures::stream::iter(rows).map(|r| send_one(&rt, &campaign, &pool, claim, last, r)).buffer_unordered(CONCURRENCY).collect().await;
        for result in results {
            if let Some(error) = result? {
                retry.get_or_insert(error);
            }
        }
        let percent = {
            let left = repo::count_status(&mut *conn, ws, id, "queued").await?.max(0) as f64;
            let total = f64::from(campaign.row.recipients.max(1));
            // (A sequence step's queue is open-ended: its progress is not meaningful.)
            (100.0 * (1.0 - left / total)).clamp(0.0, 99.0) as u32
        };
        ctx.set_progress(percent).await?;
    }
    if let Some(limiter) = &rt.limiter {
        // Forget workspaces whose allowance is full again, so the map does not only grow.
        limiter.retain_recent();
    }
    if let Some(error) = retry {
        return Err(JobError::retry(error));
    }
    // A sequence step never finishes; an A/B campaign waits for its held-back rest.
    let mut left = 0;
    for status in ["queued", "sending", "held"] {
        left += repo::count_status(&mut *conn, ws, id, status).await?;
    }
    if left == 0 && !automated {
        repo::set_campaign_status(&mut *conn, ws, id, CampaignStatus::Sent.as_str(), Utc::now()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusals_of_the_address_itself_are_hard_bounces() {
        assert!(is_hard_bounce("550", "permanent error (550): 5.1.1 <x@example.com>: user unknown"));
        assert!(is_hard_bounce("550", "permanent error (550): no such mailbox"));
        assert!(!is_hard_bounce("550", "permanent error (550): 5.7.1 message rejected as spam"));
        assert!(!is_hard_bounce("553", "permanent error (553): sender address rejected"));
        assert!(!is_hard_bounce("535", "permanent error (535): authentication failed, no such user"));
        assert!(!is_hard_bounce("552", "permanent error (552): mailbox full"));
    }

    #[test]
    fn the_subject_with_the_better_open_rate_wins_and_a_tie_keeps_a() {
        let v = |variant: &str, sent, opened| repo::VariantTotals { variant: variant.into(), recipients: sent, sent, opened, clicked: 0 };
        assert_eq!(pick_winner(&[v("a", 10, 2), v("b", 10, 5)]), "b");
        assert_eq!(pick_winner(&[v("a", 10, 5), v("b", 20, 6)]), "a");
        assert_eq!(pick_winner(&[v("a", 10, 3), v("b", 10, 3)]), "a");
        assert_eq!(pick_winner(&[v("a", 0, 0), v("b", 0, 0)]), "a");
    }
}
