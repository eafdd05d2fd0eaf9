//! The command layer through Tauri's mock runtime, against the real reference portal.
//!
//! Each test builds the app with [`cartable_lib::build_app`] on `tauri::test::mock_builder()`,
//! the real context (capabilities and app manifest included: a command the main window may
//! not call fails here too), a shared [`MemoryStore`] standing in for the OS keychain, and
//! temporary config and data folders. "A new launch" is a second app built over the same
//! store and folders. Codes are read from the portal's outbox, as a parent would read them.

use std::sync::Arc;

use cartable_core::ipc::{
    self, AccountArgs, FlowArgs, FlowCodeArgs, FlowKind, FlowPasswordArgs, FlowStartArgs, FlowStep,
    Language, PortalSource, SettingsUpdate, SignInArgs, SignedIn, SignedOut, Startup,
};
use cartable_core::wire::parent::AssociateRequest;
use cartable_core::{AppError, Field};
use cartable_lib::{MemoryStore, PortalEnv, PortalOrigin, keychain::StoredAccount};

#[path = "support/harness.rs"]
mod harness;

use harness::{
    CANONICAL, Computer, EMAIL, OwnPortal, PASSWORD, post_form, refresh_status, refresh_token,
};

// ---- every command is registered and granted ----

/// The build script refuses a capability that does not grant exactly the command table, and a
/// table entry without a handler does not compile; this checks the result at run time.
#[test]
fn every_command_reaches_a_registered_granted_handler() {
    // Every name reaches a registered, granted handler: a malformed argument is refused by the
    // handler's own deserialization, not as an unknown or forbidden command.
    let computer = Computer::new();
    let launch = computer.launch();
    for name in ipc::COMMAND_NAMES {
        let error = launch
            .invoke(name, serde_json::json!({ "args": ["not", "an", "argument"] }))
            .expect_err("malformed arguments are refused");
        let text = error.as_str().unwrap_or_default();
        assert!(text.contains("invalid args `args`"), "{name}: {error}");
    }
    let unknown = launch.invoke("plugin:fs|read_file", serde_json::json!({})).expect_err("refused");
    assert!(!unknown.to_string().contains("invalid args"), "{unknown}");
}

/// `ui_ready` takes the UI's marks, with the start-up answers' time or without it (the login
/// form opened at once); later calls are accepted and do nothing.
#[test]
fn ui_ready_takes_the_marks_with_or_without_the_answers() {
    let computer = Computer::new();
    let launch = computer.launch();
    let marks = ipc::UiMarks { navigation: 1, wasm_started: 2, answered: None, rendered: 3 };
    launch.ok::<ipc::UiReady>(&marks);
    launch.ok::<ipc::UiReady>(&ipc::UiMarks { answered: Some(4), ..marks });
}

// ---- sessions across launches ----

#[test]
fn sign_up_then_a_new_launch_is_still_signed_in_on_another_port() {
    let computer = Computer::new();
    let first = computer.launch();
    assert_eq!(
        first.ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: None, session_expired: false }
    );
    let info = first.info();
    assert!(info.portal.demo && info.keychain_available);
    assert_eq!((info.portal.id.as_str(), info.portal.source), ("embedded", PortalSource::Embedded));
    assert_eq!(first.sign_up(), SignedIn { email: CANONICAL.into(), persisted: true });
    assert!(first.ok::<ipc::ListChildren>(&()).is_empty());
    let token_at_sign_up = refresh_token(&computer, "embedded");
    drop(first);

    let second = computer.launch();
    assert_eq!(
        second.ok::<ipc::RestoreSession>(&()),
        Startup::SignedIn(SignedIn { email: CANONICAL.into(), persisted: true })
    );
    assert_ne!(second.info().portal.origin, info.portal.origin, "the embedded portal moved port");
    assert_eq!(second.ok::<ipc::GetMe>(&()).email.as_deref(), Some(CANONICAL));
    let rotated = refresh_token(&computer, "embedded");
    assert_ne!(rotated, token_at_sign_up, "the rotated refresh token is stored");
}

