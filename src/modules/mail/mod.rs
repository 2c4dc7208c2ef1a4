//! Email marketing: sender identities (with their own SMTP server or the platform's), block
//! templates rendered to responsive HTML and plain text, campaigns to CRM tags or segments sent
//! through the job queue, and the public unsubscribe, open and click endpoints that feed each
//! campaign's report.
pub mod server_fns;
pub mod types;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod public;
#[cfg(feature = "ssr")]
pub mod render;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod sender;
#[cfg(feature = "ssr")]
pub mod sequences;
#[cfg(feature = "ssr")]
pub mod service;
