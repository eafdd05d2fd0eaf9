//! One module per screen; each owns its form state and calls the shell through [`crate::ipc`].

pub mod associate;
pub mod children;
pub mod demo_mail;
pub mod dossier;
pub mod flow;
pub mod help;
pub mod login;
pub mod reset;
pub mod settings;
pub mod sign_up;
pub mod start;
