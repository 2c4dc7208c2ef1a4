//! Email verification, password reset and change, email change, profile, avatar, deletion.
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{GOOD_PASSWORD, TestApp, problem};

const NEW_PASSWORD: &str = "Amber-Falcon-Orchard-27";

async fn verify(app: &TestApp, token: &str) -> reqwest::Response {
    app.new_client().post(app.url("/api/v1/auth/verify-email")).json(&json!({"token": token})).send().await.unwrap()
}

#[sqlx::test]
async fn sign_up_queues_a_verification_email_whose_link_verifies_the_address_once(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let mail = app.outbox("ada@example.com").await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].0, "verify_email");
    assert!(mail[0].2.contains("/verify-email?token="), "{}", mail[0].2);
    let token = app.emailed_token("ada@example.com", "verify_email").await;
    let (stored,): (Vec<u8>,) = sqlx::query_as("select token_hash from auth_tokens").fetch_one(&app.pool).await.unwrap();
    assert_ne!(stored, token.as_bytes(), "only the hash is stored");

    let res = verify(&app, &token).await;

    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email_verified"], true);
    let again = problem(verify(&app, &token).await, 422).await;
    assert_eq!(again["errors"][0]["field"], "token");
    assert!(again["errors"][0]["message"].as_str().unwrap().contains("already been used"));
}

#[sqlx::test]
async fn unknown_and_expired_verification_links_are_422_naming_the_token(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let token = app.emailed_token("ada@example.com", "verify_email").await;
    problem(verify(&app, "made-up-token").await, 422).await;
    sqlx::query("update auth_tokens set expires_at = utc_timestamp(6) - interval 1 minute").execute(&app.pool).await.unwrap();

    let body = problem(verify(&app, &token).await, 422).await;

    assert!(body["errors"][0]["message"].as_str().unwrap().contains("expired"));
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["email_verified"], false);
}

#[sqlx::test]
async fn a_password_reset_answers_alike_for_unknown_emails_and_mails_only_real_accounts(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;

    let known = app.post_json("/api/v1/auth/password-reset", &json!({"email": "ADA@example.com"})).await;
    let unknown = app.post_json("/api/v1/auth/password-reset", &json!({"email": "nobody@example.com"})).await;

    assert_eq!(known.status(), 202);
    assert_eq!(unknown.status(), 202);
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(app.outbox("ada@example.com").await.iter().filter(|m| m.0 == "password_reset").count(), 1);
    assert!(app.outbox("nobody@example.com").await.is_empty());
    let bad = problem(app.post_json("/api/v1/auth/password-reset", &json!({"email": "nope"})).await, 422).await;
    assert_eq!(bad["errors"][0]["field"], "email");
}

