//! Cartable's UI: a Sycamore app in the Tauri shell's webview.
//!
//! Every portal action goes through the shell's commands ([`ipc`]); every text comes from the
//! Fluent files ([`i18n`]); the decisions a screen makes are plain functions in [`state`] and the
//! components, tested natively with `cargo test -p cartable-ui`. Build for the webview with
//! `cargo build -p cartable-ui --target wasm32-unknown-unknown --release`, then `wasm-bindgen
//! --target web --no-typescript --out-dir ui/dist …/cartable_ui.wasm`, then copy
//! `ui/index.html` and `ui/style.css` into `ui/dist`.

pub mod app;
pub mod components;
pub mod i18n;
pub mod ipc;
pub mod routes;
pub mod screens;
pub mod state;

/// Mounts the app on `<body>`.
fn main() {
    #[cfg(target_arch = "wasm32")]
    sycamore::render(app::App);
}
