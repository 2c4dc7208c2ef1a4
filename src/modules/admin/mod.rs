//! Platform administration: a flag on users (`users.is_platform_admin`, set with
//! `mewayz admin grant|revoke <email>`), and for those users an admin area listing every
//! account and workspace, with search, pagination and plan changes.
//!
//! The area answers 404 to everyone else, so its existence does not leak; the flag is read
//! from the database on every call, never trusted from a token.
pub mod server_fns;
pub mod types;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;