#[test]
fn sign_out_revokes_and_deletes_the_token_but_keeps_the_email() {
    let computer = Computer::new();
    let launch = computer.launch();
    launch.sign_up();
    let token = refresh_token(&computer, "embedded");
    let origin = launch.info().portal.origin;

    assert_eq!(launch.ok::<ipc::SignOut>(&()), SignedOut { email: Some(CANONICAL.into()) });
    let index = computer.index("embedded");
    assert_eq!((index.accounts.len(), index.current), (0, None));
    assert_eq!(index.last_email.as_deref(), Some(CANONICAL), "the email stays for the login");
    assert_eq!(computer.store_accounts(), ["embedded|accounts"], "the token's entry is gone");
    let (status, body) = refresh_status(&origin, &token);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "revoked at the portal"
    );
    assert_eq!(
        launch.call::<ipc::ListChildren>(&()).map_err(|p| p.code()),
        Err("not_signed_in".into())
    );
    drop(launch);

    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: Some(CANONICAL.into()), session_expired: false }
    );
    let again =
        next.ok::<ipc::SignIn>(&SignInArgs { email: CANONICAL.into(), password: PASSWORD.into() });
    assert!(again.persisted);
}

#[test]
fn forget_this_device_clears_everything() {
    let computer = Computer::new();
    let launch = computer.launch();
    launch.sign_up();
    let update = SettingsUpdate { language: Some(Language::EnCa), portal_url: None };
    assert_eq!(launch.ok::<ipc::UpdateSettings>(&update).language, Language::EnCa);
    launch.ok::<ipc::ChangePasswordStart>(&());
    assert!(computer.account("embedded").is_some() && computer.peek("embedded|pending").is_some());
    let settings_file = computer.dirs().config.join("settings.json");
    assert!(settings_file.exists());

    launch.ok::<ipc::ForgetAllAccounts>(&());
    assert!(computer.store_accounts().is_empty(), "{:?}", computer.store_accounts());
    assert!(!settings_file.exists());
    assert!(!computer.dirs().data.join("demo-portal").exists(), "demo data deleted");
    assert_eq!(launch.ok::<ipc::PendingFlow>(&()), None);
    assert_eq!(launch.info().language, Language::FrCa);
    // The demo portal starts afresh: the account no longer exists there.
    let refused =
        launch.call::<ipc::SignIn>(&SignInArgs { email: EMAIL.into(), password: PASSWORD.into() });
    assert_eq!(refused.map_err(|p| p.code()), Err("invalid_credentials".into()));
}

#[test]
fn a_revoked_refresh_token_at_start_up_is_deleted_and_the_email_kept() {
    let computer = Computer::new();
    let launch = computer.launch();
    launch.sign_up();
    let origin = launch.info().portal.origin;
    let token = refresh_token(&computer, "embedded");
    drop(launch);

    let (status, _) = post_form(
        &format!("{origin}/auth/oauth2/v2.0/revoke"),
        &[("token", &token), ("token_type_hint", "refresh_token"), ("client_id", "cartable")],
    );
    assert_eq!(status, 200);

    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: Some(CANONICAL.into()), session_expired: true }
    );
    assert_eq!(computer.account("embedded"), None);
    assert_eq!(computer.index("embedded").last_email.as_deref(), Some(CANONICAL));
    assert_eq!(computer.store_accounts(), ["embedded|accounts"]);
}

