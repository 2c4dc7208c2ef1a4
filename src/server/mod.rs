//! Server-only ground floor: configuration, telemetry, state, database, HTTP plumbing, jobs.
pub mod api;
pub mod config;
pub mod db;
pub mod error;
pub mod health;
pub mod jobs;
pub mod middleware;
pub mod pwa;
pub mod startup;
pub mod state;
pub mod telemetry;
