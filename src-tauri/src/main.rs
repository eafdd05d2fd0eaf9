//! Cartable desktop entry point; everything is in the library (`cartable_lib::run`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    cartable_lib::run();
}
