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
    /// The running app's state (bio's event buffer, say).
    pub state: AppState,
}

/// The production configuration, but: port 0, a known JWT key, one job worker, files in a
/// fresh temporary folder, and no per-IP rate limit or sign-in backoff (every test client is
/// 127.0.0.1; the tests of those limits switch them on with `spawn_configured`).
pub fn test_config() -> Config {
    let mut config = Config::from_env().expect("test environment is valid");
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.body_limit_bytes = 64 * 1024;
    config.job_workers = 1;
    config.job_poll_interval = std::time::Duration::from_millis(50);
    config.jwt_secret = SecretString::from(TEST_JWT_SECRET);
    config.jwt_secret_generated = false;
    config.auth_rate_per_minute = 0;
    config.login_backoff_base = std::time::Duration::ZERO;
    config.smtp_url = None;
    config.storage_dir = std::env::temp_dir().join(format!("mewayz-test-{}", uuid::Uuid::now_v7())).display().to_string();
    config
}

impl TestApp {
    pub async fn spawn(pool: MySqlPool) -> Self {
        Self::spawn_with(pool, Router::new()).await
    }

    /// Starts the app with the test configuration changed by `change`.
    pub async fn spawn_configured(pool: MySqlPool, change: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config();
        change(&mut config);
        Self::start(pool, Router::new(), config).await
    }

    /// Starts the app with `extra` routes mounted under the full middleware stack.
    pub async fn spawn_with(pool: MySqlPool, extra: Router<AppState>) -> Self {
        Self::start(pool, extra, test_config()).await
    }

    async fn start(pool: MySqlPool, extra: Router<AppState>, config: Config) -> Self {
        // `TEST_LOG=1` shows the server's logs (LOG_LEVEL applies) for a failing test.
        if std::env::var_os("TEST_LOG").is_some() {
            mewayz::server::telemetry::init(&config);
        }
        let app = Application::build_with(config, pool.clone(), extra).await.expect("app builds");
        let addr = app.addr();
        let state = app.state().clone();
        tokio::spawn(app.serve(std::future::pending()));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client builds");
        Self { addr, client, pool, state }
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

    /// Creates a workspace as the app's client (it becomes the current one); returns it.
    pub async fn create_workspace(&self, name: &str) -> serde_json::Value {
        let res = self.post_json("/api/v1/workspaces", &json!({"name": name})).await;
        assert_eq!(res.status(), 201, "workspace creation failed: {}", res.text().await.unwrap_or_default());
        res.json().await.expect("workspace body is JSON")
    }

    /// Signs up `email` in another browser (`client`).
    pub async fn sign_up_ok_in(&self, client: &reqwest::Client, email: &str) {
        let res = client
            .post(self.url("/api/v1/auth/register"))
            .json(&json!({"name": "Someone Else", "email": email, "password": GOOD_PASSWORD}))
            .send()
            .await
            .expect("request is sent");
        assert_eq!(res.status(), 201);
    }

    /// A same-origin request with a JSON body from the browser client.
    pub async fn send_json(&self, method: reqwest::Method, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .header("origin", self.origin())
            .json(body)
            .send()
            .await
            .expect("request is sent")
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.client.delete(self.url(path)).header("origin", self.origin()).send().await.expect("request is sent")
    }

    /// The outbox messages to `to`, oldest first: (kind, subject, body, status).
    pub async fn outbox(&self, to: &str) -> Vec<(String, String, String, String)> {
        sqlx::query_as("select kind, subject, body_text, status from email_outbox where to_address = ? order by id")
            .bind(to)
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }

    /// The token of the last link of `kind` sent to `to` (`…?token=XYZ`).
    pub async fn emailed_token(&self, to: &str, kind: &str) -> String {
        let mail = self.outbox(to).await.into_iter().rev().find(|m| m.0 == kind).unwrap_or_else(|| panic!("no {kind} mail to {to}"));
        let start = mail.2.find("token=").expect("the mail has a link with a token") + "token=".len();
        mail.2[start..].split_whitespace().next().unwrap().to_owned()
    }

    /// Backdates this family's last verification so step-up applies.
    pub async fn expire_verification(&self) {
        sqlx::query("update auth_sessions set verified_at = ?")
            .bind(chrono::Utc::now() - chrono::Duration::minutes(11))
            .execute(&self.pool)
            .await
            .unwrap();
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

/// A TOTP code for a base32 secret at `offset_steps` from now, computed by oathtool (apt), an
/// implementation independent of ours.
pub fn oathtool(secret: &str, offset_steps: i64) -> String {
    let at = chrono::Utc::now().timestamp() + offset_steps * 30;
    let out = std::process::Command::new("oathtool")
        .args(["--totp", "-b", "-N", &format!("@{at}"), secret])
        .output()
        .expect("oathtool is installed (scripts/setup installs it)");
    assert!(out.status.success(), "oathtool: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Mail received by `FakeSmtp`: envelope recipients and the raw message.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub data: String,
}

/// A minimal SMTP server on 127.0.0.1 that accepts every message (or refuses every RCPT with
/// a permanent 550 when `reject` is set), so mail is sent by lettre's real SMTP client.
pub struct FakeSmtp {
    pub url: String,
    pub received: std::sync::Arc<std::sync::Mutex<Vec<ReceivedMail>>>,
    /// Set to end a `flaky` server's refusals.
    pub healthy: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Addresses refused at RCPT with a permanent "550 5.1.1" (they do not exist).
    pub unknown_users: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl FakeSmtp {
    pub async fn start(reject: bool) -> Self {
        Self::serve(reject, usize::MAX).await
    }

    /// Accepts `accept_first` messages, then answers every MAIL FROM with a temporary 451
    /// until `healthy` is set.
    pub async fn flaky(accept_first: usize) -> Self {
        Self::serve(false, accept_first).await
    }

    async fn serve(reject: bool, accept_first: usize) -> Self {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let healthy = std::sync::Arc::new(AtomicBool::new(false));
        let accepted = std::sync::Arc::new(AtomicUsize::new(0));
        let unknown_users = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let (store, ok, unknown) = (received.clone(), healthy.clone(), unknown_users.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (store, ok, accepted, unknown) = (store.clone(), ok.clone(), accepted.clone(), unknown.clone());
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 fake ESMTP\r\n").await;
                    let (mut to, mut data, mut in_data) = (Vec::new(), String::new(), false);
                    while let Ok(Some(line)) = lines.next_line().await {
                        if in_data {
                            if line == "." {
                                in_data = false;
                                store.lock().unwrap().push(ReceivedMail { to: std::mem::take(&mut to), data: std::mem::take(&mut data) });
                                let _ = write.write_all(b"250 queued\r\n").await;
                            } else {
                                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                                data.push('\n');
                            }
                            continue;
                        }
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                            b"250-fake\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("MAIL FROM") {
                            if ok.load(Ordering::SeqCst) || accepted.fetch_add(1, Ordering::SeqCst) < accept_first {
                                b"250 ok\r\n"
                            } else {
                                b"451 try again later\r\n"
                            }
                        } else if upper.starts_with("RCPT TO:") {
                            let address = line[8..].trim().trim_matches(['<', '>']).to_owned();
                            if reject {
                                b"550 no such mailbox\r\n"
                            } else if unknown.lock().unwrap().contains(&address) {
                                b"550 5.1.1 user unknown\r\n"
                            } else {
                                to.push(address);
                                b"250 ok\r\n"
                            }
                        } else if upper.starts_with("DATA") {
                            in_data = true;
                            b"354 go on\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            b"250 ok\r\n"
                        };
                        let _ = write.write_all(reply).await;
                    }
                });
            }
        });
        Self { url, received, healthy, unknown_users }
    }
}

