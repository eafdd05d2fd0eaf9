//! Build script: compiles the Tauri context from the root `tauri.conf.json`, declares the app's
//! commands so capabilities (`capabilities/main.json`) can grant each one (`allow-<name>`), and
//! sets `cfg(embedded_portal)`.

/// Every command of `cartable_core::ipc::COMMAND_NAMES`, in the same order. A test
/// (`tests/commands.rs`) checks this list against the descriptors and the registered handlers.
const COMMANDS: &[&str] = &[
    "get_app_info",
    "update_settings",
    "restore_session",
    "sign_up_start",
    "sign_up_resend",
    "sign_up_verify_code",
    "sign_up_set_password",
    "sign_up_cancel",
    "pending_flow",
    "sign_in",
    "reset_start",
    "reset_resend",
    "reset_verify_code",
    "reset_set_password",
    "reset_cancel",
    "change_password_start",
    "sign_out",
    "forget_device",
    "delete_account",
    "list_accounts",
    "switch_account",
    "add_account",
    "forget_all_accounts",
    "school_boards",
    "private_schools",
    "get_me",
    "list_children",
    "associate_child",
    "remove_child",
    "get_dossier",
    "demo_outbox",
    "social_sign_in_start",
    "social_sign_in_cancel",
    "social_sign_in_link",
    "social_sign_in_reopen",
    "social_sign_in_copy_link",
    "link_email_start",
    "link_email_verify",
    "ui_ready",
    "update_check",
    "update_download",
    "update_progress",
];

fn main() {
    // `cfg(embedded_portal)`: a desktop build with the `embedded-portal` feature, the only builds
    // that start the reference portal in-process when no portal is configured.
    println!("cargo::rustc-check-cfg=cfg(embedded_portal)");
    let mobile = matches!(std::env::var("CARGO_CFG_TARGET_OS").as_deref(), Ok("android" | "ios"));
    if !mobile && std::env::var_os("CARGO_FEATURE_EMBEDDED_PORTAL").is_some() {
        println!("cargo::rustc-cfg=embedded_portal");
    }
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        println!("cargo::error={error:#}");
    }
}
