//! Reusable pieces of the screens: labelled fields with their errors, the password checklist,
//! the code field, the board picker, busy buttons, the demo banner, the error region, the
//! header's account switcher and Paramètres' updates card.

pub mod account_switcher;
pub mod board_picker;
pub mod browser_sign_in;
pub mod busy_button;
pub mod clock;
pub mod code_input;
pub mod demo_banner;
pub mod field;
pub mod link_email;
pub mod password_checklist;
pub mod updates;