#[test]
fn an_unreachable_portal_at_start_up_keeps_the_token() {
    let portal_dir = tempfile::tempdir().expect("temp dir");
    let mut portal = OwnPortal::start(portal_dir.path(), "127.0.0.1:0");
    let mut computer = Computer::new();
    computer.env = PortalEnv {
        portal_url: Some(PortalOrigin::normalize(&portal.origin)),
        social_providers: Some("apple,google".into()),
        ..PortalEnv::default()
    };
    let id = portal.origin.clone();

    let launch = computer.launch();
    let info = launch.info();
    assert_eq!((info.portal.id.as_str(), info.portal.demo), (id.as_str(), false));
    assert_eq!(
        info.portal.social_providers,
        [cartable_core::Provider::Google, cartable_core::Provider::Apple],
        "the portal's own offer"
    );
    assert_eq!(launch.call::<ipc::DemoOutbox>(&()).map_err(|p| p.code()), Err("not_demo".into()));
    launch.ok::<ipc::FlowStart>(&FlowStartArgs { kind: FlowKind::SignUp, email: EMAIL.into() });
    launch.ok::<ipc::FlowVerifyCode>(&FlowCodeArgs {
        kind: FlowKind::SignUp,
        code: portal.code_for(CANONICAL).into(),
    });
    launch.ok::<ipc::FlowSetPassword>(&FlowPasswordArgs {
        kind: FlowKind::SignUp,
        password: PASSWORD.into(),
    });
    drop(launch);
    let token = refresh_token(&computer, &id);
    portal.stop();

    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::PortalUnreachable { email: Some(CANONICAL.into()) }
    );
    assert_eq!(refresh_token(&computer, &id), token, "the token is kept");

    // "Réessayer" once the portal is back (same address, same database).
    let address = id.trim_start_matches("http://").to_owned();
    let mut back = OwnPortal::start(portal_dir.path(), &address);
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedIn(SignedIn { email: CANONICAL.into(), persisted: true })
    );
    back.stop();
}

#[test]
fn a_sign_up_interrupted_after_send_code_resumes_at_the_code_step() {
    let computer = Computer::new();
    let first = computer.launch();
    let step =
        first.ok::<ipc::FlowStart>(&FlowStartArgs { kind: FlowKind::SignUp, email: EMAIL.into() });
    assert_eq!(
        (step.flow, step.email.as_str(), step.code_length),
        (FlowKind::SignUp, CANONICAL, 6)
    );
    let stored = computer.peek("embedded|pending").expect("pending entry");
    assert!(!stored.contains(PASSWORD) && stored.contains("continuation_token"));
    drop(first);

    let second = computer.launch();
    assert_eq!(
        second.ok::<ipc::RestoreSession>(&()),
        Startup::Pending(FlowStep::Code(step.clone()))
    );
    assert_eq!(second.ok::<ipc::PendingFlow>(&()), Some(FlowStep::Code(step)));
    let wrong = second.call::<ipc::FlowVerifyCode>(&FlowCodeArgs {
        kind: FlowKind::SignUp,
        code: "000000".into(),
    });
    let wrong = wrong.expect_err("a wrong code");
    assert_eq!((wrong.code().as_str(), wrong.field), ("invalid_code", Some(Field::Code)));
    let code = second.demo_code(CANONICAL);
    let password_step = second
        .ok::<ipc::FlowVerifyCode>(&FlowCodeArgs { kind: FlowKind::SignUp, code: code.into() });
    assert_eq!(password_step.email, CANONICAL);
    let weak = second.call::<ipc::FlowSetPassword>(&FlowPasswordArgs {
        kind: FlowKind::SignUp,
        password: "court".into(),
    });
    assert_eq!(weak.map(|_| ()).map_err(|p| p.code()), Err("password_too_short".into()));
    let signed = second.ok::<ipc::FlowSetPassword>(&FlowPasswordArgs {
        kind: FlowKind::SignUp,
        password: PASSWORD.into(),
    });
    assert_eq!(signed.email, CANONICAL);
    assert!(computer.account("embedded").is_some());
    assert_eq!(computer.peek("embedded|pending"), None, "the pending entry is gone");
}

