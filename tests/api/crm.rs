//! CRM: contacts (CRUD, validation, plan limit, soft delete), lists (search, tags, filters,
//! sorts, cursors), segments (SQL against the in-memory filter on random data), companies, tags,
//! custom fields, the timeline, bio sign-ups landing as contacts, CSV export, bulk actions,
//! permissions by role and isolation between workspaces.
use mewayz::modules::crm::repo::{self, ListSpec, TagPlan};
use mewayz::modules::crm::types::{ContactView, CustomFieldView, Filter, Match, Op, Rule, SortKey};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{TestApp, join, person, problem, send};

async fn owner(app: &TestApp) -> String {
    app.sign_up_ok("owner@example.com").await;
    app.create_workspace("Jane Studio").await["id"].as_str().unwrap().to_owned()
}

async fn create(app: &TestApp, body: Value) -> Value {
    let res = app.post_json("/api/v1/crm/contacts", &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}: {}", res.text().await.unwrap());
    res.json().await.unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn emails(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|c| c["email"].as_str().unwrap_or_default().to_owned()).collect()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[sqlx::test]
async fn contacts_are_created_read_changed_deleted_and_restored(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let field = app.post_json("/api/v1/crm/fields", &json!({"label": "Plan tier", "kind": "select", "options": ["Gold", "Silver"]})).await;
    assert_eq!(field.status(), 201);
    let field: Value = field.json().await.unwrap();
    assert_eq!(field["key"], "plan_tier");
    let company: Value = app.post_json("/api/v1/crm/companies", &json!({"name": "Analytical Engines", "domain": "https://www.engines.example/"})).await.json().await.unwrap();
    assert_eq!(company["domain"], "engines.example");

    let ada = create(&app, json!({
        "first_name": " Ada ", "last_name": "Lovelace", "email": "ADA@Example.com", "phone": "+44 20 7946 0958",
        "company_id": id(&company), "tags": ["VIP", "vip", "Speaker"], "custom": {"plan_tier": "gold"}
    })).await;
    assert_eq!((ada["name"].as_str(), ada["email"].as_str(), ada["company_name"].as_str()), (Some("Ada Lovelace"), Some("ada@example.com"), Some("Analytical Engines")));
    assert_eq!(ada["tags"], json!(["Speaker", "VIP"]));
    assert_eq!(ada["custom"], json!({"plan_tier": "Gold"}));
    assert_eq!((ada["source"].as_str(), ada["consent_status"].as_str()), (Some("manual"), Some("none")));

    // Bad input: every field error at once, nothing stored.
    let res = app.post_json("/api/v1/crm/contacts", &json!({"email": "not-an-email", "phone": "call me", "country": "Portugal", "custom": {"plan_tier": "Bronze", "nope": 1}})).await;
    let body = problem(res, 422).await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["email", "phone", "country", "custom.plan_tier", "custom.nope"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    problem(app.post_json("/api/v1/crm/contacts", &json!({"first_name": "  "})).await, 422).await;
    let dup = problem(app.post_json("/api/v1/crm/contacts", &json!({"email": "ada@EXAMPLE.com"})).await, 422).await;
    assert_eq!(dup["errors"][0]["field"], "email");
    problem(app.post_json("/api/v1/crm/contacts", &json!({"email": "x@example.com", "company_id": "0190aaaa-0000-7000-8000-000000000000"})).await, 422).await;
    assert_eq!(get_json(&app, "/api/v1/crm/contacts").await["total"], 1);

    // PATCH changes only what is sent; null clears; consent changes are recorded.
    let path = format!("/api/v1/crm/contacts/{}", id(&ada));
    let res = app.send_json(Method::PATCH, &path, &json!({"phone": null, "city": "London", "tags": ["Speaker"], "consent_status": "subscribed", "consent_source": "paper form"})).await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!((changed["phone"].is_null(), changed["city"].as_str(), changed["last_name"].as_str()), (true, Some("London"), Some("Lovelace")));
    assert_eq!((changed["tags"].clone(), changed["consent_status"].as_str(), changed["consent_source"].as_str()), (json!(["Speaker"]), Some("subscribed"), Some("paper form")));
    let timeline = get_json(&app, &format!("{path}/timeline")).await;
    let kinds: Vec<&str> = timeline["items"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["consent", "created"]);

    // Soft delete: gone from the list, listed as deleted, restorable.
    assert_eq!(app.delete(&path).await.status(), 200);
    assert_eq!(get_json(&app, "/api/v1/crm/contacts").await["total"], 0);
    assert_eq!(emails(&get_json(&app, "/api/v1/crm/contacts?deleted=true").await), ["ada@example.com"]);
    assert_eq!(app.send_json(Method::PATCH, &path, &json!({"city": "Paris"})).await.status(), 404);
    assert_eq!(app.post_empty(&format!("{path}/restore")).await.status(), 200);
    assert_eq!(app.post_empty(&format!("{path}/restore")).await.status(), 404);
    assert_eq!(get_json(&app, "/api/v1/crm/contacts").await["total"], 1);

    // Deleting the company hides it on the contact; the custom field's values go with the field.
    assert_eq!(app.delete(&format!("/api/v1/crm/companies/{}", id(&company))).await.status(), 200);
    assert!(get_json(&app, &path).await["company_name"].is_null());
    assert_eq!(app.delete(&format!("/api/v1/crm/fields/{}", id(&field))).await.status(), 204);
    assert_eq!(get_json(&app, &path).await["custom"], json!({}));
}

#[sqlx::test]
async fn the_plan_limits_contacts(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    sqlx::query("update plan_limits set max_value = 2 where plan_code = 'free' and resource = 'contacts'").execute(&app.pool).await.unwrap();
    create(&app, json!({"email": "a@example.com"})).await;
    let b = create(&app, json!({"email": "b@example.com"})).await;
    problem(app.post_json("/api/v1/crm/contacts", &json!({"email": "c@example.com"})).await, 402).await;
    app.delete(&format!("/api/v1/crm/contacts/{}", id(&b))).await;
    create(&app, json!({"email": "c@example.com"})).await;
    // Restoring would exceed the plan.
    problem(app.post_empty(&format!("/api/v1/crm/contacts/{}/restore", id(&b))).await, 402).await;
}

#[sqlx::test]
async fn lists_search_filter_sort_and_page_with_cursors(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let acme: Value = app.post_json("/api/v1/crm/companies", &json!({"name": "Acme Widgets"})).await.json().await.unwrap();
    for i in 0..23 {
        let tags = if i % 3 == 0 { json!(["lead"]) } else { json!([]) };
        let company = if i % 5 == 0 { json!(id(&acme)) } else { Value::Null };
        let last = ["Zed", "Young", "Xu"][i % 3];
        create(&app, json!({"first_name": format!("Person{i:02}"), "last_name": last, "email": format!("p{i:02}@example.com"),
            "city": if i % 2 == 0 { "Lisbon" } else { "Porto" }, "tags": tags, "company_id": company})).await;
    }
    // Every page once, newest first, and the total is all matches.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = get_json(&app, &format!("/api/v1/crm/contacts?limit=5&cursor={cursor}")).await;
        assert_eq!(page["total"], 23);
        seen.extend(emails(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = enc(c),
            None => break,
        }
    }
    let expected: Vec<String> = (0..23).rev().map(|i| format!("p{i:02}@example.com")).collect();
    assert_eq!(seen, expected);
    // By name, ascending, across pages.
    let first = get_json(&app, "/api/v1/crm/contacts?sort=name&limit=10").await;
    let second = get_json(&app, &format!("/api/v1/crm/contacts?sort=name&limit=10&cursor={}", enc(first["next_cursor"].as_str().unwrap()))).await;
    let names: Vec<String> = first["items"].as_array().unwrap().iter().chain(second["items"].as_array().unwrap()).map(|c| c["last_name"].as_str().unwrap().to_owned()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
    assert_eq!(names.first().map(String::as_str), Some("Xu"));

    assert_eq!(get_json(&app, "/api/v1/crm/contacts?q=person07").await["total"], 1);
    assert_eq!(get_json(&app, "/api/v1/crm/contacts?q=acme").await["total"], 5, "company names are searched");
    assert_eq!(get_json(&app, "/api/v1/crm/contacts?q=xu%20lisbon").await["total"], 4, "every word must match");
    assert_eq!(get_json(&app, "/api/v1/crm/contacts?q=100%25").await["total"], 0, "wildcards are literal");
    assert_eq!(get_json(&app, "/api/v1/crm/contacts?tag=lead").await["total"], 8);
    let filter = json!({"match": "all", "rules": [{"field": "city", "op": "is", "value": "porto"}, {"field": "tag", "op": "is", "value": "lead"}]});
    assert_eq!(get_json(&app, &format!("/api/v1/crm/contacts?filter={}", enc(&filter.to_string()))).await["total"], 4);

    for bad in ["sort=email", "cursor=garbage", "filter=%7Bnope", "limit=abc"] {
        let res = app.get(&format!("/api/v1/crm/contacts?{bad}")).await;
        assert!(matches!(res.status().as_u16(), 400 | 422), "{bad}: {}", res.status());
    }
    let bad_rule = json!({"rules": [{"field": "city", "op": "gt", "value": "x"}]});
    problem(app.get(&format!("/api/v1/crm/contacts?filter={}", enc(&bad_rule.to_string()))).await, 422).await;

    // A field is filterable as soon as it exists and no longer once deleted (lists keep the
    // fields with their cached totals).
    let by_score = enc(&json!({"rules": [{"field": "custom.score", "op": "gt", "value": "5"}]}).to_string());
    problem(app.get(&format!("/api/v1/crm/contacts?filter={by_score}")).await, 422).await;
    let field: Value = app.post_json("/api/v1/crm/fields", &json!({"label": "Score", "key": "score", "kind": "number"})).await.json().await.unwrap();
    assert_eq!(get_json(&app, &format!("/api/v1/crm/contacts?filter={by_score}")).await["total"], 0);
    assert_eq!(app.delete(&format!("/api/v1/crm/fields/{}", id(&field))).await.status(), 204);
    problem(app.get(&format!("/api/v1/crm/contacts?filter={by_score}")).await, 422).await;

    // The most and longest tags a contact can have all come back with the list, in name order.
    let many: Vec<String> = (0..50).map(|i| format!("{i:02}{}", "é".repeat(48))).collect();
    create(&app, json!({"first_name": "Tagged", "email": "tagged@example.com", "tags": many})).await;
    assert_eq!(get_json(&app, "/api/v1/crm/contacts?q=tagged@example").await["items"][0]["tags"], json!(many));
}

/// Random contacts and random filters: the list the SQL returns is exactly the contacts the
/// in-memory `Filter::matches` accepts.
#[sqlx::test]
async fn segment_sql_matches_the_in_memory_filter_on_random_data(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws_id: uuid::Uuid = owner(&app).await.parse().unwrap();
    for body in [
        json!({"label": "Score", "kind": "number"}),
        json!({"label": "Renewal", "kind": "date"}),
        json!({"label": "Tier", "kind": "select", "options": ["Gold", "Silver", "Bronze"]}),
        json!({"label": "Newsletter", "kind": "checkbox"}),
        json!({"label": "Nickname", "kind": "text"}),
    ] {
        assert_eq!(app.post_json("/api/v1/crm/fields", &body).await.status(), 201);
    }
    let fields: Vec<CustomFieldView> = app.get("/api/v1/crm/fields").await.json().await.unwrap();
    let mut rng = StdRng::seed_from_u64(20261124);
    let words = ["ann", "bob", "cy", "dee", "ed", "Ann", "bo"];
    let cities = ["Lisbon", "Porto", "lisbon", "", "Faro"];
    let tags = ["lead", "vip", "churned"];
    let consents = ["none", "subscribed", "unsubscribed"];
    for i in 0..80 {
        let mut custom = serde_json::Map::new();
        if rng.random_bool(0.7) {
            custom.insert("score".into(), json!(rng.random_range(0..20)));
        }
        if rng.random_bool(0.6) {
            custom.insert("renewal".into(), json!(format!("2026-0{}-1{}", rng.random_range(1..10), rng.random_range(0..10))));
        }
        if rng.random_bool(0.6) {
            custom.insert("tier".into(), json!(*["Gold", "Silver", "Bronze"].choose(&mut rng).unwrap()));
        }
        if rng.random_bool(0.5) {
            custom.insert("newsletter".into(), json!(rng.random_bool(0.5)));
        }
        if rng.random_bool(0.5) {
            custom.insert("nickname".into(), json!(format!("{}{}", words.choose(&mut rng).unwrap(), i % 4)));
        }
        let picked: Vec<&str> = tags.iter().copied().filter(|_| rng.random_bool(0.35)).collect();
        create(&app, json!({
            "first_name": format!("{}{}", words.choose(&mut rng).unwrap(), i), "last_name": *words.choose(&mut rng).unwrap(),
            "email": if rng.random_bool(0.85) { json!(format!("c{i}@{}.example", words.choose(&mut rng).unwrap().to_lowercase())) } else { Value::Null },
            "city": *cities.choose(&mut rng).unwrap(), "tags": picked, "custom": custom,
            "consent_status": *consents.choose(&mut rng).unwrap(),
        })).await;
    }
    let mut all: Vec<ContactView> = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = get_json(&app, &format!("/api/v1/crm/contacts?limit=200&cursor={cursor}")).await;
        all.extend(serde_json::from_value::<Vec<ContactView>>(page["items"].clone()).unwrap());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = enc(c),
            None => break,
        }
    }
    assert_eq!(all.len(), 80);
    // The list reads each contact's tags in its one query; a single contact reads them apart.
    let tagged: Vec<&ContactView> = all.iter().filter(|c| c.tags.len() > 1).take(5).collect();
    assert!(!tagged.is_empty());
    for c in tagged {
        let one: ContactView = serde_json::from_value(get_json(&app, &format!("/api/v1/crm/contacts/{}", c.id)).await).unwrap();
        assert_eq!(one.tags, c.tags);
    }

    let random_rule = |rng: &mut StdRng| -> Rule {
        let text_ops = [Op::Is, Op::IsNot, Op::Contains, Op::NotContains, Op::StartsWith, Op::IsEmpty, Op::IsNotEmpty];
        let pick = |rng: &mut StdRng, xs: &[&str]| xs.choose(rng).unwrap().to_string();
        match rng.random_range(0..9) {
            0 => Rule { field: "first_name".into(), op: *text_ops.choose(rng).unwrap(), value: pick(rng, &words) },
            1 => Rule { field: "city".into(), op: *text_ops.choose(rng).unwrap(), value: pick(rng, &["lisbon", "Porto", "o", "LIS"]) },
            2 => Rule { field: "email".into(), op: *text_ops.choose(rng).unwrap(), value: pick(rng, &["ann", "c1", "example"]) },
            3 => Rule { field: "tag".into(), op: *[Op::Is, Op::IsNot].choose(rng).unwrap(), value: pick(rng, &["lead", "VIP", "churned"]) },
            4 => Rule { field: "consent_status".into(), op: *[Op::Is, Op::IsNot].choose(rng).unwrap(), value: pick(rng, &consents) },
            5 => Rule { field: "custom.score".into(), op: *[Op::Is, Op::IsNot, Op::Gt, Op::Lt, Op::IsEmpty, Op::IsNotEmpty].choose(rng).unwrap(), value: rng.random_range(0..20).to_string() },
            6 => Rule { field: "custom.renewal".into(), op: *[Op::Is, Op::IsNot, Op::Gt, Op::Lt, Op::IsEmpty, Op::IsNotEmpty].choose(rng).unwrap(), value: format!("2026-0{}-15", rng.random_range(1..10)) },
            7 => Rule { field: "custom.tier".into(), op: *[Op::Is, Op::IsNot, Op::IsEmpty, Op::IsNotEmpty].choose(rng).unwrap(), value: pick(rng, &["gold", "Silver"]) },
            _ => match rng.random_range(0..2) {
                0 => Rule { field: "custom.newsletter".into(), op: Op::Is, value: pick(rng, &["true", "false"]) },
                _ => Rule { field: "custom.nickname".into(), op: *text_ops.choose(rng).unwrap(), value: pick(rng, &words) },
            },
        }
    };
    for round in 0..60 {
        let n = rng.random_range(1..4);
        let filter = Filter { match_: if rng.random_bool(0.5) { Match::All } else { Match::Any }, rules: (0..n).map(|_| random_rule(&mut rng)).collect() };
        let mut expected: Vec<String> = all.iter().filter(|c| filter.matches(c, &fields)).map(|c| c.id.to_string()).collect();
        let got = get_json(&app, &format!("/api/v1/crm/contacts?limit=200&filter={}", enc(&serde_json::to_string(&filter).unwrap()))).await;
        let mut got_ids: Vec<String> = got["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
        expected.sort();
        got_ids.sort();
        assert_eq!(got_ids, expected, "round {round}: {filter:?}");
        assert_eq!(got["total"].as_u64(), Some(expected.len() as u64));
        // Lists of 2,000 matches or more check tags contact by contact: the same contacts.
        let spec = ListSpec { words: Vec::new(), tag: None, filters: vec![&filter], custom: &fields, deleted: false };
        let rows = repo::list_contacts(&app.pool, ws_id, &spec, (SortKey::Created, true), None, 200, TagPlan::PerRow, false).await.unwrap();
        let mut per_row: Vec<String> = rows.iter().map(|l| l.row.id.to_string()).collect();
        per_row.sort();
        assert_eq!(per_row, expected, "round {round}, tags checked per row: {filter:?}");
    }

    // A saved segment lists and counts the same contacts.
    let filter = json!({"match": "any", "rules": [{"field": "tag", "op": "is", "value": "vip"}, {"field": "custom.score", "op": "gt", "value": "15"}]});
    let res = app.post_json("/api/v1/crm/segments", &json!({"name": "Hot", "filter": filter})).await;
    assert_eq!(res.status(), 201);
    let segment: Value = res.json().await.unwrap();
    let parsed: Filter = serde_json::from_value(filter).unwrap();
    let expected = all.iter().filter(|c| parsed.matches(c, &fields)).count() as u64;
    assert_eq!(segment["count"].as_u64(), Some(expected));
    assert_eq!(get_json(&app, &format!("/api/v1/crm/contacts?segment_id={}", id(&segment))).await["total"].as_u64(), Some(expected));
    problem(app.post_json("/api/v1/crm/segments", &json!({"name": "Hot", "filter": {"rules": [{"field": "tag", "op": "is", "value": "x"}]}})).await, 422).await;
    problem(app.post_json("/api/v1/crm/segments", &json!({"name": "Empty", "filter": {"rules": []}})).await, 422).await;
    problem(app.post_json("/api/v1/crm/segments", &json!({"name": "Bad", "filter": {"rules": [{"field": "custom.score", "op": "gt", "value": "many"}]}})).await, 422).await;
    let res = app.send_json(Method::PATCH, &format!("/api/v1/crm/segments/{}", id(&segment)), &json!({"name": "Hottest"})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["name"], "Hottest");
    assert_eq!(app.delete(&format!("/api/v1/crm/segments/{}", id(&segment))).await.status(), 204);
}

#[sqlx::test]
async fn notes_and_sign_ups_land_on_the_timeline(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let ada = create(&app, json!({"first_name": "Ada", "email": "ada@example.com"})).await;
    let path = format!("/api/v1/crm/contacts/{}", id(&ada));
    problem(app.post_json(&format!("{path}/notes"), &json!({"body": "   "})).await, 422).await;
    let res = app.post_json(&format!("{path}/notes"), &json!({"body": "Met at the conference\nWants the pro plan"})).await;
    assert_eq!(res.status(), 201);
    let note: Value = res.json().await.unwrap();
    assert_eq!((note["kind"].as_str(), note["summary"].as_str()), (Some("note"), Some("Met at the conference")));
    assert!(note["actor_name"].is_string());

    // A sign-up on a published bio page becomes a subscribed, tagged contact with the sign-up on its timeline.
    let page: Value = app.post_json("/api/v1/bio/pages", &json!({"handle": "jane", "title": "Jane"})).await.json().await.unwrap();
    let block: Value = app.post_json(&format!("/api/v1/bio/pages/{}/blocks", id(&page)), &json!({"type": "email", "title": "Join"})).await.json().await.unwrap();
    assert_eq!(app.post_empty(&format!("/api/v1/bio/pages/{}/publish", id(&page))).await.status(), 200);
    let visitor = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for email in ["new@example.com", "ADA@example.com"] {
        let res = visitor.post(app.url("/@jane/subscribe")).form(&[("email", email), ("block_id", block["id"].as_str().unwrap())]).send().await.unwrap();
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    }
    let list = get_json(&app, "/api/v1/crm/contacts?tag=bio-jane").await;
    let mut got = emails(&list);
    got.sort();
    assert_eq!(got, ["ada@example.com", "new@example.com"], "the existing contact is found again, not duplicated");
    let new = list["items"].as_array().unwrap().iter().find(|c| c["email"] == "new@example.com").unwrap();
    assert_eq!((new["source"].as_str(), new["consent_status"].as_str()), (Some("bio:@jane"), Some("subscribed")));
    let timeline = get_json(&app, &format!("{path}/timeline")).await;
    let kinds: Vec<&str> = timeline["items"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["form_signup", "note", "created"]);

    // Paging the timeline, and only notes can be deleted.
    let first = get_json(&app, &format!("{path}/timeline?limit=2")).await;
    let rest = get_json(&app, &format!("{path}/timeline?limit=2&cursor={}", enc(first["next_cursor"].as_str().unwrap()))).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    let signup_id = timeline["items"][0]["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("{path}/notes/{signup_id}")).await.status(), 404);
    assert_eq!(app.delete(&format!("{path}/notes/{}", id(&note))).await.status(), 204);
}

#[sqlx::test]
async fn export_bulk_actions_tags_and_companies(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    app.post_json("/api/v1/crm/fields", &json!({"label": "Score", "kind": "number"})).await;
    let evil = create(&app, json!({"first_name": "=HYPERLINK(\"http://x\")", "last_name": "-2+3", "email": "evil@example.com", "custom": {"score": 7}})).await;
    let plain = create(&app, json!({"first_name": "Plain", "email": "plain@example.com", "tags": ["keep"]})).await;

    let res = app.get("/api/v1/crm/contacts/export?sort=name").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("id,first_name,last_name,email") && header.ends_with(",score"), "{header}");
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\",'-2+3,evil@example.com"), "{csv}");
    assert!(csv.lines().any(|l| l.contains("evil@example.com") && l.ends_with(",7")));
    let only_tagged = app.get("/api/v1/crm/contacts/export?tag=keep").await.text().await.unwrap();
    assert_eq!(only_tagged.lines().count(), 2);

    // Bulk: tag both, untag one, delete both, restore.
    let ids = json!([id(&evil), id(&plain)]);
    let res: Value = app.post_json("/api/v1/crm/contacts/bulk", &json!({"action": "tag", "ids": ids, "tag": "Q4"})).await.json().await.unwrap();
    assert_eq!(res["affected"], 2);
    // Tag counts are cached between writes; each write below must show in them.
    let q4_count = async || {
        let tags = get_json(&app, "/api/v1/crm/tags").await;
        tags.as_array().unwrap().iter().find(|t| t["name"] == "Q4").map(|t| t["contact_count"].as_u64().unwrap())
    };
    assert_eq!(q4_count().await, Some(2));
    app.post_json("/api/v1/crm/contacts/bulk", &json!({"action": "untag", "ids": [id(&plain)], "tag": "Q4"})).await;
    assert_eq!(q4_count().await, Some(1));
    assert_eq!(emails(&get_json(&app, "/api/v1/crm/contacts?tag=Q4").await), ["evil@example.com"]);
    problem(app.post_json("/api/v1/crm/contacts/bulk", &json!({"action": "tag", "ids": ids})).await, 422).await;
    let too_many: Vec<String> = (0..1001).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    problem(app.post_json("/api/v1/crm/contacts/bulk", &json!({"action": "delete", "ids": too_many})).await, 422).await;
    let res: Value = app.post_json("/api/v1/crm/contacts/bulk", &json!({"action": "delete", "ids": ids})).await.json().await.unwrap();
    assert_eq!(res["affected"], 2);
    assert_eq!(get_json(&app, "/api/v1/crm/contacts").await["total"], 0);
    assert_eq!(q4_count().await, Some(0));
    let res: Value = app.post_json("/api/v1/crm/contacts/bulk", &json!({"action": "restore", "ids": ids})).await.json().await.unwrap();
    assert_eq!(res["affected"], 2);

    // Tags: counts, rename, recolour, delete.
    let tags: Value = get_json(&app, "/api/v1/crm/tags").await;
    let q4 = tags.as_array().unwrap().iter().find(|t| t["name"] == "Q4").unwrap().clone();
    assert_eq!(q4["contact_count"], 1);
    let res = app.send_json(Method::PATCH, &format!("/api/v1/crm/tags/{}", id(&q4)), &json!({"name": "Q4 2026", "color": "#FF0000"})).await;
    let renamed: Value = res.json().await.unwrap();
    assert_eq!((renamed["name"].as_str(), renamed["color"].as_str()), (Some("Q4 2026"), Some("#ff0000")));
    problem(app.send_json(Method::PATCH, &format!("/api/v1/crm/tags/{}", id(&q4)), &json!({"name": "keep"})).await, 422).await;
    problem(app.send_json(Method::PATCH, &format!("/api/v1/crm/tags/{}", id(&q4)), &json!({"color": "red"})).await, 422).await;
    assert_eq!(app.delete(&format!("/api/v1/crm/tags/{}", id(&q4))).await.status(), 204);
    assert_eq!(get_json(&app, &format!("/api/v1/crm/contacts/{}", id(&evil))).await["tags"], json!([]));

    // Companies: validation, contact counts, search, restore.
    problem(app.post_json("/api/v1/crm/companies", &json!({"name": " "})).await, 422).await;
    problem(app.post_json("/api/v1/crm/companies", &json!({"name": "X", "domain": "not a domain"})).await, 422).await;
    let co: Value = app.post_json("/api/v1/crm/companies", &json!({"name": "Globex"})).await.json().await.unwrap();
    app.send_json(Method::PATCH, &format!("/api/v1/crm/contacts/{}", id(&plain)), &json!({"company_id": id(&co)})).await;
    let listed = get_json(&app, "/api/v1/crm/companies?q=glob").await;
    assert_eq!((listed["total"].as_u64(), listed["items"][0]["contact_count"].as_u64()), (Some(1), Some(1)));
    app.delete(&format!("/api/v1/crm/companies/{}", id(&co))).await;
    assert_eq!(get_json(&app, "/api/v1/crm/companies?deleted=true").await["total"], 1);
    assert_eq!(app.post_empty(&format!("/api/v1/crm/companies/{}/restore", id(&co))).await.status(), 200);
    assert_eq!(get_json(&app, &format!("/api/v1/crm/contacts/{}", id(&plain))).await["company_name"], "Globex");
}

