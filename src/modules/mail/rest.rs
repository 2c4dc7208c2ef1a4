//! `/api/v1/mail/…`: sender identities (with a test send), block templates (with a preview),
//! campaigns (send now or schedule) and their report, and welcome sequences, over the same
//! service as the pages.
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{sequences, service, types::*};
use crate::server::{
    error::{ApiJson, ApiResult, AppError},
    state::AppState,
    tenant::Tenant,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_identities, create_identity))
        .routes(routes!(get_identity, update_identity, delete_identity))
        .routes(routes!(test_identity))
        .routes(routes!(list_templates, create_template))
        .routes(routes!(get_template, update_template, delete_template))
        .routes(routes!(preview_template))
        .routes(routes!(preview_blocks))
        .routes(routes!(audience_size))
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(get_campaign, update_campaign, delete_campaign))
        .routes(routes!(send_campaign))
        .routes(routes!(campaign_report))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(record_event))
        .routes(routes!(list_sequences, create_sequence))
        .routes(routes!(get_sequence, update_sequence, delete_sequence))
}

/// A malformed id names nothing: 404, like another workspace's.
fn uuid(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

fn created<T: serde::Serialize>(value: T) -> Response {
    (StatusCode::CREATED, ApiJson(value)).into_response()
}

// ---- identities

#[utoipa::path(get, path = "/mail/identities", tag = "mail", responses((status = 200, description = "Sender identities", body = Vec<IdentityView>)))]
pub async fn list_identities(State(state): State<AppState>, t: Tenant) -> ApiResult<Vec<IdentityView>> {
    Ok(ApiJson(service::list_identities(&state, &t).await?))
}

/// Add a sender: `{from_name, from_email, reply_to?, smtp_url?}`. Without `smtp_url` it sends
/// through the platform's SMTP server. The SMTP address is stored encrypted and never returned.
#[utoipa::path(post, path = "/mail/identities", tag = "mail", request_body = IdentityInput,
    responses((status = 201, description = "Created", body = IdentityView), (status = 403, description = "Needs mail.write"), (status = 422, description = "A field is invalid")))]
pub async fn create_identity(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<IdentityInput>) -> Result<Response, AppError> {
    Ok(created(service::save_identity(&state, &t, None, input).await?))
}

#[utoipa::path(get, path = "/mail/identities/{id}", tag = "mail", params(("id" = Uuid, Path, description = "Identity id")),
    responses((status = 200, description = "The identity", body = IdentityView), (status = 404, description = "Not found")))]
pub async fn get_identity(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<IdentityView> {
    Ok(ApiJson(service::get_identity(&state, &t, uuid(&id)?).await?))
}

#[utoipa::path(patch, path = "/mail/identities/{id}", tag = "mail", request_body = IdentityInput, params(("id" = Uuid, Path, description = "Identity id")),
    responses((status = 200, description = "Updated", body = IdentityView), (status = 404, description = "Not found"), (status = 422, description = "A field is invalid")))]
pub async fn update_identity(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<IdentityInput>) -> ApiResult<IdentityView> {
    Ok(ApiJson(service::save_identity(&state, &t, Some(uuid(&id)?), input).await?))
}

#[utoipa::path(delete, path = "/mail/identities/{id}", tag = "mail", params(("id" = Uuid, Path, description = "Identity id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found"), (status = 409, description = "Campaigns use it")))]
pub async fn delete_identity(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    service::delete_identity(&state, &t, uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a test message from this identity to `{to}` now; 422 with the SMTP server's reason
/// when it refuses.
#[utoipa::path(post, path = "/mail/identities/{id}/test", tag = "mail", request_body = TestSendInput, params(("id" = Uuid, Path, description = "Identity id")),
    responses((status = 200, description = "Sent", body = TestSendResult), (status = 404, description = "Not found"), (status = 422, description = "Bad address, no SMTP server, or refused")))]
