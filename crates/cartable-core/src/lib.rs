//! Cartable's shared core: the portal's rules, wire types and IPC descriptors.
//!
//! Everything here builds for `wasm32-unknown-unknown` and native targets and does no I/O.
