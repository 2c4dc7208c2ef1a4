//! Identity: accounts, password sign-in with backoff and lockout, TOTP MFA with backup codes,
//! sessions (access JWT + rotating refresh token, silent refresh), personal API keys, emailed
//! links (verification, reset, email change), profile and avatar, and the security audit log.
pub mod server_fns;
pub mod types;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod mfa;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;

#[cfg(feature = "ssr")]
pub use session::{ClientInfo, CurrentUser};
