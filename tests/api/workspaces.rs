//! Workspaces: the tenant rule, roles and permissions, invitations and join links,
//! ownership, soft delete and restore, plans, and API keys bound to a workspace.
use reqwest::{Client, Method};
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::helpers::{TestApp, eventually, join, person, problem, send, set_plan};

async fn owner_with_workspace(app: &TestApp, name: &str) -> String {
    app.sign_up_ok("owner@example.com").await;
    app.create_workspace(name).await["id"].as_str().unwrap().to_owned()
}

#[sqlx::test]
async fn a_workspace_is_created_with_defaults_a_unique_slug_and_its_owner(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    app.sign_up_ok("owner@example.com").await;
    problem(app.get("/api/v1/workspaces/current").await, 404).await;

    let first = app.create_workspace("Café Olé Studio").await;
    let second = app.create_workspace("Café Olé Studio").await;

    assert_eq!(first["slug"], "cafe-ole-studio");
    assert_eq!(second["slug"], "cafe-ole-studio-2");
    assert_eq!((first["role"].as_str(), first["plan"].as_str(), first["currency"].as_str()), (Some("owner"), Some("free"), Some("USD")));
    assert_eq!(first["setup_completed"], false);
    assert!(first["permissions"].as_array().unwrap().iter().any(|p| p == "workspace.delete"));
    let listed: Value = app.get("/api/v1/workspaces").await.json().await.unwrap();
    assert_eq!(listed["total"], 2);
    let current: Value = app.get("/api/v1/workspaces/current").await.json().await.unwrap();
    assert_eq!(current["id"], second["id"], "the newest is the current one");
    let by_slug: Value = app.get("/api/v1/workspaces/cafe-ole-studio").await.json().await.unwrap();
    assert_eq!(by_slug["id"], first["id"]);
}

