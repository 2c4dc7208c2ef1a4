//! Workspaces, the tenant: teams with roles and permissions, invitations and join links,
//! custom roles, plans and their limits, the setup wizard's goals, soft delete with restore,
//! and the workspace activity log. `server::tenant::Tenant` is built on this module's tables.
pub mod permissions;
pub mod server_fns;
pub mod types;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod members;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;
