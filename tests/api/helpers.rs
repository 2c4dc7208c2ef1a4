//! `TestApp`: the real router, with every layer, on port 0 against the test's database.
use std::net::SocketAddr;

use axum::Router;
use mewayz::server::{config::Config, startup::Application, state::AppState};
use sqlx::MySqlPool;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub pool: MySqlPool,
}

pub fn test_config() -> Config {
    let mut config = Config::from_env().expect("test environment is valid");
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.body_limit_bytes = 64 * 1024;
    config.job_workers = 1;
    config
}

impl TestApp {
    pub async fn spawn(pool: MySqlPool) -> Self {
        Self::spawn_with(pool, Router::new()).await
    }

    /// Starts the app with `extra` routes mounted under the full middleware stack.
    pub async fn spawn_with(pool: MySqlPool, extra: Router<AppState>) -> Self {
        let app = Application::build_with(test_config(), pool.clone(), extra).await.expect("app builds");
        let addr = app.addr();
        tokio::spawn(app.serve(std::future::pending()));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client builds");
        Self { addr, client, pool }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request is sent")
    }
}

/// Asserts a response is RFC 9457 problem+json with the given status and returns its body.
pub async fn problem(res: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "unexpected status");
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
    body
}
