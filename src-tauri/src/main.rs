//! Cartable desktop entry point.
fn main() {}
