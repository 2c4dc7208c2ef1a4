//! CRM: contacts with custom fields, tags and consent, companies, saved segments, and the
//! contact timeline every other module writes to through `service::record_activity`.
pub mod server_fns;
pub mod types;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod deals;
#[cfg(feature = "ssr")]
pub mod import;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;
