//! Email marketing: identities, templates and campaigns (CRUD, validation, roles, isolation),
//! a 500-contact campaign delivered over SMTP with RFC 8058 headers and merge tags, the public
//! unsubscribe/open/click endpoints feeding the report, and exactly-once delivery across an
//! interrupted send.
use std::collections::HashMap;
use std::sync::{Mutex, atomic::Ordering};

use base64::Engine as _;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{FakeSmtp, ReceivedMail, TestApp, eventually, join, person, problem, send, set_plan};

pub(crate) async fn owner(app: &TestApp) -> String {
    app.sign_up_ok("owner@example.com").await;
    let ws = app.create_workspace("Jane Studio").await["id"].as_str().unwrap().to_owned();
    set_plan(app, &ws, "pro").await;
    ws
}

/// An app whose platform SMTP server is `smtp`, with no sending rate limit.
pub(crate) async fn app_with_smtp(pool: MySqlPool, smtp_url: &str) -> TestApp {
    let url = smtp_url.to_owned();
    TestApp::spawn_configured(pool, |c| {
        c.smtp_url = Some(SecretString::from(url));
        c.mail_rate_per_second = 0;
    })
    .await
}

pub(crate) async fn created(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

pub(crate) async fn get_json(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}: {}", res.text().await.unwrap());
    res.json().await.unwrap()
}

pub(crate) fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// `n` contacts `person{i}@example.com` named `Person{i}`, tagged `tag`, with `consent`.
pub(crate) async fn contacts(app: &TestApp, prefix: &str, n: usize, tag: &str, consent: &str) {
    let bodies: Vec<Value> = (0..n)
        .map(|i| json!({"email": format!("{prefix}{i}@example.com"), "first_name": format!("Person{i}"), "tags": [tag], "consent_status": consent}))
        .collect();
    // One at a time: concurrent contact creation with tags deadlocks in the CRM (a 500).
    for body in &bodies {
        created(app.post_json("/api/v1/crm/contacts", body).await).await;
    }
}

/// What the SMTP server received, less the owner's own account mail (the sign-up's
/// verification message goes through the same platform server).
pub(crate) fn campaign_mail(received: &Mutex<Vec<ReceivedMail>>) -> Vec<ReceivedMail> {
    received.lock().unwrap().iter().filter(|m| m.to != ["owner@example.com"]).cloned().collect()
}

pub(crate) async fn campaign(app: &TestApp, body: Value) -> String {
    id(&created(app.post_json("/api/v1/mail/campaigns", &body).await).await)
}

pub(crate) fn news(tag: &str) -> Value {
    json!({
        "name": "December news", "subject": "News for {{first_name|you}}", "from_email": "jane@studio.example", "from_name": "Jane Studio",
        "body_html": "<p>Hi {{first_name|there}},</p><p>Read <a href=\"https://blog.example/post?a=1&amp;b=2\">the post</a>.</p><script>alert(1)</script>",
        "audience": {"tags": [tag]}
    })
}

pub(crate) async fn report(app: &TestApp, campaign: &str) -> Value {
    get_json(app, &format!("/api/v1/mail/campaigns/{campaign}/report")).await
}

pub(crate) async fn wait_until_sent(app: &TestApp, campaign: &str) {
    let path = format!("/api/v1/mail/campaigns/{campaign}");
    let done = eventually(|| async { get_json(app, &path).await["status"] == "sent" }).await;
    assert!(done, "the campaign did not finish: {}", report(app, campaign).await);
}

/// From the send request to the last message, by the campaign's own times.
async fn sending_seconds(app: &TestApp, campaign: &str) -> f64 {
    let view = get_json(app, &format!("/api/v1/mail/campaigns/{campaign}")).await;
    let time = |f: &str| chrono::DateTime::parse_from_rfc3339(view[f].as_str().unwrap()).unwrap();
    (time("finished_at") - time("started_at")).as_seconds_f64()
}

// ---- reading the received messages

/// A message's headers (unfolded) and its decoded plain-text part.
pub(crate) fn parse(mail: &ReceivedMail) -> (HashMap<String, String>, String) {
    let data = mail.data.replace("\r\n", "\n");
    let (head, _) = data.split_once("\n\n").unwrap();
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let headers = head.lines().filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned())).collect();
    (headers, text_part(&data))
}

