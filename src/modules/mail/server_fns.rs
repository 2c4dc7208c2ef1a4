//! Server functions behind the email pages, each a line over `service` with the page's tenant.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use super::types::*;
use crate::modules::crm::server_fns::tenant_fn;
use crate::shared::error::AppError;

tenant_fn!("mail/list_identities", list_identities() -> Vec<IdentityView>, |s, t| super::service::list_identities(s, t));
tenant_fn!("mail/save_identity", save_identity(id: Option<Uuid>, input: IdentityInput) -> IdentityView, |s, t| super::service::save_identity(s, t, id, input));
tenant_fn!("mail/delete_identity", delete_identity(id: Uuid) -> (), |s, t| super::service::delete_identity(s, t, id));
tenant_fn!("mail/test_identity", test_identity(id: Uuid, input: TestSendInput) -> TestSendResult, |s, t| super::service::test_identity(s, t, id, input));
tenant_fn!("mail/list_templates", list_templates() -> Vec<TemplateView>, |s, t| super::service::list_templates(s, t));
tenant_fn!("mail/get_template", get_template(id: Uuid) -> TemplateView, |s, t| super::service::get_template(s, t, id));
tenant_fn!("mail/save_template", save_template(id: Option<Uuid>, input: TemplateInput) -> TemplateView, |s, t| super::service::save_template(s, t, id, input));
tenant_fn!("mail/delete_template", delete_template(id: Uuid) -> (), |s, t| super::service::delete_template(s, t, id));
tenant_fn!("mail/preview", preview_blocks(subject: String, blocks: Vec<Block>) -> Preview, |s, t| super::service::preview_blocks(s, t, subject, blocks));
tenant_fn!("mail/list_campaigns", list_campaigns() -> Vec<CampaignView>, |s, t| super::service::list_campaigns(s, t));
tenant_fn!("mail/get_campaign", get_campaign(id: Uuid) -> CampaignView, |s, t| super::service::get_campaign(s, t, id));
tenant_fn!("mail/create_campaign", create_campaign(input: CampaignInput) -> CampaignView, |s, t| super::service::create_campaign(s, t, input));
tenant_fn!("mail/update_campaign", update_campaign(id: Uuid, input: CampaignInput) -> CampaignView, |s, t| super::service::update_campaign(s, t, id, input));
tenant_fn!("mail/delete_campaign", delete_campaign(id: Uuid) -> (), |s, t| super::service::delete_campaign(s, t, id));
tenant_fn!("mail/send_campaign", send_campaign(id: Uuid, input: SendInput) -> CampaignView, |s, t| super::service::send_campaign(s, t, id, input));
tenant_fn!("mail/report", campaign_report(id: Uuid) -> Report, |s, t| super::service::report(s, t, id));
tenant_fn!("mail/audience_size", audience_size(audience: Audience) -> u64, |s, t| super::service::audience_size(s, t, audience));
tenant_fn!("mail/settings", load_mail_settings() -> MailSettings, |s, t| super::service::settings(s, t));
tenant_fn!("mail/save_settings", save_mail_settings(input: MailSettings) -> MailSettings, |s, t| super::service::save_settings(s, t, input));
tenant_fn!("mail/list_sequences", list_sequences() -> Vec<SequenceView>, |s, t| super::sequences::list(s, t));
tenant_fn!("mail/get_sequence", get_sequence(id: Uuid) -> SequenceView, |s, t| super::sequences::get(s, t, id));
tenant_fn!("mail/save_sequence", save_sequence(id: Option<Uuid>, input: SequenceInput) -> SequenceView, |s, t| super::sequences::save_sequence(s, t, id, input));
tenant_fn!("mail/delete_sequence", delete_sequence(id: Uuid) -> (), |s, t| super::sequences::delete(s, t, id));
