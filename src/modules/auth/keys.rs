//! Personal API keys: `mwz_` + 32 random bytes, shown once, stored as SHA-256, with scopes
//! (`module:read` / `module:write`) and a last-used time. Only a signed-in session (not another
//! key) can list, create or revoke keys.
use chrono::Utc;
use uuid::Uuid;

use super::{
    repo::{self, ApiKeyRow},
    service::record,
    session::{self, API_KEY_PREFIX, ClientInfo, CurrentUser},
    types::{ApiKeyCreated, ApiKeyView, NewApiKeyForm, Page, valid_scope},
};
use crate::server::{error::AppError, state::AppState, tenant::Tenant};
use crate::shared::error::FieldError;

/// Keys a user may hold at once (revoked ones do not count).
const MAX_KEYS: usize = 50;

fn view(row: ApiKeyRow) -> ApiKeyView {
    let at = crate::server::db::rfc3339;
    ApiKeyView {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        scopes: row.scopes.split_whitespace().map(str::to_owned).collect(),
        workspace_id: row.workspace_id,
        workspace_name: row.workspace_name,
        last_used_at: row.last_used_at.map(at),
        revoked_at: row.revoked_at.map(at),
        created_at: at(row.created_at),
    }
}

/// The name and the sorted, de-duplicated scopes, or every field's message.
fn parse(form: &NewApiKeyForm) -> Result<(String, Vec<String>), AppError> {
    let mut errors = Vec::new();
    let name = form.name.trim();
    if name.is_empty() {
        errors.push(FieldError { field: "name".into(), message: "Name the key after what will use it.".into() });
    } else if name.chars().count() > 100 {
        errors.push(FieldError { field: "name".into(), message: "Use at most 100 characters.".into() });
    }
    let mut scopes: Vec<String> = form.scopes.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        errors.push(FieldError { field: "scopes".into(), message: "Choose at least one scope, like crm:read.".into() });
    } else if let Some(bad) = scopes.iter().find(|s| !valid_scope(s)) {
        errors.push(FieldError {
            field: "scopes".into(),
            message: format!("{bad:?} is not a scope. Use module:read or module:write, like crm:read."),
        });
    }
    if errors.is_empty() { Ok((name.to_owned(), scopes)) } else { Err(AppError::Validation { errors }) }
}

pub async fn list(state: &AppState, caller: &CurrentUser) -> Result<Page<ApiKeyView>, AppError> {
    caller.session()?;
    let items: Vec<ApiKeyView> = repo::list_api_keys(&state.pool, caller.user_id).await?.into_iter().map(view).collect();
    Ok(Page { total: items.len() as u64, items, next_cursor: None })
}

/// A new key for the caller in the tenant's workspace; it can never do more there than the
/// member's role allows.
pub async fn create(state: &AppState, tenant: &Tenant, form: NewApiKeyForm, client: &ClientInfo) -> Result<ApiKeyCreated, AppError> {
    if tenant.via_api_key() {
        return Err(AppError::Forbidden);
    }
    let user_id = tenant.user_id();
    let (name, scopes) = parse(&form)?;
    let mut tx = state.pool.begin().await?;
    let live = repo::list_api_keys(&mut *tx, user_id).await?.iter().filter(|k| k.revoked_at.is_none()).count();
    if live >= MAX_KEYS {
        return Err(AppError::conflict(format!("You have {MAX_KEYS} keys. Revoke one you no longer use first.")));
    }
    let (secret, _) = session::new_refresh_token();
    let token = format!("{API_KEY_PREFIX}{secret}");
    let id = Uuid::now_v7();
    let prefix: String = token.chars().take(12).collect();
    let now = Utc::now();
    let token_hash = session::hash_refresh_token(&token);
    repo::insert_api_key(&mut *tx, id, user_id, &name, &prefix, &token_hash, &scopes.join(" "), tenant.workspace_id(), now).await?;
    record(&mut tx, Some(user_id), "api_key_created", client, Some(&format!("{name} ({prefix}…)"))).await?;
    let row = repo::find_api_key_by_id(&mut *tx, user_id, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(ApiKeyCreated { id, token, key: view(row) })
}

pub async fn revoke(state: &AppState, caller: &CurrentUser, id: Uuid, client: &ClientInfo) -> Result<(), AppError> {
    caller.session()?;
    let mut tx = state.pool.begin().await?;
    if !repo::revoke_api_key(&mut *tx, caller.user_id, id, Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    record(&mut tx, Some(caller.user_id), "api_key_revoked", client, Some(&id.to_string())).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_normalised_and_bad_ones_named() {
        let form = NewApiKeyForm { name: " Zapier ".into(), scopes: vec!["CRM:read".into(), "crm:read".into(), "bio:write".into()] };
        assert_eq!(parse(&form).unwrap(), ("Zapier".into(), vec!["bio:write".into(), "crm:read".into()]));
        let err = parse(&NewApiKeyForm { name: "".into(), scopes: vec!["crm:admin".into()] }).unwrap_err();
        assert!(err.field_message("name").is_some());
        assert!(err.field_message("scopes").unwrap().contains("crm:admin"));
    }
}
