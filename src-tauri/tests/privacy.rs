//! `docs/contract.md §6` "Privacy": with the app's log levels ([`cartable_lib::log_levels`]),
//! nothing logged during sign-up, sign-in and sign-out holds the code, the password, a token
//! or the full email, even though the embedded demo portal logs the code (§8).

use std::sync::{Mutex, PoisonError};

use cartable_core::ipc::{
    self, FlowCodeArgs, FlowKind, FlowPasswordArgs, FlowStartArgs, SignInArgs,
};

#[path = "support/harness.rs"]
mod harness;

use harness::{CANONICAL, Computer, EMAIL, PASSWORD, refresh_token};

static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Keeps every record the app's filters let through, as the log file would.
struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        let (level, per_target) = cartable_lib::log_levels();
        let limit = per_target
            .iter()
            .filter(|(target, _)| metadata.target().starts_with(target))
            .map(|(_, level)| *level)
            .next()
            .unwrap_or(level);
        metadata.level() <= limit
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}", record.target(), record.args());
            RECORDS.lock().unwrap_or_else(PoisonError::into_inner).push(line);
        }
    }

    fn flush(&self) {}
}

#[test]
fn logs_hold_no_secret_and_no_full_email() {
    log::set_boxed_logger(Box::new(Capture)).expect("first logger");
    log::set_max_level(log::LevelFilter::Trace);

    let computer = Computer::new();
    let launch = computer.launch();
    launch.ok::<ipc::FlowStart>(&FlowStartArgs { kind: FlowKind::SignUp, email: EMAIL.into() });
    let code = launch.demo_code(CANONICAL);
    let wrong = launch.call::<ipc::FlowVerifyCode>(&FlowCodeArgs {
        kind: FlowKind::SignUp,
        code: "999999".into(),
    });
    assert!(wrong.is_err());
    launch.ok::<ipc::FlowVerifyCode>(&FlowCodeArgs {
        kind: FlowKind::SignUp,
        code: code.clone().into(),
    });
    launch.ok::<ipc::FlowSetPassword>(&FlowPasswordArgs {
        kind: FlowKind::SignUp,
        password: PASSWORD.into(),
    });
    let token = refresh_token(&computer, "embedded");
    launch.ok::<ipc::SignOut>(&());
    launch.ok::<ipc::SignIn>(&SignInArgs { email: EMAIL.into(), password: PASSWORD.into() });

    let records = RECORDS.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert!(
        records.iter().any(|r| r.starts_with("cartable_lib::embedded")),
        "the capture sees the app's own records: {records:?}"
    );
    for record in &records {
        let lower = record.to_lowercase();
        for secret in [code.as_str(), PASSWORD, token.as_str(), CANONICAL] {
            assert!(!lower.contains(&secret.to_lowercase()), "leaked in log: {record}");
        }
    }
}
