//! Abuse protection: backoff and lockout after failed sign-ins (for real and unknown emails
//! alike), per-IP limits on credential endpoints, per-user limits on the API.
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{GOOD_PASSWORD, TestApp, problem};

async fn fail_times(app: &TestApp, email: &str, n: usize) {
    for _ in 0..n {
        assert_eq!(app.log_in(email, "Wrong-Password-000").await.status(), 401);
    }
}

/// Moves every recorded failure `minutes` into the past.
async fn age_failures(app: &TestApp, minutes: i64) {
    sqlx::query("update login_failures set created_at = created_at - interval ? minute")
        .bind(minutes)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[sqlx::test]
async fn ten_failed_sign_ins_lock_the_account_for_15_minutes_and_email_the_owner(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    fail_times(&app, "ada@example.com", 10).await;

    let locked = app.log_in("ada@example.com", GOOD_PASSWORD).await;

    let retry: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((14 * 60..=15 * 60).contains(&retry), "{retry}");
    problem(locked, 429).await;
    let (lockouts,): (i64,) = sqlx::query_as("select count(*) from security_events where kind = 'lockout'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(lockouts, 1);
    let mail = app.outbox("ada@example.com").await;
    let lockout = mail.iter().find(|m| m.0 == "lockout").expect("the owner is emailed");
    assert!(lockout.2.contains("127.0.0.1") && lockout.2.contains("/forgot-password"));

    // Unlocks once the 15 minutes are over.
    age_failures(&app, 16).await;
    assert_eq!(app.log_in("ada@example.com", GOOD_PASSWORD).await.status(), 200);
    let (left,): (i64,) = sqlx::query_as("select count(*) from login_failures").fetch_one(&app.pool).await.unwrap();
    assert_eq!(left, 0, "a successful sign-in clears the count");
}

#[sqlx::test]
async fn an_unknown_email_is_answered_and_locked_exactly_like_a_real_one(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    for email in ["ada@example.com", "ghost@example.com"] {
        fail_times(&app, email, 10).await;
    }

    let real = problem(app.log_in("ada@example.com", "Wrong-Password-000").await, 429).await;
    let ghost = problem(app.log_in("ghost@example.com", "Wrong-Password-000").await, 429).await;

    assert_eq!(real["detail"].as_str().unwrap().split(" in ").next(), ghost["detail"].as_str().unwrap().split(" in ").next());
    assert_eq!(real["code"], ghost["code"]);
    assert!(app.outbox("ghost@example.com").await.is_empty());
}

#[sqlx::test]
async fn after_three_failures_each_attempt_must_wait_twice_as_long(pool: MySqlPool) {
    let app = TestApp::spawn_configured(pool, |c| c.login_backoff_base = std::time::Duration::from_secs(4)).await;
    app.sign_up_ok("ada@example.com").await;
    fail_times(&app, "ada@example.com", 3).await;

    let waiting = app.log_in("ada@example.com", GOOD_PASSWORD).await;

    let first_wait: u64 = waiting.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=4).contains(&first_wait), "{first_wait}");
    problem(waiting, 429).await;
    age_failures(&app, 1).await;
    fail_times(&app, "ada@example.com", 1).await;
    let second: u64 = app.log_in("ada@example.com", GOOD_PASSWORD).await.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((5..=8).contains(&second), "the wait doubled: {second}");
    age_failures(&app, 1).await;
    assert_eq!(app.log_in("ada@example.com", GOOD_PASSWORD).await.status(), 200);
}

#[sqlx::test]
async fn credential_endpoints_allow_10_requests_a_minute_per_ip_then_answer_429_with_retry_after(pool: MySqlPool) {
    let app = TestApp::spawn_configured(pool, |c| c.auth_rate_per_minute = 10).await;
    for i in 0..10 {
        let res = app.post_json("/api/v1/auth/password-reset", &json!({"email": format!("u{i}@example.com")})).await;
        assert_eq!(res.status(), 202, "request {i}");
    }

    let limited = app.log_in("ada@example.com", GOOD_PASSWORD).await;

    let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=6).contains(&retry), "one request comes back every 6 s: {retry}");
    let body = problem(limited, 429).await;
    assert_eq!(body["code"], "too_many_requests");
    let server_fn = app.client.post(app.url("/api/auth/sign_in")).header("origin", app.origin())
        .form(&[("email", "ada@example.com"), ("password", GOOD_PASSWORD)]).send().await.unwrap();
    assert_eq!(server_fn.status(), 429, "the pages' server functions share the limit");
}

#[sqlx::test]
async fn the_api_is_limited_per_user_not_per_ip(pool: MySqlPool) {
    let app = TestApp::spawn_configured(pool, |c| c.api_rate_per_minute = 5).await;
    app.sign_up_ok("ada@example.com").await;
    let other = app.new_client();
    app.sign_up_ok_in(&other, "bob@example.com").await;
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/auth/me").await.status(), 200);
    }

    let limited = app.get("/api/v1/auth/me").await;

    assert!(limited.headers().contains_key("retry-after"));
    problem(limited, 429).await;
    let bob: Value = other.get(app.url("/api/v1/auth/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(bob["user"]["email"], "bob@example.com", "another user from the same IP is unaffected");
}
