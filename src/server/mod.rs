//! Server-only ground floor: configuration, telemetry, state, database, HTTP plumbing, jobs.
pub mod api;
pub mod config;
pub mod crypto;
pub mod csv;
pub mod db;
pub mod error;
pub mod health;
pub mod jobs;
pub mod mail;
pub mod middleware;
pub mod pwa;
pub mod rate_limit;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod tenant;
