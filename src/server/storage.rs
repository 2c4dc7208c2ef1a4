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

/// Files kept out of `/media` (an import's uploaded CSV): only server code reads them.
pub const PRIVATE_FOLDER: &str = "private";

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

/// Largest image upload (avatars, logos).
pub const IMAGE_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Avatars and logos are stored as this many pixels square.
const IMAGE_SIZE: u32 = 256;

/// Decodes an uploaded PNG, JPEG or WebP within safe limits. Decoding to pixels (and encoding
/// anew) drops EXIF and anything else the file carried.
fn decode(bytes: &[u8], field: &str) -> Result<image::DynamicImage, AppError> {
    use image::{ImageFormat, ImageReader, Limits};
    let unsupported = || AppError::field(field, "Upload a PNG, JPEG or WebP image.");
    if bytes.len() > IMAGE_MAX_BYTES {
        return Err(AppError::field(field, "The image is larger than 2 MB. Choose a smaller one."));
    }
    let format = image::guess_format(bytes).map_err(|_| unsupported())?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) {
        return Err(unsupported());
    }
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    // A small file can declare a huge canvas (decompression bomb): cap what we allocate.
    limits.max_image_width = Some(8000);
    limits.max_image_height = Some(8000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|_| AppError::field(field, "This image could not be read. Try another file."))
}

fn webp_lossless(image: &image::RgbaImage) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .encode(image, image.width(), image.height(), image::ExtendedColorType::Rgba8)
        .map_err(|e| anyhow::anyhow!("webp encode: {e}"))?;
    Ok(out)
}

/// Crops an uploaded image square to `IMAGE_SIZE` px and re-encodes it as WebP.
pub fn square_webp(bytes: &[u8], field: &str) -> Result<Vec<u8>, AppError> {
    let image = decode(bytes, field)?;
    webp_lossless(&image.resize_to_fill(IMAGE_SIZE, IMAGE_SIZE, image::imageops::FilterType::Lanczos3).to_rgba8())
}

/// Scales an uploaded image down to fit `max` px on its longer side (never up) and re-encodes
/// it: JPEG (quality 85) when it is opaque, lossless WebP when it has transparency. Returns the
/// bytes and the file extension.
pub fn fitted_image(bytes: &[u8], field: &str, max: u32) -> Result<(Vec<u8>, &'static str), AppError> {
    let mut image = decode(bytes, field)?;
    if image.width() > max || image.height() > max {
        image = image.resize(max, max, image::imageops::FilterType::Lanczos3);
    }
    if image.color().has_alpha() && image.to_rgba8().pixels().any(|p| p.0[3] < 255) {
        return Ok((webp_lossless(&image.to_rgba8())?, "webp"));
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&image.to_rgb8())
        .map_err(|e| anyhow::anyhow!("jpeg encode: {e}"))?;
    Ok((out, "jpg"))
}

/// Re-encodes an uploaded image with `fitted_image` (off the async executor) and stores it as
/// `{folder}/{uuid}.{ext}`; returns the key.
pub async fn put_fitted_image(dir: &str, folder: &str, bytes: Vec<u8>, field: &'static str, max: u32) -> Result<String, AppError> {
    let (encoded, ext) = tokio::task::spawn_blocking(move || fitted_image(&bytes, field, max))
        .await
        .map_err(|e| anyhow::anyhow!("image task: {e}"))??;
    let key = format!("{folder}/{}.{ext}", uuid::Uuid::now_v7());
    put(dir, &key, &encoded).await?;
    Ok(key)
}

/// Re-encodes an uploaded image (off the async executor) and stores it as
/// `{folder}/{uuid}.webp`; returns the key. `field` names the input in error messages.
pub async fn put_square_image(dir: &str, folder: &str, bytes: Vec<u8>, field: &'static str) -> Result<String, AppError> {
    let webp = tokio::task::spawn_blocking(move || square_webp(&bytes, field))
        .await
        .map_err(|e| anyhow::anyhow!("image task: {e}"))??;
    let key = format!("{folder}/{}.webp", uuid::Uuid::now_v7());
    put(dir, &key, &webp).await?;
    Ok(key)
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
    if key.split('/').next() == Some(PRIVATE_FOLDER) {
        return Err(AppError::NotFound);
    }
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
