//! Cartable's UI: a Sycamore app in the Tauri shell's webview.
//!
//! Every portal action goes through the shell's commands ([`ipc`]); every text comes from the
//! Fluent files ([`i18n`]); the decisions a screen makes are plain functions in [`state`] and the
//! components, tested natively with `cargo test -p cartable-ui`. Build for the webview with
//! `cargo xtask ui [--release]`, which runs cargo for wasm32, wasm-bindgen (and wasm-opt) and
//! copies `ui/index.html` and `ui/style.css` into `ui/dist`.

pub mod app;
pub mod components;
pub mod dates;
pub mod forms;
pub mod hint;
pub mod i18n;
pub mod ipc;
pub mod routes;
pub mod screens;
pub mod state;

/// Mounts the app on `<body>`.
fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        // A panic freezes the webview: at least say why in the console (and so in the
        // end-to-end suite's page-errors.json).
        std::panic::set_hook(Box::new(|info| {
            web_sys::console::error_1(&format!("Cartable panicked: {info}").into());
        }));
        sycamore::render(app::App);
    }
}
