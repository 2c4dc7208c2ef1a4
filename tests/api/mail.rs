//! Email delivery: the outbox always holds the message; with SMTP_URL the job sends it through
//! lettre's SMTP client (here to a fake SMTP server) and records the outcome.
use secrecy::SecretString;
use sqlx::MySqlPool;

use crate::helpers::{FakeSmtp, TestApp, eventually};

async fn status_of(app: &TestApp, to: &str) -> Option<String> {
    app.outbox(to).await.first().map(|m| m.3.clone())
}

#[sqlx::test]
async fn with_smtp_configured_mail_is_sent_over_smtp_and_marked_sent(pool: MySqlPool) {
    let smtp = FakeSmtp::start(false).await;
    let url = smtp.url.clone();
    let app = TestApp::spawn_configured(pool, |c| c.smtp_url = Some(SecretString::from(url))).await;

    app.sign_up_ok("ada@example.com").await;

    assert!(eventually(|| async { status_of(&app, "ada@example.com").await.as_deref() == Some("sent") }).await);
    let received = smtp.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["ada@example.com"]);
    assert!(received[0].data.contains("Subject: Confirm your email address"));
    assert!(received[0].data.contains("/verify-email?token="));
}

#[sqlx::test]
async fn without_smtp_mail_stays_in_the_outbox_marked_unsent(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;

    app.sign_up_ok("ada@example.com").await;

    assert!(eventually(|| async { status_of(&app, "ada@example.com").await.as_deref() == Some("unsent") }).await);
    let (error,): (Option<String>,) = sqlx::query_as("select last_error from email_outbox").fetch_one(&app.pool).await.unwrap();
    assert!(error.unwrap().contains("SMTP_URL is not set"));
}

#[sqlx::test]
async fn a_permanent_smtp_refusal_marks_the_message_failed_without_retrying(pool: MySqlPool) {
    let smtp = FakeSmtp::start(true).await;
    let url = smtp.url.clone();
    let app = TestApp::spawn_configured(pool, |c| c.smtp_url = Some(SecretString::from(url))).await;

    app.sign_up_ok("ada@example.com").await;

    assert!(eventually(|| async { status_of(&app, "ada@example.com").await.as_deref() == Some("failed") }).await);
    let (attempts, job): (i32, String) =
        sqlx::query_as("select o.attempts, j.status from email_outbox o, jobs j").fetch_one(&app.pool).await.unwrap();
    assert_eq!(attempts, 1);
    assert_eq!(job, "dead");
}
