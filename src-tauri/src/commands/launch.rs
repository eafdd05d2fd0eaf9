//! The launch's timeline: the start-up milestones the shell logs once each, ending with the mark
//! `cargo xtask bench` times start-up by (`ui_ready`). BENCHMARKS.md ("Start-up timeline") reads
//! them to show where a launch's milliseconds go.

use std::{
    sync::{
        OnceLock,
        atomic::{AtomicU8, Ordering},
    },
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use cartable_core::ipc::{UiMarks, UiReady};

use super::{Args, CommandResult};

/// When [`mark_start`] ran (first thing in `run`), on the monotonic clock and in Unix
/// milliseconds: milestones count from here.
static STARTED: OnceLock<(Instant, u64)> = OnceLock::new();
/// One bit per [`Milestone`] already logged in this process.
static REACHED: AtomicU8 = AtomicU8::new(0);

/// A point of the launch, logged the first time it is reached. The webview loads the UI in
/// parallel with the portal's connection, so [`Milestone::PortalReady`] may come before or after
/// [`Milestone::FirstCommand`]; a login form opened at once (no session to restore) reports
/// [`Milestone::UiReady`] before [`Milestone::StartupAnswered`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Milestone {
    /// The setup hook has run: state managed, the portal's connection started.
    Setup,
    /// The portal's connection is ready (the embedded demo portal started, or the configured
    /// portal's client built).
    PortalReady,
    /// The UI's first command arrived: the webview has loaded, compiled and started the wasm.
    FirstCommand,
    /// `restore_session` has answered (where the parent stands, or a failure).
    StartupAnswered,
    /// The UI has rendered its first screen, interactive (`ui_ready`).
    UiReady,
}

impl Milestone {
    /// The milestone's name in the log line.
    fn name(self) -> &'static str {
        match self {
            Self::Setup => "setup done",
            Self::PortalReady => "portal ready",
            Self::FirstCommand => "first UI command",
            Self::StartupAnswered => "restore_session answered",
            Self::UiReady => "ui ready",
        }
    }

    /// Whether this call is the first to reach the milestone in this process.
    fn first(self) -> bool {
        self.first_in(&REACHED)
    }

    /// Sets the milestone's bit in `reached`; whether it was clear.
    fn first_in(self, reached: &AtomicU8) -> bool {
        let bit = 1 << self as u8;
        reached.fetch_or(bit, Ordering::SeqCst) & bit == 0
    }
}

// One bit of `REACHED` per milestone.
const _: () = assert!((Milestone::UiReady as u32) < u8::BITS);

/// Milliseconds since [`mark_start`] (0 if it never ran, as in the command-layer tests).
fn since_start() -> u128 {
    STARTED.get().map_or(0, |(t, _)| t.elapsed().as_millis())
}

/// Unix milliseconds now.
fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Notes the process's start (the app calls it first thing; later calls keep the first time).
pub fn mark_start() {
    STARTED.get_or_init(|| (Instant::now(), unix_ms()));
}

/// Logs `milestone` with the milliseconds since [`mark_start`] (`start-up: portal ready at 212
/// ms`), the first time it is reached in this process; later calls do nothing.
pub fn reached(milestone: Milestone) {
    if milestone.first() {
        log::info!("start-up: {} at {} ms", milestone.name(), since_start());
    }
}

/// The first screen is interactive (`ui_ready`): logs, once per launch, the UI's marks on the
/// timeline (milliseconds since [`mark_start`], from their Unix time), then the time since
/// [`mark_start`] in milliseconds and the wall clock in Unix milliseconds (the bench compares
/// the latter with the moment it started the process).
#[tauri::command]
pub async fn ui_ready(args: Args<UiReady>) -> CommandResult<UiReady> {
    if Milestone::UiReady.first() {
        let start = STARTED.get().map_or(0, |&(_, unix)| unix);
        let UiMarks { navigation, wasm_started, answered, rendered } = args;
        for (name, at) in [
            ("page navigation started", Some(navigation)),
            ("wasm started", Some(wasm_started)),
            ("start-up answers in the UI", answered),
            ("first screen rendered", Some(rendered)),
        ] {
            match at {
                // 0: the webview did not give the time.
                Some(0) => log::info!("start-up: {name}: unknown"),
                Some(at) => {
                    log::info!("start-up: {name} at {} ms", i128::from(at) - i128::from(start));
                }
                None => log::info!("start-up: {name}: not waited for"),
            }
        }
        log::info!(
            "{}: {} ms after start (unix ms {})",
            Milestone::UiReady.name(),
            since_start(),
            unix_ms()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU8;

    use super::Milestone;

    /// Each milestone is logged once: its first call reaches it, later calls do not, and
    /// reaching one does not mark another.
    #[test]
    fn each_milestone_is_reached_once() {
        use Milestone::{FirstCommand, PortalReady, Setup, StartupAnswered, UiReady};
        let reached = AtomicU8::new(0);
        for milestone in [Setup, PortalReady, FirstCommand, StartupAnswered, UiReady] {
            assert!(milestone.first_in(&reached), "{milestone:?}");
            assert!(!milestone.first_in(&reached), "{milestone:?}");
        }
        assert_eq!(reached.into_inner(), 0b1_1111);
    }
}