/// Every CRM endpoint with a body that would succeed, and whether it writes.
fn endpoints(contact: &str, company: &str, segment: &str, field: &str, tag: &str) -> Vec<(Method, String, Option<Value>, bool)> {
    let c = format!("/api/v1/crm/contacts/{contact}");
    vec![
        (Method::GET, "/api/v1/crm/contacts".into(), None, false),
        (Method::GET, c.clone(), None, false),
        (Method::GET, format!("{c}/timeline"), None, false),
        (Method::GET, "/api/v1/crm/contacts/export".into(), None, false),
        (Method::GET, format!("/api/v1/crm/companies/{company}"), None, false),
        (Method::GET, format!("/api/v1/crm/segments/{segment}"), None, false),
        (Method::GET, "/api/v1/crm/tags".into(), None, false),
        (Method::GET, "/api/v1/crm/fields".into(), None, false),
        (Method::PATCH, c.clone(), Some(json!({"city": "Rome"})), true),
        (Method::POST, format!("{c}/notes"), Some(json!({"body": "hi"})), true),
        (Method::POST, "/api/v1/crm/contacts/bulk".into(), Some(json!({"action": "tag", "ids": [contact], "tag": "x"})), true),
        (Method::PATCH, format!("/api/v1/crm/companies/{company}"), Some(json!({"name": "Renamed"})), true),
        (Method::PATCH, format!("/api/v1/crm/segments/{segment}"), Some(json!({"name": "Renamed"})), true),
        (Method::PATCH, format!("/api/v1/crm/fields/{field}"), Some(json!({"label": "Renamed"})), true),
        (Method::PATCH, format!("/api/v1/crm/tags/{tag}"), Some(json!({"name": "renamed"})), true),
        (Method::DELETE, format!("/api/v1/crm/tags/{tag}"), None, true),
        (Method::DELETE, format!("/api/v1/crm/fields/{field}"), None, true),
        (Method::DELETE, format!("/api/v1/crm/segments/{segment}"), None, true),
        (Method::DELETE, format!("/api/v1/crm/companies/{company}"), None, true),
        (Method::DELETE, c, None, true),
    ]
}

