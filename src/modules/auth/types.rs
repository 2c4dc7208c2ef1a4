//! Identity types for both targets: the wire shapes and the parsed inputs. A `NewUser` can
//! only be built from a `SignUpForm` whose every field parsed, so the service never sees an
//! unchecked email or password.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::error::{AppError, FieldError};

/// Longest email we accept (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;
/// Password length bounds (OWASP ASVS 2.1.1/2.1.2), counted in characters, never truncated.
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;
pub const NAME_MAX: usize = 100;

/// An email address, trimmed and lowercased (local part included, so `Ada@x.io` and
/// `ada@x.io` are one account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter your email address.".into());
        }
        if email.chars().count() > EMAIL_MAX {
            return Err(format!("Use at most {EMAIL_MAX} characters."));
        }
        let invalid = || "Enter an email address like name@example.com.".to_owned();
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let Some((local, domain)) = email.split_once('@') else { return Err(invalid()) };
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with(['.', '-'])
            || domain.ends_with(['.', '-'])
            || domain.contains("..")
        {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy. Deliberately not `Serialize` and its `Debug` hides it.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// Length rules on both targets; on the server also the common/guessable check (zxcvbn's
    /// ranked lists of ~30,000 leaked passwords plus its pattern scoring).
    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::check_length(raw)?;
        #[cfg(feature = "ssr")]
        if is_guessable(raw) {
            return Err("This password is too common or easy to guess. Try a longer phrase of unrelated words.".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// The length rules alone: what the sign-up page checks as the user types.
    pub fn check_length(raw: &str) -> Result<(), String> {
        match raw.chars().count() {
            0 => Err("Enter a password.".into()),
            n if n < PASSWORD_MIN => Err(format!("Use at least {PASSWORD_MIN} characters ({n} so far).")),
            n if n > PASSWORD_MAX => Err(format!("Use at most {PASSWORD_MAX} characters.")),
            _ => Ok(()),
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A zxcvbn score below 3, or the whole password being one entry of its leaked-passwords list.
#[cfg(feature = "ssr")]
fn is_guessable(password: &str) -> bool {
    let entropy = zxcvbn::zxcvbn(password, &[]);
    if u8::from(entropy.score()) < 3 {
        return true;
    }
    // `DictionaryType` is not nameable outside zxcvbn; its Debug form is stable ("Passwords").
    entropy.sequence().iter().any(|m| {
        matches!(&m.pattern, zxcvbn::matching::patterns::MatchPattern::Dictionary(d)
            if format!("{:?}", d.dictionary_name) == "Passwords" && m.token.chars().count() == password.chars().count())
    })
}

/// How strong a typed password is (zxcvbn), for the meter on the sign-up and reset pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordStrength {
    /// 0 (very weak) to 4 (strong); the policy needs 3.
    pub score: u8,
    /// Why the policy would refuse it, if it would.
    pub problem: Option<String>,
    pub warning: Option<String>,
    pub suggestions: Vec<String>,
}

impl PasswordStrength {
    #[cfg(feature = "ssr")]
    pub fn of(password: &str) -> Self {
        let entropy = zxcvbn::zxcvbn(password, &[]);
        let feedback = entropy.feedback();
        Self {
            score: u8::from(entropy.score()),
            problem: Password::parse(password).err(),
            warning: feedback.and_then(|f| f.warning()).map(|w| w.to_string()),
            suggestions: feedback.map(|f| f.suggestions().iter().map(ToString::to_string).collect()).unwrap_or_default(),
        }
    }

    pub fn label(&self) -> &'static str {
        ["Very weak", "Weak", "Fair", "Strong", "Very strong"][usize::from(self.score.min(4))]
    }
}

/// A person's display name, trimmed, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        match name.chars().count() {
            0 => Err("Enter your name.".into()),
            n if n > NAME_MAX => Err(format!("Use at most {NAME_MAX} characters.")),
            _ if name.chars().any(char::is_control) => Err("Remove control characters from your name.".into()),
            _ => Ok(Self(name.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Sign-up as typed by the user.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignUpForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// A sign-up whose every field parsed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: PersonName,
    pub email: Email,
    pub password: Password,
}

impl TryFrom<SignUpForm> for NewUser {
    type Error = AppError;

    /// Collects every field's message, so the form can show them all at once.
    fn try_from(form: SignUpForm) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let mut check = |field: &str, result: Result<(), String>| {
            if let Err(message) = result {
                errors.push(FieldError { field: field.into(), message });
            }
        };
        let name = PersonName::parse(&form.name);
        check("name", name.as_ref().map(|_| ()).map_err(Clone::clone));
        let email = Email::parse(&form.email);
        check("email", email.as_ref().map(|_| ()).map_err(Clone::clone));
        let password = Password::parse(&form.password);
        check("password", password.as_ref().map(|_| ()).map_err(Clone::clone));
        match (name, email, password) {
            (Ok(name), Ok(email), Ok(password)) => Ok(Self { name, email, password }),
            _ => Err(AppError::Validation { errors }),
        }
    }
}

/// Sign-in as typed. Not parsed beyond presence: any policy message here would tell an
/// attacker something about the account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

impl LoginForm {
    /// Presence checks only, with the field named.
    pub fn check(&self) -> Result<(), AppError> {
        let mut errors = Vec::new();
        if self.email.trim().is_empty() {
            errors.push(FieldError { field: "email".into(), message: "Enter your email address.".into() });
        }
        if self.password.is_empty() {
            errors.push(FieldError { field: "password".into(), message: "Enter your password.".into() });
        }
        if errors.is_empty() { Ok(()) } else { Err(AppError::Validation { errors }) }
    }
}

/// The signed-in user as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    /// A new address waiting for its confirmation link to be followed.
    pub pending_email: Option<String>,
    /// `/media/avatars/….webp`, or none.
    pub avatar_url: Option<String>,
    /// IANA zone, e.g. `Europe/Paris`.
    pub time_zone: String,
    /// UI language, e.g. `en`.
    pub language: String,
    pub mfa_enabled: bool,
}

/// `{user}`: sign-up, sign-in and `/me`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserEnvelope {
    pub user: UserView,
}

/// Login and refresh: the user and a fresh access token (also set as a cookie).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub user: UserView,
    pub access_token: String,
    /// Seconds until `access_token` expires.
    pub expires_in: i64,
    /// The rotated refresh token, only when the caller sent its refresh token in the body
    /// (API clients); browsers get it as an HttpOnly cookie instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// `{mfa_required: true, challenge}`: the password was right, now `POST /auth/login/mfa`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MfaChallenge {
    pub mfa_required: bool,
    /// Opaque, valid 5 minutes and 5 attempts.
    pub challenge: String,
}

