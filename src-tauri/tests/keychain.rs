//! The OS keychain through `keyring` against a real Secret Service, and the three states in
//! which none is usable (no session bus; a bus without a Secret Service; a locked collection).
//!
//! These tests need a prepared D-Bus session, so they are `#[ignore]`d: run
//! `src-tauri/tests/keychain.sh`, which runs this binary once per state with
//! `CARTABLE_KEYCHAIN_EXPECT` set to `available` or `unavailable`. Run directly without it,
//! every test fails on purpose (the variable is missing).

use std::{
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use cartable_core::ipc::{self, Startup};
use cartable_lib::{
    CredentialStore, KeyringStore,
    keychain::{Keychain, StoredAccount, UnavailableHook},
};

#[path = "support/harness.rs"]
mod harness;

use harness::{CANONICAL, Computer};

const EXPECT: &str = "CARTABLE_KEYCHAIN_EXPECT";
const CHILD: &str = "CARTABLE_KEYCHAIN_CHILD";

fn expect_available() -> bool {
    match std::env::var(EXPECT).as_deref() {
        Ok("available") => true,
        Ok("unavailable") => false,
        _ => panic!("set {EXPECT}=available|unavailable (run src-tauri/tests/keychain.sh)"),
    }
}

fn counting_keychain() -> (Keychain, Arc<AtomicUsize>) {
    let reports = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&reports);
    let hook: UnavailableHook = Box::new(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    (Keychain::new(Arc::new(KeyringStore), hook), reports)
}

/// Runs `child_process_reads` of this same test binary in a new process; answers what it read.
fn read_in_another_process(portal_id: &str) -> String {
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--ignored", "--exact", "child_process_reads", "--nocapture"])
        .env(CHILD, portal_id)
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed: {stdout}");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("READ "))
        .unwrap_or_else(|| panic!("no READ line in {stdout}"))
        .to_owned()
}

/// Not a test: the body of the second process of [`read_in_another_process`], which sets
/// `CARTABLE_KEYCHAIN_CHILD`; prints the account it finds, or `none`. Without the variable (a
/// plain `--ignored` run) it has nothing to do.
#[test]
#[ignore = "helper process of secret_service_entries_survive_the_process"]
fn child_process_reads() {
    let Ok(portal_id) = std::env::var(CHILD) else {
        return;
    };
    let (keychain, _) = counting_keychain();
    match keychain.account(&portal_id, "k") {
        Some(account) => {
            println!("READ {}|{}", account.email, account.refresh_token.unwrap_or_default())
        }
        None => println!("READ none"),
    }
}

#[test]
#[ignore = "needs a Secret Service in a D-Bus session: run src-tauri/tests/keychain.sh"]
fn secret_service_entries_survive_the_process() {
    if !expect_available() {
        return;
    }
    let portal_id = format!("test-{}", std::process::id());
    let (keychain, reports) = counting_keychain();
    assert!(keychain.available(), "{:?}", keyring::Entry::store_status());
    let account = StoredAccount {
        email: CANONICAL.into(),
        refresh_token: Some("rt-across-processes".into()),
    };
    assert!(keychain.set_account(&portal_id, "k", &account), "written to the Secret Service");
    assert_eq!(read_in_another_process(&portal_id), format!("{CANONICAL}|rt-across-processes"));

    keychain.delete_account(&portal_id, "k");
    assert_eq!(read_in_another_process(&portal_id), "none");
    assert_eq!(KeyringStore.get(&format!("{portal_id}|account|k")), Ok(None));
    assert_eq!(reports.load(Ordering::SeqCst), 0);
}

#[test]
#[ignore = "needs a prepared D-Bus session: run src-tauri/tests/keychain.sh"]
fn sign_up_with_the_os_keychain() {
    let available = expect_available();
    println!("keyring store status: {:?}", keyring::Entry::store_status());
    let computer = Computer::with_store(Arc::new(KeyringStore));
    let launch = computer.launch();
    // A locked collection shows only when written to; the two other states show at start.
    if available {
        assert!(launch.info().keychain_available);
    }
    let signed = launch.sign_up();
    assert_eq!(signed.persisted, available, "the flow completes either way");
    assert!(launch.ok::<ipc::ListChildren>(&()).is_empty());
    assert_eq!(
        launch.info().keychain_available,
        available,
        "Paramètres says whether \"stay signed in\" works"
    );
    let reports = launch.keychain_reports.load(Ordering::SeqCst);
    assert_eq!(reports, usize::from(!available), "keychain_unavailable said once, never retried");
    drop(launch);

    let next = computer.launch();
    let restored = next.ok::<ipc::RestoreSession>(&());
    if available {
        assert!(matches!(restored, Startup::SignedIn(_)), "{restored:?}");
        assert_eq!(
            computer.index("embedded").accounts.len(),
            1,
            "{:?}",
            computer.index("embedded")
        );
        next.ok::<ipc::ForgetAllAccounts>(&());
        assert_eq!(computer.peek("embedded|accounts"), None);
        assert_eq!(computer.account("embedded"), None);
    } else {
        assert_eq!(restored, Startup::SignedOut { email: None, session_expired: false });
    }
}
