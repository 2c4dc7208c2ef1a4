//! The platform admin area: hidden (404) from everyone but platform admins, searchable and
//! paginated lists of accounts and workspaces, plan changes, and `mewayz admin grant|revoke`.
use std::process::{Command, Output};

use mewayz::modules::admin::service::set_platform_admin;
use mewayz::server::error::AppError;
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{TestApp, problem};

/// Ada (the app's client, later an admin) with "Ada Studio", and Bob (his own browser, never
/// an admin) with "Bob Bakery", created in that order.
struct World {
    app: TestApp,
    bob: reqwest::Client,
    ada_workspace: String,
    bob_workspace: String,
}

async fn world(pool: MySqlPool) -> World {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let ada_workspace = app.create_workspace("Ada Studio").await["id"].as_str().unwrap().to_owned();
    let bob = app.new_client();
    app.sign_up_ok_in(&bob, "bob@example.com").await;
    let res = bob
        .post(app.url("/api/v1/workspaces"))
        .header("origin", app.origin())
        .json(&json!({"name": "Bob Bakery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let bob_workspace = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    World { app, bob, ada_workspace, bob_workspace }
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

fn emails(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect()
}

fn names(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect()
}

#[sqlx::test]
async fn the_admin_area_is_not_found_for_everyone_but_platform_admins(pool: MySqlPool) {
    let w = world(pool).await;
    let app = &w.app;

    for path in ["/api/v1/admin/users", "/api/v1/admin/workspaces", "/api/v1/admin/users?cursor=junk"] {
        let body = problem(app.get(path).await, 404).await;
        assert_eq!(body["code"], "not_found");
    }
    let patch = app.send_json(Method::PATCH, &format!("/api/v1/admin/workspaces/{}", w.ada_workspace), &json!({"plan": "pro"})).await;
    problem(patch, 404).await;
    let anonymous = app.new_client().get(app.url("/api/v1/admin/users")).send().await.unwrap();
    problem(anonymous, 401).await;
}

#[sqlx::test]
async fn a_platform_admin_lists_every_user_and_workspace_newest_first(pool: MySqlPool) {
    let w = world(pool).await;
    let app = &w.app;
    // The email is normalised, as the command line passes it on.
    set_platform_admin(&app.pool, "  ADA@Example.com ", true).await.unwrap();

    let users = get_json(app, "/api/v1/admin/users").await;

    assert_eq!(users["total"], 2);
    assert_eq!(users["next_cursor"], Value::Null);
    assert_eq!(emails(&users), ["bob@example.com", "ada@example.com"], "newest first");
    let ada = &users["items"][1];
    assert_eq!(ada["is_platform_admin"], true);
    assert_eq!(ada["workspaces"], 1);
    assert_eq!(ada["email_verified"], false);
    assert_eq!(ada["mfa_enabled"], false);
    assert!(ada["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(users["items"][0]["is_platform_admin"], false);

    let workspaces = get_json(app, "/api/v1/admin/workspaces").await;

    assert_eq!(workspaces["total"], 2);
    assert_eq!(names(&workspaces), ["Bob Bakery", "Ada Studio"]);
    let bakery = &workspaces["items"][0];
    assert_eq!(bakery["id"], w.bob_workspace.as_str());
    assert_eq!(bakery["owner_email"], "bob@example.com");
    assert_eq!(bakery["members"], 1);
    assert_eq!(bakery["plan"], "free");
    assert_eq!(bakery["deleted_at"], Value::Null);
    assert!(bakery["slug"].as_str().unwrap().starts_with("bob-bakery"));
}

#[sqlx::test]
async fn search_matches_names_emails_slugs_and_owners(pool: MySqlPool) {
    let w = world(pool).await;
    let app = &w.app;
    set_platform_admin(&app.pool, "ada@example.com", true).await.unwrap();

    let bobs = get_json(app, "/api/v1/admin/users?q=BOB").await;
    assert_eq!((emails(&bobs), bobs["total"].clone()), (vec!["bob@example.com"], json!(1)));
    // Sign-up in another browser names the account "Someone Else".
    let by_name = get_json(app, "/api/v1/admin/users?q=someone").await;
    assert_eq!(emails(&by_name), ["bob@example.com"]);
    assert_eq!(get_json(app, "/api/v1/admin/users?q=example.com").await["total"], 2);
    // LIKE wildcards are taken literally.
    for wildcard in ["%25", "_", "!"] {
        let none = get_json(app, &format!("/api/v1/admin/users?q={wildcard}")).await;
        assert_eq!(none["total"], 0, "{wildcard}");
        assert_eq!(none["items"], json!([]));
    }

    let studio = get_json(app, "/api/v1/admin/workspaces?q=studio").await;
    assert_eq!((names(&studio), studio["total"].clone()), (vec!["Ada Studio"], json!(1)));
    let by_slug = get_json(app, "/api/v1/admin/workspaces?q=bob-bak").await;
    assert_eq!(names(&by_slug), ["Bob Bakery"]);
    let by_owner = get_json(app, "/api/v1/admin/workspaces?q=ada%40example").await;
    assert_eq!(names(&by_owner), ["Ada Studio"]);
    assert_eq!(get_json(app, "/api/v1/admin/workspaces?q=nothing-like-this").await["total"], 0);
}

#[sqlx::test]
async fn lists_are_paginated_with_a_cursor(pool: MySqlPool) {
    let w = world(pool).await;
    let app = &w.app;
    set_platform_admin(&app.pool, "ada@example.com", true).await.unwrap();

    for (path, key) in [("/api/v1/admin/users", "email"), ("/api/v1/admin/workspaces", "name")] {
        let first = get_json(app, &format!("{path}?limit=1")).await;
        assert_eq!(first["items"].as_array().unwrap().len(), 1);
        assert_eq!(first["total"], 2);
        let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();

        let second = get_json(app, &format!("{path}?limit=1&cursor={cursor}")).await;

        assert_eq!(second["items"].as_array().unwrap().len(), 1);
        assert_ne!(second["items"][0][key], first["items"][0][key], "{path}: the second page moves on");
        assert_eq!(second["next_cursor"], Value::Null, "{path}: nothing after the last");
        assert_eq!(second["total"], 2);
    }
    // The search applies across pages.
    let first = get_json(app, "/api/v1/admin/users?limit=1&q=example").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = get_json(app, &format!("/api/v1/admin/users?limit=1&q=example&cursor={cursor}")).await;
    assert_eq!(emails(&second), ["ada@example.com"]);
    // Out-of-range limits are clamped, not refused.
    assert_eq!(get_json(app, "/api/v1/admin/users?limit=0").await["items"].as_array().unwrap().len(), 1);
    assert_eq!(get_json(app, "/api/v1/admin/users?limit=1000").await["items"].as_array().unwrap().len(), 2);
}

#[sqlx::test]
async fn a_cursor_the_api_did_not_give_out_is_a_bad_request(pool: MySqlPool) {
    let w = world(pool).await;
    let app = &w.app;
    set_platform_admin(&app.pool, "ada@example.com", true).await.unwrap();

    for path in ["/api/v1/admin/users?cursor=junk", "/api/v1/admin/workspaces?cursor=bm9wZXxub3Bl", "/api/v1/admin/users?limit=lots"] {
        let body = problem(app.get(path).await, 400).await;
        assert_eq!(body["code"], "bad_request", "{path}");
    }
}

#[sqlx::test]
async fn an_admin_changes_a_workspace_plan_and_its_members_see_it(pool: MySqlPool) {
    let w = world(pool).await;
    let app = &w.app;
    set_platform_admin(&app.pool, "ada@example.com", true).await.unwrap();
    let path = format!("/api/v1/admin/workspaces/{}", w.bob_workspace);

    let res = app.send_json(Method::PATCH, &path, &json!({"plan": "pro"})).await;

    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!((body["plan"].as_str(), body["name"].as_str()), (Some("pro"), Some("Bob Bakery")));
    let seen: Value = w.bob.get(app.url(&format!("/api/v1/workspaces/{}", w.bob_workspace))).send().await.unwrap().json().await.unwrap();
    assert_eq!(seen["plan"], "pro");
    let activity: Value =
        w.bob.get(app.url(&format!("/api/v1/workspaces/{}/activity", w.bob_workspace))).send().await.unwrap().json().await.unwrap();
    let entry = activity["items"].as_array().unwrap().iter().find(|a| a["action"] == "plan.changed").expect("logged");
    assert!(entry["summary"].as_str().unwrap().contains("Free to Pro"), "{entry}");
    assert_eq!(entry["actor_name"], "Ada Lovelace");

    let unknown = problem(app.send_json(Method::PATCH, &path, &json!({"plan": "platinum"})).await, 422).await;
    assert_eq!(unknown["errors"][0]["field"], "plan");
    let missing = problem(app.send_json(Method::PATCH, &path, &json!({})).await, 422).await;
    assert_eq!(missing["errors"][0]["field"], "plan");
    let nowhere = format!("/api/v1/admin/workspaces/{}", uuid::Uuid::now_v7());
    problem(app.send_json(Method::PATCH, &nowhere, &json!({"plan": "pro"})).await, 404).await;
    problem(app.send_json(Method::PATCH, "/api/v1/admin/workspaces/not-an-id", &json!({"plan": "pro"})).await, 404).await;

    // Bob, a member but not a platform admin, cannot do it to his own workspace.
    let by_bob = w
        .bob
        .patch(app.url(&path))
        .header("origin", app.origin())
        .json(&json!({"plan": "business"}))
        .send()
        .await
        .unwrap();
    problem(by_bob, 404).await;
    let plan: String = sqlx::query_scalar("select plan_code from workspaces where name = 'Bob Bakery'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(plan, "pro");
}

#[sqlx::test]
async fn the_flag_is_read_on_every_call_so_revoking_takes_access_away(pool: MySqlPool) {
    let w = world(pool).await;
    let app = &w.app;
    set_platform_admin(&app.pool, "ada@example.com", true).await.unwrap();
    assert_eq!(app.get("/api/v1/admin/users").await.status(), 200);

    set_platform_admin(&app.pool, "ada@example.com", false).await.unwrap();

    problem(app.get("/api/v1/admin/users").await, 404).await;
    problem(app.get("/api/v1/admin/workspaces").await, 404).await;
    let kinds: Vec<String> = sqlx::query_scalar(
        "select e.kind from security_events e join users u on u.id = e.user_id
         where u.email = 'ada@example.com' and e.kind like 'platform_admin%' order by e.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(kinds, ["platform_admin_granted", "platform_admin_revoked"]);
    // The owner sees them in their own security log, without an IP.
    let events: Value = app.get("/api/v1/auth/security-events").await.json().await.unwrap();
    let granted = events["items"].as_array().unwrap().iter().find(|e| e["kind"] == "platform_admin_granted").unwrap();
    assert_eq!(granted["ip"], Value::Null);
    // Setting the flag it already has records nothing more.
    set_platform_admin(&app.pool, "ada@example.com", false).await.unwrap();
    let n: i64 = sqlx::query_scalar("select count(*) from security_events where kind like 'platform_admin%'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 2);
    assert_eq!(set_platform_admin(&app.pool, "nobody@example.com", true).await, Err(AppError::NotFound));
    assert_eq!(set_platform_admin(&app.pool, "  ", true).await.unwrap_err().status(), 422);
}

#[sqlx::test]
async fn an_admins_api_key_cannot_use_the_admin_area(pool: MySqlPool) {
    let w = world(pool).await;
    let app = &w.app;
    set_platform_admin(&app.pool, "ada@example.com", true).await.unwrap();
    let res = app.post_json("/api/v1/auth/api-keys", &json!({"name": "Script", "scopes": ["crm:read"]})).await;
    assert_eq!(res.status(), 201);
    let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();

    let res = app.new_client().get(app.url("/api/v1/admin/users")).bearer_auth(&token).send().await.unwrap();

    problem(res, 403).await;
}

#[sqlx::test]
async fn the_admin_routes_are_documented(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for (path, method) in [("/api/v1/admin/users", "get"), ("/api/v1/admin/workspaces", "get"), ("/api/v1/admin/workspaces/{id}", "patch")] {
        assert_eq!(doc["paths"][path][method]["tags"][0], "admin", "{method} {path}");
    }
    assert!(doc["tags"].as_array().unwrap().iter().any(|t| t["name"] == "admin"));
}

// ---- the command line

/// The test database's URL: `DATABASE_URL` with the database `#[sqlx::test]` made for this test.
async fn test_database_url(pool: &MySqlPool) -> String {
    let name: String = sqlx::query_scalar("select database()").fetch_one(pool).await.unwrap();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for the tests");
    let base = base.split('?').next().unwrap();
    let root = &base[..base.rfind('/').unwrap()];
    format!("{root}/{name}")
}

async fn mewayz(database_url: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mewayz"));
    cmd.args(args).env("DATABASE_URL", database_url).env("LOG_LEVEL", "warn").env("JOB_WORKERS", "0");
    tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap()
}

async fn is_admin(pool: &MySqlPool, email: &str) -> bool {
    sqlx::query_scalar("select is_platform_admin from users where email = ?").bind(email).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn mewayz_admin_grant_and_revoke_set_the_flag(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let url = test_database_url(&app.pool).await;

    let out = mewayz(&url, &["admin", "grant", " Ada@Example.COM "]).await;

    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ada@example.com is now a platform admin\n");
    assert!(is_admin(&app.pool, "ada@example.com").await);
    assert_eq!(app.get("/api/v1/admin/users").await.status(), 200);

    let out = mewayz(&url, &["admin", "revoke", "ada@example.com"]).await;

    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ada@example.com is no longer a platform admin\n");
    assert!(!is_admin(&app.pool, "ada@example.com").await);
    problem(app.get("/api/v1/admin/users").await, 404).await;
}

#[sqlx::test]
async fn mewayz_admin_fails_clearly_for_an_unknown_email_or_bad_usage(pool: MySqlPool) {
    let url = test_database_url(&pool).await;

    let out = mewayz(&url, &["admin", "grant", "nobody@example.com"]).await;

    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no account has the email \"nobody@example.com\""), "{stderr}");
    assert!(out.stdout.is_empty());

    for args in [&["admin"][..], &["admin", "grant"], &["admin", "promote", "ada@example.com"], &["serve", "now"]] {
        let out = mewayz(&url, args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("usage:") && stderr.contains("mewayz admin grant <email>"), "{args:?}: {stderr}");
    }
    let help = mewayz(&url, &["--help"]).await;
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("mewayz admin revoke <email>"));
}

#[sqlx::test]
async fn the_admin_page_lists_accounts_for_an_admin_and_is_not_found_for_others(pool: MySqlPool) {
    let w = world(pool).await;
    let app = &w.app;

    let html = app.get("/app/admin").await.text().await.unwrap();
    assert!(html.contains("Page not found") && !html.contains("bob@example.com"), "non-admin sees nothing");

    set_platform_admin(&app.pool, "ada@example.com", true).await.unwrap();
    let res = app.get("/app/admin").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"role="tablist""#) && html.contains(r#"role="search""#), "tabs and search");
    assert!(html.contains("bob@example.com") && html.contains("Platform admin"), "the users tab is rendered on the server");
}
