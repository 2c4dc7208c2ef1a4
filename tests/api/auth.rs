//! Identity through the REST API: sign-up, sign-in, sessions, CSRF and the security log.
use chrono::Utc;
use mewayz::modules::auth::session::{decode_access_token, mint_access_token};
use serde_json::{Value, json};
use sqlx::MySqlPool;
use uuid::Uuid;

use crate::helpers::{GOOD_PASSWORD, TEST_JWT_SECRET, TestApp, problem, set_cookie, set_cookie_header};

async fn user_id(pool: &MySqlPool, email: &str) -> Uuid {
    sqlx::query_scalar("select id from users where email = ?").bind(email).fetch_one(pool).await.unwrap()
}

async fn event_count(pool: &MySqlPool, user_id: Uuid, kind: &str) -> i64 {
    sqlx::query_scalar("select count(*) from security_events where user_id = ? and kind = ?")
        .bind(user_id)
        .bind(kind)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn sign_up_creates_the_user_sets_http_only_lax_cookies_and_stores_an_argon2id_hash(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;

    let res = app.sign_up("  Ada Lovelace ", " Ada@Example.COM ", GOOD_PASSWORD).await;

    assert_eq!(res.status(), 201);
    for name in ["mw_access", "mw_refresh"] {
        let header = set_cookie_header(&res, name).unwrap_or_else(|| panic!("{name} cookie is set"));
        assert!(header.contains("HttpOnly"), "{header}");
        assert!(header.contains("SameSite=Lax"), "{header}");
        assert!(header.contains("Path=/"), "{header}");
        assert!(!header.contains("Secure"), "plain-http test server: {header}");
    }
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["name"], "Ada Lovelace");
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(body["user"]["email_verified"], false);
    let (hash,): (String,) = sqlx::query_as("select password_hash from users where email = 'ada@example.com'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(GOOD_PASSWORD));
    let id = user_id(&app.pool, "ada@example.com").await;
    assert_eq!(event_count(&app.pool, id, "signup").await, 1);
}

#[sqlx::test]
async fn signing_up_again_with_the_same_email_in_any_case_is_a_409(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;

    let res = app.new_client()
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"name": "Someone", "email": "ADA@example.com", "password": "Another-Good-Phrase-42"}))
        .send()
        .await
        .unwrap();

    let body = problem(res, 409).await;
    assert_eq!(body["code"], "conflict");
    assert!(body["detail"].as_str().unwrap().contains("already exists"));
}

#[sqlx::test]
async fn sign_up_validation_errors_are_422_and_name_the_field(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let cases = [
        (json!({"name": "Ada", "email": "ada@example.com", "password": "short"}), "password", "12 characters"),
        (json!({"name": "Ada", "email": "ada@example.com", "password": "password1234"}), "password", "too common"),
        (json!({"name": "Ada", "email": "not-an-email", "password": GOOD_PASSWORD}), "email", "name@example.com"),
        (json!({"email": "ada@example.com", "password": GOOD_PASSWORD}), "name", "Enter your name"),
        (json!({"name": "   ", "email": "ada@example.com", "password": GOOD_PASSWORD}), "name", "Enter your name"),
    ];
    for (body, field, message) in cases {
        let res = app.new_client().post(app.url("/api/v1/auth/register")).json(&body).send().await.unwrap();
        let problem = problem(res, 422).await;
        let errors = problem["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{problem}");
        assert_eq!(errors[0]["field"], field, "{body}");
        assert!(errors[0]["message"].as_str().unwrap().contains(message), "{problem}");
    }
    let (users,): (i64,) = sqlx::query_as("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(users, 0);
}

#[sqlx::test]
async fn logging_in_returns_the_user_an_access_token_and_session_cookies(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let browser = app.new_client();

    let res = browser
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "ADA@example.com ", "password": GOOD_PASSWORD}))
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 200);
    assert!(set_cookie(&res, "mw_access").is_some() && set_cookie(&res, "mw_refresh").is_some());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();
    let me = app.me_with_bearer(token).await;
    assert_eq!(me.status(), 200);
    let id = user_id(&app.pool, "ada@example.com").await;
    assert_eq!(event_count(&app.pool, id, "login_ok").await, 1);
}

