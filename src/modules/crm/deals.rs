//! Deals and their pipelines: stages per workspace, deals with a value in minor units, a
//! Kanban board ordered by position, won/lost with a reason. Deal events of a contact land on
//! its timeline.
use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use serde_json::json;
use sqlx::MySqlConnection;
use uuid::Uuid;

use super::repo::{self, DealRow, StageRow};
use super::service::{NewActivity, record_activity};
use super::types::*;
use crate::modules::workspaces::{permissions::Permission, repo as workspaces_repo};
use crate::server::{
    db::{is_unique_violation, rfc3339 as at},
    error::AppError,
    state::AppState,
    tenant::Tenant,
};
use crate::shared::validate::Checks;

const MAX_STAGES: usize = 20;

fn stage_view(s: &StageRow) -> StageView {
    StageView { id: s.id, name: s.name.clone(), probability: s.probability, position: s.position }
}

async fn pipelines(conn: &mut MySqlConnection, ws: Uuid) -> Result<Vec<PipelineView>, AppError> {
    let stages = repo::list_stages(&mut *conn, ws).await?;
    Ok(repo::list_pipelines(&mut *conn, ws)
        .await?
        .into_iter()
        .map(|p| PipelineView {
            stages: stages.iter().filter(|s| s.pipeline_id == p.id).map(stage_view).collect(),
            id: p.id,
            name: p.name,
            created_at: at(p.created_at),
            updated_at: at(p.updated_at),
        })
        .collect())
}

async fn pipeline(conn: &mut MySqlConnection, ws: Uuid, id: Uuid) -> Result<PipelineView, AppError> {
    pipelines(conn, ws).await?.into_iter().find(|p| p.id == id).ok_or(AppError::NotFound)
}

pub async fn list_pipelines(state: &AppState, t: &Tenant) -> Result<Vec<PipelineView>, AppError> {
    t.require(Permission::CrmRead)?;
    let mut conn = state.pool.acquire().await?;
    pipelines(&mut conn, t.workspace_id()).await
}

pub async fn get_pipeline(state: &AppState, t: &Tenant, id: Uuid) -> Result<PipelineView, AppError> {
    t.require(Permission::CrmRead)?;
    let mut conn = state.pool.acquire().await?;
    pipeline(&mut conn, t.workspace_id(), id).await
}

/// Creates or changes a pipeline and, when `stages` is sent, its whole stage list.
pub async fn save_pipeline(state: &AppState, t: &Tenant, id: Option<Uuid>, input: PipelineInput) -> Result<PipelineView, AppError> {
    t.require(Permission::CrmWrite)?;
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    let existing = match id {
        Some(id) => Some(pipeline(&mut tx, ws, id).await?),
        None => None,
    };
    let mut checks = Checks::default();
    let name = match (&input.name, &existing) {
        (Some(n), _) => n.trim().to_owned(),
        (None, Some(p)) => p.name.clone(),
        (None, None) => String::new(),
    };
    if name.is_empty() || name.chars().count() > 100 {
        checks.fail("name", "Name the pipeline (at most 100 characters).");
    }
    let stages = match (&input.stages, &existing) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(_)) => None,
        (None, None) => {
            checks.fail("stages", "Add at least one stage.");
            None
        }
    };
    if let Some(stages) = &stages {
        if stages.is_empty() || stages.len() > MAX_STAGES {
            checks.fail("stages", format!("A pipeline has 1 to {MAX_STAGES} stages."));
        }
        for (i, s) in stages.iter().enumerate() {
            if s.name.trim().is_empty() || s.name.trim().chars().count() > 60 {
                checks.fail(&format!("stages[{i}].name"), "Name the stage (at most 60 characters).");
            }
            if s.probability > 100 {
                checks.fail(&format!("stages[{i}].probability"), "Use a probability from 0 to 100.");
            }
            let known = existing.as_ref().is_some_and(|p| p.stages.iter().any(|x| Some(x.id) == s.id));
            if s.id.is_some() && !known {
                checks.fail(&format!("stages[{i}].id"), "This stage is not in the pipeline.");
            }
        }
    }
    checks.finish()?;
    let pipeline_id = id.unwrap_or_else(Uuid::now_v7);
    let now = Utc::now();
    let saved = if existing.is_some() {
        repo::rename_pipeline(&mut *tx, ws, pipeline_id, &name, now).await
    } else {
        repo::insert_pipeline(&mut *tx, ws, pipeline_id, &name, now).await
    };
    saved.map_err(|e| if is_unique_violation(&e) { AppError::field("name", "Another pipeline has this name.") } else { e.into() })?;
    if let Some(stages) = stages {
        let kept: Vec<Uuid> = stages.iter().filter_map(|s| s.id).collect();
        for old in existing.iter().flat_map(|p| p.stages.iter()).filter(|s| !kept.contains(&s.id)) {
            if repo::count_stage_deals(&mut *tx, ws, old.id).await? > 0 {
                return Err(AppError::field("stages", format!("The stage {:?} still has deals; move them first.", old.name)));
            }
            repo::delete_stage(&mut *tx, ws, old.id).await?;
        }
        for (i, s) in stages.iter().enumerate() {
            let row = StageRow { id: s.id.unwrap_or_else(Uuid::now_v7), pipeline_id, name: s.name.trim().to_owned(), position: i as i32, probability: s.probability };
            repo::upsert_stage(&mut *tx, ws, &row).await?;
        }
    }
    let view = pipeline(&mut tx, ws, pipeline_id).await?;
    tx.commit().await?;
    Ok(view)
}