/// What a password sign-in answers: signed in, or a second step is due.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum LoginResponse {
    SignedIn(TokenResponse),
    MfaRequired(MfaChallenge),
}

/// `POST /auth/login/mfa`: the challenge and a TOTP or backup code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MfaLoginForm {
    #[serde(default)]
    pub challenge: String,
    #[serde(default)]
    pub code: String,
}

/// `POST /auth/refresh` body for API clients; browsers send the cookie instead.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: Option<String>,
}

/// Proof of identity for sensitive changes (step-up), needed when the session's last
/// verification is older than 10 minutes: the password, and a TOTP or backup code when MFA is on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StepUp {
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

/// `POST /auth/mfa/setup` → the new secret (base32), its `otpauth://` URL and a QR code (SVG).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MfaSetup {
    pub secret: String,
    pub otpauth_url: String,
    pub qr_svg: String,
}

/// `POST /auth/mfa/enable`: the first code from the authenticator app.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MfaCode {
    #[serde(default)]
    pub code: String,
}

/// Ten single-use backup codes, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupCodes {
    pub backup_codes: Vec<String>,
}

/// `GET /auth/mfa`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MfaStatus {
    pub enabled: bool,
    pub backup_codes_remaining: u32,
}

/// `POST /auth/password`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangePasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    /// TOTP or backup code, when MFA is on and the session was verified over 10 minutes ago.
    #[serde(default)]
    pub code: Option<String>,
}

/// `POST /auth/password-reset`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    #[serde(default)]
    pub email: String,
}

/// `POST /auth/password-reset/confirm`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasswordResetConfirm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub password: String,
}

/// `POST /auth/verify-email`: the token from the emailed link.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VerifyEmailForm {
    #[serde(default)]
    pub token: String,
}

/// `PATCH /auth/me`: every field optional. Changing `email` needs step-up and only takes effect
/// when the link sent to the new address is followed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProfileForm {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub language: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub code: Option<String>,
}

/// `DELETE /auth/me`: the password, and a code when MFA is on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeleteAccountForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub code: Option<String>,
}