async fn fixtures(app: &TestApp) -> (String, String, String, String, String) {
    let company: Value = app.post_json("/api/v1/crm/companies", &json!({"name": "Acme"})).await.json().await.unwrap();
    let contact = create(app, json!({"first_name": "Ada", "email": "ada@example.com", "tags": ["vip"], "company_id": id(&company)})).await;
    let segment: Value = app.post_json("/api/v1/crm/segments", &json!({"name": "VIPs", "filter": {"rules": [{"field": "tag", "op": "is", "value": "vip"}]}})).await.json().await.unwrap();
    let field: Value = app.post_json("/api/v1/crm/fields", &json!({"label": "Score", "kind": "number"})).await.json().await.unwrap();
    let tags: Value = get_json(app, "/api/v1/crm/tags").await;
    (id(&contact), id(&company), id(&segment), id(&field), id(&tags[0]))
}

#[sqlx::test]
async fn viewers_read_but_cannot_change_and_editors_can(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    let (contact, company, segment, field, tag) = fixtures(&app).await;
    crate::helpers::set_plan(&app, &ws, "pro").await;
    let viewer = join(&app, &ws, "viewer@example.com", "viewer").await;
    let editor = join(&app, &ws, "editor@example.com", "editor").await;
    let header = |req: reqwest::RequestBuilder| req.header("x-workspace-id", &ws).header("origin", app.origin());
    for (method, path, body, writes) in endpoints(&contact, &company, &segment, &field, &tag) {
        let mut req = header(viewer.client.request(method.clone(), app.url(&path)));
        if let Some(body) = &body {
            req = req.json(body);
        }
        let status = req.send().await.unwrap().status().as_u16();
        assert_eq!(status, if writes { 403 } else { 200 }, "viewer {method} {path}");
    }
    let res = header(viewer.client.post(app.url("/api/v1/crm/contacts"))).json(&json!({"email": "v@example.com"})).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(get_json(&app, &format!("/api/v1/crm/contacts/{contact}")).await["city"], "");

    for (method, path, body, _) in endpoints(&contact, &company, &segment, &field, &tag) {
        let mut req = header(editor.client.request(method.clone(), app.url(&path)));
        if let Some(body) = &body {
            req = req.json(body);
        }
        let res = req.send().await.unwrap();
        assert!(res.status().is_success(), "editor {method} {path}: {}", res.status());
    }
}

