//! Email marketing beyond one send: the A/B subject test (test share, winner by opens, the
//! rest gets the winner), hard bounces (suppressed, counted), and welcome sequences started by
//! a tag or a form sign-up, run step by step through the job queue.
use std::collections::HashMap;

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{FakeSmtp, TestApp, eventually, join, person, problem, send};
use crate::mail_marketing::{app_with_smtp, campaign, campaign_mail, contacts, created, get_json, id, news, owner, parse, part, path_of, report, wait_until_sent};

fn subject(mail: &crate::helpers::ReceivedMail) -> String {
    parse(mail).0["subject"].clone()
}

/// Due jobs of `kind` run now instead of at their time.
async fn fast_forward(app: &TestApp, kind: &str) {
    sqlx::query("update jobs set available_at = utc_timestamp(6) where kind = ? and status = 'queued'").bind(kind).execute(&app.pool).await.unwrap();
}

async fn error_fields(res: reqwest::Response) -> Vec<String> {
    let body = problem(res, 422).await;
    body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[sqlx::test]
async fn an_ab_test_sends_each_subject_to_half_the_test_share_and_the_winner_to_the_rest(pool: MySqlPool) {
    let smtp = FakeSmtp::start(false).await;
    let app = app_with_smtp(pool, &smtp.url).await;
    owner(&app).await;
    contacts(&app, "p", 20, "ab", "subscribed").await;

    let mut body = news("ab");
    body["ab_test"] = json!({"subject_b": "", "test_percent": 5, "wait_hours": 0});
    let fields = error_fields(app.post_json("/api/v1/mail/campaigns", &body).await).await;
    assert_eq!(fields, ["ab_test.subject_b", "ab_test.test_percent", "ab_test.wait_hours"]);
    body["ab_test"] = json!({"subject_b": "Last chance, {{first_name|you}}", "test_percent": 50, "wait_hours": 4});
    let c = campaign(&app, body).await;
    assert_eq!(get_json(&app, &format!("/api/v1/mail/campaigns/{c}")).await["ab_test"]["test_percent"], 50);

    assert_eq!(app.post_empty(&format!("/api/v1/mail/campaigns/{c}/send")).await.status(), 202);
    assert!(eventually(|| async { campaign_mail(&smtp.received).len() == 10 }).await, "the test half goes out first");
    let test = campaign_mail(&smtp.received);
    let b_mail: Vec<_> = test.iter().filter(|m| subject(m).starts_with("Last chance, Person")).collect();
    let a_count = test.iter().filter(|m| subject(m).starts_with("News for Person")).count();
    assert_eq!((a_count, b_mail.len()), (5, 5));
    let r = report(&app, &c).await;
    assert_eq!((r["ab"]["held"].as_u64(), r["ab"]["winner"].as_str()), (Some(10), None));
    assert_eq!(r["ab"]["variants"][1]["subject"], "Last chance, {{first_name|you}}");
    assert!(r["ab"]["decides_at"].is_string());
    assert_eq!(get_json(&app, &format!("/api/v1/mail/campaigns/{c}")).await["status"], "sending", "not sent while the rest waits");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(campaign_mail(&smtp.received).len(), 10, "nobody else before the winner is known");

    // Three B recipients open it (through the real pixel), one A recipient.
    let a_mail = test.iter().find(|m| subject(m).starts_with("News for")).unwrap();
    for mail in b_mail.iter().take(3).copied().chain([a_mail]) {
        let pixel = path_of(&part(&mail.data.replace("\r\n", "\n"), "text/html"), "o");
        assert_eq!(app.get(&pixel).await.status(), 200);
    }
    fast_forward(&app, "mail.campaign_ab_winner").await;
    wait_until_sent(&app, &c).await;

    let all = campaign_mail(&smtp.received);
    assert_eq!(all.len(), 20);
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for mail in &all {
        *per_recipient.entry(mail.to[0].clone()).or_default() += 1;
    }
    assert!(per_recipient.len() == 20 && per_recipient.values().all(|n| *n == 1), "everyone once");
    assert!(all[10..].iter().all(|m| subject(m).starts_with("Last chance, Person")), "the rest gets the winner");
    let r = report(&app, &c).await;
    assert_eq!((r["ab"]["winner"].as_str(), r["ab"]["held"].as_u64(), r["sent"].as_u64()), (Some("b"), Some(0), Some(20)));
    let opened: Vec<u64> = r["ab"]["variants"].as_array().unwrap().iter().map(|v| v["opened"].as_u64().unwrap()).collect();
    assert_eq!(opened, [1, 3]);
    assert_eq!(get_json(&app, &format!("/api/v1/mail/campaigns/{c}")).await["ab_winner"], "b");
}

#[sqlx::test]
async fn a_hard_bounce_suppresses_the_address_and_counts_in_the_report(pool: MySqlPool) {
    let smtp = FakeSmtp::start(false).await;
    smtp.unknown_users.lock().unwrap().push("p1@example.com".into());
    let app = app_with_smtp(pool, &smtp.url).await;
    owner(&app).await;
    contacts(&app, "p", 3, "vip", "subscribed").await;
    let c = campaign(&app, news("vip")).await;
    assert_eq!(app.post_empty(&format!("/api/v1/mail/campaigns/{c}/send")).await.status(), 202);
    wait_until_sent(&app, &c).await;
    let r = report(&app, &c).await;
    let counts = ["sent", "delivered", "failed", "bounced"].map(|k| r[k].as_u64().unwrap());
    assert_eq!(counts, [2, 2, 1, 1]);

    let contact = &get_json(&app, "/api/v1/crm/contacts?q=p1%40example.com").await["items"][0];
    assert_eq!(contact["consent_status"], "bounced");
    let timeline = get_json(&app, &format!("/api/v1/crm/contacts/{}/timeline", id(contact))).await;
    assert!(timeline.to_string().contains("email_bounced"), "{timeline}");

    // Reported later by the provider: a bounce with our Message-ID counts in the report; a
    // complaint by address alone suppresses the contact. Another workspace cannot do either.
    let received = campaign_mail(&smtp.received);
    let p0 = received.iter().find(|m| m.to == ["p0@example.com"]).unwrap();
    let message_id = parse(p0).0["message-id"].clone();
    let intruder = person(&app, "intruder@example.com").await;
    send(&app, &intruder.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Intruder"}))).await;
    let res = send(&app, &intruder.client, Method::POST, "/api/v1/mail/events", Some(json!({"type": "bounce", "email": "p0@example.com", "message_id": message_id}))).await;
    assert_eq!(error_fields(res).await, ["email"], "not a contact of theirs");
    let res = app.post_json("/api/v1/mail/events", &json!({"type": "bounce", "email": "P0@example.com", "message_id": message_id})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!((body["consent_status"].as_str(), body["campaign_id"].as_str()), (Some("bounced"), Some(c.as_str())));
    let r = report(&app, &c).await;
    assert_eq!((r["bounced"].as_u64(), r["delivered"].as_u64()), (Some(2), Some(1)));
    let res = app.post_json("/api/v1/mail/events", &json!({"type": "complaint", "email": "p2@example.com"})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["consent_status"], "complained");
    let p2 = &get_json(&app, "/api/v1/crm/contacts?q=p2%40example.com").await["items"][0];
    assert!(get_json(&app, &format!("/api/v1/crm/contacts/{}/timeline", id(p2))).await.to_string().contains("email_complained"));
    assert_eq!(error_fields(app.post_json("/api/v1/mail/events", &json!({"type": "bounce", "email": "nobody@example.com"})).await).await, ["email"]);
    assert_eq!(error_fields(app.post_json("/api/v1/mail/events", &json!({"type": "bounce", "email": "not an address"})).await).await, ["email"]);

    // The next campaign leaves them all out.
    let next = campaign(&app, news("vip")).await;
    let res = app.post_empty(&format!("/api/v1/mail/campaigns/{next}/send")).await;
    assert_eq!(error_fields(res).await, ["audience"], "nobody left to email");
}

fn welcome(active: bool) -> Value {
    json!({
        "name": "Welcome", "trigger": "tag", "trigger_tag": "Trial", "from_email": "jane@studio.example", "from_name": "Jane", "active": active,
        "steps": [
            {"wait_days": 0, "subject": "Welcome {{first_name|friend}}", "body_html": "<p>Glad you are here. <a href=\"https://studio.example/start\">Start</a></p>"},
            {"wait_days": 2, "subject": "Day two", "body_html": "<p>Some tips.</p>"}
        ]
    })
}

async fn tag(app: &TestApp, email: &str, tags: Value) {
    let contact = &get_json(app, &format!("/api/v1/crm/contacts?q={}", email.replace('@', "%40"))).await["items"][0];
    let res = app.send_json(Method::PATCH, &format!("/api/v1/crm/contacts/{}", id(contact)), &json!({"tags": tags})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[sqlx::test]
async fn a_welcome_sequence_emails_newly_tagged_contacts_step_by_step_and_only_once(pool: MySqlPool) {
    let smtp = FakeSmtp::start(false).await;
    let app = app_with_smtp(pool, &smtp.url).await;
    owner(&app).await;

    // Refused with every reason at once.
    let bad = json!({"name": "", "trigger": "tag", "from_email": "nope", "active": true, "steps": [{"subject": " "}, {"subject": "x", "body_html": "<p>x</p>", "wait_days": 400}]});
    let fields = error_fields(app.post_json("/api/v1/mail/sequences", &bad).await).await;
    assert_eq!(fields, ["name", "trigger_tag", "from_email", "steps[0].subject", "steps[0].body_html", "steps[1].wait_days"]);
    let fields = error_fields(app.post_json("/api/v1/mail/sequences", &json!({"name": "Empty", "trigger": "signup", "from_email": "a@b.example", "active": true})).await).await;
    assert_eq!(fields, ["active"], "no switching on without an email");

    // Already tagged before the sequence existed: not enrolled.
    contacts(&app, "old", 1, "trial", "subscribed").await;
    let sequence = created(app.post_json("/api/v1/mail/sequences", &welcome(true)).await).await;
    let seq = id(&sequence);
    assert_eq!((sequence["trigger_tag"].as_str(), sequence["steps"].as_array().unwrap().len()), (Some("Trial"), 2));
    let steps: Vec<String> = sequence["steps"].as_array().unwrap().iter().map(id).collect();

    // Tagged on creation, tagged later, tagged without consent: the first two are emailed. (The
    // tag matches whatever its case.)
    contacts(&app, "new", 1, "trial", "subscribed").await;
    contacts(&app, "later", 1, "other", "subscribed").await;
    contacts(&app, "quiet", 1, "trial", "none").await;
    tag(&app, "later0@example.com", json!(["other", "trial"])).await;
    assert!(eventually(|| async { campaign_mail(&smtp.received).len() == 2 }).await, "the first step goes out at once");
    let mut first: Vec<(String, String)> = campaign_mail(&smtp.received).iter().map(|m| (m.to[0].clone(), subject(m))).collect();
    first.sort();
    assert_eq!(first, [("later0@example.com".into(), "Welcome Person0".into()), ("new0@example.com".into(), "Welcome Person0".into())]);
    let view = get_json(&app, &format!("/api/v1/mail/sequences/{seq}")).await;
    assert_eq!((view["enrolled"].as_u64(), view["in_progress"].as_u64(), view["steps"][0]["sent"].as_u64()), (Some(3), Some(3), Some(2)));
    let (waiting,): (i64,) = sqlx::query_as("select count(*) from mail_enrolments where next_position = 1 and next_at > utc_timestamp(6) + interval 47 hour")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(waiting, 3, "the second step waits two days");

    // Two days later (fast-forwarded): the second step, and the sequence is done.
    fast_forward(&app, "mail.sequence_step").await;
    assert!(eventually(|| async { campaign_mail(&smtp.received).len() == 4 }).await, "the second step");
    let view = get_json(&app, &format!("/api/v1/mail/sequences/{seq}")).await;
    assert_eq!((view["in_progress"].as_u64(), view["steps"][1]["sent"].as_u64()), (Some(0), Some(2)));

    // Tagged again: nothing more. Each step has the campaign report and cannot be sent by hand.
    tag(&app, "new0@example.com", json!([])).await;
    tag(&app, "new0@example.com", json!(["trial"])).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(campaign_mail(&smtp.received).len(), 4, "once per contact");
    assert_eq!(report(&app, &steps[0]).await["sent"], 2);
    assert_eq!(get_json(&app, "/api/v1/mail/campaigns").await, json!([]), "steps are not campaigns");
    problem(app.post_empty(&format!("/api/v1/mail/campaigns/{}/send", steps[0])).await, 409).await;

    // Editing keeps a step by id (and its report) and drops the one left out.
    let res = app.send_json(Method::PATCH, &format!("/api/v1/mail/sequences/{seq}"), &json!({"steps": [{"id": steps[1], "wait_days": 1, "subject": "Tips", "body_html": "<p>t</p>"}]})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let view: Value = res.json().await.unwrap();
    assert_eq!((id(&view["steps"][0]), view["steps"][0]["sent"].as_u64(), view["steps"][0]["position"].as_u64()), (steps[1].clone(), Some(2), Some(0)));
    assert_eq!(app.get(&format!("/api/v1/mail/campaigns/{}", steps[0])).await.status(), 404);
}

#[sqlx::test]
async fn an_unsubscribed_contact_leaves_the_sequence_and_a_paused_one_resumes(pool: MySqlPool) {
    let smtp = FakeSmtp::start(false).await;
    let app = app_with_smtp(pool, &smtp.url).await;
    owner(&app).await;
    let seq = id(&created(app.post_json("/api/v1/mail/sequences", &welcome(true)).await).await);
    contacts(&app, "a", 2, "trial", "subscribed").await;
    assert!(eventually(|| async { campaign_mail(&smtp.received).len() == 2 }).await);
    // a0 unsubscribes from the first email; the sequence is paused, its second step falls due.
    let mail = campaign_mail(&smtp.received).into_iter().find(|m| m.to[0] == "a0@example.com").unwrap();
    let unsubscribe = path_of(&parse(&mail).1, "u");
    assert_eq!(app.new_client().post(app.url(&unsubscribe)).send().await.unwrap().status(), 200);
    let res = app.send_json(Method::PATCH, &format!("/api/v1/mail/sequences/{seq}"), &json!({"active": false})).await;
    assert_eq!(res.status(), 200);
    fast_forward(&app, "mail.sequence_step").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(campaign_mail(&smtp.received).len(), 2, "nothing while paused");
    let (due,): (i64,) = sqlx::query_as("select count(*) from mail_enrolments where status = 'active'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(due, 2);

    // Switched on again: the due step goes to the subscribed contact only.
    sqlx::query("update mail_enrolments set next_at = utc_timestamp(6) - interval 1 hour").execute(&app.pool).await.unwrap();
    let res = app.send_json(Method::PATCH, &format!("/api/v1/mail/sequences/{seq}"), &json!({"active": true})).await;
    assert_eq!(res.status(), 200);
    assert!(eventually(|| async { campaign_mail(&smtp.received).len() == 3 }).await, "the due step after resuming");
    let last = campaign_mail(&smtp.received).pop().unwrap();
    assert_eq!((last.to[0].as_str(), subject(&last).as_str()), ("a1@example.com", "Day two"));
    let statuses: Vec<(String,)> = sqlx::query_as("select status from mail_enrolments order by status").fetch_all(&app.pool).await.unwrap();
    assert!(eventually(|| async {
        let s: Vec<(String,)> = sqlx::query_as("select status from mail_enrolments order by status").fetch_all(&app.pool).await.unwrap();
        s == [("done".to_owned(),), ("stopped".to_owned(),)]
    })
    .await, "{statuses:?}");
    assert_eq!(app.delete(&format!("/api/v1/mail/sequences/{seq}")).await.status(), 204);
    let (left,): (i64,) = sqlx::query_as("select count(*) from mail_enrolments").fetch_one(&app.pool).await.unwrap();
    assert_eq!(left, 0);
}

#[sqlx::test]
async fn the_email_pages_server_functions_act_only_in_the_urls_workspace(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("owner@example.com").await;
    let ws = app.create_workspace("Jane Studio").await;
    crate::helpers::set_plan(&app, ws["id"].as_str().unwrap(), "pro").await;
    let slug = ws["slug"].as_str().unwrap();
    let c = campaign(&app, news("vip")).await;
    let s = id(&created(app.post_json("/api/v1/mail/sequences", &welcome(false)).await).await);
    let call = |client: &reqwest::Client, endpoint: &str, body: Value| client.post(app.url(&format!("/api/{endpoint}"))).header("origin", app.origin()).json(&body).send();
    let mine = call(&app.client, "mail/list_campaigns", json!({"slug": slug})).await.unwrap();
    assert_eq!(mine.status(), 200);
    assert_eq!(mine.json::<Value>().await.unwrap()[0]["id"], c.as_str());

    let intruder = person(&app, "intruder@example.com").await;
    send(&app, &intruder.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Intruder"}))).await;
    for (endpoint, body) in [
        ("mail/list_campaigns", json!({"slug": slug})),
        ("mail/get_campaign", json!({"slug": slug, "id": c})),
        ("mail/update_campaign", json!({"slug": slug, "id": c, "input": {"name": "Hacked"}})),
        ("mail/send_campaign", json!({"slug": slug, "id": c, "input": {}})),
        ("mail/report", json!({"slug": slug, "id": c})),
        ("mail/delete_campaign", json!({"slug": slug, "id": c})),
        ("mail/list_sequences", json!({"slug": slug})),
        ("mail/save_sequence", json!({"slug": slug, "id": s, "input": {"name": "Hacked"}})),
        ("mail/delete_sequence", json!({"slug": slug, "id": s})),
        ("mail/save_settings", json!({"slug": slug, "input": {"double_opt_in": true}})),
    ] {
        assert_eq!(call(&intruder.client, endpoint, body).await.unwrap().status(), 404, "{endpoint}");
    }
    assert_eq!(get_json(&app, &format!("/api/v1/mail/campaigns/{c}")).await["name"], "December news");
    assert_eq!(get_json(&app, &format!("/api/v1/mail/sequences/{s}")).await["name"], "Welcome");
    assert_eq!(get_json(&app, "/api/v1/mail/settings").await["double_opt_in"], false);

    // A viewer of the workspace reads through the same functions but changes nothing.
    let viewer = join(&app, ws["id"].as_str().unwrap(), "viewer@example.com", "viewer").await;
    for (endpoint, body, status) in [
        ("mail/list_sequences", json!({"slug": slug}), 200),
        ("mail/get_sequence", json!({"slug": slug, "id": s}), 200),
        ("mail/report", json!({"slug": slug, "id": c}), 200),
        ("mail/save_sequence", json!({"slug": slug, "id": s, "input": {"name": "Renamed"}}), 403),
        ("mail/save_sequence", json!({"slug": slug, "id": null, "input": welcome(false)}), 403),
        ("mail/delete_sequence", json!({"slug": slug, "id": s}), 403),
        ("mail/update_campaign", json!({"slug": slug, "id": c, "input": {"name": "Renamed"}}), 403),
        ("mail/send_campaign", json!({"slug": slug, "id": c, "input": {}}), 403),
        ("mail/delete_campaign", json!({"slug": slug, "id": c}), 403),
        ("mail/save_settings", json!({"slug": slug, "input": {"double_opt_in": true}}), 403),
    ] {
        assert_eq!(call(&viewer.client, endpoint, body).await.unwrap().status(), status, "viewer: {endpoint}");
    }
    assert_eq!(get_json(&app, &format!("/api/v1/mail/sequences/{s}")).await["name"], "Welcome");
    assert_eq!(get_json(&app, "/api/v1/mail/sequences").await.as_array().unwrap().len(), 1);
    assert_eq!(get_json(&app, &format!("/api/v1/mail/campaigns/{c}")).await["status"], "draft");
}
