//! Identity: accounts, password sign-in, sessions (access JWT + rotating refresh token),
//! CSRF-safe cookies and the security audit log. See issue 3 for what is still to come.
pub mod server_fns;
pub mod types;

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