fn text_part(data: &str) -> String {
    part(data, "text/plain")
}

/// The decoded body of the MIME part of `content_type`.
pub(crate) fn part(data: &str, content_type: &str) -> String {
    let start = data.find(&format!("Content-Type: {content_type}")).unwrap_or_else(|| panic!("a {content_type} part"));
    let (head, body) = data[start..].split_once("\n\n").unwrap();
    let boundary = data.split("boundary=\"").nth(1).and_then(|b| b.split('"').next()).expect("a multipart message");
    let body = body.split(&format!("\n--{boundary}")).next().unwrap();
    if head.contains("Content-Transfer-Encoding: base64") {
        let raw: String = body.split_whitespace().collect();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(raw).unwrap()).unwrap()
    } else if head.contains("quoted-printable") {
        let joined = body.replace("=\n", "");
        let bytes = joined.as_bytes();
        let (mut out, mut i) = (Vec::new(), 0);
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len()
                && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8(out).unwrap()
    } else {
        body.to_owned()
    }
}

/// The path of the first `http://host/{kind}/…` URL in `text` (the host is PUBLIC_URL's,
/// which in tests is not the app's random port).
pub(crate) fn path_of(text: &str, kind: &str) -> String {
    text.match_indices("http://")
        .map(|(at, _)| text[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/:._-".contains(*c)).collect::<String>())
        .filter_map(|url| url.find('/').map(|slash| url[slash..].to_owned()))
        .find(|path| path.starts_with(&format!("/{kind}/")))
        .unwrap_or_else(|| panic!("no /{kind}/ link in {text}"))
}

// ---- CRUD and validation

#[sqlx::test]
async fn identities_templates_and_campaigns_are_created_read_changed_and_deleted(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;

    // Identities.
    let bad = problem(app.post_json("/api/v1/mail/identities", &json!({"from_email": "nope", "reply_to": "also nope", "smtp_url": "http://x"})).await, 422).await;
    let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["from_email", "reply_to", "smtp_url"]);
    let identity = created(app.post_json("/api/v1/mail/identities", &json!({"from_name": "Jane", "from_email": "Jane@Studio.example", "smtp_url": "smtp://u:secret@127.0.0.1:2525"})).await).await;
    assert_eq!((identity["from_email"].as_str(), identity["has_smtp"].as_bool()), (Some("jane@studio.example"), Some(true)));
    assert!(!identity.to_string().contains("secret"), "the SMTP password is never returned");
    let ip = format!("/api/v1/mail/identities/{}", id(&identity));
    let res = app.send_json(Method::PATCH, &ip, &json!({"reply_to": "help@studio.example", "smtp_url": null})).await;
    assert_eq!(res.status(), 200);
    let changed = get_json(&app, &ip).await;
    assert_eq!((changed["reply_to"].as_str(), changed["has_smtp"].as_bool(), changed["from_name"].as_str()), (Some("help@studio.example"), Some(false), Some("Jane")));
    assert_eq!(get_json(&app, "/api/v1/mail/identities").await.as_array().unwrap().len(), 1);

    // Templates.
    let bad = problem(app.post_json("/api/v1/mail/templates", &json!({"name": " ", "subject": "Hi {{nickname}}", "blocks": [{"type": "button", "label": "Go", "href": "javascript:alert(1)"}]})).await, 422).await;
    let errors = bad["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3, "{bad}");
    assert!(errors[1]["message"].as_str().unwrap().contains("{{nickname}} is not a merge tag"));
    assert!(errors[2]["message"].as_str().unwrap().starts_with("Block 1:"));
    let blocks = json!([
        {"type": "heading", "text": "Hello {{first_name|there}}"},
        {"type": "text", "html": "Our <b>news</b> <a href=\"https://blog.example\">here</a><script>x()</script>"},
        {"type": "columns", "columns": [[{"type": "image", "src": "https://img.example/a.png", "alt": "A"}], [{"type": "button", "label": "Shop", "href": "https://shop.example"}]]},
        {"type": "divider"}
    ]);
    let template = created(app.post_json("/api/v1/mail/templates", &json!({"name": "Newsletter", "subject": "News", "blocks": blocks})).await).await;
    assert_eq!(template["blocks"].as_array().unwrap().len(), 4);
    let tp = format!("/api/v1/mail/templates/{}", id(&template));
    let preview = get_json(&app, &format!("{tp}/preview")).await;
    assert!(preview["html"].as_str().unwrap().contains("Hello Ada") && !preview["html"].as_str().unwrap().contains("<script"));
    assert!(preview["text"].as_str().unwrap().contains("Shop: https://shop.example"));
    assert_eq!(app.send_json(Method::PATCH, &tp, &json!({"name": "Weekly"})).await.status(), 200);
    assert_eq!(get_json(&app, &tp).await["name"], "Weekly");

    // Campaigns.
    let bad = problem(app.post_json("/api/v1/mail/campaigns", &json!({"name": "X", "subject": "", "from_email": "bad", "audience": {}})).await, 422).await;
    let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["subject", "from_email", "audience"]);
    let both = problem(app.post_json("/api/v1/mail/campaigns", &json!({"name": "X", "from_email": "a@b.example", "audience": {"tags": ["a"], "segment_id": id(&template)}})).await, 422).await;
    assert_eq!(both["errors"][0]["message"], "Choose tags or a segment, not both.");
    let c = campaign(&app, news("vip")).await;
    let cp = format!("/api/v1/mail/campaigns/{c}");
    let view = get_json(&app, &cp).await;
    assert_eq!((view["status"].as_str(), view["audience"].clone()), (Some("draft"), json!({"tags": ["vip"]})));
    assert!(!view["body_html"].as_str().unwrap().contains("script"), "body_html is sanitised when stored");
    let res = app.send_json(Method::PATCH, &cp, &json!({"identity_id": id(&identity), "template_id": id(&template), "body_html": ""})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let view = get_json(&app, &cp).await;
    assert_eq!((view["from_email"].as_str(), view["reply_to"].as_str()), (Some("jane@studio.example"), Some("help@studio.example")));
    assert_eq!(app.send_json(Method::PATCH, &cp, &json!({"send_at": "tomorrow"})).await.status(), 422);
    assert_eq!(get_json(&app, "/api/v1/mail/campaigns").await.as_array().unwrap().len(), 1);

    // In use: neither the template nor the identity can go before the campaign.
    problem(app.delete(&tp).await, 409).await;
    problem(app.delete(&ip).await, 409).await;
    assert_eq!(app.delete(&cp).await.status(), 204);
    assert_eq!(app.get(&cp).await.status(), 404);
    assert_eq!(app.delete(&tp).await.status(), 204);
    assert_eq!(app.delete(&ip).await.status(), 204);
    assert_eq!(app.get(&ip).await.status(), 404);
    assert_eq!(app.get("/api/v1/mail/campaigns/not-a-uuid").await.status(), 404);
}

#[sqlx::test]
async fn the_editor_previews_unsaved_blocks_and_counts_an_audience_before_sending(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    let blocks = json!([{"type": "heading", "text": "Hi {{first_name|there}}"}, {"type": "button", "label": "Go", "href": "https://go.example"}]);
    let preview: Value = app.post_json("/api/v1/mail/templates/preview", &json!({"subject": "S", "blocks": blocks})).await.json().await.unwrap();
    assert!(preview["html"].as_str().unwrap().contains("Hi Ada"), "{preview}");
    assert!(preview["text"].as_str().unwrap().contains("Go: https://go.example"), "{preview}");
    let bad = problem(app.post_json("/api/v1/mail/templates/preview", &json!({"blocks": [{"type": "divider"}, {"type": "image", "src": ""}]})).await, 422).await;
    assert!(bad["errors"][0]["message"].as_str().unwrap().starts_with("Block 2:"), "{bad}");
    assert_eq!(get_json(&app, "/api/v1/mail/templates").await, json!([]), "a preview saves nothing");

    contacts(&app, "s", 3, "vip", "subscribed").await;
    contacts(&app, "u", 2, "vip", "unsubscribed").await;
    let size: Value = app.post_json("/api/v1/mail/audience/size", &json!({"tags": ["VIP", "nobody"]})).await.json().await.unwrap();
    assert_eq!(size, json!({"contacts": 3}), "only subscribed contacts count");
    let segment = created(app.post_json("/api/v1/crm/segments", &json!({"name": "S", "filter": {"match": "all", "rules": [{"field": "email", "op": "contains", "value": "s1@"}]}})).await).await;
    let size: Value = app.post_json("/api/v1/mail/audience/size", &json!({"segment_id": id(&segment)})).await.json().await.unwrap();
    assert_eq!(size, json!({"contacts": 1}));
    problem(app.post_json("/api/v1/mail/audience/size", &json!({})).await, 422).await;

    // Another workspace neither sees this segment nor counts these contacts.
    let intruder = person(&app, "intruder@example.com").await;
    send(&app, &intruder.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Intruder"}))).await;
    let res = send(&app, &intruder.client, Method::POST, "/api/v1/mail/audience/size", Some(json!({"segment_id": id(&segment)}))).await;
    assert_eq!(problem(res, 422).await["errors"][0]["field"], "audience.segment_id");
    let res = send(&app, &intruder.client, Method::POST, "/api/v1/mail/audience/size", Some(json!({"tags": ["vip"]}))).await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"contacts": 0}));
    // A viewer may preview and count (both only read).
    let viewer = join(&app, &ws, "viewer@example.com", "viewer").await;
    let res = viewer.client.post(app.url("/api/v1/mail/audience/size")).header("origin", app.origin()).header("x-workspace-id", &ws).json(&json!({"tags": ["vip"]})).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[sqlx::test]
async fn sending_is_refused_with_a_clear_message_when_something_is_missing_or_nobody_can_be_emailed(pool: MySqlPool) {
    let smtp = FakeSmtp::start(false).await;
    let app = app_with_smtp(pool, &smtp.url).await;
    owner(&app).await;
    // Tagged, but none of them may be emailed.
    for (email, consent) in [("a@example.com", "unsubscribed"), ("b@example.com", "bounced"), ("c@example.com", "complained"), ("d@example.com", "none")] {
        created(app.post_json("/api/v1/crm/contacts", &json!({"email": email, "tags": ["vip"], "consent_status": consent})).await).await;
    }
    let c = campaign(&app, news("vip")).await;
    let body = problem(app.post_empty(&format!("/api/v1/mail/campaigns/{c}/send")).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "audience");
    assert!(body["errors"][0]["message"].as_str().unwrap().starts_with("Nobody in this audience can be emailed"), "{body}");

    let no_subject = campaign(&app, json!({"name": "Empty", "from_email": "jane@studio.example", "audience": {"tags": ["vip"]}})).await;
    let body = problem(app.post_empty(&format!("/api/v1/mail/campaigns/{no_subject}/send")).await, 422).await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["subject", "body_html"]);

    let unknown_segment = campaign(&app, json!({"name": "S", "subject": "S", "body_html": "<p>x</p>", "from_email": "jane@studio.example", "audience": {"segment_id": "0190aaaa-0000-7000-8000-000000000000"}})).await;
    let body = problem(app.post_empty(&format!("/api/v1/mail/campaigns/{unknown_segment}/send")).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "audience.segment_id");
    assert!(campaign_mail(&smtp.received).is_empty());
    assert_eq!(get_json(&app, &format!("/api/v1/mail/campaigns/{c}")).await["status"], "draft");
}

