//! Cartable shell.
