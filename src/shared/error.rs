//! The one error type of the app. It crosses the wire for server functions (JSON) and is
//! rendered as RFC 9457 problem+json by REST handlers (`server::error`). It never carries an
//! internal message: those are logged on the server and replaced by `Internal`.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A message about one input field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppError {
    #[error("{message}")]
    BadRequest { message: String },
    #[error("Please sign in to continue.")]
    Unauthorized,
    /// A failed sign-in. One message for a wrong password and an unknown email alike.
    #[error("The email or password is incorrect.")]
    InvalidCredentials,
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// A sensitive change after more than 10 minutes since the caller last proved who they
    /// are: send the password (and a code when `mfa`) with the request.
    #[error("{message}")]
    StepUpRequired { message: String, mfa: bool },
    #[error("We could not find that.")]
    NotFound,
    #[error("{message}")]
    Conflict { message: String },
    /// Something that existed but can no longer be used (an expired or revoked invitation).
    #[error("{message}")]
    Gone { message: String },
    /// The workspace's plan does not allow more of something; upgrading lifts it.
    #[error("{message}")]
    PlanLimit { message: String },
    #[error("Some fields need your attention.")]
    Validation { errors: Vec<FieldError> },
    #[error("The request body is larger than this endpoint accepts.")]
    PayloadTooLarge,
    #[error("Too many requests. Try again in {retry_after_secs} seconds.")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("Something went wrong on our side. It has been logged.")]
    Internal,
    #[error("The service is temporarily unavailable.")]
    Unavailable,
}

impl AppError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest { message: message.into() }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { message: message.into() }
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::Gone { message: message.into() }
    }

    pub fn step_up(mfa: bool) -> Self {
        let message = if mfa {
            "Confirm it is you: enter your password and a code from your authenticator app."
        } else {
            "Confirm it is you: enter your password."
        };
        Self::StepUpRequired { message: message.into(), mfa }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation { errors: vec![FieldError { field: field.into(), message: message.into() }] }
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest { .. } => 400,
            Self::Unauthorized | Self::InvalidCredentials => 401,
            Self::Forbidden | Self::StepUpRequired { .. } => 403,
            Self::PlanLimit { .. } => 402,
            Self::NotFound => 404,
            Self::Conflict { .. } => 409,
            Self::Gone { .. } => 410,
            Self::PayloadTooLarge => 413,
            Self::Validation { .. } => 422,
            Self::TooManyRequests { .. } => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }

    /// Short, stable summary of the problem type (RFC 9457 `title`).
    pub fn title(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "Bad request",
            Self::Unauthorized | Self::InvalidCredentials => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::StepUpRequired { .. } => "Confirmation required",
            Self::NotFound => "Not found",
            Self::Conflict { .. } => "Conflict",
            Self::Gone { .. } => "Gone",
            Self::PlanLimit { .. } => "Plan limit reached",
            Self::PayloadTooLarge => "Payload too large",
            Self::Validation { .. } => "Validation failed",
            Self::TooManyRequests { .. } => "Too many requests",
            Self::Internal => "Internal server error",
            Self::Unavailable => "Service unavailable",
        }
    }

    /// Machine-readable code, the serde tag (`not_found`, `validation`…).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::StepUpRequired { .. } => "step_up_required",
            Self::NotFound => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::Gone { .. } => "gone",
            Self::PlanLimit { .. } => "plan_limit",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Validation { .. } => "validation",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    /// The message for one field, for forms that show errors beside inputs.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        match self {
            Self::Validation { errors } => {
                errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
            }
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message) => {
                Self::BadRequest { message }
            }
            // Transport or server failures: the detail stays in the server log.
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_a_client_or_server_status_matching_its_kind() {
        assert_eq!(AppError::NotFound.status(), 404);
        assert_eq!(AppError::field("email", "is invalid").status(), 422);
        assert_eq!(AppError::Internal.status(), 500);
        assert!(AppError::bad_request("x").status() < 500);
    }

    #[test]
    fn the_wire_form_is_tagged_with_a_stable_code() {
        let json = serde_json::to_value(AppError::field("email", "is invalid")).unwrap();
        assert_eq!(json["code"], "validation");
        assert_eq!(json["errors"][0]["field"], "email");
        let back: AppError = serde_json::from_value(json).unwrap();
        assert_eq!(back.field_message("email"), Some("is invalid"));
    }

    #[test]
    fn internal_errors_never_carry_a_detail_message() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::ServerError("db down at 10.0.0.1".into()));
        assert_eq!(err, AppError::Internal);
        assert!(!err.to_string().contains("10.0.0.1"));
    }
}