#[sqlx::test]
async fn without_any_smtp_server_a_campaign_cannot_be_sent(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    contacts(&app, "p", 1, "vip", "subscribed").await;
    let c = campaign(&app, news("vip")).await;
    let body = problem(app.post_empty(&format!("/api/v1/mail/campaigns/{c}/send")).await, 422).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("No SMTP server"), "{body}");
    let identity = created(app.post_json("/api/v1/mail/identities", &json!({"from_email": "jane@studio.example"})).await).await;
    let res = app.post_json(&format!("/api/v1/mail/identities/{}/test", id(&identity)), &json!({"to": "me@example.com"})).await;
    problem(res, 422).await;
}

#[sqlx::test]
async fn a_test_message_goes_out_through_the_identitys_own_smtp_server(pool: MySqlPool) {
    let smtp = FakeSmtp::start(false).await;
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let identity = created(app.post_json("/api/v1/mail/identities", &json!({"from_name": "Jane", "from_email": "jane@studio.example", "smtp_url": smtp.url})).await).await;
    let path = format!("/api/v1/mail/identities/{}/test", id(&identity));
    problem(app.post_json(&path, &json!({"to": "not an email"})).await, 422).await;
    let res = app.post_json(&path, &json!({"to": "me@example.com"})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let received = campaign_mail(&smtp.received);
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["me@example.com"]);
    assert!(received[0].data.contains("From: Jane <jane@studio.example>"), "{}", received[0].data);
}

