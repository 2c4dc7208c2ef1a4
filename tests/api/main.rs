//! One integration binary (fast to link): each file is one area of the API. Every test gets a
//! fresh, migrated database from `#[sqlx::test]` (needs DATABASE_URL with CREATE rights).
mod helpers;

mod account;
mod admin;
mod auth;
mod bio;
mod crm;
mod keys;
mod limits;
mod mail;
mod mail_automation;
mod mail_marketing;
mod mfa;
mod sessions;
mod errors;
mod health;
mod jobs;
mod pages;
mod startup;
mod workspaces;
