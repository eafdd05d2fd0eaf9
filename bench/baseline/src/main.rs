//! The bench baseline: a bare Tauri 2 app that shows one static page (`dist/index.html`), whose
//! script calls [`ready`] once the page has loaded: the start-up mark `cargo xtask bench` reads.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::time::{SystemTime, UNIX_EPOCH};

/// The page is shown: prints `ui ready: (unix ms T)` on stdout, the line Cartable logs for its
/// own first screen (`ui_ready`).
#[tauri::command]
fn ready() {
    let unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    println!("ui ready: (unix ms {unix})");
}

fn main() {
    #[allow(clippy::expect_used)]
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!())
        .expect("the baseline app could not start");
}