pub async fn test_identity(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<TestSendInput>) -> ApiResult<TestSendResult> {
    Ok(ApiJson(service::test_identity(&state, &t, uuid(&id)?, input).await?))
}

// ---- templates

#[utoipa::path(get, path = "/mail/templates", tag = "mail", responses((status = 200, description = "Templates", body = Vec<TemplateView>)))]
pub async fn list_templates(State(state): State<AppState>, t: Tenant) -> ApiResult<Vec<TemplateView>> {
    Ok(ApiJson(service::list_templates(&state, &t).await?))
}

/// Create a template: `{name, subject?, blocks: [{type: heading|text|image|button|divider|columns, …}]}`.
#[utoipa::path(post, path = "/mail/templates", tag = "mail", request_body = TemplateInput,
    responses((status = 201, description = "Created", body = TemplateView), (status = 403, description = "Needs mail.write"), (status = 422, description = "A field or block is invalid")))]
pub async fn create_template(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<TemplateInput>) -> Result<Response, AppError> {
    Ok(created(service::save_template(&state, &t, None, input).await?))
}

#[utoipa::path(get, path = "/mail/templates/{id}", tag = "mail", params(("id" = Uuid, Path, description = "Template id")),
    responses((status = 200, description = "The template", body = TemplateView), (status = 404, description = "Not found")))]
pub async fn get_template(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<TemplateView> {
    Ok(ApiJson(service::get_template(&state, &t, uuid(&id)?).await?))
}

#[utoipa::path(patch, path = "/mail/templates/{id}", tag = "mail", request_body = TemplateInput, params(("id" = Uuid, Path, description = "Template id")),
    responses((status = 200, description = "Updated", body = TemplateView), (status = 404, description = "Not found"), (status = 422, description = "A field or block is invalid")))]
pub async fn update_template(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<TemplateInput>) -> ApiResult<TemplateView> {
    Ok(ApiJson(service::save_template(&state, &t, Some(uuid(&id)?), input).await?))
}

#[utoipa::path(delete, path = "/mail/templates/{id}", tag = "mail", params(("id" = Uuid, Path, description = "Template id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found"), (status = 409, description = "Campaigns use it")))]
pub async fn delete_template(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    service::delete_template(&state, &t, uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The template as email HTML and plain text, for a sample contact.
#[utoipa::path(get, path = "/mail/templates/{id}/preview", tag = "mail", params(("id" = Uuid, Path, description = "Template id")),
    responses((status = 200, description = "Rendered", body = Preview), (status = 404, description = "Not found")))]
pub async fn preview_template(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<Preview> {
    Ok(ApiJson(service::preview_template(&state, &t, uuid(&id)?).await?))
}

/// Blocks not saved yet as email HTML and plain text (the editor's live preview); the same
/// checks as saving a template.
#[utoipa::path(post, path = "/mail/templates/preview", tag = "mail", request_body = PreviewInput,
    responses((status = 200, description = "Rendered", body = Preview), (status = 422, description = "A block is invalid")))]
pub async fn preview_blocks(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<PreviewInput>) -> ApiResult<Preview> {
    Ok(ApiJson(service::preview_blocks(&state, &t, input.subject, input.blocks).await?))
}

/// How many contacts an audience (`{tags}` or `{segment_id}`) reaches now: subscribed, with
/// an address.
#[utoipa::path(post, path = "/mail/audience/size", tag = "mail", request_body = Audience,
    responses((status = 200, description = "The count", body = AudienceSize), (status = 422, description = "No audience, or an unknown segment")))]
pub async fn audience_size(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<Audience>) -> ApiResult<AudienceSize> {
    Ok(ApiJson(AudienceSize { contacts: service::audience_size(&state, &t, input).await? }))
}

// ---- campaigns

#[utoipa::path(get, path = "/mail/campaigns", tag = "mail", responses((status = 200, description = "Campaigns, newest first", body = Vec<CampaignView>)))]
pub async fn list_campaigns(State(state): State<AppState>, t: Tenant) -> ApiResult<Vec<CampaignView>> {
    Ok(ApiJson(service::list_campaigns(&state, &t).await?))
}

