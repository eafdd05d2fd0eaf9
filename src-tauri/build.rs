//! Build script: compiles the Tauri context from the root `tauri.conf.json`, declares the app's
//! commands (`cartable_core::ipc::COMMAND_NAMES`, from the command table) so capabilities can
//! grant each one (`allow-<name>`), refuses a `capabilities/main.json` that grants anything but
//! exactly those, and sets `cfg(embedded_portal)`.

use cartable_core::ipc::COMMAND_NAMES;

/// The main window's capability, which must grant exactly one `allow-<name>` per command.
const CAPABILITY: &str = "capabilities/main.json";

fn main() {
    // `cfg(embedded_portal)`: a desktop build with the `embedded-portal` feature, the only builds
    // that start the reference portal in-process when no portal is configured.
    println!("cargo::rustc-check-cfg=cfg(embedded_portal)");
    let mobile = matches!(std::env::var("CARGO_CFG_TARGET_OS").as_deref(), Ok("android" | "ios"));
    if !mobile && std::env::var_os("CARGO_FEATURE_EMBEDDED_PORTAL").is_some() {
        println!("cargo::rustc-cfg=embedded_portal");
    }
    // Tauri's unused-command removal (`.cargo/config.toml`): the plugins and tauri are built
    // with none of their commands, which is right because the capability grants none of them.
    println!("cargo::rerun-if-env-changed=REMOVE_UNUSED_COMMANDS");
    if std::env::var_os("REMOVE_UNUSED_COMMANDS").is_none() {
        println!(
            "cargo::warning=REMOVE_UNUSED_COMMANDS is not set (cargo run from outside the \
             repository?): the plugins' and Tauri's commands are linked in; see .cargo/config.toml"
        );
    }
    println!("cargo::rerun-if-changed={CAPABILITY}");
    if let Err(error) = check_capability() {
        println!("cargo::error={CAPABILITY}: {error}");
    }
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMAND_NAMES));
    if let Err(error) = tauri_build::try_build(attributes) {
        println!("cargo::error={error:#}");
    }
}

/// Checks that the capability grants `allow-<name>` (dashes for underscores, tauri's spelling)
/// for every command, in the table's order, and nothing else: no plugin permission (the shell
/// opens the browser, writes the clipboard and checks for updates from Rust; the plugins and
/// tauri are built without their commands, `.cargo/config.toml`).
fn check_capability() -> Result<(), String> {
    let text = std::fs::read_to_string(CAPABILITY).map_err(|e| e.to_string())?;
    let capability: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let granted: Vec<&str> = capability["permissions"]
        .as_array()
        .ok_or("no `permissions` array")?
        .iter()
        .map(|p| p.as_str().ok_or_else(|| format!("a permission that is not a name: {p}")))
        .collect::<Result<_, _>>()?;
    let expected: Vec<String> =
        COMMAND_NAMES.iter().map(|name| format!("allow-{}", name.replace('_', "-"))).collect();
    if granted != expected {
        let extra: Vec<&&str> =
            granted.iter().filter(|p| !expected.iter().any(|e| e == *p)).collect();
        let missing: Vec<&String> =
            expected.iter().filter(|e| !granted.contains(&e.as_str())).collect();
        return Err(format!(
            "must grant exactly one `allow-<command>` per command of cartable_core's command \
             table, in its order (no plugin or core permission: they are built without their \
             commands, .cargo/config.toml); granted but not commands: {extra:?}; commands not \
             granted: {missing:?}"
        ));
    }
    Ok(())
}
