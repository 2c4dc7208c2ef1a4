//! The CRM pages.