/// A reset goes through the commands a sign-up uses, named by its kind: a step named with the
/// other kind finds no pending flow and leaves the reset as it is, a wrong code keeps it, and the
/// new password signs in and revokes the session the parent had (`docs/contract.md §3`).
#[test]
fn a_reset_runs_through_the_flow_commands_by_its_kind() {
    let computer = Computer::new();
    let launch = computer.launch();
    launch.sign_up();
    let origin = launch.info().portal.origin;
    let before = refresh_token(&computer, "embedded");
    let pending = || computer.peek("embedded|pending").unwrap_or_default();

    let start = FlowStartArgs { kind: FlowKind::Reset, email: EMAIL.into() };
    let step = launch.ok::<ipc::FlowStart>(&start);
    assert_eq!((step.flow, step.email.as_str()), (FlowKind::Reset, CANONICAL));
    assert!(pending().contains("reset_code_sent"), "{}", pending());
    let code = launch.demo_code(CANONICAL);
    let other_kind = FlowCodeArgs { kind: FlowKind::SignUp, code: code.clone().into() };
    let refused = launch.call::<ipc::FlowVerifyCode>(&other_kind).map_err(|p| p.code());
    assert_eq!(refused.map(|_| ()), Err("no_pending_flow".into()));
    launch.ok::<ipc::FlowCancel>(&FlowArgs { kind: FlowKind::SignUp });
    assert_eq!(launch.ok::<ipc::PendingFlow>(&()), Some(FlowStep::Code(step)));
    let wrong = FlowCodeArgs { kind: FlowKind::Reset, code: "000000".into() };
    let wrong = launch.call::<ipc::FlowVerifyCode>(&wrong).expect_err("a wrong code");
    assert_eq!((wrong.code().as_str(), wrong.field), ("invalid_code", Some(Field::Code)));
    assert!(pending().contains("reset_code_sent"), "kept after a wrong code");

    let next = launch
        .ok::<ipc::FlowVerifyCode>(&FlowCodeArgs { kind: FlowKind::Reset, code: code.into() });
    assert_eq!((next.flow, next.email.as_str()), (FlowKind::Reset, CANONICAL));
    assert!(pending().contains("reset_needs_password"), "{}", pending());
    let new_password = FlowPasswordArgs { kind: FlowKind::Reset, password: "Nouveau-2026".into() };
    let signed = launch.ok::<ipc::FlowSetPassword>(&new_password);
    assert_eq!(signed, SignedIn { email: CANONICAL.into(), persisted: true });
    assert_eq!(computer.peek("embedded|pending"), None, "the pending entry is gone");
    assert_eq!(refresh_status(&origin, &before).0, 400, "the earlier session is revoked");
    assert_ne!(refresh_token(&computer, "embedded"), before, "the new session is stored");
}

#[test]
fn without_a_keychain_every_flow_still_completes_in_memory() {
    let computer = Computer::with_store(Arc::new(MemoryStore::unavailable()));
    let launch = computer.launch();
    assert!(!launch.info().keychain_available);
    assert_eq!(launch.sign_up(), SignedIn { email: CANONICAL.into(), persisted: false });
    assert!(launch.ok::<ipc::ListChildren>(&()).is_empty());
    let reports = launch.keychain_reports.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(reports, 1, "keychain_unavailable is said once per launch");
    drop(launch);
    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: None, session_expired: false }
    );
}