// ---- roles and tenants

/// Every mail endpoint, with a body for writes: (method, path, body, writes).
fn endpoints((identity, template, campaign, sequence): &(String, String, String, String)) -> Vec<(Method, String, Option<Value>, bool)> {
    let m = "/api/v1/mail";
    vec![
        (Method::GET, format!("{m}/identities"), None, false),
        (Method::POST, format!("{m}/identities"), Some(json!({"from_email": "x@example.com"})), true),
        (Method::GET, format!("{m}/identities/{identity}"), None, false),
        (Method::PATCH, format!("{m}/identities/{identity}"), Some(json!({"from_name": "X"})), true),
        (Method::POST, format!("{m}/identities/{identity}/test"), Some(json!({"to": "x@example.com"})), true),
        (Method::DELETE, format!("{m}/identities/{identity}"), None, true),
        (Method::GET, format!("{m}/templates"), None, false),
        (Method::POST, format!("{m}/templates"), Some(json!({"name": "X"})), true),
        (Method::GET, format!("{m}/templates/{template}"), None, false),
        (Method::GET, format!("{m}/templates/{template}/preview"), None, false),
        (Method::PATCH, format!("{m}/templates/{template}"), Some(json!({"name": "X"})), true),
        (Method::DELETE, format!("{m}/templates/{template}"), None, true),
        (Method::GET, format!("{m}/campaigns"), None, false),
        (Method::POST, format!("{m}/campaigns"), Some(news("vip")), true),
        (Method::GET, format!("{m}/campaigns/{campaign}"), None, false),
        (Method::GET, format!("{m}/campaigns/{campaign}/report"), None, false),
        (Method::PATCH, format!("{m}/campaigns/{campaign}"), Some(json!({"name": "X"})), true),
        (Method::POST, format!("{m}/campaigns/{campaign}/send"), None, true),
        (Method::DELETE, format!("{m}/campaigns/{campaign}"), None, true),
        (Method::GET, format!("{m}/sequences"), None, false),
        (Method::POST, format!("{m}/sequences"), Some(json!({"name": "X", "trigger": "signup", "from_email": "x@example.com"})), true),
        (Method::GET, format!("{m}/sequences/{sequence}"), None, false),
        (Method::PATCH, format!("{m}/sequences/{sequence}"), Some(json!({"name": "X"})), true),
        (Method::DELETE, format!("{m}/sequences/{sequence}"), None, true),
    ]
}

