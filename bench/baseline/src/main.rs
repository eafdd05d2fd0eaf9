//! The bench baseline: a bare Tauri 2 app that shows one static page (`dist/index.html`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    #[allow(clippy::expect_used)]
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the baseline app could not start");
}
