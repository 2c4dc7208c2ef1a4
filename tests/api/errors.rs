//! Bad input and failures answer clearly, through the real middleware stack.
use axum::{Router, routing::{get, post}};
use mewayz::server::{error::ApiJson, state::AppState};
use serde::Deserialize;
use sqlx::MySqlPool;

use crate::helpers::{TestApp, problem};

#[derive(Deserialize)]
struct Greeting {
    #[allow(dead_code)]
    name: String,
}

/// Routes that exercise the error paths; mounted under the full layer stack.
fn edge_routes() -> Router<AppState> {
    Router::new()
        .route("/test/json", post(|ApiJson(_): ApiJson<Greeting>| async { "ok" }))
        .route("/test/panic", get(boom))
}

async fn boom() -> &'static str {
    panic!("boom in a handler")
}

#[sqlx::test]
async fn unknown_api_routes_answer_problem_json_404(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let body = problem(app.get("/api/v1/does-not-exist").await, 404).await;
    assert_eq!(body["code"], "not_found");
    assert!(body["request_id"].is_string());
}

#[sqlx::test]
async fn unknown_pages_answer_an_html_404_page(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("We could not find that page"));
}

#[sqlx::test]
async fn malformed_json_is_a_400_that_names_the_problem(pool: MySqlPool) {
    let app = TestApp::spawn_with(pool, edge_routes()).await;
    let res = app
        .client
        .post(app.url("/test/json"))
        .header("content-type", "application/json")
        .body(r#"{"name": "Ada""#)
        .send()
        .await
        .unwrap();
    let body = problem(res, 400).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("EOF") || detail.contains("line 1"), "{detail}");

    let res = app
        .client
        .post(app.url("/test/json"))
        .header("content-type", "application/json")
        .body(r#"{"name": 42}"#)
        .send()
        .await
        .unwrap();
    let detail = problem(res, 400).await["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("name"), "names the field: {detail}");
}

#[sqlx::test]
async fn an_oversized_body_is_refused_with_413(pool: MySqlPool) {
    let app = TestApp::spawn_with(pool, edge_routes()).await;
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(100 * 1024));
    let res = app
        .client
        .post(app.url("/test/json"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 413).await["code"], "payload_too_large");
}

#[sqlx::test]
async fn a_panicking_handler_answers_500_with_a_request_id_and_the_server_stays_up(pool: MySqlPool) {
    let app = TestApp::spawn_with(pool, edge_routes()).await;
    let res = app.get("/test/panic").await;
    let header_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body = problem(res, 500).await;
    assert_eq!(body["request_id"], header_id.as_str());
    assert!(!body["detail"].as_str().unwrap().contains("boom"), "the panic message stays in the log");
    assert_eq!(app.get("/healthz").await.status(), 200, "still serving");
}

#[sqlx::test]
async fn a_callers_request_id_is_kept_and_echoed(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.client.get(app.url("/healthz")).header("x-request-id", "trace-42").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-42");
}

/// Two transactions that lock the same rows in opposite order: InnoDB rolls one back, and that
/// one answers a 409 that says to try again, not a 500.
#[sqlx::test]
async fn a_transaction_that_loses_a_deadlock_answers_409_try_again(pool: MySqlPool) {
    use mewayz::shared::error::AppError;
    sqlx::query("create table lock_test (id int primary key, n int not null)").execute(&pool).await.unwrap();
    sqlx::query("insert into lock_test values (1, 0), (2, 0)").execute(&pool).await.unwrap();
    let bump = |id: i32| sqlx::query("update lock_test set n = n + 1 where id = ?").bind(id);
    let (mut a, mut b) = (pool.begin().await.unwrap(), pool.begin().await.unwrap());
    bump(1).execute(&mut *a).await.unwrap();
    bump(2).execute(&mut *b).await.unwrap();
    // Each now waits for the other's row; InnoDB notices at once and picks a victim.
    let (ra, rb) = tokio::join!(bump(2).execute(&mut *a), bump(1).execute(&mut *b));
    let err = match (ra, rb) {
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => e,
        other => panic!("expected exactly one deadlock victim, got {other:?}"),
    };
    assert!(mewayz::server::db::is_lock_conflict(&err), "{err}");
    match AppError::from(err) {
        AppError::Conflict { message } => assert!(message.contains("try again"), "{message}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}
