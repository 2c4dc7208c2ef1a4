//! The account emails, as plain text. Each builds a `mail::Email` for `mail::queue`.
use super::session::ClientInfo;
use crate::server::mail::Email;

fn email<'a>(kind: &'a str, to: &'a str, subject: &'a str, body: String) -> Email<'a> {
    Email { kind, to, subject, body_text: format!("{body}\n\n— Mewayz\n") }
}

pub fn verify_email<'a>(name: &str, to: &'a str, link: &str) -> Email<'a> {
    email(
        "verify_email",
        to,
        "Confirm your email address",
        format!("Hi {name},\n\nPlease confirm that {to} is your email address by opening this link:\n\n{link}\n\nThe link works once and expires in 24 hours. If you did not ask for this, ignore this email."),
    )
}

pub fn password_reset<'a>(name: &str, to: &'a str, link: &str) -> Email<'a> {
    email(
        "password_reset",
        to,
        "Reset your password",
        format!("Hi {name},\n\nSomeone (hopefully you) asked to reset the password of your Mewayz account. Choose a new password here:\n\n{link}\n\nThe link works once and expires in 30 minutes. Resetting signs you out everywhere. If you did not ask for this, ignore this email: your password stays as it is."),
    )
}

pub fn password_changed<'a>(name: &str, to: &'a str) -> Email<'a> {
    email(
        "password_changed",
        to,
        "Your password was changed",
        format!("Hi {name},\n\nThe password of your Mewayz account was just changed, and your other sessions were signed out. If this was not you, reset your password now and check the security page of your account."),
    )
}

pub fn locked_out<'a>(name: &str, to: &'a str, client: &ClientInfo, reset_link: &str) -> Email<'a> {
    let from = client.ip.as_deref().unwrap_or("an unknown address");
    email(
        "lockout",
        to,
        "Sign-in to your account was paused",
        format!("Hi {name},\n\nThere were 10 failed attempts to sign in to your Mewayz account in 15 minutes (the last from {from}), so sign-in is paused for 15 minutes. If this was you, wait and try again, or reset your password:\n\n{reset_link}\n\nIf it was not you, your account is safe; consider turning on two-factor authentication."),
    )
}

pub fn email_change_requested<'a>(name: &str, old: &'a str, new: &str) -> Email<'a> {
    email(
        "email_change_requested",
        old,
        "Your account email is about to change",
        format!("Hi {name},\n\nSomeone signed in to your Mewayz account asked to change its email address to {new}. It changes once the link sent to that address is opened. If this was not you, change your password now and revoke your other sessions on the security page."),
    )
}

pub fn mfa_changed<'a>(name: &str, to: &'a str, on: bool) -> Email<'a> {
    let (subject, what) = if on {
        ("Two-factor authentication is on", "turned on. Keep your backup codes somewhere safe")
    } else {
        ("Two-factor authentication is off", "turned off. If this was not you, change your password now")
    };
    email(if on { "mfa_enabled" } else { "mfa_disabled" }, to, subject, format!("Hi {name},\n\nTwo-factor authentication on your Mewayz account was just {what}."))
}

pub fn account_deleted<'a>(name: &str, to: &'a str) -> Email<'a> {
    email(
        "account_deleted",
        to,
        "Your account was deleted",
        format!("Hi {name},\n\nYour Mewayz account and its personal data were deleted. We are sorry to see you go."),
    )
}
