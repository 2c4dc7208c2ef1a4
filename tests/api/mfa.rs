//! TOTP MFA: enrolment, two-step sign-in, replay protection, backup codes, step-up. Codes come
//! from oathtool, an implementation independent of ours.
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{GOOD_PASSWORD, TestApp, oathtool, problem};

/// Signs up, enrols MFA; answers the base32 secret and the backup codes.
async fn with_mfa(app: &TestApp, email: &str) -> (String, Vec<String>) {
    app.sign_up_ok(email).await;
    let setup: Value = app.post_json("/api/v1/auth/mfa/setup", &json!({})).await.json().await.unwrap();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let res = app.post_json("/api/v1/auth/mfa/enable", &json!({"code": oathtool(&secret, 0)})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let codes = body["backup_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    (secret, codes)
}

/// First sign-in step from a fresh browser: answers that browser's client and the challenge.
async fn first_step(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let browser = app.new_client();
    let res = browser
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": GOOD_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none(), "no session before the second step");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["mfa_required"], true, "{body}");
    assert!(body.get("user").is_none());
    (browser, body["challenge"].as_str().unwrap().to_owned())
}

async fn second_step(app: &TestApp, browser: &reqwest::Client, challenge: &str, code: &str) -> reqwest::Response {
    browser.post(app.url("/api/v1/auth/login/mfa")).header("origin", app.origin()).json(&json!({"challenge": challenge, "code": code})).send().await.unwrap()
}

#[sqlx::test]
async fn setup_returns_a_secret_an_otpauth_url_and_an_svg_qr_code_and_mfa_stays_off_until_a_valid_code(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;

    let res = app.post_json("/api/v1/auth/mfa/setup", &json!({})).await;

    assert_eq!(res.status(), 200);
    let setup: Value = res.json().await.unwrap();
    let secret = setup["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160-bit secret in base32");
    let url = setup["otpauth_url"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/Mewayz:ada%40example.com?") && url.contains(&format!("secret={secret}")), "{url}");
    assert!(url.contains("issuer=Mewayz"));
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
    let status: Value = app.get("/api/v1/auth/mfa").await.json().await.unwrap();
    assert_eq!(status["enabled"], false);

    let wrong = app.post_json("/api/v1/auth/mfa/enable", &json!({"code": "000000"})).await;
    let body = problem(wrong, 422).await;
    assert_eq!(body["errors"][0]["field"], "code");
    let status: Value = app.get("/api/v1/auth/mfa").await.json().await.unwrap();
    assert_eq!(status["enabled"], false);
}

#[sqlx::test]
async fn enabling_with_an_oathtool_code_gives_ten_backup_codes_and_stores_the_secret_encrypted(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;

    let (secret, codes) = with_mfa(&app, "ada@example.com").await;

    assert_eq!(codes.len(), 10);
    let status: Value = app.get("/api/v1/auth/mfa").await.json().await.unwrap();
    assert_eq!(status, json!({"enabled": true, "backup_codes_remaining": 10}));
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["mfa_enabled"], true);
    let (sealed,): (Vec<u8>,) = sqlx::query_as("select totp_secret from users").fetch_one(&app.pool).await.unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains(&secret), "no plain secret at rest");
    let stored: Vec<(Vec<u8>,)> = sqlx::query_as("select code_hash from mfa_backup_codes").fetch_all(&app.pool).await.unwrap();
    assert_eq!(stored.len(), 10);
    assert!(stored.iter().all(|(h,)| !codes.iter().any(|c| h == c.as_bytes())), "codes are stored hashed");
    let (events,): (i64,) = sqlx::query_as("select count(*) from security_events where kind = 'mfa_enabled'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(events, 1);
}

#[sqlx::test]
async fn sign_in_with_mfa_takes_two_steps_and_accepts_an_oathtool_code(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let (secret, _) = with_mfa(&app, "ada@example.com").await;
    let (browser, challenge) = first_step(&app, "ada@example.com").await;

    // The enable step used the current time step; the next one is accepted once it comes, or
    // the one after now (±1 step is allowed).
    let res = second_step(&app, &browser, &challenge, &oathtool(&secret, 1)).await;

    assert_eq!(res.status(), 200);
    assert!(res.headers().get_all("set-cookie").iter().count() >= 2, "session cookies are set");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    let me = browser.get(app.url("/api/v1/auth/me")).send().await.unwrap();
    assert_eq!(me.status(), 200);
}

#[sqlx::test]
async fn a_replayed_totp_code_is_rejected(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let (secret, _) = with_mfa(&app, "ada@example.com").await;
    let code = oathtool(&secret, 1);
    let (browser, challenge) = first_step(&app, "ada@example.com").await;
    assert_eq!(second_step(&app, &browser, &challenge, &code).await.status(), 200);

    let (thief, challenge) = first_step(&app, "ada@example.com").await;
    let res = second_step(&app, &thief, &challenge, &code).await;

    let body = problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "code");
    // The code the enrolment used (this step) is spent too.
    let (thief, challenge) = first_step(&app, "ada@example.com").await;
    problem(second_step(&app, &thief, &challenge, &oathtool(&secret, 0)).await, 422).await;
}

#[sqlx::test]
async fn a_backup_code_signs_in_once_and_the_remaining_count_drops(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let (_, codes) = with_mfa(&app, "ada@example.com").await;
    let typed = codes[3].to_uppercase().replace('-', " ");

    let (browser, challenge) = first_step(&app, "ada@example.com").await;
    assert_eq!(second_step(&app, &browser, &challenge, &typed).await.status(), 200);

    let status: Value = browser.get(app.url("/api/v1/auth/mfa")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["backup_codes_remaining"], 9);
    let (again, challenge) = first_step(&app, "ada@example.com").await;
    problem(second_step(&app, &again, &challenge, &codes[3]).await, 422).await;
    let (used,): (i64,) = sqlx::query_as("select count(*) from security_events where kind = 'backup_code_used'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(used, 1);
}

#[sqlx::test]
async fn a_challenge_dies_after_five_wrong_codes_and_cannot_be_reused_after_success(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let (secret, _) = with_mfa(&app, "ada@example.com").await;
    let (browser, challenge) = first_step(&app, "ada@example.com").await;
    for _ in 0..5 {
        problem(second_step(&app, &browser, &challenge, "000000").await, 422).await;
    }
    problem(second_step(&app, &browser, &challenge, &oathtool(&secret, 1)).await, 401).await;

    let (browser, challenge) = first_step(&app, "ada@example.com").await;
    assert_eq!(second_step(&app, &browser, &challenge, &oathtool(&secret, 1)).await.status(), 200);
    problem(second_step(&app, &browser, &challenge, &oathtool(&secret, -1)).await, 401).await;
    problem(second_step(&app, &browser, "not-a-challenge", "123456").await, 401).await;
}

#[sqlx::test]
async fn the_second_step_is_rate_limited_like_the_first(pool: MySqlPool) {
    let app = TestApp::spawn_configured(pool, |c| c.auth_rate_per_minute = 4).await;
    // Sign-up takes one of the 4.
    let (_, _) = with_mfa(&app, "ada@example.com").await;
    let (browser, challenge) = first_step(&app, "ada@example.com").await;
    problem(second_step(&app, &browser, &challenge, "000000").await, 422).await;
    problem(second_step(&app, &browser, &challenge, "000000").await, 422).await;

    let res = second_step(&app, &browser, &challenge, "000000").await;

    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    problem(res, 429).await;
}

#[sqlx::test]
async fn turning_mfa_off_after_ten_minutes_needs_the_password_and_a_code(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let (secret, _) = with_mfa(&app, "ada@example.com").await;
    app.expire_verification().await;

    let body = problem(app.post_json("/api/v1/auth/mfa/disable", &json!({})).await, 403).await;
    assert_eq!(body["code"], "step_up_required");
    assert_eq!(body["mfa"], true);
    let wrong = app.post_json("/api/v1/auth/mfa/disable", &json!({"password": "Not-The-Password-9", "code": oathtool(&secret, 1)})).await;
    assert_eq!(problem(wrong, 422).await["errors"][0]["field"], "password");
    let bad_code = app.post_json("/api/v1/auth/mfa/disable", &json!({"password": GOOD_PASSWORD, "code": "000000"})).await;
    assert_eq!(problem(bad_code, 422).await["errors"][0]["field"], "code");

    let res = app.post_json("/api/v1/auth/mfa/disable", &json!({"password": GOOD_PASSWORD, "code": oathtool(&secret, 1)})).await;

    assert_eq!(res.status(), 204);
    let status: Value = app.get("/api/v1/auth/mfa").await.json().await.unwrap();
    assert_eq!(status, json!({"enabled": false, "backup_codes_remaining": 0}));
    let res = app.log_in("ada@example.com", GOOD_PASSWORD).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com", "one-step sign-in again");
    assert_eq!(app.outbox("ada@example.com").await.iter().filter(|m| m.0 == "mfa_disabled").count(), 1);
}

#[sqlx::test]
async fn within_ten_minutes_of_signing_in_no_step_up_is_asked_and_codes_can_be_regenerated(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let (_, old) = with_mfa(&app, "ada@example.com").await;

    let res = app.post_json("/api/v1/auth/mfa/backup-codes", &json!({})).await;

    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let new: Vec<&str> = body["backup_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(&c.to_string())));
    let (browser, challenge) = first_step(&app, "ada@example.com").await;
    problem(second_step(&app, &browser, &challenge, &old[0]).await, 422).await;
    assert_eq!(second_step(&app, &browser, &challenge, new[0]).await.status(), 200);
}

#[sqlx::test]
async fn the_pages_server_functions_enrol_mfa_with_an_empty_proof(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;

    let res = app.post_json("/api/auth/start_mfa_setup", &json!({"proof": {}})).await;

    assert_eq!(res.status(), 200);
    let setup: Value = res.json().await.unwrap();
    let secret = setup["secret"].as_str().unwrap();
    let enabled = app.client.post(app.url("/api/auth/mfa_enable")).header("origin", app.origin())
        .form(&[("code", oathtool(secret, 0))]).send().await.unwrap();
    assert_eq!(enabled.status(), 200);
    let body: Value = enabled.json().await.unwrap();
    assert_eq!(body["backup_codes"].as_array().unwrap().len(), 10);
}
