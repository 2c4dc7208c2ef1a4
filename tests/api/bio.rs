//! Link in bio: pages and blocks (CRUD, validation, plan limits), drafts and publishing, the
//! public page and its link redirect, cookie-free stats, sign-ups, QR codes, permissions by
//! role and isolation between workspaces.
use reqwest::{Method, Response};
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{TestApp, join, person, problem, send, set_plan};

const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1";
const DESKTOP: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36";

/// Signs up the owner of a new workspace (the client's current one); returns its id.
async fn owner(app: &TestApp) -> String {
    app.sign_up_ok("owner@example.com").await;
    app.create_workspace("Jane Studio").await["id"].as_str().unwrap().to_owned()
}

async fn create_page(app: &TestApp, handle: &str) -> Value {
    let res = app.post_json("/api/v1/bio/pages", &json!({"handle": handle, "title": "Jane Doe", "bio": "Designer & maker"})).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

async fn add_block(app: &TestApp, page: &str, body: Value) -> Value {
    let res = app.post_json(&format!("/api/v1/bio/pages/{page}/blocks"), &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

async fn publish(app: &TestApp, page: &str) -> Value {
    let res = app.post_empty(&format!("/api/v1/bio/pages/{page}/publish")).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

/// A visitor without cookies.
async fn visit(app: &TestApp, path: &str, ua: &str) -> Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("user-agent", ua)
        .send()
        .await
        .unwrap()
}

async fn public_html(app: &TestApp, handle: &str) -> (u16, String) {
    let res = visit(app, &format!("/@{handle}"), DESKTOP).await;
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn stats(app: &TestApp, page: &str) -> Value {
    app.state.bio.flush(&app.pool).await;
    let res = app.get(&format!("/api/v1/bio/pages/{page}/stats?days=7")).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[sqlx::test]
async fn a_page_is_created_read_listed_changed_and_its_handle_is_unique(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    set_plan(&app, &ws, "pro").await;

    let page = create_page(&app, "Jane.Doe").await;
    assert_eq!((page["handle"].as_str(), page["status"].as_str()), (Some("jane.doe"), Some("draft")));
    assert_eq!(page["public_url"], "/@jane.doe");
    assert_eq!(page["theme"]["preset"], "midnight");
    let got: Value = app.get(&format!("/api/v1/bio/pages/{}", id(&page))).await.json().await.unwrap();
    assert_eq!(got["title"], "Jane Doe");
    assert_eq!(got["blocks"], json!([]));
    let listed: Value = app.get("/api/v1/bio/pages").await.json().await.unwrap();
    assert_eq!(listed["total"], 1);

    let res = app
        .send_json(Method::PATCH, &format!("/api/v1/bio/pages/{}", id(&page)), &json!({"title": "Jane", "seo_title": "Jane's links", "theme": {"preset": "sunset"}, "age_gate": 18}))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let changed: Value = res.json().await.unwrap();
    assert_eq!((changed["title"].as_str(), changed["seo_title"].as_str(), changed["age_gate"].as_u64()), (Some("Jane"), Some("Jane's links"), Some(18)));
    assert_eq!(changed["theme"]["background"], "gradient", "a preset alone takes the whole preset");
    let cleared: Value = app.send_json(Method::PATCH, &format!("/api/v1/bio/pages/{}", id(&page)), &json!({"seo_title": null})).await.json().await.unwrap();
    assert_eq!(cleared["seo_title"], Value::Null);
    assert_eq!(cleared["title"], "Jane", "fields not sent stay");

    // The same handle in another workspace, by another person, is refused.
    let other = person(&app, "other@example.com").await;
    send(&app, &other.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Other"}))).await;
    let res = send(&app, &other.client, Method::POST, "/api/v1/bio/pages", Some(json!({"handle": "JANE.DOE", "title": "Imposter"}))).await;
    let err = problem(res, 422).await;
    assert_eq!(err["errors"][0]["field"], "handle");
    assert!(err["errors"][0]["message"].as_str().unwrap().contains("taken"));
}

#[sqlx::test]
async fn bad_page_and_block_input_is_refused_field_by_field(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;

    let err = problem(app.post_json("/api/v1/bio/pages", &json!({"handle": "admin", "title": ""})).await, 422).await;
    let fields: Vec<&str> = err["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["handle", "title"]);
    for bad in ["a", "jane doe", "fuck.you", ".jane"] {
        let err = problem(app.post_json("/api/v1/bio/pages", &json!({"handle": bad, "title": "x"})).await, 422).await;
        assert_eq!(err["errors"][0]["field"], "handle", "{bad}");
    }
    let err = problem(app.post_json("/api/v1/bio/pages", &json!({"handle": "jane", "title": "x", "theme": {"button_color": "blue"}})).await, 422).await;
    assert_eq!(err["errors"][0]["field"], "theme.button_color");
    let err = problem(app.post_json("/api/v1/bio/pages", &json!({"handle": "jane", "title": "x", "avatar_url": "https://evil.example/x.png"})).await, 422).await;
    assert_eq!(err["errors"][0]["field"], "avatar_url");
    let res = app.post_json("/api/v1/bio/pages", &json!({"handle": 42, "title": "x"})).await;
    assert_eq!(res.status(), 400, "a number where the handle goes");
    let page = id(&create_page(&app, "jane").await);

    let blocks = format!("/api/v1/bio/pages/{page}/blocks");
    for (body, field) in [
        (json!({"type": "link", "title": "Hi", "url": "javascript:alert(1)"}), "url"),
        (json!({"type": "link", "title": "Hi", "url": "data:text/html,x"}), "url"),
        (json!({"type": "link", "title": "Hi"}), "url"),
        (json!({"type": "link", "url": "https://example.com"}), "title"),
        (json!({"type": "embed", "url": "https://vimeo.com/1"}), "url"),
        (json!({"type": "social", "socials": [{"network": "myspace", "url": "https://x.com"}]}), "socials.0.network"),
        (json!({"type": "social", "socials": [{"network": "x", "url": "javascript:1"}]}), "socials.0.url"),
        (json!({"type": "link", "title": "Hi", "url": "https://example.com", "age_gate": 16}), "age_gate"),
        (json!({"type": "link", "title": "Hi", "url": "https://example.com", "starts_at": "2026-12-02T10:00", "ends_at": "2026-12-01T10:00"}), "ends_at"),
        (json!({"type": "link", "title": "Hi", "url": "https://example.com", "starts_at": "soon"}), "starts_at"),
        (json!({"type": "spacer", "height": 999}), "height"),
        (json!({"type": "image", "image_url": "/media/bio-00000000-0000-0000-0000-000000000000/x.jpg"}), "image_url"),
        (json!({"title": "no type"}), "type"),
    ] {
        let err = problem(app.post_json(&blocks, &body).await, 422).await;
        assert_eq!(err["errors"][0]["field"], field, "{body}");
    }
    let res = app.post_json(&blocks, &json!({"type": "video"})).await;
    assert!(res.status().is_client_error(), "an unknown type is a 4xx, not a 500");
    let listed: Value = app.get(&blocks).await.json().await.unwrap();
    assert_eq!(listed, json!([]), "nothing half-written");
}

#[sqlx::test]
async fn blocks_are_added_changed_reordered_and_removed(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    let blocks = format!("/api/v1/bio/pages/{page}/blocks");

    let link = add_block(&app, &page, json!({"type": "link", "title": "Shop", "url": "shop.example.com", "icon": "instagram"})).await;
    assert_eq!(link["url"], "https://shop.example.com", "a bare host gets https");
    let heading = add_block(&app, &page, json!({"type": "heading"})).await;
    assert_eq!(heading["title"], "New section", "palette defaults");
    let social = add_block(&app, &page, json!({"type": "social", "socials": [{"network": "email", "url": "jane@example.com"}, {"network": "tiktok", "url": "https://tiktok.com/@jane"}]})).await;
    assert_eq!(social["socials"][0]["url"], "mailto:jane@example.com");
    let embed = add_block(&app, &page, json!({"type": "embed", "url": "https://youtu.be/dQw4w9WgXcQ", "title": "My video"})).await;
    assert_eq!(embed["provider"], "youtube");
    let first = add_block(&app, &page, json!({"type": "text", "body": "Hello", "position": 0})).await;
    let order: Vec<Value> = app.get(&blocks).await.json::<Vec<Value>>().await.unwrap().iter().map(|b| b["id"].clone()).collect();
    assert_eq!(order, [first["id"].clone(), link["id"].clone(), heading["id"].clone(), social["id"].clone(), embed["id"].clone()]);

    let res = app.send_json(Method::PATCH, &format!("{blocks}/{}", id(&link)), &json!({"title": "My shop", "enabled": false, "icon": null})).await;
    let changed: Value = res.json().await.unwrap();
    assert_eq!((changed["title"].as_str(), changed["enabled"].as_bool(), &changed["icon"]), (Some("My shop"), Some(false), &Value::Null));
    assert_eq!(changed["url"], "https://shop.example.com");
    let err = problem(app.send_json(Method::PATCH, &format!("{blocks}/{}", id(&link)), &json!({"type": "heading"})).await, 422).await;
    assert_eq!(err["errors"][0]["field"], "type");

    let wanted = json!({"ids": [embed["id"], social["id"], heading["id"], link["id"], first["id"]]});
    let res = app.send_json(Method::PUT, &format!("{blocks}/order"), &wanted).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let reordered: Vec<Value> = res.json().await.unwrap();
    assert_eq!(reordered.iter().map(|b| b["id"].clone()).collect::<Vec<_>>(), wanted["ids"].as_array().unwrap().clone());
    let err = problem(app.send_json(Method::PUT, &format!("{blocks}/order"), &json!({"ids": [embed["id"], social["id"]]})).await, 422).await;
    assert_eq!(err["errors"][0]["field"], "ids");

    assert_eq!(app.delete(&format!("{blocks}/{}", id(&heading))).await.status(), 204);
    assert_eq!(app.get(&format!("{blocks}/{}", id(&heading))).await.status(), 404);
    let left: Vec<Value> = app.get(&blocks).await.json().await.unwrap();
    assert_eq!(left.iter().map(|b| b["position"].as_i64().unwrap()).collect::<Vec<_>>(), [0, 1, 2, 3], "positions close the gap");
}

#[sqlx::test]
async fn plans_limit_pages_and_blocks_per_page(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    let err = problem(app.post_json("/api/v1/bio/pages", &json!({"handle": "jane2", "title": "Two"})).await, 402).await;
    assert_eq!(err["detail"], "The free plan allows 1 bio page. Upgrade the plan to add more.");

    sqlx::query("update plan_limits set max_value = 3 where plan_code = 'free' and resource = 'bio_blocks'").execute(&app.pool).await.unwrap();
    for _ in 0..3 {
        add_block(&app, &page, json!({"type": "divider"})).await;
    }
    let err = problem(app.post_json(&format!("/api/v1/bio/pages/{page}/blocks"), &json!({"type": "divider"})).await, 402).await;
    assert_eq!(err["code"], "plan_limit");
    assert_eq!(err["detail"], "The free plan allows 3 bio blocks. Upgrade the plan to add more.");
    set_plan(&app, &ws, "pro").await;
    add_block(&app, &page, json!({"type": "divider"})).await;
}

#[sqlx::test]
async fn the_public_page_shows_only_what_was_published(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    add_block(&app, &page, json!({"type": "link", "title": "Old link", "url": "https://old.example.com"})).await;
    assert_eq!(public_html(&app, "jane").await.0, 404, "a draft is not public");

    let published = publish(&app, &page).await;
    assert_eq!((published["status"].as_str(), published["has_unpublished_changes"].as_bool()), (Some("published"), Some(false)));
    let (status, html) = public_html(&app, "jane").await;
    assert_eq!(status, 200);
    assert!(html.contains("Old link") && html.contains("Designer &amp; maker"));
    assert!(html.contains(r#"rel="canonical""#) && html.contains("/@jane\""), "canonical link");
    assert!(html.contains("og:title"));
    assert!(!html.contains(".wasm") && !html.contains("/pkg/mewayz.js"), "the public page ships no WASM");

    add_block(&app, &page, json!({"type": "link", "title": "New link", "url": "https://new.example.com"})).await;
    let changed: Value = app.send_json(Method::PATCH, &format!("/api/v1/bio/pages/{page}"), &json!({"title": "Draft title"})).await.json().await.unwrap();
    assert_eq!(changed["has_unpublished_changes"], true);
    let (_, html) = public_html(&app, "jane").await;
    assert!(!html.contains("New link") && !html.contains("Draft title"), "drafts stay private until published");
    let preview = app.get(&format!("/api/v1/bio/pages/{page}/preview")).await;
    assert_eq!(preview.headers()["x-frame-options"], "SAMEORIGIN");
    let preview = preview.text().await.unwrap();
    assert!(preview.contains("New link") && preview.contains("noindex"), "the preview renders the draft");

    publish(&app, &page).await;
    let (_, html) = public_html(&app, "jane").await;
    assert!(html.contains("New link") && html.contains("Draft title"));

    let res = app.post_empty(&format!("/api/v1/bio/pages/{page}/unpublish")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(public_html(&app, "jane").await.0, 404);
    publish(&app, &page).await;
    assert_eq!(app.delete(&format!("/api/v1/bio/pages/{page}")).await.status(), 200);
    assert_eq!(public_html(&app, "jane").await.0, 404, "a deleted page is gone at once");
    let restored = app.post_empty(&format!("/api/v1/bio/pages/{page}/restore")).await;
    assert_eq!(restored.status(), 200);
    let restored: Value = restored.json().await.unwrap();
    assert_eq!(restored["status"], "draft", "a restored page comes back unpublished");
}

/// The public page as a visitor's browser gets it, with an `Accept-Encoding`.
async fn public_bytes(app: &TestApp, handle: &str, accept_encoding: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let res = reqwest::Client::new()
        .get(app.url(&format!("/@{handle}")))
        .header("user-agent", DESKTOP)
        .header("accept-encoding", accept_encoding)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    (res.headers().clone(), res.bytes().await.unwrap().to_vec())
}

#[sqlx::test]
async fn the_public_page_is_sent_precompressed_under_a_script_hash_and_republishing_shows_at_once(pool: MySqlPool) {
    use std::io::Read as _;

    use base64::Engine as _;
    use sha2::Digest as _;

    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    add_block(&app, &page, json!({"type": "link", "title": "First link", "url": "https://one.example.com"})).await;
    publish(&app, &page).await;

    let (headers, plain) = public_bytes(&app, "jane", "identity").await;
    assert!(headers.get("content-encoding").is_none());
    let html = String::from_utf8(plain.clone()).unwrap();
    let script = html.split("<script>").nth(1).and_then(|s| s.split("</script>").next()).expect("one inline script");
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains(&format!("script-src 'sha256-{hash}';")), "the CSP allows exactly the page's script: {csp}");
    assert!(!csp.contains("nonce-"), "no per-request nonce, so the cached bytes fit every visitor");

    let (headers, br) = public_bytes(&app, "jane", "gzip, deflate, br").await;
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(headers["vary"], "accept-encoding");
    let mut decoded = Vec::new();
    brotli::Decompressor::new(br.as_slice(), 4096).read_to_end(&mut decoded).unwrap();
    assert_eq!(decoded, plain, "brotli decodes to the same page");
    let (headers, gz) = public_bytes(&app, "jane", "gzip").await;
    assert_eq!(headers["content-encoding"], "gzip");
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut decoded).unwrap();
    assert_eq!(decoded, plain, "gzip decodes to the same page");

    add_block(&app, &page, json!({"type": "link", "title": "Second link", "url": "https://two.example.com"})).await;
    publish(&app, &page).await;
    let (_, br) = public_bytes(&app, "jane", "br").await;
    let mut decoded = String::new();
    brotli::Decompressor::new(br.as_slice(), 4096).read_to_string(&mut decoded).unwrap();
    assert!(decoded.contains("Second link"), "publishing replaces the cached page at once");
}

#[sqlx::test]
async fn user_text_is_escaped_and_scheduled_blocks_follow_their_times(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    app.send_json(Method::PATCH, &format!("/api/v1/bio/pages/{page}"), &json!({"title": "<script>alert(1)</script>", "bio": "\"><img src=x onerror=alert(2)>"})).await;
    let now = chrono::Utc::now();
    let t = |secs: i64| (now + chrono::Duration::seconds(secs)).to_rfc3339();
    add_block(&app, &page, json!({"type": "link", "title": "Started", "url": "https://a.example.com", "starts_at": t(-5)})).await;
    add_block(&app, &page, json!({"type": "link", "title": "Future", "url": "https://b.example.com", "starts_at": t(3600)})).await;
    let ended = add_block(&app, &page, json!({"type": "link", "title": "Ended", "url": "https://c.example.com", "ends_at": t(-5)})).await;
    add_block(&app, &page, json!({"type": "link", "title": "Running", "url": "https://d.example.com", "ends_at": t(3600)})).await;
    add_block(&app, &page, json!({"type": "link", "title": "Switched off", "url": "https://e.example.com", "enabled": false})).await;
    publish(&app, &page).await;

    let (_, html) = public_html(&app, "jane").await;
    assert!(!html.contains("<script>alert(1)") && html.contains("&lt;script&gt;alert(1)"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("Started") && html.contains("Running"));
    for hidden in ["Future", "Ended", "Switched off", "b.example.com", "c.example.com", "e.example.com"] {
        assert!(!html.contains(hidden), "{hidden} is not in the HTML");
    }
    assert_eq!(visit(&app, &format!("/l/{}", id(&ended)), PHONE).await.status(), 404, "an ended link no longer redirects");
}

#[sqlx::test]
async fn a_click_redirects_and_is_counted_once_and_views_count_visitors_without_cookies(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    let link = add_block(&app, &page, json!({"type": "link", "title": "Shop", "url": "https://shop.example.com/?a=1"})).await;
    let other = add_block(&app, &page, json!({"type": "link", "title": "Blog", "url": "https://blog.example.com"})).await;
    publish(&app, &page).await;

    let first = visit(&app, "/@jane", PHONE).await;
    assert!(first.headers().get("set-cookie").is_none(), "no cookies");
    let html = first.text().await.unwrap();
    assert!(html.contains(&format!("/l/{}", id(&link))) && html.contains("https://shop.example.com/?a=1"), "redirect and real URL");
    visit(&app, "/@jane", PHONE).await;
    visit(&app, "/@jane", DESKTOP).await;
    visit(&app, "/@jane", "Googlebot/2.1 (+http://www.google.com/bot.html)").await;

    let res = visit(&app, &format!("/l/{}", id(&link)), PHONE).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "https://shop.example.com/?a=1");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(visit(&app, &format!("/l/{}", uuid::Uuid::now_v7()), PHONE).await.status(), 404);
    assert_eq!(visit(&app, "/l/not-a-uuid", PHONE).await.status(), 404);

    let s = stats(&app, &page).await;
    assert_eq!((s["views"].as_u64(), s["unique_visitors"].as_u64(), s["clicks"].as_u64()), (Some(3), Some(2), Some(1)), "{s}");
    assert_eq!(s["by_link"].as_array().unwrap().len(), 1, "exactly one link was clicked");
    assert_eq!(s["by_link"][0]["block_id"], link["id"]);
    assert_eq!(s["by_link"][0]["clicks"], 1);
    assert!(s["by_link"].as_array().unwrap().iter().all(|l| l["block_id"] != other["id"]));
    assert_eq!(s["by_day"].as_array().unwrap().len(), 7);
    assert_eq!(s["by_day"][6]["views"], 3, "today is the last day");
    let devices: Vec<(&str, u64)> = s["devices"].as_array().unwrap().iter().map(|d| (d["label"].as_str().unwrap(), d["count"].as_u64().unwrap())).collect();
    assert_eq!(devices, [("mobile", 2), ("desktop", 1)]);
    assert!((s["ctr"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);

    let csv = app.get(&format!("/api/v1/bio/pages/{page}/stats.csv?days=7")).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("date,views,unique_visitors,clicks,link_title,link_url\n"));
    assert!(csv.contains(",1,Shop,https://shop.example.com/?a=1"));
    problem(app.get(&format!("/api/v1/bio/pages/{page}/stats?days=12")).await, 422).await;
}

#[sqlx::test]
async fn an_age_gated_link_asks_first_and_the_in_app_browser_gets_an_escape_bar(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    let gated = add_block(&app, &page, json!({"type": "link", "title": "Wine", "url": "https://wine.example.com", "age_gate": 21})).await;
    publish(&app, &page).await;

    let ask = visit(&app, &format!("/l/{}", id(&gated)), PHONE).await;
    assert_eq!(ask.status(), 200);
    let html = ask.text().await.unwrap();
    assert!(html.contains("21") && html.contains(&format!("/l/{}?age_ok=1", id(&gated))));
    let go = visit(&app, &format!("/l/{}?age_ok=1", id(&gated)), PHONE).await;
    assert_eq!(go.status(), 302);
    assert_eq!(stats(&app, &page).await["clicks"], 1, "only the confirmed click counts");

    let instagram = format!("{PHONE} Instagram 300.0.0.0");
    let html = visit(&app, "/@jane", &instagram).await.text().await.unwrap();
    assert!(html.contains("Open in your browser"));
    let html = visit(&app, "/@jane", PHONE).await.text().await.unwrap();
    assert!(!html.contains("Open in your browser"));
}

#[sqlx::test]
async fn the_sign_up_form_stores_each_address_once(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    let form = add_block(&app, &page, json!({"type": "email", "title": "Newsletter"})).await;
    publish(&app, &page).await;
    let visitor = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let post = |fields: Vec<(&'static str, String)>| {
        let visitor = visitor.clone();
        let url = app.url("/@jane/subscribe");
        async move { visitor.post(url).form(&fields).send().await.unwrap() }
    };

    let res = post(vec![("email", " Fan@Example.com ".into()), ("block_id", id(&form))]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/@jane?signup=ok");
    post(vec![("email", "fan@example.com".into()), ("block_id", id(&form))]).await;
    let bad = post(vec![("email", "not-an-email".into()), ("block_id", id(&form))]).await;
    assert_eq!(bad.headers()["location"], "/@jane?signup=invalid");
    post(vec![("email", "bot@example.com".into()), ("block_id", id(&form)), ("website", "http://spam".into())]).await;
    assert_eq!(post(vec![("email", "x@example.com".into()), ("block_id", uuid::Uuid::now_v7().to_string())]).await.status(), 404);

    let leads: Value = app.get(&format!("/api/v1/bio/pages/{page}/leads")).await.json().await.unwrap();
    let emails: Vec<&str> = leads["items"].as_array().unwrap().iter().map(|l| l["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["fan@example.com"]);
    let csv = app.get(&format!("/api/v1/bio/pages/{page}/leads.csv")).await.text().await.unwrap();
    assert!(csv.starts_with("email,signed_up_at,updated_at\nfan@example.com,"));
    let thanks = visit(&app, "/@jane?signup=ok", PHONE).await.text().await.unwrap();
    assert!(thanks.contains("You are on the list"));
}

async fn contact(app: &TestApp, email: &str) -> Value {
    let list = app.get(&format!("/api/v1/crm/contacts?q={email}")).await.json::<Value>().await.unwrap();
    list["items"][0].clone()
}

#[sqlx::test]
async fn with_double_opt_in_a_sign_up_is_pending_until_the_emailed_link_is_confirmed(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    let form = add_block(&app, &page, json!({"type": "email", "title": "Newsletter"})).await;
    publish(&app, &page).await;
    assert_eq!(app.get("/api/v1/mail/settings").await.json::<Value>().await.unwrap(), json!({"double_opt_in": false}));
    let viewer = join(&app, &ws, "viewer@example.com", "viewer").await;
    let res = viewer.client.put(app.url("/api/v1/mail/settings")).header("origin", app.origin()).header("x-workspace-id", &ws).json(&json!({"double_opt_in": true})).send().await.unwrap();
    assert_eq!(res.status(), 403, "a viewer cannot change it");
    let res = app.send_json(Method::PUT, "/api/v1/mail/settings", &json!({"double_opt_in": true})).await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"double_opt_in": true}));

    let visitor = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let sign_up = |email: &'static str| {
        let req = visitor.post(app.url("/@jane/subscribe")).form(&[("email", email.to_owned()), ("block_id", id(&form))]);
        async move { req.send().await.unwrap() }
    };
    let res = sign_up("fan@example.com").await;
    assert_eq!(res.headers()["location"], "/@jane?signup=confirm");
    assert!(visit(&app, "/@jane?signup=confirm", PHONE).await.text().await.unwrap().contains("check your inbox"));
    assert_eq!(contact(&app, "fan@example.com").await["consent_status"], "pending");
    sign_up("fan@example.com").await;
    let mails: Vec<(String, String)> = sqlx::query_as("select to_address, body_text from email_outbox where kind = 'mail_confirm'").fetch_all(&app.pool).await.unwrap();
    assert_eq!(mails.len(), 1, "signing up twice in a row sends one confirmation");
    assert_eq!(mails[0].0, "fan@example.com");
    let path = mails[0].1.split_whitespace().find(|w| w.contains("/confirm/")).map(|url| url[url.find("/confirm/").unwrap()..].to_owned()).unwrap();

    // Following the link only asks; the button confirms.
    let ask = visitor.get(app.url(&path)).send().await.unwrap();
    assert_eq!(ask.status(), 200);
    assert!(ask.text().await.unwrap().contains("Confirm my subscription"));
    assert_eq!(contact(&app, "fan@example.com").await["consent_status"], "pending", "a link scanner's GET confirms nothing");
    let done = visitor.post(app.url(&path)).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let fan = contact(&app, "fan@example.com").await;
    assert_eq!(fan["consent_status"], "subscribed");
    let timeline = app.get(&format!("/api/v1/crm/contacts/{}/timeline", fan["id"].as_str().unwrap())).await.json::<Value>().await.unwrap();
    assert!(timeline.to_string().contains("email_confirmed"), "{timeline}");
    assert_eq!(visitor.post(app.url(&path)).send().await.unwrap().status(), 200, "confirming twice is fine");
    let tampered = format!("{}x", path);
    assert_eq!(visitor.post(app.url(&tampered)).send().await.unwrap().status(), 404);

    // Unsubscribed since: the old link does not bring them back.
    let res = app.send_json(Method::PATCH, &format!("/api/v1/crm/contacts/{}", fan["id"].as_str().unwrap()), &json!({"consent_status": "unsubscribed"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(visitor.post(app.url(&path)).send().await.unwrap().status(), 409);
    assert_eq!(contact(&app, "fan@example.com").await["consent_status"], "unsubscribed");

    // Another workspace has its own setting and cannot change this one.
    let intruder = person(&app, "intruder@example.com").await;
    send(&app, &intruder.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Intruder"}))).await;
    let theirs = send(&app, &intruder.client, Method::GET, "/api/v1/mail/settings", None).await.json::<Value>().await.unwrap();
    assert_eq!(theirs, json!({"double_opt_in": false}));
    send(&app, &intruder.client, Method::PUT, "/api/v1/mail/settings", Some(json!({"double_opt_in": false}))).await;
    assert_eq!(app.get("/api/v1/mail/settings").await.json::<Value>().await.unwrap(), json!({"double_opt_in": true}));

    // Switched off: sign-ups are subscribed at once and nobody gets a confirmation.
    app.send_json(Method::PUT, "/api/v1/mail/settings", &json!({"double_opt_in": false})).await;
    assert_eq!(sign_up("direct@example.com").await.headers()["location"], "/@jane?signup=ok");
    assert_eq!(contact(&app, "direct@example.com").await["consent_status"], "subscribed");
    let n: i64 = sqlx::query_scalar("select count(*) from email_outbox where kind = 'mail_confirm'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 1);
}

#[sqlx::test]
async fn images_are_uploaded_to_the_workspace_and_qr_codes_point_at_the_page(pool: MySqlPool) {
    let app = TestApp::spawn_configured(pool, |c| c.body_limit_bytes = 3 * 1024 * 1024).await;
    owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(1600, 900, image::Rgb([200, 30, 90])).write_to(&mut png, image::ImageFormat::Png).unwrap();
    let upload = |kind: &'static str, bytes: Vec<u8>| {
        let req = app.client.post(app.url(&format!("/api/v1/bio/pages/{page}/images?kind={kind}"))).header("origin", app.origin()).body(bytes);
        async move { req.send().await.unwrap() }
    };

    let res = upload("image", png.into_inner()).await;
    assert_eq!(res.status(), 201);
    let url = res.json::<Value>().await.unwrap()["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/media/bio-") && url.ends_with(".jpg"), "{url}");
    let decoded = image::load_from_memory(&app.get(&url).await.bytes().await.unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1200, 675), "scaled to fit 1200 px");
    let block = add_block(&app, &page, json!({"type": "image", "image_url": url, "title": "Cover"})).await;
    assert_eq!(block["image_url"], url);
    let res = app.send_json(Method::PATCH, &format!("/api/v1/bio/pages/{page}"), &json!({"og_image_url": url})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["og_image_url"], url);
    let err = problem(upload("image", b"GIF89a not really".to_vec()).await, 422).await;
    assert_eq!(err["errors"][0]["field"], "image");

    let svg = app.get(&format!("/api/v1/bio/pages/{page}/qr?format=svg")).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));
    let png = app.get(&format!("/api/v1/bio/pages/{page}/qr?format=png&size=300&download=1")).await;
    assert!(png.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let bytes = png.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    assert!(image::load_from_memory(&bytes).unwrap().width() >= 300);
    problem(app.get(&format!("/api/v1/bio/pages/{page}/qr?format=gif")).await, 422).await;
}

/// Every bio endpoint, as (method, path, body, needs write).
fn endpoints(page: &str, block: &str) -> Vec<(Method, String, Option<Value>, bool)> {
    let p = format!("/api/v1/bio/pages/{page}");
    vec![
        (Method::GET, p.clone(), None, false),
        (Method::GET, format!("{p}/blocks"), None, false),
        (Method::GET, format!("{p}/blocks/{block}"), None, false),
        (Method::GET, format!("{p}/stats"), None, false),
        (Method::GET, format!("{p}/stats.csv"), None, false),
        (Method::GET, format!("{p}/leads"), None, false),
        (Method::GET, format!("{p}/leads.csv"), None, false),
        (Method::GET, format!("{p}/qr"), None, false),
        (Method::GET, format!("{p}/preview"), None, false),
        (Method::PATCH, p.clone(), Some(json!({"title": "Hacked"})), true),
        (Method::POST, format!("{p}/blocks"), Some(json!({"type": "divider"})), true),
        (Method::PATCH, format!("{p}/blocks/{block}"), Some(json!({"title": "Hacked"})), true),
        (Method::PUT, format!("{p}/blocks/order"), Some(json!({"ids": [block]})), true),
        (Method::POST, format!("{p}/images"), None, true),
        (Method::POST, format!("{p}/publish"), None, true),
        (Method::POST, format!("{p}/unpublish"), None, true),
        (Method::DELETE, format!("{p}/blocks/{block}"), None, true),
        (Method::DELETE, p.clone(), None, true),
    ]
}

#[sqlx::test]
async fn viewers_read_but_cannot_change_and_editors_can(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    let block = id(&add_block(&app, &page, json!({"type": "link", "title": "Shop", "url": "https://shop.example.com"})).await);
    set_plan(&app, &ws, "pro").await;
    let viewer = join(&app, &ws, "viewer@example.com", "viewer").await;
    let editor = join(&app, &ws, "editor@example.com", "editor").await;
    let header = |req: reqwest::RequestBuilder| req.header("x-workspace-id", &ws).header("origin", app.origin());

    for (method, path, body, writes) in endpoints(&page, &block) {
        let mut req = header(viewer.client.request(method.clone(), app.url(&path)));
        if let Some(body) = &body {
            req = req.json(body);
        }
        let status = req.send().await.unwrap().status().as_u16();
        if writes {
            assert_eq!(status, 403, "viewer {method} {path}");
        } else {
            assert_eq!(status, 200, "viewer {method} {path}");
        }
    }
    let res = header(viewer.client.post(app.url("/api/v1/bio/pages"))).json(&json!({"handle": "viewer", "title": "x"})).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let unchanged: Value = app.get(&format!("/api/v1/bio/pages/{page}")).await.json().await.unwrap();
    assert_eq!((unchanged["title"].as_str(), unchanged["block_count"].as_u64()), (Some("Jane Doe"), Some(1)));

    let res = header(editor.client.patch(app.url(&format!("/api/v1/bio/pages/{page}")))).json(&json!({"title": "By editor"})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = header(editor.client.post(app.url(&format!("/api/v1/bio/pages/{page}/publish")))).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[sqlx::test]
async fn another_workspace_cannot_read_or_change_anything_of_a_page(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    let block = id(&add_block(&app, &page, json!({"type": "link", "title": "Shop", "url": "https://shop.example.com"})).await);
    publish(&app, &page).await;
    let intruder = person(&app, "intruder@example.com").await;
    let theirs: Value = send(&app, &intruder.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Intruder"}))).await.json().await.unwrap();

    for (method, path, body, _) in endpoints(&page, &block) {
        let res = send(&app, &intruder.client, method.clone(), &path, body).await;
        assert_eq!(res.status(), 404, "{method} {path} from another workspace");
    }
    let res = intruder.client.get(app.url(&format!("/api/v1/bio/pages/{page}"))).header("x-workspace-id", &ws).send().await.unwrap();
    assert_eq!(res.status(), 404, "naming a workspace one is not a member of");
    let res = intruder.client.get(app.url(&format!("/api/v1/bio/pages/{page}?workspace={ws}"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let listed: Value = send(&app, &intruder.client, Method::GET, "/api/v1/bio/pages", None).await.json().await.unwrap();
    assert_eq!(listed["total"], 0);
    // Their own page cannot take my page's block or image.
    let mine = send(&app, &intruder.client, Method::POST, "/api/v1/bio/pages", Some(json!({"handle": "intruder", "title": "x"}))).await;
    let mine: Value = mine.json().await.unwrap();
    let res = send(&app, &intruder.client, Method::PUT, &format!("/api/v1/bio/pages/{}/blocks/order", id(&mine)), Some(json!({"ids": [block]}))).await;
    assert_eq!(res.status(), 422);
    let image = format!("/media/bio-{ws}/0193a1b2-c3d4.jpg");
    let res = send(&app, &intruder.client, Method::PATCH, &format!("/api/v1/bio/pages/{}", id(&mine)), Some(json!({"avatar_url": image}))).await;
    assert_eq!(res.status(), 422);
    let _ = theirs;

    let after: Value = app.get(&format!("/api/v1/bio/pages/{page}")).await.json().await.unwrap();
    assert_eq!((after["title"].as_str(), after["status"].as_str(), after["blocks"][0]["title"].as_str()), (Some("Jane Doe"), Some("published"), Some("Shop")));
    assert_eq!(public_html(&app, "jane").await.0, 200);
}

#[sqlx::test]
async fn the_pages_server_functions_act_only_in_the_urls_workspace(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws: Value = {
        app.sign_up_ok("owner@example.com").await;
        app.create_workspace("Jane Studio").await
    };
    let slug = ws["slug"].as_str().unwrap();
    let page = id(&create_page(&app, "jane").await);
    let res = app.client.post(app.url("/api/bio/list_pages")).header("origin", app.origin()).form(&[("slug", slug)]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let pages: Value = res.json().await.unwrap();
    assert_eq!(pages[0]["id"], page);

    let intruder = person(&app, "intruder@example.com").await;
    send(&app, &intruder.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Intruder"}))).await;
    for (endpoint, fields) in [
        ("bio/list_pages", vec![("slug", slug.to_owned())]),
        ("bio/get_page", vec![("slug", slug.to_owned()), ("id", page.clone())]),
        ("bio/publish_page", vec![("slug", slug.to_owned()), ("id", page.clone())]),
        ("bio/delete_page", vec![("slug", slug.to_owned()), ("id", page.clone())]),
    ] {
        let res = intruder.client.post(app.url(&format!("/api/{endpoint}"))).header("origin", app.origin()).form(&fields).send().await.unwrap();
        assert_eq!(res.status(), 404, "{endpoint}");
    }
    let res = intruder
        .client
        .post(app.url("/api/bio/update_page"))
        .header("origin", app.origin())
        .json(&json!({"slug": slug, "id": page, "input": {"title": "Hacked"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let anonymous = reqwest::Client::new().post(app.url("/api/bio/list_pages")).form(&[("slug", slug)]).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let after: Value = app.get(&format!("/api/v1/bio/pages/{page}")).await.json().await.unwrap();
    assert_eq!((after["title"].as_str(), after["status"].as_str()), (Some("Jane Doe"), Some("draft")));
}

#[sqlx::test]
async fn the_openapi_document_lists_the_bio_endpoints(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for path in [
        "/api/v1/bio/pages", "/api/v1/bio/pages/{id}", "/api/v1/bio/pages/{id}/blocks", "/api/v1/bio/pages/{id}/blocks/order",
        "/api/v1/bio/pages/{id}/blocks/{block_id}", "/api/v1/bio/pages/{id}/publish", "/api/v1/bio/pages/{id}/stats",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    let stats = &doc["components"]["schemas"]["StatsView"]["properties"];
    for field in ["views", "unique_visitors", "clicks", "by_day", "by_link"] {
        assert!(stats[field].is_object(), "StatsView.{field}");
    }
}

#[sqlx::test]
async fn a_sign_up_starts_the_welcome_sequence_once_and_with_double_opt_in_only_after_confirming(pool: MySqlPool) {
    use crate::mail_marketing::{app_with_smtp, campaign_mail, created};
    let smtp = crate::helpers::FakeSmtp::start(false).await;
    let app = app_with_smtp(pool, &smtp.url).await;
    crate::mail_marketing::owner(&app).await;
    let page = id(&create_page(&app, "jane").await);
    let form = add_block(&app, &page, json!({"type": "email", "title": "Newsletter"})).await;
    publish(&app, &page).await;
    let steps = json!([{"wait_days": 0, "subject": "Welcome aboard", "body_html": "<p>Hello!</p>"}]);
    let sequence = created(app.post_json("/api/v1/mail/sequences", &json!({"name": "Welcome", "trigger": "signup", "from_email": "jane@studio.example", "active": true, "steps": steps})).await).await;
    let welcomed = |to: &'static str| {
        let received = smtp.received.clone();
        move || {
            let received = received.clone();
            async move { campaign_mail(&received).iter().filter(|m| m.to == [to] && m.data.contains("Welcome aboard")).count() }
        }
    };
    let visitor = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let sign_up = |email: &'static str| {
        let req = visitor.post(app.url("/@jane/subscribe")).form(&[("email", email.to_owned()), ("block_id", id(&form))]);
        async move { req.send().await.unwrap() }
    };

    // Single opt-in: welcomed at once, and once however often they sign up.
    assert_eq!(sign_up("direct@example.com").await.headers()["location"], "/@jane?signup=ok");
    let direct = welcomed("direct@example.com");
    assert!(crate::helpers::eventually(|| async { direct().await == 1 }).await, "the welcome email");
    sign_up("direct@example.com").await;

    // Double opt-in: nothing until the address is confirmed.
    app.send_json(Method::PUT, "/api/v1/mail/settings", &json!({"double_opt_in": true})).await;
    sign_up("fan@example.com").await;
    let fan = welcomed("fan@example.com");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(fan().await, 0, "not before confirming");
    let (body,): (String,) = sqlx::query_as("select body_text from email_outbox where kind = 'mail_confirm'").fetch_one(&app.pool).await.unwrap();
    let path = body.split_whitespace().find(|w| w.contains("/confirm/")).map(|url| url[url.find("/confirm/").unwrap()..].to_owned()).unwrap();
    assert_eq!(visitor.post(app.url(&path)).send().await.unwrap().status(), 200);
    assert!(crate::helpers::eventually(|| async { fan().await == 1 }).await, "welcomed once confirmed");
    assert_eq!(direct().await, 1, "signing up again does not start it again");
    let view = app.get(&format!("/api/v1/mail/sequences/{}", id(&sequence))).await.json::<Value>().await.unwrap();
    assert_eq!((view["enrolled"].as_u64(), view["steps"][0]["sent"].as_u64()), (Some(2), Some(2)));
}
