//! TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, ±1 step) and single-use backup codes.
//! Secrets are sealed with AES-GCM before they reach the database; an accepted code's time
//! step is stored, so the same code (or an earlier one) is never accepted twice.
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::MySqlConnection;
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

use super::{
    emails,
    repo::{self, MfaChallengeRow, UserRow},
    service::{self, record},
    session::{self, ClientInfo, CurrentUser},
    types::{BackupCodes, MfaSetup, MfaStatus, StepUp},
};
use crate::server::{crypto, error::AppError, mail, state::AppState};

const ISSUER: &str = "Mewayz";
const STEP_SECS: u64 = 30;
const BACKUP_CODE_COUNT: usize = 10;
const CHALLENGE_TTL: Duration = Duration::minutes(5);
const CHALLENGE_ATTEMPTS: i32 = 5;
/// Backup code alphabet: no 0/o, 1/l/i, so codes read back without mistakes.
const CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

fn totp(secret: Vec<u8>, account: &str) -> TOTP {
    // `new_unchecked`: emails may contain characters the checked constructor refuses in labels.
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP_SECS, secret, Some(ISSUER.into()), account.into())
}

/// The time step (of `now`, ±1) whose code is `code`, if any. Compared in constant time.
pub fn matching_step(secret: &[u8], code: &str, now: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret.to_vec(), "");
    let current = (now / STEP_SECS) as i64;
    (current - 1..=current + 1).find(|&step| {
        let expected = totp.generate(step as u64 * STEP_SECS);
        expected.bytes().zip(code.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    })
}

fn now_secs() -> u64 {
    Utc::now().timestamp().max(0) as u64
}

/// Ten new codes like `k7dm2-x9qpa` and their hashes.
pub fn new_backup_codes() -> (Vec<String>, Vec<[u8; 32]>) {
    let codes: Vec<String> = (0..BACKUP_CODE_COUNT)
        .map(|_| {
            let chars: String = (0..10).map(|_| CODE_ALPHABET[rand::random_range(0..CODE_ALPHABET.len())] as char).collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect();
    let hashes = codes.iter().map(|c| hash_backup_code(c)).collect();
    (codes, hashes)
}

/// Hash of a backup code as typed: case, spaces and dashes do not matter.
pub fn hash_backup_code(code: &str) -> [u8; 32] {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    Sha256::digest(normal.as_bytes()).into()
}

/// How a second factor was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Totp,
    BackupCode,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::BackupCode => "backup code",
        }
    }
}

fn secret_of(state: &AppState, sealed: &[u8]) -> Result<Vec<u8>, AppError> {
    Ok(crypto::open(&state.config.data_key, sealed)?)
}

/// Checks a TOTP code (once per step) or an unused backup code of a user with MFA on; uses it
/// up when valid.
pub async fn check_code(state: &AppState, conn: &mut MySqlConnection, user: &UserRow, code: &str) -> Result<Option<Method>, AppError> {
    let Some(sealed) = &user.totp_secret else { return Ok(None) };
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        let Some(step) = matching_step(&secret_of(state, sealed)?, code, now_secs()) else { return Ok(None) };
        return Ok(repo::claim_totp_step(&mut *conn, user.id, step).await?.then_some(Method::Totp));
    }
    let used = repo::use_backup_code(&mut *conn, user.id, &hash_backup_code(code), Utc::now()).await?;
    Ok(used.then_some(Method::BackupCode))
}

/// A new sign-in challenge for a user whose password was right.
pub async fn new_challenge(conn: &mut MySqlConnection, user_id: Uuid) -> Result<String, AppError> {
    let (token, hash) = session::new_refresh_token();
    let now = Utc::now();
    repo::insert_mfa_challenge(&mut *conn, user_id, &hash, now + CHALLENGE_TTL, now).await?;
    Ok(token)
}

/// The live challenge for `token`, locked; expired, used or exhausted ones are a 401.
pub async fn open_challenge(conn: &mut MySqlConnection, token: &str) -> Result<MfaChallengeRow, AppError> {
    let row = repo::find_mfa_challenge_for_update(conn, &session::hash_refresh_token(token.trim()))
        .await?
        .filter(|c| c.consumed_at.is_none() && c.expires_at > Utc::now() && c.attempts < CHALLENGE_ATTEMPTS);
    row.ok_or(AppError::Unauthorized)
}

pub async fn status(state: &AppState, caller: &CurrentUser) -> Result<MfaStatus, AppError> {
    caller.session()?;
    let user = repo::find_user_by_id(&state.pool, caller.user_id).await?.ok_or(AppError::Unauthorized)?;
    let remaining = if user.mfa_enabled() { repo::backup_codes_remaining(&state.pool, user.id).await? } else { 0 };
    Ok(MfaStatus { enabled: user.mfa_enabled(), backup_codes_remaining: remaining })
}

