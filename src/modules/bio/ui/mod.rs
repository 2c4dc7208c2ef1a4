//! The bio pages of the app: the list of pages (`/w/{slug}/bio`), the editor
//! (`/w/{slug}/bio/{page_id}`) and the stats (`/w/{slug}/bio/{page_id}/stats`).
mod editor;
mod list;
mod stats;

pub use editor::BioEditorPage;
pub use list::BioPagesPage;
pub use stats::BioStatsPage;