/// Create a draft: `{name, subject, from_email, body_html | template_id, audience: {tags: [..]} | {segment_id}, send_at?}`.
#[utoipa::path(post, path = "/mail/campaigns", tag = "mail", request_body = CampaignInput,
    responses((status = 201, description = "Created", body = CampaignView), (status = 403, description = "Needs mail.write"), (status = 422, description = "A field is invalid")))]
pub async fn create_campaign(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<CampaignInput>) -> Result<Response, AppError> {
    Ok(created(service::create_campaign(&state, &t, input).await?))
}

#[utoipa::path(get, path = "/mail/campaigns/{id}", tag = "mail", params(("id" = Uuid, Path, description = "Campaign id")),
    responses((status = 200, description = "The campaign", body = CampaignView), (status = 404, description = "Not found")))]
pub async fn get_campaign(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<CampaignView> {
    Ok(ApiJson(service::get_campaign(&state, &t, uuid(&id)?).await?))
}

/// Change a draft or scheduled campaign (a sent one is 409).
#[utoipa::path(patch, path = "/mail/campaigns/{id}", tag = "mail", request_body = CampaignInput, params(("id" = Uuid, Path, description = "Campaign id")),
    responses((status = 200, description = "Updated", body = CampaignView), (status = 404, description = "Not found"), (status = 409, description = "Already sent"), (status = 422, description = "A field is invalid")))]
pub async fn update_campaign(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<CampaignInput>) -> ApiResult<CampaignView> {
    Ok(ApiJson(service::update_campaign(&state, &t, uuid(&id)?, input).await?))
}

#[utoipa::path(delete, path = "/mail/campaigns/{id}", tag = "mail", params(("id" = Uuid, Path, description = "Campaign id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found"), (status = 409, description = "Sending or sent")))]
pub async fn delete_campaign(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    service::delete_campaign(&state, &t, uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send now, or schedule for `send_at` (in the body or stored) when that is in the future.
/// 422 when the subject, body, audience or SMTP server is missing, or nobody in the audience
/// can be emailed.
#[utoipa::path(post, path = "/mail/campaigns/{id}/send", tag = "mail", request_body = SendInput, params(("id" = Uuid, Path, description = "Campaign id")),
    responses((status = 202, description = "Sending or scheduled", body = CampaignView), (status = 404, description = "Not found"), (status = 409, description = "Already sent"), (status = 422, description = "Not ready or empty audience")))]
pub async fn send_campaign(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, body: axum::body::Bytes) -> Result<Response, AppError> {
    // The body is optional: an empty one sends now (or at the stored `send_at`).
    let input: SendInput = if body.iter().all(u8::is_ascii_whitespace) {
        SendInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| AppError::bad_request(format!("The body is not valid JSON: {e}")))?
    };
    Ok((StatusCode::ACCEPTED, ApiJson(service::send_campaign(&state, &t, uuid(&id)?, input).await?)).into_response())
}

/// Sent, delivered, opened, clicked, unsubscribed and bounced counts, a by-hour series and
/// clicks per link.
#[utoipa::path(get, path = "/mail/campaigns/{id}/report", tag = "mail", params(("id" = Uuid, Path, description = "Campaign id")),
    responses((status = 200, description = "The report", body = Report), (status = 404, description = "Not found")))]
pub async fn campaign_report(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<Report> {
    Ok(ApiJson(service::report(&state, &t, uuid(&id)?).await?))
}

// ---- settings

#[utoipa::path(get, path = "/mail/settings", tag = "mail", responses((status = 200, description = "The workspace's email settings", body = MailSettings)))]
pub async fn get_settings(State(state): State<AppState>, t: Tenant) -> ApiResult<MailSettings> {
    Ok(ApiJson(service::settings(&state, &t).await?))
}

/// `{double_opt_in}`: when true, people who sign up through a public form get an email and
/// are subscribed only once they confirm (`/confirm/{token}`).
#[utoipa::path(put, path = "/mail/settings", tag = "mail", request_body = MailSettings,
    responses((status = 200, description = "Saved", body = MailSettings), (status = 403, description = "Needs mail.write")))]