/// Starts enrolment: a new secret (kept pending until a first valid code), its URL and QR.
pub async fn setup(state: &AppState, caller: &CurrentUser, proof: StepUp, client: &ClientInfo) -> Result<MfaSetup, AppError> {
    let (mut tx, user) = service::begin_sensitive(state, caller, &proof, client).await?;
    if user.mfa_enabled() {
        return Err(AppError::conflict("Two-factor authentication is already on. Turn it off first to move it to a new device."));
    }
    let secret: [u8; 20] = rand::random();
    repo::set_pending_totp(&mut *tx, user.id, &crypto::seal(&state.config.data_key, &secret), Utc::now()).await?;
    tx.commit().await?;
    let totp = totp(secret.to_vec(), &user.email);
    let otpauth_url = totp.get_url();
    let qr_svg = qrcode::QrCode::with_error_correction_level(otpauth_url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| anyhow::anyhow!("qr: {e}"))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(MfaSetup { secret: Secret::Raw(secret.to_vec()).to_encoded().to_string(), otpauth_url, qr_svg })
}

/// Finishes enrolment with the first code; answers the backup codes (shown once).
pub async fn enable(state: &AppState, caller: &CurrentUser, code: &str, client: &ClientInfo) -> Result<BackupCodes, AppError> {
    let family = caller.session()?;
    let mut tx = state.pool.begin().await?;
    let user = service::user(&mut tx, caller.user_id).await?;
    if user.mfa_enabled() {
        return Err(AppError::conflict("Two-factor authentication is already on."));
    }
    let Some(pending) = &user.totp_pending_secret else {
        return Err(AppError::conflict("Start the set-up first: it shows the QR code to scan."));
    };
    let Some(step) = matching_step(&secret_of(state, pending)?, code, now_secs()) else {
        return Err(AppError::field("code", "That code does not match. Enter the 6-digit code your app shows now."));
    };
    let now = Utc::now();
    repo::enable_totp(&mut *tx, user.id, step, now).await?;
    let (codes, hashes) = new_backup_codes();
    repo::replace_backup_codes(&mut tx, user.id, &hashes, now).await?;
    repo::mark_family_verified(&mut *tx, family, now).await?;
    record(&mut tx, Some(user.id), "mfa_enabled", client, None).await?;
    mail::queue(&mut tx, emails::mfa_changed(&user.name, &user.email, true)).await?;
    tx.commit().await?;
    Ok(BackupCodes { backup_codes: codes })
}

pub async fn disable(state: &AppState, caller: &CurrentUser, proof: StepUp, client: &ClientInfo) -> Result<(), AppError> {
    let (mut tx, user) = service::begin_sensitive(state, caller, &proof, client).await?;
    if !user.mfa_enabled() {
        return Err(AppError::conflict("Two-factor authentication is already off."));
    }
    let now = Utc::now();
    repo::disable_totp(&mut *tx, user.id, now).await?;
    repo::delete_backup_codes(&mut *tx, user.id).await?;
    record(&mut tx, Some(user.id), "mfa_disabled", client, None).await?;
    mail::queue(&mut tx, emails::mfa_changed(&user.name, &user.email, false)).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces every backup code with ten new ones.
pub async fn regenerate_backup_codes(state: &AppState, caller: &CurrentUser, proof: StepUp, client: &ClientInfo) -> Result<BackupCodes, AppError> {
    let (mut tx, user) = service::begin_sensitive(state, caller, &proof, client).await?;
    if !user.mfa_enabled() {
        return Err(AppError::conflict("Turn on two-factor authentication first."));
    }
    let (codes, hashes) = new_backup_codes();
    repo::replace_backup_codes(&mut tx, user.id, &hashes, Utc::now()).await?;
    record(&mut tx, Some(user.id), "backup_codes_regenerated", client, None).await?;
    tx.commit().await?;
    Ok(BackupCodes { backup_codes: codes })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 seed "12345678901234567890": 8-digit 94287082 at T=59, so the
    /// 6-digit code is its last six digits.
    #[test]
    fn codes_match_the_rfc_6238_test_vector() {
        let secret = b"12345678901234567890";
        assert_eq!(matching_step(secret, "287082", 59), Some(1));
        assert_eq!(matching_step(secret, "287 082", 59), Some(1));
        assert_eq!(matching_step(secret, "287083", 59), None);
    }

    #[test]
    fn a_code_from_one_step_before_or_after_is_accepted_but_not_two() {
        let secret = b"12345678901234567890";
        let code_at = |t: u64| totp(secret.to_vec(), "").generate(t);
        let now = 1_700_000_000u64;
        assert!(matching_step(secret, &code_at(now - 30), now).is_some());
        assert!(matching_step(secret, &code_at(now + 30), now).is_some());
        let two_back = code_at(now - 60);
        if two_back != code_at(now) && two_back != code_at(now - 30) && two_back != code_at(now + 30) {
            assert_eq!(matching_step(secret, &two_back, now), None);
        }
    }

    #[test]
    fn backup_codes_are_ten_distinct_and_hash_the_same_however_typed() {
        let (codes, hashes) = new_backup_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
        assert_eq!(hash_backup_code(&codes[0].to_uppercase().replace('-', " ")), hashes[0]);
    }
}
