//! `TestApp`: the real router, with every layer, on port 0 against the test's database.
use std::net::SocketAddr;

use axum::Router;
use mewayz::server::{config::Config, startup::Application, state::AppState};
use secrecy::SecretString;
use serde_json::json;
use sqlx::MySqlPool;

/// The access-token key of every test app, so tests can mint tokens (expired ones, say).
pub const TEST_JWT_SECRET: &str = "test-jwt-secret-test-jwt-secret-0123456789";
/// A password that passes the policy.
pub const GOOD_PASSWORD: &str = "Velvet-Otter-Quarry-91";

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
    config.jwt_secret = SecretString::from(TEST_JWT_SECRET);
    config.jwt_secret_generated = false;
    config
}

impl TestApp {
    pub async fn spawn(pool: MySqlPool) -> Self {
        Self::spawn_with(pool, Router::new()).await
    }

    /// Starts the app with `extra` routes mounted under the full middleware stack.
    pub async fn spawn_with(pool: MySqlPool, extra: Router<AppState>) -> Self {
        let config = test_config();
        // `TEST_LOG=1` shows the server's logs (LOG_LEVEL applies) for a failing test.
        if std::env::var_os("TEST_LOG").is_some() {
            mewayz::server::telemetry::init(&config);
        }
        let app = Application::build_with(config, pool.clone(), extra).await.expect("app builds");
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

    /// This app's origin, as a browser on the page would send it in `Origin`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A second browser: its own (empty) cookie jar.
    pub fn new_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client builds")
    }

    /// A same-origin JSON POST from the browser client (cookies and `Origin` included).
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client.post(self.url(path)).header("origin", self.origin()).json(body).send().await.expect("request is sent")
    }

    /// A same-origin POST without a body.
    pub async fn post_empty(&self, path: &str) -> reqwest::Response {
        self.client.post(self.url(path)).header("origin", self.origin()).send().await.expect("request is sent")
    }

    pub async fn sign_up(&self, name: &str, email: &str, password: &str) -> reqwest::Response {
        self.post_json("/api/v1/auth/register", &json!({"name": name, "email": email, "password": password})).await
    }

    /// Signs up a valid user in the app's client and returns the response body.
    pub async fn sign_up_ok(&self, email: &str) -> serde_json::Value {
        let res = self.sign_up("Ada Lovelace", email, GOOD_PASSWORD).await;
        assert_eq!(res.status(), 201, "sign-up failed: {}", res.text().await.unwrap_or_default());
        res.json().await.expect("sign-up body is JSON")
    }

    pub async fn log_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json("/api/v1/auth/login", &json!({"email": email, "password": password})).await
    }

    pub async fn log_out(&self) -> reqwest::Response {
        self.post_empty("/api/v1/auth/logout").await
    }

    pub async fn me_with_bearer(&self, access_token: &str) -> reqwest::Response {
        self.new_client().get(self.url("/api/v1/auth/me")).bearer_auth(access_token).send().await.expect("request is sent")
    }

    /// Refresh as an API client: the token in the body, no cookies.
    pub async fn refresh_with_token(&self, refresh_token: &str) -> reqwest::Response {
        self.new_client()
            .post(self.url("/api/v1/auth/refresh"))
            .json(&json!({"refresh_token": refresh_token}))
            .send()
            .await
            .expect("request is sent")
    }
}

/// The value of the cookie `name` set by a response.
pub fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    set_cookie_header(res, name).map(|header| {
        header.split(';').next().unwrap_or_default().split_once('=').map(|(_, v)| v.to_owned()).unwrap_or_default()
    })
}

/// The whole `Set-Cookie` header for the cookie `name`.
pub fn set_cookie_header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
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