#[sqlx::test]
async fn a_wrong_password_and_an_unknown_email_get_identical_401_answers(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;

    let wrong_password = app.log_in("ada@example.com", "Not-The-Right-Phrase-1").await;
    let wrong_password_cookie = wrong_password.headers().get("set-cookie").cloned();
    let mut wrong_password = problem(wrong_password, 401).await;
    let mut unknown_email = problem(app.log_in("nobody@example.com", "Not-The-Right-Phrase-1").await, 401).await;

    assert!(wrong_password_cookie.is_none());
    wrong_password.as_object_mut().unwrap().remove("request_id");
    unknown_email.as_object_mut().unwrap().remove("request_id");
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(wrong_password["code"], "invalid_credentials");
    let id = user_id(&app.pool, "ada@example.com").await;
    assert_eq!(event_count(&app.pool, id, "login_failed").await, 1);
    let (anonymous,): (i64,) =
        sqlx::query_as("select count(*) from security_events where user_id is null and kind = 'login_failed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(anonymous, 1);
}

#[sqlx::test]
async fn me_answers_with_the_session_cookie_and_with_a_bearer_token(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;

    let with_cookie = app.get("/api/v1/auth/me").await;
    assert_eq!(with_cookie.status(), 200);
    let body: Value = with_cookie.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");

    let token = app.log_in("ada@example.com", GOOD_PASSWORD).await.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let with_bearer = app.me_with_bearer(&token).await;
    assert_eq!(with_bearer.status(), 200);
    assert_eq!(with_bearer.json::<Value>().await.unwrap()["user"]["email"], "ada@example.com");
}

#[sqlx::test]
async fn me_without_credentials_or_with_a_forged_token_is_a_401_problem(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;

    let body = problem(app.get("/api/v1/auth/me").await, 401).await;
    assert_eq!(body["code"], "unauthorized");
    let forged = mint_access_token(b"not-the-server-key-not-the-server-key", Uuid::now_v7(), Uuid::now_v7(), Utc::now());
    problem(app.me_with_bearer(&forged).await, 401).await;
}

#[sqlx::test]
async fn an_expired_access_token_is_a_401(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let token = app.log_in("ada@example.com", GOOD_PASSWORD).await.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let claims = decode_access_token(TEST_JWT_SECRET.as_bytes(), &token).unwrap();

    let expired = mint_access_token(TEST_JWT_SECRET.as_bytes(), claims.sub, claims.fam, Utc::now() - chrono::Duration::minutes(16));

    problem(app.me_with_bearer(&expired).await, 401).await;
    assert_eq!(app.me_with_bearer(&token).await.status(), 200, "the live token still works");
}

#[sqlx::test]
async fn refresh_rotates_and_reusing_a_rotated_token_revokes_the_whole_family(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.sign_up("Ada", "ada@example.com", GOOD_PASSWORD).await;
    let first = set_cookie(&res, "mw_refresh").unwrap();

    let rotated = app.refresh_with_token(&first).await;
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    let access = rotated["access_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(app.me_with_bearer(&access).await.status(), 200);

    // The first token is replayed a minute later (say, by a thief who copied it).
    sqlx::query("update auth_sessions set revoked_at = revoked_at - interval 1 minute where revoked_at is not null")
        .execute(&app.pool)
        .await
        .unwrap();
    problem(app.refresh_with_token(&first).await, 401).await;

    problem(app.refresh_with_token(&second).await, 401).await;
    problem(app.me_with_bearer(&access).await, 401).await;
    let id = user_id(&app.pool, "ada@example.com").await;
    assert_eq!(event_count(&app.pool, id, "refresh_token_reuse").await, 1);
}

#[sqlx::test]
async fn a_rotated_token_presented_again_within_seconds_is_refused_without_revoking_the_family(pool: MySqlPool) {
    // Two tabs refreshing at once both send the same token: the second must not sign out both.
    let app = TestApp::spawn(pool).await;
    let res = app.sign_up("Ada", "ada@example.com", GOOD_PASSWORD).await;
    let first = set_cookie(&res, "mw_refresh").unwrap();
    let rotated: Value = app.refresh_with_token(&first).await.json().await.unwrap();
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();

    problem(app.refresh_with_token(&first).await, 401).await;

    assert_eq!(app.refresh_with_token(&second).await.status(), 200, "the family is still live");
    let id = user_id(&app.pool, "ada@example.com").await;
    assert_eq!(event_count(&app.pool, id, "refresh_token_reuse").await, 0);
}

#[sqlx::test]
async fn a_request_with_an_expired_access_cookie_is_refreshed_silently(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.sign_up("Ada", "ada@example.com", GOOD_PASSWORD).await;
    let refresh = set_cookie(&res, "mw_refresh").unwrap();
    let (id, family): (Uuid, Uuid) = sqlx::query_as("select user_id, family_id from auth_sessions").fetch_one(&app.pool).await.unwrap();
    let expired = mint_access_token(TEST_JWT_SECRET.as_bytes(), id, family, Utc::now() - chrono::Duration::minutes(20));

    let res = app
        .new_client()
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", format!("mw_access={expired}; mw_refresh={refresh}"))
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 200, "the handler saw the fresh access token");
    let new_access = set_cookie(&res, "mw_access").expect("a new access cookie");
    assert!(decode_access_token(TEST_JWT_SECRET.as_bytes(), &new_access).is_ok());
    assert_ne!(set_cookie(&res, "mw_refresh").unwrap(), refresh, "the refresh token rotated");
    let page = app.new_client().get(app.url("/app")).header("cookie", format!("mw_refresh={refresh}")).header("accept", "text/html").send().await.unwrap();
    assert!(page.status().is_redirection(), "the old refresh token is used up");
}

#[sqlx::test]
async fn a_browser_refreshes_with_its_cookie_and_gets_new_cookies(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.sign_up("Ada", "ada@example.com", GOOD_PASSWORD).await;
    let first = set_cookie(&res, "mw_refresh").unwrap();

    let res = app.post_empty("/api/v1/auth/refresh").await;

    assert_eq!(res.status(), 200);
    let second = set_cookie(&res, "mw_refresh").unwrap();
    assert_ne!(first, second);
    let body: Value = res.json().await.unwrap();
    assert!(body.get("refresh_token").is_none(), "browsers never see the refresh token in a body");
    assert_eq!(app.get("/api/v1/auth/me").await.status(), 200);
}

#[sqlx::test]
async fn logout_revokes_the_session_so_its_refresh_and_access_tokens_stop_working(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.sign_up("Ada", "ada@example.com", GOOD_PASSWORD).await;
    let refresh = set_cookie(&res, "mw_refresh").unwrap();
    let access = set_cookie(&res, "mw_access").unwrap();

    let res = app.log_out().await;

    assert_eq!(res.status(), 204);
    let cleared = set_cookie_header(&res, "mw_refresh").unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    problem(app.refresh_with_token(&refresh).await, 401).await;
    problem(app.me_with_bearer(&access).await, 401).await;
    problem(app.get("/api/v1/auth/me").await, 401).await;
    let id = user_id(&app.pool, "ada@example.com").await;
    assert_eq!(event_count(&app.pool, id, "logout").await, 1);
}

#[sqlx::test]
async fn cookie_posts_from_a_foreign_origin_are_refused_but_same_origin_and_bearer_posts_pass(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;

    let foreign = app.client.post(app.url("/api/v1/auth/logout")).header("origin", "https://evil.example").send().await.unwrap();
    let body = problem(foreign, 403).await;
    assert_eq!(body["code"], "forbidden");
    let no_origin = app.client.post(app.url("/api/v1/auth/logout")).send().await.unwrap();
    problem(no_origin, 403).await;
    let foreign_referer = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("referer", "https://evil.example/page")
        .send()
        .await
        .unwrap();
    problem(foreign_referer, 403).await;
    assert_eq!(app.get("/api/v1/auth/me").await.status(), 200, "the refused requests did nothing");

    let same_referer = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("referer", format!("{}/signin", app.origin()))
        .send()
        .await
        .unwrap();
    assert_eq!(same_referer.status(), 200);

    let token = app.log_in("ada@example.com", GOOD_PASSWORD).await.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Bearer clients are not browsers acting on someone else's behalf: no Origin needed, even
    // with cookies present.
    let bearer = app.client.post(app.url("/api/v1/auth/logout")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(bearer.status(), 204);
}

#[sqlx::test]
async fn security_events_list_only_the_callers_own_events_newest_first(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let _ = app.log_in("ada@example.com", "Not-The-Right-Phrase-1").await;
    let grace = app.new_client();
    let res = grace
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"name": "Grace", "email": "grace@example.com", "password": "Another-Good-Phrase-42"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let ada: Value = app.get("/api/v1/auth/security-events").await.json().await.unwrap();
    let grace: Value = grace.get(app.url("/api/v1/auth/security-events")).send().await.unwrap().json().await.unwrap();

    let kinds = |v: &Value| v["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(kinds(&ada), ["login_failed", "signup"]);
    assert_eq!(kinds(&grace), ["signup"]);
    assert!(ada["items"][0]["ip"].as_str().unwrap().starts_with("127.0.0.1"));
    problem(app.new_client().get(app.url("/api/v1/auth/security-events")).send().await.unwrap(), 401).await;
}

#[sqlx::test]
async fn the_openapi_document_describes_the_auth_endpoints(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;

    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();

    let paths = [
        "register", "login", "login/mfa", "refresh", "logout", "me", "me/avatar", "password", "password-reset",
        "password-reset/confirm", "verify-email", "mfa/setup", "mfa/enable", "mfa/disable", "mfa/backup-codes",
        "sessions", "sessions/{id}", "api-keys", "api-keys/{id}", "security-events",
    ];
    for path in paths {
        assert!(doc["paths"][format!("/api/v1/auth/{path}")].is_object(), "{path} is documented");
    }
    let me = &doc["paths"]["/api/v1/auth/me"];
    assert!(me["get"].is_object() && me["patch"].is_object() && me["delete"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let page = &doc["components"]["schemas"];
    let has_page = page.as_object().unwrap().keys().any(|k| k.starts_with("Page"));
    let list = &doc["paths"]["/api/v1/auth/sessions"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert!(has_page || list["properties"]["next_cursor"].is_object(), "lists are documented as pages: {list}");
}

#[sqlx::test]
async fn the_sign_up_and_sign_in_server_functions_set_the_session_cookies(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let form = [("name", "Ada"), ("email", "ada@example.com"), ("password", GOOD_PASSWORD)];

    let res = app.client.post(app.url("/api/auth/sign_up")).header("origin", app.origin()).form(&form).send().await.unwrap();

    assert_eq!(res.status(), 200);
    assert!(set_cookie_header(&res, "mw_access").unwrap().contains("HttpOnly"));
    assert_eq!(res.json::<Value>().await.unwrap()["email"], "ada@example.com");
    assert_eq!(app.get("/api/v1/auth/me").await.status(), 200);

    let res = app.client.post(app.url("/api/auth/sign_out")).header("origin", app.origin()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.get("/api/v1/auth/me").await.status(), 401);

    let browser = app.new_client();
    let wrong = [("email", "ada@example.com"), ("password", "Not-The-Right-Phrase-1")];
    let res = browser.post(app.url("/api/auth/sign_in")).form(&wrong).send().await.unwrap();
    assert_eq!(res.status(), 401, "a user's mistake is a 4xx from server functions too, never a 500");
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_credentials");
    let right = [("email", "ada@example.com"), ("password", GOOD_PASSWORD)];
    let res = browser.post(app.url("/api/auth/sign_in")).form(&right).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(set_cookie(&res, "mw_refresh").is_some());
}

#[sqlx::test]
async fn the_sign_up_server_function_names_the_field_of_a_common_password(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let form = [("name", "Ada"), ("email", "ada@example.com"), ("password", "password1234")];

    let res = app.client.post(app.url("/api/auth/sign_up")).form(&form).send().await.unwrap();

    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "validation");
    assert_eq!(body["errors"][0]["field"], "password");
}

#[sqlx::test]
async fn logging_in_upgrades_a_hash_made_with_older_parameters(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    // What an older release (weaker parameters) would have stored for the same password.
    use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version, password_hash::SaltString};
    let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8, 1, 1, None).unwrap());
    let old = weak.hash_password(GOOD_PASSWORD.as_bytes(), &SaltString::encode_b64(&[7; 16]).unwrap()).unwrap().to_string();
    sqlx::query("update users set password_hash = ?").bind(&old).execute(&app.pool).await.unwrap();

    assert_eq!(app.log_in("ada@example.com", GOOD_PASSWORD).await.status(), 200);

    let (hash,): (String,) = sqlx::query_as("select password_hash from users").fetch_one(&app.pool).await.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert_eq!(app.log_in("ada@example.com", GOOD_PASSWORD).await.status(), 200, "the new hash verifies");
}