async fn fixtures(app: &TestApp) -> (String, String, String, String) {
    let identity = created(app.post_json("/api/v1/mail/identities", &json!({"from_email": "jane@studio.example"})).await).await;
    let template = created(app.post_json("/api/v1/mail/templates", &json!({"name": "T", "blocks": [{"type": "divider"}]})).await).await;
    let c = campaign(app, news("vip")).await;
    let steps = json!([{"wait_days": 1, "subject": "Hi", "template_id": id(&template)}]);
    let sequence = created(app.post_json("/api/v1/mail/sequences", &json!({"name": "Welcome", "trigger": "tag", "trigger_tag": "new", "identity_id": id(&identity), "steps": steps})).await).await;
    (id(&identity), id(&template), c, id(&sequence))
}

#[sqlx::test]
async fn a_viewer_reads_mail_but_cannot_write_and_an_editor_can(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    let fixtures = fixtures(&app).await;
    let viewer = join(&app, &ws, "viewer@example.com", "viewer").await;
    for (method, path, body, writes) in endpoints(&fixtures) {
        let mut req = viewer.client.request(method.clone(), app.url(&path)).header("origin", app.origin()).header("x-workspace-id", &ws);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let status = req.send().await.unwrap().status().as_u16();
        assert_eq!(status, if writes { 403 } else { 200 }, "viewer: {method} {path}");
    }
    // Reporting a bounce changes a contact's consent: an editor's job.
    let res = viewer.client.post(app.url("/api/v1/mail/events")).header("origin", app.origin()).header("x-workspace-id", &ws).json(&json!({"type": "bounce", "email": "x@example.com"})).send().await.unwrap();
    assert_eq!(res.status(), 403, "viewer: POST /mail/events");
    let editor = join(&app, &ws, "editor@example.com", "editor").await;
    let res = editor.client.post(app.url("/api/v1/mail/templates")).header("origin", app.origin()).header("x-workspace-id", &ws).json(&json!({"name": "Mine"})).send().await.unwrap();
    assert_eq!(res.status(), 201);
}

