//! Server-rendered pages and the headers every response carries.
use sqlx::MySqlPool;

use crate::helpers::TestApp;

#[sqlx::test]
async fn the_landing_page_is_rendered_on_the_server_with_hydration_scripts(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Run your whole business from one app"));
    assert!(html.contains("Link in bio") && html.contains("Bookings"), "module list rendered");
    assert!(html.contains("/pkg/mewayz.js"), "hydration script");
    assert!(html.contains(r#"rel="manifest""#));
}

#[sqlx::test]
async fn every_html_response_carries_a_nonce_csp_that_matches_its_inline_scripts(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/").await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["referrer-policy"], "strict-origin-when-cross-origin");
    assert!(res.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    let html = res.text().await.unwrap();
    let inline_scripts = html.matches("<script").count();
    assert!(inline_scripts >= 2);
    assert!(html.matches(&format!(r#"nonce="{nonce}""#)).count() >= inline_scripts, "every script has the nonce");

    let other = app.get("/").await.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert_ne!(other, csp, "a fresh nonce per response");
}

#[sqlx::test]
async fn the_navigation_shows_the_modules_of_the_workspaces_goals(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let ws = app.post_json("/api/v1/workspaces", &serde_json::json!({"name": "Ada Studio", "goals": ["crm"]})).await;
    assert_eq!(ws.status(), 201);

    let html = app.get("/w/ada-studio").await.text().await.unwrap();

    assert!(html.contains(r#"aria-label="Sidebar""#) && html.contains(r#"aria-label="Tab bar""#));
    for slug in ["crm", "mail", "finance", "analytics", "members", "settings"] {
        assert!(html.contains(&format!(r#"href="/w/ada-studio/{slug}""#)), "nav entry for {slug}");
    }
    for slug in ["bio", "store", "social", "courses", "bookings"] {
        assert!(!html.contains(&format!(r#"href="/w/ada-studio/{slug}""#)), "no nav entry for {slug} (not a goal)");
    }
}

#[sqlx::test]
async fn app_sends_a_new_account_to_the_wizard_and_others_to_their_workspace(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let page = |path: &'static str| app.client.get(app.url(path)).header("accept", "text/html").send();

    let res = page("/app").await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (302, "/onboarding"));
    app.create_workspace("Ada Studio").await;
    let res = page("/app").await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (302, "/w/ada-studio"));
    let res = page("/app/crm").await.unwrap();
    assert_eq!(res.headers()["location"], "/w/ada-studio/crm");
}

#[sqlx::test]
async fn a_module_page_renders_and_unknown_modules_or_workspaces_are_404(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    app.create_workspace("Ada Studio").await;
    let other = app.new_client();
    app.sign_up_ok_in(&other, "bob@example.com").await;
    let created = other
        .post(app.url("/api/v1/workspaces"))
        .header("origin", app.origin())
        .json(&serde_json::json!({"name": "Bob Shop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    let res = app.get("/w/ada-studio/crm").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Contacts"));
    assert_eq!(app.get("/w/ada-studio/nonsense").await.status(), 404);
    assert_eq!(app.get("/w/bob-shop").await.status(), 404, "another's workspace");
    assert_eq!(app.get("/w/bob-shop/settings").await.status(), 404);
    assert_eq!(app.get("/w/no-such-place").await.status(), 404);
}

#[sqlx::test]
async fn the_app_without_a_session_redirects_to_the_sign_in_page(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    for path in ["/app", "/app/crm", "/app/account", "/app/security", "/w/acme", "/w/acme/settings"] {
        // As a browser asks for a page (leptos_axum answers 302 only to `Accept: text/html`).
        let res = app.client.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(res.status(), 302, "{path}");
        assert_eq!(res.headers()["location"], "/signin", "{path}");
    }
}

#[sqlx::test]
async fn the_account_and_security_pages_render_for_a_signed_in_user(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("ada@example.com").await;
    let account = app.get("/app/account").await;
    assert_eq!(account.status(), 200);
    assert!(account.text().await.unwrap().contains("ada@example.com"));
    let security = app.get("/app/security").await;
    assert_eq!(security.status(), 200);
    assert!(security.text().await.unwrap().contains("Two-factor authentication"));
}

#[sqlx::test]
async fn the_password_reset_and_email_confirmation_pages_render(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    for (path, text) in [("/forgot-password", "Reset your password"), ("/reset-password?token=x", "Choose a new password"), ("/verify-email?token=x", "Confirm your email")] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.text().await.unwrap().contains(text), "{path}");
    }
}

#[sqlx::test]
async fn sign_in_and_sign_up_pages_have_labelled_forms(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    for (path, fields) in [("/signin", vec!["email", "password"]), ("/signup", vec!["name", "email", "password"])] {
        let html = app.get(path).await.text().await.unwrap();
        for field in fields {
            assert!(html.contains(&format!(r#"for="field-{field}""#)), "{path} labels {field}");
        }
    }
}

#[sqlx::test]
async fn the_service_worker_is_served_uncached_with_a_build_version(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/sw.js").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-cache");
    let js = res.text().await.unwrap();
    assert!(!js.contains("__BUILD_ID__") && js.contains("mewayz-static-"));
}

#[sqlx::test]
async fn responses_are_compressed_when_the_client_accepts_it(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.client.get(app.url("/")).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
}