#[sqlx::test]
async fn resetting_the_password_revokes_every_session_and_the_link_works_once(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    app.post_json("/api/v1/auth/password-reset", &json!({"email": "ada@example.com"})).await;
    let token = app.emailed_token("ada@example.com", "password_reset").await;
    let app = &app;
    let confirm = |password: &'static str| {
        let token = token.clone();
        async move {
            app.new_client()
                .post(app.url("/api/v1/auth/password-reset/confirm"))
                .json(&json!({"token": token, "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    let weak = problem(confirm("password1234").await, 422).await;
    assert_eq!(weak["errors"][0]["field"], "password");
    let same = problem(confirm(GOOD_PASSWORD).await, 422).await;
    assert!(same["errors"][0]["message"].as_str().unwrap().contains("used this password recently"));

    assert_eq!(confirm(NEW_PASSWORD).await.status(), 204);

    problem(app.get("/api/v1/auth/me").await, 401).await;
    assert_eq!(app.log_in("ada@example.com", GOOD_PASSWORD).await.status(), 401);
    assert_eq!(app.log_in("ada@example.com", NEW_PASSWORD).await.status(), 200);
    problem(confirm("Another-Fresh-Phrase-55").await, 422).await;
    let (events,): (i64,) = sqlx::query_as("select count(*) from security_events where kind = 'password_reset'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(events, 1);
}

#[sqlx::test]
async fn a_reset_link_expires_after_30_minutes(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    app.post_json("/api/v1/auth/password-reset", &json!({"email": "ada@example.com"})).await;
    let (ttl,): (i64,) = sqlx::query_as("select timestampdiff(second, created_at, expires_at) from auth_tokens where purpose = 'password_reset'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(ttl, 30 * 60);
}

#[sqlx::test]
async fn changing_the_password_needs_the_current_one_and_refuses_the_last_five(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let change = |current: &str, new: &str| {
        let body = json!({"current_password": current, "new_password": new});
        let app = &app;
        async move { app.post_json("/api/v1/auth/password", &body).await }
    };

    let wrong = problem(change("Not-My-Password-00", NEW_PASSWORD).await, 422).await;
    assert_eq!(wrong["errors"][0]["field"], "current_password");
    let weak = problem(change(GOOD_PASSWORD, "short").await, 422).await;
    assert_eq!(weak["errors"][0]["field"], "new_password");

    let passwords = [GOOD_PASSWORD, "Amber-Falcon-Orchard-27", "Cobalt-Heron-Meadow-38", "Dune-Glacier-Pepper-49", "Ember-Iris-Quartz-50", "Fjord-Jasper-Raven-61"];
    for pair in passwords.windows(2) {
        assert_eq!(change(pair[0], pair[1]).await.status(), 204, "{} → {}", pair[0], pair[1]);
    }
    // Current is the 6th; the 5 before it (2nd to 5th, and the current) are refused.
    for old in &passwords[1..] {
        let body = problem(change(passwords[5], old).await, 422).await;
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("recently"), "{old}");
    }
    assert_eq!(change(passwords[5], passwords[0]).await.status(), 204, "the 6th-last may come back");
}

#[sqlx::test]
async fn changing_the_password_signs_out_other_sessions_keeps_this_one_and_tells_the_owner(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let other = app.new_client();
    other.post(app.url("/api/v1/auth/login")).json(&json!({"email": "ada@example.com", "password": GOOD_PASSWORD})).send().await.unwrap();
    assert_eq!(other.get(app.url("/api/v1/auth/me")).send().await.unwrap().status(), 200);

    let res = app.post_json("/api/v1/auth/password", &json!({"current_password": GOOD_PASSWORD, "new_password": NEW_PASSWORD})).await;

    assert_eq!(res.status(), 204);
    assert_eq!(app.get("/api/v1/auth/me").await.status(), 200);
    assert_eq!(other.get(app.url("/api/v1/auth/me")).send().await.unwrap().status(), 401);
    assert_eq!(app.outbox("ada@example.com").await.iter().filter(|m| m.0 == "password_changed").count(), 1);
}

#[sqlx::test]
async fn changing_the_email_needs_step_up_then_a_link_to_the_new_address_and_tells_the_old_one(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    app.sign_up_ok_in(&app.new_client(), "taken@example.com").await;
    app.expire_verification().await;

    let body = problem(app.send_json(Method::PATCH, "/api/v1/auth/me", &json!({"email": "ada@new.example", "name": "Changed"})).await, 403).await;
    assert_eq!(body["code"], "step_up_required");
    assert_eq!(body["mfa"], false);
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["name"], "Ada Lovelace", "a refused change changes nothing");
    let taken = app.send_json(Method::PATCH, "/api/v1/auth/me", &json!({"email": "taken@example.com", "password": GOOD_PASSWORD})).await;
    assert_eq!(problem(taken, 422).await["errors"][0]["field"], "email");

    let res = app.send_json(Method::PATCH, "/api/v1/auth/me", &json!({"email": "Ada@New.example", "password": GOOD_PASSWORD})).await;

    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com", "unchanged until confirmed");
    assert_eq!(body["user"]["pending_email"], "ada@new.example");
    assert_eq!(app.outbox("ada@example.com").await.iter().filter(|m| m.0 == "email_change_requested").count(), 1);
    let token = app.emailed_token("ada@new.example", "verify_email").await;
    let res = verify(&app, &token).await;
    assert_eq!(res.status(), 200);
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "ada@new.example");
    assert_eq!(me["user"]["email_verified"], true);
    assert_eq!(me["user"]["pending_email"], Value::Null);
    assert_eq!(app.log_in("ada@new.example", GOOD_PASSWORD).await.status(), 200);
}

#[sqlx::test]
async fn profile_updates_keep_unsent_fields_and_validation_names_each_bad_field(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;

    let bad = app.send_json(Method::PATCH, "/api/v1/auth/me", &json!({"name": " ", "time_zone": "Mars/Olympus", "language": "xx"})).await;
    let body = problem(bad, 422).await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "time_zone", "language"]);

    let res = app.send_json(Method::PATCH, "/api/v1/auth/me", &json!({"time_zone": "Europe/Paris", "language": "fr"})).await;

    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["time_zone"], "Europe/Paris");
    assert_eq!(body["user"]["language"], "fr");
    assert_eq!(body["user"]["name"], "Ada Lovelace");
}

