//! Link in bio: pages of blocks built in the editor, published as a light server-rendered page
//! at `/@{handle}`, with cookie-free view and click analytics, QR codes and email sign-ups.
//! The pattern later modules follow: types, repo, service, server fns, REST and ui side by side.
pub mod server_fns;
pub mod types;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod icons;
#[cfg(feature = "ssr")]
pub mod public;
#[cfg(feature = "ssr")]
pub mod render;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod tracking;