/// Deletes a pipeline with its stages and deals.
pub async fn delete_pipeline(state: &AppState, t: &Tenant, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::CrmDelete)?;
    if repo::delete_pipeline(&state.pool, t.workspace_id(), id).await? == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

fn deal_view(d: DealRow) -> DealView {
    let contact_name = d.contact_id.and(d.contact_first.as_ref()).map(|first| display_name(first, d.contact_last.as_deref().unwrap_or_default(), d.contact_email.as_deref()));
    DealView {
        id: d.id,
        pipeline_id: d.pipeline_id,
        stage_id: d.stage_id,
        position: d.position,
        title: d.title,
        value_minor: d.value_minor,
        currency: d.currency,
        contact_id: d.contact_id,
        contact_name,
        company_id: d.company_id,
        company_name: d.company_name,
        owner_id: d.owner_id,
        expected_close: d.expected_close.map(|x| x.format("%Y-%m-%d").to_string()),
        status: DealStatus::parse(&d.status).unwrap_or_default(),
        lost_reason: d.lost_reason,
        closed_at: d.closed_at.map(at),
        created_at: at(d.created_at),
        updated_at: at(d.updated_at),
    }
}

pub async fn list_deals(state: &AppState, t: &Tenant, q: &DealQuery) -> Result<Vec<DealView>, AppError> {
    t.require(Permission::CrmRead)?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(DealStatus::parse(s).ok_or_else(|| AppError::field("status", "Use open, won or lost."))?.as_str()),
    };
    Ok(repo::list_deals(&state.pool, t.workspace_id(), q.pipeline_id, status, q.contact_id).await?.into_iter().map(deal_view).collect())
}

pub async fn get_deal(state: &AppState, t: &Tenant, id: Uuid) -> Result<DealView, AppError> {
    t.require(Permission::CrmRead)?;
    repo::find_deal(&state.pool, t.workspace_id(), id).await?.map(deal_view).ok_or(AppError::NotFound)
}

/// A pipeline's board: open deals by stage, with totals per currency.
pub async fn board(state: &AppState, t: &Tenant, pipeline_id: Uuid) -> Result<BoardView, AppError> {
    t.require(Permission::CrmRead)?;
    let ws = t.workspace_id();
    let mut conn = state.pool.acquire().await?;
    let pipeline = pipeline(&mut conn, ws, pipeline_id).await?;
    let deals: Vec<DealView> = repo::list_deals(&mut *conn, ws, Some(pipeline_id), Some("open"), None).await?.into_iter().map(deal_view).collect();
    let columns = pipeline
        .stages
        .iter()
        .map(|stage| {
            let deals: Vec<DealView> = deals.iter().filter(|d| d.stage_id == stage.id).cloned().collect();
            let mut totals: BTreeMap<String, i64> = BTreeMap::new();
            for d in &deals {
                *totals.entry(d.currency.clone()).or_default() += d.value_minor;
            }
            BoardColumn { stage: stage.clone(), deals, totals }
        })
        .collect();
    Ok(BoardView { pipeline, columns })
}