/// Waits (up to 10 s) until `check` holds, polling every 50 ms.
pub async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

// ---- people and workspaces

/// Another browser: a signed-up user with their own cookie jar.
pub struct Person {
    pub client: reqwest::Client,
    pub id: String,
}

pub async fn send(app: &TestApp, client: &reqwest::Client, method: reqwest::Method, path: &str, body: Option<serde_json::Value>) -> reqwest::Response {
    let req = client.request(method, app.url(path)).header("origin", app.origin());
    let req = match body {
        Some(body) => req.json(&body),
        None => req,
    };
    req.send().await.expect("request is sent")
}

pub async fn person(app: &TestApp, email: &str) -> Person {
    let client = app.new_client();
    app.sign_up_ok_in(&client, email).await;
    let me: serde_json::Value = client.get(app.url("/api/v1/auth/me")).send().await.unwrap().json().await.unwrap();
    Person { client, id: me["user"]["id"].as_str().unwrap().into() }
}

/// A new person joins workspace `ws` (by the owner's invitation in `app.client`) with `role`.
pub async fn join(app: &TestApp, ws: &str, email: &str, role: &str) -> Person {
    let p = person(app, email).await;
    let res = app.post_json(&format!("/api/v1/workspaces/{ws}/invitations"), &json!({"email": email, "role": role})).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let created: serde_json::Value = res.json().await.unwrap();
    let token = created["token"].as_str().unwrap();
    let res = send(app, &p.client, reqwest::Method::POST, &format!("/api/v1/invitations/{token}/accept"), None).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    p
}

pub async fn set_plan(app: &TestApp, ws: &str, plan: &str) {
    sqlx::query("update workspaces set plan_code = ? where id = ?")
        .bind(plan)
        .bind(uuid::Uuid::parse_str(ws).unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
}