/// A JPEG of `w`×`h` with an EXIF (APP1) segment carrying `marker`.
fn jpeg_with_exif(w: u32, h: u32, marker: &str) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 255) as u8, (y % 255) as u8, 128]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg).encode_image(&img).unwrap();
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(marker.as_bytes());
    let len = (exif.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn put_avatar(app: &TestApp, bytes: Vec<u8>) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/auth/me/avatar"))
        .header("origin", app.origin())
        .header("content-type", "image/jpeg")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

#[sqlx::test]
async fn an_avatar_is_cropped_to_256_px_reencoded_without_exif_and_served(pool: MySqlPool) {
    let app = TestApp::spawn_configured(pool, |c| c.body_limit_bytes = 3 * 1024 * 1024).await;
    app.sign_up_ok("ada@example.com").await;
    let upload = jpeg_with_exif(600, 400, "GPS-SECRET-LOCATION");
    assert!(upload.windows(19).any(|w| w == b"GPS-SECRET-LOCATION"));

    let res = put_avatar(&app, upload).await;

    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let url = body["user"]["avatar_url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/media/avatars/") && url.ends_with(".webp"), "{url}");
    let served = app.get(&url).await;
    assert_eq!(served.headers()["content-type"], "image/webp");
    let bytes = served.bytes().await.unwrap();
    assert!(!bytes.windows(19).any(|w| w == b"GPS-SECRET-LOCATION"), "EXIF is gone");
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (256, 256));

    let replaced: Value = put_avatar(&app, jpeg_with_exif(300, 300, "x")).await.json().await.unwrap();
    assert_ne!(replaced["user"]["avatar_url"], url.as_str());
    assert_eq!(app.get(&url).await.status(), 404, "the old file is deleted");
    let removed = app.delete("/api/v1/auth/me/avatar").await;
    let body: Value = removed.json().await.unwrap();
    assert_eq!(body["user"]["avatar_url"], Value::Null);
}

#[sqlx::test]
async fn non_images_and_avatars_over_2_mb_are_refused_with_clear_errors(pool: MySqlPool) {
    let app = TestApp::spawn_configured(pool, |c| c.body_limit_bytes = 3 * 1024 * 1024).await;
    app.sign_up_ok("ada@example.com").await;

    let text = problem(put_avatar(&app, b"definitely not an image".to_vec()).await, 422).await;
    assert!(text["errors"][0]["message"].as_str().unwrap().contains("PNG, JPEG or WebP"));
    let gif = problem(put_avatar(&app, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec()).await, 422).await;
    assert_eq!(gif["errors"][0]["field"], "avatar");
    let mut big = jpeg_with_exif(16, 16, "x");
    big.resize(2 * 1024 * 1024 + 1, 0);
    problem(put_avatar(&app, big).await, 413).await;
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["avatar_url"], Value::Null);
}

#[sqlx::test]
async fn deleting_the_account_needs_the_password_and_removes_the_user_and_sessions(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;

    let wrong = app.send_json(Method::DELETE, "/api/v1/auth/me", &json!({"password": "Wrong-Password-123"})).await;
    assert_eq!(problem(wrong, 422).await["errors"][0]["field"], "password");
    let res = app.send_json(Method::DELETE, "/api/v1/auth/me", &json!({"password": GOOD_PASSWORD})).await;

    assert_eq!(res.status(), 204);
    let (users, sessions): (i64, i64) = sqlx::query_as("select (select count(*) from users), (select count(*) from auth_sessions)")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!((users, sessions), (0, 0));
    problem(app.get("/api/v1/auth/me").await, 401).await;
    let (kept,): (i64,) = sqlx::query_as("select count(*) from security_events where kind = 'account_deleted'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(kept, 1, "the audit trail stays");
    assert_eq!(app.log_in("ada@example.com", GOOD_PASSWORD).await.status(), 401);
}