#[sqlx::test]
async fn another_workspace_cannot_read_or_change_anything_of_the_crm(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    let (contact, company, segment, field, tag) = fixtures(&app).await;
    let intruder = person(&app, "intruder@example.com").await;
    send(&app, &intruder.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Intruder"}))).await;

    for (method, path, body, _) in endpoints(&contact, &company, &segment, &field, &tag) {
        let res = send(&app, &intruder.client, method.clone(), &path, body).await;
        let status = res.status().as_u16();
        match path.as_str() {
            // Their own (empty) lists.
            "/api/v1/crm/contacts" | "/api/v1/crm/tags" | "/api/v1/crm/fields" | "/api/v1/crm/contacts/export" => {
                assert_eq!(status, 200, "{method} {path}");
                assert!(!res.text().await.unwrap().contains("ada@example.com"), "{path} leaks");
            }
            // A bulk action on my ids changes nothing of mine.
            "/api/v1/crm/contacts/bulk" => assert_eq!(res.json::<Value>().await.unwrap()["affected"], 0),
            _ => assert_eq!(status, 404, "{method} {path} from another workspace"),
        }
    }
    let res = intruder.client.get(app.url(&format!("/api/v1/crm/contacts/{contact}"))).header("x-workspace-id", &ws).send().await.unwrap();
    assert_eq!(res.status(), 404, "naming a workspace one is not a member of");
    // Their contact cannot point at my company, nor their segment be used on my list.
    let res = send(&app, &intruder.client, Method::POST, "/api/v1/crm/contacts", Some(json!({"email": "i@example.com", "company_id": company}))).await;
    assert_eq!(res.status(), 422);
    let res = send(&app, &intruder.client, Method::GET, &format!("/api/v1/crm/contacts?segment_id={segment}"), None).await;
    assert_eq!(res.status(), 422);
    // The same email is a different contact in their workspace.
    let res = send(&app, &intruder.client, Method::POST, "/api/v1/crm/contacts", Some(json!({"email": "ada@example.com"}))).await;
    assert_eq!(res.status(), 201);

    let mine = get_json(&app, &format!("/api/v1/crm/contacts/{contact}")).await;
    assert_eq!((mine["tags"].clone(), mine["company_name"].as_str(), mine["deleted_at"].is_null()), (json!(["vip"]), Some("Acme"), true));
    assert_eq!(get_json(&app, "/api/v1/crm/segments").await.as_array().unwrap().len(), 1);
    assert_eq!(get_json(&app, "/api/v1/crm/fields").await.as_array().unwrap().len(), 1);
}

// ---- CSV import

const MESSY: &[u8] = include_bytes!("../fixtures/contacts-messy.csv");

fn upload(file: &[u8], fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(file.to_vec()).file_name("contacts-messy.csv").mime_str("text/csv").unwrap();
    fields.iter().fold(reqwest::multipart::Form::new().part("file", part), |form, (k, v)| form.text(k.to_string(), v.to_string()))
}

async fn post_upload(app: &TestApp, path: &str, form: reqwest::multipart::Form) -> reqwest::Response {
    app.client.post(app.url(path)).header("origin", app.origin()).multipart(form).send().await.unwrap()
}

/// Polls the job until it ends; returns it.
async fn finished_job(app: &TestApp, job_id: &str) -> Value {
    for _ in 0..300 {
        let job = get_json(app, &format!("/api/v1/jobs/{job_id}")).await;
        if matches!(job["status"].as_str(), Some("done" | "dead")) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import did not finish");
}

#[sqlx::test]
async fn a_messy_real_world_csv_is_previewed_and_imported_with_per_row_errors(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    app.post_json("/api/v1/crm/fields", &json!({"label": "Plan tier", "kind": "select", "options": ["Gold", "Silver", "Bronze"]})).await;
    create(&app, json!({"first_name": "Old", "email": "existing@example.com", "city": "Lisbon", "job_title": "Keeps this"})).await;

    let res = post_upload(&app, "/api/v1/crm/contacts/import/preview", upload(MESSY, &[])).await;
    assert_eq!(res.status(), 200);
    let preview: Value = res.json().await.unwrap();
    assert_eq!((preview["encoding"].as_str(), preview["delimiter"].as_str(), preview["row_count"].as_u64()), (Some("UTF-8"), Some(","), Some(10)));
    assert_eq!(preview["headers"][0], "First Name", "the byte-order mark is not part of the first header");
    let mapping = &preview["mapping"];
    for (column, field) in [("First Name", "first_name"), ("Surname", "last_name"), ("E-mail Address", "email"), ("Mobile", "phone"), ("Organisation", "company"), ("Plan Tier", "custom.plan_tier"), ("Tags", "tags")] {
        assert_eq!(mapping[column], field, "{column}");
    }
    assert!(mapping.get("Unused").is_none());
    assert_eq!(preview["sample"][1][9], "Line one\r\nline two of the note", "quoted line breaks stay in the cell");

    let res = post_upload(&app, "/api/v1/crm/contacts/import", upload(MESSY, &[("mapping", &mapping.to_string()), ("on_duplicate", "update"), ("tags", "import-nov")])).await;
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let job_id = res.json::<Value>().await.unwrap()["job_id"].as_str().unwrap().to_owned();
    let job = finished_job(&app, &job_id).await;
    assert_eq!((job["status"].as_str(), job["progress"].as_u64()), (Some("done"), Some(100)));
    let r = &job["result"];
    assert_eq!((r["created"].as_u64(), r["updated"].as_u64(), r["skipped"].as_u64(), r["failed"].as_u64()), (Some(5), Some(2), Some(0), Some(3)), "{r}");
    let errors: Vec<(u64, String)> = job["errors"].as_array().unwrap().iter().map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap().to_owned())).collect();
    assert_eq!(errors, [(5, "email".to_owned()), (12, "custom.plan_tier".to_owned()), (14, "country".to_owned())]);

    let ada = get_json(&app, "/api/v1/crm/contacts?q=ada%40example.com").await["items"][0].clone();
    assert_eq!((ada["email"].as_str(), ada["country"].as_str(), ada["company_name"].as_str()), (Some("ada@example.com"), Some("GB"), Some("Analytical Engines")));
    assert_eq!(ada["tags"], json!(["import-nov", "speaker", "vip"]));
    assert_eq!(ada["custom"]["plan_tier"], "Gold");
    assert_eq!(ada["notes"], "Met at the \"Engines\" talk, wants a demo");
    assert!(ada["source"].as_str().unwrap().starts_with("import:"));
    let grace = get_json(&app, "/api/v1/crm/contacts?q=grace").await;
    assert_eq!(grace["total"], 1, "a repeated address in the file is one contact");
    assert_eq!((grace["items"][0]["phone"].as_str(), grace["items"][0]["custom"]["plan_tier"].as_str()), (Some("555-0100"), Some("Silver")));
    assert_eq!(grace["items"][0]["tags"], json!(["import-nov", "lead", "vip"]));
    let existing = get_json(&app, "/api/v1/crm/contacts?q=existing").await["items"][0].clone();
    assert_eq!((existing["first_name"].as_str(), existing["city"].as_str(), existing["job_title"].as_str()), (Some("Existing"), Some("Paris"), Some("Keeps this")));
    let companies = get_json(&app, "/api/v1/crm/companies").await;
    assert_eq!(companies["total"], 2, "Analytical Engines is created once");
    let timeline = get_json(&app, &format!("/api/v1/crm/contacts/{}/timeline", id(&ada))).await;
    assert_eq!(timeline["items"][0]["kind"], "import");
    // The formula arrives as text and leaves neutralised.
    let csv = app.get("/api/v1/crm/contacts/export?q=formula").await.text().await.unwrap();
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "{csv}");

    // Again, skipping duplicates: nothing new.
    let res = post_upload(&app, "/api/v1/crm/contacts/import", upload(MESSY, &[("mapping", &mapping.to_string())])).await;
    let job = finished_job(&app, res.json::<Value>().await.unwrap()["job_id"].as_str().unwrap()).await;
    assert_eq!((job["result"]["created"].as_u64(), job["result"]["skipped"].as_u64()), (Some(0), Some(7)));
    assert_eq!(get_json(&app, "/api/v1/crm/contacts").await["total"], 6);

    // Another workspace cannot see the job.
    let intruder = person(&app, "intruder@example.com").await;
    send(&app, &intruder.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Intruder"}))).await;
    assert_eq!(send(&app, &intruder.client, Method::GET, &format!("/api/v1/jobs/{job_id}"), None).await.status(), 404);
}

