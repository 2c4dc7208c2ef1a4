//! Compiled for both the server and the browser.
pub mod error;
pub mod ui;
pub mod validate;
