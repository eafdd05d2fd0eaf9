//! The Tauri commands, one per [`cartable_core::ipc`] descriptor, grouped by flow.
//!
//! Each handler takes the managed [`AppState`](crate::AppState) and one parameter `args` of
//! the descriptor's `Args` type, and answers `Result<Output, Error>` ([`CommandResult`]); the type
//! aliases make a handler that drifts from its descriptor fail to compile. Handlers are a few
//! lines: the work lives in [`crate::state`] and `portal-client`.

use cartable_core::ipc::Command;

use crate::error::Error;

pub mod auth;
pub mod children;
pub mod demo;
pub mod launch;
pub mod settings;
pub mod social;
pub mod updates;

// Every handler by its command name (`commands::sign_in`), as `cartable_core::command_table!`
// names them: `build_app` registers them from that table.
pub use self::{auth::*, children::*, demo::*, launch::*, settings::*, social::*, updates::*};

/// The argument type of command `C`.
pub type Args<C> = <C as Command>::Args;

/// The result of command `C`.
pub type CommandResult<C> = Result<<C as Command>::Output, Error>;
