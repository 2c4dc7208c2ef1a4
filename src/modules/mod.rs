//! Business modules, one folder each (see DESIGN.md). The catalogue of modules the navigation
//! and landing page show lives in `catalog`.
pub mod auth;
pub mod bio;
pub mod admin;
pub mod catalog;
pub mod crm;
pub mod mail;
pub mod workspaces;
