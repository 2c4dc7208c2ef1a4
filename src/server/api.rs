//! The REST surface: `/api/v1/…` routes collected with their OpenAPI descriptions, the
//! document at `/api/v1/openapi.json` and offline-capable browsable docs at `/api/docs`.
use axum::{Router, http::header, response::Html, routing::get};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{error::AppError, health, state::AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mewayz API",
        description = "REST API of Mewayz. Errors are RFC 9457 `application/problem+json` with a \
                       `code`, a human `detail`, the `request_id` and, for validation errors, \
                       per-field `errors`.",
        license(name = "AGPL-3.0-only"),
    ),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Accounts, sign-in with MFA, sessions, API keys and the security log"),
        (name = "workspaces", description = "Workspaces (the tenant), members and roles, invitations and join links, plans and the activity log. \
                                             Module endpoints act in the workspace named by the `X-Workspace-Id` header (id or slug), \
                                             else the API key's own, else the one the user last opened."),
        (name = "bio", description = "Link in bio: pages of blocks (drafts, publish, unpublish, soft delete with restore), images, QR codes, \
                                      cookie-free stats with CSV export, and email sign-ups. Public: `GET /@{handle}` (the published page), \
                                      `GET /l/{block_id}` (a counted link click, 302) and `POST /@{handle}/subscribe` (the sign-up form)."),
        (name = "crm", description = "Contacts with custom fields, tags, consent and a timeline every module writes to; companies; saved \
                                      segments (filter rules evaluated in SQL); bulk actions, soft delete with 30-day restore, CSV export. \
                                      Lists take `q`, `tag`, `segment_id`, `filter` (JSON rules), `sort`, `limit` and `cursor` and answer \
                                      `{items, total, next_cursor}`."),
        (name = "mail", description = "Email marketing: sender identities (own SMTP or the platform's, with a test send), block templates \
                                       (heading, text, image, button, divider, columns; merge tags like `{{first_name|there}}`), campaigns to CRM \
                                       tags or a segment (subscribed contacts only), sent now or scheduled through the job queue, and their report. \
                                       Public: `GET/POST /u/{token}` (preferences, one-click unsubscribe), `GET /o/{token}` (open pixel), \
                                       `GET /c/{token}` (tracked link, 302), `GET/POST /confirm/{token}` (double opt-in confirmation of a form \
                                       sign-up, when `PUT /mail/settings` turned it on)."),
        (name = "jobs", description = "Background work the caller started (imports…): poll `GET /api/v1/jobs/{id}` for `{status, progress, errors}`."),
        (name = "admin", description = "Platform administration: every account and workspace, with search and pagination, and plan changes. \
                                        Platform admins only (`mewayz admin grant <email>`); anyone else gets 404, API keys 403."),
    ),
    modifiers(&BearerAuth),
    security((), ("bearer" = [])),
)]
struct ApiDoc;

/// Callers authenticate with the session cookies (browsers) or `Authorization: Bearer` with an
/// access token from `/auth/login` or a personal API key (`mwz_…`).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi.components.get_or_insert_with(Default::default).add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("access JWT or personal API key (mwz_…)")
                    .build(),
            ),
        );
    }
}

/// `/api/v1` routes. Each business module merges its own `OpenApiRouter` here.
fn v1() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(crate::modules::auth::rest::router())
        .merge(crate::modules::workspaces::rest::router())
        .merge(crate::modules::admin::rest::router())
        .merge(crate::modules::bio::rest::router())
        .merge(crate::modules::crm::rest::router())
        .merge(crate::modules::mail::rest::router())
        .routes(routes!(super::jobs::get_job))
}

/// Every documented route, before it is split into the router and the document.
fn collect() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .nest("/api/v1", v1())
}

/// The documented routes, the document itself and the docs page.
pub fn router() -> Router<AppState> {
    let (router, doc) = collect().split_for_parts();
    let doc_json = doc.to_json().expect("the OpenAPI document serialises");
    router
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc_json = doc_json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], doc_json) }
            }),
        )
        .route("/api/docs", get(|| async { Html(include_str!("api_docs.html")) }))
}

/// Unknown API paths answer problem+json, not the HTML 404 page.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// The OpenAPI document without a server, for tests and tooling.
pub fn openapi() -> utoipa::openapi::OpenApi {
    collect().into_openapi()
}
