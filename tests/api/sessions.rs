//! Sessions and devices: list, revoke one, revoke all others, and isolation between users.
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{GOOD_PASSWORD, TestApp, problem};

/// Signs `email` in from a new browser with a user agent; answers that browser.
async fn sign_in_from(app: &TestApp, email: &str, user_agent: &str) -> reqwest::Client {
    let browser = reqwest::Client::builder().cookie_store(true).user_agent(user_agent).build().unwrap();
    let res = browser
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": GOOD_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    browser
}

const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
const LAPTOP: &str = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0";

#[sqlx::test]
async fn the_sessions_list_shows_each_device_and_marks_the_current_one(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let phone = sign_in_from(&app, "ada@example.com", PHONE).await;
    sign_in_from(&app, "ada@example.com", LAPTOP).await;

    let res = phone.get(app.url("/api/v1/auth/sessions")).send().await.unwrap();

    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["total"], 3);
    assert_eq!(page["next_cursor"], Value::Null);
    let items = page["items"].as_array().unwrap();
    let current: Vec<&Value> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["device"], "Chrome on Android");
    assert_eq!(current[0]["ip"], "127.0.0.1");
    assert!(items.iter().any(|s| s["device"] == "Firefox on Windows"));
    assert!(items.iter().all(|s| s["last_seen_at"].is_string() && s["created_at"].is_string()));
}

#[sqlx::test]
async fn a_revoked_session_can_no_longer_call_the_api(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let workspace: Value = app.post_json("/api/v1/workspaces", &json!({"name": "Ada Studio"})).await.json().await.unwrap();
    let phone = sign_in_from(&app, "ada@example.com", PHONE).await;
    // Workspace requests check the session in the membership query: named by id, by slug, or not at all.
    let in_workspace = |named: Option<&str>| {
        let req = phone.get(app.url("/api/v1/crm/contacts"));
        match named {
            Some(w) => req.header("x-workspace-id", w.to_owned()),
            None => req,
        }
    };
    let names = [workspace["id"].as_str(), workspace["slug"].as_str(), None];
    for named in names {
        assert_eq!(in_workspace(named).send().await.unwrap().status(), 200, "{named:?}");
    }
    let page: Value = app.get("/api/v1/auth/sessions").await.json().await.unwrap();
    let phone_id = page["items"].as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();

    let res = app.delete(&format!("/api/v1/auth/sessions/{phone_id}")).await;

    assert_eq!(res.status(), 204);
    problem(phone.get(app.url("/api/v1/auth/me")).send().await.unwrap(), 401).await;
    for named in names {
        problem(in_workspace(named).send().await.unwrap(), 401).await;
    }
    problem(phone.post(app.url("/api/v1/auth/refresh")).header("origin", app.origin()).send().await.unwrap(), 401).await;
    assert_eq!(app.get("/api/v1/auth/me").await.status(), 200);
    assert_eq!(app.get("/api/v1/crm/contacts").await.status(), 200);
    problem(app.delete(&format!("/api/v1/auth/sessions/{phone_id}")).await, 404).await;
    let (events,): (i64,) = sqlx::query_as("select count(*) from security_events where kind = 'session_revoked'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(events, 1);
}

#[sqlx::test]
async fn revoking_all_other_sessions_keeps_only_this_one(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let phone = sign_in_from(&app, "ada@example.com", PHONE).await;
    let laptop = sign_in_from(&app, "ada@example.com", LAPTOP).await;

    assert_eq!(app.delete("/api/v1/auth/sessions").await.status(), 204);

    for other in [&phone, &laptop] {
        problem(other.get(app.url("/api/v1/auth/me")).send().await.unwrap(), 401).await;
    }
    let page: Value = app.get("/api/v1/auth/sessions").await.json().await.unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["current"], true);
}

#[sqlx::test]
async fn a_user_cannot_see_or_revoke_another_users_sessions(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let mallory = app.new_client();
    app.sign_up_ok_in(&mallory, "mallory@example.com").await;
    let page: Value = app.get("/api/v1/auth/sessions").await.json().await.unwrap();
    let ada_session = page["items"][0]["id"].as_str().unwrap().to_owned();

    let res = mallory
        .delete(app.url(&format!("/api/v1/auth/sessions/{ada_session}")))
        .header("origin", app.origin())
        .send()
        .await
        .unwrap();

    problem(res, 404).await;
    let theirs: Value = mallory.get(app.url("/api/v1/auth/sessions")).send().await.unwrap().json().await.unwrap();
    assert_eq!(theirs["total"], 1);
    assert_ne!(theirs["items"][0]["id"], ada_session.as_str());
    assert_eq!(app.get("/api/v1/auth/me").await.status(), 200);
}

#[sqlx::test]
async fn security_events_are_paged_newest_first_with_items_total_and_next_cursor(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    for _ in 0..4 {
        app.log_in("ada@example.com", "Wrong-Password-000").await;
    }

    let first: Value = app.get("/api/v1/auth/security-events?limit=3").await.json().await.unwrap();

    assert_eq!(first["total"], 5);
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    assert_eq!(first["items"][0]["kind"], "login_failed");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app.get(&format!("/api/v1/auth/security-events?limit=3&cursor={cursor}")).await.json().await.unwrap();
    let kinds: Vec<&str> = second["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["login_failed", "signup"]);
    assert_eq!(second["next_cursor"], Value::Null);
    let bad = problem(app.get("/api/v1/auth/security-events?cursor=nope").await, 422).await;
    assert_eq!(bad["errors"][0]["field"], "cursor");
    let not_a_number = problem(app.get("/api/v1/auth/security-events?limit=lots").await, 400).await;
    assert!(not_a_number["detail"].as_str().unwrap().contains("limit"), "{not_a_number}");
}
