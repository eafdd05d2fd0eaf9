//! The launch's start-up mark (`ui_ready`), which `cargo xtask bench` times start-up by.

use std::{
    sync::{
        OnceLock,
        atomic::{AtomicBool, Ordering},
    },
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use cartable_core::ipc::UiReady;

use super::{Args, CommandResult};

/// When [`mark_start`] ran (first thing in `run`), for [`ui_ready`].
static STARTED: OnceLock<Instant> = OnceLock::new();
/// Whether this launch's first screen was reported.
static READY: AtomicBool = AtomicBool::new(false);

/// Notes the process's start (the app calls it first thing; later calls keep the first time).
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// The first screen is interactive (`ui_ready`): logs, once per launch, the time since
/// [`mark_start`] in milliseconds and the wall clock in Unix milliseconds (the bench compares
/// the latter with the moment it started the process).
#[tauri::command]
pub async fn ui_ready(args: Args<UiReady>) -> CommandResult<UiReady> {
    let () = args;
    if READY.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    let since = STARTED.get().map_or(0, |t| t.elapsed().as_millis());
    let unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    log::info!("ui ready: {since} ms after start (unix ms {unix})");
    Ok(())
}