#[test]
fn input_errors_are_codes_on_fields() {
    let computer = Computer::new();
    let launch = computer.launch();
    let bad = launch.call::<ipc::FlowStart>(&FlowStartArgs {
        kind: FlowKind::SignUp,
        email: "parent.exemple.ca".into(),
    });
    let bad = bad.expect_err("no @");
    assert_eq!((bad.code().as_str(), bad.field), ("email_missing_at", Some(Field::Email)));
    let none = launch.call::<ipc::FlowVerifyCode>(&FlowCodeArgs {
        kind: FlowKind::SignUp,
        code: "123456".into(),
    });
    assert_eq!(none.map(|_| ()).map_err(|p| p.code()), Err("no_pending_flow".into()));
    let insecure = SettingsUpdate {
        language: None,
        portal_url: Some(Some("http://portail.example.ca".into())),
    };
    let refused = launch.call::<ipc::UpdateSettings>(&insecure).expect_err("http refused");
    assert_eq!(refused.code(), "invalid_setting");
    assert_eq!(refused.params().get("reason"), Some(&serde_json::json!("insecure_url")));
}

/// The UI's wasm has no IDNA: it leaves internationalised domains to the shell, which must
/// refuse a bad one with the error the UI gives for an ASCII domain, on the same field.
#[test]
fn bad_internationalised_domains_are_refused_on_the_email_field() {
    let computer = Computer::new();
    let launch = computer.launch();
    let field_error = |error: AppError| (error.code(), error.field);
    for (email, code) in [
        ("parent@école", "email_domain_missing_dot"),
        ("parent@-école.ca", "email_bad_domain"),
        ("parent@xn--bcher-.ch", "email_bad_domain"),
    ] {
        let expected = (code.to_owned(), Some(Field::Email));
        let start = |kind| FlowStartArgs { kind, email: email.into() };
        let refused = launch.call::<ipc::FlowStart>(&start(FlowKind::SignUp)).expect_err(email);
        assert_eq!(field_error(refused), expected, "sign-up {email}");
        let refused = launch.call::<ipc::FlowStart>(&start(FlowKind::Reset)).expect_err(email);
        assert_eq!(field_error(refused), expected, "reset {email}");
        let sign_in = SignInArgs { email: email.into(), password: PASSWORD.into() };
        let refused = launch.call::<ipc::SignIn>(&sign_in).expect_err(email);
        assert_eq!(field_error(refused), expected, "sign-in {email}");
    }
    launch.sign_up();
    let request = AssociateRequest::Identity {
        board_id: "css-affluents".into(),
        last_name: "Tremblay".into(),
        first_name: "Léa".into(),
        birth_date: "2015-03-14".into(),
        student_number: Some("1234567".into()),
        permanent_code: None,
        email: "parent@-école.ca".into(),
    };
    let refused = launch.call::<ipc::AssociateChild>(&request).expect_err("bad domain");
    assert_eq!(field_error(refused), ("email_bad_domain".to_owned(), Some(Field::Email)));
}

#[test]
fn an_emptied_portal_address_goes_back_to_the_demo_portal() {
    let computer = Computer::new();
    let launch = computer.launch();
    let set = |url: Option<&str>| SettingsUpdate {
        language: None,
        portal_url: Some(url.map(str::to_owned)),
    };
    let info = launch.ok::<ipc::UpdateSettings>(&set(Some("https://portail.example.ca")));
    assert_eq!(info.portal.origin, "https://portail.example.ca");
    // The UI sends `{"portal_url": null}` for an emptied field.
    let raw = launch
        .invoke(
            "update_settings",
            serde_json::json!({"args": {"language": null, "portal_url": null}}),
        )
        .expect("accepted");
    assert_eq!(raw["portal"]["id"], "embedded", "{raw}");
    let saved =
        std::fs::read_to_string(computer.dirs().config.join("settings.json")).expect("saved");
    assert!(!saved.contains("portail.example.ca"), "{saved}");
}

// ---- several parents on one device (`docs/contract.md §9`) ----

/// The second parent of these tests.
const OTHER: &str = "jean.gagnon@exemple.ca";

fn masked(email: &str) -> String {
    cartable_core::Email::parse(email).expect("an email").masked()
}

fn me(launch: &harness::Launch) -> Option<String> {
    launch.ok::<ipc::GetMe>(&()).email
}