#[sqlx::test]
async fn another_workspace_cannot_read_or_change_anything_of_mail(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    let fixtures = fixtures(&app).await;
    let (identity, template, c, sequence) = fixtures.clone();
    let intruder = person(&app, "intruder@example.com").await;
    send(&app, &intruder.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Intruder"}))).await;
    for (method, path, body, _) in endpoints(&fixtures) {
        let res = send(&app, &intruder.client, method.clone(), &path, body).await;
        let status = res.status().as_u16();
        match (method.clone(), path.matches('/').count()) {
            // Their own lists and creations.
            (Method::GET, 4) => {
                assert_eq!(status, 200, "{method} {path}");
                assert_eq!(res.json::<Value>().await.unwrap(), json!([]), "{path} leaks");
            }
            (Method::POST, 4) => assert_eq!(status, 201, "{method} {path}"),
            _ => assert_eq!(status, 404, "{method} {path} from another workspace"),
        }
    }
    let res = intruder.client.get(app.url(&format!("/api/v1/mail/campaigns/{c}"))).header("x-workspace-id", &ws).send().await.unwrap();
    assert_eq!(res.status(), 404, "naming a workspace one is not a member of");
    // Their campaign cannot use my template or identity.
    let res = send(&app, &intruder.client, Method::POST, "/api/v1/mail/campaigns", Some(json!({"name": "X", "from_email": "i@example.com", "template_id": template, "identity_id": identity, "audience": {"tags": ["a"]}}))).await;
    let body = problem(res, 422).await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["identity_id", "template_id"]);
    assert_eq!(get_json(&app, &format!("/api/v1/mail/campaigns/{c}")).await["name"], "December news");
    assert_eq!(get_json(&app, "/api/v1/mail/templates").await.as_array().unwrap().len(), 1);
    // Nor can their sequence, and mine is unchanged.
    let res = send(&app, &intruder.client, Method::POST, "/api/v1/mail/sequences", Some(json!({"name": "X", "trigger": "signup", "identity_id": identity, "steps": [{"subject": "x", "template_id": template}]}))).await;
    let body = problem(res, 422).await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["identity_id", "steps[0].template_id"]);
    assert_eq!(get_json(&app, &format!("/api/v1/mail/sequences/{sequence}")).await["name"], "Welcome");
}

// ---- sending

