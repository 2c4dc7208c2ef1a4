//! Server functions behind the CRM pages. The workspace is the slug of the page's URL,
//! resolved through the membership check; each is a few lines over `service`.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use super::types::*;
use crate::modules::auth::types::Page;
use crate::shared::error::AppError;

/// One server function over a service call with the page's tenant: `|state, tenant| call`.
/// The mail module uses it too.
macro_rules! tenant_fn {
    ($endpoint:literal, $name:ident($($arg:ident: $ty:ty),*) -> $out:ty, |$state:ident, $t:ident| $body:expr) => {
        #[server(endpoint = $endpoint, input = Json)]
        pub async fn $name(slug: String, $($arg: $ty),*) -> Result<$out, AppError> {
            $crate::modules::auth::server_fns::run(async move {
                let ($state, _, _, $t) = $crate::modules::workspaces::server_fns::ssr::tenant(&slug).await?;
                let ($state, $t) = (&$state, &$t);
                $body.await
            })
            .await
        }
    };
}
pub(crate) use tenant_fn;

tenant_fn!("crm/list_contacts", list_contacts(query: ContactQuery) -> Page<ContactView>, |s, t| super::service::list_contacts(s, t, &query));
tenant_fn!("crm/get_contact", get_contact(id: Uuid) -> ContactView, |s, t| super::service::get_contact(s, t, id));
tenant_fn!("crm/create_contact", create_contact(input: ContactInput) -> ContactView, |s, t| super::service::create_contact(s, t, input));
tenant_fn!("crm/update_contact", update_contact(id: Uuid, input: ContactInput) -> ContactView, |s, t| super::service::update_contact(s, t, id, input));
tenant_fn!("crm/delete_contact", delete_contact(id: Uuid) -> ContactView, |s, t| super::service::delete_contact(s, t, id));
tenant_fn!("crm/restore_contact", restore_contact(id: Uuid) -> ContactView, |s, t| super::service::restore_contact(s, t, id));
tenant_fn!("crm/bulk", bulk_contacts(input: BulkInput) -> BulkResult, |s, t| super::service::bulk(s, t, input));
tenant_fn!("crm/timeline", contact_timeline(id: Uuid, cursor: Option<String>) -> Timeline, |s, t| super::service::timeline(s, t, id, cursor.as_deref(), None));
tenant_fn!("crm/add_note", add_note(id: Uuid, input: NoteInput) -> ActivityView, |s, t| super::service::add_note(s, t, id, input));
tenant_fn!("crm/delete_note", delete_note(id: Uuid, note_id: Uuid) -> (), |s, t| super::service::delete_note(s, t, id, note_id));
tenant_fn!("crm/list_companies", list_companies(q: Option<String>, deleted: bool) -> Vec<CompanyView>, |s, t| super::service::list_companies(s, t, q.as_deref(), deleted));
tenant_fn!("crm/save_company", save_company(id: Option<Uuid>, input: CompanyInput) -> CompanyView, |s, t| super::service::save_company(s, t, id, input));
tenant_fn!("crm/set_company_deleted", set_company_deleted(id: Uuid, deleted: bool) -> CompanyView, |s, t| super::service::set_company_deleted(s, t, id, deleted));
tenant_fn!("crm/list_tags", list_tags() -> Vec<TagView>, |s, t| super::service::list_tags(s, t));
tenant_fn!("crm/update_tag", update_tag(id: Uuid, input: TagInput) -> TagView, |s, t| super::service::update_tag(s, t, id, input));
tenant_fn!("crm/delete_tag", delete_tag(id: Uuid) -> (), |s, t| super::service::delete_tag(s, t, id));
tenant_fn!("crm/list_fields", list_fields() -> Vec<CustomFieldView>, |s, t| super::service::list_fields(s, t));
tenant_fn!("crm/save_field", save_field(id: Option<Uuid>, input: CustomFieldInput) -> CustomFieldView, |s, t| super::service::save_field(s, t, id, input));
tenant_fn!("crm/delete_field", delete_field(id: Uuid) -> (), |s, t| super::service::delete_field(s, t, id));
tenant_fn!("crm/list_segments", list_segments() -> Vec<SegmentView>, |s, t| super::service::list_segments(s, t));
tenant_fn!("crm/save_segment", save_segment(id: Option<Uuid>, input: SegmentInput) -> SegmentView, |s, t| super::service::save_segment(s, t, id, input));
tenant_fn!("crm/delete_segment", delete_segment(id: Uuid) -> (), |s, t| super::service::delete_segment(s, t, id));
tenant_fn!("crm/list_pipelines", list_pipelines() -> Vec<PipelineView>, |s, t| super::deals::list_pipelines(s, t));
tenant_fn!("crm/save_pipeline", save_pipeline(id: Option<Uuid>, input: PipelineInput) -> PipelineView, |s, t| super::deals::save_pipeline(s, t, id, input));
tenant_fn!("crm/delete_pipeline", delete_pipeline(id: Uuid) -> (), |s, t| super::deals::delete_pipeline(s, t, id));
tenant_fn!("crm/board", pipeline_board(id: Uuid) -> BoardView, |s, t| super::deals::board(s, t, id));
tenant_fn!("crm/list_deals", list_deals(query: DealQuery) -> Vec<DealView>, |s, t| super::deals::list_deals(s, t, &query));
tenant_fn!("crm/save_deal", save_deal(id: Option<Uuid>, input: DealInput) -> DealView, |s, t| super::deals::save_deal(s, t, id, input));
tenant_fn!("crm/move_deal", move_deal(id: Uuid, to: DealMove) -> DealView, |s, t| super::deals::move_deal(s, t, id, to));
tenant_fn!("crm/delete_deal", delete_deal(id: Uuid) -> (), |s, t| super::deals::delete_deal(s, t, id));
