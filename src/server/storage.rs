//! Uploaded files on local disk under `STORAGE_DIR`, addressed by a key like
//! `avatars/0193….webp`. Keys are made by the server (never from user input), and reads
//! accept only that shape, so no path can leave the folder.
use std::path::PathBuf;

use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};

use super::{error::AppError, state::AppState};

fn valid_key(key: &str) -> bool {
    let mut parts = key.split('/');
    let (Some(folder), Some(file), None) = (parts.next(), parts.next(), parts.next()) else { return false };
    let plain = |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    plain(folder) && plain(file) && !file.starts_with('.') && !folder.starts_with('.')
}

fn path(dir: &str, key: &str) -> Result<PathBuf, AppError> {
    if !valid_key(key) {
        return Err(AppError::NotFound);
    }
    Ok(PathBuf::from(dir).join(key))
}

/// Writes the file (atomically: temp file then rename).
pub async fn put(dir: &str, key: &str, bytes: &[u8]) -> Result<(), AppError> {
    let path = path(dir, key)?;
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| anyhow::anyhow!("storage dir {parent:?}: {e}"))?;
    }
    let tmp = path.with_extension("part");
    tokio::fs::write(&tmp, bytes).await.map_err(|e| anyhow::anyhow!("write {tmp:?}: {e}"))?;
    tokio::fs::rename(&tmp, &path).await.map_err(|e| anyhow::anyhow!("rename {tmp:?}: {e}"))?;
    Ok(())
}

pub async fn get(dir: &str, key: &str) -> Result<Vec<u8>, AppError> {
    match tokio::fs::read(path(dir, key)?).await {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AppError::NotFound),
        Err(e) => Err(anyhow::anyhow!("read {key}: {e}").into()),
    }
}

/// Removes the file; a missing file is fine.
pub async fn delete(dir: &str, key: &str) -> Result<(), AppError> {
    match tokio::fs::remove_file(path(dir, key)?).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow::anyhow!("delete {key}: {e}").into()),
    }
}

/// `GET /media/{*key}`. Keys are unique per upload, so the file can be cached forever.
pub async fn serve(State(state): State<AppState>, Path(key): Path<String>) -> Result<Response, AppError> {
    let bytes = get(&state.config.storage_dir, &key).await?;
    let content_type = match key.rsplit('.').next() {
        Some("webp") => "image/webp",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    };
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], bytes)
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::valid_key;

    #[test]
    fn only_folder_slash_file_keys_are_valid() {
        assert!(valid_key("avatars/0193a1b2-c3d4.webp"));
        for bad in ["../etc/passwd", "avatars/../x", "avatars/.hidden", "/abs/x", "a/b/c", "avatars/", "avatars/a b"] {
            assert!(!valid_key(bad), "{bad}");
        }
    }
}