#[sqlx::test]
async fn a_campaign_reaches_500_subscribed_contacts_once_each_with_unsubscribe_headers_and_merge_tags(pool: MySqlPool) {
    let smtp = FakeSmtp::start(false).await;
    let app = app_with_smtp(pool, &smtp.url).await;
    owner(&app).await;
    contacts(&app, "person", 500, "news", "subscribed").await;
    contacts(&app, "gone", 3, "news", "unsubscribed").await;
    let c = campaign(&app, news("news")).await;

    let res = app.post_empty(&format!("/api/v1/mail/campaigns/{c}/send")).await;
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    wait_until_sent(&app, &c).await;
    let seconds = sending_seconds(&app, &c).await;
    println!("500 campaign emails in {seconds:.2} s ({:.0} messages/s, debug build)", 500.0 / seconds);

    let received = campaign_mail(&smtp.received);
    assert_eq!(received.len(), 500);
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for mail in &received {
        *per_recipient.entry(mail.to[0].clone()).or_default() += 1;
    }
    assert_eq!(per_recipient.len(), 500);
    assert!(per_recipient.values().all(|n| *n == 1));
    assert!(!per_recipient.keys().any(|k| k.starts_with("gone")), "unsubscribed contacts are left out");

    let mail = received.iter().find(|m| m.to[0] == "person7@example.com").unwrap();
    let (headers, text) = parse(mail);
    assert_eq!(headers["subject"], "News for Person7");
    assert_eq!(headers["list-unsubscribe-post"], "List-Unsubscribe=One-Click");
    let list_unsubscribe = &headers["list-unsubscribe"];
    assert!(list_unsubscribe.starts_with("<http://") && list_unsubscribe.contains("/u/") && list_unsubscribe.ends_with(", <mailto:jane@studio.example?subject=unsubscribe>"), "{list_unsubscribe}");
    assert_eq!(path_of(list_unsubscribe, "u"), path_of(&text, "u"));
    assert!(headers["message-id"].ends_with("@studio.example>"));
    assert!(text.starts_with("Hi Person7,"), "{text}");
    assert!(!text.contains("{{") && !text.contains("alert"), "{text}");

    // Open (twice: counted once per person), click (302 to the link), unsubscribe.
    let html_part = part(&mail.data.replace("\r\n", "\n"), "text/html");
    let open = path_of(&html_part, "o");
    for _ in 0..2 {
        let res = app.get(&open).await;
        assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().unwrap()), (200, "image/gif"));
    }
    let click = path_of(&html_part, "c");
    let res = app.get(&click).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "https://blog.example/post?a=1&b=2");
    let unsubscribe = path_of(&text, "u");
    let page = app.get(&unsubscribe).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("person7@example.com"));
    let res = app.new_client().post(app.url(&unsubscribe)).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("You are unsubscribed"));
    assert_eq!(app.new_client().post(app.url(&unsubscribe)).send().await.unwrap().status(), 200, "a second click changes nothing");
    for bad in ["/u/garbage", "/c/garbage", &unsubscribe.replace("/u/", "/c/")] {
        assert_eq!(app.get(bad).await.status(), 404, "{bad}");
    }

    let list = get_json(&app, "/api/v1/crm/contacts?q=person7%40example.com").await;
    let contact = &list["items"][0];
    assert_eq!(contact["consent_status"], "unsubscribed");
    let timeline = get_json(&app, &format!("/api/v1/crm/contacts/{}/timeline", id(contact))).await;
    assert!(timeline.to_string().contains("email_unsubscribed"), "{timeline}");

    let r = report(&app, &c).await;
    assert_eq!((r["recipients"].as_u64(), r["sent"].as_u64(), r["delivered"].as_u64()), (Some(500), Some(500), Some(500)));
    assert_eq!((r["opened"].as_u64(), r["total_opens"].as_u64(), r["clicked"].as_u64(), r["unsubscribed"].as_u64()), (Some(1), Some(2), Some(1), Some(1)));
    assert_eq!(r["links"], json!([{"url": "https://blog.example/post?a=1&b=2", "clicks": 1, "unique_clicks": 1}]));
    let hours = r["by_hour"].as_array().unwrap();
    assert_eq!(hours.iter().map(|h| h["sent"].as_u64().unwrap()).sum::<u64>(), 500);
    // Sent campaigns are history: no edits, no second send, no delete.
    problem(app.post_empty(&format!("/api/v1/mail/campaigns/{c}/send")).await, 409).await;
    problem(app.send_json(Method::PATCH, &format!("/api/v1/mail/campaigns/{c}"), &json!({"name": "x"})).await, 409).await;
    problem(app.delete(&format!("/api/v1/mail/campaigns/{c}")).await, 409).await;
}

#[sqlx::test]
async fn a_template_campaign_scheduled_for_later_goes_out_at_its_time(pool: MySqlPool) {
    let smtp = FakeSmtp::start(false).await;
    let app = app_with_smtp(pool, &smtp.url).await;
    owner(&app).await;
    contacts(&app, "p", 3, "vip", "subscribed").await;
    let template = created(app.post_json("/api/v1/mail/templates", &json!({"name": "T", "blocks": [{"type": "heading", "text": "Welcome {{first_name|friend}}"}]})).await).await;
    let c = campaign(&app, json!({"name": "Later", "subject": "Hello", "from_email": "jane@studio.example", "template_id": id(&template), "audience": {"tags": ["vip"]}})).await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let res = app.post_json(&format!("/api/v1/mail/campaigns/{c}/send"), &json!({"send_at": at})).await;
    assert_eq!(res.status(), 202);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "scheduled");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(campaign_mail(&smtp.received).is_empty(), "not before its time");
    wait_until_sent(&app, &c).await;
    let received = campaign_mail(&smtp.received);
    assert_eq!(received.len(), 3);
    let (_, text) = parse(&received[0]);
    assert!(text.starts_with("Welcome Person"), "{text}");
}