#[sqlx::test]
async fn bad_workspace_input_is_refused_field_by_field(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner_with_workspace(&app, "Acme").await;

    let body = json!({"name": " ", "slug": "Admin", "brand_color": "red", "currency": "XYZ", "time_zone": "Mars/Base", "language": "xx", "goals": []});
    let err = problem(app.post_json("/api/v1/workspaces", &body).await, 422).await;
    let fields: Vec<&str> = err["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "slug", "brand_color", "currency", "time_zone", "language", "goals"]);

    let err = problem(app.post_json("/api/v1/workspaces", &json!({"name": "Other", "slug": "acme"})).await, 422).await;
    assert!(err["errors"][0]["message"].as_str().unwrap().contains("taken"));
    let err = problem(app.send_json(Method::PATCH, &format!("/api/v1/workspaces/{ws}"), &json!({"goals": ["crypto"]})).await, 422).await;
    assert_eq!(err["errors"][0]["field"], "goals");
    problem(app.post_json("/api/v1/workspaces", &json!({"nme": "typo"})).await, 400).await;

    let patched: Value = app
        .send_json(Method::PATCH, &format!("/api/v1/workspaces/{ws}"), &json!({"name": "Acme Co", "goals": ["crm", "bio"], "setup_completed": true, "currency": "eur"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((patched["name"].as_str(), patched["currency"].as_str()), (Some("Acme Co"), Some("EUR")));
    assert_eq!(patched["goals"], json!(["bio", "crm"]));
    assert_eq!(patched["setup_completed"], true);
}

/// The permission table: each role × each action in its own workspace, and every action in
/// another workspace (always 404). "Allowed" probes that would destroy something send input
/// the service then refuses (422), proving the permission check passed.
#[sqlx::test]
async fn each_role_can_do_exactly_what_the_permission_table_grants(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner_with_workspace(&app, "Acme").await;
    set_plan(&app, &ws, "business").await;
    let admin = join(&app, &ws, "admin@example.com", "admin").await;
    let editor = join(&app, &ws, "editor@example.com", "editor").await;
    let viewer = join(&app, &ws, "viewer@example.com", "viewer").await;
    let target = join(&app, &ws, "target@example.com", "viewer").await;
    let other = person(&app, "stranger@example.com").await;
    let other_ws: Value = send(&app, &other.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Elsewhere"}))).await.json().await.unwrap();
    let other_ws = other_ws["id"].as_str().unwrap().to_owned();
    let owner_id: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    let owner_id = owner_id["user"]["id"].as_str().unwrap().to_owned();

    // (action, method, path under /api/v1/workspaces/{ws}, body, status when allowed, lowest role allowed)
    let t = &target.id;
    let nil = uuid::Uuid::nil();
    let actions: Vec<(&str, Method, String, Option<Value>, u16, u8)> = vec![
        ("read workspace", Method::GET, String::new(), None, 200, 0),
        ("list members", Method::GET, "/members".into(), None, 200, 0),
        ("list roles", Method::GET, "/roles".into(), None, 200, 0),
        ("change settings", Method::PATCH, String::new(), Some(json!({"brand_color": "#112233"})), 200, 2),
        ("list invitations", Method::GET, "/invitations".into(), None, 200, 2),
        ("invite", Method::POST, "/invitations".into(), Some(json!({"role": "viewer"})), 201, 2),
        ("change a role", Method::PATCH, format!("/members/{t}"), Some(json!({"role": "viewer"})), 200, 2),
        ("create a role", Method::POST, "/roles".into(), Some(json!({"name": "", "permissions": []})), 422, 2),
        ("read activity", Method::GET, "/activity".into(), None, 200, 2),
        ("delete workspace", Method::DELETE, String::new(), Some(json!({"confirm_name": "wrong"})), 422, 3),
        ("transfer", Method::POST, "/transfer".into(), Some(json!({"user_id": owner_id})), 422, 3),
        ("upload a logo", Method::PUT, "/logo".into(), None, 422, 2),
        ("remove the logo", Method::DELETE, "/logo".into(), None, 200, 2),
        // Ids that match nothing: past the permission check the service answers 404.
        ("remove a member", Method::DELETE, format!("/members/{nil}"), None, 404, 2),
        ("resend an invitation", Method::POST, format!("/invitations/{nil}/resend"), None, 404, 2),
        ("revoke an invitation", Method::DELETE, format!("/invitations/{nil}"), None, 404, 2),
        ("change a custom role", Method::PATCH, format!("/roles/{nil}"), Some(json!({})), 404, 2),
        ("delete a custom role", Method::DELETE, format!("/roles/{nil}"), None, 404, 2),
    ];
    let roles: [(&str, &Client, u8); 4] = [("owner", &app.client, 3), ("admin", &admin.client, 2), ("editor", &editor.client, 1), ("viewer", &viewer.client, 0)];

    for (role, client, level) in roles {
        for (action, method, path, body, allowed, min) in &actions {
            let res = send(&app, client, method.clone(), &format!("/api/v1/workspaces/{ws}{path}"), body.clone()).await;
            let expected = if level >= *min { *allowed } else { 403 };
            assert_eq!(res.status().as_u16(), expected, "{role} may {}{action}", if level >= *min { "" } else { "not " });

            let res = send(&app, client, method.clone(), &format!("/api/v1/workspaces/{other_ws}{path}"), body.clone()).await;
            problem(res, 404).await;
        }
    }
    let still: Value = send(&app, &other.client, Method::GET, &format!("/api/v1/workspaces/{other_ws}"), None).await.json().await.unwrap();
    assert_eq!(still["brand_color"], "#6366f1", "the other workspace is unchanged");
}

#[sqlx::test]
async fn ids_in_bodies_are_ignored_and_other_workspaces_are_unreachable(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let mine = owner_with_workspace(&app, "Mine").await;
    let bob = person(&app, "bob@example.com").await;
    let theirs: Value = send(&app, &bob.client, Method::POST, "/api/v1/workspaces", Some(json!({"name": "Theirs"}))).await.json().await.unwrap();
    let theirs = theirs["id"].as_str().unwrap().to_owned();
    let their_inv: Value = send(&app, &bob.client, Method::POST, &format!("/api/v1/workspaces/{theirs}/invitations"), Some(json!({"role": "viewer"})))
        .await
        .json()
        .await
        .unwrap();
    let their_inv = their_inv["invitation"]["id"].as_str().unwrap().to_owned();

    let res = app
        .post_json(&format!("/api/v1/workspaces/{mine}/invitations"), &json!({"role": "viewer", "workspace_id": theirs}))
        .await;
    assert_eq!(res.status(), 201);
    let own: Value = app.get(&format!("/api/v1/workspaces/{mine}/invitations")).await.json().await.unwrap();
    assert_eq!(own["total"], 1, "the invitation landed in the caller's workspace");

    let b = &bob.id;
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/workspaces/{theirs}"), None),
        (Method::GET, "/api/v1/workspaces/theirs".to_owned(), None),
        (Method::PATCH, format!("/api/v1/workspaces/{theirs}"), Some(json!({"name": "Pwned"}))),
        (Method::DELETE, format!("/api/v1/workspaces/{theirs}"), Some(json!({"confirm_name": "Theirs"}))),
        (Method::PUT, format!("/api/v1/workspaces/{theirs}/logo"), None),
        (Method::DELETE, format!("/api/v1/workspaces/{theirs}/logo"), None),
        (Method::POST, format!("/api/v1/workspaces/{theirs}/restore"), None),
        (Method::POST, format!("/api/v1/workspaces/{theirs}/transfer"), Some(json!({"user_id": b}))),
        (Method::POST, format!("/api/v1/workspaces/{theirs}/leave"), None),
        (Method::GET, format!("/api/v1/workspaces/{theirs}/members"), None),
        (Method::PATCH, format!("/api/v1/workspaces/{theirs}/members/{b}"), Some(json!({"role": "viewer"}))),
        (Method::DELETE, format!("/api/v1/workspaces/{theirs}/members/{b}"), None),
        (Method::GET, format!("/api/v1/workspaces/{theirs}/invitations"), None),
        (Method::POST, format!("/api/v1/workspaces/{theirs}/invitations"), Some(json!({"role": "admin"}))),
        (Method::DELETE, format!("/api/v1/workspaces/{theirs}/invitations/{their_inv}"), None),
        (Method::POST, format!("/api/v1/workspaces/{theirs}/invitations/{their_inv}/resend"), None),
        (Method::DELETE, format!("/api/v1/workspaces/{mine}/invitations/{their_inv}"), None),
        (Method::GET, format!("/api/v1/workspaces/{theirs}/roles"), None),
        (Method::POST, format!("/api/v1/workspaces/{theirs}/roles"), Some(json!({"name": "x", "permissions": ["crm.read"]}))),
        (Method::GET, format!("/api/v1/workspaces/{theirs}/activity"), None),
    ] {
        let res = send(&app, &app.client, method.clone(), &path, body).await;
        problem(res, 404).await;
    }
    let res = app.client.get(app.url("/api/v1/workspaces/current")).header("x-workspace-id", &theirs).send().await.unwrap();
    problem(res, 404).await;

    let after: Value = send(&app, &bob.client, Method::GET, &format!("/api/v1/workspaces/{theirs}"), None).await.json().await.unwrap();
    assert_eq!((after["name"].as_str(), after["deleted_at"].is_null()), (Some("Theirs"), true));
    let invs: Value = send(&app, &bob.client, Method::GET, &format!("/api/v1/workspaces/{theirs}/invitations"), None).await.json().await.unwrap();
    assert_eq!(invs["items"][0]["status"], "pending", "their invitation was not revoked");
}

#[sqlx::test]
async fn emailed_invitations_are_single_use_match_the_address_and_expire(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner_with_workspace(&app, "Acme").await;
    set_plan(&app, &ws, "pro").await;
    let invited = person(&app, "carol@example.com").await;
    let intruder = person(&app, "mallory@example.com").await;

    let created: Value = app.post_json(&format!("/api/v1/workspaces/{ws}/invitations"), &json!({"email": "Carol@Example.com ", "role": "editor"})).await.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert_eq!(created["invitation"]["email"], "carol@example.com");
    assert!(created["url"].as_str().unwrap().ends_with(&format!("/invite/{token}")));
    let mail = app.outbox("carol@example.com").await;
    assert_eq!(mail.last().unwrap().0, "workspace_invitation");
    assert!(mail.last().unwrap().2.contains(&format!("/invite/{token}")) && mail.last().unwrap().2.contains("as Editor"));
    let dup = problem(app.post_json(&format!("/api/v1/workspaces/{ws}/invitations"), &json!({"email": "carol@example.com", "role": "viewer"})).await, 409).await;
    assert!(dup["detail"].as_str().unwrap().contains("pending invitation"));
    let preview: Value = app.new_client().get(app.url(&format!("/api/v1/invitations/{token}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!((preview["workspace_name"].as_str(), preview["role_name"].as_str()), (Some("Acme"), Some("Editor")));

    let wrong = send(&app, &intruder.client, Method::POST, &format!("/api/v1/invitations/{token}/accept"), None).await;
    let wrong = problem(wrong, 409).await;
    assert!(wrong["detail"].as_str().unwrap().contains("carol@example.com"));
    let anonymous = app.new_client().post(app.url(&format!("/api/v1/invitations/{token}/accept"))).header("origin", app.origin()).send().await.unwrap();
    problem(anonymous, 401).await;

    let ok = send(&app, &invited.client, Method::POST, &format!("/api/v1/invitations/{token}/accept"), None).await;
    assert_eq!(ok.status(), 200);
    let joined: Value = ok.json().await.unwrap();
    assert_eq!((joined["workspace"]["role"].as_str(), joined["workspace"]["id"].as_str()), (Some("editor"), Some(ws.as_str())));
    let again = send(&app, &invited.client, Method::POST, &format!("/api/v1/invitations/{token}/accept"), None).await;
    problem(again, 410).await;
    let member = problem(app.post_json(&format!("/api/v1/workspaces/{ws}/invitations"), &json!({"email": "carol@example.com", "role": "viewer"})).await, 409).await;
    assert!(member["detail"].as_str().unwrap().contains("already a member"));

    // Expiry, resend (new link, old one dead) and revoke.
    let created: Value = app.post_json(&format!("/api/v1/workspaces/{ws}/invitations"), &json!({"email": "mallory@example.com", "role": "viewer"})).await.json().await.unwrap();
    let (old, inv) = (created["token"].as_str().unwrap().to_owned(), created["invitation"]["id"].as_str().unwrap().to_owned());
    sqlx::query("update workspace_invitations set expires_at = ? where kind = 'email' and accepted_at is null")
        .bind(chrono::Utc::now() - chrono::Duration::minutes(1))
        .execute(&app.pool)
        .await
        .unwrap();
    let expired = problem(send(&app, &intruder.client, Method::POST, &format!("/api/v1/invitations/{old}/accept"), None).await, 410).await;
    assert!(expired["detail"].as_str().unwrap().contains("expired"));
    let resent: Value = app.post_empty(&format!("/api/v1/workspaces/{ws}/invitations/{inv}/resend")).await.json().await.unwrap();
    let fresh = resent["token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, old);
    assert_eq!(resent["invitation"]["status"], "pending");
    problem(send(&app, &intruder.client, Method::POST, &format!("/api/v1/invitations/{old}/accept"), None).await, 404).await;
    assert_eq!(app.delete(&format!("/api/v1/workspaces/{ws}/invitations/{inv}")).await.status(), 204);
    let revoked = problem(send(&app, &intruder.client, Method::POST, &format!("/api/v1/invitations/{fresh}/accept"), None).await, 410).await;
    assert!(revoked["detail"].as_str().unwrap().contains("revoked"));
    problem(app.delete(&format!("/api/v1/workspaces/{ws}/invitations/{inv}")).await, 409).await;
}

#[sqlx::test]
async fn join_links_honour_max_uses_expiry_and_the_plan_limit(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner_with_workspace(&app, "Acme").await;
    let bad = problem(app.post_json(&format!("/api/v1/workspaces/{ws}/invitations"), &json!({"role": "owner", "max_uses": 0, "expires_at": "yesterday"})).await, 422).await;
    let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["expires_at", "max_uses", "role"]);

    let link: Value = app
        .post_json(&format!("/api/v1/workspaces/{ws}/invitations"), &json!({"role": "viewer", "max_uses": 1, "expires_at": "2099-01-01T00:00:00Z"}))
        .await
        .json()
        .await
        .unwrap();
    let token = link["token"].as_str().unwrap();
    let (first, second) = (person(&app, "one@example.com").await, person(&app, "two@example.com").await);

    assert_eq!(send(&app, &first.client, Method::POST, &format!("/api/v1/invitations/{token}/accept"), None).await.status(), 200);
    let used_up = problem(send(&app, &second.client, Method::POST, &format!("/api/v1/invitations/{token}/accept"), None).await, 410).await;
    assert!(used_up["detail"].as_str().unwrap().contains("as many times"));

    // The free plan holds 2 members: the owner and `first`.
    let open: Value = app.post_json(&format!("/api/v1/workspaces/{ws}/invitations"), &json!({"role": "viewer"})).await.json().await.unwrap();
    let full = send(&app, &second.client, Method::POST, &format!("/api/v1/invitations/{}/accept", open["token"].as_str().unwrap()), None).await;
    let full = problem(full, 402).await;
    assert_eq!(full["code"], "plan_limit");
    problem(app.post_json(&format!("/api/v1/workspaces/{ws}/invitations"), &json!({"email": "x@example.com", "role": "viewer"})).await, 402).await;
    let members: Value = app.get(&format!("/api/v1/workspaces/{ws}/members")).await.json().await.unwrap();
    assert_eq!(members["total"], 2);
}

#[sqlx::test]
async fn the_owner_cannot_be_removed_demoted_or_leave_but_can_transfer(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner_with_workspace(&app, "Acme").await;
    let admin = join(&app, &ws, "admin@example.com", "admin").await;
    let owner: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    let owner_id = owner["user"]["id"].as_str().unwrap();

    problem(send(&app, &admin.client, Method::PATCH, &format!("/api/v1/workspaces/{ws}/members/{owner_id}"), Some(json!({"role": "viewer"}))).await, 409).await;
    problem(send(&app, &admin.client, Method::DELETE, &format!("/api/v1/workspaces/{ws}/members/{owner_id}"), None).await, 409).await;
    problem(app.send_json(Method::PATCH, &format!("/api/v1/workspaces/{ws}/members/{owner_id}"), &json!({"role": "admin"})).await, 409).await;
    let made_owner = problem(app.send_json(Method::PATCH, &format!("/api/v1/workspaces/{ws}/members/{}", admin.id), &json!({"role": "owner"})).await, 422).await;
    assert_eq!(made_owner["errors"][0]["field"], "role");
    problem(app.post_empty(&format!("/api/v1/workspaces/{ws}/leave")).await, 409).await;
    problem(send(&app, &admin.client, Method::POST, &format!("/api/v1/workspaces/{ws}/transfer"), Some(json!({"user_id": admin.id}))).await, 403).await;
    let deleting = problem(app.send_json(Method::DELETE, "/api/v1/auth/me", &json!({"password": crate::helpers::GOOD_PASSWORD})).await, 409).await;
    assert!(deleting["detail"].as_str().unwrap().contains("Acme"));

    // Step-up applies once the session's verification is older than 10 minutes.
    app.expire_verification().await;
    problem(app.post_json(&format!("/api/v1/workspaces/{ws}/transfer"), &json!({"user_id": admin.id})).await, 403).await;
    let res = app.post_json(&format!("/api/v1/workspaces/{ws}/transfer"), &json!({"user_id": admin.id, "password": crate::helpers::GOOD_PASSWORD})).await;
    assert_eq!(res.status(), 200);
    let after: Value = res.json().await.unwrap();
    assert_eq!((after["role"].as_str(), after["owner_id"].as_str()), (Some("admin"), Some(admin.id.as_str())));
    assert_eq!(app.post_empty(&format!("/api/v1/workspaces/{ws}/leave")).await.status(), 204);
    problem(app.get(&format!("/api/v1/workspaces/{ws}")).await, 404).await;
    let log: Value = send(&app, &admin.client, Method::GET, &format!("/api/v1/workspaces/{ws}/activity"), None).await.json().await.unwrap();
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["member.left", "ownership.transferred", "member.joined", "member.invited", "workspace.created"]);
    assert!(log["items"][1]["summary"].as_str().unwrap().contains("made Someone Else the owner"));
}

#[sqlx::test]
async fn members_can_be_given_roles_and_removed_but_not_beyond_the_callers_own_rights(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner_with_workspace(&app, "Acme").await;
    set_plan(&app, &ws, "pro").await;
    let admin = join(&app, &ws, "admin@example.com", "admin").await;
    let editor = join(&app, &ws, "editor@example.com", "editor").await;

    let support: Value = app.post_json(&format!("/api/v1/workspaces/{ws}/roles"), &json!({"name": "Support", "permissions": ["crm.read", "crm.write", "members.manage"]})).await.json().await.unwrap();
    let support_id = support["id"].as_str().unwrap();
    let bad = problem(app.post_json(&format!("/api/v1/workspaces/{ws}/roles"), &json!({"name": "Support", "permissions": ["workspace.delete", "nope.read"]})).await, 422).await;
    assert_eq!(bad["errors"][0]["field"], "permissions");
    assert!(bad["errors"][0]["message"].as_str().unwrap().contains("workspace.delete"));
    let taken = problem(app.post_json(&format!("/api/v1/workspaces/{ws}/roles"), &json!({"name": "Support", "permissions": ["crm.read"]})).await, 422).await;
    assert_eq!(taken["errors"][0]["field"], "name");
    let changed: Value = app.send_json(Method::PATCH, &format!("/api/v1/workspaces/{ws}/members/{}", editor.id), &json!({"role": support_id})).await.json().await.unwrap();
    assert_eq!((changed["role"].as_str(), changed["role_name"].as_str()), (Some(support_id), Some("Support")));
    let as_support: Value = send(&app, &editor.client, Method::GET, &format!("/api/v1/workspaces/{ws}"), None).await.json().await.unwrap();
    assert_eq!(as_support["permissions"], json!(["members.manage", "crm.read", "crm.write"]));

    // A custom role with members.manage cannot raise anyone (or itself) above it.
    problem(send(&app, &editor.client, Method::PATCH, &format!("/api/v1/workspaces/{ws}/members/{}", admin.id), Some(json!({"role": "viewer"}))).await, 403).await;
    problem(send(&app, &editor.client, Method::POST, &format!("/api/v1/workspaces/{ws}/invitations"), Some(json!({"role": "admin"}))).await, 403).await;
    problem(send(&app, &editor.client, Method::PATCH, &format!("/api/v1/workspaces/{ws}/members/{}", editor.id), Some(json!({"role": "admin"}))).await, 409).await;
    problem(app.delete(&format!("/api/v1/workspaces/{ws}/roles/{support_id}")).await, 409).await;

    assert_eq!(send(&app, &admin.client, Method::DELETE, &format!("/api/v1/workspaces/{ws}/members/{}", editor.id), None).await.status(), 204);
    problem(send(&app, &editor.client, Method::GET, &format!("/api/v1/workspaces/{ws}"), None).await, 404).await;
    assert_eq!(app.delete(&format!("/api/v1/workspaces/{ws}/roles/{support_id}")).await.status(), 204);
    let log: Value = app.get(&format!("/api/v1/workspaces/{ws}/activity?limit=3")).await.json().await.unwrap();
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["role.deleted", "member.removed", "member.role_changed"]);
    let next = log["next_cursor"].as_str().unwrap();
    let older: Value = app.get(&format!("/api/v1/workspaces/{ws}/activity?limit=3&cursor={next}")).await.json().await.unwrap();
    assert_eq!(older["items"][0]["action"], "role.created");
    problem(app.get(&format!("/api/v1/workspaces/{ws}/activity?cursor=nope")).await, 400).await;
}

#[sqlx::test]
async fn a_deleted_workspace_can_be_restored_by_its_owner_then_is_purged(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner_with_workspace(&app, "Acme").await;
    let viewer = join(&app, &ws, "viewer@example.com", "viewer").await;

    let wrong = problem(app.send_json(Method::DELETE, &format!("/api/v1/workspaces/{ws}"), &json!({"confirm_name": "acme"})).await, 422).await;
    assert_eq!(wrong["errors"][0]["field"], "confirm_name");
    let deleted: Value = app.send_json(Method::DELETE, &format!("/api/v1/workspaces/{ws}"), &json!({"confirm_name": "Acme"})).await.json().await.unwrap();
    assert!(deleted["deleted_at"].is_string() && deleted["purge_after"].is_string());

    problem(send(&app, &viewer.client, Method::GET, &format!("/api/v1/workspaces/{ws}"), None).await, 404).await;
    problem(app.get(&format!("/api/v1/workspaces/{ws}")).await, 404).await;
    let live: Value = app.get("/api/v1/workspaces").await.json().await.unwrap();
    assert_eq!(live["total"], 0);
    let all: Value = app.get("/api/v1/workspaces?include_deleted=true").await.json().await.unwrap();
    assert_eq!(all["items"][0]["id"], ws.as_str());
    problem(send(&app, &viewer.client, Method::POST, &format!("/api/v1/workspaces/{ws}/restore"), None).await, 404).await;

    let restored = app.post_empty(&format!("/api/v1/workspaces/{ws}/restore")).await;
    assert_eq!(restored.status(), 200);
    assert_eq!(send(&app, &viewer.client, Method::GET, &format!("/api/v1/workspaces/{ws}"), None).await.status(), 200);
    problem(app.post_empty(&format!("/api/v1/workspaces/{ws}/restore")).await, 409).await;

    // Deleted again and past its window: the scheduled purge job removes it.
    app.send_json(Method::DELETE, &format!("/api/v1/workspaces/{ws}"), &json!({"confirm_name": "Acme"})).await;
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    sqlx::query("update workspaces set purge_after = ?").bind(past).execute(&app.pool).await.unwrap();
    sqlx::query("update jobs set available_at = ? where kind = 'workspaces.purge'").bind(past).execute(&app.pool).await.unwrap();
    let gone = eventually(|| async {
        let (n,): (i64,) = sqlx::query_as("select count(*) from workspaces").fetch_one(&app.pool).await.unwrap();
        n == 0
    })
    .await;
    assert!(gone, "the purge job removed the workspace");
    let (members,): (i64,) = sqlx::query_as("select count(*) from workspace_members").fetch_one(&app.pool).await.unwrap();
    assert_eq!(members, 0);
}

#[sqlx::test]
async fn api_keys_reach_only_their_workspace_within_their_scopes(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let first = owner_with_workspace(&app, "First").await;
    let second = app.create_workspace("Second").await["id"].as_str().unwrap().to_owned();
    let res = app
        .client
        .post(app.url("/api/v1/auth/api-keys"))
        .header("origin", app.origin())
        .header("x-workspace-id", "first")
        .json(&json!({"name": "Zapier", "scopes": ["workspace:read", "members:read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let key: Value = res.json().await.unwrap();
    assert_eq!(key["key"]["workspace_id"], first.as_str());
    let token = key["token"].as_str().unwrap();
    let call = |method: Method, path: String, header: Option<&str>| {
        let mut req = app.new_client().request(method, app.url(&path)).bearer_auth(token);
        if let Some(h) = header {
            req = req.header("x-workspace-id", h);
        }
        req
    };

    let current: Value = call(Method::GET, "/api/v1/workspaces/current".into(), None).send().await.unwrap().json().await.unwrap();
    assert_eq!(current["id"], first.as_str());
    assert_eq!(current["permissions"], json!(["members.read"]), "the owner's rights narrowed to the key's scopes");
    problem(call(Method::GET, "/api/v1/workspaces/current".into(), Some(&second)).send().await.unwrap(), 404).await;
    problem(call(Method::GET, format!("/api/v1/workspaces/{second}"), None).send().await.unwrap(), 404).await;
    let listed: Value = call(Method::GET, "/api/v1/workspaces".into(), None).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["total"], 1);
    assert_eq!(call(Method::GET, format!("/api/v1/workspaces/{first}/members"), None).send().await.unwrap().status(), 200);
    let write = call(Method::PATCH, format!("/api/v1/workspaces/{first}"), None).json(&json!({"name": "x"})).send().await.unwrap();
    problem(write, 403).await;
    problem(call(Method::POST, "/api/v1/workspaces".into(), None).json(&json!({"name": "x"})).send().await.unwrap(), 403).await;
}

#[sqlx::test]
async fn the_openapi_document_describes_every_workspace_endpoint(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let expect = [
        ("/api/v1/workspaces", &["get", "post"][..]),
        ("/api/v1/workspaces/current", &["get"]),
        ("/api/v1/workspaces/{id}", &["get", "patch", "delete"]),
        ("/api/v1/workspaces/{id}/logo", &["put", "delete"]),
        ("/api/v1/workspaces/{id}/restore", &["post"]),
        ("/api/v1/workspaces/{id}/transfer", &["post"]),
        ("/api/v1/workspaces/{id}/leave", &["post"]),
        ("/api/v1/workspaces/{id}/members", &["get"]),
        ("/api/v1/workspaces/{id}/members/{user_id}", &["patch", "delete"]),
        ("/api/v1/workspaces/{id}/invitations", &["get", "post"]),
        ("/api/v1/workspaces/{id}/invitations/{inv}", &["delete"]),
        ("/api/v1/workspaces/{id}/invitations/{inv}/resend", &["post"]),
        ("/api/v1/invitations/{token}", &["get"]),
        ("/api/v1/invitations/{token}/accept", &["post"]),
        ("/api/v1/workspaces/{id}/roles", &["get", "post"]),
        ("/api/v1/workspaces/{id}/roles/{role_id}", &["patch", "delete"]),
        ("/api/v1/workspaces/{id}/activity", &["get"]),
        ("/api/v1/plans", &["get"]),
    ];
    for (path, methods) in expect {
        for method in methods {
            assert!(doc["paths"][path][method].is_object(), "{method} {path} is documented");
        }
    }
    let mut ids: Vec<&str> = doc["paths"].as_object().unwrap().values().flat_map(|p| p.as_object().unwrap().values()).filter_map(|op| op["operationId"].as_str()).collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids are unique (clients generate method names from them)");
    let invite = &doc["components"]["schemas"]["InviteForm"]["properties"];
    assert!(invite["email"].is_object() && invite["role"].is_object() && invite["expires_at"].is_object() && invite["max_uses"].is_object());
    assert!(doc["components"]["schemas"]["MemberPatch"]["properties"]["role"].is_object());
}

#[sqlx::test]
async fn the_pages_server_functions_resolve_the_workspace_by_membership(pool: MySqlPool) {
    let app = TestApp::spawn(pool).await;
    let ws = owner_with_workspace(&app, "Acme").await;
    let bob = person(&app, "bob@example.com").await;
    // Struct arguments travel as JSON; plain ones URL-encoded, as the pages send them.
    let call = |client: &Client, endpoint: &str, body: Value| {
        client.post(app.url(&format!("/api/workspaces/{endpoint}"))).header("origin", app.origin()).json(&body).send()
    };
    let form = |client: &Client, endpoint: &str, slug: &str| {
        client.post(app.url(&format!("/api/workspaces/{endpoint}"))).header("origin", app.origin()).form(&[("slug", slug)]).send()
    };

    let shell: Value = form(&app.client, "shell", "acme").await.unwrap().json().await.unwrap();
    assert_eq!(shell["workspace"]["id"], ws.as_str());
    assert_eq!(shell["workspaces"].as_array().unwrap().len(), 1);
    let updated = call(&app.client, "update", json!({"slug": "acme", "patch": {"name": "Acme Co"}})).await.unwrap();
    assert_eq!(updated.status(), 200);
    let invalid = call(&app.client, "update", json!({"slug": "acme", "patch": {"brand_color": "red"}})).await.unwrap();
    assert_eq!(invalid.status(), 422);

    // Another user naming this workspace's slug gets nothing and changes nothing.
    assert_eq!(form(&bob.client, "shell", "acme").await.unwrap().status(), 404);
    assert_eq!(call(&bob.client, "update", json!({"slug": "acme", "patch": {"name": "Pwned"}})).await.unwrap().status(), 404);
    assert_eq!(form(&bob.client, "members", "acme").await.unwrap().status(), 404);
    let after: Value = app.get(&format!("/api/v1/workspaces/{ws}")).await.json().await.unwrap();
    assert_eq!(after["name"], "Acme Co");
    let anonymous = form(&app.new_client(), "members", "acme").await.unwrap();
    assert_eq!(anonymous.status(), 401);
}
