//! The platforms our Linux machines cannot run but can build or type-check (README's
//! platform table):
//! - `cargo xtask windows`: the shipped app cross-compiled for `x86_64-pc-windows-gnu` with
//!   Debian's mingw-w64, zipped with `WebView2Loader.dll` into
//!   `target/packages/cartable-windows-x64.zip`, after checking it is a PE32+ executable that
//!   imports only DLLs Windows ships and the WebView2 loader (`cargo xtask test`: the same with
//!   the `verification` profile, into `target/packages-verification/`, [`package::Profile`]);
//! - `cargo xtask mobile-check`: the app crate without the embedded portal, linted for
//!   `aarch64-linux-android` (`cargo clippy -D warnings`: the phones' code paths, the Android
//!   keystore) and checked for `aarch64-apple-ios` as far as the toolchain allows.
//!
//! Android: no NDK here, but the only C any dependency compiles is ring's, and only its build
//! script needs a C compiler for the target: Debian's clang targets aarch64-linux-android, with
//! glibc's arm64 headers (`libc6-dev-arm64-cross`) standing in for the NDK's. Nothing is linked,
//! so those headers never reach a binary. iOS: blocked without Xcode (see [`IOS_BLOCKERS`]).

use anyhow::{Context as _, anyhow, bail};
use std::path::Path;

use crate::{
    bootstrap,
    cmd::{self, Result},
    package, ui,
};

/// The Windows target of the cross-build.
const WINDOWS: &str = "x86_64-pc-windows-gnu";

/// The zip the Windows build lands in, under [`package::Profile::packages_dir`].
const WINDOWS_ZIP: &str = "cartable-windows-x64.zip";

/// DLLs every Windows 10 and 11 installation ships (lower case), which the app may import.
/// Anything else (a mingw runtime DLL such as `libgcc_s_seh-1.dll`, say) would be missing on a
/// parent's computer, so the build is refused.
const WINDOWS_SYSTEM_DLLS: &[&str] = &[
    "advapi32.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "combase.dll",
    "comctl32.dll",
    "crypt32.dll",
    "dwmapi.dll",
    "gdi32.dll",
    "imm32.dll",
    "kernel32.dll",
    "msvcrt.dll",
    "ntdll.dll",
    "ole32.dll",
    "oleaut32.dll",
    "propsys.dll",
    // The RPC runtime; an unoptimised build keeps calls into it that LTO drops.
    "rpcrt4.dll",
    "secur32.dll",
    "shell32.dll",
    "shlwapi.dll",
    "user32.dll",
    "userenv.dll",
    "uxtheme.dll",
    "version.dll",
    "winmm.dll",
    "ws2_32.dll",
];

/// The WebView2 loader, shipped beside `cartable.exe` in the zip.
const WEBVIEW2_LOADER: &str = "WebView2Loader.dll";

/// What stops the iOS check here, and what would unblock it: each is a build script that
/// compiles C or Objective-C against Apple's SDK, found through `xcrun`.
pub const IOS_BLOCKERS: &[(&str, &str)] = &[
    ("ring", "compiles C against the iOS SDK (TargetConditionals.h)"),
    (
        "objc2-exception-helper",
        "compiles Objective-C against the iOS SDK (wry turns on objc2's `exception` feature)",
    ),
];

/// `cargo xtask windows`: see the module docs; the exe is built with `profile`, and zipped into
/// its [`package::Profile::packages_dir`].
pub fn windows(root: &Path, profile: package::Profile) -> Result {
    bootstrap::rust_target(WINDOWS)?;
    if !cmd::exists("x86_64-w64-mingw32-gcc") {
        bail!("mingw-w64 is missing: run `cargo xtask test` once, or apt install mingw-w64");
    }
    ui::build(root, true)?;
    // Default features, as shipped: the embedded UI (custom-protocol) and the demo portal.
    cmd::run(
        root,
        "cargo",
        &["build", "--profile", profile.cargo_name(), "--target", WINDOWS, "-p", "cartable"],
    )?;
    // webview2-com-sys's build script copies WebView2Loader.dll beside the exe.
    let dir = root.join("target").join(WINDOWS).join(profile.cargo_name());
    let exe = dir.join("cartable.exe");
    let kind = cmd::output("file", &["-b", &exe.to_string_lossy()]).unwrap_or_default();
    if !kind.starts_with("PE32+ executable") || !kind.contains("(GUI)") {
        bail!("{} is not a PE32+ GUI executable: {kind}", exe.display());
    }
    let imports = windows_imports(&exe)?;
    let foreign: Vec<&String> = imports
        .iter()
        .filter(|dll| {
            let lower = dll.to_ascii_lowercase();
            !(WINDOWS_SYSTEM_DLLS.contains(&lower.as_str())
                || lower.starts_with("api-ms-win-")
                || dll.as_str() == WEBVIEW2_LOADER)
        })
        .collect();
    if !foreign.is_empty() {
        bail!(
            "cartable.exe imports DLLs Windows does not ship: {foreign:?} (all imports: {imports:?})"
        );
    }
    println!("· cartable.exe: {kind}; imports {}", imports.join(", "));
    let packages = profile.packages_dir();
    let out = root.join(packages);
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let zip = out.join(WINDOWS_ZIP);
    let _ = std::fs::remove_file(&zip);
    // -j: no folders inside the zip; -X: no Unix owner or time extras.
    cmd::run(
        &dir,
        "zip",
        &["-j", "-X", "-q", &zip.to_string_lossy(), "cartable.exe", WEBVIEW2_LOADER],
    )?;
    package::write_sha256(&zip)?;
    println!(
        "· {packages}/{WINDOWS_ZIP}: unzip and run cartable.exe (WebView2 is part of Windows 10 and 11)"
    );
    Ok(())
}