/// UI languages the app offers.
pub const LANGUAGES: &[(&str, &str)] = &[("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("es", "Español")];

/// One signed-in device: a session family (stable across refresh-token rotations).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionView {
    pub id: Uuid,
    /// This is the session making the request.
    pub current: bool,
    /// "Chrome on Android", from the user agent.
    pub device: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_seen_at: String,
}

/// `POST /auth/api-keys`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewApiKeyForm {
    #[serde(default)]
    pub name: String,
    /// `module:read` or `module:write`, e.g. `crm:read`; `write` implies `read`.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// An API key as listed (never the token).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the token, to tell keys apart.
    pub prefix: String,
    pub scopes: Vec<String>,
    /// The workspace the key reaches (none for keys made before workspaces existed).
    pub workspace_id: Option<Uuid>,
    pub workspace_name: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub created_at: String,
}

/// `{id, token}`: the token is shown only in this answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    pub id: Uuid,
    pub token: String,
    pub key: ApiKeyView,
}

/// One entry of the caller's security log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SecurityEventView {
    pub id: Uuid,
    pub kind: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// Every list in the API: a page of `items`, the `total` count, and the cursor of the next page
/// (`?cursor=`), null on the last one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

/// Scopes an API key may carry: read and write for each module that has permissions
/// (business modules, and `workspace`, `members`, `billing`, `activity`).
pub fn valid_scope(scope: &str) -> bool {
    use crate::modules::workspaces::permissions::Permission;
    let Some((module, access)) = scope.split_once(':') else { return false };
    matches!(access, "read" | "write") && Permission::ALL.iter().any(|p| p.module() == module)
}

/// A readable device name from a user agent ("Firefox on Windows"); "Unknown device" otherwise.
pub fn device_name(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent else { return "Unknown device".into() };
    let browser = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"), ("curl/", "curl")]
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name);
    let os = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(o)) => o.to_owned(),
        (None, None) => ua.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(Email::parse("  Ada.Lovelace@Example.COM ").unwrap().as_str(), "ada.lovelace@example.com");
    }

    #[test]
    fn emails_need_one_at_sign_a_dotted_domain_and_no_spaces() {
        for bad in ["", "ada", "@example.com", "ada@", "ada@example", "a@b@example.com", "ada lovelace@example.com",
            "ada@.example.com", "ada@example..com", "ada@example.com."]
        {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn emails_longer_than_254_characters_are_rejected() {
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(190));
        assert!(long.len() > EMAIL_MAX);
        assert!(Email::parse(&long).unwrap_err().contains("254"));
    }

    #[test]
    fn passwords_are_counted_in_characters_and_never_truncated() {
        assert!(Password::parse("short").unwrap_err().contains("5 so far"));
        // 11 characters but 22 bytes: still too short.
        assert!(Password::parse("ééééééééééé").is_err());
        assert!(Password::parse(&"x".repeat(129)).unwrap_err().contains("128"));
        let long = "vivid tractor umbrella galaxy ".repeat(4);
        let long = &long[..120];
        assert_eq!(Password::parse(long).unwrap().expose(), long);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn common_or_guessable_passwords_are_rejected() {
        for common in ["password1234", "123456789012", "qwertyuiop123", "iloveyou1234", "aaaaaaaaaaaa"] {
            assert!(Password::parse(common).unwrap_err().contains("too common"), "{common} should be rejected");
        }
        assert!(Password::parse("correct horse battery staple").is_ok());
        assert!(Password::parse("Velvet-Otter-Quarry-91").is_ok());
    }

    #[test]
    fn password_debug_output_hides_the_secret() {
        assert!(!format!("{:?}", Password("hunter2hunter2".into())).contains("hunter2"));
    }

    #[test]
    fn names_are_trimmed_and_between_1_and_100_characters() {
        assert_eq!(PersonName::parse("  Ada Lovelace ").unwrap().as_str(), "Ada Lovelace");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert!(PersonName::parse(&"é".repeat(101)).is_err());
    }

    #[test]
    fn scopes_are_read_or_write_on_a_known_module() {
        assert!(valid_scope("crm:read") && valid_scope("store:write"));
        for bad in ["crm", "crm:delete", "nope:read", "admin:write", ":read", ""] {
            assert!(!valid_scope(bad), "{bad}");
        }
    }

    #[test]
    fn devices_are_named_from_the_user_agent() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
        assert_eq!(device_name(Some(android)), "Chrome on Android");
        assert_eq!(device_name(Some("Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0")), "Firefox on Windows");
        assert_eq!(device_name(None), "Unknown device");
    }

    #[test]
    fn a_sign_up_form_reports_every_bad_field_at_once() {
        let err = NewUser::try_from(SignUpForm { name: " ".into(), email: "nope".into(), password: "short".into() })
            .unwrap_err();
        assert!(err.field_message("name").is_some());
        assert!(err.field_message("email").is_some());
        assert!(err.field_message("password").is_some());
    }
}
