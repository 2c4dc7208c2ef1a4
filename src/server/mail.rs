//! Platform email. `queue` writes the message to `email_outbox` and enqueues a `mail.send` job in
//! the caller's transaction, so a message exists exactly when the change that asked for it was
//! committed. The job delivers it with lettre over SMTP when `SMTP_URL` is set; without SMTP the
//! row is marked `unsent` with the reason, and stays readable (nothing is silently dropped).
use std::sync::Arc;

use chrono::Utc;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sqlx::{MySqlConnection, MySqlPool};
use uuid::Uuid;

use super::{
    config::Config,
    error::AppError,
    jobs::{self, JobContext, JobError, NewJob},
};

pub const JOB_KIND: &str = "mail.send";

/// A message to send.
#[derive(Debug, Clone)]
pub struct Email<'a> {
    /// What the message is about (`verify_email`, `password_reset`…), for the outbox and tests.
    pub kind: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body_text: String,
}

/// Stores the message and its delivery job. Call inside the transaction of the change.
pub async fn queue(conn: &mut MySqlConnection, email: Email<'_>) -> Result<Uuid, AppError> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    sqlx::query(
        "insert into email_outbox (id, workspace_id, kind, to_address, subject, body_text, status, attempts,
                                   created_at, updated_at)
         values (?, null, ?, ?, ?, ?, 'queued', 0, ?, ?)",
    )
    .bind(id)
    .bind(email.kind)
    .bind(email.to)
    .bind(email.subject)
    .bind(&email.body_text)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    jobs::enqueue(&mut *conn, NewJob::new(JOB_KIND, serde_json::json!({ "id": id }))).await?;
    Ok(id)
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    id: Uuid,
}

/// Delivers outbox messages; built once from the configuration.
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config.mail_from.parse().map_err(|e| anyhow::anyhow!("MAIL_FROM is invalid: {e}"))?;
        let transport = match &config.smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is invalid: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
        };
        Ok(Self { transport, from })
    }

    /// The `mail.send` job. Idempotent: a message already sent is not sent again.
    pub async fn deliver(&self, pool: &MySqlPool, ctx: &JobContext) -> Result<(), JobError> {
        let Payload { id } = ctx.payload_as()?;
        let row: Option<(String, String, String, String)> =
            sqlx::query_as("select to_address, subject, body_text, status from email_outbox where id = ?")
                .bind(id)
                .fetch_optional(pool)
                .await?;
        let Some((to, subject, body, status)) = row else {
            return Err(JobError::permanent(format!("outbox message {id} does not exist")));
        };
        if status == "sent" {
            return Ok(());
        }
        let Some(transport) = &self.transport else {
            mark(pool, id, "unsent", Some("SMTP_URL is not set: the message was kept in the outbox")).await?;
            return Ok(());
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse().map_err(|e| JobError::permanent(format!("recipient {to:?}: {e}")))?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| JobError::permanent(format!("building the message: {e}")))?;
        match transport.send(message).await {
            Ok(_) => {
                mark(pool, id, "sent", None).await?;
                Ok(())
            }
            Err(err) => {
                let permanent = err.is_permanent();
                let last = permanent || ctx.is_last_attempt();
                mark(pool, id, if last { "failed" } else { "queued" }, Some(&err.to_string())).await?;
                let err = JobError::retry(format!("SMTP: {err}"));
                Err(if permanent { err.into_permanent() } else { err })
            }
        }
    }
}

async fn mark(pool: &MySqlPool, id: Uuid, status: &str, error: Option<&str>) -> Result<(), sqlx::Error> {
    let now = Utc::now();
    sqlx::query(
        "update email_outbox set status = ?, attempts = attempts + 1, last_error = ?,
                sent_at = case when ? = 'sent' then ? else sent_at end, updated_at = ?
         where id = ?",
    )
    .bind(status)
    .bind(error.map(|e| e.chars().take(1000).collect::<String>()))
    .bind(status)
    .bind(now)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Registers `mail.send` with the job registry.
pub fn register(registry: jobs::Registry, mailer: Arc<Mailer>) -> jobs::Registry {
    registry.register(JOB_KIND, move |ctx: JobContext| {
        let mailer = mailer.clone();
        async move {
            let pool = ctx.pool().clone();
            mailer.deliver(&pool, &ctx).await
        }
    })
}
