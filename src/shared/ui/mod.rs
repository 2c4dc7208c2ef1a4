//! Shared UI components. Styling lives in `style/tailwind.css` as small component classes
//! built from the design tokens, so markup stays readable and the CSS stays small.
mod button;
mod chart;
mod dialog;
mod feedback;
mod field;
mod icon;
mod layout;
mod suspend;
mod theme;

pub use button::{Button, ButtonVariant};
pub use chart::{BarList, BarRow, LineChart, Series};
pub use dialog::Dialog;
pub use feedback::{EmptyState, Spinner, ToastHost, ToastKind, Toasts, provide_toasts, use_toasts};
pub use field::TextField;
pub use icon::Icon;
pub use layout::{Card, Table};
pub use suspend::{loaded, settle};
pub use theme::{THEME_BOOT_SCRIPT, ThemeToggle};
