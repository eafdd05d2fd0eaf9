//! Cartable's UI.
fn main() {}
