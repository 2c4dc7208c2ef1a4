//! Personal API keys: shown once, stored hashed, scoped, revocable, per user.
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{TestApp, problem};

async fn create_key(app: &TestApp, scopes: &[&str]) -> Value {
    let res = app.post_json("/api/v1/auth/api-keys", &json!({"name": "Zapier", "scopes": scopes})).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

fn with_key(app: &TestApp, token: &str, path: &str) -> reqwest::RequestBuilder {
    app.new_client().get(app.url(path)).bearer_auth(token)
}

#[sqlx::test]
async fn a_key_is_shown_once_stored_hashed_and_authenticates_as_its_owner(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    app.create_workspace("Ada's studio").await;

    let created = create_key(&app, &["crm:read", "store:write"]).await;

    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("mwz_") && token.len() > 40);
    assert_eq!(created["id"], created["key"]["id"]);
    assert_eq!(created["key"]["scopes"], json!(["crm:read", "store:write"]));
    let (hash, prefix): (Vec<u8>, String) = sqlx::query_as("select token_hash, prefix from api_keys").fetch_one(&app.pool).await.unwrap();
    assert_ne!(hash, token.as_bytes());
    assert!(token.starts_with(&prefix));
    let listed: Value = app.get("/api/v1/auth/api-keys").await.json().await.unwrap();
    assert_eq!(listed["total"], 1);
    assert!(!listed.to_string().contains(token), "the list never shows the token");
    assert_eq!(listed["items"][0]["last_used_at"], Value::Null);

    let me = with_key(&app, token, "/api/v1/auth/me").send().await.unwrap();

    assert_eq!(me.status(), 200);
    let body: Value = me.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    let listed: Value = app.get("/api/v1/auth/api-keys").await.json().await.unwrap();
    assert!(listed["items"][0]["last_used_at"].is_string(), "last use is recorded");
}

#[sqlx::test]
async fn a_key_cannot_manage_the_account_it_belongs_to(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    app.create_workspace("Ada's studio").await;
    let token = create_key(&app, &["crm:write"]).await["token"].as_str().unwrap().to_owned();
    let client = app.new_client();

    for path in ["/api/v1/auth/sessions", "/api/v1/auth/api-keys", "/api/v1/auth/security-events", "/api/v1/auth/mfa"] {
        problem(client.get(app.url(path)).bearer_auth(&token).send().await.unwrap(), 403).await;
    }
    let res = client
        .post(app.url("/api/v1/auth/api-keys"))
        .bearer_auth(&token)
        .json(&json!({"name": "escalate", "scopes": ["crm:write"]}))
        .send()
        .await
        .unwrap();
    problem(res, 403).await;
    let res = client
        .post(app.url("/api/v1/auth/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": "x", "new_password": "Amber-Falcon-Orchard-27"}))
        .send()
        .await
        .unwrap();
    problem(res, 403).await;
}

#[sqlx::test]
async fn a_revoked_key_stops_working_at_once(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    app.create_workspace("Ada's studio").await;
    let created = create_key(&app, &["crm:read"]).await;
    let (id, token) = (created["id"].as_str().unwrap(), created["token"].as_str().unwrap());

    assert_eq!(app.delete(&format!("/api/v1/auth/api-keys/{id}")).await.status(), 204);

    problem(with_key(&app, token, "/api/v1/auth/me").send().await.unwrap(), 401).await;
    let listed: Value = app.get("/api/v1/auth/api-keys").await.json().await.unwrap();
    assert!(listed["items"][0]["revoked_at"].is_string());
    problem(app.delete(&format!("/api/v1/auth/api-keys/{id}")).await, 404).await;
    problem(with_key(&app, "mwz_not-a-real-key", "/api/v1/auth/me").send().await.unwrap(), 401).await;
}

#[sqlx::test]
async fn key_validation_names_the_field_and_the_unknown_scope(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    app.create_workspace("Ada's studio").await;

    let res = app.post_json("/api/v1/auth/api-keys", &json!({"name": "", "scopes": ["crm:read", "crm:delete"]})).await;

    let body = problem(res, 422).await;
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors[0]["field"], "name");
    assert_eq!(errors[1]["field"], "scopes");
    assert!(errors[1]["message"].as_str().unwrap().contains("crm:delete"));
    let none = problem(app.post_json("/api/v1/auth/api-keys", &json!({"name": "x", "scopes": []})).await, 422).await;
    assert_eq!(none["errors"][0]["field"], "scopes");
    let (keys,): (i64,) = sqlx::query_as("select count(*) from api_keys").fetch_one(&app.pool).await.unwrap();
    assert_eq!(keys, 0);
}

#[sqlx::test]
async fn a_user_cannot_see_or_revoke_another_users_keys(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    app.create_workspace("Ada's studio").await;
    let created = create_key(&app, &["crm:read"]).await;
    let mallory = app.new_client();
    app.sign_up_ok_in(&mallory, "mallory@example.com").await;

    let theirs: Value = mallory.get(app.url("/api/v1/auth/api-keys")).send().await.unwrap().json().await.unwrap();
    let res = mallory
        .delete(app.url(&format!("/api/v1/auth/api-keys/{}", created["id"].as_str().unwrap())))
        .header("origin", app.origin())
        .send()
        .await
        .unwrap();

    assert_eq!(theirs["total"], 0);
    problem(res, 404).await;
    let token = created["token"].as_str().unwrap();
    assert_eq!(with_key(&app, token, "/api/v1/auth/me").send().await.unwrap().status(), 200);
}
