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
}

/// `{user}`: sign-up and `/me`.
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

/// `POST /auth/refresh` body for API clients; browsers send the cookie instead.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: Option<String>,
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

/// `{items}` newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SecurityEventList {
    pub items: Vec<SecurityEventView>,
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
    fn a_sign_up_form_reports_every_bad_field_at_once() {
        let err = NewUser::try_from(SignUpForm { name: " ".into(), email: "nope".into(), password: "short".into() })
            .unwrap_err();
        assert!(err.field_message("name").is_some());
        assert!(err.field_message("email").is_some());
        assert!(err.field_message("password").is_some());
    }
}
