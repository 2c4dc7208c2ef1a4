//! Server functions behind the bio pages of the app. The workspace is the slug of the page's
//! URL, resolved through the membership check; each is a few lines over `service`.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use super::types::{BlockInput, BlockView, LeadView, PageInput, PageView, StatsView};
use crate::shared::error::AppError;

#[cfg(feature = "ssr")]
use crate::modules::{auth::server_fns::run, workspaces::server_fns::ssr::tenant};

#[server(endpoint = "bio/list_pages")]
pub async fn list_bio_pages(slug: String) -> Result<Vec<PageView>, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::list_pages(&state, &t, false).await
    })
    .await
}

#[server(endpoint = "bio/create_page", input = Json)]
pub async fn create_bio_page(slug: String, input: PageInput) -> Result<PageView, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::create_page(&state, &t, input).await
    })
    .await
}

#[server(endpoint = "bio/get_page")]
pub async fn get_bio_page(slug: String, id: Uuid) -> Result<PageView, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::get_page(&state, &t, id).await
    })
    .await
}

#[server(endpoint = "bio/update_page", input = Json)]
pub async fn update_bio_page(slug: String, id: Uuid, input: PageInput) -> Result<PageView, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::update_page(&state, &t, id, input).await
    })
    .await
}

#[server(endpoint = "bio/delete_page")]
pub async fn delete_bio_page(slug: String, id: Uuid) -> Result<PageView, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::delete_page(&state, &t, id).await
    })
    .await
}

#[server(endpoint = "bio/restore_page")]
pub async fn restore_bio_page(slug: String, id: Uuid) -> Result<PageView, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::restore_page(&state, &t, id).await
    })
    .await
}

#[server(endpoint = "bio/publish_page")]
pub async fn publish_bio_page(slug: String, id: Uuid) -> Result<PageView, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::publish(&state, &t, id).await
    })
    .await
}

#[server(endpoint = "bio/unpublish_page")]
pub async fn unpublish_bio_page(slug: String, id: Uuid) -> Result<PageView, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::unpublish(&state, &t, id).await
    })
    .await
}

#[server(endpoint = "bio/create_block", input = Json)]
pub async fn create_bio_block(slug: String, page_id: Uuid, input: BlockInput) -> Result<BlockView, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::create_block(&state, &t, page_id, input).await
    })
    .await
}

#[server(endpoint = "bio/update_block", input = Json)]
pub async fn update_bio_block(slug: String, page_id: Uuid, id: Uuid, input: BlockInput) -> Result<BlockView, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::update_block(&state, &t, page_id, id, input).await
    })
    .await
}

#[server(endpoint = "bio/delete_block")]
pub async fn delete_bio_block(slug: String, page_id: Uuid, id: Uuid) -> Result<(), AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::delete_block(&state, &t, page_id, id).await
    })
    .await
}

/// Every block id of the page, in the new order.
#[server(endpoint = "bio/reorder_blocks", input = Json)]
pub async fn reorder_bio_blocks(slug: String, page_id: Uuid, ids: Vec<Uuid>) -> Result<Vec<BlockView>, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::reorder_blocks(&state, &t, page_id, super::types::BlockOrder { ids }).await
    })
    .await
}

#[server(endpoint = "bio/stats")]
pub async fn bio_page_stats(slug: String, id: Uuid, days: u32) -> Result<StatsView, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::stats(&state, &t, id, Some(days)).await
    })
    .await
}

#[server(endpoint = "bio/leads")]
pub async fn bio_page_leads(slug: String, id: Uuid) -> Result<Vec<LeadView>, AppError> {
    run(async move {
        let (state, _, _, t) = tenant(&slug).await?;
        super::service::leads(&state, &t, id).await
    })
    .await
}
