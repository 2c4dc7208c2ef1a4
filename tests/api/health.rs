use sqlx::MySqlPool;

use crate::helpers::{TestApp, problem};

#[sqlx::test]
async fn healthz_answers_ok_without_touching_the_database(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "ok");
}

#[sqlx::test]
async fn readyz_is_ok_while_the_database_answers(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[sqlx::test]
async fn readyz_answers_503_when_the_database_is_gone(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.pool.close().await;
    let body = problem(app.get("/readyz").await, 503).await;
    assert_eq!(body["code"], "unavailable");
}

#[sqlx::test]
async fn metrics_count_requests_by_route_and_status(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.get("/healthz").await;
    app.get("/no/such/page").await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total{")
            && l.contains(r#"route="/healthz""#)
            && l.contains(r#"status="200""#)),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched""#), "404s share one label: {text}");
    assert!(text.contains("http_request_duration_seconds_bucket{"), "latency histogram: {text}");
}

#[sqlx::test]
async fn the_openapi_document_is_3_1_and_lists_the_health_routes(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    assert!(doc["paths"]["/healthz"]["get"].is_object());
    assert!(doc["paths"]["/readyz"]["get"]["responses"]["503"].is_object());
}

#[sqlx::test]
async fn the_api_docs_page_loads_swagger_ui_from_our_own_origin(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/api/docs").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"src="/vendor/swagger-ui/swagger-ui-bundle.js""#));
    assert!(!html.contains("https://"), "no third-party origins: works offline");
}