#[sqlx::test]
async fn an_interrupted_send_resumes_later_and_nobody_gets_the_email_twice(pool: MySqlPool) {
    let smtp = FakeSmtp::flaky(120).await;
    let app = app_with_smtp(pool, &smtp.url).await;
    owner(&app).await;
    contacts(&app, "person", 300, "news", "subscribed").await;
    let c = campaign(&app, news("news")).await;
    assert_eq!(app.post_empty(&format!("/api/v1/mail/campaigns/{c}/send")).await.status(), 202);

    // The server starts refusing after 120 messages: the run stops and the job waits to retry.
    let job_waiting = || async {
        let row: Option<(String, i32)> = sqlx::query_as("select status, attempts from jobs where kind = 'mail.campaign_send'").fetch_optional(&app.pool).await.unwrap();
        row == Some(("queued".into(), 1))
    };
    assert!(eventually(job_waiting).await, "the send job did not stop on the temporary refusal");
    // (The owner's sign-up mail was one of the 120 the server took.)
    let first = campaign_mail(&smtp.received).len() as u64;
    assert_eq!(first, 119);
    let r = report(&app, &c).await;
    assert_eq!((r["sent"].as_u64(), r["queued"].as_u64()), (Some(first), Some(300 - first)));

    // A run that crashed mid-send left one row `sending`: it must not be sent again.
    let (stuck,): (Vec<u8>,) = sqlx::query_as("select contact_id from mail_recipients where status = 'queued' order by id limit 1").fetch_one(&app.pool).await.unwrap();
    sqlx::query("update mail_recipients set status = 'sending', claim_token = unhex(replace(uuid(), '-', '')) where contact_id = ?").bind(&stuck).execute(&app.pool).await.unwrap();
    let (stuck_email,): (String,) = sqlx::query_as("select email from mail_recipients where contact_id = ?").bind(&stuck).fetch_one(&app.pool).await.unwrap();

    // The server recovers; the retry comes now rather than after its backoff.
    smtp.healthy.store(true, Ordering::SeqCst);
    sqlx::query("update jobs set available_at = utc_timestamp(6) where kind = 'mail.campaign_send' and status = 'queued'").execute(&app.pool).await.unwrap();
    wait_until_sent(&app, &c).await;

    let received = campaign_mail(&smtp.received);
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for mail in &received {
        *per_recipient.entry(mail.to[0].clone()).or_default() += 1;
    }
    assert!(per_recipient.values().all(|n| *n == 1), "someone got the email twice");
    assert_eq!(received.len(), 299);
    assert!(!per_recipient.contains_key(&stuck_email), "the interrupted row is not re-sent (at most once)");
    let r = report(&app, &c).await;
    assert_eq!((r["sent"].as_u64(), r["unknown"].as_u64(), r["queued"].as_u64()), (Some(299), Some(1), Some(0)));
    let (unique,): (i64,) = sqlx::query_as("select count(distinct contact_id) from mail_recipients").fetch_one(&app.pool).await.unwrap();
    assert_eq!(unique, 300);
}

#[sqlx::test]
async fn a_workspace_sends_no_faster_than_its_rate_limit(pool: MySqlPool) {
    let smtp = FakeSmtp::start(false).await;
    let url = smtp.url.clone();
    let app = TestApp::spawn_configured(pool, |c| {
        c.smtp_url = Some(SecretString::from(url));
        c.mail_rate_per_second = 5;
    })
    .await;
    owner(&app).await;
    contacts(&app, "p", 15, "vip", "subscribed").await;
    let c = campaign(&app, news("vip")).await;
    assert_eq!(app.post_empty(&format!("/api/v1/mail/campaigns/{c}/send")).await.status(), 202);
    wait_until_sent(&app, &c).await;
    // A burst of 5, then 5 a second: the other 10 take at least 2 s.
    let seconds = sending_seconds(&app, &c).await;
    assert!(seconds >= 1.8, "15 messages at 5/s went out in {seconds:.2} s");
    assert_eq!(campaign_mail(&smtp.received).len(), 15);
}