/// The DLL names in `exe`'s import table, as `x86_64-w64-mingw32-objdump -p` prints them.
fn windows_imports(exe: &Path) -> Result<Vec<String>> {
    let dump = cmd::output("x86_64-w64-mingw32-objdump", &["-p", &exe.to_string_lossy()])
        .context("x86_64-w64-mingw32-objdump could not read cartable.exe")?;
    let mut dlls: Vec<String> = dump
        .lines()
        .filter_map(|line| line.trim().strip_prefix("DLL Name: "))
        .map(str::to_owned)
        .collect();
    dlls.sort();
    dlls.dedup();
    if dlls.is_empty() {
        bail!("no import table in cartable.exe");
    }
    Ok(dlls)
}

/// `cargo xtask mobile-check`: see the module docs.
pub fn mobile_check(root: &Path) -> Result {
    android(root)?;
    ios(root)
}

fn android(root: &Path) -> Result {
    let target = "aarch64-linux-android";
    bootstrap::rust_target(target)?;
    let headers = Path::new("/usr/aarch64-linux-gnu/include");
    if !headers.is_dir() || !cmd::exists("clang") {
        bail!("clang and libc6-dev-arm64-cross are missing: run `cargo xtask test` once");
    }
    let cflags = format!("--target={target} -nostdlibinc -isystem {}", headers.display());
    cmd::run_env(
        root,
        "cargo",
        &[
            "clippy",
            "--target",
            target,
            "-p",
            "cartable",
            "--no-default-features",
            "--",
            "-D",
            "warnings",
        ],
        &[
            ("CC_aarch64_linux_android", "clang"),
            ("AR_aarch64_linux_android", "llvm-ar"),
            ("CFLAGS_aarch64_linux_android", &cflags),
        ],
    )
}

/// Checks the app for iOS; passes only when the check stops exactly at [`IOS_BLOCKERS`], and
/// says so.
fn ios(root: &Path) -> Result {
    let target = "aarch64-apple-ios";
    bootstrap::rust_target(target)?;
    let args = [
        "check",
        "--keep-going",
        "--message-format",
        "short",
        "--target",
        target,
        "-p",
        "cartable",
        "--no-default-features",
    ];
    println!("$ cargo {}", args.join(" "));
    let out = std::process::Command::new("cargo")
        .args(args)
        .current_dir(root)
        .output()
        .context("could not start cargo")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        println!("· iOS: the app type-checks");
        return Ok(());
    }
    let failed: Vec<&str> = stderr.lines().filter(|line| line.starts_with("error")).collect();
    let expected = |line: &&str| {
        IOS_BLOCKERS
            .iter()
            .any(|(krate, _)| line.contains(&format!("custom build command for `{krate} v")))
    };
    let unexpected: Vec<&&str> = failed.iter().filter(|line| !expected(line)).collect();
    if unexpected.is_empty() && failed.len() == IOS_BLOCKERS.len() {
        println!(
            "· iOS: BLOCKED here (no Xcode, no iOS SDK); everything else that could be checked was:"
        );
        for (krate, why) in IOS_BLOCKERS {
            println!("    {krate}: {why}");
        }
        println!(
            "  Unblocked on macOS with Xcode: `cargo check --target {target} -p cartable --no-default-features`."
        );
        return Ok(());
    }
    Err(anyhow!("the iOS check failed other than at its known blockers:\n{stderr}"))
}