fn switch(launch: &harness::Launch, key: &str) -> Startup {
    launch.ok::<ipc::SwitchAccount>(&AccountArgs { key: key.to_owned() })
}

/// Signs up the first parent, adds the second; answers both account keys.
fn two_parents(computer: &Computer, launch: &harness::Launch) -> (String, String) {
    launch.sign_up();
    let first = launch.ok::<ipc::ListAccounts>(&()).current.expect("the first parent is current");
    launch.ok::<ipc::AddAccount>(&());
    let set_aside = launch.ok::<ipc::ListAccounts>(&());
    assert_eq!((set_aside.accounts.len(), set_aside.current), (1, None));
    assert_eq!(
        launch.call::<ipc::ListChildren>(&()).map_err(|p| p.code()),
        Err("not_signed_in".into()),
        "nothing of the first parent answers while the second signs in"
    );
    assert_eq!(launch.sign_up_as(OTHER), SignedIn { email: OTHER.into(), persisted: true });
    let second = launch.ok::<ipc::ListAccounts>(&()).current.expect("the second parent is current");
    assert_ne!(first, second);
    for key in [&first, &second] {
        let entry = computer.entry("embedded", key).expect("one entry per parent");
        assert!(entry.refresh_token.is_some(), "{entry:?}");
    }
    (first, second)
}

#[test]
fn adding_a_second_parent_keeps_the_first_and_switching_shows_each_their_own() {
    let computer = Computer::new();
    let launch = computer.launch();
    let (first, second) = two_parents(&computer, &launch);
    let list = launch.ok::<ipc::ListAccounts>(&());
    let labels: Vec<_> = list.accounts.iter().map(|a| a.label.clone()).collect();
    assert_eq!(labels, [masked(CANONICAL), masked(OTHER)], "masked emails only, in order");
    assert_eq!(me(&launch).as_deref(), Some(OTHER));

    assert_eq!(
        switch(&launch, &first),
        Startup::SignedIn(SignedIn { email: CANONICAL.into(), persisted: true })
    );
    assert_eq!(me(&launch).as_deref(), Some(CANONICAL));
    assert_eq!(launch.ok::<ipc::ListAccounts>(&()).current.as_deref(), Some(first.as_str()));
    assert_eq!(
        switch(&launch, &second),
        Startup::SignedIn(SignedIn { email: OTHER.into(), persisted: true })
    );
    assert_eq!(me(&launch).as_deref(), Some(OTHER));
    // A pending password change belongs to the parent who started it: a switch ends it.
    launch.ok::<ipc::ChangePasswordStart>(&());
    switch(&launch, &first);
    assert_eq!(launch.ok::<ipc::PendingFlow>(&()), None);
    assert_eq!(computer.peek("embedded|pending"), None);
    drop(launch);

    // A new launch: the last parent shown, both still signed in.
    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedIn(SignedIn { email: CANONICAL.into(), persisted: true })
    );
    assert_eq!(me(&next).as_deref(), Some(CANONICAL));
    assert_eq!(next.ok::<ipc::ListAccounts>(&()).accounts.len(), 2);
    assert_eq!(
        switch(&next, &second),
        Startup::SignedIn(SignedIn { email: OTHER.into(), persisted: true })
    );
    assert_eq!(me(&next).as_deref(), Some(OTHER));
}