#[sqlx::test]
async fn an_import_of_people_who_agreed_to_email_subscribes_them_but_never_overrides_an_unsubscribe(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    for (email, consent) in [("gone@example.com", "unsubscribed"), ("new@example.com", "none")] {
        let res = app.post_json("/api/v1/crm/contacts", &json!({"email": email, "consent_status": consent})).await;
        assert_eq!(res.status(), 201);
    }
    let csv = b"email,first name\ngone@example.com,Gone\nnew@example.com,New\nfresh@example.com,Fresh\n";
    let res = post_upload(&app, "/api/v1/crm/contacts/import", upload(csv, &[("on_duplicate", "update"), ("consent", "subscribed")])).await;
    assert_eq!(res.status(), 202);
    let job = finished_job(&app, res.json::<Value>().await.unwrap()["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "done", "{job}");
    let all = get_json(&app, "/api/v1/crm/contacts?limit=10").await;
    let consent = |email: &str| {
        let c = all["items"].as_array().unwrap().iter().find(|c| c["email"] == email).unwrap().clone();
        (c["consent_status"].as_str().unwrap().to_owned(), c["consent_source"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(consent("gone@example.com").0, "unsubscribed", "an unsubscribe stands");
    assert_eq!(consent("new@example.com").0, "subscribed");
    let (status, source) = consent("fresh@example.com");
    assert_eq!(status, "subscribed");
    assert!(source.starts_with("import:"), "{source}");
}

#[sqlx::test]
async fn bad_imports_are_refused_and_nothing_is_half_imported(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    // Not a CSV, no contacts, a bad mapping, a bad duplicate mode, no file.
    for (file, fields, field) in [
        (&b"PK\x03\x04\x00\x00\x00binary"[..], vec![], "file"),
        (&b"email\n"[..], vec![], "file"),
        (&b"email,name\na@b.co,A\n"[..], vec![("mapping", r#"{"email": "nonsense"}"#)], "mapping"),
        (&b"email,name\na@b.co,A\n"[..], vec![("mapping", r#"{"name": "city"}"#)], "mapping"),
        (&b"email,name\na@b.co,A\n"[..], vec![("mapping", "not json")], "mapping"),
        (&b"email,name\na@b.co,A\n"[..], vec![("on_duplicate", "merge")], "on_duplicate"),
        (&b"email,name\na@b.co,A\n"[..], vec![("consent", "yes")], "consent"),
    ] {
        let body = problem(post_upload(&app, "/api/v1/crm/contacts/import", upload(file, &fields)).await, 422).await;
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    let no_file = reqwest::multipart::Form::new().text("tags", "x");
    problem(post_upload(&app, "/api/v1/crm/contacts/import", no_file).await, 422).await;
    // 25 MB: refused before it is read.
    let huge = vec![b'a'; 25 * 1024 * 1024];
    let res = post_upload(&app, "/api/v1/crm/contacts/import", upload(&huge, &[])).await;
    assert_eq!(res.status(), 413);

    // Over the plan's contact limit: the whole import is refused, not the first rows.
    sqlx::query("update plan_limits set max_value = 3 where plan_code = 'free' and resource = 'contacts'").execute(&app.pool).await.unwrap();
    let res = post_upload(&app, "/api/v1/crm/contacts/import", upload(MESSY, &[])).await;
    let job = finished_job(&app, res.json::<Value>().await.unwrap()["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "dead");
    assert!(job["errors"][0]["message"].as_str().unwrap().contains("plan"), "{job}");
    assert_eq!(get_json(&app, "/api/v1/crm/contacts").await["total"], 0);
    assert_eq!(get_json(&app, "/api/v1/crm/companies").await["total"], 0, "no company is left behind either");

    // A viewer cannot import.
    crate::helpers::set_plan(&app, &ws, "pro").await;
    let viewer = join(&app, &ws, "viewer@example.com", "viewer").await;
    let res = viewer.client.post(app.url("/api/v1/crm/contacts/import")).header("origin", app.origin()).header("x-workspace-id", &ws).multipart(upload(MESSY, &[])).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

// ---- pipelines and deals

async fn sales_pipeline(app: &TestApp) -> Value {
    let res = app.post_json("/api/v1/crm/pipelines", &json!({"name": "Sales", "stages": [
        {"name": "Lead", "probability": 10}, {"name": "Proposal", "probability": 50}, {"name": "Negotiation", "probability": 80}]})).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

async fn deal(app: &TestApp, body: Value) -> Value {
    let res = app.post_json("/api/v1/crm/deals", &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

#[sqlx::test]
async fn deals_move_on_the_board_and_are_won_or_lost_with_a_reason(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let pipe = sales_pipeline(&app).await;
    let stages: Vec<String> = pipe["stages"].as_array().unwrap().iter().map(id).collect();
    let ada = create(&app, json!({"first_name": "Ada", "email": "ada@example.com"})).await;

    let a = deal(&app, json!({"title": "Website", "value_minor": 500000, "currency": "eur", "pipeline_id": id(&pipe), "contact_id": id(&ada)})).await;
    assert_eq!((a["stage_id"].as_str(), a["currency"].as_str(), a["status"].as_str(), a["contact_name"].as_str()), (Some(stages[0].as_str()), Some("EUR"), Some("open"), Some("Ada")));
    let b = deal(&app, json!({"title": "Retainer", "value_minor": 120000, "currency": "EUR", "pipeline_id": id(&pipe)})).await;
    let c = deal(&app, json!({"title": "Audit", "value_minor": 90000, "currency": "USD", "pipeline_id": id(&pipe), "stage_id": stages[1]})).await;

    // Bad input: every error at once.
    let body = problem(app.post_json("/api/v1/crm/deals", &json!({"title": "", "value_minor": -1, "currency": "euro", "pipeline_id": id(&pipe), "stage_id": id(&ada), "expected_close": "soon"})).await, 422).await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["title", "value_minor", "currency", "stage_id", "expected_close"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }

    // Drag "Retainer" above "Website", then "Website" into Proposal at the top.
    let res = app.post_json(&format!("/api/v1/crm/deals/{}/move", id(&b)), &json!({"stage_id": stages[0], "position": 0})).await;
    assert_eq!(res.status(), 200);
    app.post_json(&format!("/api/v1/crm/deals/{}/move", id(&a)), &json!({"stage_id": stages[1], "position": 0})).await;
    let board = get_json(&app, &format!("/api/v1/crm/pipelines/{}/board", id(&pipe))).await;
    let titles = |col: usize| -> Vec<String> { board["columns"][col]["deals"].as_array().unwrap().iter().map(|d| d["title"].as_str().unwrap().to_owned()).collect() };
    assert_eq!((titles(0), titles(1), titles(2)), (vec!["Retainer".to_owned()], vec!["Website".to_owned(), "Audit".to_owned()], vec![]));
    assert_eq!(board["columns"][1]["totals"], json!({"EUR": 500000, "USD": 90000}));
    let positions: Vec<i64> = board["columns"][1]["deals"].as_array().unwrap().iter().map(|d| d["position"].as_i64().unwrap()).collect();
    assert_eq!(positions, [0, 1]);
    problem(app.post_json(&format!("/api/v1/crm/deals/{}/move", id(&a)), &json!({"stage_id": id(&ada), "position": 0})).await, 422).await;

    // Lost needs a reason; won and lost leave the board and land on the contact's timeline.
    let path = format!("/api/v1/crm/deals/{}", id(&a));
    problem(app.send_json(Method::PATCH, &path, &json!({"status": "lost"})).await, 422).await;
    let lost: Value = app.send_json(Method::PATCH, &path, &json!({"status": "lost", "lost_reason": "Went with an agency"})).await.json().await.unwrap();
    assert_eq!((lost["status"].as_str(), lost["lost_reason"].as_str(), lost["closed_at"].is_string()), (Some("lost"), Some("Went with an agency"), true));
    let reopened: Value = app.send_json(Method::PATCH, &path, &json!({"status": "open"})).await.json().await.unwrap();
    assert!(reopened["lost_reason"].is_null() && reopened["closed_at"].is_null());
    // A reopened deal comes back at the bottom of its stage.
    let board = get_json(&app, &format!("/api/v1/crm/pipelines/{}/board", id(&pipe))).await;
    let column: Vec<&str> = board["columns"][1]["deals"].as_array().unwrap().iter().map(|d| d["title"].as_str().unwrap()).collect();
    assert_eq!(column, ["Audit", "Website"]);
    app.send_json(Method::PATCH, &path, &json!({"status": "won"})).await;
    assert_eq!(get_json(&app, "/api/v1/crm/deals?status=won").await.as_array().unwrap().len(), 1);
    assert_eq!(get_json(&app, &format!("/api/v1/crm/pipelines/{}/board", id(&pipe))).await["columns"][1]["deals"].as_array().unwrap().len(), 1);
    let timeline = get_json(&app, &format!("/api/v1/crm/contacts/{}/timeline", id(&ada))).await;
    let kinds: Vec<&str> = timeline["items"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["deal_won", "deal_reopened", "deal_lost", "deal_created", "created"]);

    // Stages: renaming keeps deals; removing a stage with deals is refused; pipelines delete with their deals.
    let p = format!("/api/v1/crm/pipelines/{}", id(&pipe));
    let res = app.send_json(Method::PATCH, &p, &json!({"stages": [{"id": stages[0], "name": "New lead"}, {"id": stages[1], "name": "Proposal"}]})).await;
    assert_eq!(res.status(), 200, "the empty Negotiation stage can go");
    problem(app.send_json(Method::PATCH, &p, &json!({"stages": [{"id": stages[1], "name": "Proposal"}]})).await, 422).await;
    problem(app.send_json(Method::PATCH, &p, &json!({"stages": []})).await, 422).await;
    problem(app.post_json("/api/v1/crm/pipelines", &json!({"name": "Sales", "stages": [{"name": "x"}]})).await, 422).await;
    assert_eq!(get_json(&app, &p).await["stages"][0]["name"], "New lead");
    assert_eq!(app.delete(&format!("/api/v1/crm/deals/{}", id(&c))).await.status(), 204);
    assert_eq!(app.delete(&p).await.status(), 204);
    assert_eq!(get_json(&app, "/api/v1/crm/deals").await.as_array().unwrap().len(), 0);
}

#[sqlx::test]
async fn deals_and_pipelines_are_private_to_their_workspace(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner(&app).await;
    let pipe = sales_pipeline(&app).await;
    let stage = pipe["stages"][0]["id"].as_str().unwrap().to_owned();
    let ada = create(&app, json!({"first_name": "Ada", "email": "ada@example.com"})).await;
    let d = deal(&app, json!({"title": "Website", "value_minor": 1000, "currency": "USD", "pipeline_id": id(&pipe), "contact_id": id(&ada)})).await;
    let intruder = person(&app, "intruder@example.com").await;
    send(&app, &intruder.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Intruder"}))).await;
    let p = format!("/api/v1/crm/pipelines/{}", id(&pipe));
    let dp = format!("/api/v1/crm/deals/{}", id(&d));
    for (method, path, body) in [
        (Method::GET, p.clone(), None),
        (Method::GET, format!("{p}/board"), None),
        (Method::PATCH, p.clone(), Some(json!({"name": "Mine"}))),
        (Method::DELETE, p.clone(), None),
        (Method::GET, dp.clone(), None),
        (Method::PATCH, dp.clone(), Some(json!({"title": "Mine"}))),
        (Method::POST, format!("{dp}/move"), Some(json!({"stage_id": stage, "position": 0}))),
        (Method::DELETE, dp.clone(), None),
    ] {
        assert_eq!(send(&app, &intruder.client, method.clone(), &path, body).await.status(), 404, "{method} {path}");
    }
    // Their deal cannot go into my pipeline or point at my contact.
    let res = send(&app, &intruder.client, Method::POST, "/api/v1/crm/deals", Some(json!({"title": "x", "currency": "USD", "pipeline_id": id(&pipe)}))).await;
    assert_eq!(res.status(), 422);
    let theirs: Value = send(&app, &intruder.client, Method::POST, "/api/v1/crm/pipelines", Some(json!({"name": "Sales", "stages": [{"name": "A"}]}))).await.json().await.unwrap();
    let res = send(&app, &intruder.client, Method::POST, "/api/v1/crm/deals", Some(json!({"title": "x", "currency": "USD", "pipeline_id": id(&theirs), "contact_id": id(&ada)}))).await;
    assert_eq!(res.status(), 422);
    let listed: Value = send(&app, &intruder.client, Method::GET, "/api/v1/crm/deals", None).await.json().await.unwrap();
    assert_eq!(listed, json!([]));
    assert_eq!(get_json(&app, &dp).await["title"], "Website");

    // A viewer reads the board but cannot move or change deals.
    crate::helpers::set_plan(&app, &ws, "pro").await;
    let viewer = join(&app, &ws, "viewer@example.com", "viewer").await;
    let h = |req: reqwest::RequestBuilder| req.header("x-workspace-id", &ws).header("origin", app.origin());
    assert_eq!(h(viewer.client.get(app.url(&format!("{p}/board")))).send().await.unwrap().status(), 200);
    assert_eq!(h(viewer.client.post(app.url(&format!("{dp}/move")))).json(&json!({"stage_id": stage, "position": 0})).send().await.unwrap().status(), 403);
    assert_eq!(h(viewer.client.patch(app.url(&dp))).json(&json!({"status": "won"})).send().await.unwrap().status(), 403);
    assert_eq!(h(viewer.client.post(app.url("/api/v1/crm/pipelines"))).json(&json!({"name": "V", "stages": [{"name": "A"}]})).send().await.unwrap().status(), 403);
}

#[sqlx::test]
async fn contacts_with_the_same_tags_can_be_created_at_the_same_time(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    create(&app, json!({"first_name": "First", "email": "first@example.com", "tags": ["vip"]})).await;
    // Existing and new tags, in both orders and cases: writers used to deadlock on them.
    let requests = (0..12).map(|i| {
        let tags = if i % 2 == 0 { json!(["vip", "Spring", "fair"]) } else { json!(["FAIR", "spring", "VIP"]) };
        let body = json!({"first_name": format!("P{i}"), "email": format!("p{i}@example.com"), "tags": tags});
        let app = &app;
        async move { app.post_json("/api/v1/crm/contacts", &body).await }
    });
    for res in futures::future::join_all(requests).await {
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
    let tags = get_json(&app, "/api/v1/crm/tags").await;
    assert_eq!(tags.as_array().unwrap().len(), 3, "one tag per name whatever the case: {tags}");
    let vip = get_json(&app, "/api/v1/crm/contacts?tag=vip&limit=50").await;
    assert_eq!(vip["total"], 13);
}

/// List totals are cached until the workspace's contacts change: every kind of change that
/// moves a contact in or out of a list shows in the next total, read right after it.
#[sqlx::test]
async fn list_totals_follow_every_change_that_moves_contacts_in_or_out(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    owner(&app).await;
    let total = |query: &'static str| {
        let app = &app;
        async move { get_json(app, &format!("/api/v1/crm/contacts?limit=1{query}")).await["total"].as_u64().unwrap() }
    };
    let acme: Value = app.post_json("/api/v1/crm/companies", &json!({"name": "Acme Widgets"})).await.json().await.unwrap();
    let a = create(&app, json!({"email": "a@example.com", "first_name": "Ann", "tags": ["vip"], "company_id": id(&acme)})).await;
    let b = create(&app, json!({"email": "b@example.com", "first_name": "Bo"})).await;
    assert_eq!((total("").await, total("&tag=vip").await, total("&q=acme").await), (2, 1, 1));

    create(&app, json!({"email": "c@example.com", "first_name": "Cy"})).await;
    assert_eq!(total("").await, 3, "a new contact");
    app.post_json("/api/v1/crm/contacts/bulk", &json!({"action": "tag", "ids": [id(&b)], "tag": "vip"})).await;
    assert_eq!(total("&tag=vip").await, 2, "tagged in bulk");
    let tags = get_json(&app, "/api/v1/crm/tags").await;
    let vip = tags.as_array().unwrap().iter().find(|t| t["name"] == "vip").unwrap().clone();
    app.send_json(Method::PATCH, &format!("/api/v1/crm/tags/{}", id(&vip)), &json!({"name": "gold"})).await;
    assert_eq!((total("&tag=vip").await, total("&tag=gold").await), (0, 2), "a renamed tag");
    app.send_json(Method::PATCH, &format!("/api/v1/crm/contacts/{}", id(&b)), &json!({"tags": []})).await;
    assert_eq!(total("&tag=gold").await, 1, "a tag taken off");
    app.send_json(Method::PATCH, &format!("/api/v1/crm/companies/{}", id(&acme)), &json!({"name": "Zenith"})).await;
    assert_eq!((total("&q=acme").await, total("&q=zenith").await), (0, 1), "a renamed company");
    assert_eq!(app.delete(&format!("/api/v1/crm/contacts/{}", id(&a))).await.status(), 200);
    assert_eq!((total("").await, total("&q=zenith").await, total("&deleted=true").await), (2, 0, 1), "a deleted contact");
}