/// Creates (`id` None) or changes a deal, checking that everything it points at is this
/// workspace's, and notes creation, wins and losses on the contact's timeline.
pub async fn save_deal(state: &AppState, t: &Tenant, id: Option<Uuid>, input: DealInput) -> Result<DealView, AppError> {
    t.require(Permission::CrmWrite)?;
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    let now = Utc::now();
    let before = match id {
        Some(id) => Some(repo::find_deal(&mut *tx, ws, id).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let mut d = before.clone().unwrap_or(DealRow {
        id: Uuid::now_v7(),
        pipeline_id: Uuid::nil(),
        stage_id: Uuid::nil(),
        position: 0,
        title: String::new(),
        value_minor: 0,
        currency: String::new(),
        contact_id: None,
        contact_first: None,
        contact_last: None,
        contact_email: None,
        company_id: None,
        company_name: None,
        owner_id: None,
        expected_close: None,
        status: "open".into(),
        lost_reason: None,
        closed_at: None,
        created_at: now,
        updated_at: now,
    });
    let mut checks = Checks::default();
    if let Some(title) = &input.title {
        d.title = title.trim().to_owned();
    }
    if d.title.is_empty() || d.title.chars().count() > 200 {
        checks.fail("title", "Name the deal (at most 200 characters).");
    }
    if let Some(v) = input.value_minor {
        if v < 0 {
            checks.fail("value_minor", "A deal's value cannot be negative.");
        }
        d.value_minor = v;
    }
    match &input.currency {
        Some(c) => d.currency = checks.check("currency", parse_currency(c)).unwrap_or_default(),
        None if before.is_none() => checks.fail("currency", "Say the currency, like USD or EUR."),
        None => {}
    }
    // Pipeline and stage: the stage must be in the pipeline; a new deal starts in the first one.
    let pipes = pipelines(&mut tx, ws).await?;
    let pipeline_id = input.pipeline_id.unwrap_or(d.pipeline_id);
    let stage_changed = input.stage_id.is_some() || input.pipeline_id.is_some_and(|p| p != d.pipeline_id);
    match pipes.iter().find(|p| p.id == pipeline_id) {
        None => checks.fail("pipeline_id", "There is no such pipeline in this workspace."),
        Some(p) => {
            let stage = input.stage_id.or((!stage_changed && before.is_some()).then_some(d.stage_id)).or(p.stages.first().map(|s| s.id));
            match stage.filter(|s| p.stages.iter().any(|x| x.id == *s)) {
                Some(s) => {
                    d.pipeline_id = pipeline_id;
                    d.stage_id = s;
                }
                None => checks.fail("stage_id", "This stage is not in the deal's pipeline."),
            }
        }
    }
    if let Some(contact) = input.contact_id {
        d.contact_id = contact;
    }
    if let Some(company) = input.company_id {
        d.company_id = company;
    }
    if let Some(owner) = input.owner_id {
        d.owner_id = owner;
    }
    if let Some(c) = d.contact_id.filter(|_| input.contact_id.is_some()) {
        if repo::find_contact(&mut *tx, ws, c).await?.is_none_or(|r| r.deleted_at.is_some()) {
            checks.fail("contact_id", "There is no such contact in this workspace.");
        }
    }
    if let Some(c) = d.company_id.filter(|_| input.company_id.is_some()) {
        if repo::find_company(&mut *tx, ws, c).await?.is_none_or(|r| r.deleted_at.is_some()) {
            checks.fail("company_id", "There is no such company in this workspace.");
        }
    }
    if let Some(o) = d.owner_id.filter(|_| input.owner_id.is_some()) {
        if workspaces_repo::find_member(&mut *tx, ws, o).await?.is_none() {
            checks.fail("owner_id", "The owner must be a member of this workspace.");
        }
    }
    match &input.expected_close {
        None => {}
        Some(None) => d.expected_close = None,
        Some(Some(s)) if s.trim().is_empty() => d.expected_close = None,
        Some(Some(s)) => match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
            Ok(date) => d.expected_close = Some(date),
            Err(_) => checks.fail("expected_close", "Enter a date as YYYY-MM-DD."),
        },
    }
    let old_status = DealStatus::parse(&d.status).unwrap_or_default();
    let status = input.status.unwrap_or(old_status);
    match status {
        DealStatus::Lost => {
            let reason = input.lost_reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned).or(d.lost_reason.clone());
            match reason {
                Some(r) if r.chars().count() <= 300 => d.lost_reason = Some(r),
                Some(_) => checks.fail("lost_reason", "Use at most 300 characters."),
                None => checks.fail("lost_reason", "Say why the deal was lost."),
            }
        }
        _ => d.lost_reason = None,
    }
    checks.finish()?;
    if status != old_status || before.is_none() {
        d.closed_at = (status != DealStatus::Open).then_some(now);
    }
    d.status = status.as_str().to_owned();
    let reopened = before.is_some() && old_status != DealStatus::Open && status == DealStatus::Open;
    if before.is_none() || stage_changed || reopened {
        // New, moved and reopened deals go to the bottom of their column.
        d.position = repo::stage_deal_ids(&mut *tx, ws, d.stage_id).await?.len() as i32;
    }
    d.updated_at = now;
    repo::save_deal(&mut *tx, ws, &d).await?;
    if let Some(contact) = d.contact_id {
        let event = match (before.is_none(), status != old_status, status) {
            (true, _, _) => Some(("deal_created", format!("Deal created: {}", d.title))),
            (false, true, DealStatus::Won) => Some(("deal_won", format!("Deal won: {}", d.title))),
            (false, true, DealStatus::Lost) => Some(("deal_lost", format!("Deal lost: {}", d.title))),
            (false, true, DealStatus::Open) => Some(("deal_reopened", format!("Deal reopened: {}", d.title))),
            _ => None,
        };
        if let Some((kind, summary)) = event {
            let data = json!({"deal_id": d.id, "value_minor": d.value_minor, "currency": d.currency});
            let body = d.lost_reason.clone().unwrap_or_default();
            record_activity(&mut tx, ws, contact, NewActivity { kind, summary: &summary, body: &body, data, actor_id: Some(t.user_id()), occurred_at: None }).await?;
        }
    }
    let view = repo::find_deal(&mut *tx, ws, d.id).await?.map(deal_view).ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(view)
}