pub async fn put_settings(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<MailSettings>) -> ApiResult<MailSettings> {
    Ok(ApiJson(service::save_settings(&state, &t, input).await?))
}

// ---- delivery events

/// Report a bounce or spam complaint that arrived after sending (from your SMTP provider's
/// webhook or a feedback loop, e.g. through an API key with `mail:write`). The contact is never
/// mailed again; with `message_id` a bounce also counts in that campaign's report.
#[utoipa::path(post, path = "/mail/events", tag = "mail", request_body = DeliveryEvent,
    responses((status = 200, description = "Recorded", body = DeliveryEventResult), (status = 403, description = "Needs mail.write"),
        (status = 422, description = "Not an email address, or no contact has it")))]
pub async fn record_event(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<DeliveryEvent>) -> ApiResult<DeliveryEventResult> {
    Ok(ApiJson(service::record_event(&state, &t, input).await?))
}

// ---- sequences

#[utoipa::path(get, path = "/mail/sequences", tag = "mail", responses((status = 200, description = "Sequences with their steps and counts", body = Vec<SequenceView>)))]
pub async fn list_sequences(State(state): State<AppState>, t: Tenant) -> ApiResult<Vec<SequenceView>> {
    Ok(ApiJson(sequences::list(&state, &t).await?))
}

/// Create a sequence: `{name, trigger: "signup"|"tag", trigger_tag?, identity_id? | from_email,
/// active?, steps: [{wait_days, subject, template_id? | body_html}]}`. Only an active sequence
/// enrols people; each contact goes through it once.
#[utoipa::path(post, path = "/mail/sequences", tag = "mail", request_body = SequenceInput,
    responses((status = 201, description = "Created", body = SequenceView), (status = 403, description = "Needs mail.write"), (status = 422, description = "A field is invalid")))]
pub async fn create_sequence(State(state): State<AppState>, t: Tenant, ApiJson(input): ApiJson<SequenceInput>) -> Result<Response, AppError> {
    Ok(created(sequences::save_sequence(&state, &t, None, input).await?))
}

#[utoipa::path(get, path = "/mail/sequences/{id}", tag = "mail", params(("id" = Uuid, Path, description = "Sequence id")),
    responses((status = 200, description = "The sequence", body = SequenceView), (status = 404, description = "Not found")))]
pub async fn get_sequence(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> ApiResult<SequenceView> {
    Ok(ApiJson(sequences::get(&state, &t, uuid(&id)?).await?))
}

/// Change a sequence. `steps`, when given, is the whole new list: steps keep their report by
/// `id`; steps left out are deleted. Switching a sequence back on sends the steps that fell
/// due while it was off.
#[utoipa::path(patch, path = "/mail/sequences/{id}", tag = "mail", request_body = SequenceInput, params(("id" = Uuid, Path, description = "Sequence id")),
    responses((status = 200, description = "Updated", body = SequenceView), (status = 404, description = "Not found"), (status = 422, description = "A field is invalid")))]
pub async fn update_sequence(State(state): State<AppState>, t: Tenant, Path(id): Path<String>, ApiJson(input): ApiJson<SequenceInput>) -> ApiResult<SequenceView> {
    Ok(ApiJson(sequences::save_sequence(&state, &t, Some(uuid(&id)?), input).await?))
}

/// Delete a sequence with its steps, their reports and its enrolments.
#[utoipa::path(delete, path = "/mail/sequences/{id}", tag = "mail", params(("id" = Uuid, Path, description = "Sequence id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found")))]
pub async fn delete_sequence(State(state): State<AppState>, t: Tenant, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    sequences::delete(&state, &t, uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