#[test]
fn signing_out_or_forgetting_the_current_parent_keeps_the_other() {
    let computer = Computer::new();
    let launch = computer.launch();
    let (first, second) = two_parents(&computer, &launch);
    let origin = launch.info().portal.origin;
    let token = computer.entry("embedded", &second).and_then(|a| a.refresh_token).expect("token");

    assert_eq!(launch.ok::<ipc::SignOut>(&()), SignedOut { email: Some(OTHER.into()) });
    assert_eq!(refresh_status(&origin, &token).0, 400, "the second parent's token is revoked");
    assert_eq!(computer.entry("embedded", &second), None);
    let list = launch.ok::<ipc::ListAccounts>(&());
    assert_eq!((list.accounts.len(), list.current), (1, None));
    assert_eq!(computer.index("embedded").last_email.as_deref(), Some(OTHER));
    assert_eq!(
        switch(&launch, &first),
        Startup::SignedIn(SignedIn { email: CANONICAL.into(), persisted: true })
    );
    assert_eq!(me(&launch).as_deref(), Some(CANONICAL));

    // "Oublier cet appareil" for the first parent too, after the second signs in again.
    launch.ok::<ipc::AddAccount>(&());
    launch.ok::<ipc::SignIn>(&SignInArgs { email: OTHER.into(), password: PASSWORD.into() });
    let second = launch.ok::<ipc::ListAccounts>(&()).current.expect("signed in again");
    launch.ok::<ipc::ForgetDevice>(&());
    assert_eq!(computer.entry("embedded", &second), None);
    let index = computer.index("embedded");
    assert_eq!((index.accounts.len(), index.current, index.last_email), (1, None, None));
    assert!(computer.entry("embedded", &first).is_some(), "the first parent stays signed in");
    drop(launch);
    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: None, session_expired: false },
        "the login screen; the first parent waits in the switcher"
    );
    assert_eq!(
        switch(&next, &first),
        Startup::SignedIn(SignedIn { email: CANONICAL.into(), persisted: true })
    );
}

#[test]
fn forgetting_all_accounts_leaves_nothing() {
    let computer = Computer::new();
    let launch = computer.launch();
    two_parents(&computer, &launch);
    launch.ok::<ipc::ForgetAllAccounts>(&());
    assert!(computer.store_accounts().is_empty(), "{:?}", computer.store_accounts());
    assert_eq!(launch.ok::<ipc::ListAccounts>(&()), ipc::AccountList::default());
    drop(launch);
    assert_eq!(
        computer.launch().ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: None, session_expired: false }
    );
}

#[test]
fn the_single_entry_of_an_earlier_version_is_migrated_without_losing_the_session() {
    let computer = Computer::new();
    let launch = computer.launch();
    launch.sign_up();
    let key = computer.index("embedded").current.expect("a current parent");
    let token = refresh_token(&computer, "embedded");
    drop(launch);
    // The layout of earlier versions: one entry `{portal id}` with the email and the token.
    for entry in computer.store_accounts() {
        computer.store.delete(&entry).expect("deleted");
    }
    let old = StoredAccount { email: CANONICAL.into(), refresh_token: Some(token.clone()) };
    computer.store.set("embedded", &serde_json::to_string(&old).expect("JSON")).expect("set");

    let next = computer.launch();
    assert_eq!(
        next.ok::<ipc::RestoreSession>(&()),
        Startup::SignedIn(SignedIn { email: CANONICAL.into(), persisted: true })
    );
    let migrated = ["embedded|accounts".to_owned(), format!("embedded|account|{key}")];
    assert_eq!(computer.store_accounts(), migrated, "keyed by the same account id");
    assert_ne!(refresh_token(&computer, "embedded"), token, "the rotated token is kept");
    assert_eq!(me(&next).as_deref(), Some(CANONICAL));
    drop(next);
    assert!(matches!(computer.launch().ok::<ipc::RestoreSession>(&()), Startup::SignedIn(_)));

    // An entry signed out in an earlier version leaves its email for the login form.
    let computer = Computer::new();
    let old = StoredAccount { email: CANONICAL.into(), refresh_token: None };
    computer.store.set("embedded", &serde_json::to_string(&old).expect("JSON")).expect("set");
    assert_eq!(
        computer.launch().ok::<ipc::RestoreSession>(&()),
        Startup::SignedOut { email: Some(CANONICAL.into()), session_expired: false }
    );
    assert_eq!(computer.store_accounts(), ["embedded|accounts"]);
}