/// Moves a deal on the board: into `stage_id` (of its pipeline) at `position`, renumbering
/// both columns so positions stay 0, 1, 2…
pub async fn move_deal(state: &AppState, t: &Tenant, id: Uuid, to: DealMove) -> Result<DealView, AppError> {
    t.require(Permission::CrmWrite)?;
    let ws = t.workspace_id();
    let mut tx = state.pool.begin().await?;
    let deal = repo::find_deal(&mut *tx, ws, id).await?.ok_or(AppError::NotFound)?;
    let pipeline = pipeline(&mut tx, ws, deal.pipeline_id).await?;
    if !pipeline.stages.iter().any(|s| s.id == to.stage_id) {
        return Err(AppError::field("stage_id", "This stage is not in the deal's pipeline."));
    }
    if deal.stage_id != to.stage_id {
        let rest: Vec<Uuid> = repo::stage_deal_ids(&mut *tx, ws, deal.stage_id).await?.into_iter().filter(|d| *d != id).collect();
        for (i, other) in rest.iter().enumerate() {
            repo::set_deal_place(&mut *tx, ws, *other, deal.stage_id, i as i32).await?;
        }
    }
    let mut column: Vec<Uuid> = repo::stage_deal_ids(&mut *tx, ws, to.stage_id).await?.into_iter().filter(|d| *d != id).collect();
    column.insert((to.position as usize).min(column.len()), id);
    for (i, deal_id) in column.iter().enumerate() {
        repo::set_deal_place(&mut *tx, ws, *deal_id, to.stage_id, i as i32).await?;
    }
    let view = repo::find_deal(&mut *tx, ws, id).await?.map(deal_view).ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(view)
}

pub async fn delete_deal(state: &AppState, t: &Tenant, id: Uuid) -> Result<(), AppError> {
    t.require(Permission::CrmDelete)?;
    if repo::delete_deal(&state.pool, t.workspace_id(), id).await? == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
